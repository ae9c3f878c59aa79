"""Load a YAML file safely and remember where every value came from.

Refuses cleanly (as `Problem`s, never a traceback): syntax errors, empty files, several
documents, non-mapping documents, duplicate keys, alias bombs and huge files.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from jenkinsctl.errors import Problem

MAX_BYTES = 1024 * 1024  # a descriptor is a page of YAML; 1 MiB is already absurd
MAX_NODES = 100_000  # values built after expanding aliases (a billion-laughs stops here)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Path_ = tuple[str | int, ...]


@dataclass
class YamlDocument:
    """Plain data (dicts, lists, scalars) plus the line:col of every key and value."""

    file: str
    data: Any
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: Path_, key: bool = False) -> tuple[int, int]:
        """Closest known position for `path` (the key itself when `key`, else its value)."""
        p = tuple(path)
        while p:
            table = self.keys if key else self.values
            if p in table:
                return table[p]
            if p in self.values:
                return self.values[p]
            p, key = p[:-1], False
        return self.values.get((), (1, 1))

    def problem(self, path: Path_, message: str, hint: str | None = None, key: bool = False) -> Problem:
        line, col = self.where(path, key=key)
        return Problem(self.file, line, col, dotted(path), message, hint)


def dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class YamlLoadError(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.render())
        self.problem = problem


def read_capped(path: Path, limit: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes. Devices (/dev/zero), FIFOs and
    directories are refused before opening them (a FIFO would block, a device never ends), and
    the read itself stops after `limit` bytes, so a file that grows meanwhile is refused too.
    Raises NotRegularFile, TooLarge or OSError."""
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise NotRegularFile(_kind(info.st_mode))
    if info.st_size > limit:
        raise TooLarge(info.st_size)
    with open(path, "rb") as f:
        raw = f.read(limit + 1)
    if len(raw) > limit:
        raise TooLarge(len(raw))
    return raw


class NotRegularFile(OSError):
    def __init__(self, kind: str):
        super().__init__(f"is not a regular file but {kind}")
        self.kind = kind


class TooLarge(OSError):
    def __init__(self, size: int):
        super().__init__(f"file is {size} bytes")
        self.size = size


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a plain file"


def load_yaml_file(path: Path, display: str | None = None) -> YamlDocument:
    name = display or str(path)
    try:
        raw = read_capped(path)
    except NotRegularFile as exc:
        raise YamlLoadError(Problem(name, 0, 0, "", f"is not a regular file ({exc.kind})",
                                    "name a regular file of YAML text")) from None
    except TooLarge as exc:
        raise YamlLoadError(Problem(name, 0, 0, "", f"file is {exc.size} bytes; the limit is {MAX_BYTES}",
                                    "a descriptor is a short YAML file; is this the right file?")) from None
    except OSError as exc:
        raise YamlLoadError(Problem(name, 0, 0, "", f"cannot read file: {exc.strerror}")) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlLoadError(Problem(name, 0, 0, "", f"not UTF-8 text (byte {exc.start})",
                                    "save the file as UTF-8")) from exc
    return load_yaml_text(text, name)


def load_yaml_text(text: str, name: str) -> YamlDocument:
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise YamlLoadError(Problem(name, 0, 0, "", f"file is larger than {MAX_BYTES} bytes"))
    try:
        nodes = list(yaml.compose_all(text, Loader=_LOADER))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        msg = "YAML syntax error: " + (exc.problem or exc.context or "invalid YAML")
        if exc.context and exc.problem:
            msg += f" ({exc.context})"
        raise YamlLoadError(Problem(name, line, col, "", msg,
                                    "check indentation and quoting on this line and the one above")) from exc
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        raise YamlLoadError(Problem(name, 0, 0, "", f"YAML syntax error: {type(exc).__name__}: {exc}")) from exc
    nodes = [n for n in nodes if n is not None]
    if not nodes:
        raise YamlLoadError(Problem(name, 1, 1, "", "file is empty",
                                    "start from `jenkinsctl service new NAME`, or delete the file"))
    if len(nodes) > 1:
        m = nodes[1].start_mark
        raise YamlLoadError(Problem(name, m.line + 1, m.column + 1, "",
                                    "several YAML documents in one file; expected one",
                                    "put one service per file and remove the extra `---`"))
    root = nodes[0]
    if not isinstance(root, MappingNode):
        kind = "a list" if isinstance(root, SequenceNode) else "a single value"
        m = root.start_mark
        raise YamlLoadError(Problem(name, m.line + 1, m.column + 1, "",
                                    f"expected a mapping of keys to values, got {kind}",
                                    "the file must start with keys like `apiVersion: jenkinsctl/v1`"))
    builder = _Builder(name)
    data = builder.build(root, ())
    return YamlDocument(name, data, builder.values, builder.keys)


_REFUSED_TAGS = {"tag:yaml.org,2002:binary": "!!binary", "tag:yaml.org,2002:set": "!!set", "tag:yaml.org,2002:omap": "!!omap",
                 "tag:yaml.org,2002:pairs": "!!pairs"}


def _yaml11_only(node: ScalarNode) -> bool:
    """A plain scalar that YAML 1.1 resolves to a bool or number and YAML 1.2 (core) to a string:
    `yes`/`no`/`on`/`off`/`y`/`n`, sexagesimal `12:30`, `1_000`, dates."""
    if node.tag == "tag:yaml.org,2002:timestamp":
        return True
    if node.tag == "tag:yaml.org,2002:bool":
        return node.value.lower() not in ("true", "false")
    if node.tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
        return ":" in node.value or "_" in node.value
    return False


class _Builder:
    def __init__(self, name: str):
        self.name = name
        self.count = 0
        self.values: dict[Path_, tuple[int, int]] = {}
        self.keys: dict[Path_, tuple[int, int]] = {}
        self.scalars = SafeConstructor()

    def _fail(self, node: Node, message: str, hint: str | None = None, path: Path_ = ()) -> None:
        m = node.start_mark
        raise YamlLoadError(Problem(self.name, m.line + 1, m.column + 1, dotted(path), message, hint))

    def build(self, node: Node, path: Path_, depth: int = 0) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            self._fail(node, f"document expands to more than {MAX_NODES} values (alias bomb?)",
                       "remove the repeated `*alias` references")
        if depth > 50:
            self._fail(node, "nesting deeper than 50 levels", path=path)
        if path not in self.values:
            self.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, ScalarNode):
            if node.tag in _REFUSED_TAGS:
                self._fail(node, f"{_REFUSED_TAGS[node.tag]} values are not allowed here",
                           "write plain text; jenkinsctl files hold strings, numbers and true/false", path=path)
            if not node.style and _yaml11_only(node):
                return node.value  # YAML 1.2 reads yes/no/on/off and 12:30 as text, and so do we
            try:
                return self.scalars.construct_object(node, deep=True)
            except (ConstructorError, ValueError, OverflowError) as exc:
                self._fail(node, f"invalid value: {exc}", path=path)
        if isinstance(node, SequenceNode):
            return [self.build(child, path + (i,), depth + 1) for i, child in enumerate(node.value)]
        if isinstance(node, MappingNode):
            return self._mapping(node, path, depth)
        self._fail(node, f"unsupported YAML node {type(node).__name__}", path=path)

    def _mapping(self, node: MappingNode, path: Path_, depth: int) -> dict:
        out: dict = {}
        pairs = list(node.value)
        merged: list[tuple[Node, Node]] = []
        for key_node, value_node in pairs:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged.extend(self._merged(value_node, path, depth))
        own_keys = set()
        for key_node, value_node in pairs:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self._key(key_node, path)
            if key in own_keys:
                first = self.keys[path + (key,)]
                self._fail(key_node, f"duplicate key '{key}' (first at line {first[0]})",
                           "YAML keeps only the last one; remove one of them", path + (key,))
            own_keys.add(key)
            self.keys[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = self.build(value_node, path + (key,), depth + 1)
        for key_node, value_node in merged:
            key = self._key(key_node, path)
            if key in out:
                continue
            self.keys.setdefault(path + (key,), (key_node.start_mark.line + 1, key_node.start_mark.column + 1))
            out[key] = self.build(value_node, path + (key,), depth + 1)
        return out

    def _merged(self, value_node: Node, path: Path_, depth: int) -> list[tuple[Node, Node]]:
        """The pairs a `<<` merges in, its sources' own merges flattened (each pair counts
        towards MAX_NODES, so merge keys cannot multiply past the alias limit)."""
        out: list[tuple[Node, Node]] = []
        sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
        for src in sources:
            if not isinstance(src, MappingNode):
                self._fail(src, "`<<` merge needs a mapping", path=path)
            if depth > 50:
                self._fail(src, "nesting deeper than 50 levels", path=path)
            for key_node, node in src.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    out.extend(self._merged(node, path, depth + 1))
                else:
                    self.count += 1
                    if self.count > MAX_NODES:
                        self._fail(src, f"document expands to more than {MAX_NODES} values (alias bomb?)",
                                   "remove the repeated `*alias` references", path=path)
                    out.append((key_node, node))
        return out

    def _key(self, node: Node, path: Path_) -> str:
        if not isinstance(node, ScalarNode):
            self._fail(node, "a key must be a plain string, not a list or mapping", path=path)
        value = self.scalars.construct_object(node)
        if value is None or isinstance(value, (dict, list)):
            self._fail(node, "a key must be a plain string", path=path)
        return str(value)
