"""Plan a deploy as data (what exists, what will be created or changed), print it, apply it.

`observe` reads the environment (a bounded number of describe calls), `make_plan` is pure,
`apply` executes exactly the plan's changes; the strategy then moves traffic and tasks."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from jenkinsctl.aws.elbv2 import forward, forward_weights
from jenkinsctl.deploy import taskdef as td
from jenkinsctl.deploy.resources import ECS_TASKS_TRUST, EXECUTION_POLICY, SLOTS, TASK_POLICY, Resources
from jenkinsctl.plan import ApiCall, Change, Plan, Ref, run_call


@dataclass
class Observed:
    """What exists now, as read from AWS."""
    services: dict[str, dict]              # ECS service name -> description
    current_taskdef: dict | None           # normalized revision the live service runs
    current_taskdef_arn: str | None
    latest_same: str | None                # ARN of an existing revision identical to the wanted one
    log_group: dict | None
    roles: dict[str, bool]
    policies: dict[str, dict | None]
    target_groups: dict[str | None, str | None]   # slot -> ARN
    rule: dict | None
    test_rule: dict | None
    live_slot: str | None
    missing_secrets: list[str] = field(default_factory=list)  # "NAME (ref)" not found in the environment


TEST_RULE = " (test)"  # the name suffix of the test listener's rule


@dataclass(frozen=True)
class DeployPlan(Plan):
    """A deploy's plan (`jenkinsctl.plan.Plan`): the resources' changes with their calls, and what
    the strategy will then do to the services. Built complete, never changed after."""

    service: str = ""
    env: str = ""
    strategy: str = ""
    version: str = ""
    image_uri: str = ""
    request: dict = field(default_factory=dict)   # the RegisterTaskDefinition request
    taskdef_diff: tuple[str, ...] = ()
    service_changes: tuple[str, ...] = ()
    observed: Observed | None = None
    reuse_taskdef_arn: str | None = None          # set when nothing in the task definition changed

    @property
    def registers(self) -> bool:
        return self.reuse_taskdef_arn is None

    @property
    def in_place(self) -> bool:
        """Nothing to do: the live service already runs this exact task definition."""
        o = self.observed
        return (not self.changes and self.reuse_taskdef_arn is not None
                and self.reuse_taskdef_arn == o.current_taskdef_arn and not self.service_changes)

    def render(self) -> list[str]:
        lines = [f"plan: {self.service} -> {self.env} ({self.strategy}), version {self.version}",
                 f"  image {self.image_uri}"]
        if self.taskdef_diff:
            lines.append("task definition changes (- current, + new):")
            lines += [f"  {line}" for line in self.taskdef_diff]
        else:
            lines.append(f"task definition: unchanged ({_short(self.reuse_taskdef_arn)}); nothing to register")
        lines.append("resources:" if self.changes else "resources: all exist")
        lines += [f"  {c.action} {c.kind} {c.name}" + (f" ({c.note})" if c.note else "") for c in self.changes]
        if self.observed.missing_secrets:
            lines.append(f"warning: secrets missing in {self.env}: {', '.join(self.observed.missing_secrets)}; "
                         "tasks cannot start until they exist")
        lines.append("service:" if self.service_changes else "service: unchanged")
        lines += [f"  {s}" for s in self.service_changes]
        return lines


def _short(arn: str | None) -> str:
    return arn.rsplit("/", 1)[-1] if arn else "-"


# strategies that run one ECS service per environment (dns-blue-green moves traffic between two
# environments in DNS, not between two services)
SINGLE_SERVICE = ("rolling", "dns-blue-green")


def slots_for(strategy: str) -> tuple:
    return (None,) if strategy in SINGLE_SERVICE else SLOTS


def observe(clients, res: Resources, env, strategy: str, wanted: dict) -> Observed:
    ecs, elb, iam = clients.ecs, clients.elbv2, clients.iam
    slots = slots_for(strategy)
    services = ecs.services(res.cluster, [res.ecs_service(s) for s in slots])
    if not services and not ecs.cluster_exists(res.cluster):
        from jenkinsctl.errors import UsageError

        raise UsageError(f"ECS cluster {res.cluster} (environment {env.name}) does not exist in {res.region}; "
                         "nothing was changed", "jenkinsctl deploys services into existing clusters: create it, "
                         "or fix environments." + env.name + ".cluster in jenkinsctl.yaml (sandbox: "
                         "python -m jenkinsctl.devkit.sandbox_infra creates them)")
    tgs: dict = {}
    rule = test_rule = None
    if env.port and env.load_balancer:
        for slot in slots:
            group = elb.target_group(res.target_group(slot))
            tgs[slot] = group["TargetGroupArn"] if group else None
        rule = find_rule(elb.rules(env.load_balancer.listener_arn), set(filter(None, tgs.values())))
        if env.load_balancer.test_listener_arn and strategy not in SINGLE_SERVICE:
            test_rule = find_rule(elb.rules(env.load_balancer.test_listener_arn), set(filter(None, tgs.values())))
    live_slot = _live_slot(slots, services, tgs, rule)
    live = services.get(res.ecs_service(live_slot)) if (live_slot or strategy in SINGLE_SERVICE) else None
    current = current_arn = None
    if live and live.get("taskDefinition"):
        current_arn = live["taskDefinition"]
        found = ecs.task_definition(current_arn)
        if found:
            current = td.normalize(*found)
    latest_same = current_arn if current is not None and current == td.normalize(wanted) else None
    if latest_same is None and current_arn is None:
        found = ecs.task_definition(res.family)  # latest revision of the family, e.g. after a failed first deploy
        if found and td.normalize(*found) == td.normalize(wanted):
            latest_same = found[0]["taskDefinitionArn"]
    roles = {name: iam.role(name) is not None for name in (res.task_role, res.execution_role)}
    policies = {
        res.execution_role: iam.inline_policy(res.execution_role, EXECUTION_POLICY) if roles[res.execution_role] else None,
        res.task_role: iam.inline_policy(res.task_role, TASK_POLICY) if roles[res.task_role] else None,
    }
    return Observed(services, current, current_arn, latest_same, clients.logs.group(res.log_group), roles,
                    policies, tgs, rule, test_rule, live_slot, missing_secrets(clients, res, env))


def missing_secrets(clients, res: Resources, env) -> list[str]:
    """Secret references that do not exist in the environment (one metadata call each)."""
    check = {"ssm": clients.ssm.exists, "secretsmanager": clients.secretsmanager.exists}
    out = []
    for name, ref in sorted(env.secrets.items()):
        kind, key = res.secret_lookup(ref)
        if not check[kind](key):
            out.append(f"{name} ({ref})")
    return out


def find_rule(rules: list[dict], tg_arns: set[str]) -> dict | None:
    if not tg_arns:
        return None
    for rule in rules:
        if not rule.get("IsDefault") and set(forward_weights(rule)) & tg_arns:
            return rule
    return None


def _live_slot(slots, services, tgs, rule) -> str | None:
    """The slot taking traffic: the heaviest weight in the rule, else the only slot with tasks."""
    if slots == (None,):
        return None
    if rule:
        weights = forward_weights(rule)
        by_slot = {s: weights.get(tgs.get(s) or "", 0) for s in slots}
        best = max(slots, key=lambda s: by_slot[s])
        if by_slot[best] > 0:
            return best
    running = [s for s in slots if any(n.endswith(f"-{s}") and v.get("desiredCount", 0) > 0
                                       for n, v in services.items())]
    return running[0] if len(running) == 1 else None


def conditions(res: Resources, env) -> list[dict]:
    out = []
    if env.host:
        out.append({"Field": "host-header", "HostHeaderConfig": {"Values": [env.host]}})
    if env.path:
        out.append({"Field": "path-pattern", "PathPatternConfig": {"Values": [env.path, env.path.rstrip("/") + "/*"]}})
    if not out:  # default: route by the service's name as the first host label
        out.append({"Field": "host-header", "HostHeaderConfig": {"Values": [f"{res.service}.*"]}})
    return out


def _tags(res: Resources) -> list[dict]:
    return [{"Key": k, "Value": v} for k, v in res.tags.items()]


def make_plan(res: Resources, env, strategy: str, version: str, image_uri: str, request: dict,
              observed: Observed, revert_to: str | None = None) -> DeployPlan:
    """`revert_to`: a rollback reuses that registered revision as it is instead of registering."""
    changes: list[Change] = []
    retention = env.log_retention_days
    set_retention = ApiCall("logs", "put_retention_policy", {"logGroupName": res.log_group, "retentionInDays": retention})
    if observed.log_group is None:
        changes.append(Change("create", "log-group", res.log_group, f"retention {retention} days", calls=(
            ApiCall("logs", "create_log_group", {"logGroupName": res.log_group, "tags": res.tags}), set_retention)))
    elif observed.log_group.get("retentionInDays") != retention:
        changes.append(Change("set", "log-retention", res.log_group,
                              f"{observed.log_group.get('retentionInDays')} -> {retention} days", calls=(set_retention,)))
    for role in (res.task_role, res.execution_role):
        if not observed.roles[role]:
            changes.append(Change("create", "role", role, "trusts ecs-tasks.amazonaws.com", calls=(
                ApiCall("iam", "create_role", {"RoleName": role, "AssumeRolePolicyDocument": json.dumps(ECS_TASKS_TRUST),
                                               "Tags": _tags(res)}, hidden=("AssumeRolePolicyDocument",)),)))
    wanted_policies = {res.execution_role: (EXECUTION_POLICY, res.execution_policy(env.secrets)),
                       res.task_role: (TASK_POLICY, res.task_policy())}
    for role, (name, doc) in wanted_policies.items():
        if observed.policies.get(role) != doc:
            resources = sorted({r for s in doc["Statement"] for r in s["Resource"]})
            changes.append(Change("put", "role-policy", f"{role}/{name}", f"{len(resources)} resources", calls=(
                ApiCall("iam", "put_role_policy", {"RoleName": role, "PolicyName": name,
                                                   "PolicyDocument": json.dumps(doc)}, hidden=("PolicyDocument",)),)))
    slots = slots_for(strategy)
    if env.port and env.load_balancer:
        hc = env.health_check
        for slot in slots:
            if not observed.target_groups.get(slot):
                changes.append(Change("create", "target-group", res.target_group(slot),
                                      f"HTTP {env.port}, health {hc.path}", calls=(ApiCall("elbv2", "create_target_group", {
                                          "Name": res.target_group(slot), "Protocol": "HTTP", "Port": env.port,
                                          "VpcId": env.network.vpc_id, "TargetType": "ip", "HealthCheckPath": hc.path,
                                          "HealthCheckIntervalSeconds": hc.interval_seconds,
                                          "HealthyThresholdCount": hc.healthy_threshold,
                                          "UnhealthyThresholdCount": hc.unhealthy_threshold,
                                          "Matcher": {"HttpCode": "200-399"}, "Tags": _tags(res)}),)))
        lb = env.load_balancer
        if observed.rule is None:
            # rolling: all traffic to its one group; two slots: none until the strategy switches it
            weights = {None: 100} if strategy in SINGLE_SERVICE else {s: 0 for s in slots}
            changes.append(Change("create", "listener-rule", res.target_group(slots[0]),
                                  "on " + _short(lb.listener_arn) + ", "
                                  + ", ".join(v for c in conditions(res, env) for v in
                                              (c.get("HostHeaderConfig") or c.get("PathPatternConfig"))["Values"]),
                                  calls=(_rule(res, env, lb.listener_arn, weights),)))
        if strategy == "blue-green" and env.blue_green.test_listener and lb.test_listener_arn \
                and observed.test_rule is None:
            changes.append(Change("create", "listener-rule", res.target_group(slots[0]) + TEST_RULE,
                                  "on test listener " + _short(lb.test_listener_arn),
                                  calls=(_rule(res, env, lb.test_listener_arn, {s: 0 for s in slots}),)))
    wanted_norm = td.normalize(request)
    reuse = observed.latest_same
    diff = [] if reuse else td.diff(observed.current_taskdef, wanted_norm)
    services = service_changes(res, env, strategy, observed, reuse)
    if reuse is None and revert_to:  # a rollback: the recorded revision, as it was registered
        reuse, diff = revert_to, [f"  revert to {_short(revert_to)}"] + diff
    if not reuse:
        changes.append(Change("register", "task-definition", res.family, f"image {image_uri.rsplit('@', 1)[-1][:19]}",
                              calls=(ApiCall("ecs", "register_task_definition", request,
                                             hidden=("containerDefinitions",)),)))
    return DeployPlan(tuple(changes), service=res.service, env=res.env, strategy=strategy, version=version,
                      image_uri=image_uri, request=request, taskdef_diff=tuple(diff), service_changes=tuple(services),
                      observed=observed, reuse_taskdef_arn=reuse)


def _rule(res: Resources, env, listener_arn: str, weights: dict) -> ApiCall:
    """A listener rule after the listener's existing ones, forwarding to the slots' target groups."""
    return ApiCall("elbv2", "create_rule", {
        "ListenerArn": listener_arn, "Priority": Ref("next_rule_priority", listener_arn),
        "Conditions": conditions(res, env),
        "Actions": forward({Ref("target_group_arn", res.target_group(s)): w for s, w in weights.items()})})


def service_changes(res: Resources, env, strategy: str, observed: Observed, reuse: str | None) -> list[str]:
    out = []
    if strategy in SINGLE_SERVICE:
        svc = observed.services.get(res.ecs_service(None))
        if svc is None:
            out.append(f"create ECS service {res.ecs_service(None)} in cluster {res.cluster}, "
                       f"{env.desired_count} tasks, circuit breaker with rollback")
        elif reuse is None or svc.get("taskDefinition") != reuse:
            out.append(f"rolling update of {res.ecs_service(None)}: "
                       f"min healthy {env.rolling.min_healthy_percent}%, max {env.rolling.max_percent}%")
        elif not env.autoscaling and svc.get("desiredCount") != env.desired_count:
            out.append(f"desired count {svc.get('desiredCount')} -> {env.desired_count}")
    else:
        live = observed.live_slot
        new = "green" if live == "blue" else "blue"
        live_svc = observed.services.get(res.ecs_service(live)) if live else None
        if live_svc is not None and reuse is not None and live_svc.get("taskDefinition") == reuse:
            return out
        verb = "create" if res.ecs_service(new) not in observed.services else "update"
        out.append(f"{verb} {res.ecs_service(new)} with the new revision, {env.desired_count} tasks")
        if strategy == "blue-green":
            gate = "test listener, then " if env.blue_green.test_listener and env.load_balancer \
                and env.load_balancer.test_listener_arn else ""
            out.append(f"health gate ({gate}target group {res.target_group(new)}), switch traffic "
                       f"{live or 'none'} -> {new}" + (f", bake {env.blue_green.bake_seconds}s, then scale "
                                                       f"{res.ecs_service(live)} to 0" if live else ""))
        else:
            steps = " -> ".join(f"{s}%" for s in env.canary.steps) if live else "100% (first deploy)"
            alarms = f", alarms {', '.join(env.canary.alarms)}" if env.canary.alarms else ""
            out.append(f"canary {steps} on {new}, {env.canary.interval_seconds}s per step, health gate{alarms}")
    if env.autoscaling:
        a = env.autoscaling
        out.append(f"autoscaling: {a.min}-{a.max} tasks, target {a.cpu_target}% CPU")
    return out


def apply(plan: DeployPlan, clients, res: Resources) -> dict:
    """Execute the plan's calls; returns {"taskdef": arn, "target_groups": {slot: arn}, "rule": arn,
    "test_rule": arn or None}."""
    slot_of = {res.target_group(s): s for s in slots_for(plan.strategy)}
    tgs = dict(plan.observed.target_groups)
    rule_arn = plan.observed.rule["RuleArn"] if plan.observed.rule else None
    test_rule_arn = plan.observed.test_rule["RuleArn"] if plan.observed.test_rule else None
    taskdef_arn = plan.reuse_taskdef_arn

    def lookup(ref: Ref):
        if ref.what == "target_group_arn":
            return tgs[slot_of[ref.name]]
        if ref.what == "next_rule_priority":
            return clients.elbv2.next_priority(ref.name)
        raise ValueError(f"unknown reference {ref}")

    for change in plan.changes:
        for call in change.calls:
            out = run_call(call, clients, lookup)
            if call.method == "create_target_group":
                tgs[slot_of[change.name]] = out["TargetGroups"][0]["TargetGroupArn"]
            elif call.method == "create_rule":
                created = out["Rules"][0]["RuleArn"]
                if change.name.endswith(TEST_RULE):
                    test_rule_arn = created
                else:
                    rule_arn = created
            elif call.method == "register_task_definition":
                taskdef_arn = out["taskDefinition"]["taskDefinitionArn"]
    return {"taskdef": taskdef_arn, "target_groups": tgs, "rule": rule_arn, "test_rule": test_rule_arn}
