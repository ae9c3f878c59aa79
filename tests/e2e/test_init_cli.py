"""`jenkinsctl init DIR` scaffolds a descriptors repository that validates and renders as
written, pins this jenkinsctl for the seed, refuses a non-empty DIR without --force, and
writes nothing on --dry-run."""

from __future__ import annotations

import yaml

from jenkinsctl import __version__
from support import REPO


def _tree(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_init_writes_a_repository_that_validates_and_renders(cli, tmp_path):
    target = tmp_path / "descriptors"
    r = cli("init", str(target), "--namespace", "delivery", "--service", "hello-api", cwd=tmp_path)
    assert r.code == 0, r.text
    files = _tree(target)
    assert {"jenkinsctl.yaml", "services/hello-api.yaml", "seed/Jenkinsfile", "seed/bootstrap.groovy",
            "seed/jcasc.yaml"} <= set(files), files
    for name in ("Jenkinsfile", "bootstrap.groovy", "jcasc.yaml"):
        assert (target / "seed" / name).read_text() == (REPO / "seed" / name).read_text()
    if (REPO / "seed" / "plugins.txt").is_file():
        assert "seed/plugins.txt" in files
    config = yaml.safe_load((target / "jenkinsctl.yaml").read_text())
    assert config["jenkinsctl"] == {"version": __version__} and config["namespace"] == "delivery"

    valid = cli("service", "validate", cwd=target)
    assert valid.code == 0 and "hello-api" in valid.text, valid.text
    out = tmp_path / "jobs"
    rendered = cli("jobs", "render", "-o", str(out), cwd=target)
    assert rendered.code == 0, rendered.text
    jobs = {str(p.relative_to(out).parent) for p in out.rglob("config.xml")}
    assert {"services/delivery/hello-api/ci", "services/delivery/hello-api/deploy-dev",
            "services/delivery/hello-api/deploy-prod", "services/delivery/hello-api/promote"} <= jobs


def test_non_empty_directory_is_refused_unless_forced(cli, tmp_path):
    target = tmp_path / "repo"
    target.mkdir()
    (target / "README.md").write_text("mine\n")
    r = cli("init", str(target), cwd=tmp_path)
    assert r.code == 2 and "is not empty; nothing was written" in r.err and "--force" in r.err
    assert _tree(target) == ["README.md"]
    forced = cli("init", str(target), "--force", cwd=tmp_path)
    assert forced.code == 0, forced.text
    assert "README.md" in _tree(target) and "jenkinsctl.yaml" in _tree(target)


def test_dry_run_lists_and_writes_nothing(cli, tmp_path):
    target = tmp_path / "new"
    r = cli("init", str(target), "--dry-run", cwd=tmp_path)
    assert r.code == 0, r.text
    assert f"would write {target}/jenkinsctl.yaml" in r.out and f"would write {target}/seed/Jenkinsfile" in r.out
    assert not target.exists()


def test_bad_names_are_refused_before_anything_is_written(cli, tmp_path):
    r = cli("init", str(tmp_path / "x"), "--service", "Bad_Name", cwd=tmp_path)
    assert r.code == 2 and "--service" in r.err
    assert not (tmp_path / "x").exists()
