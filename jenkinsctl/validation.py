"""Turn pydantic validation errors into `file:line:col: path: message` problems with hints."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from jenkinsctl.errors import Problem
from jenkinsctl.yamlfile import YamlDocument, dotted

M = TypeVar("M", bound=BaseModel)


def validate_document(doc: YamlDocument, cls: type[M]) -> tuple[M | None, list[Problem]]:
    try:
        return cls.model_validate(doc.data), []
    except ValidationError as exc:
        problems = [_problem(doc, cls, err) for err in exc.errors(include_url=False)]
        return None, _dedupe(problems)


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in sorted(problems, key=lambda p: (p.line, p.col, p.path)):
        if (p.line, p.col, p.path, p.message) not in seen:
            seen.add((p.line, p.col, p.path, p.message))
            out.append(p)
    return out


def _clean_loc(loc: tuple) -> tuple:
    # pydantic adds validator names ("function-after[...]") to locations; YAML paths don't have them
    return tuple(p for p in loc if not (isinstance(p, str) and (p == "[key]" or p.startswith("function-")
                                                                 or ("[" in p and "]" in p and "(" in p))))


def _problem(doc: YamlDocument, cls: type[BaseModel], err: dict) -> Problem:
    on_key = bool(err["loc"]) and err["loc"][-1] == "[key]"
    loc = _clean_loc(err["loc"])
    kind = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    hint = ctx.get("hint")
    if kind == "extra_forbidden":
        key = str(loc[-1])
        known = _keys_at(cls, loc[:-1])
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        if close:
            hint = f"did you mean '{close[0]}'?"
        elif known:
            hint = "valid keys here: " + ", ".join(sorted(known))
        return doc.problem(loc, f"unknown key '{key}'", hint, key=True)
    if kind == "missing":
        field_ = _field_at(cls, loc)
        line, col = doc.where(loc[:-1])
        return Problem(doc.file, line, col, dotted(loc), f"required key '{loc[-1]}' is missing",
                       hint or (field_.description if field_ is not None else None))
    message = _message(kind, err, value, ctx)
    if not hint:
        field_ = _field_at(cls, loc)
        if field_ is not None and field_.description:
            hint = field_.description
    return doc.problem(loc, message, hint, key=on_key)


def describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    text = str(value)
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _message(kind: str, err: dict, value: Any, ctx: dict) -> str:
    if kind == "jenkinsctl":
        return err["msg"]
    if kind == "literal_error":
        expected = ctx.get("expected", "").replace("'", "").replace(" or ", ", ")
        if "," not in expected:
            return f"must be {expected}; got {describe(value)}"
        return f"must be one of {expected}; got {describe(value)}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"must be a whole number; got {describe(value)}"
    if kind in ("bool_parsing", "bool_type"):
        return f"must be true or false; got {describe(value)}"
    if kind in ("string_type",):
        return f"must be a string; got {describe(value)}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"must be a mapping of keys to values; got {describe(value)}"
    if kind in ("list_type",):
        return f"must be a list; got {describe(value)}"
    if kind in ("greater_than_equal", "greater_than"):
        return f"must be at least {ctx.get('ge', ctx.get('gt'))}; got {describe(value)}"
    if kind in ("less_than_equal", "less_than"):
        return f"must be at most {ctx.get('le', ctx.get('lt'))}; got {describe(value)}"
    if kind == "string_pattern_mismatch":
        return f"{describe(value)} is not allowed here (must match {ctx.get('pattern')})"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    return f"{err['msg']}; got {describe(value)}"


def _unwrap(tp: Any) -> Any:
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            tp = args[0] if len(args) == 1 else tp
            if len(args) != 1:
                return tp
        else:
            return tp


def _walk(cls: Any, loc: tuple) -> tuple[Any, Any]:
    """(type at loc, FieldInfo of the last model field on the way)."""
    tp, info = cls, None
    parts = list(loc)
    while parts:
        tp = _unwrap(tp)
        part = parts.pop(0)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            match = next((f for n, f in tp.model_fields.items() if (f.alias or n) == part or n == part), None)
            if match is None:
                return None, None
            tp, info = match.annotation, match
        elif typing.get_origin(tp) is dict:
            tp = typing.get_args(tp)[1]
        elif typing.get_origin(tp) is list:
            tp = typing.get_args(tp)[0]
        else:
            return None, info
    return _unwrap(tp), info


def _keys_at(cls: type[BaseModel], loc: tuple) -> list[str]:
    tp, _ = _walk(cls, loc)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [f.alias or n for n, f in tp.model_fields.items()]
    return []


def _field_at(cls: type[BaseModel], loc: tuple):
    _, info = _walk(cls, loc)
    return info
