"""CloudWatch Logs reads for the agent fleet."""

from __future__ import annotations


def log_groups(logs, prefix: str) -> dict[str, dict]:
    """Log groups whose name starts with `prefix`: name -> {retentionDays, tags}."""
    out: dict[str, dict] = {}
    token = None
    while True:
        page = logs.describe_log_groups(logGroupNamePrefix=prefix, **({"nextToken": token} if token else {}))
        for group in page["logGroups"]:
            name = group["logGroupName"]
            tags = logs.list_tags_log_group(logGroupName=name).get("tags", {})
            out[name] = {"retentionDays": group.get("retentionInDays"), "tags": dict(tags)}
        token = page.get("nextToken")
        if not token:
            return out
