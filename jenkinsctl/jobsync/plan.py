"""Planning a sync (pure): what Jenkins holds (`RemoteItem`s) and the generated jobs in, the
actions to take out, as data. See `jenkinsctl.jobsync` for the rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from jenkinsctl.jobgen.marks import Mark, parse_mark
from jenkinsctl.jobgen.render import JobSet, RenderedJob, job_kind

WRITE_OPS = ("create", "update", "replace", "disable", "delete")
KIND_NAMES = {"org.jenkinsci.plugins.workflow.job.WorkflowJob": "single-branch pipeline",
              "org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject": "multibranch pipeline",
              "hudson.model.FreeStyleProject": "freestyle job"}


@dataclass(frozen=True)
class RemoteItem:
    name: str
    cls: str
    description: str | None
    disabled: bool
    is_folder: bool

    @property
    def mark(self) -> Mark | None:
        return parse_mark(self.description)


@dataclass(frozen=True)
class Action:
    """One change (or one deliberate non-change) to one item."""

    op: str          # create | update | replace | disable | delete | wait | stale | conflict | keep
    name: str
    kind: str        # folder | ci | deploy | promote | rollback | job
    service: str
    reason: str
    job: RenderedJob | None = field(default=None, compare=False, repr=False)
    enable: bool = False   # update: the job was disabled by prune; enable it again

    @property
    def is_write(self) -> bool:
        return self.op in WRITE_OPS


@dataclass
class Plan:
    namespace: str
    root: str
    actions: list[Action]
    unchanged: list[str]
    unmanaged: list[str]      # items under the root folder without a mark (left alone)
    foreign: list[str]        # items marked by other namespaces (left alone)
    owned: frozenset[str] = frozenset()    # services this namespace has jobs or folders for in Jenkins
    retired: frozenset[str] = frozenset()  # of those, the ones no descriptor generates any more
    wanted: frozenset[str] = frozenset()   # services the descriptors generate

    def of(self, *ops: str) -> list[Action]:
        return [a for a in self.actions if a.op in ops]

    @property
    def writes(self) -> list[Action]:
        return [a for a in self.actions if a.is_write]

    def counts(self) -> dict[str, int]:
        out = {op: len(self.of(op)) for op in ("create", "update", "replace", "disable", "delete", "wait", "stale",
                                                "conflict", "keep")}
        out["unchanged"] = len(self.unchanged)
        return out

    def summary(self) -> str:
        c = self.counts()
        parts = [f"{c[k]} to {k}" for k in ("create", "update", "replace", "disable", "delete") if c[k]]
        parts.append(f"{c['unchanged']} unchanged")
        if c["wait"]:
            parts.append(f"{c['wait']} disabled, awaiting deletion" if not self._folders("wait") else
                         f"{c['wait']} awaiting deletion ({self._folders('wait')} of them folders)")
        if c["stale"]:
            parts.append(f"{c['stale']} stale (pass --prune to disable them)" if not self._folders("stale") else
                         f"{c['stale']} stale (pass --prune to retire them)")
        if c["conflict"]:
            parts.append(f"{c['conflict']} conflicts (left alone)")
        if c["keep"]:
            parts.append(f"{c['keep']} folders kept (they hold items not ours)")
        if self.unmanaged or self.foreign:
            parts.append(f"{len(self.unmanaged)} unmanaged and {len(self.foreign)} other-namespace items left alone")
        return ", ".join(parts)

    def _folders(self, op: str) -> int:
        return sum(1 for a in self.of(op) if a.kind == "folder")

    def render(self) -> list[str]:
        symbol = {"create": "+", "update": "~", "replace": "^", "disable": "-", "delete": "x", "wait": ".", "stale": "?",
                  "conflict": "!", "keep": "="}
        return [f"{symbol[a.op]} {a.op:<8} {a.name}  ({a.reason})" for a in self.actions]


def plan_sync(desired: JobSet, remote: dict[str, RemoteItem] | None, *, prune: str | None = None,
              grace_days: int = 7, today: dt.date | None = None) -> Plan:
    """What to change so Jenkins matches `desired`. `prune`: None (report stale jobs only),
    "disable" (disable, delete after the grace period) or "delete" (delete at once)."""
    today = today or dt.datetime.now(dt.timezone.utc).date()
    remote = remote or {}
    ns = desired.namespace
    actions: list[Action] = []
    unchanged: list[str] = []
    wanted = desired.by_name()
    for job in desired.jobs:
        have = remote.get(job.name)
        if have is None:
            actions.append(Action("create", job.name, job.kind, job.service, "new", job))
            continue
        if job.is_folder:
            if not have.is_folder:
                actions.append(Action("conflict", job.name, job.kind, job.service,
                                      "a job of this name is in the way of the folder", job))
            else:
                unchanged.append(job.name)
            continue
        mark = have.mark
        if mark is None or mark.namespace != ns:
            owner = "not managed by jenkinsctl" if mark is None else f"owned by namespace '{mark.namespace}'"
            actions.append(Action("conflict", job.name, job.kind, job.service, f"exists, {owner}; left alone", job))
        elif have.is_folder:
            actions.append(Action("conflict", job.name, job.kind, job.service, "a folder of this name is in the way", job))
        elif have.cls and have.cls != job.item_class:
            was, now = (KIND_NAMES.get(c, c.rsplit(".", 1)[-1]) for c in (have.cls, job.item_class))
            actions.append(Action("replace", job.name, job.kind, job.service,
                                  f"{was} -> {now}: Jenkins cannot change an item's type in place, so it is "
                                  "deleted and created again (its build history goes)", job))
        elif mark.pruned:
            actions.append(Action("update", job.name, job.kind, job.service,
                                  f"wanted again: was disabled by prune on {mark.pruned}", job, enable=True))
        elif mark.config != job.config:
            actions.append(Action("update", job.name, job.kind, job.service,
                                  f"config changed ({mark.config} -> {job.config})", job))
        else:
            unchanged.append(job.name)
    unmanaged, foreign = [], []
    stale_folders: list[tuple[str, Mark]] = []
    for name, have in sorted(remote.items()):
        if name in wanted:
            continue
        mark = have.mark
        if mark is None:
            unmanaged.append(name)
            continue
        if mark.namespace != ns:
            foreign.append(name)
            continue
        if have.is_folder:
            stale_folders.append((name, mark))  # decided below, once the fate of its contents is known
            continue
        gone = _gone(mark, desired)
        kind = job_kind(name)
        if prune is None:
            actions.append(Action("stale", name, kind, mark.service, gone))
        elif prune == "delete":
            actions.append(Action("delete", name, kind, mark.service, f"{gone}; --prune=delete"))
        elif not mark.pruned or not have.disabled:
            actions.append(Action("disable", name, kind, mark.service,
                                  f"{gone}; deleted after {grace_days} days"))
        else:
            due = _parse_date(mark.pruned) + dt.timedelta(days=grace_days)
            if today >= due:
                actions.append(Action("delete", name, kind, mark.service,
                                      f"{gone}; disabled since {mark.pruned}, grace period over"))
            else:
                actions.append(Action("wait", name, kind, mark.service,
                                      f"{gone}; disabled since {mark.pruned}, deleted on or after {due}"))
    actions += _plan_folders(stale_folders, remote, actions, desired, prune)
    order = {"create": 0, "update": 1, "replace": 1, "conflict": 2, "disable": 3, "delete": 4, "wait": 5, "stale": 6,
             "keep": 7}
    creates = [a for a in actions if a.op == "create"]  # already parents-first
    # jobs before folders, and a folder after the folders inside it: a folder is deleted once empty
    rest = sorted((a for a in actions if a.op != "create"),
                  key=lambda a: (order[a.op], a.kind == "folder", -a.name.count("/") if a.kind == "folder" else 0,
                                 a.name))
    owned = frozenset(it.mark.service for it in remote.values()
                      if it.mark is not None and it.mark.namespace == ns and it.mark.service not in ("-", ""))
    wanted_services = frozenset(desired.services)
    return Plan(ns, desired.root, creates + rest, unchanged, unmanaged, foreign, owned, owned - wanted_services,
                wanted_services)


def mass_prune_refusal(plan: Plan) -> str | None:
    """Why pruning this plan needs `--allow-mass-prune`: it would retire every service of the
    namespace, or more than half of them (a wrong servicesDir, a partial checkout). None when fine."""
    retired, owned = len(plan.retired), len(plan.owned)
    if not retired or retired * 2 <= owned:
        return None
    shown = ", ".join(sorted(plan.retired)[:5]) + (", ..." if retired > 5 else "")
    if retired == owned:
        return f"would retire every service of namespace '{plan.namespace}' ({retired} of {owned}): {shown}"
    return f"would retire {retired} of the {owned} services of namespace '{plan.namespace}': {shown}"


def _gone(mark: Mark, desired: JobSet) -> str:
    service = "" if mark.service == "-" else mark.service
    if service and service not in desired.services:
        return f"service '{service}' is gone"
    return f"no longer generated for '{service}'" if service else "no longer generated"


def _plan_folders(folders: list[tuple[str, Mark]], remote: dict[str, RemoteItem], actions: list[Action],
                  desired: JobSet, prune: str | None) -> list[Action]:
    """The fate of this namespace's folders that are no longer generated, deepest first: each is
    deleted only when everything inside it is deleted by this plan too."""
    fate = {a.name: a.op for a in actions}  # our stale jobs: delete | disable | wait | stale
    children: dict[str, list[str]] = {}
    for name in remote:
        children.setdefault(name.rpartition("/")[0], []).append(name)
    out = []
    root = desired.root.strip("/")
    for name, mark in sorted(folders, key=lambda f: (-f[0].count("/"), f[0])):
        if name == root or root.startswith(name + "/"):
            continue  # the root folder (and what holds it) is never deleted
        inside = sorted(children.get(name, []))
        not_ours = [c for c in inside if fate.get(c) not in ("delete", "disable", "wait", "stale")]
        service = "" if mark.service == "-" else mark.service
        gone = _gone(mark, desired)
        if not_ours:
            shown = ", ".join(c.rsplit("/", 1)[-1] for c in not_ours[:3]) + (", ..." if len(not_ours) > 3 else "")
            op, reason = "keep", f"{gone}; holds items this namespace does not prune ({shown}); left alone"
        elif prune is None:
            op, reason = "stale", f"{gone}; --prune deletes it once empty"
        elif all(fate[c] == "delete" for c in inside):
            op, reason = "delete", f"{gone}; empty once what it holds is deleted" if inside else f"{gone}; empty"
        else:
            op, reason = "wait", f"{gone}; deleted once what it holds is"
        fate[name] = op
        out.append(Action(op, name, "folder", service, reason))
    return out


def _parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return dt.date.min  # an unreadable date: the grace period counts as over


def conflict_lines(plan: Plan) -> tuple[list[str], list[str]]:
    """(one line per generated item that collides with an item not ours, the hints that fit them):
    a sync with collisions did not do its job (the service's jobs do not exist), so it is refused
    (exit 3), its dry run too, saying how to adopt or rename."""
    lines, hints = [], []
    for a in plan.of("conflict"):
        lines.append(f"! {a.name}: {a.reason}")
        if "not managed by jenkinsctl" in a.reason:
            hint = (f"to adopt an unmanaged job, end its description in Jenkins with [jenkinsctl "
                    f"namespace={plan.namespace} service=<service> config=adopt] (the next sync rewrites it); "
                    "otherwise rename or delete it in Jenkins, or rename the service")
        elif "owned by namespace" in a.reason:
            hint = ("another namespace's seed generates the same name: give the services distinct names, or each "
                    "namespace its own jenkins.folder; never adopt another seed's job")
        else:
            hint = "rename or move the item that is in the way in Jenkins (or rename the service)"
        if hint not in hints:
            hints.append(hint)
    return lines, hints
