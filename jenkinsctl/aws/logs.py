"""CloudWatch Logs: a log group with retention, created or brought in line."""

from __future__ import annotations

from jenkinsctl.aws.session import AwsClients


class Logs:
    def __init__(self, clients: AwsClients):
        self.client = clients.client("logs")

    def group(self, name: str) -> dict | None:
        for group in self.client.describe_log_groups(logGroupNamePrefix=name).get("logGroups", []):
            if group["logGroupName"] == name:
                return group
        return None

    def create_group(self, name: str, retention_days: int, tags: dict[str, str]) -> None:
        self.client.create_log_group(logGroupName=name, tags=tags)
        self.client.put_retention_policy(logGroupName=name, retentionInDays=retention_days)

    def set_retention(self, name: str, retention_days: int) -> None:
        self.client.put_retention_policy(logGroupName=name, retentionInDays=retention_days)
