"""Dockerfile/image policy: a corpus of Dockerfiles, each breaking one rule (tests/fixtures/policy/
<case>/Dockerfile -> expected.txt), plus the checks on a built image's config and history."""

from __future__ import annotations

import json

import pytest

from jenkinsctl.errors import EXIT_POLICY, PolicyError
from jenkinsctl.policy import check_dockerfile, check_image, enforce, parse_dockerfile
from support import FIXTURES

TRUSTED = ["127.0.0.1:5000", "123456789012.dkr.ecr.us-east-1.amazonaws.com"]
CASES = sorted(p for p in (FIXTURES / "policy").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_policy_corpus(case):
    args_file = case / "args.json"
    args = json.loads(args_file.read_text()) if args_file.exists() else {}
    found = check_dockerfile(case / "Dockerfile", case, TRUSTED, args)
    rendered = "".join(v.render().replace(str(case), "<context>") + "\n" for v in found)
    assert rendered == (case / "expected.txt").read_text()
    if case.name.startswith("ok-"):
        assert found == []
    else:
        assert len(found) == 1, "each corpus case breaks exactly one rule"


def test_enforce_raises_with_every_violation_or_only_warns():
    found = check_dockerfile(FIXTURES / "policy" / "latest-tag" / "Dockerfile", FIXTURES / "policy" / "no-dockerignore",
                             TRUSTED)
    assert [v.rule for v in found] == ["from-pinned", "dockerignore"]
    with pytest.raises(PolicyError) as info:
        enforce(found, "error", print, "orders-api")
    assert info.value.exit_code == EXIT_POLICY
    assert "2 policy violations" in info.value.message and "--policy warn" in info.value.hint
    assert info.value.render().startswith("Dockerfile:1: FROM 127.0.0.1:5000/base/busybox:latest")
    warnings: list[str] = []
    enforce(found, "warn", warnings.append, "orders-api")
    assert warnings[0].startswith("warning: Dockerfile:1: ")


def test_parser_joins_continuations_and_honours_the_escape_directive():
    text = "# escape=`\nFROM a:1 `\n  AS b\n\n# comment\nRUN echo `\n# inside\n  done\n"
    assert [(i.line, i.keyword, i.args) for i in parse_dockerfile(text)] == [
        (2, "FROM", "a:1 AS b"), (6, "RUN", "echo done")]


def test_built_image_secrets_are_found_and_masked():
    dockerfile = "FROM x:1\nARG V\nENV API_KEY=abc123def\nLABEL maintainer=a@b.c\n"
    config = {"Env": ["PATH=/bin", "API_KEY=abc123def", "MODE=prod"],
              "Labels": {"maintainer": "a@b.c", "deploy.token": "t0ken-value"}}
    history = [{"CreatedBy": "|1 V=AKIAABCDEFGHIJKLMNOP /bin/sh -c echo"}, {"CreatedBy": "/bin/sh -c #(nop) CMD"}]
    found = check_image(config, history, dockerfile)
    rendered = [v.render() for v in found]
    assert rendered[0] == ("Dockerfile:3: the built image sets ENV API_KEY=****: a secret baked into the image; "
                           "inject it at runtime (deploy.secrets) [image-secret-env]")
    assert [v.rule for v in found] == ["image-secret-env", "image-secret-label", "image-secret-history"]
    assert "AKIA" not in rendered[2]
    assert check_image({"Env": ["PATH=/bin", "LOG_LEVEL=info"], "Labels": {}}, [], dockerfile) == []
