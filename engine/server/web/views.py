"""What the templates show, made from the engine's own documents: decisions, explanations, traces.

Every text comes through the engine's bokmål helpers (``contract.bokmal``, ``eval.describe``,
``eval.render``); nothing here decides anything.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ...authoring.trace import trace_rows
from ...contract.bokmal import label, norsk_dato
from ...contract.decision import Decision, Finding
from ...contract.times import OSLO
from ...eval.describe import GROUP, QUANTIFIER, SIGN, comparison_text, condition_outline
from ...eval.render import cite
from ...lang.tree import CompiledPack, ConversationRule, Rule

OUTCOME = {  # the decision as a heading a clinician reads
    "allow": ("Meldingen kan sendes", "Ingen regel i retningslinjen stopper meldingen."),
    "deny": ("Meldingen er stoppet", "Meldingen bryter med retningslinjen. Se hvorfor nedenfor."),
    "indeterminate": ("Kan ikke avgjøres ennå", "Det mangler opplysninger for å avgjøre om meldingen kan sendes."),
    "not_applicable": ("Ingen retningslinje gjelder", "Ingen av retningslinjene gjelder for denne meldingen."),
}
VALIDITY = {"valid": "gjelder", "expired": "utløpt", "not_yet_valid": "ikke trådt i kraft"}
EFFECT = {"deny": "stopper meldingen", "advice": "råd", "obligation": "plikt", "deviation": "avvik"}
RESULT = {"fired": "slo til", "not_fired": "slo ikke til", "undecided": "uavklart"}
DUE_NAMES = {"tidligst": "tidligst", "senest": "senest", "svarfrist": "svarfrist"}
EVENTS = {"melding": "en melding", "kvittering": "en kvittering", "innleggelse": "en innleggelse",
          "utskrivning": "en utskrivning", "klokke": "tiden går"}
UNITS = {"working_days": "virkedager", "days": "dager", "hours": "timer"}


def when(value: str | dt.date | dt.datetime | None, *, weekday: bool = True) -> str:
    """A date or a time as a person reads it: 'tirsdag 10. juni 2025', '2. juni 2025 kl. 10:00'."""
    if value is None or value == "":
        return ""
    moment: dt.date | dt.datetime
    if isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
        except ValueError:
            return value
    else:
        moment = value
    if isinstance(moment, dt.datetime):
        local = moment.astimezone(OSLO) if moment.tzinfo else moment
        if (local.hour, local.minute, local.second) == (0, 0, 0):
            return norsk_dato(local.date(), weekday=weekday)
        return f"{norsk_dato(local.date(), weekday=weekday)} kl. {local:%H:%M}"
    return norsk_dato(moment, weekday=weekday)


def section_label(section: str) -> str:
    return f"§ {section}" if section[:1].isdigit() else section


def anchor(section: str) -> str:
    return "avsnitt-" + (re.sub(r"[^a-z0-9æøå]+", "-", section.casefold()).strip("-") or "x")


# --------------------------------------------------------------------------- a decision

def _finding(f: Finding, pack_titles: Mapping[str, str]) -> dict[str, Any]:
    section = str(f.source.get("section", ""))
    due = [{"name": DUE_NAMES.get(k, k.replace("_", " ")), "when": when(v)} for k, v in (f.due or {}).items() if v]
    return {"rule": f.rule, "pack": f.pack, "pack_title": pack_titles.get(f.pack, f.pack), "title": f.title,
            "message": f.message, "section": section, "section_label": section_label(section),
            "quote": str(f.source.get("quote", "")).strip(), "cite": cite(f.source), "due": due,
            "effect": EFFECT.get(f.effect, f.effect), "anchor": anchor(section)}


def decision_view(decision: Decision) -> dict[str, Any]:
    titles = {p.id: p.title for p in decision.packs}
    heading, lead = OUTCOME[decision.decision]
    seen: set[str] = set()
    suggestions = []
    for s in decision.suggestions:
        if s.message not in seen:
            seen.add(s.message)
            suggestions.append({"message": s.message, "value": s.value, "rule": s.rule})
    return {
        "decision": decision.decision, "label": label("decision", decision.decision), "heading": heading,
        "lead": lead, "evaluated_at": when(decision.evaluated_at),
        "packs": [{"id": p.id, "title": p.title, "document": p.document, "version": p.version,
                   "revision": p.revision, "validity": p.validity, "validity_label": VALIDITY[p.validity],
                   "valid_to": when(p.valid_to, weekday=False) if p.valid_to else "",
                   "decision": label("decision", p.decision)} for p in decision.packs],
        "reasons": [_finding(f, titles) for f in decision.reasons],
        "obligations": [_finding(f, titles) for f in decision.obligations],
        "advice": [_finding(f, titles) for f in decision.advice],
        "suggestions": suggestions,
        "missing": [{"fact": m.fact, "pack": m.pack, "rules": list(m.rules), "decisive": m.decisive}
                    for m in decision.missing],
        "notes": list(decision.notes),
    }


# --------------------------------------------------------------------------- an explanation

def explain_tree(steps: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The explanation's condition nodes as nested items: sign, result and a bokmål sentence."""
    out: list[dict[str, Any]] = []
    for s in steps:
        item: dict[str, Any] = {"sign": SIGN[s["result"]], "result": s["result"], "children": []}
        if "fact" in s:
            item["text"] = comparison_text(s)
        elif "elements" in s:
            kind = "each" if "each" in s else "some"
            item["text"] = QUANTIFIER[kind].format(list=s[kind])
            item["children"] = [{"sign": SIGN[e["result"]], "result": e["result"], "text": f"nr. {e['index'] + 1}",
                                 "children": explain_tree(e["conditions"])} for e in s["elements"]]
            if not s["elements"]:
                item["children"] = [{"sign": "", "result": "", "text": "(listen er tom)", "children": []}]
        else:
            key = next(k for k in GROUP if k in s)
            item["text"] = GROUP[key]
            item["children"] = explain_tree(s[key])
        out.append(item)
    return out


def _short(location: str | None) -> str:
    """'/srv/policies/helse-bergen-d81023/rules.yaml:12:5' as 'helse-bergen-d81023/rules.yaml:12' (no server paths)."""
    if not location:
        return ""
    parts = location.replace("\\", "/").split("/")
    file, _, rest = parts[-1].partition(":")
    line = rest.split(":", 1)[0]
    return "/".join([*parts[-2:-1], file]) + (f":{line}" if line else "")


def explain_view(doc: Mapping[str, Any]) -> dict[str, Any]:
    packs = []
    for p in doc["packs"]:
        rules = [{"rule": r["rule"], "title": r["title"], "effect": EFFECT.get(r["effect"], r["effect"]),
                  "section": section_label(str(r["section"] or "")), "location": _short(r["location"]),
                  "result": r["result"], "result_label": RESULT[r["result"]], "missing": r["missing"],
                  "conditions": explain_tree(r["conditions"])} for r in p["rules"]]
        order = {"fired": 0, "undecided": 1, "not_fired": 2}
        rules.sort(key=lambda r: order[r["result"]])
        packs.append({"id": p["id"], "title": p["title"], "document": p["document"],
                      "decision": label("decision", p["decision"]), "validity": VALIDITY[p["validity"]],
                      "rules": rules, "fired": sum(r["result"] == "fired" for r in rules)})
    scope = [{"pack": s["pack"], "selected": s["selected"],
              "why": "valgt" if s["selected"] else ("uavklart" if s["result"] == "unknown" else "passer ikke"),
              "conditions": explain_tree(s["conditions"])} for s in doc["scope"]]
    return {"packs": packs, "scope": scope, "missing": doc["missing"]}


# --------------------------------------------------------------------------- a pack, read as rules

def pack_summary(pack: CompiledPack, today: dt.date) -> dict[str, Any]:
    validity = pack.validity(today)
    return {"id": pack.id, "title": pack.title, "issuer": pack.issuer, "citation": pack.citation,
            "version": pack.version, "revision": pack.revision, "validity": validity,
            "validity_label": VALIDITY[validity], "valid_from": when(pack.valid_from, weekday=False),
            "valid_to": when(pack.valid_to, weekday=False) if pack.valid_to else "",
            "scope": " ".join(pack.scope_description.split()), "rules": len(pack.rules),
            "conversation_rules": len(pack.conversation), "not_checkable": len(pack.not_checkable),
            "document_title": str(pack.document.get("title", "")), "file": str(pack.document.get("file", ""))}


def _rule(pack: CompiledPack, rule: Rule, coverage: Mapping[str, Any] | None) -> dict[str, Any]:
    return {"id": rule.id, "title": rule.title, "effect": rule.effect, "effect_label": EFFECT[rule.effect],
            "conversation": False,
            "condition": condition_outline(rule.condition, pack.parameters, pack.vocabularies),
            "message": " ".join(rule.message.split()),
            "suggestions": [" ".join(s.message.split()) for s in rule.suggestions],
            "due": [f"{d.name}: {d.amount} {UNITS[d.unit]} etter {d.from_fact}" for d in rule.due],
            "location": _location(pack, rule.location), "coverage": _coverage(coverage, rule.id)}


def _conversation_rule(pack: CompiledPack, rule: ConversationRule, coverage: Mapping[str, Any] | None
                       ) -> dict[str, Any]:
    patterns = []
    for p in rule.patterns:
        within = ""
        if p.within:
            due = rule.deadline(p.within)
            within = f" innen {due.amount} {UNITS[due.unit]} etter {due.from_fact}"
        what = EVENTS.get(p.event, p.event)
        patterns.append({"text": (f"ingen {what.removeprefix('en ')} ({p.alias}){within}" if p.absent
                                  else f"{what} ({p.alias})"),
                         "condition": condition_outline(p.condition, pack.parameters, pack.vocabularies)})
    return {"id": rule.id, "title": rule.title, "effect": rule.effect, "effect_label": EFFECT[rule.effect],
            "conversation": True, "kind": rule.finding, "patterns": patterns,
            "message": " ".join(rule.message.split()),
            "suggestions": [" ".join(s.message.split()) for s in rule.suggestions], "due": [],
            "location": _location(pack, rule.location), "coverage": _coverage(coverage, rule.id)}


def _location(pack: CompiledPack, location: Any) -> str:
    if location is None:
        return ""
    return f"{pack.folder.name}/{str(location.file).rsplit('/', 1)[-1]}:{location.line}"


def _coverage(coverage: Mapping[str, Any] | None, rule_id: str) -> dict[str, Any] | None:
    if coverage is None:
        return None
    found = coverage.get(rule_id)
    if found is None:
        return {"deny": {"tests": [], "scenarios": []}, "allow": {"tests": [], "scenarios": []},
                "gaps": ["deny", "allow"]}
    return found


def trace_view(pack: CompiledPack, coverage: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The guideline in its own order: each section with its passages (quote, the rules that encode it, or why
    none can), from ``trace_rows``."""
    talks = {r.id: r for r in pack.conversation}
    sections: list[dict[str, Any]] = []
    for row in trace_rows(pack):
        rules = []
        for entry in row["rules"]:
            if entry["effect"].startswith("monitor:") and entry["rule"] in talks:
                rules.append(_conversation_rule(pack, talks[entry["rule"]], coverage))
            else:
                try:
                    rules.append(_rule(pack, pack.rule(entry["rule"]), coverage))
                except KeyError:
                    continue
        passage = {"quote": " ".join(str(row["quote"]).split()), "rules": rules,
                   "status": row["status"] if row["status"] != "rule" else "", "reason": row["reason"]}
        if sections and sections[-1]["section"] == row["section"]:
            sections[-1]["passages"].append(passage)
            sections[-1]["rules"] += rules
            continue
        sections.append({"section": row["section"], "section_label": section_label(row["section"]),
                         "anchor": anchor(row["section"]), "passages": [passage], "rules": list(rules)})
    used: set[str] = set()
    for section in sections:  # a section that comes back out of order keeps its anchor unique
        key, n = section["anchor"], 2
        while key in used:
            key, n = f"{section['anchor']}-{n}", n + 1
        section["anchor"] = key
        used.add(key)
        section["unchecked"] = [p["status"] for p in section["passages"] if p["status"]]
    return sections


def parameters_view(pack: CompiledPack) -> list[dict[str, Any]]:
    out = []
    for p in pack.parameters.values():
        value = p.value
        if isinstance(value, (list, tuple)):
            shown = ", ".join(label(p.name, str(v)) if isinstance(v, str) else str(v) for v in value)
        elif isinstance(value, bool):
            shown = "ja" if value else "nei"
        elif isinstance(value, (dt.date, dt.datetime)):
            shown = when(value, weekday=False)
        else:
            shown = str(value)
        section = str((p.source or {}).get("section", ""))
        out.append({"name": p.name, "type": p.type, "value": shown, "description": " ".join(p.description.split()),
                    "local": p.local_interpretation, "section": section_label(section) if section else ""})
    return out


def vocabularies_view(pack: CompiledPack) -> list[dict[str, Any]]:
    match = {"exact": "nøyaktig ord", "word": "ord i teksten", "contains": "del av teksten", "prefix": "begynnelsen"}
    return [{"name": v.name, "match": match.get(v.match, v.match), "terms": list(v.terms),
             "description": " ".join(v.description.split()), "local": v.local_interpretation}
            for v in pack.vocabularies.values()]


def coverage_counts(rules: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    covered = [r for section in rules for r in section["rules"] if r["coverage"] is not None]
    return {"rules": len(covered), "gaps": sum(1 for r in covered if r["coverage"]["gaps"])}


__all__ = ["OUTCOME", "anchor", "coverage_counts", "decision_view", "explain_tree", "explain_view",
           "pack_summary", "parameters_view", "section_label", "trace_view", "vocabularies_view", "when"]
