"""The folders are the architecture: each layer of engine/ imports only the layers below it.

Every import counts, at any depth (inside functions too), relative or absolute. A module takes
another module's helper only by its public name; the top package (``engine``) is the API for users
and no layer imports it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ROOT / "engine"

# lowest first; a layer may import itself and any layer before it
LAYERS = ("contract", "lang", "eval", "monitor", "steps", "authoring", "server", "cli")
TOP_LEVEL = {"__init__.py", "__main__.py"}  # the public API and python -m engine


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, imported module, names) for every import in a file, absolute module names."""
    module = _module(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out.append((node.lineno, target, [a.name for a in node.names]))
    return out


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "engine" and parts[1] in LAYERS else None


SOURCES = sorted(ENGINE.rglob("*.py"))


def test_every_module_belongs_to_a_layer_and_the_top_level_is_only_the_api() -> None:
    top = sorted(p.name for p in ENGINE.glob("*.py"))
    assert set(top) == TOP_LEVEL, top
    folders = sorted(p.name for p in ENGINE.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    assert sorted(folders) == sorted(LAYERS)


@pytest.mark.parametrize("layer", LAYERS)
def test_each_layer_says_its_job_in_its_docstring(layer: str) -> None:
    doc = ast.get_docstring(ast.parse((ENGINE / layer / "__init__.py").read_text(encoding="utf-8")))
    assert doc and len(doc.split()) >= 8, f"engine/{layer}/__init__.py needs a docstring that says what it is for"


def test_each_layer_imports_only_the_layers_below_it() -> None:
    wrong = []
    for path in SOURCES:
        here = _layer(_module(path))
        if here is None:
            continue
        for line, target, _ in _imports(path):
            if target == "engine":
                wrong.append(f"{path.relative_to(ROOT)}:{line}: imports the top package 'engine'")
                continue
            there = _layer(target)
            if there is not None and LAYERS.index(there) > LAYERS.index(here):
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {here} imports {target} ({there} is above it)")
    assert wrong == []


def test_no_module_takes_another_modules_private_names() -> None:
    wrong = []
    for path in SOURCES:
        for line, target, names in _imports(path):
            if not target.startswith("engine") or target == _module(path):
                continue
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private or any(part.startswith("_") and not part.startswith("__") for part in target.split(".")):
                wrong.append(f"{path.relative_to(ROOT)}:{line}: from {target} import {', '.join(private)}")
    assert wrong == []


def test_no_import_cycle_among_the_modules() -> None:
    graph: dict[str, set[str]] = {}
    modules = {_module(p) for p in SOURCES}
    for path in SOURCES:
        me = _module(path)
        edges = graph.setdefault(me, set())
        for _, target, names in _imports(path):
            for candidate in [f"{target}.{n}" for n in names] + [target]:
                if candidate in modules and candidate != me and not me.startswith(candidate + "."):
                    edges.add(candidate)
                    break
    seen: dict[str, int] = {}
    cycle: list[str] = []

    def visit(node: str, stack: list[str]) -> bool:
        seen[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if seen.get(nxt) == 1:
                cycle.extend([*stack[stack.index(nxt):], node, nxt] if nxt in stack else [node, nxt])
                return True
            if nxt not in seen and visit(nxt, [*stack, node]):
                return True
        seen[node] = 2
        return False

    for node in sorted(graph):
        if node not in seen and visit(node, []):
            break
    assert cycle == []
