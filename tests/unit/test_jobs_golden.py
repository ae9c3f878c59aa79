"""Golden fixtures: descriptors -> config.xml and Job DSL per job, byte for byte.
Regenerate after an intended change: JENKINSCTL_UPDATE_GOLDEN=1 (see tests/fixtures/jobs/README.md)."""

from __future__ import annotations

import os
import shutil

import pytest

from support import FIXTURES, REPO

from jenkinsctl.jobgen import render_workspace, rendered_files
from jenkinsctl.workspace import Workspace

CASES = {"examples": REPO / "jenkinsctl.yaml", "single-env": FIXTURES / "jobs" / "single-env" / "jenkinsctl.yaml"}
UPDATE = os.environ.get("JENKINSCTL_UPDATE_GOLDEN") == "1"


def _render(case: str) -> dict[str, str]:
    ws = Workspace.load(CASES[case], environ={})
    jobset = render_workspace(ws, (), environ={})
    files = {f"xml/{p}": t for p, t in rendered_files(ws, jobset, "xml").items()}
    files.update({f"job-dsl/{p}": t for p, t in rendered_files(ws, jobset, "job-dsl").items()})
    return files


@pytest.mark.parametrize("case", sorted(CASES))
def test_rendered_jobs_match_golden_files(case):
    expected_dir = FIXTURES / "jobs" / case / "expected"
    files = _render(case)
    if UPDATE:
        shutil.rmtree(expected_dir, ignore_errors=True)
        for rel, text in files.items():
            (expected_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (expected_dir / rel).write_text(text)
    expected = {str(p.relative_to(expected_dir)): p.read_text() for p in expected_dir.rglob("*") if p.is_file()}
    assert sorted(files) == sorted(expected), "the set of generated jobs changed"
    for rel in sorted(files):
        assert files[rel] == expected[rel], f"{case}/expected/{rel} differs (regenerate with JENKINSCTL_UPDATE_GOLDEN=1)"


def test_examples_generate_the_documented_jobs():
    ws = Workspace.load(CASES["examples"], environ={})
    names = [j.name for j in render_workspace(ws, (), environ={}).jobs if not j.is_folder]
    assert names == [
        "services/billing/invoice-worker/ci",
        "services/billing/invoice-worker/deploy-dev",
        "services/billing/invoice-worker/deploy-prod",
        "services/billing/invoice-worker/promote",
        "services/billing/invoice-worker/rollback",
        "services/discovery/search-api/ci",
        "services/discovery/search-api/deploy-dev",
        "services/discovery/search-api/deploy-prod",
        "services/discovery/search-api/deploy-staging",
        "services/discovery/search-api/promote",
        "services/discovery/search-api/rollback",
        "services/payments/orders-api/ci",
        "services/payments/orders-api/deploy-dev",
        "services/payments/orders-api/deploy-prod",
        "services/payments/orders-api/deploy-staging",
        "services/payments/orders-api/env-gc",
        "services/payments/orders-api/promote",
        "services/payments/orders-api/rollback",
    ]


def test_single_environment_service_has_no_promote_job_and_its_deploy_waits_for_approval():
    files = _render("single-env")
    assert "xml/teams/ci/finance/ledger/promote/config.xml" not in files
    deploy = files["xml/teams/ci/finance/ledger/deploy-prod/config.xml"]
    assert "<string>required</string>" in deploy and "<numToKeep>10</numToKeep>" in deploy
    assert "[jenkinsctl namespace=data service=ledger config=" in deploy
    assert "<string>docker-large</string>" in deploy
