"""The Gherkin scenarios waiting in docs/conversation-rules-pending/ run here against the stub packs.

Each pending pack is put together in a temporary folder under its real id (stub
pack.yaml + pending parameters + pending conversation rules), so that the feature
files can move unchanged to features/samtaler/ once the real packs are merged.
"""

from __future__ import annotations

import inspect
import shutil
from pathlib import Path

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from engine import Engine
from engine.steps import Situasjon, Step, all_steps, load_actors

ROOT = Path(__file__).resolve().parent.parent
PENDING = ROOT / "docs" / "conversation-rules-pending"
PACKS = ("helse-vest-2017", "sykehuset-ostfold", "sykehuset-ostfold-plo")


@pytest.fixture(scope="module")
def pending_engine(tmp_path_factory) -> Engine:
    root = tmp_path_factory.mktemp("pending-packs")
    for pack_id in PACKS:
        folder = root / pack_id
        folder.mkdir()
        stub = (ROOT / "tests" / "packs" / f"stub-{pack_id}" / "pack.yaml").read_text(encoding="utf-8")
        (folder / "pack.yaml").write_text(stub.replace(f"id: stub-{pack_id}\n", f"id: {pack_id}\n"), encoding="utf-8")
        shutil.copy(PENDING / f"{pack_id}.conversation.yaml", folder / "conversation.yaml")
        shutil.copy(PENDING / f"{pack_id}.parameters.yaml", folder / "parameters.yaml")
    return Engine.from_directory(root)


@pytest.fixture
def situasjon(pending_engine) -> Situasjon:
    return Situasjon(pending_engine, actors=load_actors(ROOT / "features" / "aktorer.yaml"))


def _bind(st: Step) -> None:
    names = list(st.regex.groupindex)
    extra = (["datatable"] if st.table else []) + (["docstring"] if st.docstring else [])
    params = [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in ["situasjon", *names, *extra]]

    def wrapper(situasjon, **kwargs):
        st.func(situasjon, **kwargs)

    wrapper.__signature__ = inspect.Signature(params)
    wrapper.__name__ = st.func.__name__
    {"gitt": given, "når": when, "så": then}[st.kind](parsers.re(st.pattern), stacklevel=2)(wrapper)


for _step in all_steps():
    _bind(_step)

scenarios(str(PENDING))
