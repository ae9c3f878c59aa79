"""`jenkinsctl service ...`: create, validate and inspect descriptors."""

from __future__ import annotations

from pathlib import Path

import click

from jenkinsctl.cli.context import AppContext, dry_run_option, pass_app


@click.group()
def service() -> None:
    """Create, validate and inspect service descriptors (services/<name>.yaml).

    \b
    A descriptor states only what differs from jenkinsctl.yaml:
      jenkinsctl service new orders-api --team payments --port 8080
      jenkinsctl service validate                 # every file, every problem, one run
      jenkinsctl service show orders-api --explain
    """


@service.command("new")
@click.argument("name")
@click.option("--team", help="Owning team (default: the config's namespace).")
@click.option("--port", type=click.IntRange(1, 65535), help="Container port; omit for a worker.")
@click.option("--repo", "repo_url", metavar="URL", help="The service's git repository URL.")
@dry_run_option
@pass_app
def new(app: AppContext, name: str, team: str | None, port: int | None, repo_url: str | None) -> None:
    """Write services/NAME.yaml: a commented descriptor that validates.

    Refuses to overwrite an existing file. With --dry-run, prints it instead.
    """
    from jenkinsctl.config.locate import display_path
    from jenkinsctl.descriptor.scaffold import render_scaffold
    from jenkinsctl.errors import UsageError
    from jenkinsctl.names import NAME_HINT, name_problem
    from jenkinsctl.workspace import load_services

    for label, value in (("NAME", name), ("--team", team)):
        problem = value is not None and name_problem(value)
        if problem:
            raise UsageError(f"{label}: {problem}", NAME_HINT)
    if repo_url is not None:  # credentials are refused before they reach any text (the scaffold checks the rest)
        from jenkinsctl.descriptor.model import GIT_URL_CREDENTIALS_HINT
        from jenkinsctl.secrets import url_credentials

        if url_credentials(repo_url):
            raise UsageError("--repo: must not contain credentials", GIT_URL_CREDENTIALS_HINT)
    loaded = app.config()
    team = team or loaded.config.namespace
    target = loaded.services_dir / f"{name}.yaml"
    shown = display_path(target)
    if target.exists():
        raise UsageError(f"{shown} already exists; nothing was written",
                         f"edit it, or pick another name; `jenkinsctl service show {name}` shows it")
    text = render_scaffold(name, team, port, repo_url)
    # checked beside its neighbours (names and repositories must be unique) before anything is written
    _, problems = load_services(loaded, [target], unwritten={target: text})
    if problems:
        from jenkinsctl.errors import DescriptorError

        raise DescriptorError(problems, "options", "nothing was written: change the options above (NAME, --team, "
                              "--port, --repo) and run `jenkinsctl service new` again")
    if app.dry_run:
        app.out(text.rstrip())
        app.info(f"dry run: {shown} not written")
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{name}.yaml.new")
    tmp.write_text(text)
    tmp.replace(target)
    app.out(f"wrote {shown}")
    app.info(f"next: edit it, then `jenkinsctl service validate {shown}`")


@service.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@pass_app
def validate(app: AppContext, paths: tuple[Path, ...]) -> None:
    """Check descriptors (default: all of services/) and the config; report every problem.

    Exit code 2 when anything is invalid, with one line per problem:
    FILE:LINE:COL: field.path: message, and a hint.
    """
    ws = app.workspace(paths=list(paths) or None)
    ws.require_services()
    n = len(ws.services)
    app.out(f"ok: {n} descriptor{'s' if n != 1 else ''} valid ({', '.join(sorted(ws.services)) or 'none'})")


@service.command("list")
@pass_app
def list_(app: AppContext) -> None:
    """One line per service: name, team, image repository, strategy per environment."""
    ws = app.workspace()
    rows = [("NAME", "TEAM", "REPOSITORY", "PORT", "ENVIRONMENTS")]
    for s in sorted(ws.services.values(), key=lambda s: s.name):
        r = s.resolved
        envs = " ".join(f"{e.name}:{e.strategy}" for e in r.environments.values())
        port = next((str(e.port) for e in r.environments.values() if e.port), "-")
        rows.append((r.name, r.team, r.image.repository, port, envs))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:  # the last column is not padded
        app.out("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)) + "  " + row[-1])


@service.command("show")
@click.argument("name")
@click.option("--explain", is_flag=True, help="Show where each value comes from.")
@click.option("--env", "env_name", metavar="ENV", help="Only this environment's resolved settings.")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
@pass_app
def show(app: AppContext, name: str, explain: bool, env_name: str | None, fmt: str) -> None:
    """Print the resolved descriptor: defaults applied, one block per environment."""
    import json

    from jenkinsctl.descriptor.explain import render_yaml

    svc = app.workspace().service(name)
    data = svc.resolved.model_dump(by_alias=True, exclude_none=True)
    origins = svc.origins
    if env_name:
        svc.resolved.environment(env_name)
        data = data["environments"][env_name]
        origins = {p[2:]: o for p, o in origins.items() if p[:2] == ("environments", env_name)}
    if fmt == "json":
        app.out(json.dumps(data, indent=2))
    else:
        app.out(render_yaml(data, origins if explain else None).rstrip())


@service.command("schema")
@click.option("--kind", type=click.Choice(["service", "config"]), default="service", show_default=True,
              help="The descriptor's schema, or jenkinsctl.yaml's.")
@pass_app
def schema(app: AppContext, kind: str) -> None:
    """Print the JSON Schema (for editors: yaml-language-server, IDE schema mappings)."""
    from jenkinsctl.descriptor.schema import schema_json

    app.out(schema_json(kind))
