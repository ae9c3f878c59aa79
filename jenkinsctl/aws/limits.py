"""AWS's documented limits on every name and number jenkinsctl sends, as data, and pure checks.

moto accepts much that AWS refuses (a 40-character target group name, a 10-day log retention, a
capacity provider named `ecs-ci-spot`...). Validation (the config, fleet and descriptor models, and
the checks of derived names) asks `problem(key, value)` and reports the answer located in the file
that set the value; `tests/awsrules.py` can refuse the same on moto. One row per limit, each with
the page that documents it; where botocore's service model carries min/max/pattern, the row names
the shape (`model`) and `tests/unit/test_aws_limits.py` holds the row against it.

Pure: no boto3 import (validation runs before any client exists)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_API = "https://docs.aws.amazon.com/{}/latest/APIReference/API_{}.html"


@dataclass(frozen=True)
class Limit:
    what: str  # what the value names, as a user reads it: "ALB target group name"
    doc: str  # the AWS page that documents the limit
    hint: str
    min_len: int | None = None
    max_len: int | None = None
    pattern: str | None = None  # the whole value must match
    low: int | None = None
    high: int | None = None
    allowed: tuple[int, ...] = ()
    reserved_prefixes: tuple[str, ...] = ()  # case-insensitive
    no_edge_hyphen: bool = False
    model: tuple[str, str, str] | None = None  # botocore (service, operation, member path) with the same bounds
    _compiled: re.Pattern | None = field(default=None, init=False, repr=False, compare=False)

    def problem(self, value: object, subject: str | None = None) -> str | None:
        """What is wrong with `value` for AWS (a sentence about `subject`, default: the value), or None."""
        if self.allowed or self.low is not None or self.high is not None:
            return self._number(value)
        text = str(value)
        subject = subject or f"'{_cut(text)}'"
        what = _a(self.what)
        if self.min_len is not None and len(text) < self.min_len:
            return f"{subject} is too short for {what} (at least {self.min_len} characters)"
        if self.max_len is not None and len(text) > self.max_len:
            return f"{subject} is {len(text)} characters; {what} has at most {self.max_len}"
        if self.pattern is not None and not re.fullmatch(self.pattern, text):
            return f"{subject} has characters {what} cannot have"
        if self.no_edge_hyphen and (text.startswith("-") or text.endswith("-")):
            return f"{subject}: {what} cannot start or end with a hyphen"
        low = text.lower()
        for prefix in self.reserved_prefixes:
            if low.startswith(prefix):
                return f"{subject}: {what} cannot start with '{prefix}' (reserved by AWS)"
        return None

    def _number(self, value: object) -> str | None:
        if not isinstance(value, int) or isinstance(value, bool):
            return f"{value!r} is not a whole number ({self.what})"
        if self.allowed and value not in self.allowed:
            return f"{value} is not {_a(self.what)} AWS accepts"
        if self.low is not None and value < self.low or self.high is not None and value > self.high:
            return f"{value} is out of range for {_a(self.what)} ({self.low} to {self.high})"
        return None


def _a(what: str) -> str:
    """`what` with its article: "an ECS cluster name", "a target group name"."""
    acronym = len(what) > 1 and what[:2].isupper()
    vowel = what[0] in ("AEFHILMNORSX" if acronym else "aeiouAEIOU")
    return ("an " if vowel else "a ") + what


def _cut(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."


_ECS_NAME = r"[A-Za-z0-9_-]+"
_IAM_NAME = r"[\w+=,.@-]+"
_TAG = r"[\w\s.:/=+\-@]*"  # letters, digits, spaces and _.:/=+-@ (\p{L}\p{Z}\p{N} in the models)
ALB_HTTP_TIMEOUT = 6  # seconds: ALB's health check timeout for HTTP target groups when none is sent (we send none)
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                  3288, 3653)

LIMITS: dict[str, Limit] = {
    "logs.retention": Limit(
        "CloudWatch Logs retention (days)", _API.format("AmazonCloudWatchLogs", "PutRetentionPolicy"),
        "one of " + ", ".join(map(str, RETENTION_DAYS)), allowed=RETENTION_DAYS),
    "logs.group": Limit(
        "CloudWatch Logs group name", _API.format("AmazonCloudWatchLogs", "CreateLogGroup"),
        "letters, digits and . - _ / #, at most 512", 1, 512, r"[.\-_/#A-Za-z0-9]+",
        model=("logs", "CreateLogGroup", "logGroupName")),
    "ecs.cluster": Limit(
        "ECS cluster name", _API.format("AmazonECS", "CreateCluster"),
        "letters, digits, '-' and '_', at most 255", 1, 255, _ECS_NAME),
    "ecs.service": Limit(
        "ECS service name", _API.format("AmazonECS", "CreateService"),
        "letters, digits, '-' and '_', at most 255", 1, 255, _ECS_NAME),
    "ecs.family": Limit(
        "ECS task definition family", _API.format("AmazonECS", "RegisterTaskDefinition"),
        "letters, digits, '-' and '_', at most 255", 1, 255, _ECS_NAME),
    "ecs.capacity_provider": Limit(
        "ECS capacity provider name", _API.format("AmazonECS", "CreateCapacityProvider"),
        "letters, digits, '-' and '_', at most 255, not starting with aws, ecs or fargate", 1, 255, _ECS_NAME,
        reserved_prefixes=("aws", "ecs", "fargate")),
    "ecs.desired_count": Limit(
        "ECS service desired count", "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html",
        "0 to 5000 (tasks per service)", low=0, high=5000),
    "ecs.target_capacity": Limit(
        "capacity provider target capacity (%)", _API.format("AmazonECS", "ManagedScaling"),
        "1 to 100", low=1, high=100, model=("ecs", "CreateCapacityProvider",
                                            "autoScalingGroupProvider.managedScaling.targetCapacity")),
    "ecs.grace_seconds": Limit(
        "ECS health check grace period (seconds)", _API.format("AmazonECS", "CreateService"),
        "0 to 2147483647", low=0, high=2147483647),
    "elbv2.target_group": Limit(
        "ALB target group name", _API.format("elasticloadbalancing", "CreateTargetGroup"),
        "letters, digits and hyphens, at most 32, not starting or ending with a hyphen", 1, 32, r"[A-Za-z0-9-]+",
        no_edge_hyphen=True),
    "elbv2.rule_priority": Limit(
        "ALB listener rule priority", _API.format("elasticloadbalancing", "CreateRule"),
        "1 to 50000 (a listener has room for that many rules)", low=1, high=50000,
        model=("elbv2", "CreateRule", "Priority")),
    "elbv2.health_interval": Limit(
        "target group health check interval (seconds)", _API.format("elasticloadbalancing", "CreateTargetGroup"),
        "5 to 300", low=5, high=300, model=("elbv2", "CreateTargetGroup", "HealthCheckIntervalSeconds")),
    "elbv2.health_timeout": Limit(
        "target group health check timeout (seconds)", _API.format("elasticloadbalancing", "CreateTargetGroup"),
        "2 to 120, and less than the interval", low=2, high=120,
        model=("elbv2", "CreateTargetGroup", "HealthCheckTimeoutSeconds")),
    "elbv2.healthy_threshold": Limit(
        "target group healthy threshold", _API.format("elasticloadbalancing", "CreateTargetGroup"),
        "2 to 10", low=2, high=10, model=("elbv2", "CreateTargetGroup", "HealthyThresholdCount")),
    "elbv2.unhealthy_threshold": Limit(
        "target group unhealthy threshold", _API.format("elasticloadbalancing", "CreateTargetGroup"),
        "2 to 10", low=2, high=10, model=("elbv2", "CreateTargetGroup", "UnhealthyThresholdCount")),
    "elbv2.health_path": Limit(
        "target group health check path", _API.format("elasticloadbalancing", "CreateTargetGroup"),
        "an absolute path of at most 1024 characters", 1, 1024, r"/[\x21-\x7e]*",
        model=("elbv2", "CreateTargetGroup", "HealthCheckPath")),
    "elbv2.port": Limit(
        "target group port", _API.format("elasticloadbalancing", "CreateTargetGroup"),
        "1 to 65535", low=1, high=65535, model=("elbv2", "CreateTargetGroup", "Port")),
    "elbv2.host_header": Limit(
        "listener rule host header", _API.format("elasticloadbalancing", "HostHeaderConditionConfig"),
        "at most 128 of letters, digits and - . * ?", 1, 128, r"[A-Za-z0-9.*?-]+"),
    "elbv2.path_pattern": Limit(
        "listener rule path pattern", _API.format("elasticloadbalancing", "PathPatternConditionConfig"),
        "at most 128 characters of A-Z a-z 0-9 _ - . $ / ~ \" ' @ : + & * ? (and ;)", 1, 128,
        r"[A-Za-z0-9_.$/~\"'@:+&*?;-]+"),
    "ecr.repository": Limit(
        "ECR repository name", _API.format("AmazonECR", "CreateRepository"),
        "lowercase path segments separated by '/', 2 to 256 characters, e.g. payments/orders-api", 2, 256,
        r"[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*",
        model=("ecr", "CreateRepository", "repositoryName")),
    "ecr.lifecycle_count": Limit(
        "ECR lifecycle rule image count", "https://docs.aws.amazon.com/AmazonECR/latest/userguide/"
        "lifecycle_policy_parameters.html", "a whole number of at least 1", low=1, high=2147483647),
    "ssm.parameter": Limit(
        "SSM parameter name", "https://docs.aws.amazon.com/systems-manager/latest/userguide/"
        "sysman-paramstore-su-create.html",
        "a path of letters, digits and _ . - /, at most 1011 characters, not starting with aws or ssm",
        1, 1011, r"/?[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*", reserved_prefixes=("aws", "ssm", "/aws", "/ssm")),
    "ssm.parameter_read": Limit(
        "SSM parameter name", _API.format("systems-manager", "GetParameter"),
        "a path of letters, digits and _ . - /, at most 2048 characters", 1, 2048,
        r"/?[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*", model=("ssm", "GetParameter", "Name")),
    "ssm.value": Limit(
        "SSM Standard parameter value (bytes)", _API.format("systems-manager", "PutParameter"),
        "at most 4096 bytes (Standard tier)", low=0, high=4096),
    "secretsmanager.name": Limit(
        "Secrets Manager secret name", _API.format("secretsmanager", "CreateSecret"),
        "at most 512 of letters, digits and /_+=.@-", 1, 512, r"[A-Za-z0-9/_+=.@-]+"),
    "iam.role": Limit(
        "IAM role name", _API.format("IAM", "CreateRole"), "letters, digits and +=,.@_-, at most 64",
        1, 64, _IAM_NAME, model=("iam", "CreateRole", "RoleName")),
    "iam.path": Limit(
        "IAM path", _API.format("IAM", "CreateRole"), "'/' or '/…/' of printable ASCII, at most 512",
        1, 512, r"/|/[\x21-\x7e]+/", model=("iam", "CreateRole", "Path")),
    "iam.instance_profile": Limit(
        "IAM instance profile name", _API.format("IAM", "CreateInstanceProfile"),
        "letters, digits and +=,.@_-, at most 128", 1, 128, _IAM_NAME,
        model=("iam", "CreateInstanceProfile", "InstanceProfileName")),
    "iam.policy_name": Limit(
        "IAM inline policy name", _API.format("IAM", "PutRolePolicy"), "letters, digits and +=,.@_-, at most 128",
        1, 128, _IAM_NAME, model=("iam", "PutRolePolicy", "PolicyName")),
    "autoscaling.group": Limit(
        "Auto Scaling group name", _API.format("autoscaling", "CreateAutoScalingGroup"),
        "at most 255 characters, no ':' (it separates ARN parts)", 1, 255, r"[^:\x00-\x1f]+",
        model=("autoscaling", "CreateAutoScalingGroup", "AutoScalingGroupName")),
    "autoscaling.size": Limit(
        "Auto Scaling group size (instances)", _API.format("autoscaling", "CreateAutoScalingGroup"),
        "0 to 5000 (the default quota of instances per group's Region is far lower; raise it first)",
        low=0, high=5000),
    "ec2.launch_template": Limit(
        "EC2 launch template name", _API.format("AWSEC2", "CreateLaunchTemplate"),
        "3 to 128 of letters, digits and ( ) . - / _", 3, 128, r"[A-Za-z0-9().\-/_]+"),
    "sqs.queue": Limit(
        "SQS queue name", _API.format("AWSSimpleQueueService", "CreateQueue"),
        "at most 80 of letters, digits, '-' and '_'", 1, 80, r"[A-Za-z0-9_-]+"),
    "events.rule": Limit(
        "EventBridge rule name", _API.format("eventbridge", "PutRule"), "at most 64 of letters, digits and . - _",
        1, 64, r"[.\-_A-Za-z0-9]+", model=("events", "PutRule", "Name")),
    "dynamodb.table": Limit(
        "DynamoDB table name", _API.format("amazondynamodb", "CreateTable"),
        "3 to 255 of letters, digits and _ . -", 3, 255, r"[A-Za-z0-9_.-]+"),  # the model's 1-1024 is for ARNs
    "cloudwatch.alarm": Limit(
        "CloudWatch alarm name", _API.format("AmazonCloudWatch", "PutMetricAlarm"), "1 to 255 characters",
        1, 255, r"[^\x00-\x1f]+", model=("cloudwatch", "DescribeAlarms", "AlarmNames")),
    "tag.key": Limit(
        "AWS tag key", "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html",
        "at most 128 of letters, digits, spaces and _ . : / = + - @, not starting with aws:", 1, 128, _TAG,
        reserved_prefixes=("aws:",), model=("ecs", "TagResource", "tags.key")),
    "tag.value": Limit(
        "AWS tag value", "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html",
        "at most 256 of letters, digits, spaces and _ . : / = + - @", 0, 256, _TAG,
        model=("ecs", "TagResource", "tags.value")),
}

# Fargate task sizes: cpu units -> the memory (MiB) each allows, from the documented table
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
FARGATE_SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),  # Linux platform 1.4.0 or later
    16384: tuple(range(32768, 122880 + 1, 8192)),  # Linux platform 1.4.0 or later
}
FARGATE_DOC = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html"


def problem(key: str, value: object, subject: str | None = None) -> tuple[str, str] | None:
    """(message, hint) when AWS refuses `value` for limit `key`, else None. `subject`: how the message
    names the value (default: the value quoted), e.g. "capacity provider 'x' (derived from it)"."""
    limit = LIMITS[key]
    message = limit.problem(value, subject)
    return (message, limit.hint) if message else None


def fargate_problem(cpu: int, memory: int) -> tuple[str, str] | None:
    """(message, hint) when Fargate has no task size of `cpu` units with `memory` MiB."""
    if cpu not in FARGATE_SIZES:
        return (f"{cpu} is not a Fargate task cpu size", "one of " + ", ".join(map(str, FARGATE_SIZES)))
    allowed = FARGATE_SIZES[cpu]
    if memory in allowed:
        return None
    step = allowed[1] - allowed[0]
    span = ", ".join(map(str, allowed)) if cpu == 256 else f"{allowed[0]} to {allowed[-1]} in steps of {step}"
    fits = [c for c, mems in FARGATE_SIZES.items() if memory in mems]
    other = f"; {memory} MiB fits cpu " + " or ".join(map(str, fits)) if fits else ""
    return (f"Fargate has no task size of cpu {cpu} with memory {memory} MiB",
            f"with cpu {cpu}, memory (MiB) is {span}{other} ({FARGATE_DOC})")


def tag_problems(tags: dict[str, str]) -> list[tuple[str, str]]:
    """(message, hint) for each tag AWS refuses: keys and values, and the reserved `aws:` prefix."""
    out = []
    for key, value in tags.items():
        for found in (problem("tag.key", key), problem("tag.value", value)):
            if found:
                out.append(found)
    if len(tags) > 50:
        out.append((f"{len(tags)} tags; AWS allows at most 50 per resource", "drop some tags"))
    return out
