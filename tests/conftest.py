from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import pytest

from engine import Engine

ROOT = Path(__file__).resolve().parent.parent

# durable_rules 2.0.28 loads on these Pythons; from 3.13 on its C extension cannot (see engine/monitor/durable.py)
MONITOR_PYTHONS = ((3, 11), (3, 12))


@pytest.fixture(scope="session")
def engine() -> Engine:
    """The bundled packs, compiled once for the whole test session."""
    return Engine.from_directory(ROOT / "policies")


@functools.cache
def monitor_unavailable() -> str | None:
    """Why the conversation monitor cannot run on this Python (MonitorUnavailable's one line), or None."""
    from engine.monitor.durable import MonitorUnavailable, load_durable

    try:
        load_durable()
    except MonitorUnavailable as exc:
        return str(exc)
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked requires_monitor skips where durable_rules cannot load, unless it must load there."""
    if item.get_closest_marker("requires_monitor") is None:
        return
    reason = monitor_unavailable()
    if reason is None:
        return
    if sys.version_info[:2] in MONITOR_PYTHONS or os.environ.get("CI") == "true":
        pytest.fail(f"the monitor must run on Python {sys.version_info.major}.{sys.version_info.minor}"
                    f"{' in CI' if os.environ.get('CI') == 'true' else ''}: {reason}", pytrace=False)
    pytest.skip(reason)


SEEDS = ROOT.parent / "shared" / "seeds"  # the guideline texts, beside the repository (and in CI)


@pytest.fixture(scope="session")
def seeds() -> Path:
    """The folder of the guidelines' texts: a test that needs it skips without it, except in CI."""
    if not (SEEDS / "README.md").is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the guideline texts must be beside the repository in CI ({SEEDS})", pytrace=False)
        pytest.skip(f"the guideline texts are not beside the repository ({SEEDS})")
    return SEEDS


def pytest_bdd_step_func_lookup_error(request, feature, scenario, step, exception) -> None:
    """A step no step of the library matches: say so in bokmål, with the line, instead of pytest-bdd's English."""
    pytest.fail(f"Ingen steg passer «{step.keyword.strip()} {step.name}» ({feature.rel_filename}:{step.line_number}, "
                f"scenario «{scenario.name}»). Stegene som finnes står i features/README.md (dialogvakt steg).",
                pytrace=False)
