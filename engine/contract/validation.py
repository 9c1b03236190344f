"""Bounded validation against the published schemas: limits before work, and one clear error.

The compiled validator (jsonschema_rs, in Rust) answers first, for every request and event.
Only when it says no is the problem worded, and the wording costs a bounded amount of work
whatever the document holds:

1. the document is walked along the schema (never deeper than the schema goes) and the first
   limit it breaks (``maxItems``, ``maxLength``, ``maximum``: how many recipients, how long a
   text) is the error: a request with 200,000 recipients is told so at once, before anything is
   done about each recipient;
2. otherwise that walk has cut the document down to what the schema describes (an unknown key
   keeps its name but no value; a list where a text belongs becomes an empty list), which is no
   larger than the limits allow, and the Python validator finds its most specific error (the
   shallowest, as ``jsonschema.best_match`` ranks them), worded by ``describe_error``.

A document too deep for the compiled validator (it stops at its own recursion limit) is
reported with the path where it passes ``MAX_DEPTH`` levels, found without recursion.

A JSON path never shows a patient's number (``json_path`` masks an unknown key that is one)
nor a character that cannot be printed. ``text_problem`` finds what the schema cannot say:
lone surrogates and control characters, which no message can carry (XML cannot, UTF-8
cannot encode a surrogate) and which would break a log line, a hash or a database; and
integers beyond 64 bits, which the compiled validator misjudges (it takes a 5,000-digit
number as within ``maximum``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import jsonschema_rs
import orjson

from .identifiers import redact_numbers
from .schemas import detailed_validator, fast_validator, self_contained

if TYPE_CHECKING:  # imported with the Python validator, when an error is first worded
    import jsonschema

MAX_DEPTH = 32  # levels of nesting a document may have; the contracts themselves need 6
DETAIL_BUDGET = 5_000  # nodes up to which the Python validator words the error; a valid request has < 2,000
DETAIL_ERRORS = 200  # errors the Python validator is asked for at most

_LIMIT_KEYWORDS = ("maxItems", "maxLength", "maxProperties", "maximum", "exclusiveMaximum")
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")  # tab, newline and CR are text
_ESCAPED_CONTROL = re.compile(rb"\\u00(?:0[0-8bcef]|1[0-9a-f])")  # how orjson writes the forbidden ones
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MAX_KEY_SHOWN = 64


# --------------------------------------------------------------------------- paths

def path_key(key: str) -> str:
    """A key as it may be shown: no patient number, nothing unprintable, not endless."""
    text = _UNPRINTABLE.sub("?", redact_numbers(key))
    return text if len(text) <= MAX_KEY_SHOWN else text[:MAX_KEY_SHOWN] + "…"


def json_path(parts: Iterable[Any]) -> str:
    """``$.melding.mottakere[0].kategori`` for the given keys and indexes; keys shown by ``path_key``."""
    path = "$"
    for p in parts:
        path += f"[{p}]" if isinstance(p, int) else f".{path_key(str(p))}"
    return path


# --------------------------------------------------------------------------- shape

def shape_problem(document: Any, *, max_depth: int = MAX_DEPTH, budget: int | None = None
                  ) -> tuple[str, str] | None:
    """(path, message) when the document nests deeper than ``max_depth``; without recursion.

    With ``budget``, a document of more nodes than that is reported too (path ``$``,
    message ``""``): the caller then knows it is large without having walked all of it.
    """
    stack: list[tuple[Any, int, tuple[Any, ...]]] = [(document, 0, ())]
    seen = 0
    while stack:
        node, depth, where = stack.pop()
        seen += 1
        if budget is not None and seen > budget:
            return "$", ""
        if isinstance(node, dict):
            children: Iterable[tuple[Any, Any]] = node.items()
        elif isinstance(node, (list, tuple)):
            children = enumerate(node)
        else:
            continue
        if depth >= max_depth:
            return json_path(where), f"er nøstet for dypt (høyst {max_depth} nivåer)"
        stack.extend((value, depth + 1, (*where, key)) for key, value in children)
    return None


def text_problem(document: Any) -> tuple[str, str] | None:
    """(path, message) for the first text (key or value) holding a lone surrogate or a control character,
    or the first integer beyond 64 bits (the compiled validator reads a 5,000-digit one wrongly).

    The common case costs one ``orjson.dumps``: it refuses surrogates and integers beyond 64 bits,
    and writes the control characters as escapes that a byte search finds; only then is the
    document walked for the path.
    """
    try:
        blob = orjson.dumps(document)
    except (TypeError, orjson.JSONEncodeError):
        pass  # a surrogate, or something that is not JSON: walk to find out
    else:
        if not _ESCAPED_CONTROL.search(blob):
            return None
    stack: list[tuple[Any, tuple[Any, ...]]] = [(document, ())]
    while stack:
        node, where = stack.pop()
        if isinstance(node, int) and not isinstance(node, bool) and not -(2**63) <= node < 2**64:
            return json_path(where), "er et tall som er for stort"  # and the compiled validator misjudges it
        if isinstance(node, str):
            if _FORBIDDEN.search(node):
                return json_path(where), ("inneholder et tegn som ikke kan brukes "
                                          "(et kontrolltegn eller ugyldig Unicode)")
        elif isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str) and _FORBIDDEN.search(key):
                    return json_path(where), ("har et feltnavn med et tegn som ikke kan brukes "
                                              "(et kontrolltegn eller ugyldig Unicode)")
                stack.append((value, (*where, key)))
        elif isinstance(node, (list, tuple)):
            stack.extend((value, (*where, i)) for i, value in enumerate(node))
    return None


# --------------------------------------------------------------------------- limits and pruning

class _Limit(Exception):
    def __init__(self, path: tuple[Any, ...], keyword: str, limit: Any):
        self.path, self.keyword, self.limit = path, keyword, limit


def _resolve(root: Mapping[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        target: Any = root
        for part in node["$ref"][2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node = target
    return node


def _branches(root: Mapping[str, Any], node: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The schema and the alternatives it allows (oneOf, anyOf, allOf), resolved."""
    out = [node]
    for key in ("oneOf", "anyOf", "allOf"):
        for branch in node.get(key) or ():
            resolved = _resolve(root, branch)
            if isinstance(resolved, dict):
                out.append(resolved)
    return out


def _prune(root: Mapping[str, Any], schema: Any, value: Any, path: tuple[Any, ...]) -> Any:
    """``value`` with its size checked against the schema's limits (raises _Limit at the first one
    broken) and everything the schema does not describe cut down to nothing of the same JSON type:
    an unknown key keeps its name with no value, a list or an object where the schema wants a text
    becomes empty. The validators then say the same about it, in bounded time, since what is left
    is no larger than the schema's limits allow. Recursion follows the schema, never the value."""
    schema = _resolve(root, schema)
    if not isinstance(schema, dict):
        return value
    branches = _branches(root, schema)
    for b in branches:
        for keyword in ("maxLength",) if isinstance(value, str) else ():
            if keyword in b and len(value) > b[keyword]:
                raise _Limit(path, keyword, b[keyword])
        if isinstance(value, (list, tuple)) and "maxItems" in b and len(value) > b["maxItems"]:
            raise _Limit(path, "maxItems", b["maxItems"])
        if isinstance(value, dict) and "maxProperties" in b and len(value) > b["maxProperties"]:
            raise _Limit(path, "maxProperties", b["maxProperties"])
        if (isinstance(value, (int, float)) and not isinstance(value, bool) and "maximum" in b
                and value > b["maximum"]):
            raise _Limit(path, "maximum", b["maximum"])
    if isinstance(value, dict):
        properties: dict[str, Any] = {}
        for b in branches:
            for name, sub in (b.get("properties") or {}).items():
                properties.setdefault(name, sub)
        if not properties:
            return value if _free(branches, "object") else {}
        return {k: _prune(root, properties[k], v, (*path, k)) if k in properties else None
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        items = next((b["items"] for b in branches if isinstance(b.get("items"), dict)), None)
        if items is None:
            return list(value) if _free(branches, "array") else []
        return [_prune(root, items, v, (*path, i)) for i, v in enumerate(value)]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _LARGE:
        return _LARGE + 1 if value > 0 else -_LARGE - 1  # the same kind of number; a 5,000-digit one has no repr
    return value


_LARGE = 10**15  # beyond every maximum in the contracts


def _free(branches: list[Mapping[str, Any]], kind: str) -> bool:
    """Whether the schema says nothing about a value of this JSON type here (so it may be anything):
    no type, enum or const that rules it out. Where the schema wants another type, the value's
    contents do not matter: it is wrong as a whole."""
    for b in branches:
        if "enum" in b or "const" in b:
            return False
        declared = b.get("type")
        if declared is not None:
            kinds = set(declared) if isinstance(declared, list) else {declared}
            if kind not in kinds:
                return False
    return True


def pruned(name: str, document: Any) -> tuple[Any, tuple[str, str] | None]:
    """The document cut down to what the published schema ``name`` describes, and the first limit
    it breaks ((path, message), or None)."""
    root = self_contained(name)
    try:
        return _prune(root, root, document, ()), None
    except _Limit as exc:
        return None, (json_path(exc.path), _limit_message(exc.keyword, exc.limit))


# --------------------------------------------------------------------------- wording

_TYPE_NAMES = {"string": "tekst", "object": "objekt", "array": "liste", "boolean": "true/false",
               "integer": "heltall", "number": "tall", "null": "null"}


def _pattern_message(path: list[Any]) -> str:
    field_name = str(path[-1]) if path else ""
    if field_name.endswith("dato") or field_name in ("start", "slutt", "sendt", "tidspunkt"):
        return "har feil format; forventet dato/tid etter ISO 8601 (f.eks. 2025-06-02 eller 2025-06-02T10:00)"
    if json_path(path) in ("$.melding.pasient.id", "$.pasient.id"):
        return "må ha nøyaktig 11 sifre"
    return "har feil format"


def describe_error(error: jsonschema.ValidationError) -> tuple[str, str]:
    """A Norwegian message for one schema error that never repeats the offending value."""
    path = list(error.absolute_path)
    v = error.validator
    schema: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}
    if v == "additionalProperties":
        allowed = set(schema.get("properties", {}))
        instance = error.instance if isinstance(error.instance, Mapping) else {}
        extra = sorted(str(k) for k in instance if k not in allowed)
        where = json_path([*path, extra[0]] if extra else path)
        return where, "ukjent felt; tillatte felt er: " + ", ".join(sorted(allowed))
    if v == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        name = missing[0] if missing else "?"
        return json_path([*path, name]), "mangler (påkrevd felt)"
    if v == "enum":
        allowed_values = ", ".join(map(str, _listed(error.validator_value)))
        return json_path(path), "ukjent verdi; tillatte verdier er: " + allowed_values
    if v == "type":
        types = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        return json_path(path), "må være " + " eller ".join(_TYPE_NAMES.get(str(t), str(t)) for t in types)
    if v == "pattern":
        return json_path(path), _pattern_message(path)
    if v in _LIMIT_KEYWORDS or v in ("minItems", "minLength", "uniqueItems", "minimum"):
        return json_path(path), _limit_message(str(v), error.validator_value)
    return json_path(path), f"er ugyldig ({v})"


def _limit_message(keyword: str, limit: Any) -> str:
    return {
        "maxItems": f"kan ha høyst {limit} elementer",
        "maxLength": f"kan være høyst {limit} tegn langt",
        "maxProperties": f"kan ha høyst {limit} felt",
        "maximum": f"kan være høyst {limit}",
        "exclusiveMaximum": f"må være mindre enn {limit}",
        "minimum": f"kan ikke være mindre enn {limit}",
        "minItems": "kan ikke være tom",
        "minLength": "kan ikke være tom tekst",
        "uniqueItems": "inneholder samme verdi flere ganger",
    }.get(keyword, f"er ugyldig ({keyword})")


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _schema_at(name: str, schema_path: Iterable[Any]) -> Any:
    node: Any = self_contained(name)
    for part in schema_path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return {}
    return node


_KIND_KEYWORD = {"MaxItems": "maxItems", "MaxLength": "maxLength", "MaxProperties": "maxProperties",
                 "Maximum": "maximum", "ExclusiveMaximum": "exclusiveMaximum", "Minimum": "minimum",
                 "MinItems": "minItems", "MinLength": "minLength", "UniqueItems": "uniqueItems"}


def describe_compiled(error: Any, name: str) -> tuple[str, str]:
    """A Norwegian message for one error of the compiled validator, the same words as ``describe_error``."""
    path = list(error.instance_path)
    kind = type(error.kind).__name__
    details: dict[str, Any] = error.kind.as_dict() if hasattr(error.kind, "as_dict") else {}
    if kind == "AdditionalProperties":
        holder = _schema_at(name, list(error.schema_path)[:-1])
        allowed = sorted(holder.get("properties", {})) if isinstance(holder, dict) else []
        extra = sorted(str(k) for k in details.get("unexpected", []))
        return json_path([*path, extra[0]] if extra else path), "ukjent felt; tillatte felt er: " + ", ".join(allowed)
    if kind == "Required":
        return json_path([*path, details.get("property", "?")]), "mangler (påkrevd felt)"
    if kind == "Enum":
        return json_path(path), "ukjent verdi; tillatte verdier er: " + ", ".join(map(str, details.get("options", [])))
    if kind == "Constant":
        return json_path(path), "har feil verdi"
    if kind == "Type":
        types = _listed(details.get("types", []))
        return json_path(path), "må være " + " eller ".join(_TYPE_NAMES.get(str(t), str(t)) for t in types)
    if kind == "Pattern":
        return json_path(path), _pattern_message(path)
    if kind in _KIND_KEYWORD:
        return json_path(path), _limit_message(_KIND_KEYWORD[kind], details.get("limit"))
    if kind in ("OneOfNotValid", "AnyOf", "OneOfMultipleValid"):
        return json_path(path), "har ingen av de tillatte formene"
    return json_path(path), f"er ugyldig ({kind})"


# --------------------------------------------------------------------------- the first problem

def _first_compiled(validator: Any, document: Any) -> Any | None:
    """The compiled validator's first error (it stops there), or None. Raises ValueError where
    the compiled validator cannot read the document (too deep for it, a key it cannot encode)."""
    try:
        validator.validate(document)
    except jsonschema_rs.ValidationError as error:
        return error
    return None


def _unreadable(document: Any) -> tuple[str, str, Any]:
    """Why the compiled validator could not read a document: nesting, or a text it cannot encode."""
    found = shape_problem(document, budget=DETAIL_BUDGET) or text_problem(document)
    if found is None or not found[1]:
        found = ("$", f"kan ikke leses: nøstet for dypt (høyst {MAX_DEPTH} nivåer) eller med ugyldig Unicode")
    return found[0], found[1], None


def first_problem(name: str, document: Any, *, prefer_deep: bool = False) -> tuple[str, str, Any] | None:
    """(path, message, error) for the problem to report in a document the published schema ``name``
    refuses, or None when it is valid. ``error`` is the Python validator's error when it worded
    the message (its ``validator`` keyword), else None. Bounded work whatever the document holds.

    ``prefer_deep``: rank an error inside the document above one about the document as a whole
    (the event schema's "these fields do not belong to this kind of event").
    """
    try:
        if fast_validator(name).is_valid(document):
            return None
    except ValueError:  # too deep for the compiled validator, or a key it cannot encode
        return _unreadable(document)
    small, limit = pruned(name, document)
    if limit is not None:
        return limit[0], limit[1], None
    errors = list(itertools.islice(detailed_validator(name).iter_errors(small), DETAIL_ERRORS))
    if prefer_deep:
        errors = [e for e in errors if e.absolute_path] or errors
    errors.sort(key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    from jsonschema.exceptions import best_match  # loaded with detailed_validator

    best = best_match(errors)
    if best is not None:
        path, message = describe_error(best)
        return path, message, best
    # the two validators disagree: the compiled validator's own first error, on the pruned copy
    try:
        error = _first_compiled(fast_validator(name), small)
    except ValueError:
        error = None
    if error is None:
        return "$", "er ugyldig", None
    path, message = describe_compiled(error, name)
    return path, message, None


__all__ = [
    "DETAIL_BUDGET",
    "MAX_DEPTH",
    "describe_compiled",
    "describe_error",
    "first_problem",
    "json_path",
    "path_key",
    "pruned",
    "shape_problem",
    "text_problem",
]
