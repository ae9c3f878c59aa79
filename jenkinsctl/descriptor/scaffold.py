"""`jenkinsctl service new`: a commented descriptor that validates as written."""

from __future__ import annotations

_HTTP = """\
  port: {port}                   # the container port; the load balancer forwards here
  healthCheck:
    path: /healthz             # must answer 200 when the service can take traffic
  strategy: rolling            # rolling | blue-green | canary
"""
_WORKER = """\
  # no port: a worker behind a queue; add `port:` to put it behind the load balancer
  strategy: rolling
"""

TEMPLATE = """\
# services/{name}.yaml: everything Jenkins and ECS need to build and run {name}.
# State only what differs from jenkinsctl.yaml. `jenkinsctl service show {name} --explain`
# prints the resolved descriptor and where each value comes from.
apiVersion: jenkinsctl/v1
kind: Service
name: {name}
team: {team}
repo: {repo}             # the service's git repository
owners: []                     # e.g. [{team}-oncall@example.com]

build:
  dockerfile: Dockerfile
  context: .
  # target: runtime            # multi-stage target to build
  # args: {{BASE_VERSION: "1.2"}}  # never secrets: they end up in the image
  # test: make test            # runs inside the built image

deploy:
{deploy}\
  cpu: 256                     # 1024 = one vCPU
  memory: 512                  # MiB
  desiredCount: 1
  env: {{}}                      # plain settings, e.g. {{LOG_LEVEL: info}}
  secrets: {{}}                  # references only, e.g. {{DB_PASSWORD: ssm:/{name}/db-password}}

# environments:                # per-environment overrides, by name from jenkinsctl.yaml
#   prod:
#     desiredCount: 3
"""


def render_scaffold(name: str, team: str, port: int | None, repo: str | None = None) -> str:
    deploy = _HTTP.format(port=port) if port else _WORKER
    repo = repo or f"https://git.example.com/{team}/{name}.git"
    return TEMPLATE.format(name=name, team=team, repo=repo, deploy=deploy)
