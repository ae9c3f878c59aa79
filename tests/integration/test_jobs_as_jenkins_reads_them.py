"""What Jenkins reads from the generated jobs, not only what the goldens recorded:
- promote's FROM/TO choices, from config.xml (ChoiceParameterDefinition.choices) and from the Job DSL
  EXECUTED under real Groovy (choiceParam(name, List<String>, description)), equal the descriptor's
  promotions;
- folders carry only fields cloudbees-folder's Folder/AbstractFolder (and AbstractItem) persist."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from groovy_standin import calls, needs_groovy, run_job_dsl
from support import REPO

from jenkinsctl.jobgen import render_workspace, rendered_files
from jenkinsctl.workspace import Workspace

pytestmark = pytest.mark.integration

FOLDER = "com.cloudbees.hudson.plugins.folder.Folder"
# Non-transient fields of AbstractItem (displayName, description), Actionable (actions) and
# AbstractFolder (properties, folderViews, healthMetrics, icon), cloudbees-folder-plugin master.
FOLDER_FIELDS = {"actions", "description", "displayName", "properties", "folderViews", "healthMetrics", "icon"}


@pytest.fixture(scope="module")
def examples():
    ws = Workspace.load(REPO / "jenkinsctl.yaml", environ={})
    return ws, render_workspace(ws, (), environ={})


def _promotions(resolved) -> tuple[list[str], list[str]]:
    envs = list(resolved.environments.values())
    pairs = [(e.promote_from, e.name) for e in envs if e.promote_from]
    return list(dict.fromkeys(a for a, _ in pairs)), [b for _, b in pairs]


def _xml_choices(xml: str) -> dict[str, list[str]]:
    root = ET.fromstring(xml.encode())
    return {p.findtext("name"): [s.text for s in p.find("choices").iter("string")]
            for p in root.iter("hudson.model.ChoiceParameterDefinition")}


def test_promote_choices_in_config_xml_are_the_descriptors_environments(examples):
    ws, jobset = examples
    checked = 0
    for svc in ws.select(()):
        froms, tos = _promotions(svc.resolved)
        if not tos:
            continue
        job = jobset.by_name()[f"{ws.config.jenkins.folder}/{svc.resolved.team}/{svc.resolved.name}/promote"]
        choices = _xml_choices(job.xml)
        assert choices["FROM"] == froms
        assert choices["TO"] == tos
        assert set(froms) | set(tos) <= set(svc.resolved.environments)
        checked += 1
    assert checked == 3
    orders = _xml_choices(jobset.by_name()["services/payments/orders-api/promote"].xml)
    assert (orders["FROM"], orders["TO"]) == (["dev", "staging"], ["staging", "prod"])


@needs_groovy
def test_promote_choices_in_the_executed_job_dsl(examples):
    ws, jobset = examples
    script = rendered_files(ws, jobset, "job-dsl")["orders-api.groovy"]
    items = {i["args"][0]: i for i in run_job_dsl(script)}
    promote = items["services/payments/orders-api/promote"]["body"]
    params = {c["args"][0]: c["args"][1] for c in calls(promote, "parameters", "choiceParam")}
    froms, tos = _promotions(ws.select(("orders-api",))[0].resolved)
    assert (params["FROM"], params["TO"]) == (froms, tos) == (["dev", "staging"], ["staging", "prod"])
    rollback = items["services/payments/orders-api/rollback"]["body"]
    (env,) = [c for c in calls(rollback, "parameters", "choiceParam") if c["args"][0] == "ENVIRONMENT"]
    assert env["args"][1] == ["dev", "staging", "prod"]


@needs_groovy
def test_the_ci_multibranch_job_in_the_executed_job_dsl(examples):
    ws, jobset = examples
    resolved = ws.select(("orders-api",))[0].resolved
    items = {i["args"][0]: i for i in run_job_dsl(rendered_files(ws, jobset, "job-dsl")["orders-api.groovy"])}
    ci = items["services/payments/orders-api/ci"]
    assert ci["method"] == "multibranchPipelineJob"
    (remote,) = calls(ci["body"], "branchSources", "git", "remote")
    assert remote["args"] == [resolved.repo]
    (script,) = calls(ci["body"], "factory", "workflowBranchProjectFactory", "scriptPath")
    assert script["args"] == [resolved.build.jenkinsfile]
    assert calls(ci["body"], "orphanedItemStrategy", "discardOldItems")
    (gc,) = calls(ci["body"], "properties", "pipelineTriggerProperty", "deleteActionJobsToTrigger")
    assert gc["args"] == ["services/payments/orders-api/env-gc"] and "services/payments/orders-api/env-gc" in items


def test_folders_carry_only_folder_fields(examples):
    _, jobset = examples
    folders = [j for j in jobset.jobs if j.is_folder]
    assert len(folders) == 7
    for job in folders:
        root = ET.fromstring(job.xml.encode())
        assert root.tag == FOLDER
        tags = {child.tag for child in root}
        assert tags <= FOLDER_FIELDS, (job.name, sorted(tags - FOLDER_FIELDS))
        assert "[jenkinsctl namespace=platform" in root.findtext("description")
