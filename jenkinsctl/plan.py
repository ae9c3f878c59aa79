"""The one plan vocabulary: what jenkinsctl will change, as data, before it changes anything.

A `Plan` is a tuple of `Change`s (one resource each: create, update, delete...), each carrying
the `ApiCall`s that make it so, plus what is already right (`unchanged`) and `notes`. Plans are
frozen: built complete, printed (`plan`, `--dry-run`), then executed call by call (`execute`)
through the typed AWS classes (`AwsClients.service(name).apply(call)`). A value only known while
executing (an ARN created earlier in the same plan) is a `Ref`, resolved just before its call.
Used by the agent fleet (`agents.plan`), deploys (`deploy.plan`) and ECR repositories."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

READ_PREFIXES = ("describe_", "list_", "get_")


@dataclass(frozen=True)
class Ref:
    """A value only known while executing (e.g. the Auto Scaling group's ARN)."""

    what: str  # "asg_arn"
    name: str

    def __str__(self) -> str:
        return f"<{self.what} of {self.name}>"

    __repr__ = __str__


@dataclass(frozen=True)
class ApiCall:
    """One AWS API call: `service` and `method` as boto3 names them, `params` as the API takes them."""

    service: str
    method: str
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)
    why: str = ""
    hidden: tuple[str, ...] = ()  # params left out of `render` (long documents)

    @property
    def mutating(self) -> bool:
        return not self.method.startswith(READ_PREFIXES)

    def render(self) -> str:
        args = ", ".join(f"{k}={_short(v)}" for k, v in self.params.items() if k not in self.hidden)
        return f"{self.service}.{self.method}({args})" + (f"  # {self.why}" if self.why else "")


@dataclass(frozen=True)
class Change:
    """One resource brought to what is wanted: `action` (create, update, delete, set, put,
    register) on `kind` `name`, the field-by-field `diff` (field, from, to), the calls it makes,
    and a one-line `note` for the reader."""

    action: str
    kind: str
    name: str
    note: str = ""
    diff: tuple[tuple[str, Any, Any], ...] = ()
    calls: tuple[ApiCall, ...] = ()
    scope: str = ""  # the agent fleet: "" (main) or a branch


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...] = ()
    unchanged: tuple[tuple[str, str], ...] = ()  # (kind, name) already as wanted
    notes: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.changes

    @property
    def calls(self) -> tuple[ApiCall, ...]:
        return tuple(c for change in self.changes for c in change.calls)

    def counts(self, actions: tuple[str, ...] = ("create", "update", "delete")) -> dict[str, int]:
        return {a: sum(1 for c in self.changes if c.action == a) for a in actions}


def resolve(value: Any, lookup: Callable[[Ref], Any]) -> Any:
    """`value` with every `Ref` in it (nested in dicts and lists) replaced by `lookup(ref)`."""
    if isinstance(value, Ref):
        return lookup(value)
    if isinstance(value, Mapping):
        return {k: resolve(v, lookup) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [resolve(v, lookup) for v in value]
    return value


def run_call(call: ApiCall, aws, lookup: Callable[[Ref], Any] | None = None) -> dict:
    """Carry out one planned call through its service's typed class; returns AWS's answer."""
    params = resolve(dict(call.params), lookup or _no_refs)
    return aws.service(call.service).apply(ApiCall(call.service, call.method, params, call.why, call.hidden))


def _no_refs(ref: Ref) -> Any:
    raise ValueError(f"unknown reference {ref}")


def _short(v: Any, limit: int = 80) -> str:
    text = repr(v)
    text = text.replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def jsonable(v: Any) -> Any:
    return json.loads(json.dumps(v, default=str))
