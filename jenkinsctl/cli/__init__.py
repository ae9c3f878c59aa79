"""The command line: parse, build collaborators, call one library function, render.

Subcommand modules are imported only when their command runs, so `jenkinsctl --help` and
`jenkinsctl step build --help` start fast (no pydantic, boto3, docker or jenkins_jobs)."""

from __future__ import annotations

import importlib
import sys

import click

from jenkinsctl import __version__
from jenkinsctl.cli.context import AppContext

# name -> (module, attribute, one-line help shown by `jenkinsctl --help`)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "service": ("jenkinsctl.cli.service", "service", "Create, validate and inspect service descriptors."),
    "jobs": ("jenkinsctl.cli.jobs", "jobs", "Render Jenkins jobs from descriptors; diff and sync them."),
    "env": ("jenkinsctl.cli.env", "env", "Preview environments per branch: list, up, down, gc."),
    "step": ("jenkinsctl.cli.step", "step", "Pipeline steps: version, build, test, push, deploy, promote..."),
    "pipeline": ("jenkinsctl.cli.pipeline", "pipeline", "Run a service's pipeline locally, stage by stage."),
    "sandbox": ("jenkinsctl.cli.sandbox", "sandbox", "Start/stop the local sandbox: Docker, registry, moto."),
    "agents": ("jenkinsctl.cli.agents", "agents", "Spot-backed ECS capacity for Jenkins build agents."),
    "init": ("jenkinsctl.cli.init", "init", "Scaffold a descriptors repository (config, a service, the seed)."),
}

EPILOG = """\b
Exit codes:
  0  success
  1  the operation ran and failed (build, tests, deploy rolled back...)
  2  usage error or invalid input (descriptor or config)
  3  refused by policy (Dockerfile/image policy, immutable tag, approval)
  4  an external system failed (Jenkins, AWS, registry, Docker, git)
  130 interrupted
"""


class LazyGroup(click.Group):
    """A group whose subcommands live in modules imported on first use."""

    def __init__(self, *args, lazy: dict[str, tuple[str, str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            module, attr, _ = self.lazy[name]
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, self.lazy[name][2]) for name in sorted(self.lazy)]
        rows += [(n, c.get_short_help_str()) for n, c in sorted(self.commands.items()) if n not in self.lazy]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(sorted(rows))


@click.group(cls=LazyGroup, lazy=COMMANDS, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More output; -vv also shows tracebacks.")
@click.option("--dry-run", is_flag=True, help="Print what would change and change nothing.")
@click.option("--config", "config_path", metavar="PATH", help="jenkinsctl.yaml to use (default: found "
              "by walking up from the working directory; $JENKINSCTL_CONFIG).")
@click.version_option(__version__, prog_name="jenkinsctl")
@click.pass_context
def cli(ctx: click.Context, verbose: int, dry_run: bool, config_path: str | None) -> None:
    """jenkinsctl: one descriptor per service; Jenkins jobs, build agents on spot ECS
    capacity, and the pipeline steps that version, build, push, deploy and promote images.

    \b
    Start here:
      jenkinsctl service new orders-api --team payments --port 8080
      jenkinsctl service validate
      jenkinsctl service show orders-api --explain
    """
    ctx.obj = AppContext(verbose=verbose, dry_run=dry_run, config_path=config_path)


def main(argv: list[str] | None = None) -> None:
    code = run(argv)
    # The process ends here: what is still alive (pydantic's validators, the docker SDK,
    # click...) is moved out of the collector's reach, so the interpreter's shutdown
    # collections do not walk it all again (~0.1 s of every command's exit). atexit handlers
    # still run and stdout/stderr are still flushed; only objects caught in reference cycles
    # are left to the OS instead of being finalized (our files are closed by `with`).
    import gc

    gc.freeze()
    sys.exit(code)


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code; every error becomes a message and a code."""
    from jenkinsctl.errors import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_INVALID, JenkinsctlError
    from jenkinsctl.secrets import mask

    verbose = _verbosity(argv if argv is not None else sys.argv[1:])
    try:
        rv = cli.main(args=argv, prog_name="jenkinsctl", standalone_mode=False)
        # without standalone mode click returns (not raises) the code of a `ctx.exit(code)`
        return rv if isinstance(rv, int) and not isinstance(rv, bool) else 0
    except JenkinsctlError as exc:
        if verbose >= 2:
            _print_traceback()
        click.echo(mask(exc.render()), err=True)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.Abort:
        click.echo("aborted", err=True)
        return EXIT_INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return EXIT_INVALID
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug of ours: say so plainly
        if verbose >= 2:
            _print_traceback()
        click.echo(f"internal error: {type(exc).__name__}: {mask(str(exc))}\n  hint: run again with -vv for the "
                   "traceback and report it", err=True)
        return EXIT_FAILURE


def _print_traceback() -> None:
    """The -vv traceback, chained causes included, with what looks like a secret masked (a cause
    is a library's raw exception: its text may hold credentials inside a URL or an access key)."""
    import traceback

    from jenkinsctl.secrets import mask

    click.echo(mask(traceback.format_exc()).rstrip(), err=True)


def _verbosity(argv: list[str]) -> int:
    n = 0
    for arg in argv:
        if arg == "--verbose":
            n += 1
        elif arg.startswith("-") and not arg.startswith("--") and set(arg[1:]) == {"v"}:
            n += len(arg) - 1
    return n
