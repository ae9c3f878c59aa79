"""`step test`: the descriptor's test command inside the built image (network off unless the
descriptor or --network asks), or `docker compose run` when the service brings a compose file.
A JUnit XML report the command writes to $JUNIT_XML is copied to .jenkinsctl/test-reports/.
The exit code follows the tests."""

from __future__ import annotations

import os
import shutil
import subprocess

from jenkinsctl.errors import DockerError, StepFailed, UsageError
from jenkinsctl.steps.context import StepContext, StepResult

REPORT_DIR = "/tmp/jenkinsctl-reports"
REPORT_FILE = f"{REPORT_DIR}/junit.xml"


def run(ctx: StepContext, engine=None, network: bool | None = None) -> StepResult:
    spec = ctx.resolved.build
    build = ctx.read("build")
    reports = ctx.results_dir / "test-reports"
    if spec.compose:
        return _compose(ctx, build, reports)
    if not spec.test:
        ctx.report(f"{ctx.resolved.name} declares no build.test command: nothing to run")
        step = StepResult("test", {"TESTS": "none", "TEST_EXIT_CODE": "0", "TEST_REPORT": "", "IMAGE": build["IMAGE"]},
                          "no tests declared")
        if not ctx.dry_run:
            ctx.write(step)
        return step
    use_network = spec.test_network if network is None else network
    command = ["/bin/sh", "-c", spec.test]
    if ctx.dry_run:
        ctx.report(f"dry run: would run {spec.test!r} in {build['IMAGE']} (network {'host' if use_network else 'none'})")
        return StepResult("test", {"IMAGE": build["IMAGE"]}, "dry run")

    engine = engine or ctx.factory.docker()
    ctx.report(f"testing {build['IMAGE']}: {spec.test} (network {'host' if use_network else 'none'})")
    shutil.rmtree(reports, ignore_errors=True)
    result = engine.run(build["IMAGE_ID"], command, network=use_network,
                        environment={"JUNIT_XML": REPORT_FILE, "CI": "true"},
                        on_line=lambda line: ctx.report(f"  | {line}"), collect=REPORT_DIR, collect_into=reports)
    report = sorted(reports.glob("*.xml")) if reports.is_dir() else []
    return _finish(ctx, build, result.exit_code, report[0] if report else None)


def _finish(ctx: StepContext, build: dict, code: int, report) -> StepResult:
    shown = os.path.relpath(report, ctx.workdir) if report else ""
    values = {"TESTS": "passed" if code == 0 else "failed", "TEST_EXIT_CODE": str(code), "TEST_REPORT": shown,
              "IMAGE": build["IMAGE"]}
    step = StepResult("test", values, f"{values['TESTS']} (exit {code})" + (f", report {shown}" if shown else ""))
    ctx.write(step)
    if code != 0:
        raise StepFailed(f"tests of {ctx.resolved.name} failed in {build['IMAGE']} (exit code {code})",
                         f"the test output is above{'; JUnit report: ' + shown if shown else ''}")
    return step


def _compose(ctx: StepContext, build: dict, reports) -> StepResult:
    """`docker compose -f FILE run --rm test` with IMAGE set to the built image."""
    compose_file = ctx.workdir / ctx.resolved.build.compose
    if not compose_file.is_file():
        raise UsageError(f"compose file {compose_file} does not exist", "check build.compose in the descriptor")
    binary = _compose_binary()
    argv = [*binary, "-f", str(compose_file), "-p", f"jenkinsctl-{ctx.resolved.name}"]
    if ctx.dry_run:
        ctx.report(f"dry run: would run {' '.join(argv)} run --rm test")
        return StepResult("test", {"IMAGE": build["IMAGE"]}, "dry run")
    env = {**ctx.environ, "IMAGE": build["IMAGE"], "JUNIT_XML": REPORT_FILE}
    shutil.rmtree(reports, ignore_errors=True)
    reports.mkdir(parents=True)
    reports.chmod(0o777)  # the test container may run as a non-root user
    ctx.report(f"testing {build['IMAGE']} with {compose_file.name}: {' '.join(argv[:len(binary)])} run --rm test")
    try:
        proc = subprocess.Popen([*argv, "run", "--rm", "-v", f"{reports}:{REPORT_DIR}", "-e", f"JUNIT_XML={REPORT_FILE}",
                                 "test"], env=env, cwd=ctx.workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, stdin=subprocess.DEVNULL)
        for line in proc.stdout:
            ctx.report(f"  | {line.rstrip()}")
        code = proc.wait()
    finally:
        subprocess.run([*argv, "down", "--remove-orphans", "--timeout", "3"], env=env, cwd=ctx.workdir, capture_output=True)
    found = sorted(reports.glob("*.xml"))
    return _finish(ctx, build, code, found[0] if found else None)


def _compose_binary() -> list[str]:
    for argv in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(argv[0]) and subprocess.run([*argv, "version"], capture_output=True).returncode == 0:
            return argv
    raise DockerError("build.compose is set but neither `docker compose` nor `docker-compose` is installed",
                      "install the compose plugin or Debian's docker-compose package")
