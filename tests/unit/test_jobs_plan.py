"""The pure parts of job sync: marks, planning against an in-memory picture of Jenkins, Job DSL."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from support import DEPLOY_KEY, FOLDER_CREDENTIALS, REPO

from jenkinsctl.errors import UsageError
from jenkinsctl.jobgen import render_workspace
from jenkinsctl.jobgen.jobdsl import gstr, job_dsl
from jenkinsctl.jobgen.marks import Mark, parse_mark, strip_mark, with_mark
from jenkinsctl.jobsync.normalize import normalize_xml
from jenkinsctl.jobsync.plan import RemoteItem, plan_sync
from jenkinsctl.workspace import Workspace

TODAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def jobset():
    return render_workspace(Workspace.load(REPO / "jenkinsctl.yaml", environ={}), (), environ={})


def remote_from(jobset, **overrides) -> dict[str, RemoteItem]:
    """What Jenkins would list after a complete sync of `jobset`."""
    items = {}
    for j in jobset.jobs:
        desc = ET.fromstring(j.xml.encode()).findtext("description")
        items[j.name] = RemoteItem(j.name, "folder" if j.is_folder else j.item_class, desc, False, j.is_folder)
    items.update(overrides)
    return items


def test_mark_round_trip_and_replacement():
    mark = Mark("platform", "orders-api", "0123456789abcdef")
    text = with_mark("CI of orders-api.", mark)
    assert text == "CI of orders-api.\n\n[jenkinsctl namespace=platform service=orders-api config=0123456789abcdef]"
    assert parse_mark(text) == mark
    pruned = with_mark(text, Mark("platform", "orders-api", "0123456789abcdef", "2026-11-01"))
    assert pruned.count("[jenkinsctl") == 1 and parse_mark(pruned).pruned == "2026-11-01"
    assert strip_mark(pruned) == "CI of orders-api."
    assert parse_mark("a job a human wrote") is None
    assert parse_mark("[jenkinsctl namespace=x]") is None


def test_first_sync_creates_folders_before_jobs(jobset):
    plan = plan_sync(jobset, None, today=TODAY)
    ops = [(a.op, a.name) for a in plan.actions]
    assert all(op == "create" for op, _ in ops) and len(ops) == len(jobset.jobs)
    names = [n for _, n in ops]
    for i, name in enumerate(names):  # every parent is created before its children
        parent = name.rsplit("/", 1)[0]
        assert "/" not in name or parent in names[:i]


def test_nothing_to_do_when_jenkins_holds_the_same_marks(jobset):
    plan = plan_sync(jobset, remote_from(jobset), today=TODAY)
    assert plan.writes == [] and len(plan.unchanged) == len(jobset.jobs)
    assert plan.summary() == f"{len(jobset.jobs)} unchanged"


def test_changed_hash_means_update_of_that_job_only(jobset):
    name = "services/payments/orders-api/deploy-prod"
    stale = RemoteItem(name, "org.jenkinsci.plugins.workflow.job.WorkflowJob", "x\n\n[jenkinsctl namespace=platform service=orders-api config=ffffffffffffffff]",
                       False, False)
    plan = plan_sync(jobset, remote_from(jobset, **{name: stale}), today=TODAY)
    assert [(a.op, a.name) for a in plan.writes] == [("update", name)]


def test_unmanaged_and_foreign_jobs_are_never_touched(jobset):
    ci = "services/payments/orders-api/ci"
    extra = {
        ci: RemoteItem(ci, "job", "hand-made", False, False),
        "services/payments/orders-api/nightly": RemoteItem("services/payments/orders-api/nightly", "job", None,
                                                            False, False),
        "services/payments/other": RemoteItem(
            "services/payments/other", "job", "[jenkinsctl namespace=data service=other config=1]", False, False),
    }
    plan = plan_sync(jobset, remote_from(jobset, **extra), prune="delete", today=TODAY)
    assert [(a.op, a.name) for a in plan.actions] == [("conflict", ci)]
    assert "not managed by jenkinsctl" in plan.actions[0].reason
    assert plan.unmanaged == ["services/payments/orders-api/nightly"] and plan.foreign == ["services/payments/other"]


def test_prune_disables_then_waits_then_deletes(jobset):
    gone = "services/payments/gone-api/ci"
    mark = "[jenkinsctl namespace=platform service=gone-api config=0123456789abcdef]"
    remote = remote_from(jobset, **{gone: RemoteItem(gone, "job", mark, False, False)})
    assert [a.op for a in plan_sync(jobset, remote, today=TODAY).actions] == ["stale"]
    assert [a.op for a in plan_sync(jobset, remote, prune="disable", today=TODAY).actions] == ["disable"]
    assert [a.op for a in plan_sync(jobset, remote, prune="delete", today=TODAY).actions] == ["delete"]
    pruned = mark.replace("]", " pruned=2026-11-20]")
    remote[gone] = RemoteItem(gone, "job", pruned, True, False)
    waiting = plan_sync(jobset, remote, prune="disable", grace_days=7, today=TODAY).actions
    assert [a.op for a in waiting] == ["wait"] and "2026-11-27" in waiting[0].reason
    due = plan_sync(jobset, remote, prune="disable", grace_days=7, today=dt.date(2026, 11, 27)).actions
    assert [a.op for a in due] == ["delete"]


def test_a_pruned_job_that_is_wanted_again_is_restored(jobset):
    name = "services/payments/orders-api/rollback"
    job = jobset.by_name()[name]
    desc = f"x\n\n[jenkinsctl namespace=platform service=orders-api config={job.config} pruned=2026-11-20]"
    plan = plan_sync(jobset, remote_from(jobset, **{name: RemoteItem(name, "org.jenkinsci.plugins.workflow.job.WorkflowJob", desc, True, False)}), today=TODAY)
    assert [(a.op, a.name, a.enable) for a in plan.writes] == [("update", name, True)]


def test_job_dsl_strings_are_literal_and_unknown_xml_is_refused():
    assert gstr("it's ${x} \\ ok") == "'it\\'s ${x} \\\\ ok'"
    assert gstr("a\n'''b") == "'''a\n\\'\\'\\'b'''"
    freestyle = "<project><description>x</description><builders><hudson.tasks.Shell/></builders></project>"
    with pytest.raises(UsageError, match="cannot express <project> items"):
        job_dsl("x", freestyle)
    pipeline = ("<flow-definition><description>d</description><authToken>s</authToken>"
                "<definition class='org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition'><script/></definition>"
                "</flow-definition>")
    with pytest.raises(UsageError, match="<authToken>"):
        job_dsl("x", pipeline)


def test_normalized_xml_ignores_formatting_only():
    a = "<?xml version='1.1' encoding='UTF-8'?>\n<a>\n  <b>1</b>\n</a>"
    b = '<?xml version="1.0" encoding="utf-8"?><a><b>1</b></a>'
    assert normalize_xml(a) == normalize_xml(b)


def test_a_broken_template_is_reported_with_its_location(tmp_path):
    import shutil

    templates = tmp_path / "jobs"
    shutil.copytree(REPO / "jobs", templates)
    shutil.copy(REPO / "Jenkinsfile", tmp_path / "Jenkinsfile")
    text = (templates / "templates.yaml").read_text().replace("'{job-root}/rollback'", "'{job-root}/{no-such-param}'")
    (templates / "templates.yaml").write_text(text)
    ws = Workspace.load(REPO / "jenkinsctl.yaml", environ={})
    with pytest.raises(UsageError) as err:
        render_workspace(ws, (), environ={}, templates=templates)
    assert "no-such-param" in err.value.message and "templates.yaml" in err.value.message


def test_rendering_in_worker_processes_gives_the_same_jobs(jobset):
    from jenkinsctl.jobgen.render import render, templates_dir

    ws = Workspace.load(REPO / "jenkinsctl.yaml", environ={})
    parallel = render([s.resolved for s in ws.services.values()], ws.config, templates_dir(ws.root, {}),
                      workers=2, parallel_from=1)
    assert parallel == jobset


def _gone_team(jobset, pruned: str | None = None, disabled: bool = False, **extra) -> dict[str, RemoteItem]:
    """A complete sync, plus the leftovers of service old-api (team legacy) whose descriptor is gone."""
    def mark(service: str) -> str:
        return f"[jenkinsctl namespace=platform service={service} config=0123456789abcdef" + \
            (f" pruned={pruned}]" if pruned else "]")

    items = {
        "services/legacy": RemoteItem("services/legacy", "folder", "Services of team legacy.\n\n" + mark("-"), False, True),
        "services/legacy/old-api": RemoteItem("services/legacy/old-api", "folder", mark("old-api"), False, True),
    }
    for job in ("ci", "rollback"):
        name = f"services/legacy/old-api/{job}"
        items[name] = RemoteItem(name, "job", mark("old-api"), disabled, False)
    items.update(extra)
    return remote_from(jobset, **items)


def test_prune_deletes_a_gone_services_folders_after_its_jobs_deepest_first(jobset):
    plan = plan_sync(jobset, _gone_team(jobset), prune="delete", today=TODAY)
    assert [(a.op, a.name) for a in plan.actions] == [
        ("delete", "services/legacy/old-api/ci"), ("delete", "services/legacy/old-api/rollback"),
        ("delete", "services/legacy/old-api"), ("delete", "services/legacy")]
    assert [a.service for a in plan.actions[2:]] == ["old-api", ""]
    assert plan.summary().startswith("4 to delete")
    stale = plan_sync(jobset, _gone_team(jobset), today=TODAY)
    assert {a.op for a in stale.actions} == {"stale"} and len(stale.actions) == 4
    assert "--prune deletes it once empty" in stale.actions[-1].reason


def test_folders_wait_while_their_jobs_wait_out_the_grace_period(jobset):
    first = plan_sync(jobset, _gone_team(jobset), prune="disable", today=TODAY)
    assert [(a.op, a.kind) for a in first.actions] == [("disable", "ci"), ("disable", "rollback"),
                                                      ("wait", "folder"), ("wait", "folder")]
    assert "2 awaiting deletion (2 of them folders)" in first.summary()
    remote = _gone_team(jobset, pruned="2026-11-20", disabled=True)
    waiting = plan_sync(jobset, remote, prune="disable", grace_days=7, today=TODAY)
    assert {a.op for a in waiting.actions} == {"wait"} and waiting.writes == []
    due = plan_sync(jobset, remote, prune="disable", grace_days=7, today=dt.date(2026, 11, 27))
    assert [a.op for a in due.actions] == ["delete"] * 4 and due.actions[-1].name == "services/legacy"


def test_a_folder_holding_what_we_do_not_prune_is_kept_and_so_are_its_parents(jobset):
    for name, desc in [("services/legacy/old-api/nightly", "made by hand"),
                       ("services/legacy/old-api/etl", "[jenkinsctl namespace=data service=etl config=1]")]:
        remote = _gone_team(jobset, **{name: RemoteItem(name, "job", desc, False, False)})
        plan = plan_sync(jobset, remote, prune="delete", today=TODAY)
        assert [(a.op, a.name) for a in plan.actions] == [
            ("delete", "services/legacy/old-api/ci"), ("delete", "services/legacy/old-api/rollback"),
            ("keep", "services/legacy/old-api"), ("keep", "services/legacy")]
        assert name.rsplit("/", 1)[-1] in plan.actions[2].reason and "old-api" in plan.actions[3].reason
        assert [a.name for a in plan.writes] == ["services/legacy/old-api/ci", "services/legacy/old-api/rollback"]


def test_folders_without_our_mark_and_the_root_folder_are_never_deleted(jobset):
    from jenkinsctl.jobgen.render import JobSet

    remote = _gone_team(jobset)
    remote["services/legacy/old-api"] = RemoteItem("services/legacy/old-api", "folder", "hand-made", False, True)
    plan = plan_sync(jobset, remote, prune="delete", today=TODAY)
    assert [(a.op, a.name) for a in plan.actions][2:] == [("keep", "services/legacy")]
    assert "services/legacy/old-api" in plan.unmanaged
    remote["services/legacy/old-api"] = RemoteItem("services/legacy/old-api", "folder",
                                                   "[jenkinsctl namespace=data service=old-api config=1]", False, True)
    assert plan_sync(jobset, remote, prune="delete", today=TODAY).actions[2].op == "keep"
    # nothing generated at all: everything of ours goes, except the root folder
    empty = JobSet("platform", "services", [])
    nothing = plan_sync(empty, remote_from(jobset), prune="delete", today=TODAY)
    deleted = [a.name for a in nothing.of("delete")]
    assert "services" not in deleted and deleted[-3:] == ["services/billing", "services/discovery", "services/payments"]
    assert len(deleted) == len(jobset.jobs) - 1



def test_credentials_an_admin_stored_in_a_folder_are_found(jobset):
    from jenkinsctl.jobsync.normalize import folder_credentials

    folder = jobset.by_name()["services/billing/invoice-worker"].xml
    assert folder_credentials(folder) == []
    assert folder_credentials(folder.replace("<properties />", FOLDER_CREDENTIALS.format(""))) == []
    assert folder_credentials(folder.replace("<properties />", FOLDER_CREDENTIALS.format(DEPLOY_KEY))) == ["deploy-key"]


def _keeping(jobset, *services: str):
    """The job set as if only `services` had descriptors (their folders and the shared ones stay)."""
    from jenkinsctl.jobgen.render import JobSet

    return JobSet(jobset.namespace, jobset.root, [j for j in jobset.jobs if j.service in ("", *services)])


def test_pruning_most_or_all_services_needs_saying_so(jobset):
    from jenkinsctl.jobsync.plan import mass_prune_refusal

    remote = remote_from(jobset)
    assert plan_sync(jobset, remote, prune="delete").owned == {"invoice-worker", "orders-api", "search-api"}
    one_gone = plan_sync(_keeping(jobset, "orders-api", "search-api"), remote, prune="delete")
    assert one_gone.retired == {"invoice-worker"} and mass_prune_refusal(one_gone) is None
    two_gone = plan_sync(_keeping(jobset, "orders-api"), remote, prune="disable")
    assert mass_prune_refusal(two_gone) == ("would retire 2 of the 3 services of namespace 'platform': "
                                            "invoice-worker, search-api")
    all_gone = plan_sync(_keeping(jobset), remote, prune="delete")
    assert mass_prune_refusal(all_gone) == ("would retire every service of namespace 'platform' (3 of 3): "
                                            "invoice-worker, orders-api, search-api")
    assert mass_prune_refusal(plan_sync(jobset, {}, prune="delete")) is None  # nothing in Jenkins yet


def test_collisions_say_how_to_adopt_or_rename(jobset):
    from jenkinsctl.jobsync.plan import conflict_lines

    ci = "services/payments/orders-api/ci"
    remote = remote_from(jobset, **{ci: RemoteItem(ci, "job", "made by hand", False, False)})
    lines, hints = conflict_lines(plan_sync(jobset, remote))
    assert lines == [f"! {ci}: exists, not managed by jenkinsctl; left alone"]
    assert "[jenkinsctl namespace=platform service=<service> config=adopt]" in hints[0] and "rename" in hints[0]
