"""`agents scale` and `agents status`: gather the scaler's inputs from AWS and Jenkins, and carry
out a decision's actions. The decision itself is `scaler.decide` (pure)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from jenkinsctl.agents.binpack import Shape
from jenkinsctl.agents.resources import FALLBACK_TAG, Names
from jenkinsctl.agents.scaler import Build, Decision, Group, Instance, decide, template_of
from jenkinsctl.aws.autoscaling import instances, normalize_group
from jenkinsctl.config.fleet import FleetSpec
from jenkinsctl.errors import AwsError

IDLE_TAG = "jenkinsctl:idle-since"
SHORT_TAG = "jenkinsctl:short-since"


@dataclass
class FleetView:
    group: Group
    group_raw: dict
    instances: list[Instance]
    agents_on: dict[str, str]  # Jenkins agent name -> EC2 instance id
    current_version: str | None


def read_fleet(clients, spec: FleetSpec) -> FleetView:
    n = Names(spec.cluster)
    g = clients.autoscaling.group(n.asg)
    if g is None:
        raise AwsError(f"the fleet's Auto Scaling group {n.asg} does not exist",
                       "run `jenkinsctl agents plan` and `jenkinsctl agents apply` first")
    norm = normalize_group(g)
    tags = norm["tags"]
    group = Group(n.asg, g["DesiredCapacity"], g["MinSize"], g["MaxSize"], _float(tags.get(SHORT_TAG)),
                  _float(tags.get(FALLBACK_TAG)))
    members = instances(g)
    ec2_tags = clients.ec2.instance_tags([m.instance_id for m in members])
    cis = {c.ec2_instance_id: c for c in clients.ecs.container_instances(spec.cluster)}
    agents_on: dict[str, str] = {}
    for iid, ci in cis.items():
        for name in clients.ecs.agent_names_on(spec.cluster, ci.arn):
            agents_on[name] = iid
    current = norm["launchTemplateVersion"]
    out = []
    for m in members:
        ci = cis.get(m.instance_id)
        # the version the instance was launched from: EC2 tags it at launch; the group's own
        # view may already name the group's new version
        version = ec2_tags.get(m.instance_id, {}).get("aws:ec2launchtemplate:version") or m.launch_template_version
        out.append(Instance(m.instance_id, m.instance_type, m.lifecycle, m.state, m.protected,
                            (ci.running_tasks + ci.pending_tasks) if ci else 0,
                            bool(ci and ci.status == "DRAINING"),
                            _float(ec2_tags.get(m.instance_id, {}).get(IDLE_TAG)),
                            bool(version and current and version != current)))
    return FleetView(group, g, out, agents_on, current)


def _float(v: str | None) -> float | None:
    try:
        return float(v) if v else None
    except ValueError:
        return None


def read_builds(jenkins, spec: FleetSpec, agents_on: dict[str, str], queue=None,
                nodes=None) -> tuple[list[Build], list[str]]:
    """Queued and running builds of the labels this fleet serves, with their template's reservation.
    `queue`, `nodes`: what `jenkins.queue()` and `jenkins.nodes()` answered, if already asked."""
    builds, skipped = [], []
    for q in jenkins.queue() if queue is None else queue:
        t = spec.templates.get(template_of(q.label or ""))
        if t is None:
            skipped.append(f"queue item {q.id} ({q.job}) label {q.label!r}")
            continue
        builds.append(Build(f"queue:{q.id}", q.label, t.cpu, t.memory, None, q.waiting_seconds))
    for node in jenkins.nodes() if nodes is None else nodes:
        label = next((lb for lb in node.labels if template_of(lb) in spec.templates), None)
        if label is None:
            continue
        t = spec.templates[template_of(label)]
        for run in node.running:
            builds.append(Build(f"{run.job}#{run.number}", label, t.cpu, t.memory,
                                agents_on.get(node.name, f"unknown:{node.name}")))
    return builds, skipped


def shapes_of(clients, spec: FleetSpec) -> dict[str, Shape]:
    return {k: Shape(v.name, v.cpu, v.memory) for k, v in
            clients.ec2.instance_shapes(list(spec.instance_types)).items()}


def scale_pass(clients, jenkins, spec: FleetSpec, now: float | None = None, prewarm=None,
               boot_seconds: float = 0.0) -> tuple[Decision, FleetView]:
    """`prewarm` (`prewarm.Prewarm`): learn fan-outs from this pass's queue and nodes and count the
    builds they predict once they are `boot_seconds` (a cold boot) away."""
    now = time.time() if now is None else now
    view = read_fleet(clients, spec)
    queue, nodes = jenkins.queue(), jenkins.nodes()
    builds, skipped = read_builds(jenkins, spec, view.agents_on, queue, nodes)
    expected = prewarm.observe(queue, nodes, now) if prewarm is not None else []
    dec = decide(spec, shapes_of(clients, spec), view.group, view.instances, builds, now,
                 expected=expected, boot_seconds=boot_seconds)
    dec.reasons += [f"ignored {s}: no template serves it" for s in skipped]
    return dec, view


def carry_out(clients, spec: FleetSpec, dec: Decision, view: FleetView) -> list[str]:
    """Do a decision's actions; re-checks ECS before any termination (never one with builds)."""
    done = []
    n = Names(spec.cluster)
    asg, ecs = clients.autoscaling, clients.ecs
    for a in dec.actions:
        if a.kind == "set_desired":
            asg.set_desired(n.asg, int(a.value))
        elif a.kind in ("protect", "unprotect"):
            asg.protect(n.asg, a.target, a.kind == "protect")
        elif a.kind in ("terminate", "replace"):
            ci = ecs.container_instance_of(spec.cluster, a.target)
            if ci is not None and (ci.running_tasks or ci.pending_tasks):
                done.append(f"skipped {a.kind} {a.target}: it runs builds now")
                asg.protect(n.asg, a.target)
                continue
            if ci is not None and ci.status != "DRAINING":
                ecs.drain(spec.cluster, ci.arn)
            asg.terminate(a.target, decrement_desired=a.kind == "terminate")
        elif a.kind == "drain":
            ci = ecs.container_instance_of(spec.cluster, a.target)
            if ci is not None and ci.status != "DRAINING":
                ecs.drain(spec.cluster, ci.arn)
        elif a.kind == "mark_idle":
            clients.ec2.tag(a.target, {IDLE_TAG: f"{a.value:.0f}"})
        elif a.kind == "mark_busy":
            clients.ec2.untag(a.target, IDLE_TAG)
        elif a.kind in ("mark_short", "fallback_on"):
            asg.set_tag(n.asg, SHORT_TAG if a.kind == "mark_short" else FALLBACK_TAG, f"{a.value:.0f}")
            if a.kind == "fallback_on":
                _set_on_demand_share(asg, n.asg, view.group_raw, 100)
        elif a.kind in ("clear_short", "fallback_off"):
            asg.remove_tag(n.asg, SHORT_TAG if a.kind == "clear_short" else FALLBACK_TAG)
            if a.kind == "fallback_off":
                _set_on_demand_share(asg, n.asg, view.group_raw, int(a.value))
        else:  # pragma: no cover - decide() only makes the kinds above
            raise ValueError(a.kind)
        done.append(f"{a.kind} {a.target}")
    return done


def _set_on_demand_share(asg, name: str, raw: dict, percent: int) -> None:
    """The group's mixed instances policy as the plan builds it, with another on-demand share."""
    from jenkinsctl.agents.plan import mixed_policy

    asg.set_mixed_policy(name, mixed_policy({**normalize_group(raw), "onDemandPercentAboveBase": percent}))


def status(clients, spec: FleetSpec) -> dict:
    view = read_fleet(clients, spec)
    outdated = [i for i in view.instances if i.outdated]
    busy_outdated = [i for i in outdated if i.running_tasks]
    return {
        "group": {"name": view.group.name, "desired": view.group.desired, "min": view.group.min_size,
                  "max": view.group.max_size, "launchTemplateVersion": view.current_version,
                  "onDemandFallbackSince": view.group.fallback_since, "spotShortSince": view.group.short_since},
        "instances": [{"id": i.instance_id, "type": i.instance_type, "market": i.lifecycle, "state": i.state,
                       "protected": i.protected, "builds": i.running_tasks, "draining": i.draining,
                       "outdated": i.outdated, "idleSince": i.idle_since} for i in view.instances],
        "refresh": {"total": len(view.instances), "current": len(view.instances) - len(outdated),
                    "outdated": len(outdated), "waitingForBuilds": len(busy_outdated),
                    "done": not outdated},
        "events": event_queues(clients, spec),
    }


def event_queues(clients, spec: FleetSpec) -> dict:
    """The event queue and its dead-letter queue: messages waiting, and the oldest one's age."""
    n = Names(spec.cluster)
    out = {}
    for key, name in (("queue", n.queue), ("deadLetter", n.dead_letter_queue)):
        q = clients.sqs.queue(name)
        out[key] = {"name": name, **clients.sqs.depth(q["_url"])} if q else {"name": name, "missing": True}
    return out


def render_status(data: dict) -> str:
    g = data["group"]
    lines = [f"group {g['name']}: desired {g['desired']} (min {g['min']}, max {g['max']}), "
             f"launch template version {g['launchTemplateVersion']}"
             + (" - ON-DEMAND FALLBACK (spot was not coming)" if g["onDemandFallbackSince"] else "")]
    rows = [("INSTANCE", "TYPE", "MARKET", "STATE", "BUILDS", "PROTECTED", "NOTE")]
    for i in data["instances"]:
        note = ", ".join(x for x in ("draining" if i["draining"] else "", "outdated" if i["outdated"] else "",
                                     "idle" if i["idleSince"] else "") if x)
        rows.append((i["id"], i["type"], i["market"], i["state"], str(i["builds"]),
                     "yes" if i["protected"] else "no", note or "-"))
    widths = [max(len(r[k]) for r in rows) for k in range(len(rows[0]))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    r = data["refresh"]
    lines.append("instance refresh: done (every instance on the current launch template)" if r["done"] else
                 f"instance refresh: {r['current']}/{r['total']} on the current launch template; "
                 f"{r['waitingForBuilds']} waiting for their builds to finish")
    for key, what in (("queue", "event queue"), ("deadLetter", "dead-letter queue")):
        q = data.get("events", {}).get(key)
        if q is None:
            continue
        if q.get("missing"):
            lines.append(f"{what} {q['name']}: missing (run `jenkinsctl agents apply`)")
            continue
        age = f", oldest {q['oldestSeconds']} s" if q.get("oldestSeconds") is not None else ""
        warn = (" - events the controller could not handle: read them with `aws sqs receive-message`, fix, "
                "then redrive them" if key == "deadLetter" and q["messages"] else "")
        lines.append(f"{what} {q['name']}: {q['messages']} message(s){age}{warn}")
    return "\n".join(lines)
