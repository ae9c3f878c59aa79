"""SSM Parameter Store: JSON records under a path (last-known-good deploys)."""

from __future__ import annotations

import json

from jenkinsctl.aws.session import AwsClients, AwsNotFound


class Ssm:
    def __init__(self, clients: AwsClients):
        self.client = clients.client("ssm")

    def get_json(self, name: str):
        try:
            value = self.client.get_parameter(Name=name)["Parameter"]["Value"]
        except AwsNotFound:
            return None
        return json.loads(value)

    def put_json(self, name: str, value, description: str = "") -> None:
        self.client.put_parameter(Name=name, Value=json.dumps(value, sort_keys=True, separators=(",", ":")),
                                  Type="String", Overwrite=True, Description=description[:1024])

    def exists(self, name: str) -> bool:
        """Whether the parameter exists (metadata only: its value is never read)."""
        out = self.client.describe_parameters(ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [name]}])
        return bool(out.get("Parameters"))
