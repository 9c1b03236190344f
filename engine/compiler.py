"""Compiling a pack: from the validated YAML tree to an intermediate form and closures.

The intermediate form (``All``, ``Any``, ``Not``, ``Compare``) is plain data:
parameters are substituted, vocabularies are compiled, literals are typed by the
fact they are compared with. The engine's own evaluator turns it into Python
closures (``to_function``); the conversation monitor compiles the same tree to
durable_rules. Nothing from a pack is ever executed as code.

Every check that the JSON Schema cannot express happens here, with the
file:line:column of the offending node: unknown facts, parameters and
vocabularies, values outside a fact's allowed values, type mismatches, invalid
regular expressions, duplicate rule ids, templates that name unknown facts or
the patient's number, and deny rules that would rest on words in free text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from .facts import OSLO, FactInfo, catalogue, parse_date, parse_datetime, InputError
from .loader import RULE_LISTS, Location, PackError, PackProblem, PackSource, read_pack, rule_at
from .render import PLACEHOLDER, Template, compile_template

# --------------------------------------------------------------------------- intermediate form

MISSING = object()


@dataclass(frozen=True)
class FactRef:
    path: str


@dataclass(frozen=True)
class Compare:
    op: str
    fact: str
    operand: Any  # typed literal, frozenset, compiled regex, FactRef, or bool for exists
    written: Any  # the operand as the author wrote it (for traces and tables)
    normalise: bool = False  # compare strings case- and whitespace-insensitively
    fact_type: str = "string"
    declared: bool = False  # an absent fact means "not declared": only not_equals/not_in hold


@dataclass(frozen=True)
class All:
    children: tuple


@dataclass(frozen=True)
class AnyOf:
    children: tuple


@dataclass(frozen=True)
class Not:
    child: Any


Condition = Compare | All | AnyOf | Not


def compares(node: Condition | None) -> Iterator[Compare]:
    """Every comparison in a condition, in order."""
    if node is None:
        return
    if isinstance(node, Compare):
        yield node
    elif isinstance(node, Not):
        yield from compares(node.child)
    else:
        for child in node.children:
            yield from compares(child)


def facts_of(node: Condition) -> tuple[str, ...]:
    """Fact paths a condition reads, in order of first use."""
    seen: dict[str, None] = {}
    for c in compares(node):
        seen.setdefault(c.fact)
        if isinstance(c.operand, FactRef):
            seen.setdefault(c.operand.path)
    return tuple(seen)


def norm(value: str) -> str:
    return " ".join(value.casefold().split())


# --------------------------------------------------------------------------- compiled pack

@dataclass(frozen=True)
class Suggestion:
    kind: str
    message: str
    value: str | None = None
    template: Template = ()


@dataclass(frozen=True)
class Due:
    name: str
    from_fact: str
    unit: str  # working_days | days | hours
    amount: int


@dataclass
class Rule:
    id: str
    title: str
    effect: str
    source: dict
    condition: Condition
    message: str
    suggestions: tuple[Suggestion, ...]
    obligation_kind: str | None
    due: tuple[Due, ...]
    facts: tuple[str, ...]
    location: Location | None
    template: Template = ()
    test: Callable[[Mapping[str, Any]], bool | None] = field(repr=False, default=None)  # type: ignore[assignment]


@dataclass
class Vocabulary:
    name: str
    match: str
    terms: tuple[str, ...]  # canonical terms as written
    exact: frozenset[str]  # normalised terms and aliases
    pattern: re.Pattern
    description: str = ""
    local_interpretation: bool = False
    groups: Mapping[str, int] = field(default_factory=dict)  # normalised term or alias -> index of its term


@dataclass
class Parameter:
    name: str
    type: str
    value: Any
    description: str
    local_interpretation: bool
    source: dict | None


@dataclass
class CompiledPack:
    id: str
    title: str
    issuer: str
    document: dict
    valid_from: dt.date
    valid_to: dt.date | None
    scope_description: str
    scope: Condition
    scope_test: Callable[[Mapping[str, Any]], bool | None]
    rules: tuple[Rule, ...]
    parameters: dict[str, Parameter]
    vocabularies: dict[str, Vocabulary]
    not_checkable: tuple[dict, ...]
    conversation_rules: tuple[dict, ...]
    folder: Path
    revision: str
    warnings: tuple[PackProblem, ...] = ()
    source: PackSource | None = field(default=None, repr=False)
    sections: tuple[str, ...] = ()  # section headings in document order (optional)
    conversation: tuple = ()  # compiled conversation rules (engine.conversation.ConversationRule)

    @property
    def citation(self) -> str:
        return self.document.get("citation") or self.document.get("id") or self.id

    @property
    def version(self) -> str:
        return str(self.document.get("version") or "")

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def validity(self, on: dt.date) -> str:
        """'valid', 'expired' or 'not_yet_valid' on a given date (valid_to is the last valid day)."""
        if on < self.valid_from:
            return "not_yet_valid"
        if self.valid_to is not None and on > self.valid_to:
            return "expired"
        return "valid"


# --------------------------------------------------------------------------- compilation

ORDERED = ("lt", "le", "gt", "ge")
TEXT_OPS = ("matches", "contains_any", "starts_with", "contains")
FORBIDDEN_IN_TEMPLATES = ("melding.pasient", "melding.pasient.id")


class _Compiler:
    def __init__(self, source: PackSource):
        self.src = source
        self.data = source.data
        self.problems: list[PackProblem] = []
        self.warnings: list[PackProblem] = []
        self.cat = catalogue()
        self.used_params: set[str] = set()
        self.used_vocabs: set[str] = set()
        self.params: dict[str, Parameter] = {}
        self.vocabs: dict[str, Vocabulary] = {}
        # what a template shows for {param.X} and {vocabulary.X}: set once the vocabularies are compiled
        self.template_params: dict[str, Any] = {}
        self.template_vocabs: dict[str, tuple[str, ...]] = {}

    def error(self, pointer: tuple, message: str, code: str = "pakkefeil") -> None:
        self.problems.append(PackProblem(self.src.where(pointer), message, "error", code,
                                         rule_at(self.data, tuple(pointer))))

    def warn(self, pointer: tuple, message: str, code: str = "pakkefeil") -> None:
        self.warnings.append(PackProblem(self.src.where(pointer), message, "warning", code,
                                         rule_at(self.data, tuple(pointer))))

    # ---- parameters and vocabularies

    def compile_parameters(self) -> None:
        for name, spec in (self.data.get("parameters") or {}).items():
            ptr = ("parameters", name, "value")
            value, kind = spec["value"], spec["type"]
            ok = {
                "integer": isinstance(value, int) and not isinstance(value, bool),
                "number": isinstance(value, (int, float)) and not isinstance(value, bool),
                "boolean": isinstance(value, bool),
                "string": isinstance(value, str),
                "list": isinstance(value, list),
                "date": isinstance(value, str),
            }[kind]
            if not ok:
                self.error(ptr, f"parameteren '{name}' er oppgitt som {_TYPE_WORDS.get(kind, kind)}, men verdien er "
                           f"{_value_word(value)}", "feil-verditype")
                continue
            if kind == "date":
                try:
                    value = dt.date.fromisoformat(value)
                except ValueError:
                    self.error(ptr, f"parameteren '{name}': {value!r} er ikke en dato (ÅÅÅÅ-MM-DD)", "feil-verditype")
                    continue
            self.params[name] = Parameter(name, kind, value, spec["description"],
                                          bool(spec.get("local_interpretation")), spec.get("source"))

    def compile_vocabularies(self) -> None:
        for name, spec in (self.data.get("vocabularies") or {}).items():
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
            if mode == "regex":
                parts = []
                for i, term in enumerate(every):
                    try:
                        re.compile(term)
                    except re.error as exc:
                        self.error(("vocabularies", name, "terms", i),
                                   f"ordlisten '{name}': ugyldig regulært uttrykk ({exc})", "ugyldig-regex")
                        continue
                    parts.append(f"(?:{term})")
                body = "|".join(parts) or "(?!)"
            else:
                alts = sorted((r"\s+".join(map(re.escape, t.split())) for t in every), key=len, reverse=True)
                body = r"(?<!\w)(?:" + "|".join(alts) + ")"
                if mode in ("word", "exact"):
                    body += r"(?!\w)"
            self.vocabs[name] = Vocabulary(
                name, mode, tuple(terms), frozenset(groups),
                re.compile(body, re.IGNORECASE | re.UNICODE), spec.get("description", ""),
                bool(spec.get("local_interpretation")), groups)

    # ---- conditions

    def fact_info(self, path: str, ptr: tuple) -> FactInfo | None:
        info = self.cat.get(path)
        if info is None:
            import difflib

            close = [p for p in self.cat if p.split(".")[-1] == path.split(".")[-1]][:3]
            close += [p for p in difflib.get_close_matches(path, list(self.cat), n=3, cutoff=0.8) if p not in close]
            close = close[:3]
            hint = (f"; mente du {' eller '.join(close)}?" if close
                    else "; se listen over fakta med «dialogvakt facts»")
            self.error(ptr, f"ukjent faktum '{path}'{hint}", "ukjent-faktum")
        return info

    def typed_literal(self, value: Any, info: FactInfo, ptr: tuple, op: str) -> Any:
        t = info.items if info.type == "list" else info.type
        if t == "enum":
            if not isinstance(value, str) or value not in info.values:
                self.error(ptr, f"{value!r} er ikke en mulig verdi for {info.path}{_did_you_mean(value, info.values)}; "
                                f"mulige verdier: {', '.join(info.values)}", "verdi-utenfor-liste")
            return value
        if t == "boolean":
            if not isinstance(value, bool):
                self.error(ptr, f"{info.path} er sann/usann (true eller false), men verdien er {value!r}", "feil-verditype")
            return value
        if t == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self.error(ptr, f"{info.path} er et tall, men verdien er {value!r}", "feil-verditype")
            return value
        if t == "date":
            if isinstance(value, dt.date):
                return value
            try:
                return parse_date(str(value), "")
            except InputError:
                self.error(ptr, f"{info.path} er en dato; {value!r} er ikke skrevet ÅÅÅÅ-MM-DD", "feil-verditype")
                return None
        if t == "datetime":
            if isinstance(value, dt.datetime):
                return value
            try:
                return parse_datetime(str(value), "")
            except InputError:
                self.error(ptr, f"{info.path} er dato og klokkeslett; {value!r} er ikke skrevet ÅÅÅÅ-MM-DDTtt:mm",
                           "feil-verditype")
                return None
        if not isinstance(value, str):
            self.error(ptr, f"{info.path} er tekst; sett {value!r} i anførselstegn", "feil-verditype")
            return str(value)
        return value

    def resolve_operand(self, raw: Any, ptr: tuple) -> tuple[str, Any]:
        """('param'|'vocabulary'|'fact'|'literal', value)."""
        if isinstance(raw, dict):
            if "param" in raw:
                name = raw["param"]
                if name not in self.params:
                    self.error(ptr, f"ukjent parameter '{name}'{_did_you_mean(name, self.params)}; "
                               f"pakken har: {', '.join(self.params) or 'ingen'}", "ukjent-parameter")
                    return "literal", None
                self.used_params.add(name)
                return "literal", self.params[name].value
            if "vocabulary" in raw:
                name = raw["vocabulary"]
                if name not in self.vocabs:
                    self.error(ptr, f"ukjent ordliste '{name}'{_did_you_mean(name, self.vocabs)}; "
                               f"pakken har: {', '.join(self.vocabs) or 'ingen'}", "ukjent-ordliste")
                    return "literal", None
                self.used_vocabs.add(name)
                return "vocabulary", self.vocabs[name]
            if "fact" in raw:
                return "fact", raw["fact"]
        return "literal", raw

    def condition(self, node: dict, ptr: tuple) -> Condition:
        if "all" in node:
            return All(tuple(self.condition(c, ptr + ("all", i)) for i, c in enumerate(node["all"])))
        if "any" in node:
            return AnyOf(tuple(self.condition(c, ptr + ("any", i)) for i, c in enumerate(node["any"])))
        if "not" in node:
            return Not(self.condition(node["not"], ptr + ("not",)))
        return self.comparison(node, ptr)

    def comparison(self, node: dict, ptr: tuple) -> Compare:
        c = self._comparison(node, ptr)
        info = self.cat.get(c.fact)
        if info is not None and info.declared and not c.declared:
            c = Compare(c.op, c.fact, c.operand, c.written, c.normalise, c.fact_type, True)
        return c

    def _comparison(self, node: dict, ptr: tuple) -> Compare:
        path = node["fact"]
        op = next(k for k in node if k != "fact")
        optr = ptr + (op,)
        info = self.fact_info(path, ptr + ("fact",))
        raw = node[op]
        if info is None:
            return Compare(op, path, None, raw)
        if path.startswith("melding.pasient.id") and path != "melding.pasient.id_type" and op != "exists":
            self.error(optr, "pasientens nummer kan bare testes med 'exists'; bruk melding.pasient.id_type",
                       "pasientnummer")
        if op == "exists":
            return Compare(op, path, bool(raw), raw, fact_type=info.type)
        kind, value = self.resolve_operand(raw, optr)
        if value is None and isinstance(raw, dict) and ("param" in raw or "vocabulary" in raw):
            return Compare(op, path, None, raw)  # unknown name, already reported
        t = info.type
        normalise = t in ("string",) or (t == "list" and info.items == "string")
        if kind == "fact":
            other = self.fact_info(value, optr)
            if other is not None and not _compatible(info, other):
                self.error(optr, f"{path} ({_TYPE_WORDS.get(info.type, info.type)}) kan ikke sammenlignes med "
                           f"{value} ({_TYPE_WORDS.get(other.type, other.type)})", "feil-verditype")
            if op not in ("equals", "not_equals", *ORDERED, "contains", "starts_with", "in", "not_in"):
                self.error(optr, f"'{op}' kan ikke sammenligne med et annet faktum", "feil-operator")
            return Compare(op, path, FactRef(value), raw, normalise, t)
        if op in ("equals", "not_equals"):
            if t in ("list", "object"):
                self.error(optr, f"{path} er {_TYPE_WORDS.get(t, t)}; bruk contains, contains_any eller exists",
                           "feil-operator")
            if kind == "vocabulary" or isinstance(value, (list, dict)):
                self.error(optr, f"'{op}' tar én verdi; bruk 'in' for flere", "feil-verditype")
                return Compare(op, path, None, raw)
            lit = self.typed_literal(value, info, optr, op)
            return Compare(op, path, norm(lit) if normalise and isinstance(lit, str) else lit, raw, normalise, t)
        if op in ("in", "not_in"):
            if t in ("list", "object"):
                self.error(optr, f"{path} er {_TYPE_WORDS.get(t, t)}; bruk contains eller contains_any", "feil-operator")
                return Compare(op, path, None, raw)
            if kind == "vocabulary":
                return Compare(op, path, value.exact, raw, True, t)
            if not isinstance(value, list):
                self.error(optr, f"'{op}' tar en liste eller en ordliste", "feil-verditype")
                return Compare(op, path, None, raw)
            lits = [self.typed_literal(v, info, optr, op) for v in value]
            return Compare(op, path, frozenset(norm(v) if normalise and isinstance(v, str) else v for v in lits),
                           raw, normalise, t)
        if op in ORDERED:
            if t not in ("number", "date", "datetime"):
                self.error(optr, f"'{op}' krever et tall, en dato eller et tidspunkt; {path} er {_TYPE_WORDS.get(t, t)}",
                           "feil-operator")
            if kind == "vocabulary" or isinstance(value, (list, dict)):
                self.error(optr, f"'{op}' tar én verdi", "feil-verditype")
                return Compare(op, path, None, raw)
            return Compare(op, path, self.typed_literal(value, info, optr, op), raw, False, t)
        if op == "matches":
            if t != "string":
                self.error(optr, f"'matches' krever tekst; {path} er {_TYPE_WORDS.get(t, t)}", "feil-operator")
            pattern = value.pattern if kind == "vocabulary" else value
            try:
                return Compare(op, path, re.compile(str(pattern), re.IGNORECASE), raw, False, t)
            except re.error as exc:
                self.error(optr, f"ugyldig regulært uttrykk ({exc})", "ugyldig-regex")
                return Compare(op, path, None, raw)
        if op == "contains_any":
            if kind == "vocabulary":
                operand = value.pattern if t == "string" else value.exact
            elif isinstance(value, list):
                if t == "list":
                    lits = [self.typed_literal(v, info, optr, op) for v in value]
                    operand = frozenset(norm(v) if normalise and isinstance(v, str) else v for v in lits)
                else:
                    alts = sorted((r"\s+".join(map(re.escape, str(v).split())) for v in value), key=len, reverse=True)
                    operand = re.compile(r"(?<!\w)(?:" + "|".join(alts) + r")(?!\w)", re.IGNORECASE)
            else:
                self.error(optr, "'contains_any' tar en liste eller en ordliste", "feil-verditype")
                return Compare(op, path, None, raw)
            if t not in ("string", "list"):
                self.error(optr, f"'contains_any' krever tekst eller en liste; {path} er {_TYPE_WORDS.get(t, t)}",
                       "feil-operator")
            return Compare(op, path, operand, raw, normalise, t)
        if op in ("contains", "starts_with"):
            if op == "starts_with" and t != "string":
                self.error(optr, f"'starts_with' krever tekst; {path} er {_TYPE_WORDS.get(t, t)}", "feil-operator")
            if t not in ("string", "list"):
                self.error(optr, f"'{op}' krever tekst eller en liste; {path} er {_TYPE_WORDS.get(t, t)}", "feil-operator")
            if kind == "vocabulary" or isinstance(value, (list, dict)):
                self.error(optr, f"'{op}' tar én verdi; bruk contains_any for flere", "feil-verditype")
                return Compare(op, path, None, raw)
            lit = self.typed_literal(value, info, optr, op) if t == "list" else value
            return Compare(op, path, norm(lit) if isinstance(lit, str) and (normalise or t == "string") else lit,
                           raw, normalise or t == "string", t)
        if op == "mixes":
            # a list whose values fall under two or more terms (groups) of an exact vocabulary
            if t != "list":
                self.error(optr, f"'mixes' krever en liste; {path} er {_TYPE_WORDS.get(t, t)}", "feil-operator")
            if kind != "vocabulary":
                self.error(optr, "'mixes' tar en ordliste der hvert begrep er en gruppe, for eksempel "
                       "{vocabulary: fagomrader}", "feil-verditype")
                return Compare(op, path, None, raw)
            if value.match != "exact":
                self.error(optr, f"'mixes' krever en ordliste med match: exact; '{value.name}' bruker {value.match}",
                           "feil-verditype")
            return Compare(op, path, tuple(sorted(value.groups.items())), raw, True, t)
        self.error(optr, f"ukjent operator '{op}'", "feil-operator")  # pragma: no cover - the schema rejects it first
        return Compare(op, path, None, raw)

    # ---- rules

    def check_template(self, text: str, ptr: tuple, due_names: tuple[str, ...] = ()) -> None:
        for name in PLACEHOLDER.findall(text):
            if name in FORBIDDEN_IN_TEMPLATES:
                self.error(ptr, "en melding kan ikke vise pasientens nummer", "pasientnummer")
            elif name.startswith("param."):
                if name[6:] not in self.params:
                    self.error(ptr, f"teksten viser en ukjent parameter '{name[6:]}'{_did_you_mean(name[6:], self.params)}",
                               "ukjent-parameter")
                else:
                    self.used_params.add(name[6:])
            elif name.startswith("vocabulary."):
                if name[11:] not in self.vocabs:
                    self.error(ptr, f"teksten viser en ukjent ordliste '{name[11:]}'{_did_you_mean(name[11:], self.vocabs)}",
                               "ukjent-ordliste")
                else:
                    self.used_vocabs.add(name[11:])
            elif name.startswith("due."):
                if name[4:] not in due_names:
                    self.error(ptr, f"teksten viser '{name}', men regelen har ingen slik frist", "mal-leser-ukjent-faktum")
            elif name not in self.cat:
                self.error(ptr, f"teksten viser et ukjent faktum '{name}'{_did_you_mean(name, self.cat)}",
                           "mal-leser-ukjent-faktum")

    def template(self, text: str) -> Template:
        """Compile a template whose names check_template accepted (unknown names stay slots)."""
        params, vocabs = self.template_params, self.template_vocabs
        safe = PLACEHOLDER.sub(lambda m: m.group(0) if _known(m.group(1), params, vocabs) else "(?)", text)
        return compile_template(safe, params, vocabs)

    def due(self, spec: dict, ptr: tuple) -> tuple[Due, ...]:
        out = []
        for name, d in spec.items():
            info = self.fact_info(d["from"], ptr + (name, "from"))
            if info is not None and info.type not in ("date", "datetime"):
                self.error(ptr + (name, "from"), f"en frist regnes fra en dato eller et tidspunkt; {d['from']} er "
                           f"{_TYPE_WORDS.get(info.type, info.type)}", "feil-verditype")
            unit = next(u for u in ("working_days", "days", "hours") if u in d)
            kind, amount = self.resolve_operand(d[unit], ptr + (name, unit))
            if not isinstance(amount, int) or isinstance(amount, bool):
                self.error(ptr + (name, unit), f"fristen '{name}' må være et helt antall {_UNIT_WORDS.get(unit, unit)}",
                           "feil-verditype")
                amount = 0
            out.append(Due(name, d["from"], unit, amount))
        return tuple(out)

    def rule(self, raw: dict, index: int) -> Rule:
        ptr = ("rules", index)
        condition = self.condition(raw["when"], ptr + ("when",))
        effect = raw["effect"]
        dues: tuple[Due, ...] = ()
        kind = None
        if effect == "obligation":
            dues = self.due(raw["obligation"].get("due") or {}, ptr + ("obligation", "due"))
            kind = raw["obligation"]["kind"]
        if effect in ("deny", "obligation"):
            for path, op in _text_inferences(condition, self.cat):
                self.error(ptr + ("when",), f"regelen ({effect}) bygger på ord i fritekst ({path} {op}); "
                           "det som leses ut av fritekst kan bare gi råd (effect: advice)", "fritekst-avgjor")
        self.check_template(raw["message"], ptr + ("message",), tuple(d.name for d in dues))
        suggestions = []
        for i, s in enumerate(raw.get("suggestions") or []):
            self.check_template(s["message"], ptr + ("suggestions", i, "message"))
            suggestions.append(Suggestion(s["kind"], s["message"], s.get("value"), self.template(s["message"])))
        source = {"document": raw["source"].get("document") or self.data["document"]["citation"],
                  "section": raw["source"]["section"]}
        if raw["source"].get("quote"):
            source["quote"] = raw["source"]["quote"]
        rule = Rule(raw["id"], raw.get("title") or raw["message"].split(".")[0], effect, source, condition,
                    raw["message"], tuple(suggestions), kind, dues, facts_of(condition), self.src.where(ptr),
                    self.template(raw["message"]))
        rule.test = to_function(condition)
        return rule

    def check_sections(self) -> None:
        """When a pack lists its sections, every cited section must be one of them (or an item of one)."""
        headings = self.data.get("sections") or ()
        if not headings:
            return
        for key, i, section, heading in cited_sections(self.data, headings):
            if heading is None:
                self.warn((key, i, "source", "section"),
                          f"avsnittet '{section}' er ikke ett av pakkens avsnitt: {', '.join(headings)}",
                          "ukjent-avsnitt")

    def compile(self) -> CompiledPack:
        d = self.data
        if d["id"] != self.src.folder.name:
            self.error(("id",), f"pakke-id '{d['id']}' må være lik mappenavnet '{self.src.folder.name}'",
                       "pakke-id")
        valid_from = dt.date.fromisoformat(d["valid_from"])
        valid_to = dt.date.fromisoformat(d["valid_to"]) if d.get("valid_to") else None
        if valid_to is not None and valid_to < valid_from:
            self.error(("valid_to",), "valid_to (siste gyldige dag) er før valid_from", "gyldighet")
        self.compile_parameters()
        self.compile_vocabularies()
        self.template_params = {n: p.value for n, p in self.params.items()}
        self.template_vocabs = {n: v.terms for n, v in self.vocabs.items()}
        scope = self.condition(d["scope"]["when"], ("scope", "when"))
        rules: list[Rule] = []
        seen: dict[str, int] = {}
        for i, raw in enumerate(d.get("rules") or []):
            if raw["id"] in seen:
                first = self.src.where(("rules", seen[raw["id"]]))
                self.error(("rules", i, "id"), f"regel-id '{raw['id']}' er brukt før (første gang i {first})",
                           "duplikat-id")
                continue
            seen[raw["id"]] = i
            rules.append(self.rule(raw, i))
        self.check_sections()
        from .conversation import compile_conversation_rules  # here: that module imports this one

        conversation = compile_conversation_rules(self, seen)
        for name in self.params:
            if name not in self.used_params and not _mentioned(d, name):
                self.warn(("parameters", name), f"parameteren '{name}' brukes ikke av noen regel", "ubrukt-parameter")
        for name in self.vocabs:
            if name not in self.used_vocabs and not _mentioned(d, name):
                self.warn(("vocabularies", name), f"ordlisten '{name}' brukes ikke av noen regel", "ubrukt-ordliste")
        if self.problems:
            raise PackError(self.problems)
        return CompiledPack(
            id=d["id"], title=d["title"], issuer=d["issuer"], document=d["document"],
            valid_from=valid_from, valid_to=valid_to, scope_description=d["scope"]["description"],
            scope=scope, scope_test=to_function(scope), rules=tuple(rules), parameters=self.params,
            vocabularies=self.vocabs, not_checkable=tuple(d.get("not_checkable") or ()),
            conversation_rules=tuple(d.get("conversation_rules") or ()), folder=self.src.folder,
            revision=_revision(self.src.folder), warnings=tuple(self.warnings), source=self.src,
            sections=tuple(d.get("sections") or ()), conversation=conversation)


def section_heading(section: str, headings: tuple[str, ...] | list[str]) -> int | None:
    """The index of the heading a section belongs to ('Felles ansvar 4' -> 'Felles ansvar', '4.3' -> '4'), or None."""
    best = None
    for index, heading in enumerate(headings):
        if section == heading or section.startswith((heading + " ", heading + ",", heading + ".")):
            if best is None or len(heading) > len(headings[best]):
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


_TYPE_WORDS = {"string": "tekst", "enum": "en verdi fra en fast liste", "date": "en dato",
               "datetime": "dato og klokkeslett", "boolean": "sann/usann", "number": "et tall", "integer": "et heltall",
               "list": "en liste", "object": "et sammensatt faktum"}
_UNIT_WORDS = {"working_days": "virkedager", "days": "dager", "hours": "timer"}


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


def _did_you_mean(value: Any, known: Any) -> str:
    """'; mente du X?' for a misspelt name, or nothing."""
    import difflib

    if not isinstance(value, str):
        return ""
    close = difflib.get_close_matches(value, [str(k) for k in known], n=2, cutoff=0.75)
    return f" (mente du {' eller '.join(repr(c) for c in close)}?)" if close else ""


def _known(name: str, params: Mapping[str, Any], vocabs: Mapping[str, Any]) -> bool:
    if name.startswith("param."):
        return name[6:] in params
    if name.startswith("vocabulary."):
        return name[11:] in vocabs
    return True


def _compatible(a: FactInfo, b: FactInfo) -> bool:
    if a.type == b.type:
        return True
    families = [{"date", "datetime"}, {"string", "enum"}, {"list", "string", "enum"}]
    return any(a.type in f and b.type in f for f in families)


def _mentioned(data: dict, name: str) -> bool:
    """A parameter or vocabulary named by a conversation rule counts as used."""
    text = repr(data.get("conversation_rules") or "")
    return f"'{name}'" in text


def _text_inferences(node: Condition, cat: Mapping[str, FactInfo]) -> list[tuple[str, str]]:
    return [(c.fact, c.op) for c in compares(node)
            if c.op != "exists" and (info := cat.get(c.fact)) is not None and info.free_text]


def _revision(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.glob("*.yaml")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


def compile_source(source: PackSource) -> CompiledPack:
    return _Compiler(source).compile()


def compile_pack(folder: Path) -> CompiledPack:
    """Read, validate and compile one pack folder. Raises PackError with every problem found."""
    return compile_source(read_pack(folder))


# --------------------------------------------------------------------------- closures

def _as_comparable(value: Any, fact_type: str, other: Any) -> Any:
    # a date literal compared with a time: midnight in Oslo
    if isinstance(value, dt.datetime) and isinstance(other, dt.date) and not isinstance(other, dt.datetime):
        return value.date()
    return value


def to_function(node: Condition) -> Callable[[Mapping[str, Any]], bool | None]:
    """A closure that evaluates a condition over a flat fact mapping in three-valued logic.

    Returns True, False, or None when a fact it needs is missing and the result depends on it.
    """
    if isinstance(node, All):
        fns = tuple(to_function(c) for c in node.children)

        def all_(f):
            unknown = False
            for fn in fns:
                r = fn(f)
                if r is False:
                    return False
                if r is None:
                    unknown = True
            return None if unknown else True
        return all_
    if isinstance(node, AnyOf):
        fns = tuple(to_function(c) for c in node.children)

        def any_(f):
            unknown = False
            for fn in fns:
                r = fn(f)
                if r is True:
                    return True
                if r is None:
                    unknown = True
            return None if unknown else False
        return any_
    if isinstance(node, Not):
        inner = to_function(node.child)

        def not_(f):
            r = inner(f)
            return None if r is None else not r
        return not_
    return _compare_function(node)


def _compare_function(c: Compare) -> Callable[[Mapping[str, Any]], bool | None]:
    path, op, operand, normalise = c.fact, c.op, c.operand, c.normalise
    get = dict.get

    if op == "exists":
        want = operand

        def exists(f):
            return (f.get(path) is not None) is want
        return exists

    if isinstance(operand, FactRef):
        other_path = operand.path
        base = _literal_test(op, normalise, c.fact_type)

        absent = (op in ("not_equals", "not_in")) if c.declared else None

        def with_fact(f):
            v = f.get(path)
            o = f.get(other_path)
            if v is None:
                return absent
            if o is None:
                return None
            if normalise and isinstance(o, str):
                o = norm(o)
            return base(v, _as_comparable(o, c.fact_type, v))
        return with_fact

    test = _literal_test(op, normalise, c.fact_type)
    absent = (op in ("not_equals", "not_in")) if c.declared else None
    if op == "mixes" and operand is not None:  # None only in a pack that fails to compile
        operand = dict(operand)  # the operand's (normalised term or alias, group) pairs, looked up per value

    def compare(f):
        v = get(f, path) if type(f) is dict else f.get(path)
        if v is None:
            return absent
        return test(v, operand)
    return compare


def _literal_test(op: str, normalise: bool, fact_type: str) -> Callable[[Any, Any], bool]:
    if op == "equals":
        if normalise:
            return lambda v, o: norm(v) == o if isinstance(v, str) else v == o
        return lambda v, o: v == o
    if op == "not_equals":
        if normalise:
            return lambda v, o: norm(v) != o if isinstance(v, str) else v != o
        return lambda v, o: v != o
    if op == "in":
        if normalise:
            return lambda v, o: (norm(v) if isinstance(v, str) else v) in o
        return lambda v, o: v in o
    if op == "not_in":
        if normalise:
            return lambda v, o: (norm(v) if isinstance(v, str) else v) not in o
        return lambda v, o: v not in o
    if op in ORDERED:
        import operator
        fn = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge}[op]

        def ordered(v, o):
            if isinstance(v, dt.datetime) and not isinstance(o, dt.datetime) and isinstance(o, dt.date):
                v = v.date()
            elif isinstance(o, dt.datetime) and not isinstance(v, dt.datetime) and isinstance(v, dt.date):
                o = o.date()
            return fn(v, o)
        return ordered
    if op == "matches":
        return lambda v, o: o.search(v) is not None
    if op == "contains_any":
        def contains_any(v, o):
            if isinstance(v, list):
                return any((norm(x) if isinstance(x, str) else x) in o for x in v)
            return o.search(v) is not None
        return contains_any
    if op == "contains":
        def contains(v, o):
            if isinstance(v, list):
                return any((norm(x) if isinstance(x, str) else x) == o for x in v)
            return o in norm(v)
        return contains
    if op == "starts_with":
        return lambda v, o: norm(v).startswith(o)
    if op == "mixes":
        def mixes(v, o):
            # o: normalised term or alias -> its group (see _compare_function); other values are groups of their own
            groups = {o.get(norm(x), "=" + norm(x)) if isinstance(x, str) else x
                      for x in (v if isinstance(v, list) else [v])}
            return len(groups) > 1
        return mixes
    raise ValueError(op)  # pragma: no cover


def evaluate_traced(node: Condition, facts: Mapping[str, Any]) -> tuple[bool | None, list]:
    """Evaluate a condition and return the result with a trace of every comparison.

    The trace is a nested list of ``{"node": ..., "result": ...}``; used by
    ``dialogvakt evaluate --explain`` and by tests that compare it with the fast path.
    """
    if isinstance(node, Compare):
        r = _compare_function(node)(facts)
        return r, [{"fact": node.fact, "op": node.op, "operand": node.written, "result": r}]
    if isinstance(node, Not):
        r, t = evaluate_traced(node.child, facts)
        r = None if r is None else not r
        return r, [{"not": t, "result": r}]
    results, traces = [], []
    for child in node.children:
        r, t = evaluate_traced(child, facts)
        results.append(r)
        traces.extend(t)
    r = _combine(node, results)
    return r, [{"all" if isinstance(node, All) else "any": traces, "result": r}]


def _combine(node: All | AnyOf, results: list[bool | None]) -> bool | None:
    """Three-valued ``all`` / ``any`` of the children's results."""
    if isinstance(node, All):
        return False if False in results else (None if None in results else True)
    return True if True in results else (None if None in results else False)


def undecided_facts(node: Condition, facts: Mapping[str, Any]) -> tuple[str, ...]:
    """The facts whose absence leaves a condition undecided; empty when it is decided.

    Only comparisons that are unknown *and* matter count: in ``any`` a true branch decides,
    in ``all`` a false one does, and a fact tested with ``exists`` is never missing.
    """

    def walk(n: Condition) -> tuple[bool | None, tuple[str, ...]]:
        if isinstance(n, Compare):
            r = _compare_function(n)(facts)
            if r is not None:
                return r, ()
            paths = (n.fact, n.operand.path) if isinstance(n.operand, FactRef) else (n.fact,)
            return None, tuple(p for p in paths if facts.get(p) is None)
        if isinstance(n, Not):
            r, unknown = walk(n.child)
            return (None if r is None else not r), unknown
        parts = [walk(c) for c in n.children]
        r = _combine(n, [r for r, _ in parts])
        if r is not None:
            return r, ()
        return None, tuple(f for res, unknown in parts if res is None for f in unknown)

    return tuple(dict.fromkeys(walk(node)[1]))


def resolve_due(due: Due, facts: Mapping[str, Any]) -> dt.date | dt.datetime | None:
    from .workdays import add_working_days

    start = facts.get(due.from_fact)
    if start is None:
        return None
    if due.unit == "hours":
        if not isinstance(start, dt.datetime):
            start = dt.datetime.combine(start, dt.time(), OSLO)
        return start + dt.timedelta(hours=due.amount)
    day = start.date() if isinstance(start, dt.datetime) else start
    if due.unit == "days":
        return day + dt.timedelta(days=due.amount)
    return add_working_days(day, due.amount)
