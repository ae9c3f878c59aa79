"""The HTTP side of the fake: routing, basic auth, crumbs, fault injection, call counts."""

from __future__ import annotations

import base64
import json
import random
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from jenkinsctl.devkit.jenkins_fake import views
from jenkinsctl.devkit.jenkins_fake.state import EMPTY_FOLDER_XML, FOLDER_CLASS, FakeError, State
from jenkinsctl.devkit.jenkins_fake.tree import materialize, parse_tree, select

CRUMB_FIELD = "Jenkins-Crumb"
VERSION = "2.479.3"


@dataclass
class Faults:
    """Switchable failures, applied to API requests (not to the control API)."""

    error_rate: float = 0.0          # answer 500/502/503 instead of serving
    slow_rate: float = 0.0           # sleep `slow_seconds` before serving
    slow_seconds: float = 0.0
    drop_rate: float = 0.0           # close the connection with no answer (half after applying a write)
    crumb_expiry_rate: float = 0.0   # rotate the crumb before a write, so the client's crumb is stale
    seed: int | None = None
    cut_rate: float = 0.0            # cut the connection mid-answer (after applying a write): headers, half a body
    _next: list[str] = field(default_factory=list)  # forced faults for the next requests, in order
    _paths: list[list] = field(default_factory=list)  # [path fragment, times left, kind]
    _rng: random.Random = field(default_factory=random.Random)

    def reseed(self) -> None:
        self._rng = random.Random(self.seed)

    def roll(self, rate: float) -> bool:
        return rate > 0 and self._rng.random() < rate


@dataclass
class Stats:
    reads: int = 0
    writes: int = 0
    faults: int = 0
    by_path: dict[str, int] = field(default_factory=dict)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    verbose = False

    def handle_error(self, request, client_address) -> None:
        """A client that hung up (timeouts, dropped connections) is normal here, not a traceback."""
        if self.verbose:
            super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall
    server_version = "Jetty(fake)"
    fake: "Any" = None  # FakeJenkins, set per server class

    def log_message(self, fmt: str, *args: Any) -> None:  # quiet
        if self.fake.verbose:
            super().log_message(fmt, *args)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    # -- plumbing ----------------------------------------------------------------------------

    def _serve(self, method: str) -> None:
        fake = self.fake
        split = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        write = method == "POST"
        fault = fake._pick_fault(write, split.path)
        with fake._stats_lock:
            if write:
                fake.stats.writes += 1
            else:
                fake.stats.reads += 1
            key = f"{method} {_shape(split.path)}"
            fake.stats.by_path[key] = fake.stats.by_path.get(key, 0) + 1
            if fault:
                fake.stats.faults += 1
        if fault == "slow":
            time.sleep(fake.faults.slow_seconds)
        elif fault == "error":
            return self._send(fake.faults._rng.choice([500, 502, 503]), "text/html",
                              b"<html><body>Injected server error</body></html>")
        elif fault == "drop-before":
            return self._drop()
        try:
            self._check_auth()
            if write and split.path.rstrip("/") != "/crumbIssuer/api/json":
                if fault == "crumb":
                    fake._rotate_crumb()
                self._check_crumb()
            status, ctype, payload, headers = fake._route(method, split.path, query, body)
        except FakeError as exc:
            if exc.status == 401:
                return self._send(401, "text/html", exc.text.encode(), {"WWW-Authenticate": 'Basic realm="Jenkins"'})
            return self._send(exc.status, "text/html", f"<html><body><h1>Error</h1><p>{exc.text}</p></body></html>"
                              .encode())
        if fault == "drop-after":
            return self._drop()
        if fault == "cut":
            return self._send(status, ctype, payload, headers, cut=True)
        self._send(status, ctype, payload, headers)

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _send(self, status: int, ctype: str, payload: bytes, headers: dict[str, str] | None = None,
              cut: bool = False) -> None:
        if cut and len(payload) < 2:
            payload = payload.ljust(64)  # so there is a body to cut
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-Jenkins", VERSION)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if cut:  # the answer promised Content-Length bytes; half arrive, then the connection goes
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            return self._drop()
        self.wfile.write(payload)

    def _check_auth(self) -> None:
        users = self.fake.users
        header = self.headers.get("Authorization", "")
        if not users:
            return
        if not header.startswith("Basic "):
            raise FakeError(401, "Authentication required")
        try:
            user, _, token = base64.b64decode(header[6:]).decode().partition(":")
        except Exception as exc:
            raise FakeError(401, "Invalid authorization header") from exc
        if users.get(user) != token:
            raise FakeError(401, "Invalid password/token for user: " + user)

    def _check_crumb(self) -> None:
        fake = self.fake
        if not fake.enforce_crumbs:
            return
        if self.headers.get(CRUMB_FIELD) != fake.crumb:
            raise FakeError(403, "No valid crumb was included in the request")


def _shape(path: str) -> str:
    """A path with names and numbers blurred, for counting calls by kind."""
    parts = path.strip("/").split("/")
    out = []
    skip = False
    for p in parts:
        if skip:
            out.append("*")
            skip = False
            continue
        out.append("N" if p.isdigit() else p)
        skip = p in ("job", "item", "computer") and True
    return "/" + "/".join(out)


class Router:
    """Maps a request to the state; mixed into FakeJenkins."""

    state: State
    base_url: str

    def _route(self, method: str, path: str, query: dict[str, str], body: bytes
               ) -> tuple[int, str, bytes, dict[str, str]]:
        parts = [unquote(p) for p in path.strip("/").split("/") if p]
        job: list[str] = []
        while len(parts) >= 2 and parts[0] == "job":
            job.append(parts[1])
            parts = parts[2:]
        full = "/".join(job)
        rest = "/".join(parts)
        st = self.state
        with st.lock:
            if job:
                st.get(full)  # 404 for missing items, whatever the action
            if rest in ("api/json", "api/json/"):
                return self._json(self._object(full), query)
            if rest == "crumbIssuer/api/json" and not job:
                return self._json({"_class": "hudson.security.csrf.DefaultCrumbIssuer", "crumb": self.crumb,
                                   "crumbRequestField": CRUMB_FIELD}, query)
            if rest == "me/api/json" and not job:
                return self._json({"_class": "hudson.model.User", "id": self._user or "anonymous",
                                   "fullName": self._user or "anonymous"}, query)
            if rest == "createItem" and method == "POST":
                return self._create(full, query, body)
            if job and rest == "config.xml":
                if method == "GET":
                    return 200, "application/xml", st.get(full).config.encode("utf-8"), {}
                st.update(full, body.decode("utf-8"))
                return self._ok()
            if job and method == "POST" and rest in ("disable", "enable"):
                st.set_disabled(full, rest == "disable")
                return self._ok(302)
            if job and method == "POST" and rest == "doDelete":
                st.delete(full)
                return self._ok(302)
            if job and method == "POST" and rest == "build" and st.get(full).is_multibranch:
                st.index_branches(full)  # "Scan Multibranch Pipeline Now"
                return self._ok(302)
            if job and method == "POST" and rest in ("build", "buildWithParameters"):
                params = query if rest == "buildWithParameters" else {}
                params.update({k: v[-1] for k, v in parse_qs(body.decode() or "").items()}
                              if rest == "buildWithParameters" else {})
                params.pop("token", None)
                params.pop("delay", None)
                q = st.enqueue(full, params)
                return 201, "text/plain", b"", {"Location": f"{self.base_url}queue/item/{q.id}/"}
            if job and parts and (parts[0].isdigit() or parts[0] in ("lastBuild", "lastCompletedBuild")):
                return self._build_route(method, full, parts, query)
            if not job:
                return self._global_route(method, parts, query)
        raise FakeError(404, f"Not found: {path}")

    def _build_route(self, method: str, full: str, parts: list[str], query: dict[str, str]):
        st = self.state
        item = st.get(full)
        if parts[0].isdigit():
            number = int(parts[0])
        else:
            done = [b.number for b in item.builds.values() if parts[0] == "lastBuild" or not b.building]
            if not done:
                raise FakeError(404, f"{full} has no {parts[0]}")
            number = max(done)
        build = st.build(full, number)
        sub = "/".join(parts[1:])
        if sub in ("api/json", "api/json/"):
            return self._json(views.build_json(st, self.base_url, build), query)
        if sub == "stop" and method == "POST":
            if build.building:
                st.stop(full, number)
            return self._ok(302)
        if sub == "consoleText":
            return 200, "text/plain", f"Started\nFinished: {build.result or 'RUNNING'}\n".encode(), {}
        raise FakeError(404, f"Not found: {full}/{'/'.join(parts)}")

    def _global_route(self, method: str, parts: list[str], query: dict[str, str]):
        st = self.state
        rest = "/".join(parts)
        if rest == "queue/api/json":
            return self._json({"_class": "hudson.model.Queue", "discoverableItems": [],
                               "items": [views.queue_item_json(st, self.base_url, q) for q in st.queue.values()]}, query)
        if len(parts) == 4 and parts[:2] == ["queue", "item"] and parts[2].isdigit() and parts[3] == "api":
            raise FakeError(404, "use api/json")
        if len(parts) >= 4 and parts[:2] == ["queue", "item"] and parts[2].isdigit() and parts[3:] == ["api", "json"]:
            qid = int(parts[2])
            q = st.queue.get(qid) or st.left_queue.get(qid)
            if q is None:
                raise FakeError(404, f"No queue item {qid}")
            return self._json(views.queue_item_json(st, self.base_url, q), query)
        if rest == "queue/cancelItem" and method == "POST":
            st.cancel(int(query.get("id", "0")))
            return self._ok(302)
        if rest == "computer/api/json":
            return self._json(views.computer_set_json(st, self.base_url), query)
        if len(parts) >= 2 and parts[0] == "computer":
            name = parts[1]
            if name == "(master)":
                raise FakeError(404, "the fake's built-in node runs nothing")
            sub = "/".join(parts[2:])
            if sub == "api/json":
                return self._json(views.node_json(st, self.base_url, st.node(name)), query)
            if sub == "toggleOffline" and method == "POST":
                st.toggle_offline(name, query.get("offlineMessage", ""))
                return self._ok(302)
            if sub == "doDelete" and method == "POST":
                st.delete_node(name)
                return self._ok(302)
        raise FakeError(404, f"Not found: /{rest}")

    def _create(self, parent: str, query: dict[str, str], body: bytes):
        if body and not body.lstrip().startswith(b"<"):  # a form post (python-jenkins' create_folder)
            # like a servlet's getParameter: the query string wins over the form body
            query = {**{k: v[0] for k, v in parse_qs(body.decode("utf-8")).items()}, **query}
            body = b""
        name = query.get("name", "")
        mode = query.get("mode")
        if mode == FOLDER_CLASS:
            xml = EMPTY_FOLDER_XML
        elif mode == "copy":
            xml = self.state.get(query.get("from", "")).config
        elif mode:
            raise FakeError(400, f"Unsupported mode {mode}")
        else:
            xml = body.decode("utf-8")
            if not xml.strip():
                raise FakeError(400, "No config.xml posted")
        self.state.create(parent, name, xml)
        return self._ok()

    def _object(self, full: str) -> dict[str, Any]:
        if not full:
            return views.root_json(self.state, self.base_url)
        return views.item_json(self.state, self.base_url, self.state.get(full))

    def _json(self, obj: Any, query: dict[str, str]):
        tree = query.get("tree")
        if tree:
            data = select(obj, parse_tree(tree))
        else:
            data = materialize(obj, int(query.get("depth", "0") or 0))
        return 200, "application/json;charset=utf-8", json.dumps(data).encode("utf-8"), {}

    @staticmethod
    def _ok(status: int = 200):
        return status, "text/html", b"", {}

    @property
    def _user(self) -> str | None:
        return next(iter(self.users), None) if self.users else None


def new_crumb() -> str:
    return secrets.token_hex(16)


def start_server(fake: Any, host: str, port: int) -> tuple[_Server, threading.Thread]:
    handler = type("BoundHandler", (Handler,), {"fake": fake})
    server = _Server((host, port), handler)
    server.verbose = fake.verbose
    thread = threading.Thread(target=server.serve_forever, name=f"jenkins-fake:{server.server_address[1]}",
                              daemon=True)
    thread.start()
    return server, thread
