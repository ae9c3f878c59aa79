"""CloudWatch Logs: a log group with retention, created or brought in line (`Logs`), and the
agent fleet's reads by prefix."""

from __future__ import annotations

from jenkinsctl.aws.pages import pages
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


# ---- reads by prefix, for the agent fleet ----

def log_groups(logs, prefix: str) -> dict[str, dict]:
    """Log groups whose name starts with `prefix`: name -> {retentionDays, tags}."""
    out: dict[str, dict] = {}
    for page in pages(logs.describe_log_groups, "nextToken", logGroupNamePrefix=prefix):
        for group in page["logGroups"]:
            name = group["logGroupName"]
            tags = logs.list_tags_log_group(logGroupName=name).get("tags", {})
            out[name] = {"retentionDays": group.get("retentionInDays"), "tags": dict(tags)}
    return out
