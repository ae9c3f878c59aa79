"""seed/bootstrap.groovy EXECUTED under real Groovy with a Job DSL stand-in that resolves names as
Job DSL does (context closures delegate-first): the seed jobs it declares for a JENKINSCTL_SEEDS."""

from __future__ import annotations

import pytest

from groovy_standin import arg, calls, needs_groovy, run_job_dsl
from support import REPO

pytestmark = [pytest.mark.integration, needs_groovy]

SEEDS = ("platform=https://git.example.com/platform/jenkins-services.git\n"
         "  data=https://git.example.com/data/jenkins-services.git#release")


def _seed_jobs(binding: dict[str, str]) -> dict[str, list[dict]]:
    items = run_job_dsl(REPO / "seed" / "bootstrap.groovy", binding)
    assert all(i["method"] == "pipelineJob" for i in items), items
    return {i["args"][0]: i["body"] for i in items}


def test_bootstrap_declares_one_seed_job_per_entry():
    jobs = _seed_jobs({"JENKINSCTL_SEEDS": SEEDS, "SEED_CREDENTIALS": "seed-token", "SEED_AGENT_LABEL": "small"})
    assert sorted(jobs) == ["jenkinsctl-seed-data", "jenkinsctl-seed-platform"]
    for name, repo, branch in (("platform", "https://git.example.com/platform/jenkins-services.git", "main"),
                               ("data", "https://git.example.com/data/jenkins-services.git", "release")):
        job = jobs[f"jenkinsctl-seed-{name}"]
        cps_scm = ("definition", "cpsScm")
        git = (*cps_scm, "scm", "git")
        assert arg(job, *git, "remote", "url") == repo
        assert arg(job, *git, "remote", "credentials") == "seed-token"
        assert arg(job, *git, "branch") == branch
        assert arg(job, *cps_scm, "scriptPath") == "seed/Jenkinsfile"
        assert arg(job, *cps_scm, "lightweight") is True
        regions = arg(job, *git, "extensions", "pathRestriction", "includedRegions").split("\n")
        assert regions[:3] == ["services/.*", "jobs/.*", "jenkinsctl\\.yaml"]
        triggers = ("properties", "pipelineTriggers", "triggers")
        assert arg(job, *triggers, "pollSCM", "scmpoll_spec") == "H/5 * * * *"
        assert arg(job, *triggers, "cron", "spec") == "H H/4 * * *"
        assert calls(job, "properties", "disableConcurrentBuilds")
        params = {c["args"][0]: c["args"][1] for c in calls(job, "parameters", "choiceParam")}
        assert params == {"NAMESPACE": [name], "CREDENTIALS_ID": ["seed-token"], "AGENT_LABEL": ["small"]}


def test_bootstrap_defaults_without_settings():
    jobs = _seed_jobs({})
    assert list(jobs) == ["jenkinsctl-seed-platform"]
    job = jobs["jenkinsctl-seed-platform"]
    assert arg(job, "definition", "cpsScm", "scm", "git", "remote", "credentials") == "jenkinsctl-seed"
    assert arg(job, "definition", "cpsScm", "scm", "git", "branch") == "main"


def test_the_stand_in_fails_like_job_dsl_on_an_unknown_method():
    from groovy_standin import GroovyFailed

    with pytest.raises(GroovyFailed, match="MissingMethodException.*branchName"):
        run_job_dsl("pipelineJob('x') { definition { cpsScm { scm { git { branchName('main') } } } } }")
