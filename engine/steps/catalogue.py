"""The whole step library: every step module, and the catalogue staff read (``dialogvakt steg``).

Each module registers its steps when imported: ``core`` (messages, context, decisions),
``conversation`` (threads over time, for the monitor), ``fastlege`` and ``kommune``.
"""

from __future__ import annotations

from . import conversation, fastlege, kommune
from .core import KIND_TITLE, STEPS, Step

_MODULES = (conversation, fastlege, kommune)  # imported for the steps they register


def all_steps() -> list[Step]:
    """Every registered step."""
    return list(STEPS)


def catalogue_markdown() -> str:
    """The step catalogue in bokmål (features/README.md holds the same text)."""
    steps = all_steps()

    out = ["# Stegbibliotek for akseptansetester", "",
           "Scenarioer skrives på norsk (`# language: no`) med nøkkelordene Egenskap, Bakgrunn, Scenario,",
           "Scenariomal, Eksempler, Gitt, Når, Så, Og og Men. Disse stegene finnes; ord i anførselstegn",
           "kan byttes ut. «at» etter Gitt/Og er valgfritt. Aktører (parter) står i `features/aktorer.yaml`.",
           "", "Generert med `dialogvakt steg`.", ""]
    for kind in ("gitt", "når", "så"):
        out += [f"## {KIND_TITLE[kind]}", ""]
        for st in (x for x in steps if x.kind == kind):
            example = st.example.replace("\n", "<br>")
            out.append(f"- `{example}`  ")
            out.append(f"  {st.doc}")
        out.append("")
    return "\n".join(out)
