"""Semantic lint of policy packs: what ``dialogvakt validate`` reports beyond the compiler.

The compiler already refuses what cannot work (unknown facts, values a fact cannot take,
duplicate ids, ...). This module looks at what compiles but is probably not what the
author meant:

- ``slar-aldri-til`` / ``slar-alltid-til``: a rule whose condition is false for every
  possible input (alone or within the pack's scope), or true for every input that has
  the facts it reads. Each fact gets a small abstract domain of values that can make a
  difference to the comparisons on it, and the rule's own three-valued closure is
  evaluated over the product of the domains (at most ``MAX_COMBINATIONS``; above that, or
  for a pattern no value can be found for, nothing is said).
- ``motstridende-regler`` / ``duplikat-regel``: two rules with the same condition
  (canonical form of the compiled condition, order-insensitive in all/any) and
  opposite or equal effects.
- ``mal-utenfor-vilkar``: a message template showing a fact the rule does not read.
- ``seksjon-uten-regel``: a section of the pack's ``sections`` list with no rule,
  conversation rule or not-checkable entry citing it.

The same checks for conversation rules are in ``engine.lint_conversation``.

Every check id, with its severity and a bokmål description, is listed in
``schemas/lint-checks.yaml``.
"""

from __future__ import annotations

import dataclasses

import datetime as dt
import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Container, Iterator, Mapping

import yaml

from .compiler import (All, Compare, CompiledPack, Condition, FactRef, Not, cited_sections, compares,
                       compile_source, facts_of, norm, to_function)
from .facts import OSLO, FactInfo, catalogue
from .loader import Location, PackError, PackProblem, read_pack
from .render import PLACEHOLDER

MAX_COMBINATIONS = 20_000


@lru_cache(maxsize=None)
def checks() -> dict[str, dict]:
    """Every check id with its severity, title and description (bokmål)."""
    text = resources.files("engine.schemas").joinpath("lint-checks.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


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


def sort_key(problem: PackProblem) -> tuple:
    loc = problem.location
    return (loc.file, loc.line, loc.column) if loc else ("", 0, 0)


def lint_pack(folder: Path) -> PackReport:
    """Read, compile and lint one pack folder; never raises on a bad pack."""
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
    report.problems = sorted([*pack.warnings, *semantic_problems(pack), *test_file_problems(pack)], key=sort_key)
    return report


def test_file_problems(pack: CompiledPack) -> list[PackProblem]:
    """Problems in the pack's test files (schema, unknown examples, misspelt rule ids), as ``dialogvakt test`` finds them."""
    from .packtests import pack_test_files, read_test_file

    problems: list[PackProblem] = []
    for path in pack_test_files(pack.folder):
        try:
            read_test_file(pack, path)
        except PackError as exc:
            problems.extend(dataclasses.replace(p, code=p.code or "pakketest") for p in exc.problems)
    return problems


def semantic_problems(pack: CompiledPack) -> list[PackProblem]:
    """The findings of the semantic checks on a compiled pack."""
    from .lint_conversation import conversation_problems  # here: that module imports this one

    index = _rule_index(pack)
    return [*firing_problems(pack, index), *same_condition_problems(pack, index), *template_problems(pack, index),
            *section_problems(pack), *conversation_problems(pack)]


# --------------------------------------------------------------------------- helpers

def _rule_index(pack: CompiledPack, key: str = "rules") -> dict[str, int]:
    """Rule id -> index in the pack's list ``key`` of rules (the first, when an id is repeated)."""
    out: dict[str, int] = {}
    for i, raw in enumerate((pack.source.data.get(key) if pack.source else None) or []):
        out.setdefault(raw["id"], i)
    return out


def _where(pack: CompiledPack, pointer: tuple) -> Location | None:
    return pack.source.where(pointer) if pack.source else None


def _problem(pack: CompiledPack, pointer: tuple, code: str, message: str, rule: str | None) -> PackProblem:
    return PackProblem(_where(pack, pointer), message, checks()[code]["severity"], code, rule)


# --------------------------------------------------------------------------- never / always fires

class _Unknowable(Exception):
    """A domain cannot be built (a pattern without a known match, too many list values)."""


_OTHER = "\u2063annet\u2063"  # a text no pack constant equals or contains


def _date_points(constants: list[dt.date]) -> list[dt.date]:
    cs = sorted(set(constants)) or [dt.date(2025, 1, 1)]
    points = {cs[0] - dt.timedelta(days=1), cs[-1] + dt.timedelta(days=1), *cs}
    for a, b in zip(cs, cs[1:]):
        if (b - a).days > 1:
            points.add(a + (b - a) / 2)
    return sorted(points)


def _datetime_points(constants: list[Any]) -> list[dt.datetime]:
    as_times = sorted({c if isinstance(c, dt.datetime) else dt.datetime.combine(c, dt.time(), OSLO)
                       for c in constants}) or [dt.datetime(2025, 1, 1, tzinfo=OSLO)]
    points: set[dt.datetime] = set()
    for c in as_times:
        points.update((c - dt.timedelta(days=1), c - dt.timedelta(minutes=1), c,
                       c + dt.timedelta(minutes=1), c + dt.timedelta(days=1)))
    for a, b in zip(as_times, as_times[1:]):
        points.add(a + (b - a) / 2)
    return sorted(points)


def _number_points(constants: list[Any]) -> list[float]:
    cs = sorted(set(c for c in constants if isinstance(c, (int, float)) and not isinstance(c, bool))) or [0]
    points = {cs[0] - 1, cs[-1] + 1, *cs}
    for a, b in zip(cs, cs[1:]):
        points.add((a + b) / 2)
    return sorted(points)


def _witnesses(c: Compare, pack: CompiledPack) -> list[str]:
    """Texts that can satisfy a text comparison (its constants, or the terms of its vocabulary)."""
    written = c.written
    if isinstance(written, dict) and "vocabulary" in written:
        vocab = pack.vocabularies.get(written["vocabulary"])
        if vocab is None or vocab.match == "regex":
            return []
        return sorted(vocab.exact)
    if isinstance(written, dict) and "param" in written:
        value = pack.parameters[written["param"]].value if written["param"] in pack.parameters else None
        written = value
    if c.op == "matches":
        return []  # a pattern: no known text that matches it
    if isinstance(written, list):
        return [norm(str(w)) for w in written]
    if isinstance(written, str):
        return [norm(written)]
    return []


def _constants(c: Compare) -> list[Any]:
    o = c.operand
    if o is None or isinstance(o, (FactRef, re.Pattern)) or c.op in ("exists", "mixes"):
        return []
    if isinstance(o, frozenset):
        return list(o)
    return [o]


def _domain(path: str, info: FactInfo, cs: list[Compare], linked: list[Compare], pack: CompiledPack,
            absent: bool) -> list[Any]:
    """The values of one fact that can make a difference to the comparisons ``cs`` on it."""
    consts = [k for c in [*cs, *linked] for k in _constants(c)]
    present: list[Any]
    t = info.type
    if all(c.op == "exists" for c in cs) and not linked:
        present = [_present_value(info)]
    elif t == "enum":
        present = list(info.values)
    elif t == "boolean":
        present = [True, False]
    elif t == "number":
        present = _number_points(consts)
    elif t == "date":
        present = _date_points([k.date() if isinstance(k, dt.datetime) else k for k in consts
                                if isinstance(k, dt.date)])
    elif t == "datetime":
        present = _datetime_points([k for k in consts if isinstance(k, dt.date)])
    elif t == "string":
        present = _text_domain(cs, linked, consts, pack)
    elif t == "list":
        present = _list_domain(info, cs, pack)
    else:
        raise _Unknowable(path)
    present = _distinct(path, present, cs) if not linked else present
    return ([None] if absent else []) + present


def _present_value(info: FactInfo) -> Any:
    return {"string": "tekst", "enum": info.values[0] if info.values else "x", "boolean": True, "number": 1,
            "date": dt.date(2025, 1, 1), "datetime": dt.datetime(2025, 1, 1, tzinfo=OSLO),
            "list": ["x"]}.get(info.type, {"oppgitt": True})


def _text_domain(cs: list[Compare], linked: list[Compare], consts: list[Any], pack: CompiledPack) -> list[str]:
    values = {norm(k) for k in consts if isinstance(k, str)}
    pattern_ops = [c for c in cs if isinstance(c.operand, re.Pattern)]
    for c in pattern_ops:
        values.update(_witnesses(c, pack))
    values = {v for v in values if v}
    if linked:  # texts compared with each other: equal, different, and one inside the other
        values.update(("x", "y", "x y"))
    if pattern_ops and values:
        values.add(" ".join(sorted(values)))  # one text that holds every witness at once
    values.add(_OTHER)
    for c in pattern_ops:
        hits = [v for v in values if c.operand.search(v)]
        if not hits or len(hits) == len(values):
            raise _Unknowable(c.fact)
    return sorted(values)


def _list_domain(info: FactInfo, cs: list[Compare], pack: CompiledPack) -> list[list]:
    """Lists made of one representative element per class of elements that the comparisons treat alike."""
    elements: set[Any] = set()
    for c in cs:
        if c.op == "mixes":
            elements.update(name for name, _ in c.operand)
        elif isinstance(c.operand, re.Pattern):
            raise _Unknowable(c.fact)
        else:
            elements.update(k for k in _constants(c) if isinstance(k, str))
    if info.items == "enum":
        elements.update(info.values)
    elements.add(_OTHER)

    # per comparison: its groups (mixes) or its test (the others but exists)
    readers = [(c, dict(c.operand) if c.op == "mixes" else to_function(c)) for c in cs if c.op != "exists"]

    def signature(x: Any) -> tuple:
        return tuple(r.get(norm(x), "=" + norm(x)) if c.op == "mixes" else r({c.fact: [x]}) for c, r in readers)

    signed = [(x, signature(x)) for x in sorted(elements, key=str)]
    reps: dict[tuple, Any] = {}
    for x, sig in signed:
        reps.setdefault(sig, x)
    mixes = any(c.op == "mixes" for c in cs)
    pool = list(reps.values())
    if mixes:  # two elements of one group must also be tried together
        by_group: dict[Any, list] = {}
        for x, sig in signed:
            by_group.setdefault(sig, []).append(x)
        pool += [xs[1] for xs in by_group.values() if len(xs) > 1][:1]
    if len(pool) > 5:
        raise _Unknowable(info.path)
    return [list(combo) for n in range(len(pool) + 1) for combo in itertools.combinations(pool, n)]


def _distinct(path: str, values: list[Any], cs: list[Compare]) -> list[Any]:
    """One value per class of values that every comparison on the fact treats alike."""
    fns = [to_function(c) for c in cs]
    seen: dict[tuple, Any] = {}
    for v in values:
        seen.setdefault(tuple(fn({path: v}) for fn in fns), v)
    return list(seen.values())


def _domains(cond: Condition, pack: CompiledPack, absent_for_all: bool,
             cat: Mapping[str, FactInfo] | None = None, given: frozenset[str] = frozenset()) -> dict[str, list] | None:
    """An abstract domain per fact the condition reads, or None when one cannot be built.

    ``cat`` resolves the condition's fact paths (default: the input contract's catalogue; a
    conversation rule's event pattern passes its events' catalogue, ``ScopedCatalogue``);
    the facts in ``given`` are never missing, so "missing" is not tried for them."""
    cat = catalogue() if cat is None else cat
    by_fact: dict[str, list[Compare]] = {}
    linked: dict[str, list[Compare]] = {}
    for c in compares(cond):
        by_fact.setdefault(c.fact, []).append(c)
        if isinstance(c.operand, FactRef):
            a, b = cat.get(c.fact), cat.get(c.operand.path)
            if a is None or b is None or a.type != b.type or a.type in ("list", "object"):
                return None  # two facts of different kinds: no shared domain to try
            linked.setdefault(c.fact, []).append(c)
            linked.setdefault(c.operand.path, []).append(c)
            by_fact.setdefault(c.operand.path, [])
    # a comparison of two facts: both get the constants of both
    for path, cs in list(linked.items()):
        for c in cs:
            for other in (c.fact, c.operand.path):
                linked[path] = linked[path] + [k for k in by_fact.get(other, []) if k not in linked[path]]
    out: dict[str, list] = {}
    for path, cs in by_fact.items():
        info = cat.get(path)
        if info is None:
            return None
        absent = (absent_for_all or info.declared or any(c.op == "exists" for c in cs)) and path not in given
        try:
            out[path] = _domain(path, info, [c for c in cs if not isinstance(c.operand, FactRef)],
                                linked.get(path, []), pack, absent)
        except _Unknowable:
            return None
    return out


def _product_size(domains: dict[str, list]) -> int:
    size = 1
    for values in domains.values():
        size *= max(1, len(values))
    return size


def _find(cond: Condition, domains: dict[str, list], settled: set[str], wanted: Any) -> bool:
    """Whether some combination of domain values gives ``wanted(result)``.

    A depth-first search over the facts. The closures are three-valued: a fact not yet given
    reads as missing, which for most facts means "unknown" (None), and Kleene logic is
    monotone, so once a partial combination decides the condition, every completion decides
    it the same way. Facts whose absence means something definite (declared facts, facts
    tested with ``exists``, facts compared with another fact) are ``settled`` first; only
    after them are partial results used to cut the search short.
    """
    test = to_function(cond)
    paths = sorted(domains, key=lambda p: p not in settled)
    first_free = sum(1 for p in paths if p in settled)
    facts: dict[str, Any] = {}

    def walk(depth: int) -> bool:
        if depth >= first_free:
            r = test(facts)
            if r is not None or depth == len(paths):
                return wanted(r)
        path = paths[depth]
        for value in domains[path]:
            if value is None:
                facts.pop(path, None)
            else:
                facts[path] = value
            if walk(depth + 1):
                facts.pop(path, None)
                return True
        facts.pop(path, None)
        return False

    return walk(0)


def _settled(cond: Condition, cat: Mapping[str, FactInfo] | None = None) -> set[str]:
    cat = catalogue() if cat is None else cat
    out: set[str] = set()
    for c in compares(cond):
        info = cat.get(c.fact)
        if c.op == "exists" or (info is not None and info.declared):
            out.add(c.fact)
        if isinstance(c.operand, FactRef):
            out.update((c.fact, c.operand.path))
    return out


def never_fires(cond: Condition, pack: CompiledPack, cat: Mapping[str, FactInfo] | None = None,
                possibly: bool = False, given: frozenset[str] = frozenset()) -> bool:
    """True when the condition is true for no combination of values (absent facts included,
    except those in ``given``).

    With ``possibly``, also never undecided: false for every combination (what an absent
    event pattern needs, since the monitor lets an event that possibly matches it block the rule)."""
    domains = _domains(cond, pack, absent_for_all=True, cat=cat, given=given)
    if domains is None or _product_size(domains) > MAX_COMBINATIONS:
        return False
    wanted: Callable[[Any], bool] = (lambda r: r is not False) if possibly else (lambda r: r is True)
    return not _find(cond, domains, _settled(cond, cat), wanted)


def always_fires(cond: Condition, pack: CompiledPack) -> bool:
    """True when the condition is true for every combination of values of the facts it reads, when given."""
    domains = _domains(cond, pack, absent_for_all=False)
    if domains is None or _product_size(domains) > MAX_COMBINATIONS:
        return False
    return not _find(cond, domains, _settled(cond), lambda r: r is not True)


def always_fires_within(scope: Condition, cond: Condition, pack: CompiledPack) -> bool:
    """True when no combination of given values satisfies the scope without satisfying the condition."""
    outside = All((scope, Not(cond)))
    domains = _domains(outside, pack, absent_for_all=False)
    if domains is None or _product_size(domains) > MAX_COMBINATIONS:
        return False
    return not _find(outside, domains, _settled(outside), lambda r: r is True)


def firing_problems(pack: CompiledPack, index: dict[str, int]) -> list[PackProblem]:
    out: list[PackProblem] = []
    for rule in pack.rules:
        ptr = ("rules", index[rule.id], "when")
        scope = _scope_part(pack.scope, rule.condition)
        if never_fires(rule.condition, pack):
            out.append(_problem(pack, ptr, "slar-aldri-til", "regelen kan aldri slå til: vilkåret er usant uansett "
                                f"hva meldingen inneholder ({_facts_text(rule.condition)})", rule.id))
        elif scope is not None and never_fires(All((scope, rule.condition)), pack):
            out.append(_problem(pack, ptr, "slar-aldri-til", "regelen kan aldri slå til: vilkåret utelukker "
                                "meldingene pakken gjelder for (virkeområdet, scope i pack.yaml)", rule.id))
        elif always_fires(rule.condition, pack):
            out.append(_problem(pack, ptr, "slar-alltid-til", "regelen slår til for alle meldinger der "
                                f"{_facts_text(rule.condition)} er oppgitt; vilkåret skiller ikke mellom meldinger",
                                rule.id))
        elif scope is not None and always_fires_within(scope, rule.condition, pack):
            out.append(_problem(pack, ptr, "slar-alltid-til", "regelen slår til for alle meldinger pakken gjelder "
                                "for (virkeområdet, scope i pack.yaml) der "
                                f"{_facts_text(rule.condition)} er oppgitt; vilkåret skiller ikke mellom dem",
                                rule.id))
    return out


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

def canonical(node: Condition, rename: Callable[[str], str] | None = None) -> str:
    """A text form of a condition that is the same for conditions differing only in order in all/any.

    ``rename`` maps every fact path first (a conversation rule's event names to their places)."""
    if isinstance(node, Compare):
        fact = rename(node.fact) if rename else node.fact
        operand = FactRef(rename(node.operand.path)) if rename and isinstance(node.operand, FactRef) else node.operand
        return f"({fact} {node.op} {_canonical_operand(operand)})"
    if isinstance(node, Not):
        return f"not{canonical(node.child, rename)}"
    parts = sorted(set(_flat_parts(node, type(node), rename)))
    if len(parts) == 1:
        return parts[0]
    return f"{'all' if isinstance(node, All) else 'any'}[{', '.join(parts)}]"


def _flat_parts(node: Condition, kind: type, rename: Callable[[str], str] | None = None) -> list[str]:
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
    if isinstance(operand, re.Pattern):
        return f"re/{operand.pattern}/{operand.flags}"
    if isinstance(operand, FactRef):
        return f"fact:{operand.path}"
    return repr(operand)


_LETS_THROUGH = ("advice", "obligation")


def same_condition_problems(pack: CompiledPack, index: dict[str, int]) -> list[PackProblem]:
    out: list[PackProblem] = []
    first: dict[str, list] = {}
    for rule in pack.rules:
        key = canonical(rule.condition)
        for other in first.get(key, []):
            ptr = ("rules", index[rule.id], "when")
            where = _where(pack, ("rules", index[other.id]))
            if {rule.effect, other.effect} & {"deny"} and {rule.effect, other.effect} & set(_LETS_THROUGH):
                out.append(_problem(pack, ptr, "motstridende-regler",
                                    f"samme vilkår som regelen '{other.id}' ({where}), men motsatt virkning: "
                                    f"{_EFFECT_WORDS[other.effect]} der, {_EFFECT_WORDS[rule.effect]} her",
                                    rule.id))
            elif rule.effect == other.effect:
                out.append(_problem(pack, ptr, "duplikat-regel",
                                    f"samme vilkår og samme virkning ({_EFFECT_WORDS[rule.effect]}) som regelen "
                                    f"'{other.id}' ({where}); er den ene overflødig?", rule.id))
        first.setdefault(key, []).append(rule)
    return out


_EFFECT_WORDS = {"deny": "avvises", "advice": "råd", "obligation": "plikt"}


# --------------------------------------------------------------------------- templates

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


def shown_facts(rule: Any, cat: Container[str]) -> Iterator[tuple[tuple, str]]:
    """(pointer, fact) for each fact of ``cat`` that a rule's message or one of its suggestions shows,
    once per text; parameters, vocabularies and deadlines are left out."""
    texts = [(("message",), rule.message)]
    texts += [(("suggestions", i, "message"), s.message) for i, s in enumerate(rule.suggestions)]
    for pointer, text in texts:
        for name in dict.fromkeys(PLACEHOLDER.findall(text)):
            if not name.startswith(("param.", "vocabulary.", "due.")) and name in cat:
                yield pointer, name


def template_problems(pack: CompiledPack, index: dict[str, int]) -> list[PackProblem]:
    out: list[PackProblem] = []
    cat = catalogue()
    in_scope = set(facts_of(pack.scope))
    for rule in pack.rules:
        allowed = set(rule.facts) | in_scope | {d.from_fact for d in rule.due}
        for pointer, name in shown_facts(rule, cat):
            if name in allowed or any(related(name, fact) for fact in allowed):
                continue
            out.append(_problem(pack, ("rules", index[rule.id], *pointer), "mal-utenfor-vilkar",
                                f"teksten viser {{{name}}}, men vilkåret leser ikke {name}; når regelen slår "
                                "til kan det mangle, og teksten viser da «(ukjent)»", rule.id))
    return out


# --------------------------------------------------------------------------- sections

def section_problems(pack: CompiledPack) -> list[PackProblem]:
    """A section of the pack's ``sections`` list that nothing cites."""
    if not pack.sections or pack.source is None:
        return []
    cited = {index for *_, index in cited_sections(pack.source.data, pack.sections) if index is not None}
    return [_problem(pack, ("sections", i), "seksjon-uten-regel",
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
