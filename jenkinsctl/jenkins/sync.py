"""Make Jenkins follow the descriptors: read what Jenkins holds, plan (data), diff, apply, prune.

No local cache: every decision comes from the ownership marks inside Jenkins (see
jenkinsctl/jobgen/marks.py), read with one `tree=` listing of the job folder. So a fresh machine
or a second seed agent never reconfigures unchanged jobs, and a sync interrupted half-way is
finished by the next one.

Rules:
- a generated job that is missing is created (folders first); one whose mark's config hash differs
  is updated; one that prune had disabled and that is wanted again is updated and re-enabled;
- an item without a mark (unmanaged) or with another namespace's mark is never modified: a wanted
  job whose name is taken that way is reported as a conflict;
- prune looks only at jobs marked with this namespace that are no longer generated: it disables
  them and records the date in the mark; after `prune_grace_days` it deletes them
  (`prune="delete"` deletes at once);
- folders are created when missing and never changed. Prune deletes a folder only when it carries
  this namespace's mark, is no longer generated, and is empty once this sync's deletions are done
  (no unmanaged item, no other namespace's item, no subfolder that stays): after its jobs, deepest
  first. While its jobs wait out the grace period it waits too ("wait"); one that holds items
  this namespace does not own is kept ("keep"). A folder without a mark is never deleted: folders
  jenkinsctl creates have always carried one, so an unmarked folder was made by someone else (it may
  hold their credentials or views) and is not adopted. The root folder is never deleted. Right
  before a folder is deleted it is read again: one no longer ours, no longer empty, or holding
  folder-scoped credentials (which deleting it would delete) is refused, as a failed change.
"""

from __future__ import annotations

import datetime as dt
import difflib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Callable

from jenkinsctl.errors import JenkinsError
from jenkinsctl.jenkins.client import JenkinsClient, JenkinsConflict, JenkinsNotFound
from jenkinsctl.jobgen.marks import Mark, parse_mark, with_mark
from jenkinsctl.jobgen.render import JobSet, RenderedJob, job_kind

FOLDER_CLASSES = ("com.cloudbees.hudson.plugins.folder.Folder",)
LEVELS_PER_REQUEST = 4
WRITE_OPS = ("create", "update", "disable", "delete")


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

    op: str          # create | update | disable | delete | wait | stale | conflict | keep
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

    def of(self, *ops: str) -> list[Action]:
        return [a for a in self.actions if a.op in ops]

    @property
    def writes(self) -> list[Action]:
        return [a for a in self.actions if a.is_write]

    def counts(self) -> dict[str, int]:
        out = {op: len(self.of(op)) for op in ("create", "update", "disable", "delete", "wait", "stale", "conflict",
                                                "keep")}
        out["unchanged"] = len(self.unchanged)
        return out

    def summary(self) -> str:
        c = self.counts()
        parts = [f"{c[k]} to {k}" for k in ("create", "update", "disable", "delete") if c[k]]
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
        symbol = {"create": "+", "update": "~", "disable": "-", "delete": "x", "wait": ".", "stale": "?",
                  "conflict": "!", "keep": "="}
        return [f"{symbol[a.op]} {a.op:<8} {a.name}  ({a.reason})" for a in self.actions]


# -- reading Jenkins --------------------------------------------------------------------------

def _tree(levels: int) -> str:
    """`jobs[...]` nested `levels` deep; the deepest folders list their children as bare `{_class}`
    entries (Jenkins' answer to an unexpanded `jobs`), which says another request is needed."""
    q = "name,color,description,jobs"
    for _ in range(levels - 1):
        q = f"name,color,description,jobs[{q}]"
    return f"jobs[{q}]"


def read_remote(client: JenkinsClient, root: str) -> dict[str, RemoteItem] | None:
    """Every item under `root` (and `root` itself), from as few `tree=` listings as the depth
    allows (one for the standard layout); None when the root folder does not exist."""
    top = client.item_tree(root, "name,description," + _tree(LEVELS_PER_REQUEST))
    if top is None:
        return None
    items: dict[str, RemoteItem] = {root: _remote(root, top)}
    pending = [(root, top)]
    while pending:
        base, node = pending.pop()
        stack = [(base, node, 0)]
        while stack:
            prefix, obj, level = stack.pop()
            for child in obj.get("jobs") or []:
                if "name" not in child:  # deeper than this listing reached: list that folder itself
                    pending.append((prefix, client.item_tree(prefix, "name,description," +
                                                             _tree(LEVELS_PER_REQUEST)) or {}))
                    break
                name = f"{prefix}/{child['name']}"
                items[name] = _remote(name, child)
                if items[name].is_folder:
                    stack.append((name, child, level + 1))
    return items


def _remote(name: str, obj: dict) -> RemoteItem:
    cls = obj.get("_class", "")
    folder = cls in FOLDER_CLASSES or ("jobs" in obj and "color" not in obj)
    return RemoteItem(name, cls, obj.get("description"), (obj.get("color") or "").startswith("disabled"), folder)


# -- planning (pure) --------------------------------------------------------------------------

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
    order = {"create": 0, "update": 1, "conflict": 2, "disable": 3, "delete": 4, "wait": 5, "stale": 6, "keep": 7}
    creates = [a for a in actions if a.op == "create"]  # already parents-first
    # jobs before folders, and a folder after the folders inside it: a folder is deleted once empty
    rest = sorted((a for a in actions if a.op != "create"),
                  key=lambda a: (order[a.op], a.kind == "folder", -a.name.count("/") if a.kind == "folder" else 0,
                                 a.name))
    return Plan(ns, desired.root, creates + rest, unchanged, unmanaged, foreign)


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


# -- diff -------------------------------------------------------------------------------------

def normalize_xml(xml: str) -> str:
    """Jenkins re-serializes config.xml; compare structure, not formatting."""
    try:
        root = ET.fromstring(xml.encode("utf-8"))
    except ET.ParseError:
        return xml
    for el in root.iter():
        if el.text is not None and not el.text.strip() and len(el):
            el.text = None
        if el.tail is not None and not el.tail.strip():
            el.tail = None
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="unicode") + "\n"


def diff_action(client: JenkinsClient, action: Action) -> str:
    """Unified diff of config.xml (Jenkins' copy -> the generated one) for an update."""
    current = client.get_config(action.name)
    assert action.job is not None
    return "".join(difflib.unified_diff(normalize_xml(current).splitlines(True),
                                        normalize_xml(action.job.xml).splitlines(True),
                                        f"jenkins:{action.name}/config.xml", f"generated:{action.name}/config.xml"))


# -- applying ---------------------------------------------------------------------------------

@dataclass
class ApplyReport:
    applied: list[Action] = field(default_factory=list)
    failed: list[tuple[Action, JenkinsError]] = field(default_factory=list)
    skipped: list[tuple[Action, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.skipped

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
    broken_folders: list[str] = []
    undeleted: list[str] = []  # deletions that failed or were not attempted
    for action in plan.writes:
        blocked = next((f for f in broken_folders if action.name.startswith(f + "/")), None)
        if blocked:
            report.skipped.append((action, f"folder {blocked} could not be created"))
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
            client.create_item(action.name, action.job.xml)
        except JenkinsConflict:
            _after_create_conflict(client, namespace, action)
    elif action.op == "update":
        assert action.job is not None
        client.update_config(action.name, action.job.xml)
        if action.enable:
            client.enable(action.name)
    elif action.op == "disable":
        xml = client.get_config(action.name)
        mark = _mark_of_xml(xml)
        if mark is None or mark.namespace != namespace:
            raise JenkinsError(f"{action.name} is no longer marked as ours; not disabled",
                               "someone changed it in Jenkins; run `jenkinsctl jobs diff` again")
        if not mark.pruned:
            client.update_config(action.name, _set_mark(xml, Mark(mark.namespace, mark.service, mark.config,
                                                                  today.isoformat())))
        client.disable(action.name)
    elif action.op == "delete":
        if action.kind == "folder" and not _folder_still_deletable(client, namespace, action.name):
            return  # already gone
        try:
            client.delete(action.name)
        except JenkinsNotFound:
            pass  # already gone (e.g. the answer to an earlier attempt was lost)


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


def folder_credentials(xml: str) -> list[str]:
    """Ids of the credentials stored in a folder (config.xml), which deleting the folder would
    delete too: admins may add some to the folders jenkinsctl creates."""
    try:
        root = ET.fromstring(xml.encode("utf-8"))
    except ET.ParseError:
        return ["(unreadable config.xml)"]
    return [el.findtext("id") or "?" for prop in root.iter() if prop.tag.endswith("FolderCredentialsProperty")
            for el in prop.iter() if el.find("id") is not None]


def _after_create_conflict(client: JenkinsClient, namespace: str, action: Action) -> None:
    """createItem said the name exists. When an earlier attempt whose answer was lost created it,
    that is success; when it is ours but different, update it; otherwise it is someone else's."""
    assert action.job is not None
    if action.kind == "folder":
        return
    mark = _mark_of_xml(client.get_config(action.name))
    if mark is None or mark.namespace != namespace:
        raise JenkinsConflict(f"create {action.name}: an item of that name appeared and is not ours; left alone",
                              "rename or remove it in Jenkins, then sync again")
    if mark.config != action.job.config:
        client.update_config(action.name, action.job.xml)


def _mark_of_xml(xml: str) -> Mark | None:
    try:
        root = ET.fromstring(xml.encode("utf-8"))
    except ET.ParseError:
        return None
    return parse_mark(root.findtext("description"))


def _set_mark(xml: str, mark: Mark) -> str:
    root = ET.fromstring(xml.encode("utf-8"))
    el = root.find("description")
    if el is None:
        el = ET.SubElement(root, "description")
    el.text = with_mark(el.text, mark)
    return "<?xml version='1.1' encoding='UTF-8'?>\n" + ET.tostring(root, encoding="unicode")


# -- the whole thing --------------------------------------------------------------------------

@dataclass
class SyncResult:
    plan: Plan
    report: ApplyReport | None  # None for a dry run


def sync(client: JenkinsClient, desired: JobSet, *, prune: str | None = None, grace_days: int = 7,
         dry_run: bool = False, today: dt.date | None = None,
         progress: Callable[[str], None] | None = None) -> SyncResult:
    remote = read_remote(client, desired.root)
    plan = plan_sync(desired, remote, prune=prune, grace_days=grace_days, today=today)
    if dry_run or not plan.writes:
        return SyncResult(plan, None if dry_run else ApplyReport())
    return SyncResult(plan, apply_plan(client, plan, today, progress))
