"""AWS's documented limits (jenkinsctl/aws/limits.py), one row per limit with a value just inside and
one just outside, and each row held against botocore's service model where the model has bounds.

The page per row is the one the module names (`LIMITS[key].doc`); the comment repeats what it says."""

from __future__ import annotations

import re

import pytest

from jenkinsctl.aws.limits import FARGATE_SIZES, LIMITS, RETENTION_DAYS, fargate_problem, problem, tag_problems

# (limit key, just inside, just outside): what the documentation page of the row says
ROWS = [
    # PutRetentionPolicy: "Possible values are: 1, 3, 5, 7, 14, 30, ... 3288, and 3653"
    ("logs.retention", 3653, 3650), ("logs.retention", 1, 2), ("logs.retention", 1096, 1095),
    # CreateLogGroup: 1-512, [\.\-_/#A-Za-z0-9]+
    ("logs.group", "/ecs/" + "a" * 507, "/ecs/" + "a" * 508), ("logs.group", "/ecs/orders-api/dev", "/ecs/orders api"),
    # CreateCluster: "Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens"
    ("ecs.cluster", "c" * 255, "c" * 256), ("ecs.cluster", "ci_agents-1", "ci.agents"),
    # CreateService serviceName: same rule as the cluster
    ("ecs.service", "s" * 255, "s" * 256), ("ecs.service", "orders-api", "orders/api"),
    # RegisterTaskDefinition family: "Up to 255 letters ..., numbers, hyphens (-), and underscores (_)"
    ("ecs.family", "f" * 255, "f" * 256), ("ecs.family", "orders-api-dev", "orders-api:dev"),
    # CreateCapacityProvider name: 255, letters, numbers, _ and -, "can't be prefixed with aws, ecs, or fargate"
    ("ecs.capacity_provider", "ci-spot", "ecs-ci-spot"), ("ecs.capacity_provider", "my-aws", "AWS-ci"),
    ("ecs.capacity_provider", "farg-ci", "fargate-ci"), ("ecs.capacity_provider", "p" * 255, "p" * 256),
    # ECS service quotas: 5,000 tasks per service
    ("ecs.desired_count", 5000, 5001), ("ecs.desired_count", 0, -1),
    # ManagedScaling targetCapacity: "greater than 0 and less than or equal to 100"
    ("ecs.target_capacity", 100, 101), ("ecs.target_capacity", 1, 0),
    # CreateService healthCheckGracePeriodSeconds: "up to 2,147,483,647 seconds"
    ("ecs.grace_seconds", 2147483647, 2147483648),
    # CreateTargetGroup Name: "maximum of 32 characters, ... only alphanumeric characters or hyphens, and must not
    # begin or end with a hyphen"
    ("elbv2.target_group", "t" * 32, "t" * 33), ("elbv2.target_group", "orders-api-dev-b", "-orders"),
    ("elbv2.target_group", "a-b", "orders-"), ("elbv2.target_group", "ab1", "orders_api"),
    # CreateRule Priority: "A listener can't have multiple rules with the same priority", 1-50000
    ("elbv2.rule_priority", 50000, 50001), ("elbv2.rule_priority", 1, 0),
    # CreateTargetGroup HealthCheckIntervalSeconds 5-300, HealthCheckTimeoutSeconds 2-120, thresholds 2-10
    ("elbv2.health_interval", 300, 301), ("elbv2.health_interval", 5, 4),
    ("elbv2.health_timeout", 120, 121), ("elbv2.health_timeout", 2, 1),
    ("elbv2.healthy_threshold", 10, 11), ("elbv2.healthy_threshold", 2, 1),
    ("elbv2.unhealthy_threshold", 10, 11), ("elbv2.unhealthy_threshold", 2, 1),
    # CreateTargetGroup HealthCheckPath: 1-1024
    ("elbv2.health_path", "/" + "h" * 1023, "/" + "h" * 1024), ("elbv2.health_path", "/healthz", "/health z"),
    ("elbv2.port", 65535, 65536), ("elbv2.port", 1, 0),
    # HostHeaderConditionConfig: "up to 128 characters ... A-Z, a-z, 0-9, - . * ?" ; PathPatternConditionConfig: 128
    ("elbv2.host_header", "h" * 128, "h" * 129), ("elbv2.host_header", "*.example.com", "example.com:8080"),
    ("elbv2.path_pattern", "/" + "p" * 127, "/" + "p" * 128), ("elbv2.path_pattern", "/api/*", "/api/ v1"),
    # CreateRepository repositoryName: 2-256, [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/...)*
    ("ecr.repository", "ab", "a"), ("ecr.repository", "payments/orders-api", "Payments/orders"),
    ("ecr.repository", "a/" + "b" * 254, "a/" + "b" * 255), ("ecr.repository", "a__b", "a-/b"),
    # lifecycle policy countNumber: a positive integer
    ("ecr.lifecycle_count", 1, 0),
    # Parameter Store: names at most 1011 characters, a-zA-Z0-9_.-/, not prefixed with aws or ssm
    ("ssm.parameter", "/jenkinsctl/" + "p" * 999, "/jenkinsctl/" + "p" * 1000),
    ("ssm.parameter", "/jenkinsctl/orders-api/dev/last-known-good", "/aws/orders"),
    ("ssm.parameter", "/ecs/x", "ssm-params/x"), ("ssm.parameter", "/a/b", "/a b"),
    # GetParameter Name: 1-2048 (public parameters under /aws/service are read, never written)
    ("ssm.parameter_read", "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id", "/aws/ser vice"),
    ("ssm.parameter_read", "/" + "p" * 2047, "/" + "p" * 2048),
    # PutParameter Value: Standard tier 4 KB
    ("ssm.value", 4096, 4097),
    # CreateSecret Name: "at most 512 characters ... ASCII letters, numbers, or /_+=.@-"
    ("secretsmanager.name", "s" * 512, "s" * 513), ("secretsmanager.name", "prod/db+ro@x", "prod db"),
    # CreateRole RoleName: 1-64, [\w+=,.@-]+ ; Path: 1-512, (\u002F)|(\u002F[\u0021-\u007E]+\u002F)
    ("iam.role", "r" * 64, "r" * 65), ("iam.role", "orders-api-dev-task", "orders/api"),
    ("iam.path", "/jenkinsctl/ci/", "/jenkinsctl/ci"), ("iam.path", "/" + "p" * 510 + "/", "/" + "p" * 511 + "/"),
    ("iam.path", "/", "jenkinsctl/"),
    # CreateInstanceProfile: 1-128 ; PutRolePolicy PolicyName: 1-128
    ("iam.instance_profile", "i" * 128, "i" * 129), ("iam.policy_name", "p" * 128, "p" * 129),
    # CreateAutoScalingGroup AutoScalingGroupName: 1-255
    ("autoscaling.group", "g" * 255, "g" * 256), ("autoscaling.group", "ci-agents", "ci:agents"),
    # Auto Scaling group sizes: 0 and up; an account's quota bounds them far below
    ("autoscaling.size", 0, -1),
    # CreateLaunchTemplate LaunchTemplateName: 3-128, [a-zA-Z0-9\(\)\.\-/_]+
    ("ec2.launch_template", "abc", "ab"), ("ec2.launch_template", "l" * 128, "l" * 129),
    ("ec2.launch_template", "ci-agents(v1)", "ci agents"),
    # CreateQueue QueueName: "up to 80 characters ... alphanumeric characters, hyphens (-), and underscores (_)"
    ("sqs.queue", "q" * 80, "q" * 81), ("sqs.queue", "ci-agent_events", "ci.agent.events"),
    # PutRule Name: 1-64, [\.\-_A-Za-z0-9]+
    ("events.rule", "e" * 64, "e" * 65), ("events.rule", "ci.spot-interruptions", "ci spot"),
    # CreateTable TableName: 3-255, [a-zA-Z0-9_.-]+
    ("dynamodb.table", "ci-agents-state", "ci"), ("dynamodb.table", "t" * 255, "t" * 256),
    # PutMetricAlarm AlarmName: 1-255
    ("cloudwatch.alarm", "a" * 255, "a" * 256), ("cloudwatch.alarm", "orders-api 5xx", ""),
    # Tagging: keys 1-128, values 0-256, letters, numbers, spaces and _.:/=+-@, "aws:" reserved
    ("tag.key", "k" * 128, "k" * 129), ("tag.key", "jenkinsctl:fleet", "aws:fleet"), ("tag.key", "team", ""),
    ("tag.value", "v" * 256, "v" * 257), ("tag.value", "", "a{b}"),
]


@pytest.mark.parametrize("key,inside,outside", ROWS, ids=lambda v: str(v)[:30])
def test_a_value_just_inside_passes_and_just_outside_is_refused(key, inside, outside):
    assert problem(key, inside) is None, problem(key, inside)
    found = problem(key, outside)
    assert found is not None, f"{key}: {outside!r} passed"
    message, hint = found
    assert LIMITS[key].what in message and hint  # says what it is about, and what to write instead


def test_every_limit_has_a_row_and_a_page():
    assert {k for k, _, _ in ROWS} == set(LIMITS)
    for key, limit in LIMITS.items():
        assert limit.doc.startswith("https://docs.aws.amazon.com/"), key


def _shape(service: str, operation: str, path: str):
    import botocore.session

    shape = botocore.session.get_session().get_service_model(service).operation_model(operation).input_shape
    for part in path.split("."):
        shape = shape.members[part]
        while shape.type_name in ("list", "map"):
            shape = shape.member if shape.type_name == "list" else shape.value
    return shape


MODELLED = sorted(k for k, v in LIMITS.items() if v.model)


@pytest.mark.parametrize("key", MODELLED)
def test_limits_agree_with_botocores_service_model(key):
    """Where botocore's model has min/max/pattern, the row has the same bounds and its values agree
    with the model's pattern (patterns in Java syntax, `\\p{L}`, are read as their Python meaning)."""
    limit = LIMITS[key]
    meta = _shape(*limit.model).metadata
    assert meta, f"{limit.model} has no bounds in the model"
    if limit.low is not None or limit.high is not None:
        assert (meta.get("min"), meta.get("max")) == (limit.low, limit.high), meta
        return
    assert meta.get("min", limit.min_len) == limit.min_len or (key == "tag.value" and meta.get("min") == 0)
    assert meta.get("max") == limit.max_len, meta
    if "pattern" in meta and "\\uD800" not in meta["pattern"]:  # XML's any-character ranges: nothing to hold
        pattern = meta["pattern"].replace(r"\p{L}\p{Z}\p{N}", r"\w\s")
        for inside in [i for k, i, _ in ROWS if k == key]:
            assert re.fullmatch(pattern, inside), (key, inside, pattern)


def test_log_retention_is_exactly_the_documented_set():
    assert RETENTION_DAYS == (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
                              2557, 2922, 3288, 3653)


# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
FARGATE_ROWS = [  # (cpu, memory just inside, memory just outside)
    (256, 512, 511), (256, 2048, 3072), (256, 1024, 1536),
    (512, 1024, 512), (512, 4096, 5120), (512, 3072, 2500),
    (1024, 2048, 1024), (1024, 8192, 9216),
    (2048, 4096, 3072), (2048, 16384, 17408),
    (4096, 8192, 7168), (4096, 30720, 31744),
    (8192, 16384, 15360), (8192, 61440, 65536), (8192, 20480, 17408),  # 4 GB steps
    (16384, 32768, 30720), (16384, 122880, 131072), (16384, 40960, 36864),  # 8 GB steps
]


@pytest.mark.parametrize("cpu,inside,outside", FARGATE_ROWS)
def test_fargate_pairs_from_the_documented_table(cpu, inside, outside):
    assert fargate_problem(cpu, inside) is None
    message, hint = fargate_problem(cpu, outside)
    assert f"cpu {cpu} with memory {outside} MiB" in message and f"with cpu {cpu}, memory (MiB) is" in hint


def test_fargate_hint_names_the_cpu_a_memory_fits():
    _, hint = fargate_problem(256, 4096)
    assert "4096 MiB fits cpu 512 or 1024 or 2048" in hint
    assert fargate_problem(300, 1024)[0] == "300 is not a Fargate task cpu size"
    assert sum(len(m) for m in FARGATE_SIZES.values()) == 3 + 4 + 7 + 13 + 23 + 12 + 12


def test_tags_refuse_the_reserved_prefix_and_too_many():
    assert tag_problems({"service": "orders-api", "managed-by": "jenkinsctl"}) == []
    assert "cannot start with 'aws:'" in tag_problems({"aws:cloudformation:stack": "x"})[0][0]
    assert "at most 50" in tag_problems({f"k{i}": "v" for i in range(51)})[-1][0]


def test_every_name_derived_for_the_longest_service_and_environment_fits():
    """The longest names validation lets through (service and environment: 28 characters) still make
    names AWS accepts: target groups and roles are shortened with a hash, the rest fit as they are."""
    from jenkinsctl.deploy.resources import Resources

    res = Resources("s" * 28, "e" * 28, "c" * 255, "us-east-1", "123456789012", "t" * 28 + "/" + "s" * 28)
    assert [(k, n) for k, _, n in res.limited() if problem(k, n)] == []
    assert len(res.target_group("blue")) == 32 and res.target_group("blue") != res.target_group("green")
    assert problem("ecr.repository", res.repository) is None


def test_the_fleets_names_for_the_longest_cluster_and_label_fit_and_a_reserved_prefix_is_refused():
    from pydantic import ValidationError

    from jenkinsctl.agents.resources import Names
    from jenkinsctl.config.fleet import FleetSpec

    assert Names("c" * 32).problems(("l" * 24,)) == []  # 32 + "-agent-" + 24 = 63: the role fits
    assert "at most 64" in Names("c" * 32).problems(("l" * 26,))[0][0]
    base = {"cluster": "ci", "subnets": ["subnet-0abc1234"], "instanceTypes": ["m5.large", "m6i.large"],
            "templates": {"docker": {"image": "r.example.com/a:1.0"}}}
    FleetSpec.model_validate(base)
    for cluster in ("ecs", "aws-ci", "Fargate1"):
        with pytest.raises(ValidationError, match="capacity provider .* cannot start with"):
            FleetSpec.model_validate({**base, "cluster": cluster})


def test_a_listener_without_a_priority_left_is_refused_before_creating_the_rule():
    from botocore.stub import Stubber

    from jenkinsctl.aws.session import AwsClients
    from jenkinsctl.errors import AwsError

    full = {"Rules": [{"RuleArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/a/1/2/3",
                       "Priority": "50000", "Conditions": [], "Actions": [], "IsDefault": False}]}
    listener = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/a/1/2"
    elbv2 = AwsClients("us-east-1", "http://127.0.0.1:9", static_credentials=("k", "s"), max_attempts=1).elbv2
    with Stubber(elbv2.raw) as stub:  # nothing listens on the endpoint: the Stubber answers, validated by the model
        stub.add_response("describe_rules", {"Rules": full["Rules"][:0]}, {"ListenerArn": listener})
        stub.add_response("describe_rules", full, {"ListenerArn": listener})
        assert elbv2.next_priority(listener) == 1
        with pytest.raises(AwsError, match="no rule priority is left") as err:
            elbv2.next_priority(listener)
    assert "1 to 50000" in (err.value.hint or "")
    assert elbv2.calls == ["describe_rules", "describe_rules"]  # and no create_rule
