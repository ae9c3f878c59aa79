"""ELBv2: target groups, listener rules with weighted forwarding, target health."""

from __future__ import annotations

from jenkinsctl.aws.session import AwsClients, AwsNotFound


class Elbv2:
    def __init__(self, clients: AwsClients):
        self.client = clients.client("elbv2")

    def target_group(self, name: str) -> dict | None:
        try:
            groups = self.client.describe_target_groups(Names=[name])["TargetGroups"]
        except AwsNotFound:
            return None
        return groups[0] if groups else None

    def create_target_group(self, **params) -> dict:
        return self.client.create_target_group(**params)["TargetGroups"][0]

    def rules(self, listener_arn: str) -> list[dict]:
        return self.client.describe_rules(ListenerArn=listener_arn)["Rules"]

    def add_rule(self, listener_arn: str, conditions: list[dict], actions: list[dict]) -> dict:
        """A rule after the listener's existing ones (the next free priority)."""
        existing = self.rules(listener_arn)
        priority = max([int(r["Priority"]) for r in existing if r["Priority"].isdigit()] or [0]) + 1
        return self.client.create_rule(ListenerArn=listener_arn, Priority=priority, Conditions=conditions,
                                       Actions=actions)["Rules"][0]

    def set_actions(self, rule_arn: str, actions: list[dict]) -> None:
        self.client.modify_rule(RuleArn=rule_arn, Actions=actions)

    def target_health(self, target_group_arn: str) -> list[dict]:
        return self.client.describe_target_health(TargetGroupArn=target_group_arn)["TargetHealthDescriptions"]


def forward(weights: dict[str, int]) -> list[dict]:
    """A forward action splitting traffic between target groups by weight (ARN -> weight)."""
    return [{"Type": "forward", "ForwardConfig": {"TargetGroups": [
        {"TargetGroupArn": arn, "Weight": w} for arn, w in weights.items()]}}]


def forward_weights(rule: dict) -> dict[str, int]:
    """ARN -> weight of a rule's forward action (a plain TargetGroupArn counts as weight 100)."""
    for action in rule.get("Actions", []):
        if action.get("Type") != "forward":
            continue
        groups = (action.get("ForwardConfig") or {}).get("TargetGroups")
        if groups:
            return {g["TargetGroupArn"]: int(g.get("Weight", 1)) for g in groups}
        if action.get("TargetGroupArn"):
            return {action["TargetGroupArn"]: 100}
    return {}
