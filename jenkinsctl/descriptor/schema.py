"""JSON Schema of the descriptor and of jenkinsctl.yaml, exported from the models."""

from __future__ import annotations

import json


def schema_json(kind: str = "service") -> str:
    if kind == "config":
        from jenkinsctl.config.model import Config as model
        title = "jenkinsctl.yaml"
    else:
        from jenkinsctl.descriptor.model import ServiceSpec as model
        title = "jenkinsctl service descriptor (services/<name>.yaml)"
    schema = model.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = title
    return json.dumps(schema, indent=2, sort_keys=False)
