"""EventBridge reads for the agent fleet: the rules that route instance events to its queue."""

from __future__ import annotations

import json


def rules(events, prefix: str) -> dict[str, dict]:
    """Rules whose name starts with `prefix`: name -> {pattern, queue, tags}."""
    out: dict[str, dict] = {}
    token = None
    while True:
        page = events.list_rules(NamePrefix=prefix, **({"NextToken": token} if token else {}))
        for rule in page["Rules"]:
            name = rule["Name"]
            targets = events.list_targets_by_rule(Rule=name)["Targets"]
            tags = events.list_tags_for_resource(ResourceARN=rule["Arn"])["Tags"]
            out[name] = {"pattern": json.loads(rule.get("EventPattern") or "{}"),
                         "queue": targets[0]["Arn"].rsplit(":", 1)[-1] if targets else None,
                         "tags": {t["Key"]: t["Value"] for t in tags}}
        token = page.get("NextToken")
        if not token:
            return out
