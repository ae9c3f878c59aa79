"""CloudWatch: the alarms ECS rolls a deployment back on."""

from __future__ import annotations

from jenkinsctl.aws.session import Service


class CloudWatch(Service):
    name = "cloudwatch"

    def alarms_firing(self, names: list[str]) -> list[str]:
        """Names of the given alarms in state ALARM: one API call."""
        if not names:
            return []
        out = self._call("describe_alarms", AlarmNames=names)
        return sorted(a["AlarmName"] for a in out.get("MetricAlarms", []) if a.get("StateValue") == "ALARM")

    def alarm_states(self, names: list[str]) -> dict[str, str]:
        """name -> StateValue of those of `names` that exist (metric and composite alarms): one call."""
        if not names:
            return {}
        out = self._call("describe_alarms", AlarmNames=names, AlarmTypes=["MetricAlarm", "CompositeAlarm"])
        return {a["AlarmName"]: a.get("StateValue", "") for a in out.get("MetricAlarms", []) + out.get("CompositeAlarms", [])}
