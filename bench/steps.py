"""Benchmarks of the pipeline steps, figures side by side with their baselines in one run.

    .venv/bin/python bench/steps.py            # everything (starts a private registry + moto)
    .venv/bin/python bench/steps.py --quick    # fewer repetitions
    .venv/bin/python bench/steps.py --imports  # only the start-up figures (no engine, registry, moto)

1. `jenkinsctl step version` vs `git describe --tags` on a repo with 5,000 commits and 200 tags
2. start-up of `jenkinsctl step build --help` vs `python -c pass` (target: < 0.25 s above it)
2b. each step's start-up (its imports and its workspace load, step cache warm and cold) vs
    `python -c pass` (budget: +0.12 s warm; PASS/MISS per step)
3. `step build` of unchanged source with cache vs the cold build (target: < 20% of cold)
4. a second `step push` of an unchanged image (target: 0 layer bytes uploaded)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable
JENKINSCTL = [PY, "-m", "jenkinsctl"]
GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.com", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@example.com"}


def timed(argv, runs: int, env=None, cwd=None, after=None, before=None, cpu=False) -> float:
    """Median time of `runs` runs (one warm-up first), in seconds: wall time, or with `cpu` the
    CPU time (user + sys) the process used; `before()` before and `after()` after each run."""
    import resource

    def used() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    samples = []
    for i in range(runs + 1):
        if before:
            before()
        start, start_cpu = time.perf_counter(), used()
        subprocess.run(argv, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if i:
            samples.append(used() - start_cpu if cpu else time.perf_counter() - start)
            if after:
                after()
    return statistics.median(samples)


def big_repo(root: Path, commits: int = 5000, tags: int = 200) -> Path:
    """A repository with `commits` conventional commits and a release tag every commits/tags."""
    root.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    every = commits // tags
    stream = []
    for i in range(1, commits + 1):
        msg = (b"feat: change %d" if i % 7 == 0 else b"fix: change %d") % i
        stream.append(b"commit refs/heads/main\nmark :%d\ncommitter b <b@example.com> %d +0000\ndata %d\n%s\n"
                      % (i, 1_600_000_000 + i, len(msg), msg))
        stream.append(b"M 644 inline file.txt\ndata %d\n%d\n" % (len(str(i)) + 1, i))
        if i % every == 0 and i < commits:  # leave commits after the last tag
            n = i // every
            stream.append(b"tag v1.%d.0\nfrom :%d\ntagger b <b@example.com> %d +0000\ndata 3\nrel\n"
                          % (n, i, 1_600_000_000 + i))
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=b"".join(stream), check=True)
    subprocess.run(["git", "checkout", "-q", "main"], cwd=root, check=True)
    return root


def in_process_version(repo: Path, runs: int) -> float:
    from jenkinsctl.vcs import Git
    from jenkinsctl.versioning import VersionInput, next_version

    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        facts = Git(repo).facts({}, "v")
        next_version(VersionInput(facts.sha, facts.branch, "main", facts.last_release, facts.last_release_tag,
                                  facts.messages_since))
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


STEPS = ("version", "build", "test", "push", "deploy", "promote", "rollback")
IMPORT_BUDGET = 0.12  # seconds above bare Python for what one step loads before it starts its work

# What `jenkinsctl step STEP` does before its own work: import its modules, then load the
# workspace exactly as the step's entry point does (`make_context` -> `Factory.step_workspace`).
PROBE = """
import importlib, os, sys
for name in sys.argv[1].split(","):
    importlib.import_module(name)
from jenkinsctl.factory import Factory
from jenkinsctl.steps.context import make_context

class App:
    factory = Factory(os.environ)
    dry_run = False

make_context(App, sys.argv[2], None)
"""


def step_modules(step: str) -> list[str]:
    """What `jenkinsctl step STEP` imports to run: the CLI, its CLI module, its step module and
    every import inside the step module, module level or in a function."""
    import ast

    source = REPO / "jenkinsctl" / "steps" / f"{step}.py"
    found = ["jenkinsctl.cli", "jenkinsctl.cli.step", f"jenkinsctl.cli.steps.{step}", f"jenkinsctl.steps.{step}"]
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level and node.module != "__future__":
            found.append(node.module)
    return list(dict.fromkeys(found))


def descriptors(work: Path) -> Path:
    """A copy of this repository's config and services (the step cache is written beside them)."""
    project = work / "descriptors"
    if not project.exists():
        project.mkdir()
        shutil.copy(REPO / "jenkinsctl.yaml", project / "jenkinsctl.yaml")
        shutil.copytree(REPO / "services", project / "services")
    return project


def step_imports(work: Path, runs: int) -> list[str]:
    """Each step's start-up: its imports and its workspace load, with a cold step cache (the
    first step of a build: full validation) and a warm one (every later step on the same
    checkout), medians of `runs` runs each, minus `python -c pass`, against the budget. CPU time
    (user + sys), not wall time: on a shared 2-core machine the wall time of a 0.1 s process is
    mostly the other processes' load, and the CPU time is what the step itself pays."""
    project = descriptors(work)
    cache = project / ".jenkinsctl" / "cache"
    env = {**os.environ, "JENKINSCTL_CONFIG": str(project / "jenkinsctl.yaml")}
    bare = timed([PY, "-c", "pass"], runs * 2, cpu=True)
    out = [row("bare python (python -c pass), CPU time", bare, bare, "s", f"budget per step: +{IMPORT_BUDGET:.2f} s"),
           f"{'  step start-up, CPU s (imports + workspace)':<44} {'warm cache':>13} {'cold cache':>13}"]
    for step in STEPS:
        argv = [PY, "-c", PROBE, ",".join(step_modules(step)), "orders-api"]
        cold = timed(argv, max(1, runs // 2), env=env, cwd=project, before=lambda: shutil.rmtree(cache, True),
                     cpu=True) - bare
        warm = timed(argv, runs, env=env, cwd=project, cpu=True) - bare
        verdict = "PASS" if warm <= IMPORT_BUDGET else "MISS"
        out.append(row(f"  step {step}", bare + warm, bare + cold, "s",
                       f"warm +{warm:.3f} s = {(bare + warm) / bare:.1f}x bare (budget +{IMPORT_BUDGET:.2f} s) {verdict}; "
                       f"cold +{cold:.3f} s = {(bare + cold) / bare:.1f}x bare"))
    return out


def row(name: str, ours: float, base: float, unit: str, target: str) -> str:
    return f"{name:<44} {ours:>9.3f} {unit:<3} {base:>9.3f} {unit:<3} {target}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--imports", action="store_true", help="only the start-up figures (1, 2 and 2b)")
    args = parser.parse_args()
    runs = 3 if args.quick else 7
    work = Path(tempfile.mkdtemp(prefix="bench-steps-"))
    env = {**os.environ, "JENKINSCTL_CONFIG": str(descriptors(work) / "jenkinsctl.yaml"),
           "JENKINSCTL_SERVICE": "orders-api"}
    cache = descriptors(work) / ".jenkinsctl" / "cache"
    lines = [f"{'measure':<44} {'jenkinsctl':>13} {'baseline':>13} target / result"]
    try:
        # 1. version on a big repository
        repo = big_repo(work / "big")
        describe = timed(["git", "describe", "--tags"], runs, cwd=repo)
        step_version = [*JENKINSCTL, "step", "version", "--workdir", str(repo)]
        cold = timed(step_version, max(1, runs // 2), env=env, cwd=repo, before=lambda: shutil.rmtree(cache, True))
        version = timed(step_version, runs, env=env, cwd=repo)
        got = json.loads((repo / ".jenkinsctl" / "version.json").read_text())
        lines.append(row("step version (5,000 commits, 200 tags)", version, describe, "s",
                         f"vs git describe --tags; step cache warm; computed {got['VERSION']}"))
        lines.append(row("  the same, step cache cold", cold, describe, "s",
                         "the first step of a build: validates the config and every descriptor"))
        lines.append(row("  of which git facts + version algorithm", in_process_version(repo, runs), describe, "s",
                         "in-process; the rest is interpreter start-up and loading the workspace"))
        # 2. start-up
        bare = timed([PY, "-c", "pass"], runs * 2)
        helps = timed([*JENKINSCTL, "step", "build", "--help"], runs * 2)
        lines.append(row("step build --help start-up", helps, bare, "s",
                         f"vs python -c pass: +{helps - bare:.3f} s (target < 0.25 s) "
                         f"{'OK' if helps - bare < 0.25 else 'MISSED'}"))
        lines += step_imports(work, runs)
        if not args.imports:  # 3 and 4 need the engine, a registry and moto: the sandbox code on free ports
            lines += build_and_push(work, env, runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\n".join(lines))
    return 0


def build_and_push(work: Path, env: dict, runs: int) -> list[str]:
    sys.path.insert(0, str(REPO / "tests"))
    from image_support import point_at, remove_image_ids, remove_images, source_repo  # noqa: E402

    import docker

    from jenkinsctl.registry.client import Registry
    from jenkinsctl.sandbox import Engine, MotoServer, RegistryServer, SandboxSettings, baseimage

    def free_port() -> int:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    settings = SandboxSettings(root=work / "sandbox", registry_port=free_port(), moto_port=free_port())
    engine, reg, moto = Engine(settings), RegistryServer(settings), MotoServer(settings)
    started_engine = engine.start()
    reg.start()
    moto.start()
    client = docker.DockerClient(base_url=engine.address, version="1.41")
    try:
        base = baseimage.seed(Registry(settings.registry_endpoint, settings.registry_user, settings.registry_password))

        class _Reg:
            endpoint = settings.registry_endpoint

        class _Base:
            ref = base.reference(settings.registry_endpoint)

        project = work / "project"
        project.mkdir()
        shutil.copy(REPO / "jenkinsctl.yaml", project / "jenkinsctl.yaml")
        shutil.copytree(REPO / "services", project / "services")
        step_env = {**env, **point_at(project, _Reg, _Base, settings.moto_url),
                    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
        src = source_repo(work / "orders-api")

        def step(*argv):
            subprocess.run([*JENKINSCTL, "step", *argv, "--workdir", str(src)], env=step_env, cwd=src, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        step("version")
        built: list[str] = []

        def build_seconds() -> float:
            result = json.loads((src / ".jenkinsctl" / "build.json").read_text())
            built.append(result["IMAGE_ID"])
            return float(result["BUILD_SECONDS"])

        cold_runs, warm_runs = [], []
        cold = timed([*JENKINSCTL, "step", "build", "--no-cache", "--workdir", str(src)], max(1, runs // 2),
                     env=step_env, cwd=src, after=lambda: cold_runs.append(build_seconds()))
        warm = timed([*JENKINSCTL, "step", "build", "--workdir", str(src)], runs, env=step_env, cwd=src,
                     after=lambda: warm_runs.append(build_seconds()))
        cold_engine, warm_engine = statistics.median(cold_runs), statistics.median(warm_runs)
        out = [row("step build, unchanged source, with cache", warm, cold, "s",
                   f"whole step vs cold: {100 * warm / cold:.0f}% (target < 20%) "
                   f"{'OK' if warm / cold < 0.2 else 'MISSED'}"),
               row("  of which the engine's build", warm_engine, cold_engine, "s",
                   f"build phase vs cold: {100 * warm_engine / cold_engine:.0f}% (target < 20%) "
                   f"{'OK' if warm_engine / cold_engine < 0.2 else 'MISSED'}")]
        step("push")
        first = json.loads((src / ".jenkinsctl" / "push.json").read_text())
        step("push")
        second = json.loads((src / ".jenkinsctl" / "push.json").read_text())
        same = second["IMAGE_DIGEST"] == first["IMAGE_DIGEST"]
        out.append(f"{'step push again, unchanged image':<44} {int(second['BYTES_UPLOADED']):>9d} B   "
                   f"{int(first['BYTES_UPLOADED']):>9d} B   vs the first push; target 0 layer bytes "
                   f"{'OK' if second['BYTES_UPLOADED'] == '0' and same else 'MISSED'} (same digest: {same})")
        remove_images(client, settings.registry_endpoint)
        remove_image_ids(client, built)  # cold builds whose tag moved to the next build
        return out
    finally:
        client.close()
        moto.stop()
        reg.stop()
        if started_engine:
            engine.stop()


if __name__ == "__main__":
    sys.exit(main())
