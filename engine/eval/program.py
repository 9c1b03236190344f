"""A compiled pack made executable: its scope test, each rule's closure and the generated rule function.

The rule tree (``engine.lang.tree``) is plain data; a ``Program`` is what the
engine runs over it, built once per pack when an ``Engine`` is made and never
changed afterwards, so that it can be shared between threads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..lang.tree import CompiledPack
from .closures import Test, to_function
from .codegen import RunRules, generate


@dataclass(frozen=True)
class Program:
    pack: CompiledPack
    scope: Test
    tests: tuple[Test, ...]  # the three-valued closure of each rule, in the pack's order
    run: RunRules = field(repr=False)  # the generated function: (fired, undecided) rules
    source: str = field(repr=False, default="")  # the generated function's source

    def test(self, rule_id: str) -> Test:
        for rule, test in zip(self.pack.rules, self.tests, strict=True):
            if rule.id == rule_id:
                return test
        raise KeyError(rule_id)


def build(pack: CompiledPack) -> Program:
    tests = tuple(to_function(rule.condition) for rule in pack.rules)
    source, run = generate(pack.rules, tests)
    return Program(pack, to_function(pack.scope), tests, run, source)
