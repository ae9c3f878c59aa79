"""Auto Scaling reads and the few direct mutations the scaler and the drainer make."""

from __future__ import annotations

from dataclasses import dataclass

from jenkinsctl.errors import AwsError


def _tags(items) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in items or []}


@dataclass(frozen=True)
class GroupInstance:
    instance_id: str
    instance_type: str
    lifecycle: str  # "spot" | "on-demand"
    state: str  # InService, Pending, Terminating...
    protected: bool
    launch_template_version: str | None


def describe_group(autoscaling, name: str) -> dict | None:
    found = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"]
    return found[0] if found else None


def normalize_group(g: dict) -> dict:
    mip = g.get("MixedInstancesPolicy") or {}
    lt = (mip.get("LaunchTemplate") or {}).get("LaunchTemplateSpecification") or {}
    dist = mip.get("InstancesDistribution") or {}
    return {
        "minSize": g["MinSize"], "maxSize": g["MaxSize"],
        "subnets": sorted(s for s in (g.get("VPCZoneIdentifier") or "").split(",") if s),
        "launchTemplate": lt.get("LaunchTemplateName"), "launchTemplateVersion": str(lt.get("Version")),
        "instanceTypes": [o["InstanceType"] for o in (mip.get("LaunchTemplate") or {}).get("Overrides", [])],
        "onDemandBase": dist.get("OnDemandBaseCapacity", 0),
        "onDemandPercentAboveBase": dist.get("OnDemandPercentageAboveBaseCapacity", 100),
        "spotAllocationStrategy": dist.get("SpotAllocationStrategy"),
        "capacityRebalance": bool(g.get("CapacityRebalance")),
        "protectFromScaleIn": bool(g.get("NewInstancesProtectedFromScaleIn")),
        "tags": _tags(g.get("Tags")),
        "_arn": g.get("AutoScalingGroupARN"), "_desired": g.get("DesiredCapacity"),
    }


def instances(group: dict) -> list[GroupInstance]:
    out = []
    for i in group.get("Instances", []):
        lt = i.get("LaunchTemplate") or {}
        out.append(GroupInstance(i["InstanceId"], i.get("InstanceType", "?"),
                                 "on-demand" if i.get("InstanceLifecycle", "").lower() != "spot" else "spot",
                                 i.get("LifecycleState", "?"), bool(i.get("ProtectedFromScaleIn")),
                                 str(lt.get("Version")) if lt.get("Version") is not None else None))
    return out


def group_arn(autoscaling, name: str) -> str:
    g = describe_group(autoscaling, name)
    if g is None:
        raise AwsError(f"Auto Scaling group {name} does not exist", "run `jenkinsctl agents apply` first")
    return g["AutoScalingGroupARN"]


def lifecycle_hooks(autoscaling, group: str) -> dict[str, dict]:
    """Terminate hooks of `group`: hook name -> {transition, heartbeatTimeout, defaultResult}."""
    found = autoscaling.describe_lifecycle_hooks(AutoScalingGroupName=group)["LifecycleHooks"]
    return {h["LifecycleHookName"]: {"transition": h.get("LifecycleTransition"),
                                     "heartbeatTimeout": h.get("HeartbeatTimeout"),
                                     "defaultResult": h.get("DefaultResult")} for h in found}
