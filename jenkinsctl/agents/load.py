"""Find the fleet config: `agents:` in jenkinsctl.yaml, or a standalone agents.yaml beside it."""

from __future__ import annotations

from jenkinsctl.config.fleet import AGENT_IMAGE_ALIAS, AgentsFile, FleetSpec
from jenkinsctl.errors import ConfigError, UsageError
from jenkinsctl.validation import validate_document
from jenkinsctl.yamlfile import YamlLoadError, load_yaml_file

AGENTS_FILE = "agents.yaml"
FLEET_HINT = f"fix {AGENTS_FILE} above and run `jenkinsctl agents plan` again (it only reads)"


def load_fleet(loaded) -> FleetSpec:
    """`loaded`: a `LoadedConfig`. Validation problems come out located (file:line:col); templates
    saying `image: jenkinsctl-agent` get the agent image `agents image push` recorded, by digest."""
    spec, doc, where = _load(loaded)
    return _resolve_agent_image(spec, loaded.root, doc, where)


def _resolve_agent_image(spec: FleetSpec, root, doc, where: tuple) -> FleetSpec:
    from jenkinsctl.agents.image import recorded_uri
    from jenkinsctl.errors import Problem

    aliased = [label for label, t in spec.templates.items() if t.image == AGENT_IMAGE_ALIAS]
    if not aliased:
        return spec
    uri = recorded_uri(root)
    if uri is None:
        problems = []
        for label in aliased:
            line, col = doc.values.get((*where, "templates", label, "image"), (0, 0))
            problems.append(Problem(doc.file, line, col, f"{'.'.join(where + ('templates', label, 'image'))}",
                                    f"'{AGENT_IMAGE_ALIAS}' means the agent image pushed from here, and none was "
                                    f"(no .jenkinsctl/agent-image.json beside {doc.file})",
                                    "run `jenkinsctl agents image build --base REF` then `jenkinsctl agents image "
                                    "push` here, or pin the image (registry/jenkinsctl/agent@sha256:...)"))
        raise ConfigError(problems, "fleet config")
    templates = {label: t.model_copy(update={"image": uri}) if t.image == AGENT_IMAGE_ALIAS else t
                 for label, t in spec.templates.items()}
    return spec.model_copy(update={"templates": templates})


def _load(loaded):
    from jenkinsctl.config.locate import display_path

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
        return model.agents, doc, ("agents",)
    if inline is None:
        raise UsageError(f"no agent fleet configured in {display_path(loaded.path)}",
                         "add an `agents:` section (see this repository's jenkinsctl.yaml) or an agents.yaml "
                         "beside it")
    return inline, loaded.doc, ("agents",)
