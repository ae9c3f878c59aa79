"""ELBv2: target groups, listener rules with weighted forwarding, target health; and the load
balancers and listeners the sandbox's infrastructure helper creates."""

from __future__ import annotations

from jenkinsctl.aws.session import AwsNotFound, Service
from jenkinsctl.errors import AwsError


def forward(weights: dict) -> list[dict]:
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


class Elbv2(Service):
    name = "elbv2"
    PLANNED = frozenset({"delete_rule", "delete_target_group", "create_target_group", "create_rule", "modify_rule"})

    def target_group(self, name: str) -> dict | None:
        return self._target_group(Names=[name])

    def target_group_by_arn(self, arn: str) -> dict | None:
        return self._target_group(TargetGroupArns=[arn])

    def _target_group(self, **selector) -> dict | None:
        try:
            groups = self._call("describe_target_groups", **selector)["TargetGroups"]
        except AwsNotFound:
            return None
        return groups[0] if groups else None

    def tags(self, arn: str) -> dict[str, str]:
        out = self._call("describe_tags", ResourceArns=[arn])["TagDescriptions"]
        return {t["Key"]: t["Value"] for d in out for t in d.get("Tags", [])}

    def load_balancer_dns(self, listener_arn: str) -> str:
        """The DNS name of the load balancer a listener belongs to (dns-blue-green's record values)."""
        lb = self._call("describe_listeners", ListenerArns=[listener_arn])["Listeners"][0]["LoadBalancerArn"]
        return self._call("describe_load_balancers", LoadBalancerArns=[lb])["LoadBalancers"][0]["DNSName"]

    def rules(self, listener_arn: str) -> list[dict]:
        return self._call("describe_rules", ListenerArn=listener_arn)["Rules"]

    def next_priority(self, listener_arn: str) -> int:
        """The priority after the listener's existing rules (one call)."""
        from jenkinsctl.aws.limits import problem

        existing = self.rules(listener_arn)
        priority = max([int(r["Priority"]) for r in existing if r["Priority"].isdigit()] or [0]) + 1
        found = problem("elbv2.rule_priority", priority)
        if found:
            raise AwsError(f"listener {listener_arn}: no rule priority is left after its last rule ({found[0]})",
                           f"priorities are {found[1]}: renumber the listener's rules (aws elbv2 "
                           "set-rule-priorities) or give the environment another listener")
        return priority

    def set_actions(self, rule_arn: str, actions: list[dict]) -> None:
        self._call("modify_rule", RuleArn=rule_arn, Actions=actions)

    def target_health(self, target_group_arn: str) -> list[dict]:
        return self._call("describe_target_health", TargetGroupArn=target_group_arn)["TargetHealthDescriptions"]

    # ---- load balancers and listeners (the sandbox's infrastructure helper) ----

    def load_balancer_arn(self, name: str) -> str | None:
        try:
            return self._call("describe_load_balancers", Names=[name])["LoadBalancers"][0]["LoadBalancerArn"]
        except AwsNotFound:
            return None

    def create_load_balancer(self, name: str, subnets: list[str], security_groups: list[str]) -> str:
        """An internal application load balancer; its ARN."""
        return self._call("create_load_balancer", Name=name, Subnets=subnets, SecurityGroups=security_groups,
                          Scheme="internal", Type="application")["LoadBalancers"][0]["LoadBalancerArn"]

    def listeners(self, load_balancer_arn: str) -> dict[int, str]:
        """Port -> listener ARN."""
        found = self._call("describe_listeners", LoadBalancerArn=load_balancer_arn)["Listeners"]
        return {x["Port"]: x["ListenerArn"] for x in found}

    def create_listener(self, load_balancer_arn: str, port: int) -> str:
        """An HTTP listener answering 404 until rules route it; its ARN."""
        return self._call("create_listener", LoadBalancerArn=load_balancer_arn, Protocol="HTTP", Port=port,
                          DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {
                              "StatusCode": "404", "ContentType": "text/plain", "MessageBody": "no route"}}],
                          )["Listeners"][0]["ListenerArn"]
