"""Runs every Gherkin feature under features/ with the step library of engine/steps.py."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from engine.steps.catalogue import all_steps
from engine.steps.core import Situasjon, Step, StepError, load_actors

FEATURES = Path(__file__).resolve().parent.parent / "features"


@pytest.fixture
def situasjon(engine) -> Situasjon:
    return Situasjon(engine, actors=load_actors(FEATURES / "aktorer.yaml"))


def _bind(st: Step) -> None:
    names = list(st.regex.groupindex)
    extra = (["datatable"] if st.table else []) + (["docstring"] if st.docstring else [])
    params = [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD)
              for n in ["situasjon", *names, *extra]]

    def wrapper(situasjon, **kwargs):
        try:
            st.func(situasjon, **kwargs)
            return
        except StepError as exc:  # the step's own bokmål: what was expected and what came, no traceback
            message = f"{st.kind.capitalize()}-steget feilet: {exc}"
        pytest.fail(message, pytrace=False)

    wrapper.__signature__ = inspect.Signature(params)
    wrapper.__name__ = st.func.__name__
    decorator = {"gitt": given, "når": when, "så": then}[st.kind]
    decorator(parsers.re(st.pattern), stacklevel=2)(wrapper)


for _step in all_steps():
    _bind(_step)

# The conversation scenarios run on the monitor: they are bound first and marked, so that they skip with the
# reason where durable_rules cannot load (tests/conftest.py); scenarios() then binds the rest, not these again.
_bound = set(globals())
scenarios(str(FEATURES / "samtaler"))
for _name in set(globals()) - _bound:
    globals()[_name] = pytest.mark.requires_monitor(globals()[_name])
scenarios(str(FEATURES))
