"""Golden corpus: every invalid descriptor and config, with the exact text a user sees.

Regenerate the expected files after an intended message change with
`JENKINSCTL_REGEN_FIXTURES=1 scripts/test tests/unit/test_validation_corpus.py` and review the diff."""

from __future__ import annotations

import os
import resource
import shutil
from pathlib import Path

import pytest

from support import FIXTURES, REPO

INVALID = FIXTURES / "invalid"
REGEN = os.environ.get("JENKINSCTL_REGEN_FIXTURES") == "1"
DESCRIPTORS = sorted(INVALID.glob("descriptors/*.yaml"))
CONFIGS = sorted(INVALID.glob("config/*.yaml"))
MULTI = sorted(p for p in INVALID.glob("multi/*") if p.is_dir())


def _compare(actual: str, expected_file: Path) -> None:
    if REGEN:
        expected_file.write_text(actual)
    assert expected_file.exists(), f"missing {expected_file}; run with JENKINSCTL_REGEN_FIXTURES=1"
    assert actual == expected_file.read_text()


def _repo(tmp_path: Path, config: Path = REPO / "jenkinsctl.yaml") -> Path:
    root = tmp_path / "repo"
    (root / "services").mkdir(parents=True)
    shutil.copy(config, root / "jenkinsctl.yaml")
    return root


def test_corpus_is_large_enough():
    assert len(DESCRIPTORS) + len(CONFIGS) + len(MULTI) >= 40


@pytest.mark.parametrize("case", DESCRIPTORS, ids=lambda p: p.stem)
def test_invalid_descriptor(case, tmp_path, cli):
    root = _repo(tmp_path)
    shutil.copy(case, root / "services" / case.name)
    result = cli("service", "validate", cwd=root)
    assert result.code == 2
    assert result.out == ""
    _compare(result.err, case.with_suffix(".error"))


@pytest.mark.parametrize("case", CONFIGS, ids=lambda p: p.stem)
def test_invalid_config(case, tmp_path, cli):
    root = _repo(tmp_path, case)
    result = cli("service", "validate", cwd=root)
    assert result.code == 2
    _compare(result.err.replace(str(root), "<repo>"), case.with_suffix(".error"))


@pytest.mark.parametrize("case", MULTI, ids=lambda p: p.name)
def test_invalid_across_files(case, tmp_path, cli):
    root = _repo(tmp_path)
    shutil.copytree(case / "services", root / "services", dirs_exist_ok=True)
    result = cli("service", "validate", cwd=root)
    assert result.code == 2
    _compare(result.err, case / "expected.error")


def test_huge_file_is_refused(tmp_path, cli):
    root = _repo(tmp_path)
    (root / "services" / "huge.yaml").write_text("description: " + "x" * 1_100_000 + "\n")
    result = cli("service", "validate", cwd=root)
    assert result.code == 2
    assert result.err.startswith("services/huge.yaml: file is 1100014 bytes; the limit is 1048576\n")


def test_environment_override_is_blamed(tmp_path, cli):
    root = _repo(tmp_path)
    result = cli("service", "validate", cwd=root, env={"AWS_REGION": "mars"})
    assert result.code == 2
    assert result.err.splitlines()[:2] == [
        "$AWS_REGION: aws.region: 'mars' is not an AWS region",
        "  hint: environment variable AWS_REGION overrides aws.region",
    ]


def test_only_named_files_are_reported(tmp_path, cli):
    root = _repo(tmp_path)
    shutil.copy(REPO / "services" / "orders-api.yaml", root / "services")
    shutil.copy(INVALID / "descriptors" / "unknown-key.yaml", root / "services")
    assert cli("service", "validate", "services/orders-api.yaml", cwd=root).code == 0
    assert cli("service", "validate", cwd=root).code == 2


# ---- the hostile corpus: one table, many commands ---------------------------------------------
# tests/fixtures/hostile/cases/NN-*.yaml, one file per class of issue 12, read as ONE table: each
# case builds a scratch repository (base/jenkinsctl.yaml, base/service.yaml as services/x.yaml),
# changes it, runs one command and checks the exit code, the located message and its hint, that
# no internal error or secret is printed and that nothing was changed on refusal.
# `scripts/hostile-count` runs the table and prints how many cases hold.

HOSTILE = FIXTURES / "hostile"


def _hostile_cases() -> list[dict]:
    import yaml

    cases = []
    for table in sorted((HOSTILE / "cases").glob("*.yaml")):
        data = yaml.safe_load(table.read_text())
        cases += [{"class": data["class"], **case} for case in data["cases"]]
    return cases


HOSTILE_CASES = _hostile_cases()
HOSTILE_OPEN = {line.strip() for line in (HOSTILE / "open.txt").read_text().splitlines()
                if line.strip() and not line.startswith("#")}


def test_hostile_corpus_covers_every_class():
    from collections import Counter

    ids = [c["id"] for c in HOSTILE_CASES]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    per_class = Counter(c["class"] for c in HOSTILE_CASES)
    assert len(HOSTILE_CASES) >= 120 and set(per_class) == set(range(1, 11))
    assert min(per_class.values()) >= 4, per_class


def _hostile_repo(tmp_path: Path, case: dict) -> Path:
    root = tmp_path / "repo"
    (root / "services").mkdir(parents=True)
    config = (HOSTILE / "base" / "jenkinsctl.yaml").read_text()
    for old, new in case.get("configSub", []):
        assert config.count(old) == 1, f"{case['id']}: {old!r} must occur once in hostile/jenkinsctl.yaml"
        config = config.replace(old, new)
    (root / "jenkinsctl.yaml").write_text(config + case.get("configAppend", ""))
    if not case.get("noService"):
        text = case.get("service", "")
        base = (HOSTILE / "base" / "service.yaml").read_text()
        for old, new in case.get("serviceSub", []):
            assert base.count(old) == 1, f"{case['id']}: {old!r} must occur once in hostile/service.yaml"
            base = base.replace(old, new)
        (root / "services" / "x.yaml").write_text(text if text.startswith("apiVersion") else base + text)
    for rel, text in case.get("files", {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    for rel, (unit, times, end) in case.get("big", {}).items():
        (root / rel).write_text(unit * times + end * times)
    for rel, hexbytes in case.get("bytes", {}).items():
        (root / rel).write_bytes(bytes.fromhex(hexbytes))
    for rel, kind in case.get("special", {}).items():
        target = root / rel
        target.unlink(missing_ok=True)
        if kind == "fifo":
            os.mkfifo(target)
        elif kind == "dir":
            target.mkdir()
        else:
            target.symlink_to(kind)  # e.g. /dev/zero
    return root


def _snapshot(root: Path) -> dict[str, bytes]:
    """Every file under `root` but the step cache (`.jenkinsctl/cache/`): a step's arguments are
    checked against its validated workspace, and caching a valid load is not a change a user sees."""
    out = {}
    for p in sorted(root.rglob("*")):
        parts = p.relative_to(root).parts
        if parts in ((".jenkinsctl",),) or parts[:2] == (".jenkinsctl", "cache"):
            continue
        if p.is_symlink() or not p.is_file():
            out[str(p.relative_to(root))] = b"<special>"
        else:
            out[str(p.relative_to(root))] = p.read_bytes()
    return out


def _memory_cap(extra: int) -> tuple[int, int]:
    """Cap this process's address space at what it uses now plus `extra`; returns the old limit."""
    old = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as f:
        used = int(f.read().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (used + extra, old[1]))
    return old


class _Alarm(Exception):
    pass


def _run_hostile(case: dict, tmp_path: Path, cli) -> tuple[object, list[str]]:
    """Run one case; returns (result, the list of what went wrong: empty when the case holds)."""
    import shlex
    import signal
    import time

    root = _hostile_repo(tmp_path, case)
    env = dict(case.get("env", {}))
    fake = None
    if case.get("jenkins") == "fake":
        from jenkinsctl.devkit.jenkins_fake import FakeJenkins

        fake = FakeJenkins().start()
        env = {k: v.replace("{fake}", f"127.0.0.1:{fake.port}") for k, v in env.items()}
        env.setdefault("JENKINS_URL", fake.url)
        for name, xml in case.get("jenkinsItems", {}).items():  # "folder/name": config.xml
            parent, _, leaf = name.rpartition("/")
            fake.state.create(parent, leaf, xml)
    wrong: list[str] = []

    def _timeout(*_):
        raise _Alarm()

    old = signal.signal(signal.SIGALRM, _timeout)
    limit = _memory_cap(1536 * 2**20)  # a case that reads /dev/zero must not take the machine down
    try:
        if case.get("prepare"):
            signal.alarm(60)
            first = cli(*shlex.split(case["prepare"]), cwd=root, env=env)
            signal.alarm(0)
            assert first.code == 0, f"{case['id']}: prepare failed: {first.err}"
        for rel in case.get("remove", []):
            (root / rel).unlink()
        for rel, text in case.get("thenAppend", {}).items():
            (root / rel).write_text((root / rel).read_text() + text)
        before = _snapshot(root)
        writes_before = fake.stats.writes if fake else 0
        if fake is not None:
            fake.fail_next(*case.get("faults", {}).get("next", []))
            for fragment, times, kind in case.get("faults", {}).get("paths", []):
                fake.fail_path(fragment, times, kind)
        signal.alarm(case.get("timeout", 20))
        started = time.process_time()  # CPU time: a bound other processes on the machine cannot break
        try:
            result = cli(*shlex.split(case["command"]), cwd=root, env=env)
        except _Alarm:
            return None, [f"no answer within {case.get('timeout', 20)} s"]
        finally:
            signal.alarm(0)
        elapsed = time.process_time() - started
    finally:
        signal.signal(signal.SIGALRM, old)
        resource.setrlimit(resource.RLIMIT_AS, limit)
        if fake is not None:
            fake_writes = fake.stats.writes
            missing = [name for name in case.get("jenkinsHas", []) if name not in fake.state.items]
            fake.stop()
    text = result.out + result.err
    if result.code != case["exit"]:
        wrong.append(f"exit {result.code}, expected {case['exit']}")
    if "internal error" in text or "Traceback" in text:
        wrong.append("internal error")
    for needle in case.get("never", []):
        if needle in text:
            wrong.append(f"printed {needle!r}")
    for key, stream in (("message", result.err), ("stdout", result.out)):
        for needle in ([case[key]] if isinstance(case.get(key), str) else case.get(key, [])):
            if needle not in stream:
                wrong.append(f"{key} lacks {needle!r}")
    if "hint" in case and not any(line.startswith("  hint: ") and case["hint"] in line
                                  for line in result.err.splitlines()):
        wrong.append(f"no hint with {case['hint']!r}")
    if case["exit"] != 0 and _snapshot(root) != before:
        wrong.append("files changed on refusal")
    if (case["exit"] == 2 or case.get("jenkinsUnchanged")) and fake is not None and fake_writes != writes_before:
        wrong.append("Jenkins was changed on refusal")
    if fake is not None and missing:
        wrong.append(f"not in Jenkins: {', '.join(missing)}")
    if "seconds" in case and elapsed > case["seconds"]:
        wrong.append(f"took {elapsed:.1f} s of CPU (bound {case['seconds']} s)")
    return result, wrong


@pytest.mark.parametrize("case", [
    pytest.param(c, marks=pytest.mark.xfail(strict=True, reason="open: tests/fixtures/hostile/open.txt"))
    if f"{c['class']}-{c['id']}" in HOSTILE_OPEN else c for c in HOSTILE_CASES],
    ids=lambda c: f"{c['class']}-{c['id']}")
def test_hostile_input(case, tmp_path, cli):
    result, wrong = _run_hostile(case, tmp_path, cli)
    assert not wrong, f"{case['id']}: {'; '.join(wrong)}\n--- stdout\n{getattr(result, 'out', '')}" \
                      f"\n--- stderr\n{getattr(result, 'err', '')}"
