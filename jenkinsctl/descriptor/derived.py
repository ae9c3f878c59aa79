"""What is derived from a resolved service's fields: pure functions over attribute values, no
pydantic. The resolved models' properties and the step cache's records (`jenkinsctl.records`)
both call these, so a step reads the same answers whichever it was handed."""

from __future__ import annotations

from typing import Any


def image_reference(image: Any) -> str:
    """`registry/repository` of a resolved image."""
    return f"{image.registry}/{image.repository}"


def environment_access(env: Any) -> str:
    """Where and as whom jenkinsctl acts in a resolved environment (plans and dry runs say it)."""
    who = f"through role {env.role_arn}" + (" (with external ID)" if env.external_id else "") \
        if env.role_arn else "with jenkinsctl's own credentials"
    return f"account {env.account_id} ({env.region}) {who}"


def service_environment(service: Any, name: str) -> Any:
    """A resolved service's environment `name`; a usage error naming the ones it has."""
    from jenkinsctl.errors import UsageError

    if name not in service.environments:
        raise UsageError(f"service {service.name} has no environment '{name}'",
                         "its environments are: " + ", ".join(service.environments))
    return service.environments[name]
