"""dns-blue-green on moto (ECS, ELBv2, Route 53): two environments, each with its own load
balancer, behind one weighted record set. Target health, which moto does not model, is scripted
with a scoped Stubber (validated against the ELBv2 model)."""

from __future__ import annotations

import pytest
import yaml
from awsstub import scoped
from deploy_support import Sandbox

from jenkinsctl.devkit import sandbox_infra
from jenkinsctl.errors import DeployError, UsageError

PAIR = ("prod-blue", "prod-green")


def targets(*states):
    return {"TargetHealthDescriptions": [{"Target": {"Id": f"10.42.1.{i + 10}", "Port": 8080},
                                          "TargetHealth": {"State": s}} for i, s in enumerate(states)]}


def write_web(project, dns: str, strategies: dict[str, str], extra: str = "") -> None:
    """services/web.yaml: port 8080, deploy.dnsBlueGreen `dns`, each environment's strategy."""
    envs = "".join(f"  {e}: {{strategy: {s}}}\n" for e, s in strategies.items())
    (project / "services" / "web.yaml").write_text(
        "apiVersion: jenkinsctl/v1\nkind: Service\nname: web\nteam: payments\n"
        "repo: https://git.example.com/payments/web.git\n"
        f"deploy:\n  port: 8080\n{extra}  dnsBlueGreen: {dns}\nenvironments:\n{envs}")


@pytest.fixture
def pair(project, aws, monkeypatch):
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "2")
    config = project / "jenkinsctl.yaml"
    data = yaml.safe_load(config.read_text())
    for env in PAIR:
        data["environments"][env] = {"cluster": env}
    config.write_text(yaml.safe_dump(data, sort_keys=False))
    sandbox_infra.write_settings(config, sandbox_infra.create(aws, {e: e for e in PAIR}))
    zone = aws.route53.raw.create_hosted_zone(Name="example.com", CallerReference="t")["HostedZone"]["Id"]
    write_web(project, f'{{zoneId: "{zone}", record: web.example.com, ttl: 1, pair: [prod-blue, prod-green]}}',
              {"prod-blue": "dns-blue-green", "prod-green": "dns-blue-green"}, "  desiredCount: 2\n")
    return Sandbox(project, aws), zone


def weights(aws, zone):
    out = aws.route53.raw.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    return {r["SetIdentifier"]: r["Weight"] for r in out if r.get("SetIdentifier")}


def test_shifts_weights_after_the_health_gate_and_waits_out_the_ttl(pair):
    sb, zone = pair
    out = sb.deploy("web", "prod-blue", 1, "1.0.0", interval=0.2)  # sandbox health: ECS running counts
    assert out.outcome == "succeeded" and weights(sb.clients, zone) == {"prod-blue": 100}
    out = sb.deploy("web", "prod-green", 2, "1.1.0", interval=0.2)
    assert weights(sb.clients, zone) == {"prod-blue": 0, "prod-green": 100}
    assert any("waiting out the TTL (1s)" in line for line in sb.lines)
    assert out.wait.seconds >= 1.0
    with pytest.raises(UsageError, match="prod-green takes the traffic of web.example.com"):
        sb.deploy("web", "prod-green", 3, "1.2.0")
    assert weights(sb.clients, zone) == {"prod-blue": 0, "prod-green": 100}  # the refusal changed nothing


def test_an_unhealthy_target_after_the_shift_shifts_back(pair):
    sb, zone = pair
    sb.deploy("web", "prod-blue", 1, "1.0.0", interval=0.2)
    stub = scoped(sb.clients, "elbv2", {"DescribeTargetHealth"})
    stub.add_response("describe_target_health", targets("healthy", "healthy"))  # the gate passes
    stub.add_response("describe_target_health", targets("healthy", "unhealthy"))
    stub.add_response("describe_target_health", targets("unhealthy", "unhealthy"))
    with pytest.raises(DeployError, match="rolled-back"):
        sb.deploy("web", "prod-green", 2, "1.1.0", health="targets", interval=0.05, timeout=20)
    stub.deactivate()
    assert weights(sb.clients, zone) == {"prod-blue": 100, "prod-green": 0}


def test_an_unhealthy_new_side_never_gets_traffic(pair):
    sb, zone = pair
    sb.deploy("web", "prod-blue", 1, "1.0.0", interval=0.2)
    stub = scoped(sb.clients, "elbv2", {"DescribeTargetHealth"})
    for _ in range(2):
        stub.add_response("describe_target_health", targets("unhealthy", "healthy"))
    with pytest.raises(DeployError, match="aborted.*web.example.com unchanged, prod-blue keeps the traffic"):
        sb.deploy("web", "prod-green", 2, "1.1.0", health="targets", interval=0.05, timeout=20)
    stub.deactivate()
    assert weights(sb.clients, zone) == {"prod-blue": 100}


def test_the_pair_is_checked_where_it_is_written(project):
    from jenkinsctl.errors import JenkinsctlError
    from jenkinsctl.workspace import Workspace

    write_web(project, "{zoneId: Z1, record: web.example.com, pair: [prod, staging]}", {"dev": "dns-blue-green"})
    with pytest.raises(JenkinsctlError) as err:
        Workspace.load(project / "jenkinsctl.yaml", {})
    text = str(err.value) + "".join(str(p) for p in getattr(err.value, "problems", []))
    assert "needs a load balancer in prod" in text and "dev deploys with dns-blue-green but is not in its pair" in text
