"""Semantic lint of policy packs: what ``dialogvakt validate`` reports beyond the compiler.

The compiler already refuses what cannot work (unknown facts, values a fact cannot take,
duplicate ids, ...). This module looks at what compiles but is probably not what the
author meant:

- ``slar-aldri-til`` / ``slar-alltid-til``: a rule whose condition is false for every
  possible input (alone or within the pack's scope), or true for every input that has
  the facts it reads. Each fact gets a small abstract domain of values that can make a
  difference to the comparisons on it, and the rule's own three-valued closure is
  evaluated over the product of the domains (for a pattern no value can be found for,
  nothing is said). The search is bounded in evaluations and time; when it gives up,
  ``sok-ga-opp`` says so.
- ``motstridende-regler`` / ``duplikat-regel``: two rules with the same condition
  (canonical form of the compiled condition, order-insensitive in all/any) and
  opposite or equal effects.
- ``mal-utenfor-vilkar``: a message template showing a fact the rule does not read.
- ``seksjon-uten-regel``: a section of the pack's ``sections`` list with no rule,
  conversation rule or not-checkable entry citing it.

The same checks for conversation rules are in ``lint_conversation``; the search for rules that
never or always fire is in ``search``; what the checks share is in ``checks``.

Every check id, with its severity and a bokmål description, is listed in
``schemas/lint-checks.yaml``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..contract.facts import catalogue
from ..lang.compiler import cited_sections, compile_source
from ..lang.loader import PackError, PackProblem, read_pack
from ..lang.tree import All, CompiledPack, Condition, facts_of
from .checks import canonical, problem, related, rule_index, shown_facts, sort_key, where
from .lint_conversation import conversation_problems
from .packtests import pack_test_files, read_test_file
from .quotes import quote_problems
from .search import SearchGaveUp, always_fires, always_fires_within, never_fires

# --------------------------------------------------------------------------- results

@dataclass
class PackReport:
    """The findings for one pack folder."""

    folder: Path
    pack_id: str
    problems: list[PackProblem] = field(default_factory=list)
    pack: CompiledPack | None = None  # None when the pack did not compile

    @property
    def errors(self) -> list[PackProblem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[PackProblem]:
        return [p for p in self.problems if p.severity != "error"]


def lint_pack(folder: Path, texts: Path | None = None) -> PackReport:
    """Read, compile and lint one pack folder; never raises on a bad pack.

    With ``texts``, a folder of the guidelines' texts, every quote is looked up in its pack's text.
    """
    folder = Path(folder)
    report = PackReport(folder, folder.name)
    try:
        source = read_pack(folder)
        report.pack_id = str(source.data.get("id") or folder.name)
        pack = compile_source(source)
    except PackError as exc:
        report.problems = sorted(exc.problems, key=sort_key)
        return report
    report.pack = pack
    found = [*pack.warnings, *semantic_problems(pack), *test_file_problems(pack)]
    if texts is not None:
        found += quote_problems(pack, texts)
    report.problems = sorted(found, key=sort_key)
    return report


def test_file_problems(pack: CompiledPack) -> list[PackProblem]:
    """Problems in the pack's test files (schema, unknown examples, misspelt rule ids),
    as ``dialogvakt test`` finds them."""
    problems: list[PackProblem] = []
    for path in pack_test_files(pack.folder):
        try:
            read_test_file(pack, path)
        except PackError as exc:
            problems.extend(dataclasses.replace(p, code=p.code or "pakketest") for p in exc.problems)
    return problems


def semantic_problems(pack: CompiledPack) -> list[PackProblem]:
    """The findings of the semantic checks on a compiled pack."""
    index = rule_index(pack)
    return [*firing_problems(pack, index), *same_condition_problems(pack, index), *template_problems(pack, index),
            *section_problems(pack), *conversation_problems(pack), *local_problems(pack)]


# --------------------------------------------------------------------------- helpers

# --------------------------------------------------------------------------- never / always fires

def firing_problems(pack: CompiledPack, index: dict[str, int]) -> list[PackProblem]:
    out: list[PackProblem] = []
    for rule in pack.rules:
        ptr = ("rules", index[rule.id], "when")
        try:
            found = _firing_problem(pack, rule.condition)
        except SearchGaveUp as exc:
            out.append(problem(pack, ptr, "sok-ga-opp", f"{exc}; om regelen kan slå til, er ikke kontrollert",
                               rule.id))
            continue
        if found is not None:
            out.append(problem(pack, ptr, found[0], found[1], rule.id))
    return out


def _firing_problem(pack: CompiledPack, condition: Condition) -> tuple[str, str] | None:
    """(check id, message) when the condition never or always holds; None when it discriminates."""
    scope = _scope_part(pack.scope, condition)
    if never_fires(condition, pack):
        return "slar-aldri-til", ("regelen kan aldri slå til: vilkåret er usant uansett hva meldingen inneholder "
                                  f"({_facts_text(condition)})")
    if scope is not None and never_fires(All((scope, condition)), pack):
        return "slar-aldri-til", ("regelen kan aldri slå til: vilkåret utelukker meldingene pakken gjelder for "
                                  "(virkeområdet, scope i pack.yaml)")
    if always_fires(condition, pack):
        return "slar-alltid-til", (f"regelen slår til for alle meldinger der {_facts_text(condition)} er oppgitt; "
                                   "vilkåret skiller ikke mellom meldinger")
    if scope is not None and always_fires_within(scope, condition, pack):
        return "slar-alltid-til", ("regelen slår til for alle meldinger pakken gjelder for (virkeområdet, scope i "
                                   f"pack.yaml) der {_facts_text(condition)} er oppgitt; vilkåret skiller ikke "
                                   "mellom dem")
    return None


def _scope_part(scope: Condition, cond: Condition) -> Condition | None:
    """The parts of the scope's top-level ``all`` that read a fact the rule reads (None: no such part).

    Leaving out the other parts only widens the scope, so a rule that never fires within
    the part still never fires within the whole.
    """
    read = set(facts_of(cond))
    parts = scope.children if isinstance(scope, All) else (scope,)
    kept = tuple(p for p in parts if set(facts_of(p)) & read)
    return All(kept) if kept else None


def _facts_text(cond: Condition) -> str:
    return ", ".join(facts_of(cond))


# --------------------------------------------------------------------------- same condition

_LETS_THROUGH = ("advice", "obligation")


def same_condition_problems(pack: CompiledPack, index: dict[str, int]) -> list[PackProblem]:
    out: list[PackProblem] = []
    first: dict[str, list] = {}
    for rule in pack.rules:
        key = canonical(rule.condition)
        for other in first.get(key, []):
            ptr = ("rules", index[rule.id], "when")
            other_at = where(pack, ("rules", index[other.id]))
            if {rule.effect, other.effect} & {"deny"} and {rule.effect, other.effect} & set(_LETS_THROUGH):
                out.append(problem(pack, ptr, "motstridende-regler",
                                    f"samme vilkår som regelen '{other.id}' ({other_at}), men motsatt virkning: "
                                    f"{_EFFECT_WORDS[other.effect]} der, {_EFFECT_WORDS[rule.effect]} her",
                                    rule.id))
            elif rule.effect == other.effect:
                out.append(problem(pack, ptr, "duplikat-regel",
                                    f"samme vilkår og samme virkning ({_EFFECT_WORDS[rule.effect]}) som regelen "
                                    f"'{other.id}' ({other_at}); er den ene overflødig?", rule.id))
        first.setdefault(key, []).append(rule)
    return out


_EFFECT_WORDS = {"deny": "avvises", "advice": "råd", "obligation": "plikt"}


# --------------------------------------------------------------------------- templates

def template_problems(pack: CompiledPack, index: dict[str, int]) -> list[PackProblem]:
    out: list[PackProblem] = []
    cat = catalogue()
    in_scope = set(facts_of(pack.scope))
    for rule in pack.rules:
        allowed = set(rule.facts) | in_scope | {d.from_fact for d in rule.due}
        for pointer, name in shown_facts(rule, cat):
            if name in allowed or any(related(name, fact) for fact in allowed):
                continue
            out.append(problem(pack, ("rules", index[rule.id], *pointer), "mal-utenfor-vilkar",
                                f"teksten viser {{{name}}}, men vilkåret leser ikke {name}; når regelen slår "
                                "til kan det mangle, og teksten viser da «(ukjent)»", rule.id))
    return out


# --------------------------------------------------------------------------- local settings said to be local

_NAMED = re.compile(r"\{(param|vocabulary)\.([A-Za-z0-9_]+)\}")


def _named(node: Any) -> Iterator[tuple[str, str]]:
    """("param" | "vocabulary", name) for each parameter and word list a raw rule names, anywhere in it."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("param", "vocabulary") and isinstance(value, str):
                yield key, value
            else:
                yield from _named(value)
    elif isinstance(node, list):
        for value in node:
            yield from _named(value)
    elif isinstance(node, str):
        yield from ((m.group(1), m.group(2)) for m in _NAMED.finditer(node))


def local_settings(pack: CompiledPack, raw: Mapping[str, Any]) -> list[str]:
    """The parameters and word lists marked local_interpretation that a raw rule uses, in order."""
    out: list[str] = []
    for kind, name in _named({k: v for k, v in raw.items() if k != "source"}):
        item = (pack.parameters if kind == "param" else pack.vocabularies).get(name)
        if item is not None and item.local_interpretation and name not in out:
            out.append(name)
    return out


def local_problems(pack: CompiledPack) -> list[PackProblem]:
    """A rule that rests on a local setting must say so to the person who reads its message."""
    if pack.source is None:
        return []
    out: list[PackProblem] = []
    for key in ("rules", "conversation_rules"):
        for i, raw in enumerate(pack.source.data.get(key) or ()):
            names = local_settings(pack, raw)
            if names and "lokal" not in str(raw.get("message", "")).casefold():
                out.append(problem(pack, (key, i, "message"), "lokal-tolkning-usagt",
                                   f"regelen bygger på {', '.join(names)}, som er satt lokalt (local_interpretation), "
                                   "men meldingen sier det ikke; skriv for eksempel «(lokal innstilling)»",
                                   raw.get("id")))
    return out


# --------------------------------------------------------------------------- sections

def section_problems(pack: CompiledPack) -> list[PackProblem]:
    """A section of the pack's ``sections`` list that nothing cites."""
    if not pack.sections or pack.source is None:
        return []
    cited = {index for *_, index in cited_sections(pack.source.data, pack.sections) if index is not None}
    return [problem(pack, ("sections", i), "seksjon-uten-regel",
                     f"avsnittet «{heading}» har verken en regel, en samtaleregel eller en not_checkable-oppføring; "
                     "før opp regelen, eller grunnen til at avsnittet ikke kan kontrolleres (kind: informational "
                     "for et avsnitt som bare gir opplysninger)", None)
            for i, heading in enumerate(pack.sections) if i not in cited]


# --------------------------------------------------------------------------- text summary

def summary_line(report: PackReport) -> str:
    """One bokmål line per pack: ok or not, with counts."""
    e, w = len(report.errors), len(report.warnings)
    counts = f"{e} feil, {w} {'advarsel' if w == 1 else 'advarsler'}"
    pack = report.pack
    if pack is None:
        return f"{report.pack_id}: UGYLDIG ({counts})"
    state = "FEIL" if e else "i orden"
    conversation = f", {len(pack.conversation)} samtaleregler" if pack.conversation else ""
    return (f"{pack.id}: {state} ({counts}) – {len(pack.rules)} regler{conversation}, "
            f"{len(pack.not_checkable)} ikke maskinelt kontrollerbare, {len(pack.parameters)} parametere, "
            f"{len(pack.vocabularies)} ordlister")
