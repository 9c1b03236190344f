"""The whole step library: every step module, and the catalogue staff read (``dialogvakt steg``).

Each module registers its steps when imported: ``core`` (messages, context, decisions),
``conversation`` (threads over time, for the monitor), ``fastlege`` and ``kommune``.
"""

from __future__ import annotations

from ..contract.schemas import labels
from ..eval.engine import Engine
from . import conversation, fastlege, kommune
from .core import KIND_TITLE, STEPS, Step

_MODULES = (conversation, fastlege, kommune)  # imported for the steps they register


def all_steps() -> list[Step]:
    """Every registered step."""
    return list(STEPS)


def message_words() -> dict[str, list[str]]:
    """The words «sender en/et …» accepts, per message type of the input contract."""
    lab = labels()
    words: dict[str, list[str]] = {}
    for value, shown in (lab.get("melding.type") or {}).items():
        words.setdefault(value, []).append(str(shown))
    for alias, value in (lab["aliases"].get("melding.type") or {}).items():
        if alias not in words.setdefault(value, []):
            words[value].append(alias)
    return words


def catalogue_markdown(engine: Engine | None = None) -> str:
    """The step catalogue in bokmål (features/README.md holds the same text): the steps, the words for
    message types, and the rule ids of each pack (``engine``: the bundled packs by default)."""
    steps = all_steps()
    engine = engine or Engine.from_directory()

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
    out += ["## Meldingstyper", "",
            "Ordene «sender en/et …» forstår, og meldingstypen de gir (store og små bokstaver teller ikke):", ""]
    for value, words in message_words().items():
        out.append(f"- `{value}`: " + ", ".join(f"«{w}»" for w in words))
    out += ["", "## Regler per retningslinje", "",
            "Regel-id-ene stegene «regelen \"…\" slår til» og «slår ikke til» bruker, med tittelen.", ""]
    for pack in engine.packs.values():
        out += [f"### {pack.id}", "", f"{pack.citation}: {pack.title}", ""]
        out += [f"- `{rule.id}`: {' '.join(rule.title.split())}" for rule in pack.rules]
        if pack.conversation:
            out += ["", "Samtaleregler (for scenarioene i `features/samtaler/`):", ""]
            out += [f"- `{rule.id}`: {' '.join(rule.title.split())}" for rule in pack.conversation]
        out.append("")
    return "\n".join(out)
