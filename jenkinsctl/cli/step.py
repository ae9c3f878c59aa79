"""`jenkinsctl step ...`: the helpers Jenkinsfiles call, one module per step under cli/steps/."""

from __future__ import annotations

import click

from jenkinsctl.cli import LazyGroup

STEPS = {
    "version": ("jenkinsctl.cli.steps.version", "version", "Compute the next version from git tags and commits."),
    "build": ("jenkinsctl.cli.steps.build", "build", "Check the Dockerfile policy, then build the image."),
    "test": ("jenkinsctl.cli.steps.test", "test", "Run the service's tests inside the built image."),
    "push": ("jenkinsctl.cli.steps.push", "push", "Push the image to ECR and verify its digest."),
    "deploy": ("jenkinsctl.cli.steps.deploy", "deploy", "Deploy the image by digest to an environment."),
    "promote": ("jenkinsctl.cli.steps.promote", "promote", "Promote a deployed image to the next environment."),
    "rollback": ("jenkinsctl.cli.steps.rollback", "rollback", "Roll an environment back to its last known good."),
}


@click.group(cls=LazyGroup, lazy=STEPS)
def step() -> None:
    """Pipeline steps that Jenkinsfiles call, in pipeline order.

    \b
    Each reads the service's descriptor (--service, or $JENKINSCTL_SERVICE) and the Jenkins
    environment (GIT_COMMIT, BRANCH_NAME, BUILD_URL...), prints progress, and writes its results to
    .jenkinsctl/<step>.properties (for readProperties) and .jenkinsctl/<step>.json.
    \b
      jenkinsctl step version --service orders-api
      jenkinsctl step build   --service orders-api
      jenkinsctl step test    --service orders-api
      jenkinsctl step push    --service orders-api
      jenkinsctl step deploy  --service orders-api --env dev
    """
