"""CloudWatch Logs reads for the agent fleet."""

from __future__ import annotations

from jenkinsctl.aws.pages import pages


def log_groups(logs, prefix: str) -> dict[str, dict]:
    """Log groups whose name starts with `prefix`: name -> {retentionDays, tags}."""
    out: dict[str, dict] = {}
    for page in pages(logs.describe_log_groups, "nextToken", logGroupNamePrefix=prefix):
        for group in page["logGroups"]:
            name = group["logGroupName"]
            tags = logs.list_tags_log_group(logGroupName=name).get("tags", {})
            out[name] = {"retentionDays": group.get("retentionInDays"), "tags": dict(tags)}
    return out
