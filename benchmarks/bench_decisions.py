"""Single-message decisions per second and per-decision latency, on one core.

    .venv/bin/python benchmarks/bench_decisions.py [--messages 2000] [--rounds 7] [--pack helse-bergen-d81023]

A fixed corpus of generated requests (seeded, so every run sees the same
messages) is evaluated in one thread. Each round times every decision; the
report gives the median over rounds of throughput and of p50/p99 latency, for
the decision alone and for the decision serialised to JSON (what a service
returns). Figures go in BENCHMARKS.md with the machine they were measured on.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import Engine
from engine.contract.identifiers import example_number

SERVICES = ["Lungesykdommer", "Hjertesykdommer", "Nevrologi", "PLO Innleggelse Somatikk", "Røntgen",
            "Laboratorium for klinisk biokjemi"]
MUNICIPAL = ["Sykepleiertjeneste", "Saksbehandling", "Ergoterapi, PLO", "Tannhelsetjenesten", "Kreftkoordinator"]
TEXTS = ["Lungesykdommer: Skal oksygenet brukes hele døgnet?", "Takk for meldingen", "Pas. har evt. økt pustebesvær.",
         "Hei, kan dere ringe meg om pasienten?", "Sykepleiertjeneste: Pasienten trenger sårstell to ganger daglig."]


def corpus(n: int, seed: int = 2025) -> list[dict]:
    rnd = random.Random(seed)
    numbers = {k: [example_number(k, seed=i) for i in range(50)] for k in ("fnr", "dnr", "hnr")}
    out = []
    for i in range(n):
        hospital = {"kategori": "sykehus", "organisasjon": "Haukeland universitetssjukehus",
                    "helseforetak": "Helse Bergen HF", "tjeneste": rnd.choice(SERVICES)}
        municipality = {"kategori": "kommune", "organisasjon": "Bergen kommune", "tjeneste": rnd.choice(MUNICIPAL)}
        sender, receiver = (municipality, hospital) if rnd.random() < 0.6 else (hospital, municipality)
        status = rnd.choice(["poliklinisk", "utskrevet", "utskrevet", "innlagt", "henvist", "ingen_kontakt"])
        kontekst: dict = {"pasientstatus": status}
        if status == "utskrevet":
            kontekst["utskrevet_dato"] = f"2025-05-{rnd.randint(1, 31):02d}"
        melding = {
            "id": f"m-{i}", "type": rnd.choice(["foresporsel", "foresporsel", "svar", "avvik"]),
            "avsender": sender, "mottakere": [receiver],
            "pasient": {"id": rnd.choice(numbers[rnd.choice(["fnr", "fnr", "fnr", "dnr", "hnr"])])},
            "tekst": rnd.choice(TEXTS),
        }
        if rnd.random() < 0.3:
            melding["formal"] = rnd.choice(["avklaring", "bekreftelse", "oyeblikkelig_hjelp", "rad", "administrativ"])
        if rnd.random() < 0.1:
            melding["vedlegg"] = [{"filnavn": "notat.pdf", "mimetype": "application/pdf"}]
        if rnd.random() < 0.05:
            kontekst = {}
        out.append({"tidspunkt": "2025-06-02T10:00:00+02:00", "melding": melding, "kontekst": kontekst})
    return out


def percentile(sorted_values: list[float], q: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def measure(engine: Engine, requests: list[dict], pack: str | None, serialise: bool) -> dict:
    timings = []
    clock = time.perf_counter_ns
    start = clock()
    for req in requests:
        t0 = clock()
        decision = engine.evaluate(req, pack=pack)
        if serialise:
            decision.to_json()
        timings.append(clock() - t0)
    total = (clock() - start) / 1e9
    timings.sort()
    return {"per_second": len(requests) / total, "p50_us": percentile(timings, 0.5) / 1000,
            "p99_us": percentile(timings, 0.99) / 1000}


def rules_only(engine: Engine, requests: list[dict], rounds: int) -> dict:
    """The rule step alone, in the same run: closures (three-valued) against the generated function."""
    from engine.contract.facts import prepare

    prepared = [prepare(r).values for r in requests]
    programs = list(engine.programs.values())

    def closures() -> None:
        for values in prepared:
            for program in programs:
                for test in program.tests:
                    test(values)

    def generated() -> None:
        for values in prepared:
            for program in programs:
                program.run(values)

    out = {}
    for label, fn in (("closures", closures), ("generated", generated)):
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) / len(prepared) * 1e6)
        out[label] = round(statistics.median(times), 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--pack", default=None, help="evaluate against one pack (default: scope selection)")
    args = parser.parse_args()
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, {0})  # one core
    engine = Engine.from_directory()
    requests = corpus(args.messages)
    outcomes: dict[str, int] = {}
    for req in requests:
        d = engine.evaluate(req, pack=args.pack).decision
        outcomes[d] = outcomes.get(d, 0) + 1
    report = {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
                         f"Python {platform.python_version()}",
              "packs": sorted(engine.packs), "messages": args.messages, "rounds": args.rounds,
              "outcomes": outcomes}
    for label, serialise in (("decision", False), ("decision+json", True)):
        runs = [measure(engine, requests, args.pack, serialise) for _ in range(args.rounds)]
        report[label] = {k: round(statistics.median(r[k] for r in runs), 1) for k in runs[0]}
    report["rules_only_us_per_message"] = rules_only(engine, requests, args.rounds)
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
