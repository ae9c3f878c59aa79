"""What is derived from `jenkinsctl.yaml`'s fields: pure functions, no pydantic. The config
models' properties and the step cache's records (`jenkinsctl.records`) both call these."""

from __future__ import annotations

from typing import Any


def environment_names(config: Any) -> list[str]:
    """The environments in promotion order."""
    return list(config.environments)


def pip_spec(tool: Any) -> str:
    """What the seed job hands `pip install` for the pinned jenkinsctl."""
    return tool.wheel or f"jenkinsctl=={tool.version}"
