"""IAM: roles with inline policies, created or brought in line (idempotent)."""

from __future__ import annotations

import json
from urllib.parse import unquote

from jenkinsctl.aws.session import AwsClients, AwsNotFound


class Iam:
    def __init__(self, clients: AwsClients):
        self.client = clients.client("iam")

    def role(self, name: str) -> dict | None:
        try:
            return self.client.get_role(RoleName=name)["Role"]
        except AwsNotFound:
            return None

    def create_role(self, name: str, trust: dict, tags: dict[str, str]) -> dict:
        return self.client.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust),
                                       Tags=[{"Key": k, "Value": v} for k, v in tags.items()])["Role"]

    def inline_policy(self, role: str, policy: str) -> dict | None:
        try:
            doc = self.client.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"]
        except AwsNotFound:
            return None
        return json.loads(unquote(doc)) if isinstance(doc, str) else doc

    def put_inline_policy(self, role: str, policy: str, document: dict) -> None:
        self.client.put_role_policy(RoleName=role, PolicyName=policy, PolicyDocument=json.dumps(document))
