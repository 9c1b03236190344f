"""The sharp edges of durable_rules 2.0.28 that the monitor is built around, measured here.

If one of these starts to fail, durable_rules changed under us: read
engine/monitor_rules.py's docstring again before relying on the new behaviour.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from engine.monitor.durable import load_durable, make_host

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def _host(rules: dict):
    return make_host({"r": rules})


@pytest.mark.requires_monitor
def test_an_event_is_consumed_by_the_first_rule_a_fact_is_seen_by_all() -> None:
    seen: list[str] = []
    rules = {"a": {"all": [{"m": {"k": "x"}}], "run": lambda c: seen.append("a")},
             "b": {"all": [{"m": {"k": "x"}}], "run": lambda c: seen.append("b")}}
    host = _host(rules)
    host.post("r", {"sid": "0", "id": "e1", "k": "x"})
    assert len(seen) == 1
    seen.clear()
    host.assert_fact("r", {"sid": "0", "id": "f1", "k": "x"})
    assert sorted(seen) == ["a", "b"]


@pytest.mark.requires_monitor
def test_a_fact_no_rule_matches_raises_and_is_not_kept() -> None:
    engine = load_durable()
    host = _host({"a": {"all": [{"m": {"k": "x"}}], "run": lambda c: None}})
    with pytest.raises(engine.MessageNotHandledException):
        host.assert_fact("r", {"sid": "0", "id": "f1", "k": "y"})
    assert host.get_facts("r", "0") == []


@pytest.mark.requires_monitor
def test_the_1025th_session_of_a_ruleset_fails() -> None:
    host = _host({"a": {"all": [{"m": {"k": "x"}}], "run": lambda c: None}})
    for sid in range(1024):
        host.assert_fact("r", {"sid": str(sid), "id": "f", "k": "x"})
    with pytest.raises(MemoryError):
        host.assert_fact("r", {"sid": "1024", "id": "f", "k": "x"})


@pytest.mark.requires_monitor
def test_a_negation_must_be_the_last_pattern() -> None:
    """A fact that arrives after the negation was passed only blocks a later match when the negation is last."""
    def run(order: str) -> int:
        fired: list[int] = []
        patterns = {"a": {"a": {"k": "req"}},
                    "n": {"n$not": {"$and": [{"k": "done"}, {"r": {"a": "r"}}]}},
                    "c": {"c": {"$and": [{"k": "clock"}, {"$gte": {"t": {"a": "due"}}}]}}}
        host = _host({"x": {"all": [patterns[p] for p in order], "run": lambda c: fired.append(1)}})
        host.assert_fact("r", {"sid": "0", "id": "a", "k": "req", "r": 1, "due": 5})
        host.assert_fact("r", {"sid": "0", "id": "c", "k": "clock", "t": 5})
        host.assert_fact("r", {"sid": "0", "id": "d", "k": "done", "r": 1})  # blocks from now on
        host.retract_fact("r", {"sid": "0", "id": "c"})
        host.assert_fact("r", {"sid": "0", "id": "c", "k": "clock", "t": 6})
        return len(fired)

    assert run("acn") == 1  # the order the monitor uses
    assert run("anc") == 2  # the negation in the middle lets it fire again


@pytest.mark.requires_monitor
def test_retracting_one_of_two_blocking_facts_fires_the_negation() -> None:
    """Why a discharge drops what the old admission's retraction fires (ConversationRuleset.replace)."""
    engine = load_durable()
    fired: list[str] = []
    host = _host({"x": {"all": [{"m": {"k": "plo"}}, {"n$not": {"$and": [{"k": "adm"}, {"p": {"m": "p"}}]}}],
                        "run": lambda c: fired.append(c.m.id)}})
    host.assert_fact("r", {"sid": "0", "id": "a1", "k": "adm", "p": 1})
    host.assert_fact("r", {"sid": "0", "id": "m", "k": "plo", "p": 1})
    host.assert_fact("r", {"sid": "0", "id": "a2", "k": "adm", "p": 1})  # a second blocker
    assert fired == []
    host.retract_fact("r", {"sid": "0", "id": "a1"})
    assert fired == ["m"]  # although a2 still blocks it
    with pytest.raises(engine.MessageObservedException):  # no new values under a known id
        host.assert_fact("r", {"sid": "0", "id": "a2", "k": "adm", "p": 2})


@pytest.mark.requires_monitor
def test_or_inside_a_negation_is_wrong_separate_negations_are_right() -> None:
    def run(negations: list[dict]) -> list[int]:
        fired: list[int] = []
        pats = [{"a": {"k": "a"}}] + [{f"n{i}$not": n} for i, n in enumerate(negations)]
        host = _host({"x": {"all": pats, "run": lambda c: fired.append(c.a.q)}})
        host.assert_fact("r", {"sid": "0", "id": "b1", "k": "b", "q": 1, "open": True})
        host.assert_fact("r", {"sid": "0", "id": "b2", "k": "b", "q": 2, "end": 20})
        for q, t in ((1, 15), (2, 15), (2, 25), (3, 25)):
            host.assert_fact("r", {"sid": "0", "id": f"a{q}{t}", "k": "a", "q": q, "t": t})
        return fired

    covered_open = {"$and": [{"k": "b"}, {"q": {"a": "q"}}, {"open": True}]}
    covered_until = {"$and": [{"k": "b"}, {"q": {"a": "q"}}, {"$gte": {"end": {"a": "t"}}}]}
    assert run([covered_open, covered_until]) == [2, 3]
    assert run([{"$or": [covered_open, covered_until]}]) != [2, 3]


@pytest.mark.requires_monitor
def test_or_fires_the_action_once_per_branch() -> None:
    fired: list[int] = []
    host = _host({"x": {"all": [{"m": {"$and": [{"k": "x"}, {"$or": [{"$ex": {"a": 1}}, {"b": 1}]}]}}],
                        "run": lambda c: fired.append(1)}})
    host.assert_fact("r", {"sid": "0", "id": "f", "k": "x", "a": 1, "b": 1})
    assert len(fired) == 2


@pytest.mark.requires_monitor
def test_the_monitors_host_starts_no_threads() -> None:
    before = threading.active_count()
    host = _host({"a": {"all": [{"m": {"k": "x"}}], "run": lambda c: None}})
    host.assert_fact("r", {"sid": "0", "id": "f", "k": "x"})
    assert threading.active_count() == before


@pytest.mark.requires_monitor
def test_510_alternatives_work() -> None:
    host = _host({f"r{i}": {"all": [{"m": {"$and": [{"k": "x"}, {"n": i}]}}], "run": lambda c: None}
                  for i in range(510)})
    host.assert_fact("r", {"sid": "0", "id": "f", "k": "x", "n": 3})


HANGS = {
    "540 alternatives in one ruleset": """
        defs = {f"r{i}": {"all": [{"m": {"$and": [{"k": "x"}, {"n": i}]}}], "run": lambda c: None} for i in range(540)}
    """,
    "a pattern that only tests $nex": """
        defs = {"a": {"all": [{"m": {"$nex": {"x": 1}}}], "run": lambda c: None}}
    """,
}


@pytest.mark.parametrize("name", list(HANGS))
@pytest.mark.requires_monitor
@pytest.mark.slow
def test_these_hang_on_the_first_assert(name: str) -> None:
    code = textwrap.dedent("""
        from engine.monitor.durable import make_host
        {defs}
        host = make_host({{"r": defs}})
        try:
            host.assert_fact("r", {{"sid": "0", "id": "f", "k": "x", "n": 3}})
        except Exception:
            pass
        print("returned")
    """).format(defs=textwrap.dedent(HANGS[name]).strip())
    with pytest.raises(subprocess.TimeoutExpired):
        subprocess.run([PY, "-c", code], cwd=ROOT, capture_output=True, timeout=3)


# --------------------------------------------------------------------------- isolation

BACKEND = "monitor/durable.py"  # the durable_rules backend: its only importer


def test_only_the_monitor_backend_imports_durable_rules() -> None:
    offenders = []
    for path in sorted((ROOT / "engine").rglob("*.py")):
        name = path.relative_to(ROOT / "engine").as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            if any(n.split(".")[0] in ("durable", "durable_rules_engine") for n in names) \
                    and name != BACKEND:
                offenders.append(name)
    assert offenders == []


BROKEN = "import sys; sys.modules['durable_rules_engine'] = None\n"  # as on Python 3.13: the import fails


def test_single_message_decisions_work_where_durable_rules_cannot_load() -> None:
    code = BROKEN + textwrap.dedent("""
        import json, sys
        from engine import Engine
        from engine.contract.identifiers import example_number
        import engine.cli, engine.steps.catalogue
        engine.steps.catalogue.all_steps()
        d = Engine.from_directory().evaluate({"tidspunkt": "2025-06-02T10:00", "melding": {
            "type": "foresporsel", "avsender": {"kategori": "kommune", "organisasjon": "Bergen kommune"},
            "mottakere": [{"kategori": "sykehus", "helseforetak": "Helse Bergen HF", "tjeneste": "Lungesykdommer"}],
            "pasient": {"id": example_number("fnr")}}, "kontekst": {"pasientstatus": "poliklinisk"}})
        print(d.decision, "durable" in sys.modules)
        from engine.monitor import Monitor, MonitorUnavailable
        try:
            Monitor()
        except MonitorUnavailable as exc:
            print("unavailable:", exc)
    """)
    out = subprocess.run([PY, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    first, second = out.stdout.strip().splitlines()
    assert first == "allow False"
    assert second.startswith("unavailable: the conversation monitor needs durable_rules 2.0.28")
    assert "Single-message decisions" in second


def test_the_cli_says_why_the_monitor_cannot_run(tmp_path) -> None:
    events = tmp_path / "e.jsonl"
    events.write_text('{"hendelse": "klokke", "tidspunkt": "2026-01-01T00:00"}\n')
    code = BROKEN + f"from engine.cli import main; raise SystemExit(main(['monitor', 'replay', {str(events)!r}]))"
    out = subprocess.run([PY, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "durable_rules" in out.stderr and "Traceback" not in out.stderr
