"""The one wrapper over python-jenkins: connect, retry what is transient, translate errors.

Everything that talks to Jenkins goes through `JenkinsClient`. It uses python-jenkins for
authentication (basic auth with an API token) and the CSRF crumb, and adds:

- retries with exponential backoff (tenacity) on 5xx answers, timeouts, dropped connections
  and an expired crumb (Jenkins answers 403 "No valid crumb"; the crumb is fetched again);
- one error type: every failure becomes `JenkinsError` (or its leaves `JenkinsNotFound`,
  `JenkinsConflict`) with a message naming the request and a hint saying what to do;
- a count of read and write calls (`client.calls`), which the benchmarks report.

Connection settings: `JENKINS_URL` (else `jenkins.url` of jenkinsctl.yaml), `JENKINS_USER`,
`JENKINS_API_TOKEN`.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping
from urllib.parse import quote, urlencode

import jenkins
import requests
from requests import exceptions as req_exc
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from jenkinsctl.errors import JenkinsError


class JenkinsNotFound(JenkinsError):
    """The item (job, folder, build, node, queue item) does not exist."""


class JenkinsConflict(JenkinsError):
    """Jenkins refused a create: an item of that name exists."""


class TransientJenkinsError(JenkinsError):
    """A failure worth retrying (5xx, timeout, reset connection, expired crumb)."""


class AnswerLost(TransientJenkinsError):
    """The connection was cut mid-answer: Jenkins got the request (a write may have been applied)."""


@dataclass
class Calls:
    """Read (GET) and write (POST) calls made, successful or not; retries count again."""

    reads: int = 0
    writes: int = 0
    retries: int = 0
    by_kind: Counter = field(default_factory=Counter)

    def snapshot(self) -> "Calls":
        return Calls(self.reads, self.writes, self.retries, Counter(self.by_kind))

    def since(self, before: "Calls") -> "Calls":
        return Calls(self.reads - before.reads, self.writes - before.writes,
                     self.retries - before.retries, self.by_kind - before.by_kind)


def job_path(full_name: str) -> str:
    """`a/b/c` -> `job/a/job/b/job/c/` (each segment URL-quoted)."""
    parts = [p for p in full_name.strip("/").split("/") if p]
    return "".join(f"job/{quote(p, safe='')}/" for p in parts)


def split_name(full_name: str) -> tuple[str, str]:
    """`a/b/c` -> (`a/b`, `c`)."""
    parent, _, short = full_name.strip("/").rpartition("/")
    return parent, short


class JenkinsClient:
    """Jenkins over HTTP, with retries and translated errors. Thread-safe counters."""

    def __init__(self, url: str | None, user: str | None = None, token: str | None = None, *,
                 timeout: float = 30.0, attempts: int = 5, backoff_max: float = 4.0,
                 backoff_min: float = 0.1, on_retry: Callable[[str], None] | None = None):
        if not url:
            raise JenkinsError("no Jenkins URL configured",
                               "set JENKINS_URL (and JENKINS_USER, JENKINS_API_TOKEN) or jenkins.url in jenkinsctl.yaml")
        if (user is None) != (token is None):
            raise JenkinsError("JENKINS_USER and JENKINS_API_TOKEN must be set together",
                               "set both (an API token from Jenkins: your user > Security > API Token), or neither")
        self.url = url.rstrip("/") + "/"
        self.user = user
        self.server = jenkins.Jenkins(self.url, user, token, timeout=timeout)
        self.attempts = max(1, attempts)
        self.backoff_min = backoff_min
        self.backoff_max = backoff_max
        self.on_retry = on_retry
        self.calls = Calls()
        self._lock = threading.Lock()

    # -- the one request path -------------------------------------------------------------

    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                data: Any = None, headers: Mapping[str, str] | None = None, what: str | None = None,
                kind: str | None = None, applied: Callable[[], bool] | None = None,
                idempotent: bool = True) -> requests.Response | None:
        """Send one request (path relative to the Jenkins root), retrying transient failures.
        `applied` (writes): reads back whether an earlier attempt took effect although its answer
        was lost (a connection cut mid-answer); asked before each retry, and when it says yes the
        write is done and not sent again (the answer is then None). A write that is not
        `idempotent` and has no read-back (triggering a build) is not sent again once Jenkins may
        have applied it: the cut answer is the error."""
        url = self.url + path.lstrip("/")
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params, doseq=True)
        what = what or f"{method} {path}"
        write = method.upper() != "GET"
        tried = [0]

        def once() -> requests.Response | None:
            if tried[0] and applied is not None and applied():
                return None  # the earlier attempt was applied; only its answer was lost
            tried[0] += 1
            with self._lock:
                if write:
                    self.calls.writes += 1
                else:
                    self.calls.reads += 1
                self.calls.by_kind[kind or method.upper()] += 1
            req = requests.Request(method, url, data=data, headers=dict(headers or {}))
            try:
                return self.server.jenkins_request(req, add_crumb=write)
            except Exception as exc:  # translated right here, once
                error = self._translate(exc, what)
                if isinstance(error, TransientJenkinsError) and "crumb" in error.message.lower():
                    self.server.crumb = None  # stale: the next write (this retry, or a later call) fetches a new one
                raise error from exc

        retrying = Retrying(
            stop=stop_after_attempt(self.attempts),
            wait=wait_exponential(multiplier=self.backoff_min, max=self.backoff_max),
            retry=retry_if_exception(lambda e: isinstance(e, TransientJenkinsError) and (
                idempotent or applied is not None or not isinstance(e, AnswerLost))),
            before_sleep=self._before_retry,
            reraise=True,
        )
        return retrying(once)

    def _before_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        with self._lock:
            self.calls.retries += 1
        if self.on_retry and isinstance(exc, JenkinsError):  # only TransientJenkinsError is retried
            self.on_retry(f"retrying after: {exc.message}")

    def _translate(self, exc: Exception, what: str) -> JenkinsError:
        where = f"{what} at {self.url}"
        if isinstance(exc, jenkins.NotFoundException):
            return JenkinsNotFound(f"{where}: not found (404)", "check the job or folder name; "
                                   "`jenkinsctl jobs diff` shows what jenkinsctl expects to exist")
        if isinstance(exc, jenkins.TimeoutException) or isinstance(exc, req_exc.Timeout):
            return TransientJenkinsError(f"{where}: timed out", "Jenkins is slow or overloaded; try again later")
        if isinstance(exc, (req_exc.ChunkedEncodingError, req_exc.ContentDecodingError)):
            return AnswerLost(f"{where}: the connection was cut mid-answer ({_short(str(exc), 80)})",
                              "check the network path to Jenkins (proxies, load balancers) and try again")
        if isinstance(exc, req_exc.ConnectionError):
            reason = str(exc)
            if "refused" in reason.lower():
                return JenkinsError(f"{where}: connection refused",
                                    "is Jenkins running there? set JENKINS_URL to its address")
            return TransientJenkinsError(f"{where}: connection failed ({_short(reason)})",
                                         "check the network path to Jenkins and try again")
        status, text = _status_of(exc)
        if status == 403 and "crumb" in text.lower():
            return TransientJenkinsError(f"{where}: the CSRF crumb expired or is invalid (403)",
                                         "retry; if it persists, check the crumb issuer configuration")
        if status in (401, 403):
            return JenkinsError(f"{where}: authentication or permission denied ({status})",
                                "set JENKINS_USER and JENKINS_API_TOKEN to a user allowed to configure jobs")
        if status == 400 and "exist" in text.lower():
            return JenkinsConflict(f"{where}: an item with that name already exists (400)",
                                   "`jenkinsctl jobs diff` shows who owns it; jenkinsctl never overwrites "
                                   "jobs it does not own")
        if status is not None and status >= 500:
            return TransientJenkinsError(f"{where}: server error {status}",
                                         "Jenkins failed internally; see its system log (Manage Jenkins > System Log)")
        if status is not None:
            return JenkinsError(f"{where}: HTTP {status}: {_short(text)}", "check the request and Jenkins' log")
        if isinstance(exc, jenkins.JenkinsException):
            return JenkinsError(f"{where}: {_short(str(exc))}", "check JENKINS_URL and Jenkins' log")
        return JenkinsError(f"{where}: {type(exc).__name__}: {_short(str(exc))}", "check JENKINS_URL and Jenkins' log")

    # -- JSON API --------------------------------------------------------------------------

    def get_json(self, path: str, tree: str | None = None, depth: int | None = None,
                 what: str | None = None, kind: str = "api/json") -> Any:
        params: dict[str, Any] = {}
        if tree:
            params["tree"] = tree
        if depth is not None:
            params["depth"] = depth
        base = path.rstrip("/") + "/api/json" if path.strip("/") else "api/json"
        resp = self._answer(self.request("GET", base, params=params, what=what, kind=kind))
        try:
            return json.loads(resp.text)
        except ValueError as exc:
            raise JenkinsError(f"GET {base} at {self.url}: the answer is not JSON",
                               "is JENKINS_URL really a Jenkins (not a login page or proxy)?") from exc

    # -- items: jobs and folders -----------------------------------------------------------

    def item_tree(self, full_name: str, tree: str) -> dict | None:
        """`api/json?tree=...` of a folder (or the root when full_name is ''); None when absent."""
        try:
            return self.get_json(job_path(full_name), tree=tree, what=f"list {full_name or '/'}", kind="list")
        except JenkinsNotFound:
            return None

    def get_config(self, full_name: str) -> str:
        resp = self._answer(self.request("GET", job_path(full_name) + "config.xml",
                                         what=f"read config of {full_name}", kind="get-config"))
        return resp.content.decode("utf-8")

    def create_item(self, full_name: str, config_xml: str, applied: Callable[[], bool] | None = None) -> None:
        """Create a job or folder from its config.xml (folders are created by their XML too).
        `applied`: the read-back asked before a retry (see `request`)."""
        parent, short = split_name(full_name)
        self.request("POST", job_path(parent) + "createItem", params={"name": short},
                     data=config_xml.encode("utf-8"), headers=jenkins.DEFAULT_HEADERS,
                     what=f"create {full_name}", kind="create", applied=applied)

    def update_config(self, full_name: str, config_xml: str, applied: Callable[[], bool] | None = None) -> None:
        self.request("POST", job_path(full_name) + "config.xml", data=config_xml.encode("utf-8"),
                     headers=jenkins.DEFAULT_HEADERS, what=f"update {full_name}", kind="update", applied=applied)

    @staticmethod
    def _answer(resp: requests.Response | None) -> requests.Response:
        assert resp is not None, "only a write with a read-back answers None"
        return resp

    def disable(self, full_name: str) -> None:
        self.request("POST", job_path(full_name) + "disable", what=f"disable {full_name}", kind="disable")

    def enable(self, full_name: str) -> None:
        self.request("POST", job_path(full_name) + "enable", what=f"enable {full_name}", kind="enable")

    def delete(self, full_name: str) -> None:
        self.request("POST", job_path(full_name) + "doDelete", what=f"delete {full_name}", kind="delete")

    # -- builds, queue, nodes (used by the agents work) ------------------------------------

    def build(self, full_name: str, parameters: Mapping[str, str] | None = None) -> int:
        """Trigger a build; returns the queue item id."""
        path = job_path(full_name) + ("buildWithParameters" if parameters else "build")
        resp = self._answer(self.request("POST", path, params=dict(parameters or {}), what=f"build {full_name}",
                                         kind="build", idempotent=False))  # sent twice, it would queue twice
        location = resp.headers.get("Location", "").rstrip("/")
        if not location.split("/")[-1].isdigit():
            raise JenkinsError(f"build {full_name}: Jenkins did not answer with a queue item",
                               "check that the job exists and is not disabled")
        return int(location.split("/")[-1])

    def get_build(self, full_name: str, number: int, tree: str | None = None) -> dict:
        return self.get_json(f"{job_path(full_name)}{number}", tree=tree, what=f"build {full_name} #{number}",
                             kind="build-info")

    def stop_build(self, full_name: str, number: int) -> None:
        self.request("POST", f"{job_path(full_name)}{number}/stop", what=f"stop {full_name} #{number}", kind="stop")

    def queue(self, tree: str | None = None) -> list[dict]:
        return self.get_json("queue", tree=tree, what="read the build queue", kind="queue").get("items", [])

    def queue_item(self, item_id: int) -> dict:
        return self.get_json(f"queue/item/{item_id}", what=f"queue item {item_id}", kind="queue-item")

    def nodes(self, tree: str | None = None, depth: int | None = None) -> list[dict]:
        return self.get_json("computer", tree=tree, depth=depth, what="list nodes", kind="nodes").get("computer", [])

    def toggle_offline(self, node: str, message: str = "") -> None:
        self.request("POST", f"computer/{_node(node)}/toggleOffline", params={"offlineMessage": message},
                     what=f"toggle node {node} offline", kind="toggle-offline")

    def delete_node(self, node: str) -> None:
        self.request("POST", f"computer/{_node(node)}/doDelete", what=f"delete node {node}", kind="delete-node")


def _node(name: str) -> str:
    return "(master)" if name in ("master", "Built-In Node") else quote(name, safe="")


def _status_of(exc: Exception) -> tuple[int | None, str]:
    if isinstance(exc, req_exc.HTTPError) and exc.response is not None:
        return exc.response.status_code, exc.response.text or ""
    text = str(exc)
    m = re.search(r"\[(\d{3})\]", text)
    return (int(m.group(1)) if m else None), text


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
