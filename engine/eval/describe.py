"""Conditions in bokmål: a comparison as a sentence, a traced condition as an indented tree.

Used by ``explain``, by the note a named pack gets when its scope does not hold,
and by the pages that read a guideline as rules. Values are shown as a clinician
reads them and masked as in decisions: a patient's number is never shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..contract.bokmal import show
from ..lang.tree import All, Compare, Condition, Not, Quantified

OPS = {  # how a comparison reads in bokmål
    "equals": "er", "not_equals": "er ikke", "in": "er en av", "not_in": "er ingen av",
    "gt": "er større enn", "ge": "er minst", "lt": "er mindre enn", "le": "er høyst",
    "exists": "finnes", "contains": "inneholder", "contains_any": "inneholder minst én av",
    "starts_with": "begynner med", "matches": "passer med mønsteret", "mixes": "blander flere av gruppene i",
}
MATCH = {  # how a text test matches, as explain reports it (explain.text_match)
    "word": "som hele ord; «epikrise» treffer ikke «epikrisen»",
    "prefix": "som begynnelsen av et ord; «epikrise» treffer også «epikrisen»",
    "exact": "som hele verdien",
    "regex": "som regulære uttrykk",
    "substring": "hvor som helst i teksten, også inne i ord",
    "start": "i begynnelsen av teksten",
}
SIGN = {"true": "✓", "false": "✗", "unknown": "?"}
GROUP = {"all": "alle disse", "any": "minst én av disse", "not": "ikke dette"}
QUANTIFIER = {"each": "for hver i {list}", "some": "for minst én i {list}"}


def tree_lines(steps: Iterable[Mapping[str, Any]], depth: int) -> list[str]:
    """A condition trace (as in ``Decision.trace``) as indented lines, one per comparison or group."""
    pad = "  " * depth
    lines: list[str] = []
    for s in steps:
        if "fact" in s:
            lines.append(f"{pad}{SIGN[s['result']]} {comparison_text(s)}")
        elif "elements" in s:
            kind = "each" if "each" in s else "some"
            lines.append(f"{pad}{SIGN[s['result']]} {QUANTIFIER[kind].format(list=s[kind])}:")
            if not s["elements"]:
                lines.append(f"{pad}  (listen er tom)")
            for e in s["elements"]:
                lines.append(f"{pad}  {SIGN[e['result']]} nr. {e['index'] + 1}:")
                lines += tree_lines(e["conditions"], depth + 2)
        else:
            key = next(k for k in GROUP if k in s)
            lines.append(f"{pad}{SIGN[s['result']]} {GROUP[key]}:")
            lines += tree_lines(s[key], depth + 1)
    return lines


def condition_text(step: Mapping[str, Any]) -> str:
    """A traced comparison or group as one line of bokmål."""
    if "fact" in step:
        return comparison_text(step)
    if "elements" in step:
        kind = "each" if "each" in step else "some"
        wanted = "false" if kind == "each" else "true"
        named = [e for e in step["elements"] if e["result"] == wanted] or step["elements"]
        inner = "; ".join(f"nr. {e['index'] + 1}: " + "; ".join(condition_text(s) for s in e["conditions"])
                          for e in named)
        return f"{QUANTIFIER[kind].format(list=step[kind])}: {inner or '(listen er tom)'}"
    key = next(k for k in GROUP if k in step)
    return f"{GROUP[key]}: " + "; ".join(condition_text(s) for s in step[key])


def comparison_text(step: Mapping[str, Any]) -> str:
    """One comparison as a sentence: the fact, the test, what the message had."""
    fact = name = step["fact"]
    op = OPS.get(step["op"], step["op"])
    if step["op"] == "exists":
        test = "finnes" if step["operand"] is True else "finnes ikke"
        text = f"{name} {test}"
    else:
        text = f"{name} {op} {_operand(step, fact)}"
        if step.get("match") in MATCH:
            case = "" if step["match"] == "regex" else "; store og små bokstaver og mellomrom teller ikke"
            text += f" ({MATCH[step['match']]}{case})"
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
            plus = written.get("plus")
            if isinstance(plus, dict) and plus:
                ((unit, count),) = plus.items()
                amount = count.get("param", "?") if isinstance(count, dict) else count
                words = {"months": "måneder", "days": "dager", "working_days": "virkedager"}.get(unit, unit)
                return f"faktumet {written['fact']} pluss {amount} {words}"
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


# --------------------------------------------------------------------------- a rule's condition, without a message
# Added for the pages that read a guideline as rules; the functions above are unchanged.

def condition_outline(node: Condition | None, parameters: Mapping[str, Any] | None = None,
                      vocabularies: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """A compiled condition as a tree of bokmål sentences, as written, with no message to compare:
    ``[{"text": "alle disse", "children": [{"text": "melding.formal er øyeblikkelig hjelp", "children": []}]}]``.

    ``parameters`` and ``vocabularies`` (a pack's) add the value a parameter stands for and the size of a word list.
    """
    if node is None:
        return []
    if isinstance(node, Compare):
        return [{"text": statement_text(node, parameters, vocabularies), "children": []}]
    if isinstance(node, Not):
        return [{"text": GROUP["not"], "children": condition_outline(node.child, parameters, vocabularies)}]
    if isinstance(node, Quantified):
        return [{"text": QUANTIFIER[node.kind].format(list=node.list_path),
                 "children": condition_outline(node.condition, parameters, vocabularies)}]
    children = [c for child in node.children for c in condition_outline(child, parameters, vocabularies)]
    if len(children) == 1:
        return children
    return [{"text": GROUP["all" if isinstance(node, All) else "any"], "children": children}]


def statement_text(compare: Compare, parameters: Mapping[str, Any] | None = None,
                   vocabularies: Mapping[str, Any] | None = None) -> str:
    """One comparison as the rule states it: 'kontekst.dager_siden_utskrivning er større enn parameteren x = 30'."""
    if compare.op == "exists":
        return f"{compare.fact} {'finnes' if compare.operand is True else 'finnes ikke'}"
    step: dict[str, Any] = {"fact": compare.fact, "op": compare.op, "operand": compare.written}
    written = compare.written
    if isinstance(written, dict) and "param" in written and parameters and written["param"] in parameters:
        value = getattr(parameters[written["param"]], "value", parameters[written["param"]])
        step["operand_value"] = value.isoformat() if hasattr(value, "isoformat") else value
    elif isinstance(written, dict) and "vocabulary" in written and written["vocabulary"] in (vocabularies or {}):
        step["operand_value"] = list(getattr((vocabularies or {})[written["vocabulary"]], "terms", ()))
    return f"{compare.fact} {OPS.get(compare.op, compare.op)} {_operand(step, compare.fact)}"
