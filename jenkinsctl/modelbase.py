"""The pydantic base every user-written file's model shares: camelCase keys, no unknown keys,
and errors that carry a hint."""

from __future__ import annotations

import re
import types
import typing
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationInfo, field_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from jenkinsctl.imageref import pin_problem
from jenkinsctl.names import NAME_HINT, name_problem, repository_problem


class Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        str_strip_whitespace=True,
    )

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_as_number(cls, value: Any, info: ValidationInfo) -> Any:
        """pydantic reads `true` as 1 for a number; `port: true` is a mistake, not port 1."""
        if isinstance(value, bool) and info.field_name and _numeric(cls.model_fields[info.field_name].annotation):
            raise PydanticCustomError("int_type", "must be a whole number")
        return value


def _numeric(tp: Any) -> bool:
    args = typing.get_args(tp)
    if typing.get_origin(tp) is typing.Annotated:
        return _numeric(args[0])
    if args and typing.get_origin(tp) in (typing.Union, types.UnionType):
        return all(_numeric(a) for a in args if a is not type(None))
    return tp in (int, float)


def invalid(message: str, hint: str | None = None) -> PydanticCustomError:
    return PydanticCustomError("jenkinsctl", message, {"hint": hint} if hint else {})


def _name(value: str) -> str:
    problem = name_problem(value)
    if problem:
        raise invalid(problem, NAME_HINT)
    return value


def _repository(value: str) -> str:
    problem = repository_problem(value)
    if problem:
        raise invalid(problem, "lowercase path segments separated by '/', e.g. payments/orders-api")
    return value


def pinned_image(value: str) -> str:
    """The reference, if pinned by tag or digest; else a located error with a hint."""
    problem = pin_problem(value)
    if problem:
        raise invalid(problem, "pin the image to a version tag or a digest, e.g. "
                      "registry.example.com/jenkins/inbound-agent:3283.v92c105e0f819-1")
    return value


def matching(regex: str, message: str, hint: str | None = None):
    """A string type whose mismatch error says `message` (with {value}) instead of the regex."""
    compiled = re.compile(regex)

    def check(value: str) -> str:
        if not compiled.match(value):
            raise invalid(message.format(value=value), hint)
        return value

    return Annotated[str, AfterValidator(check)]


def _digits_to_str(value: object) -> object:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


AccountId = Annotated[str, BeforeValidator(_digits_to_str),
                      AfterValidator(lambda v: _account(v))]


def _account(value: str) -> str:
    if not re.fullmatch(r"\d{12}", value):
        raise invalid(f"'{value}' is not an AWS account ID", "12 digits; quote it in YAML to keep leading zeros")
    return value


Name = Annotated[str, AfterValidator(_name)]
Repository = Annotated[str, AfterValidator(_repository)]
PinnedImage = Annotated[str, AfterValidator(pinned_image)]
