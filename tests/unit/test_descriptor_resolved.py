"""Golden fixtures: valid descriptors and their resolved form (`service show`)."""

from __future__ import annotations

import os
import shutil

import pytest

from support import FIXTURES, REPO

VALID = sorted((FIXTURES / "valid").glob("*.yaml"))
VALID = [p for p in VALID if not p.name.endswith(".resolved.yaml")]
REGEN = os.environ.get("JENKINSCTL_REGEN_FIXTURES") == "1"


@pytest.mark.parametrize("case", VALID, ids=lambda p: p.stem)
def test_resolved_form(case, tmp_path, cli):
    root = tmp_path / "repo"
    (root / "services").mkdir(parents=True)
    shutil.copy(REPO / "jenkinsctl.yaml", root)
    shutil.copy(case, root / "services" / case.name)
    assert cli("service", "validate", cwd=root).code == 0
    result = cli("service", "show", case.stem, cwd=root)
    assert result.code == 0, result.err
    expected = case.with_name(case.stem + ".resolved.yaml")
    if REGEN:
        expected.write_text(result.out)
    assert result.out == expected.read_text()


def test_examples_in_repo_are_the_fixtures():
    for example in (REPO / "services").glob("*.yaml"):
        assert example.read_text() == (FIXTURES / "valid" / example.name).read_text(), example.name
