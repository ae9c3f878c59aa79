"""Syntax-check Groovy with the real Groovy compiler (Debian `groovy`, the 2.4 line Jenkins embeds):
every file parsed and converted to an AST (`CompilationUnit` to `Phases.CONVERSION`), all files in
one JVM. Nothing is run and no class is resolved, so pipeline/Job DSL methods need no stubs."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from jenkinsctl.errors import ExternalError

JAVA_HOME = "/usr/lib/jvm/java-17-openjdk-amd64"

_CHECKER = r"""
import org.codehaus.groovy.control.CompilationFailedException
import org.codehaus.groovy.control.CompilationUnit
import org.codehaus.groovy.control.Phases
int failures = 0
for (String path : args) {
    def unit = new CompilationUnit()
    unit.addSource(new File(path))
    try {
        unit.compile(Phases.CONVERSION)
        println "OK\t${path}"
    } catch (CompilationFailedException e) {
        failures++
        println "FAIL\t${path}\t" + e.message.readLines().join(' | ')
    }
}
System.exit(failures ? 1 : 0)
"""


@dataclass(frozen=True)
class GroovyResult:
    path: str
    ok: bool
    message: str = ""


def check_files(paths: list[Path], environ: Mapping[str, str] | None = None, timeout: float = 300) -> list[GroovyResult]:
    groovy = shutil.which("groovy")
    if groovy is None:
        raise ExternalError("groovy is not installed", "install it: apt-get install -y groovy (scripts/setup does)")
    env = dict(os.environ if environ is None else environ)
    env.setdefault("JAVA_HOME", JAVA_HOME)
    if not Path(env["JAVA_HOME"], "bin", "java").exists():
        env["JAVA_HOME"] = JAVA_HOME
    with tempfile.TemporaryDirectory(prefix="groovy-check-") as tmp:
        checker = Path(tmp) / "SyntaxCheck.groovy"
        checker.write_text(_CHECKER)
        proc = subprocess.run([groovy, str(checker), *[str(p) for p in paths]], capture_output=True, text=True,
                              env=env, timeout=timeout)
    results = []
    for line in proc.stdout.splitlines():
        status, _, rest = line.partition("\t")
        if status in ("OK", "FAIL"):
            path, _, message = rest.partition("\t")
            results.append(GroovyResult(path, status == "OK", message))
    if len(results) != len(paths):
        raise ExternalError(f"the groovy syntax check did not run (exit {proc.returncode}): "
                            f"{(proc.stderr or proc.stdout).strip()[-500:]}",
                            f"check that groovy runs with JAVA_HOME={env['JAVA_HOME']}")
    return results

