"""`dialogvakt validate` as a lint: one seeded mistake per kind, found with its check id, rule and place.

Every test copies a bundled pack, seeds exactly one mistake by replacing text, and asserts the
finding both through the API (``engine.lint.lint_pack``) and through ``engine.cli.main``
(``--format json``). Expected lines and columns are computed from where the seeded text lands
in the copied file, never written as numbers.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from engine.authoring.checks import checks
from engine.authoring.lint import lint_pack
from engine.cli import main
from engine.contract.identifiers import example_number
from engine.lang.compiler import compile_pack
from engine.lang.loader import PackProblem, bundled_policies_dir, list_pack_folders

BUNDLED = bundled_policies_dir()
BERGEN = "helse-bergen-d81023"


# --------------------------------------------------------------------------- helpers

def copy_pack(tmp_path: Path, pack_id: str = BERGEN) -> Path:
    target = tmp_path / pack_id
    shutil.copytree(BUNDLED / pack_id, target)
    return target


def line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def seed(path: Path, old: str, new: str, at: str | None = None, before: str | None = None) -> tuple[int, int]:
    """Replace the one occurrence of ``old`` with ``new``; return the line and column where the
    finding must point: at the text ``at`` inside ``new`` (default: where ``new`` starts), or at
    the last ``before`` that precedes the seeded text."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"seed text must occur once: {old!r}"
    start = text.index(old)
    seeded = text[:start] + new + text[start + len(old):]
    path.write_text(seeded, encoding="utf-8")
    if before is not None:
        offset = seeded.rindex(before, 0, start + 1)
    else:
        offset = start + (new.index(at) if at is not None else 0)
    return line_col(seeded, offset)


def rule_id_before(path: Path, marker: str) -> str:
    """The id of the rule in which ``marker`` stands (the nearest '- id:' above it)."""
    text = path.read_text(encoding="utf-8")
    ids = re.findall(r"^  - id: (\S+)$", text[: text.index(marker)], re.MULTILINE)
    return ids[-1]


def assert_found(folder: Path, capsys, *, code: str, rule: str | None, file: str, line: int, column: int,
                 severity: str | None = None) -> PackProblem:
    assert code in checks(), f"{code} is not listed in schemas/lint-checks.yaml"
    severity = severity or checks()[code]["severity"]
    report = lint_pack(folder)
    hits = [p for p in report.problems if p.code == code]
    assert hits, [str(p) for p in report.problems]
    match = [p for p in hits if p.rule == rule and p.location.file.endswith(f"{folder.name}/{file}")
             and (p.location.line, p.location.column) == (line, column)]
    assert match, (f"expected {file}:{line}:{column} [{code}] ({rule})", [str(p) for p in hits])
    problem = match[0]
    assert problem.severity == severity
    assert "\n" not in str(problem)
    word = {"error": "feil", "warning": "advarsel"}[severity]
    rule_text = f" (regel {rule})" if rule else ""
    assert str(problem).endswith(f":{line}:{column}: {word} [{code}]{rule_text}: {problem.message}")

    capsys.readouterr()
    status = main(["validate", str(folder), "--format", "json"])
    rows = json.loads(capsys.readouterr().out)
    assert {"file", "line", "column", "severity", "code", "rule", "message"} <= set(rows[0])
    assert any(r["code"] == code and r["rule"] == rule and r["line"] == line and r["column"] == column
               and r["file"].endswith(file) and r["severity"] == severity for r in rows), rows
    assert status == (1 if any(r["severity"] == "error" for r in rows) else 0)
    return problem


# --------------------------------------------------------------------------- one test per kind of mistake

def test_unknown_fact(tmp_path, capsys):
    folder = copy_pack(tmp_path)
    rules = folder / "rules.yaml"
    rule = rule_id_before(rules, "      fact: melding.har_vedlegg\n")
    line, col = seed(rules, "      fact: melding.har_vedlegg\n", "      fact: melding.har_vedleg\n", at="fact:")
    problem = assert_found(folder, capsys, code="ukjent-faktum", rule=rule, file="rules.yaml", line=line, column=col)
    assert "mente du melding.har_vedlegg" in problem.message


def test_wrong_value_type_for_a_fact(tmp_path, capsys):
    folder = copy_pack(tmp_path)
    rules = folder / "rules.yaml"
    old = "      fact: melding.har_vedlegg\n      equals: true\n"
    rule = rule_id_before(rules, old)
    line, col = seed(rules, old, "      fact: melding.har_vedlegg\n      equals: ja takk\n", at="equals")
    problem = assert_found(folder, capsys, code="feil-verditype", rule=rule, file="rules.yaml", line=line, column=col)
    assert "sann/usann" in problem.message


def test_value_outside_a_facts_enum(tmp_path, capsys):
    folder = copy_pack(tmp_path)
    rules = folder / "rules.yaml"
    old = "      not_in: [foresporsel, svar]\n"
    rule = rule_id_before(rules, old)
    line, col = seed(rules, old, "      not_in: [foresporsl, svar]\n", at="not_in")
    problem = assert_found(folder, capsys, code="verdi-utenfor-liste", rule=rule, file="rules.yaml",
                           line=line, column=col)
    assert "mente du 'foresporsel'" in problem.message and "mulige verdier:" in problem.message


def test_unknown_vocabulary(tmp_path, capsys):
    folder = copy_pack(tmp_path)
    rules = folder / "rules.yaml"
    old = "not_in: {vocabulary: kommunale_tjenester}"
    rule = rule_id_before(rules, old)
    line, col = seed(rules, old, "not_in: {vocabulary: kommunale_tjenster}", at="not_in")
    problem = assert_found(folder, capsys, code="ukjent-ordliste", rule=rule, file="rules.yaml", line=line, column=col)
    assert "mente du 'kommunale_tjenester'" in problem.message


def test_unknown_parameter(tmp_path, capsys):
    folder = copy_pack(tmp_path)
    rules = folder / "rules.yaml"
    old = "gt: {param: nylig_utskrevet_dager}"
    rule = rule_id_before(rules, old)
    line, col = seed(rules, old, "gt: {param: nylig_utskrevne_dager}", at="gt")
    problem = assert_found(folder, capsys, code="ukjent-parameter", rule=rule, file="rules.yaml", line=line, column=col)
    assert "mente du 'nylig_utskrevet_dager'" in problem.message


def test_duplicate_id(tmp_path, capsys):
    folder = copy_pack(tmp_path)
    rules = folder / "rules.yaml"
    line, col = seed(rules, "  - id: d81023-4.5-vedlegg\n", "  - id: d81023-4.5-ren-tekst\n", at="id:")
    problem = assert_found(folder, capsys, code="duplikat-id", rule="d81023-4.5-ren-tekst", file="rules.yaml",
                           line=line, column=col)
    assert "første gang i" in problem.message


def test_rule_that_can_never_fire(tmp_path, capsys):
    folder = copy_pack(tmp_path)
    rules = folder / "rules.yaml"
    old = "    when:\n      fact: melding.forfatter.navn\n      exists: false\n"
    rule = rule_id_before(rules, old)
    new = ("    when:\n      all:\n        - fact: melding.forfatter.navn\n          exists: false\n"
           "        - fact: melding.forfatter.navn\n          equals: Kari Nordmann\n")
    line, col = seed(rules, old, new, at="when")
    assert_found(folder, capsys, code="slar-aldri-til", rule=rule, file="rules.yaml", line=line, column=col)


def test_rule_that_can_never_fire_within_the_scope(tmp_path, capsys):
    folder = copy_pack(tmp_path)
    rules = folder / "rules.yaml"
    old = "    when:\n      fact: melding.forfatter.navn\n      exists: false\n"
    rule = rule_id_before(rules, old)
    # the scope takes dialog messages; bestill_time (a helsenorge service) is not one of them
    new = ("    when:\n      all:\n        - fact: melding.forfatter.navn\n          exists: false\n"
           "        - fact: melding.type\n          equals: bestill_time\n")
    line, col = seed(rules, old, new, at="when")
    problem = assert_found(folder, capsys, code="slar-aldri-til", rule=rule, file="rules.yaml", line=line, column=col)
    assert "virkeområde" in problem.message


def test_rule_that_always_fires(tmp_path, capsys):
    folder = copy_pack(tmp_path)
    rules = folder / "rules.yaml"
    old = "      fact: melding.har_vedlegg\n      equals: true\n"
    rule = rule_id_before(rules, old)
    new = ("      any:\n        - {fact: melding.har_vedlegg, equals: true}\n"
           "        - {fact: melding.har_vedlegg, equals: false}\n")
    line, col = seed(rules, old, new, before="when:")
    assert_found(folder, capsys, code="slar-alltid-til", rule=rule, file="rules.yaml", line=line, column=col)
    assert main(["validate", str(folder)]) == 0  # a warning does not stop CI ...
    assert main(["validate", "--strict", str(folder)]) == 1  # ... unless asked to


def test_same_condition_with_conflicting_effects(tmp_path, capsys):
    folder = copy_pack(tmp_path)
    rules = folder / "rules.yaml"
    new_rule = ("  - id: d81023-4.5-vedlegg-rad\n    title: Vedlegg\n    source:\n      section: \"4.5\"\n"
                "    effect: advice\n    when:\n      all:\n        - {fact: melding.har_vedlegg, equals: true}\n"
                "    message: Vedlegg kommer ikke fram til mottakeren.\n\n")
    line, col = seed(rules, "  - id: d81023-4.6-en-mottaker\n", new_rule + "  - id: d81023-4.6-en-mottaker\n",
                     at="when")
    problem = assert_found(folder, capsys, code="motstridende-regler", rule="d81023-4.5-vedlegg-rad",
                           file="rules.yaml", line=line, column=col)
    assert "d81023-4.5-vedlegg" in problem.message


def test_same_condition_with_the_same_effect_is_a_duplicate(tmp_path, capsys):
    folder = copy_pack(tmp_path)
    rules = folder / "rules.yaml"
    new_rule = ("  - id: d81023-4.5-vedlegg-igjen\n    source:\n      section: \"4.5\"\n"
                "    effect: deny\n    when:\n      fact: melding.har_vedlegg\n      equals: true\n"
                "    message: Fjern vedlegget.\n\n")
    line, col = seed(rules, "  - id: d81023-4.6-en-mottaker\n", new_rule + "  - id: d81023-4.6-en-mottaker\n",
                     at="when")
    assert_found(folder, capsys, code="duplikat-regel", rule="d81023-4.5-vedlegg-igjen", file="rules.yaml",
                 line=line, column=col)


def test_template_naming_a_fact_the_condition_does_not_read(tmp_path, capsys):
    folder = copy_pack(tmp_path)
    rules = folder / "rules.yaml"
    old = "    message: Skriv hvem du er og hvor du arbeider, slik"
    rule = rule_id_before(rules, old)
    line, col = seed(rules, old, "    message: Skriv hvem du er og hvor du arbeider ({kontekst.pasientstatus}), slik",
                     at="message")
    problem = assert_found(folder, capsys, code="mal-utenfor-vilkar", rule=rule, file="rules.yaml",
                           line=line, column=col)
    assert "{kontekst.pasientstatus}" in problem.message


def test_normative_section_without_rule_or_not_checkable_entry(tmp_path, capsys):
    folder = copy_pack(tmp_path)
    pack = folder / "pack.yaml"
    old = 'sections: ["1", "2", "3", "4", "5", "6", "7", "8", "9"]'
    line, col = seed(pack, old, 'sections: ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]', at='"10"')
    problem = assert_found(folder, capsys, code="seksjon-uten-regel", rule=None, file="pack.yaml",
                           line=line, column=col)
    assert "«10»" in problem.message


def test_a_section_cited_only_by_a_not_checkable_entry_is_covered(tmp_path):
    folder = copy_pack(tmp_path)
    rules = folder / "rules.yaml"
    # § 9 is cited only by a not_checkable entry; take it away and the section is uncovered
    text = rules.read_text(encoding="utf-8")
    assert lint_pack(folder).errors == []
    entry = re.search(r"  - source: \{section: \"9\".*?(?=\n  - |\Z)", text, re.DOTALL)
    assert entry is not None
    rules.write_text(text.replace(entry.group(0), ""), encoding="utf-8")
    assert [p.code for p in lint_pack(folder).errors] == ["seksjon-uten-regel"]


def test_yaml_syntax_error(tmp_path, capsys):
    folder = copy_pack(tmp_path)
    rules = folder / "rules.yaml"
    line, col = seed(rules, "    title: Ingen vedlegg\n", "    title: Ingen: vedlegg\n", at=": vedlegg")
    problem = assert_found(folder, capsys, code="yaml-syntaks", rule=None, file="rules.yaml", line=line, column=col)
    assert "anførselstegn" in problem.message


def test_unclosed_bracket_points_where_it_opens(tmp_path, capsys):
    folder = copy_pack(tmp_path)
    rules = folder / "rules.yaml"
    line, col = seed(rules, "      not_in: [foresporsel, svar]\n", "      not_in: [foresporsel, svar\n", at="[")
    assert_found(folder, capsys, code="yaml-syntaks", rule=None, file="rules.yaml", line=line, column=col)


def test_unsupported_tag(tmp_path, capsys):
    folder = copy_pack(tmp_path)
    rules = folder / "rules.yaml"
    marker = tmp_path / "kjort"
    old = "      fact: melding.har_vedlegg\n      equals: true\n"
    rule = rule_id_before(rules, old)
    line, col = seed(rules, old, f"      fact: melding.har_vedlegg\n      equals: !!python/object/apply:os.system "
                                 f"['touch {marker}']\n", at="!!python")
    assert_found(folder, capsys, code="yaml-merke", rule=rule, file="rules.yaml", line=line, column=col)
    assert not marker.exists()


# --------------------------------------------------------------------------- the bundled packs and the command

def test_the_bundled_packs_validate_clean(capsys):
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    folders = list_pack_folders(BUNDLED)
    assert len(folders) == 5
    for folder in folders:
        assert f"{folder.name}: i orden (0 feil" in out
        report = lint_pack(folder)
        assert report.errors == [], [str(p) for p in report.errors]
    assert main(["validate", "--format", "json"]) == 0
    assert [r for r in json.loads(capsys.readouterr().out) if r["severity"] == "error"] == []
    # no warnings either: `validate --strict` is what a pack's CI may run
    assert main(["validate", "--strict"]) == 0
    capsys.readouterr()


def test_text_output_is_sorted_by_file_and_line_then_summarised(tmp_path, capsys):
    folder = copy_pack(tmp_path)
    rules = folder / "rules.yaml"
    seed(rules, "gt: {param: nylig_utskrevet_dager}", "gt: {param: ukjent_a}")
    seed(rules, "      not_in: [foresporsel, svar]\n", "      not_in: [foresporsl, svar]\n")
    assert main(["validate", str(folder)]) == 1
    lines = capsys.readouterr().out.splitlines()
    findings = [ln for ln in lines if re.match(r"\S+rules\.yaml:\d+:\d+: ", ln)]
    numbers = [int(ln.split(":")[1]) for ln in findings]
    assert len(findings) == 2 and numbers == sorted(numbers)
    assert lines[-1] == f"{BERGEN}: UGYLDIG (2 feil, 0 advarsler)"


def test_usage_errors_exit_2(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "finnes-ikke")]) == 2
    assert main(["validate", str(tmp_path)]) == 2  # no pack.yaml below
    assert "finnes ikke" in capsys.readouterr().err


def test_a_message_never_shows_a_patient_number(tmp_path, capsys):
    folder = copy_pack(tmp_path)
    number = example_number("fnr")
    seed(folder / "rules.yaml", "      not_in: [foresporsel, svar]\n", f"      not_in: ['{number}', svar]\n")
    report = lint_pack(folder)
    assert any(p.code == "verdi-utenfor-liste" for p in report.problems)
    assert main(["validate", str(folder)]) == 1
    assert main(["validate", "--format", "json", str(folder)]) == 1
    out = capsys.readouterr().out
    assert number not in out and number not in "".join(str(p) for p in report.problems)
    assert "[personnummer]" in out


def test_every_check_id_is_listed_once_with_a_severity_and_bokmal_text():
    listed = checks()
    assert all(v["severity"] in ("error", "warning") and v["title"] and v["description"] for v in listed.values())
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", code) for code in listed)
    engine = Path(__file__).resolve().parents[1] / "engine"
    used = set()
    for path in engine.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        used.update(re.findall(r'(?:self\.error|self\.warn|comp\.error|comp\.warn)\((?:.|\n)*?"([a-z]+(?:-[a-z0-9]+)+)"\)',
                               text))
        used.update(re.findall(r'(?<![a-z_])problem\(pack, [^,]+, "([a-z-]+)"', text))
        used.update(re.findall(r'code="([a-z-]+)"', text))
    assert used and used <= set(listed), used - set(listed)


def test_compiled_pack_warnings_carry_codes(tmp_path):
    folder = copy_pack(tmp_path)
    text = (folder / "pack.yaml").read_text(encoding="utf-8")
    (folder / "pack.yaml").write_text(text + "\n  ubrukt:\n    terms: [a]\n", encoding="utf-8")
    warning = next(w for w in compile_pack(folder).warnings if "ubrukt" in w.message)
    assert warning.code == "ubrukt-ordliste" and warning.severity == "warning" and warning.rule is None


# ------------------------------------------------------------------- the never-fires search, operator by operator

NEVER = [
    ("all: [{fact: melding.antall_vedlegg, gt: 5}, {fact: melding.antall_vedlegg, lt: 5}]", True),
    ("all: [{fact: melding.antall_vedlegg, ge: 5}, {fact: melding.antall_vedlegg, le: 5}]", False),
    ("all: [{fact: kontekst.utskrevet_dato, gt: 2025-01-10}, {fact: kontekst.utskrevet_dato, lt: 2025-01-11}]", True),
    ("all: [{fact: kontekst.utskrevet_dato, gt: 2025-01-10}, {fact: kontekst.utskrevet_dato, lt: 2025-01-12}]", False),
    ("all: [{fact: melding.type, equals: svar}, {fact: melding.type, equals: notat}]", True),
    ("all: [{fact: melding.type, in: [svar, notat]}, {fact: melding.type, not_in: [svar]}]", False),
    ("all: [{fact: melding.type, exists: false}, {fact: melding.type, equals: svar}]", True),
    ("all: [{fact: melding.sendt_dato, gt: {fact: kontekst.utskrevet_dato}}, "
     "{fact: melding.sendt_dato, lt: {fact: kontekst.utskrevet_dato}}]", True),
    ("all: [{fact: melding.sendt_dato, ge: {fact: kontekst.utskrevet_dato}}, "
     "{fact: melding.sendt_dato, le: {fact: kontekst.utskrevet_dato}}]", False),
    ("all: [{fact: melding.mottaker.tjeneste, equals: Lunge}, {fact: melding.mottaker.tjeneste, starts_with: Hjerte}]",
     True),
    ("all: [{fact: melding.mottaker.tjeneste, equals: Lungesykdommer}, "
     "{fact: melding.mottaker.tjeneste, starts_with: lunge}]", False),
    # a declared fact that is absent is "not declared": not_equals holds without a value
    ("all: [{fact: melding.format, not_equals: text/plain}, {fact: melding.format, exists: false}]", False),
    ("any: [{fact: melding.har_vedlegg, equals: true}, {fact: melding.type, equals: bestill_time}]", False),
]


@pytest.mark.parametrize("condition, never", NEVER)
def test_never_fires_is_decided_from_the_values_that_make_a_difference(tmp_path, condition, never):
    folder = copy_pack(tmp_path)
    rules = folder / "rules.yaml"
    old = "    when:\n      fact: melding.forfatter.navn\n      exists: false\n"
    rule = rule_id_before(rules, old)
    seed(rules, old, f"    when:\n      {condition}\n")
    report = lint_pack(folder)
    assert [p for p in report.problems if p.code not in ("slar-aldri-til", "slar-alltid-til")] == []
    found = [p for p in report.problems if p.code == "slar-aldri-til" and p.rule == rule]
    assert bool(found) is never, [str(p) for p in report.problems]


def test_same_condition_is_found_whatever_the_order_in_all(tmp_path, capsys):
    folder = copy_pack(tmp_path)
    rules = folder / "rules.yaml"
    # d81023-2-nylig-utskrevet denies: pasientstatus utskrevet AND dager_siden_utskrivning > parameter
    new_rule = ("  - id: d81023-2-nylig-utskrevet-rad\n    source:\n      section: \"2\"\n"
                "    effect: obligation\n    obligation: {kind: svar}\n    when:\n      all:\n"
                "        - {fact: kontekst.dager_siden_utskrivning, gt: {param: nylig_utskrevet_dager}}\n"
                "        - {fact: kontekst.pasientstatus, equals: utskrevet}\n"
                "    message: Svar innen fristen.\n\n")
    line, col = seed(rules, "  - id: d81023-4.6-en-mottaker\n", new_rule + "  - id: d81023-4.6-en-mottaker\n",
                     at="when")
    problem = assert_found(folder, capsys, code="motstridende-regler", rule="d81023-2-nylig-utskrevet-rad",
                           file="rules.yaml", line=line, column=col)
    assert "d81023-2-nylig-utskrevet" in problem.message and "avvises der, plikt her" in problem.message


def test_rule_that_always_fires_within_the_scope(tmp_path, capsys):
    folder = copy_pack(tmp_path)
    rules = folder / "rules.yaml"
    old = "    when:\n      fact: melding.forfatter.navn\n      exists: false\n"
    rule = rule_id_before(rules, old)
    # the scope already takes exactly these message types: the rule does not tell messages apart
    line, col = seed(rules, old, "    when:\n      fact: melding.type\n"
                                 "      in: [foresporsel, svar, avvik, notat, helsefaglig_dialog]\n", at="when")
    problem = assert_found(folder, capsys, code="slar-alltid-til", rule=rule, file="rules.yaml", line=line, column=col)
    assert "virkeområdet" in problem.message


def test_misspelt_rule_id_in_a_pack_test(tmp_path, capsys):
    folder = copy_pack(tmp_path)
    tests = folder / "tests" / "d81023.yaml"
    line, col = seed(tests, "      fired: [d81023-6-svartid]\n", "      fired: [d81023-6-svartidd]\n",
                     at="d81023-6-svartidd")
    problem = assert_found(folder, capsys, code="pakketest", rule=None, file="tests/d81023.yaml", line=line, column=col)
    assert "d81023-6-svartidd" in problem.message


def test_unknown_key_in_a_pack_test(tmp_path, capsys):
    folder = copy_pack(tmp_path)
    tests = folder / "tests" / "d81023.yaml"
    text = tests.read_text(encoding="utf-8")
    first = text.index("    expect:\n")
    tests.write_text(text[:first] + "    expekt:\n" + text[first + len("    expect:\n"):], encoding="utf-8")
    line, col = line_col(text, first + 4)
    problem = assert_found(folder, capsys, code="pakketest", rule=None, file="tests/d81023.yaml", line=line, column=col)
    assert "expekt" in problem.message


# --------------------------------------------------------------------------- conversation rules

SVAR_FORFALT = "d81023-6-svar-forfalt"
FORESPORSEL_WHEN = ("      - as: foresporsel\n        event: melding\n        when:\n"
                    "          fact: melding.type\n          equals: foresporsel\n")
SVAR_JOIN = ("            - fact: samtale.id\n              equals: {fact: foresporsel.samtale.id}\n")


def conversation_findings(folder: Path, code: str, rule: str) -> list[PackProblem]:
    return [p for p in lint_pack(folder).problems if p.code == code and p.rule == rule]


def test_conversation_event_that_can_never_match(tmp_path, capsys):
    folder = copy_pack(tmp_path)
    conv = folder / "conversation.yaml"
    new = ("      - as: foresporsel\n        event: melding\n        when:\n          all:\n"
           "            - {fact: melding.type, equals: foresporsel}\n"
           "            - {fact: melding.type, equals: svar}\n")
    line, col = seed(conv, FORESPORSEL_WHEN, new, at="when")
    problem = assert_found(folder, capsys, code="slar-aldri-til", rule=SVAR_FORFALT, file="conversation.yaml",
                           line=line, column=col)
    assert "'foresporsel'" in problem.message and "aldri gi et funn" in problem.message


def test_absent_conversation_event_that_no_event_can_match(tmp_path, capsys):
    folder = copy_pack(tmp_path)
    conv = folder / "conversation.yaml"
    # the answer must be both a reply and a note: no message can be it, so every request is reported
    new = SVAR_JOIN + ("            - {fact: melding.type, equals: svar}\n"
                       "            - {fact: melding.type, equals: notat}\n")
    line, col = seed(conv, SVAR_JOIN, new, before="when:")
    problem = assert_found(folder, capsys, code="slar-aldri-til", rule=SVAR_FORFALT, file="conversation.yaml",
                           line=line, column=col)
    assert "fraværende hendelsen 'svar'" in problem.message and "svarfrist" in problem.message


def test_conversation_event_contradicting_itself_about_an_earlier_event(tmp_path, capsys):
    folder = copy_pack(tmp_path)
    conv = folder / "conversation.yaml"
    rule = "d81023-4.6-samme-fagomrade"
    old = ("            - fact: melding.fagomrader_nokkel\n"
           "              not_equals: {fact: forste.melding.fagomrader_nokkel}\n")
    new = old + ("            - fact: melding.fagomrader_nokkel\n"
                 "              equals: {fact: forste.melding.fagomrader_nokkel}\n")
    line, col = seed(conv, old, new, before="when:")
    assert_found(folder, capsys, code="slar-aldri-til", rule=rule, file="conversation.yaml", line=line, column=col)


@pytest.mark.parametrize("extra", [
    # the same fact of two events: a correlation, not a contradiction
    "            - {fact: melding.type, equals: svar}\n",
    "            - {fact: melding.sendt, le: {fact: foresporsel.melding.sendt}}\n",
    # a fact that may be missing on a message: such a message possibly is the answer and stops the rule
    "            - {fact: melding.forfatter.navn, exists: true}\n",
])
def test_conversation_events_that_can_match_are_not_flagged(tmp_path, extra):
    folder = copy_pack(tmp_path)
    conv = folder / "conversation.yaml"
    seed(conv, SVAR_JOIN, SVAR_JOIN + extra)
    report = lint_pack(folder)
    assert report.problems == [], [str(p) for p in report.problems]


def test_absent_event_that_only_an_incomplete_message_could_match_is_not_flagged(tmp_path):
    folder = copy_pack(tmp_path)
    conv = folder / "conversation.yaml"
    # false for every message that names its recipient's service, but undecided for one without it:
    # the monitor lets such a message stop the rule, so the rule does not always report
    seed(conv, SVAR_JOIN, SVAR_JOIN + "            - {fact: melding.mottaker.tjeneste, equals: A}\n"
                                      "            - {fact: melding.mottaker.tjeneste, equals: B}\n")
    assert conversation_findings(folder, "slar-aldri-til", SVAR_FORFALT) == []


def test_absent_event_with_a_declared_fact_both_ways_is_flagged(tmp_path):
    folder = copy_pack(tmp_path)
    conv = folder / "conversation.yaml"
    # a declared fact that is missing is "not declared": equals is then false, not undecided
    line, col = seed(conv, SVAR_JOIN, SVAR_JOIN + "            - {fact: melding.forfatter.navn, equals: A}\n"
                                                  "            - {fact: melding.forfatter.navn, equals: B}\n",
                     before="when:")
    found = conversation_findings(folder, "slar-aldri-til", SVAR_FORFALT)
    assert [(p.location.line, p.location.column) for p in found] == [(line, col)]


def _second_rule(rule_id: str, effect: str, finding: str, first: str = "henvendelse", second: str = "tilbake") -> str:
    """d81023-6-svar-forfalt again under another id, with other event names and the all reordered."""
    return (f"  - id: {rule_id}\n    source:\n      section: \"6\"\n    effect: {effect}\n    finding: {finding}\n"
            f"    events:\n      - as: {first}\n        event: melding\n"
            "        when: {fact: melding.type, equals: foresporsel}\n"
            f"      - as: {second}\n        event: melding\n        absent: true\n        within: frist\n"
            "        when:\n          all:\n"
            f"            - {{fact: melding.avsender.kategori, equals: {{fact: {first}.melding.mottaker.kategori}}}}\n"
            f"            - {{fact: samtale.id, equals: {{fact: {first}.samtale.id}}}}\n"
            f"            - {{fact: melding.sendt, ge: {{fact: {first}.melding.sendt}}}}\n"
            f"    due:\n      frist:\n        from: {first}.melding.sendt\n"
            "        working_days: {param: svartid_maks_virkedager}\n"
            "    message: Forespørselen er ikke besvart innen {due.frist}.\n\n")


NEXT_CONVERSATION_RULE = "  - id: d81023-4.6-samme-fagomrade\n"


def test_two_conversation_rules_with_the_same_events_are_duplicates(tmp_path, capsys):
    folder = copy_pack(tmp_path)
    conv = folder / "conversation.yaml"
    new = _second_rule("d81023-6-svar-forfalt-igjen", "deviation", "svar_forfalt")
    line, col = seed(conv, NEXT_CONVERSATION_RULE, new + NEXT_CONVERSATION_RULE, at="events:")
    problem = assert_found(folder, capsys, code="duplikat-regel", rule="d81023-6-svar-forfalt-igjen",
                           file="conversation.yaml", line=line, column=col)
    assert SVAR_FORFALT in problem.message


def test_two_conversation_rules_with_the_same_events_and_other_effects_conflict(tmp_path, capsys):
    folder = copy_pack(tmp_path)
    conv = folder / "conversation.yaml"
    new = _second_rule("d81023-6-svar-forfalt-rad", "advice", "svar_forfalt")
    line, col = seed(conv, NEXT_CONVERSATION_RULE, new + NEXT_CONVERSATION_RULE, at="events:")
    problem = assert_found(folder, capsys, code="motstridende-regler", rule="d81023-6-svar-forfalt-rad",
                           file="conversation.yaml", line=line, column=col)
    assert "avvik der, råd her" in problem.message


@pytest.mark.parametrize("change", [
    ("working_days: {param: svartid_maks_virkedager}\n    message", "working_days: {param: svartid_min_virkedager}\n"
                                                                  "    message"),  # another deadline
    ("equals: foresporsel}\n      - as: tilbake", "in: [foresporsel, helsefaglig_dialog]}\n      - as: tilbake"),
    ("finding: svar_forfalt", "finding: svar_purret"),  # same effect, another kind of finding
])
def test_conversation_rules_that_differ_are_not_duplicates(tmp_path, change):
    folder = copy_pack(tmp_path)
    conv = folder / "conversation.yaml"
    new = _second_rule("d81023-6-svar-forfalt-igjen", "deviation", "svar_forfalt").replace(*change)
    seed(conv, NEXT_CONVERSATION_RULE, new + NEXT_CONVERSATION_RULE)
    report = lint_pack(folder)
    assert report.problems == [], [str(p) for p in report.problems]


def test_conversation_template_naming_a_fact_no_event_reads(tmp_path, capsys):
    folder = copy_pack(tmp_path)
    conv = folder / "conversation.yaml"
    old = "      En melding i tråden gjelder fagområdet"
    rule = rule_id_before(conv, old)
    line, col = seed(conv, old,
                     "      {senere.melding.forfatter.navn} skrev en melding i tråden som gjelder fagområdet",
                     before="message:")
    problem = assert_found(folder, capsys, code="mal-utenfor-vilkar", rule=rule, file="conversation.yaml",
                           line=line, column=col)
    assert "{senere.melding.forfatter.navn}" in problem.message


@pytest.mark.parametrize("shown", [
    "{senere.hendelse.tidspunkt}",  # every event has its time
    "{senere.melding.sendt}",
    "{forste.melding.fagomrader}",  # what the read forste.melding.fagomrader_nokkel is made from
])
def test_conversation_template_facts_that_are_always_there_are_not_flagged(tmp_path, shown):
    folder = copy_pack(tmp_path)
    conv = folder / "conversation.yaml"
    old = "      En melding i tråden gjelder fagområdet"
    seed(conv, old, f"      En melding i tråden ({shown}) gjelder fagområdet")
    report = lint_pack(folder)
    assert report.problems == [], [str(p) for p in report.problems]


def test_a_rule_on_a_local_setting_must_say_so(tmp_path, capsys):
    folder = copy_pack(tmp_path)
    rules = folder / "rules.yaml"
    said = "      (Listen over laboratorie- og røntgentjenester er en lokal innstilling.)\n"
    rule = rule_id_before(rules, said)
    text = rules.read_text(encoding="utf-8")
    message_at = text.rindex("    message:", 0, text.index(said)) + len("    ")
    line, col = line_col(text, message_at)
    seed(rules, said, "")
    problem = assert_found(folder, capsys, code="lokal-tolkning-usagt", rule=rule, file="rules.yaml",
                           line=line, column=col)
    assert "laboratorium_rontgen" in problem.message


def test_a_conversation_rule_on_a_local_setting_must_say_so(tmp_path, capsys):
    folder = copy_pack(tmp_path, "sykehuset-ostfold")
    conversation = folder / "conversation.yaml"
    said = "      ({param.kvittering_oppfolging_timer} timer er en lokal innstilling.)\n"
    rule = rule_id_before(conversation, said)
    text = conversation.read_text(encoding="utf-8")
    line, col = line_col(text, text.rindex("    message:", 0, text.index(said)) + len("    "))
    seed(conversation, said, "")
    problem = assert_found(folder, capsys, code="lokal-tolkning-usagt", rule=rule, file="conversation.yaml",
                           line=line, column=col)
    assert "kvittering_oppfolging_timer" in problem.message


def test_the_search_for_rules_that_never_or_always_fire_says_when_it_gave_up(tmp_path, monkeypatch):
    import engine.authoring.search as search

    folder = copy_pack(tmp_path)
    monkeypatch.setattr(search, "MAX_EVALUATIONS", 3)
    report = lint_pack(folder)
    gave_up = [p for p in report.problems if p.code == "sok-ga-opp"]
    assert gave_up and all(p.severity == "warning" and p.rule and p.location and p.location.line > 0
                           for p in gave_up)
    assert all("søket ga opp etter 3 kombinasjoner" in p.message for p in gave_up)
    assert not [p for p in report.problems if p.code in ("slar-aldri-til", "slar-alltid-til")]
