"""An in-repo fake of the Jenkins REST API: a real HTTP server that behaves like Jenkins for what
python-jenkins and jenkinsctl use. No Jenkins can be installed here; tests and demos use this, and
the same tests run against a real Jenkins when `JENKINS_URL` is set.

What it serves (URLs as Jenkins has them; `job/a/job/b/` for nested folders):

- `crumbIssuer/api/json`; every POST must carry the `Jenkins-Crumb` header (403 "No valid crumb
  was included in the request" otherwise); crumbs can be rotated (expired) at will.
- basic auth with an API token when users are configured (401 otherwise).
- items: folders (nested) and jobs (`flow-definition` pipelines, `project` freestyle, folders by
  their config.xml or `mode=com.cloudbees.hudson.plugins.folder.Folder`): `createItem?name=`
  (400 "A job already exists" on an existing name, 404 when the parent folder is missing),
  `config.xml` GET/POST, `disable`, `enable`, `doDelete` (recursive for folders), `api/json`
  with `tree=` (nested `jobs[...]`, `{m,n}` ranges ignored) or `depth=`; 404 for missing items.
- builds: `build` / `buildWithParameters` -> 201 with `Location: .../queue/item/<id>/`;
  `job/x/<n>/api/json` (number, building, result, builtOn, actions with parameters),
  `job/x/<n>/stop`, `lastBuild`, `lastCompletedBuild`.
- queue: `queue/api/json` (items with `id`, `task.name`/`fullName`, `why` worded as Jenkins core
  words it, e.g. "Waiting for next available executor on ‘docker’" (like real Jenkins, the
  label is only there), `buildableStartMilliseconds`, `inQueueSince`, `params`),
  `queue/item/<id>/api/json` (a left item carries `executable.number`), `queue/cancelItem?id=`.
- nodes: `computer/api/json` (displayName, offline, temporarilyOffline, offlineCause, idle,
  numExecutors, assignedLabels, executors[].currentExecutable), `computer/<name>/api/json`,
  `computer/<name>/toggleOffline?offlineMessage=`, `computer/<name>/doDelete`.
- `me/api/json`; every answer carries `X-Jenkins`.

Control API for tests (Python, in-process):

    fake = FakeJenkins(users={"admin": "token"}).start()     # free port on 127.0.0.1
    fake.url                                                 # http://127.0.0.1:PORT/
    fake.add_node("agent-1", labels="docker linux", executors=2)
    q = fake.enqueue("services/a/b/ci", {"VERSION": "1.0.0"}, label="docker")  # QueueItem
    build = fake.start_build(q.id, node="agent-1")           # leaves the queue, occupies an executor
    fake.finish_build("services/a/b/ci", build.number, "SUCCESS")
    fake.set_faults(error_rate=0.1, slow_rate=0.05, slow_seconds=0.2, drop_rate=0.05,
                    crumb_expiry_rate=0.05, seed=7)          # random faults, reproducible by seed
    fake.fail_next("error", "drop-after", "crumb")           # forced faults for the next requests
    fake.fail_path("job/payments/createItem", times=3)       # ...or for requests to one path
    fake.expire_crumb()                                      # the crumb clients hold is now stale
    fake.stats.reads, fake.stats.writes, fake.stats.by_path  # API calls served (GET vs POST)
    fake.reset_stats(); fake.jobs(); fake.config("a/b"); fake.state  # direct inspection
    fake.stop()                                              # or use it as a context manager

Fault kinds: "error" (500/502/503), "slow", "drop-before" (connection closed, nothing applied),
"drop-after" (write applied, then the connection closed: the client cannot know it worked),
"crumb" (crumb rotated before the write is checked: 403).

Command line, for demos: `python -m jenkinsctl.devkit.jenkins_fake --port 8080 [--user U --token T]`
prints the URL and serves until SIGINT/SIGTERM.
"""

from __future__ import annotations

import threading
from typing import Any

from jenkinsctl.devkit.jenkins_fake.server import Faults, Router, Stats, new_crumb, start_server
from jenkinsctl.devkit.jenkins_fake.state import Build, FakeError, Node, QueueItem, State

__all__ = ["FakeJenkins", "Faults", "Stats", "FakeError", "Build", "Node", "QueueItem", "State"]


class FakeJenkins(Router):
    def __init__(self, host: str = "127.0.0.1", port: int = 0, users: dict[str, str] | None = None,
                 enforce_crumbs: bool = True, verbose: bool = False):
        self.host = host
        self.port = port
        self.users = dict(users or {})
        self.enforce_crumbs = enforce_crumbs
        self.verbose = verbose
        self.state = State()
        self.faults = Faults()
        self.stats = Stats()
        self.crumb = new_crumb()
        self._stats_lock = threading.Lock()
        self._server = None
        self._thread = None

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> "FakeJenkins":
        self._server, self._thread = start_server(self, self.host, self.port)
        self.port = self._server.server_address[1]
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "FakeJenkins":
        return self.start() if self._server is None else self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    base_url = url

    # -- faults and counts -----------------------------------------------------------------------

    def set_faults(self, error_rate: float = 0.0, slow_rate: float = 0.0, slow_seconds: float = 0.0,
                   drop_rate: float = 0.0, crumb_expiry_rate: float = 0.0, seed: int | None = None,
                   cut_rate: float = 0.0) -> None:
        self.faults = Faults(error_rate, slow_rate, slow_seconds, drop_rate, crumb_expiry_rate, seed, cut_rate)
        self.faults.reseed()

    def clear_faults(self) -> None:
        self.set_faults()

    def fail_next(self, *kinds: str) -> None:
        for kind in kinds:
            if kind not in ("error", "slow", "drop-before", "drop-after", "crumb", "cut"):
                raise ValueError(f"unknown fault kind {kind!r}")
        with self._stats_lock:
            self.faults._next.extend(kinds)

    def fail_path(self, fragment: str, times: int = 1, kind: str = "error") -> None:
        """Fail the next `times` requests whose path contains `fragment` (e.g. one job's createItem)."""
        with self._stats_lock:
            self.faults._paths.append([fragment, times, kind])

    def _pick_fault(self, write: bool, path: str = "") -> str | None:
        f = self.faults
        with self._stats_lock:
            for rule in f._paths:
                if rule[1] > 0 and rule[0] in path:
                    rule[1] -= 1
                    return rule[2]
            if f._next:
                kind = f._next[0]
                if kind in ("crumb", "drop-after") and not write:
                    return None  # these wait for a write
                return f._next.pop(0)
            if f.roll(f.error_rate):
                return "error"
            if f.roll(f.cut_rate):
                return "cut"
            if f.roll(f.drop_rate):
                return "drop-after" if write and f._rng.random() < 0.5 else "drop-before"
            if write and f.roll(f.crumb_expiry_rate):
                return "crumb"
            if f.roll(f.slow_rate):
                return "slow"
        return None

    def expire_crumb(self) -> None:
        self._rotate_crumb()

    def _rotate_crumb(self) -> None:
        self.crumb = new_crumb()

    def reset_stats(self) -> None:
        with self._stats_lock:
            self.stats = Stats()

    # -- state, for tests ------------------------------------------------------------------------

    def jobs(self) -> dict[str, str]:
        """full name -> item class, for every item."""
        with self.state.lock:
            return {n: i.cls for n, i in sorted(self.state.items.items())}

    def config(self, full_name: str) -> str:
        return self.state.get(full_name).config

    def create(self, full_name: str, config_xml: str) -> None:
        """Create an item directly (e.g. an unmanaged job a human made)."""
        parent, _, name = full_name.rpartition("/")
        self.state.create(parent, name, config_xml)

    def create_folder(self, full_name: str) -> None:
        from jenkinsctl.devkit.jenkins_fake.state import EMPTY_FOLDER_XML

        parts = full_name.split("/")
        for i in range(1, len(parts) + 1):
            name = "/".join(parts[:i])
            if name not in self.state.items:
                self.create(name, EMPTY_FOLDER_XML)

    def add_node(self, name: str, labels: list[str] | str = (), executors: int = 1, offline: bool = False) -> Node:
        return self.state.add_node(name, labels, executors, offline)

    def remove_node(self, name: str) -> None:
        self.state.delete_node(name)

    def enqueue(self, job: str, parameters: dict[str, str] | None = None, label: str | None = None,
                upstream: tuple[str, int] | None = None) -> QueueItem:
        """`upstream`: (job, build number) of the build whose end triggered it (Cause$UpstreamCause)."""
        return self.state.enqueue(job, parameters, label, upstream)

    def start_build(self, queue_id: int, node: str | None = None) -> Build:
        return self.state.start(queue_id, node)

    def finish_build(self, job: str, number: int, result: str = "SUCCESS") -> Build:
        return self.state.finish(job, number, result)
