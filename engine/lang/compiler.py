"""Compiling a pack: from the validated YAML tree to a ``CompiledPack`` of plain data.

The pack's parameters and vocabularies are compiled first, then its scope, its
rules and its conversation rules, all with one ``ConditionCompiler`` so that
every problem carries the ``file:line:column`` of the node it concerns. A pack
with any error raises ``PackError`` listing them all; warnings travel with the
compiled pack. Nothing from a pack is ever executed as code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from .conditions import ConditionCompiler, did_you_mean, text_inferences, type_word
from .conversation import compile_conversation_rules
from .loader import RULE_LISTS, PackError, PackSource, read_pack
from .patterns import (
    NEVER,
    Pattern,
    PatternError,
    compile_pattern,
    compile_pattern_raw,
    phrase,
    translate,
    words_pattern,
)
from .reference import REFERENCE_FILE, read_reference, reference_path
from .tree import CompiledPack, Due, Parameter, Rule, Suggestion, Vocabulary, facts_of, norm

_PARAMETER_TYPES = {
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "list": lambda v: isinstance(v, list),
    "date": lambda v: isinstance(v, str),
}


def _value_word(value: Any) -> str:
    if isinstance(value, bool):
        return "sann/usann"
    if isinstance(value, int):
        return "et heltall"
    if isinstance(value, float):
        return "et tall"
    if isinstance(value, str):
        return "tekst"
    if isinstance(value, list):
        return "en liste"
    return "et oppslag"


def compile_parameters(comp: ConditionCompiler) -> None:
    for name, spec in (comp.data.get("parameters") or {}).items():
        ptr = ("parameters", name, "value")
        value, kind = spec["value"], spec["type"]
        if not _PARAMETER_TYPES[kind](value):
            comp.error(ptr, f"parameteren '{name}' er oppgitt som {type_word(kind)}, men verdien er "
                       f"{_value_word(value)}", "feil-verditype")
            comp.broken_params.add(name)
            continue
        if kind == "date":
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                comp.error(ptr, f"parameteren '{name}': {value!r} er ikke en dato (ÅÅÅÅ-MM-DD)", "feil-verditype")
                comp.broken_params.add(name)
                continue
        comp.params[name] = Parameter(name, kind, value, spec["description"],
                                      bool(spec.get("local_interpretation")), spec.get("source"))


def _vocabulary_pattern(comp: ConditionCompiler, name: str, mode: str, every: list[str]) -> Pattern:
    if mode == "regex":
        parts = []
        for i, term in enumerate(every):
            try:
                compile_pattern(term)
                parts.append(f"(?:{translate(term)})")
            except PatternError as exc:
                comp.error(("vocabularies", name, "terms", i), f"ordlisten '{name}': {exc}", "ugyldig-regex")
        return compile_pattern_raw("|".join(parts)) if parts else NEVER
    alts = sorted((phrase(t) for t in every), key=len, reverse=True)
    return words_pattern(alts, end=mode in ("word", "exact")) if alts else NEVER


def _from_reference(comp: ConditionCompiler, name: str, spec: dict[str, Any]) -> dict[str, Any] | None:
    """A vocabulary written as ``{reference: NAME}``: the reference data's terms, with the pack's own description
    and local_interpretation where it gives them. None (and a problem reported) when it cannot be had."""
    ptr = ("vocabularies", name, "reference")
    path = reference_path(comp.src.folder)
    if path is None:
        comp.error(ptr, f"ordlisten '{name}' viser til referansedata, men det finnes ingen {REFERENCE_FILE} i "
                   "mappen med pakker", "referansedata")
        return None
    try:
        reference = read_reference(path)
    except PackError as exc:
        comp.problems.extend(exc.problems)
        return None
    comp.references[str(path)] = reference.digest
    found = reference.vocabularies.get(spec["reference"])
    if found is None:
        comp.error(ptr, f"referansedataene ({path.name}) har ingen ordliste '{spec['reference']}'"
                   f"{did_you_mean(spec['reference'], reference.vocabularies)}; de har: "
                   f"{', '.join(reference.vocabularies)}", "referansedata")
        return None
    return {"terms": list(found.terms), "match": spec.get("match", found.match),
            "description": spec.get("description") or found.description,
            "local_interpretation": spec.get("local_interpretation", found.local_interpretation)}


def compile_vocabularies(comp: ConditionCompiler) -> None:
    for name, written in (comp.data.get("vocabularies") or {}).items():
        spec = _from_reference(comp, name, written) if "reference" in written else written
        if spec is None:
            comp.broken_vocabs.add(name)
            continue
        mode = spec.get("match", "exact")
        terms: list[str] = []
        every: list[str] = []  # terms and aliases as written
        groups: dict[str, int] = {}
        for index, item in enumerate(spec["terms"]):
            names = [item] if isinstance(item, str) else [item["term"], *item.get("aliases", [])]
            terms.append(names[0])
            every.extend(names)
            for n in names:
                groups.setdefault(norm(n), index)
        comp.vocabs[name] = Vocabulary(
            name, mode, tuple(terms), frozenset(groups), _vocabulary_pattern(comp, name, mode, every),
            spec.get("description", ""), bool(spec.get("local_interpretation")), groups)


def source_of(comp: ConditionCompiler, raw: Mapping[str, Any]) -> dict[str, Any]:
    """A rule's citation: document (the pack's own unless named), section and, when given, the quote."""
    source = {"document": raw["source"].get("document") or comp.data["document"]["citation"],
              "section": raw["source"]["section"]}
    if raw["source"].get("quote"):
        source["quote"] = raw["source"]["quote"]
    return source


def compile_rule(comp: ConditionCompiler, raw: dict[str, Any], index: int) -> Rule:
    ptr = ("rules", index)
    condition = comp.condition(raw["when"], (*ptr, "when"))
    effect = raw["effect"]
    dues: tuple[Due, ...] = ()
    kind = None
    if effect == "obligation":
        dues = comp.due(raw["obligation"].get("due") or {}, (*ptr, "obligation", "due"))
        kind = raw["obligation"]["kind"]
    if effect in ("deny", "obligation"):
        for path, op in text_inferences(condition, comp.cat):
            comp.error((*ptr, "when"), f"regelen ({effect}) bygger på ord i fritekst ({path} {op}); "
                       "det som leses ut av fritekst kan bare gi råd (effect: advice)", "fritekst-avgjor")
    comp.check_template(raw["message"], (*ptr, "message"), tuple(d.name for d in dues))
    suggestions = []
    for i, s in enumerate(raw.get("suggestions") or []):
        comp.check_template(s["message"], (*ptr, "suggestions", i, "message"))
        suggestions.append(Suggestion(s["kind"], s["message"], s.get("value"), comp.template(s["message"])))
    return Rule(raw["id"], raw.get("title") or raw["message"].split(".")[0], effect, source_of(comp, raw),
                condition, raw["message"], tuple(suggestions), kind, dues, facts_of(condition),
                comp.src.where(ptr), comp.template(raw["message"]))


def section_heading(section: str, headings: tuple[str, ...] | list[str]) -> int | None:
    """The index of the heading a section belongs to ('Felles ansvar 4' -> 'Felles ansvar', '4.3' -> '4'), or None."""
    best: int | None = None
    for index, heading in enumerate(headings):
        belongs = section == heading or section.startswith((heading + " ", heading + ",", heading + "."))
        if belongs and (best is None or len(heading) > len(headings[best])):
            best = index
    return best


def cited_sections(data: Mapping[str, Any], headings: tuple[str, ...] | list[str]
                   ) -> Iterator[tuple[str, int, Any, int | None]]:
    """For each item of a pack's rule lists (``loader.RULE_LISTS``): the list, the item's index, the section
    it cites and the index of that section's heading (None when it is none of them)."""
    for key in RULE_LISTS:
        for i, item in enumerate(data.get(key) or ()):
            section = item["source"]["section"]
            yield key, i, section, section_heading(str(section), headings)


def check_sections(comp: ConditionCompiler) -> None:
    """When a pack lists its sections, every cited section must be one of them (or an item of one)."""
    headings = comp.data.get("sections") or ()
    if not headings:
        return
    for key, i, section, heading in cited_sections(comp.data, headings):
        if heading is None:
            comp.error((key, i, "source", "section"),
                       f"avsnittet '{section}' er ikke ett av pakkens avsnitt: {', '.join(headings)}",
                       "ukjent-avsnitt")


def _mentioned(data: dict[str, Any], name: str) -> bool:
    """A parameter or vocabulary named by a conversation rule counts as used."""
    text = repr(data.get("conversation_rules") or "")
    return f"'{name}'" in text


def _unused(comp: ConditionCompiler) -> None:
    for name in comp.params:
        if name not in comp.used_params and not _mentioned(comp.data, name):
            comp.warn(("parameters", name), f"parameteren '{name}' brukes ikke av noen regel", "ubrukt-parameter")
    for name in comp.vocabs:
        if name not in comp.used_vocabs and not _mentioned(comp.data, name):
            comp.warn(("vocabularies", name), f"ordlisten '{name}' brukes ikke av noen regel", "ubrukt-ordliste")


def revision(folder: Path, references: dict[str, str] | None = None) -> str:
    """A hash of a pack folder's YAML files, and of the reference data it takes: which version decided."""
    h = hashlib.sha256()
    for p in sorted(folder.glob("*.yaml")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    for digest in sorted((references or {}).values()):
        h.update(digest.encode())
    return h.hexdigest()[:12]


def _validity(comp: ConditionCompiler) -> tuple[dt.date, dt.date | None]:
    d = comp.data
    valid_from = dt.date.fromisoformat(d["valid_from"])
    valid_to = dt.date.fromisoformat(d["valid_to"]) if d.get("valid_to") else None
    if valid_to is not None and valid_to < valid_from:
        comp.error(("valid_to",), "valid_to (siste gyldige dag) er før valid_from", "gyldighet")
    return valid_from, valid_to


def _rules(comp: ConditionCompiler, seen: dict[str, int]) -> list[Rule]:
    rules: list[Rule] = []
    for i, raw in enumerate(comp.data.get("rules") or []):
        if raw["id"] in seen:
            first = comp.src.where(("rules", seen[raw["id"]]))
            comp.error(("rules", i, "id"), f"regel-id '{raw['id']}' er brukt før (første gang i {first})",
                       "duplikat-id")
            continue
        seen[raw["id"]] = i
        rules.append(compile_rule(comp, raw, i))
    return rules


def compile_source(source: PackSource) -> CompiledPack:
    """Compile a pack document that the loader has read and schema-validated."""
    comp = ConditionCompiler(source)
    d = comp.data
    if d["id"] != source.folder.name:
        comp.error(("id",), f"pakke-id '{d['id']}' må være lik mappenavnet '{source.folder.name}'", "pakke-id")
    valid_from, valid_to = _validity(comp)
    compile_parameters(comp)
    compile_vocabularies(comp)
    comp.set_template_values()
    scope = comp.condition(d["scope"]["when"], ("scope", "when"))
    seen: dict[str, int] = {}
    rules = _rules(comp, seen)
    check_sections(comp)
    conversation = compile_conversation_rules(comp, seen)
    _unused(comp)
    if comp.problems:
        raise PackError(comp.problems)
    return CompiledPack(
        id=d["id"], title=d["title"], issuer=d["issuer"], document=d["document"],
        valid_from=valid_from, valid_to=valid_to, scope_description=d["scope"]["description"],
        scope=scope, rules=tuple(rules), parameters=comp.params,
        vocabularies=comp.vocabs, not_checkable=tuple(d.get("not_checkable") or ()),
        conversation_rules=tuple(d.get("conversation_rules") or ()), folder=source.folder,
        revision=revision(source.folder, comp.references), warnings=tuple(comp.warnings), source=source,
        sections=tuple(d.get("sections") or ()), conversation=conversation,
        validity_local=" ".join(d["validity"]["description"].split())
        if (d.get("validity") or {}).get("local_interpretation") else None)


def compile_pack(folder: Path) -> CompiledPack:
    """Read, validate and compile one pack folder. Raises PackError with every problem found."""
    return compile_source(read_pack(folder))


__all__ = ["cited_sections", "compile_pack", "compile_source", "did_you_mean", "revision", "section_heading"]
