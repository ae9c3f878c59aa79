"""Secrets Manager: whether a secret exists (metadata only; values are never read)."""

from __future__ import annotations

from jenkinsctl.aws.session import AwsNotFound, Service


class SecretsManager(Service):
    name = "secretsmanager"

    def exists(self, secret_id: str) -> bool:
        try:
            self._call("describe_secret", SecretId=secret_id)
        except AwsNotFound:
            return False
        return True
