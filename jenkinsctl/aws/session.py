"""Build boto3 clients once, from the config and the environment, with errors translated."""

from __future__ import annotations

import functools
import os
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


class AwsClients:
    """One factory for every AWS client jenkinsctl uses. Point it at moto with `endpoint_url`."""

    def __init__(self, region: str, endpoint_url: str | None = None, environ: Mapping[str, str] | None = None,
                 max_attempts: int = 5):
        self.region = region
        self.environ = os.environ if environ is None else environ
        self.endpoint_url = endpoint_url or self.environ.get("JENKINSCTL_AWS_ENDPOINT_URL") or \
            self.environ.get("AWS_ENDPOINT_URL")
        self.max_attempts = max_attempts
        self._clients: dict[str, Any] = {}
        self._session = None

    @classmethod
    def from_config(cls, config, environ: Mapping[str, str] | None = None, region: str | None = None) -> "AwsClients":
        return cls(region or config.aws.region, config.aws.endpoint_url, environ)

    @property
    def session(self):
        if self._session is None:
            import boto3

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
