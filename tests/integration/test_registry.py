"""The OCI registry client against a real registry (Debian docker-registry, htpasswd auth)."""

from __future__ import annotations

import hashlib
import os

import pytest

from jenkinsctl.errors import EXIT_EXTERNAL, RegistryError
from jenkinsctl.registry.client import CopyStats, Registry, RegistryAuthError, RegistryNotFound, base_url
from jenkinsctl.sandbox import RegistryServer, SandboxSettings
from support import free_port


def test_manifest_digest_is_sha256_of_its_bytes(registry, base_image):
    reg = registry.client()
    manifest = reg.manifest_get(base_image.repository, base_image.tag)
    assert manifest.digest == "sha256:" + hashlib.sha256(manifest.body).hexdigest() == base_image.digest
    assert reg.manifest_head(base_image.repository, base_image.tag) == base_image.digest
    assert reg.manifest_head(base_image.repository, base_image.digest) == base_image.digest


def test_retag_keeps_the_digest_and_mount_avoids_upload(registry, base_image):
    reg = registry.client()
    repo = "team/retag-" + os.urandom(3).hex()
    assert reg.copy_image(reg, base_image.repository, base_image.tag, repo, tags=["1.0.0"]) == base_image.digest
    assert reg.bytes_uploaded == 0  # same registry: every blob was mounted, none uploaded
    assert reg.retag(repo, "1.0.0", "1.0.0-sha") == base_image.digest
    assert reg.tags(repo) == ["1.0.0", "1.0.0-sha"]


def test_copy_between_registries_streams_blobs_once(registry, base_image, tmp_path):
    other = RegistryServer(SandboxSettings(root=tmp_path, registry_port=free_port()))
    other.start()
    try:
        dst = Registry(other.address, registry.user, registry.password)
        stats = CopyStats()
        digest = dst.copy_image(registry.client(), base_image.repository, base_image.tag, "payments/orders",
                                tags=["2.0.0"], stats=stats)
        assert digest == base_image.digest == dst.manifest_head("payments/orders", "2.0.0")
        assert stats.blobs_copied == 2 and stats.bytes_copied > 1_000_000
        again = CopyStats()
        dst.copy_image(registry.client(), base_image.repository, base_image.digest, "payments/orders", stats=again)
        assert again.bytes_copied == 0 and again.blobs_present == 2
    finally:
        other.stop()


def test_missing_manifest_is_none_and_missing_blob_is_false(registry, base_image):
    reg = registry.client()
    assert reg.manifest_head(base_image.repository, "no-such-tag") is None
    assert reg.blob_exists(base_image.repository, "sha256:" + "0" * 64) is False
    with pytest.raises(RegistryNotFound, match="not found"):
        reg.manifest_get("nobody/here", "1.0.0")


def test_wrong_credentials_fail_loudly(registry):
    with pytest.raises(RegistryAuthError, match="credentials rejected for user 'AWS'") as info:
        registry.client(password="wrong").ping()
    assert info.value.exit_code == EXIT_EXTERNAL
    assert "log in again" in info.value.hint


def test_registry_down_fails_loudly():
    with pytest.raises(RegistryError, match="is unreachable") as info:
        Registry(f"127.0.0.1:{free_port()}", "AWS", "x", timeout=2).ping()
    assert "sandbox status" in info.value.hint


def test_local_endpoints_are_plain_http_others_https():
    assert base_url("127.0.0.1:5000") == "http://127.0.0.1:5000"
    assert base_url("localhost:5000") == "http://localhost:5000"
    assert base_url("123456789012.dkr.ecr.us-east-1.amazonaws.com") == \
        "https://123456789012.dkr.ecr.us-east-1.amazonaws.com"


class _TokenRegistry:
    """A minimal HTTP fake of a token-auth registry (the Docker Hub / Harbor flow): 401 with
    `WWW-Authenticate: Bearer realm=...,service=...,scope=...`, a token service taking basic
    auth, then the API with `Authorization: Bearer <token>`. Real registries here use htpasswd."""

    def __init__(self):
        import base64
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        outer = self
        self.scopes: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                if self.path.startswith("/token"):
                    from urllib.parse import parse_qs, urlparse

                    outer.scopes += parse_qs(urlparse(self.path).query).get("scope", [])
                    good = "Basic " + base64.b64encode(b"robot:s3cret").decode()
                    if self.headers.get("Authorization") != good:
                        return self._send(401, b'{"details": "bad credentials"}')
                    return self._send(200, b'{"token": "good-token"}')
                if self.headers.get("Authorization") != "Bearer good-token":
                    realm = f"http://127.0.0.1:{outer.port}/token"
                    return self._send(401, b'{"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]}',
                                      {"WWW-Authenticate": f'Bearer realm="{realm}",service="fake",scope="repository:team/app:pull"'})
                body = b'{"schemaVersion": 2, "config": {"digest": "sha256:abc"}, "layers": []}'
                self._send(200, body, {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})

            do_HEAD = do_GET

            def _send(self, code, body, headers=None):
                self.send_response(code)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_bearer_token_auth_flow():
    fake = _TokenRegistry()
    try:
        manifest = Registry(f"127.0.0.1:{fake.port}", "robot", "s3cret").manifest_get("team/app", "1.0.0")
        assert manifest.digest == "sha256:" + hashlib.sha256(manifest.body).hexdigest()
        assert manifest.media_type == "application/vnd.oci.image.manifest.v1+json"
        assert fake.scopes == ["repository:team/app:pull"]
        with pytest.raises(RegistryAuthError, match="token service refused the credentials of user 'robot'"):
            Registry(f"127.0.0.1:{fake.port}", "robot", "wrong").manifest_get("team/app", "1.0.0")
    finally:
        fake.close()


def test_large_blob_is_uploaded_in_chunks_and_verified(registry):
    from jenkinsctl.registry.client import CHUNK

    data = os.urandom(2 * CHUNK + 12345)  # two PATCHes, then the rest with the closing PUT
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    reg = registry.client()
    pieces = (data[i:i + 1_000_000] for i in range(0, len(data), 1_000_000))
    assert reg.blob_upload("test/big", digest, pieces) == len(data)
    assert reg.blob_exists("test/big", digest)
    assert b"".join(reg.blob_stream("test/big", digest)) == data
    with pytest.raises(RegistryError, match="hashes to"):
        reg.blob_upload("test/big", "sha256:" + "1" * 64, iter([b"not that"]))
