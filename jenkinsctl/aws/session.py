"""Build boto3 clients once, from the config and the environment, with errors translated."""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from jenkinsctl.errors import AwsError

NOT_FOUND_CODES = {
    "ResourceNotFoundException", "RepositoryNotFoundException", "ImageNotFoundException",
    "ClusterNotFoundException", "ServiceNotFoundException", "NoSuchEntity", "ParameterNotFound",
    "TargetGroupNotFound", "LoadBalancerNotFound", "ListenerNotFound", "RuleNotFound",
    "InvalidLaunchTemplateName.NotFoundException", "InvalidLaunchTemplateId.NotFound",
    "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", "ObjectNotFoundException",
}
CONFLICT_CODES = {"ResourceInUseException", "EntityAlreadyExists", "RepositoryAlreadyExistsException",
                  "ImageAlreadyExistsException", "ImageTagAlreadyExistsException", "DuplicateTargetGroupName",
                  "AlreadyExists", "ResourceAlreadyExistsException", "ParameterAlreadyExists"}


class AwsNotFound(AwsError):
    """The named AWS resource does not exist."""


class AwsConflict(AwsError):
    """The AWS resource already exists or is in use."""


ROLE_SESSION_SECONDS = 3600  # the most role chaining allows (a Jenkins agent's task role assuming another)


def session_name(service: str | None, build_tag: str | None) -> str:
    """`jenkinsctl.<service>.<BUILD_TAG>` as CloudTrail shows it: who acted, for what, from which
    build. STS allows 64 characters of [\\w+=,.@-]; a long build tag keeps its end (the number)."""
    clean = lambda text: re.sub(r"[^\w+=,.@-]", "-", text)  # noqa: E731
    head = clean(".".join(["jenkinsctl", *([service] if service else [])]))[:64]
    if not build_tag:
        return head
    room = 64 - len(head) - 1
    return f"{head}.{clean(build_tag)[-room:]}" if room > 0 else head


@dataclass
class AssumedRole:
    """An environment's role, assumed through STS once per process and refreshed before it expires
    (a deploy may outlast one role session)."""
    role_arn: str
    external_id: str | None
    session_name: str
    environment: str
    caller: Any  # the AwsClients of the identity jenkinsctl runs as, which assumes the role
    _credentials: Any = field(default=None, repr=False)

    def credentials(self):
        if self._credentials is None:
            from botocore.credentials import RefreshableCredentials

            self._credentials = RefreshableCredentials.create_from_metadata(
                self._fetch(), self._fetch, "assume-role")
        return self._credentials

    @property
    def sts(self) -> "TranslatedClient":
        return self.caller.client("sts")

    def _fetch(self) -> dict:
        kwargs = {"RoleArn": self.role_arn, "RoleSessionName": self.session_name,
                  "DurationSeconds": ROLE_SESSION_SECONDS}
        if self.external_id:
            kwargs["ExternalId"] = self.external_id
        try:
            creds = self.sts.assume_role(**kwargs)["Credentials"]
        except AwsError as exc:
            raise self._explain(exc) from exc
        return {"access_key": creds["AccessKeyId"], "secret_key": creds["SecretAccessKey"],
                "token": creds["SessionToken"], "expiry_time": creds["Expiration"].isoformat()
                if hasattr(creds["Expiration"], "isoformat") else str(creds["Expiration"])}

    def _explain(self, exc: AwsError) -> AwsError:
        if "access denied" not in exc.message:
            return AwsError(f"cannot assume role {self.role_arn} for environment {self.environment}: {exc.message}",
                            exc.hint)
        who = "the identity jenkinsctl runs as"
        try:
            who = self.sts.get_caller_identity()["Arn"]
        except AwsError:
            pass
        condition = " with the condition sts:ExternalId equal to the environment's externalId" \
            if self.external_id else ""
        return AwsError(f"cannot assume role {self.role_arn} for environment {self.environment}: access denied",
                        f"the trust policy of {self.role_arn} must allow sts:AssumeRole by {who}{condition}, and "
                        f"that identity needs sts:AssumeRole on {self.role_arn} (docs/iam.md, \"Environments in "
                        f"other accounts\")")


class AwsClients:
    """One factory for every AWS client jenkinsctl uses. Point it at moto with `endpoint_url`.
    `for_environment` gives the clients acting in one environment (its region, through its role)."""

    def __init__(self, region: str, endpoint_url: str | None = None, environ: Mapping[str, str] | None = None,
                 max_attempts: int = 5, role: AssumedRole | None = None):
        self.region = region
        self.environ = os.environ if environ is None else environ
        self.endpoint_url = endpoint_url or self.environ.get("JENKINSCTL_AWS_ENDPOINT_URL") or \
            self.environ.get("AWS_ENDPOINT_URL")
        self.max_attempts = max_attempts
        self.role = role
        self._clients: dict[str, Any] = {}
        self._session = None
        self._roles: dict[tuple, AssumedRole] = {}
        self._children: dict[tuple, "AwsClients"] = {}

    @classmethod
    def from_config(cls, config, environ: Mapping[str, str] | None = None, region: str | None = None) -> "AwsClients":
        return cls(region or config.aws.region, config.aws.endpoint_url, environ)

    def for_environment(self, env, service: str | None = None) -> "AwsClients":
        """Clients acting in `env` (a ResolvedEnvironment): in its region, and through its `roleArn`
        when it has one (assumed with these clients' credentials; one role session per role, shared
        by every region and every later call). Without a role: these credentials, unchanged."""
        role_arn = getattr(env, "role_arn", None)
        external_id = getattr(env, "external_id", None) if role_arn else None
        if role_arn is None and env.region == self.region:
            return self
        key = (role_arn, external_id, env.region)
        if key not in self._children:
            role = None
            if role_arn:
                if (role_arn, external_id) not in self._roles:
                    self._roles[(role_arn, external_id)] = AssumedRole(
                        role_arn, external_id, session_name(service, self.environ.get("BUILD_TAG")), env.name,
                        self)
                role = self._roles[(role_arn, external_id)]
            self._children[key] = AwsClients(env.region, self.endpoint_url, self.environ, self.max_attempts,
                                             role or self.role)
        return self._children[key]

    def assume(self) -> None:
        """Assume this factory's role now, if it has one, so that a refusal comes before any change."""
        if self.role is not None:
            self.role.credentials()

    @property
    def session(self):
        if self._session is None:
            import boto3

            if self.role is not None:
                import botocore.session

                core = botocore.session.get_session()
                core._credentials = self.role.credentials()  # refreshable; botocore has no public setter
                self._session = boto3.session.Session(botocore_session=core, region_name=self.region)
                return self._session
            kwargs = {}
            if self.endpoint_url and not (self.environ.get("AWS_ACCESS_KEY_ID") or os.environ.get("AWS_PROFILE")):
                # the sandbox (moto) accepts any credentials; never fall back to a real account's
                kwargs = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
            self._session = boto3.session.Session(region_name=self.region, **kwargs)
        return self._session

    def client(self, service: str) -> "TranslatedClient":
        if service not in self._clients:
            from botocore.config import Config

            cfg = Config(retries={"mode": "standard", "total_max_attempts": self.max_attempts},
                         connect_timeout=5, read_timeout=60)
            raw = self.session.client(service, endpoint_url=self.endpoint_url, config=cfg)
            self._clients[service] = TranslatedClient(service, raw)
        return self._clients[service]

    @property
    def call_count(self) -> int:
        """API calls made so far through every client of this factory (deploy polls count them)."""
        return sum(len(c.calls) for c in self._clients.values())

    def __getattr__(self, service: str) -> "TranslatedClient":
        # clients.ecs.describe_services(...): attribute access for readability
        if service.startswith("_"):
            raise AttributeError(service)
        return self.client(service.replace("_", "-") if service == "application_autoscaling" else service)


class TranslatedClient:
    """A boto3 client whose calls raise `AwsError` (with typed leaves) instead of botocore errors."""

    def __init__(self, service: str, raw: Any):
        self.service = service
        self.raw = raw
        self.calls: list[str] = []  # every operation called, in order (benchmarks count them)

    @property
    def exceptions(self):
        return self.raw.exceptions

    def get_paginator(self, name: str):
        return self.raw.get_paginator(name)

    def __getattr__(self, name: str):
        method = getattr(self.raw, name)
        if not callable(method):
            return method

        @functools.wraps(method)
        def call(*args, **kwargs):
            self.calls.append(name)
            try:
                return method(*args, **kwargs)
            except Exception as exc:  # translate botocore's family; anything else is a bug
                raise translate(exc, self.service, name) from exc

        return call


def translate(exc: Exception, service: str, operation: str) -> Exception:
    from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError

    where = f"AWS {service} {operation}"
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code, message = err.get("Code", "Unknown"), err.get("Message", str(exc))
        if code in NOT_FOUND_CODES or code.endswith("NotFoundException") or code.endswith("NotFound"):
            return AwsNotFound(f"{where}: {code}: {message}")
        if code in CONFLICT_CODES:
            return AwsConflict(f"{where}: {code}: {message}")
        if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
            return AwsError(f"{where}: access denied: {message}",
                            "the IAM permissions each command needs are listed in docs/iam.md")
        if code in ("ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException"):
            return AwsError(f"{where}: credentials rejected ({code})", "refresh your AWS credentials")
        return AwsError(f"{where} failed: {code}: {message}")
    if isinstance(exc, NoCredentialsError):
        return AwsError(f"{where}: no AWS credentials found",
                        "set AWS_PROFILE or AWS_ACCESS_KEY_ID, or run `eval $(jenkinsctl sandbox env)` for the sandbox")
    if isinstance(exc, EndpointConnectionError):
        return AwsError(f"{where}: cannot reach {exc.kwargs.get('endpoint_url', 'the endpoint')}",
                        "is the sandbox running? `jenkinsctl sandbox status`")
    if isinstance(exc, BotoCoreError):
        return AwsError(f"{where} failed: {exc}")
    try:
        from botocore.parsers import ResponseParserError

        if isinstance(exc, ResponseParserError):
            return AwsError(f"{where}: the endpoint answered with something that is not AWS's API "
                            "(unimplemented in the sandbox?)")
    except ImportError:  # pragma: no cover
        pass
    return exc
