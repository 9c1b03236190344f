"""Quotes against the guideline's own text: a rule's ``quote`` must be words the document says.

A pack names its text file (``document.file``); given the folder where such texts are
(``dialogvakt validate --texts DIR``), every ``source.quote`` of a rule, a conversation
rule, a not-checkable entry, a parameter or a vocabulary is looked up in it. The comparison is
tolerant of what does not change the words: case, white space and line breaks, words
hyphenated across a line, hyphens and dashes, typographic quotes, and the markup of the
published text (``*kursiv*``, ``**fet**``, ``[lenker](#)``, bullets). A quote may leave
out words with ``...`` or ``…``, or join passages with `` / ``: each part must be in the
text, in order.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..lang.loader import PackProblem
from ..lang.tree import CompiledPack
from .checks import problem

_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_HYPHENATED = re.compile(r"(\w)[-\u00ad]\s*\n\s*(\w)")
_DASHES = str.maketrans({"–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-", "«": '"', "»": '"', "“": '"',
                         "”": '"', "„": '"', "’": "'", "‘": "'", "•": " ", "\u00ad": "", "\u00a0": " "})
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|…)\s*|\s+/\s+")


def normalised(text: str) -> str:
    """Text as quotes are compared: the same words, whatever their layout, case and markup."""
    text = unicodedata.normalize("NFC", text)
    text = _HYPHENATED.sub(r"\1\2", text)
    text = _LINK.sub(r"\1", text).translate(_DASHES)
    # markup, and hyphens and dashes: «3–5» reads as «3-5», «sykepleie-tjenester» as one word
    text = re.sub(r"[*_#`-]+", "", text)
    return " ".join(text.casefold().split())


def _parts(quote: str) -> list[str]:
    return [p for p in (normalised(part).strip(" .,;:") for part in _ELLIPSIS.split(quote)) if p]


def quoted_in(quote: str, text: str) -> bool:
    """Whether every part of the quote is in the (normalised) text, in order."""
    at = 0
    for part in _parts(quote):
        found = text.find(part, at)
        if found < 0:
            return False
        at = found + len(part)
    return True


def _quotes(pack: CompiledPack) -> Iterator[tuple[tuple[str | int, ...], str, str | None]]:
    """(pointer to the quote, the quote, the rule id) for every quote of the pack."""
    data: dict[str, Any] = pack.source.data if pack.source else {}
    for key in ("rules", "conversation_rules", "not_checkable"):
        for i, item in enumerate(data.get(key) or ()):
            quote = (item.get("source") or {}).get("quote")
            if isinstance(quote, str):
                yield (key, i, "source", "quote"), quote, item.get("id")
    for key in ("parameters", "vocabularies"):
        for name, spec in (data.get(key) or {}).items():
            quote = (spec.get("source") or {}).get("quote")
            if isinstance(quote, str):
                yield (key, name, "source", "quote"), quote, None


def text_file(pack: CompiledPack, texts: Path) -> Path | None:
    """The guideline's text for a pack in the folder of texts, or None when it names none or it is not there."""
    name = pack.document.get("file")
    if not isinstance(name, str):
        return None
    path = texts / name
    return path if path.is_file() else None


def quote_problems(pack: CompiledPack, texts: Path) -> list[PackProblem]:
    """A problem for every quote that is not in the guideline's text (none when the text is not there)."""
    path = text_file(pack, texts)
    if path is None:
        return []
    text = normalised(path.read_text(encoding="utf-8"))
    return [problem(pack, pointer, "sitat-finnes-ikke",
                    f"sitatet står ikke i retningslinjens tekst ({path.name}): «{' '.join(quote.split())[:120]}»; "
                    "skriv ordene slik de står (utelatte ord som ...)", rule)
            for pointer, quote, rule in _quotes(pack) if not quoted_in(quote, text)]
