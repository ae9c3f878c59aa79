"""Builds of tiny images on the real engine: streamed log, cache on rebuild, the built image's
secrets refused, build args."""

from __future__ import annotations

import pytest

from image_support import point_at, remove_images, source_repo
from jenkinsctl.dockerengine import DockerEngine


@pytest.fixture
def engine(docker_engine, registry):
    eng = DockerEngine()
    yield eng
    remove_images(docker_engine, registry.endpoint)
    eng.close()


def test_build_streams_the_log_and_rebuild_is_cached(engine, registry, base_image, tmp_path):
    (tmp_path / "Dockerfile").write_text(f"FROM {base_image.ref}\nARG GREETING\nCOPY a.txt /a.txt\n"
                                         "RUN echo \"$GREETING\" > /greeting\n")
    (tmp_path / "a.txt").write_text("a\n")
    engine.login(registry.endpoint, registry.user, registry.password)
    lines: list[str] = []
    tag = f"{registry.endpoint}/test/cache:1"
    first = engine.build(tmp_path, "Dockerfile", tag, buildargs={"GREETING": "hi"}, on_line=lines.append)
    assert first.image_id.startswith("sha256:") and first.steps == 4 and first.cached_steps == 0
    assert lines[0].startswith("Step 1/4 : FROM ") and any("Successfully tagged" in l for l in lines)
    out = engine.run(first.image_id, ["cat", "/greeting"])
    assert (out.exit_code, out.log) == (0, "hi")
    again = engine.build(tmp_path, "Dockerfile", tag, buildargs={"GREETING": "hi"})
    assert again.image_id == first.image_id and again.cached_steps == 3
    assert not engine.api.containers(all=True, filters={"ancestor": first.image_id})  # rm=True: nothing left


def test_secret_in_the_built_image_is_refused_and_the_image_removed(cli, project, registry, base_image,
                                                                    moto_endpoint, engine, tmp_path):
    env = point_at(project, registry, base_image, moto_endpoint)
    dockerfile = (f"FROM {base_image.ref} AS runtime\nARG SUFFIX=abc123\n"
                  "ENV LOG_LEVEL=info API_KEY=key-${SUFFIX}\nCMD [\"sh\"]\n")
    src = source_repo(tmp_path / "svc", files={"Dockerfile": dockerfile, ".dockerignore": ".git\n"}, example=None)
    assert cli("step", "version", "--workdir", str(src), cwd=src, env=env).code == 0
    r = cli("step", "build", "--workdir", str(src), cwd=src, env=env)
    assert r.code == 3, r.err
    assert ("Dockerfile:3: the built image sets ENV API_KEY=****: a secret baked into the image; inject it at "
            "runtime (deploy.secrets) [image-secret-env]") in r.err
    assert "abc123" not in r.err.split("Successfully built")[-1]
    assert not engine.exists(f"{registry.endpoint}/payments/orders-api:0.1.0")
    warned = cli("step", "build", "--workdir", str(src), "--policy", "warn", cwd=src, env=env)
    assert warned.code == 0 and "warning: Dockerfile:3: the built image sets ENV API_KEY" in warned.err
