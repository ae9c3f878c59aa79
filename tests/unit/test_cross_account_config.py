"""`environments.<env>.roleArn`: an environment in another account lives where its role is.
(Invalid roleArn/externalId cases are in the golden corpus, tests/fixtures/invalid/config/.)"""

from __future__ import annotations

import shutil

from support import REPO

ROLE = "arn:aws:iam::222222222222:role/jenkinsctl-deploy"


def _repo(tmp_path, prod_lines: str):
    root = tmp_path / "repo"
    (root / "services").mkdir(parents=True)
    shutil.copy(REPO / "services" / "invoice-worker.yaml", root / "services")
    text = (REPO / "jenkinsctl.yaml").read_text()
    anchor = "    approval: true             # deploys to prod wait on a Jenkins input step\n"
    assert anchor in text
    (root / "jenkinsctl.yaml").write_text(text.replace(anchor, anchor + prod_lines))
    return root


def test_the_account_of_an_environment_with_a_role_is_the_roles(tmp_path, cli):
    root = _repo(tmp_path, f"    roleArn: {ROLE}\n")
    shown = cli("service", "show", "invoice-worker", "--explain", "--env", "prod", cwd=root)
    assert shown.code == 0, shown.err
    lines = {line.split(":", 1)[0]: line for line in shown.out.splitlines()}
    assert lines["accountId"].split() == ["accountId:", "'222222222222'", "#", "jenkinsctl.yaml:30:14"]
    assert lines["roleArn"].split() == ["roleArn:", ROLE, "#", "jenkinsctl.yaml:30:14"]
    dev = cli("service", "show", "invoice-worker", "--explain", "--env", "dev", cwd=root)
    assert "accountId: '123456789012'" in dev.out and "roleArn" not in dev.out


def test_a_role_in_the_environments_own_account_is_valid(tmp_path, cli):
    root = _repo(tmp_path, f"    accountId: '222222222222'\n    roleArn: {ROLE}\n    externalId: jenkinsctl-prod\n")
    assert cli("service", "validate", cwd=root).code == 0


def test_a_cross_account_environment_pulls_from_the_registrys_account(tmp_path):
    """prod in 222222222222 pulls from the shared registry of 123456789012: the execution role's
    pull permission names the repository there (it named 222222222222's, where nothing exists)."""
    from jenkinsctl.deploy.resources import resources_for
    from jenkinsctl.workspace import Workspace

    root = _repo(tmp_path, f"    roleArn: {ROLE}\n")
    resolved = Workspace.load(root / "jenkinsctl.yaml", {}, root).service("invoice-worker").resolved
    prod, dev = (resources_for(resolved, resolved.environment(e)) for e in ("prod", "dev"))
    pull = next(s for s in prod.execution_policy({})["Statement"] if s["Sid"] == "PullImage")
    assert pull["Resource"] == ["arn:aws:ecr:us-east-1:123456789012:repository/billing/invoice-worker"]
    assert prod.account_id == "222222222222" and prod.pulls_across_accounts
    assert dev.repository_arn == pull["Resource"][0] and not dev.pulls_across_accounts
