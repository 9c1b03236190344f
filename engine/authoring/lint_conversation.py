"""The semantic lint of ``dialogvakt validate`` for conversation rules (``conversation_rules``).

The checks are those of ``lint`` for single-message rules, applied where they mean
something for rules over several events:

- ``slar-aldri-til``: an event pattern whose condition cannot hold. The search of
  ``lint.never_fires`` runs over the pattern's condition with its qualified paths
  (``svar.melding.type``) resolved in the events' own fact catalogues. A fact of an earlier
  event that the pattern compares with is tried with every value of its domain, as if it were
  free: that only adds combinations, so a pattern found impossible is impossible whatever the
  earlier event held. A present event must match certainly for the rule to give a finding, so
  it is impossible when its condition is true for no combination; an absent event blocks the
  rule as soon as an event possibly matches it (true or undecided), so it is impossible only
  when its condition is false for every combination, and the rule then reports every time.
- ``duplikat-regel`` / ``motstridende-regler``: two conversation rules with the same events
  (kind, absent, the deadline of ``within``, and the canonical condition, with event names
  replaced by their places, so ``forste``/``senere`` equals ``a``/``b``), and the same
  finding and effect, or different effects (deviation against advice: the same situation
  both breaks the guideline and is only a hint).
- ``mal-utenfor-vilkar``: a message template showing an event's fact that no pattern of the
  rule reads (nor its deadlines), that the monitor does not give every event (its time), that
  does not name the message's parties (``NAMES_THE_PARTIES``), and that is not closely related
  to one such fact of the same event (``lint.related``).
"""

from __future__ import annotations

from ..lang.conversation import ScopedCatalogue, event_catalogue
from ..lang.loader import PackProblem
from ..lang.tree import All, CompiledPack, Condition, ConversationRule, EventPattern, facts_of, split, top_conjuncts
from .checks import canonical, problem, related, rule_index, shown_facts, where
from .search import SearchGaveUp, never_fires

_EFFECT_WORDS = {"deviation": "avvik", "advice": "råd"}

# Facts every event of a kind has when the monitor takes it in (engine/monitor_events.py): the
# event's time; for a message, the time it was sent (melding.sendt defaults to the event's time)
# and its type (required by the input contract, which a message event is checked against); for a
# receipt, the message it answers and its status; for an admission, its id. A template may show
# them without a pattern reading them, and the search never tries them as missing.
ALWAYS_GIVEN = {
    "melding": frozenset(("hendelse.tidspunkt", "melding.sendt", "melding.type")),
    "kvittering": frozenset(("hendelse.tidspunkt", "kvittering.melding_id", "kvittering.status")),
    "innleggelse": frozenset(("hendelse.tidspunkt", "innleggelse.id")),
}


# Facts that name who a message went to or came from. A finding is read later and away from the
# message, so its text may name the parties to help the reader find the message, even though no
# pattern reads them (they may still be missing, so the search does not treat them as given).
NAMES_THE_PARTIES = {
    "melding": frozenset(("melding.avsender.organisasjon", "melding.avsender.tjeneste",
                          "melding.mottaker.organisasjon", "melding.mottaker.tjeneste")),
}


def _parties(kinds: dict[str, str]) -> frozenset[str]:
    return frozenset(f"{alias}.{path}" for alias, kind in kinds.items() for path in NAMES_THE_PARTIES.get(kind, ()))


def _given(kinds: dict[str, str]) -> frozenset[str]:
    """The qualified facts of a rule's events that are never missing."""
    return frozenset(f"{alias}.{path}" for alias, kind in kinds.items() for path in ALWAYS_GIVEN.get(kind, ()))


def conversation_problems(pack: CompiledPack) -> list[PackProblem]:
    """The findings of the semantic checks on a pack's compiled conversation rules."""
    if not pack.conversation:
        return []
    index = rule_index(pack, "conversation_rules")
    return [*pattern_problems(pack, index), *same_events_problems(pack, index),
            *conversation_template_problems(pack, index)]


def _kinds(rule: ConversationRule) -> dict[str, str]:
    return {p.alias: p.event for p in rule.patterns}


# --------------------------------------------------------------------------- patterns that cannot hold

def pattern_problems(pack: CompiledPack, index: dict[str, int]) -> list[PackProblem]:
    out: list[PackProblem] = []
    for rule in pack.conversation:
        i = index[rule.id]
        kinds = _kinds(rule)
        cat, given = ScopedCatalogue(kinds), _given(kinds)
        raw_events = pack.conversation_rules[i]["events"]
        for j, p in enumerate(rule.patterns):
            if p.condition is None or "when" not in raw_events[j]:
                continue
            parts = independent_parts(p.condition)
            ptr = ("conversation_rules", i, "events", j, "when")
            try:
                impossible = any(never_fires(part, pack, cat, possibly=p.absent, given=given) for part in parts)
            except SearchGaveUp as exc:
                out.append(problem(pack, ptr, "sok-ga-opp", f"{exc}; om hendelsen kan forekomme, er ikke "
                                   "kontrollert", rule.id))
                continue
            if impossible:
                out.append(problem(pack, ptr, "slar-aldri-til", _impossible_text(rule, p), rule.id))
    return out


def independent_parts(cond: Condition) -> list[Condition]:
    """The conjuncts of a top-level ``all`` grouped so that no two groups read a common fact.

    An ``all`` is true (or, for an absent event, not false) for some combination of values
    exactly when each group is, since the groups' values can be chosen apart; so each group can
    be searched alone, and a pattern with several comparisons on other events' facts stays
    within the search's limit."""
    conjuncts = top_conjuncts(cond)
    if len(conjuncts) < 2:
        return [cond]
    groups: list[tuple[set[str], list[Condition]]] = []
    for c in conjuncts:
        facts = set(facts_of(c))
        joined = [g for g in groups if g[0] & facts]
        merged = (facts.union(*(g[0] for g in joined)), [x for g in joined for x in g[1]] + [c])
        groups = [g for g in groups if not any(g is j for j in joined)] + [merged]
    return [parts[0] if len(parts) == 1 else All(tuple(parts)) for _, parts in groups]


def _impossible_text(rule: ConversationRule, p: EventPattern) -> str:
    facts = ", ".join(f for f in facts_of(p.condition) if split(f)[0] == p.alias)
    if not p.absent:
        return (f"hendelsen '{p.alias}' kan aldri passe: vilkåret er usant uansett hva hendelsen inneholder "
                f"({facts}); regelen kan aldri gi et funn")
    when = f"når fristen {p.within} går ut" if p.within else "når de andre hendelsene er sett"
    return (f"den fraværende hendelsen '{p.alias}' kan aldri passe: vilkåret er usant for enhver hendelse "
            f"({facts}); regelen gir derfor alltid et funn {when}")


# --------------------------------------------------------------------------- same events

EventKey = tuple[str, bool, tuple[str, str, int] | None, str]  # event, absent, deadline, condition


def events_key(rule: ConversationRule) -> tuple[EventKey, ...]:
    """The events of a rule in a form that is the same for rules differing only in event names,
    order inside all/any, message and title."""
    places = {p.alias: f"#{j}" for j, p in enumerate(rule.patterns)}

    def rename(path: str) -> str:
        alias, rest = split(path)
        return f"{places[alias]}.{rest}" if alias in places else path

    key: list[EventKey] = []
    for p in rule.patterns:
        deadline: tuple[str, str, int] | None = None
        if p.within is not None:
            d = rule.deadline(p.within)
            deadline = (rename(d.from_fact), d.unit, d.amount)
        condition = canonical(p.condition, rename) if p.condition is not None else ""
        key.append((p.event, p.absent, deadline, condition))
    return tuple(key)


def same_events_problems(pack: CompiledPack, index: dict[str, int]) -> list[PackProblem]:
    out: list[PackProblem] = []
    first: dict[tuple[EventKey, ...], list[ConversationRule]] = {}
    for rule in pack.conversation:
        key = events_key(rule)
        ptr = ("conversation_rules", index[rule.id], "events")
        for other in first.get(key, []):
            other_at = where(pack, ("conversation_rules", index[other.id]))
            if rule.effect != other.effect:
                out.append(problem(pack, ptr, "motstridende-regler",
                                    f"samme hendelser og vilkår som samtaleregelen '{other.id}' ({other_at}), men "
                                    f"motstridende virkning: {_EFFECT_WORDS[other.effect]} der, "
                                    f"{_EFFECT_WORDS[rule.effect]} her", rule.id))
            elif rule.finding == other.finding:
                out.append(problem(pack, ptr, "duplikat-regel",
                                    f"samme hendelser og vilkår, samme funn ({rule.finding}) og samme virkning "
                                    f"({_EFFECT_WORDS[rule.effect]}) som samtaleregelen '{other.id}' ({other_at}); "
                                    "er den ene overflødig?", rule.id))
        first.setdefault(key, []).append(rule)
    return out


# --------------------------------------------------------------------------- templates

def _related_in_event(name: str, fact: str, kinds: dict[str, str]) -> bool:
    """Two qualified facts of the same event that are closely related (``lint.related`` in that event's catalogue)."""
    alias, rest = split(name)
    other_alias, other_rest = split(fact)
    return alias == other_alias and alias in kinds and related(rest, other_rest, event_catalogue(kinds[alias]))


def conversation_template_problems(pack: CompiledPack, index: dict[str, int]) -> list[PackProblem]:
    out: list[PackProblem] = []
    for rule in pack.conversation:
        kinds = _kinds(rule)
        cat, given, parties = ScopedCatalogue(kinds), _given(kinds), _parties(kinds)
        allowed = set(rule.facts)  # the rule's facts include those its deadlines are counted from
        for pointer, name in shown_facts(rule, cat):
            if name in allowed or name in given or name in parties:
                continue
            if any(_related_in_event(name, fact, kinds) for fact in allowed):
                continue
            alias = split(name)[0]
            out.append(problem(pack, ("conversation_rules", index[rule.id], *pointer), "mal-utenfor-vilkar",
                                f"teksten viser {{{name}}}, men ingen av hendelsene regelen ser, leser "
                                f"{name} (hendelsen '{alias}'); når regelen gir et funn kan det mangle, og "
                                "teksten viser da «(ukjent)»", rule.id))
    return out
