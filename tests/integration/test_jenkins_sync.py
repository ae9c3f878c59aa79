"""Sync against Jenkins: the in-repo fake, and a real Jenkins too when JENKINS_URL (with
JENKINS_USER and JENKINS_API_TOKEN) is set when pytest starts (each test then works in its own
throw-away folder and deletes it afterwards)."""

from __future__ import annotations

import datetime as dt
import shutil
import uuid

import pytest

from support import REAL_JENKINS
from support import DEPLOY_KEY, FOLDER_CREDENTIALS, REPO

from jenkinsctl.devkit.jenkins_fake import FakeJenkins
from jenkinsctl.errors import JenkinsError
from jenkinsctl.jenkins.client import JenkinsClient
from jenkinsctl.jobgen import render_workspace
from jenkinsctl.jobsync.apply import sync
from jenkinsctl.jobsync.remote import read_remote
from jenkinsctl.workspace import Workspace

TARGETS = ["fake"] + (["real"] if REAL_JENKINS.get("JENKINS_URL") else [])
TODAY = dt.date(2026, 11, 22)
UNMANAGED = """<?xml version='1.1' encoding='UTF-8'?>
<flow-definition plugin="workflow-job"><description>made by hand</description>
<definition class="org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition" plugin="workflow-cps">
<script>echo 'mine'</script><sandbox>true</sandbox></definition></flow-definition>"""


class Target:
    """A Jenkins to sync into, a root folder of its own, and how to render jobs for it."""

    def __init__(self, kind: str, project, tmp_path):
        self.kind = kind
        self.project = project
        self.fake = None
        if kind == "fake":
            self.fake = FakeJenkins(users={"seed": "token"}).start()
            url, user, token = self.fake.url, "seed", "token"
            self.root = "services"
        else:
            url, user, token = REAL_JENKINS["JENKINS_URL"], REAL_JENKINS["JENKINS_USER"], REAL_JENKINS["JENKINS_API_TOKEN"]
            self.root = f"jenkinsctl-test-{uuid.uuid4().hex[:8]}"
        self.client = JenkinsClient(url, user, token, backoff_min=0.01, backoff_max=0.05)

    def jobs(self, namespace: str | None = None, without: tuple[str, ...] = ()):
        env = {"JENKINSCTL_JENKINS_FOLDER": self.root}
        if namespace:
            env["JENKINSCTL_NAMESPACE"] = namespace
        for name in without:
            (self.project / "services" / f"{name}.yaml").unlink(missing_ok=True)
        ws = Workspace.load(self.project / "jenkinsctl.yaml", environ=env)
        return render_workspace(ws, (), environ={})

    def restore(self, name: str) -> None:
        shutil.copy(REPO / "services" / f"{name}.yaml", self.project / "services" / f"{name}.yaml")

    def close(self) -> None:
        if self.fake is not None:
            self.fake.stop()
        else:
            from jenkinsctl.jenkins.client import JenkinsNotFound

            try:
                self.client.delete(self.root)
            except JenkinsNotFound:
                pass


@pytest.fixture(params=TARGETS)
def target(request, project, tmp_path):
    t = Target(request.param, project, tmp_path)
    yield t
    t.close()


def writes(client: JenkinsClient, fn):
    before = client.calls.snapshot()
    result = fn()
    return result, client.calls.since(before)


def test_first_sync_creates_everything_and_second_changes_nothing(target):
    desired = target.jobs()
    result = sync(target.client, desired, today=TODAY)
    assert result.report.ok and len(result.report.applied) == len(desired.jobs)
    remote = read_remote(target.client, target.root)
    for job in desired.jobs:
        assert remote[job.name].mark.config == job.config
    again, calls = writes(target.client, lambda: sync(target.client, target.jobs(), today=TODAY))
    assert again.plan.writes == [] and calls.writes == 0
    assert calls.reads <= 2  # one listing of the folder tree (no cache, no per-job reads)


def test_a_changed_descriptor_updates_only_its_own_jobs(target):
    sync(target.client, target.jobs(), today=TODAY)
    path = target.project / "services" / "orders-api.yaml"
    path.write_text(path.read_text().replace("description: Orders REST API", "description: Orders API v2"))
    result, calls = writes(target.client, lambda: sync(target.client, target.jobs(), today=TODAY))
    assert {a.service for a in result.plan.writes} == {"orders-api"}
    assert {a.op for a in result.plan.writes} == {"update"} and result.report.ok
    assert calls.writes == len(result.plan.writes) == 1  # only the CI job's description names it
    assert "Orders API v2" in target.client.get_config(f"{target.root}/payments/orders-api/ci")


def test_prune_disables_first_and_deletes_after_the_grace_period(target):
    sync(target.client, target.jobs(), today=TODAY)
    team, gone = f"{target.root}/billing", f"{target.root}/billing/invoice-worker"
    desired = target.jobs(without=("invoice-worker",))
    report_only = sync(target.client, desired, today=TODAY)
    assert {a.op for a in report_only.plan.actions} == {"stale"} and report_only.report.applied == []
    first = sync(target.client, desired, prune="disable", grace_days=7, today=TODAY)
    disabled = [a.name for a in first.plan.of("disable")]
    assert sorted(disabled) == sorted(f"{gone}/{j}" for j in ("ci", "deploy-dev", "deploy-prod", "promote", "rollback"))
    assert [(a.op, a.name) for a in first.plan.of("wait")] == [("wait", gone), ("wait", team)]  # folders stay
    remote = read_remote(target.client, target.root)
    assert all(remote[n].disabled and remote[n].mark.pruned == "2026-11-22" for n in disabled)
    assert remote[gone].is_folder and remote[team].is_folder
    waiting = sync(target.client, desired, prune="disable", grace_days=7, today=TODAY + dt.timedelta(days=3))
    assert waiting.plan.writes == [] and len(waiting.plan.of("wait")) == 7
    later = sync(target.client, desired, prune="disable", grace_days=7, today=TODAY + dt.timedelta(days=7))
    deleted = [a.name for a in later.plan.of("delete")]
    assert sorted(deleted[:5]) == sorted(disabled) and deleted[5:] == [gone, team] and later.report.ok
    remote = read_remote(target.client, target.root)
    assert not any(n == team or n.startswith(team + "/") for n in remote)
    assert f"{target.root}/payments/orders-api/ci" in remote
    again, calls = writes(target.client, lambda: sync(target.client, desired, prune="disable", today=TODAY))
    assert again.plan.actions == [] and calls.writes == 0


def test_a_pruned_service_that_comes_back_is_restored(target):
    sync(target.client, target.jobs(), today=TODAY)
    sync(target.client, target.jobs(without=("search-api",)), prune="disable", today=TODAY)
    target.restore("search-api")
    back = sync(target.client, target.jobs(), prune="disable", today=TODAY)
    assert {(a.op, a.enable) for a in back.plan.writes} == {("update", True)} and back.report.ok
    remote = read_remote(target.client, target.root)
    restored = [a.name for a in back.plan.writes]
    assert all(not remote[n].disabled and remote[n].mark.pruned is None for n in restored)


def test_unmanaged_and_other_namespace_jobs_are_never_modified(target):
    sync(target.client, target.jobs(), today=TODAY)
    hand_made = f"{target.root}/payments/orders-api/nightly"
    target.client.create_item(hand_made, UNMANAGED)
    taken = f"{target.root}/payments/orders-api/rollback"
    target.client.delete(taken)
    target.client.create_item(taken, UNMANAGED)
    # a second seed, namespace "data", owns the same folder layout: it must not touch platform's jobs
    other = sync(target.client, target.jobs(namespace="data"), prune="delete", today=TODAY)
    assert other.plan.writes == [] and len(other.plan.of("conflict")) == 18
    ours = sync(target.client, target.jobs(without=("orders-api",)), prune="delete", today=TODAY)
    deleted = {a.name for a in ours.plan.of("delete")}
    assert hand_made not in deleted and taken not in deleted and len(deleted) == 6
    kept = [(a.op, a.name) for a in ours.plan.of("keep")]  # the folder still holds the hand-made jobs
    assert kept == [("keep", f"{target.root}/payments/orders-api"), ("keep", f"{target.root}/payments")]
    assert target.client.get_config(hand_made) == UNMANAGED or "made by hand" in target.client.get_config(hand_made)
    assert "made by hand" in target.client.get_config(taken)


def test_sync_converges_under_injected_faults_and_loses_nothing(project, tmp_path):
    t = Target("fake", project, tmp_path)
    try:
        t.client.attempts = 1  # no retries: faults break changes, and the next sync must finish them
        t.fake.set_faults(error_rate=0.1, drop_rate=0.05, crumb_expiry_rate=0.05, slow_rate=0.05,
                          slow_seconds=0.05, seed=11)
        desired = t.jobs()
        broken = 0
        for _ in range(15):
            try:
                result = sync(t.client, desired, today=TODAY)
            except JenkinsError:  # the listing itself failed: nothing was changed
                broken += 1
                continue
            broken += not result.report.ok
            if not result.plan.writes:
                break
        assert broken > 0, "the faults should have broken at least one sync"
        assert result.plan.writes == []
        t.fake.clear_faults()
        remote = read_remote(t.client, t.root)
        assert {j.name: j.config for j in desired.jobs} == {j.name: remote[j.name].mark.config for j in desired.jobs}
        assert set(t.fake.jobs()) == {j.name for j in desired.jobs}
    finally:
        t.close()


@pytest.mark.parametrize("seed", [3, 17])
def test_sync_under_cut_connections_converges_in_three_runs_and_loses_nothing(project, tmp_path, seed):
    """20% of the answers cut mid-body (after a write was applied): reads are retried, writes are
    read back before they are sent again, so the third run at the latest finds nothing to do, every
    job exists once with the config wanted, and the retirement of a service deletes only its jobs."""
    t = Target("fake", project, tmp_path)
    try:
        t.fake.set_faults(cut_rate=0.2, seed=seed)
        desired = t.jobs()
        runs = []
        for _ in range(3):
            try:
                result = sync(t.client, desired, today=TODAY)
            except JenkinsError as exc:  # the listing itself failed five times: nothing was changed
                runs.append(exc.message)
                continue
            runs.append(result.plan.summary())
            if not result.plan.writes:
                break
        assert t.client.calls.retries > 0, "the cuts should have been retried"
        assert not result.plan.writes, runs
        t.fake.clear_faults()
        remote = read_remote(t.client, t.root)
        assert set(t.fake.jobs()) == {j.name for j in desired.jobs}
        assert {j.name: j.config for j in desired.jobs} == {j.name: remote[j.name].mark.config for j in desired.jobs}
        t.fake.set_faults(cut_rate=0.2, seed=seed + 1)
        fewer = t.jobs(without=("invoice-worker",))
        for _ in range(3):
            try:
                pruned = sync(t.client, fewer, prune="delete", today=TODAY)
            except JenkinsError:
                continue
            if not pruned.plan.writes:
                break
        assert not pruned.plan.writes
        t.fake.clear_faults()
        assert set(t.fake.jobs()) == {j.name for j in fewer.jobs}  # invoice-worker's gone, nothing else lost
    finally:
        t.close()


def test_a_failure_mid_sync_is_reported_and_the_next_sync_finishes(project, tmp_path):
    t = Target("fake", project, tmp_path)
    try:
        desired = t.jobs()
        t.fake.fail_path("/job/services/job/payments/createItem", times=t.client.attempts)  # orders-api's folder
        t.fake.fail_next("crumb")  # and an expired crumb on the first write: retried transparently
        first = sync(t.client, desired, today=TODAY)
        assert [a.name for a, _ in first.report.failed] == ["services/payments/orders-api"]
        assert "server error 5" in first.report.failed[0][1].message
        assert {a.name.rsplit("/", 1)[0] for a, _ in first.report.skipped} == {"services/payments/orders-api"}
        assert len(first.report.skipped) == 7 and len(first.report.applied) == len(desired.jobs) - 8
        assert any("not attempted: 7" in line for line in first.report.render())
        second = sync(t.client, desired, today=TODAY)
        assert sorted(a.name for a in second.plan.writes) == sorted(
            j.name for j in desired.jobs if j.name.startswith("services/payments/orders-api"))
        assert second.report.ok and sync(t.client, desired, today=TODAY).plan.writes == []
    finally:
        t.close()


def test_listing_follows_folders_deeper_than_one_request_reaches():
    with FakeJenkins() as fake:
        fake.create_folder("services/a/b/c/d/e")
        fake.create("services/a/b/c/d/e/deep", UNMANAGED)
        fake.create("services/top", UNMANAGED)
        client = JenkinsClient(fake.url)
        remote = read_remote(client, "services")
        assert {"services/a/b/c/d/e/deep", "services/top", "services/a/b/c/d/e"} <= set(remote)
        assert remote["services/a/b/c/d/e"].is_folder and not remote["services/a/b/c/d/e/deep"].is_folder
        assert client.calls.reads == 2  # the root's listing, then one for the folder it could not reach
        assert read_remote(client, "nowhere") is None


# -- folders: pruned with the same ownership rules as jobs ------------------------------------

UNMARKED_FOLDER = """<?xml version='1.1' encoding='UTF-8'?>
<com.cloudbees.hudson.plugins.folder.Folder plugin="cloudbees-folder"><description>made by hand</description>
<properties/></com.cloudbees.hudson.plugins.folder.Folder>"""


@pytest.mark.parametrize("owner", ["nobody", "data"])
def test_a_gone_services_folder_that_holds_a_job_not_ours_is_kept(target, owner):
    sync(target.client, target.jobs(), today=TODAY)
    team, gone = f"{target.root}/billing", f"{target.root}/billing/invoice-worker"
    mark = "" if owner == "nobody" else "\n\n[jenkinsctl namespace=data service=etl config=0123456789abcdef]"
    target.client.create_item(f"{gone}/etl", UNMANAGED.replace("made by hand", "made by hand" + mark))
    result = sync(target.client, target.jobs(without=("invoice-worker",)), prune="delete", today=TODAY)
    assert len(result.plan.of("delete")) == 5 and result.report.ok
    assert [(a.op, a.name) for a in result.plan.of("keep")] == [("keep", gone), ("keep", team)]
    assert "(etl)" in result.plan.of("keep")[0].reason
    remote = read_remote(target.client, target.root)
    assert {n for n in remote if n.startswith(team)} == {team, gone, f"{gone}/etl"}


def test_folders_without_our_mark_are_kept(target):
    """Folders someone else made (here before the first sync) are used, never adopted nor deleted."""
    for folder in (target.root, f"{target.root}/billing", f"{target.root}/billing/invoice-worker"):
        target.client.create_item(folder, UNMARKED_FOLDER)
    sync(target.client, target.jobs(), today=TODAY)
    result = sync(target.client, target.jobs(without=("invoice-worker",)), prune="delete", today=TODAY)
    assert [a.kind for a in result.plan.of("delete")] == ["ci", "deploy", "deploy", "promote", "rollback"]
    assert result.report.ok and result.plan.of("keep") == []
    remote = read_remote(target.client, target.root)
    assert remote[f"{target.root}/billing/invoice-worker"].is_folder and remote[f"{target.root}/billing"].is_folder
    assert f"{target.root}/billing/invoice-worker" in result.plan.unmanaged


def test_a_folder_that_gains_an_item_after_the_listing_is_not_deleted(target):
    from jenkinsctl.jobsync.apply import apply_plan
    from jenkinsctl.jobsync.plan import plan_sync

    sync(target.client, target.jobs(), today=TODAY)
    gone = f"{target.root}/billing/invoice-worker"
    plan = plan_sync(target.jobs(without=("invoice-worker",)), read_remote(target.client, target.root),
                     prune="delete", today=TODAY)
    target.client.create_item(f"{gone}/late", UNMANAGED)  # a human, between the listing and the deletes
    report = apply_plan(target.client, plan, TODAY)
    assert [(a.name, "not empty (holds late)" in e.message) for a, e in report.failed] == [(gone, True)]
    assert [a.name for a, _ in report.skipped] == [f"{target.root}/billing"]
    assert "made by hand" in target.client.get_config(f"{gone}/late")


def test_a_failed_job_deletion_keeps_its_folder_and_the_next_sync_finishes(project, tmp_path):
    t = Target("fake", project, tmp_path)
    try:
        sync(t.client, t.jobs(), today=TODAY)
        desired = t.jobs(without=("invoice-worker",))
        t.fake.fail_path("/job/invoice-worker/job/rollback/doDelete", times=t.client.attempts)
        first = sync(t.client, desired, prune="delete", today=TODAY)
        assert [a.name for a, _ in first.report.failed] == ["services/billing/invoice-worker/rollback"]
        assert [(a.name, why) for a, why in first.report.skipped] == [
            ("services/billing/invoice-worker",
             "it still holds services/billing/invoice-worker/rollback, which could not be deleted"),
            ("services/billing", "it still holds services/billing/invoice-worker, which could not be deleted")]
        assert {n for n in t.fake.jobs() if n.startswith("services/billing")} == {
            "services/billing", "services/billing/invoice-worker", "services/billing/invoice-worker/rollback"}
        second = sync(t.client, desired, prune="delete", today=TODAY)
        assert [a.name for a in second.plan.writes] == [
            "services/billing/invoice-worker/rollback", "services/billing/invoice-worker", "services/billing"]
        assert second.report.ok and not any(n.startswith("services/billing") for n in t.fake.jobs())
    finally:
        t.close()


def test_prune_converges_under_injected_faults(project, tmp_path):
    t = Target("fake", project, tmp_path)
    try:
        sync(t.client, t.jobs(), today=TODAY)
        t.client.attempts = 1
        t.fake.set_faults(error_rate=0.15, drop_rate=0.1, crumb_expiry_rate=0.05, seed=5)
        desired = t.jobs(without=("invoice-worker", "search-api"))
        broken = 0
        for _ in range(20):
            try:
                result = sync(t.client, desired, prune="delete", today=TODAY,
                              allow_mass_prune=True)  # 2 of 3 services retired on purpose
            except JenkinsError:
                broken += 1
                continue
            broken += not result.report.ok
            if not result.plan.actions:
                break
        assert broken > 0 and result.plan.actions == []
        t.fake.clear_faults()
        assert set(t.fake.jobs()) == {j.name for j in desired.jobs}  # nothing of ours left, nothing else lost
    finally:
        t.close()


def test_a_folder_holding_credentials_is_not_deleted(project, tmp_path):
    """Deleting a folder deletes the credentials stored in it: refused, with what to do."""
    t = Target("fake", project, tmp_path)
    try:
        sync(t.client, t.jobs(), today=TODAY)
        gone = "services/billing/invoice-worker"
        t.client.update_config(gone, t.client.get_config(gone).replace(
            "<properties />", FOLDER_CREDENTIALS.format(DEPLOY_KEY)))
        result = sync(t.client, t.jobs(without=("invoice-worker",)), prune="delete", today=TODAY)
        assert [(a.name, "credentials (deploy-key)" in e.message) for a, e in result.report.failed] == [(gone, True)]
        assert [a.name for a, _ in result.report.skipped] == ["services/billing"]
        assert set(t.fake.jobs()) >= {gone, "services/billing"}
        assert not any(n.startswith(gone + "/") for n in t.fake.jobs())
    finally:
        t.close()
