"""`jenkinsctl init DIR`: scaffold a descriptors repository."""

from __future__ import annotations

from pathlib import Path

import click

from jenkinsctl.cli.context import AppContext, dry_run_option, pass_app


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=True, path_type=Path))
@click.option("--namespace", default="platform", show_default=True, help="Owner mark of the jobs its seed generates.")
@click.option("--team", help="Team of the example service (default: the namespace).")
@click.option("--service", "service_name", default="example-api", show_default=True, help="The example service.")
@click.option("--region", default="us-east-1", show_default=True)
@click.option("--account-id", "account", default="123456789012", show_default=True)
@click.option("--force", is_flag=True, help="Write into a non-empty DIRECTORY (files of the same name are replaced).")
@dry_run_option
@pass_app
def init(app: AppContext, directory: Path, namespace: str, team: str | None, service_name: str, region: str,
         account: str, force: bool) -> None:
    """Scaffold a descriptors repository in DIRECTORY: jenkinsctl.yaml (pinning this jenkinsctl
    for the seed job), services/<example>.yaml and seed/ (Jenkinsfile, bootstrap.groovy, jcasc.yaml,
    plugins.txt). What it writes validates and renders; a non-empty DIRECTORY needs --force."""
    import tempfile

    from jenkinsctl import scaffold
    from jenkinsctl.errors import UsageError
    from jenkinsctl.names import NAME_HINT, name_problem
    from jenkinsctl.workspace import Workspace

    for label, value in (("--namespace", namespace), ("--team", team), ("--service", service_name)):
        problem = value is not None and name_problem(value)
        if problem:
            raise UsageError(f"{label}: {problem}", NAME_HINT)
    refused = scaffold.problems_of(directory, force)
    if refused:
        raise UsageError(f"{refused}; nothing was written", "pick an empty or new directory, or pass --force")
    contents = scaffold.files(namespace, team or namespace, service_name, region, account)
    with tempfile.TemporaryDirectory(prefix="jenkinsctl-init-") as tmp:  # check it before writing it
        scaffold.write(Path(tmp), contents)
        Workspace.load(Path(tmp) / "jenkinsctl.yaml", {}, cwd=Path(tmp))
    if app.dry_run:
        for rel in contents:
            app.out(f"would write {directory / rel}")
        app.info("dry run: nothing was written")
        return
    for path in scaffold.write(directory, contents):
        app.out(f"wrote {path}")
    app.info(f"next: cd {directory} && jenkinsctl service validate && jenkinsctl jobs render")
