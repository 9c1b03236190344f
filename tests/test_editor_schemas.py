"""Editor support: every pack YAML file names its JSON Schema in a modeline, and that schema
validates the file the way a YAML language server would (relative $refs, offline)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import jsonschema
import pytest
import referencing
import referencing.jsonschema

from engine.authoring import editor_schemas
from engine.authoring.editor_schemas import MODELINE_PREFIX, pack_yaml_files, render, schema_for
from engine.authoring.editor_schemas import editor_schemas as derived
from engine.lang.loader import read_pack, read_yaml

from .conftest import ROOT

POLICIES = ROOT / "policies"
SCHEMAS = ROOT / "engine" / "schemas"
FILES = pack_yaml_files(POLICIES)


def _retrieve(uri: str) -> referencing.Resource:
    """Schemas are read from disk only: file: URIs, and the published $id of our own schemas."""
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        path = Path(unquote(parsed.path))
    elif uri.startswith("https://dialogvakt.no/schemas/"):
        path = SCHEMAS / uri.rsplit("/", 1)[1]
    else:
        raise referencing.exceptions.NoSuchResource(ref=uri)
    return referencing.Resource.from_contents(json.loads(path.read_text(encoding="utf-8")),
                                              default_specification=referencing.jsonschema.DRAFT202012)


def modeline_schema(path: Path) -> Path:
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    assert first.startswith(MODELINE_PREFIX), f"{path}: the first line is not a yaml-language-server modeline"
    return (path.parent / first[len(MODELINE_PREFIX):]).resolve()


def load(path: Path) -> object:
    """As the engine and a YAML 1.2 language server see it: dates stay text."""
    return read_yaml(path)[0]


def validate(document: object, schema_path: Path) -> list[jsonschema.ValidationError]:
    registry = referencing.Registry(retrieve=_retrieve)
    validator = jsonschema.Draft202012Validator({"$ref": schema_path.as_uri()}, registry=registry)
    return list(validator.iter_errors(document))


def test_the_bundled_packs_have_all_kinds_of_files():
    kinds = {schema_for(p) for p in FILES}
    assert kinds == {"pack-v1.pack.schema.json", "pack-v1.rules.schema.json", "pack-v1.conversation.schema.json",
                     "packtest-v1.schema.json", "input-v1.schema.json"}


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(POLICIES)) for p in FILES])
def test_every_pack_file_validates_against_the_schema_its_modeline_names(path: Path):
    schema = modeline_schema(path)
    assert schema.parent == SCHEMAS.resolve() and schema.name == schema_for(path), schema
    errors = validate(load(path), schema)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_committed_file_schemas_are_derived_from_pack_v1():
    for name, schema in derived().items():
        committed = SCHEMAS / name
        assert committed.is_file(), f"run `make docs` to write engine/schemas/{name}"
        assert committed.read_text(encoding="utf-8") == render(schema), f"{name} is stale: run `make docs`"


def test_file_schemas_cover_exactly_the_keys_of_pack_v1():
    pack = json.loads((SCHEMAS / "pack-v1.schema.json").read_text(encoding="utf-8"))
    schemas = {name: json.loads((SCHEMAS / name).read_text(encoding="utf-8")) for name in derived()}
    for schema in schemas.values():
        assert list(schema["properties"]) == list(pack["properties"])
        assert all(v == {"$ref": f"pack-v1.schema.json#/properties/{k}"} for k, v in schema["properties"].items())
    # pack.yaml and rules.yaml together ask for what a pack needs; conversation.yaml for its own key
    assert set(schemas["pack-v1.pack.schema.json"]["required"]) | {"rules"} == set(pack["required"])
    assert schemas["pack-v1.rules.schema.json"]["required"] == ["rules"]
    assert schemas["pack-v1.conversation.schema.json"]["required"] == ["conversation_rules"]
    assert schemas["pack-v1.part.schema.json"]["required"] == []


@pytest.fixture
def pack_copy(tmp_path: Path) -> Path:
    target = tmp_path / "helse-bergen-d81023"
    shutil.copytree(POLICIES / "helse-bergen-d81023", target)
    return target


def _seed(path: Path, old: str, new: str, into: Path | None = None) -> object:
    text = path.read_text(encoding="utf-8")
    assert old in text
    target = into or path
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return load(target)


def test_an_unknown_key_in_a_rule_is_reported_by_the_rules_schema(pack_copy: Path):
    doc = _seed(pack_copy / "rules.yaml", "    effect: deny\n", "    effect: deny\n    severity: high\n")
    errors = validate(doc, modeline_schema(POLICIES / "helse-bergen-d81023" / "rules.yaml"))
    assert any(e.validator == "additionalProperties" and "severity" in e.message
               and list(e.absolute_path) == ["rules", 0] for e in errors), [e.message for e in errors]


def test_a_misspelt_operator_in_a_condition_is_reported_by_the_rules_schema(pack_copy: Path):
    doc = _seed(pack_copy / "rules.yaml", "          not_in: {param: pasientstatus_i_forlop}",
                "          not_inn: {param: pasientstatus_i_forlop}")
    errors = validate(doc, SCHEMAS / "pack-v1.rules.schema.json")
    assert errors and all(list(e.absolute_path)[:3] == ["rules", 0, "when"] for e in errors), \
        [(list(e.absolute_path), e.message) for e in errors]


def test_pack_yaml_without_scope_is_reported_by_its_schema(pack_copy: Path):
    doc = load(pack_copy / "pack.yaml")
    del doc["scope"]
    errors = validate(doc, SCHEMAS / "pack-v1.pack.schema.json")
    assert [e.validator for e in errors] == ["required"] and "'scope'" in errors[0].message


def test_rules_yaml_does_not_need_the_pack_metadata_but_pack_yaml_does():
    rules = load(POLICIES / "helse-bergen-d81023" / "rules.yaml")
    assert validate(rules, SCHEMAS / "pack-v1.rules.schema.json") == []
    assert any(e.validator == "required" for e in validate(rules, SCHEMAS / "pack-v1.pack.schema.json"))


def test_an_unknown_expectation_key_is_reported_by_the_test_schema(tmp_path: Path):
    path = POLICIES / "helse-bergen-d81023" / "tests" / "d81023.yaml"
    doc = _seed(path, "      decision: allow\n", "      decison: allow\n", into=tmp_path / "d81023.yaml")
    errors = validate(doc, modeline_schema(path))
    assert any("decison" in e.message and list(e.absolute_path) == ["cases", 0, "expect"] for e in errors)


def test_the_modeline_is_kept_first_and_the_pack_still_loads():
    # the modeline is a comment: the pack reads as before
    assert read_pack(POLICIES / "helse-bergen-d81023").data["id"] == "helse-bergen-d81023"
    for path in FILES:
        assert re.match(r"# yaml-language-server: \$schema=(\.\./)+engine/schemas/[a-z0-9.-]+\.json\n",
                        path.read_text(encoding="utf-8"))


def test_add_modelines_adds_the_line_once_to_a_new_pack_file(pack_copy: Path, tmp_path: Path):
    new = pack_copy / "tests" / "nye.yaml"
    new.write_text("cases: []\n", encoding="utf-8")
    changed = editor_schemas.add_modelines(tmp_path, SCHEMAS)
    assert changed == [new]
    first = new.read_text(encoding="utf-8").split("\n")[0]
    assert (new.parent / first[len(MODELINE_PREFIX):]).resolve() == (SCHEMAS / "packtest-v1.schema.json").resolve()
    assert editor_schemas.add_modelines(tmp_path, SCHEMAS) == []
