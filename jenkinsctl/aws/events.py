"""EventBridge: the rules that route instance events to the agent fleet's queue."""

from __future__ import annotations

import json

from jenkinsctl.aws.session import Service


class Events(Service):
    name = "events"
    PLANNED = frozenset({"put_rule", "put_targets", "tag_resource", "remove_targets", "delete_rule"})

    def rules(self, prefix: str) -> dict[str, dict]:
        """Rules whose name starts with `prefix`: name -> {pattern, queue, tags}."""
        out: dict[str, dict] = {}
        for page in self._pages("list_rules", "NextToken", NamePrefix=prefix):
            for rule in page["Rules"]:
                name = rule["Name"]
                targets = self._call("list_targets_by_rule", Rule=name)["Targets"]
                tags = self._call("list_tags_for_resource", ResourceARN=rule["Arn"])["Tags"]
                out[name] = {"pattern": json.loads(rule.get("EventPattern") or "{}"),
                             "queue": targets[0]["Arn"].rsplit(":", 1)[-1] if targets else None,
                             "tags": {t["Key"]: t["Value"] for t in tags}}
        return out
