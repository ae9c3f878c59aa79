"""seed/plugins.txt provides every step, Job DSL method and JCasC root our artefacts use.

Pipeline steps are found in the Groovy we ship and generate (calls at the start of an expression, not
`.method(`); Job DSL methods are the ones the bootstrap and the generated Job DSL really call when
EXECUTED (tests/groovy/JobDslStandIn.groovy). A name missing from the tables below fails the test:
add it with the plugin that provides it (and the plugin to seed/plugins.txt)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
import yaml

from groovy_standin import needs_groovy, run_job_dsl, walk
from support import REPO

from jenkinsctl.jobgen import render_workspace, rendered_files
from jenkinsctl.workspace import Workspace

pytestmark = pytest.mark.integration

# Pipeline step / declarative directive / global variable -> plugin (checked against each plugin's source).
PIPELINE = {
    "pipeline": "pipeline-model-definition", "agent": "pipeline-model-definition",
    "label": "pipeline-model-definition", "options": "pipeline-model-definition",
    "stages": "pipeline-model-definition", "stage": "pipeline-model-definition",
    "steps": "pipeline-model-definition", "when": "pipeline-model-definition",
    "expression": "pipeline-model-definition", "beforeInput": "pipeline-model-definition",
    "environment": "pipeline-model-definition", "script": "pipeline-model-definition",
    "input": "pipeline-input-step", "message": "pipeline-input-step", "ok": "pipeline-input-step",
    "submitterParameter": "pipeline-input-step",
    "disableConcurrentBuilds": "workflow-job", "skipDefaultCheckout": "pipeline-model-definition",
    "timeout": "workflow-basic-steps", "withEnv": "workflow-basic-steps", "echo": "workflow-basic-steps",
    "error": "workflow-basic-steps",
    "sh": "workflow-durable-task-step",
    "checkout": "workflow-scm-step",
    "readProperties": "pipeline-utility-steps", "readYaml": "pipeline-utility-steps",
    "withCredentials": "credentials-binding", "usernamePassword": "credentials-binding",
    "params": "workflow-cps", "env": "workflow-cps", "currentBuild": "workflow-cps", "scm": "workflow-cps",
    "call": "pipeline-groovy-lib",  # vars/*.groovy: def call(Map args)
}
# Groovy itself, not a step.
GROOVY = {"def", "if", "for", "in", "return", "true", "false", "null", "new", "String", "Map", "void", "List",
          "args"}  # args: the Map parameter of vars/*.groovy's call()

# Job DSL method (static: job-dsl; dynamic DSL: the plugin whose describable it builds) -> plugin.
JOB_DSL = {name: "job-dsl" for name in (
    "pipelineJob", "folder", "description", "displayName", "disabled", "logRotator", "numToKeep", "daysToKeep",
    "artifactNumToKeep", "artifactDaysToKeep", "parameters", "choiceParam", "stringParam", "booleanParam",
    "properties", "definition", "cps", "cpsScm", "scm", "scriptPath", "lightweight", "script", "sandbox",
    "git", "remote", "url", "credentials", "branch", "extensions", "triggers")}
JOB_DSL.update({
    "disableConcurrentBuilds": "workflow-job", "pipelineTriggers": "workflow-job",
    "pollSCM": "job-dsl", "scmpoll_spec": "job-dsl", "cron": "job-dsl", "spec": "job-dsl",  # core triggers
    "pathRestriction": "git", "includedRegions": "git", "excludedRegions": "git",  # no @Symbol: class name
})
JOB_DSL.update({name: "job-dsl" for name in (  # multibranchPipelineJob's static contexts
    "multibranchPipelineJob", "branchSources", "id", "credentialsId", "orphanedItemStrategy", "discardOldItems",
    "factory", "workflowBranchProjectFactory")})
JOB_DSL.update({"periodicFolderTrigger": "cloudbees-folder", "interval": "cloudbees-folder"})
JOB_DSL.update({name: "multibranch-action-triggers" for name in (
    "pipelineTriggerProperty", "createActionJobsToTrigger", "deleteActionJobsToTrigger",
    "actionJobsToTriggerOnRunDelete", "branchIncludeFilter", "branchExcludeFilter", "additionalParameters")})
# what the created items themselves need
JOB_DSL_NEEDS = {"cps": "workflow-cps", "cpsScm": "workflow-cps", "pipelineJob": "workflow-job",
                 "folder": "cloudbees-folder", "git": "git", "multibranchPipelineJob": "workflow-multibranch"}

# JCasC root (path) -> plugin.
CASC = {"jenkins.globalNodeProperties": "configuration-as-code", "credentials": "credentials",
        "jobs": "job-dsl", "unclassified.globalLibraries": "pipeline-groovy-lib",
        "jenkins.clouds.ecs": "amazon-ecs"}

CALL = re.compile(r"(?<![\w.$'\"])([A-Za-z_]\w*)\s*(?=[({]|\s'|\s\")"  # step(...), step {, step 'x'
                  r"|(?:^|\{)\s*([A-Za-z_]\w*)[ \t]+(?=[\w'\"])"  # command expressions: beforeInput true, { label x }
                  r"|(?<![\w.$])([A-Za-z_]\w*)(?=\.\w)"  # a global variable's property: params.X, env.X
                  r"|(?<![\w.$])(params|env|currentBuild|scm)\b", re.M)  # or the global itself: checkout scm


def _plugins() -> dict[str, str]:
    out = {}
    for n, line in enumerate((REPO / "seed" / "plugins.txt").read_text().splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            m = re.fullmatch(r"([a-z0-9-]+):([\w.-]+)", line.strip())
            assert m, f"seed/plugins.txt:{n}: not artifactId:version: {line!r}"
            out[m.group(1)] = m.group(2)
    return out


def _strip(groovy: str) -> str:
    """Comments and string contents out (a shell script's words are not steps)."""
    groovy = re.sub(r"'''.*?'''|\"\"\".*?\"\"\"", "''", groovy, flags=re.S)
    groovy = re.sub(r"//[^\n]*", "", groovy)
    return re.sub(r"'(?:\\.|[^'\\\n])*'|\"(?:\\.|[^\"\\\n])*\"", "''", groovy)


def _pipeline_sources() -> dict[str, str]:
    files = [REPO / "Jenkinsfile", REPO / "seed" / "Jenkinsfile", *sorted((REPO / "vars").glob("*.groovy")),
             *sorted((REPO / "jobs" / "pipelines").glob("*.groovy"))]
    out = {str(p.relative_to(REPO)): p.read_text() for p in files}
    ws = Workspace.load(REPO / "jenkinsctl.yaml", environ={})
    for job in render_workspace(ws, (), environ={}).jobs:
        script = ET.fromstring(job.xml.encode()).findtext("definition/script")
        if script:
            out[job.name] = script
    return out


def test_plugins_txt_is_in_the_plugin_managers_format():
    plugins = _plugins()
    assert {"workflow-job", "workflow-cps", "pipeline-model-definition", "pipeline-input-step",
            "pipeline-utility-steps", "credentials-binding", "git", "cloudbees-folder", "job-dsl",
            "configuration-as-code", "amazon-ecs", "pipeline-groovy-lib"} <= set(plugins)


def test_every_pipeline_step_comes_from_a_listed_plugin():
    plugins = _plugins()
    used: dict[str, set[str]] = {}
    for where, text in _pipeline_sources().items():
        local = set(re.findall(r"\bdef\s+([A-Za-z_]\w*)\s*=", text))  # `def pin = ...; pin.x`: no global
        for groups in CALL.findall(_strip(text)):
            name = next(n for n in groups if n)
            if name not in GROOVY and not (groups[2] and name in local):
                used.setdefault(name, set()).add(where)
    unknown = {n: sorted(w)[:2] for n, w in used.items() if n not in PIPELINE}
    assert not unknown, f"steps with no plugin in the table: {unknown}"
    assert set(PIPELINE) <= set(used), sorted(set(PIPELINE) - set(used))  # the table holds no dead entries
    missing = {n: PIPELINE[n] for n in used if PIPELINE[n] not in plugins}
    assert not missing, f"steps whose plugin is not in seed/plugins.txt: {missing}"


@needs_groovy
def test_every_job_dsl_method_called_comes_from_a_listed_plugin():
    plugins = _plugins()
    ws = Workspace.load(REPO / "jenkinsctl.yaml", environ={})
    scripts = [(REPO / "seed" / "bootstrap.groovy").read_text(),
               *rendered_files(ws, render_workspace(ws, (), environ={}), "job-dsl").values()]
    methods = set()
    for script in scripts:
        methods |= {c["method"] for c in walk(run_job_dsl(script))}
    unknown = methods - set(JOB_DSL)
    assert not unknown, f"Job DSL methods with no plugin in the table: {sorted(unknown)}"
    needed = {JOB_DSL[m] for m in methods} | {JOB_DSL_NEEDS[m] for m in methods if m in JOB_DSL_NEEDS}
    assert needed - set(plugins) == set(), sorted(needed - set(plugins))
    assert {"pipelineJob", "folder", "cpsScm", "pathRestriction", "pollSCM"} <= methods


def test_every_jcasc_root_comes_from_a_listed_plugin():
    from fixtures.agents.agents_support import HERE

    plugins = _plugins()
    docs = [yaml.safe_load((REPO / "seed" / "jcasc.yaml").read_text()), yaml.safe_load((HERE / "casc.yaml").read_text())]
    roots = set()
    for doc in docs:
        for top, body in doc.items():
            if top in ("jenkins", "unclassified"):
                for key, value in body.items():
                    if key == "clouds":
                        roots |= {f"jenkins.clouds.{k}" for cloud in value for k in cloud}
                    else:
                        roots.add(f"{top}.{key}")
            else:
                roots.add(top)
    assert roots - set(CASC) == set(), sorted(roots - set(CASC))
    assert {CASC[r] for r in roots} - set(plugins) == set()
    assert "unclassified.globalLibraries" in roots
    (lib,) = docs[0]["unclassified"]["globalLibraries"]["libraries"]
    assert lib["name"] == "jenkinsctl" and lib["retriever"]["modernSCM"]["scm"]["git"]["remote"]
