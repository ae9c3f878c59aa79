"""The fleet config validates at load time and says where: `file:line:col: path: message`."""

from __future__ import annotations

import pytest

from jenkinsctl.agents.load import load_fleet
from jenkinsctl.config.loader import load_config
from jenkinsctl.errors import ConfigError, UsageError

AGENTS_YAML = """\
apiVersion: jenkinsctl/v1
kind: Agents
agents:
  cluster: build-agents
  subnets: [subnet-0a1b2c3d]
  instanceTypes: [m5.large, m5a.large]
  templates:
    docker:
      image: registry.example.com/jenkins/inbound-agent:3283.v92c105e0f819-1
"""


def test_the_repository_example_is_valid(project):
    spec = load_fleet(load_config(project / "jenkinsctl.yaml", environ={}))
    assert spec.cluster == "jenkins-agents" and set(spec.templates) == {"docker", "small"}
    assert spec.templates["docker"].docker is True


def test_problems_are_located_with_hints(project):
    path = project / "jenkinsctl.yaml"
    text = path.read_text()
    text = text.replace("instanceTypes: [m6i.large, m5.large, m5a.large, c6i.xlarge]", "instanceTypes: [m6i.large]")
    text = text.replace("image: 127.0.0.1:5000/jenkins/inbound-agent:3283.v92c105e0f819-1\n      cpu: 1024",
                        "image: 127.0.0.1:5000/jenkins/inbound-agent:latest\n      cpu: 1024", 1)
    text = text.replace("  minSize: 0\n", "  minSize: 0\n  maxsize: 5\n")
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(path, environ={})
    rendered = err.value.render()
    lines = text.splitlines()
    line_of = {key: next(i for i, l in enumerate(lines, 1) if key in l) for key in ("instanceTypes:", ":latest",
                                                                                      "maxsize:")}
    assert f"jenkinsctl.yaml:{line_of['instanceTypes:']}:" in rendered and "agents.instanceTypes" in rendered
    assert f"jenkinsctl.yaml:{line_of[':latest']}:" in rendered and "agents.templates.docker.image" in rendered
    assert f"jenkinsctl.yaml:{line_of['maxsize:']}:" in rendered and "did you mean 'maxSize'?" in rendered


def test_standalone_agents_yaml(project):
    cfg = project / "jenkinsctl.yaml"
    cfg.write_text(cfg.read_text().split("\nagents:")[0] + "\n")
    (project / "agents.yaml").write_text(AGENTS_YAML)
    spec = load_fleet(load_config(cfg, environ={}))
    assert spec.cluster == "build-agents" and spec.min_size == 0 and spec.headroom == 1


def test_standalone_agents_yaml_problems_point_into_it(project):
    cfg = project / "jenkinsctl.yaml"
    cfg.write_text(cfg.read_text().split("\nagents:")[0] + "\n")
    (project / "agents.yaml").write_text(AGENTS_YAML.replace("subnet-0a1b2c3d", "my-subnet")
                                         .replace("    docker:", "    Docker:"))
    with pytest.raises(ConfigError) as err:
        load_fleet(load_config(cfg, environ={}))
    rendered = err.value.render()
    assert "agents.yaml:5:" in rendered and "'my-subnet' is not a subnet id" in rendered
    assert "agents.yaml:8:" in rendered and "'Docker' cannot name an agent template" in rendered


def test_two_fleet_configs_are_refused(project):
    (project / "agents.yaml").write_text(AGENTS_YAML)
    with pytest.raises(UsageError, match="configured twice"):
        load_fleet(load_config(project / "jenkinsctl.yaml", environ={}))


def test_sizes_are_checked(project):
    from jenkinsctl.config.fleet import FleetSpec
    from pydantic import ValidationError

    base = {"cluster": "c", "subnets": ["subnet-0a1b2c3d"], "instanceTypes": ["m5.large", "m5a.large"],
            "templates": {"docker": {"image": "r.example.com/a:1.0"}}}
    with pytest.raises(ValidationError, match="minSize 5 is above maxSize 2"):
        FleetSpec.model_validate({**base, "minSize": 5, "maxSize": 2})
    with pytest.raises(ValidationError, match="an instance type is listed twice"):
        FleetSpec.model_validate({**base, "instanceTypes": ["m5.large", "m5.large"]})


def test_derived_names_beyond_aws_limits_are_refused_before_any_call():
    from fixtures.agents.agents_support import fleet_spec
    from jenkinsctl.agents import resources
    from jenkinsctl.agents.fleet import _check_names

    spec = fleet_spec(cluster="c" * 32)
    _check_names(spec, "")  # main's names fit
    assert len(resources.Names(spec.cluster).task_role("docker", "feature-a-rather-long-branch")) == 75
    with pytest.raises(UsageError, match=r"template docker.s task role .c+-agent-docker--feature-a-rather-long-branch. "
                       r"\(derived from it\) is 75 characters; an IAM role name has at most 64") as err:
        _check_names(spec, "feature-a-rather-long-branch")
    assert "or the branch name" in err.value.hint
