"""The ci job as Jenkins holds it: a multibranch project whose branch jobs Jenkins creates (branch
indexing), never jenkinsctl. Sync creates and keeps it, never counts its branch jobs as unmanaged,
migrates a single-branch ci job (delete + create: Jenkins cannot change an item's class), and the
ci job's branch deletion starts env-gc."""

from __future__ import annotations

import subprocess

from jenkinsctl.devkit.jenkins_fake import FakeJenkins
from jenkinsctl.jenkins.client import JenkinsClient
from jenkinsctl.jobgen import render_workspace
from jenkinsctl.jobsync.apply import sync
from jenkinsctl.jobsync.remote import read_remote
from jenkinsctl.workspace import Workspace

CI = "services/payments/orders-api/ci"
OLD_CI = """<?xml version='1.1' encoding='UTF-8'?>
<flow-definition plugin="workflow-job"><description>CI\n\n{mark}</description>
<definition class="org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition"><script>echo 1</script>
<sandbox>true</sandbox></definition></flow-definition>"""


def _git_repo(tmp_path, branches):
    repo = tmp_path / "orders-api.git"
    subprocess.run(["git", "init", "--bare", "-q", str(repo)], check=True)
    work = tmp_path / "w"
    subprocess.run(["git", "clone", "-q", str(repo), str(work)], check=True, capture_output=True)
    subprocess.run(["git", "-C", str(work), "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-q",
                    "--allow-empty", "-m", "init"], check=True)
    for b in branches:
        subprocess.run(["git", "-C", str(work), "push", "-q", "origin", f"HEAD:refs/heads/{b}"], check=True,
                       capture_output=True)
    return repo, work


def _jobs(project):
    ws = Workspace.load(project / "jenkinsctl.yaml", environ={})
    return render_workspace(ws, (), environ={})


def test_branch_jobs_are_jenkins_and_branch_deletion_starts_env_gc(project, tmp_path):
    repo, work = _git_repo(tmp_path, ["main", "feature/login"])
    path = project / "services" / "orders-api.yaml"
    path.write_text(path.read_text().replace("https://git.example.com/payments/orders-api.git", str(repo)))
    with FakeJenkins() as fake:
        client = JenkinsClient(fake.url)
        first = sync(client, _jobs(project))
        assert first.report.ok and fake.state.get(CI).cls.endswith("WorkflowMultiBranchProject")
        created, deleted = fake.state.index_branches(CI)
        assert created == ["feature/login", "main"] and deleted == []
        assert f"{CI}/feature%2Flogin" in fake.jobs()
        remote = read_remote(client, "services")
        assert f"{CI}/feature%2Flogin" not in remote and not remote[CI].is_folder
        again = sync(client, _jobs(project))
        assert again.plan.writes == [] and again.plan.unmanaged == []
        subprocess.run(["git", "-C", str(work), "push", "-q", "origin", ":refs/heads/feature/login"], check=True,
                       capture_output=True)
        client.request("POST", "job/services/job/payments/job/orders-api/job/ci/build", what="scan", kind="build")
        assert f"{CI}/feature%2Flogin" not in fake.jobs()
        queued = [q for q in fake.state.queue.values() if q.job.endswith("/env-gc")]
        assert [q.parameters["SOURCE_PROJECT_NAME"] for q in queued] == ["feature%2Flogin"]


def test_a_single_branch_ci_job_of_ours_is_replaced_by_the_multibranch(project):
    jobs = _jobs(project)
    ci = jobs.by_name()[CI]
    with FakeJenkins() as fake:
        client = JenkinsClient(fake.url)
        sync(client, jobs)
        fake.state.delete(CI)
        mark = ci.xml.split("[jenkinsctl ", 1)[1].split("]", 1)[0]
        fake.create(CI, OLD_CI.format(mark=f"[jenkinsctl {mark.replace(ci.config, 'old')}]"))
        plan = sync(client, jobs, dry_run=True).plan
        replace = [a for a in plan.actions if a.op == "replace"]
        assert [a.name for a in replace] == [CI] and "Jenkins cannot change an item's type" in replace[0].reason
        done = sync(client, jobs)
        assert done.report.ok and fake.state.get(CI).cls.endswith("WorkflowMultiBranchProject")
        assert sync(client, jobs).plan.writes == []
