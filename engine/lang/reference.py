"""Reference data shared by the packs of a policies folder: ``referansedata.yaml``.

Which hospitals belong to which health trust and region, which municipalities are
in a catchment area: named vocabularies that a pack takes by name
(``vocabularies: {helse_bergen: {reference: helse-bergen-hf}}``), so that two packs
cannot disagree. The file is data, read and checked like a pack (safe YAML, a
published schema, ``file:line:column`` for every problem). A policies folder
without one uses the reference data bundled with the packs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ..contract.schemas import REFERENCE_SCHEMA
from .loader import (
    Location,
    PackError,
    PackProblem,
    Pointer,
    bundled_policies_dir,
    display_path,
    error_pointer,
    read_yaml,
    schema_errors,
    schema_message,
)

REFERENCE_FILE = "referansedata.yaml"


@dataclass(frozen=True)
class ReferenceVocabulary:
    """One named vocabulary of the reference data, its ``include`` resolved into terms."""

    name: str
    terms: tuple[Any, ...]  # as in a pack: a text, or {term, aliases, note}
    description: str
    local_interpretation: bool
    match: str = "exact"


@dataclass(frozen=True)
class Reference:
    path: Path
    vocabularies: dict[str, ReferenceVocabulary] = field(default_factory=dict)
    digest: str = ""  # a hash of the file: a pack that uses it changes revision with it


def reference_path(pack_folder: Path) -> Path | None:
    """The reference data for a pack: its policies folder's own, else the bundled one, else none."""
    for candidate in (Path(pack_folder).parent / REFERENCE_FILE, bundled_policies_dir() / REFERENCE_FILE):
        if candidate.is_file():
            return candidate.resolve()
    return None


def read_reference(path: Path) -> Reference:
    """Read and check a reference file. Raises PackError with the file:line:column of every problem."""
    stat = path.stat()
    return _read(path, stat.st_mtime_ns, stat.st_size)


@cache
def _read(path: Path, mtime: int, size: int) -> Reference:  # the file's stamp keys the cache
    name = display_path(path)
    data, positions = read_yaml(path, name)

    def where(pointer: Pointer) -> Location:
        while pointer not in positions and pointer:
            pointer = pointer[:-1]
        return positions.get(pointer) or Location(name, 1, 1)

    problems = [PackProblem(where(error_pointer(e)), schema_message(e), code="referansedata")
                for e in schema_errors(data, REFERENCE_SCHEMA)]
    if problems:
        raise PackError(problems)
    raw: dict[str, Any] = data["vocabularies"]
    out: dict[str, ReferenceVocabulary] = {}
    for key in raw:
        terms = _terms(key, raw, (), where)
        spec = raw[key]
        out[key] = ReferenceVocabulary(key, terms, " ".join(str(spec.get("description", "")).split()),
                                       bool(spec.get("local_interpretation")), spec.get("match", "exact"))
    return Reference(path, out, hashlib.sha256(path.read_bytes()).hexdigest()[:12])


def _terms(key: str, raw: dict[str, Any], seen: tuple[str, ...], where: Any) -> tuple[Any, ...]:
    if key in seen:
        raise PackError([PackProblem(where(("vocabularies", key)), "include går i ring: "
                                     f"{' → '.join((*seen, key))}", code="referansedata")])
    spec = raw[key]
    if "terms" in spec:
        return tuple(spec["terms"])
    out: list[Any] = []
    for i, other in enumerate(spec["include"]):
        if other not in raw:
            raise PackError([PackProblem(where(("vocabularies", key, "include", i)),
                                         f"include viser til '{other}', som ikke finnes i referansedataene",
                                         code="referansedata")])
        out += _terms(other, raw, (*seen, key), where)
    return tuple(out)
