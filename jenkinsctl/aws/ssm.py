"""SSM Parameter Store: JSON records under a path (last-known-good deploys), and the public
parameter naming the ECS-optimized AMI."""

from __future__ import annotations

import json

from jenkinsctl.aws.session import AwsNotFound, Service
from jenkinsctl.errors import AwsError

# https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html
STANDARD_VALUE_BYTES = 4096


class Ssm(Service):
    name = "ssm"
    PLANNED = frozenset({"delete_parameters"})

    def names_under(self, path: str) -> list[str]:
        """Names of every parameter below `path` (recursive)."""
        return [p["Name"] for page in self._pages("get_parameters_by_path", "NextToken", Path=path, Recursive=True)
                for p in page["Parameters"]]

    def get_json(self, name: str):
        try:
            value = self._call("get_parameter", Name=name)["Parameter"]["Value"]
        except AwsNotFound:
            return None
        return json.loads(value)

    def put_json(self, name: str, value, description: str = "") -> None:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"))
        if len(text.encode()) > STANDARD_VALUE_BYTES:
            raise AwsError(f"SSM parameter {name}: the value is {len(text.encode())} bytes, more than the "
                           f"{STANDARD_VALUE_BYTES} a Standard parameter holds; nothing was written",
                           "this is a bug in jenkinsctl: records are one parameter each and far smaller")
        self._call("put_parameter", Name=name, Value=text, Type="String", Overwrite=True,
                   Description=description[:1024])

    def get_json_many(self, names: list[str]) -> dict[str, object]:
        """The JSON values of the parameters that exist among `names` (10 per call, AWS's most)."""
        out: dict[str, object] = {}
        for i in range(0, len(names), 10):
            got = self._call("get_parameters", Names=names[i:i + 10])["Parameters"]
            out.update({p["Name"]: json.loads(p["Value"]) for p in got})
        return out

    def delete_many(self, names: list[str]) -> None:
        for i in range(0, len(names), 10):
            self._call("delete_parameters", Names=names[i:i + 10])

    def delete(self, name: str) -> None:
        try:
            self._call("delete_parameter", Name=name)
        except AwsNotFound:
            pass

    def exists(self, name: str) -> bool:
        """Whether the parameter exists (metadata only: its value is never read)."""
        out = self._call("describe_parameters",
                         ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [name]}])
        return bool(out.get("Parameters"))

    def ecs_ami(self, parameter: str) -> str:
        """The AMI id a public SSM parameter names (e.g. the recommended ECS-optimized AMI)."""
        try:
            value = self._call("get_parameter", Name=parameter)["Parameter"]["Value"]
        except AwsNotFound as exc:
            raise AwsError(f"SSM parameter {parameter} does not exist in this region",
                           "set agents.amiParameter to a public ECS-optimized AMI parameter, e.g. "
                           "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id") from exc
        if value.startswith("{"):  # the .../recommended parameter is a JSON document
            value = json.loads(value).get("image_id", value)
        return value
