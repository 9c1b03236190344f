"""Packs that would explode, hang or crash the loader: each is a PackError at file:line:column.

Anchors and aliases (billion laughs, a self-referring alias), nesting thousands of levels deep,
a date that does not exist, a number with thousands of digits, a pack without its required
keys: ``compile_pack`` and ``dialogvakt validate`` report the place in bokmål, never a traceback.
The same reader takes YAML and JSON requests for the command line.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from engine.lang.compiler import compile_pack
from engine.lang.loader import MAX_FILE_BYTES, MAX_SCALAR, DataError, PackError, parse_data

from .conftest import ROOT

PACK = """\
format: dialogvakt/pack-v1
id: {id}
title: Test
issuer: Test
document: {{id: T, title: Test, version: "1", citation: T 1}}
valid_from: 2025-01-01
scope:
  description: test
  when: {{fact: melding.type, equals: foresporsel}}
"""
RULES = """\
rules:
  - id: r1
    title: R1
    source: {section: "1"}
    effect: deny
    when: {fact: melding.formal, equals: oyeblikkelig_hjelp}
    message: Nei.
"""


def make_pack(root: Path, name: str, *, pack: str = PACK, rules: str = RULES, extra: str = "") -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "pack.yaml").write_text(pack.format(id=name) + extra, encoding="utf-8")
    if rules:
        (folder / "rules.yaml").write_text(rules, encoding="utf-8")
    return folder


def laughs(levels: int = 9) -> str:
    lines = ['l0: &l0 ["ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha"]']
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


HOSTILE = {
    "self-alias": ("x: &a [*a]\n", "pack.yaml", 10, "ankeret '&a'"),
    "billion-laughs": (laughs(), "pack.yaml", 10, "ankeret '&l0'"),
    "merge-alias": ("base: &b {a: 1}\nother:\n  <<: *b\n", "pack.yaml", 10, "ankeret '&b'"),
    "deep-flow": ("deep: " + "[" * 5_000 + "]" * 5_000 + "\n", "pack.yaml", 10, "nøstet for dypt"),
    "deep-block": ("deep:\n" + "".join(" " * i + "k:\n" for i in range(1, 200)) + " " * 200 + "v\n",
                   "pack.yaml", 74, "nøstet for dypt"),
    "huge-int": ("big: " + "1" * 5_000 + "\n", "pack.yaml", 10, "tallet er for stort"),
    "long-scalar": ("long: " + "a" * (MAX_SCALAR + 1) + "\n", "pack.yaml", 10, "verdien er for lang"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_yaml_file_is_a_pack_error_at_its_place(tmp_path, case):
    extra, file, line, words = HOSTILE[case]
    folder = make_pack(tmp_path, "p", extra=extra)
    with pytest.raises(PackError) as caught:
        compile_pack(folder)
    first = caught.value.problems[0]
    assert first.location is not None and Path(first.location.file).name == file
    assert first.location.line == line, str(first)
    assert words in first.message, str(first)


@pytest.mark.parametrize(("valid_from", "words"), [("2025-13-45", "ikke en gyldig dato"),
                                                   ('"2025-02-30"', "ikke en dato som finnes"),
                                                   ('"٢٠٢٥-٠١-٠١"', "har ikke riktig form")])
def test_a_validity_date_that_does_not_exist_is_a_pack_error_at_its_line(tmp_path, valid_from, words):
    folder = make_pack(tmp_path, "p", pack=PACK.replace("2025-01-01", valid_from))
    with pytest.raises(PackError) as caught:
        compile_pack(folder)
    first = caught.value.problems[0]
    assert first.location is not None and (first.location.file.endswith("pack.yaml"), first.location.line) == (True, 6)
    assert words in first.message


@pytest.mark.parametrize("missing", ["rules", "document", "scope", "id"])
def test_a_pack_without_a_required_key_names_pack_yaml(tmp_path, missing):
    pack = "\n".join(line for line in PACK.splitlines()
                     if not line.startswith(missing + ":") and not (missing == "scope" and line.startswith("  ")))
    folder = make_pack(tmp_path, "p", pack=pack + "\n", rules="" if missing == "rules" else RULES)
    with pytest.raises(PackError) as caught:
        compile_pack(folder)
    problem = next(p for p in caught.value.problems if f"'{missing}'" in p.message)
    assert problem.location is not None and problem.location.file.endswith("pack.yaml")
    assert "None" not in str(problem)


def test_a_pack_file_larger_than_the_limit_is_refused_without_being_read(tmp_path):
    folder = make_pack(tmp_path, "p")
    with open(folder / "notes.yaml", "w", encoding="utf-8") as fh:
        fh.write("# " + "x" * (MAX_FILE_BYTES + 10) + "\n")
    with pytest.raises(PackError) as caught:
        compile_pack(folder)
    assert "filen er for stor" in str(caught.value) and "notes.yaml:1:1" in str(caught.value)


def test_validate_reports_every_hostile_pack_with_its_place_and_no_traceback(tmp_path):
    for case, (extra, *_rest) in HOSTILE.items():
        make_pack(tmp_path, case, extra=extra)
    make_pack(tmp_path, "bad-date", pack=PACK.replace("2025-01-01", "2025-13-45"))
    proc = subprocess.run([sys.executable, "-m", "engine", "validate", str(tmp_path)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out and "None:None" not in out
    for case in [*HOSTILE, "bad-date"]:
        assert f"/{case}/pack.yaml:" in out, case


# --------------------------------------------------------------------------- requests read by the command line

@pytest.mark.parametrize(("text", "as_yaml", "words"), [
    ("[" * 100_000, False, "ugyldig JSON"),
    ('{"a": ' + "1" * 5_000 + "}", False, "ugyldig JSON"),
    ('{"a": NaN}', False, "ugyldig JSON"),
    ("a: &a [*a]\n", True, "ankeret"),
    (laughs(), True, "ankeret"),
    ("a: " + "[" * 5_000, True, "ugyldig YAML"),
    ("d: 2025-13-45\n", True, "ikke en gyldig dato"),
])
def test_a_hostile_request_file_is_a_data_error_with_its_place(text, as_yaml, words):
    with pytest.raises(DataError) as caught:
        parse_data(text, "request", as_yaml=as_yaml)
    assert words in str(caught.value) and str(caught.value).startswith("request:")


def test_yaml_requests_keep_dates_as_text_and_json_may_start_with_a_byte_order_mark():
    assert parse_data("tidspunkt: 2025-06-02\n", "r.yaml", as_yaml=True) == {"tidspunkt": "2025-06-02"}
    assert parse_data('\ufeff{"a": 1}', "r.json") == {"a": 1}


def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "engine", *args], capture_output=True, text=True, cwd=ROOT,
                          input=stdin, timeout=120)


def test_the_command_line_answers_hostile_input_with_one_line_and_exit_2(tmp_path):
    number = "12017017754"
    example = (ROOT / "examples" / "d81023-02-oyeblikkelig-hjelp.json").read_text(encoding="utf-8")
    cases = {
        "deep.json": "[" * 100_000,
        "bigint.json": '{"melding": {"type": "svar", "id": ' + "9" * 5_000 + "}}",
        f"{number}.json": example.replace('"melding": {', f'"melding": {{"{number}": 1, ', 1),
        "overflow.json": example.replace("2025-06-02T10:00:00+02:00", "9999-12-31T23:59-05:00"),
        "surrogate.json": example.replace('"b6f1c2e0-0001"', '"\\ud800"', 1),
        "laughs.yaml": laughs(),
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        proc = _cli("evaluate", str(tmp_path / name))
        assert proc.returncode == 2, (name, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("dialogvakt: "), (name, proc.stderr)
        assert "Traceback" not in proc.stderr and number not in proc.stderr, (name, proc.stderr)
    proc = _cli("packs", "--at", "2025-13-01")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "dialogvakt: --at: er ikke en gyldig dato (forventet ÅÅÅÅ-MM-DD)"


@pytest.mark.parametrize(("text", "line", "words"), [
    ("format: x\nid: \x00p\n", 2, "tegn som ikke er tillatt"),
    ("", 1, "mangler"),
    ("format: x\n!!python/object:os.system id: p\n", 2, "YAML-merket"),
    ("format: x\nparameters:\n  a: {type: list, value: [x, {y: 1}], description: d}\n", 3, "skal være tekst"),
])
def test_control_characters_empty_files_tagged_keys_and_nested_values_are_located(tmp_path, text, line, words):
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "pack.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(PackError) as caught:
        compile_pack(folder)
    assert all(p.location is not None for p in caught.value.problems)
    hit = next(p for p in caught.value.problems if words in p.message)
    assert hit.location is not None and hit.location.line == line
