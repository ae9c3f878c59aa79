"""A Dockerfile as instructions with line numbers: continuations joined, comments and parser
directives handled, `${VAR}` substitution from ARG defaults and build args."""

from __future__ import annotations

import re
from dataclasses import dataclass

_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$")
_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+][^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*))")


@dataclass(frozen=True)
class Instruction:
    line: int  # 1-based line where the instruction starts
    keyword: str  # upper case: FROM, ARG, ENV, COPY...
    args: str  # the rest, continuations joined

    def flags(self) -> tuple[dict[str, str], list[str]]:
        """`--from=x --chown=y a b` -> ({'from': 'x', 'chown': 'y'}, ['a', 'b'])."""
        flags, words = {}, []
        for word in self.args.split():
            if word.startswith("--") and not words:
                key, _, value = word[2:].partition("=")
                flags[key.lower()] = value
            else:
                words.append(word)
        return flags, words


def parse_dockerfile(text: str) -> list[Instruction]:
    escape = "\\"
    lines = text.splitlines()
    i = 0
    while i < len(lines):  # parser directives: only at the very top
        m = _DIRECTIVE.match(lines[i])
        if not m:
            break
        if m.group(1).lower() == "escape":
            escape = m.group(2)
        i += 1
    out: list[Instruction] = []
    start, parts = 0, []
    for n in range(i, len(lines)):
        raw = lines[n]
        stripped = raw.strip()
        if not parts and (not stripped or stripped.startswith("#")):
            continue
        if parts and stripped.startswith("#"):
            continue  # comment lines inside a continuation are dropped
        if not parts:
            start = n + 1
        if stripped.endswith(escape):
            parts.append(stripped[: -len(escape)])
            continue
        parts.append(stripped)
        text_ = " ".join(p.strip() for p in parts if p.strip())
        keyword, _, rest = text_.partition(" ")
        out.append(Instruction(start, keyword.upper(), rest.strip()))
        parts = []
    if parts:
        text_ = " ".join(p.strip() for p in parts if p.strip())
        keyword, _, rest = text_.partition(" ")
        out.append(Instruction(start, keyword.upper(), rest.strip()))
    return out


def substitute(value: str, variables: dict[str, str | None]) -> tuple[str, list[str]]:
    """Expand `$VAR` / `${VAR}` / `${VAR:-default}`; returns (text, names with no value)."""
    missing: list[str] = []

    def repl(m: re.Match) -> str:
        name = m.group(1) or m.group(2)
        whole = m.group(0)
        if variables.get(name) not in (None, ""):
            return variables[name]  # type: ignore[return-value]
        default = re.match(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}", whole)
        if default:
            return default.group(1)
        missing.append(name)
        return whole

    return _VAR.sub(repl, value), missing


def parse_arg(args: str) -> tuple[str, str | None]:
    """`NAME=value` or `NAME` (quotes stripped)."""
    name, eq, value = args.partition("=")
    return name.strip(), value.strip().strip("\"'") if eq else None


def parse_env(args: str) -> list[tuple[str, str]]:
    """`ENV A=1 B="two words"` or legacy `ENV A 1`."""
    import shlex

    try:
        words = shlex.split(args)
    except ValueError:
        words = args.split()
    if words and "=" not in words[0]:
        return [(words[0], " ".join(words[1:]))]
    return [(w.partition("=")[0], w.partition("=")[2]) for w in words if "=" in w]
