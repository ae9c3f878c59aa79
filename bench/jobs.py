"""Benchmark: jobs for 1,000 services, rendered and synced into the in-repo Jenkins fake.

    .venv/bin/python bench/jobs.py [--services 1000] [--fault-rate 0.10]

Prints, in one run:
- render time of every job (jenkinsctl's generator, in-process) next to `jenkins-jobs test` on
  the equivalent JJB YAML (`jenkinsctl jobs render --format jjb` + jobs/) — the baseline;
- a full first sync into the fake (writes, reads, time);
- a no-change sync (target: 0 writes, reads bounded: one listing of the folder tree);
- a sync after one descriptor changed (target: writes only for that service's jobs);
- a service removed: `--prune` disables its jobs; after the grace period its jobs and its
  (now empty) folder are deleted;
- a first sync under injected faults (5xx, dropped connections, expired crumbs, slow answers):
  how many syncs until converged, and that no job is lost or wrong.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from jenkinsctl.devkit.jenkins_fake import FakeJenkins  # noqa: E402
from jenkinsctl.errors import JenkinsError  # noqa: E402
from jenkinsctl.jenkins.client import JenkinsClient  # noqa: E402
from jenkinsctl.jobgen import render_workspace, rendered_files  # noqa: E402
from jenkinsctl.jobsync.apply import sync  # noqa: E402
from jenkinsctl.jobsync.remote import read_remote  # noqa: E402
from jenkinsctl.workspace import Workspace  # noqa: E402

STRATEGIES = ["rolling", "blue-green", "canary"]


def make_repo(root: Path, n: int) -> None:
    shutil.copy(REPO / "jenkinsctl.yaml", root / "jenkinsctl.yaml")
    services = root / "services"
    services.mkdir()
    for i in range(n):
        team = f"team-{i % 40:02d}"
        strategy = STRATEGIES[i % 3]
        worker = i % 5 == 0  # a queue worker: no port, rolling deploys
        strategy = "rolling" if worker else strategy
        port = "" if worker else "  port: 8080\n  healthCheck: {path: /healthz}\n"
        single = "environments:\n  staging: {enabled: false}\n  dev: {enabled: false}\n" if i % 10 == 0 else ""
        (services / f"svc-{i:04d}.yaml").write_text(
            f"apiVersion: jenkinsctl/v1\nkind: Service\nname: svc-{i:04d}\nteam: {team}\n"
            f"repo: https://git.example.com/{team}/svc-{i:04d}.git\n"
            f"description: Service number {i}\n"
            f"deploy:\n{port}  strategy: {strategy}\n{single}")


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def row(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<44} {value:>14}  {note}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--fault-rate", type=float, default=0.10)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-jobs-"))
    fakes: list[FakeJenkins] = []
    try:
        make_repo(work, args.services)
        print(f"jobs bench: {args.services} services (40 teams; 1 in 10 has a single environment)")
        ws, t_load = timed(lambda: Workspace.load(work / "jenkinsctl.yaml", environ={}))
        jobset, t_render = timed(lambda: render_workspace(ws, (), environ={}))
        n_jobs = sum(1 for j in jobset.jobs if not j.is_folder)
        n_items = len(jobset.jobs)
        print("\nrender")
        row("load + validate descriptors", f"{t_load:.2f} s")
        row("jenkinsctl render (config.xml, marks)", f"{t_render:.2f} s", f"{n_jobs} jobs + {n_items - n_jobs} folders")
        jjb_dir = work / "jjb"
        jjb_dir.mkdir()
        (jjb_dir / "projects.yaml").write_text(rendered_files(ws, jobset, "jjb")["projects.yaml"])
        jjb_bin = Path(sys.executable).with_name("jenkins-jobs")
        cmd = [str(jjb_bin), "--conf", os.devnull, "test", "--config-xml", "-o", str(work / "jjb-out"),
               f"{REPO / 'jobs'}{os.pathsep}{jjb_dir / 'projects.yaml'}"]
        proc, t_jjb = timed(lambda: subprocess.run(cmd, capture_output=True, text=True))
        jjb_count = len(list((work / "jjb-out").rglob("config.xml"))) if proc.returncode == 0 else 0
        row("baseline: jenkins-jobs test (same YAML)", f"{t_jjb:.2f} s",
            f"{jjb_count} config.xml" + ("" if proc.returncode == 0 else f" FAILED: {proc.stderr[-200:]}"))
        _, t_dsl = timed(lambda: rendered_files(ws, jobset, "job-dsl"))
        row("jenkinsctl Job DSL output (from the XML)", f"{t_dsl:.2f} s")

        print("\nsync into the fake Jenkins")
        fake = FakeJenkins(users={"seed": "token"}).start()
        fakes.append(fake)
        client = JenkinsClient(fake.url, "seed", "token")

        def run(desired, **kw):
            before = client.calls.snapshot()
            fake.reset_stats()
            result, took = timed(lambda: sync(client, desired, **kw))
            return result, took, client.calls.since(before)

        first, t_first, c_first = run(jobset)
        ok = first.report.ok
        row("first sync (empty Jenkins)", f"{t_first:.2f} s",
            f"{c_first.writes} writes, {c_first.reads} reads, {'ok' if ok else 'INCOMPLETE'}")
        same, t_same, c_same = run(jobset)
        row("no-change sync", f"{t_same:.2f} s", f"{c_same.writes} writes (target 0), {c_same.reads} reads "
            f"(server counted {fake.stats.reads} incl. crumb/auth)")
        svc = ws.services["svc-0007"].path
        svc.write_text(svc.read_text().replace("description: Service number 7", "description: Service seven"))
        ws2 = Workspace.load(work / "jenkinsctl.yaml", environ={})
        changed_set = render_workspace(ws2, (), environ={})
        changed, t_changed, c_changed = run(changed_set)
        touched = sorted({a.service for a in changed.plan.writes})
        row("one descriptor changed (svc-0007)", f"{t_changed:.2f} s",
            f"{c_changed.writes} writes, {c_changed.reads} reads; services written: {', '.join(touched) or '-'}")
        (ws2.services["svc-0009"].path).unlink()
        ws3 = Workspace.load(work / "jenkinsctl.yaml", environ={})
        pruned_set = render_workspace(ws3, (), environ={})
        pruned, t_pruned, c_pruned = run(pruned_set, prune="disable")
        row("one service removed, --prune (svc-0009)", f"{t_pruned:.2f} s",
            f"{c_pruned.writes} writes ({len(pruned.plan.of('disable'))} jobs disabled), {c_pruned.reads} reads")
        after_grace = dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=7)
        gone, t_gone, c_gone = run(pruned_set, prune="disable", grace_days=7, today=after_grace)
        folders = sum(1 for a in gone.plan.of("delete") if a.kind == "folder")
        row("  ...after the grace period", f"{t_gone:.2f} s",
            f"{c_gone.writes} writes ({len(gone.plan.of('delete')) - folders} jobs + {folders} folder deleted), "
            f"{c_gone.reads} reads")

        print(f"\nfirst sync under {args.fault_rate:.0%} injected faults (fresh fake)")
        faulty = FakeJenkins(users={"seed": "token"}).start()
        fakes.append(faulty)
        rate = args.fault_rate
        faulty.set_faults(error_rate=rate * 0.5, drop_rate=rate * 0.2, crumb_expiry_rate=rate * 0.2,
                          slow_rate=rate * 0.1, slow_seconds=0.05, seed=42)
        fclient = JenkinsClient(faulty.url, "seed", "token", backoff_min=0.01, backoff_max=0.2)
        rounds, failed_rounds, start = 0, 0, time.perf_counter()
        while rounds < 20:
            rounds += 1
            try:
                result = sync(fclient, jobset)
            except JenkinsError:
                failed_rounds += 1
                continue
            if result.plan.writes == [] or result.report.ok:
                if result.plan.writes == []:
                    break
                continue
            failed_rounds += 1
        t_faulty = time.perf_counter() - start
        injected = faulty.stats.faults
        faulty.clear_faults()
        remote = read_remote(fclient, jobset.root) or {}
        lost = [j.name for j in jobset.jobs if j.name not in remote]
        wrong = [j.name for j in jobset.jobs if j.name in remote and not remote[j.name].is_folder
                 and remote[j.name].mark.config != j.config]
        extra = sorted(set(faulty.jobs()) - {j.name for j in jobset.jobs})
        row("syncs until converged", f"{rounds}", f"{failed_rounds} incomplete; {t_faulty:.1f} s total")
        row("faults injected / retries", f"{injected}", f"{fclient.calls.retries} retries, "
            f"{fclient.calls.writes} writes for {n_items} items")
        row("jobs lost / wrong config / unexpected", f"{len(lost)} / {len(wrong)} / {len(extra)}", "target 0 / 0 / 0")
        good = (ok and c_same.writes == 0 and touched == ["svc-0007"] and not lost and not wrong and not extra
                and proc.returncode == 0)
        print("\nresult:", "all targets met" if good else "TARGETS MISSED")
        return 0 if good else 1
    finally:
        for f in fakes:
            f.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
