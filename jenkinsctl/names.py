"""Names that must be valid at once as Jenkins job, ECR repository, ECS service, IAM role and
ALB target group names."""

from __future__ import annotations

import re

NAME_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
NAME_MAX = 28  # "<name>-<env>-b" must fit an ALB target group name (32 characters)
NAME_HINT = ("use lowercase letters, digits and single hyphens, starting with a letter, at most "
             f"{NAME_MAX} characters: the name becomes a Jenkins folder, an ECR repository, an ECS "
             "service and ALB target group names")
REPO_RE = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")


def name_problem(value: str) -> str | None:
    if not NAME_RE.match(value):
        return f"'{value}' is not a valid name"
    if len(value) > NAME_MAX:
        return f"'{value}' is {len(value)} characters; at most {NAME_MAX}"
    return None


def repository_problem(value: str) -> str | None:
    from jenkinsctl.aws.limits import problem

    if problem("ecr.repository", value) or not REPO_RE.match(value):
        return f"'{value}' is not a valid ECR repository name"
    return None
