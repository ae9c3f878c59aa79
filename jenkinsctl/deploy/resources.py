"""The names and ARNs of everything a service owns in one environment, and its IAM policies.

Pure: no AWS calls. One place decides every name, so plan, deploy, rollback and tests agree."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from jenkinsctl.registry.addressing import pull_repository

ECS_TASKS_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
EXECUTION_POLICY = "jenkinsctl-execution"
TASK_POLICY = "jenkinsctl-task"
SLOTS = ("blue", "green")


def _short(name: str, limit: int) -> str:
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:6]
    return name[: limit - 7].rstrip("-") + "-" + digest


@dataclass(frozen=True)
class Resources:
    service: str
    env: str
    cluster: str
    region: str
    account_id: str
    repository: str  # the image repository path, e.g. payments/orders-api
    preview_of: str = ""  # a branch's preview (jenkinsctl.previews): the environment it copies
    branch: str = ""

    @property
    def family(self) -> str:
        return f"{self.service}-{self.env}"

    @property
    def log_group(self) -> str:
        return f"/ecs/{self.service}/{self.env}"

    @property
    def log_group_arn(self) -> str:
        return f"arn:aws:logs:{self.region}:{self.account_id}:log-group:{self.log_group}"

    @property
    def task_role(self) -> str:
        return _short(f"{self.service}-{self.env}-task", 64)

    @property
    def execution_role(self) -> str:
        return _short(f"{self.service}-{self.env}-execution", 64)

    def role_arn(self, name: str) -> str:
        return f"arn:aws:iam::{self.account_id}:role/{name}"

    @property
    def repository_arn(self) -> str:
        return f"arn:aws:ecr:{self.region}:{self.account_id}:repository/{self.repository}"

    def ecs_service(self, slot: str | None) -> str:
        """`orders-api` for rolling; `orders-api-blue` / `orders-api-green` for two-slot strategies;
        `orders-api-pv-<branch>` for a preview, which shares its base environment's cluster."""
        if self.preview_of:
            return f"{self.service}-{self.env}"
        return self.service if slot is None else f"{self.service}-{slot}"

    def target_group(self, slot: str | None) -> str:
        suffix = {None: "", "blue": "-b", "green": "-g"}[slot]
        return _short(f"{self.service}-{self.env}{suffix}", 32)

    @property
    def ssm_prefix(self) -> str:
        return f"/jenkinsctl/{self.service}/{self.env}"

    @property
    def tags(self) -> dict[str, str]:
        tags = {"service": self.service, "environment": self.env, "managed-by": "jenkinsctl"}
        if self.preview_of:  # what `env down` looks for before it deletes anything
            tags.update({"preview-of": self.preview_of, "branch": re.sub(r"[^\w.:/=+@ -]", "_", self.branch)[:256]})
        return tags

    # ---- secrets -----------------------------------------------------------------------------
    def secret_value_from(self, ref: str) -> str:
        """A descriptor secret reference -> the `valueFrom` ECS needs (a full ARN)."""
        if ref.startswith("ssm:"):
            return f"arn:aws:ssm:{self.region}:{self.account_id}:parameter/{ref[4:].lstrip('/')}"
        if ref.startswith("secretsmanager:"):
            name, _, key = ref[len("secretsmanager:"):].partition(":")
            arn = f"arn:aws:secretsmanager:{self.region}:{self.account_id}:secret:{name}"
            return f"{arn}:{key}::" if key else arn
        return ref

    def secret_lookup(self, ref: str) -> tuple[str, str]:
        """("ssm", parameter name) or ("secretsmanager", secret id) to check that a reference exists."""
        arn = self.secret_value_from(ref)
        if ":ssm:" in arn:
            return "ssm", "/" + arn.split(":parameter/", 1)[1]
        if ref.startswith("secretsmanager:"):
            return "secretsmanager", ref[len("secretsmanager:"):].split(":", 1)[0]
        head, _, rest = arn.partition(":secret:")
        return "secretsmanager", f"{head}:secret:{rest.split(':', 1)[0]}"

    def secret_resource(self, ref: str) -> tuple[str, str]:
        """(IAM action, resource ARN) that lets the execution role read exactly this secret."""
        arn = self.secret_value_from(ref)
        if ":ssm:" in arn:
            return "ssm:GetParameters", arn
        head, _, rest = arn.partition(":secret:")
        name = rest.split(":", 1)[0]
        if ref.startswith("secretsmanager:"):
            name += "-??????"  # Secrets Manager appends 6 random characters to a secret's ARN
        return "secretsmanager:GetSecretValue", f"{head}:secret:{name}"

    def execution_policy(self, secrets: dict[str, str]) -> dict:
        """Least privilege: pull this service's image, write its log group, read its secrets."""
        statements = [
            {"Sid": "PullImage", "Effect": "Allow",
             "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
             "Resource": [self.repository_arn]},
            # GetAuthorizationToken has no resource-level permissions in IAM: "*" is the only form
            {"Sid": "RegistryLogin", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": ["*"]},
            {"Sid": "WriteLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": [f"{self.log_group_arn}:log-stream:*"]},
        ]
        by_action: dict[str, list[str]] = {}
        for ref in secrets.values():
            action, resource = self.secret_resource(ref)
            by_action.setdefault(action, [])
            if resource not in by_action[action]:
                by_action[action].append(resource)
        for action in sorted(by_action):
            sid = "ReadParameters" if action.startswith("ssm") else "ReadSecrets"
            statements.append({"Sid": sid, "Effect": "Allow", "Action": [action],
                               "Resource": sorted(by_action[action])})
        return {"Version": "2012-10-17", "Statement": statements}

    def task_policy(self) -> dict:
        """The application's own role: it may only write its own log group; anything more is
        granted by the team outside jenkinsctl, naming its resources."""
        return {"Version": "2012-10-17", "Statement": [
            {"Sid": "OwnLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": [f"{self.log_group_arn}:log-stream:*"]}]}


def resources_for(resolved, env) -> Resources:
    """Resources of `resolved` (ResolvedService) in `env` (ResolvedEnvironment)."""
    return Resources(resolved.name, env.name, env.cluster, env.region, env.account_id, pull_repository(resolved, env),
                     env.preview_of or "", env.branch or "")
