"""The names and ARNs of everything a service owns in one environment, and its IAM policies.

Pure: no AWS calls. One place decides every name, so plan, deploy, rollback and tests agree."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from jenkinsctl.registry.addressing import ecr_account, ecr_region, pull_repository


def trust(service: str) -> dict:
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}


ECS_TASKS = "ecs-tasks.amazonaws.com"
ECS = "ecs.amazonaws.com"  # the ECS infrastructure role for load balancers trusts ECS itself
ECS_TASKS_TRUST = trust(ECS_TASKS)
EXECUTION_POLICY = "jenkinsctl-execution"
TASK_POLICY = "jenkinsctl-task"
INFRA_POLICY = "jenkinsctl-load-balancing"
SLOTS = ("blue", "green")  # the two target groups (-b, -g) ECS shifts between; formerly two ECS services


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
    registry_account: str = ""  # the account owning the registry the environment pulls from ("": its own)
    registry_region: str = ""  # that registry's region ("": the environment's)
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

    @property
    def infrastructure_role(self) -> str:
        """ECS's role for this service's load balancer wiring (blue-green, canary, linear)."""
        return _short(f"{self.service}-{self.env}-ecs-infra", 64)

    def role_arn(self, name: str) -> str:
        return f"arn:aws:iam::{self.account_id}:role/{name}"

    @property
    def repository_arn(self) -> str:
        """The repository tasks pull from: in the registry's account and region (the shared
        registry of another account, for an environment with a roleArn), not the environment's."""
        return (f"arn:aws:ecr:{self.registry_region or self.region}:{self.registry_account or self.account_id}:"
                f"repository/{self.repository}")

    @property
    def pulls_across_accounts(self) -> bool:
        return bool(self.registry_account) and self.registry_account != self.account_id

    @property
    def ecs_service_name(self) -> str:
        """The one ECS service of this service in this environment, whatever the strategy; a
        preview's is `orders-api-pv-<branch>`, beside its base environment's in the same cluster."""
        return f"{self.service}-{self.env}" if self.preview_of else self.service

    def legacy_service(self, slot: str) -> str:
        """`orders-api-blue` / `-green`: the two services jenkinsctl ran before ECS shifted traffic
        itself; found only to migrate them. A preview never had them: its names cannot match the
        base environment's services in the cluster they share."""
        return f"{self.ecs_service_name}-{slot}" if self.preview_of else f"{self.service}-{slot}"

    def target_group(self, slot: str | None) -> str:
        suffix = {None: "", "blue": "-b", "green": "-g"}[slot]
        return _short(f"{self.service}-{self.env}{suffix}", 32)

    def alternate_of(self, primary_name: str) -> str:
        """The second target group beside `primary_name`: -b and -g pair up; a rolling service's
        group gets -g beside it."""
        blue, green = self.target_group("blue"), self.target_group("green")
        return blue if primary_name == green else green

    def slot_label(self, target_group_name: str) -> str:
        return {self.target_group("blue"): "blue", self.target_group("green"): "green"}.get(target_group_name, "tg")

    @property
    def ssm_prefix(self) -> str:
        return f"/jenkinsctl/{self.service}/{self.env}"

    def limited(self) -> list[tuple[str, str, str]]:
        """(AWS limit key, what, name) of every name derived here, for `jenkinsctl.aws.limits`."""
        return [("ecs.family", "task family", self.family), ("ecs.service", "ECS service", self.ecs_service_name),
                ("elbv2.target_group", "target group", self.target_group("blue")),
                ("elbv2.target_group", "target group", self.target_group("green")),
                ("iam.role", "task role", self.task_role), ("iam.role", "execution role", self.execution_role),
                ("iam.role", "infrastructure role", self.infrastructure_role),
                ("logs.group", "log group", self.log_group),
                ("ssm.parameter", "parameter", f"{self.ssm_prefix}/last-known-good"),
                *[("tag.value", f"tag {k}", v) for k, v in self.tags.items()]]

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

    def infrastructure_policy(self, target_groups: list[str], listeners: list[str], hooks: list[str]) -> dict:
        """What ECS does with this service's load balancer during a deployment, and nothing else:
        (de)register targets in its two target groups, change the weights of rules on its listeners,
        invoke its lifecycle hooks. Describe calls have no resource-level permissions in ELB."""
        tg = [f"arn:aws:elasticloadbalancing:{self.region}:{self.account_id}:targetgroup/{n}/*" for n in target_groups]
        rules = [arn.replace(":listener/", ":listener-rule/", 1) + "/*" for arn in listeners]
        statements = [
            {"Sid": "ReadLoadBalancing", "Effect": "Allow", "Action": [
                "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeRules",
                "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth"],
             "Resource": ["*"]},
            {"Sid": "Targets", "Effect": "Allow",
             "Action": ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
             "Resource": sorted(tg)},
            {"Sid": "ShiftTraffic", "Effect": "Allow", "Action": ["elasticloadbalancing:ModifyRule"],
             "Resource": sorted(set(rules))}]
        if hooks:
            statements.append({"Sid": "LifecycleHooks", "Effect": "Allow", "Action": ["lambda:InvokeFunction"],
                               "Resource": sorted(set(hooks))})
        return {"Version": "2012-10-17", "Statement": statements}

    def task_policy(self) -> dict:
        """The application's own role: it may only write its own log group; anything more is
        granted by the team outside jenkinsctl, naming its resources."""
        return {"Version": "2012-10-17", "Statement": [
            {"Sid": "OwnLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": [f"{self.log_group_arn}:log-stream:*"]}]}


def resources_for(resolved, env) -> Resources:
    """Resources of `resolved` (ResolvedService) in `env` (ResolvedEnvironment)."""
    host = env.registry.partition("/")[0]
    return Resources(resolved.name, env.name, env.cluster, env.region, env.account_id, pull_repository(resolved, env),
                     ecr_account(host) or "", ecr_region(host) or "", env.preview_of or "", env.branch or "")
