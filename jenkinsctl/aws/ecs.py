"""ECS, only the calls jenkinsctl uses: task definitions and services for deploys, and the agent
fleet's reads (capacity providers, clusters, agent task definitions, container instances) and
its one direct action (draining a container instance)."""

from __future__ import annotations

from dataclasses import dataclass

from jenkinsctl.aws.session import AwsNotFound, Service
from jenkinsctl.errors import AwsError


def _tags(items) -> dict[str, str]:
    return {t["key"]: t["value"] for t in items or []}


def _role_name(arn: str | None) -> str | None:
    return arn.rsplit("/", 1)[-1] if arn else None


@dataclass(frozen=True)
class ContainerInstance:
    arn: str
    ec2_instance_id: str
    status: str  # ACTIVE | DRAINING | ...
    running_tasks: int
    pending_tasks: int


class AwsUnsupported(AwsError):
    """The endpoint does not implement this ECS operation (moto 5.2: service deployments)."""


class Ecs(Service):
    name = "ecs"
    PLANNED = frozenset({"delete_task_definitions",  # previews' down (and the controller's service below)
                         "create_capacity_provider", "update_capacity_provider", "delete_capacity_provider",
                         "create_cluster", "put_cluster_capacity_providers", "delete_cluster", "tag_resource",
                         "register_task_definition", "deregister_task_definition",
                         "update_container_instances_state", "stop_task", "deregister_container_instance",
                         "create_service", "update_service", "delete_service"})

    # ---- deploys: task definitions and services ----

    def task_definition(self, arn_or_family: str) -> tuple[dict, list[dict]] | None:
        """The task definition and its tags, or None when it does not exist."""
        try:
            out = self._call("describe_task_definition", taskDefinition=arn_or_family, include=["TAGS"])
        except AwsNotFound:
            return None
        except AwsError as exc:  # ECS answers ClientException (not a NotFound code) for an unknown family
            if "ClientException" in exc.message:
                return None
            raise
        return out["taskDefinition"], out.get("tags", [])

    def register(self, request: dict) -> str:
        return self._call("register_task_definition", **request)["taskDefinition"]["taskDefinitionArn"]

    def services(self, cluster: str, names: list[str]) -> dict[str, dict]:
        """ACTIVE services by name (missing or INACTIVE ones are left out): one API call."""
        if not names:
            return {}
        try:
            out = self._call("describe_services", cluster=cluster, services=names)
        except AwsNotFound:  # the cluster does not exist
            return {}
        return {s["serviceName"]: s for s in out.get("services", []) if s.get("status") == "ACTIVE"}

    def create_service(self, **params) -> dict:
        """`params`: CreateService's request (built by `deploy.strategy.Target`)."""
        return self._call("create_service", **params)["service"]

    def update_service(self, **params) -> dict:
        """`params`: UpdateService's request (built by `deploy.strategy.Target`)."""
        return self._call("update_service", **params)["service"]

    def service_tags(self, cluster: str, name: str) -> dict[str, str] | None:
        """The tags of an ACTIVE service; None when there is none (previews' `down` checks them)."""
        try:
            out = self._call("describe_services", cluster=cluster, services=[name], include=["TAGS"])
        except AwsNotFound:
            return None
        for svc in out.get("services", []):
            if svc.get("status") == "ACTIVE":
                return _tags(svc.get("tags"))
        return None

    def revisions(self, family: str) -> list[str]:
        """Every ACTIVE revision of exactly this family (the API matches family prefixes)."""
        arns = [a for page in self._pages("list_task_definitions", "nextToken", familyPrefix=family, status="ACTIVE")
                for a in page["taskDefinitionArns"]]
        return [a for a in arns if a.rsplit("/", 1)[-1].rsplit(":", 1)[0] == family]

    def delete_service(self, cluster: str, service: str) -> None:
        """Delete a service (force: ECS stops what still runs)."""
        self._call("delete_service", cluster=cluster, service=service, force=True)

    # ---- service deployments: what ECS did with a deployment, to its end ----

    def newest_service_deployment(self, cluster: str, service: str, after=None) -> dict | None:
        """The newest service deployment of `service` (created after `after`), brief form; one call.
        Raises AwsUnsupported where the endpoint does not model service deployments (moto 5.2)."""
        kwargs = {"cluster": cluster, "service": service, "maxResults": 20}
        if after is not None:
            kwargs["createdAt"] = {"after": after}
        found = self._supported("list_service_deployments", **kwargs)["serviceDeployments"]
        return max(found, key=lambda d: d.get("createdAt") or d.get("startedAt") or 0) if found else None

    def service_deployment(self, arn: str) -> dict | None:
        """One service deployment in full (status, stage, rollback, circuit breaker, alarms, hooks)."""
        found = self._supported("describe_service_deployments", serviceDeploymentArns=[arn]).get(
            "serviceDeployments") or []
        return found[0] if found else None

    def stop_service_deployment(self, arn: str, rollback: bool = True) -> None:
        self._call("stop_service_deployment", serviceDeploymentArn=arn, stopType="ROLLBACK" if rollback else "ABORT")

    def _supported(self, operation: str, **params) -> dict:
        try:
            return self._call(operation, **params)
        except AwsError as exc:  # moto: HTTP 500 from an unimplemented action
            if ": 500: " in exc.message or "NotImplemented" in exc.message:
                raise AwsUnsupported(exc.message) from None
            raise

    def cluster_exists(self, cluster: str) -> bool:
        out = self._call("describe_clusters", clusters=[cluster])
        return any(c.get("status") == "ACTIVE" for c in out.get("clusters", []))

    def create_cluster(self, name: str) -> None:
        """Idempotent in ECS: an existing cluster is answered as it is."""
        self._call("create_cluster", clusterName=name)

    # ---- the agent fleet: capacity providers, clusters, agent task definitions ----

    def capacity_provider(self, name: str) -> dict | None:
        found = self._call("describe_capacity_providers", capacityProviders=[name], include=["TAGS"])
        found = [c for c in found["capacityProviders"] if c.get("status", "ACTIVE") == "ACTIVE"]
        if not found:
            return None
        cp = found[0]
        asgp = cp.get("autoScalingGroupProvider") or {}
        arn = asgp.get("autoScalingGroupArn", "")
        return {"asg": arn.rsplit("autoScalingGroupName/", 1)[-1] if arn else None,
                "managedScaling": (asgp.get("managedScaling") or {}).get("status", "DISABLED"),
                "terminationProtection": asgp.get("managedTerminationProtection"),
                "managedDraining": asgp.get("managedDraining"), "tags": _tags(cp.get("tags"))}

    def capacity_provider_arn(self, name: str) -> str:
        found = self._call("describe_capacity_providers", capacityProviders=[name])["capacityProviders"]
        if not found:
            raise AwsError(f"ECS capacity provider {name} does not exist", "run `jenkinsctl agents apply` first")
        return found[0]["capacityProviderArn"]

    def cluster(self, name: str) -> dict | None:
        found = self._call("describe_clusters", clusters=[name], include=["TAGS"])["clusters"]
        found = [c for c in found if c.get("status") == "ACTIVE"]
        if not found:
            return None
        c = found[0]
        return {"capacityProviders": sorted(c.get("capacityProviders") or []),
                "defaultStrategy": [{"capacityProvider": s["capacityProvider"], "weight": s.get("weight", 0),
                                     "base": s.get("base", 0)} for s in c.get("defaultCapacityProviderStrategy") or []],
                "tags": _tags(c.get("tags")), "_arn": c["clusterArn"]}

    def controller_service(self, cluster: str, name: str) -> dict | None:
        """The fleet controller's service (`agents apply`), normalized like the plan's props."""
        try:
            found = self._call("describe_services", cluster=cluster, services=[name], include=["TAGS"])["services"]
        except AwsNotFound:
            return None
        found = [s for s in found if s.get("status") == "ACTIVE"]
        if not found:
            return None
        s = found[0]
        net = (s.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
        return {"taskDefinition": s.get("taskDefinition", "").rsplit("/", 1)[-1].split(":")[0],
                "desiredCount": s.get("desiredCount"), "launchType": s.get("launchType"),
                "subnets": sorted(net.get("subnets") or []), "securityGroups": sorted(net.get("securityGroups") or []),
                "assignPublicIp": net.get("assignPublicIp", "DISABLED"), "tags": _tags(s.get("tags")),
                "_arn": s["serviceArn"]}

    def controller_task_definition(self, family: str) -> dict | None:
        """The controller's task definition (latest ACTIVE revision), normalized like the plan's props."""
        import hashlib

        families = self._call("list_task_definition_families", familyPrefix=family, status="ACTIVE")["families"]
        if family not in families:  # DescribeTaskDefinition answers a bare ClientException for a missing family
            return None
        try:
            got = self._call("describe_task_definition", taskDefinition=family, include=["TAGS"])
        except AwsNotFound:
            return None
        td = got["taskDefinition"]
        if td.get("status", "ACTIVE") != "ACTIVE":
            return None
        c = td["containerDefinitions"][0]
        env = {e["name"]: e["value"] for e in c.get("environment") or []}
        return {"image": c.get("image"), "cpu": td.get("cpu"), "memory": td.get("memory"),
                "taskRole": _role_name(td.get("taskRoleArn")), "executionRole": _role_name(td.get("executionRoleArn")),
                "logGroup": ((c.get("logConfiguration") or {}).get("options") or {}).get("awslogs-group"),
                "secrets": sorted(({"name": x["name"], "valueFrom": x["valueFrom"]} for x in c.get("secrets") or []),
                                  key=lambda x: x["name"]),
                "configDigest": hashlib.sha256(env.get("JENKINSCTL_CONFIG_TEXT", "").encode()).hexdigest()[:16],
                "period": env.get("JENKINSCTL_CONTROLLER_PERIOD"), "tags": _tags(got.get("tags")),
                "_arn": td["taskDefinitionArn"]}

    def task_definitions(self, family_prefix: str) -> dict[str, dict]:
        """Active agent task definitions whose family starts with the prefix: family -> props."""
        out: dict[str, dict] = {}
        families = self._call("list_task_definition_families", familyPrefix=family_prefix, status="ACTIVE")["families"]
        for family in families:
            try:
                got = self._call("describe_task_definition", taskDefinition=family, include=["TAGS"])
            except AwsNotFound:
                continue
            td = got["taskDefinition"]
            if td.get("status", "ACTIVE") != "ACTIVE":
                continue
            c = td["containerDefinitions"][0]
            env = {e["name"]: e["value"] for e in c.get("environment") or [] if e["name"] != "JENKINS_AGENT_LABEL"}
            label = next((e["value"] for e in c.get("environment") or [] if e["name"] == "JENKINS_AGENT_LABEL"), None)
            out[family] = {
                "label": label, "image": c.get("image"), "cpu": c.get("cpu"),
                "memory": c.get("memory") or c.get("memoryReservation"),
                "docker": any(m.get("sourceVolume") == "docker-socket" for m in c.get("mountPoints") or []),
                "environment": dict(sorted(env.items())),
                "taskRole": _role_name(td.get("taskRoleArn")), "executionRole": _role_name(td.get("executionRoleArn")),
                "logGroup": ((c.get("logConfiguration") or {}).get("options") or {}).get("awslogs-group"),
                "tags": _tags(got.get("tags")), "_arn": td["taskDefinitionArn"], "_revision": td["revision"],
            }
        return out

    # ---- container instances and the agents on them ----

    def container_instances(self, cluster: str) -> list[ContainerInstance]:
        try:
            arns = self._call("list_container_instances", cluster=cluster)["containerInstanceArns"]
        except AwsNotFound:
            return []
        if not arns:
            return []
        found = self._call("describe_container_instances", cluster=cluster, containerInstances=arns)
        return [ContainerInstance(ci["containerInstanceArn"], ci.get("ec2InstanceId", ""), ci.get("status", "ACTIVE"),
                                  ci.get("runningTasksCount", 0), ci.get("pendingTasksCount", 0))
                for ci in found["containerInstances"]]

    def tasks_on(self, cluster: str, container_instance_arn: str) -> list[str]:
        """ARNs of the tasks running (or pending) on one container instance."""
        return [t for page in self._pages("list_tasks", "nextToken", cluster=cluster,
                                          containerInstance=container_instance_arn, desiredStatus="RUNNING")
                for t in page["taskArns"]]

    def container_instance_of(self, cluster: str, ec2_instance_id: str) -> ContainerInstance | None:
        """The container instance an EC2 instance is in `cluster`, or None."""
        return next((c for c in self.container_instances(cluster) if c.ec2_instance_id == ec2_instance_id), None)

    def drain(self, cluster: str, container_instance_arn: str) -> None:
        self._call("update_container_instances_state", cluster=cluster, containerInstances=[container_instance_arn],
                   status="DRAINING")

    def agent_names_on(self, cluster: str, container_instance_arn: str) -> list[str]:
        """Names of the Jenkins agents whose ECS tasks run on one container instance. The
        amazon-ecs plugin passes the agent name to the inbound agent: JENKINS_AGENT_NAME in the
        container's environment overrides, or the command's last argument."""
        arns = self._call("list_tasks", cluster=cluster, containerInstance=container_instance_arn)["taskArns"]
        if not arns:
            return []
        names = []
        for task in self._call("describe_tasks", cluster=cluster, tasks=arns)["tasks"]:
            if task.get("lastStatus") == "STOPPED":
                continue
            for co in (task.get("overrides") or {}).get("containerOverrides", []):
                env = {e["name"]: e["value"] for e in co.get("environment") or []}
                name = env.get("JENKINS_AGENT_NAME") or ((co.get("command") or [None])[-1])
                if name:
                    names.append(name)
                    break
        return sorted(set(names))
