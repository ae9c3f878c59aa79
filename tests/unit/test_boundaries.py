"""The rooms of the package and which way their imports may point, read from the source (every
import statement, module level or inside a function), so a lazy import cannot slip past."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "jenkinsctl"

pytestmark = pytest.mark.unit


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # `from jenkinsctl import devkit` names the room in the imported names
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def _in(name: str, rooms: tuple[str, ...]) -> bool:
    return any(name == r or name.startswith(r + ".") for r in rooms)


def _importing(forbidden: tuple[str, ...], where) -> list[str]:
    """`file:line: imports X` for every import of `forbidden` by a module `where(name)` accepts."""
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if not where(_module_name(path)):
            continue
        for line, module in _imports(path):
            if _in(module, forbidden):
                out.append(f"{path.relative_to(PACKAGE.parent)}:{line}: imports {module}")
    return out


def _offenders(room: str, forbidden: tuple[str, ...]) -> list[str]:
    return _importing(forbidden, lambda name: _in(name, (room,)))


def test_the_walker_sees_function_level_imports():
    # the walker itself: a lazy import inside a function and a relative one are both found
    source = PACKAGE / "devkit" / "sandbox_infra.py"
    names = {m for _, m in _imports(source)}
    assert "jenkinsctl.factory.Factory" in names  # imported inside main()
    assert "pathlib.Path" in names  # module level


def test_no_runtime_module_imports_the_devkit():
    assert _outside(("jenkinsctl.devkit",), ("jenkinsctl.devkit",)) == []


def test_config_imports_neither_agents_nor_descriptor():
    assert _offenders("jenkinsctl.config", ("jenkinsctl.agents", "jenkinsctl.descriptor")) == []


def _outside(rooms: tuple[str, ...], libraries: tuple[str, ...]) -> list[str]:
    """Imports of `libraries` by modules outside `rooms` (module names, each with its submodules)."""
    return _importing(libraries, lambda name: not _in(name, rooms))


def test_only_the_aws_room_and_the_factory_import_boto3():
    assert _outside(("jenkinsctl.aws", "jenkinsctl.factory"), ("boto3", "botocore")) == []


def test_only_the_docker_room_imports_the_docker_sdk():
    assert _outside(("jenkinsctl.dockerengine", "jenkinsctl.factory"), ("docker",)) == []


def test_only_the_jenkins_room_imports_python_jenkins():
    assert _outside(("jenkinsctl.jenkins", "jenkinsctl.factory"), ("jenkins",)) == []


def test_the_guards_see_an_offender():
    # the guard itself: the rooms that may import each library do, so an import elsewhere would show
    assert _outside(("jenkinsctl.cli",), ("boto3", "botocore")) != []
    assert _outside(("jenkinsctl.cli",), ("docker",)) != []
    assert _outside(("jenkinsctl.cli",), ("jenkins",)) != []


def test_no_module_outside_the_aws_room_reaches_a_boto3_client():
    """Domain code calls the typed AWS classes; only tests (botocore's Stubber) use their `.raw`
    boto3 client, and nothing outside aws/ calls a service's `_call`."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if _module_name(path).startswith("jenkinsctl.aws"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in ("raw", "_services"):
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: .{node.attr}")
    assert offenders == []
