"""Plan a deploy as data (what exists, what will be created or changed, what was checked), print
it, apply it.

`observe` reads the environment (a bounded number of describe calls), `make_plan` is pure and
builds the plan complete (`jenkinsctl.plan`: each resource change with its API calls), `apply`
executes exactly those calls; the strategy then creates or updates the one ECS service and
follows ECS. A service still in the two-service layout (`<name>-blue` / `-green`, from when
jenkinsctl moved listener weights itself) gets migration steps first (`deploy/migration.py`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from jenkinsctl.aws.elbv2 import forward, forward_weights
from jenkinsctl.deploy import ecs_config
from jenkinsctl.deploy import taskdef as td
from jenkinsctl.deploy.resources import (
    ECS,
    ECS_TASKS,
    EXECUTION_POLICY,
    INFRA_POLICY,
    SLOTS,
    TASK_POLICY,
    Resources,
    trust,
)
from jenkinsctl.plan import ApiCall, Change, Plan, Ref, run_call

TEST_RULE = " (test)"  # the name suffix of the test listener's rule


@dataclass(frozen=True)
class Check:
    """What the plan verified before any change: `ok`, `warn` (said, not blocking) or `problem`
    (the deploy is refused before anything changes)."""
    level: str
    what: str
    hint: str = ""

    def render(self) -> str:
        return f"  {self.level:<7} {self.what}"


@dataclass
class Observed:
    """What exists now, as read from AWS."""
    service: dict | None                   # the one ECS service `<name>`
    legacy: dict[str, dict]                # slot -> `<name>-blue` / `-green` still ACTIVE
    live_slot: str | None                  # the legacy slot taking traffic
    current_taskdef: dict | None           # normalized revision that serves now
    current_taskdef_arn: str | None
    latest_same: str | None                # ARN of an existing revision identical to the wanted one
    log_group: dict | None
    roles: dict[str, dict | None]
    policies: dict[str, dict | None]
    tg_names: tuple[str | None, str | None]        # (primary, alternate) target group names
    target_groups: dict[str, dict | None]          # name -> description (None: missing)
    rule: dict | None
    test_rule: dict | None
    alarms: dict[str, str] = field(default_factory=dict)    # existing alarm -> state
    missing_functions: list[str] = field(default_factory=list)
    missing_secrets: list[str] = field(default_factory=list)  # "NAME (ref)" not found in the environment

    @property
    def services(self) -> dict[str, dict]:
        out = {s["serviceName"]: s for s in self.legacy.values()}
        if self.service:
            out[self.service["serviceName"]] = self.service
        return out


@dataclass(frozen=True)
class DeployPlan(Plan):
    """A deploy's plan (`jenkinsctl.plan.Plan`): the resources' changes with their calls, what was
    checked, the migration steps, and what ECS will then do to the service. Built complete, never
    changed after."""

    service: str = ""
    env: str = ""
    strategy: str = ""
    version: str = ""
    image_uri: str = ""
    request: dict = field(default_factory=dict)   # the RegisterTaskDefinition request
    taskdef_diff: tuple[str, ...] = ()
    checks: tuple[Check, ...] = ()
    migration: tuple[str, ...] = ()                # the steps from the two-service layout, in order
    service_changes: tuple[str, ...] = ()
    observed: Observed | None = None
    reuse_taskdef_arn: str | None = None          # set when nothing in the task definition changed

    @property
    def registers(self) -> bool:
        return self.reuse_taskdef_arn is None

    @property
    def problems(self) -> list[Check]:
        return [c for c in self.checks if c.level == "problem"]

    @property
    def in_place(self) -> bool:
        """Nothing to do: the service already runs this exact task definition."""
        o = self.observed
        return (not self.changes and not self.migration and self.reuse_taskdef_arn is not None
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
        if self.checks:
            lines.append("checks:")
            lines += [c.render() for c in self.checks]
        if self.observed.missing_secrets:
            lines.append(f"warning: secrets missing in {self.env}: {', '.join(self.observed.missing_secrets)}; "
                         "tasks cannot start until they exist")
        if self.migration:
            lines.append("migration from the two-service layout (no downtime; the listener rule is not touched):")
            lines += [f"  {i}. {step}" for i, step in enumerate(self.migration, 1)]
        lines += [f"note: {n}" for n in self.notes]
        lines.append("service:" if self.service_changes else "service: unchanged")
        lines += [f"  {s}" for s in self.service_changes]
        return lines


def _short(arn: str | None) -> str:
    return arn.rsplit("/", 1)[-1] if arn else "-"


def native(strategy: str) -> bool:
    return strategy in ecs_config.NATIVE


def load_balanced(env) -> bool:
    return bool(env.port and env.load_balancer)


def infrastructure_role_name(res: Resources, env) -> str | None:
    """The role ECS shifts traffic with: the configured one, else jenkinsctl's per service."""
    lb = env.load_balancer
    if lb and lb.infrastructure_role_arn:
        return lb.infrastructure_role_arn.rsplit("/", 1)[-1]
    return res.infrastructure_role


def observe(clients, res: Resources, env, strategy: str, wanted: dict) -> Observed:
    ecs, elb, iam = clients.ecs, clients.elbv2, clients.iam
    names = [res.ecs_service_name] + [res.legacy_service(s) for s in SLOTS]
    services = ecs.services(res.cluster, names)
    if not services and not ecs.cluster_exists(res.cluster):
        from jenkinsctl.errors import UsageError

        raise UsageError(f"ECS cluster {res.cluster} (environment {env.name}) does not exist in {res.region}; "
                         "nothing was changed", "jenkinsctl deploys services into existing clusters: create it, "
                         "or fix environments." + env.name + ".cluster in jenkinsctl.yaml (sandbox: "
                         "python -m jenkinsctl.devkit.sandbox_infra creates them)")
    service = services.get(res.ecs_service_name)
    legacy = {s: services[res.legacy_service(s)] for s in SLOTS if res.legacy_service(s) in services}
    groups: dict[str, dict | None] = {}
    primary = alternate = None
    rule = test_rule = None
    live_slot = None
    if load_balanced(env):
        primary, alternate, groups = _target_groups(elb, res, strategy, service, legacy)
        arns = {g["TargetGroupArn"] for g in groups.values() if g}
        rule = find_rule(elb.rules(env.load_balancer.listener_arn), arns)
        if env.load_balancer.test_listener_arn and _uses_test_listener(env, strategy):
            test_rule = find_rule(elb.rules(env.load_balancer.test_listener_arn), arns)
        live_slot = _live_slot(res, legacy, groups, rule) if legacy else None
    elif legacy:
        live_slot = _live_slot(res, legacy, {}, None)
    serving = service or (legacy.get(live_slot) if live_slot else None)
    current = current_arn = None
    if serving and serving.get("taskDefinition"):
        current_arn = serving["taskDefinition"]
        found = ecs.task_definition(current_arn)
        if found:
            current = td.normalize(*found)
    latest_same = current_arn if current is not None and current == td.normalize(wanted) else None
    if latest_same is None and current_arn is None:
        found = ecs.task_definition(res.family)  # latest revision of the family, e.g. after a failed first deploy
        if found and td.normalize(*found) == td.normalize(wanted):
            latest_same = found[0]["taskDefinitionArn"]
    role_names = [res.task_role, res.execution_role]
    infra = infrastructure_role_name(res, env) if native(strategy) and load_balanced(env) else None
    if infra:
        role_names.append(infra)
    roles = {name: iam.role(name) for name in role_names}
    policies = {
        res.execution_role: iam.inline_policy(res.execution_role, EXECUTION_POLICY) if roles[res.execution_role] else None,
        res.task_role: iam.inline_policy(res.task_role, TASK_POLICY) if roles[res.task_role] else None,
    }
    if infra == res.infrastructure_role and roles[infra]:
        policies[infra] = iam.inline_policy(infra, INFRA_POLICY)
    alarm_names = ecs_config.alarms_of(env)
    alarms = clients.cloudwatch.alarm_states(alarm_names) if alarm_names else {}
    missing_functions = [h.function for h in env.hooks if native(strategy) and not clients.lambdas.exists(h.function)]
    return Observed(service, legacy, live_slot, current, current_arn, latest_same, clients.logs.group(res.log_group),
                    roles, policies, (primary, alternate), groups, rule, test_rule, alarms, missing_functions,
                    missing_secrets(clients, res, env))


def _uses_test_listener(env, strategy: str) -> bool:
    return strategy == "blue-green" and env.blue_green is not None and env.blue_green.test_listener


def _target_groups(elb, res: Resources, strategy: str, service: dict | None, legacy: dict):
    """(primary name, alternate name or None, name -> description). An existing service's groups
    come from the service itself (ECS may have swapped them); a new one gets `-b` (and `-g`)."""
    groups: dict[str, dict | None] = {}
    lbs = (service or {}).get("loadBalancers") or []
    if lbs:
        first = elb.target_group_by_arn(lbs[0]["targetGroupArn"])
        primary = first["TargetGroupName"] if first else res.target_group("blue")
        groups[primary] = first
        other_arn = (lbs[0].get("advancedConfiguration") or {}).get("alternateTargetGroupArn")
        if other_arn and native(strategy):
            other = elb.target_group_by_arn(other_arn)
            alternate = other["TargetGroupName"] if other else res.alternate_of(primary)
            groups[alternate] = other
            return primary, alternate, groups
    elif legacy:
        primary = res.target_group("blue")  # the live slot's is chosen once both are read
    else:
        primary = res.target_group(None) if strategy == "rolling" else res.target_group("blue")
    alternate = res.alternate_of(primary) if (native(strategy) or (legacy and not lbs)) else None
    for name in filter(None, (primary, alternate)):
        if name not in groups:
            groups[name] = elb.target_group(name)
    if legacy and not lbs:  # the live slot's group is the primary: ECS's first blue is what serves now
        return primary, alternate, groups
    return primary, alternate, groups


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


def _live_slot(res: Resources, legacy: dict, groups: dict, rule) -> str | None:
    """The legacy slot taking traffic: the heaviest weight in the rule, else the only slot with tasks."""
    if rule:
        weights = forward_weights(rule)
        by_slot = {s: weights.get((groups.get(res.target_group(s)) or {}).get("TargetGroupArn", ""), 0)
                   for s in SLOTS}
        best = max(SLOTS, key=lambda s: by_slot[s])
        if by_slot[best] > 0 and best in legacy:
            return best
    running = [s for s, svc in legacy.items() if svc.get("desiredCount", 0) > 0]
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


def wiring_names(res: Resources, observed: Observed) -> tuple[str | None, str | None]:
    """(primary, alternate) target group names the service will use: during a migration the
    live legacy slot's group is the primary (it serves now, and keeps serving)."""
    primary, alternate = observed.tg_names
    if observed.legacy and observed.service is None and observed.live_slot and primary:
        primary = res.target_group(observed.live_slot)
        alternate = res.alternate_of(primary) if alternate else None
    return primary, alternate


def _tags(res: Resources) -> list[dict]:
    return [{"Key": k, "Value": v} for k, v in res.tags.items()]


def _role(res: Resources, name: str, service: str, note: str) -> Change:
    return Change("create", "role", name, note, calls=(
        ApiCall("iam", "create_role", {"RoleName": name, "AssumeRolePolicyDocument": json.dumps(trust(service)),
                                       "Tags": _tags(res)}, hidden=("AssumeRolePolicyDocument",)),))


def make_plan(res: Resources, env, strategy: str, version: str, image_uri: str, request: dict,
              observed: Observed, revert_to: str | None = None, sandbox: bool = False,
              image_check: tuple[str, str] | None = None) -> DeployPlan:
    """`revert_to`: a rollback reuses that registered revision as it is instead of registering.
    `image_check`: what the step found about the image digest ("ok" | "missing" | "unknown", text)."""
    changes: list[Change] = []
    checks: list[Check] = []
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
            changes.append(_role(res, role, ECS_TASKS, f"trusts {ECS_TASKS}"))
    wanted_policies = {res.execution_role: (EXECUTION_POLICY, res.execution_policy(env.secrets)),
                       res.task_role: (TASK_POLICY, res.task_policy())}
    lb = load_balanced(env)
    primary, alternate = wiring_names(res, observed) if lb else (None, None)
    if native(strategy) and lb:
        _infrastructure_role(res, env, observed, primary, alternate, changes, checks, wanted_policies)
    for role, (name, doc) in wanted_policies.items():
        if observed.policies.get(role) != doc:
            resources = sorted({r for st in doc["Statement"] for r in st["Resource"]})
            changes.append(Change("put", "role-policy", f"{role}/{name}", f"{len(resources)} resources", calls=(
                ApiCall("iam", "put_role_policy", {"RoleName": role, "PolicyName": name,
                                                   "PolicyDocument": json.dumps(doc)}, hidden=("PolicyDocument",)),)))
    if lb:
        _load_balancing(res, env, strategy, observed, primary, alternate, changes, checks)
    elif native(strategy) and strategy != "blue-green":
        checks.append(Check("problem", f"{strategy} needs a load balancer in {env.name}: ECS shifts a percentage of "
                                       "the traffic between two target groups",
                            f"set environments.{env.name}.loadBalancer (listenerArn) in jenkinsctl.yaml, or deploy "
                            "with strategy blue-green (ECS runs it without a load balancer too)"))
    _alarms_and_hooks(env, strategy, observed, checks)
    if image_check is not None:
        level, text = image_check
        checks.append(Check({"ok": "ok", "missing": "problem"}.get(level, "warn"), text,
                            "push it first (`jenkinsctl step push`), or promote it into this environment's "
                            "repository (`jenkinsctl step promote`)" if level == "missing" else ""))
    wanted_norm = td.normalize(request)
    reuse = observed.latest_same
    diff = [] if reuse else td.diff(observed.current_taskdef, wanted_norm)
    from jenkinsctl.deploy.migration import steps as migration_steps

    migration = migration_steps(res, env, observed, primary)
    services = service_changes(res, env, strategy, observed, reuse, primary, alternate, sandbox, bool(migration))
    if reuse is None and revert_to:  # a rollback: the recorded revision, as it was registered
        reuse, diff = revert_to, [f"  revert to {_short(revert_to)}"] + diff
    if not reuse:
        changes.append(Change("register", "task-definition", res.family, f"image {image_uri.rsplit('@', 1)[-1][:19]}",
                              calls=(ApiCall("ecs", "register_task_definition", request,
                                             hidden=("containerDefinitions",)),)))
    notes = (f"tasks pull {res.repository_arn} across accounts: its repository policy must allow account "
             f"{res.account_id} (one-time step in account {res.registry_account}: docs/iam.md, \"Pulling from "
             "the shared registry\")",) if res.pulls_across_accounts else ()
    return DeployPlan(tuple(changes), notes=notes, service=res.service, env=res.env, strategy=strategy, version=version,
                      image_uri=image_uri, request=request, taskdef_diff=tuple(diff), checks=tuple(checks),
                      migration=tuple(migration), service_changes=tuple(services), observed=observed,
                      reuse_taskdef_arn=reuse)


def _infrastructure_role(res, env, observed, primary, alternate, changes, checks, wanted_policies) -> None:
    from jenkinsctl.aws.iam import assume_service

    name = infrastructure_role_name(res, env)
    role = observed.roles.get(name)
    configured = env.load_balancer.infrastructure_role_arn
    if configured:
        if role is None:
            checks.append(Check("problem", f"infrastructure role {configured} (loadBalancer.infrastructureRoleArn) "
                                           "does not exist", "create it (trust ecs.amazonaws.com, policy "
                                           "AmazonECSInfrastructureRolePolicyForLoadBalancers), or remove "
                                           "infrastructureRoleArn and jenkinsctl manages one per service"))
        elif assume_service(role.get("AssumeRolePolicyDocument")) != ECS:
            checks.append(Check("problem", f"infrastructure role {configured} does not trust {ECS}: ECS cannot "
                                           "shift traffic with it", f"its trust policy must allow sts:AssumeRole "
                                           f"by the service principal {ECS}"))
        else:
            checks.append(Check("ok", f"infrastructure role {name} trusts {ECS}"))
        return
    if role is None:
        changes.append(_role(res, name, ECS, f"trusts {ECS}: ECS moves this service's listener weights with it"))
    elif assume_service(role.get("AssumeRolePolicyDocument")) != ECS:
        checks.append(Check("problem", f"role {name} exists but does not trust {ECS}",
                            "fix its trust policy, or delete it and jenkinsctl recreates it"))
    listeners = [env.load_balancer.listener_arn] + ([env.load_balancer.test_listener_arn]
                                                    if env.load_balancer.test_listener_arn else [])
    wanted_policies[name] = (INFRA_POLICY, res.infrastructure_policy(
        [n for n in (primary, alternate) if n], listeners, [h.function for h in env.hooks]))


def _load_balancing(res, env, strategy, observed, primary, alternate, changes, checks) -> None:
    wanted = [n for n in (primary, alternate) if n]
    hc = env.health_check
    for name in wanted:
        group = observed.target_groups.get(name)
        if group is None:
            changes.append(Change("create", "target-group", name, f"HTTP {env.port}, health {hc.path}", calls=(
                ApiCall("elbv2", "create_target_group", {
                    "Name": name, "Protocol": "HTTP", "Port": env.port, "VpcId": env.network.vpc_id,
                    "TargetType": "ip", "HealthCheckPath": hc.path, "HealthCheckIntervalSeconds": hc.interval_seconds,
                    "HealthyThresholdCount": hc.healthy_threshold, "UnhealthyThresholdCount": hc.unhealthy_threshold,
                    "Matcher": {"HttpCode": "200-399"}, "Tags": _tags(res)}),)))
            continue
        problems = []
        if group.get("TargetType") != "ip":
            problems.append(f"target type {group.get('TargetType')}, Fargate tasks need ip")
        if group.get("Protocol") not in ("HTTP", "HTTPS"):
            problems.append(f"protocol {group.get('Protocol')}")
        if env.network.vpc_id and group.get("VpcId") != env.network.vpc_id:
            problems.append(f"in {group.get('VpcId')}, not in {env.network.vpc_id}")
        checks.append(Check("problem", f"target group {name}: " + "; ".join(problems),
                            "ECS registers the tasks' IPs in it: recreate it as an ip target group in the "
                            "environment's VPC") if problems else
                      Check("ok", f"target group {name}: ip, {group.get('Protocol')} {group.get('Port')}"))
    weights = {primary: 100, **({alternate: 0} if alternate else {})}  # ECS moves them from here
    for rule, listener, test in ((observed.rule, env.load_balancer.listener_arn, False),
                                 (observed.test_rule, env.load_balancer.test_listener_arn, True)):
        if test and not (listener and _uses_test_listener(env, strategy)):
            continue
        what = "test rule" if test else "production rule"
        if rule is None:
            changes.append(Change("create", "listener-rule", res.target_group(None) + (TEST_RULE if test else ""),
                                  f"on {_short(listener)}, " + ", ".join(
                                      v for c in conditions(res, env) for v in
                                      (c.get("HostHeaderConfig") or c.get("PathPatternConfig"))["Values"])
                                  + "; forwards " + ", ".join(f"{n} {w}%" for n, w in weights.items()),
                                  calls=(_rule(res, env, listener, weights),)))
            continue
        kinds = sorted({a.get("Type") for a in rule.get("Actions", [])})
        if kinds != ["forward"] or len(rule.get("Actions", [])) != 1:
            checks.append(Check("problem", f"{what} {_short(rule['RuleArn'])} has actions {', '.join(kinds)}: ECS "
                                           "shifts traffic only on a rule with one forward action",
                                "move the other actions to a rule of their own"))
            continue
        names = {(g or {}).get("TargetGroupArn"): n for n, g in observed.target_groups.items()}
        current = forward_weights(rule)
        by_name = {names.get(arn, _short(arn)): w for arn, w in current.items()}
        missing = [n for n in wanted if n not in by_name]
        if missing:
            kept = {arn: w for arn, w in current.items()}
            kept.update({Ref("target_group_arn", n): 0 for n in missing})
            changes.append(Change("update", "listener-rule", f"{_short(rule['RuleArn'])}{TEST_RULE if test else ''}",
                                  f"add {', '.join(missing)} at weight 0: ECS needs both target groups in the {what}",
                                  calls=(ApiCall("elbv2", "modify_rule", {"RuleArn": rule["RuleArn"],
                                                                          "Actions": forward(kept)}),)))
        checks.append(Check("ok", f"{what} {_short(rule['RuleArn'])}: forward " + ", ".join(
            f"{n} {w}%" for n, w in by_name.items())))


def _rule(res: Resources, env, listener_arn: str, weights: dict) -> ApiCall:
    """A listener rule after the listener's existing ones, forwarding to the target groups by name."""
    return ApiCall("elbv2", "create_rule", {
        "ListenerArn": listener_arn, "Priority": Ref("next_rule_priority", listener_arn),
        "Conditions": conditions(res, env),
        "Actions": forward({Ref("target_group_arn", n): w for n, w in weights.items()})})


def _alarms_and_hooks(env, strategy, observed, checks) -> None:
    names = ecs_config.alarms_of(env)
    missing = [n for n in names if n not in observed.alarms]
    if missing:
        checks.append(Check("problem", f"alarm(s) {', '.join(missing)} do not exist in {env.name}",
                            "create them in CloudWatch in the environment's account and region, or remove them "
                            "from the descriptor"))
    for name in names:
        if name in observed.alarms and observed.alarms[name] == "ALARM":
            checks.append(Check("warn", f"alarm {name} is in ALARM now: ECS will roll this deployment back"))
        elif name in observed.alarms:
            checks.append(Check("ok", f"alarm {name} exists ({observed.alarms[name] or 'no state'}); ECS rolls "
                                      "back when it fires"))
    if env.hooks and not native(strategy):
        checks.append(Check("warn", "deploy.hooks run only with blue-green, canary or linear; not with rolling"))
    for fn in observed.missing_functions:
        checks.append(Check("problem", f"lifecycle hook {fn} does not exist",
                            "deploy the function first, or fix deploy.hooks[].function"))


def service_changes(res: Resources, env, strategy: str, observed: Observed, reuse: str | None,
                    primary: str | None, alternate: str | None, sandbox: bool, migrating: bool) -> list[str]:
    out = []
    svc = observed.service
    name = res.ecs_service_name
    how = ecs_config.describe(env, strategy)
    alarms = ecs_config.alarms_of(env)
    rollback = "ECS rolls back on its circuit breaker" + (f" and alarms {', '.join(alarms)}" if alarms else "")
    if svc is None and not migrating:
        tgs = f", in target group {primary}" + (f" (alternate {alternate})" if alternate else "") if primary else ""
        if strategy == "rolling":
            out.append(f"create ECS service {name} in cluster {res.cluster}, {env.desired_count} tasks, "
                       f"circuit breaker with rollback{tgs}")
        else:
            out.append(f"create ECS service {name} in cluster {res.cluster}, {env.desired_count} tasks{tgs}; "
                       f"{how}; {rollback}")
    elif migrating or reuse is None or (svc or {}).get("taskDefinition") != reuse \
            or _strategy_of(svc) != ecs_config.ECS_STRATEGY[strategy]:
        if strategy == "rolling":
            out.append(f"rolling update of {name}: min healthy {env.rolling.min_healthy_percent}%, "
                       f"max {env.rolling.max_percent}%")
        else:
            out.append(f"update ECS service {name}: {how}; {rollback}")
            if primary and alternate:
                out.append(f"ECS moves production traffic between {primary} and {alternate} on the production rule"
                           + (", the test rule first" if _uses_test_listener(env, strategy) else ""))
    elif not env.autoscaling and svc.get("desiredCount") != env.desired_count:
        out.append(f"desired count {svc.get('desiredCount')} -> {env.desired_count}")
    if out and native(strategy) and load_balanced(env):
        role = env.load_balancer.infrastructure_role_arn or res.role_arn(res.infrastructure_role)
        out.append(f"ECS changes the listener weights itself, as {role}")
    if out and sandbox and native(strategy):
        out.append("sandbox: moto does not run ECS's blue-green, canary or linear (it records no service "
                   "deployments and shifts no traffic): the new revision replaces the old in place, the listener "
                   "rule keeps its weights, and success is judged by the service's running tasks")
    if env.autoscaling and out:
        a = env.autoscaling
        out.append(f"autoscaling: {a.min}-{a.max} tasks, target {a.cpu_target}% CPU")
    return out


def _strategy_of(svc: dict | None) -> str:
    return ((svc or {}).get("deploymentConfiguration") or {}).get("strategy") or "ROLLING"


def apply(plan: DeployPlan, clients, res: Resources, env) -> dict:
    """Execute the plan's calls; returns {"taskdef": arn, "target_groups": {name: arn}, "rule": arn,
    "test_rule": arn or None, "primary": arn or None, "alternate": arn or None}."""
    o = plan.observed
    tgs = {n: g["TargetGroupArn"] for n, g in o.target_groups.items() if g}
    rule_arn = o.rule["RuleArn"] if o.rule else None
    test_rule_arn = o.test_rule["RuleArn"] if o.test_rule else None
    taskdef_arn = plan.reuse_taskdef_arn
    primary, alternate = wiring_names(res, o) if load_balanced(env) else (None, None)

    def lookup(ref: Ref):
        if ref.what == "target_group_arn":
            return tgs[ref.name]
        if ref.what == "next_rule_priority":
            return clients.elbv2.next_priority(ref.name)
        raise ValueError(f"unknown reference {ref}")

    for change in plan.changes:
        for call in change.calls:
            out = run_call(call, clients, lookup)
            if call.method == "create_target_group":
                tgs[change.name] = out["TargetGroups"][0]["TargetGroupArn"]
            elif call.method == "create_rule":
                created = out["Rules"][0]["RuleArn"]
                if change.name.endswith(TEST_RULE):
                    test_rule_arn = created
                else:
                    rule_arn = created
            elif call.method == "register_task_definition":
                taskdef_arn = out["taskDefinition"]["taskDefinitionArn"]
    return {"taskdef": taskdef_arn, "target_groups": tgs, "rule": rule_arn, "test_rule": test_rule_arn,
            "primary": tgs.get(primary) if primary else None, "alternate": tgs.get(alternate) if alternate else None}
