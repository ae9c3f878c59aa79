"""`agents casc`: golden output, and only keys the amazon-ecs plugin documents."""

from __future__ import annotations

import yaml

from fixtures.agents.agents_support import HERE, fleet_spec
from jenkinsctl.agents.casc import render


def _render() -> str:
    return render(fleet_spec(), "123456789012", "us-east-1", "https://jenkins.example.com/", ["feature/x"])


def test_matches_the_golden_file():
    assert _render() == (HERE / "casc.yaml").read_text()


def test_uses_only_the_plugins_keys():
    keys = yaml.safe_load((HERE / "amazon-ecs-plugin-keys.yaml").read_text())
    doc = yaml.safe_load(_render())
    (cloud,) = doc["jenkins"]["clouds"]
    ecs = cloud["ecs"]
    assert set(ecs) <= set(keys["cloud"])
    for t in ecs["templates"]:
        assert set(t) <= set(keys["template"]), set(t) - set(keys["template"])
        for list_key in ("capacityProviderStrategies", "placementStrategies", "mountPoints", "environments",
                         "logDriverOptions"):
            for entry in t.get(list_key, []):
                assert set(entry) <= set(keys[list_key]), (list_key, entry)


def test_templates_run_on_the_fleets_capacity_provider_with_their_reservations():
    ecs = yaml.safe_load(_render())["jenkins"]["clouds"][0]["ecs"]
    by_label = {t["label"]: t for t in ecs["templates"]}
    assert sorted(by_label) == ["docker", "docker@feature-x", "small", "small@feature-x"]
    docker = by_label["docker"]
    assert docker["capacityProviderStrategies"] == [{"provider": "ci-agents-spot", "base": 0, "weight": 1}]
    assert (docker["cpu"], docker["memory"]) == (1024, 2048)
    assert docker["mountPoints"][0]["sourcePath"] == "/var/run/docker.sock"
    assert "mountPoints" not in by_label["small"]
    assert by_label["small"]["taskrole"].endswith(":role/jenkinsctl/ci-agents/ci-agents-agent-small")
    assert by_label["docker@feature-x"]["taskrole"].endswith("/ci-agents-agent-docker--feature-x")
    assert ecs["cluster"] == "arn:aws:ecs:us-east-1:123456789012:cluster/ci-agents"
    assert "launchType" not in docker  # the capacity provider strategy decides


def test_templates_use_the_task_definitions_agents_apply_registers():
    """Without taskDefinitionOverride the plugin registers its own family (<cloud>-<templateName>) from
    the template's fields and ignores ours; with it, it describes ours (family: latest ACTIVE revision)
    and overrides the command of agentContainerName."""
    from jenkinsctl.agents.plan import _Ctx, task_definition_params
    from jenkinsctl.agents.resources import desired

    spec = fleet_spec()
    ecs = yaml.safe_load(_render())["jenkins"]["clouds"][0]["ecs"]
    wanted = desired(spec, "ami-1", 1) + desired(spec, "ami-1", 1, "feature/x")
    registered = {r.name: r for r in wanted if r.kind == "task_definition"}
    assert len(registered) == len(ecs["templates"]) == 4
    for t in ecs["templates"]:
        assert t["taskDefinitionOverride"] in registered, t["templateName"]
        params = task_definition_params(_Ctx(spec.cluster, "123456789012", "us-east-1"), registered[t["taskDefinitionOverride"]])
        assert [c["name"] for c in params["containerDefinitions"]] == [t["agentContainerName"]]


def test_docs_controller_policy_passes_exactly_the_roles_the_templates_name():
    """docs/iam.md's example controller policy (cluster ci-agents) lets RunTask pass the task and execution
    roles of every template, and nothing outside the fleet's role path."""
    import fnmatch
    import json
    import re

    from support import REPO

    text = (REPO / "docs" / "iam.md").read_text()
    section = text.split("## The Jenkins controller (amazon-ecs plugin)", 1)[1]
    policy = json.loads(re.search(r"```json\n(.*?)```", section, re.S).group(1))
    (pass_role,) = [s for s in policy["Statement"] if s["Action"] == "iam:PassRole"]
    ecs = yaml.safe_load(_render())["jenkins"]["clouds"][0]["ecs"]
    roles = {t["taskrole"] for t in ecs["templates"]} | {t["executionRole"] for t in ecs["templates"]}
    for role in roles:
        assert any(fnmatch.fnmatch(role, pattern) for pattern in pass_role["Resource"]), role
    assert all(p.startswith("arn:aws:iam::123456789012:role/jenkinsctl/ci-agents/") for p in pass_role["Resource"])
    actions = {a for s in policy["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert {"ecs:RunTask", "ecs:StopTask", "ecs:DescribeTasks", "ecs:DescribeTaskDefinition"} <= actions
    assert "ecs:RegisterTaskDefinition" not in actions
