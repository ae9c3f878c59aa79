"""Secrets Manager: whether a secret exists (metadata only; values are never read)."""

from __future__ import annotations

from jenkinsctl.aws.session import AwsNotFound, Service


class SecretsManager(Service):
    name = "secretsmanager"

    def exists(self, secret_id: str) -> bool:
        return self._found("describe_secret", SecretId=secret_id)

    def describe(self, secret_id: str) -> dict | None:
        """{arn, kmsKeyId} of the secret (its metadata; the value is never read), None when missing."""
        try:
            got = self._call("describe_secret", SecretId=secret_id)
        except AwsNotFound:
            return None
        return {"arn": got["ARN"], "kmsKeyId": got.get("KmsKeyId")}
