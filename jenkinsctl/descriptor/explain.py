"""Render a resolved descriptor as YAML, optionally with the origin of every value."""

from __future__ import annotations

from typing import Any

import yaml


def _scalar(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True, width=10_000).strip().removesuffix("...").strip()


def render_yaml(data: dict, origins: dict[tuple, str] | None = None) -> str:
    if origins is None:
        return yaml.safe_dump(data, sort_keys=False, width=100)
    lines: list[str] = []
    _emit(data, (), 0, origins, lines)
    width = max(len(text) for text, _ in lines if _) + 2 if any(o for _, o in lines) else 0
    return "\n".join(f"{text.ljust(width)}# {origin}" if origin else text for text, origin in lines) + "\n"


def _emit(node: dict, path: tuple, depth: int, origins: dict, lines: list) -> None:
    pad = "  " * depth
    for key, value in node.items():
        p = path + (key,)
        if isinstance(value, dict) and value:
            lines.append((f"{pad}{key}:", None))
            _emit(value, p, depth + 1, origins, lines)
        else:
            lines.append((f"{pad}{key}: {_scalar(value)}", _origin(origins, p)))


def _origin(origins: dict, path: tuple) -> str | None:
    p = path
    while p:
        if p in origins:
            return origins[p]
        p = p[:-1]
    return None
