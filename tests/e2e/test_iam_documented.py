"""`docs/iam.md` lists, per command, exactly the IAM actions the command uses: each command runs on the
sandbox (moto, the registry, the Docker engine) with `JENKINSCTL_AWS_CALL_LOG` set, and what it called
is compared with the command's ```iam <command>``` block, both ways (tests/iam_doc.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from fixtures.agents.agents_support import HERE as AGENTS_FIXTURES
from fixtures.agents.agents_support import moto_with_managed_policies
from iam_doc import documented, recorded

from jenkinsctl.aws.calllog import read

LOG = "JENKINSCTL_AWS_CALL_LOG"
SEEN: dict[str, set[str]] = {}  # command -> the actions its runs called (a command may run several times)
CALLS: dict[str, list[dict]] = {}  # command -> every call its runs made ({"action", "on"})


def run(cli, command: str, tmp_path: Path, *args: str, cwd: Path, env: dict, code: int = 0):
    """`jenkinsctl <command> ARGS` with the call log on; its actions go to SEEN[command]."""
    log = tmp_path / f"calls-{len(list(tmp_path.glob('calls-*')))}-{command.replace(' ', '-')}.jsonl"
    r = cli(*command.split(), *args, cwd=cwd, env={**env, LOG: str(log)})
    assert r.code == code, f"{command} {' '.join(args)}: exit {r.code}\n{r.out}\n{r.err}"
    SEEN.setdefault(command, set()).update(recorded(log))
    CALLS.setdefault(command, []).extend(read(log))
    return r


def named(command: str) -> set[str]:
    """Every resource name or ARN the command's calls named."""
    out: set[str] = set()
    for call in CALLS[command]:
        for value in call["on"].values():
            out.update(value if isinstance(value, list) else [str(value)])
    return out


def assert_documented(*commands: str) -> None:
    docs = documented()
    wrong = []
    for command in commands:
        if command not in docs:
            wrong.append(f"docs/iam.md has no ```iam {command}``` block; it calls:\n" + "\n".join(sorted(SEEN[command])))
        else:
            wrong += docs[command].compare(SEEN[command])
    assert not wrong, "\n".join(wrong)


# ---- the fleet ---------------------------------------------------------------------------------

@pytest.fixture
def fleet_project(project, moto_endpoint):
    """The example repository with its fleet on moto's default VPC, in an account that never used ECS."""
    clients = moto_with_managed_policies(moto_endpoint)
    subnet = clients.ec2.raw.describe_subnets()["Subnets"][0]["SubnetId"]
    sg = clients.ec2.raw.describe_security_groups()["SecurityGroups"][0]["GroupId"]
    path = project / "jenkinsctl.yaml"
    data = yaml.safe_load(path.read_text())
    data["agents"].update(subnets=[subnet], securityGroups=[sg])
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return project, clients


def _boot_instances(clients, cluster: str, count: int) -> list[tuple[str, str]]:
    """What the ECS agent does on instances the group launched: register them in the cluster."""
    clients.autoscaling.raw.set_desired_capacity(AutoScalingGroupName=f"{cluster}-agents", DesiredCapacity=count)
    group = clients.autoscaling.raw.describe_auto_scaling_groups(AutoScalingGroupNames=[f"{cluster}-agents"])
    out = []
    for inst in group["AutoScalingGroups"][0]["Instances"]:
        arn = clients.ecs.raw.register_container_instance(cluster=cluster, instanceIdentityDocument=json.dumps(
            {"instanceId": inst["InstanceId"], "region": "us-east-1"}))["containerInstance"]["containerInstanceArn"]
        out.append((inst["InstanceId"], arn))
    return out


def test_agents_apply_scale_drain_destroy_call_exactly_what_docs_iam_md_lists(cli, fleet_project, tmp_path):
    from jenkinsctl.devkit.jenkins_fake import FakeJenkins

    SEEN.clear()
    project, clients = fleet_project
    cluster = "jenkins-agents"
    with FakeJenkins() as fake:
        env = {"JENKINSCTL_AWS_ENDPOINT_URL": clients.endpoint_url, "JENKINS_URL": fake.url}
        run(cli, "agents apply", tmp_path, cwd=project, env=env)  # first apply: creates everything
        run(cli, "agents apply", tmp_path, cwd=project, env=env)  # second: reads only
        lt = clients.ec2.raw.describe_launch_template_versions(LaunchTemplateName=f"{cluster}-agents",
                                                               Versions=["$Latest"])["LaunchTemplateVersions"][0]
        meta = lt["LaunchTemplateData"]["MetadataOptions"]  # item 7: builds cannot take the instance role
        assert (meta["HttpTokens"], meta["HttpPutResponseHopLimit"], meta["HttpEndpoint"]) == ("required", 1, "enabled")

        fake.create_folder("apps")
        fake.create("apps/api", "<flow-definition><disabled>false</disabled></flow-definition>")
        for v in ("1", "2"):
            fake.enqueue("apps/api", {"VERSION": v}, label="docker")
        run(cli, "agents scale", tmp_path, cwd=project, env=env)  # from zero: pre-warms from the queue
        instances = _boot_instances(clients, cluster, 2)
        run(cli, "agents scale", tmp_path, cwd=project, env=env)  # instances there: protect, tag

        url = clients.sqs.raw.get_queue_url(QueueName=f"{cluster}-agent-events")["QueueUrl"]
        event = (AGENTS_FIXTURES / "events" / "spot-interruption.json").read_text()
        event = event.replace("@INSTANCE@", instances[0][0]).replace("@GROUP@", f"{cluster}-agents")
        clients.sqs.raw.send_message(QueueUrl=url, MessageBody=event)
        run(cli, "agents drain", tmp_path, cwd=project, env=env)

        clients.ecs.raw.start_task(cluster=cluster, taskDefinition=f"{cluster}-agent-docker",
                                   containerInstances=[instances[1][1]])  # a build still running
        run(cli, "agents destroy", tmp_path, cwd=project, env=env)
    assert_documented("agents apply", "agents scale", "agents drain", "agents destroy")
    assert "iam:CreateServiceLinkedRole" in SEEN["agents apply"]  # an account that never used ECS


# ---- the pipeline steps ------------------------------------------------------------------------

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"


@pytest.fixture
def step_sandbox(project, registry, base_image, moto_endpoint, docker_engine, monkeypatch):
    """The example repository on moto (reset) with the sandbox's clusters, VPC and load balancer, the
    test registry, and prod pulling from the registry's `release/` namespace."""
    from image_support import point_at, remove_images

    from jenkinsctl.devkit import sandbox_infra
    from jenkinsctl.factory import Factory

    env = point_at(project, registry, base_image, moto_endpoint)  # resets moto
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "4")
    clients = Factory({"JENKINSCTL_AWS_ENDPOINT_URL": moto_endpoint}).aws(region="us-east-1", max_attempts=1)
    settings = sandbox_infra.create(clients, {"dev": "dev", "staging": "staging", "prod": "prod"})
    sandbox_infra.write_settings(project / "jenkinsctl.yaml", settings)
    data = yaml.safe_load((project / "jenkinsctl.yaml").read_text())
    data["environments"]["prod"]["registry"] = f"{ECR}/release"
    (project / "jenkinsctl.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    yield env, clients
    remove_images(docker_engine, registry.endpoint)


def _leaves(data) -> list:
    if isinstance(data, dict):
        return [x for v in data.values() for x in _leaves(v)]
    if isinstance(data, list):
        return [x for v in data for x in _leaves(v)]
    return [data]


def _environments(env: dict) -> list:
    return list(yaml.safe_load(Path(env["JENKINSCTL_CONFIG"]).read_text())["environments"].values())


def _secret_name(ref: str) -> str:
    """`ssm:/a/b`, `secretsmanager:name[:key]` or a full ARN -> the parameter's or secret's name."""
    for marker in (":parameter/", ":secret:"):
        if marker in ref:
            return ref.split(marker, 1)[1].split(":")[0]
    return ref.split(":", 1)[1].lstrip("/").split(":")[0]


def _descriptor(env: dict, service: str) -> dict:
    return yaml.safe_load((Path(env["JENKINSCTL_CONFIG"]).parent / "services" / f"{service}.yaml").read_text())


def test_step_push_deploy_promote_rollback_call_exactly_what_docs_iam_md_lists(cli, step_sandbox, tmp_path,
                                                                                registry, base_image):
    from image_support import git, source_repo

    SEEN.clear()
    CALLS.clear()
    env, clients = step_sandbox
    src = source_repo(tmp_path / "orders-api")
    git(src, "tag", "-a", "v1.4.0", "-m", "1.4.0")
    workdir = ("--workdir", str(src))
    for step in ("version", "build"):
        assert cli("step", step, *workdir, cwd=src, env=env).code == 0
    run(cli, "step push", tmp_path, *workdir, cwd=src, env=env)  # first push: creates the repository
    run(cli, "step push", tmp_path, *workdir, cwd=src, env=env)  # again: nothing to upload
    pushed = json.loads((src / ".jenkinsctl" / "push.json").read_text())
    image = f"{pushed['IMAGE_REPOSITORY']}:{pushed['VERSION']}@{pushed['IMAGE_DIGEST']}"  # the version as its tag
    follow = ("--poll-interval", "0", "--timeout", "20")

    # blue-green (ECS's own strategy) on its first deploy, then an unchanged redeploy
    for _ in range(2):
        run(cli, "step deploy", tmp_path, "--env", "dev", "--image", image, *follow, cwd=src, env=env)
    # rolling: a worker, twice (the second registers a new revision), then rolled back
    reg = registry.client()
    worker = {**env, "JENKINSCTL_SERVICE": "invoice-worker"}
    for (repo, tag), version in (((base_image.repository, base_image.tag), "1.0.0"),
                                 (("payments/orders-api", pushed["IMAGE_TAG"]), "1.1.0")):  # two images: two revisions
        digest = reg.copy_image(reg, repo, tag, "billing/invoice-worker", tags=[version])
        run(cli, "step deploy", tmp_path, "--env", "dev", "--image", f"{registry.endpoint}/billing/invoice-worker:"
            f"{version}@{digest}", *follow, cwd=src, env=worker)
    run(cli, "step rollback", tmp_path, "--env", "dev", "--poll-interval", "0", cwd=src, env=worker)

    run(cli, "step promote", tmp_path, "--to", "staging", cwd=src, env=env)  # same repository: a retag
    run(cli, "step promote", tmp_path, "--from", "dev", "--to", "prod", "--deploy", *follow, cwd=src,
        env={**env, "JENKINSCTL_APPROVED_BY": "alice"})  # another repository: a blob mount, then the deploy
    assert_documented("step push", "step deploy", "step rollback", "step promote")

    # docs/iam.md: "every resource is named after the service and environment": what the deploy steps
    # named is the service's own, the environment's infrastructure from jenkinsctl.yaml (cluster,
    # listener, VPC), jenkinsctl's inline policy names on those roles, or a secret the descriptor names
    infra = {str(v) for e in _environments(env) for v in _leaves(e)}
    secrets = {_secret_name(ref) for svc in ("orders-api", "invoice-worker")
               for ref in _leaves(_descriptor(env, svc).get("deploy", {}).get("secrets", {}))}
    names = named("step deploy") | named("step rollback") | named("step promote")
    foreign = sorted(n for n in names if not (any(s in n for s in ("orders-api", "invoice-worker")) or n in infra
                                              or n.startswith("jenkinsctl-") or any(s in n for s in secrets)))
    assert foreign == [], foreign
    assert "dev" in names and any(":listener/app/sandbox-dev/" in n for n in names)  # the check sees infra
