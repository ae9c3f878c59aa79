"""Every Groovy file we ship or generate passes the real Groovy compiler's syntax check (Debian
groovy 2.4, CompilationUnit to Phases.CONVERSION, all files in one JVM)."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from support import FIXTURES, REPO

from jenkinsctl.devkit.groovy_check import check_files
from jenkinsctl.jobgen import render_workspace, rendered_files
from jenkinsctl.workspace import Workspace

pytestmark = pytest.mark.skipif(shutil.which("groovy") is None, reason="groovy is not installed (scripts/setup)")


def _generated(tmp_path: Path) -> list[Path]:
    """Job DSL scripts and the pipeline script inside every generated config.xml."""
    out = []
    for config in (REPO / "jenkinsctl.yaml", FIXTURES / "jobs" / "single-env" / "jenkinsctl.yaml"):
        ws = Workspace.load(config, environ={})
        jobset = render_workspace(ws, (), environ={})
        for rel, text in rendered_files(ws, jobset, "job-dsl").items():
            path = tmp_path / ws.config.namespace / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            out.append(path)
        for job in jobset.jobs:
            script = ET.fromstring(job.xml.encode()).findtext("definition/script")
            if script:
                path = tmp_path / "pipelines" / (job.name.replace("/", "__") + ".groovy")
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(script)
                out.append(path)
    return out


def test_all_groovy_passes_the_syntax_check(tmp_path):
    shipped = [REPO / "Jenkinsfile", REPO / "seed" / "Jenkinsfile", *sorted((REPO / "seed").glob("*.groovy")),
               *sorted((REPO / "vars").glob("*.groovy")), *sorted((REPO / "jobs").rglob("*.groovy"))]
    broken = tmp_path / "broken.groovy"
    broken.write_text("pipeline {\n  stages {\n    stage('x') { steps { sh 'x' }\n  }\n")  # a missing brace
    files = shipped + _generated(tmp_path) + [broken]
    assert len(shipped) >= 13
    results = {r.path: r for r in check_files(files)}
    failures = {p: r.message for p, r in results.items() if not r.ok}
    assert list(failures) == [str(broken)], failures  # the checker does reject bad Groovy
    assert "unexpected token" in failures[str(broken)] or "expecting" in failures[str(broken)]
    assert len(results) == len(files)
