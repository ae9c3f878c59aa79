"""Step results on disk: `.jenkinsctl/<step>.properties` (Jenkins `readProperties`) and
`.jenkinsctl/<step>.json`, written atomically."""

from __future__ import annotations

import json
import os
from pathlib import Path

from jenkinsctl.errors import UsageError

RESULTS_DIR = ".jenkinsctl"


def _escape(value: str) -> str:
    return (value.replace("\\", "\\\\").replace("\n", "\\n").replace("=", "\\=").replace(":", "\\:"))


def write(folder: Path, step: str, values: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    props = "".join(f"{k}={_escape(str(v))}\n" for k, v in values.items())
    for suffix, text in ((".properties", props), (".json", json.dumps(values, indent=2) + "\n")):
        target = folder / f"{step}{suffix}"
        tmp = target.with_suffix(suffix + ".tmp")
        tmp.write_text(text)
        os.replace(tmp, target)


def read(folder: Path, step: str) -> dict[str, str]:
    path = folder / f"{step}.json"
    if not path.is_file():
        raise UsageError(f"no results from `jenkinsctl step {step}` in {folder}",
                         f"run `jenkinsctl step {step}` first, in the same workspace")
    return json.loads(path.read_text())
