"""The one client of the OCI distribution API (registry HTTP API v2): manifests and digests,
retag without rebuild, blob existence, cross-repository mount and cross-registry copy.

Works against ECR's data plane (basic auth `AWS:<token>`), the sandbox's htpasswd registry, and
token-auth registries (`WWW-Authenticate: Bearer realm=...`). Every failure becomes a
`RegistryError` saying which registry, which call and what to do."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from typing import Iterator
from urllib.parse import urljoin

from jenkinsctl.errors import RegistryError

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MANIFEST_TYPES = (OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST)
INDEX_TYPES = (OCI_INDEX, DOCKER_LIST)
CHUNK = 8 * 1024 * 1024


class RegistryNotFound(RegistryError):
    """The repository, manifest or blob does not exist."""


class RegistryAuthError(RegistryError):
    """The registry refused the credentials (or none were given)."""


@dataclass(frozen=True)
class Manifest:
    body: bytes
    media_type: str
    digest: str

    @property
    def json(self) -> dict:
        import json

        return json.loads(self.body)

    def blobs(self) -> list[tuple[str, int]]:
        """(digest, size) of the config and every layer (image manifests only)."""
        doc = self.json
        items = [doc["config"]] if "config" in doc else []
        items += doc.get("layers", [])
        return [(d["digest"], int(d.get("size", 0))) for d in items]

    def children(self) -> list[str]:
        """Digests of the per-platform manifests (indexes only)."""
        return [m["digest"] for m in self.json.get("manifests", [])]


@dataclass
class CopyStats:
    blobs_copied: int = 0
    bytes_copied: int = 0
    blobs_mounted: int = 0
    blobs_present: int = 0


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def base_url(endpoint: str) -> str:
    """`127.0.0.1:5000` -> `http://127.0.0.1:5000`; other hosts default to https."""
    endpoint = endpoint.rstrip("/")
    if "://" in endpoint:
        return endpoint
    host = endpoint.split(":")[0]
    local = host in ("localhost",) or host.startswith("127.") or host == "[::1]"
    return f"{'http' if local else 'https'}://{endpoint}"


class Registry:
    """A client of one registry. `endpoint` is `host[:port]` or a URL."""

    def __init__(self, endpoint: str, username: str | None = None, password: str | None = None,
                 timeout: float = 30.0, session=None):
        import requests

        self.endpoint = endpoint.split("://", 1)[-1].rstrip("/")
        self.url = base_url(endpoint)
        self.username = username
        self.password = password
        self.timeout = timeout
        self.http = session or requests.Session()
        self._auth_header: dict[str, str] = {}
        self._tokens: dict[str, str] = {}
        self.bytes_uploaded = 0  # blob bytes this client sent (benchmarks read it)
        if username is not None:
            self._auth_header = {"Authorization": _basic(username, password or "")}

    def __repr__(self) -> str:
        return f"Registry({self.endpoint!r}, user={self.username!r})"

    # ---- transport -------------------------------------------------------------------------
    def _request(self, method: str, path_or_url: str, what: str, ok: tuple[int, ...] = (200,),
                 headers: dict | None = None, scope: str | None = None, **kwargs):
        import requests

        url = path_or_url if "://" in path_or_url else self.url + path_or_url
        for attempt in range(2):
            hdrs = dict(headers or {})
            token = self._tokens.get(scope or "")
            hdrs.update({"Authorization": f"Bearer {token}"} if token else self._auth_header)
            try:
                resp = self.http.request(method, url, headers=hdrs, timeout=self.timeout, **kwargs)
            except requests.ConnectionError as exc:
                raise RegistryError(f"registry {self.endpoint} is unreachable ({what})",
                                    "is it running? for the sandbox: `jenkinsctl sandbox status`") from exc
            except requests.Timeout as exc:
                raise RegistryError(f"registry {self.endpoint} did not answer within {self.timeout:.0f}s "
                                    f"({what})", "retry; check the registry's health") from exc
            except requests.RequestException as exc:
                raise RegistryError(f"registry {self.endpoint}: {what} failed: {exc}") from exc
            if resp.status_code == 401 and attempt == 0 and self._answer_challenge(resp, scope):
                if hasattr(kwargs.get("data"), "__next__"):
                    break  # a consumed stream cannot be replayed
                continue
            break
        if resp.status_code in ok:
            return resp
        raise self._error(resp, what)

    def _answer_challenge(self, resp, scope: str | None) -> bool:
        challenge = resp.headers.get("WWW-Authenticate", "")
        scheme, _, params = challenge.partition(" ")
        if scheme.lower() == "basic":
            if self.username is None or "Authorization" in resp.request.headers:
                return False
            self._auth_header = {"Authorization": _basic(self.username, self.password or "")}
            return True
        if scheme.lower() == "bearer":
            fields = dict(re.findall(r'(\w+)="([^"]*)"', params))
            realm = fields.get("realm")
            if not realm:
                return False
            query = {k: v for k, v in fields.items() if k in ("service", "scope")}
            auth = (self.username, self.password or "") if self.username is not None else None
            try:
                r = self.http.get(realm, params=query, auth=auth, timeout=self.timeout)
            except Exception as exc:
                raise RegistryError(f"registry {self.endpoint}: token service {realm} is unreachable") from exc
            if r.status_code != 200:
                raise RegistryAuthError(f"registry {self.endpoint}: token service refused the credentials "
                                        f"of user '{self.username}' (HTTP {r.status_code})",
                                        "check the registry user and password (for ECR: the login token)")
            body = r.json()
            self._tokens[scope or ""] = body.get("token") or body.get("access_token", "")
            return True
        return False

    def _error(self, resp, what: str) -> RegistryError:
        codes = ""
        try:
            errors = resp.json().get("errors", [])
            codes = "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors)
        except Exception:
            codes = resp.text[:200].strip()
        detail = f" ({codes})" if codes else ""
        where = f"registry {self.endpoint}: {what}"
        if resp.status_code == 401:
            who = f"user '{self.username}'" if self.username is not None else "anonymous access"
            return RegistryAuthError(f"{where}: credentials rejected for {who}{detail}",
                                     "check the registry user and password; for ECR log in again "
                                     "(tokens expire after 12 hours)")
        if resp.status_code == 403:
            return RegistryAuthError(f"{where}: access denied{detail}",
                                     "the credentials lack permission for this repository")
        if resp.status_code == 404:
            return RegistryNotFound(f"{where}: not found{detail}")
        return RegistryError(f"{where}: HTTP {resp.status_code}{detail}")

    # ---- API -------------------------------------------------------------------------------
    def ping(self) -> None:
        """Check the registry answers and accepts the credentials."""
        self._request("GET", "/v2/", "ping")

    def manifest_head(self, repo: str, reference: str) -> str | None:
        """Digest of `repo:reference` (tag or digest), or None when it does not exist."""
        try:
            resp = self._request("HEAD", f"/v2/{repo}/manifests/{reference}", f"HEAD {repo}:{reference}",
                                 headers={"Accept": ", ".join(MANIFEST_TYPES)}, scope=_pull(repo))
        except RegistryNotFound:
            return None
        return resp.headers.get("Docker-Content-Digest") or self.manifest_get(repo, reference).digest

    def manifest_get(self, repo: str, reference: str) -> Manifest:
        resp = self._request("GET", f"/v2/{repo}/manifests/{reference}", f"GET manifest {repo}:{reference}",
                             headers={"Accept": ", ".join(MANIFEST_TYPES)}, scope=_pull(repo))
        body = resp.content
        digest = sha256_digest(body)
        header = resp.headers.get("Docker-Content-Digest")
        if header and header != digest:
            raise RegistryError(f"registry {self.endpoint}: manifest {repo}:{reference} announces digest "
                                f"{header} but its bytes hash to {digest}", "the registry is corrupt or a "
                                "proxy altered the manifest")
        media_type = resp.headers.get("Content-Type", "").split(";")[0] or _media_type_of(body)
        return Manifest(body, media_type, digest)

    def manifest_put(self, repo: str, reference: str, manifest: Manifest) -> str:
        """Store the manifest bytes unchanged under `reference`; returns the digest (same bytes,
        same digest: retagging never changes it)."""
        resp = self._request("PUT", f"/v2/{repo}/manifests/{reference}", f"PUT manifest {repo}:{reference}",
                             ok=(200, 201), headers={"Content-Type": manifest.media_type},
                             data=manifest.body, scope=_push(repo))
        digest = resp.headers.get("Docker-Content-Digest") or manifest.digest
        if digest != manifest.digest:
            raise RegistryError(f"registry {self.endpoint}: stored {repo}:{reference} as {digest}, "
                                f"expected {manifest.digest}")
        return digest

    def tags(self, repo: str) -> list[str]:
        try:
            resp = self._request("GET", f"/v2/{repo}/tags/list", f"list tags of {repo}", scope=_pull(repo))
        except RegistryNotFound:
            return []
        return sorted(resp.json().get("tags") or [])

    def blob_exists(self, repo: str, digest: str) -> bool:
        try:
            self._request("HEAD", f"/v2/{repo}/blobs/{digest}", f"HEAD blob {repo}@{digest[:19]}",
                          scope=_pull(repo))
        except RegistryNotFound:
            return False
        return True

    def blob_mount(self, repo: str, digest: str, from_repo: str) -> bool:
        """Mount a blob from another repository of this registry; False when the registry
        answered with an upload session instead (the blob must then be uploaded)."""
        resp = self._request("POST", f"/v2/{repo}/blobs/uploads/", f"mount {digest[:19]} from {from_repo} into {repo}",
                             ok=(201, 202), params={"mount": digest, "from": from_repo},
                             scope=_push(repo) + f" repository:{from_repo}:pull")
        if resp.status_code == 201:
            return True
        location = resp.headers.get("Location")
        if location:  # cancel the upload session we did not want
            try:
                self.http.delete(urljoin(self.url + "/", location), headers=self._auth_header, timeout=self.timeout)
            except Exception:
                pass
        return False

    def blob_stream(self, repo: str, digest: str) -> Iterator[bytes]:
        resp = self._request("GET", f"/v2/{repo}/blobs/{digest}", f"GET blob {repo}@{digest[:19]}",
                             stream=True, scope=_pull(repo))
        return resp.iter_content(CHUNK)

    def blob_upload(self, repo: str, digest: str, chunks: Iterator[bytes]) -> int:
        """Upload a blob from an iterator of chunks: monolithic PUT when it fits one chunk,
        else PATCH chunk by chunk then PUT. Returns the bytes sent; verifies the digest."""
        resp = self._request("POST", f"/v2/{repo}/blobs/uploads/", f"start upload to {repo}", ok=(202,),
                             scope=_push(repo))
        location = urljoin(self.url + "/", resp.headers["Location"])
        sent, hasher = 0, hashlib.sha256()
        pending: bytes | None = None
        for chunk in _rechunk(chunks):
            if pending is not None:
                location = self._patch(repo, location, pending, sent)
                sent += len(pending)
            hasher.update(chunk)
            pending = chunk
        actual = "sha256:" + hasher.hexdigest()
        if actual != digest:
            raise RegistryError(f"blob {digest} read from the source hashes to {actual}",
                                "the source registry returned corrupt data; retry")
        sep = "&" if "?" in location else "?"
        body = pending or b""
        self._request("PUT", f"{location}{sep}digest={digest}", f"finish upload of {digest[:19]} to {repo}",
                      ok=(201,), data=body, headers={"Content-Type": "application/octet-stream"},
                      scope=_push(repo))
        sent += len(body)
        self.bytes_uploaded += sent
        return sent

    def _patch(self, repo: str, location: str, chunk: bytes, start: int) -> str:
        resp = self._request("PATCH", location, f"upload chunk to {repo}", ok=(202,), data=chunk,
                             headers={"Content-Type": "application/octet-stream",
                                      "Content-Range": f"{start}-{start + len(chunk) - 1}"},
                             scope=_push(repo))
        return urljoin(self.url + "/", resp.headers.get("Location", location))

    # ---- composite operations --------------------------------------------------------------
    def retag(self, repo: str, reference: str, new_tag: str) -> str:
        """Give an existing manifest another tag without rebuilding; returns its digest."""
        return self.manifest_put(repo, new_tag, self.manifest_get(repo, reference))

    def copy_image(self, source: "Registry", src_repo: str, reference: str, dst_repo: str,
                   tags: list[str] | tuple[str, ...] = (), stats: CopyStats | None = None) -> str:
        """Copy `source/src_repo:reference` (an image or a multi-platform index) to this
        registry's `dst_repo`, blobs first then manifests, under `tags` (or by digest only).
        Blobs already present are skipped, blobs in the same registry are mounted, the rest
        are streamed. Returns the digest, which is the same on both sides."""
        stats = stats if stats is not None else CopyStats()
        manifest = source.manifest_get(src_repo, reference)
        self._copy_manifest(source, src_repo, dst_repo, manifest, stats)
        for tag in tags:
            self.manifest_put(dst_repo, tag, manifest)
        return manifest.digest

    def _copy_manifest(self, source: "Registry", src_repo: str, dst_repo: str, manifest: Manifest,
                       stats: CopyStats) -> None:
        if manifest.media_type in INDEX_TYPES:
            for child in manifest.children():
                self._copy_manifest(source, src_repo, dst_repo, source.manifest_get(src_repo, child), stats)
        else:
            for digest, _size in manifest.blobs():
                self.copy_blob(source, src_repo, dst_repo, digest, stats)
        self.manifest_put(dst_repo, manifest.digest, manifest)

    def copy_blob(self, source: "Registry", src_repo: str, dst_repo: str, digest: str,
                  stats: CopyStats | None = None) -> None:
        stats = stats if stats is not None else CopyStats()
        if self.blob_exists(dst_repo, digest):
            stats.blobs_present += 1
            return
        if source.url == self.url and self.blob_mount(dst_repo, digest, src_repo):
            stats.blobs_mounted += 1
            return
        stats.bytes_copied += self.blob_upload(dst_repo, digest, source.blob_stream(src_repo, digest))
        stats.blobs_copied += 1


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _pull(repo: str) -> str:
    return f"repository:{repo}:pull"


def _push(repo: str) -> str:
    return f"repository:{repo}:pull,push"


def _media_type_of(body: bytes) -> str:
    import json

    try:
        doc = json.loads(body)
    except ValueError:
        return DOCKER_MANIFEST
    return doc.get("mediaType") or (OCI_INDEX if "manifests" in doc else OCI_MANIFEST)


def _rechunk(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Regroup a stream into CHUNK-sized pieces (the last may be shorter)."""
    buf = bytearray()
    for piece in chunks:
        buf += piece
        while len(buf) >= CHUNK:
            yield bytes(buf[:CHUNK])
            del buf[:CHUNK]
    if buf:
        yield bytes(buf)
