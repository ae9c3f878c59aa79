"""Application Auto Scaling: target tracking on an ECS service's desired count."""

from __future__ import annotations

from jenkinsctl.aws.session import Service

DIMENSION = "ecs:service:DesiredCount"


def resource_id(cluster: str, service: str) -> str:
    return f"service/{cluster}/{service}"


class AppAutoscaling(Service):
    name = "application-autoscaling"

    def target(self, cluster: str, service: str) -> dict | None:
        out = self._call("describe_scalable_targets", ServiceNamespace="ecs",
                         ResourceIds=[resource_id(cluster, service)], ScalableDimension=DIMENSION)
        return (out.get("ScalableTargets") or [None])[0]

    def track_cpu(self, cluster: str, service: str, minimum: int, maximum: int, cpu_target: int) -> None:
        rid = resource_id(cluster, service)
        self._call("register_scalable_target", ServiceNamespace="ecs", ResourceId=rid, ScalableDimension=DIMENSION,
                   MinCapacity=minimum, MaxCapacity=maximum)
        self._call("put_scaling_policy",
                   PolicyName=f"{service}-cpu", ServiceNamespace="ecs", ResourceId=rid, ScalableDimension=DIMENSION,
                   PolicyType="TargetTrackingScaling",
                   TargetTrackingScalingPolicyConfiguration={
                       "TargetValue": float(cpu_target),
                       "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
                       "ScaleInCooldown": 300, "ScaleOutCooldown": 60})

    def remove(self, cluster: str, service: str) -> None:
        self._call("deregister_scalable_target", ServiceNamespace="ecs", ResourceId=resource_id(cluster, service),
                   ScalableDimension=DIMENSION)
