"""Benchmark: validate 1,000 generated descriptors; CLI start-up against bare Python.

    .venv/bin/python bench/descriptors.py [--services 1000] [--runs 10]

Prints, side by side in one run: `jenkinsctl service validate` over N descriptors against
plain `yaml.safe_load` of the same files (the floor any YAML tool pays), with wall time and
peak RSS of each process; and `jenkinsctl --help` / `jenkinsctl step build --help` start-up
against `python -c pass` (target: under 0.25 s above bare Python)."""

from __future__ import annotations

import argparse
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

TEMPLATE = """\
apiVersion: jenkinsctl/v1
kind: Service
name: {name}
team: team-{team}
repo: https://git.example.com/team-{team}/{name}.git
build:
  args: {{BASE: "{i}"}}
  test: make test
deploy:
{deploy}  cpu: 512
  memory: 1024
  desiredCount: {count}
  env: {{LOG_LEVEL: info, INDEX: "{i}"}}
  secrets: {{DB_PASSWORD: "ssm:/{name}/db-password"}}
environments:
  prod:
    desiredCount: {prod}
"""
DEPLOYS = ["  port: 8080\n  strategy: blue-green\n",
           "  port: 3000\n  strategy: canary\n  canary: {steps: [10, 50, 100]}\n  autoscaling: {min: 2, max: 8}\n",
           ""]


def generate(root: Path, n: int) -> None:
    (root / "services").mkdir(parents=True)
    shutil.copy(REPO / "jenkinsctl.yaml", root)
    for i in range(n):
        name = f"svc-{i:05d}"
        (root / "services" / f"{name}.yaml").write_text(TEMPLATE.format(
            name=name, team=i % 40, i=i, deploy=DEPLOYS[i % 3], count=1 + i % 3, prod=2 + i % 4))


def timed(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one child process."""
    wrapper = ("import resource,subprocess,sys,time;t=time.perf_counter();"
               "r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL);"
               "w=time.perf_counter()-t;m=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss;"
               "print(w,m/1024,r.returncode)")
    out = subprocess.run([PY, "-c", wrapper, *cmd], cwd=cwd, capture_output=True, text=True, check=True).stdout
    wall, rss, code = out.split()
    if code != "0":
        raise SystemExit(f"{' '.join(cmd)} exited {code}")
    return float(wall), float(rss)


def median_start(cmd: list[str], runs: int, cwd: Path) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--services", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="jenkinsctl-bench-"))
    try:
        generate(root, args.services)
        floors = {
            "yaml.safe_load only (pure)": "import glob,yaml;[yaml.safe_load(open(f)) for f in glob.glob('services/*.yaml')]",
            "yaml CSafeLoader only": "import glob,yaml;[yaml.load(open(f),Loader=yaml.CSafeLoader) "
                                     "for f in glob.glob('services/*.yaml')]",
        }
        print(f"validate {args.services} descriptors        wall      peak RSS")
        for label, code in floors.items():
            b_wall, b_rss = timed([PY, "-c", code], root)
            print(f"  {label:<31} {b_wall:7.2f} s  {b_rss:7.1f} MiB")
        v_wall, v_rss = timed([*JENKINSCTL, "service", "validate"], root)
        print(f"  jenkinsctl service validate     {v_wall:7.2f} s  {v_rss:7.1f} MiB"
              f"   ({v_wall / args.services * 1000:.2f} ms per descriptor)")
        bare = median_start([PY, "-c", "pass"], args.runs, root)
        helps = {"jenkinsctl --help": [*JENKINSCTL, "--help"],
                 "jenkinsctl step build --help": [*JENKINSCTL, "step", "build", "--help"]}
        print(f"\nstart-up (median of {args.runs})         wall      above bare Python (target < 0.25 s)")
        print(f"  python -c pass                  {bare:7.3f} s")
        for label, cmd in helps.items():
            try:
                t = median_start(cmd, args.runs, root)
            except subprocess.CalledProcessError:
                print(f"  {label:<31} (not available)")
                continue
            verdict = "ok" if t - bare < 0.25 else "OVER TARGET"
            print(f"  {label:<31} {t:7.3f} s  +{t - bare:.3f} s  {verdict}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
