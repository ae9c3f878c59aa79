"""Golden corpus: every invalid descriptor and config, with the exact text a user sees.

Regenerate the expected files after an intended message change with
`JENKINSCTL_REGEN_FIXTURES=1 scripts/test tests/unit/test_validation_corpus.py` and review the diff."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from support import FIXTURES, REPO

INVALID = FIXTURES / "invalid"
REGEN = os.environ.get("JENKINSCTL_REGEN_FIXTURES") == "1"
DESCRIPTORS = sorted(INVALID.glob("descriptors/*.yaml"))
CONFIGS = sorted(INVALID.glob("config/*.yaml"))
MULTI = sorted(p for p in INVALID.glob("multi/*") if p.is_dir())


def _compare(actual: str, expected_file: Path) -> None:
    if REGEN:
        expected_file.write_text(actual)
    assert expected_file.exists(), f"missing {expected_file}; run with JENKINSCTL_REGEN_FIXTURES=1"
    assert actual == expected_file.read_text()


def _repo(tmp_path: Path, config: Path = REPO / "jenkinsctl.yaml") -> Path:
    root = tmp_path / "repo"
    (root / "services").mkdir(parents=True)
    shutil.copy(config, root / "jenkinsctl.yaml")
    return root


def test_corpus_is_large_enough():
    assert len(DESCRIPTORS) + len(CONFIGS) + len(MULTI) >= 40


@pytest.mark.parametrize("case", DESCRIPTORS, ids=lambda p: p.stem)
def test_invalid_descriptor(case, tmp_path, cli):
    root = _repo(tmp_path)
    shutil.copy(case, root / "services" / case.name)
    result = cli("service", "validate", cwd=root)
    assert result.code == 2
    assert result.out == ""
    _compare(result.err, case.with_suffix(".error"))


@pytest.mark.parametrize("case", CONFIGS, ids=lambda p: p.stem)
def test_invalid_config(case, tmp_path, cli):
    root = _repo(tmp_path, case)
    result = cli("service", "validate", cwd=root)
    assert result.code == 2
    _compare(result.err.replace(str(root), "<repo>"), case.with_suffix(".error"))


@pytest.mark.parametrize("case", MULTI, ids=lambda p: p.name)
def test_invalid_across_files(case, tmp_path, cli):
    root = _repo(tmp_path)
    shutil.copytree(case / "services", root / "services", dirs_exist_ok=True)
    result = cli("service", "validate", cwd=root)
    assert result.code == 2
    _compare(result.err, case / "expected.error")


def test_huge_file_is_refused(tmp_path, cli):
    root = _repo(tmp_path)
    (root / "services" / "huge.yaml").write_text("description: " + "x" * 1_100_000 + "\n")
    result = cli("service", "validate", cwd=root)
    assert result.code == 2
    assert result.err.startswith("services/huge.yaml: file is 1100014 bytes; the limit is 1048576\n")


def test_environment_override_is_blamed(tmp_path, cli):
    root = _repo(tmp_path)
    result = cli("service", "validate", cwd=root, env={"AWS_REGION": "mars"})
    assert result.code == 2
    assert result.err.splitlines()[:2] == [
        "$AWS_REGION: aws.region: 'mars' is not an AWS region",
        "  hint: environment variable AWS_REGION overrides aws.region",
    ]


def test_only_named_files_are_reported(tmp_path, cli):
    root = _repo(tmp_path)
    shutil.copy(REPO / "services" / "orders-api.yaml", root / "services")
    shutil.copy(INVALID / "descriptors" / "unknown-key.yaml", root / "services")
    assert cli("service", "validate", "services/orders-api.yaml", cwd=root).code == 0
    assert cli("service", "validate", cwd=root).code == 2
