"""What the fake Jenkins holds: items (folders, jobs), builds, the queue and nodes.

Every method takes the state lock; the HTTP layer and the test control API share this object."""

from __future__ import annotations

import re
import subprocess
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

FOLDER_CLASS = "com.cloudbees.hudson.plugins.folder.Folder"
MULTIBRANCH_CLASS = "org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject"
WORKFLOW_JOB = "org.jenkinsci.plugins.workflow.job.WorkflowJob"
TRIGGER_PROPERTY = "org.jenkinsci.plugins.workflow.multibranch.PipelineTriggerProperty"
CLASSES = {  # config.xml root tag -> item class
    MULTIBRANCH_CLASS: MULTIBRANCH_CLASS,
    "flow-definition": "org.jenkinsci.plugins.workflow.job.WorkflowJob",
    "project": "hudson.model.FreeStyleProject",
    FOLDER_CLASS: FOLDER_CLASS,
}
RUN_CLASSES = {"org.jenkinsci.plugins.workflow.job.WorkflowJob": "org.jenkinsci.plugins.workflow.job.WorkflowRun",
               "hudson.model.FreeStyleProject": "hudson.model.FreeStyleBuild"}
EMPTY_FOLDER_XML = (f"<?xml version='1.1' encoding='UTF-8'?>\n<{FOLDER_CLASS} plugin=\"cloudbees-folder\">\n"
                    f"  <description></description>\n  <properties/>\n</{FOLDER_CLASS}>")
BAD_NAME = re.compile(r"[/\\?*%!@#$&;:<>|\[\]^]")


class FakeError(Exception):
    """An HTTP error answer: status and text."""

    def __init__(self, status: int, text: str):
        super().__init__(text)
        self.status = status
        self.text = text


def _now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Build:
    number: int
    job: str
    parameters: dict[str, str]
    queue_id: int
    node: str | None = None
    executor: int | None = None
    building: bool = True
    result: str | None = None
    timestamp: int = field(default_factory=_now_ms)
    duration: int = 0
    upstream: tuple[str, int] | None = None  # Cause$UpstreamCause: the (job, build) that triggered it


@dataclass
class Item:
    full_name: str
    cls: str
    config: str
    builds: dict[int, Build] = field(default_factory=dict)
    next_build: int = 1

    display_name: str = ""

    @property
    def is_folder(self) -> bool:
        """A folder users create items in (a multibranch project is not one: Jenkins makes its jobs)."""
        return self.cls == FOLDER_CLASS

    @property
    def is_multibranch(self) -> bool:
        return self.cls == MULTIBRANCH_CLASS

    @property
    def name(self) -> str:
        return self.full_name.rsplit("/", 1)[-1]

    _parsed: tuple[str, dict] | None = field(default=None, repr=False, compare=False)

    def _facts(self) -> dict:
        """Fields read from config.xml, parsed once per config (listings read them for every job)."""
        if self._parsed is None or self._parsed[0] is not self.config:
            try:
                root = ET.fromstring(self.config)
            except ET.ParseError:
                root = ET.Element("invalid")
            facts = {"description": root.findtext("description") or "",
                     "disabled": root.findtext("disabled") == "true",
                     "assignedNode": root.findtext("assignedNode") or "",
                     "parameters": _parameter_defaults(root)}
            self._parsed = (self.config, facts)
        return self._parsed[1]

    @property
    def description(self) -> str:
        return self._facts()["description"]

    @property
    def disabled(self) -> bool:
        return self._facts()["disabled"]

    def set_disabled(self, value: bool) -> None:
        root = ET.fromstring(self.config)
        el = root.find("disabled")
        if el is None:
            el = ET.SubElement(root, "disabled")
        el.text = "true" if value else "false"
        self.config = "<?xml version='1.1' encoding='UTF-8'?>\n" + ET.tostring(root, encoding="unicode")

    def parameter_defaults(self) -> dict[str, str]:
        return dict(self._facts()["parameters"])

    def assigned_label(self) -> str | None:
        return self._facts()["assignedNode"] or self.parameter_defaults().get("AGENT_LABEL") or None


@dataclass
class QueueItem:
    id: int
    job: str
    parameters: dict[str, str]
    label: str | None
    in_queue_since: int = field(default_factory=_now_ms)
    buildable_since: int = field(default_factory=_now_ms)
    cancelled: bool = False
    build_number: int | None = None  # set when it left the queue to run
    upstream: tuple[str, int] | None = None  # Cause$UpstreamCause: the (job, build) that triggered it


@dataclass
class Node:
    name: str
    labels: list[str]
    executors: int = 1
    offline: bool = False
    temporarily_offline: bool = False
    offline_message: str = ""
    busy: dict[int, tuple[str, int]] = field(default_factory=dict)  # executor -> (job, build number)

    @property
    def idle(self) -> bool:
        return not self.busy

    def free_executor(self) -> int | None:
        for i in range(self.executors):
            if i not in self.busy:
                return i
        return None


def _parameter_defaults(root: ET.Element) -> dict[str, str]:
    out: dict[str, str] = {}
    for holder in root.iter("parameterDefinitions"):
        for p in holder:
            name = p.findtext("name")
            if not name:
                continue
            default = p.findtext("defaultValue")
            if default is None:
                choices = [s.text or "" for s in p.iter("string")]
                default = choices[0] if choices else ""
            out[name] = default
    return out


def parse_config(xml: str) -> str:
    """The item class of a config.xml; raises FakeError(400) for what Jenkins would refuse."""
    try:
        root = ET.fromstring(xml.encode("utf-8") if isinstance(xml, str) else xml)
    except ET.ParseError as exc:
        raise FakeError(400, f"Failed to parse config.xml: {exc}") from exc
    cls = CLASSES.get(root.tag)
    if cls is None:
        raise FakeError(400, f"Unsupported item type <{root.tag}> (the fake knows: {', '.join(CLASSES)})")
    return cls


def encode_branch(name: str) -> str:
    """branch-api's NameEncoder: a branch's job name is its name with URL-unsafe characters escaped."""
    from urllib.parse import quote

    return quote(name, safe="-._~!$&'()*+,;=:@ ") if name not in ("", ".", "..") else {"": "%00", ".": "%2E",
                                                                                        "..": "%2E."}[name]


def branch_config(branch: str, script_path: str) -> str:
    return ("<?xml version='1.1' encoding='UTF-8'?>\n<flow-definition plugin=\"workflow-job\">\n"
            "  <description></description>\n  <properties>\n"
            "    <org.jenkinsci.plugins.workflow.multibranch.BranchJobProperty plugin=\"workflow-multibranch\">\n"
            f"      <branch><head class=\"jenkins.plugins.git.GitBranchSCMHead\"><name>{_escape(branch)}</name></head>"
            "</branch>\n    </org.jenkinsci.plugins.workflow.multibranch.BranchJobProperty>\n  </properties>\n"
            "  <definition class=\"org.jenkinsci.plugins.workflow.multibranch.SCMBinder\" plugin=\"workflow-multibranch\">\n"
            f"    <scriptPath>{_escape(script_path)}</scriptPath>\n  </definition>\n  <disabled>false</disabled>\n"
            "</flow-definition>")


def _multibranch_facts(config: str) -> dict:
    root = ET.fromstring(config)
    remotes = [s.findtext("remote") or "" for s in root.iter("source")
               if s.get("class") == "jenkins.plugins.git.GitSCMSource"]
    prop = root.find(f"properties/{TRIGGER_PROPERTY}")
    jobs = lambda tag: [j.strip() for j in ((prop.findtext(tag) if prop is not None else "") or "").split(",")  # noqa
                        if j.strip()]
    return {"remotes": remotes, "prune": root.findtext("orphanedItemStrategy/pruneDeadBranches") != "false",
            "script": root.findtext("factory/scriptPath") or "Jenkinsfile",
            "on_create": jobs("createActionJobsToTrigger"), "on_delete": jobs("deleteActionJobsToTrigger")}


def remote_heads(remote: str) -> list[str]:
    out = subprocess.run(["git", "ls-remote", "--heads", remote], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise FakeError(500, f"branch indexing of {remote} failed: {out.stderr.strip()}")
    return [line.split("refs/heads/", 1)[1] for line in out.stdout.splitlines() if "refs/heads/" in line]


def _escape(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(text)


class State:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.items: dict[str, Item] = {}
        self._children: dict[str, set[str]] = {}  # folder full name ('' = root) -> child full names
        self.queue: dict[int, QueueItem] = {}
        self.left_queue: dict[int, QueueItem] = {}
        self.nodes: dict[str, Node] = {}
        self.next_queue_id = 1
        # a pipeline takes a while to stop after /stop: while True, stops are only requested and
        # `release_aborts` ends them (ABORTED), as Jenkins does once the steps are interrupted
        self.hold_aborts = False
        self.abort_requested: set[tuple[str, int]] = set()

    # -- items --------------------------------------------------------------------------------

    def get(self, full_name: str) -> Item:
        with self.lock:
            item = self.items.get(full_name)
            if item is None:
                raise FakeError(404, f"No item named {full_name}")
            return item

    def children(self, folder: str) -> list[Item]:
        with self.lock:
            return sorted((self.items[n] for n in self._children.get(folder, ())), key=lambda i: i.name)

    def create(self, parent: str, name: str, xml: str) -> Item:
        with self.lock:
            if not name or BAD_NAME.search(name) or name in (".", ".."):
                raise FakeError(400, f"'{name}' is an unsafe character or name")
            if parent and (parent not in self.items or not self.items[parent].is_folder):
                raise FakeError(404, f"No folder named {parent}")
            full = f"{parent}/{name}" if parent else name
            if full in self.items:
                raise FakeError(400, f"A job already exists with the name '{name}'")
            item = Item(full, parse_config(xml), xml)
            self.items[full] = item
            self._children.setdefault(parent, set()).add(full)
            return item

    def update(self, full_name: str, xml: str) -> None:
        with self.lock:
            item = self.get(full_name)
            cls = parse_config(xml)
            if cls != item.cls:
                raise FakeError(400, f"Expecting {item.cls} but got {cls} instead")
            item.config = xml

    def delete(self, full_name: str) -> None:
        with self.lock:
            self.get(full_name)
            for name in [n for n in self.items if n == full_name or n.startswith(full_name + "/")]:
                for build in self.items[name].builds.values():
                    if build.building:
                        self._finish(build, "ABORTED")
                del self.items[name]
                self._children.pop(name, None)
            self._children.get(full_name.rpartition("/")[0], set()).discard(full_name)
            for q in list(self.queue.values()):
                if q.job == full_name or q.job.startswith(full_name + "/"):
                    del self.queue[q.id]

    def set_disabled(self, full_name: str, value: bool) -> None:
        with self.lock:
            item = self.get(full_name)
            if item.is_folder:
                raise FakeError(405, f"{full_name} is a folder")
            item.set_disabled(value)

    def index_branches(self, full_name: str, branches: list[str] | None = None) -> tuple[list[str], list[str]]:
        """Branch indexing of a multibranch project, as branch-api does it: a job per branch of the
        source (`git ls-remote` of its remote unless `branches` is given), created by Jenkins and
        built once; jobs of branches that are gone are deleted (pruneDeadBranches), and the
        PipelineTriggerProperty's jobs are scheduled with the SOURCE_* parameters. Returns
        (created, deleted) branch names."""
        with self.lock:
            item = self.get(full_name)
            if item.cls != MULTIBRANCH_CLASS:
                raise FakeError(400, f"{full_name} is not a multibranch project")
            facts = _multibranch_facts(item.config)
        if branches is None:  # outside the lock: git may be slow
            branches = sorted({b for r in facts["remotes"] for b in remote_heads(r)})
        with self.lock:
            have = {c.name: c for c in self.children(full_name)}
            wanted = {encode_branch(b): b for b in branches}
            created, deleted = [], []
            for enc, branch in sorted(wanted.items()):
                if enc in have:
                    continue
                child = Item(f"{full_name}/{enc}", WORKFLOW_JOB, branch_config(branch, facts["script"]),
                             display_name=branch)
                self.items[child.full_name] = child
                self._children.setdefault(full_name, set()).add(child.full_name)
                created.append(branch)
                self.enqueue(child.full_name)
                self._trigger(facts["on_create"], child)
            for enc, child in sorted(have.items()):
                if enc not in wanted and facts["prune"]:
                    deleted.append(child.display_name or enc)
                    self.delete(child.full_name)
                    self._trigger(facts["on_delete"], child)
            return created, deleted

    def _trigger(self, jobs: list[str], branch_job: Item) -> None:
        for job in jobs:
            if job in self.items and not self.items[job].is_folder:
                self.enqueue(job, {"SOURCE_PROJECT_NAME": branch_job.name,
                                   "SOURCE_PROJECT_FULL_NAME": branch_job.full_name,
                                   "SOURCE_BRANCH_NAME": "", "TARGET_BRANCH_NAME": ""})

    # -- queue and builds ----------------------------------------------------------------------

    def enqueue(self, job: str, parameters: dict[str, str] | None = None, label: str | None = None,
                upstream: tuple[str, int] | None = None) -> QueueItem:
        with self.lock:
            item = self.get(job)
            if item.is_folder or item.is_multibranch:
                raise FakeError(405, f"{job} is a folder")
            if item.disabled:
                raise FakeError(409, f"{job} is disabled")
            params = {**item.parameter_defaults(), **(parameters or {})}
            for q in self.queue.values():  # Jenkins merges an identical pending request
                if q.job == job and q.parameters == params:
                    return q
            q = QueueItem(self.next_queue_id, job, params, label if label is not None else item.assigned_label(),
                          upstream=upstream)
            self.next_queue_id += 1
            self.queue[q.id] = q
            return q

    def cancel(self, queue_id: int) -> None:
        with self.lock:
            q = self.queue.pop(queue_id, None)
            if q is None:
                raise FakeError(404, f"No queue item {queue_id}")
            q.cancelled = True
            self.left_queue[q.id] = q

    def why(self, q: QueueItem) -> str:
        if q.label:
            able = [n for n in self.nodes.values() if q.label in n.labels]
            # Jenkins core's Messages (Queue.*), curly quotes included: the label is only here
            if not able:
                return f"There are no nodes with the label \u2018{q.label}\u2019"
            if all(n.offline or n.temporarily_offline for n in able):
                return f"All nodes of label \u2018{q.label}\u2019 are offline"
            return f"Waiting for next available executor on \u2018{q.label}\u2019"
        return "Waiting for next available executor"

    def start(self, queue_id: int, node_name: str | None = None) -> Build:
        """Take a queue item off the queue and run it on a node (the first fitting one if unnamed)."""
        with self.lock:
            q = self.queue.get(queue_id)
            if q is None:
                raise FakeError(404, f"No queue item {queue_id}")
            node = self._pick_node(q, node_name)
            executor = node.free_executor()
            if executor is None:
                raise FakeError(409, f"node {node.name} has no free executor")
            item = self.get(q.job)
            build = Build(item.next_build, q.job, dict(q.parameters), q.id, node.name, executor, upstream=q.upstream)
            item.builds[build.number] = build
            item.next_build += 1
            node.busy[executor] = (q.job, build.number)
            del self.queue[q.id]
            q.build_number = build.number
            self.left_queue[q.id] = q
            return build

    def _pick_node(self, q: QueueItem, node_name: str | None) -> Node:
        if node_name is not None:
            if node_name not in self.nodes:
                raise FakeError(404, f"No node {node_name}")
            return self.nodes[node_name]
        for node in self.nodes.values():
            if (q.label is None or q.label in node.labels) and not (node.offline or node.temporarily_offline) \
                    and node.free_executor() is not None:
                return node
        raise FakeError(409, f"no online node with a free executor for label {q.label!r}")

    def finish(self, job: str, number: int, result: str = "SUCCESS") -> Build:
        with self.lock:
            build = self.build(job, number)
            if build.building:
                self._finish(build, result)
            return build

    def stop(self, job: str, number: int) -> None:
        with self.lock:
            if self.hold_aborts:
                self.abort_requested.add((job, number))
            else:
                self.finish(job, number, "ABORTED")

    def release_aborts(self) -> list[tuple[str, int]]:
        with self.lock:
            done = sorted(self.abort_requested)
            self.abort_requested.clear()
            for job, number in done:
                self.finish(job, number, "ABORTED")
            return done

    def _finish(self, build: Build, result: str) -> None:
        build.building = False
        build.result = result
        build.duration = max(1, _now_ms() - build.timestamp)
        node = self.nodes.get(build.node or "")
        if node is not None and build.executor is not None:
            node.busy.pop(build.executor, None)

    def build(self, job: str, number: int) -> Build:
        with self.lock:
            item = self.get(job)
            if number not in item.builds:
                raise FakeError(404, f"No build #{number} of {job}")
            return item.builds[number]

    # -- nodes ----------------------------------------------------------------------------------

    def add_node(self, name: str, labels: list[str] | str = (), executors: int = 1, offline: bool = False) -> Node:
        with self.lock:
            if isinstance(labels, str):
                labels = labels.split()
            node = Node(name, list(labels), executors, offline=offline)
            self.nodes[name] = node
            return node

    def node(self, name: str) -> Node:
        with self.lock:
            if name not in self.nodes:
                raise FakeError(404, f"No node named {name}")
            return self.nodes[name]

    def delete_node(self, name: str) -> None:
        with self.lock:
            node = self.node(name)
            for job, number in list(node.busy.values()):
                self._finish(self.build(job, number), "ABORTED")
            del self.nodes[name]

    def toggle_offline(self, name: str, message: str = "") -> None:
        with self.lock:
            node = self.node(name)
            node.temporarily_offline = not node.temporarily_offline
            node.offline_message = message if node.temporarily_offline else ""

