"""The robustness campaign of issue 12, repeatable: hostile inputs through every way in, and what they did.

    .venv/bin/python benchmarks/campaign.py [--inputs 20000] [--xml 4500] [--rounds 3] [--seed 12]

Parts (each prints its figures; timings are medians over ``--rounds``):

1. **Fuzzed requests** (``--inputs``): mutations of ``examples/*.json`` (a field replaced, removed
   or added; values such as times outside the calendar, Arabic-Indic digits, lone surrogates,
   control characters, 1,000 and 100,000 levels of nesting, 200,000 recipients, 200,000-character
   texts, 5,000-digit numbers, NaN, patient numbers as keys and values, wrong types) through the
   Python API, the command line (``dialogvakt evaluate`` over files, 1,000 per run) and the HTTP
   service (``POST /v1/decisions``). Counted: crashes (an exception other than InputError, a
   traceback, an HTTP 500), answers over 2 s, and patient numbers in any output or log.
2. **Fuzzed XML** (``--xml``): mutations of ``examples/xml/*.xml`` through the HTTP service, counted
   the same way.
3. **Hostile packs**: billion laughs, a self-referring alias, 5,000-deep nesting, dates that do not
   exist, a 5,000-digit number, a NUL, a tag, missing keys, a 5 MiB file. Each through
   ``dialogvakt validate`` (time, exit status, every problem with file:line:column) and hot reload
   while decisions are being served (refused with file:line, the serving revision unchanged).
4. **Slow clients**: 200 connections that send part of their headers and 200 that send part of their
   body; how long until the service has closed them, and ``/healthz`` latency meanwhile.
5. **The 200,000-recipient request** (0.6 MB): time to the 422, and ``/healthz`` latency while
   such requests are being refused; also a 17 MB XML with 25,000 OtherReceiver.

Needs nothing but this checkout. The machine and its load are printed with the figures.
"""

from __future__ import annotations

import argparse
import copy
import gc
import http.client
import json
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fault_kill import Service, free_port, machine

from engine import Engine, InputError
from engine.contract.identifiers import example_number

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "examples").glob("*.json"))]
XMLS = [(p.read_bytes(), json.loads(p.with_suffix(".kontekst.json").read_text(encoding="utf-8")))
        for p in sorted((ROOT / "examples" / "xml").glob("*.xml"))]
NUMBERS = [example_number(kind, seed=s) for s in range(1, 9) for kind in ("fnr", "dnr", "hnr", "fhn")]
SLOW = 2.0  # an answer slower than this counts as a hang


def number_found(blob: bytes) -> bool:
    return any(n.encode() in blob or f"{n[:6]} {n[6:]}".encode() in blob for n in NUMBERS)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


# --------------------------------------------------------------------------- generating hostile inputs

DEEP = "__deep_{}__"


def hostile_value(rng: random.Random) -> Any:
    number = rng.choice(NUMBERS)
    return rng.choice([
        "9999-12-31T23:59-05:00", "0001-01-01T00:30+02:00", "٢٠٢٥-٠٥-٢٨", "2025-13-45", "2025-02-30",
        "\ud800", "a\udfffb", "nul\x00", "esc\x1b[31m", number, f"{number[:6]} {number[6:]}", f"MSG-{number}",
        DEEP.format(1_000), DEEP.format(100_000), DEEP.format(40), [{}] * 200_000, "x" * 200_000,
        "__bigint__", float("nan"), float("inf"), -1, 2 ** 70, True, None, [], {}, {"a": {"b": {"c": 1}}},
        ["sykehus"], [[[[["x"]]]]], "sykehus", "foresporsel", "", " ", "2025-06-02T10:00", {number: number},
    ])


def mutate(doc: Any, rng: random.Random) -> Any:
    doc = copy.deepcopy(doc)
    for _ in range(rng.randint(1, 3)):
        places: list[tuple[Any, Any]] = []
        stack = [doc]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                places += [(node, k) for k in node]
                stack += [v for v in node.values() if isinstance(v, dict) or (isinstance(v, list) and len(v) < 100)]
            elif isinstance(node, list) and len(node) < 100:
                places += [(node, i) for i in range(len(node))]
                stack += [v for v in node if isinstance(v, (dict, list))]
        if not places:
            break
        parent, key = rng.choice(places)
        op = rng.random()
        if op < 0.6:
            parent[key] = hostile_value(rng)
        elif op < 0.8:
            del parent[key]
        elif isinstance(parent, dict):
            parent[rng.choice([*NUMBERS, "ukjent", "\ud800", "k" * 500])] = hostile_value(rng)
        else:
            parent.append(hostile_value(rng))
    return doc


def nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


def as_python(doc: Any) -> Any:
    """The document with its markers made into what they stand for: deep nesting, a 5,000-digit number."""
    if isinstance(doc, str):
        m = re.fullmatch(r"__deep_(\d+)__", doc)
        return nested(int(m.group(1))) if m else 10 ** 5000 if doc == "__bigint__" else doc
    if isinstance(doc, dict):
        return {k: as_python(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [as_python(v) for v in doc] if len(doc) < 1000 else doc
    return doc


def as_json(doc: Any) -> bytes:
    """The document as JSON bytes (lone surrogates as escapes), the markers for deep nesting and a
    5,000-digit number written out."""
    text = json.dumps(doc, ensure_ascii=True, allow_nan=True, default=str)
    text = re.sub(r'"__deep_(\d+)__"', lambda m: "[" * int(m.group(1)) + "]" * int(m.group(1)), text)
    text = text.replace('"__bigint__"', "9" * 5000)
    return text.encode("ascii")


def requests(n: int, seed: int) -> Iterator[Any]:
    rng = random.Random(seed)
    for i in range(n):
        yield mutate(EXAMPLES[i % len(EXAMPLES)], rng)


XML_SNIPPETS = [b"<", b">", b"&", b"&amp;", b"]]>", b"<![CDATA[x]]>", b"<x>", b"</x>", b"\x00", b"\xff\xfe",
                b"<!DOCTYPE x [<!ENTITY a 'b'>]>", b"&a;", b"<div>" * 5_000, b"</div>" * 3, b"<OtherReceiver/>" * 50]


def xmls(n: int, seed: int) -> Iterator[tuple[bytes, dict[str, Any]]]:
    rng = random.Random(seed)
    for i in range(n):
        xml, context = XMLS[i % len(XMLS)]
        for _ in range(rng.randint(1, 3)):
            at, cut = rng.randrange(len(xml)), rng.randint(0, 30)
            snippet = rng.choice([*XML_SNIPPETS, rng.choice(NUMBERS).encode(), bytes(rng.randrange(256) for _ in
                                                                                     range(rng.randint(1, 8)))])
            xml = xml[:at] + snippet + xml[at + cut:]
        if rng.random() < 0.3:
            xml = re.sub(rb'encoding="[^"]*"', b'encoding="' + rng.choice(
                [b"x-nope", b"UTF-7", b"utf-16", b"latin-1", b"UTF-8"]) + b'"', xml, count=1)
        yield xml, context


# --------------------------------------------------------------------------- a small HTTP client

def post(port: int, path: str, body: bytes, media: str, timeout: float = 60) -> tuple[int, bytes, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.perf_counter()
    try:
        conn.request("POST", path, body, {"content-type": media})
        response = conn.getresponse()
        return response.status, response.read(), time.perf_counter() - started
    finally:
        conn.close()


def get(port: int, path: str) -> tuple[int, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.perf_counter()
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    finally:
        conn.close()


class HealthProbe:
    """GET /healthz every 20 ms on its own thread, while something else happens; the latencies."""

    def __init__(self, port: int):
        self.port, self.latencies, self.stop = port, [], threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stop.is_set():
            status, latency = get(self.port, "/healthz")
            self.latencies.append(latency if status == 200 else float("inf"))
            time.sleep(0.02)

    def __enter__(self) -> HealthProbe:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(30)

    def summary(self) -> str:
        data = sorted(self.latencies) or [float("nan")]
        return f"/healthz median {ms(statistics.median(data))}, max {ms(data[-1])} over {len(data)} probes"


# --------------------------------------------------------------------------- parts

def part_api(docs: list[Any]) -> dict[str, Any]:
    engine = Engine.from_directory()
    outcomes: Counter[str] = Counter()
    slow, leaks, times = 0, 0, []
    for doc in docs:
        request = as_python(doc)
        started = time.perf_counter()
        try:
            out = json.dumps(engine.evaluate(request).to_dict(), ensure_ascii=False).encode("utf-8")
            outcomes["decision"] += 1
        except InputError as exc:
            out = str(exc).encode("utf-8")
            outcomes["input error"] += 1
        except Exception as exc:  # a crash: what the campaign is looking for
            out = b""
            outcomes[f"crash {type(exc).__name__}"] += 1
        elapsed = time.perf_counter() - started
        times.append(elapsed)
        slow += elapsed > SLOW
        leaks += number_found(out)
    return {"outcomes": outcomes, "slow": slow, "leaks": leaks, "max": max(times),
            "median": statistics.median(times)}


def part_cli(docs: list[Any], folder: Path) -> dict[str, Any]:
    outcomes: Counter[str] = Counter()
    leaks, per_file = 0, []
    for start in range(0, len(docs), 1000):
        chunk = folder / f"chunk-{start}"
        chunk.mkdir()
        files = []
        for i, doc in enumerate(docs[start:start + 1000]):
            path = chunk / f"{i:04d}.json"
            path.write_bytes(as_json(doc))
            files.append(str(path))
        began = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "engine", "evaluate", "--format", "json", *files],
                              capture_output=True, cwd=ROOT, timeout=1800)
        per_file.append((time.perf_counter() - began) / len(files))
        if b"Traceback" in proc.stderr or proc.returncode not in (0, 2):
            outcomes["crash (traceback or exit status)"] += 1
        leaks += number_found(proc.stdout + proc.stderr)
        for item in json.loads(proc.stdout or b"[]"):
            outcomes["input error" if "error" in item else "decision"] += 1
    return {"outcomes": outcomes, "leaks": leaks, "per_file": statistics.median(per_file)}


def part_http(port: int, bodies: Iterator[tuple[str, bytes, str]], log: Path) -> dict[str, Any]:
    statuses: Counter[int] = Counter()
    slow, leaks, times = 0, 0, []
    for path, body, media in bodies:
        status, answer, elapsed = post(port, path, body, media)
        statuses[status] += 1
        times.append(elapsed)
        slow += elapsed > SLOW
        leaks += number_found(answer)
    text = log.read_bytes()
    return {"statuses": statuses, "slow": slow, "leaks": leaks + number_found(text),
            "tracebacks": text.count(b"Traceback"), "median": statistics.median(times), "max": max(times)}


HOSTILE_PACKS: dict[str, Callable[[str], str]] = {
    "billion laughs (9 x 10 aliases)": lambda t: t + "\n".join(
        ['l0: &l0 ["ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha"]']
        + [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 9)]) + "\n",
    "x: &a [*a]": lambda t: t + "x: &a [*a]\n",
    "5,000-deep nesting": lambda t: t + "deep: " + "[" * 5000 + "]" * 5000 + "\n",
    "valid_from: 2025-13-45": lambda t: re.sub(r"\nvalid_from: .*", "\nvalid_from: 2025-13-45", t),
    'valid_from: "2025-02-30"': lambda t: re.sub(r"\nvalid_from: .*", '\nvalid_from: "2025-02-30"', t),
    "a 5,000-digit number": lambda t: t + "big: " + "9" * 5000 + "\n",
    "a NUL character": lambda t: t.replace("\ntitle:", "\ntitle: \x00", 1),
    "!!python/object tag": lambda t: t + "x: !!python/object/apply:os.system [ls]\n",
    "no document": lambda t: re.sub(r"\ndocument:\n(  .*\n)+", "\n", t, count=1),
    "a 5 MiB file": lambda t: t + "# " + "x" * (5 * 1024 * 1024) + "\n",
}


def part_packs(workdir: Path, rounds: int) -> list[str]:
    lines = []
    source = ROOT / "policies" / "helse-bergen-d81023"
    policies = workdir / "policies"
    shutil.copytree(source, policies / source.name)
    service = Service(workdir, free_port(), ("--policies", str(policies)))
    service.start()
    pack_yaml = policies / source.name / "pack.yaml"
    original = pack_yaml.read_text(encoding="utf-8")
    request = json.dumps(EXAMPLES[1]).encode()
    load_stop, answered = threading.Event(), Counter()

    def load() -> None:
        while not load_stop.is_set():
            answered[post(service.port, "/v1/decisions", request, "application/json")[0]] += 1

    loader = threading.Thread(target=load, daemon=True)
    loader.start()
    try:
        revision = json.loads(post(service.port, "/v1/decisions", request, "application/json")[1])["packs"][0][
            "revision"]
        for name, change in HOSTILE_PACKS.items():
            folder = workdir / "validate" / re.sub(r"\W+", "-", name)
            shutil.copytree(source, folder / source.name)
            (folder / source.name / "pack.yaml").write_text(change(original), encoding="utf-8")
            times, outcome = [], ""
            for _ in range(rounds):
                began = time.perf_counter()
                proc = subprocess.run([sys.executable, "-m", "engine", "validate", str(folder)], capture_output=True,
                                      text=True, cwd=ROOT, timeout=600)
                times.append(time.perf_counter() - began)
                problems = [line for line in proc.stdout.splitlines() if ": feil [" in line]
                located = all(re.match(r".+\.yaml:\d+:\d+: feil", line) for line in problems)
                outcome = (f"exit {proc.returncode}, {len(problems)} problem(s), "
                           f"{'all with file:line:column' if problems and located else 'NOT LOCATED'}"
                           f"{', TRACEBACK' if 'Traceback' in proc.stderr else ''}")
            pack_yaml.write_text(change(original), encoding="utf-8")
            status, body, elapsed = post(service.port, "/v1/packs:reload", b"", "application/json")
            errors = json.loads(body).get("errors", [])
            reload_located = errors and all(re.search(r"\.yaml:\d+:\d+$", e["location"]) for e in errors)
            still = json.loads(post(service.port, "/v1/decisions", request, "application/json")[1])["packs"][0][
                "revision"] == revision
            lines.append(f"| {name} | {statistics.median(times):.2f} s | {outcome} | {status}, "
                         f"{'file:line' if reload_located else 'NOT LOCATED'}, {ms(elapsed)} | "
                         f"{'yes' if still else 'NO'} |")
        pack_yaml.write_text(original, encoding="utf-8")
    finally:
        load_stop.set()
        loader.join(30)
        service.stop()
    lines.append(f"Decisions answered during the reloads: {dict(answered)}")
    return lines


def slow_clients(port: int, phase: str, count: int = 200) -> tuple[float, int, str]:
    """``count`` connections that stop in their headers or their body; seconds until all are closed."""
    head = b"POST /v1/decisions HTTP/1.1\r\nHost: x\r\nX-Slow: "
    body = b"POST /v1/decisions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 900\r\n\r\n{"
    socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
    began = time.perf_counter()
    with HealthProbe(port) as probe:
        for s in socks:
            s.sendall(head if phase == "headers" else body)
            s.settimeout(120)
        answers = []
        for s in socks:
            data = b""
            try:
                while chunk := s.recv(4096):
                    data += chunk
            except OSError:
                pass
            answers.append(data)
    took = time.perf_counter() - began
    for s in socks:
        s.close()
    return took, sum(a.startswith(b"HTTP/1.1 408") for a in answers), probe.summary()


def part_big(port: int, rounds: int) -> list[str]:
    request = copy.deepcopy(EXAMPLES[0])
    request["melding"]["mottakere"] = [{}] * 200_000
    body = json.dumps(request).encode()
    times, statuses = [], Counter()
    with HealthProbe(port) as probe:
        for _ in range(max(11, rounds * 4)):
            status, _, elapsed = post(port, "/v1/decisions", body, "application/json")
            statuses[status] += 1
            times.append(elapsed)
    lines = [f"- 200,000 recipients ({len(body) / 1e6:.1f} MB): {dict(statuses)}, median {ms(statistics.median(times))}"
             f", max {ms(max(times))} over {len(times)} requests; meanwhile {probe.summary()}"]
    xml = XMLS[2][0]
    other = re.search(rb"<OtherReceiver>.*?</OtherReceiver>", xml, re.S)
    if other:
        big = xml.replace(other.group(0), other.group(0) * 25_000, 1)
        with HealthProbe(port) as probe:
            status, _, elapsed = post(port, "/v1/decisions", big, "application/xml", timeout=120)
        lines.append(f"- XML with 25,000 OtherReceiver ({len(big) / 1e6:.1f} MB): {status} in {elapsed:.2f} s; "
                     f"meanwhile {probe.summary()}")
    return lines


# --------------------------------------------------------------------------- main

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=20_000)
    parser.add_argument("--xml", type=int, default=4_500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--skip", action="append", default=[], choices=["api", "cli", "http", "xml", "packs",
                                                                          "slow", "big"])
    args = parser.parse_args()
    print(f"machine: {machine()}")
    docs = list(requests(args.inputs, args.seed))
    # the inputs hold hundreds of 200,000-item lists: out of the collector's sight, so that its passes over
    # them are not counted as the engine's time
    gc.freeze()
    with tempfile.TemporaryDirectory(prefix="dialogvakt-campaign-") as tmp:
        work = Path(tmp)
        if "api" not in args.skip:
            r = part_api(docs)
            print(f"\n1a. Python API, {len(docs):,} inputs: {dict(r['outcomes'])}; over {SLOW:g} s: {r['slow']}; "
                  f"patient numbers in outputs: {r['leaks']}; median {ms(r['median'])}, max {ms(r['max'])}")
        if "cli" not in args.skip:
            (work / "cli").mkdir()
            r = part_cli(docs, work / "cli")
            print(f"1b. command line, {len(docs):,} inputs in runs of 1,000 files: {dict(r['outcomes'])}; "
                  f"patient numbers printed: {r['leaks']}; {ms(r['per_file'])} per file (median of the runs)")
        service = Service(work / "service", free_port(), ("--header-timeout", "10", "--body-timeout", "30"))
        service.workdir.mkdir()
        service.start()
        try:
            if "http" not in args.skip:
                r = part_http(service.port, (("/v1/decisions", as_json(d), "application/json") for d in docs),
                              service.workdir / "service.log")
                print(f"1c. HTTP, {len(docs):,} inputs: {dict(sorted(r['statuses'].items()))}; over {SLOW:g} s: "
                      f"{r['slow']}; tracebacks in the log: {r['tracebacks']}; patient numbers in answers or the log: "
                      f"{r['leaks']}; median {ms(r['median'])}, max {ms(r['max'])}")
            if "xml" not in args.skip:
                bodies = ((("/v1/decisions", json.dumps({"xml": x.decode("utf-8", "replace"), **c}).encode(),
                            "application/json") if i % 2 else ("/v1/decisions", x, "application/xml"))
                          for i, (x, c) in enumerate(xmls(args.xml, args.seed)))
                r = part_http(service.port, bodies, service.workdir / "service.log")
                print(f"2. XML through HTTP, {args.xml:,} inputs: {dict(sorted(r['statuses'].items()))}; over "
                      f"{SLOW:g} s: {r['slow']}; tracebacks: {r['tracebacks']}; patient numbers: {r['leaks']}; "
                      f"median {ms(r['median'])}, max {ms(r['max'])}")
            if "slow" not in args.skip:
                for phase in ("headers", "body"):
                    took, cut, health = slow_clients(service.port, phase)
                    print(f"4. 200 clients stopping in their {phase}: {cut} answered 408 and all closed after "
                          f"{took:.1f} s (timeout {10 if phase == 'headers' else 30} s); meanwhile {health}")
            if "big" not in args.skip:
                print("5.", "\n".join(part_big(service.port, args.rounds)))
        finally:
            service.stop()
        if "packs" not in args.skip:
            print("\n3. hostile packs (validate: median of the rounds; reload while decisions are served)")
            print("| pack | validate | validate says | hot reload | serving revision kept |\n|---|---|---|---|---|")
            (work / "packs").mkdir()
            print("\n".join(part_packs(work / "packs", args.rounds)))


if __name__ == "__main__":
    main()
