"""Runs every pack's own test cases (policies/<pack>/tests/*.yaml) as one pytest test per case."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import Engine
from engine.packtests import check_case, load_cases

POLICIES = Path(__file__).resolve().parent.parent / "policies"


def _cases() -> list:
    engine = Engine.from_directory(POLICIES)
    params = []
    for pack in engine.packs.values():
        for name, where, request, expect in load_cases(pack):
            params.append(pytest.param(pack.id, request, expect, id=f"{pack.id}: {name}"))
    return params


CASES = _cases()


@pytest.mark.parametrize(("pack_id", "request_doc", "expect"), CASES)
def test_pack_case(engine: Engine, pack_id: str, request_doc: dict, expect: dict) -> None:
    problems = check_case(engine, engine.packs[pack_id], request_doc, expect)
    assert not problems, "\n".join(problems)
