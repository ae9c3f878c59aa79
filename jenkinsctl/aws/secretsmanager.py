"""Secrets Manager: whether a secret exists (metadata only; values are never read)."""

from __future__ import annotations

from jenkinsctl.aws.session import Service


class SecretsManager(Service):
    name = "secretsmanager"

    def exists(self, secret_id: str) -> bool:
        return self._found("describe_secret", SecretId=secret_id)
