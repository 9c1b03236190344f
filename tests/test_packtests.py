"""Pack tests: named examples, exact expectations, file:line errors, and `dialogvakt test`."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from engine import Engine
from engine.authoring.packtests import check_case, load_cases, pack_report
from engine.cli import main
from engine.lang.loader import PackError, read_yaml

from .conftest import ROOT

PACK = "helse-bergen-d81023"
EXAMPLE = "d81023-01-sporsmal-nylig-utskrevet"
MODELINE = "# yaml-language-server: $schema=../../../engine/schemas/packtest-v1.schema.json\n"


def line_of(text: str, needle: str) -> int:
    assert needle in text, needle
    return text[: text.index(needle)].count("\n") + 1


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the D81023 pack under tmp/policies, with no test files yet, and tmp/examples beside it."""
    folder = tmp_path / "policies" / PACK
    shutil.copytree(ROOT / "policies" / PACK, folder)
    shutil.rmtree(folder / "tests")
    (folder / "tests").mkdir()
    (tmp_path / "examples").mkdir()
    return tmp_path


def write_tests(repo: Path, body: str, name: str = "cases.yaml") -> tuple[Path, str]:
    text = MODELINE + textwrap.dedent(body).lstrip("\n")
    path = repo / "policies" / PACK / "tests" / name
    path.write_text(text, encoding="utf-8")
    return path, text


def engine_for(repo: Path) -> Engine:
    return Engine.from_directory(repo / "policies")


def cases(repo: Path) -> list[tuple]:
    engine = engine_for(repo)
    return list(load_cases(engine.packs[PACK]))


def request_of(status: str) -> dict:
    """A realistic D81023 request with the given patient status."""
    doc = json.loads((ROOT / "examples" / f"{EXAMPLE}.json").read_text(encoding="utf-8"))
    doc["kontekst"]["pasientstatus"] = status
    return doc


# --------------------------------------------------------------------------- named examples

def test_an_example_from_the_file_wins_over_the_pack_folder_which_wins_over_the_repository(repo: Path):
    (repo / "examples" / "eks.json").write_text(json.dumps(request_of("ingen_kontakt")), encoding="utf-8")
    (repo / "examples" / "bare-i-repo.json").write_text(json.dumps(request_of("ingen_kontakt")), encoding="utf-8")
    own = repo / "policies" / PACK / "tests" / "examples"
    own.mkdir()
    (own / "eks.json").write_text(json.dumps(request_of("innlagt")), encoding="utf-8")
    (own / "i-pakken.json").write_text(json.dumps(request_of("innlagt")), encoding="utf-8")
    inline = json.dumps({"i-fila": request_of("utskrevet")}, ensure_ascii=False)
    write_tests(repo, f"""
        examples: {inline}
        cases:
          - {{name: inline, example: i-fila, expect: {{decision: allow}}}}
          - {{name: pack folder over repository, example: eks, expect: {{decision: deny}}}}
          - {{name: pack folder, example: i-pakken, expect: {{decision: deny}}}}
          - {{name: repository, example: bare-i-repo, expect: {{decision: deny}}}}
        """)
    found = {name: request for name, _where, request, _expect in cases(repo)}
    assert found["inline"]["kontekst"]["pasientstatus"] == "utskrevet"
    assert found["pack folder over repository"]["kontekst"]["pasientstatus"] == "innlagt"
    assert found["pack folder"]["kontekst"]["pasientstatus"] == "innlagt"
    assert found["repository"]["kontekst"]["pasientstatus"] == "ingen_kontakt"
    report = pack_report(engine_for(repo), engine_for(repo).packs[PACK])
    assert report.ok and report.passed == 4, [(r.name, r.problems) for r in report.results]


def test_the_input_is_a_patch_on_the_example_and_null_removes(repo: Path):
    own = repo / "policies" / PACK / "tests" / "examples"
    own.mkdir()
    (own / "base.yaml").write_text("# a request\n" + json.dumps(request_of("utskrevet"), ensure_ascii=False),
                                   encoding="utf-8")
    write_tests(repo, """
        defaults: {kontekst: {pasientstatus: innlagt}}
        cases:
          - name: patched
            example: base
            input: {melding: {formal: null, hastegrad: oyeblikkelig_hjelp}, kontekst: {utskrevet_dato: 2025-05-30}}
            expect: {decision: deny}
        """)
    [(_name, _where, request, _expect)] = cases(repo)
    assert "formal" not in request["melding"] and request["melding"]["hastegrad"] == "oyeblikkelig_hjelp"
    assert request["melding"]["tekst"].startswith("Lungesykdommer:")  # the rest of the example is kept
    assert request["kontekst"] == {"pasientstatus": "utskrevet", "utskrevet_dato": "2025-05-30"}  # not the defaults


def test_an_unknown_example_names_file_line_and_the_known_names(repo: Path):
    (repo / "examples" / "fra-repo.json").write_text("{}", encoding="utf-8")
    _path, text = write_tests(repo, """
        examples: {i-fila: {tidspunkt: 2025-06-02}}
        cases:
          - name: misspelt example
            example: i-fil
            expect: {decision: allow}
        """)
    with pytest.raises(PackError) as exc:
        cases(repo)
    [problem] = exc.value.problems
    assert problem.location.file.endswith("cases.yaml") and problem.location.line == line_of(text, "example: i-fil")
    assert "i-fil'" in problem.message and "fra-repo" in problem.message and "i-fila" in problem.message


def test_the_repository_examples_are_used_only_when_that_folder_lies_beside_policies(repo: Path):
    (repo / "examples" / "eks.json").write_text(json.dumps(request_of("utskrevet")), encoding="utf-8")
    write_tests(repo, "cases: [{name: from the repository, example: eks, expect: {decision: allow}}]\n")
    assert len(cases(repo)) == 1
    shutil.rmtree(repo / "examples")
    with pytest.raises(PackError) as exc:
        cases(repo)
    assert "eks" in str(exc.value)


def test_every_bundled_example_copy_is_the_repository_example(engine: Engine):
    copies = sorted((ROOT / "policies").glob("*/tests/examples/*.yaml"))
    assert {p.parent.parent.parent.name for p in copies} == set(engine.packs)  # one at least in each pack
    for path in copies:
        original = ROOT / "examples" / f"{path.stem}.json"
        assert read_yaml(path)[0] == json.loads(original.read_text(encoding="utf-8")), f"{path} differs from {original}"


# --------------------------------------------------------------------------- file errors with file:line

def test_an_unknown_expectation_key_is_an_error_at_its_line(repo: Path):
    _path, text = write_tests(repo, """
        defaults: {melding: {type: foresporsel}}
        cases:
          - name: typo
            expect:
              decision: allow
              fird: [d81023-6-svartid]
        """)
    with pytest.raises(PackError) as exc:
        cases(repo)
    [problem] = exc.value.problems
    assert problem.location.line == line_of(text, "fird:") and "fird" in problem.message


@pytest.mark.parametrize("expect", [
    "{not_fired: [d81023-6-svarttid]}",
    "{reasons: [d81023-6-svarttid]}",
    "{obligations: [{rule: d81023-6-svarttid, due: {senest: 2025-06-10}}]}",
    "{due: {d81023-6-svarttid: {senest: 2025-06-10}}}",
])
def test_a_misspelt_rule_id_is_an_error_at_its_line(repo: Path, expect: str):
    _path, text = write_tests(repo, f"""
        cases:
          - name: fine
            expect: {{not_fired: [d81023-6-svartid]}}
          - name: misspelt
            expect: {expect}
        """)
    with pytest.raises(PackError) as exc:
        cases(repo)
    [problem] = exc.value.problems
    assert problem.location.line == line_of(text, "d81023-6-svarttid") and "d81023-6-svarttid" in problem.message


def test_a_case_needs_a_name_and_an_expectation(repo: Path):
    _path, text = write_tests(repo, """
        cases:
          - input: {melding: {type: svar}}
        """)
    with pytest.raises(PackError) as exc:
        cases(repo)
    assert {p.location.line for p in exc.value.problems} == {line_of(text, "- input")}
    found = " ".join(p.message for p in exc.value.problems)
    assert "name" in found and "expect" in found


# --------------------------------------------------------------------------- exact expectations

@pytest.fixture(scope="module")
def bundled() -> Engine:
    return Engine.from_directory(ROOT / "policies")


def test_reasons_advice_and_obligations_are_compared_as_exact_sets(bundled: Engine):
    pack = bundled.packs[PACK]
    allowed, denied = request_of("utskrevet"), request_of("innlagt")
    assert check_case(bundled, pack, allowed, {"reasons": [], "advice": [], "obligations": ["d81023-6-svartid"]}) == []
    assert check_case(bundled, pack, denied, {"reasons": ["d81023-5.6-innlagt-pasient"], "obligations": []}) == []
    [extra] = check_case(bundled, pack, denied, {"reasons": []})
    assert "d81023-5.6-innlagt-pasient" in extra and "i tillegg" in extra
    [lacking] = check_case(bundled, pack, allowed, {"obligations": []})
    assert "d81023-6-svartid" in lacking
    [missing] = check_case(bundled, pack, denied, {"reasons": ["d81023-5.6-innlagt-pasient", "d81023-4.5-vedlegg"]})
    assert "mangler d81023-4.5-vedlegg" in missing
    [advice] = check_case(bundled, pack, allowed, {"advice": ["d81023-4.4-forkortelser"]})
    assert "d81023-4.4-forkortelser" in advice


def test_an_obligation_item_checks_its_dates(bundled: Engine):
    pack = bundled.packs[PACK]
    request = request_of("utskrevet")
    right = {"obligations": [{"rule": "d81023-6-svartid", "due": {"tidligst": "2025-06-05", "senest": "2025-06-10"}}]}
    assert check_case(bundled, pack, request, right) == []
    wrong = {"obligations": [{"rule": "d81023-6-svartid", "due": {"senest": "2025-06-11"}}]}
    [problem] = check_case(bundled, pack, request, wrong)
    assert "due.senest" in problem and "2025-06-10" in problem and "2025-06-11" in problem
    # an expected obligation that is not there is named once, by the set comparison
    [absent] = check_case(bundled, pack, request_of("innlagt"), right)
    assert "d81023-6-svartid" in absent


# --------------------------------------------------------------------------- dialogvakt test

def test_the_command_prints_pass_and_fail_per_case_with_summaries(repo: Path, capsys):
    _path, text = write_tests(repo, f"""
        cases:
          - name: the example is allowed
            example: {EXAMPLE}
            expect: {{decision: allow}}
          - name: this expectation is wrong
            example: {EXAMPLE}
            expect: {{decision: deny, reasons: [d81023-4.5-vedlegg]}}
        """)
    (repo / "examples" / f"{EXAMPLE}.json").write_text(json.dumps(request_of("utskrevet")), encoding="utf-8")
    assert main(["--policies", str(repo / "policies"), "test"]) == 1
    out = capsys.readouterr().out
    assert "  PASS the example is allowed" in out and "  FAIL this expectation is wrong" in out
    assert f"cases.yaml:{line_of(text, '- name: this expectation is wrong')}:" in out
    assert "avgjørelsen ble allow, forventet deny" in out and "begrunnelser: mangler d81023-4.5-vedlegg" in out
    assert f"{PACK}: 1 av 2 tilfeller bestått, 1 feilet" in out
    assert out.rstrip().endswith("Totalt 1 pakke: 1 av 2 tilfeller bestått, 1 feilet – FEILET")

    assert main(["--policies", str(repo / "policies"), "test", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["ok"], report["passed"], report["failed"]) == (False, 1, 1)
    [pack] = report["packs"]
    failing = [c for c in pack["cases"] if not c["ok"]]
    assert [c["name"] for c in failing] == ["this expectation is wrong"]
    assert failing[0]["line"] == line_of(text, "- name: this expectation is wrong") and failing[0]["problems"]


def test_a_broken_test_file_fails_the_command_and_other_files_still_run(repo: Path, capsys):
    (repo / "examples" / "eks.json").write_text(json.dumps(request_of("utskrevet")), encoding="utf-8")
    write_tests(repo, "cases: [{name: fine, example: eks, expect: {decision: allow}}]\n", "a.yaml")
    _path, text = write_tests(repo, "cases: [{name: broken, expect: {decison: allow}}]\n", "b.yaml")
    assert main(["--policies", str(repo / "policies"), "test", PACK]) == 1
    out = capsys.readouterr().out
    assert "  PASS fine" in out
    assert "  FEIL " in out and f"b.yaml:{line_of(text, 'decison')}:" in out
    assert "1 feil i testfilene" in out


def test_quiet_prints_only_failures_and_summaries(capsys):
    assert main(["test", PACK, "-q"]) == 0
    out = capsys.readouterr().out
    assert "PASS" not in out and f"{PACK}: " in out and "– OK" in out


def test_load_cases_yields_name_location_request_expect(bundled: Engine):
    name, where, request, expect = next(iter(load_cases(bundled.packs[PACK])))
    assert isinstance(name, str) and where.file.endswith(".yaml") and where.line > 1
    assert request["melding"]["pasient"]["id"].isdigit() and isinstance(expect, dict)


def test_an_empty_test_file_is_an_error_at_its_first_line(repo: Path):
    (repo / "policies" / PACK / "tests" / "tom.yaml").write_text("# nothing yet\n", encoding="utf-8")
    with pytest.raises(PackError) as exc:
        cases(repo)
    [problem] = exc.value.problems
    assert problem.location.file.endswith("tom.yaml") and (problem.location.line, problem.location.column) == (1, 1)
