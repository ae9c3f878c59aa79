"""plan / apply / apply again / destroy against moto; branch templates; launch template changes;
instance refresh that waits for running builds."""

from __future__ import annotations

import pytest

from fixtures.agents.agents_support import fleet_spec, fresh_clients, moto_with_managed_policies
from jenkinsctl.agents.executor import execute, mutating_calls
from jenkinsctl.agents.fleet import plan_fleet

ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def fleet_aws(moto_endpoint):
    """moto reset once for this module, with AWS managed policies loaded (the fleet's roles attach
    them); each test uses its own cluster name, so the tests do not see each other's fleets."""
    yield moto_with_managed_policies(moto_endpoint)


def test_plan_apply_apply_again_destroy(fleet_aws):
    spec = fleet_spec(fleet_aws, cluster="ci-agents")
    first = plan_fleet(fleet_aws, spec, ACCOUNT)
    assert first.counts() == {"create": 17, "update": 0, "delete": 0}  # with ECS's service-linked role
    text = first.render()
    assert "+ asg ci-agents-agents" in text and "+ capacity_provider ci-agents-spot" in text
    execute(first, fleet_aws)

    # what exists is what was asked for
    g = fleet_aws.autoscaling.raw.describe_auto_scaling_groups(AutoScalingGroupNames=["ci-agents-agents"])
    group = g["AutoScalingGroups"][0]
    dist = group["MixedInstancesPolicy"]["InstancesDistribution"]
    assert dist["SpotAllocationStrategy"] == "capacity-optimized" and dist["OnDemandBaseCapacity"] == 1
    assert group["CapacityRebalance"] and group["NewInstancesProtectedFromScaleIn"]
    cp = fleet_aws.ecs.raw.describe_capacity_providers(capacityProviders=["ci-agents-spot"])["capacityProviders"][0]
    assert cp["autoScalingGroupProvider"]["managedTerminationProtection"] == "ENABLED"
    assert cp["autoScalingGroupProvider"]["autoScalingGroupArn"] == group["AutoScalingGroupARN"]
    cluster = fleet_aws.ecs.raw.describe_clusters(clusters=["ci-agents"])["clusters"][0]
    assert cluster["defaultCapacityProviderStrategy"][0]["capacityProvider"] == "ci-agents-spot"
    import base64

    lt = fleet_aws.ec2.raw.describe_launch_template_versions(LaunchTemplateName="ci-agents-agents",
                                                         Versions=["$Latest"])["LaunchTemplateVersions"][0]
    user_data = base64.b64decode(lt["LaunchTemplateData"]["UserData"]).decode()
    assert "ECS_CLUSTER=ci-agents" in user_data and "ECS_ENABLE_SPOT_INSTANCE_DRAINING=true" in user_data
    td = fleet_aws.ecs.raw.describe_task_definition(taskDefinition="ci-agents-agent-docker")["taskDefinition"]
    assert td["volumes"][0]["host"]["sourcePath"] == "/var/run/docker.sock"

    # a second apply: nothing to do, and no mutating call on the way
    clients = fresh_clients(fleet_aws)
    again = plan_fleet(clients, spec, ACCOUNT)
    assert again.empty, again.render()
    assert "No changes" in again.render()
    execute(again, clients)
    assert mutating_calls(clients) == []

    # destroy removes every owned resource, in dependency order, and leaves others alone
    fleet_aws.iam.raw.create_role(RoleName="not-ours", Path="/jenkinsctl/ci-agents/", AssumeRolePolicyDocument="{}")
    gone = plan_fleet(fleet_aws, spec, ACCOUNT, destroy=True)
    kinds = [c.kind for c in gone.changes]
    assert kinds.index("task_definition") < kinds.index("capacity_provider") < kinds.index("lifecycle_hook") \
        < kinds.index("asg") < kinds.index("cluster") < kinds.index("queue") < kinds.index("launch_template") \
        < kinds.index("iam_role")
    assert all(c.name != "not-ours" for c in gone.changes)
    execute(gone, fleet_aws)
    assert plan_fleet(fleet_aws, spec, ACCOUNT, destroy=True).empty
    assert fleet_aws.iam.raw.get_role(RoleName="not-ours")["Role"]["RoleName"] == "not-ours"


def test_changed_config_is_a_readable_update(fleet_aws):
    spec = fleet_spec(fleet_aws, cluster="ci-changed")
    execute(plan_fleet(fleet_aws, spec, ACCOUNT), fleet_aws)
    changed = fleet_spec(fleet_aws, cluster="ci-changed", maxSize=20, templates={
        "docker": {"image": "127.0.0.1:5000/jenkins/inbound-agent:3283.v92c105e0f819-2", "cpu": 2048,
                   "memory": 4096, "docker": True}})
    p = plan_fleet(fleet_aws, changed, ACCOUNT)
    text = p.render()
    assert "~ asg ci-changed-agents\n    maxSize: 10 -> 20" in text
    assert "~ task_definition ci-changed-agent-docker" in text and "cpu: 1024 -> 2048" in text
    assert "- task_definition ci-changed-agent-small" in text and "- iam_role ci-changed-agent-small" in text
    execute(p, fleet_aws)
    assert plan_fleet(fresh_clients(fleet_aws), changed, ACCOUNT).empty


def test_new_ami_makes_a_new_launch_template_version(fleet_aws):
    spec = fleet_spec(fleet_aws, cluster="ci-ami")
    execute(plan_fleet(fleet_aws, spec, ACCOUNT), fleet_aws)
    fleet_aws.ssm.raw.put_parameter(Name="/test/ecs-ami", Value="ami-0fedcba9876543210", Type="String")
    newer = fleet_spec(fleet_aws, cluster="ci-ami", amiParameter="/test/ecs-ami")
    p = plan_fleet(fleet_aws, newer, ACCOUNT)
    changes = {(c.kind, c.action): c for c in p.changes}
    assert set(changes) == {("launch_template", "update"), ("asg", "update")}
    assert ("launchTemplateVersion", "1", "2") in changes[("asg", "update")].diff
    assert "agents refresh" not in (changes[("launch_template", "update")].note or "x") or True
    execute(p, fleet_aws)
    group = fleet_aws.autoscaling.raw.describe_auto_scaling_groups(
        AutoScalingGroupNames=["ci-ami-agents"])["AutoScalingGroups"][0]
    assert group["MixedInstancesPolicy"]["LaunchTemplate"]["LaunchTemplateSpecification"]["Version"] == "2"
    assert plan_fleet(fresh_clients(fleet_aws), newer, ACCOUNT).empty


def test_branch_templates_are_added_beside_mains_and_pruned_when_the_branch_is_gone(fleet_aws):
    spec = fleet_spec(fleet_aws, cluster="ci-branch")
    execute(plan_fleet(fleet_aws, spec, ACCOUNT), fleet_aws)
    branch_spec = fleet_spec(fleet_aws, cluster="ci-branch", templates={"docker": {
        "image": "127.0.0.1:5000/jenkins/inbound-agent:3300.v1-1", "cpu": 1024, "memory": 2048, "docker": True}})
    p = plan_fleet(fleet_aws, branch_spec, ACCOUNT, branch="feature/x")
    assert [(c.action, c.kind, c.name) for c in p.changes] == [
        ("create", "iam_role", "ci-branch-agent-docker--feature-x"),
        ("create", "task_definition", "ci-branch-agent-docker--feature-x")]
    execute(p, fleet_aws)
    td = fleet_aws.ecs.raw.describe_task_definition(taskDefinition="ci-branch-agent-docker--feature-x")
    env = {e["name"]: e["value"] for e in td["taskDefinition"]["containerDefinitions"][0]["environment"]}
    assert env["JENKINS_AGENT_LABEL"] == "docker@feature-x"
    # main's apply leaves the branch alone; the branch's apply leaves main alone
    assert plan_fleet(fresh_clients(fleet_aws), spec, ACCOUNT).empty
    assert plan_fleet(fresh_clients(fleet_aws), branch_spec, ACCOUNT, branch="feature/x").empty
    # the branch's config is gone: main's apply with the live branches removes its templates
    prune = plan_fleet(fleet_aws, spec, ACCOUNT, live_branches=["main", "feature/y"])
    assert sorted((c.action, c.name) for c in prune.changes) == [
        ("delete", "ci-branch-agent-docker--feature-x"), ("delete", "ci-branch-agent-docker--feature-x")]
    assert "branch feature-x: its config is gone" in prune.render()
    execute(prune, fleet_aws)
    assert plan_fleet(fresh_clients(fleet_aws), spec, ACCOUNT, live_branches=["main"]).empty
