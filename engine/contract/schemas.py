"""The published schemas and data files in ``engine/schemas``: the one reader, read once.

JSON Schemas (``*.schema.json``) are the contracts users validate against;
the YAML files beside them (derived facts, labels, monitor facts, lint checks)
are data the engine reads about those contracts. Every other module asks here,
so a file is read and a validator built once per process.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import jsonschema_rs
import yaml

if TYPE_CHECKING:  # the Python validator is imported when an error is first worded
    import jsonschema

#: PyYAML's safe loader, libyaml's C one where PyYAML was built with it: plain data, never objects
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

INPUT_SCHEMA = "input-v1.schema.json"
DECISION_SCHEMA = "decision-v1.schema.json"
EVENT_SCHEMA = "event-v1.schema.json"
PACK_SCHEMA = "pack-v1.schema.json"
PACKTEST_SCHEMA = "packtest-v1.schema.json"
REFERENCE_SCHEMA = "reference-v1.schema.json"


def schema_text(name: str) -> str:
    """The text of a file in ``engine/schemas``."""
    return resources.files("engine.schemas").joinpath(name).read_text(encoding="utf-8")


@cache
def published_schema(name: str) -> dict[str, Any]:
    """A JSON Schema shipped in ``engine/schemas`` (read once; callers must not change it)."""
    schema: dict[str, Any] = json.loads(schema_text(name))
    return schema


@cache
def data_file(name: str) -> Any:
    """A YAML data file shipped in ``engine/schemas`` (read safely, once)."""
    return yaml.load(schema_text(name), Loader=SafeLoader)


def input_schema() -> dict[str, Any]:
    return published_schema(INPUT_SCHEMA)


def labels() -> dict[str, Any]:
    """Bokmål words for the contract's values (``labels.yaml``)."""
    table: dict[str, Any] = data_file("labels.yaml")
    return table


@cache
def self_contained(name: str) -> dict[str, Any]:
    """A published schema with its references into the other published files inlined.

    ``event-v1`` refers to ``input-v1.schema.json#/...``; validators take this form, so that no
    reference registry is needed. The other file's ``$defs`` join the schema's own.
    """
    schema = copy.deepcopy(published_schema(name))
    others: dict[str, dict[str, Any]] = {}

    def target(ref: str) -> Any:
        file, _, pointer = ref.partition("#/")
        node: Any = others.setdefault(file, published_schema(file))
        for part in pointer.split("/") if pointer else ():
            node = node[part]
        return node

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if isinstance(ref, str) and ref and not ref.startswith("#"):
                return inline(copy.deepcopy(target(ref)))
            return {k: inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    out: dict[str, Any] = inline(schema)
    for other in others.values():
        out["$defs"] = {**copy.deepcopy(other.get("$defs", {})), **out.get("$defs", {})}
    return out


@cache
def fast_validator(name: str) -> Any:
    """The Rust validator for a published schema: answers "valid?" in a fraction of the time."""
    return jsonschema_rs.validator_for(self_contained(name))


@cache
def detailed_validator(name: str) -> jsonschema.Draft202012Validator:
    """The Python validator for a published schema: it words the errors, with their paths."""
    import jsonschema  # about 60 ms of imports that a valid document never needs

    return jsonschema.Draft202012Validator(self_contained(name))
