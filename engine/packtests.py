"""A pack's own test cases (``policies/<pack>/tests/*.yaml``), run by ``dialogvakt test`` and pytest.

A test file:

    defaults:            # merged into every case's input (mappings merge, other values replace)
      tidspunkt: 2025-06-02T10:00
      melding: {...}
      kontekst: {...}
    cases:
      - name: a plain question about an outpatient is allowed
        input: {...}     # merged onto the defaults; null removes a key
        expect:
          decision: allow            # allow | deny | indeterminate | not_applicable
          fired: [rule-id, ...]      # each must give a reason, advice or obligation
          not_fired: [rule-id, ...]
          missing: [fact.path, ...]  # each must be named in missing[]
          error: $.json.path         # expect an input error at this path
          due: {rule-id: {name: YYYY-MM-DD}}
          packs: [pack-id, ...]      # select packs by scope (no pack named) and expect exactly these;
                                     # [] expects none (not_applicable); "auto" selects without checking

A patient number may be written as ``example:fnr``, ``example:dnr`` or
``example:hnr``: a fictional number of that type is put in its place, so that
test files hold no real-looking numbers.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .compiler import CompiledPack
from .evaluator import Engine
from .facts import InputError, parse_datetime
from .identifiers import example_number
from .loader import Location, PackError, read_yaml


@dataclass
class CaseResult:
    name: str
    location: Location | None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def merge(base: Any, overlay: Any) -> Any:
    """Deep-merge mappings; None in the overlay removes the key."""
    if isinstance(base, dict) and isinstance(overlay, dict):
        out = copy.deepcopy(base)
        for key, value in overlay.items():
            if value is None:
                out.pop(key, None)
            else:
                out[key] = merge(out.get(key), value)
        return out
    return copy.deepcopy(overlay)


def _examples(request: Any) -> Any:
    pasient = request.get("melding", {}).get("pasient") if isinstance(request, dict) else None
    if isinstance(pasient, dict) and isinstance(pasient.get("id"), str) and pasient["id"].startswith("example:"):
        kind = pasient["id"].split(":", 1)[1]
        synthetic = kind.endswith("-syntetisk")
        pasient["id"] = example_number(kind.replace("-syntetisk", ""), synthetic=synthetic)
    return request


def load_cases(pack: CompiledPack) -> Iterator[tuple[str, Location | None, dict, dict]]:
    folder = pack.folder / "tests"
    for path in sorted(folder.glob("*.yaml")):
        doc, positions = read_yaml(path, str(path))
        if not isinstance(doc, dict) or not isinstance(doc.get("cases"), list):
            raise PackError([_problem(positions, (), f"{path.name}: a test file needs a 'cases' list")])
        defaults = doc.get("defaults") or {}
        for i, case in enumerate(doc["cases"]):
            where = positions.get(("cases", i))
            name = case.get("name") or f"{path.stem}#{i + 1}"
            request = _examples(merge(defaults, case.get("input") or {}))
            yield name, where, request, case.get("expect") or {}


def _problem(positions, pointer, message):
    from .loader import PackProblem
    return PackProblem(positions.get(pointer), message)


def check_case(engine: Engine, pack: CompiledPack, request: dict, expect: dict) -> list[str]:
    """Evaluate one case and return what differs from the expectation (empty when it passes)."""
    problems: list[str] = []
    known = {r.id for p in engine.packs.values() for r in p.rules} | {f"{p}.gyldighet" for p in engine.packs}
    for rule in (*expect.get("fired", []), *expect.get("not_fired", []), *(expect.get("due") or {})):
        if rule not in known:  # a misspelt id in not_fired would otherwise always pass
            problems.append(f"unknown rule id {rule} in the expectation")
    selected = expect.get("packs")
    auto = selected == "auto" or isinstance(selected, list)
    try:
        decision = engine.evaluate(request, pack=None if auto else pack.id)
    except InputError as exc:
        if expect.get("error"):
            if expect["error"] not in exc.path:
                problems.append(f"error at {exc.path}, expected at {expect['error']}")
            return problems
        return [f"input error: {exc}"]
    if expect.get("error"):
        return [f"expected an input error at {expect['error']}, got decision {decision.decision}"]
    if "decision" in expect and decision.decision != expect["decision"]:
        why = "; ".join(f"{r.rule}" for r in decision.reasons) or "-"
        miss = ", ".join(m.fact for m in decision.missing if m.decisive) or "-"
        problems.append(f"decision {decision.decision}, expected {expect['decision']} (reasons: {why}; missing: {miss})")
    fired = decision.fired()
    for rule in expect.get("fired", []):
        if rule not in fired:
            problems.append(f"rule {rule} did not fire")
    for rule in expect.get("not_fired", []):
        if rule in fired:
            problems.append(f"rule {rule} fired, expected it not to")
    named = {m.fact for m in decision.missing}
    for fact in expect.get("missing", []):
        if fact not in named:
            problems.append(f"missing[] does not name {fact} (it names: {', '.join(sorted(named)) or 'nothing'})")
    for rule_id, dues in (expect.get("due") or {}).items():
        found = next((o for o in decision.obligations if o.rule == rule_id), None)
        if found is None:
            problems.append(f"no obligation from {rule_id}")
            continue
        for name, date in dues.items():
            if not _same_due((found.due or {}).get(name) or "", str(date)):
                problems.append(f"{rule_id} due.{name} is {(found.due or {}).get(name)}, expected {date}")
    if isinstance(selected, list):
        used = [p.id for p in decision.packs]
        if sorted(used) != sorted(selected):
            problems.append(f"packs used {used}, expected {selected}")
    return problems


def _same_due(got: str, want: str) -> bool:
    """A date compares by day; a date and time (hours-based deadlines) by the moment, in Europe/Oslo."""
    if len(want) <= 10:
        return got[:10] == want[:10]
    try:
        return bool(got) and parse_datetime(got, "") == parse_datetime(want, "")
    except InputError:
        return False


def run_pack_tests(engine: Engine, pack: CompiledPack) -> list[CaseResult]:
    results = []
    for name, where, request, expect in load_cases(pack):
        results.append(CaseResult(name, where, check_case(engine, pack, request, expect)))
    return results


def pack_test_files(pack_folder: Path) -> list[Path]:
    return sorted((pack_folder / "tests").glob("*.yaml"))
