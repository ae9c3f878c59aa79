"""`jenkinsctl sandbox up|down|status|env`: the local Docker engine, registry and moto server."""

from __future__ import annotations

import click

from jenkinsctl.cli.context import AppContext, dry_run_option, pass_app


def _sandbox(app: AppContext):
    from jenkinsctl.sandbox import Sandbox

    return Sandbox.from_environ(app.environ)


@click.group()
def sandbox() -> None:
    """The local sandbox: Docker engine, OCI registry (ECR's data plane) and moto (the AWS API).

    \b
      jenkinsctl sandbox up               # install what is missing, start what is not running
      eval "$(jenkinsctl sandbox env)"    # point jenkinsctl, boto3 and docker at it
      jenkinsctl sandbox status
      jenkinsctl sandbox down             # stops only what `up` started
      jenkinsctl sandbox agent-base       # the Debian base `agents image build --base` uses here

    \b
    State (PID files, logs, registry storage, htpasswd) lives in $JENKINSCTL_SANDBOX_DIR
    (default ~/.jenkinsctl/sandbox). Ports: $JENKINSCTL_SANDBOX_REGISTRY_PORT (5000),
    $JENKINSCTL_SANDBOX_MOTO_PORT (5005).
    """


@sandbox.command()
@click.option("--reset", is_flag=True, help="Start from scratch: an empty registry and a fresh moto "
              "(forgets every pushed image and AWS resource; the Docker build cache stays).")
@dry_run_option
@pass_app
def up(app: AppContext, reset: bool) -> None:
    """Start the sandbox (idempotent) and seed the trusted base image."""
    box = _sandbox(app)
    if app.dry_run:
        if reset:
            app.out("reset   registry storage and moto state (stop, empty, start again)")
        for action in box.plan_up():
            app.out(action.render())
        app.info("dry run: nothing was started")
        return
    if reset:
        box.reset(app.info)
    box.up(app.info)
    for status in box.status():
        app.out(status.render())
    app.info('next: eval "$(jenkinsctl sandbox env)"')


@sandbox.command()
@dry_run_option
@pass_app
def down(app: AppContext) -> None:
    """Stop what `sandbox up` started (by PID); leave anything else running."""
    box = _sandbox(app)
    if app.dry_run:
        for status in box.status():
            verb = "stop" if status.owner == "sandbox" else "leave"
            app.out(f"{verb:<6} {status.name} ({status.state}, {status.owner or 'not started by the sandbox'})")
        return
    stopped = box.down()
    app.out("stopped: " + (", ".join(stopped) if stopped else "nothing (the sandbox started nothing that runs)"))


@sandbox.command()
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@pass_app
def status(app: AppContext, as_json: bool) -> None:
    """Each component, its address, and whether the sandbox started it. Exit 4 if one is down."""
    import json
    from dataclasses import asdict

    rows = _sandbox(app).status()
    if as_json:
        app.out(json.dumps([asdict(r) for r in rows], indent=2))
    else:
        for row in rows:
            app.out(row.render())
    down = [r.name for r in rows if r.state != "running"]
    if down:
        from jenkinsctl.errors import SandboxError

        raise SandboxError(f"not running: {', '.join(down)}", "start them with `jenkinsctl sandbox up`")


@sandbox.command()
@pass_app
def env(app: AppContext) -> None:
    """Print `export` lines that point jenkinsctl, boto3 and docker at the sandbox."""
    import shlex

    for key, value in _sandbox(app).env().items():
        app.out(f"export {key}={shlex.quote(value)}")


@sandbox.command("agent-base")
@dry_run_option
@pass_app
def agent_base(app: AppContext) -> None:
    """Make the sandbox's stand-in for jenkins/inbound-agent and push it to the sandbox registry.

    Debian 12 (debootstrap --variant=minbase) with python3, git, Debian's docker CLI and the
    `jenkins` user; about a minute the first time, then cached. Prints BASE=<ref>@<digest> for
    `jenkinsctl agents image build --base`."""
    from jenkinsctl.sandbox import agentbase

    box = _sandbox(app)
    ref = f"{box.settings.registry_endpoint}/{agentbase.REPOSITORY}:{agentbase.tag()}"
    if app.dry_run:
        app.out(f"would make and push {ref} (debootstrap {agentbase.SUITE} + {', '.join(agentbase.PACKAGES)}), "
                "unless the registry has it")
        return
    if not box.registry.answers():
        from jenkinsctl.errors import SandboxError

        raise SandboxError(f"the sandbox registry does not answer at {box.settings.registry_endpoint}",
                           "start it: `jenkinsctl sandbox up`")
    base = box.seed_agent_base(app.info)
    app.out(f"BASE={base.reference(box.settings.registry_endpoint)}@{base.digest}")
