"""ECR: the repository a service pushes to (tag immutability on, scan on push, lifecycle policy
from the descriptor), planned as calls first, and the authorization token for `docker login`."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from jenkinsctl.aws.session import AwsNotFound, Service
from jenkinsctl.errors import AwsError
from jenkinsctl.plan import ApiCall


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str
    proxy_endpoint: str

    @property
    def auth(self) -> dict[str, str]:
        return {"username": self.username, "password": self.password}


def lifecycle_policy(keep: int, untagged_days: int) -> str:
    """Expire untagged images after `untagged_days`; keep the newest `keep` images."""
    rules = [
        {"rulePriority": 1, "description": f"expire untagged images after {untagged_days} days",
         "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days",
                       "countNumber": untagged_days}, "action": {"type": "expire"}},
        {"rulePriority": 2, "description": f"keep the newest {keep} images",
         "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": keep},
         "action": {"type": "expire"}},
    ]
    return json.dumps({"rules": rules}, sort_keys=True)


def _call(method: str, params: dict, why: str) -> ApiCall:
    return ApiCall("ecr", method, params, why, hidden=("lifecyclePolicyText",))


class Ecr(Service):
    name = "ecr"
    PLANNED = frozenset({"create_repository", "put_lifecycle_policy", "put_image_tag_mutability",
                         "put_image_scanning_configuration"})

    def plan_repository(self, name: str, keep: int, untagged_days: int) -> list[ApiCall]:
        """The calls that make repository `name` what we want; [] when it already is."""
        policy = lifecycle_policy(keep, untagged_days)
        put_policy = _call("put_lifecycle_policy", {"repositoryName": name, "lifecyclePolicyText": policy},
                           f"keep {keep}, expire untagged after {untagged_days} days")
        try:
            repo = self._call("describe_repositories", repositoryNames=[name])["repositories"][0]
        except AwsNotFound:
            return [_call("create_repository", {"repositoryName": name, "imageTagMutability": "IMMUTABLE",
                                                "imageScanningConfiguration": {"scanOnPush": True}}, "missing"),
                    put_policy]
        calls = []
        if repo.get("imageTagMutability") != "IMMUTABLE":
            calls.append(_call("put_image_tag_mutability", {"repositoryName": name, "imageTagMutability": "IMMUTABLE"},
                               f"was {repo.get('imageTagMutability')}"))
        if not (repo.get("imageScanningConfiguration") or {}).get("scanOnPush"):
            calls.append(_call("put_image_scanning_configuration",
                               {"repositoryName": name, "imageScanningConfiguration": {"scanOnPush": True}},
                               "scan on push was off"))
        try:
            current = self._call("get_lifecycle_policy", repositoryName=name)["lifecyclePolicyText"]
            same = json.loads(current) == json.loads(policy)
        except AwsNotFound:
            same = False
        if not same:
            calls.append(put_policy)
        return calls

    def apply_all(self, calls: list[ApiCall]) -> None:
        for call in calls:
            self.apply(call)

    def authorization(self, registry_id: str | None = None) -> Credentials:
        """`docker login` credentials from ECR's authorization token."""
        kwargs = {"registryIds": [registry_id]} if registry_id else {}
        data = self._call("get_authorization_token", **kwargs)["authorizationData"]
        if not data:
            raise AwsError("ECR get_authorization_token returned no token", "check the IAM permission "
                           "ecr:GetAuthorizationToken")
        try:
            user, _, password = base64.b64decode(data[0]["authorizationToken"]).decode().partition(":")
        except (ValueError, KeyError) as exc:
            raise AwsError("ECR get_authorization_token returned a token that is not base64 user:password") from exc
        return Credentials(user, password, data[0].get("proxyEndpoint", ""))
