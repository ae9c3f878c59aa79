"""The ci job is a multibranch pipeline: what Jenkins' plugins read from its config.xml
(workflow-multibranch, branch-api, git's GitSCMSource, cloudbees-folder, multibranch-action-triggers),
and the same in the Job DSL output (job-dsl-plugin's multibranchPipelineJob)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from support import REPO

from jenkinsctl.jobgen import render_workspace, rendered_files
from jenkinsctl.workspace import Workspace

MB = "org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject"


def _jobs(project=None):
    ws = Workspace.load((project or REPO) / "jenkinsctl.yaml", environ={})
    return ws, render_workspace(ws, (), environ={})


def _ci(jobset, service):
    job = next(j for j in jobset.jobs if j.name.endswith(f"/{service}/ci"))
    return job, ET.fromstring(job.xml.encode())


def test_ci_is_a_multibranch_pipeline_on_the_descriptors_repository():
    ws, jobset = _jobs()
    for svc in ws.select(()):
        job, root = _ci(jobset, svc.resolved.name)
        assert root.tag == MB
        source = root.find("sources/data/jenkins.branch.BranchSource/source")
        assert source.get("class") == "jenkins.plugins.git.GitSCMSource"
        assert source.findtext("remote") == svc.resolved.repo
        assert source.find("traits/jenkins.plugins.git.traits.BranchDiscoveryTrait") is not None
        factory = root.find("factory")
        assert factory.get("class") == "org.jenkinsci.plugins.workflow.multibranch.WorkflowBranchProjectFactory"
        assert factory.findtext("scriptPath") == "Jenkinsfile"
        ois = root.find("orphanedItemStrategy")
        assert ois.get("class") == "com.cloudbees.hudson.plugins.folder.computed.DefaultOrphanedItemStrategy"
        assert ois.findtext("pruneDeadBranches") == "true"
        assert ois.findtext("daysToKeep") == str(ws.config.jenkins.days_to_keep)
        assert ois.findtext("numToKeep") == str(ws.config.jenkins.builds_to_keep)
        trigger = root.find("triggers/com.cloudbees.hudson.plugins.folder.computed.PeriodicFolderTrigger")
        assert trigger.findtext("interval") == "300000"


def test_only_services_with_previews_trigger_env_gc_on_branch_deletion():
    ws, jobset = _jobs()
    for svc in ws.select(()):
        _, root = _ci(jobset, svc.resolved.name)
        prop = root.find("properties/org.jenkinsci.plugins.workflow.multibranch.PipelineTriggerProperty")
        gc_job = f"services/{svc.resolved.team}/{svc.resolved.name}/env-gc"
        names = [j.name for j in jobset.jobs]
        if svc.resolved.previews:
            assert prop.findtext("deleteActionJobsToTrigger") == gc_job
            assert gc_job in names
        else:
            assert prop is None and gc_job not in names


def test_job_dsl_declares_the_same_multibranch_job():
    ws, jobset = _jobs()
    dsl = rendered_files(ws, jobset, "job-dsl")["orders-api.groovy"]
    block = dsl.split("multibranchPipelineJob('services/payments/orders-api/ci') {", 1)[1].split("\n}\n", 1)[0]
    assert "remote('https://git.example.com/payments/orders-api.git')" in block
    assert "scriptPath('Jenkinsfile')" in block
    assert "discardOldItems {" in block and "numToKeep(50)" in block and "daysToKeep(30)" in block
    assert "periodicFolderTrigger { interval('5m') }" in block
    assert "deleteActionJobsToTrigger('services/payments/orders-api/env-gc')" in block
