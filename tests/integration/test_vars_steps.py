"""Every vars/*.groovy step EXECUTED under real Groovy with a stand-in of the Pipeline steps
(tests/groovy/PipelineStandIn.groovy), then each recorded `sh` script run with /bin/sh (what
Jenkins' sh step uses) and the environment withEnv gave it: a hostile build parameter never appears
in the script text, reaches jenkinsctl as one argument, and runs nothing."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from groovy_standin import GroovyFailed, needs_groovy, run_groovy
from support import REPO

pytestmark = [pytest.mark.integration, needs_groovy]

HOSTILE = "1.0'; touch {marker}; '\"$(touch {marker})\"`touch {marker}`"

# step -> (its Map argument, with V for the hostile value; the jenkinsctl argv expected)
CASES = {
    "jenkinsctlBuild": ({"service": "V"}, ["step", "build", "--service", "V"]),
    "jenkinsctlTest": ({"service": "V"}, ["step", "test", "--service", "V"]),
    "jenkinsctlVersion": ({"service": "V"}, ["step", "version", "--service", "V"]),
    "jenkinsctlPush": ({"service": "V"}, ["step", "push", "--service", "V"]),
    "jenkinsctlDeploy": ({"service": "V", "env": "V", "version": "V"},
                         ["step", "deploy", "--service", "V", "--env", "V", "--version", "V"]),
    "jenkinsctlRollback": ({"service": "V", "env": "V", "to": "V"},
                           ["step", "rollback", "--service", "V", "--env", "V", "--to", "V"]),
    "jenkinsctlPromote": ({"service": "V", "from": "V", "to": "V", "version": "V", "deploy": True},
                          ["step", "promote", "--service", "V", "--from", "V", "--to", "V", "--version", "V",
                           "--deploy"]),
}


def _call(tmp_path: Path, step: str, args: dict, env: dict | None = None) -> dict:
    spec = tmp_path / f"{step}.json"
    spec.write_text(json.dumps({"args": args, "env": env or {"SERVICE": "orders-api"}}))
    return run_groovy("PipelineStandIn.groovy", str(REPO / "vars" / f"{step}.groovy"), str(spec))


def _run_sh(tmp_path: Path, recorded: dict, job_env: dict) -> list[list[str]]:
    """Run a recorded sh script as Jenkins would; -> the argv of each jenkinsctl call."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    log = tmp_path / "argv.jsonl"
    fake = bin_dir / "jenkinsctl"
    fake.write_text('#!/bin/sh\nexec python3 -c \'import json, sys; print(json.dumps(sys.argv[1:]))\' "$@" >> "$ARGV_LOG"\n')
    fake.chmod(0o755)
    log.unlink(missing_ok=True)
    env = {"PATH": f"{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}", "ARGV_LOG": str(log),
           **job_env, **recorded["env"]}
    subprocess.run(["/bin/sh", "-xe", "-c", recorded["script"]], env=env, check=True, capture_output=True,
                   cwd=tmp_path)
    return [json.loads(line) for line in log.read_text().splitlines()]


@pytest.mark.parametrize("step", sorted(CASES))
def test_a_hostile_value_reaches_jenkinsctl_as_data_through_the_environment(tmp_path, step):
    marker = tmp_path / "x"
    value = HOSTILE.format(marker=marker)
    template, expected = CASES[step]
    args = {k: (value if v == "V" else v) for k, v in template.items()}
    out = _call(tmp_path, step, args)
    assert len(out["sh"]) == 1, out
    (recorded,) = out["sh"]
    assert value not in recorded["script"] and "touch" not in recorded["script"], recorded["script"]
    assert value in recorded["env"].values()
    argv = _run_sh(tmp_path, recorded, {"SERVICE": "orders-api"})
    assert argv == [[value if a == "V" else a for a in expected]]
    assert not marker.exists(), "the parameter value ran as shell"


def test_optional_values_left_out_and_the_service_defaults_to_env_service(tmp_path):
    out = _call(tmp_path, "jenkinsctlDeploy", {"env": "dev"}, env={"SERVICE": "orders-api"})
    argv = _run_sh(tmp_path, out["sh"][0], {"SERVICE": "orders-api"})
    assert argv == [["step", "deploy", "--service", "orders-api", "--env", "dev"]]
    out = _call(tmp_path, "jenkinsctlPromote", {"from": "staging", "to": "prod", "deploy": False})
    argv = _run_sh(tmp_path, out["sh"][0], {"SERVICE": "orders-api"})
    assert argv == [["step", "promote", "--service", "orders-api", "--from", "staging", "--to", "prod"]]


def test_a_missing_required_argument_is_a_clear_error(tmp_path):
    with pytest.raises(GroovyFailed, match=r"jenkinsctlDeploy: 'env' is required"):
        _call(tmp_path, "jenkinsctlDeploy", {"version": "1.0.0"})
