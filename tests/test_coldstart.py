"""Cold start without timing: what `import engine` and `dialogvakt packs` load, in a fresh process.

The heavy packages are imported where they are used: jsonschema when an error is worded,
holidays when a working day is counted, python-stdnum off the plain-digits path, lxml and the
XML adapter for XML, the server (starlette, uvicorn) for ``serve``, durable_rules for the
monitor. A module-level import of any of them would slow every command again; these tests say
which import brought it back. The figures are in BENCHMARKS.md (benchmarks/bench_coldstart.py).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from engine.contract.identifiers import example_number

from .conftest import ROOT

HEAVY = ("jsonschema", "lxml", "defusedxml", "starlette", "uvicorn", "durable", "holidays", "stdnum", "hypothesis",
         "sqlalchemy", "psycopg")
HEAVY_ENGINE = ("engine.contract.dialogmelding", "engine.contract.xmlschema", "engine.server.app",
                "engine.authoring", "engine.steps")

REPORT = f"""
import json, sys
heavy = sorted(m for m in sys.modules if m.split('.')[0] in {set(HEAVY)!r})
ours = sorted(m for m in sys.modules if m in {set(HEAVY_ENGINE)!r})
print(json.dumps({{"heavy": heavy, "engine": ours}}))
"""


def _loaded(code: str) -> dict[str, list[str]]:
    proc = subprocess.run([sys.executable, "-c", code + REPORT], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, check=True)
    return json.loads(proc.stdout.splitlines()[-1])


def test_import_engine_loads_no_heavy_package():
    assert _loaded("import engine") == {"heavy": [], "engine": []}


def test_the_packs_command_loads_no_heavy_package():
    code = ("import contextlib, io\nfrom engine.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n    assert main(['packs']) == 0\n")
    assert _loaded(code) == {"heavy": [], "engine": []}


def test_the_packs_command_compiles_no_vocabulary_pattern():
    """The compiler's own patterns wait for their first use (patterns.deferred): listing packs matches no
    text. The pack's own ``matches`` patterns are compiled, as that is where their errors are found."""
    code = ("import contextlib, io\nfrom engine.lang import patterns\nmade = []\n"
            "original = patterns._compile_raw\n"
            "def counting(text):\n    made.append(text)\n    return original(text)\n"
            "patterns._compile_raw = counting\n"
            "from engine.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n    assert main(['packs']) == 0\n"
            "print(len(made))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          check=True)
    assert proc.stdout.split() == ["0"]


@pytest.mark.parametrize("use, package", [
    ("from engine.contract.workdays import is_working_day; import datetime\n"
     "assert not is_working_day(datetime.date(2026, 12, 25))", "holidays"),
    ("from engine.contract.schemas import detailed_validator; detailed_validator('input-v1.schema.json')",
     "jsonschema"),
    (f"from engine.contract.identifiers import classify\n"  # a number written with a space: stdnum cleans it
     f"assert classify('{example_number()[:6]} {example_number()[6:]}').id_type == 'fnr'", "stdnum"),
])
def test_a_lazy_package_is_imported_where_it_is_used(use, package):
    assert package in {m.split(".")[0] for m in _loaded(use + "\n")["heavy"]}


def test_the_packs_command_still_reports_what_only_compiling_finds(tmp_path, capsys):
    """``packs`` compiles without rule programs and with the compiler's own patterns deferred: a broken
    pack is still refused with its problems at their place, those the compiler finds included."""
    import shutil

    from engine.cli import main

    pack = tmp_path / "helse-bergen-d81023"
    shutil.copytree(ROOT / "policies" / "helse-bergen-d81023", pack, ignore=shutil.ignore_patterns("tests"))
    shutil.copy(ROOT / "policies" / "referansedata.yaml", tmp_path / "referansedata.yaml")
    text = (pack / "pack.yaml").read_text(encoding="utf-8")
    text = text.replace("      - '(?:^|\\W)melding(en)? (er )?mottatt(?:\\W|$)'",
                        "      - '(?<=x)melding'", 1)  # a look-behind RE2 cannot run
    (pack / "pack.yaml").write_text(text, encoding="utf-8")
    rules = (pack / "rules.yaml").read_text(encoding="utf-8")
    (pack / "rules.yaml").write_text(rules.replace("fact: melding.type", "fact: melding.typpe", 1), encoding="utf-8")
    assert main(["--policies", str(tmp_path), "packs"]) == 1
    err = capsys.readouterr().err
    assert "pack.yaml:" in err and "ugyldig-regex" in err and "look-around" in err
    assert "rules.yaml:" in err and "melding.typpe" in err
