"""The boto3 session and the typed class of each AWS service, built once; botocore errors translated."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator

from jenkinsctl.errors import AwsError

if TYPE_CHECKING:  # the typed classes, imported when first used
    from jenkinsctl.aws.appautoscaling import AppAutoscaling
    from jenkinsctl.aws.autoscaling import AutoScaling
    from jenkinsctl.aws.cloudwatch import CloudWatch
    from jenkinsctl.aws.dynamodb import DynamoDb
    from jenkinsctl.aws.ec2 import Ec2
    from jenkinsctl.aws.ecr import Ecr
    from jenkinsctl.aws.ecs import Ecs
    from jenkinsctl.aws.elbv2 import Elbv2
    from jenkinsctl.aws.events import Events
    from jenkinsctl.aws.iam import Iam
    from jenkinsctl.aws.lambdas import Lambdas
    from jenkinsctl.aws.logs import Logs
    from jenkinsctl.aws.route53 import Route53
    from jenkinsctl.aws.secretsmanager import SecretsManager
    from jenkinsctl.aws.sqs import Sqs
    from jenkinsctl.aws.ssm import Ssm
    from jenkinsctl.aws.sts import Sts

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
    def sts(self) -> "Sts":
        return self.caller.sts

    def _fetch(self) -> dict:
        try:
            creds = self.sts.assume_role(self.role_arn, self.session_name, ROLE_SESSION_SECONDS, self.external_id)
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
            who = self.sts.caller_arn()
        except AwsError:
            pass
        condition = " with the condition sts:ExternalId equal to the environment's externalId" \
            if self.external_id else ""
        return AwsError(f"cannot assume role {self.role_arn} for environment {self.environment}: access denied",
                        f"the trust policy of {self.role_arn} must allow sts:AssumeRole by {who}{condition}, and "
                        f"that identity needs sts:AssumeRole on {self.role_arn} (docs/iam.md, \"Environments in "
                        f"other accounts\")")


SANDBOX_CREDENTIALS = ("testing", "testing")  # moto accepts any; never a real account's by accident

# boto3 service name -> (module, class) of the typed class that owns its calls
SERVICES = {
    "application-autoscaling": ("appautoscaling", "AppAutoscaling"), "autoscaling": ("autoscaling", "AutoScaling"),
    "cloudwatch": ("cloudwatch", "CloudWatch"), "dynamodb": ("dynamodb", "DynamoDb"), "ec2": ("ec2", "Ec2"),
    "ecr": ("ecr", "Ecr"), "ecs": ("ecs", "Ecs"),
    "elbv2": ("elbv2", "Elbv2"), "events": ("events", "Events"), "iam": ("iam", "Iam"), "logs": ("logs", "Logs"),
    "lambda": ("lambdas", "Lambdas"),
    "secretsmanager": ("secretsmanager", "SecretsManager"), "sqs": ("sqs", "Sqs"), "ssm": ("ssm", "Ssm"),
    "sts": ("sts", "Sts"), "route53": ("route53", "Route53"),
}


class Service:
    """The base of the typed class of one AWS service: it owns the boto3 client, counts every
    call (benchmarks and tests assert counts) and translates botocore's errors into `AwsError`s.
    Subclasses expose only the calls jenkinsctl makes; `PLANNED` names the operations a plan
    (`jenkinsctl.plan.ApiCall`) may carry out through `apply`."""

    name = ""
    PLANNED: frozenset[str] = frozenset()

    def __init__(self, raw: Any):
        self.raw = raw  # the boto3 client: tests put botocore's Stubber on it
        self.calls: list[str] = []  # every operation called, in order

    def _call(self, operation: str, **params) -> dict:
        self.calls.append(operation)
        try:
            return getattr(self.raw, operation)(**params)
        except Exception as exc:  # translate botocore's family; anything else is a bug
            raise translate(exc, self.name, operation) from exc

    def _found(self, operation: str, **params) -> bool:
        """Whether a describe/get call finds its resource (not found -> False; other errors raise)."""
        try:
            self._call(operation, **params)
        except AwsNotFound:
            return False
        return True

    def _pages(self, operation: str, token: str, **params) -> Iterator[dict]:
        from jenkinsctl.aws.pages import pages

        return pages(lambda **kw: self._call(operation, **kw), token, **params)

    def apply(self, call) -> dict:
        """Carry out one planned call of this service (a `jenkinsctl.plan.ApiCall`, values resolved)."""
        if call.service != self.name or call.method not in self.PLANNED:
            raise ValueError(f"{type(self).__name__} does not carry out planned calls of "
                             f"{call.service}.{call.method}")
        return self._call(call.method, **call.params)


class AwsClients:
    """Every AWS service jenkinsctl uses, as its typed class (`clients.ecs`, `clients.iam`...),
    built once per service from one boto3 session. Built by `jenkinsctl.factory.Factory` from
    the config and the environment; nothing here reads the environment. Point it at moto with
    `endpoint_url`. `for_environment` gives the clients acting in one environment (its region,
    through its role)."""

    def __init__(self, region: str, endpoint_url: str | None = None, *, profile: str | None = None,
                 static_credentials: tuple[str, ...] | None = None, build_tag: str | None = None,
                 max_attempts: int = 5, role: AssumedRole | None = None, call_log: str | None = None):
        self.region = region
        self.call_log = call_log  # a file each call's IAM action is appended to (jenkinsctl.aws.calllog)
        self.endpoint_url = endpoint_url
        self.profile = profile
        self.static_credentials = static_credentials
        self.build_tag = build_tag
        self.max_attempts = max_attempts
        self.role = role
        self._services: dict[str, Service] = {}
        self._session = None
        self._roles: dict[tuple, AssumedRole] = {}
        self._children: dict[tuple, "AwsClients"] = {}

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
                        role_arn, external_id, session_name(service, self.build_tag), env.name, self)
                role = self._roles[(role_arn, external_id)]
            self._children[key] = AwsClients(env.region, self.endpoint_url, profile=self.profile,
                                             static_credentials=self.static_credentials, build_tag=self.build_tag,
                                             max_attempts=self.max_attempts, role=role or self.role,
                                             call_log=self.call_log)
        return self._children[key]

    def assume(self) -> None:
        """Assume this factory's role now, if it has one, so that a refusal comes before any change."""
        if self.role is not None:
            self.role.credentials()

    @property
    def session(self):
        if self._session is None:
            self._session = self._new_session()
            if self.call_log:
                from jenkinsctl.aws.calllog import CallLog

                CallLog(self.call_log).install(self._session)
        return self._session

    def _new_session(self):
        import boto3

        if self.role is not None:
            import botocore.session

            core = botocore.session.get_session()
            core._credentials = self.role.credentials()  # refreshable; botocore has no public setter
            return boto3.session.Session(botocore_session=core, region_name=self.region)
        kwargs: dict[str, Any] = {"profile_name": self.profile} if self.profile else {}
        if self.static_credentials:  # (key id, secret[, session token])
            kwargs = dict(zip(("aws_access_key_id", "aws_secret_access_key", "aws_session_token"),
                              self.static_credentials, strict=False))  # the token is optional
        return boto3.session.Session(region_name=self.region, **kwargs)

    def service(self, name: str) -> Service:
        """The typed class of AWS service `name` (boto3's name: "ecs", "application-autoscaling")."""
        if name not in self._services:
            import importlib

            from botocore.config import Config

            if name not in SERVICES:
                raise ValueError(f"jenkinsctl has no typed class for AWS service {name}")
            module, cls = SERVICES[name]
            cfg = Config(retries={"mode": "standard", "total_max_attempts": self.max_attempts},
                         connect_timeout=5, read_timeout=60)
            raw = self.session.client(name, endpoint_url=self.endpoint_url, config=cfg)
            self._services[name] = getattr(importlib.import_module(f"jenkinsctl.aws.{module}"), cls)(raw)
        return self._services[name]

    @property
    def appautoscaling(self) -> "AppAutoscaling":
        return self.service("application-autoscaling")  # type: ignore[return-value]

    @property
    def autoscaling(self) -> "AutoScaling":
        return self.service("autoscaling")  # type: ignore[return-value]

    @property
    def cloudwatch(self) -> "CloudWatch":
        return self.service("cloudwatch")  # type: ignore[return-value]

    @property
    def dynamodb(self) -> "DynamoDb":
        return self.service("dynamodb")  # type: ignore[return-value]

    @property
    def ec2(self) -> "Ec2":
        return self.service("ec2")  # type: ignore[return-value]

    @property
    def ecr(self) -> "Ecr":
        return self.service("ecr")  # type: ignore[return-value]

    @property
    def ecs(self) -> "Ecs":
        return self.service("ecs")  # type: ignore[return-value]

    @property
    def elbv2(self) -> "Elbv2":
        return self.service("elbv2")  # type: ignore[return-value]

    @property
    def events(self) -> "Events":
        return self.service("events")  # type: ignore[return-value]

    @property
    def iam(self) -> "Iam":
        return self.service("iam")  # type: ignore[return-value]

    @property
    def lambdas(self) -> "Lambdas":
        return self.service("lambda")  # type: ignore[return-value]

    @property
    def logs(self) -> "Logs":
        return self.service("logs")  # type: ignore[return-value]

    @property
    def secretsmanager(self) -> "SecretsManager":
        return self.service("secretsmanager")  # type: ignore[return-value]

    @property
    def sqs(self) -> "Sqs":
        return self.service("sqs")  # type: ignore[return-value]

    @property
    def route53(self) -> "Route53":
        return self.service("route53")  # type: ignore[return-value]

    @property
    def ssm(self) -> "Ssm":
        return self.service("ssm")  # type: ignore[return-value]

    @property
    def sts(self) -> "Sts":
        return self.service("sts")  # type: ignore[return-value]

    @property
    def call_count(self) -> int:
        """API calls made so far through every service of these clients (deploy polls count them)."""
        return sum(len(s.calls) for s in self._services.values())

    def mutating_calls(self) -> list[str]:
        """Mutating operations made so far, as "service.operation" (for `apply` idempotence)."""
        return [f"{name}.{op}" for name, s in self._services.items() for op in s.calls
                if not op.startswith(("describe_", "list_", "get_"))]


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
