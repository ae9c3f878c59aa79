"""`jenkinsctl init DIR`: a descriptors repository that validates and renders as written:
jenkinsctl.yaml (pinning this jenkinsctl for the seed), one example service, and the seed's
files (Jenkinsfile, bootstrap.groovy, jcasc.yaml, plugins.txt when shipped)."""

from __future__ import annotations

from pathlib import Path

from jenkinsctl import __version__

SEED_FILES = ("Jenkinsfile", "bootstrap.groovy", "jcasc.yaml", "plugins.txt")

CONFIG = """\
# jenkinsctl.yaml: the organisation's defaults. Every services/<name>.yaml states only what
# differs from these. Environment variables override (JENKINS_URL, AWS_REGION, JENKINSCTL_*).
apiVersion: jenkinsctl/v1
kind: Config
namespace: {namespace}           # owner mark of the jobs this repository's seed job generates
jenkinsctl:
  version: "{version}"             # what the seed installs: pip install jenkinsctl=={version} (or wheel: <URL>)

jenkins:
  url: https://jenkins.example.com   # JENKINS_URL overrides
  folder: services                   # generated jobs live under services/<team>/<service>/
  pruneGraceDays: 7

aws:
  region: {region}
  accountId: "{account}"

registry: {{}}                         # default: <accountId>.dkr.ecr.<region>.amazonaws.com

trustedRegistries:                   # FROM may only name images from these
  - {account}.dkr.ecr.{region}.amazonaws.com

environments:                        # in promotion order
  dev:
    cluster: dev
  prod:
    cluster: prod
    approval: true                   # deploys to prod wait on a Jenkins input step
"""

GITIGNORE = ".jenkinsctl/\n.seed-venv/\n"


def files(namespace: str, team: str, service: str, region: str, account: str) -> dict[str, str]:
    """Relative path -> text of every file `init` writes."""
    from jenkinsctl.descriptor.scaffold import render_scaffold
    from jenkinsctl.shipped import shipped

    out = {
        "jenkinsctl.yaml": CONFIG.format(namespace=namespace, version=__version__, region=region, account=account),
        f"services/{service}.yaml": render_scaffold(service, team, 8080),
        ".gitignore": GITIGNORE,
    }
    seed = shipped("seed")
    for name in SEED_FILES:
        if (seed / name).is_file():
            out[f"seed/{name}"] = (seed / name).read_text()
    return out


def problems_of(target: Path, force: bool) -> str | None:
    """Why `init` must not write into `target`, or None."""
    if target.exists() and not target.is_dir():
        return f"{target} exists and is not a directory"
    if target.is_dir() and any(target.iterdir()) and not force:
        return f"{target} is not empty"
    return None


def write(target: Path, contents: dict[str, str]) -> list[Path]:
    written = []
    for rel, text in contents.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written
