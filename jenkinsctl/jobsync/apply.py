"""Applying a sync plan to Jenkins: the writes in order, each one re-checked against the marks
right before it, failures recorded and the rest continued; and `sync`, read + plan + apply."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

from jenkinsctl.errors import JenkinsError, PolicyError, UsageError
from jenkinsctl.jenkins.client import JenkinsClient, JenkinsConflict, JenkinsNotFound
from jenkinsctl.jobgen.marks import Mark, mark_of_xml, parse_mark, set_mark
from jenkinsctl.jobgen.render import JobSet
from jenkinsctl.jobsync.normalize import folder_credentials
from jenkinsctl.jobsync.plan import Action, Plan, mass_prune_refusal, plan_sync
from jenkinsctl.jobsync.remote import read_remote


@dataclass
class ApplyReport:
    applied: list[Action] = field(default_factory=list)
    failed: list[tuple[Action, JenkinsError]] = field(default_factory=list)
    skipped: list[tuple[Action, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.skipped

    def done(self) -> str:
        """What was applied, e.g. `applied: 9 (9 created)`."""
        past = {"create": "created", "update": "updated", "disable": "disabled", "delete": "deleted"}
        counts = {op: sum(1 for a in self.applied if a.op == op) for op in past}
        return f"applied: {len(self.applied)} (" + ", ".join(f"{n} {past[op]}" for op, n in counts.items() if n) + ")"

    def render(self) -> list[str]:
        lines = [f"applied: {len(self.applied)}, failed: {len(self.failed)}, not attempted: {len(self.skipped)}"]
        lines += [f"  failed   {a.op} {a.name}: {e.message}" for a, e in self.failed]
        lines += [f"  skipped  {a.op} {a.name}: {why}" for a, why in self.skipped]
        return lines


def apply_plan(client: JenkinsClient, plan: Plan, today: dt.date | None = None,
               progress: Callable[[str], None] | None = None) -> ApplyReport:
    """Execute the plan's writes in order (folders, creates, updates, disables, deletes: jobs, then
    folders deepest first). A failed action is recorded and the rest continue, except jobs inside a
    folder that could not be created, and folders holding something that could not be deleted.
    Re-running sync after a failure converges: the next plan is read from Jenkins."""
    today = today or dt.datetime.now(dt.timezone.utc).date()
    report = ApplyReport()
    # nothing is created inside a generated folder that a job not ours is in the way of
    in_the_way = [a.name for a in plan.of("conflict") if a.kind == "folder"]
    broken_folders: list[str] = list(in_the_way)
    undeleted: list[str] = []  # deletions that failed or were not attempted
    for action in plan.writes:
        blocked = next((f for f in broken_folders if action.name.startswith(f + "/")), None)
        if blocked:
            report.skipped.append((action, f"folder {blocked} could not be created"
                                   + (" (an item not ours is in the way)" if blocked in in_the_way else "")))
            continue
        held = min((n for n in undeleted if n.startswith(action.name + "/")), key=len, default=None)
        if held and action.op == "delete":
            report.skipped.append((action, f"it still holds {held}, which could not be deleted"))
            undeleted.append(action.name)
            continue
        try:
            _apply_one(client, plan.namespace, action, today)
        except JenkinsError as exc:
            report.failed.append((action, exc))
            if action.kind == "folder" and action.op == "create":
                broken_folders.append(action.name)
            if action.op == "delete":
                undeleted.append(action.name)
            if progress:
                progress(f"failed: {action.op} {action.name}: {exc.message}")
            continue
        report.applied.append(action)
        if progress:
            progress(f"{action.op}: {action.name}")
    return report


def _apply_one(client: JenkinsClient, namespace: str, action: Action, today: dt.date) -> None:
    if action.op == "create":
        assert action.job is not None
        try:
            client.create_item(action.name, action.job.xml, applied=_carries(client, action.name, action.job.xml))
        except JenkinsConflict:
            _after_create_conflict(client, namespace, action)
    elif action.op == "replace":  # another item class: Jenkins' updateByXml refuses it ("Expecting ...")
        assert action.job is not None
        if mark_of_xml(client.get_config(action.name)) is None:
            raise JenkinsError(f"{action.name} is no longer marked as ours; not replaced",
                               "someone changed it in Jenkins; run `jenkinsctl jobs diff` again")
        client.delete(action.name)
        client.create_item(action.name, action.job.xml)
    elif action.op == "update":
        assert action.job is not None
        client.update_config(action.name, action.job.xml, applied=_carries(client, action.name, action.job.xml))
        if action.enable:
            client.enable(action.name)
    elif action.op == "disable":
        xml = client.get_config(action.name)
        mark = mark_of_xml(xml)
        if mark is None or mark.namespace != namespace:
            raise JenkinsError(f"{action.name} is no longer marked as ours; not disabled",
                               "someone changed it in Jenkins; run `jenkinsctl jobs diff` again")
        if not mark.pruned:
            client.update_config(action.name, set_mark(xml, Mark(mark.namespace, mark.service, mark.config,
                                                                  today.isoformat())))
        client.disable(action.name)
    elif action.op == "delete":
        if action.kind == "folder" and not _folder_still_deletable(client, namespace, action.name):
            return  # already gone
        try:
            client.delete(action.name)
        except JenkinsNotFound:
            pass  # already gone (e.g. the answer to an earlier attempt was lost)


def _carries(client: JenkinsClient, name: str, xml: str) -> Callable[[], bool]:
    """The read-back of a create or update whose answer was lost: does the item now carry the mark
    (namespace, service, config hash) of what was sent? Then the write was applied."""
    sent = mark_of_xml(xml)

    def applied() -> bool:
        try:
            return sent is not None and mark_of_xml(client.get_config(name)) == sent
        except JenkinsNotFound:
            return False

    return applied


def _folder_still_deletable(client: JenkinsClient, namespace: str, name: str) -> bool:
    """Deleting a folder deletes whatever it holds: look again (two reads) right before, and refuse
    when it is no longer ours, no longer empty (something was added since the listing) or holds
    credentials. False when it is already gone."""
    now = client.item_tree(name, "description,jobs[name]")
    if now is None:
        return False
    mark = parse_mark(now.get("description"))
    if mark is None or mark.namespace != namespace:
        raise JenkinsError(f"folder {name} is no longer marked as ours; not deleted",
                           "someone changed it in Jenkins; run `jenkinsctl jobs diff` again")
    inside = [child.get("name", "?") for child in now.get("jobs") or []]
    if inside:
        raise JenkinsError(f"folder {name} is not empty (holds {', '.join(inside[:5])}); not deleted",
                           "something was added to it since the listing; run `jenkinsctl jobs diff` again")
    credentials = folder_credentials(client.get_config(name))
    if credentials:
        raise JenkinsError(f"folder {name} holds folder-scoped credentials ({', '.join(credentials[:5])}); "
                           "not deleted", "move or delete them in Jenkins (the folder's Credentials page), or "
                           "delete the folder by hand; the next sync then finishes")
    return True


def _after_create_conflict(client: JenkinsClient, namespace: str, action: Action) -> None:
    """createItem said the name exists. When an earlier attempt whose answer was lost created it,
    that is success; when it is ours but different, update it; otherwise it is someone else's."""
    assert action.job is not None
    if action.kind == "folder":
        return
    mark = mark_of_xml(client.get_config(action.name))
    if mark is None or mark.namespace != namespace:
        raise JenkinsConflict(f"create {action.name}: an item of that name appeared and is not ours; left alone",
                              "rename or remove it in Jenkins, then sync again")
    if mark.config != action.job.config:
        client.update_config(action.name, action.job.xml)


@dataclass
class SyncResult:
    plan: Plan
    report: ApplyReport | None  # None for a dry run


def sync(client: JenkinsClient, desired: JobSet, *, prune: str | None = None, grace_days: int = 7,
         dry_run: bool = False, today: dt.date | None = None,
         progress: Callable[[str], None] | None = None, allow_mass_prune: bool = False) -> SyncResult:
    """Read, plan, apply. With `prune`, a plan retiring every service of the namespace or most of
    them is refused (a dry run too) unless `allow_mass_prune`, and so is a sync with no service
    at all that has nothing to retire (UsageError). Items colliding with ones not ours are left
    alone: the caller refuses them after the rest is applied (`plan.conflict_lines`)."""
    remote = read_remote(client, desired.root)
    plan = plan_sync(desired, remote, prune=prune, grace_days=grace_days, today=today)
    if prune and not allow_mass_prune:
        refusal = mass_prune_refusal(plan)
        if refusal:
            retiring = [line for a, line in zip(plan.actions, plan.render(), strict=True) if a.op in ("disable", "delete")]
            raise PolicyError(f"jobs sync --prune {refusal}; nothing was changed",
                              "if that is meant, run again with --allow-mass-prune; otherwise check servicesDir in "
                              "jenkinsctl.yaml and that every descriptor is checked out", retiring)
    if not plan.wanted and not plan.retired and not allow_mass_prune:
        raise UsageError(f"no service is generated and namespace '{plan.namespace}' has nothing left to retire; "
                         "nothing was changed", "add a descriptor (`jenkinsctl service new`), or check servicesDir")
    if dry_run or not plan.writes:
        return SyncResult(plan, None if dry_run else ApplyReport())
    return SyncResult(plan, apply_plan(client, plan, today, progress))
