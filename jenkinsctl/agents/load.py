"""Find the fleet config: `agents:` in jenkinsctl.yaml, or a standalone agents.yaml beside it."""

from __future__ import annotations

from jenkinsctl.config.fleet import AgentsFile, FleetSpec
from jenkinsctl.errors import ConfigError, UsageError
from jenkinsctl.validation import validate_document
from jenkinsctl.yamlfile import YamlLoadError, load_yaml_file

AGENTS_FILE = "agents.yaml"
FLEET_HINT = f"fix {AGENTS_FILE} above and run `jenkinsctl agents plan` again (it only reads)"


def load_fleet(loaded) -> FleetSpec:
    """`loaded`: a `LoadedConfig`. Validation problems come out located (file:line:col)."""
    from jenkinsctl.config.loader import display_path

    path = loaded.root / AGENTS_FILE
    inline = loaded.config.agents
    if path.is_file():
        if inline is not None:
            raise UsageError(f"the fleet is configured twice: `agents:` in {display_path(loaded.path)} and "
                             f"{display_path(path)}", "keep one of them")
        try:
            doc = load_yaml_file(path, display_path(path))
        except YamlLoadError as exc:
            raise ConfigError([exc.problem], "fleet config", FLEET_HINT) from exc
        model, problems = validate_document(doc, AgentsFile)
        if problems:
            raise ConfigError(problems, "fleet config", FLEET_HINT)
        return model.agents
    if inline is None:
        raise UsageError(f"no agent fleet configured in {display_path(loaded.path)}",
                         "add an `agents:` section (see this repository's jenkinsctl.yaml) or an agents.yaml "
                         "beside it")
    return inline
