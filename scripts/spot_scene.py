"""The demo's spot warning: `.venv/bin/python scripts/spot_scene.py CONFIG` (demo set-up, not jenkinsctl).

On the sandbox's moto (the fleet of CONFIG applied) and a Jenkins fake started here: one agent
instance registered in the fleet's cluster, an agent running a build on it; `jenkinsctl sandbox
controller` started (a local process, by PID); EC2's spot interruption warning for the instance
put on the fleet's event queue; the controller's log shown until the build is resubmitted; the
controller stopped by PID. Scene set-up (what EC2, the ECS agent and the amazon-ecs plugin would
do) goes through boto3 and the fake directly; everything else is jenkinsctl."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

JOB = "apps/api"
JOB_XML = """<?xml version='1.1' encoding='UTF-8'?>
<flow-definition plugin="workflow-job"><properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions>
<hudson.model.StringParameterDefinition><name>VERSION</name><defaultValue>0.0.0</defaultValue>
</hudson.model.StringParameterDefinition></parameterDefinitions></hudson.model.ParametersDefinitionProperty>
</properties><disabled>false</disabled></flow-definition>"""


def spot_warning(instance_id: str) -> dict:
    """EC2's event as EventBridge delivers it to the queue."""
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"version": "0", "id": f"scene-{int(time.time())}", "detail-type": "EC2 Spot Instance Interruption Warning",
            "source": "aws.ec2", "time": now, "region": "us-east-1", "resources": [f"arn:aws:ec2:::instance/{instance_id}"],
            "detail": {"instance-id": instance_id, "instance-action": "terminate"}}


def _jenkinsctl(config: Path, *args: str, env: dict) -> str:
    done = subprocess.run([sys.executable, "-m", "jenkinsctl", "--config", str(config), *args], env=env,
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise SystemExit(f"jenkinsctl {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


def run(config: Path, out=print, timeout: float = 90.0) -> list[str]:
    """The scene; returns the controller's log lines it printed."""
    import boto3
    import yaml

    from jenkinsctl.agents.resources import Names
    from jenkinsctl.devkit.jenkins_fake import FakeJenkins

    kw = dict(region_name="us-east-1", endpoint_url=os.environ["JENKINSCTL_AWS_ENDPOINT_URL"])
    cluster = yaml.safe_load(config.read_text())["agents"]["cluster"]
    n = Names(cluster)
    # boto3 itself: the scene plays EC2, the ECS agent and the plugin, not jenkinsctl
    asg, ecs, sqs = (boto3.client(s, **kw) for s in ("autoscaling", "ecs", "sqs"))
    with FakeJenkins() as fake:
        env = {**os.environ, "JENKINS_URL": fake.url}
        env.pop("JENKINS_USER", None), env.pop("JENKINS_API_TOKEN", None)
        # EC2 boots one spot instance, its ECS agent registers it, the plugin runs a build's agent on it
        asg.set_desired_capacity(AutoScalingGroupName=n.asg, DesiredCapacity=1)
        iid = asg.describe_auto_scaling_groups(AutoScalingGroupNames=[n.asg])["AutoScalingGroups"][0]["Instances"][0][
            "InstanceId"]
        ci = ecs.register_container_instance(cluster=cluster, instanceIdentityDocument=json.dumps(
            {"instanceId": iid, "region": "us-east-1"}))["containerInstance"]["containerInstanceArn"]
        label = next(iter(yaml.safe_load(config.read_text())["agents"]["templates"]))
        ecs.start_task(cluster=cluster, taskDefinition=n.family(label), containerInstances=[ci],
                       overrides={"containerOverrides": [{"name": "jnlp", "environment": [
                           {"name": "JENKINS_AGENT_NAME", "value": "agent-1"}]}]})
        fake.create_folder("apps")
        fake.create(JOB, JOB_XML)
        fake.add_node("agent-1", labels=label, executors=1)
        build = fake.start_build(fake.enqueue(JOB, {"VERSION": "1.4.1"}, label=label).id, node="agent-1").number
        out(f"   instance {iid} runs agent-1, which runs {JOB} #{build}")

        log = Path(os.environ.get("JENKINSCTL_SANDBOX_DIR", "~/.jenkinsctl/sandbox")).expanduser() / "controller.log"
        start = len(log.read_text()) if log.exists() else 0  # characters: the offsets below index the text
        out("   " + _jenkinsctl(config, "sandbox", "controller", env=env).strip())
        lines: list[str] = []
        try:
            url = sqs.get_queue_url(QueueName=n.queue)["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody=json.dumps(spot_warning(iid)))
            out(f"   EC2: spot interruption warning for {iid} (2 minutes), on {n.queue}")
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and "resubmitted with the same parameters" not in log.read_text()[start:]:
                time.sleep(0.3)
            lines = [line for line in log.read_text()[start:].splitlines() if " pass " not in line]
            for line in lines:
                out(f"   | {line}")
            start += len(log.read_text()[start:])
            again = [q for q in fake.state.queue.values() if q.parameters.get("VERSION") == "1.4.1"]
            out(f"   Jenkins: #{build} {fake.state.build(JOB, build).result or 'running'}; "
                f"{len(again)} resubmission queued with VERSION=1.4.1; agent-1 offline: "
                f"{fake.state.node('agent-1').temporarily_offline}")
            if not again:
                raise SystemExit("the controller did not resubmit the build in time; see " + str(log))
        finally:
            stopped = _jenkinsctl(config, "sandbox", "controller", "--stop", env=env).strip()
            for line in log.read_text()[start:].splitlines():  # what SIGTERM made it say
                lines.append(line)
                out(f"   | {line}")
            out("   " + stopped)
    return lines


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    config = Path(args[0] if args else os.environ["JENKINSCTL_CONFIG"])
    run(config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
