"""After the build: the image's config and history must not carry secrets."""

from __future__ import annotations

from jenkinsctl.policy.dockerfile import parse_dockerfile, parse_env
from jenkinsctl.policy.rules import Violation
from jenkinsctl.secrets import looks_like_secret_name, looks_like_secret_value, mask

_HARMLESS_ENV = {"PATH", "HOME", "HOSTNAME", "LANG", "LC_ALL", "TERM"}


def check_image(config: dict, history: list[dict], dockerfile_text: str = "",
                dockerfile_name: str = "Dockerfile") -> list[Violation]:
    """`config` is the image's Config (Env, Labels); `history` the engine's image history."""
    lines = _where_set(dockerfile_text)
    out: list[Violation] = []
    for item in config.get("Env") or []:
        key, _, value = item.partition("=")
        if key in _HARMLESS_ENV:
            continue
        if (looks_like_secret_name(key) and value) or looks_like_secret_value(value):
            out.append(Violation(dockerfile_name, lines.get(key, 0), "image-secret-env",
                                 f"the built image sets ENV {key}={mask(value, [value])}: a secret baked into "
                                 "the image; inject it at runtime (deploy.secrets)"))
    for key, value in (config.get("Labels") or {}).items():
        if (looks_like_secret_name(key) and value) or looks_like_secret_value(str(value)):
            out.append(Violation(dockerfile_name, lines.get(key, 0), "image-secret-label",
                                 f"the built image has label {key} that looks like a secret"))
    for layer in history:
        created_by = layer.get("CreatedBy") or layer.get("created_by") or ""
        if looks_like_secret_value(created_by):
            out.append(Violation(dockerfile_name, 0, "image-secret-history",
                                 f"the image history records a secret: {mask(created_by)[:160]}"))
    return out


def _where_set(text: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for ins in parse_dockerfile(text):
        if ins.keyword in ("ENV", "LABEL"):
            for key, _ in parse_env(ins.args):
                found.setdefault(key, ins.line)
        elif ins.keyword == "ARG":
            found.setdefault(ins.args.partition("=")[0].strip(), ins.line)
    return found
