"""ECS: only the calls deploys use (task definitions, services), errors already translated."""

from __future__ import annotations

from jenkinsctl.aws.session import AwsClients, AwsNotFound
from jenkinsctl.errors import AwsError


class Ecs:
    def __init__(self, clients: AwsClients):
        self.client = clients.client("ecs")

    def task_definition(self, arn_or_family: str) -> tuple[dict, list[dict]] | None:
        """The task definition and its tags, or None when it does not exist."""
        try:
            out = self.client.describe_task_definition(taskDefinition=arn_or_family, include=["TAGS"])
        except AwsNotFound:
            return None
        except AwsError as exc:  # ECS answers ClientException (not a NotFound code) for an unknown family
            if "ClientException" in exc.message:
                return None
            raise
        return out["taskDefinition"], out.get("tags", [])

    def register(self, request: dict) -> str:
        return self.client.register_task_definition(**request)["taskDefinition"]["taskDefinitionArn"]

    def services(self, cluster: str, names: list[str]) -> dict[str, dict]:
        """ACTIVE services by name (missing or INACTIVE ones are left out): one API call."""
        if not names:
            return {}
        try:
            out = self.client.describe_services(cluster=cluster, services=names)
        except AwsNotFound:  # the cluster does not exist
            return {}
        return {s["serviceName"]: s for s in out.get("services", []) if s.get("status") == "ACTIVE"}

    def create_service(self, **params) -> dict:
        return self.client.create_service(**params)["service"]

    def update_service(self, **params) -> dict:
        return self.client.update_service(**params)["service"]

    def cluster_exists(self, cluster: str) -> bool:
        out = self.client.describe_clusters(clusters=[cluster])
        return any(c.get("status") == "ACTIVE" for c in out.get("clusters", []))
