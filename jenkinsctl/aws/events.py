"""EventBridge: reads for the agent fleet: the rules that route instance events to its queue."""

from __future__ import annotations

import json

from jenkinsctl.aws.pages import pages


def rules(events, prefix: str) -> dict[str, dict]:
    """Rules whose name starts with `prefix`: name -> {pattern, queue, tags}."""
    out: dict[str, dict] = {}
    for page in pages(events.list_rules, "NextToken", NamePrefix=prefix):
        for rule in page["Rules"]:
            name = rule["Name"]
            targets = events.list_targets_by_rule(Rule=name)["Targets"]
            tags = events.list_tags_for_resource(ResourceARN=rule["Arn"])["Tags"]
            out[name] = {"pattern": json.loads(rule.get("EventPattern") or "{}"),
                         "queue": targets[0]["Arn"].rsplit(":", 1)[-1] if targets else None,
                         "tags": {t["Key"]: t["Value"] for t in tags}}
    return out
