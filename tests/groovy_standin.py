"""Run Groovy that Jenkins would run (Job DSL scripts, shared library steps) under real Groovy
(Debian groovy 2.4) with the recording stand-ins in tests/groovy/, and hand back what they declared
or called. See tests/groovy/*.groovy for how names resolve (as in Jenkins: delegate first)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Iterator

import pytest

HERE = Path(__file__).resolve().parent / "groovy"
JAVA_HOME = "/usr/lib/jvm/java-17-openjdk-amd64"

needs_groovy = pytest.mark.skipif(shutil.which("groovy") is None, reason="groovy is not installed (scripts/setup)")


class GroovyFailed(AssertionError):
    pass


def run_groovy(standin: str, *args: str, env: dict[str, str] | None = None) -> Any:
    """groovy tests/groovy/<standin> ARGS... -> the JSON it prints last; GroovyFailed with stderr if it fails."""
    environ = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "JAVA_HOME": JAVA_HOME, **(env or {})}
    proc = subprocess.run(["groovy", str(HERE / standin), *args], capture_output=True, text=True, env=environ,
                          timeout=120)
    if proc.returncode != 0:
        raise GroovyFailed(f"{standin} {' '.join(args)} failed (exit {proc.returncode}):\n{proc.stderr[:2000]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_job_dsl(script: Path | str, binding: dict[str, str] | None = None,
                env: dict[str, str] | None = None) -> list[dict]:
    """Execute a Job DSL script (a path, or its text); -> the items it declared, each
    {method: pipelineJob|folder, args: [name], body: [calls...]} with calls nested the same way."""
    with tempfile.TemporaryDirectory(prefix="jobdsl-") as tmp:
        if not isinstance(script, Path):
            path = Path(tmp) / "script.groovy"
            path.write_text(script)
            script = path
        values = Path(tmp) / "binding.json"
        values.write_text(json.dumps(binding or {}))
        return run_groovy("JobDslStandIn.groovy", str(script), str(values), env=env)


def calls(body: list[dict], *path: str) -> list[dict]:
    """The calls reached by following method names down nested bodies: calls(job, 'definition', 'cps')."""
    level = body
    for i, name in enumerate(path):
        found = [c for c in level if c["method"] == name]
        if i == len(path) - 1:
            return found
        assert len(found) == 1, f"expected one {name}() under {path[:i]}, got {len(found)}"
        level = found[0].get("body", [])
    return []


def arg(body: list[dict], *path: str) -> Any:
    """The single argument of the single call at `path`."""
    (call,) = calls(body, *path)
    (value,) = call["args"]
    return value


def walk(body: list[dict]) -> Iterator[dict]:
    for c in body:
        yield c
        yield from walk(c.get("body", []))
