"""Conversation rules: conditions over several events (messages, receipts, admissions) and time.

A conversation rule lists the events it correlates. Each event pattern has a
name (``as``), an event kind and a ``when`` in the same condition language as
single-message rules, compiled by the same compiler (``engine.lang.conditions``) into
the same intermediate form (``All``, ``AnyOf``, ``Not``, ``Compare``). Two
things are new, and both are plain data:

- a fact path may be prefixed with the name of an earlier event, so that
  ``{fact: samtale.id, equals: {fact: foresporsel.samtale.id}}`` ties an
  answer to its request. Inside the intermediate form every path is qualified
  (``svar.samtale.id``);
- a pattern may be ``absent: true`` ("no answer"), optionally ``within`` a
  deadline counted in working days, days or hours from a time of an earlier
  event (``due``), exactly as an obligation's deadline is. The monitor reports
  the event missing from midnight after its last day (days, working days) or just
  after the due time (hours).

This module only checks and compiles; the conversation monitor
(``engine.monitor.durable``) turns the result into durable_rules rulesets.
Nothing here imports durable_rules.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ..contract.facts import FactInfo, catalogue
from ..contract.schemas import data_file
from .conditions import ORDERED, ConditionCompiler, text_inferences
from .loader import Pointer
from .templates import PLACEHOLDER
from .tree import (
    All,
    Compare,
    Condition,
    ConversationRule,
    Due,
    EventPattern,
    FactRef,
    Suggestion,
    compares,
    element_fact,
    facts_of,
    split,
    top_conjuncts,
)

EVENT_KINDS = ("melding", "kvittering", "innleggelse")
EFFECTS = ("deviation", "advice")
CROSS_EVENT_OPS = ("equals", "not_equals", *ORDERED)
HIDDEN_IN_TEMPLATES = ("melding.pasient", "pasient.pseudonym")


# --------------------------------------------------------------------------- event catalogues

def _monitor_facts() -> dict[str, Any]:
    facts: dict[str, Any] = data_file("monitor-facts.yaml")
    return facts


@cache
def event_catalogue(kind: str) -> Mapping[str, FactInfo]:
    """Every fact a pattern of this event kind may use (unqualified paths)."""
    if kind not in EVENT_KINDS:
        raise KeyError(kind)
    base = catalogue()
    out: dict[str, FactInfo] = dict(base) if kind == "melding" else {}
    party = {p[len("melding.avsender."):]: info for p, info in base.items() if p.startswith("melding.avsender.")}
    for path, spec in (_monitor_facts().get(kind) or {}).items():
        sources = tuple(spec.get("from", ()))
        if spec["type"] == "party":
            out[path] = FactInfo(path, "object", description=spec.get("description", ""), sources=sources)
            for sub, info in party.items():
                out[f"{path}.{sub}"] = dataclasses.replace(info, path=f"{path}.{sub}")
            continue
        out[path] = FactInfo(path, spec["type"], values=tuple(spec.get("values", ())), items=spec.get("items"),
                             free_text=bool(spec.get("free_text")), derived=True,
                             description=" ".join(str(spec.get("description", "")).split()),
                             sources=sources, declared=bool(spec.get("declared")))
    return out


class ScopedCatalogue(Mapping[str, FactInfo]):
    """The facts of a rule's events, qualified by their names: 'svar.samtale.id'."""

    def __init__(self, kinds: Mapping[str, str]):
        self.kinds = dict(kinds)  # alias -> event kind

    def __getitem__(self, path: str) -> FactInfo:
        alias, rest = split(path)
        if alias not in self.kinds:
            raise KeyError(path)
        info = event_catalogue(self.kinds[alias])[rest]
        return dataclasses.replace(info, path=path)

    def __iter__(self) -> Iterator[str]:
        for alias, kind in self.kinds.items():
            for path in event_catalogue(kind):
                yield f"{alias}.{path}"

    def __len__(self) -> int:
        return sum(len(event_catalogue(k)) for k in self.kinds.values())


@cache
def reserved_names() -> frozenset[str]:
    """Names an event may not take: the first word of any fact path, and template prefixes."""
    roots = {p.split(".")[0] for kind in EVENT_KINDS for p in event_catalogue(kind)}
    return frozenset(roots | {"param", "vocabulary", "due"})


# --------------------------------------------------------------------------- compilation

def _qualify(node: Any, own: str, known: set[str], inside: bool = False) -> Any:
    """A copy of a condition tree whose fact paths are qualified with an event name.

    Inside ``each``/``some`` a fact without a dot is a field of the element and stays as it is.
    """
    if isinstance(node, dict):
        out = {}
        within = inside or "each" in node or "some" in node
        for key, value in node.items():
            if key in ("fact", "each", "some") and isinstance(value, str):
                keep = split(value)[0] in known or (inside and key == "fact" and element_fact(value))
                out[key] = value if keep else f"{own}.{value}"
            else:
                out[key] = _qualify(value, own, known, (within and key == "when") or inside)
        return out
    if isinstance(node, list):
        return [_qualify(v, own, known, inside) for v in node]
    return copy.deepcopy(node)


def compile_conversation_rules(comp: ConditionCompiler, seen_ids: dict[str, int]) -> tuple[ConversationRule, ...]:
    """Check and compile the pack's ``conversation_rules`` with the pack's compiler.

    Problems are added to the compiler's list with file:line:column, like every other pack error.
    """
    rules = []
    for i, raw in enumerate(comp.data.get("conversation_rules") or []):
        if raw["id"] in seen_ids:
            comp.error(("conversation_rules", i, "id"), f"regel-id '{raw['id']}' er brukt før", "duplikat-id")
            continue
        seen_ids[raw["id"]] = i
        with comp.scoped(comp.cat):
            rule = _compile_rule(comp, raw, ("conversation_rules", i))
        if rule is not None:
            rules.append(rule)
    return tuple(rules)


@dataclass
class _Events:
    """What a conversation rule's events have told so far, while they are compiled in order."""

    kinds: dict[str, str] = field(default_factory=dict)  # alias -> event kind
    positive: set[str] = field(default_factory=set)  # aliases of events that must have happened
    patterns: list[EventPattern] = field(default_factory=list)
    cross_refs: dict[str, set[str]] = field(default_factory=dict)  # alias -> its facts other events compare with
    withins: set[str] = field(default_factory=set)


def _event_name(comp: ConditionCompiler, ev: dict[str, Any], j: int, eptr: Pointer, seen: _Events) -> bool:
    """Whether the event's name can be used (reported when it cannot)."""
    alias = ev["as"]
    if alias in seen.kinds:
        comp.error((*eptr, "as"), f"to hendelser heter '{alias}'", "samtaleregel")
        return False
    if alias in reserved_names():
        comp.error((*eptr, "as"), f"'{alias}' er navnet på et faktum; gi hendelsen et annet navn", "samtaleregel")
        return False
    return True


def _absence(comp: ConditionCompiler, ev: dict[str, Any], j: int, eptr: Pointer, due_names: tuple[str, ...],
             seen: _Events) -> bool:
    absent = bool(ev.get("absent"))
    if j == 0 and absent:
        comp.error((*eptr, "absent"), "den første hendelsen er det regelen handler om; den kan ikke være "
                   "fraværende (absent)", "samtaleregel")
    within = ev.get("within")
    if within is not None:
        if not absent:
            comp.error((*eptr, "within"), "'within' hører til en fraværende hendelse (absent: true)", "samtaleregel")
        elif within not in due_names:
            comp.error((*eptr, "within"), f"'within' viser til '{within}', men regelen har ingen slik frist under "
                       "due", "samtaleregel")
        seen.withins.add(within)
    return absent


def _scope(comp: ConditionCompiler, ev: dict[str, Any], eptr: Pointer, absent: bool) -> str:
    """How the event's message must stand to the pack's scope; only a message that must have happened has one."""
    scope = ev.get("scope", "in")
    if "scope" in ev and (ev["event"] != "melding" or absent):
        comp.error((*eptr, "scope"), "'scope' gjelder en melding som må ha kommet (event: melding, ikke absent)",
                   "samtaleregel")
    return str(scope)


def _event_condition(comp: ConditionCompiler, ev: dict[str, Any], j: int, eptr: Pointer, seen: _Events
                     ) -> Condition | None:
    """The event's condition, qualified by its name, with the checks that tie it to earlier events."""
    alias = ev["as"]
    earlier = set(seen.kinds) - {alias}
    condition = None
    if "when" in ev:
        # a fact that names another event must be written as the operand, never as the subject
        for subject, where in _subjects(ev["when"], (*eptr, "when")):
            if split(subject)[0] in earlier:
                comp.error(where, f"'{subject}' hører til hendelsen '{split(subject)[0]}'; sammenlign denne "
                           f"hendelsens eget faktum med det ({{fact: {subject}}} som verdi)", "samtaleregel")
        condition = comp.condition(_qualify(ev["when"], alias, set(seen.kinds)), (*eptr, "when"))
    elif j > 0:
        comp.error(eptr, f"hendelsen '{alias}' trenger en 'when' som knytter den til en tidligere hendelse "
                   f"(for eksempel samtale.id equals {{fact: {next(iter(seen.kinds))}.samtale.id}})", "samtaleregel")
    for c in compares(condition):
        _check_compare(comp, c, alias, earlier, seen.positive, seen.cross_refs, (*eptr, "when"))
    if j > 0 and condition is not None:
        joined = any(isinstance(c, Compare) and c.op == "equals" and isinstance(c.operand, FactRef)
                     and split(c.operand.path)[0] in earlier for c in top_conjuncts(condition))
        if not joined:
            comp.error((*eptr, "when"), f"hendelsen '{alias}' må knyttes til en tidligere hendelse med 'equals' "
                       "mellom faktaene deres (ikke inne i any/not), for eksempel samme tråd eller pasient",
                       "samtaleregel")
    return condition


def _events(comp: ConditionCompiler, raw: dict[str, Any], ptr: Pointer) -> _Events:
    seen = _Events()
    due_names = tuple((raw.get("due") or {}).keys())
    for j, ev in enumerate(raw["events"]):
        eptr = (*ptr, "events", j)
        if not _event_name(comp, ev, j, eptr, seen):
            continue
        absent = _absence(comp, ev, j, eptr, due_names, seen)
        seen.kinds[ev["as"]] = ev["event"]
        comp.cat = ScopedCatalogue(seen.kinds)
        condition = _event_condition(comp, ev, j, eptr, seen)
        seen.patterns.append(EventPattern(ev["as"], ev["event"], condition, absent, ev.get("within"),
                                          comp.src.where(eptr), _scope(comp, ev, eptr, absent)))
        if not absent:
            seen.positive.add(ev["as"])
    if len(seen.withins) > 1:
        comp.error((*ptr, "events"), "fraværende hendelser i én regel må ha samme frist ('within')", "samtaleregel")
    return seen


def _with_compared_facts_known(seen: _Events) -> tuple[EventPattern, ...]:
    """Each event that another compares with must have those facts: they join its condition as ``exists``."""
    out = []
    scoped = ScopedCatalogue(seen.kinds)
    for p in seen.patterns:
        refs = sorted(seen.cross_refs.get(p.alias, ()))
        if refs and not p.absent:
            needed = tuple(Compare("exists", r, True, True, fact_type=scoped[r].type) for r in refs if r in scoped)
            p = dataclasses.replace(p, condition=All(((p.condition,) if p.condition is not None else ()) + needed))
        out.append(p)
    return tuple(out)


def _deadlines(comp: ConditionCompiler, raw: dict[str, Any], ptr: Pointer, seen: _Events,
               errors_before: int) -> tuple[Due, ...]:
    comp.cat = ScopedCatalogue({a: k for a, k in seen.kinds.items() if a in seen.positive})
    if not raw.get("due"):
        return ()
    for name, d in raw["due"].items():
        if split(d["from"])[0] not in seen.positive:
            comp.error((*ptr, "due", name, "from"), "en frist regnes fra tidspunktet for en hendelse regelen har "
                       f"sett; skriv HENDELSE.faktum med HENDELSE en av: {', '.join(sorted(seen.positive))}",
                       "samtaleregel")
    if len(comp.problems) != errors_before:
        return ()
    return comp.due(raw["due"], (*ptr, "due"))


def _no_deviation_from_free_text(comp: ConditionCompiler, raw: dict[str, Any], ptr: Pointer, seen: _Events,
                                 patterns: tuple[EventPattern, ...]) -> None:
    if raw["effect"] != "deviation":
        return
    for p in patterns:
        for path, op in text_inferences(p.condition, ScopedCatalogue(seen.kinds)):
            comp.error((*ptr, "events"), f"regelen (deviation) bygger på ord i fritekst ({path} {op}); "
                       "det som leses ut av fritekst kan bare gi råd", "fritekst-avgjor")


def _read_facts(patterns: tuple[EventPattern, ...], dues: tuple[Due, ...]) -> tuple[str, ...]:
    """The qualified facts a rule reads: its present events' conditions, then its deadlines."""
    used: dict[str, None] = {}
    for p in patterns:
        if p.condition is not None and not p.absent:
            for f in facts_of(p.condition):
                used.setdefault(f)
    for d in dues:
        used.setdefault(d.from_fact)
    return tuple(used)


def _compile_rule(comp: ConditionCompiler, raw: dict[str, Any], ptr: Pointer) -> ConversationRule | None:
    errors_before = len(comp.problems)
    seen = _events(comp, raw, ptr)
    patterns = _with_compared_facts_known(seen)
    dues = _deadlines(comp, raw, ptr, seen, errors_before)
    _no_deviation_from_free_text(comp, raw, ptr, seen, patterns)
    _check_template(comp, raw["message"], (*ptr, "message"), tuple((raw.get("due") or {}).keys()))
    suggestions = []
    for k, s in enumerate(raw.get("suggestions") or []):
        _check_template(comp, s["message"], (*ptr, "suggestions", k, "message"), ())
        suggestions.append(Suggestion(s["kind"], s["message"], s.get("value")))
    if len(comp.problems) > errors_before:
        return None
    source = {"document": raw["source"].get("document") or comp.data["document"]["citation"],
              "section": raw["source"]["section"]}
    if raw["source"].get("quote"):
        source["quote"] = raw["source"]["quote"]
    return ConversationRule(raw["id"], raw.get("title") or raw["message"].split(".")[0], raw["effect"],
                            raw["finding"], source, patterns, dues, raw["message"], tuple(suggestions),
                            _read_facts(patterns, dues), comp.src.where(ptr))


def _subjects(node: Any, ptr: Pointer) -> Iterator[tuple[str, Pointer]]:
    """The subject fact of every comparison in a raw condition, with where it is written."""
    if isinstance(node, dict):
        if "fact" in node and isinstance(node["fact"], str) and len(node) == 2:
            yield node["fact"], (*ptr, "fact")
        for key in ("all", "any"):
            for i, child in enumerate(node.get(key) or []):
                yield from _subjects(child, (*ptr, key, i))
        if "not" in node:
            yield from _subjects(node["not"], (*ptr, "not"))


def _check_compare(comp: ConditionCompiler, c: Compare, alias: str, earlier: set[str], positive: set[str],
                   cross_refs: dict[str, set[str]], ptr: tuple) -> None:
    rest = split(c.fact)[1]
    if rest.startswith("melding.pasient.id") or rest == "melding.pasient":
        comp.error(ptr, "overvåkingen har aldri pasientens nummer; knytt hendelser til samme pasient med "
                        "pasient.pseudonym equals {fact: HENDELSE.pasient.pseudonym}", "pasientnummer")
    if rest == "pasient.pseudonym" and not (c.op == "exists" or isinstance(c.operand, FactRef)):
        comp.error(ptr, "pasient.pseudonym kan bare sammenlignes med pasient.pseudonym i en annen hendelse",
                   "pasientnummer")
    if isinstance(c.operand, FactRef):
        other, other_rest = split(c.operand.path)
        if other != alias:
            if other not in earlier:
                comp.error(ptr, f"'{c.operand.path}': hendelsen '{other}' må komme før '{alias}'", "samtaleregel")
            elif other not in positive:
                comp.error(ptr, f"'{c.operand.path}': '{other}' er en fraværende hendelse; ingenting kan "
                           "sammenlignes med den", "samtaleregel")
            elif c.op not in CROSS_EVENT_OPS:
                comp.error(ptr, f"'{c.op}' kan ikke sammenligne fakta fra to hendelser; bruk en av: "
                           f"{', '.join(CROSS_EVENT_OPS)}", "samtaleregel")
            else:
                cross_refs.setdefault(other, set()).add(c.operand.path)
            if other_rest.startswith("melding.pasient.id"):
                comp.error(ptr, "overvåkingen har aldri pasientens nummer; bruk pasient.pseudonym", "pasientnummer")


def _check_template(comp: ConditionCompiler, text: str, ptr: tuple, due_names: tuple[str, ...]) -> None:
    for name in PLACEHOLDER.findall(text):
        alias, rest = split(name)
        if alias in ("param", "vocabulary", "due"):
            continue
        if any(rest == h or rest.startswith(h + ".") for h in HIDDEN_IN_TEMPLATES):
            comp.error(ptr, "en melding kan ikke vise pasientens nummer eller pseudonym", "pasientnummer")
        elif isinstance(comp.cat, ScopedCatalogue) and alias not in comp.cat.kinds:
            comp.error(ptr, f"teksten viser '{name}'; skriv HENDELSE.faktum med HENDELSE en av hendelsene regelen "
                            f"har sett: {', '.join(comp.cat.kinds) or 'ingen'}", "mal-leser-ukjent-faktum")
            return
    comp.check_template(text, ptr, due_names)
