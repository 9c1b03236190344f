"""The shared reference material beside the repository (../shared/reference): official XSDs and public samples.

A test that needs it skips with the reason where the folder is absent, except in CI (CI=true), where it
must be there and its absence fails the test.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT.parent / "shared" / "reference"
XSD = REFERENCE / "xsd"
SAMPLES = REFERENCE / "samples"


def need(path: Path) -> Path:
    """The path, or skip (fail in CI) when the shared reference folder does not have it."""
    if path.exists():
        return path
    reason = f"{path} is absent: the shared reference folder (../shared/reference) is not beside this clone"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must have it", pytrace=False)
    pytest.skip(reason)
