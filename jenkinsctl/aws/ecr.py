"""ECR through the translated boto3 client: the repository a service pushes to (tag
immutability on, scan on push, lifecycle policy from the descriptor), planned as data first,
and the authorization token for `docker login`."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

from jenkinsctl.aws.session import AwsNotFound
from jenkinsctl.errors import AwsError


@dataclass(frozen=True)
class ApiCall:
    method: str
    params: dict = field(hash=False)
    why: str = ""

    def render(self) -> str:
        return f"ecr.{self.method}({', '.join(f'{k}={v!r}' for k, v in self.params.items() if k != 'lifecyclePolicyText')})" \
            + (f"  # {self.why}" if self.why else "")


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


def plan_repository(ecr, name: str, keep: int, untagged_days: int) -> list[ApiCall]:
    """The calls that make repository `name` what we want; [] when it already is."""
    policy = lifecycle_policy(keep, untagged_days)
    try:
        repo = ecr.describe_repositories(repositoryNames=[name])["repositories"][0]
    except AwsNotFound:
        return [ApiCall("create_repository", {"repositoryName": name, "imageTagMutability": "IMMUTABLE",
                                              "imageScanningConfiguration": {"scanOnPush": True}}, "missing"),
                ApiCall("put_lifecycle_policy", {"repositoryName": name, "lifecyclePolicyText": policy},
                        f"keep {keep}, expire untagged after {untagged_days} days")]
    calls = []
    if repo.get("imageTagMutability") != "IMMUTABLE":
        calls.append(ApiCall("put_image_tag_mutability", {"repositoryName": name, "imageTagMutability": "IMMUTABLE"},
                             f"was {repo.get('imageTagMutability')}"))
    if not (repo.get("imageScanningConfiguration") or {}).get("scanOnPush"):
        calls.append(ApiCall("put_image_scanning_configuration",
                             {"repositoryName": name, "imageScanningConfiguration": {"scanOnPush": True}}, "scan on push was off"))
    try:
        current = ecr.get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"]
        same = json.loads(current) == json.loads(policy)
    except AwsNotFound:
        same = False
    if not same:
        calls.append(ApiCall("put_lifecycle_policy", {"repositoryName": name, "lifecyclePolicyText": policy},
                             f"keep {keep}, expire untagged after {untagged_days} days"))
    return calls


def apply(ecr, calls: list[ApiCall]) -> None:
    for call in calls:
        getattr(ecr, call.method)(**call.params)


def authorization(ecr, registry_id: str | None = None) -> Credentials:
    """`docker login` credentials from ECR's authorization token."""
    kwargs = {"registryIds": [registry_id]} if registry_id else {}
    data = ecr.get_authorization_token(**kwargs)["authorizationData"]
    if not data:
        raise AwsError("ECR get_authorization_token returned no token", "check the IAM permission "
                       "ecr:GetAuthorizationToken")
    try:
        user, _, password = base64.b64decode(data[0]["authorizationToken"]).decode().partition(":")
    except (ValueError, KeyError) as exc:
        raise AwsError("ECR get_authorization_token returned a token that is not base64 user:password") from exc
    return Credentials(user, password, data[0].get("proxyEndpoint", ""))
