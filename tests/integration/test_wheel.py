"""`pip install jenkinsctl-<version>.whl` into a fresh venv is all a descriptors repository needs:
the installed jenkinsctl renders, in a folder holding only jenkinsctl.yaml and services/, the
same bytes as the source checkout, and a repository's own jobs/ still overrides the templates."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from support import REPO


@pytest.fixture(scope="module")
def installed(jenkinsctl_wheel, tmp_path_factory) -> Path:
    """A fresh venv with only the wheel (and its dependencies, from the wheelhouse: no index)."""
    venv = tmp_path_factory.mktemp("wheel-venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", "--no-index",
                    "--find-links", str(jenkinsctl_wheel.wheelhouse), str(jenkinsctl_wheel.path)], check=True)
    return venv


def _descriptors(root: Path) -> Path:
    root.mkdir()
    shutil.copy(REPO / "jenkinsctl.yaml", root / "jenkinsctl.yaml")
    shutil.copytree(REPO / "services", root / "services")
    return root


def _jenkinsctl(exe: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd), "LANG": "C.UTF-8"}
    return subprocess.run([str(exe), *args], cwd=cwd, env=env, capture_output=True, text=True)


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_wheel_carries_the_templates_seed_and_agent_image(jenkinsctl_wheel):
    names = zipfile.ZipFile(jenkinsctl_wheel.path).namelist()
    for shipped in ("jobs/templates.yaml", "jobs/pipelines/deploy.groovy", "Jenkinsfile", "seed/Jenkinsfile",
                    "seed/bootstrap.groovy", "images/agent/Dockerfile"):
        assert f"jenkinsctl/_data/{shipped}" in names, shipped
    data = zipfile.ZipFile(jenkinsctl_wheel.path).read("jenkinsctl/_data/jobs/templates.yaml")
    assert data == (REPO / "jobs" / "templates.yaml").read_bytes()  # a copy of the one in the repository


def test_installed_wheel_renders_the_same_bytes_as_the_checkout(installed, tmp_path):
    where = _jenkinsctl(installed / "bin" / "python", tmp_path, "-c", "import jenkinsctl; print(jenkinsctl.__file__)")
    assert where.stdout.startswith(str(installed)), where  # the wheel's copy, not this checkout
    repo = _descriptors(tmp_path / "descriptors")
    assert sorted(os.listdir(repo)) == ["jenkinsctl.yaml", "services"]
    for fmt in ("xml", "job-dsl"):
        wheel_out, checkout_out = tmp_path / f"wheel-{fmt}", tmp_path / f"checkout-{fmt}"
        from_wheel = _jenkinsctl(installed / "bin" / "jenkinsctl", repo, "jobs", "render", "--format", fmt,
                                 "-o", str(wheel_out))
        from_checkout = _jenkinsctl(Path(sys.executable).parent / "jenkinsctl", repo, "jobs", "render",
                                    "--format", fmt, "-o", str(checkout_out))
        assert from_wheel.returncode == 0, from_wheel.stderr
        assert from_checkout.returncode == 0, from_checkout.stderr
        rendered = _files(wheel_out)
        assert rendered == _files(checkout_out)
        if fmt == "xml":
            jobs = [n for n in rendered if n.endswith("config.xml")]
            assert "services/payments/orders-api/promote/config.xml" in jobs and len(jobs) >= 17, jobs
            assert b"<org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject" in \
                rendered["services/payments/orders-api/ci/config.xml"]  # every branch built
            assert b"<flow-definition" in rendered["services/payments/orders-api/promote/config.xml"]


def test_a_repository_s_own_jobs_folder_overrides_the_shipped_templates(installed, tmp_path):
    repo = _descriptors(tmp_path / "descriptors")
    shutil.copytree(REPO / "jobs", repo / "jobs")
    shutil.copy(REPO / "Jenkinsfile", repo / "Jenkinsfile")  # templates.yaml includes ../Jenkinsfile
    text = (repo / "jobs" / "templates.yaml").read_text()
    (repo / "jobs" / "templates.yaml").write_text(text.replace("CI of {service}", "Our CI of {service}", 1))
    assert "Our CI of {service}" in (repo / "jobs" / "templates.yaml").read_text()  # the override took
    out = tmp_path / "out"
    done = _jenkinsctl(installed / "bin" / "jenkinsctl", repo, "jobs", "render", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "Our CI of orders-api" in (out / "services" / "payments" / "orders-api" / "ci" / "config.xml").read_text()
