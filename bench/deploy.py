"""Benchmark: promotion by digest against the engine round trip, and the cost of deploy polls.

    .venv/bin/python bench/deploy.py [--mb 100] [--runs 3]

1. Promote a ~100 MB image into another repository of the same registry, registry-side
   (`jenkinsctl.deploy.promotion.promote`: manifest GET, cross-repository blob mounts, manifest PUT)
   against `docker pull` + `docker tag` + `docker push` through the engine (the image removed
   from the engine first, so the pull really transfers). Median of --runs, a fresh target
   repository each run. Targets: >= 20x faster, 0 layer bytes uploaded.
2. API calls per deploy poll for rolling, blue-green and canary on moto (in-process), a second
   version over a first; the waiter enforces its bound (MAX_CALLS_PER_POLL). moto records no ECS
   service deployments, so these polls follow the service itself (one DescribeServices); on AWS a
   poll is one DescribeServiceDeployments.

Starts a private registry (free port) and, if none answers, the Docker engine; stops what it
started (by PID)."""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))


def build_image(engine, root: Path, ref: str, mb: int) -> str:
    ctx = root / "image"
    ctx.mkdir()
    shutil.copy("/bin/busybox", ctx / "busybox")
    with open(ctx / "payload", "wb") as f:  # random: no compression helps either side
        for _ in range(mb):
            f.write(os.urandom(1024 * 1024))
    (ctx / "Dockerfile").write_text("FROM scratch\nCOPY busybox /bin/busybox\nCOPY payload /payload\n"
                                    'CMD ["/bin/busybox", "sleep", "3600"]\n')
    return engine.build(ctx, "Dockerfile", ref).image_id


def promotion(args, tmp: Path) -> list[str]:
    from jenkinsctl.deploy.lastgood import Record
    from jenkinsctl.deploy.promotion import promote
    from jenkinsctl.dockerengine import DockerEngine
    from jenkinsctl.registry.client import Registry
    from jenkinsctl.sandbox import Engine, RegistryServer, SandboxSettings
    from jenkinsctl.workspace import Workspace
    from support import free_port

    settings = SandboxSettings(root=tmp / "sandbox", registry_port=free_port(), docker_host=os.environ.get("DOCKER_HOST"))
    settings.root.mkdir()
    registry_server, engine_server = RegistryServer(settings), Engine(settings)
    registry_server.start()
    started_engine = engine_server.start()
    engine = DockerEngine(base_url=engine_server.address)
    endpoint, auth = settings.registry_endpoint, {"username": settings.registry_user,
                                                  "password": settings.registry_password}
    try:
        engine.login(endpoint, auth["username"], auth["password"])
        source = f"{endpoint}/bench/app"
        build_image(engine, tmp, f"{source}:1.0.0", args.mb)
        pushed = engine.push(source, "1.0.0", auth)
        digest, size_mb = pushed.digest, pushed.bytes_uploaded / 1e6
        resolved = Workspace.load(REPO / "jenkinsctl.yaml", {}, REPO).service("orders-api").resolved
        record = Record("1.0.0", digest, f"{source}@{digest}", source, "-", "bench", "rolling", "-")
        reg = Registry(endpoint, auth["username"], auth["password"])
        ours, theirs, our_bytes, their_bytes, their_mounted = [], [], [], [], []
        for run in range(args.runs):
            before = reg.bytes_uploaded
            start = time.perf_counter()
            p = promote(resolved, "dev", "prod", record, reg, reg, f"promoted-{run}/bench/app")
            ours.append(time.perf_counter() - start)
            assert reg.manifest_head(f"promoted-{run}/bench/app", digest) == digest == p.digest
            our_bytes.append(reg.bytes_uploaded - before)

            engine.remove_image(engine.inspect(f"{source}:1.0.0")["Id"])  # every tag: the pull must transfer
            assert not engine.exists(f"{source}:1.0.0")
            start = time.perf_counter()
            engine.pull(source, "1.0.0", auth)
            engine.tag(f"{source}:1.0.0", f"{endpoint}/manual-{run}/bench/app", "1.0.0")
            result = engine.push(f"{endpoint}/manual-{run}/bench/app", "1.0.0", auth)
            theirs.append(time.perf_counter() - start)
            their_bytes.append(result.bytes_uploaded)
            their_mounted.append(result.layers_existing)
            assert result.digest == digest
        a, b = statistics.median(ours), statistics.median(theirs)
        return [
            f"1. promote a {size_mb:.0f} MB image ({digest[:19]}...) to another repository, median of {args.runs}:",
            f"   registry-side promote (mount)     {a * 1000:8.1f} ms   layer bytes uploaded {max(our_bytes)}"
            f"   ({p.blobs_mounted} blobs mounted)",
            f"   docker pull + tag + push           {b * 1000:8.1f} ms   layer bytes uploaded {max(their_bytes)}"
            f"   ({min(their_mounted)} layers reported existing/mounted by the engine)",
            f"   speed-up {b / a:.0f}x (target >= 20x); digest identical on both paths: yes",
        ]
    finally:
        if engine.exists(f"{endpoint}/bench/app:1.0.0"):
            engine.remove_image(engine.inspect(f"{endpoint}/bench/app:1.0.0")["Id"])
        engine.close()
        registry_server.stop()
        if started_engine:
            engine_server.stop()


def polls(tmp: Path) -> list[str]:
    os.environ["MOTO_ECS_SERVICE_RUNNING"] = "4"  # read by the in-process moto server
    from moto.server import ThreadedMotoServer

    from deploy_support import Sandbox
    from jenkinsctl.deploy.waiter import MAX_CALLS_PER_POLL
    from jenkinsctl.devkit import sandbox_infra
    from jenkinsctl.factory import Factory
    from support import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        import logging

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        project = tmp / "repo"
        project.mkdir()
        shutil.copy(REPO / "jenkinsctl.yaml", project)
        shutil.copytree(REPO / "services", project / "services")
        clients = Factory({"JENKINSCTL_AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"}).aws(region="us-east-1",
                                                                                       max_attempts=1)
        sandbox_infra.write_settings(project / "jenkinsctl.yaml",
                                     sandbox_infra.create(clients, {"dev": "dev", "staging": "staging", "prod": "prod"}))
        clients.cloudwatch.raw.put_metric_alarm(  # the alarm search-api's canary rolls back on must exist
            AlarmName="search-api-5xx", MetricName="HTTPCode_Target_5XX_Count", Namespace="AWS/ApplicationELB",
            Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=10, ComparisonOperator="GreaterThanThreshold")
        box = Sandbox(project, clients)
        lines = [f"2. API calls per deploy poll on moto (poll every 0.2 s; bound {MAX_CALLS_PER_POLL}):"]
        for name, env, strategy in (("invoice-worker", "dev", "rolling"), ("orders-api", "dev", "blue-green"),
                                    ("search-api", "prod", "canary")):
            box.deploy(name, env, 1, "1.0.0", interval=0.2, timeout=60)
            before = clients.call_count
            out = box.deploy(name, env, 2, "1.1.0", interval=0.2, timeout=60)
            per = out.wait.calls_per_poll
            lines.append(f"   {strategy:<10} {out.outcome:<9} {len(per):3d} polls, calls per poll max {max(per)} "
                         f"mean {statistics.mean(per):.2f}; whole deploy {clients.call_count - before} calls "
                         f"(plan + apply + polls + record)")
        return lines
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-deploy-"))
    try:
        for line in promotion(args, tmp) + polls(tmp):
            print(line, flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
