"""IAM: roles with inline policies, created or brought in line (for deploys), and the agent
fleet's reads of the roles and instance profiles under its path."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from jenkinsctl.aws.session import AwsNotFound, Service


def _tags(items: list[dict] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in items or []}


def assume_service(document: Any) -> str | None:
    doc = json.loads(document) if isinstance(document, str) else document or {}
    for st in doc.get("Statement", []):
        principal = (st.get("Principal") or {}).get("Service")
        if principal:
            return principal if isinstance(principal, str) else principal[0]
    return None


def assume_policy(service: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})


class Iam(Service):
    name = "iam"
    PLANNED = frozenset({"create_role", "update_assume_role_policy", "attach_role_policy", "detach_role_policy",
                         "tag_role", "delete_role", "create_instance_profile", "add_role_to_instance_profile",
                         "remove_role_from_instance_profile", "tag_instance_profile", "delete_instance_profile",
                         "put_role_policy", "delete_role_policy", "create_service_linked_role"})

    def service_linked_role(self, service: str) -> str | None:
        """The name of AWS service `service`'s service-linked role in this account, or None."""
        path = f"/aws-service-role/{service}/"
        roles = [r for page in self._pages("list_roles", "Marker", PathPrefix=path) for r in page["Roles"]]
        return roles[0]["RoleName"] if roles else None

    def role(self, name: str) -> dict | None:
        try:
            return self._call("get_role", RoleName=name)["Role"]
        except AwsNotFound:
            return None

    def create_role(self, name: str, trust: dict, tags: dict[str, str]) -> dict:
        return self._call("create_role", RoleName=name, AssumeRolePolicyDocument=json.dumps(trust),
                          Tags=[{"Key": k, "Value": v} for k, v in tags.items()])["Role"]

    def inline_policy_names(self, role: str) -> list[str]:
        return self._call("list_role_policies", RoleName=role)["PolicyNames"]

    def inline_policy(self, role: str, policy: str) -> dict | None:
        try:
            doc = self._call("get_role_policy", RoleName=role, PolicyName=policy)["PolicyDocument"]
        except AwsNotFound:
            return None
        return json.loads(unquote(doc)) if isinstance(doc, str) else doc

    def put_inline_policy(self, role: str, policy: str, document: dict) -> None:
        self._call("put_role_policy", RoleName=role, PolicyName=policy, PolicyDocument=json.dumps(document))

    # ---- reads by path, for the agent fleet: roles and instance profiles, normalized ----

    def roles(self, path: str) -> dict[str, dict]:
        """Roles under `path`: name -> {path, service, policies, tags}."""
        out: dict[str, dict] = {}
        for role in (r for page in self._pages("list_roles", "Marker", PathPrefix=path) for r in page["Roles"]):
            name = role["RoleName"]
            attached = self._call("list_attached_role_policies", RoleName=name)["AttachedPolicies"]
            tags = self._call("list_role_tags", RoleName=name)["Tags"]
            out[name] = {"path": role["Path"], "service": assume_service(role.get("AssumeRolePolicyDocument")),
                         "policies": sorted(p["PolicyArn"] for p in attached), "tags": _tags(tags)}
            inline = self.inline_policies(name)
            if inline:  # only the controller's roles have any
                out[name]["inline"] = inline
        return out

    def inline_policies(self, role: str) -> dict[str, dict]:
        """The role's inline policies: name -> document (a dict)."""
        import json
        from urllib.parse import unquote

        out = {}
        for pname in self._call("list_role_policies", RoleName=role)["PolicyNames"]:
            doc = self._call("get_role_policy", RoleName=role, PolicyName=pname)["PolicyDocument"]
            out[pname] = doc if isinstance(doc, dict) else json.loads(unquote(doc))
        return out

    def instance_profiles(self, path: str) -> dict[str, dict]:
        out: dict[str, dict] = {}
        for prof in (p for page in self._pages("list_instance_profiles", "Marker", PathPrefix=path)
                     for p in page["InstanceProfiles"]):
            out[prof["InstanceProfileName"]] = {
                "path": prof["Path"], "roles": sorted(r["RoleName"] for r in prof.get("Roles", [])),
                "tags": _tags(prof.get("Tags"))}
        return out
