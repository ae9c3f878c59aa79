"""Pushes through the docker wrapper to the real registry: errors in the push stream fail
loudly (wrong credentials, registry down); a second push uploads nothing."""

from __future__ import annotations

import pytest

from image_support import remove_images
from jenkinsctl.dockerengine import DockerEngine
from jenkinsctl.errors import EXIT_EXTERNAL, DockerError
from support import free_port


@pytest.fixture(scope="module")
def engine(docker_engine, registry):
    eng = DockerEngine()
    yield eng
    remove_images(docker_engine, registry.endpoint)
    remove_images(docker_engine, "127.0.0.1:")  # the registry-down case's tag
    eng.close()


@pytest.fixture(scope="module")
def image(engine, registry, tmp_path_factory):
    ctx = tmp_path_factory.mktemp("ctx")
    (ctx / "Dockerfile").write_text("FROM scratch\nCOPY hello.txt /hello.txt\n")
    (ctx / "hello.txt").write_text("hello from a FROM scratch image\n")
    (ctx / ".dockerignore").write_text(".git\n")
    built = engine.build(ctx, "Dockerfile", f"{registry.endpoint}/test/hello:1.0.0")
    return built.image_id


def test_push_then_push_again_uploads_nothing(engine, registry, image):
    auth = {"username": registry.user, "password": registry.password}
    first = engine.push(f"{registry.endpoint}/test/hello", "1.0.0", auth)
    assert first.digest.startswith("sha256:") and first.layers_pushed == 1
    second = engine.push(f"{registry.endpoint}/test/hello", "1.0.0", auth)
    assert second.digest == first.digest
    assert (second.bytes_uploaded, second.layers_pushed, second.layers_existing) == (0, 0, 1)
    manifest = registry.client().manifest_get("test/hello", "1.0.0")
    assert manifest.digest == first.digest and manifest.json["config"]["digest"] == image


def test_wrong_credentials_are_refused_at_login(engine, registry):
    with pytest.raises(DockerError, match=r"docker login to 127\.0\.0\.1:\d+ as 'AWS' was refused") as info:
        engine.login(registry.endpoint, "AWS", "not-the-token")
    assert info.value.exit_code == EXIT_EXTERNAL and "not-the-token" not in info.value.render()


def test_push_stream_error_with_wrong_credentials_fails_loudly(engine, registry, image):
    engine.tag(image, f"{registry.endpoint}/test/denied", "1.0.0")
    with pytest.raises(DockerError, match=r"docker push .*/test/denied:1.0.0 failed: .*(unauthorized|no basic auth)") as info:
        engine.push(f"{registry.endpoint}/test/denied", "1.0.0", {"username": "AWS", "password": "wrong"})
    assert "log in again" in info.value.hint
    assert registry.client().manifest_head("test/denied", "1.0.0") is None


def test_push_to_a_registry_that_is_down_fails_loudly(engine, image):
    down = f"127.0.0.1:{free_port()}"
    engine.tag(image, f"{down}/test/hello", "1.0.0")
    with pytest.raises(DockerError, match=f"docker push {down}/test/hello:1.0.0 failed: .*connection refused"):
        engine.push(f"{down}/test/hello", "1.0.0", {"username": "AWS", "password": "x"})
