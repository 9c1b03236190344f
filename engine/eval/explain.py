"""Why a message got its decision: every rule, every condition, the values it saw.

``dialogvakt explain FILE`` prints the explanation as a readable tree in bokmål;
``--format json`` gives the same content as a document for tools:

    {"decision": "deny", "packs_named": false,
     "scope": [{"pack": ..., "selected": true, "result": "true", "conditions": [...]}],
     "packs": [{"id": ..., "decision": ..., "validity": ...,
                "rules": [{"rule": ..., "title": ..., "effect": ..., "section": ..., "location": "rules.yaml:12:5",
                           "result": "fired" | "not_fired" | "undecided", "missing": [...],
                           "conditions": [<node>, ...]}]}]}

A node is a comparison ``{"fact", "op", "operand", "operand_value"?, "value", "result"}`` or a group
``{"all" | "any" | "not": [<node>, ...], "result"}``; results are "true", "false" or "unknown".
Values come through the same masking as decisions: a patient's number is never shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from ..contract.bokmal import label, show
from ..contract.facts import missing_inputs
from ..lang.tree import CompiledPack, Rule
from .closures import evaluate_traced, undecided_facts
from .engine import Engine, mask_trace

HELD = {True: "true", False: "false", None: "unknown"}

OPS = {  # how a comparison reads in bokmål
    "equals": "er", "not_equals": "er ikke", "in": "er en av", "not_in": "er ingen av",
    "gt": "er større enn", "ge": "er minst", "lt": "er mindre enn", "le": "er høyst",
    "exists": "finnes", "contains": "inneholder", "contains_any": "inneholder minst én av",
    "starts_with": "begynner med", "matches": "passer med mønsteret", "mixes": "blander flere av gruppene i",
}
MARK = {"fired": "SLO TIL", "not_fired": "slo ikke til", "undecided": "UAVKLART"}
SIGN = {"true": "✓", "false": "✗", "unknown": "?"}
GROUP = {"all": "alle disse", "any": "minst én av disse", "not": "ikke dette"}


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
        rules = [_rule(p, r, traced[(p.id, r.id)], values) for r in p.rules if rule is None or r.id == rule]
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


def tree_lines(steps: Iterable[Mapping[str, Any]], depth: int) -> list[str]:
    """A condition trace (as in ``Decision.trace``) as indented lines, one per comparison or group."""
    pad = "  " * depth
    lines: list[str] = []
    for s in steps:
        if "fact" in s:
            lines.append(f"{pad}{SIGN[s['result']]} {comparison_text(s)}")
        else:
            key = next(k for k in GROUP if k in s)
            lines.append(f"{pad}{SIGN[s['result']]} {GROUP[key]}:")
            lines += tree_lines(s[key], depth + 1)
    return lines


def comparison_text(step: Mapping[str, Any]) -> str:
    """One comparison as a sentence: the fact, the test, what the message had."""
    fact = name = step["fact"]
    op = OPS.get(step["op"], step["op"])
    if step["op"] == "exists":
        test = "finnes" if step["operand"] is True else "finnes ikke"
        text = f"{name} {test}"
    else:
        text = f"{name} {op} {_operand(step, fact)}"
    value = step.get("value")
    seen = "ingen verdi" if value is None else f"verdien var «{_value(value, fact)}»"
    return f"{text}: {seen}"


def _operand(step: Mapping[str, Any], fact: str) -> str:
    written = step["operand"]
    if isinstance(written, dict):
        if "param" in written:
            extra = f" = {_value(step['operand_value'], fact)}" if "operand_value" in step else ""
            return f"parameteren {written['param']}{extra}"
        if "vocabulary" in written:
            count = f" ({len(step['operand_value'])} ord)" if "operand_value" in step else ""
            return f"ordlisten {written['vocabulary']}{count}"
        if "fact" in written:
            return f"faktumet {written['fact']}"
    if isinstance(written, list):
        return "[" + ", ".join(_value(v, fact) for v in written) + "]"
    return _value(written, fact)


def _value(value: Any, fact: str) -> str:
    if isinstance(value, list):
        return ", ".join(_value(v, fact) for v in value)
    if isinstance(value, str) and len(value) > 80:
        value = value[:79].rstrip() + "…"
    return show(value, fact) if isinstance(value, (str, bool)) else show(value)
