"""`image: jenkinsctl-agent` in an agent template means the agent image `agents image push`
recorded beside jenkinsctl.yaml, by digest; with nothing pushed, the template is named with its
line and the fix."""

from __future__ import annotations

import json
import shutil

import pytest

from jenkinsctl.agents.load import load_fleet
from jenkinsctl.config.loader import load_config
from jenkinsctl.errors import ConfigError
from support import REPO

PINNED = "127.0.0.1:5000/jenkins/inbound-agent:3283.v92c105e0f819-1"


@pytest.fixture
def repo(tmp_path):
    shutil.copy(REPO / "jenkinsctl.yaml", tmp_path / "jenkinsctl.yaml")
    config = tmp_path / "jenkinsctl.yaml"
    config.write_text(config.read_text().replace(f"image: {PINNED}", "image: jenkinsctl-agent", 1))
    return tmp_path


def test_nothing_pushed_names_the_template_and_the_fix(repo):
    loaded = load_config(repo / "jenkinsctl.yaml", {})
    with pytest.raises(ConfigError) as err:
        load_fleet(loaded)
    text = err.value.render()
    line = next(i for i, l in enumerate((repo / "jenkinsctl.yaml").read_text().splitlines(), 1)
                if "jenkinsctl-agent" in l)
    assert f"jenkinsctl.yaml:{line}:" in text and "agents.templates.docker.image" in text
    assert "jenkinsctl agents image push" in text


def test_the_recorded_push_is_used_by_digest(repo):
    uri = "127.0.0.1:5000/jenkinsctl/agent@sha256:" + "ab" * 32
    (repo / ".jenkinsctl").mkdir()
    (repo / ".jenkinsctl" / "agent-image.json").write_text(json.dumps({"IMAGE_URI": uri}))
    spec = load_fleet(load_config(repo / "jenkinsctl.yaml", {}))
    assert spec.templates["docker"].image == uri
    assert spec.templates["small"].image == PINNED  # the other template keeps its own


def test_other_unpinned_images_are_still_refused(repo):
    config = repo / "jenkinsctl.yaml"
    config.write_text(config.read_text().replace("image: jenkinsctl-agent", "image: jenkinsctl-agent:latest"))
    with pytest.raises(ConfigError) as err:
        load_config(config, {})
    assert "latest" in err.value.render()
