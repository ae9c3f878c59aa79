"""`agents apply` in an account that never used ECS, and `agents destroy` while instances and builds
exist, on moto with the refusals AWS makes and moto does not (tests/awsrules.py)."""

from __future__ import annotations

import json

import pytest

from awsrules import AwsRules
from fixtures.agents.agents_support import fleet_spec, moto_with_managed_policies
from jenkinsctl.agents.executor import execute
from jenkinsctl.agents.fleet import plan_fleet
from jenkinsctl.errors import AwsError

ACCOUNT = "123456789012"


@pytest.fixture
def fresh_account(moto_endpoint):
    """moto reset: no ECS service-linked role, nothing of the fleet."""
    clients = moto_with_managed_policies(moto_endpoint)
    return clients, AwsRules(clients)


def test_first_apply_in_an_account_that_never_used_ecs(fresh_account):
    aws, rules = fresh_account
    assert aws.iam.raw.list_roles(PathPrefix="/aws-service-role/ecs.amazonaws.com/")["Roles"] == []
    spec = fleet_spec(aws, cluster="fresh")
    plan = plan_fleet(aws, spec, ACCOUNT)
    order = [(c.kind, x.method) for c in plan.changes for x in c.calls]
    assert order[0] == ("service_linked_role", "create_service_linked_role")
    assert order.index(("cluster", "create_cluster")) < order.index(("capacity_provider", "create_capacity_provider")) \
        < order.index(("capacity_provider", "put_cluster_capacity_providers"))
    assert "+ service_linked_role AWSServiceRoleForECS" in plan.render()

    execute(plan, aws)  # raised InvalidParameterException at create_capacity_provider before the fix
    assert rules.refused == []
    cluster = aws.ecs.raw.describe_clusters(clusters=["fresh"])["clusters"][0]
    assert cluster["capacityProviders"] == ["fresh-spot"]
    assert cluster["defaultCapacityProviderStrategy"][0]["capacityProvider"] == "fresh-spot"
    again = plan_fleet(aws, spec, ACCOUNT)
    assert again.empty, again.render()  # the role exists now: nothing to create, nothing to delete

    # a second fleet in the same account: the role is there, nothing creates it twice
    other = plan_fleet(aws, fleet_spec(aws, cluster="fresh2"), ACCOUNT)
    assert "service_linked_role" not in [c.kind for c in other.changes]


def _fleet_with_builds(aws, cluster: str):
    spec = fleet_spec(aws, cluster=cluster)
    execute(plan_fleet(aws, spec, ACCOUNT), aws)
    aws.autoscaling.raw.set_desired_capacity(AutoScalingGroupName=f"{cluster}-agents", DesiredCapacity=2)
    group = aws.autoscaling.raw.describe_auto_scaling_groups(AutoScalingGroupNames=[f"{cluster}-agents"])
    cis = []
    for inst in group["AutoScalingGroups"][0]["Instances"]:  # what the ECS agent does when the instance boots
        cis.append(aws.ecs.raw.register_container_instance(cluster=cluster, instanceIdentityDocument=json.dumps(
            {"instanceId": inst["InstanceId"], "region": "us-east-1"}))["containerInstance"]["containerInstanceArn"])
    aws.ecs.raw.start_task(cluster=cluster, taskDefinition=f"{cluster}-agent-docker", containerInstances=[cis[0]])
    return spec, cis


def test_destroy_with_instances_and_a_running_build_in_an_order_aws_accepts(fresh_account):
    aws, rules = fresh_account
    spec, cis = _fleet_with_builds(aws, "busy")
    plan = plan_fleet(aws, spec, ACCOUNT, destroy=True)
    calls = [(c.kind, x.method) for c in plan.changes for x in c.calls]
    first = {m: calls.index(k) for k in calls for m in [k] if k not in calls[:calls.index(k)]}
    assert first[("container_instance", "stop_task")] < first[("capacity_provider", "put_cluster_capacity_providers")]
    assert first[("container_instance", "deregister_container_instance")] < first[("cluster", "delete_cluster")]
    assert first[("asg", "update_auto_scaling_group")] < first[("asg", "delete_auto_scaling_group")]
    assert "service_linked_role" not in [c.kind for c in plan.changes]  # AWS's, account-wide: it stays

    execute(plan, aws)  # ClusterContainsContainerInstancesException / ResourceInUseException before the fix
    assert rules.refused == []
    assert aws.ecs.raw.describe_clusters(clusters=["busy"])["clusters"][0]["status"] == "INACTIVE"
    assert aws.autoscaling.raw.describe_auto_scaling_groups(AutoScalingGroupNames=["busy-agents"])[
        "AutoScalingGroups"] == []
    assert plan_fleet(aws, spec, ACCOUNT, destroy=True).empty


def test_destroy_interrupted_half_way_finishes_on_the_second_run(fresh_account):
    aws, rules = fresh_account
    spec, _ = _fleet_with_builds(aws, "halfway")
    rules.fail_once = {"DeleteCluster"}
    with pytest.raises(AwsError) as err:
        execute(plan_fleet(aws, spec, ACCOUNT, destroy=True), aws)
    assert "agents apply" in (err.value.hint or "") or "again" in (err.value.hint or "")
    assert aws.ecs.raw.list_container_instances(cluster="halfway")["containerInstanceArns"] == []  # done before

    second = plan_fleet(aws, spec, ACCOUNT, destroy=True)
    assert [c.kind for c in second.changes][0] == "cluster"  # what is left, from where it stopped
    execute(second, aws)
    assert rules.refused == [("DeleteCluster", "ServerException")]
    assert plan_fleet(aws, spec, ACCOUNT, destroy=True).empty
