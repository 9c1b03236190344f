"""Showing decisions in bokmål: filled templates, the facts a rule used, and the text report.

Templates are compiled with the pack (``engine.lang.templates``); here their
slots are filled by plain substitution. The patient's number is never shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from ..contract.bokmal import label, norsk_dato, show
from ..contract.decision import Decision, Finding
from ..contract.identifiers import mask_in_text
from ..lang.templates import HIDDEN_FACTS
from ..lang.tree import Template


def render_template(template: Template, facts: Mapping[str, Any], due: Mapping[str, Any] | None = None) -> str:
    """Fill a compiled template. Unknown values show as '(ukjent)'."""
    out: list[str] = []
    for part in template:
        if isinstance(part, str):
            out.append(part)
            continue
        kind, name = part
        if kind == "due":
            value = (due or {}).get(name)
            if isinstance(value, dt.datetime):
                out.append(f"{norsk_dato(value.date(), weekday=True)} kl. {value:%H:%M}")
            else:
                out.append(norsk_dato(value, weekday=True) if value is not None else "(ukjent)")
        else:
            value = facts.get(name)
            out.append("(ukjent)" if value is None else show(value, name))
    return "".join(out)


def fact_snapshot(paths: tuple[str, ...], facts: Mapping[str, Any]) -> dict[str, Any]:
    """The facts a rule used, JSON-ready, without the patient's number or whole objects."""
    out: dict[str, Any] = {}
    for path in paths:
        value: Any = facts.get(path)
        if path in HIDDEN_FACTS:
            if path == "melding.pasient.id":
                out[path] = None if value is None else "(oppgitt)"
            continue
        cls = value.__class__
        if cls is str:
            out[path] = mask_in_text(value)
        elif cls is bool or cls is int or value is None:
            out[path] = value
        elif cls is dict:
            out[path] = "(oppgitt)"
        elif isinstance(value, (dt.date, dt.datetime)):
            out[path] = value.isoformat()
        else:
            out[path] = value
    return out


# --------------------------------------------------------------------------- text report

def cite(source: Mapping[str, Any]) -> str:
    """'D81023 v1.01 § 5.1' for numbered sections, 'Helse Vest 2017, Retningsline …, punkt 1' for headings."""
    section = str(source.get("section", ""))
    sep = " § " if section[:1].isdigit() else ", "
    return f"{source.get('document', '')}{sep}{section}"


def decision_text(decision: Decision, title: str | None = None) -> str:
    """A plain bokmål report of a decision."""
    lines: list[str] = []
    if title:
        lines.append(title)
        lines.append("=" * len(title))
    lines.append(f"Avgjørelse: {label('decision', decision.decision).upper()}")
    if decision.packs:
        for p in decision.packs:
            state = {"expired": " (UTLØPT)", "not_yet_valid": " (ikke trådt i kraft)"}.get(p.validity, "")
            lines.append(f"  Retningslinje: {p.document}{state} – {p.title} → {label('decision', p.decision)}")
    else:
        lines.append("  Ingen retningslinje gjelder for denne meldingen.")
    sections: list[tuple[str, tuple[Finding, ...], Callable[[Finding], str]]] = [
        ("Begrunnelse", decision.reasons, lambda f: f.message),
        ("Plikter", decision.obligations, lambda f: f.message),
        ("Råd", decision.advice, lambda f: f.message),
    ]
    for heading, items, text in sections:
        if not items:
            continue
        lines.append(f"{heading}:")
        lines.extend(f"  - {text(f)} [{cite(f.source)}]" for f in items)
    if decision.suggestions:
        lines.append("Gjør heller slik:" if decision.reasons else "Forslag:")
        seen: set[str] = set()
        for s in decision.suggestions:
            if s.message not in seen:
                seen.add(s.message)
                lines.append(f"  - {s.message}")
    if decision.missing:
        lines.append("Mangler opplysninger:")
        for m in decision.missing:
            need = "avgjør utfallet" if m.decisive else "trengs for råd"
            lines.append(f"  - {m.fact} ({need}; regler: {', '.join(m.rules)})")
    lines.extend(f"Merk: {note}" for note in decision.notes)
    return "\n".join(lines)
