"""Per-file JSON Schemas for editing a pack in an editor with a YAML language server.

A pack is one document (``pack-v1.schema.json``) split over files: ``pack.yaml``
holds the metadata, scope and parameters, ``rules.yaml`` the rules,
``conversation.yaml`` the conversation rules. An editor validates one file at a
time, so each file gets a small schema: the same top-level keys as pack-v1,
each a ``$ref`` into pack-v1 (nothing of the rule language is written twice),
and only the keys that file must have marked required. Test files use
``packtest-v1.schema.json``; named examples (``tests/examples/*.yaml``) are
requests and use ``input-v1.schema.json``.

The schemas carry no ``$id``: their relative ``$ref``s resolve against the file
they are read from, so they work offline from a checkout. They are written by
``python -m engine.editor_schemas`` (run by ``make docs``), which also puts the
modeline ``# yaml-language-server: $schema=<relative path>`` first in every pack
YAML file that lacks one; a test keeps the committed schemas equal to what this
module derives from pack-v1.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..lang.loader import list_pack_folders, pack_schema

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
MODELINE_PREFIX = "# yaml-language-server: $schema="

# file of a pack folder -> (schema file name, keys that file must hold, what it is for)
_FILES = {
    "pack.yaml": ("pack-v1.pack.schema.json", None,
                  "The pack's metadata, validity, scope, sections, parameters and vocabularies."),
    "rules.yaml": ("pack-v1.rules.schema.json", ("rules",),
                   "The pack's rules (reasons, advice, obligations) and the sections it cannot check."),
    "conversation.yaml": ("pack-v1.conversation.schema.json", ("conversation_rules",),
                          "Rules over threads of messages, checked by the conversation monitor."),
}
PART_SCHEMA = "pack-v1.part.schema.json"  # any other *.yaml of a pack folder
TEST_SCHEMA = "packtest-v1.schema.json"
EXAMPLE_SCHEMA = "input-v1.schema.json"
_ELSEWHERE = ("rules", "not_checkable", "conversation_rules")  # keys that live in their own files


def file_schema(required: tuple[str, ...], title: str, description: str) -> dict[str, Any]:
    """A schema for one file of a pack: pack-v1's top-level keys by reference, these keys required."""
    pack = pack_schema()
    return {
        "$schema": pack["$schema"],
        "title": title,
        "description": description + " The files of a pack folder together form one pack-v1 document "
                                     "(pack-v1.schema.json); a top-level key may appear in one file only.",
        "type": "object",
        "additionalProperties": False,
        "required": list(required),
        "properties": {key: {"$ref": f"pack-v1.schema.json#/properties/{key}"} for key in pack["properties"]},
    }


def editor_schemas() -> dict[str, dict[str, Any]]:
    """File name in engine/schemas -> schema, derived from pack-v1."""
    pack = pack_schema()
    out: dict[str, dict[str, Any]] = {}
    for name, (schema_file, required, description) in _FILES.items():
        if required is None:  # pack.yaml: everything pack-v1 requires except what lives in the other files
            required = tuple(k for k in pack["required"] if k not in _ELSEWHERE)
        out[schema_file] = file_schema(required, f"Dialogvakt pack file {name}", description)
    out[PART_SCHEMA] = file_schema((), "Dialogvakt pack file (any other *.yaml of a pack folder)",
                                   "A further part of a pack.")
    return out


def schema_for(path: Path) -> str:
    """The schema file (in engine/schemas) for a YAML file of a pack folder."""
    if path.parent.name == "examples" and path.parent.parent.name == "tests":
        return EXAMPLE_SCHEMA
    if path.parent.name == "tests":
        return TEST_SCHEMA
    return _FILES[path.name][0] if path.name in _FILES else PART_SCHEMA


def modeline(path: Path, schemas: Path = SCHEMAS) -> str:
    """The first line that tells a YAML language server which schema a pack file follows."""
    relative = os.path.relpath(schemas / schema_for(path), path.resolve().parent)
    return MODELINE_PREFIX + Path(relative).as_posix()


def pack_yaml_files(policies: Path) -> list[Path]:
    """Every YAML file of the packs in a folder: pack files, test files and named examples."""
    files: list[Path] = []
    for folder in list_pack_folders(policies):
        for pattern in ("*.yaml", "tests/*.yaml", "tests/examples/*.yaml"):
            files.extend(sorted(folder.glob(pattern)))
    return files


def add_modelines(policies: Path, schemas: Path = SCHEMAS) -> list[Path]:
    """Put the modeline first in every pack YAML file that has none; the rest of each file is kept as is."""
    changed: list[Path] = []
    for path in pack_yaml_files(policies):
        text = path.read_text(encoding="utf-8")
        if not text.startswith(MODELINE_PREFIX):
            path.write_text(modeline(path, schemas) + "\n" + text, encoding="utf-8")
            changed.append(path)
    return changed


def render(schema: Mapping[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


def write(folder: Path = SCHEMAS) -> list[Path]:
    written: list[Path] = []
    for name, schema in editor_schemas().items():
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != render(schema):
            path.write_text(render(schema), encoding="utf-8")
            written.append(path)
    return written


# python -m engine.authoring.editor_schemas [POLICIES]: the schemas, and modelines in new files
if __name__ == "__main__":
    policies = Path(sys.argv[1]) if len(sys.argv) > 1 else SCHEMAS.parent.parent / "policies"
    for path in write() + (add_modelines(policies) if policies.is_dir() else []):
        print(f"skrev {path}", file=sys.stderr)
