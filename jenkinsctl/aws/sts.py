"""STS: assume an environment's role, and say who jenkinsctl runs as."""

from __future__ import annotations

from jenkinsctl.aws.session import Service


class Sts(Service):
    name = "sts"

    def assume_role(self, role_arn: str, session_name: str, seconds: int, external_id: str | None = None) -> dict:
        """The role session's credentials (AccessKeyId, SecretAccessKey, SessionToken, Expiration)."""
        params = {"RoleArn": role_arn, "RoleSessionName": session_name, "DurationSeconds": seconds}
        if external_id:
            params["ExternalId"] = external_id
        return self._call("assume_role", **params)["Credentials"]

    def caller_arn(self) -> str:
        return self._call("get_caller_identity")["Arn"]
