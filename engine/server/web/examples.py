"""The bundled example requests the page /prov offers, found as the packs are found.

In an installed wheel they are package data (``engine/server/web/examples``, built from the
repository's ``examples/``); in a checkout they are read from ``examples/`` itself. JSON
examples are requests in the input contract; XML examples are Dialogmelding messages with the
context they are sent with beside them (``NAME.kontekst.json``).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

from ...contract.bokmal import label


@dataclass(frozen=True)
class Example:
    name: str
    kind: str  # json | xml
    title: str
    text: str  # the request, or the XML message
    context: str = ""  # for XML: what the message does not carry, as JSON


def examples_dir() -> Path | None:
    here = Path(__file__).resolve().parent
    for folder in (here / "examples", here.parents[2] / "examples"):
        if any(folder.glob("*.json")):
            return folder
    return None


def _title(name: str, request: object) -> str:
    melding = request.get("melding", {}) if isinstance(request, dict) else {}
    if not isinstance(melding, dict):
        return name
    parts = [label("melding.type", str(melding.get("type", ""))) or "melding"]
    sender = (melding.get("avsender") or {}).get("kategori")
    receivers = melding.get("mottakere") or [{}]
    receiver = receivers[0].get("kategori") if isinstance(receivers[0], dict) else None
    if sender:
        parts.append(f"fra {label('kategori', str(sender))}")
    if receiver:
        parts.append(f"til {label('kategori', str(receiver))}")
    if melding.get("formal"):
        parts.append(f"({label('melding.formal', str(melding['formal']))})")
    return f"{name}: " + " ".join(parts)


@functools.cache
def bundled_examples() -> tuple[Example, ...]:
    folder = examples_dir()
    if folder is None:
        return ()
    out: list[Example] = []
    for path in sorted(folder.glob("*.json")):
        text = path.read_text(encoding="utf-8")
        out.append(Example(path.stem, "json", _title(path.stem, json.loads(text)), text))
    for path in sorted((folder / "xml").glob("*.xml")):
        twin = path.with_suffix(".json")
        context = path.with_name(path.stem + ".kontekst.json")
        title = _title(path.stem, json.loads(twin.read_text(encoding="utf-8"))) if twin.exists() else path.stem
        out.append(Example(path.stem, "xml", f"XML {title}", path.read_text(encoding="utf-8"),
                           context.read_text(encoding="utf-8") if context.exists() else ""))
    return tuple(out)


def find_example(name: str) -> Example | None:
    return next((e for e in bundled_examples() if e.name == name), None)


__all__ = ["Example", "bundled_examples", "examples_dir", "find_example"]
