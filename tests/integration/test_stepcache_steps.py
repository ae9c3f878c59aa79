"""Steps of one build on one checkout: the first validates and caches, the next reads the cache,
and an edit of the descriptor between two steps is seen by the second."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from jenkinsctl import stepcache
from jenkinsctl.errors import EXIT_INVALID

ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
       "GIT_COMMITTER_EMAIL": "t@example.com"}


def _checkout(root: Path) -> Path:
    root.mkdir()
    for args in (["init", "-q", "-b", "main"], ["commit", "-q", "--allow-empty", "-m", "feat: first"]):
        subprocess.run(["git", *args], cwd=root, env={**ENV, "PATH": "/usr/bin:/bin"}, check=True)
    return root


def test_an_edit_between_two_steps_is_seen_by_the_second(cli, project, tmp_path):
    src = _checkout(tmp_path / "orders-api")
    env = {"JENKINSCTL_CONFIG": str(project / "jenkinsctl.yaml"), "BRANCH_NAME": "main"}
    args = ("step", "version", "--service", "orders-api", "--workdir", str(src), "--json")
    first = cli(*args, cwd=src, env=env)
    assert first.code == 0, first.err
    assert json.loads(first.out)["GIT_TAG"] == "v0.1.0"
    cache = project / stepcache.CACHE_FILE
    written = cache.read_bytes()
    again = cli(*args, cwd=src, env=env)
    assert json.loads(again.out)["GIT_TAG"] == "v0.1.0" and cache.read_bytes() == written  # read, not rewritten
    descriptor = project / "services" / "orders-api.yaml"
    descriptor.write_text(descriptor.read_text() + "versioning:\n  tagPrefix: orders-\n")
    edited = cli(*args, cwd=src, env=env)
    assert edited.code == 0, edited.err
    assert json.loads(edited.out)["GIT_TAG"] == "orders-0.1.0"
    descriptor.write_text(descriptor.read_text().replace("  port: 8080", "  prot: 8080"))
    results = (src / ".jenkinsctl" / "version.json").read_bytes()
    refused = cli(*args, cwd=src, env=env)
    assert refused.code == EXIT_INVALID and "orders-api.yaml:18:3: deploy.prot: unknown key 'prot'" in refused.err
    assert (src / ".jenkinsctl" / "version.json").read_bytes() == results  # nothing written on failure
