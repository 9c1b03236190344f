"""A compiled pack made executable: its scope test, each rule's closure and the generated rule function.

The rule tree (``engine.lang.tree``) is plain data; a ``Program`` is what the
engine runs over it, built once per pack when an ``Engine`` is made and never
changed afterwards, so that it can be shared between threads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..lang.tree import CompiledPack, Quantified, Rule, Suggestion, quantifiers
from .closures import NodeTests, Test, node_tests, to_function
from .codegen import RunRules, ScopeTest, generate, generate_test
from .render import Renderer, compile_renderer


@dataclass(frozen=True)
class Program:
    pack: CompiledPack
    scope: ScopeTest  # the generated scope test (three-valued, like its closure)
    tests: tuple[Test, ...]  # the three-valued closure of each rule, in the pack's order
    run: RunRules = field(repr=False)  # the generated function: (fired, undecided) rules
    source: str = field(repr=False, default="")  # the generated function's source
    scope_closure: Test | None = field(repr=False, default=None)  # the scope's closure, the reference
    node_tests: NodeTests = field(repr=False, default_factory=dict)  # every node's closure, for explanations
    # rule id -> its each/some whose elements its texts show (melding.mottakere.tjeneste); () when none does
    quantified: dict[str, tuple[Quantified, ...]] = field(repr=False, default_factory=dict)
    # rule id -> the renderer of its message and of each suggestion's, made once
    renderers: dict[str, tuple[Renderer, tuple[tuple[Suggestion, Renderer], ...]]] = field(
        repr=False, default_factory=dict)

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
    quantified = {rule.id: _shown_quantifiers(rule) for rule in pack.rules}
    renderers = {rule.id: (compile_renderer(rule.template),
                           tuple((sug, compile_renderer(sug.template)) for sug in rule.suggestions))
                 for rule in pack.rules}
    return Program(pack, scope, tests, run, source, scope_closure, nodes, quantified, renderers)


def _shown_quantifiers(rule: Rule) -> tuple[Quantified, ...]:
    """A rule's quantifiers, when its message, suggestions or facts show a field through their list; else ()."""
    found = tuple(quantifiers(rule.condition))
    named = {part[1] for template in (rule.template, *(s.template for s in rule.suggestions))
             for part in template if not isinstance(part, str)} | set(rule.facts)
    if any(name.startswith(node.list_path + ".") for node in found for name in named):
        return found
    return ()
