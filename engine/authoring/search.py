"""A bounded search for conditions that can never hold, or always hold.

Each fact a condition reads gets a small abstract domain of values that can make a
difference to the comparisons on it, and the condition's own three-valued closure is
evaluated over the product of the domains, depth first, cut short where a partial
combination already decides it. For a pattern no value can be found for nothing is said.
The search is bounded: after ``MAX_EVALUATIONS`` evaluations or ``MAX_SECONDS`` it raises
``SearchGaveUp``, and lint says so instead of saying nothing.
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Callable, Mapping
from typing import Any

from ..contract.facts import FactInfo, catalogue
from ..contract.times import OSLO
from ..eval.closures import to_function
from ..lang.patterns import Pattern
from ..lang.tree import All, Compare, CompiledPack, Condition, FactRef, Not, compares, norm

MAX_EVALUATIONS = 200_000
MAX_SECONDS = 2.0


class SearchGaveUp(Exception):
    """The search stopped before it could tell; ``str()`` says why (bokmål)."""


class _Unknowable(Exception):
    """A domain cannot be built (a pattern without a known match, too many list values)."""


_OTHER = "\u2063annet\u2063"  # a text no pack constant equals or contains


def _date_points(constants: list[dt.date]) -> list[dt.date]:
    cs = sorted(set(constants)) or [dt.date(2025, 1, 1)]
    points = {cs[0] - dt.timedelta(days=1), cs[-1] + dt.timedelta(days=1), *cs}
    for a, b in itertools.pairwise(cs):
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
    for a, b in itertools.pairwise(as_times):
        points.add(a + (b - a) / 2)
    return sorted(points)


def _number_points(constants: list[Any]) -> list[float]:
    cs = sorted({c for c in constants if isinstance(c, (int, float)) and not isinstance(c, bool)}) or [0]
    points = {cs[0] - 1, cs[-1] + 1, *cs}
    for a, b in itertools.pairwise(cs):
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
    if o is None or isinstance(o, (FactRef, Pattern)) or c.op in ("exists", "mixes"):
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
    pattern_ops = [c for c in cs if isinstance(c.operand, Pattern)]
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


def _element_reader(c: Compare) -> Callable[[Any], Any]:
    """What a comparison makes of one list element: its group (mixes), or its test's answer (the others)."""
    if c.op == "mixes":
        groups = dict(c.operand)
        return lambda x: groups.get(norm(x), "=" + norm(x))
    test = to_function(c)
    return lambda x: test({c.fact: [x]})


def _list_domain(info: FactInfo, cs: list[Compare], pack: CompiledPack) -> list[list[Any]]:
    """Lists made of one representative element per class of elements that the comparisons treat alike."""
    elements: set[Any] = set()
    for c in cs:
        if c.op == "mixes":
            elements.update(name for name, _ in c.operand)
        elif isinstance(c.operand, Pattern):
            raise _Unknowable(c.fact)
        else:
            elements.update(k for k in _constants(c) if isinstance(k, str))
    if info.items == "enum":
        elements.update(info.values)
    elements.add(_OTHER)

    # per comparison: its groups (mixes) or its test (the others but exists)
    readers = [_element_reader(c) for c in cs if c.op != "exists"]

    def signature(x: Any) -> tuple[Any, ...]:
        return tuple(read(x) for read in readers)

    signed = [(x, signature(x)) for x in sorted(elements, key=str)]
    reps: dict[tuple[Any, ...], Any] = {}
    for x, sig in signed:
        reps.setdefault(sig, x)
    mixes = any(c.op == "mixes" for c in cs)
    pool = list(reps.values())
    if mixes:  # two elements of one group must also be tried together
        by_group: dict[tuple[Any, ...], list[Any]] = {}
        for x, sig in signed:
            by_group.setdefault(sig, []).append(x)
        pool += [xs[1] for xs in by_group.values() if len(xs) > 1][:1]
    if len(pool) > 5:
        raise _Unknowable(info.path)
    return [list(combo) for n in range(len(pool) + 1) for combo in itertools.combinations(pool, n)]


def _distinct(path: str, values: list[Any], cs: list[Compare]) -> list[Any]:
    """One value per class of values that every comparison on the fact treats alike."""
    fns = [to_function(c) for c in cs]
    seen: dict[tuple[bool | None, ...], Any] = {}
    for v in values:
        seen.setdefault(tuple(fn({path: v}) for fn in fns), v)
    return list(seen.values())


def _domains(cond: Condition, pack: CompiledPack, absent_for_all: bool, cat: Mapping[str, FactInfo] | None = None,
             given: frozenset[str] = frozenset()) -> dict[str, list[Any]] | None:
    """An abstract domain per fact the condition reads, or None when one cannot be built.

    ``cat`` resolves the condition's fact paths (default: the input contract's catalogue; a
    conversation rule's event pattern passes its events' catalogue, ``ScopedCatalogue``);
    the facts in ``given`` are never missing, so "missing" is not tried for them."""
    cat = catalogue() if cat is None else cat
    by_fact: dict[str, list[Compare]] = {}
    linked: dict[str, list[Compare]] = {}
    for c in compares(cond):
        by_fact.setdefault(c.fact, []).append(c)
        if isinstance(c.operand, FactRef) and c.operand.shift is not None:
            return None  # a calendar offset between two facts: no small domain shows it; say nothing
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
    out: dict[str, list[Any]] = {}
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


def _product_size(domains: dict[str, list[Any]]) -> int:
    size = 1
    for values in domains.values():
        size *= max(1, len(values))
    return size


def _find(cond: Condition, domains: dict[str, list[Any]], settled: set[str], wanted: Any) -> bool:
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
    deadline = time.monotonic() + MAX_SECONDS
    evaluations = 0

    def walk(depth: int) -> bool:
        nonlocal evaluations
        if depth >= first_free:
            evaluations += 1
            if evaluations > MAX_EVALUATIONS:
                raise SearchGaveUp(f"søket ga opp etter {MAX_EVALUATIONS} kombinasjoner av verdier "
                                   f"(av {_product_size(domains)} mulige)")
            if not evaluations % 512 and time.monotonic() > deadline:
                raise SearchGaveUp(f"søket ga opp etter {MAX_SECONDS:g} sekunder")
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
    if domains is None:
        return False
    wanted: Callable[[Any], bool] = (lambda r: r is not False) if possibly else (lambda r: r is True)
    return not _find(cond, domains, _settled(cond, cat), wanted)


def always_fires(cond: Condition, pack: CompiledPack) -> bool:
    """True when the condition is true for every combination of values of the facts it reads, when given."""
    domains = _domains(cond, pack, absent_for_all=False)
    if domains is None:
        return False
    return not _find(cond, domains, _settled(cond), lambda r: r is not True)


def always_fires_within(scope: Condition, cond: Condition, pack: CompiledPack) -> bool:
    """True when no combination of given values satisfies the scope without satisfying the condition."""
    outside = All((scope, Not(cond)))
    domains = _domains(outside, pack, absent_for_all=False)
    if domains is None:
        return False
    return not _find(outside, domains, _settled(outside), lambda r: r is True)
