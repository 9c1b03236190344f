"""Traceability: every section of a guideline -> the rules that encode it, or why none can.

``dialogvakt trace`` prints it; ``docs/traceability.md`` is generated from it
(``dialogvakt trace --format markdown``) and a test keeps the file in step.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..lang.compiler import section_heading
from ..lang.tree import CompiledPack

STATUS = {"not_machine_checkable": "ikke maskinelt kontrollerbar", "informational": "opplysning, ikke krav",
          "monitor": "kontrolleres over samtalen"}


SectionKey = tuple[tuple[int, int, str], ...]  # numbers by value, words by text


def _section_key(section: str) -> SectionKey:
    parts = re.split(r"[.\s]+", section)
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


def trace_rows(pack: CompiledPack) -> list[dict[str, Any]]:
    """One row per cited passage: section, quote, rules with effects, or the reason it has no rule."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for rule in pack.rules:
        key = (rule.source["section"], rule.source.get("quote", ""))
        row = rows.setdefault(key, {"section": key[0], "quote": key[1], "rules": [], "status": "rule", "reason": ""})
        row["rules"].append({"rule": rule.id, "effect": rule.effect, "title": rule.title})
    for raw in pack.conversation_rules:  # as written: the pack's text, not the compiled rules
        src = raw.get("source", {})
        key = (str(src.get("section", "?")), src.get("quote", ""))
        row = rows.setdefault(key, {"section": key[0], "quote": key[1], "rules": [], "status": "rule", "reason": ""})
        effect = "monitor:" + str(raw.get("finding", raw.get("effect", "")))
        row["rules"].append({"rule": raw.get("id", "?"), "effect": effect, "title": raw.get("title", "")})
    for entry in pack.not_checkable:
        src = entry["source"]
        key = (src["section"], src.get("quote", ""))
        row = rows.setdefault(key, {"section": key[0], "quote": key[1], "rules": [], "status": "", "reason": ""})
        kind = entry.get("kind", "not_machine_checkable")
        row["status"] = STATUS[kind]  # the rules column already names any rules for the same sentence
        row["reason"] = entry["reason"].strip()
    return sorted(rows.values(), key=lambda r: _document_order(pack, r["section"]))


def _document_order(pack: CompiledPack, section: str) -> tuple[int, SectionKey]:
    """Sections the pack lists come in document order (then by item number); others by their number."""
    index = section_heading(section, pack.sections) if pack.sections else None
    if index is None:
        return (len(pack.sections), _section_key(section))
    rest = section[len(pack.sections[index]):].strip(" ,.")
    return (index, _section_key(rest) if rest else ())


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def trace_markdown(packs: Iterable[CompiledPack]) -> str:
    out = ["# Sporbarhet: retningslinjer → regler", "",
           "Generert med `dialogvakt trace --format markdown`. Ikke rediger for hånd; en test feiler",
           "når en pakke endres uten at denne filen oppdateres (`make docs`).", ""]
    for pack in packs:
        valid_to = pack.valid_to.isoformat() if pack.valid_to else "inntil videre"
        out += [f"## {pack.citation} — {pack.title}", "",
                f"Pakke `{pack.id}`, kildefil `{pack.document.get('file', '')}`, gyldig "
                f"{pack.valid_from.isoformat()} – {valid_to}."
                + (f" Datoene er en lokal tolkning: {_cell(pack.validity_local)}" if pack.validity_local else ""), "",
                "| § | Tekst i retningslinjen | Regler (effekt) | Merknad |", "|---|---|---|---|"]
        for row in trace_rows(pack):
            rules = "<br>".join(f"`{r['rule']}` ({r['effect']})" for r in row["rules"]) or "—"
            note = row["status"] if not row["reason"] else f"{row['status']}: {row['reason']}"
            shown = note if row["status"] != "rule" else ""
            out.append(f"| {_cell(row['section'])} | {_cell(row['quote'])} | {rules} | {_cell(shown)} |")
        params = [p for p in pack.parameters.values() if p.local_interpretation]
        if params:
            out += ["", "Lokale tolkninger (parametre retningslinjen ikke tallfester):", ""]
            out += [f"- `{p.name}` = {p.value!r}: {_cell(p.description)}" for p in params]
        vocabs = [v for v in pack.vocabularies.values() if v.local_interpretation]
        if vocabs:
            out += ["", "Lokale tolkninger (ordlister):", ""]
            out += [f"- `{v.name}`: {_cell(v.description)}" for v in vocabs]
        out.append("")
    return "\n".join(out)
