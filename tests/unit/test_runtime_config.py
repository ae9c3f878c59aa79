"""The runtime configuration a deploy records: its hash changes with every field that reaches the
tasks and with nothing else; the diff names each changed field."""

from __future__ import annotations

from support import REPO

from jenkinsctl.deploy.runtime_config import config_hash, field_diff, runtime_config
from jenkinsctl.workspace import Workspace


def _env(name="dev"):
    return Workspace.load(REPO / "jenkinsctl.yaml", {}).service("orders-api").resolved.environment(name)


def test_hash_follows_runtime_fields_only():
    env = _env()
    base = config_hash(runtime_config(env))
    assert base == config_hash(runtime_config(_env()))  # stable across loads
    assert config_hash(runtime_config(env.model_copy(update={"env": {**env.env, "WORKERS": "8"}}))) != base
    assert config_hash(runtime_config(env.model_copy(update={"desired_count": 3}))) != base
    assert config_hash(runtime_config(env.model_copy(update={"strategy": "rolling"}))) == base  # how, not what


def test_field_diff_names_each_change():
    old = runtime_config(_env())
    new = runtime_config(_env().model_copy(update={"env": {"LOG_LEVEL": "debug", "WORKERS": "4", "NEW": "1"},
                                                   "cpu": 1024}))
    assert field_diff(old, new) == ["deploy.cpu: 512 -> 1024", "deploy.env.LOG_LEVEL: 'info' -> 'debug'",
                                    "deploy.env.NEW: added '1'"]
    assert field_diff(old, old) == []


def test_a_step_cache_record_hashes_like_the_model():
    """Steps may read the resolved service from the step cache (records, no pydantic): the same
    environment must give the same hash and fields, or every cached step would see drift."""
    from jenkinsctl import records

    env = _env("prod")
    assert runtime_config(records.build(records.dump(env))) == runtime_config(env)
    assert runtime_config(env)["healthCheck"]["path"] == "/healthz" and "graceSeconds" in runtime_config(env)["healthCheck"]
