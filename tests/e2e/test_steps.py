"""orders-api through `jenkinsctl step version, build, test, push` on the real Docker engine,
the test registry and moto (the ECR login flow runs unchanged: token -> docker login -> push)."""

from __future__ import annotations

import json
import re

import pytest

from image_support import git, point_at, remove_image_ids, remove_images, source_repo


BUILT: list[str] = []  # image IDs the tests built: removed even when a rebuild moved their tag away


@pytest.fixture
def env(project, registry, base_image, moto_endpoint, docker_engine):
    yield point_at(project, registry, base_image, moto_endpoint)
    remove_images(docker_engine, registry.endpoint)
    remove_image_ids(docker_engine, BUILT)
    BUILT.clear()


def step(cli, env, src, *args):
    result = cli("step", *args, "--workdir", str(src), cwd=src, env=env)
    if args[0] == "build" and result.code == 0:
        BUILT.append(json.loads((src / ".jenkinsctl" / "build.json").read_text())["IMAGE_ID"])
    return result


def test_version_build_test_push_then_push_again(cli, env, tmp_path, registry, aws, docker_engine):
    src = source_repo(tmp_path / "orders-api")
    git(src, "tag", "-a", "v1.4.0", "-m", "1.4.0")
    git(src, "commit", "-q", "--allow-empty", "-m", "feat(api): refunds")

    r = step(cli, env, src, "version", "--json")
    assert r.code == 0, r.err
    version = json.loads(r.out)
    assert version["VERSION"] == version["IMAGE_TAG"] == "1.5.0"
    assert version["PRERELEASE"] == "false" and version["BRANCH"] == "main"
    assert (src / ".jenkinsctl" / "version.properties").read_text().startswith("VERSION=1.5.0\nIMAGE_TAG=1.5.0\n")

    r = step(cli, env, src, "build")
    assert r.code == 0, r.err
    build = json.loads((src / ".jenkinsctl" / "build.json").read_text())
    assert build["IMAGE"] == f"{registry.endpoint}/payments/orders-api:1.5.0"
    assert "Step 1/" in r.err and "  | " in r.err  # the build log streams on stderr
    labels = docker_engine.images.get(build["IMAGE_ID"]).labels
    assert labels["org.opencontainers.image.version"] == "1.5.0"
    assert labels["org.opencontainers.image.revision"] == version["GIT_SHA"]
    assert labels["org.opencontainers.image.source"] == "https://git.example.com/payments/orders-api.git"
    assert labels["io.jenkinsctl.service"] == "orders-api" and "org.opencontainers.image.created" in labels

    r = step(cli, env, src, "test")
    assert r.code == 0, r.err
    assert "ok    orders_are_json" in r.err and "TESTS=passed" in r.out
    assert 'tests="3" failures="0"' in (src / ".jenkinsctl" / "test-reports" / "junit.xml").read_text()

    r = step(cli, env, src, "push")
    assert r.code == 0, r.err
    push = json.loads((src / ".jenkinsctl" / "push.json").read_text())
    digest = push["IMAGE_DIGEST"]
    assert push["IMAGE_URI"] == f"{registry.endpoint}/payments/orders-api@{digest}"
    assert push["IMAGE_REPOSITORY"] == f"{registry.endpoint}/payments/orders-api"
    assert (push["IMAGE_TAG"], push["VERSION"], push["GIT_SHA"]) == ("1.5.0", "1.5.0", version["GIT_SHA"])
    reg = registry.client()
    assert reg.manifest_head("payments/orders-api", "1.5.0") == digest
    assert reg.manifest_head("payments/orders-api", version["GIT_SHA_TAG"]) == digest
    repo = aws.ecr.raw.describe_repositories(repositoryNames=["payments/orders-api"])["repositories"][0]
    assert repo["imageTagMutability"] == "IMMUTABLE" and repo["imageScanningConfiguration"]["scanOnPush"]
    policy = json.loads(aws.ecr.raw.get_lifecycle_policy(repositoryName="payments/orders-api")["lifecyclePolicyText"])
    assert [r["selection"]["countNumber"] for r in policy["rules"]] == [7, 100]

    r = step(cli, env, src, "push", "--json")
    assert r.code == 0, r.err
    again = json.loads(r.out)
    assert again["IMAGE_DIGEST"] == digest and again["BYTES_UPLOADED"] == "0" and again["LAYERS_PUSHED"] == "0"


def test_push_refuses_to_move_an_existing_version_tag(cli, env, tmp_path, registry):
    src = source_repo(tmp_path / "orders-api")
    for name in ("version", "build", "push"):
        assert step(cli, env, src, name).code == 0, name
    (src / "src" / "www" / "healthz").write_text("ok, changed\n")
    git(src, "commit", "-qam", "fix: health text")  # no release tag yet: still 0.1.0, another image
    for name in ("version", "build"):
        assert step(cli, env, src, name).code == 0, name
    r = step(cli, env, src, "push")
    assert r.code == 3, r.err
    assert "already exists and is a different image" in r.err and "pushed tags are immutable" in r.err
    assert "hint: commit a change" in r.err


def test_policy_violation_stops_the_build_with_file_and_line(cli, env, tmp_path):
    src = source_repo(tmp_path / "svc", files={"Dockerfile": "FROM python:3.12\nARG NPM_TOKEN\n"})
    assert step(cli, env, src, "version").code == 0
    r = step(cli, env, src, "build")
    assert r.code == 3
    assert "Dockerfile:1: FROM python:3.12: Docker Hub (no registry named) is not trusted" in r.err
    assert "Dockerfile:2: ARG NPM_TOKEN: the name looks like a secret" in r.err
    assert "2 policy violations; nothing was built or pushed" in r.err and "Step 1/" not in r.err


def test_failed_build_shows_the_step_and_log_tail(cli, env, tmp_path, base_image):
    dockerfile = f"FROM {base_image.ref} AS runtime\nCOPY src/ /app/\nRUN test -f /app/missing.txt\nCMD [\"sh\"]\n"
    src = source_repo(tmp_path / "svc", files={"Dockerfile": dockerfile})
    assert step(cli, env, src, "version").code == 0
    r = step(cli, env, src, "build", "--policy", "warn")
    assert r.code == 1, r.err
    assert re.search(r"docker build of \S+ failed at step 3/\d+ \(RUN test -f /app/missing.txt\)", r.err), r.err
    assert "returned a non-zero code: 1" in r.err
    assert "hint: the tail of the build log is above" in r.err


def test_failing_tests_fail_the_step(cli, env, tmp_path):
    src = source_repo(tmp_path / "orders-api")
    (src / "src" / "www" / "healthz").write_text("broken\n")
    git(src, "commit", "-qam", "fix: break health")
    for name in ("version", "build"):
        assert step(cli, env, src, name).code == 0
    r = step(cli, env, src, "test")
    assert r.code == 1
    assert "FAIL  healthz_answers_ok" in r.err and "tests of orders-api failed" in r.err
    assert json.loads((src / ".jenkinsctl" / "test.json").read_text())["TESTS"] == "failed"
    assert 'failures="1"' in (src / ".jenkinsctl" / "test-reports" / "junit.xml").read_text()


def test_push_to_a_registry_that_is_down_fails_loudly(cli, env, tmp_path):
    from support import free_port

    src = source_repo(tmp_path / "orders-api")
    for name in ("version", "build"):
        assert step(cli, env, src, name).code == 0
    r = step(cli, {**env, "JENKINSCTL_REGISTRY_ENDPOINT": f"127.0.0.1:{free_port()}"}, src, "push")
    assert r.code == 4, r.err
    assert "docker login to 127.0.0.1:" in r.err and "was refused" in r.err


def test_compose_integration_tests_run_against_the_built_image(cli, env, project, tmp_path):
    compose = ('version: "3.7"\nservices:\n  api:\n    image: ${IMAGE}\n'
               '  test:\n    image: ${IMAGE}\n    depends_on: [api]\n'
               '    command: ["sh", "-c", "sh /app/tests/run.sh"]\n')
    src = source_repo(tmp_path / "orders-api", files={"compose.yaml": compose})
    descriptor = project / "services" / "orders-api.yaml"
    descriptor.write_text(descriptor.read_text().replace("  test: sh /app/tests/run.sh", "  compose: compose.yaml\n  test: sh /app/tests/run.sh"))
    for name in ("version", "build"):
        assert step(cli, env, src, name).code == 0, name
    r = step(cli, env, src, "test")
    assert r.code == 0, r.err
    assert "docker-compose" in r.err or "docker compose" in r.err
    assert "3 tests, 0 failures" in r.err
    assert 'tests="3" failures="0"' in (src / ".jenkinsctl" / "test-reports" / "junit.xml").read_text()


def test_push_with_credentials_the_registry_refuses_fails_loudly(cli, env, tmp_path):
    from jenkinsctl.sandbox import RegistryServer, SandboxSettings
    from support import free_port

    # a registry whose htpasswd is another account's token: moto's ECR token does not open it
    other = RegistryServer(SandboxSettings(root=tmp_path / "other", registry_port=free_port(), account_id="999999999999"))
    other.start()
    try:
        src = source_repo(tmp_path / "orders-api")
        for name in ("version", "build"):
            assert step(cli, env, src, name).code == 0
        r = step(cli, {**env, "JENKINSCTL_REGISTRY_ENDPOINT": other.address}, src, "push")
    finally:
        other.stop()
    assert r.code == 4, r.err
    assert f"docker login to {other.address} as 'AWS' was refused" in r.err
    assert "123456789012-auth-token" not in r.err  # the token is masked
    assert not (src / ".jenkinsctl" / "push.json").exists()
