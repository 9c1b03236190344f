"""Why a message got its decision: every rule, every condition, the values it saw.

``dialogvakt explain FILE`` prints the explanation as a readable tree in bokmål;
``--format json`` gives the same content as a document for tools:

    {"decision": "deny", "packs_named": false,
     "scope": [{"pack": ..., "selected": true, "result": "true", "conditions": [...]}],
     "packs": [{"id": ..., "decision": ..., "validity": ...,
                "rules": [{"rule": ..., "title": ..., "effect": ..., "section": ..., "location": "rules.yaml:12:5",
                           "result": "fired" | "not_fired" | "undecided", "missing": [...],
                           "conditions": [<node>, ...]}]}]}

A node is a comparison ``{"fact", "op", "operand", "operand_value"?, "match"?, "value", "result"}``
(``match``: how a text test matches, see ``text_match``) or a group
``{"all" | "any" | "not": [<node>, ...], "result"}``; results are "true", "false" or "unknown".
Values come through the same masking as decisions: a patient's number is never shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from ..contract.bokmal import label
from ..contract.facts import catalogue, missing_inputs
from ..lang.tree import CompiledPack, Rule
from .closures import evaluate_traced, undecided_facts
from .describe import GROUP, tree_lines
from .engine import Engine, mask_trace

HELD = {True: "true", False: "false", None: "unknown"}

MARK = {"fired": "SLO TIL", "not_fired": "slo ikke til", "undecided": "UAVKLART"}


def explain(engine: Engine, request: Mapping[str, Any], *, pack: str | Iterable[str] | None = None,
            at: dt.datetime | str | None = None, rule: str | None = None) -> dict[str, Any]:
    """The explanation document for one request. Raises InputError / UnknownPackError like ``evaluate``."""
    facts = engine.facts(request, at=at)
    values = facts.values
    decision = engine.decide(facts, pack=pack, explain=True)
    scope: list[dict[str, Any]] = []
    if pack is None:
        for p in engine.packs.values():
            held, steps = evaluate_traced(p.scope, values)
            scope.append({"pack": p.id, "selected": held is True, "result": HELD[held],
                          "conditions": _operands(mask_trace(steps, values), p)})
    traced = {(t["pack"], t["rule"]): t for t in decision.trace or ()}
    packs: list[dict[str, Any]] = []
    for o in decision.packs:
        p = engine.packs[o.id]
        rules = [_rule(p, r, traced[(p.id, r.id)], values) for r in p.rules
                 if (rule is None or r.id == rule) and (p.id, r.id) in traced]  # none for a pack out of scope
        packs.append({"id": p.id, "title": p.title, "document": p.citation, "decision": o.decision,
                      "validity": o.validity, "rules": rules})
    return {"decision": decision.decision, "packs_named": pack is not None, "scope": scope, "packs": packs,
            "missing": [m.fact for m in decision.missing if m.decisive]}


def _rule(pack: CompiledPack, rule: Rule, traced: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """One rule from the decision's trace, with its place in the pack and what it lacked when undecided."""
    missing: list[str] = []
    if traced["result"] == "undecided":
        for used in undecided_facts(rule.condition, values):
            missing += [m for m in missing_inputs(used, values) if m not in missing]
    return {"rule": rule.id, "title": rule.title, "effect": rule.effect, "section": rule.source.get("section"),
            "location": str(rule.location) if rule.location else None, "result": traced["result"],
            "missing": missing, "conditions": _operands(traced["conditions"], pack)}


def text_match(step: Mapping[str, Any], pack: CompiledPack) -> str | None:
    """How a text test matches: ``word`` (whole words), ``prefix`` (a word begins so), ``exact`` (the whole
    value, or an element of a list), ``regex``, ``substring`` (anywhere, inside words too) or ``start``."""
    op, written = step.get("op"), step.get("operand")
    if op not in ("contains_any", "contains", "starts_with", "matches"):
        return None
    info = catalogue().get(str(step.get("fact")))
    is_list = info is not None and info.type == "list"
    if isinstance(written, dict) and "vocabulary" in written and written["vocabulary"] in pack.vocabularies:
        vocabulary = pack.vocabularies[written["vocabulary"]]
        return "exact" if is_list else vocabulary.match
    if op == "matches":
        return "regex"
    if op == "starts_with":
        return "start"
    if is_list:
        return "exact"
    return "word" if op == "contains_any" else "substring"


def _operands(steps: list[dict[str, Any]], pack: CompiledPack) -> list[dict[str, Any]]:
    """Add what a parameter or vocabulary operand stands for, so the reader sees the number compared."""
    for step in steps:
        if "fact" in step:
            written = step.get("operand")
            if isinstance(written, dict) and "param" in written and written["param"] in pack.parameters:
                value = pack.parameters[written["param"]].value
                step["operand_value"] = value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value
            elif isinstance(written, dict) and "vocabulary" in written and written["vocabulary"] in pack.vocabularies:
                step["operand_value"] = list(pack.vocabularies[written["vocabulary"]].terms)
            how = text_match(step, pack)
            if how:
                step["match"] = how
        elif "elements" in step:
            for e in step["elements"]:
                _operands(e["conditions"], pack)
        else:
            for key in GROUP:
                if key in step:
                    _operands(step[key], pack)
    return steps


# --------------------------------------------------------------------------- text

def explain_text(doc: Mapping[str, Any], *, only: str | None = None) -> str:
    """The explanation as an indented tree. ``only`` keeps rules with that result (fired, not_fired, undecided)."""
    lines = [f"Avgjørelse: {label('decision', doc['decision']).upper()}"]
    if doc["missing"]:
        lines.append("Mangler for å avgjøre: " + ", ".join(doc["missing"]))
    if doc["scope"]:
        chosen = [s["pack"] for s in doc["scope"] if s["selected"]]
        lines.append("Valgt etter virkeområdet: " + (", ".join(chosen) or "ingen retningslinje passer"))
        for s in doc["scope"]:
            if not s["selected"]:
                why = "uavklart" if s["result"] == "unknown" else "passer ikke"
                lines.append(f"  ikke valgt: {s['pack']} (virkeområdet {why})")
    for p in doc["packs"]:
        state = {"expired": ", UTLØPT", "not_yet_valid": ", ikke i kraft ennå"}.get(p["validity"], "")
        lines += ["", f"{p['document']} ({p['id']}{state}) → {label('decision', p['decision'])}"]
        for r in p["rules"]:
            if only and r["result"] != only:
                continue
            where = f"  [{r['location']}]" if r["location"] else ""
            lines.append(f"  [{MARK[r['result']]}] {r['rule']} ({label('effect', r['effect'])}, § {r['section']}) "
                         f"– {r['title']}{where}")
            if r["missing"]:
                lines.append(f"      mangler: {', '.join(r['missing'])}")
            lines += tree_lines(r["conditions"], 3)
    return "\n".join(lines)


