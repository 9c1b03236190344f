"""A pack's own test cases (``policies/<pack>/tests/*.yaml``), run by ``dialogvakt test`` and pytest.

A test file (its JSON Schema: ``engine/schemas/packtest-v1.schema.json``):

    defaults:            # merged into every case's input (mappings merge, other values replace)
      tidspunkt: 2025-06-02T10:00
      melding: {...}
      kontekst: {...}
    examples:            # optional: named requests a case may start from
      utskrevet: {...}
    cases:
      - name: a plain question about an outpatient is allowed
        input: {...}     # merged onto the defaults; null removes a key
        expect:
          decision: allow            # allow | deny | indeterminate | not_applicable
          reasons: [rule-id, ...]    # exactly the rules that give reasons (as a set; [] for none)
          advice: [rule-id, ...]     # exactly the rules that give advice
          obligations:               # exactly the rules that give obligations; an item may name dates
            - rule-id
            - {rule: rule-id, due: {senest: YYYY-MM-DD}}
          fired: [rule-id, ...]      # each must give a reason, advice or obligation (others may too)
          not_fired: [rule-id, ...]  # each must not fire: neither give a finding nor hold silently
                                     # (an obligation a denial hides still counts as fired)
          missing: [fact.path, ...]  # each must be named in missing[]
          error: $.json.path         # expect an input error at this path
          due: {rule-id: {name: YYYY-MM-DD}}
          packs: [pack-id, ...]      # select packs by scope (no pack named) and expect exactly these;
                                     # [] expects none (not_applicable); "auto" selects without checking
      - name: the same question about an admitted patient is denied
        example: utskrevet           # start from a named example instead of the defaults
        input: {kontekst: {pasientstatus: innlagt}}   # a patch on the example, same merge rules

``example: NAME`` is looked up, in order, under the file's ``examples:`` key,
in ``tests/examples/NAME.yaml`` (or ``.json``) of the pack, and last in
``examples/NAME.json`` of the repository when a folder ``examples/`` lies beside
``policies/``. Packs that are installed elsewhere keep their examples in the
first two places.

A patient number may be written as ``example:fnr``, ``example:dnr`` or
``example:hnr``: a fictional number of that type is put in its place, so that
test files hold no real-looking numbers.

A test file that does not follow the schema, names an unknown example or a
rule id the pack does not have is an error with ``file:line:column``
(``PackError``), never a case that silently passes.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..contract.decision import Finding
from ..contract.errors import InputError
from ..contract.identifiers import example_number
from ..contract.times import parse_datetime
from ..eval.engine import Engine
from ..lang.loader import (
    DataError,
    Location,
    PackError,
    PackProblem,
    PackSource,
    Pointer,
    display_path,
    error_pointer,
    list_pack_folders,
    parse_data,
    read_pack,
    read_text,
    read_yaml,
    schema_errors,
    schema_message,
)
from ..lang.tree import CompiledPack

Case = tuple[str, Location | None, dict[str, Any], dict[str, Any]]  # name, where, request, expect
RULE_KEYS = ("fired", "not_fired", "reasons", "advice")  # expectation keys that list rule ids


@dataclass
class CaseResult:
    name: str
    location: Location | None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class PackReport:
    """The outcome of one pack's test files: every case, and the problems of files that could not run."""

    pack: str
    results: list[CaseResult] = field(default_factory=list)
    file_problems: list[PackProblem] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.ok)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed

    @property
    def ok(self) -> bool:
        return not self.file_problems and all(r.ok for r in self.results)


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


# --------------------------------------------------------------------------- test files

PACKTEST_SCHEMA = "packtest-v1.schema.json"


def pack_test_files(pack_folder: Path) -> list[Path]:
    return sorted((pack_folder / "tests").glob("*.yaml"))


def _schema_problems(doc: Any, source: PackSource, name: str) -> list[PackProblem]:
    return [PackProblem(source.where(error_pointer(e)) or Location(name, 1, 1), schema_message(e))
            for e in schema_errors(doc, PACKTEST_SCHEMA)]


class _Examples:
    """Named example requests of one test file, looked up in the documented order."""

    def __init__(self, doc: dict[str, Any], path: Path, pack_folder: Path):
        self.inline: dict[str, Any] = doc.get("examples") or {}
        self.folders = [path.parent / "examples"]
        beside_policies = pack_folder.resolve().parent.parent / "examples"
        self.repository = beside_policies if beside_policies.is_dir() else None
        self._cache: dict[str, dict[str, Any]] = {}

    def _file(self, name: str) -> Path | None:
        for folder in self.folders:
            for suffix in (".yaml", ".json"):
                if (folder / f"{name}{suffix}").is_file():
                    return folder / f"{name}{suffix}"
        if self.repository is not None and (self.repository / f"{name}.json").is_file():
            return self.repository / f"{name}.json"
        return None

    def known(self) -> list[str]:
        names = set(self.inline)
        for folder in self.folders:
            names.update(p.stem for p in folder.glob("*.yaml"))
            names.update(p.stem for p in folder.glob("*.json"))
        if self.repository is not None:
            names.update(p.stem for p in self.repository.glob("*.json"))
        return sorted(names)

    def get(self, name: str, where: Location | None) -> dict[str, Any]:
        if name in self.inline:
            return self.inline[name]
        if name in self._cache:
            return self._cache[name]
        path = self._file(name)
        if path is None:
            known = ", ".join(self.known()) or "ingen"
            raise PackError([PackProblem(where, f"ukjent eksempel '{name}'; kjente eksempler: {known}")])
        self._cache[name] = _read_example(path)
        return self._cache[name]


def _read_example(path: Path) -> dict[str, Any]:
    name = display_path(path)
    if path.suffix == ".json":
        try:
            doc = parse_data(read_text(path, name), name)
        except DataError as exc:
            raise PackError([PackProblem(exc.location, exc.message)]) from None
    else:
        doc, _ = read_yaml(path, name)
    if not isinstance(doc, dict):
        raise PackError([PackProblem(Location(name, 1, 1), "et eksempel må være en forespørsel (et objekt)")])
    return doc


def _rule_ids(expect: Mapping[str, Any]) -> Iterator[tuple[Pointer, str]]:
    """Every rule id an expectation names, with its pointer inside the expectation."""
    for key in RULE_KEYS:
        for j, rule in enumerate(expect.get(key) or []):
            yield (key, j), rule
    for j, item in enumerate(expect.get("obligations") or []):
        yield ("obligations", j), item["rule"] if isinstance(item, dict) else item
    for rule in expect.get("due") or {}:
        yield ("due", rule), rule


def known_rule_ids(packs: Iterable[CompiledPack]) -> set[str]:
    """Rule ids an expectation may name: the packs' rules and each pack's validity advice."""
    return {r.id for p in packs for r in p.rules} | {f"{p.id}.gyldighet" for p in packs}


def _sibling_rule_ids(pack: CompiledPack) -> frozenset[str]:
    """Rule ids of the packs in the same folder as this one (a case that selects packs by scope may name them)."""
    folders = tuple(list_pack_folders(pack.folder.parent))
    stamps = tuple((str(f), max((p.stat().st_mtime_ns for p in f.glob("*.yaml")), default=0)) for f in folders)
    return _rule_ids_of_folders(stamps)


@lru_cache(maxsize=8)
def _rule_ids_of_folders(stamps: tuple[tuple[str, int], ...]) -> frozenset[str]:
    ids: set[str] = set()
    for folder, _mtime in stamps:
        try:
            data = read_pack(Path(folder)).data
        except PackError:
            continue  # a broken sibling is reported by its own checks
        ids.add(f"{data['id']}.gyldighet")
        ids.update(r["id"] for r in data.get("rules") or [])
    return frozenset(ids)


def read_test_file(pack: CompiledPack, path: Path, known_rules: set[str] | None = None) -> list[Case]:
    """One test file's cases as (name, location, request, expect); PackError lists every problem in the file.

    Rule ids are checked against the pack's own rules, ``known_rules`` when given (the engine's packs),
    else the packs beside this one."""
    name = display_path(path)
    doc, positions = read_yaml(path, name)
    source = PackSource(pack.folder, doc, positions)
    problems = _schema_problems(doc, source, name)
    if problems:
        raise PackError(problems)
    known = known_rule_ids([pack]) | (set(known_rules) if known_rules is not None else _sibling_rule_ids(pack))
    examples = _Examples(doc, path, pack.folder)
    defaults = doc.get("defaults") or {}
    cases: list[Case] = []
    for i, case in enumerate(doc["cases"]):
        expect = case["expect"]
        for pointer, rule in _rule_ids(expect):
            if rule not in known:
                problems.append(PackProblem(source.where(("cases", i, "expect", *pointer)),
                                            f"ukjent regel-id '{rule}' i forventningen; "
                                            f"pakken {pack.id} har ingen slik regel"))
        base = defaults
        if "example" in case:
            try:
                base = examples.get(case["example"], source.where(("cases", i, "example")))
            except PackError as exc:
                problems.extend(exc.problems)
                continue
        request = _examples(merge(base, case.get("input") or {}))
        cases.append((case["name"], positions.get(("cases", i)), request, expect))
    if problems:
        raise PackError(problems)
    return cases


def load_cases(pack: CompiledPack, known_rules: set[str] | None = None) -> Iterator[Case]:
    """Every case of the pack's test files, file by file. ``known_rules``: rule ids of other packs that
    cases may name (cases that select packs by scope); by default those of the packs beside this one."""
    for path in pack_test_files(pack.folder):
        yield from read_test_file(pack, path, known_rules)


# --------------------------------------------------------------------------- checking a case

def _ids(items: Iterable[Any]) -> set[str]:
    return {item["rule"] if isinstance(item, dict) else item for item in items}


def _set_problem(label: str, want: set[str], got: set[str]) -> str | None:
    if want == got:
        return None
    parts = []
    if want - got:
        parts.append("mangler " + ", ".join(sorted(want - got)))
    if got - want:
        parts.append("i tillegg " + ", ".join(sorted(got - want)))
    return f"{label}: {'; '.join(parts)} (fikk: {', '.join(sorted(got)) or 'ingen'})"


def _due_problems(rule_id: str, found: Finding, dues: Mapping[str, Any]) -> list[str]:
    problems = []
    for name, date in dues.items():
        got = (found.due or {}).get(name)
        if not _same_due(got or "", str(date)):
            problems.append(f"{rule_id} due.{name} er {got or 'ikke satt'}, forventet {date}")
    return problems


def check_case(engine: Engine, pack: CompiledPack, request: dict[str, Any], expect: Mapping[str, Any],
               known: set[str] | None = None) -> list[str]:
    """Evaluate one case and return what differs from the expectation (empty when it passes).

    ``known``: the rule ids expectations may name (default: those of the engine's packs).
    """
    problems: list[str] = []
    known = known_rule_ids(engine.packs.values()) if known is None else known
    for _pointer, rule in _rule_ids(expect):
        if rule not in known:  # a misspelt id in not_fired would otherwise always pass
            problems.append(f"ukjent regel-id {rule} i forventningen")
    selected = expect.get("packs")
    auto = selected == "auto" or isinstance(selected, list)
    try:
        # only not_fired reads the trace (a rule that held even where a denial hides its obligation)
        decision = engine.evaluate(request, pack=None if auto else pack.id, explain="not_fired" in expect)
    except InputError as exc:
        if expect.get("error"):
            if expect["error"] not in exc.path:
                problems.append(f"inndatafeil ved {exc.path}, forventet ved {expect['error']}")
            return problems
        return [*problems, f"inndatafeil: {exc}"]
    if expect.get("error"):
        return [*problems, f"forventet inndatafeil ved {expect['error']}, fikk avgjørelsen {decision.decision}"]
    if "decision" in expect and decision.decision != expect["decision"]:
        why = ", ".join(r.rule for r in decision.reasons) or "-"
        miss = ", ".join(m.fact for m in decision.missing if m.decisive) or "-"
        problems.append(f"avgjørelsen ble {decision.decision}, forventet {expect['decision']} "
                        f"(begrunnelser: {why}; mangler: {miss})")
    for key, label, findings in (("reasons", "begrunnelser", decision.reasons), ("advice", "råd", decision.advice),
                                 ("obligations", "forpliktelser", decision.obligations)):
        if key in expect:
            problem = _set_problem(label, _ids(expect[key]), {f.rule for f in findings})
            if problem:
                problems.append(problem)
    fired = decision.fired()
    problems.extend(f"regelen {rule} slo ikke til" for rule in expect.get("fired", []) if rule not in fired)
    held = {t["rule"] for t in decision.trace or () if t["result"] == "fired"}
    for rule in expect.get("not_fired", []):
        if rule in fired:
            problems.append(f"regelen {rule} slo til, forventet at den ikke skulle")
        elif rule in held:
            problems.append(f"regelen {rule} slo til (avvisningen skjuler plikten), forventet at den ikke skulle")
    named = {m.fact for m in decision.missing}
    problems.extend(f"missing[] nevner ikke {fact} (den nevner: {', '.join(sorted(named)) or 'ingenting'})"
                    for fact in expect.get("missing", []) if fact not in named)
    dues = [(item["rule"], item["due"]) for item in expect.get("obligations", [])
            if isinstance(item, dict) and item.get("due")]
    for rule_id, wanted in [*(expect.get("due") or {}).items(), *dues]:
        found = next((o for o in decision.obligations if o.rule == rule_id), None)
        if found is None:
            if "obligations" not in expect or rule_id not in _ids(expect["obligations"]):
                problems.append(f"ingen forpliktelse fra {rule_id}")
            continue  # a missing obligation the set comparison already named
        problems.extend(_due_problems(rule_id, found, wanted))
    if isinstance(selected, list):
        used = [p.id for p in decision.packs]
        if sorted(used) != sorted(selected):
            problems.append(f"pakkene som ble brukt er {used}, forventet {selected}")
    return problems


def _same_due(got: str, want: str) -> bool:
    """A date compares by day; a date and time (hours-based deadlines) by the moment, in Europe/Oslo."""
    if len(want) <= 10:
        return got[:10] == want[:10]
    try:
        return bool(got) and parse_datetime(got, "") == parse_datetime(want, "")
    except InputError:
        return False


# --------------------------------------------------------------------------- running and reporting

def pack_report(engine: Engine, pack: CompiledPack) -> PackReport:
    """Run every test file of a pack; a file with problems is reported and the other files still run."""
    report = PackReport(pack.id)
    known = known_rule_ids(engine.packs.values())
    for path in pack_test_files(pack.folder):
        try:
            cases = read_test_file(pack, path, known)
        except PackError as exc:
            report.file_problems.extend(exc.problems)
            continue
        for name, where, request, expect in cases:
            report.results.append(CaseResult(name, where, check_case(engine, pack, request, expect, known)))
    return report


def report_json(reports: list[PackReport]) -> dict[str, Any]:
    def case(r: CaseResult) -> dict[str, Any]:
        where = r.location
        return {"name": r.name, "ok": r.ok, "problems": r.problems,
                "file": where.file if where else None, "line": where.line if where else None,
                "column": where.column if where else None}

    packs = [{"pack": rep.pack, "ok": rep.ok, "passed": rep.passed, "failed": rep.failed,
              "file_problems": [{"file": p.location.file if p.location else None,
                                 "line": p.location.line if p.location else None,
                                 "column": p.location.column if p.location else None,
                                 "message": p.message} for p in rep.file_problems],
              "cases": [case(r) for r in rep.results]} for rep in reports]
    return {**_totals(reports), "packs": packs}


def _totals(reports: list[PackReport]) -> dict[str, Any]:
    return {"ok": all(rep.ok for rep in reports),
            "passed": sum(rep.passed for rep in reports), "failed": sum(rep.failed for rep in reports),
            "file_problems": sum(len(rep.file_problems) for rep in reports)}


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _summary(passed: int, failed: int, file_problems: int) -> str:
    text = f"{passed} av {_count(passed + failed, 'tilfelle', 'tilfeller')} bestått, {failed} feilet"
    if file_problems:
        text += f", {_count(file_problems, 'feil', 'feil')} i testfilene"
    return text


def report_text(reports: list[PackReport], *, quiet: bool = False, verbose: bool = False) -> str:
    """PASS/FAIL per case (FAIL with file:line and what differed), a summary per pack and in all, in bokmål."""
    lines: list[str] = []
    for rep in reports:
        lines.append(rep.pack)
        lines.extend(f"  FEIL {problem.location}: {problem.message}" if problem.location
                     else f"  FEIL {problem.message}" for problem in rep.file_problems)
        for r in rep.results:
            if r.ok:
                if not quiet:
                    lines.append(f"  PASS {r.name}" + (f"  ({r.location})" if verbose and r.location else ""))
                continue
            lines.append(f"  FAIL {r.name}")
            lines.append(f"       {r.location}" if r.location else "       (ukjent plassering)")
            lines.extend(f"       - {p}" for p in r.problems)
        if not rep.results and not rep.file_problems:
            lines.append("  (ingen testtilfeller i tests/)")
        lines.append(f"  {rep.pack}: {_summary(rep.passed, rep.failed, len(rep.file_problems))}")
        lines.append("")
    total = _totals(reports)
    verdict = "OK" if total["ok"] else "FEILET"
    lines.append(f"Totalt {_count(len(reports), 'pakke', 'pakker')}: "
                 f"{_summary(total['passed'], total['failed'], total['file_problems'])} – {verdict}")
    return "\n".join(lines)
