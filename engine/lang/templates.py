"""Message templates: ``{fact.path}``, ``{param.name}``, ``{vocabulary.name}`` and ``{due.name}``.

A template is split once, when the pack is compiled: parameters and
vocabularies become literal text, facts and deadlines stay slots that the
engine fills by plain substitution. Nothing in a template is evaluated, and
the patient's number is never shown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..contract.bokmal import show
from .tree import Template, TemplatePart

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")
HIDDEN_FACTS = frozenset(("melding.pasient", "melding.pasient.id", "melding", "melding.mottakere"))


def compile_template(text: str, params: Mapping[str, Any], vocabularies: Mapping[str, tuple[str, ...]]) -> Template:
    """Split a template once: parameters and vocabularies become literal text, facts and deadlines stay slots."""
    parts: list[TemplatePart] = []
    pos = 0

    def literal(piece: str) -> None:
        if parts and isinstance(parts[-1], str):
            parts[-1] += piece
        elif piece:
            parts.append(piece)

    for match in PLACEHOLDER.finditer(text):
        literal(text[pos:match.start()])
        name = match.group(1)
        if name.startswith("param."):
            literal(show(params[name[6:]]))
        elif name.startswith("vocabulary."):
            literal(", ".join(vocabularies[name[11:]]))
        elif name.startswith("due."):
            parts.append(("due", name[4:]))
        elif name in HIDDEN_FACTS:
            literal("(skjult)")
        else:
            parts.append(("fact", name))
        pos = match.end()
    literal(text[pos:])
    return tuple(parts)
