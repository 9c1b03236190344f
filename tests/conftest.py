from __future__ import annotations

from pathlib import Path

import pytest

from engine import Engine

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def engine() -> Engine:
    """The bundled packs, compiled once for the whole test session."""
    return Engine.from_directory(ROOT / "policies")
