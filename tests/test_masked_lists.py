"""A patient number typed into an item of a list (fagområder, a recipient's service, municipal decisions) is
masked wherever a decision shows that list: the facts a rule used, its text and the trace."""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Iterator
from typing import Any

from engine import Engine, InputError
from engine.contract.identifiers import example_number

from .conftest import ROOT

EXAMPLES = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "examples").glob("*.json"))]


def strings_in_lists(node: Any, inside: bool = False) -> Iterator[tuple[Any, Any]]:
    """(container, key) of every text that sits somewhere inside a list."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str) and inside:
                yield node, key
            else:
                yield from strings_in_lists(value, inside)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            if isinstance(value, str):
                yield node, i
            else:
                yield from strings_in_lists(value, True)


def test_a_number_in_a_list_item_is_masked_in_every_decision(engine: Engine) -> None:
    seeds = itertools.count(1)
    shown_masked = 0
    for example in EXAMPLES:
        for container, key in list(strings_in_lists(example)):
            request = copy.deepcopy(example)
            # the same place in the copy: walk the original's path again
            number = example_number(("fnr", "dnr", "hnr")[next(seeds) % 3], seed=next(seeds) % 90 + 1)
            _replace(request, example, container, key, number)
            try:
                decision = engine.evaluate(request, explain=True)
            except InputError:  # an item the contract refuses says nothing about masking
                continue
            text = json.dumps(decision.to_dict(), ensure_ascii=False)
            assert number not in text, f"{number} in clear: {text[text.find(number) - 200:text.find(number) + 20]}"
            shown_masked += text.count("[personnummer]")
    assert shown_masked > 0  # some rule did show such a list, masked


def _replace(copy_node: Any, original: Any, container: Any, key: Any, value: str) -> bool:
    """Put ``value`` in ``copy_node`` where ``original`` has ``container[key]``."""
    if original is container:
        copy_node[key] = value
        return True
    children = original.items() if isinstance(original, dict) else enumerate(original) \
        if isinstance(original, list) else ()
    return any(isinstance(child, (dict, list)) and _replace(copy_node[k], child, container, key, value)
               for k, child in children)
