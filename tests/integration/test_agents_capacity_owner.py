"""One owner of the agent group's DesiredCapacity (issue 14 item 5): our scaler. The capacity
provider is created, or updated from an older apply, with ECS managed scaling DISABLED (and
managed termination protection, which requires it); scaling policies on the group are deleted;
`apply` never writes DesiredCapacity, so the scaler's headroom stays. moto does not run ECS
managed scaling, so what is tested is the configuration that keeps ECS from acting."""

from __future__ import annotations

import pytest
from fixtures.agents.agents_support import fleet_spec, moto_with_managed_policies

from jenkinsctl.agents.executor import execute
from jenkinsctl.agents.fleet import plan_fleet
from jenkinsctl.agents.resources import Names

ACCOUNT = "123456789012"


@pytest.fixture
def aws(moto_endpoint):
    return moto_with_managed_policies(moto_endpoint)


def _provider(aws, name: str) -> dict:
    return aws.ecs.raw.describe_capacity_providers(capacityProviders=[name])["capacityProviders"][0][
        "autoScalingGroupProvider"]


def test_the_plan_creates_the_capacity_provider_without_managed_scaling(aws):
    spec = fleet_spec(aws, cluster="owner1")
    plan = plan_fleet(aws, spec, ACCOUNT)
    create = next(x for c in plan.changes for x in c.calls if x.method == "create_capacity_provider")
    asgp = create.params["autoScalingGroupProvider"]
    assert asgp["managedScaling"] == {"status": "DISABLED"}
    assert asgp["managedTerminationProtection"] == "DISABLED" and asgp["managedDraining"] == "ENABLED"
    assert "managedScaling: null -> DISABLED" in plan.render()
    execute(plan, aws)
    got = _provider(aws, Names("owner1").capacity_provider)
    assert got["managedScaling"]["status"] == "DISABLED" and got["managedTerminationProtection"] == "DISABLED"
    assert plan_fleet(aws, spec, ACCOUNT).empty


def test_an_older_enabled_provider_and_its_scaling_policy_are_taken_back(aws):
    spec = fleet_spec(aws, cluster="owner2")
    n = Names("owner2")
    execute(plan_fleet(aws, spec, ACCOUNT), aws)
    # what an older apply left: ECS managed scaling (target 100) and the target-tracking policy it puts on the group
    aws.ecs.raw.update_capacity_provider(name=n.capacity_provider, autoScalingGroupProvider={
        "managedScaling": {"status": "ENABLED", "targetCapacity": 100}, "managedTerminationProtection": "ENABLED"})
    aws.autoscaling.raw.put_scaling_policy(
        AutoScalingGroupName=n.asg, PolicyName="ECSManagedAutoScalingPolicy-0a1b", PolicyType="TargetTrackingScaling",
        TargetTrackingConfiguration={"CustomizedMetricSpecification": {
            "MetricName": "CapacityProviderReservation", "Namespace": "AWS/ECS/ManagedScaling", "Statistic": "Average",
            "Dimensions": [{"Name": "CapacityProviderName", "Value": n.capacity_provider},
                           {"Name": "ClusterName", "Value": "owner2"}]}, "TargetValue": 100.0})

    plan = plan_fleet(aws, spec, ACCOUNT)
    text = plan.render(calls=True)
    assert f"~ capacity_provider {n.capacity_provider}" in text
    assert "managedScaling: ENABLED -> DISABLED" in text and "terminationProtection: ENABLED -> DISABLED" in text
    assert f"- scaling_policy {n.asg}/ECSManagedAutoScalingPolicy-0a1b" in text
    kinds = [(c.action, c.kind) for c in plan.changes]
    assert kinds.index(("update", "capacity_provider")) < kinds.index(("delete", "scaling_policy"))  # ECS first
    execute(plan, aws)
    got = _provider(aws, n.capacity_provider)
    assert got["managedScaling"]["status"] == "DISABLED" and got["managedTerminationProtection"] == "DISABLED"
    assert aws.autoscaling.raw.describe_policies(AutoScalingGroupName=n.asg)["ScalingPolicies"] == []
    assert plan_fleet(aws, spec, ACCOUNT).empty


def test_apply_leaves_the_scalers_headroom_alone(aws):
    spec = fleet_spec(aws, cluster="owner3", headroom=2)
    n = Names("owner3")
    execute(plan_fleet(aws, spec, ACCOUNT), aws)
    aws.autoscaling.set_desired(n.asg, 3)  # what the scaler does for headroom while builds queue
    changed = fleet_spec(aws, cluster="owner3", headroom=2, maxSize=spec.max_size + 5)
    plan = plan_fleet(aws, changed, ACCOUNT)
    assert [c.kind for c in plan.changes] == ["asg"]  # a real update of the group...
    params = [dict(x.params) for c in plan.changes for x in c.calls]
    assert params and all("DesiredCapacity" not in p for p in params)  # ...that does not write its desired
    execute(plan, aws)
    group = aws.autoscaling.group(n.asg)
    assert group["DesiredCapacity"] == 3 and group["MaxSize"] == spec.max_size + 5
