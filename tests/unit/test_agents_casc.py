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
