"""A compiled pack made executable: its scope test, each rule's closure and the generated rule function.

The rule tree (``engine.lang.tree``) is plain data; a ``Program`` is what the
engine runs over it, built once per pack when an ``Engine`` is made and never
changed afterwards, so that it can be shared between threads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..lang.tree import CompiledPack
from .closures import NodeTests, Test, node_tests, to_function
from .codegen import RunRules, ScopeTest, generate, generate_test


@dataclass(frozen=True)
class Program:
    pack: CompiledPack
    scope: ScopeTest  # the generated scope test (three-valued, like its closure)
    tests: tuple[Test, ...]  # the three-valued closure of each rule, in the pack's order
    run: RunRules = field(repr=False)  # the generated function: (fired, undecided) rules
    source: str = field(repr=False, default="")  # the generated function's source
    scope_closure: Test | None = field(repr=False, default=None)  # the scope's closure, the reference
    node_tests: NodeTests = field(repr=False, default_factory=dict)  # every node's closure, for explanations

    def test(self, rule_id: str) -> Test:
        for rule, test in zip(self.pack.rules, self.tests, strict=True):
            if rule.id == rule_id:
                return test
        raise KeyError(rule_id)


def build(pack: CompiledPack) -> Program:
    tests = tuple(to_function(rule.condition) for rule in pack.rules)
    source, run = generate(pack.rules, tests)
    scope_closure = to_function(pack.scope)
    _, scope = generate_test(pack.scope)
    nodes = node_tests([pack.scope, *(rule.condition for rule in pack.rules)])
    return Program(pack, scope, tests, run, source, scope_closure, nodes)
