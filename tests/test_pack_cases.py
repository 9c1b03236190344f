"""Every pack's own test cases (policies/<pack>/tests/*.yaml), one pytest case each."""

from __future__ import annotations

import pytest

from engine import Engine
from engine.authoring.packtests import check_case, load_cases

from .conftest import ROOT

_ENGINE = Engine.from_directory(ROOT / "policies")
CASES = [(pack, name, where, request, expect)
         for pack in _ENGINE.packs.values()
         for name, where, request, expect in load_cases(pack)]


def test_every_pack_has_cases():
    packs_with_cases = {pack.id for pack, *_ in CASES}
    assert packs_with_cases == set(_ENGINE.packs), "a pack without tests/: add policies/<pack>/tests/*.yaml"


@pytest.mark.parametrize("pack,name,where,request_,expect", CASES,
                         ids=[f"{c[0].id}:{c[1]}" for c in CASES])
def test_pack_case(pack, name, where, request_, expect):
    problems = check_case(_ENGINE, pack, request_, expect)
    assert not problems, f"{where}: {name}\n  " + "\n  ".join(problems)


def test_every_rule_is_exercised_both_ways():
    """Each rule of a pack that has tests fires in one case and is expected not to fire in another."""
    gaps = []
    for pack in _ENGINE.packs.values():
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
