"""The machine-checkable lists of `docs/iam.md`: one fenced block per command,

    ```iam agents apply
    ecs:DescribeClusters
    ecs:CreateCluster            when: the cluster does not exist yet
    ecr:PutImage                 registry: the manifest, through the Docker registry API
    ```

A bare action is used by the runs the tests make of the command (together: a command with several
scenarios compares the union of what they called); `when:` names the condition under which it is
used (the test does not require it); `registry:` is an ECR permission the registry API checks (not a
botocore call, so not recorded); `checked:` is a permission AWS checks inside another call, not a call
of its own (iam:PassRole with RegisterTaskDefinition, tag-on-create permissions): the call it names
(`with service:Action`) must be in the block. Text after `  #` is a comment."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "iam.md"
_BLOCK = re.compile(r"^```iam ([a-z][a-z -]*[a-z])\n(.*?)^```", re.M | re.S)
_LINE = re.compile(r"^([a-z0-9-]+:[A-Z][A-Za-z0-9]+)(?:\s+(when|registry|checked):\s*(\S.*))?$")
_ACTION = re.compile(r"\b[a-z0-9-]+:[A-Z][A-Za-z0-9]+\b")


@dataclass
class Documented:
    command: str
    line: int  # where the block starts in docs/iam.md
    always: set[str] = field(default_factory=set)
    when: dict[str, str] = field(default_factory=dict)
    registry: dict[str, str] = field(default_factory=dict)
    checked: dict[str, str] = field(default_factory=dict)

    def compare(self, recorded: set[str]) -> list[str]:
        """What is wrong, as sentences a reader can act on (empty: the doc is exact)."""
        out = []
        for action in sorted(recorded - self.always - set(self.when)):
            out.append(f"{self.command}: calls {action}, which docs/iam.md:{self.line} does not list")
        for action in sorted(self.always - recorded):
            out.append(f"{self.command}: docs/iam.md:{self.line} lists {action}, which no run called "
                       "(remove it, or mark it `when: <condition>`)")
        for action in sorted((set(self.registry) | set(self.checked)) & recorded):
            out.append(f"{self.command}: {action} is called, so it is not only a registry or checked permission")
        for action, why in sorted(self.checked.items()):
            calls = _ACTION.findall(why)
            if not calls or not set(calls) & (self.always | set(self.when)):
                out.append(f"{self.command}: {action} is checked 'with' {calls or 'nothing'}, which the block "
                           "does not list")
        return out


def documented(text: str | None = None) -> dict[str, Documented]:
    text = DOC.read_text() if text is None else text
    out: dict[str, Documented] = {}
    for m in _BLOCK.finditer(text):
        start = text.count("\n", 0, m.start()) + 1
        doc = out.setdefault(m.group(1), Documented(m.group(1), start))
        for i, raw in enumerate(m.group(2).splitlines(), start + 1):
            line = raw.split("  #", 1)[0].strip()
            if not line:
                continue
            parsed = _LINE.match(line)
            if parsed is None:
                raise ValueError(f"docs/iam.md:{i}: '{raw}' is not `service:Action [when: ...|registry: ...]`")
            action, kind, why = parsed.groups()
            if kind == "when":
                doc.when[action] = why
            elif kind == "registry":
                doc.registry[action] = why
            elif kind == "checked":
                doc.checked[action] = why
            else:
                doc.always.add(action)
    return out


def recorded(path: Path) -> set[str]:
    from jenkinsctl.aws.calllog import read

    return {c["action"] for c in read(path)}
