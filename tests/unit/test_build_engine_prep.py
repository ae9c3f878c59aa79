"""`step build`'s engine preparation: which engine queries a build makes before building, and
when it logs in (only when something must be pulled)."""

from __future__ import annotations

from types import SimpleNamespace

from jenkinsctl.registry.addressing import ImageTarget
from jenkinsctl.steps.build import _prepare_engine

TARGET = ImageTarget("127.0.0.1:5000", "payments/orders-api")
BASE = "127.0.0.1:5000/base/busybox:1.35"
TWO_STAGES = f"FROM {BASE} AS build\nCOPY . /src\nFROM {BASE} AS runtime\nCOPY --from=build /src /app\n"


class FakeEngine:
    """The DockerEngine queries `_prepare_engine` uses, over a set of local image references."""

    def __init__(self, images: set[str]):
        self.images = images
        self.calls: list[tuple] = []

    def exists(self, ref: str) -> bool:
        self.calls.append(("exists", ref))
        return ref in self.images

    def has_images(self, repository: str) -> bool:
        self.calls.append(("has_images", repository))
        return any(i.startswith(repository + ":") for i in self.images)

    def login(self, *args) -> None:
        self.calls.append(("login",))
        raise AssertionError("no login expected")


def ctx():
    return SimpleNamespace(resolved=SimpleNamespace(build=SimpleNamespace(args={})), report=lambda line: None)


def test_a_rebuild_finds_its_own_tag_without_listing_images_and_checks_a_shared_base_once():
    engine = FakeEngine({TARGET.ref("0.1.0"), BASE})
    assert _prepare_engine(ctx(), engine, TARGET, "0.1.0", TWO_STAGES, cache=True) == []
    assert engine.calls == [("exists", TARGET.ref("0.1.0")), ("exists", BASE)]


def test_a_new_version_on_a_warm_agent_lists_the_repository_and_needs_no_login():
    engine = FakeEngine({TARGET.ref("0.1.0"), BASE})
    assert _prepare_engine(ctx(), engine, TARGET, "0.2.0", TWO_STAGES, cache=True) == []
    assert engine.calls == [("exists", TARGET.ref("0.2.0")), ("has_images", TARGET.name), ("exists", BASE)]


def test_no_cache_skips_the_image_checks_of_the_service():
    engine = FakeEngine({BASE})
    assert _prepare_engine(ctx(), engine, TARGET, "0.1.0", TWO_STAGES, cache=False) == []
    assert engine.calls == [("exists", BASE)]
