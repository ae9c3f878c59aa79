"""Property-based: no input makes the loader or the validator crash; they return problems."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jenkinsctl.config.loader import load_config
from jenkinsctl.errors import Problem
from jenkinsctl.workspace import load_services
from jenkinsctl.yamlfile import YamlLoadError, load_yaml_text
from support import REPO

KEYS = ["apiVersion", "kind", "name", "team", "repo", "deploy", "build", "image", "environments", "port",
        "strategy", "env", "secrets", "canary", "steps", "autoscaling", "min", "max", "dev", "prod", "cpu",
        "memory", "healthCheck", "path", "agent", "image", "versioning", "initial", "x", "<<", "PASSWORD"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True),
                    st.text(max_size=30), st.sampled_from(["jenkinsctl/v1", "Service", "orders", "web",
                                                           "https://git.example.com/x.git", "canary", "latest"]))
trees = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=6)), max_leaves=25)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_any_text_loads_or_is_refused_with_a_problem(text):
    try:
        doc = load_yaml_text(text, "services/x.yaml")
    except YamlLoadError as exc:
        assert isinstance(exc.problem, Problem) and exc.problem.file == "services/x.yaml"
    else:
        assert isinstance(doc.data, dict)


class _Repo:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp())
        (self.root / "services").mkdir()
        shutil.copy(REPO / "jenkinsctl.yaml", self.root)
        self.loaded = load_config(self.root / "jenkinsctl.yaml", environ={})
        atexit.register(shutil.rmtree, self.root, True)


REPO_ONCE = _Repo()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees)
def test_any_structure_validates_to_services_or_problems(tree):
    path = REPO_ONCE.root / "services" / "x.yaml"
    path.write_text(yaml.safe_dump(tree) if not isinstance(tree, str) else tree)
    services, problems = load_services(REPO_ONCE.loaded, [path], cwd=REPO_ONCE.root)
    assert services or problems
    for p in problems:
        assert p.file == "services/x.yaml" and p.message


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(KEYS), trees, max_size=8))
def test_descriptor_shaped_mappings_never_crash(mapping):
    base = {"apiVersion": "jenkinsctl/v1", "kind": "Service", "name": "x", "team": "web",
            "repo": "https://git.example.com/web/x.git"}
    base.update(mapping)
    path = REPO_ONCE.root / "services" / "x.yaml"
    path.write_text(yaml.safe_dump(base))
    services, problems = load_services(REPO_ONCE.loaded, [path], cwd=REPO_ONCE.root)
    assert bool(services) != bool(problems)
