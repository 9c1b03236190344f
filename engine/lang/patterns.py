"""Patterns from packs, on a linear-time engine (RE2, through google-re2).

A pack's ``matches`` patterns, its ``match: regex`` vocabularies and the word lists the
compiler turns into one pattern all run here, so no text a message carries can make a
pattern take more than time linear in its length: RE2 has no backtracking, and refuses
what would need it (look-around, back-references) when the pack is compiled.

The dialect is RE2's (https://github.com/google/re2/wiki/Syntax), always case-insensitive,
with one change for Norwegian text: ``\\w`` and ``\\W`` mean letters, digits and ``_`` in any
script (RE2's own are ASCII only, so ``\\w`` would not match «ø»). ``\\b`` and ``\\B`` are
ASCII-only in RE2 and are refused with a suggestion: write ``(?:^|\\W)`` and ``(?:\\W|$)``.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import re2

WORD = r"\p{L}\p{N}_"  # what \w means in a pack's pattern
NOT_WORD_BEFORE = rf"(?:^|[^{WORD}])"  # instead of a look-behind for "not after a letter or digit"
NOT_WORD_AFTER = rf"(?:[^{WORD}]|$)"  # instead of a look-ahead for "not before a letter or digit"


class PatternError(ValueError):
    """A pattern RE2 cannot run; the message (bokmål) says why and what to write instead."""


class Pattern:
    """A compiled pack pattern: ``source`` as the pack wrote it, ``search(text)`` a match or None.

    A pattern made under ``deferred()`` has no ``compiled`` until it is first used: then it is compiled.
    """

    __slots__ = ("_text", "compiled", "search", "source")
    compiled: Any
    search: Callable[[str], Any]

    def __init__(self, source: str, compiled: Any, *, text: str | None = None):
        self.source = source
        self._text = text if text is not None else str(compiled.pattern)
        if compiled is not None:
            self.compiled = compiled
            self.search = compiled.search

    def __getattr__(self, name: str) -> Any:  # only for a slot not yet set: a deferred pattern's first use
        if name not in ("compiled", "search"):
            raise AttributeError(name)
        self.compiled = _compile_raw(self._text)
        self.search = self.compiled.search
        return getattr(self, name)

    @property
    def pattern(self) -> str:
        """The pattern as RE2 runs it."""
        return self._text

    def __repr__(self) -> str:
        return f"Pattern({self.source!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pattern) and other.pattern == self.pattern

    def __hash__(self) -> int:
        return hash(self.pattern)


class PatternSet:
    """Several patterns run in one pass over a text (RE2's set): ``match(text)`` holds the index of every
    pattern that a search would find in it, the same answers as each pattern's ``search``."""

    __slots__ = ("_set", "patterns")

    def __init__(self, patterns: Iterable[Pattern]):
        self.patterns: tuple[Pattern, ...] = tuple(dict.fromkeys(patterns))
        self._set = re2.Set.SearchSet(_options())
        for p in self.patterns:
            self._set.Add(p.pattern)
        self._set.Compile()

    def index(self, pattern: Pattern) -> int:
        return self.patterns.index(pattern)

    def match(self, text: str) -> frozenset[int]:
        return frozenset(self._set.Match(text) or ())

    def __repr__(self) -> str:
        return f"PatternSet({len(self.patterns)} patterns)"


def _options() -> Any:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False  # RE2 would write its own complaint to stderr
    return options


def translate(source: str) -> str:
    """The pattern as RE2 runs it: ``\\w``/``\\W`` for letters in any script. Raises PatternError."""
    out: list[str] = []
    i, n = 0, len(source)
    in_class = False
    while i < n:
        ch = source[i]
        if ch == "\\" and i + 1 < n:
            nxt = source[i + 1]
            if nxt == "w":
                out.append(WORD if in_class else f"[{WORD}]")
            elif nxt == "W":
                if in_class:
                    raise PatternError(f"\\W inne i [...] (tegn {i + 1}) kan ikke skrives i RE2; bruk [^...] "
                                       "med de tegnene som skal gjelde")
                out.append(f"[^{WORD}]")
            elif nxt in "bB":
                raise PatternError(f"\\{nxt} (tegn {i + 1}) gjelder bare engelske bokstaver i RE2; skriv "
                                   "(?:^|\\W) foran og (?:\\W|$) bak ordet i stedet")
            else:
                out.append(source[i:i + 2])
            i += 2
            continue
        if in_class:
            if ch == "[" and source.startswith("[:", i):  # a POSIX class such as [:alpha:]
                end = source.find(":]", i + 2)
                if end != -1:
                    out.append(source[i:end + 2])
                    i = end + 2
                    continue
            if ch == "]":
                in_class = False
        elif ch == "[":
            in_class = True
            out.append(ch)
            i += 1
            if i < n and source[i] == "^":
                out.append("^")
                i += 1
            if i < n and source[i] == "]":  # a ] first in a class is a literal
                out.append("\\]")
                i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def compile_pattern(source: str) -> Pattern:
    """A pack pattern compiled on RE2. Raises PatternError with a bokmål reason."""
    text = translate(source)
    try:
        return Pattern(source, re2.compile(text, _options()))
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        hint = ""
        if "(?<" in reason or "(?=" in reason or "(?!" in reason or "perl operator" in reason:
            hint = "; RE2 kan ikke se fram eller tilbake (look-around): skriv (?:^|\\W) eller (?:\\W|$) i stedet"
        elif "backreference" in reason or "escape sequence" in reason:
            hint = "; RE2 kan ikke vise tilbake til en gruppe (back-reference)"
        raise PatternError(f"mønsteret kan ikke kjøres i lineær tid (RE2): {reason}{hint}") from None


def words_pattern(alternatives: list[str], *, end: bool = True) -> Pattern:
    """One pattern for literal words or phrases (already escaped), each starting a word and, with ``end``,
    ending one: what the vocabulary modes word, exact and prefix need."""
    body = NOT_WORD_BEFORE + "(?:" + "|".join(alternatives) + ")" + (NOT_WORD_AFTER if end else "")
    return compile_pattern_raw(body)


_DEFERRED: contextvars.ContextVar[bool] = contextvars.ContextVar("deferred_patterns", default=False)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Within it, the patterns the compiler builds itself (word lists, vocabularies) are compiled when first
    used, not when made: for commands that list packs and match no text, as RE2 takes half a pack's compile
    time on them. Patterns a pack writes (``matches``, ``match: regex`` terms) are still compiled at once,
    since that is where their problems are found."""
    token = _DEFERRED.set(True)
    try:
        yield
    finally:
        _DEFERRED.reset(token)


def compile_pattern_raw(text: str) -> Pattern:
    """A pattern the compiler built itself, already in RE2's dialect (no translation)."""
    if _DEFERRED.get():
        return Pattern(text, None, text=text)
    return Pattern(text, _compile_raw(text))


def _compile_raw(text: str) -> Any:
    try:
        return re2.compile(text, _options())
    except re2.error as exc:  # pragma: no cover - the compiler's own patterns are well-formed
        raise PatternError(f"mønsteret kan ikke kjøres i lineær tid (RE2): {exc}") from None


def escape(text: str) -> str:
    """A literal text as a pattern."""
    return str(re2.escape(text))


def phrase(text: str) -> str:
    """A literal word or phrase as a pattern, any run of spaces (also no-break spaces) between its words."""
    return r"(?:\s|\p{Z})+".join(escape(word) for word in text.split())


NEVER = compile_pattern_raw(r"[^\x00-\x{10FFFF}]")  # matches nothing: a vocabulary left without terms
