"""A record of every AWS call jenkinsctl makes, as the IAM actions a role needs for it.

`JENKINSCTL_AWS_CALL_LOG=<file>` (read by the factory) appends one JSON line per call to the file:
`{"action": "ecs:CreateService", "on": {"cluster": "dev", "serviceName": "orders-api"}}`; `on` holds
only the parameters that name the resource (names, ARNs, URLs), never values, policies or secrets.
An admin runs a command once against a sandbox or a test account and reads the actions to grant;
`tests/e2e/test_iam_documented.py` compares them with `docs/iam.md`.

It is a botocore `before-parameter-build` hook on the session `AwsClients` builds, so it sees every call of
every client, including calls a test's Stubber answers (they would reach AWS in production)."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

# botocore's signing name -> IAM's service prefix, where they differ
_PREFIX = {"monitoring": "cloudwatch"}
_NAMING = ("cluster", "service", "services", "family", "taskDefinition", "capacityProvider", "containerInstance")
_LOCK = threading.Lock()


def iam_action(model: Any) -> str:
    """`service:Action` IAM checks for a botocore operation model (e.g. elasticloadbalancing:CreateRule)."""
    service = model.service_model
    prefix = service.signing_name or service.endpoint_prefix
    return f"{_PREFIX.get(prefix, prefix)}:{model.name}"


def _naming(params: dict) -> dict:
    out = {}
    for key, value in params.items():
        if key in _NAMING or key.endswith(("Name", "name", "Names", "Arn", "arn", "Arns", "Url", "Id", "Ids")) \
                and key not in ("ClientToken", "clientToken"):
            if isinstance(value, (str, int)) or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                out[key] = value
    return out


class CallLog:
    """Appends the IAM action of each call to `path` (JSON lines); `install` puts it on a boto3 session."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def install(self, session: Any) -> None:
        session.events.register("before-parameter-build", self._record, unique_id=f"jenkinsctl-call-log-{self.path}")

    def _record(self, model: Any = None, params: Any = None, **_: Any) -> None:
        if model is None:
            return
        line = json.dumps({"action": iam_action(model), "on": _naming(params) if isinstance(params, dict) else {}},
                          default=str)
        with _LOCK, self.path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")


def read(path: str | Path) -> list[dict]:
    """The calls recorded in `path`, in order."""
    p = Path(path)
    if not p.exists():
        return []
    return [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
