"""The test suite on each supported Python that is present: ``make test-pythons`` (or ``nox``).

Each session installs the project with its test and bench extras into its own virtualenv and runs pytest
(the lint and type checks run once, in ``make test``). A Python that is not installed is skipped.
On Python 3.13 durable_rules builds but cannot load, so the conversation monitor's tests skip
there with the reason (tests/conftest.py); on 3.11 and 3.12 they must run.
"""

from __future__ import annotations

import nox

PYTHONS = ["3.11", "3.12", "3.13"]

nox.options.sessions = ["tests"]
nox.options.error_on_missing_interpreters = False
nox.options.reuse_venv = "yes"
nox.options.envdir = ".venv/nox"  # beside the project's own venv: ignored by git, removed by make clean


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    session.install("-e", ".[test,bench]")
    session.run("python", "-m", "pytest", *session.posargs)
