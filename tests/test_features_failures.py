"""A failing scenario, or a step nobody wrote, reads in bokmål under pytest: what was expected and what came,
with the line, and no Python traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT

FEATURE = """# language: no
Egenskap: Prøve
  Scenario: Feil utfall
    Gitt at tidspunktet er 2025-06-02 10:00
    Og at Bergen kommune sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og at pasienten er utskrevet
    Når meldingen vurderes
    Så er meldingen avvist

  Scenario: Feil steg
    Gitt at tidspunktet er 2025-06-02 10:00
    Og at noe helt ukjent skjer
"""


def test_failures_are_bokmal_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    for name in ("__init__.py", "conftest.py", "test_features.py"):
        shutil.copy(ROOT / "tests" / name, tmp_path / "tests" / name)
    (tmp_path / "policies").symlink_to(ROOT / "policies")
    (tmp_path / "features" / "samtaler").mkdir(parents=True)
    shutil.copy(ROOT / "features" / "aktorer.yaml", tmp_path / "features")
    shutil.copy(next((ROOT / "features" / "samtaler").glob("*.feature")), tmp_path / "features" / "samtaler")
    (tmp_path / "features" / "prove.feature").write_text(FEATURE, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-o", "addopts=",
                           "tests/test_features.py", "-k", "feil"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "Så-steget feilet: Ventet avvist, men fikk avgjørelse ubestemt" in out
    assert "Ingen steg passer «Og at noe helt ukjent skjer» (features/prove.feature:12" in out
    for english in ("Traceback", "During handling", "StepDefinitionNotFoundError", "Step definition is not found"):
        assert english not in out
