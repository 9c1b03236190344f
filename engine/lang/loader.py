"""Reading policy packs: safe YAML with positions, merged files, schema validation.

A pack is a folder under ``policies/``. Every ``*.yaml`` file directly in the
folder contributes top-level keys to one pack document (a key may appear in
one file only). YAML is composed with PyYAML's SafeLoader: no tags that build
objects, and every node keeps its ``file:line:column`` so that errors point at
the place a policy author must edit. The merged document is validated against
``schemas/pack-v1.schema.json``.

YAML that cannot explode: before anything is built, the parser's events are read
once and a file is refused, with the place, when it has anchors or aliases
(``&a``, ``*a``: a pack needs none, and nine levels of ten aliases expand to a
billion nodes), nests deeper than ``MAX_YAML_DEPTH``, holds a scalar longer than
``MAX_SCALAR`` or is larger than ``MAX_FILE_BYTES``. A scalar that cannot be a
value (``2025-13-45``, a 5,000-digit number) and a date in ``valid_from`` that
does not exist are problems at their place too: every failure is a PackError
with ``file:line:column``, never a traceback.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import orjson
import yaml

from ..contract.identifiers import mask_in_text
from ..contract.schemas import PACK_SCHEMA, SafeLoader, detailed_validator, fast_validator, published_schema

if TYPE_CHECKING:  # imported with the Python validator, when a pack's errors are first worded
    import jsonschema

Pointer = tuple[str | int, ...]  # a JSON pointer as a tuple of keys and indexes


@dataclass(frozen=True)
class Location:
    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


SEVERITY_WORDS = {"error": "feil", "warning": "advarsel"}


@dataclass(frozen=True)
class PackProblem:
    """One finding in a pack: where, what (bokmål), how bad, which check (``code``) and which rule.

    The checks and their codes are listed in ``schemas/lint-checks.yaml``. A message never
    shows a patient's number: anything shaped like one is masked when the problem is made.
    """

    location: Location | None
    message: str
    severity: str = "error"  # error | warning
    code: str = ""  # a check id from schemas/lint-checks.yaml, e.g. "ukjent-faktum"
    rule: str | None = None  # the id of the pack rule the problem concerns, when there is one

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", mask_in_text(self.message))

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        code = f" [{self.code}]" if self.code else ""
        rule = f" (regel {self.rule})" if self.rule else ""
        return f"{where}{SEVERITY_WORDS.get(self.severity, self.severity)}{code}{rule}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        loc = self.location
        return {"file": loc.file if loc else None, "line": loc.line if loc else None,
                "column": loc.column if loc else None, "severity": self.severity, "code": self.code,
                "rule": self.rule, "message": self.message}


def rule_at(data: Any, pointer: Pointer) -> str | None:
    """The id of the rule (or conversation rule, or not-checkable entry) a pointer lies in."""
    if (isinstance(data, dict) and len(pointer) >= 2 and pointer[0] in RULE_LISTS
            and isinstance(pointer[1], int)):
        items = data.get(pointer[0])
        if isinstance(items, list) and pointer[1] < len(items) and isinstance(items[pointer[1]], dict):
            rule_id = items[pointer[1]].get("id")
            return rule_id if isinstance(rule_id, str) else None
    return None


RULE_LISTS = ("rules", "conversation_rules", "not_checkable")


class PackError(Exception):
    """One or more problems in a pack; each names file:line:column."""

    def __init__(self, problems: list[PackProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class PackSource:
    """A pack document as read from disk, before compilation."""

    folder: Path
    data: dict[str, Any]
    positions: dict[Pointer, Location] = field(default_factory=dict)

    def where(self, pointer: Pointer) -> Location | None:
        """The location of a node, or of its nearest ancestor that has one."""
        pointer = tuple(pointer)
        while pointer not in self.positions and pointer:
            pointer = pointer[:-1]
        return self.positions.get(pointer)


# --------------------------------------------------------------------------- YAML with positions

MAX_FILE_BYTES = 4 * 1024 * 1024  # the largest bundled pack file is about 60 KiB
MAX_YAML_DEPTH = 64  # a pack's deepest condition nests about 12 levels
MAX_SCALAR = 100_000  # characters in one value; the longest quote in a bundled pack is about 1,500
MAX_SCAN_PROBLEMS = 20

_PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in
                        ("map", "seq", "str", "int", "float", "bool", "null", "timestamp"))


class _BadScalar(Exception):
    def __init__(self, message: str):
        self.message = message


_STR_TAG = "tag:yaml.org,2002:str"


def _scalar(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if node.tag == _STR_TAG:  # what the constructor makes of a text, without its bookkeeping: most of a pack
        return node.value
    try:
        value = loader.construct_object(node, deep=True)
    except (ValueError, OverflowError):  # 2025-13-45 read as a date, a number too long to be one
        if node.tag == "tag:yaml.org,2002:timestamp":
            raise _BadScalar("er ikke en gyldig dato (ÅÅÅÅ-MM-DD); sett verdien i anførselstegn hvis den er "
                             "ment som tekst") from None
        if node.tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
            raise _BadScalar("tallet er for stort til å leses; sett verdien i anførselstegn hvis den er "
                             "ment som tekst") from None
        raise _BadScalar("verdien kan ikke leses som data") from None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()  # dates stay text; the compiler types them by fact
    return value


def scan_problems(text: str, name: str) -> list[PackProblem]:
    """What makes YAML explode, found in the parser's events before anything is built:
    anchors and aliases, nesting deeper than ``MAX_YAML_DEPTH``, scalars longer than ``MAX_SCALAR``.
    Raises yaml.MarkedYAMLError on a syntax error (as composing would)."""
    problems: list[PackProblem] = []
    depth = 0

    def add(mark: Any, message: str, code: str) -> None:
        problems.append(PackProblem(Location(name, mark.line + 1, mark.column + 1), message, code=code))

    loader = SafeLoader(text)
    try:
        while len(problems) < MAX_SCAN_PROBLEMS:
            event = loader.get_event()
            if event is None or isinstance(event, yaml.StreamEndEvent):
                break
            if isinstance(event, yaml.AliasEvent):
                add(event.start_mark, f"henvisningen '*{event.anchor}' er ikke tillatt: en pakke bruker ikke ankre "
                    "og henvisninger (&navn, *navn); skriv verdien ut der den trengs", "yaml-anker")
                continue
            if isinstance(event, yaml.NodeEvent) and event.anchor is not None:
                add(event.start_mark, f"ankeret '&{event.anchor}' er ikke tillatt: en pakke bruker ikke ankre og "
                    "henvisninger (&navn, *navn); skriv verdien ut der den trengs", "yaml-anker")
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    add(event.start_mark, f"nøstet for dypt (høyst {MAX_YAML_DEPTH} nivåer)", "yaml-storrelse")
                    break
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            elif isinstance(event, yaml.ScalarEvent) and len(event.value) > MAX_SCALAR:
                add(event.start_mark, f"verdien er for lang ({len(event.value)} tegn; høyst {MAX_SCALAR})",
                    "yaml-storrelse")
    finally:
        loader.dispose()
    return problems


# SafeLoader is libyaml's (the same safe rules, in C) when PyYAML has it: it reads a pack about ten
# times faster, which keeps `dialogvakt validate` quick enough to run on every save


def _pure_error(text: str) -> yaml.MarkedYAMLError | None:
    """A syntax error as the pure-Python SafeLoader words and places it, the same on every machine."""
    loader = yaml.SafeLoader(text)
    try:
        loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        return exc
    except (RecursionError, yaml.reader.ReaderError):  # what libyaml had already refused in its own way
        return None
    finally:
        loader.dispose()
    return None


class DataError(Exception):
    """A request, example or corpus file that cannot be read; names file:line:column, never echoes content."""

    def __init__(self, file: str, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.file, self.message, self.line, self.column = file, message, line, column

    @property
    def location(self) -> Location:
        return Location(self.file, self.line or 1, self.column or 1)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        return f"{where}: {self.message}"


def read_text(path: Path, name: str) -> str:
    """A file's text as UTF-8 (DataError when it is not)."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DataError(name, "er ikke UTF-8-tekst") from None


def parse_data(text: str, name: str, *, as_yaml: bool = False, line: int = 1) -> Any:
    """JSON (or, with ``as_yaml``, safe YAML) text; ``line`` is where the text starts in its file (JSONL).

    JSON is read strictly (orjson: no NaN, nesting capped at 1,024, numbers that fit a double);
    YAML as packs are (``yaml_text``: no aliases, bounded nesting, dates kept as text). Either
    way a DataError with the place, never a RecursionError or a ValueError.
    """
    if text.startswith("\ufeff"):
        text = text[1:]  # a byte order mark, as some editors on Windows write
    if as_yaml:
        try:
            return yaml_text(text, name)[0]
        except PackError as exc:
            first = exc.problems[0]
            at = (first.location.line, first.location.column) if first.location else ()
            raise DataError(name, f"ugyldig YAML ({first.message})", *at) from None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise DataError(name, f"ugyldig JSON ({json_words(exc.msg)})", exc.lineno + line - 1, exc.colno) from None


_JSON_WORDS = (  # what the JSON reader says, in bokmål (the first that the message starts with)
    ("trailing comma is not allowed", "komma rett før slutten av en liste eller et objekt"),
    ("unexpected character, expected ':'", "forventet kolon etter feltnavnet"),
    ("unexpected character, expected a string key", "forventet et feltnavn i doble anførselstegn"),
    ("unexpected character, expected a JSON value", "forventet en verdi"),
    ("unexpected character", "uventet tegn"),
    ("unexpected end of data", "dokumentet slutter før det er ferdig"),
    ("unexpected content after document", "det står mer etter slutten av dokumentet"),
    ("invalid escaped sequence", "ugyldig escape-sekvens i en tekst"),
    ("unexpected control character", "ugyldig kontrolltegn i en tekst"),
    ("number is infinity", "tallet er for stort"),
    ("depth limit exceeded", "nøstet for dypt"),
    ("Input is a zero-length", "dokumentet er tomt"),
    ("no low surrogate", "ugyldig unicode-tegn i en tekst"),
    ("no high surrogate", "ugyldig unicode-tegn i en tekst"),
    ("invalid number", "ugyldig tall"),
)


def json_words(message: str) -> str:
    """The JSON reader's complaint in bokmål; unknown ones are kept as they are."""
    return next((words for start, words in _JSON_WORDS if message.startswith(start)), message)


def read_yaml(path: Path, display: str | None = None) -> tuple[Any, dict[Pointer, Location]]:
    """Load one YAML file safely, recording the location of every node by JSON pointer."""
    name = display or str(path)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise PackError([PackProblem(Location(name, 1, 1), f"filen er for stor ({size} byte; en pakkefil kan være "
                                     f"høyst {MAX_FILE_BYTES} byte)", code="yaml-storrelse")])
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PackError([PackProblem(Location(name, 1, 1), f"filen er ikke UTF-8-tekst ({exc.reason})",
                                     code="ikke-utf8")]) from None
    return yaml_text(text, name)


def _unreadable_character(exc: yaml.reader.ReaderError, text: str, name: str) -> PackError:
    """A character YAML does not allow (NUL, other control characters), at its line and column."""
    before = text[:max(exc.position, 0)]
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    return PackError([PackProblem(Location(name, line, column), "YAML-syntaksfeil: filen har et tegn som ikke er "
                                  f"tillatt i YAML (U+{exc.character if isinstance(exc.character, int) else 0:04X}, "
                                  "et kontrolltegn)", code="yaml-syntaks")])


def yaml_text(text: str, name: str) -> tuple[Any, dict[Pointer, Location]]:
    """Safe YAML text as data, with the location of every node by JSON pointer. Raises PackError."""
    try:
        return _yaml_text(text, name)
    except yaml.reader.ReaderError as exc:
        raise _unreadable_character(exc, text, name) from None


def _yaml_text(text: str, name: str) -> tuple[Any, dict[Pointer, Location]]:
    loader = SafeLoader(text)
    try:
        try:
            scanned = scan_problems(text, name)
            if scanned:
                raise PackError(scanned)
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as first:
            # the pure-Python parser words and places errors the same everywhere; not for nesting libyaml
            # refused, which it would take a second or a RecursionError to reach
            nesting = "nesting depth" in (first.problem or "")
            error = (None if nesting else _pure_error(text)) or first
            # an unclosed bracket or quote is reported where it was opened: that is where the author looks
            opened = (error.problem or "").startswith(("expected ',' or", "found unexpected end of stream"))
            mark = (error.context_mark if opened else None) or error.problem_mark or error.context_mark
            at = Location(name, mark.line + 1, mark.column + 1) if mark else Location(name, 1, 1)
            raise PackError([PackProblem(at, f"YAML-syntaksfeil: {_yaml_reason(error.problem or error.context)}",
                                         code="yaml-syntaks")]) from None
        positions: dict[Pointer, Location] = {}
        problems: list[tuple[Pointer, PackProblem]] = []

        def problem(node: yaml.Node, pointer: Pointer, message: str, code: str) -> None:
            problems.append((pointer, PackProblem(loc(node), message, code=code)))

        def loc(node: yaml.Node) -> Location:
            return Location(name, node.start_mark.line + 1, node.start_mark.column + 1)

        def build(node: yaml.Node, pointer: Pointer) -> Any:
            if pointer not in positions:  # a key's value is placed at its key, already recorded
                positions[pointer] = loc(node)
            if node.tag not in _PLAIN_TAGS:
                problem(node, pointer, f"YAML-merket {node.tag!r} er ikke tillatt: en pakke er bare data "
                        "(tekst, tall, lister og oppslag)", "yaml-merke")
                return None
            if isinstance(node, yaml.MappingNode):
                result: dict[str, Any] = {}
                for key_node, value_node in node.value:
                    if key_node.tag == "tag:yaml.org,2002:merge":
                        problem(key_node, pointer, "flettenøkler ('<<') er ikke tillatt; skriv nøklene ut",
                                "yaml-merke")
                        continue
                    if key_node.tag not in _PLAIN_TAGS:
                        problem(key_node, pointer, f"YAML-merket {key_node.tag!r} er ikke tillatt: en pakke er bare "
                                "data (tekst, tall, lister og oppslag)", "yaml-merke")
                        continue
                    try:
                        key = _scalar(loader, key_node) if isinstance(key_node, yaml.ScalarNode) else None
                    except (_BadScalar, yaml.constructor.ConstructorError):
                        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
                    if not isinstance(key, str):
                        problem(key_node, pointer, f"en nøkkel må være tekst; sett {key!r} i anførselstegn "
                                "hvis det er ment som tekst", "nokkel-ikke-tekst")
                        continue
                    if key in result:
                        problem(key_node, (*pointer, key), f"nøkkelen '{key}' står to ganger",
                                "duplikat-nokkel")
                        continue
                    child = (*pointer, key)
                    at = positions[child] = loc(key_node)
                    if value_node.tag == _STR_TAG and isinstance(value_node, yaml.ScalarNode):
                        result[key] = value_node.value  # what build would give a text, placed at its key
                        continue
                    result[key] = build(value_node, child)
                    positions[child] = at
                return result
            if isinstance(node, yaml.SequenceNode):
                return [build(item, (*pointer, i)) for i, item in enumerate(node.value)]
            try:
                return _scalar(loader, node)
            except yaml.constructor.ConstructorError as exc:
                problem(node, pointer, f"verdien kan ikke leses som data ({exc.problem})", "yaml-merke")
                return None
            except _BadScalar as exc:
                problem(node, pointer, exc.message, "yaml-verdi")
                return None

        data = build(root, ()) if root is not None else None
    finally:
        loader.dispose()
    if problems:
        raise PackError([PackProblem(p.location, p.message, p.severity, p.code, rule_at(data, ptr))
                         for ptr, p in problems])
    return data, positions


_YAML_REASONS = {
    "expected ',' or ']', but got": "en liste i hakeparenteser er ikke lukket med ']'",
    "expected ',' or '}', but got": "et oppslag i klammeparenteser er ikke lukket med '}'",
    "mapping values are not allowed here": "et kolon står der det ikke kan stå (sett teksten i anførselstegn?)",
    "found character '\\t' that cannot start any token": "tabulator kan ikke brukes til innrykk; bruk mellomrom",
    "could not find expected ':'": "mangler ':' etter en nøkkel",
    "found undefined alias": "en henvisning (*navn) peker på noe som ikke finnes",
    "did not find expected key": "innrykket stemmer ikke; en nøkkel var ventet her",
    "did not find expected '-' indicator": "innrykket stemmer ikke; et listepunkt ('-') var ventet her",
    "found unexpected end of stream": "filen slutter midt i en verdi (mangler et avsluttende anførselstegn?)",
    "found unexpected ':'": "et kolon står der det ikke kan stå (sett teksten i anførselstegn?)",
    "exceeded maximum nesting depth": f"nøstet for dypt (høyst {MAX_YAML_DEPTH} nivåer)",
}


def _yaml_reason(problem: str | None) -> str:
    """PyYAML's reason in bokmål where we know it; otherwise PyYAML's own words in parentheses."""
    text = problem or ""
    for english, bokmal in _YAML_REASONS.items():
        if text.startswith(english):
            return bokmal
    return f"filen kan ikke leses som YAML ({text})"


# --------------------------------------------------------------------------- pack folders

def pack_schema() -> dict[str, Any]:
    return published_schema(PACK_SCHEMA)


def bundled_policies_dir() -> Path:
    """The packs shipped with the package (the wheel), or the repository's ``policies/`` in a checkout."""
    here = Path(__file__).resolve().parents[1]  # the engine package
    installed = here / "policies"
    if any(installed.glob("*/pack.yaml")):
        return installed
    return here.parent / "policies"


def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_pack(folder: Path) -> PackSource:
    """Read and schema-validate one pack folder. Raises PackError listing every problem."""
    folder = Path(folder)
    files = sorted(p for p in folder.glob("*.yaml") if p.is_file())
    if not any(p.name == "pack.yaml" for p in files):
        raise PackError([PackProblem(Location(display_path(folder), 1, 1), "en pakkemappe må ha en pack.yaml",
                                     code="mangler-pack-yaml")])
    data: dict[str, Any] = {}
    positions: dict[Pointer, Location] = {}
    problems: list[PackProblem] = []
    for path in files:
        try:
            doc, pos = read_yaml(path, display_path(path))
        except PackError as exc:
            problems.extend(exc.problems)
            continue
        if path.name == "pack.yaml":  # a key missing from the pack is reported at the top of pack.yaml
            positions[()] = pos.get(()) or Location(display_path(path), 1, 1)
        if doc is None:
            continue
        if not isinstance(doc, dict):
            problems.append(PackProblem(pos.get(()), "en pakkefil må bestå av nøkler på øverste nivå "
                                        "(for eksempel rules: eller parameters:)", code="ikke-oppslag"))
            continue
        for key, value in doc.items():
            if key in data:
                problems.append(PackProblem(pos.get((key,)), f"nøkkelen '{key}' står allerede i "
                                            f"{positions[(key,)].file}", code="duplikat-nokkel"))
                continue
            data[key] = value
        for pointer, location in pos.items():
            if pointer and pointer[0] in doc:
                positions.setdefault(pointer, location)
    if problems:
        raise PackError(problems)
    source = PackSource(folder, data, positions)
    schema_problems = [PackProblem(source.where(error_pointer(e)), schema_message(e), code=schema_code(e),
                                   rule=rule_at(data, tuple(e.absolute_path)))
                       for e in schema_errors(data)]
    if schema_problems:
        raise PackError(list(dict.fromkeys(schema_problems)))  # two missing keys give the same message twice
    dates = date_problems(source)
    if dates:
        raise PackError(dates)
    return source


DATE_KEYS = ("valid_from", "valid_to")


def date_problems(source: PackSource) -> list[PackProblem]:
    """Dates the schema's pattern lets through but the calendar does not have (``2025-02-30``)."""
    problems = []
    for key in DATE_KEYS:
        value = source.data.get(key)
        if not isinstance(value, str):
            continue
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            problems.append(PackProblem(source.where((key,)), f"{key}: {value!r} er ikke en dato som finnes "
                                        "(ÅÅÅÅ-MM-DD)", code="ugyldig-verdi"))
    return problems


def schema_errors(data: Any, file: str = PACK_SCHEMA) -> list[jsonschema.ValidationError]:
    """The errors of ``data`` against a published schema, sorted by their place (none when valid)."""
    # the Rust validator answers "valid?" in a fraction of the time; the detailed one words the errors
    if fast_validator(file).is_valid(data):
        return []
    validator = detailed_validator(file)
    from jsonschema.exceptions import best_match  # loaded with detailed_validator

    # best_match descends into oneOf/anyOf to the branch that got furthest
    errors = [best_match([error]) for error in validator.iter_errors(data)]
    errors.sort(key=lambda e: tuple(str(p) for p in e.absolute_path))
    return errors


def _keyword_schema(error: jsonschema.ValidationError) -> Mapping[str, Any]:
    """The schema object holding the keyword that failed.

    The stubs allow a boolean or unset schema; an error a validator yields for a keyword always
    carries the object that keyword stands in.
    """
    return cast(Mapping[str, Any], error.schema)


def error_pointer(error: jsonschema.ValidationError) -> Pointer:
    """Where to point: at the offending key for unknown keys, else at the node."""
    pointer = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = _keyword_schema(error).get("properties", {})
        extra = [k for k in error.instance if k not in allowed]
        if extra:
            return (*pointer, extra[0])
    return pointer


def _path_text(error: jsonschema.ValidationError) -> str:
    parts = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return parts.lstrip(".") or "(øverste nivå)"


_HINTS = {
    "condition": ("vilkår", "et vilkår er ett av {all: [...]}, {any: [...]}, {not: ...}, "
                  "{each: LISTE, when: ...}, {some: LISTE, when: ...} eller {fact: STI, OPERATOR: VERDI}"),
    "comparison": ("sammenligning", "en sammenligning har 'fact' og nøyaktig én operator: equals, not_equals, "
                   "in, not_in, lt, le, gt, ge, exists, matches, contains, contains_any, starts_with, mixes"),
}

_TYPE_WORDS = {"string": "tekst", "integer": "et heltall", "number": "et tall", "boolean": "true eller false",
               "array": "en liste", "object": "et oppslag (nøkler med verdier)", "null": "tom"}


def _type_word(value: Any) -> str:
    if isinstance(value, list):
        return " eller ".join(_type_word(v) for v in value)
    return _TYPE_WORDS.get(value, str(value))


def _python_type_word(value: Any) -> str:
    for python, schema in ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"),
                           (list, "array"), (dict, "object"), (type(None), "null")):
        if isinstance(value, python):
            return _TYPE_WORDS[schema]
    return type(value).__name__


def schema_code(error: jsonschema.ValidationError) -> str:
    """The check id of a schema error (see schemas/lint-checks.yaml)."""
    return {"additionalProperties": "ukjent-nokkel", "required": "mangler-felt", "enum": "ugyldig-verdi",
            "const": "ugyldig-verdi", "pattern": "ugyldig-verdi", "type": "feil-type",
            "oneOf": "ugyldig-form", "anyOf": "ugyldig-form", "minProperties": "ugyldig-form",
            "maxProperties": "ugyldig-form"}.get(str(error.validator), "skjemafeil")


def schema_message(error: jsonschema.ValidationError) -> str:
    where = _path_text(error)
    v = error.validator
    value: Any = error.validator_value  # the keyword's value in the schema: any JSON
    if v == "additionalProperties":
        allowed = sorted(_keyword_schema(error).get("properties", {}))
        extra = sorted(k for k in error.instance if k not in allowed) if isinstance(error.instance, dict) else []
        return f"{where}: ukjent nøkkel {', '.join(repr(k) for k in extra)}; tillatt her: {', '.join(allowed)}"
    if v == "required":
        missing = value
        names = [k for k in missing if isinstance(error.instance, dict) and k not in error.instance] or missing
        return f"{where}: mangler '{names[0]}'" if len(names) == 1 else \
            f"{where}: mangler {', '.join(repr(n) for n in names)}"
    if v == "enum":
        return f"{where}: {error.instance!r} er ikke tillatt; tillatte verdier: {', '.join(map(str, value))}"
    if v == "const":
        return f"{where}: må være {value!r}"
    if v in ("oneOf", "anyOf"):
        ref = _keyword_schema(error).get("$ref", "")
        for name, (word, hint) in _HINTS.items():
            if error.schema is pack_schema()["$defs"].get(name) or ref.endswith(name):
                return f"{where}: ikke et gyldig {word}; {hint}"
        if isinstance(error.instance, dict) and "fact" in error.instance:
            return f"{where}: ikke en gyldig sammenligning; {_HINTS['comparison'][1]}"
        if isinstance(error.instance, dict) and set(error.instance) & {"all", "any", "not", "each", "some"}:
            return f"{where}: ikke et gyldig vilkår; {_HINTS['condition'][1]}"
        return f"{where}: har ingen av de tillatte formene ({error.message[:160]})"
    if v in ("minProperties", "maxProperties") and isinstance(error.instance, dict) and "fact" in error.instance:
        return f"{where}: {_HINTS['comparison'][1]}"
    if v == "pattern":
        return f"{where}: {error.instance!r} har ikke riktig form (mønster {value})"
    if v == "type":
        return f"{where}: skal være {_type_word(value)}, men er {_python_type_word(error.instance)}"
    if v == "not" and error.schema == {"required": ["obligation"]}:
        return f"{where}: 'obligation' hører bare til effect: obligation"
    if v == "minItems":
        return f"{where}: listen må ha minst {value} element(er)"
    if v == "minLength":
        return f"{where}: kan ikke være tom"
    if v == "uniqueItems":
        return f"{where}: listen har samme verdi to ganger"
    if v == "maxItems":
        return f"{where}: listen kan ha høyst {value} element(er)"
    if v == "minimum":
        return f"{where}: kan ikke være mindre enn {value}"
    if v == "propertyNames":
        return f"{where}: {error.instance!r} har ikke riktig form"
    if v in ("minProperties", "maxProperties"):
        return f"{where}: har for {'få' if v == 'minProperties' else 'mange'} nøkler"
    return f"{where}: brudd på pakkeformatet ({error.message})"


def list_pack_folders(root: Path) -> list[Path]:
    root = Path(root)
    if (root / "pack.yaml").is_file():
        return [root]
    return sorted(p.parent for p in root.glob("*/pack.yaml"))
