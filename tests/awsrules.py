"""Refusals real AWS makes and moto does not, put on top of moto with botocore's `before-parameter-build`
events, so a test sees the order of calls AWS accepts (moto 5.2 accepts all of these, checked).

Each rule reads moto's state through the raw boto3 clients (not counted in the typed classes'
`.calls`) and raises the `ClientError` AWS answers with. Sources, per rule:
- capacity provider needs ECS's service-linked role:
  https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using-service-linked-roles.html
  ("the service-linked role must exist ... before you create a capacity provider"; CreateCluster
  creates it, CreateCapacityProvider does not)
- DeleteCapacityProvider only once no cluster has it:
  https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeleteCapacityProvider.html
- DeleteCluster only without registered container instances and tasks:
  https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeleteCluster.html
  (ClusterContainsContainerInstancesException, ClusterContainsTasksException)
- PutClusterCapacityProviders cannot remove a provider tasks use (ResourceInUseException):
  https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_PutClusterCapacityProviders.html
"""

from __future__ import annotations

from botocore.exceptions import ClientError


def _refuse(code: str, message: str, operation: str):
    raise ClientError({"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 400}},
                      operation)


class AwsRules:
    """Install on an `AwsClients`; `refused` lists the refusals made (operation, code)."""

    def __init__(self, clients, fail_once: set[str] | None = None):
        self.clients = clients
        self.refused: list[tuple[str, str]] = []
        self.fail_once = set(fail_once or ())  # operations refused once (a throttled or interrupted run)
        ecs = clients.ecs.raw.meta.events
        ecs.register("before-parameter-build.ecs.CreateCapacityProvider", self._needs_service_linked_role)
        ecs.register("before-parameter-build.ecs.DeleteCapacityProvider", self._not_in_a_cluster)
        ecs.register("before-parameter-build.ecs.DeleteCluster", self._empty_cluster)
        ecs.register("before-parameter-build.ecs.PutClusterCapacityProviders", self._not_in_use)
        for op in ("DeleteCluster", "DeleteCapacityProvider", "DeregisterContainerInstance"):
            ecs.register(f"before-parameter-build.ecs.{op}", self._flaky)

    def _no(self, operation: str, code: str, message: str):
        self.refused.append((operation, code))
        _refuse(code, message, operation)

    def _flaky(self, model, **_):
        if model.name in self.fail_once:
            self.fail_once.discard(model.name)
            self._no(model.name, "ServerException", "Service unavailable (refused once by the test)")

    def _needs_service_linked_role(self, model, **_):
        roles = self.clients.iam.raw.list_roles(PathPrefix="/aws-service-role/ecs.amazonaws.com/")["Roles"]
        if not roles:
            self._no(model.name, "InvalidParameterException",
                     "Unable to assume the service linked role. Please verify that the ECS service linked role "
                     "exists.")

    def _not_in_a_cluster(self, model, params, **_):
        name = params["capacityProvider"].rsplit("/", 1)[-1]
        arns = self.clients.ecs.raw.list_clusters()["clusterArns"]
        for c in self.clients.ecs.raw.describe_clusters(clusters=arns)["clusters"] if arns else []:
            if c.get("status") == "ACTIVE" and name in (c.get("capacityProviders") or []):
                self._no(model.name, "ResourceInUseException",
                         f"The specified capacity provider is in use by cluster {c['clusterName']}; remove it with "
                         "PutClusterCapacityProviders first.")

    def _empty_cluster(self, model, params, **_):
        cluster = params["cluster"]
        ecs = self.clients.ecs.raw
        if ecs.list_container_instances(cluster=cluster)["containerInstanceArns"]:
            self._no(model.name, "ClusterContainsContainerInstancesException",
                     "The Cluster cannot be deleted while Container Instances are active or draining.")
        if ecs.list_tasks(cluster=cluster, desiredStatus="RUNNING")["taskArns"]:
            self._no(model.name, "ClusterContainsTasksException", "The Cluster cannot be deleted while Tasks are active.")

    def _not_in_use(self, model, params, **_):
        ecs = self.clients.ecs.raw
        cluster = params["cluster"]
        found = ecs.describe_clusters(clusters=[cluster])["clusters"]
        if not found or found[0].get("status") != "ACTIVE":
            self._no(model.name, "ClusterNotFoundException", "Cluster not found.")
        removed = set(found[0].get("capacityProviders") or []) - set(params["capacityProviders"])
        if removed and ecs.list_tasks(cluster=cluster, desiredStatus="RUNNING")["taskArns"]:
            self._no(model.name, "ResourceInUseException",
                     f"The specified capacity providers {sorted(removed)} are in use by tasks and cannot be removed.")
