"""Validated values without pydantic: what the step cache (`jenkinsctl.stepcache`) hands a step.

A `Record` holds the fields of one validated model instance (`jenkinsctl.yaml`'s `Config`, a
`ResolvedService` and everything inside them), read-only, by attribute like the model, with the
model's own properties and methods (the same functions in `config/derived.py`,
`descriptor/derived.py`, `registry/addressing.py`), `model_copy(update=...)` and `model_dump()`.
`dump` turns a model into tagged JSON data; `build` turns that data back into records. Records
are built only from data a pydantic model validated: they check nothing themselves."""

from __future__ import annotations

from typing import Any

from jenkinsctl.config.derived import environment_names, pip_spec
from jenkinsctl.descriptor.derived import environment_access, image_reference, service_environment
from jenkinsctl.registry.addressing import registry_host

RECORD, FIELDS, MAP = "@", "=", "{}"  # {"@": model name, "=": fields}; {"{}": a plain mapping}


class Record:
    __slots__ = ("_fields",)

    def __init__(self, fields: dict[str, Any]) -> None:
        object.__setattr__(self, "_fields", fields)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._fields[name]
        except KeyError:
            raise AttributeError(f"{type(self).__name__} has no field '{name}'") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen (use model_copy(update=...))")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._fields == self._fields  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), tuple(self._fields.items())))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self._fields.items())})"

    def model_copy(self, *, update: dict[str, Any] | None = None) -> Any:
        """A copy with some fields replaced (unvalidated, like pydantic's)."""
        return type(self)({**self._fields, **(update or {})})

    def model_dump(self) -> dict[str, Any]:
        """The fields as plain data, as pydantic's `model_dump()` gives them."""
        return {k: _plain(v) for k, v in self._fields.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Record):
        return value.model_dump()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class ConfigRecord(Record):
    __slots__ = ()
    registry_host = property(registry_host)
    environment_names = property(environment_names)


class ToolSettingsRecord(Record):
    __slots__ = ()
    pip_spec = property(pip_spec)


class ResolvedImageRecord(Record):
    __slots__ = ()
    reference = property(image_reference)


class ResolvedEnvironmentRecord(Record):
    __slots__ = ()
    access = environment_access


class ResolvedServiceRecord(Record):
    __slots__ = ()
    environment = service_environment

    @property
    def environment_order(self) -> list[str]:
        return list(self.environments)


# model (module.qualname) -> its record class; models without properties or methods: `Record`
RECORD_TYPES: dict[str, type[Record]] = {
    "jenkinsctl.config.model.Config": ConfigRecord,
    "jenkinsctl.config.model.ToolSettings": ToolSettingsRecord,
    "jenkinsctl.descriptor.resolved.ResolvedImage": ResolvedImageRecord,
    "jenkinsctl.descriptor.resolved.ResolvedEnvironment": ResolvedEnvironmentRecord,
    "jenkinsctl.descriptor.resolved.ResolvedService": ResolvedServiceRecord,
}


def model_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def dump(value: Any) -> Any:
    """A validated model (and everything in it) as JSON data, each model tagged with its name."""
    fields = getattr(type(value), "model_fields", None)  # a pydantic model, without importing pydantic
    if fields is not None:
        return {RECORD: model_name(type(value)), FIELDS: {name: dump(getattr(value, name)) for name in fields}}
    if isinstance(value, dict):
        return {MAP: {str(k): dump(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return [dump(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot record a {type(value).__name__}")


def build(data: Any) -> Any:
    """Records from `dump`'s data; ValueError on data `dump` cannot have written."""
    if isinstance(data, dict):
        if set(data) == {RECORD, FIELDS} and isinstance(data[FIELDS], dict):
            cls = RECORD_TYPES.get(data[RECORD], Record)
            return cls({k: build(v) for k, v in data[FIELDS].items()})
        if set(data) == {MAP} and isinstance(data[MAP], dict):
            return {k: build(v) for k, v in data[MAP].items()}
        raise ValueError(f"not recorded data: keys {sorted(data)}")
    if isinstance(data, list):
        return [build(v) for v in data]
    return data
