"""Compiling conditions, deadlines and templates: from the validated YAML tree to the rule tree.

``ConditionCompiler`` holds what a pack's conditions are compiled against (the
fact catalogue, the pack's parameters and vocabularies) and collects every
problem with the ``file:line:column`` of the node it concerns. The pack
compiler (``compiler``) and the conversation-rule compiler (``conversation``)
both use it, so a condition means the same wherever it is written.

The checks here are those the JSON Schema cannot express: unknown facts,
parameters and vocabularies, values a fact cannot take, operators that do not
fit a fact's type, invalid regular expressions, and templates that name
unknown facts or the patient's number.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal

from ..contract.errors import InputError
from ..contract.facts import FactInfo, catalogue, element_catalogue
from ..contract.times import parse_date, parse_datetime
from .loader import PackProblem, PackSource, Pointer, rule_at
from .patterns import NEVER, PatternError, compile_pattern, phrase, words_pattern
from .templates import PLACEHOLDER, compile_template
from .tree import (
    All,
    AnyOf,
    Compare,
    Condition,
    Due,
    DueUnit,
    FactRef,
    Not,
    Parameter,
    Quantified,
    Template,
    Vocabulary,
    compares,
    element_fact,
    norm,
)

ORDERED = ("lt", "le", "gt", "ge")
TEXT_OPS = ("matches", "contains_any", "starts_with", "contains")
FORBIDDEN_IN_TEMPLATES = ("melding.pasient", "melding.pasient.id")
DUE_UNITS: tuple[DueUnit, ...] = ("working_days", "days", "hours")

TYPE_WORDS = {"string": "tekst", "enum": "en verdi fra en fast liste", "date": "en dato",
              "datetime": "dato og klokkeslett", "boolean": "sann/usann", "number": "et tall", "integer": "et heltall",
              "list": "en liste", "object": "et sammensatt faktum"}
UNIT_WORDS = {"working_days": "virkedager", "days": "dager", "hours": "timer"}


def type_word(kind: str) -> str:
    return TYPE_WORDS.get(kind, kind)


def did_you_mean(value: Any, known: Any) -> str:
    """' (mente du X?)' for a misspelt name, or nothing."""
    if not isinstance(value, str):
        return ""
    close = difflib.get_close_matches(value, [str(k) for k in known], n=2, cutoff=0.75)
    return f" (mente du {' eller '.join(repr(c) for c in close)}?)" if close else ""


def text_inferences(node: Condition | None, cat: Mapping[str, FactInfo]) -> list[tuple[str, str]]:
    """The comparisons of a condition that read words in free text: (fact, operator)."""
    return [(c.fact, c.op) for c in compares(node)
            if c.op != "exists" and (info := cat.get(c.fact)) is not None and info.free_text]


def _through_list(name: str) -> bool:
    """A template name through a list of objects: ``melding.mottakere.tjeneste`` (the elements a rule is about)."""
    list_path, _, field_name = name.rpartition(".")
    fields = element_catalogue(list_path) if list_path else None
    return fields is not None and field_name in fields


def _compatible(a: FactInfo, b: FactInfo) -> bool:
    if a.type == b.type:
        return True
    families = [{"date", "datetime"}, {"string", "enum"}, {"list", "string", "enum"}]
    return any(a.type in f and b.type in f for f in families)


def _known(name: str, params: Mapping[str, Any], vocabs: Mapping[str, Any]) -> bool:
    if name.startswith("param."):
        return name[6:] in params
    if name.startswith("vocabulary."):
        return name[11:] in vocabs
    return True


class ElementCatalogue(Mapping[str, FactInfo]):
    """The facts inside a quantifier: a name without a dot is a field of the element, a dotted path a fact
    of the message (or of the event, in a conversation rule)."""

    def __init__(self, fields: Mapping[str, FactInfo], outer: Mapping[str, FactInfo]):
        self.fields = fields
        self.outer = outer

    def __getitem__(self, path: str) -> FactInfo:
        if element_fact(path):
            return self.fields[path]
        return self.outer[path]

    def __iter__(self) -> Iterator[str]:
        yield from self.fields
        yield from (p for p in self.outer if not element_fact(p))

    def __len__(self) -> int:
        return len(self.fields) + sum(1 for p in self.outer if not element_fact(p))


class _Operand:
    """A comparison's operand once its kind is known: a literal, a vocabulary or another fact."""

    __slots__ = ("kind", "value")

    def __init__(self, kind: str, value: Any):
        self.kind = kind  # literal | vocabulary | fact
        self.value = value


class ConditionCompiler:
    """Compiles conditions, deadlines and templates of one pack, collecting problems with their places."""

    def __init__(self, source: PackSource):
        self.src = source
        self.data = source.data
        self.problems: list[PackProblem] = []
        self.warnings: list[PackProblem] = []
        self.cat: Mapping[str, FactInfo] = catalogue()
        self.used_params: set[str] = set()
        self.used_vocabs: set[str] = set()
        self.params: dict[str, Parameter] = {}
        self.broken_params: set[str] = set()  # declared, but refused: their uses are not reported again
        self.broken_vocabs: set[str] = set()
        self.references: dict[str, str] = {}  # reference data files used: path -> digest
        self.vocabs: dict[str, Vocabulary] = {}
        # what a template shows for {param.X} and {vocabulary.X}: set once the vocabularies are compiled
        self.template_params: dict[str, Any] = {}
        self.template_vocabs: dict[str, tuple[str, ...]] = {}

    # ---- problems

    def error(self, pointer: Pointer, message: str, code: str = "pakkefeil") -> None:
        self.problems.append(PackProblem(self.src.where(pointer), message, "error", code,
                                         rule_at(self.data, tuple(pointer))))

    def warn(self, pointer: Pointer, message: str, code: str = "pakkefeil") -> None:
        self.warnings.append(PackProblem(self.src.where(pointer), message, "warning", code,
                                         rule_at(self.data, tuple(pointer))))

    @contextlib.contextmanager
    def scoped(self, cat: Mapping[str, FactInfo]) -> Iterator[None]:
        """Compile against another fact catalogue for a while (a conversation rule's events)."""
        saved = self.cat
        self.cat = cat
        try:
            yield
        finally:
            self.cat = saved

    def set_template_values(self) -> None:
        """What templates show for {param.X} and {vocabulary.X}, once both are compiled."""
        self.template_params = {n: p.value for n, p in self.params.items()}
        self.template_vocabs = {n: v.terms for n, v in self.vocabs.items()}

    # ---- facts and operands

    def fact_info(self, path: str, ptr: Pointer) -> FactInfo | None:
        info = self.cat.get(path)
        if info is None:
            close = [p for p in self.cat if p.split(".")[-1] == path.split(".")[-1]][:3]
            close += [p for p in difflib.get_close_matches(path, list(self.cat), n=3, cutoff=0.8) if p not in close]
            close = close[:3]
            hint = (f"; mente du {' eller '.join(close)}?" if close
                    else "; se listen over fakta med «dialogvakt facts»")
            self.error(ptr, f"ukjent faktum '{path}'{hint}", "ukjent-faktum")
        return info

    def typed_literal(self, value: Any, info: FactInfo, ptr: Pointer) -> Any:
        """A literal as the fact it is compared with holds its values (dates as dates, and so on)."""
        t = info.items if info.type == "list" else info.type
        if t == "enum":
            if not isinstance(value, str) or value not in info.values:
                self.error(ptr, f"{value!r} er ikke en mulig verdi for {info.path}{did_you_mean(value, info.values)}; "
                                f"mulige verdier: {', '.join(info.values)}", "verdi-utenfor-liste")
            return value
        if t == "boolean":
            if not isinstance(value, bool):
                self.error(ptr, f"{info.path} er sann/usann (true eller false), men verdien er {value!r}",
                           "feil-verditype")
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

    def resolve_operand(self, raw: Any, ptr: Pointer) -> tuple[str, Any]:
        """('vocabulary'|'fact'|'literal', value); a parameter is a literal. An unknown name is reported
        and gives ('unknown', None)."""
        if isinstance(raw, dict):
            if "param" in raw:
                name = raw["param"]
                if name in self.broken_params:
                    return "unknown", None
                if name not in self.params:
                    self.error(ptr, f"ukjent parameter '{name}'{did_you_mean(name, self.params)}; "
                               f"pakken har: {', '.join(self.params) or 'ingen'}", "ukjent-parameter")
                    return "unknown", None
                self.used_params.add(name)
                return "literal", self.params[name].value
            if "vocabulary" in raw:
                name = raw["vocabulary"]
                if name in self.broken_vocabs:
                    return "unknown", None
                if name not in self.vocabs:
                    self.error(ptr, f"ukjent ordliste '{name}'{did_you_mean(name, self.vocabs)}; "
                               f"pakken har: {', '.join(self.vocabs) or 'ingen'}", "ukjent-ordliste")
                    return "unknown", None
                self.used_vocabs.add(name)
                return "vocabulary", self.vocabs[name]
            if "fact" in raw:
                return "fact", raw["fact"]
        return "literal", raw

    # ---- conditions

    def condition(self, node: dict[str, Any], ptr: Pointer) -> Condition:
        for kind in ("each", "some"):
            if kind in node:
                return self.quantified(kind, node, ptr)
        if "all" in node:
            return All(tuple(self.condition(c, (*ptr, "all", i)) for i, c in enumerate(node["all"])))
        if "any" in node:
            return AnyOf(tuple(self.condition(c, (*ptr, "any", i)) for i, c in enumerate(node["any"])))
        if "not" in node:
            return Not(self.condition(node["not"], (*ptr, "not")))
        return self.comparison(node, ptr)

    def quantified(self, kind: Literal["each", "some"], node: dict[str, Any], ptr: Pointer) -> Quantified:
        """``each``/``some`` element of a list of objects meets ``when``; inside it a fact without a dot is a
        field of the element."""
        list_path = node[kind]
        info = self.fact_info(list_path, (*ptr, kind))
        fields = element_catalogue(list_path) or element_catalogue(list_path.partition(".")[2])
        if info is not None and (info.type != "list" or fields is None):
            self.error((*ptr, kind), f"'{kind}' går gjennom en liste av oppslag (for eksempel melding.mottakere "
                       f"eller melding.vedlegg); {list_path} er {type_word(info.type)}", "feil-operator")
        with self.scoped(ElementCatalogue(fields or {}, self.cat)):
            condition = self.condition(node["when"], (*ptr, "when"))
        return Quantified(kind, list_path, condition, bool(info and info.declared))

    def comparison(self, node: dict[str, Any], ptr: Pointer) -> Compare:
        c = self._comparison(node, ptr)
        info = self.cat.get(c.fact)
        if info is not None and info.declared and not c.declared:
            c = Compare(c.op, c.fact, c.operand, c.written, c.normalise, c.fact_type, True)
        return c

    def _comparison(self, node: dict[str, Any], ptr: Pointer) -> Compare:
        path = node["fact"]
        op = next(k for k in node if k != "fact")
        optr = (*ptr, op)
        info = self.fact_info(path, (*ptr, "fact"))
        raw = node[op]
        if info is None:
            return Compare(op, path, None, raw)
        if path.startswith("melding.pasient.id") and path != "melding.pasient.id_type" and op != "exists":
            self.error(optr, "pasientens nummer kan bare testes med 'exists'; bruk melding.pasient.id_type",
                       "pasientnummer")
        if op == "exists":
            return Compare(op, path, bool(raw), raw, fact_type=info.type)
        kind, value = self.resolve_operand(raw, optr)
        if kind == "unknown":
            return Compare(op, path, None, raw)  # already reported
        if kind == "fact":
            return self._with_fact(op, path, info, value, raw, optr)
        build = _OPERATORS.get(op)
        if build is None:  # pragma: no cover - the schema rejects it first
            self.error(optr, f"ukjent operator '{op}'", "feil-operator")
            return Compare(op, path, None, raw)
        return build(self, op, path, info, _Operand(kind, value), raw, optr)

    def _with_fact(self, op: str, path: str, info: FactInfo, other_path: str, raw: Any, optr: Pointer) -> Compare:
        other = self.fact_info(other_path, optr)
        if other is not None and not _compatible(info, other):
            self.error(optr, f"{path} ({type_word(info.type)}) kan ikke sammenlignes med "
                       f"{other_path} ({type_word(other.type)})", "feil-verditype")
        if op not in ("equals", "not_equals", *ORDERED, "contains", "starts_with", "in", "not_in"):
            self.error(optr, f"'{op}' kan ikke sammenligne med et annet faktum", "feil-operator")
        offset = self._offset(raw, info, other, optr) if isinstance(raw, dict) and "plus" in raw else None
        return Compare(op, path, FactRef(other_path, offset), raw, _normalised(info), info.type)

    def _offset(self, raw: dict[str, Any], info: FactInfo, other: FactInfo | None, optr: Pointer
                ) -> tuple[str, int] | None:
        """``plus: {months|days|working_days: N}`` on a fact operand: a calendar offset of a date or time."""
        ((unit, count),) = raw["plus"].items()
        where = (*optr, "plus", unit)
        if info.type not in ("date", "datetime") or (other is not None and other.type not in ("date", "datetime")):
            self.error(where, "'plus' flytter en dato eller et tidspunkt; begge faktaene må være datoer eller "
                       "tidspunkter", "feil-verditype")
            return None
        _, amount = self.resolve_operand(count, where)
        if amount is None:
            return None  # an unknown parameter, already reported
        if not isinstance(amount, int) or isinstance(amount, bool):
            self.error(where, f"'plus' tar et helt antall {UNIT_WORDS.get(unit, unit)}", "feil-verditype")
            return None
        return unit, amount

    def _equality(self, op: str, path: str, info: FactInfo, operand: _Operand, raw: Any, optr: Pointer) -> Compare:
        t = info.type
        if t in ("list", "object"):
            self.error(optr, f"{path} er {type_word(t)}; bruk contains, contains_any eller exists", "feil-operator")
        if operand.kind == "vocabulary" or isinstance(operand.value, (list, dict)):
            self.error(optr, f"'{op}' tar én verdi; bruk 'in' for flere", "feil-verditype")
            return Compare(op, path, None, raw)
        lit = self.typed_literal(operand.value, info, optr)
        normalise = _normalised(info)
        return Compare(op, path, norm(lit) if normalise and isinstance(lit, str) else lit, raw, normalise, t)

    def _membership(self, op: str, path: str, info: FactInfo, operand: _Operand, raw: Any, optr: Pointer) -> Compare:
        t = info.type
        if t in ("list", "object"):
            self.error(optr, f"{path} er {type_word(t)}; bruk contains eller contains_any", "feil-operator")
            return Compare(op, path, None, raw)
        if operand.kind == "vocabulary":
            return Compare(op, path, operand.value.exact, raw, True, t)
        if not isinstance(operand.value, list):
            self.error(optr, f"'{op}' tar en liste eller en ordliste", "feil-verditype")
            return Compare(op, path, None, raw)
        normalise = _normalised(info)
        lits = [self.typed_literal(v, info, optr) for v in operand.value]
        return Compare(op, path, frozenset(norm(v) if normalise and isinstance(v, str) else v for v in lits),
                       raw, normalise, t)

    def _ordered(self, op: str, path: str, info: FactInfo, operand: _Operand, raw: Any, optr: Pointer) -> Compare:
        t = info.type
        if t not in ("number", "date", "datetime"):
            self.error(optr, f"'{op}' krever et tall, en dato eller et tidspunkt; {path} er {type_word(t)}",
                       "feil-operator")
        if operand.kind == "vocabulary" or isinstance(operand.value, (list, dict)):
            self.error(optr, f"'{op}' tar én verdi", "feil-verditype")
            return Compare(op, path, None, raw)
        return Compare(op, path, self.typed_literal(operand.value, info, optr), raw, False, t)

    def _matches(self, op: str, path: str, info: FactInfo, operand: _Operand, raw: Any, optr: Pointer) -> Compare:
        t = info.type
        if t != "string":
            self.error(optr, f"'matches' krever tekst; {path} er {type_word(t)}", "feil-operator")
        if operand.kind == "vocabulary":
            return Compare(op, path, operand.value.pattern, raw, False, t)
        try:
            return Compare(op, path, compile_pattern(str(operand.value)), raw, False, t)
        except PatternError as exc:
            self.error(optr, str(exc), "ugyldig-regex")
            return Compare(op, path, None, raw)

    def _contains_any(self, op: str, path: str, info: FactInfo, operand: _Operand, raw: Any,
                      optr: Pointer) -> Compare:
        t = info.type
        normalise = _normalised(info)
        value = operand.value
        if operand.kind == "vocabulary":
            compiled = value.pattern if t == "string" else value.exact
        elif isinstance(value, list):
            if t == "list":
                lits = [self.typed_literal(v, info, optr) for v in value]
                compiled = frozenset(norm(v) if normalise and isinstance(v, str) else v for v in lits)
            else:
                alts = sorted((phrase(str(v)) for v in value), key=len, reverse=True)
                compiled = words_pattern(alts) if alts else NEVER
        else:
            self.error(optr, "'contains_any' tar en liste eller en ordliste", "feil-verditype")
            return Compare(op, path, None, raw)
        if t not in ("string", "list"):
            self.error(optr, f"'contains_any' krever tekst eller en liste; {path} er {type_word(t)}",
                       "feil-operator")
        return Compare(op, path, compiled, raw, normalise, t)

    def _contains(self, op: str, path: str, info: FactInfo, operand: _Operand, raw: Any, optr: Pointer) -> Compare:
        t = info.type
        if op == "starts_with" and t != "string":
            self.error(optr, f"'starts_with' krever tekst; {path} er {type_word(t)}", "feil-operator")
        if t not in ("string", "list"):
            self.error(optr, f"'{op}' krever tekst eller en liste; {path} er {type_word(t)}", "feil-operator")
        if operand.kind == "vocabulary" or isinstance(operand.value, (list, dict)):
            self.error(optr, f"'{op}' tar én verdi; bruk contains_any for flere", "feil-verditype")
            return Compare(op, path, None, raw)
        normalise = _normalised(info)
        lit = self.typed_literal(operand.value, info, optr) if t == "list" else operand.value
        return Compare(op, path, norm(lit) if isinstance(lit, str) and (normalise or t == "string") else lit,
                       raw, normalise or t == "string", t)

    def _mixes(self, op: str, path: str, info: FactInfo, operand: _Operand, raw: Any, optr: Pointer) -> Compare:
        # a list whose values fall under two or more terms (groups) of an exact vocabulary
        t = info.type
        if t != "list":
            self.error(optr, f"'mixes' krever en liste; {path} er {type_word(t)}", "feil-operator")
        if operand.kind != "vocabulary":
            self.error(optr, "'mixes' tar en ordliste der hvert begrep er en gruppe, for eksempel "
                       "{vocabulary: fagomrader}", "feil-verditype")
            return Compare(op, path, None, raw)
        vocabulary = operand.value
        if vocabulary.match != "exact":
            self.error(optr, f"'mixes' krever en ordliste med match: exact; '{vocabulary.name}' bruker "
                       f"{vocabulary.match}", "feil-verditype")
        return Compare(op, path, tuple(sorted(vocabulary.groups.items())), raw, True, t)

    # ---- templates and deadlines

    def check_template(self, text: str, ptr: Pointer, due_names: tuple[str, ...] = ()) -> None:
        for name in PLACEHOLDER.findall(text):
            if name in FORBIDDEN_IN_TEMPLATES:
                self.error(ptr, "en melding kan ikke vise pasientens nummer", "pasientnummer")
            elif name.startswith("param."):
                if name[6:] in self.broken_params:
                    continue
                if name[6:] not in self.params:
                    self.error(ptr, f"teksten viser en ukjent parameter '{name[6:]}'"
                               f"{did_you_mean(name[6:], self.params)}", "ukjent-parameter")
                else:
                    self.used_params.add(name[6:])
            elif name.startswith("vocabulary."):
                if name[11:] in self.broken_vocabs:
                    continue
                if name[11:] not in self.vocabs:
                    self.error(ptr, f"teksten viser en ukjent ordliste '{name[11:]}'"
                               f"{did_you_mean(name[11:], self.vocabs)}", "ukjent-ordliste")
                else:
                    self.used_vocabs.add(name[11:])
            elif name.startswith("due."):
                if name[4:] not in due_names:
                    self.error(ptr, f"teksten viser '{name}', men regelen har ingen slik frist",
                               "mal-leser-ukjent-faktum")
            elif name not in self.cat and not _through_list(name):
                self.error(ptr, f"teksten viser et ukjent faktum '{name}'{did_you_mean(name, self.cat)}",
                           "mal-leser-ukjent-faktum")

    def template(self, text: str) -> Template:
        """Compile a template whose names check_template accepted (unknown names stay slots)."""
        params, vocabs = self.template_params, self.template_vocabs
        safe = PLACEHOLDER.sub(lambda m: m.group(0) if _known(m.group(1), params, vocabs) else "(?)", text)
        return compile_template(safe, params, vocabs)

    def due(self, spec: dict[str, Any], ptr: Pointer) -> tuple[Due, ...]:
        out = []
        for name, d in spec.items():
            info = self.fact_info(d["from"], (*ptr, name, "from"))
            if info is not None and info.type not in ("date", "datetime"):
                self.error((*ptr, name, "from"), f"en frist regnes fra en dato eller et tidspunkt; {d['from']} er "
                           f"{type_word(info.type)}", "feil-verditype")
            unit = next(u for u in DUE_UNITS if u in d)
            _, amount = self.resolve_operand(d[unit], (*ptr, name, unit))
            if amount is None:
                amount = 0  # an unknown parameter, already reported
            elif not isinstance(amount, int) or isinstance(amount, bool):
                self.error((*ptr, name, unit), f"fristen '{name}' må være et helt antall {UNIT_WORDS.get(unit, unit)}",
                           "feil-verditype")
                amount = 0
            out.append(Due(name, d["from"], unit, amount))
        return tuple(out)


def _normalised(info: FactInfo) -> bool:
    """Text facts (and lists of text) compare without regard to case or spacing."""
    return info.type == "string" or (info.type == "list" and info.items == "string")


_Build = Callable[[ConditionCompiler, str, str, FactInfo, _Operand, Any, Pointer], Compare]
_OPERATORS: dict[str, _Build] = {
    "equals": ConditionCompiler._equality, "not_equals": ConditionCompiler._equality,
    "in": ConditionCompiler._membership, "not_in": ConditionCompiler._membership,
    **dict.fromkeys(ORDERED, ConditionCompiler._ordered),
    "matches": ConditionCompiler._matches,
    "contains_any": ConditionCompiler._contains_any,
    "contains": ConditionCompiler._contains, "starts_with": ConditionCompiler._contains,
    "mixes": ConditionCompiler._mixes,
}
