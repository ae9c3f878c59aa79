"""What every command gets: global options, the workspace (loaded on first use), output."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Mapping

import click


@dataclass
class AppContext:
    verbose: int = 0
    dry_run: bool = False
    config_path: str | None = None
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    _factory: Any = None

    @property
    def factory(self):
        """The composition root (`jenkinsctl.factory.Factory`): every client, built once."""
        if self._factory is None:
            from jenkinsctl.factory import Factory

            self._factory = Factory(self.environ, self.config_path)
        return self._factory

    def workspace(self, paths=None):
        """The validated workspace; raises (and nothing changes) when any descriptor is invalid."""
        return self.factory.workspace(paths)

    def config(self):
        return self.factory.config()

    def out(self, text: str = "") -> None:
        """Results: stdout. Every line printed goes through `secrets.mask` (URL credentials, tokens)."""
        click.echo(_mask(text))

    def info(self, text: str) -> None:
        """Progress and notes: stderr, so stdout stays pipeable."""
        click.echo(_mask(text), err=True)

    def debug(self, text: str) -> None:
        if self.verbose:
            click.echo(_mask(text), err=True)


def _mask(text: str) -> str:
    from jenkinsctl.secrets import mask

    return mask(text)


pass_app = click.make_pass_decorator(AppContext)


def dry_run_option(f):
    """`--dry-run` on a subcommand too (same as the global option)."""

    def _set(ctx: click.Context, _param, value: bool):
        if value:
            ctx.ensure_object(AppContext).dry_run = True
        return value

    return click.option("--dry-run", is_flag=True, expose_value=False, callback=_set,
                        help="Print what would change and change nothing.")(f)
