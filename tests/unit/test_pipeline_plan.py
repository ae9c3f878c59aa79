"""The local pipeline's stages are the standard Jenkinsfile's, in its order."""

from __future__ import annotations

import re

import pytest

from jenkinsctl.errors import PolicyError, UsageError
from jenkinsctl.pipeline.run import check_approvals, plan
from jenkinsctl.workspace import Workspace
from support import REPO


@pytest.fixture
def ws(project):
    return Workspace.load(project / "jenkinsctl.yaml", {}, project)


def test_stages_follow_the_standard_jenkinsfile(ws):
    jenkinsfile = [s for s in re.findall(r"stage\('([^']+)'\)", (REPO / "Jenkinsfile").read_text()) if s != "Checkout"]
    ours = [s.name for s in plan(ws.service("orders-api").resolved, None)]
    assert [n.split()[0] for n in ours] == jenkinsfile
    assert ours[-1] == "Deploy dev"


def test_through_an_environment_promotes_into_each_one_from_its_source(ws):
    stages = plan(ws.service("invoice-worker").resolved, "prod")  # staging is switched off for it
    assert [s.name for s in stages] == ["Version", "Build", "Test", "Push", "Deploy dev", "Promote prod"]
    assert (stages[-1].source, stages[-1].render()) == ("dev", "jenkinsctl step promote --from dev --to prod --deploy")
    assert [s.name for s in plan(ws.service("orders-api").resolved, "push")][-1] == "Push"


def test_unknown_stage_and_unapproved_gates_are_refused_before_anything_runs(ws):
    svc = ws.service("orders-api").resolved
    with pytest.raises(UsageError, match="--through qa: no such stage") as err:
        plan(svc, "qa")
    assert "version, build, test, push, dev, staging, prod" in err.value.hint
    with pytest.raises(PolicyError, match="goes through prod, which requires approval"):
        check_approvals(svc, plan(svc, "prod"), None, {})
    check_approvals(svc, plan(svc, "prod"), "alice", {})
    check_approvals(svc, plan(svc, "staging"), None, {})
