"""Dialogvakt against other rule engines on the same logic, interleaved in one process.

    .venv/bin/python benchmarks/bench_peers.py [--rounds 7] [--chunk 100] [--messages 3000] [--no-pin] [--json FILE]
    .venv/bin/python benchmarks/bench_peers.py --show python|jsonlogic|zen-expression|zen-table

The logic is D81023's 20 value rules and its validity window (``benchmarks/peers/logic.py``: which
rules and why), translated from the compiled pack for each peer (``benchmarks/peers/``). Every
side decides the same 3,000 corpus messages; before timing, the script checks that every side
gives exactly Dialogvakt's answer (decision, validity, fired rules) for every message, and stops
if one does not. Each round then times every side over all messages, interleaved: every side
evaluates the first 100 messages, then every side the next 100, and so on, in an order that
turns by one place each time. The figures are medians over rounds, in µs per evaluation; the
ratios divide a side's median by that of ``evaluate()`` and of zen-engine's expression.

What one timed call includes:

- ``dialogvakt evaluate()``: ``Engine.evaluate(request, pack=...)`` on the request as JSON gives
  it: validation, facts and derived facts, the rules, and the whole decision (reasons, advice,
  obligations with their dates, suggestions, citations, the facts each finding saw, missing
  inputs, validity advice).
- ``dialogvakt decide(facts)``: ``Engine.decide(facts, pack=...)`` on facts derived beforehand
  (``Engine.facts``): the rules and the whole decision.
- ``dialogvakt rules``: ``evaluate_pack(program, facts)``: the rules, the pack's decision and
  validity, the fired and undecided rules; no texts. The like-for-like row for the peers.
- the peers: one evaluation on an input prepared beforehand from Dialogvakt's derived facts
  (``Logic.prepare``), giving the decision, validity and fired rules. Neither validation nor fact
  derivation is in their figure; the row ``peer input`` shows what preparing it costs.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.peers import Logic, jsonlogic, load, peers, python_source, zen_expression, zen_table
from benchmarks.peers.logic import CORPUS, Answer
from engine import Engine
from engine.eval.engine import evaluate_pack
from engine.lang.tree import All

EVALUATE = "dialogvakt evaluate()"
ZEN = "zen-expression"
DATALOGIC = "datalogic"


@dataclasses.dataclass
class Side:
    name: str
    timed: str
    call: Callable[[Any], Any]
    inputs: Sequence[Any]
    answer: Callable[[Any], Answer] | None = None  # a result as an answer, for the check; None: not a decision
    same_logic: bool = True


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=False).stdout.strip()
    commit = subprocess.run(["git", "-C", str(Path(__file__).parent), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True, check=False).stdout.strip()
    return {"cpu": model or platform.processor() or platform.machine(), "nproc": nproc or str(os.cpu_count()),
            "python": platform.python_version(), "commit": commit or "?",
            "zen-engine": metadata.version("zen-engine"), "datalogic-py": metadata.version("datalogic-py"),
            "load_average_before": [round(x, 2) for x in os.getloadavg()]}


def sides(logic: Logic, requests: list[dict[str, Any]]) -> list[Side]:
    pack = logic.pack.id
    engine = Engine([logic.reference_pack()], allow_synthetic_ids=True)
    # every rule of the pack, text searches included: not the same logic, shows what the five cost
    whole = Engine([dataclasses.replace(logic.pack, scope=All(()))], allow_synthetic_ids=True)
    facts = [engine.facts(r) for r in requests]
    prepared = [logic.prepare(f.values) for f in facts]
    program = engine.programs[pack]

    def evaluate(request: dict[str, Any]) -> Any:
        return engine.evaluate(request, pack=pack)

    def decide(f: Any) -> Any:
        return engine.decide(f, pack=pack)

    def rules(values: dict[str, Any]) -> Any:
        return evaluate_pack(program, values)

    def evaluate_whole(request: dict[str, Any]) -> Any:
        return whole.evaluate(request, pack=pack)

    def peer_input(request: dict[str, Any]) -> Any:
        return logic.prepare(engine.facts(request).values)

    out = [
        Side(EVALUATE, "Engine.evaluate(request): validation, facts, rules, the whole decision with every explanation",
             evaluate, requests, logic.from_decision),
        Side("dialogvakt decide(facts)", "Engine.decide(facts): facts derived beforehand; rules, the whole decision",
             decide, facts, logic.from_decision),
        Side("dialogvakt rules", "evaluate_pack(program, facts): rules, pack decision, validity, fired rules; no texts",
             rules, [f.values for f in facts], logic.from_result),
    ]
    out.extend(Side(peer.name, peer.timed + " (input prepared beforehand)", peer.run,
                    [peer.adapt(p) for p in prepared], peer.read) for peer in peers(logic))
    out += [
        Side("peer input", "what the peers' figures leave out: Engine.facts(request) + Logic.prepare (not a decision)",
             peer_input, requests, None, same_logic=False),
        Side("dialogvakt evaluate(), 25 rules", "Engine.evaluate(request) with all 25 rules of the pack, the 5 text "
             "searches included (not the same logic)", evaluate_whole, requests, None, same_logic=False),
    ]
    return out


def check(logic: Logic, all_sides: list[Side]) -> int:
    """Every side's answer against Dialogvakt's full decision; the number of messages checked."""
    reference = next(s for s in all_sides if s.name == EVALUATE)
    read = reference.answer
    assert read is not None
    expected = [read(reference.call(x)) for x in reference.inputs]
    for side in all_sides:
        if side.answer is None:
            continue
        for index, x in enumerate(side.inputs):
            got = logic.shown(side.answer(side.call(x)))
            if got != expected[index]:
                raise SystemExit(f"{side.name} differs from Dialogvakt on message {index}: {got} != {expected[index]}")
    return len(expected)


def time_round(all_sides: list[Side], chunk: int, turn: int) -> dict[str, float]:
    """One round: µs per evaluation of each side over every message.

    The messages go in chunks; every side evaluates a chunk before the next chunk starts, in an
    order that turns by one place per chunk (and per round), so that all sides meet the machine in
    the same state as nearly as timing allows.
    """
    n = len(all_sides[0].inputs)
    spent = dict.fromkeys((s.name for s in all_sides), 0)
    clock = time.perf_counter_ns
    gc.collect()
    for index, start in enumerate(range(0, n, chunk)):
        shift = (turn + index) % len(all_sides)
        for side in all_sides[shift:] + all_sides[:shift]:
            call, inputs = side.call, side.inputs[start:start + chunk]
            t0 = clock()
            for x in inputs:
                call(x)
            spent[side.name] += clock() - t0
    return {name: ns / n / 1000 for name, ns in spent.items()}


def show(logic: Logic, what: str) -> str:
    if what == "python":
        return python_source.source(logic)[0]
    if what == "jsonlogic":
        return json.dumps(jsonlogic.rule(logic), ensure_ascii=False, indent=1)
    if what == "zen-expression":
        return zen_expression.expression(logic)
    if what == "zen-table":
        return json.dumps(zen_table.graph(logic), ensure_ascii=False, indent=1)
    raise SystemExit(f"--show: python, jsonlogic, zen-expression or zen-table, not {what}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--messages", type=int, default=0, help="the first N corpus messages (default: all)")
    parser.add_argument("--chunk", type=int, default=100, help="messages each side evaluates before the next side")
    parser.add_argument("--no-pin", action="store_true", help="do not pin the process to one core")
    parser.add_argument("--json", type=Path, help="also write the report as JSON to this file")
    parser.add_argument("--show", help="print one peer's translation of the logic and stop")
    args = parser.parse_args()
    logic = load()
    if args.show:
        print(show(logic, args.show))
        return
    host = machine()
    pinned = None
    if not args.no_pin:
        with contextlib.suppress(AttributeError, OSError):
            pinned = min(os.sched_getaffinity(0))
            os.sched_setaffinity(0, {pinned})
    requests = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    if args.messages:
        requests = requests[: args.messages]
    all_sides = sides(logic, requests)
    checked = check(logic, all_sides)
    times: dict[str, list[float]] = {s.name: [] for s in all_sides}
    for round_ in range(args.rounds):
        for name, us in time_round(all_sides, args.chunk, round_).items():
            times[name].append(us)
    host["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    median = {name: statistics.median(ts) for name, ts in times.items()}
    report = {"machine": host, "pinned_to_cpu": pinned, "messages": len(requests), "rounds": args.rounds,
              "chunk": args.chunk,
              "logic": {"pack": logic.pack.id, "rules": [r.id for r in logic.rules],
                        "left_out": dict(logic.excluded), "validity": [str(logic.pack.valid_from),
                                                                       str(logic.pack.valid_to)]},
              "answers_checked": checked,
              "sides": [{"name": s.name, "timed": s.timed, "same_logic": s.same_logic,
                         "us_median": round(median[s.name], 2), "us_min": round(min(times[s.name]), 2),
                         "us_max": round(max(times[s.name]), 2)} for s in all_sides]}
    print(render(report, median))
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def render(report: dict[str, Any], median: dict[str, float]) -> str:
    host = report["machine"]
    ev, zen, dl = median[EVALUATE], median[ZEN], median[DATALOGIC]
    lines = [
        f"Peers on the same logic: {report['logic']['pack']}, {len(report['logic']['rules'])} value rules "
        f"+ validity window; {report['messages']} corpus messages; {report['rounds']} rounds, each side in turn "
        f"on every {report['chunk']} messages; medians over rounds",
        f"machine: {host['cpu']}, nproc {host['nproc']}, Python {host['python']}, commit {host['commit']}; "
        f"zen-engine {host['zen-engine']}, datalogic-py {host['datalogic-py']}",
        f"load average before {host['load_average_before']}, after {host['load_average_after']}; "
        + (f"pinned to CPU {report['pinned_to_cpu']}" if report["pinned_to_cpu"] is not None else "not pinned"),
        f"answers: every side gave Dialogvakt's decision, validity and fired rules for all {report['answers_checked']} "
        "messages",
        "",
        f"{'side':34} {'µs/eval':>9} {'min–max':>15} {'evals/s':>9} {'/ evaluate()':>13} {'/ zen expr':>11}",
    ]
    for side in report["sides"]:
        us = side["us_median"]
        mark = "" if side["same_logic"] else "  *"
        lines.append(f"{side['name']:34} {us:9.2f} {side['us_min']:7.2f}–{side['us_max']:<7.2f} "
                     f"{1e6 / us:9,.0f} {us / ev:13.3f} {us / zen:11.2f}{mark}")
    lines += ["", "* not a decision on the same logic: shown for what it costs", ""]
    for side in report["sides"]:
        lines.append(f"{side['name']}: {side['timed']}")
    lines += ["",
              f"target (evaluate() with every explanation at least as fast as zen-engine's expression, then "
              f"datalogic-py's): zen {'MET' if ev <= zen else 'NOT MET'} ({ev:.1f} µs against {zen:.1f} µs, "
              f"{ev / zen:.1f}×), datalogic {'MET' if ev <= dl else 'NOT MET'} ({dl:.1f} µs, {ev / dl:.1f}×); "
              f"evaluate() gives {1e6 / ev:,.0f} decisions/s on one core (50,000 wanted)"]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
