"""Evaluating messages against compiled packs, and the Engine that record systems embed.

An ``Engine`` is built once (packs are read and compiled then) and is safe to
share between threads: compiled packs are never mutated and each evaluation
keeps its state on the stack.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import ChainMap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..contract.bokmal import norsk_dato
from ..contract.decision import Decision, Finding, Missing, PackDecision, PackOutcome, SuggestionOut, Validity, combine
from ..contract.facts import FactPlan, Facts, missing_inputs, prepare, prepare_planned
from ..lang.compiler import compile_pack
from ..lang.loader import PackError, bundled_policies_dir, list_pack_folders
from ..lang.tree import CompiledPack, Quantified, Rule, Suggestion, element_fact, facts_of, quantifiers
from .closures import ElementFacts, NodeTests, evaluate_traced, undecided_facts, witnesses
from .deadlines import resolve_due
from .describe import condition_text
from .program import Program, build
from .render import Renderer, fact_snapshot, render_template


@dataclass
class PackResult:
    pack: CompiledPack
    decision: PackDecision
    validity: Validity
    fired: list[Rule]
    undecided: list[Rule]
    trace: list[dict[str, Any]] | None = None
    scope: bool | None = True  # for a pack named by the caller: whether its scope held (None: not known)
    program: Program | None = None


def evaluate_pack(program: Program, facts: Mapping[str, Any], *, explain: bool = False) -> PackResult:
    """Run every rule of one pack over the facts (three-valued: fired, not fired, undecided)."""
    pack = program.pack
    trace: list[dict[str, Any]] | None = None
    if explain:
        fired: list[Rule] = []
        undecided: list[Rule] = []
        trace = []
        for rule in pack.rules:
            result, steps = evaluate_traced(rule.condition, facts)
            trace.append({"pack": pack.id, "rule": rule.id, "effect": rule.effect,
                          "result": {True: "fired", False: "not_fired", None: "undecided"}[result],
                          "conditions": mask_trace(steps, facts)})
            if result is True:
                fired.append(rule)
            elif result is None:
                undecided.append(rule)
    else:
        fired, undecided = program.run(facts)
    today = facts["tidspunkt"].date()
    return PackResult(pack, pack_decision(fired, undecided), pack.validity(today), fired, undecided, trace,
                      program=program)


def pack_decision(fired: Iterable[Rule], undecided: Iterable[Rule]) -> PackDecision:
    """One pack's decision: deny when a deny rule fired, indeterminate when one is undecided, else allow."""
    if any(r.effect == "deny" for r in fired):
        return "deny"
    if any(r.effect == "deny" for r in undecided):
        return "indeterminate"
    return "allow"


_HELD = {True: "true", False: "false", None: "unknown"}


def mask_trace(steps: list[dict[str, Any]], facts: Mapping[str, Any], element: str | None = None
               ) -> list[dict[str, Any]]:
    """A condition trace with the values each comparison saw, masked as in decisions.

    Inside a quantifier an element's field is named by its place (``melding.mottakere[1].tjeneste``).
    """
    out: list[dict[str, Any]] = []
    for step in steps:
        step = dict(step)
        if "fact" in step:
            step["value"] = fact_snapshot((step["fact"],), facts).get(step["fact"])
            if element is not None and element_fact(step["fact"]):
                step["fact"] = f"{element}.{step['fact']}"
        elif "elements" in step:  # each / some
            kind = "each" if "each" in step else "some"
            items = facts.get(step[kind]) or []
            step["elements"] = [{**e, "result": _HELD[e["result"]],
                                 "conditions": mask_trace(e["conditions"], ElementFacts(items[e["index"]], facts),
                                                          f"{step[kind]}[{e['index']}]")}
                                for e in step["elements"]]
        else:
            for key in ("all", "any", "not"):
                if key in step:
                    step[key] = mask_trace(step[key], facts, element)
        step["result"] = _HELD[step["result"]]
        out.append(step)
    return out


def compile_packs(root: Path) -> list[CompiledPack]:
    """Compile every pack folder under ``root``.

    Raises FileNotFoundError when there is none, and PackError with the problems of every pack that fails.
    """
    folders = list_pack_folders(root)
    if not folders:
        raise FileNotFoundError(f"no packs (folders with pack.yaml) under {root}")
    compiled, problems = [], []
    for folder in folders:
        try:
            compiled.append(compile_pack(folder))
        except PackError as exc:
            problems.extend(exc.problems)
    if problems:
        raise PackError(problems)
    return compiled


class UnknownPackError(KeyError):
    def __init__(self, pack_id: str, known: Iterable[str]):
        super().__init__(pack_id)
        self.pack_id = pack_id
        self.known = tuple(known)

    def __str__(self) -> str:
        return f"ukjent retningslinje '{self.pack_id}'; kjente: {', '.join(self.known)}"


class Engine:
    """Compiled packs plus evaluation. Build once, evaluate many times, from any thread."""

    def __init__(self, packs: Iterable[CompiledPack], *, allow_synthetic_ids: bool = False):
        self.packs: dict[str, CompiledPack] = {p.id: p for p in packs}
        self.allow_synthetic_ids = allow_synthetic_ids
        # the closures and generated rule functions are built now, not on a first request
        self.programs: dict[str, Program] = {p.id: build(p) for p in self.packs.values()}
        # the derived facts any of these packs reads: evaluate() derives only those
        self.fact_plan = FactPlan.for_facts(fact for p in self.packs.values() for fact in facts_read(p))

    @classmethod
    def from_directory(cls, path: str | Path | None = None, **options: Any) -> Engine:
        """Compile every pack under ``path`` (default: the packs bundled with Dialogvakt).

        Raises PackError listing the problems of every pack that fails.
        """
        root = Path(path) if path is not None else bundled_policies_dir()
        return cls(compile_packs(root), **options)

    # ---- evaluation

    def facts(self, request: Mapping[str, Any], *, at: dt.datetime | str | None = None,
              now: dt.datetime | None = None) -> Facts:
        # prepare is typed for a dict and answers anything else with InputError("$", ...)
        return prepare(request, at=at, now=now, allow_synthetic_ids=self.allow_synthetic_ids)

    def select(self, facts: Mapping[str, Any], pack: str | Iterable[str] | None = None) -> list[CompiledPack]:
        """The packs to evaluate: those named, or every pack whose scope matches."""
        if pack is not None:
            names = [pack] if isinstance(pack, str) else list(pack)
            for name in names:
                if name not in self.packs:
                    raise UnknownPackError(name, self.packs)
            return [self.packs[n] for n in names]
        return [p for p in self.packs.values() if self.programs[p.id].scope(facts) is True]

    def evaluate(self, request: Mapping[str, Any], *, pack: str | Iterable[str] | None = None,
                 at: dt.datetime | str | None = None, now: dt.datetime | None = None,
                 explain: bool = False) -> Decision:
        """Evaluate one request in the input contract. Raises InputError on invalid input."""
        facts = prepare_planned(request, self.fact_plan, at=at, now=now, allow_synthetic_ids=self.allow_synthetic_ids)
        return self.decide(facts, pack=pack, explain=explain)

    def decide(self, facts: Facts, *, pack: str | Iterable[str] | None = None, explain: bool = False) -> Decision:
        values = facts.values
        results = []
        for p in self.select(values, pack):
            program = self.programs[p.id]
            held = True if pack is None else program.scope(values)  # a named pack still has its scope
            if held is False:
                results.append(out_of_scope(program, values))
                continue
            result = evaluate_pack(program, values, explain=explain)
            if held is None:
                result.scope = None
                if result.decision == "allow":  # not known to apply: never a silent allow
                    result.decision = "indeterminate"
            results.append(result)
        return assemble(results, facts, explain=explain)


def facts_read(pack: CompiledPack) -> set[str]:
    """Every fact a pack's scope, conditions, texts, snapshots and deadlines can read."""
    out = set(facts_of(pack.scope))
    for rule in pack.rules:
        out.update(facts_of(rule.condition), rule.facts, (d.from_fact for d in rule.due))
        for template in (rule.template, *(s.template for s in rule.suggestions)):
            out.update(part[1] for part in template if not isinstance(part, str) and part[0] == "fact")
    return out


def with_elements(rule: Rule, facts: Mapping[str, Any], tests: NodeTests | None = None,
                  found: tuple[Quantified, ...] | None = None) -> Mapping[str, Any]:
    """The facts a fired rule's texts are filled from: for a rule with ``each``/``some``, a field through the
    list (``melding.mottakere.tjeneste``) is the field of the elements that made the rule fire.

    ``found`` is the rule's quantifiers when they are known already (a ``Program`` keeps them)."""
    if found is None:
        found = tuple(quantifiers(rule.condition))
    if not found:
        return facts
    extra: dict[str, Any] = {}
    for node in found:
        items = facts.get(node.list_path) or []
        chosen = [items[i] for i in witnesses(node, facts, tests)]
        for item in chosen:
            for key, value in item.items():
                extra.setdefault(f"{node.list_path}.{key}", []).append(value)
    return ChainMap(extra, dict(facts))


def out_of_scope(program: Program, facts: Mapping[str, Any]) -> PackResult:
    """A named pack whose scope does not hold for the message: not applicable, no rule evaluated."""
    pack = program.pack
    return PackResult(pack, "not_applicable", pack.validity(facts["tidspunkt"].date()), [], [], None, scope=False,
                      program=program)


def scope_note(pack: CompiledPack, facts: Mapping[str, Any]) -> str:
    """Why a named pack's scope does not hold (or is not known to), in bokmål, naming the conditions."""
    held, steps = evaluate_traced(pack.scope, facts)
    shown = mask_trace(steps, facts)
    parts = shown[0]["all"] if len(shown) == 1 and "all" in shown[0] else shown
    wanted = "false" if held is False else "unknown"
    failing = [p for p in parts if p["result"] == wanted]
    said = "; ".join(condition_text(p) for p in failing) or "virkeområdet"
    scope = " ".join(pack.scope_description.split())
    if held is False:
        return (f"Retningslinjen {pack.citation} gjelder ikke denne meldingen, selv om den ble valgt: {scope} "
                f"Dette stemmer ikke for meldingen: {said}.")
    return (f"Det er ikke avklart om retningslinjen {pack.citation} gjelder denne meldingen ({scope}). "
            f"Dette er ukjent: {said}.")


def assemble(results: list[PackResult], facts: Facts, *, explain: bool = False) -> Decision:
    """Build the decision document from pack results."""
    values = facts.values
    reasons: list[Finding] = []
    advice: list[Finding] = []
    obligations: list[Finding] = []
    suggestions: list[SuggestionOut] = []
    missing: dict[tuple[str, str], tuple[list[str], bool]] = {}
    outcomes: list[PackOutcome] = []
    trace: list[dict[str, Any]] = []
    notes = list(facts.notes)
    for res in results:
        p = res.pack
        program = res.program
        tests = program.node_tests if program is not None else None
        quantified = program.quantified if program is not None else {}
        renderers = program.renderers if program is not None else {}
        if res.scope is not True:
            notes.append(scope_note(p, values))
        if res.scope is False:
            outcomes.append(pack_outcome(p, res.validity, res.decision))
            continue
        if res.scope is None:
            for used in undecided_facts(p.scope, values, tests):
                for path in missing_inputs(used, values):
                    rules, _ = missing.get((path, p.id), ([], False))
                    missing[(path, p.id)] = ([*rules, f"{p.id}.virkeomrade"], True)
        outcomes.append(pack_outcome(p, res.validity, res.decision))
        if res.validity != "valid":
            advice.append(_validity_advice(p, res.validity))
        for rule in res.fired:
            effect = rule.effect
            found = quantified.get(rule.id)
            seen = values if found == () else with_elements(rule, values, tests, found)
            message, shown = renderers.get(rule.id) or _renderers(rule)
            if effect == "obligation":
                if res.decision == "deny":
                    continue  # a message that must not be sent carries no answer deadline
                due = {d.name: resolve_due(d, values) for d in rule.due}
                obligations.append(Finding(rule.id, p.id, effect, rule.title, rule.source, message(seen, due),
                                           fact_snapshot(rule.facts, seen), rule.obligation_kind,
                                           {k: v.isoformat() if v else None for k, v in due.items()} or None))
            else:
                finding = Finding(rule.id, p.id, effect, rule.title, rule.source, message(seen, None),
                                  fact_snapshot(rule.facts, seen))
                (reasons if effect == "deny" else advice).append(finding)
            for sug, render in shown:  # for an obligation: how to meet it
                suggestions.append(SuggestionOut(rule.id, p.id, sug.kind, render(seen, None), sug.value))
        for rule in res.undecided:
            for used in undecided_facts(rule.condition, values, tests):
                for path in missing_inputs(used, values):
                    rules, decisive = missing.get((path, p.id), ([], False))
                    if rule.id not in rules:
                        rules.append(rule.id)
                    missing[(path, p.id)] = (rules, decisive or rule.effect == "deny")
        if res.trace is not None:
            trace.extend(res.trace)
    return Decision(
        decision=combine([r.decision for r in results]),
        packs=tuple(outcomes), reasons=tuple(reasons), advice=tuple(advice), obligations=tuple(obligations),
        suggestions=tuple(suggestions),
        missing=tuple(Missing(f, pk, tuple(rs), d) for (f, pk), (rs, d) in missing.items()),
        evaluated_at=values["tidspunkt"], message_id=values.get("melding.id"), notes=tuple(notes),
        trace=tuple(trace) if explain else None)


def _renderers(rule: Rule) -> tuple[Renderer, tuple[tuple[Suggestion, Renderer], ...]]:
    """A rule's renderers when no ``Program`` made them (the reference evaluation, results built by hand):
    the plain ``render_template``."""
    return (functools.partial(render_template, rule.template),
            tuple((sug, functools.partial(render_template, sug.template)) for sug in rule.suggestions))


@functools.lru_cache(maxsize=1024)
def pack_outcome(pack: CompiledPack, validity: Validity, decision: PackDecision) -> PackOutcome:
    """A pack's line in the decision document (the same immutable object for the same pack and answer)."""
    return PackOutcome(pack.id, pack.title, pack.citation, pack.version, pack.revision, pack.valid_from,
                       pack.valid_to, validity, decision)


def _validity_advice(pack: CompiledPack, validity: str) -> Finding:
    text, facts = _validity_text(pack, validity)
    return Finding(f"{pack.id}.gyldighet", pack.id, "advice", "Gyldighet",
                   {"document": pack.citation, "section": "Gyldighet"}, text, dict(facts))


@functools.lru_cache(maxsize=1024)
def _validity_text(pack: CompiledPack, validity: str) -> tuple[str, tuple[tuple[str, str | None], ...]]:
    if validity == "expired":
        assert pack.valid_to is not None  # only a pack with a last day expires
        message = (f"Retningslinjen {pack.citation} gjaldt til og med {norsk_dato(pack.valid_to)} og er utløpt. "
                   "Vurderingen bygger på en utløpt retningslinje; sjekk om det finnes en ny versjon.")
    else:
        message = (f"Retningslinjen {pack.citation} gjelder først fra {norsk_dato(pack.valid_from)}. "
                   "Vurderingen bygger på en retningslinje som ikke har trådt i kraft.")
    if pack.validity_local:
        message += f" (Datoen er en lokal innstilling: {pack.validity_local})"
    return message, (("valid_from", pack.valid_from.isoformat()),
                     ("valid_to", pack.valid_to.isoformat() if pack.valid_to else None))


__all__ = ["Engine", "PackResult", "UnknownPackError", "assemble", "compile_packs", "evaluate_pack", "pack_decision"]
