"""Reading policy packs: safe YAML with positions, merged files, schema validation.

A pack is a folder under ``policies/``. Every ``*.yaml`` file directly in the
folder contributes top-level keys to one pack document (a key may appear in
one file only). YAML is composed with PyYAML's SafeLoader: no tags that build
objects, and every node keeps its ``file:line:column`` so that errors point at
the place a policy author must edit. The merged document is validated against
``schemas/pack-v1.schema.json``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

Pointer = tuple  # JSON pointer as a tuple of keys and indexes


@dataclass(frozen=True)
class Location:
    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class PackProblem:
    location: Location | None
    message: str
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.severity}: {self.message}"


class PackError(Exception):
    """One or more problems in a pack; each names file:line:column."""

    def __init__(self, problems: list[PackProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class PackSource:
    """A pack document as read from disk, before compilation."""

    folder: Path
    data: dict
    positions: dict[Pointer, Location] = field(default_factory=dict)

    def where(self, pointer: Pointer) -> Location | None:
        """The location of a node, or of its nearest ancestor that has one."""
        pointer = tuple(pointer)
        while pointer not in self.positions and pointer:
            pointer = pointer[:-1]
        return self.positions.get(pointer)


# --------------------------------------------------------------------------- YAML with positions

_PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in
                        ("map", "seq", "str", "int", "float", "bool", "null", "timestamp"))


def _scalar(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    value = loader.construct_object(node, deep=True)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()  # dates stay text; the compiler types them by fact
    return value


def read_yaml(path: Path, display: str | None = None) -> tuple[Any, dict[Pointer, Location]]:
    """Load one YAML file safely, recording the location of every node by JSON pointer."""
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PackError([PackProblem(Location(name, 1, 1), f"not UTF-8 text ({exc.reason})")]) from None
    loader = yaml.SafeLoader(text)
    try:
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            loc = Location(name, mark.line + 1, mark.column + 1) if mark else Location(name, 1, 1)
            raise PackError([PackProblem(loc, f"YAML syntax: {exc.problem or exc.context}")]) from None
        positions: dict[Pointer, Location] = {}
        problems: list[PackProblem] = []

        def loc(node: yaml.Node) -> Location:
            return Location(name, node.start_mark.line + 1, node.start_mark.column + 1)

        def build(node: yaml.Node, pointer: Pointer) -> Any:
            positions.setdefault(pointer, loc(node))
            if node.tag not in _PLAIN_TAGS:
                problems.append(PackProblem(loc(node), f"unsupported YAML tag {node.tag!r}: packs are plain data"))
                return None
            if isinstance(node, yaml.MappingNode):
                result: dict[str, Any] = {}
                for key_node, value_node in node.value:
                    if key_node.tag == "tag:yaml.org,2002:merge":
                        problems.append(PackProblem(loc(key_node), "YAML merge keys ('<<') are not supported; write the keys out"))
                        continue
                    key = _scalar(loader, key_node) if isinstance(key_node, yaml.ScalarNode) else None
                    if not isinstance(key, str):
                        problems.append(PackProblem(loc(key_node), f"keys must be text; quote {key!r} if it is meant as text"))
                        continue
                    if key in result:
                        problems.append(PackProblem(loc(key_node), f"duplicate key '{key}'"))
                        continue
                    positions[pointer + (key,)] = loc(key_node)
                    result[key] = build(value_node, pointer + (key,))
                    positions[pointer + (key,)] = loc(key_node)
                return result
            if isinstance(node, yaml.SequenceNode):
                return [build(item, pointer + (i,)) for i, item in enumerate(node.value)]
            try:
                return _scalar(loader, node)
            except yaml.constructor.ConstructorError as exc:
                problems.append(PackProblem(loc(node), f"unsupported YAML value: {exc.problem}"))
                return None

        data = build(root, ()) if root is not None else None
    finally:
        loader.dispose()
    if problems:
        raise PackError(problems)
    return data, positions


# --------------------------------------------------------------------------- pack folders

@lru_cache(maxsize=None)
def pack_schema() -> dict:
    return json.loads(resources.files("engine.schemas").joinpath("pack-v1.schema.json").read_text(encoding="utf-8"))


def bundled_policies_dir() -> Path:
    """The packs shipped with the package (the wheel), or the repository's ``policies/`` in a checkout."""
    here = Path(__file__).resolve().parent
    installed = here / "policies"
    if any(installed.glob("*/pack.yaml")):
        return installed
    return here.parent / "policies"


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_pack(folder: Path) -> PackSource:
    """Read and schema-validate one pack folder. Raises PackError listing every problem."""
    folder = Path(folder)
    files = sorted(p for p in folder.glob("*.yaml") if p.is_file())
    if not any(p.name == "pack.yaml" for p in files):
        raise PackError([PackProblem(Location(_display(folder), 1, 1), "a pack folder needs a pack.yaml")])
    data: dict[str, Any] = {}
    positions: dict[Pointer, Location] = {}
    problems: list[PackProblem] = []
    for path in files:
        try:
            doc, pos = read_yaml(path, _display(path))
        except PackError as exc:
            problems.extend(exc.problems)
            continue
        if doc is None:
            continue
        if not isinstance(doc, dict):
            problems.append(PackProblem(pos.get(()), "a pack file must be a mapping of top-level keys"))
            continue
        for key, value in doc.items():
            if key in data:
                problems.append(PackProblem(pos.get((key,)), f"top-level key '{key}' is already defined in {positions[(key,)].file}"))
                continue
            data[key] = value
        for pointer, location in pos.items():
            if pointer and pointer[0] in doc:
                positions.setdefault(pointer, location)
    if problems:
        raise PackError(problems)
    source = PackSource(folder, data, positions)
    schema_problems = [PackProblem(source.where(_error_pointer(e)), _schema_message(e))
                       for e in _schema_errors(data)]
    if schema_problems:
        raise PackError(schema_problems)
    return source


def _schema_errors(data: dict) -> list[jsonschema.ValidationError]:
    validator = jsonschema.Draft202012Validator(pack_schema())
    errors = []
    for error in validator.iter_errors(data):
        # descend into oneOf/anyOf to the branch that got furthest
        best = jsonschema.exceptions.best_match([error])
        errors.append(best)
    errors.sort(key=lambda e: tuple(str(p) for p in e.absolute_path))
    return errors


def _error_pointer(error: jsonschema.ValidationError) -> Pointer:
    """Where to point: at the offending key for unknown keys, else at the node."""
    pointer = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = error.schema.get("properties", {})
        extra = [k for k in error.instance if k not in allowed]
        if extra:
            return pointer + (extra[0],)
    return pointer


def _path_text(error: jsonschema.ValidationError) -> str:
    parts = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return parts.lstrip(".") or "(top level)"


_HINTS = {
    "condition": "a condition is one of {all: [...]}, {any: [...]}, {not: ...} or {fact: PATH, OPERATOR: VALUE}",
    "comparison": "a comparison has 'fact' and exactly one operator: equals, not_equals, in, not_in, lt, le, gt, ge, exists, matches, contains, contains_any, starts_with, mixes",
}


def _schema_message(error: jsonschema.ValidationError) -> str:
    where = _path_text(error)
    v = error.validator
    if v == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in allowed) if isinstance(error.instance, dict) else []
        return f"{where}: unknown key {', '.join(repr(k) for k in extra)}; expected one of: {', '.join(allowed)}"
    if v == "required":
        return f"{where}: {error.message.replace(' is a required property', ' is required')}"
    if v == "enum":
        return f"{where}: {error.instance!r} is not allowed; expected one of: {', '.join(map(str, error.validator_value))}"
    if v == "const":
        return f"{where}: must be {error.validator_value!r}"
    if v in ("oneOf", "anyOf"):
        ref = error.schema.get("$ref", "")
        for name, hint in _HINTS.items():
            if error.schema is pack_schema()["$defs"].get(name) or ref.endswith(name):
                return f"{where}: not a valid {name}; {hint}"
        if isinstance(error.instance, dict) and "fact" in error.instance:
            return f"{where}: not a valid comparison; {_HINTS['comparison']}"
        if isinstance(error.instance, dict) and set(error.instance) & {"all", "any", "not"}:
            return f"{where}: not a valid condition; {_HINTS['condition']}"
        return f"{where}: does not match any allowed form ({error.message[:160]})"
    if v in ("minProperties", "maxProperties") and isinstance(error.instance, dict) and "fact" in error.instance:
        return f"{where}: {_HINTS['comparison']}"
    if v == "pattern":
        return f"{where}: {error.instance!r} does not match the pattern {error.validator_value}"
    if v == "type":
        return f"{where}: expected {error.validator_value}, got {type(error.instance).__name__}"
    if v == "not" and error.schema == {"required": ["obligation"]}:
        return f"{where}: 'obligation' is only allowed with effect: obligation"
    return f"{where}: {error.message}"


def list_pack_folders(root: Path) -> list[Path]:
    root = Path(root)
    if (root / "pack.yaml").is_file():
        return [root]
    return sorted(p.parent for p in root.glob("*/pack.yaml"))
