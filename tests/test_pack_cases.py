"""Every pack's own test cases (policies/<pack>/tests/*.yaml), one pytest case each."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.compiler import compile_pack
from engine.loader import list_pack_folders
from engine.packtests import check_case, load_cases

POLICIES = Path(__file__).resolve().parent.parent / "policies"


def _cases() -> list:
    params = []
    for folder in list_pack_folders(POLICIES):
        pack = compile_pack(folder)
        for name, where, request, expect in load_cases(pack):
            params.append(pytest.param(pack.id, request, expect, id=f"{pack.id}: {name}"))
    return params


@pytest.mark.parametrize("pack_id, request_, expect", _cases())
def test_pack_case(engine, pack_id, request_, expect):
    problems = check_case(engine, engine.packs[pack_id], request_, expect)
    assert not problems, "\n".join(problems)


def test_every_rule_is_exercised_both_ways(engine):
    """Each rule of a pack that has tests fires in one case and is expected not to fire in another."""
    gaps = []
    for pack in engine.packs.values():
        fired: set[str] = set()
        not_fired: set[str] = set()
        cases = list(load_cases(pack))
        if not cases:
            continue
        for _name, _where, _request, expect in cases:
            fired.update(expect.get("fired", []))
            not_fired.update(expect.get("not_fired", []))
        for rule in pack.rules:
            if rule.id not in fired:
                gaps.append(f"{pack.id}: no case where {rule.id} fires")
            if rule.id not in not_fired:
                gaps.append(f"{pack.id}: no case where {rule.id} is expected not to fire")
    assert not gaps, "\n".join(gaps)
