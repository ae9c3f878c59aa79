"""One click command per step; each only wires a `jenkinsctl.steps.<name>.run` call."""

from __future__ import annotations

import click

service_option = click.option(
    "--service", "service_name", envvar="JENKINSCTL_SERVICE", metavar="NAME",
    help="The service (its descriptor name); default $JENKINSCTL_SERVICE, or the only service.")
workdir_option = click.option(
    "--workdir", type=click.Path(file_okay=False), envvar="WORKSPACE", metavar="DIR",
    help="The service's source checkout (default: $WORKSPACE, else the current directory).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print the results as JSON on stdout.")
