"""How a step's result is shown: KEY=value lines (or JSON) on stdout, the summary on stderr."""

from __future__ import annotations

import json


def render_result(app, result, as_json: bool) -> None:
    if as_json:
        app.out(json.dumps(result.values, indent=2))
    else:
        for key, value in result.values.items():
            app.out(f"{key}={value}")
    if result.summary:
        app.info(f"{result.step}: {result.summary}")
