"""CloudWatch Logs: a log group with retention, created or brought in line (for deploys), and
the agent fleet's reads by prefix."""

from __future__ import annotations

from jenkinsctl.aws.session import Service


class Logs(Service):
    name = "logs"
    PLANNED = frozenset({"create_log_group", "put_retention_policy", "tag_log_group", "delete_log_group"})

    def group(self, name: str) -> dict | None:
        for group in self._call("describe_log_groups", logGroupNamePrefix=name).get("logGroups", []):
            if group["logGroupName"] == name:
                return group
        return None

    def create_group(self, name: str, retention_days: int, tags: dict[str, str]) -> None:
        self._call("create_log_group", logGroupName=name, tags=tags)
        self._call("put_retention_policy", logGroupName=name, retentionInDays=retention_days)

    def set_retention(self, name: str, retention_days: int) -> None:
        self._call("put_retention_policy", logGroupName=name, retentionInDays=retention_days)

    def groups(self, prefix: str) -> dict[str, dict]:
        """Log groups whose name starts with `prefix`: name -> {retentionDays, tags}."""
        out: dict[str, dict] = {}
        for page in self._pages("describe_log_groups", "nextToken", logGroupNamePrefix=prefix):
            for group in page["logGroups"]:
                name = group["logGroupName"]
                tags = self._call("list_tags_log_group", logGroupName=name).get("tags", {})
                out[name] = {"retentionDays": group.get("retentionInDays"), "tags": dict(tags)}
        return out
