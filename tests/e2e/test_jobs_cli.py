"""`jenkinsctl jobs render | diff | sync` as a user runs them (in-process), against the fake Jenkins."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from support import REPO

from jenkinsctl.devkit.jenkins_fake import FakeJenkins
from jenkinsctl.jobgen.marks import strip_mark
from jenkinsctl.jobgen.render import drop_non_folder_fields


@pytest.fixture
def jenkins_env():
    with FakeJenkins(users={"seed": "tok"}) as fake:
        yield fake, {"JENKINS_URL": fake.url, "JENKINS_USER": "seed", "JENKINS_API_TOKEN": "tok"}


def test_render_summarizes_every_service(cli, project):
    r = cli("jobs", "render", cwd=project)
    assert r.code == 0, r.err
    assert r.out.splitlines() == [
        "invoice-worker       services/billing/invoice-worker/  ci deploy-dev deploy-prod promote rollback",
        "orders-api           services/payments/orders-api/  ci deploy-dev deploy-prod deploy-staging env-gc promote "
        "rollback",
        "search-api           services/discovery/search-api/  ci deploy-dev deploy-prod deploy-staging promote rollback",
    ]
    assert "18 jobs for 3 services, namespace 'platform'" in r.err


def test_render_formats_and_output_folder(cli, project, tmp_path):
    dsl = cli("jobs", "render", "--format", "job-dsl", "orders-api", cwd=project)
    assert dsl.code == 0 and "pipelineJob('services/payments/orders-api/deploy-prod') {" in dsl.out
    assert "search-api" not in dsl.out
    out = tmp_path / "xml"
    r = cli("jobs", "render", "-o", str(out), cwd=project)
    assert r.code == 0 and r.out.strip() == f"wrote 25 files to {out}/ (18 jobs, 3 services)"
    assert (out / "services/payments/orders-api/ci/config.xml").read_text().startswith("<?xml")
    missing = cli("jobs", "render", "no-such-api", cwd=project)
    assert missing.code == 2 and "no service named 'no-such-api'" in missing.err


def test_jjb_output_is_plain_jenkins_job_builder_input(cli, project, tmp_path):
    """`--format jjb` + jobs/ through `jenkins-jobs test` gives the same XML (without our mark), but for
    the fields plain JJB writes into folders and Jenkins drops as old data (jobgen/render.py drop_non_folder_fields)."""
    r = cli("jobs", "render", "--format", "jjb", "-o", str(tmp_path / "jjb"), cwd=project)
    assert r.code == 0
    cli("jobs", "render", "-o", str(tmp_path / "ours"), cwd=project)
    jjb = REPO / ".venv" / "bin" / "jenkins-jobs"
    if not jjb.exists():
        jjb = "jenkins-jobs"
    subprocess.run([str(jjb), "--conf", "/dev/null", "test", "--config-xml", "-o", str(tmp_path / "theirs"),
                    f"{REPO / 'jobs'}:{tmp_path / 'jjb' / 'projects.yaml'}"], check=True, capture_output=True)
    ours = sorted(p.relative_to(tmp_path / "ours") for p in (tmp_path / "ours").rglob("config.xml"))
    theirs = sorted(p.relative_to(tmp_path / "theirs") for p in (tmp_path / "theirs").rglob("config.xml"))
    assert ours == theirs and len(ours) == 25
    for rel in ours:
        assert _comparable((tmp_path / "ours" / rel).read_text()) == _comparable((tmp_path / "theirs" / rel).read_text())


def _comparable(xml: str) -> tuple[str, str]:
    """(description without our mark and JJB's comment, the rest of the XML)."""
    root = ET.fromstring(xml.encode())
    drop_non_folder_fields(root)
    ET.indent(root, space="  ")
    desc = root.find("description")
    text = strip_mark((desc.text or "").replace("<!-- Managed by Jenkins Job Builder -->", ""))
    desc.text = ""
    return text, ET.tostring(root, encoding="unicode")


def test_diff_and_sync_against_jenkins(cli, project, jenkins_env):
    fake, env = jenkins_env
    dry = cli("jobs", "sync", "--dry-run", cwd=project, env=env)
    assert dry.code == 0 and "+ create   services/payments/orders-api/ci  (new)" in dry.out
    assert "nothing was changed" in dry.err and fake.jobs() == {}
    done = cli("jobs", "sync", cwd=project, env=env)
    assert done.code == 0 and "25 to create, 0 unchanged" in done.err and len(fake.jobs()) == 25
    again = cli("jobs", "sync", cwd=project, env=env)
    assert again.out == "" and "25 unchanged (1 reads, 0 writes)" in again.err
    path = project / "services" / "orders-api.yaml"
    path.write_text(path.read_text().replace("description: Orders REST API", "description: Orders API"))
    diff = cli("jobs", "diff", cwd=project, env=env)
    assert diff.code == 0
    assert "update   services/payments/orders-api/ci  (config changed" in diff.out
    lines = diff.out.splitlines()
    assert any(l.startswith("-") and "<description>CI of orders-api (Orders REST API)" in l for l in lines)
    assert any(l.startswith("+") and "<description>CI of orders-api (Orders API)" in l for l in lines)
    assert "1 to update, 24 unchanged" in diff.err
    (project / "services" / "invoice-worker.yaml").unlink()
    planned = cli("jobs", "diff", "--prune=delete", "--no-xml", cwd=project, env=env)
    assert planned.out.splitlines()[-2:] == [
        "delete   services/billing/invoice-worker  (service 'invoice-worker' is gone; empty once what it holds is deleted)",
        "delete   services/billing  (no longer generated; empty once what it holds is deleted)"]
    assert "1 to update, 7 to delete, 17 unchanged" in planned.err
    pruned = cli("jobs", "sync", "--prune=delete", cwd=project, env=env)
    assert pruned.code == 0 and pruned.out.count("x delete") == 7 and "1 to update" in pruned.err
    assert "x delete   services/billing  (" in pruned.out.splitlines()[-2]
    assert pruned.out.splitlines()[-1] == "applied: 8 (1 updated, 7 deleted)"
    assert not any(n.startswith("services/billing") for n in fake.jobs())
    assert "(1 reads, 0 writes)" in cli("jobs", "sync", "--prune", cwd=project, env=env).err


def test_an_incomplete_sync_says_what_was_not_applied(cli, project, jenkins_env):
    fake, env = jenkins_env
    fake.fail_path("/job/services/job/discovery/createItem", times=100)
    r = cli("jobs", "sync", cwd=project, env=env)
    assert r.code == 4
    assert "failed   create services/discovery/search-api" in r.out and "not attempted: 6" in r.out
    assert "sync incomplete: 1 changes failed, 6 not attempted; 18 applied" in r.err
    assert "run `jenkinsctl jobs sync` again" in r.err


def test_jobs_help_starts_without_heavy_imports():
    code = ("import sys; from jenkinsctl.cli import run; run(['jobs', '--help']); "
            "heavy = [m for m in ('jenkins_jobs', 'jenkins', 'pydantic') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("[]")
