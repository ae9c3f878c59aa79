"""Secrets Manager: whether a secret exists (metadata only; values are never read)."""

from __future__ import annotations

from jenkinsctl.aws.session import AwsClients, AwsNotFound


class SecretsManager:
    def __init__(self, clients: AwsClients):
        self.client = clients.client("secretsmanager")

    def exists(self, secret_id: str) -> bool:
        try:
            self.client.describe_secret(SecretId=secret_id)
        except AwsNotFound:
            return False
        return True
