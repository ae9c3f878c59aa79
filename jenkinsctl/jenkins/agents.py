"""What the agent fleet needs from Jenkins, over `JenkinsClient`: the queue per label, nodes and
the builds running on them, marking a node offline (idempotently: Jenkins only has a toggle),
aborting a build, and resubmitting it with the same parameters."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from urllib.parse import unquote, urlparse

from jenkinsctl.jenkins.client import JenkinsClient, JenkinsNotFound

# Jenkins' messages quote the label with \u2018...\u2019 (older ones and the fake with '...')
_WHY_LABEL = re.compile("(?:on|label) ['\u2018]([^'\u2019]+)['\u2019]")
QUEUE_TREE = "items[id,inQueueSince,why,task[fullName,name,url],actions[causes[upstreamProject,upstreamBuild]]]"
NODES_TREE = ("computer[displayName,offline,temporarilyOffline,idle,numExecutors,assignedLabels[name],"
              "executors[currentExecutable[number,url]]]")


@dataclass(frozen=True)
class QueuedBuild:
    id: int
    job: str
    label: str | None
    waiting_seconds: float
    upstream: tuple[str, int] | None = None  # the build whose end queued it (Cause$UpstreamCause)


@dataclass(frozen=True)
class RunningBuild:
    job: str
    number: int


@dataclass(frozen=True)
class AgentNode:
    name: str
    labels: tuple[str, ...]
    offline: bool
    temporarily_offline: bool
    running: tuple[RunningBuild, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class BuildState:
    job: str
    number: int
    building: bool
    result: str | None
    parameters: dict[str, str]
    started: float | None = None  # epoch seconds
    estimated_seconds: float | None = None  # Jenkins' estimate from the job's recent builds; None: no history
    duration_seconds: float | None = None  # once it ended
    upstream: tuple[str, int] | None = None  # the build whose end queued it (Cause$UpstreamCause)
    queue_id: int | None = None


def _parameters(info: dict) -> dict[str, str]:
    params: dict[str, str] = {}
    for action in info.get("actions") or []:
        for p in (action or {}).get("parameters") or []:
            if "name" in p:
                params[p["name"]] = "" if p.get("value") is None else str(p["value"])
    return params


def upstream_of(info: dict) -> tuple[str, int] | None:
    """The first Cause$UpstreamCause of a queue item or build: (upstreamProject, upstreamBuild)."""
    for action in info.get("actions") or []:
        for cause in (action or {}).get("causes") or []:
            project, number = (cause or {}).get("upstreamProject"), (cause or {}).get("upstreamBuild")
            if project and isinstance(number, int):
                return str(project), number
    return None


def label_of(item: dict) -> str | None:
    """A queue item's label, from its `why` (Jenkins exports the label nowhere else)."""
    match = _WHY_LABEL.search(item.get("why") or "")
    return match.group(1) if match else None


def job_from_url(base_url: str, url: str) -> tuple[str, int | None]:
    """`http://j/job/a/job/b/12/` -> ("a/b", 12)."""
    path = urlparse(url).path
    base = urlparse(base_url).path
    if path.startswith(base):
        path = path[len(base):]
    parts = [unquote(p) for p in path.strip("/").split("/") if p]
    names, number = [], None
    i = 0
    while i < len(parts):
        if parts[i] == "job" and i + 1 < len(parts):
            names.append(parts[i + 1])
            i += 2
        else:
            if parts[i].isdigit():
                number = int(parts[i])
            i += 1
    return "/".join(names), number


class JenkinsAgents:
    def __init__(self, client: JenkinsClient, clock=time.time):
        self.client = client
        self.clock = clock

    def queue(self) -> list[QueuedBuild]:
        now_ms = self.clock() * 1000
        out = []
        for item in self.client.queue(tree=QUEUE_TREE):
            task = item.get("task") or {}
            job = task.get("fullName") or job_from_url(self.client.url, task.get("url", ""))[0] or task.get("name", "")
            since = item.get("inQueueSince") or now_ms
            out.append(QueuedBuild(int(item["id"]), job, label_of(item), max(0.0, (now_ms - since) / 1000),
                                   upstream_of(item)))
        return out

    def nodes(self) -> list[AgentNode]:
        out = []
        for c in self.client.nodes(tree=NODES_TREE):
            name = c.get("displayName", "")
            if name in ("master", "built-in", "Built-In Node"):
                continue
            running = []
            for ex in c.get("executors") or []:
                cur = ex.get("currentExecutable")
                if cur and cur.get("url"):
                    job, number = job_from_url(self.client.url, cur["url"])
                    running.append(RunningBuild(job, int(cur.get("number") or number or 0)))
            labels = tuple(lb["name"] for lb in c.get("assignedLabels") or [] if lb.get("name") != name)
            out.append(AgentNode(name, labels, bool(c.get("offline")), bool(c.get("temporarilyOffline")),
                                 tuple(running)))
        return out

    def node(self, name: str) -> AgentNode | None:
        return next((n for n in self.nodes() if n.name == name), None)

    def mark_offline(self, name: str, message: str) -> bool:
        """Take a node offline unless it already is; True when this call changed it."""
        node = self.node(name)
        if node is None or node.temporarily_offline:
            return False
        self.client.toggle_offline(name, message)
        return True

    def build_state(self, job: str, number: int) -> BuildState | None:
        try:
            info = self.client.get_build(job, number, tree="building,result,timestamp,estimatedDuration,duration,"
                                                            "queueId,actions[parameters[name,value],"
                                                            "causes[upstreamProject,upstreamBuild]]")
        except JenkinsNotFound:
            return None
        estimate = info.get("estimatedDuration")
        return BuildState(job, number, bool(info.get("building")), info.get("result"), _parameters(info),
                          info["timestamp"] / 1000 if info.get("timestamp") else None,
                          estimate / 1000 if isinstance(estimate, (int, float)) and estimate > 0 else None,
                          info["duration"] / 1000 if not info.get("building") and info.get("duration") else None,
                          upstream_of(info), int(info["queueId"]) if info.get("queueId") else None)

    def find_resubmission(self, job: str, parameters: dict[str, str], after: int) -> int | None:
        """A queue item, or a build numbered after `after`, of `job` with exactly `parameters`
        (what a resubmission interrupted after Jenkins queued it left behind): its queue id."""
        for item in self.client.queue(tree="items[id,task[fullName,url],actions[parameters[name,value]]]"):
            task = item.get("task") or {}
            name = task.get("fullName") or job_from_url(self.client.url, task.get("url", ""))[0]
            if name == job and _parameters(item) == parameters:
                return int(item["id"])
        info = self.client.item_tree(job, "builds[number,queueId,actions[parameters[name,value]]]") or {}
        for b in info.get("builds") or []:
            if int(b.get("number") or 0) > after and _parameters(b) == parameters:
                return int(b.get("queueId") or 0) or None
        return None

    def abort(self, job: str, number: int) -> None:
        self.client.stop_build(job, number)

    def resubmit(self, job: str, parameters: dict[str, str]) -> int:
        """Queue the job again with the same parameters; returns the queue item id."""
        return self.client.build(job, parameters or None)
