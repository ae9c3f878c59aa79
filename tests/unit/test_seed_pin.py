"""The seed installs the jenkinsctl jenkinsctl.yaml pins (`jenkinsctl: {version}` or `{wheel}`),
never `pip install .` of the descriptors repository; the pin is validated with the config."""

from __future__ import annotations

import re

import pytest

from jenkinsctl.config.loader import load_config
from jenkinsctl.errors import ConfigError
from support import REPO


def test_the_seed_installs_the_pinned_jenkinsctl_through_the_environment():
    text = (REPO / "seed" / "Jenkinsfile").read_text()
    install = text[text.index("stage('Install')"):text.index("stage('Validate')")]
    assert "readYaml(file: 'jenkinsctl.yaml')" in install
    assert 'withEnv(["JENKINSCTL_PIP_SPEC=${spec}"])' in install
    shells = re.findall(r"sh '([^']*)'", install)  # single-quoted: no Groovy interpolation in the shell
    assert shells and all('"$JENKINSCTL_PIP_SPEC"' in s for s in shells)
    assert "pip install ." not in text and ":-.}" not in text


@pytest.mark.parametrize("pin, spec", [('{version: "0.1.0"}', "jenkinsctl==0.1.0"),
                                       ("{wheel: https://pkgs.example.com/jenkinsctl-0.1.0-py3-none-any.whl}",
                                        "https://pkgs.example.com/jenkinsctl-0.1.0-py3-none-any.whl")])
def test_pin_in_config(tmp_path, pin, spec):
    text = (REPO / "jenkinsctl.yaml").read_text()
    text = re.sub(r'jenkinsctl:\n  version: "0.1.0"[^\n]*\n', f"jenkinsctl: {pin}\n", text)
    (tmp_path / "jenkinsctl.yaml").write_text(text)
    assert load_config(tmp_path / "jenkinsctl.yaml", {}).config.jenkinsctl.pip_spec == spec


@pytest.mark.parametrize("pin, message", [("{}", "exactly one of version and wheel"),
                                          ('{version: "0.1"}', "version"),
                                          ("{wheel: https://example.com/x.tar.gz}", "wheel")])
def test_bad_pin_is_located(tmp_path, pin, message):
    text = (REPO / "jenkinsctl.yaml").read_text()
    text = re.sub(r'jenkinsctl:\n  version: "0.1.0"[^\n]*\n', f"jenkinsctl: {pin}\n", text)
    (tmp_path / "jenkinsctl.yaml").write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "jenkinsctl.yaml", {})
    rendered = err.value.render()
    assert "jenkinsctl.yaml:" in rendered and message in rendered
