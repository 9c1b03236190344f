"""What the checks of ``dialogvakt validate`` share: the list of check ids, where a finding points, and
the canonical form of a condition that tells when two rules say the same.

Every check id, with its severity and a bokmål description, is listed in ``schemas/lint-checks.yaml``.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterator, Mapping
from typing import Any

from ..contract.facts import FactInfo, catalogue
from ..contract.schemas import data_file
from ..lang.loader import Location, PackProblem, Pointer
from ..lang.patterns import Pattern
from ..lang.templates import PLACEHOLDER
from ..lang.tree import (
    All,
    AnyOf,
    Compare,
    CompiledPack,
    Condition,
    ConversationRule,
    FactRef,
    Not,
    Quantified,
    Rule,
    element_fact,
)


def checks() -> dict[str, dict[str, Any]]:
    """Every check id with its severity, title and description (bokmål)."""
    table: dict[str, dict[str, Any]] = data_file("lint-checks.yaml")
    return table


def sort_key(problem: PackProblem) -> tuple[str, int, int]:
    loc = problem.location
    return (loc.file, loc.line, loc.column) if loc else ("", 0, 0)


def rule_index(pack: CompiledPack, key: str = "rules") -> dict[str, int]:
    """Rule id -> index in the pack's list ``key`` of rules (the first, when an id is repeated)."""
    out: dict[str, int] = {}
    for i, raw in enumerate((pack.source.data.get(key) if pack.source else None) or []):
        out.setdefault(raw["id"], i)
    return out


def where(pack: CompiledPack, pointer: Pointer) -> Location | None:
    return pack.source.where(pointer) if pack.source else None


def problem(pack: CompiledPack, pointer: Pointer, code: str, message: str, rule: str | None) -> PackProblem:
    return PackProblem(where(pack, pointer), message, checks()[code]["severity"], code, rule)


def canonical(node: Condition, rename: Callable[[str], str] | None = None) -> str:
    """A text form of a condition that is the same for conditions differing only in order in all/any.

    ``rename`` maps every fact path first (a conversation rule's event names to their places)."""
    if isinstance(node, Compare):
        fact = rename(node.fact) if rename else node.fact
        operand = (FactRef(rename(node.operand.path), node.operand.shift)
                   if rename and isinstance(node.operand, FactRef) else node.operand)
        return f"({fact} {node.op} {_canonical_operand(operand)})"
    if isinstance(node, Not):
        return f"not{canonical(node.child, rename)}"
    if isinstance(node, Quantified):
        inner = canonical(node.condition, lambda p: p if element_fact(p) or rename is None else rename(p))
        path = rename(node.list_path) if rename else node.list_path
        return f"{node.kind}({path}){inner}"
    parts = sorted(set(_flat_parts(node, All if isinstance(node, All) else AnyOf, rename)))
    if len(parts) == 1:
        return parts[0]
    return f"{'all' if isinstance(node, All) else 'any'}[{', '.join(parts)}]"


def _flat_parts(node: All | AnyOf, kind: type[All | AnyOf], rename: Callable[[str], str] | None = None) -> list[str]:
    """The canonical forms of a node's children, with all inside all (any inside any) taken as one level."""
    out: list[str] = []
    for child in node.children:
        if isinstance(child, kind):
            out.extend(_flat_parts(child, kind, rename))
        else:
            out.append(canonical(child, rename))
    return out


def _canonical_operand(operand: Any) -> str:
    if isinstance(operand, frozenset):
        return "{" + ",".join(sorted(repr(x) for x in operand)) + "}"
    if isinstance(operand, Pattern):
        return f"re/{operand.pattern}/"
    if isinstance(operand, FactRef):
        return f"fact:{operand.path}" + (f"+{operand.shift[1]}{operand.shift[0]}" if operand.shift else "")
    return repr(operand)


_GENERIC_WORDS = frozenset(("har", "er", "antall", "dato", "id", "type", "navn", "i", "pa", "under", "siden"))


def _stem_words(path: str) -> set[str]:
    return set(path.rsplit(".", 1)[-1].split("_")) - _GENERIC_WORDS


def related(a: str, b: str, cat: Mapping[str, FactInfo] | None = None) -> bool:
    """Facts about the same thing: one derived from the other, or siblings sharing a stem word
    (melding.format / melding.format_ren_tekst, melding.har_vedlegg / melding.antall_vedlegg).
    ``cat``: where the paths are looked up (default: the input contract's catalogue)."""
    cat = catalogue() if cat is None else cat
    if a in cat.get(b, FactInfo(b, "")).sources or b in cat.get(a, FactInfo(a, "")).sources:
        return True
    if set(cat.get(a, FactInfo(a, "")).sources) & set(cat.get(b, FactInfo(b, "")).sources):
        return True
    return a.rsplit(".", 1)[0] == b.rsplit(".", 1)[0] and bool(_stem_words(a) & _stem_words(b))


def shown_facts(rule: Rule | ConversationRule, cat: Container[str]) -> Iterator[tuple[Pointer, str]]:
    """(pointer, fact) for each fact of ``cat`` that a rule's message or one of its suggestions shows,
    once per text; parameters, vocabularies and deadlines are left out."""
    texts: list[tuple[Pointer, str]] = [(("message",), rule.message)]
    texts += [(("suggestions", i, "message"), s.message) for i, s in enumerate(rule.suggestions)]
    for pointer, text in texts:
        for name in dict.fromkeys(PLACEHOLDER.findall(text)):
            if not name.startswith(("param.", "vocabulary.", "due.")) and name in cat:
                yield pointer, name
