"""`jenkinsctl agents ...` end to end: the text a user sees, exit codes, against moto."""

from __future__ import annotations

import json

import pytest

from fixtures.agents.agents_support import HERE, moto_with_managed_policies


@pytest.fixture(scope="module")
def moto_cli(moto_endpoint):
    return moto_with_managed_policies(moto_endpoint)


@pytest.fixture
def fleet_project(project, moto_cli):
    subnet = moto_cli.ec2.raw.describe_subnets()["Subnets"][0]["SubnetId"]
    sg = moto_cli.ec2.raw.describe_security_groups()["SecurityGroups"][0]["GroupId"]
    cfg = project / "jenkinsctl.yaml"
    cfg.write_text(cfg.read_text().replace("subnet-0a1b2c3d4e5f60718", subnet).replace("sg-0a1b2c3d4e5f60718", sg))
    return project, {"JENKINSCTL_AWS_ENDPOINT_URL": moto_cli.endpoint_url}


def test_plan_apply_again_status_destroy(cli, fleet_project):
    project, env = fleet_project
    plan = cli("agents", "plan", cwd=project, env=env)
    assert plan.code == 0, plan.text
    assert "+ asg jenkins-agents-agents\n" in plan.out
    assert plan.out.rstrip().endswith("Plan (jenkins-agents, main): 17 to add, 0 to change, 0 to destroy, 0 unchanged.")
    data = json.loads(cli("agents", "plan", "--json", cwd=project, env=env).out)
    assert data["counts"] == {"create": 17, "update": 0, "delete": 0}

    dry = cli("agents", "apply", "--dry-run", cwd=project, env=env)
    assert dry.code == 0 and "dry run: nothing changed" in dry.err
    assert "17 to add" in cli("agents", "plan", cwd=project, env=env).out

    applied = cli("agents", "apply", cwd=project, env=env)
    assert applied.code == 0, applied.text
    assert "applied: " in applied.out and "mutating" in applied.out
    again = cli("agents", "apply", cwd=project, env=env)
    assert again.code == 0 and again.out.strip() == "No changes (jenkins-agents, main): 17 resources up to date."

    st = cli("agents", "status", cwd=project, env=env)
    assert st.code == 0, st.text
    assert st.out.startswith("group jenkins-agents-agents: desired 0 (min 0, max 20), launch template version 1")
    assert "instance refresh: done" in st.out

    branch = cli("agents", "apply", "--branch", "feature/x", cwd=project, env=env)
    assert branch.code == 0 and "+ task_definition jenkins-agents-agent-docker--feature-x  [branch feature-x]" \
        in branch.out

    gone = cli("agents", "destroy", cwd=project, env=env)
    assert gone.code == 0, gone.text
    assert "- task_definition jenkins-agents-agent-docker--feature-x  [branch feature-x]" in gone.out
    assert "destroyed: " in gone.out
    assert "No changes" in cli("agents", "destroy", cwd=project, env=env).out


def test_casc_and_its_file(cli, fleet_project, tmp_path):
    project, env = fleet_project
    r = cli("agents", "casc", "--branch", "feature/x", cwd=project, env=env)
    assert r.code == 0, r.text
    assert "label: docker@feature-x" in r.out and "jenkinsUrl: http://127.0.0.1:8080" in r.out
    out = tmp_path / "ecs.yaml"
    assert cli("agents", "casc", "-o", str(out), cwd=project).code == 0
    assert out.read_text().startswith("# JCasC for the amazon-ecs plugin: cloud 'jenkins-agents'")


def test_simulate_prints_the_policy_beside_the_three_baselines(cli, project):
    r = cli("agents", "simulate", "--trace", str(HERE / "trace-small.csv"), "--seed", "3", cwd=project)
    assert r.code == 0, r.text
    lines = r.out.splitlines()
    assert lines[0].split()[:4] == ["policy", "cost", "$", "p50"]
    assert [l.split()[0] for l in lines[1:5]] == ["policy", "ec2-fleet", "per-build", "static-schedule"]
    assert lines[-1].startswith("policy cost vs the cheapest baseline (")
    rows = json.loads(cli("agents", "simulate", "--trace", str(HERE / "trace-small.csv"), "--json", "--static-peak",
                          cwd=project).out)
    assert [x["policy"] for x in rows] == ["policy", "ec2-fleet", "per-build", "static-schedule", "static-peak"]
    assert rows[0]["lost"] == 0 and rows[0]["completed"] == rows[0]["builds"]


def test_usage_errors(cli, project, tmp_path):
    both = cli("agents", "simulate", "--synthetic", "10", "--trace", str(HERE / "trace-small.csv"), cwd=project)
    assert both.code == 2 and "give exactly one of --trace FILE, --synthetic N and --bursty MERGES" in both.err
    bad = tmp_path / "bad.csv"
    bad.write_text("arrival,label,cpu\n1,docker,1024\n")
    r = cli("agents", "simulate", "--trace", str(bad), cwd=project)
    assert r.code == 2 and "bad.csv: line 1: expected arrival,label,cpu,memory,duration" in r.err
    assert "(missing memory, duration)" in r.err
    prices = tmp_path / "prices.json"
    prices.write_text('{"SpotPriceHistory": [{"InstanceType": "m5.large", "SpotPrice": "cheap"}]}')
    r = cli("agents", "simulate", "--synthetic", "5", "--spot-prices", str(prices), cwd=project)
    assert r.code == 2 and "prices.json: record 1: expected Timestamp" in r.err
    d = cli("agents", "drain", "--pending", "--queue", "https://sqs.example/q", cwd=project)
    assert d.code == 2 and "give at most one of --event FILE, --queue URL, --pending" in d.err
    e = tmp_path / "event.json"
    e.write_text('{"detail-type": "EC2 Instance State-change Notification"}')
    r = cli("agents", "drain", "--event", str(e), cwd=project, env={"JENKINS_URL": "http://127.0.0.1:9"})
    assert r.code == 2 and "is neither a spot interruption warning" in r.err
    cfg = project / "jenkinsctl.yaml"
    cfg.write_text(cfg.read_text().split("\nagents:")[0] + "\n")
    none = cli("agents", "plan", cwd=project)
    assert none.code == 2 and "no agent fleet configured" in none.err


def test_scale_once_from_the_cli(cli, fleet_project, moto_cli):
    from jenkinsctl.devkit.jenkins_fake import FakeJenkins

    project, env = fleet_project
    assert cli("agents", "apply", cwd=project, env=env).code == 0
    try:
        with FakeJenkins() as fake:
            fake.create("api", "<project><description/><disabled>false</disabled></project>")
            for _ in range(3):
                fake.state.enqueue("api", {"N": str(_)}, label="docker")
            env = {**env, "JENKINS_URL": fake.url}
            dry = cli("agents", "scale", "--json", "--dry-run", cwd=project, env=env)
            assert dry.code == 0, dry.text
            decision = json.loads(dry.out)
            # 3 builds of 1 vCPU on 2-vCPU types: 2 instances, headroom 1 + 20% of 2 -> 4
            assert (decision["desiredBefore"], decision["desiredAfter"]) == (0, 4)
            assert "dry run: nothing changed" in dry.err
            group = moto_cli.autoscaling.raw.describe_auto_scaling_groups(AutoScalingGroupNames=["jenkins-agents-agents"])
            assert group["AutoScalingGroups"][0]["DesiredCapacity"] == 0
            done = cli("agents", "scale", cwd=project, env=env)
            assert done.code == 0 and done.out.startswith("desired capacity 0 -> 4\n"), done.text
            assert "  why: need 4 instance(s) (builds + headroom 2), have 0: pre-warm before the plugin asks" in done.out
            st = json.loads(cli("agents", "status", "--json", cwd=project, env=env).out)
            assert st["group"]["desired"] == 4 and len(st["instances"]) == 4
    finally:
        assert cli("agents", "destroy", cwd=project, env=env).code == 0
