"""The step cache: a step reads the same config and resolved services whether they were just
validated or come from `.jenkinsctl/cache/`, never stale ones, and invalid input is still
refused with the full loader's located message."""

from __future__ import annotations

import json
import subprocess
import sys
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from jenkinsctl import records, stepcache
from jenkinsctl.config.model import Config
from jenkinsctl.descriptor.resolved import ResolvedService
from jenkinsctl.errors import DescriptorError
from jenkinsctl.workspace import Workspace


def _load(project: Path, environ: dict[str, str] | None = None) -> stepcache.StepWorkspace:
    env = {"JENKINSCTL_CONFIG": str(project / "jenkinsctl.yaml"), **(environ or {})}
    return stepcache.load(None, env, lambda: Workspace.load(None, env, cwd=project), cwd=project)


def _cache(project: Path) -> Path:
    return project / stepcache.CACHE_FILE


def test_cold_then_warm_hand_a_step_what_the_models_validated(project):
    full = Workspace.load(project / "jenkinsctl.yaml", {}, cwd=project)
    cold, warm = _load(project), _load(project)
    assert (cold.from_cache, warm.from_cache) == (False, True)
    for ws in (cold, warm):
        assert ws.config.model_dump() == full.config.model_dump()
        assert ws.config.registry_host == full.config.registry_host
        assert ws.config.environment_names == full.config.environment_names == ["dev", "staging", "prod"]
        assert sorted(ws.services) == sorted(full.services)
        for name, svc in full.services.items():
            got = ws.service(name)
            assert got.path == svc.path and got.resolved.model_dump() == svc.resolved.model_dump()
            assert got.resolved.image.reference == svc.resolved.image.reference
            assert got.resolved.environment_order == svc.resolved.environment_order  # promotion order, not sorted
            for env in svc.resolved.environment_order:
                assert got.resolved.environment(env).access() == svc.resolved.environment(env).access()


def test_a_record_copies_like_the_model_and_refuses_writes(project):
    env = _load(project).service("orders-api").resolved.environment("dev")
    moved = env.model_copy(update={"strategy": "rolling"})
    assert moved.strategy == "rolling" and env.strategy == "blue-green"
    with pytest.raises(AttributeError, match="frozen"):
        env.strategy = "canary"
    with pytest.raises(AttributeError, match="no field 'nonsense'"):
        _ = env.nonsense


def _models(cls: type[BaseModel], seen: set[type]) -> set[type]:
    """`cls` and every model class its fields can hold."""
    if cls in seen:
        return seen
    seen.add(cls)
    stack = [f.annotation for f in cls.model_fields.values()]
    while stack:
        tp = stack.pop()
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            _models(tp, seen)
        stack += list(typing.get_args(tp))
    return seen


def test_every_property_and_method_of_what_a_step_reads_exists_on_its_record():
    # a record missing a model's property would fail only on a warm step: catch it here
    missing = []
    for cls in sorted(_models(Config, set()) | _models(ResolvedService, set()), key=records.model_name):
        public = {a for a in dir(cls) if not a.startswith("_")} - set(dir(BaseModel)) - set(cls.model_fields)
        record = records.RECORD_TYPES.get(records.model_name(cls), records.Record)
        missing += [f"{records.model_name(cls)}.{a}" for a in sorted(public) if not hasattr(record, a)]
    assert missing == []


def test_an_edited_descriptor_is_read_anew(project):
    assert _load(project).service("orders-api").resolved.versioning.tag_prefix == "v"
    path = project / "services" / "orders-api.yaml"
    path.write_text(path.read_text() + "versioning:\n  tagPrefix: rel-\n")
    again = _load(project)
    assert not again.from_cache and again.service("orders-api").resolved.versioning.tag_prefix == "rel-"
    assert _load(project).from_cache


def test_an_edited_config_an_override_and_a_new_descriptor_are_each_a_miss(project):
    _load(project)
    assert _load(project, {"AWS_REGION": "eu-west-1"}).config.aws.region == "eu-west-1"
    assert _load(project).config.aws.region == "us-east-1"  # the override is gone: not the cached eu-west-1
    cfg = project / "jenkinsctl.yaml"
    cfg.write_text(cfg.read_text().replace("namespace: ", "namespace: x", 1))
    assert _load(project).config.namespace.startswith("x")
    extra = project / "services" / "extra-worker.yaml"
    extra.write_text((project / "services" / "invoice-worker.yaml").read_text()
                     .replace("name: invoice-worker", "name: extra-worker"))
    assert "extra-worker" in _load(project).services


@pytest.mark.parametrize("damage", [
    lambda text: text[: len(text) // 2],  # truncated
    lambda text: "not json at all",
    lambda text: text.replace('\\"keep\\": 100', '\\"keep\\": 5'),  # edited: its digest no longer matches
    lambda text: json.dumps({"sha256": "0", "entry": "{}"}),
])
def test_a_corrupt_cache_is_ignored_and_rewritten(project, damage):
    _load(project)
    cache = _cache(project)
    damaged = damage(cache.read_text())
    assert damaged != cache.read_text()
    cache.write_text(damaged)
    ws = _load(project)
    assert not ws.from_cache and ws.service("orders-api").resolved.image.keep == 100
    assert _load(project).from_cache  # rewritten whole


def test_invalid_input_is_refused_with_the_loaders_message_and_nothing_cached(project):
    _load(project)
    before = _cache(project).read_bytes()
    path = project / "services" / "orders-api.yaml"
    path.write_text(path.read_text().replace("  port: 8080", "  prot: 8080"))
    with pytest.raises(DescriptorError) as full:
        Workspace.load(project / "jenkinsctl.yaml", {}, cwd=project)
    with pytest.raises(DescriptorError) as cached:
        _load(project)
    assert cached.value.problems == full.value.problems
    assert [p.render().splitlines()[0] for p in cached.value.problems][0] == \
        "services/orders-api.yaml:18:3: deploy.prot: unknown key 'prot'"
    assert _cache(project).read_bytes() == before


def test_a_folder_that_cannot_hold_the_cache_only_means_no_cache(project):
    (project / ".jenkinsctl").write_text("a file where the cache folder would go")
    first, second = _load(project), _load(project)
    assert not first.from_cache and not second.from_cache
    assert second.service("orders-api").resolved.name == "orders-api"


def test_a_warm_step_start_up_imports_neither_pydantic_nor_yaml(project):
    probe = ("import os, sys\nfrom jenkinsctl.factory import Factory\n"
             "ws = Factory(os.environ).step_workspace()\n"
             "print(ws.from_cache, sorted(m for m in ('pydantic', 'yaml', 'jenkinsctl.workspace') if m in sys.modules))")
    env = {"JENKINSCTL_CONFIG": str(project / "jenkinsctl.yaml"), "PATH": "/usr/bin:/bin"}
    runs = [subprocess.run([sys.executable, "-c", probe], cwd=project, env=env, capture_output=True, text=True,
                           check=True).stdout.strip() for _ in range(2)]
    assert runs == ["False ['jenkinsctl.workspace', 'pydantic', 'yaml']", "True []"]
