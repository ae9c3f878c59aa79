"""Jenkins' `tree=` query: `jobs[name,url,jobs[name]]{0,10}` selects fields of the JSON answer."""

from __future__ import annotations

from typing import Any

Spec = dict[str, "Spec | None"]


def parse_tree(text: str) -> Spec:
    """`a,b[c,d[e]],f` -> {'a': None, 'b': {'c': None, 'd': {'e': None}}, 'f': None}.
    Range suffixes (`{0,10}`) are accepted and ignored."""
    spec, pos = _parse(text, 0)
    return spec


def _parse(text: str, pos: int) -> tuple[Spec, int]:
    spec: Spec = {}
    name = ""
    while pos < len(text):
        ch = text[pos]
        if ch == "[":
            sub, pos = _parse(text, pos + 1)
            spec[name.strip()] = sub
            name = ""
        elif ch == "]":
            if name.strip():
                spec[name.strip()] = None
            return spec, pos + 1
        elif ch == "{":
            pos = text.index("}", pos)
        elif ch == ",":
            if name.strip():
                spec[name.strip()] = None
            name = ""
        else:
            name += ch
        pos += 1
    if name.strip():
        spec[name.strip()] = None
    return spec, pos


def select(value: Any, spec: Spec | None) -> Any:
    """Keep only the fields `spec` names (plus `_class`, as Jenkins does). A field named without
    a sub-selection whose value is an object keeps only its `_class` (Jenkins' behaviour)."""
    if spec is None:
        return value
    if isinstance(value, list):
        return [select(v, spec) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    if "_class" in value:
        out["_class"] = value["_class"]
    for key, sub in spec.items():
        if key not in value:
            continue
        v = value[key]
        v = v() if callable(v) else v
        if sub is None:
            out[key] = _shallow(v)
        else:
            out[key] = select(v, sub)
    return out


def _shallow(v: Any) -> Any:
    if isinstance(v, dict):
        return {"_class": v["_class"]} if "_class" in v else {}
    if isinstance(v, list):
        return [_shallow(x) for x in v]
    return v


def materialize(value: Any, depth: int = 0) -> Any:
    """Without `tree=`: lazy fields (callables: child items) are expanded `depth` levels deep;
    below that they show only their summary fields, like Jenkins' `depth=`."""
    if isinstance(value, list):
        return [materialize(v, depth) for v in value]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if callable(v):
                v = v()
                out[k] = materialize(v, depth - 1) if depth > 0 else _summary(v)
            else:
                out[k] = materialize(v, depth)
        return out
    return value


def _summary(value: Any) -> Any:
    keep = ("_class", "name", "url", "color", "number", "fullName")
    if isinstance(value, list):
        return [_summary(v) for v in value]
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k in keep and not callable(v)}
    return value
