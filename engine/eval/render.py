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
from ..contract.schemas import labels
from ..lang.templates import HIDDEN_FACTS
from ..lang.tree import Template


def render_template(template: Template, facts: Mapping[str, Any], due: Mapping[str, Any] | None = None) -> str:
    """Fill a compiled template. Unknown values show as '(ukjent)'."""
    if len(template) == 1 and template[0].__class__ is str:  # no slots: the text as compiled
        return template[0]
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


Renderer = Callable[[Mapping[str, Any], "Mapping[str, Any] | None"], str]


def compile_renderer(template: Template) -> Renderer:
    """``render_template`` for one template, with the work that does not depend on the message done now:
    a template without slots is its text, and each fact slot has its table of bokmål words looked up."""
    if not template or (len(template) == 1 and template[0].__class__ is str):
        text = str(template[0]) if template else ""

        def literal(facts: Mapping[str, Any], due: Mapping[str, Any] | None = None) -> str:
            return text
        return literal
    parts: list[tuple[int, str, Any]] = []  # (0 text | 1 fact | 2 due, text or name, word table)
    for part in template:
        if isinstance(part, str):
            parts.append((0, part, None))
        elif part[0] == "due":
            parts.append((2, part[1], None))
        else:
            name = part[1]
            table = labels().get(name) or labels().get(name.rsplit(".", 1)[-1])
            parts.append((1, name, table if isinstance(table, dict) else None))
    plan = tuple(parts)

    def render(facts: Mapping[str, Any], due: Mapping[str, Any] | None = None) -> str:
        out: list[str] = []
        get = facts.get
        for kind, text, table in plan:
            if kind == 0:
                out.append(text)
            elif kind == 1:
                value = get(text)
                if value is None:
                    out.append("(ukjent)")
                elif value.__class__ is str:
                    word = table.get(value) if table is not None else None
                    out.append(str(word) if word is not None else mask_in_text(value))
                else:
                    out.append(show(value, text))
            else:
                out.append(_due_text((due or {}).get(text)))
        return "".join(out)
    return render


def _due_text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return f"{norsk_dato(value.date(), weekday=True)} kl. {value:%H:%M}"
    return norsk_dato(value, weekday=True) if value is not None else "(ukjent)"


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
        elif cls is list or cls is tuple:
            out[path] = [_shown_item(v) for v in value]
        else:
            out[path] = value
    return out


def _shown_item(value: Any) -> Any:
    """An item of a list fact as a snapshot shows it: every text in it masked."""
    cls = value.__class__
    if cls is str:
        return mask_in_text(value)
    if cls is dict:
        return {k: _shown_item(v) for k, v in value.items()}
    if cls is list or cls is tuple:
        return [_shown_item(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


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
