"""Rule coverage: which pack tests and Gherkin scenarios exercise each rule, on each side.

A rule has two sides, and a test covers a side only when it would notice the rule
going the other way:

- the deny side ("slår til") is covered by a passing test that evaluated a
  message where the rule fired, and that would fail had the rule not fired;
- the allow side ("slår ikke til") is covered by a passing test that evaluated a
  message where the rule was evaluated and did not fire, and that would fail had
  the rule fired.

"Had the rule gone the other way" is computed, not guessed: the test's decision
is assembled again from its own facts and trace with only that rule moved
between fired and not fired (the pack's outcome follows: a deny rule that fires
makes its pack deny), and the test's own checks are run again on that decision.
For a pack test these are ``packtests.check_case`` with all its expectation
keys (``fired``, ``not_fired``, ``decision``, ``due``, and whatever keys it
checks later); for a scenario they are the scenario's Så-steps that read that
decision. So ``decision: allow`` covers the allow side of every deny rule that
was evaluated, ``fired: [r]`` the deny side of r, and «Så er meldingen avvist»
the deny side of a deny rule only when no other deny rule fired with it.

A rule that was undecided (facts missing) counts on neither side. A test or a
scenario that fails counts for nothing and is reported. Obligations that a
denied message never carries are invisible to every test and so not covered by
a deny. The allow side of such a rule can still be seen: a pack test's
``not_fired`` reads the trace, so it notices the rule firing even where a denial
hides the obligation.

The Gherkin features run in-process, without pytest: each file is parsed with
the parser pytest-bdd uses (gherkin-official) and compiled to pickles (outlines
expanded, Bakgrunn prepended, parameters filled in steps, tables and doc
strings), and each step is dispatched to the one step of ``steps.all_steps()``
of its kind whose pattern matches the whole text, with the data table and doc
string as ``tests/test_features.py`` passes them (a text that several steps
match fails the scenario, since pytest-bdd's pick would depend on fixture order). Scenarios that evaluate no
single message and run no conversation monitor (inputs that are refused) run and
are reported but count for no rule.

Conversation rules (``conversation_rules`` in a pack, run by the monitor) are
in the same table, marked as such («samtaleregel»), and only Gherkin scenarios
exercise them (pack tests evaluate single messages). Their two sides are a
finding and no finding, with the same counterfactual standard:

- "slår til" (the rule gives a finding) is covered by a passing scenario in
  which the rule made a finding and whose Så-steps would fail had the rule made
  none: they are run again with every finding of that rule removed from what
  the monitor reports;
- "slår ikke til" (no finding) is covered by a passing scenario whose Så-steps,
  at a point where the monitor had no finding of that rule, would fail had the
  rule made one there: they are run again with one more finding of that rule.
  That finding is built from the rule's own data, as the monitor builds one
  (``MonitorFinding``: its pack, id, effect, title, source, message template and
  kind of finding; status ``open`` for a rule about a missing event, else
  ``recorded``; made at the monitor's clock then; about the thread the
  scenario's steps speak of when the rule's first event is a message, else about
  no thread). Only the rules of the packs the scenario's monitor ran count.

The Så-steps of a conversation scenario are taken a run at a time (the Så- and
Og-steps between two Når-steps), with the scenario's conversation state as it
was before the run and the findings the monitor reported during it (copied,
since a later answer resolves a finding in place); a run again gives its
selected finding («funnet …») to the next, as in the scenario. The steps read
findings only through ``monitor_steps._findings``, which asks the conversation
state's monitor; the runs again give them a stand-in monitor holding the edited
list, so ``monitor_steps`` needs no hook. A scenario whose runs do not pass
again with the findings unchanged counts for no conversation rule.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import functools
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..contract.decision import Decision
from ..contract.facts import Facts
from ..eval.batch import ordered_map
from ..eval.engine import Engine, PackResult, assemble, pack_decision
from ..lang.compiler import compile_pack
from ..lang.tree import CompiledPack, ConversationRule
from ..monitor import MonitorFinding
from ..steps.catalogue import all_steps
from ..steps.core import Situasjon, Step, load_actors
from .packtests import check_case, known_rule_ids, load_cases

if TYPE_CHECKING:  # gherkin is imported where features are read
    from gherkin.pickles.compiler import GherkinDocumentWithURI

DENY, ALLOW = "deny", "allow"  # the two sides: slår til / slår ikke til
SIDE_LABEL = {DENY: "slår til", ALLOW: "slår ikke til"}
EFFECT_LABEL = {"deny": "avvisning", "advice": "råd", "obligation": "plikt", "deviation": "avvik"}
CONVERSATION_LABEL = "samtaleregel"


# --------------------------------------------------------------------------- results

@dataclass
class RuleCoverage:
    pack: str
    rule: str
    effect: str
    title: str
    tests: dict[str, list[str]] = field(default_factory=lambda: {DENY: [], ALLOW: []})
    scenarios: dict[str, list[str]] = field(default_factory=lambda: {DENY: [], ALLOW: []})
    conversation: bool = False  # a conversation rule (the monitor's), exercised by scenarios only

    def covered(self, side: str) -> bool:
        return bool(self.tests[side] or self.scenarios[side])

    @property
    def gaps(self) -> list[str]:
        return [side for side in (DENY, ALLOW) if not self.covered(side)]

    def to_dict(self) -> dict[str, Any]:
        return {"pack": self.pack, "rule": self.rule, "effect": self.effect, "title": self.title,
                "deny": {"tests": self.tests[DENY], "scenarios": self.scenarios[DENY]},
                "allow": {"tests": self.tests[ALLOW], "scenarios": self.scenarios[ALLOW]},
                "gaps": self.gaps, "conversation": self.conversation}


@dataclass
class Failure:
    kind: str  # "test" | "scenario"
    name: str
    location: str
    problems: list[str]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class CoverageReport:
    rules: list[RuleCoverage]
    failures: list[Failure]
    tests_run: int
    scenarios_run: int
    scenarios_without_decisions: list[str]

    def gaps(self) -> list[str]:
        """One line per missing side, e.g. 'pack: rule-id (avvisning) mangler test der regelen slår til'."""
        return [f"{r.pack}: {r.rule} ({_label(r)}) mangler {'scenario' if r.conversation else 'test'} der regelen "
                f"{SIDE_LABEL[side]}{_finding_note(r, side)}" for r in self.rules for side in r.gaps]

    def to_dict(self) -> dict[str, Any]:
        return {"rules": [r.to_dict() for r in self.rules], "gaps": self.gaps(),
                "failures": [f.to_dict() for f in self.failures], "tests_run": self.tests_run,
                "scenarios_run": self.scenarios_run,
                "scenarios_without_decisions": self.scenarios_without_decisions}


def _label(rule: RuleCoverage) -> str:
    effect = EFFECT_LABEL.get(rule.effect, rule.effect)
    return f"{CONVERSATION_LABEL}, {effect}" if rule.conversation else effect


def _finding_note(rule: RuleCoverage, side: str) -> str:
    if not rule.conversation:
        return ""
    return " (gir funn)" if side == DENY else " (gir ikke funn)"


# --------------------------------------------------------------------------- recording and flipping

@dataclass
class Evaluation:
    """One evaluation a test made: its facts and the traced decision."""

    facts: Facts
    decision: Decision

    def statuses(self) -> dict[tuple[str, str], str]:
        """(pack, rule) -> fired | not_fired | undecided, for every rule of every selected pack."""
        return {(t["pack"], t["rule"]): t["result"] for t in self.decision.trace or ()}


class RecordingEngine:
    """Stands in for an Engine: evaluates with a trace and keeps every evaluation.

    With ``flip`` set to (pack, rule), every evaluation instead returns the
    recorded ``base`` decision with that one rule gone the other way.
    """

    def __init__(self, engine: Engine, *, base: Evaluation | None = None,
                 flip: tuple[str, str] | None = None) -> None:
        self._engine = engine
        self.evaluations: list[Evaluation] = []
        self._base, self._flip = base, flip

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    def evaluate(self, request: Mapping[str, Any], *, pack: str | Iterable[str] | None = None,
                 at: dt.datetime | str | None = None, now: dt.datetime | None = None,
                 explain: bool = False) -> Decision:
        if self._flip is not None and self._base is not None:
            return flipped(self._engine, self._base, self._flip)
        facts = self._engine.facts(request, at=at, now=now)
        decision = self._engine.decide(facts, pack=pack, explain=True)
        self.evaluations.append(Evaluation(facts, decision))
        return decision


OTHER_WAY = {"fired": "not_fired", "not_fired": "fired"}


def flipped(engine: Engine, base: Evaluation, target: tuple[str, str]) -> Decision:
    """The base decision assembled again with the target rule moved between fired and not fired."""
    results = []
    for outcome in base.decision.packs:
        pack: CompiledPack = engine.packs[outcome.id]
        trace = [dict(t, result=OTHER_WAY.get(t["result"], t["result"])) if (t["pack"], t["rule"]) == target else t
                 for t in base.decision.trace or () if t["pack"] == pack.id]
        result = {t["rule"]: t["result"] for t in trace}
        fired = [r for r in pack.rules if result.get(r.id) == "fired"]
        undecided = [r for r in pack.rules if result.get(r.id) == "undecided"]
        results.append(PackResult(pack, pack_decision(fired, undecided), outcome.validity, fired, undecided, trace))
    return assemble(results, base.facts, explain=True)


def _sides(evaluation: Evaluation,
           still_passes: Callable[[tuple[str, str]], bool]) -> Iterable[tuple[tuple[str, str], str]]:
    """((pack, rule), side) for each rule whose flip makes the test fail."""
    for key, result in evaluation.statuses().items():
        if result not in ("fired", "not_fired"):
            continue
        if not still_passes(key):
            yield key, DENY if result == "fired" else ALLOW


# --------------------------------------------------------------------------- pack tests

Sides = list[tuple[tuple[str, str], str]]  # ((pack, rule), side) in the order they were found


@dataclass
class PackCase:
    """One pack test to run: the pack's id and the case as ``load_cases`` gives it."""

    pack: str
    name: str
    where: Any
    request: dict[str, Any]
    expect: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.pack}: {self.name}"


@dataclass
class PackCaseResult:
    label: str
    failure: Failure | None
    sides: Sides


def pack_cases(packs: Iterable[CompiledPack], known: set[str]) -> Iterator[PackCase]:
    for pack in packs:
        for name, where, request, expect in load_cases(pack, known):
            yield PackCase(pack.id, name, where, request, expect)


def run_pack_case(engine: Engine, known: set[str], case: PackCase) -> PackCaseResult:
    """Run one pack test, and find the sides of the rules whose flip would make it fail."""
    pack = engine.packs[case.pack]
    recorder = RecordingEngine(engine)
    problems = check_case(recorder, pack, case.request, case.expect, known)  # type: ignore[arg-type]
    if problems:
        return PackCaseResult(case.label, Failure("test", case.label, str(case.where or pack.folder / "tests"),
                                                  problems), [])
    if len(recorder.evaluations) != 1:
        return PackCaseResult(case.label, None, [])  # an expected input error: no decision, no rule exercised

    def still_passes(key: tuple[str, str]) -> bool:
        flip = RecordingEngine(engine, base=recorder.evaluations[0], flip=key)
        return not check_case(flip, pack, case.request, case.expect, known)  # type: ignore[arg-type]

    return PackCaseResult(case.label, None, list(_sides(recorder.evaluations[0], still_passes)))


def add_pack_case(result: PackCaseResult, table: dict[tuple[str, str], RuleCoverage],
                  failures: list[Failure]) -> None:
    if result.failure is not None:
        failures.append(result.failure)
    for key, side in result.sides:
        if key in table:
            table[key].tests[side].append(result.label)


# --------------------------------------------------------------------------- Gherkin

KIND_BY_TYPE = {"Context": "gitt", "Action": "når", "Outcome": "så"}


@dataclass
class PickleStep:
    kind: str
    text: str
    datatable: list[list[str]] | None
    docstring: str | None


@dataclass
class ScenarioCase:
    name: str
    location: str
    steps: list[PickleStep]


def parse_features(folder: Path) -> list[ScenarioCase]:
    """Every scenario of every *.feature file under the folder, outlines expanded and Bakgrunn prepended."""
    from gherkin.errors import CompositeParserException, ParserException
    from gherkin.parser import Parser
    from gherkin.pickles.compiler import Compiler
    from gherkin.token_scanner import TokenScanner

    cases: list[ScenarioCase] = []
    for path in sorted(folder.rglob("*.feature")):
        shown = str(path)
        try:
            document = Parser().parse(TokenScanner(path.read_text(encoding="utf-8")))
        except (CompositeParserException, ParserException) as exc:
            first = (getattr(exc, "errors", None) or [exc])[0]
            where = getattr(first, "location", None) or {}
            detail = re.sub(r"^\(\d+:\d+\): ", "", str(first))
            raise FeatureFileError(f"{shown}:{where.get('line', 1)}:{where.get('column') or 1}: "
                                   f"ugyldig Gherkin ({detail})") from None
        with_uri: GherkinDocumentWithURI = {**document, "uri": shown}
        lines = _node_lines(with_uri)
        for pickle in Compiler().compile(with_uri):
            steps = []
            for st in pickle["steps"]:
                argument = st.get("argument")
                table = argument.get("dataTable") if argument else None
                doc = argument.get("docString") if argument else None
                steps.append(PickleStep(
                    KIND_BY_TYPE.get(st.get("type", ""), ""), st["text"],
                    [[c["value"] for c in row["cells"]] for row in table["rows"]] if table else None,
                    doc["content"] if doc else None))
            ast_id = (pickle.get("astNodeIds") or ["?"])[-1]
            line: int | str = (pickle.get("location") or {}).get("line") or lines.get(ast_id, "?")
            cases.append(ScenarioCase(pickle["name"], f"{shown}:{line}", steps))
    return cases


def _node_lines(node: Any) -> dict[str, int]:
    """Line of every scenario and example row by its AST id (older parsers give pickles no location)."""
    found: dict[str, int] = {}
    if isinstance(node, dict):
        if "id" in node and isinstance(node.get("location"), dict):
            found[node["id"]] = node["location"].get("line")
        for value in node.values():
            found.update(_node_lines(value))
    elif isinstance(node, list):
        for value in node:
            found.update(_node_lines(value))
    return found


class FeatureFileError(Exception):
    """A feature file that does not parse; the message starts with the file name."""


@dataclass
class _ThenCall:
    step: Step
    kwargs: dict[str, Any]
    state: Situasjon  # a copy, as the step saw it
    evaluation: int


def run_scenario(engine: Engine, actors: dict[str, dict[str, Any]], case: ScenarioCase,
                 conversation: list[ConversationRun] | None = None
                 ) -> tuple[list[str], RecordingEngine, list[_ThenCall]]:
    """Run one scenario; returns (problems, the recorder, the Så-steps that read a recorded decision).

    With a list given as ``conversation``, each run of Så-steps in a conversation scenario is added to it.
    """
    library = all_steps()
    recorder = RecordingEngine(engine)
    s = Situasjon(recorder, actors=copy.deepcopy(actors))  # type: ignore[arg-type]
    thens: list[_ThenCall] = []
    run: ConversationRun | None = None  # the Så-steps since the last Gitt- or Når-step
    for pst in case.steps:
        if conversation is not None and pst.kind == "så" and CONVERSATION_STATE in s.extra:
            if run is None:
                run = ConversationRun(_conversation_snapshot(s))
                conversation.append(run)
        else:
            run = None
        matches = [(st, m) for st in library if st.kind == pst.kind for m in [st.regex.fullmatch(pst.text)] if m]
        if not matches:
            return [f"Ingen steg passer: {pst.kind.capitalize()} {pst.text}"], recorder, thens
        if len(matches) > 1:  # pytest-bdd's choice would then depend on fixture order
            names = ", ".join(st.func.__name__ for st, _ in matches)
            return [f"Flere steg passer ({names}): {pst.kind.capitalize()} {pst.text}"], recorder, thens
        st, m = matches[0]
        kwargs: dict[str, Any] = dict(m.groupdict())
        if st.table:
            kwargs["datatable"] = pst.datatable
        if st.docstring:
            kwargs["docstring"] = pst.docstring
        try:
            st.func(s, **kwargs)
        except Exception as exc:  # any failing step fails the scenario, as under pytest
            return [f"{pst.kind.capitalize()} {pst.text}: {exc}"], recorder, thens
        if run is not None:
            run.calls.append((st, kwargs))
            monitor = s.extra[CONVERSATION_STATE].get("monitor")
            if monitor is not None:  # as the steps saw it; a later answer resolves a finding in place
                run.findings = [copy.copy(f) for f in monitor.findings()]
                run.clock, run.packs = monitor.clock, list(monitor.packs.values())
        if (st.kind == "så" and recorder.evaluations and s.error is None
                and s.decision is recorder.evaluations[-1].decision):
            state = copy.copy(s)
            state.request = copy.deepcopy(s.request)
            thens.append(_ThenCall(st, kwargs, state, len(recorder.evaluations) - 1))
    return [], recorder, thens


# --------------------------------------------------------------------------- conversation rules

CONVERSATION_STATE = "samtale"  # where engine.monitor_steps keeps a scenario's conversation (Situasjon.extra)


@dataclass
class ConversationRun:
    """Consecutive Så-steps of a conversation scenario: the state before them and the findings they saw."""

    state: Situasjon  # a copy, as it was before the first of the steps
    calls: list[tuple[Step, dict[str, Any]]] = field(default_factory=list)  # (step, its arguments)
    findings: list[MonitorFinding] = field(default_factory=list)  # copied
    clock: dt.datetime | None = None
    packs: list[CompiledPack] = field(default_factory=list)  # the packs the monitor ran


def _conversation_snapshot(s: Situasjon) -> Situasjon:
    state = copy.copy(s)
    state.extra = dict(s.extra)
    conv = dict(s.extra[CONVERSATION_STATE])
    conv["events"] = list(conv.get("events") or ())
    state.extra[CONVERSATION_STATE] = conv
    return state


class _SeenFindings:
    """Stands in for the scenario's monitor when its Så-steps run again: reports a given list of findings."""

    def __init__(self, findings: list[MonitorFinding], clock: dt.datetime | None, packs: list[CompiledPack]) -> None:
        self._findings, self.clock = findings, clock
        self.packs = {p.id: p for p in packs}

    def findings(self, **_filters: Any) -> list[MonitorFinding]:
        return list(self._findings)

    def feed(self, event: Mapping[str, Any]) -> list[MonitorFinding]:
        raise RuntimeError("the findings are fixed while the Så-steps run again")


def _runs_pass(runs: list[ConversationRun], findings: list[list[MonitorFinding]]) -> bool:
    """Whether the scenario's Så-steps pass again when each run sees the given findings."""
    selected: MonitorFinding | None = None
    for index, (run, found) in enumerate(zip(runs, findings, strict=False)):
        state = copy.copy(run.state)
        state.extra = dict(run.state.extra)
        conv = dict(run.state.extra[CONVERSATION_STATE])
        conv["monitor"] = _SeenFindings(found, run.clock, run.packs)
        conv["fed"] = len(conv["events"])  # every event was fed when the steps first ran
        if index:
            conv["finding"] = selected  # the finding an earlier Så-step chose, as the scenario would
        state.extra[CONVERSATION_STATE] = conv
        for st, kwargs in run.calls:
            try:
                st.func(state, **kwargs)
            except Exception:
                return False
        selected = conv.get("finding")
    return True


def _order(finding: MonitorFinding) -> tuple[dt.datetime, str, str, tuple[str, ...]]:
    return (finding.detected_at, finding.pack, finding.rule, finding.events)  # as Monitor.findings sorts


def made_up_finding(pack: CompiledPack, rule: ConversationRule, run: ConversationRun,
                    at: dt.datetime) -> MonitorFinding:
    """A finding of the rule, built from its own data, at ``at`` (the run's clock) and about the scenario's thread."""
    conv = run.state.extra[CONVERSATION_STATE]
    request = conv.get("request") or {}
    first = rule.present[0].event if rule.present else None
    return MonitorFinding(
        rule=rule.id, pack=pack.id, effect=rule.effect, title=rule.title, source=rule.source,
        message=rule.message, facts={}, kind=rule.finding, due={d.name: None for d in rule.due} or None,
        thread=request.get("samtale_id") if first == "melding" else None, events=(),
        detected_at=at, status="open" if rule.absent else "recorded", pack_validity="valid")


def _conversation_sides(runs: list[ConversationRun]) -> Iterable[tuple[tuple[str, str], str]]:
    """((pack, conversation rule), side) for each side the scenario's Så-steps would notice going the other way."""
    runs = [r for r in runs if r.calls and r.packs]
    if not runs or not _runs_pass(runs, [r.findings for r in runs]):
        return
    for pack in runs[-1].packs:
        for rule in pack.conversation:
            seen = [any(_is_of(f, pack, rule) for f in r.findings) for r in runs]
            if any(seen) and not _runs_pass(runs, [[f for f in r.findings if not _is_of(f, pack, rule)]
                                                   for r in runs]):
                yield (pack.id, rule.id), DENY
            for index, run in enumerate(runs):
                if seen[index] or run.clock is None:
                    continue
                findings = [r.findings for r in runs]
                findings[index] = sorted([*run.findings, made_up_finding(pack, rule, run, run.clock)], key=_order)
                if not _runs_pass(runs, findings):
                    yield (pack.id, rule.id), ALLOW
                    break


def _is_of(finding: MonitorFinding, pack: CompiledPack, rule: ConversationRule) -> bool:
    return finding.pack == pack.id and finding.rule == rule.id


def _then_still_passes(call: _ThenCall, decision: Decision) -> bool:
    state = copy.copy(call.state)
    state.decision = decision
    try:
        call.step.func(state, **call.kwargs)
    except Exception:
        return False
    return True


@dataclass
class ScenarioResult:
    label: str
    failure: Failure | None
    conversation: Sides      # sides of conversation rules
    monitored: bool          # the scenario ran a conversation monitor
    evaluated: bool          # it evaluated at least one single message
    sides: Sides             # sides of rules, evaluation by evaluation


def run_scenario_case(engine: Engine, actors: dict[str, dict[str, Any]], case: ScenarioCase) -> ScenarioResult:
    """Run one scenario, and find the sides of the rules (and conversation rules) its Så-steps would notice."""
    label = f"{case.name} ({case.location})"
    runs: list[ConversationRun] = []
    problems, recorder, thens = run_scenario(engine, actors, case, runs)
    if problems:
        return ScenarioResult(label, Failure("scenario", case.name, case.location, problems), [], False, False, [])
    monitored = any(r.packs for r in runs)
    conversation = list(_conversation_sides(runs)) if monitored else []
    sides: Sides = []
    for index, evaluation in enumerate(recorder.evaluations):
        calls = [c for c in thens if c.evaluation == index]
        if not calls:
            continue

        def still_passes(key: tuple[str, str], base: Evaluation = evaluation,
                         calls: list[_ThenCall] = calls) -> bool:
            decision = flipped(engine, base, key)
            return all(_then_still_passes(c, decision) for c in calls)

        sides.extend(_sides(evaluation, still_passes))
    return ScenarioResult(label, None, conversation, monitored, bool(recorder.evaluations), sides)


def add_scenario(result: ScenarioResult, table: dict[tuple[str, str], RuleCoverage], failures: list[Failure],
                 without: list[str], conversation: dict[tuple[str, str], RuleCoverage] | None = None) -> None:
    label = result.label
    if result.failure is not None:
        failures.append(result.failure)
        return
    if conversation is not None:
        for key, side in result.conversation:
            if key in conversation and label not in conversation[key].scenarios[side]:
                conversation[key].scenarios[side].append(label)
    if not result.evaluated:
        if not result.monitored:
            without.append(label)
        return
    for key, side in result.sides:
        if key in table and label not in table[key].scenarios[side]:
            table[key].scenarios[side].append(label)


def feature_actors(folder: Path) -> dict[str, dict[str, Any]]:
    actors_file = folder / "aktorer.yaml"
    return load_actors(actors_file) if actors_file.exists() else {}


# --------------------------------------------------------------------------- through worker processes

class Coverer:
    """A worker's work function: a pack test or a scenario to its result, with the engine built once."""

    def __init__(self, engine: Engine, features: Path | None):
        self.engine = engine
        self.known = known_rule_ids(engine.packs.values())
        self.actors = feature_actors(features) if features is not None else {}

    def __call__(self, item: PackCase | ScenarioCase) -> PackCaseResult | ScenarioResult:
        if isinstance(item, PackCase):
            return run_pack_case(self.engine, self.known, item)
        return run_scenario_case(self.engine, self.actors, item)


def coverer(folders: tuple[Path, ...], allow_synthetic_ids: bool, features: Path | None) -> Coverer:
    """A worker's Coverer: the engine's packs compiled again from their folders, once per worker."""
    return Coverer(Engine([compile_pack(f) for f in folders], allow_synthetic_ids=allow_synthetic_ids), features)


# --------------------------------------------------------------------------- the whole report

CHUNK_SIZE = 8  # tests or scenarios a worker takes at a time: a few hundred in all, of uneven length


def compute(engine: Engine, *, packs: Iterable[str] | None = None, features: Path | None = None,
            workers: int = 1) -> CoverageReport:
    """Coverage of the given packs (default: all) by their pack tests and, when given, the feature files.

    The tests, then the scenarios, go through ``ordered_map``: in this process by default, or with
    ``workers`` > 1 in that many processes, each compiling the engine's packs again from their folders;
    their results are taken in the same order either way.
    """
    selected = [engine.packs[p] for p in packs] if packs is not None else list(engine.packs.values())
    table = {(p.id, r.id): RuleCoverage(p.id, r.id, r.effect, r.title) for p in selected for r in p.rules}
    conversation = {(p.id, r.id): RuleCoverage(p.id, r.id, r.effect, r.title, conversation=True)
                    for p in selected for r in p.conversation}
    failures: list[Failure] = []
    without: list[str] = []
    cases: list[ScenarioCase] = parse_features(features) if features is not None else []
    items: Iterator[PackCase | ScenarioCase] = itertools.chain(
        pack_cases(selected, known_rule_ids(engine.packs.values())), cases)
    if workers <= 1:
        factory: Callable[[], Coverer] = lambda: Coverer(engine, features)  # noqa: E731
    else:
        factory = functools.partial(coverer, tuple(p.folder for p in engine.packs.values()),
                                    engine.allow_synthetic_ids, features)
    tests = 0
    for result in ordered_map(factory, items, workers=workers, chunk_size=CHUNK_SIZE):
        if isinstance(result, PackCaseResult):
            tests += 1
            add_pack_case(result, table, failures)
        else:
            add_scenario(result, table, failures, without, conversation)
    scenarios = len(cases)
    rules = [r for p in selected for r in [*(table[(p.id, x.id)] for x in p.rules),
                                           *(conversation[(p.id, x.id)] for x in p.conversation)]]
    return CoverageReport(rules, failures, tests, scenarios, without)


def report_text(report: CoverageReport, *, shown: int = 3) -> str:
    """The report in bokmål: one table per pack, then failures and gaps."""
    out: list[str] = []
    by_pack: dict[str, list[RuleCoverage]] = {}
    for r in report.rules:
        by_pack.setdefault(r.pack, []).append(r)
    for pack, rules in by_pack.items():
        width = max(len(r.rule) for r in rules)
        talks = sum(r.conversation for r in rules)
        out.append(f"{pack}: {len(rules) - talks} regler" + (f" og {talks} samtaleregler" if talks else ""))
        out.append(f"  {'regel':<{width}}  {'virkning':<9}  {'slår til (tester/scenarioer)':<29}  "
                   "slår ikke til (tester/scenarioer)")
        for r, before in zip(rules, [None, *rules], strict=False):
            if r.conversation and not (before and before.conversation):
                out.append("  samtaleregler (overvåkingen; slår til = gir funn, prøves bare av scenarioer):")
            cells = []
            for side in (DENY, ALLOW):
                mark = "" if r.covered(side) else "  MANGLER"
                cells.append(f"{len(r.tests[side])}/{len(r.scenarios[side])}{mark}")
            out.append(f"  {r.rule:<{width}}  {EFFECT_LABEL.get(r.effect, r.effect):<9}  {cells[0]:<29}  {cells[1]}")
            for side in (DENY, ALLOW):
                names = r.tests[side] + r.scenarios[side]
                if names:
                    more = f" og {len(names) - shown} til" if len(names) > shown else ""
                    listed = "; ".join(n.split(": ", 1)[-1] for n in names[:shown])
                    out.append(f"  {'':<{width}}    {SIDE_LABEL[side]}: {listed}{more}")
        out.append("")
    out.append(f"{report.tests_run} pakketester og {report.scenarios_run} scenarioer kjørt.")
    if report.scenarios_without_decisions:
        out.append(f"{len(report.scenarios_without_decisions)} scenarioer vurderte ingen enkeltmelding og "
                   "ingen samtale (inndata som avvises) og teller ikke for regeldekningen.")
    for f in report.failures:
        what = "Pakketest" if f.kind == "test" else "Scenario"
        out.append(f"FEILET {what} «{f.name}» ({f.location}): " + "; ".join(f.problems) + " — teller ikke.")
    gaps = report.gaps()
    if gaps:
        out.append(f"{len(gaps)} hull i dekningen:")
        out += [f"  {g}" for g in gaps]
    else:
        out.append("Hver regel er prøvd både der den slår til og der den ikke slår til.")
    return "\n".join(out)


__all__ = [
    "ALLOW",
    "DENY",
    "CoverageReport",
    "Failure",
    "FeatureFileError",
    "RecordingEngine",
    "RuleCoverage",
    "compute",
    "flipped",
    "parse_features",
    "report_text",
    "run_scenario",
]
