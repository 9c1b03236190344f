"""Many requests through the engine in constant memory: JSON Lines in, decisions out, in input order.

    for answer in run_batch(read_lines(stream), EngineSpec(policies, allow_synthetic_ids=True), workers=2):
        out.write(answer.document + "\\n")

``ordered_map`` is the streaming path every loop over a corpus shares (``dialogvakt batch``, ``diff``):
the items are pulled lazily, cut into chunks and evaluated by a pool of worker processes that each
build their own work function once (from a picklable factory: the pack folder and options, never an
engine); at most ``in_flight`` chunks are out at a time, and results come back in input order. With
one worker everything runs in this process, one item at a time.

A line that is not a request in the input contract gives its own answer (``linje N: $.path: …``, in
bokmål, patient numbers masked) where its decision would have been; the other lines are answered.
"""

from __future__ import annotations

import collections
import functools
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NamedTuple, TypeVar

import orjson

from ..contract.bokmal import label
from ..contract.errors import InputError
from ..contract.identifiers import redact_numbers
from ..lang.loader import DataError, parse_data
from .engine import Engine, UnknownPackError

T = TypeVar("T")
R = TypeVar("R")

CHUNK_SIZE = 256          # lines a worker takes at a time
IN_FLIGHT_PER_WORKER = 2  # chunks out per worker: one being worked on, one waiting


def default_workers() -> int:
    """Every core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - no sched_getaffinity (macOS, Windows)
        return os.cpu_count() or 1


# --------------------------------------------------------------------------- the streaming path

_WORK: Callable[[Any], Any] | None = None  # a worker process's work function, built once by _start


def _start(factory: Callable[[], Callable[[Any], Any]]) -> None:
    global _WORK
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the process that reads and writes
    _WORK = factory()


def _run_chunk(chunk: list[Any]) -> list[Any]:
    assert _WORK is not None, "the worker was not started"
    work = _WORK
    return [work(item) for item in chunk]


def _context() -> multiprocessing.context.BaseContext:
    """fork on Linux when this process runs one thread (the command line): a worker starts in milliseconds,
    with the modules already imported. Elsewhere, or beside other threads (a fork could inherit a lock one
    of them holds), spawn: a clean interpreter that imports what it needs."""
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def ordered_map(factory: Callable[[], Callable[[T], R]], items: Iterable[T], *, workers: int = 1,
                chunk_size: int = CHUNK_SIZE, in_flight: int | None = None) -> Generator[R, None, None]:
    """``work(item)`` for each item, in input order, where ``work = factory()`` is built once per worker.

    With ``workers`` > 1 the items go in chunks of ``chunk_size`` to that many processes, and at most
    ``in_flight`` chunks (default two per worker) are read ahead of the result being given back: memory
    stays the same whatever the number of items. The factory, the items and the results must pickle.
    Where the workers are spawned (see ``_context``), a script that calls this needs the
    ``if __name__ == "__main__":`` guard multiprocessing asks for.
    """
    if workers <= 1:
        work = factory()
        for item in items:
            yield work(item)
        return
    limit = max(1, in_flight if in_flight is not None else IN_FLIGHT_PER_WORKER * workers)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_context(), initializer=_start, initargs=(factory,))
    pending: collections.deque[Future[list[R]]] = collections.deque()
    try:
        for chunk in _chunks(items, max(1, chunk_size)):
            pending.append(pool.submit(_run_chunk, chunk))
            if len(pending) >= limit:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# --------------------------------------------------------------------------- JSON Lines of requests

MAX_LINE = 20 * 1024 * 1024  # bytes in one line, as in one HTTP request body; a longer line is not kept


class Line(NamedTuple):
    number: int   # 1-based, counting blank lines
    raw: bytes
    too_long: bool = False  # longer than MAX_LINE: raw is its start only


def read_lines(stream: IO[bytes] | Iterable[bytes], max_line: int = MAX_LINE) -> Iterator[Line]:
    """The non-blank lines of a binary stream, lazily, with their line numbers. Of a line longer than
    ``max_line`` (from a stream with ``readline``) only the start is kept; the rest is read past."""
    readline = getattr(stream, "readline", None)
    if readline is None:
        for number, raw in enumerate(stream, start=1):
            if raw.strip():
                yield Line(number, raw)
        return
    number = 0
    while True:
        raw = readline(max_line + 1)
        if not raw:
            return
        number += 1
        if len(raw) > max_line and not raw.endswith(b"\n"):
            while True:  # the rest of the line, a piece at a time
                rest = readline(1024 * 1024)
                if not rest or rest.endswith(b"\n"):
                    break
            yield Line(number, raw[:64], too_long=True)
        elif raw.strip():
            yield Line(number, raw)


class Answer(NamedTuple):
    """What one line gave: a decision (``decision`` set) or a problem (``error`` set); ``document`` is the
    JSON text written for it."""

    number: int
    decision: str | None
    document: str
    error: str | None = None
    size: int = 0  # bytes of the line read, for progress


@dataclass(frozen=True)
class EngineSpec:
    """How a worker builds its Engine: the pack folder (None: the bundled packs) and the options."""

    policies: str | None = None
    allow_synthetic_ids: bool = False

    def build(self) -> Engine:
        return Engine.from_directory(self.policies, allow_synthetic_ids=self.allow_synthetic_ids)


def problem(number: int, path: str, message: str, column: int | None = None, size: int = 0) -> Answer:
    """A bad line's answer: ``{"line": N, "path": "$…", "error": "linje N: $…: …"}``, numbers masked."""
    where = f"linje {number}" + (f", kolonne {column}" if column else "")
    path, text = redact_numbers(path), redact_numbers(f"{where}: {path}: {message}")
    doc = {"line": number, "path": path, "error": text}
    return Answer(number, None, orjson.dumps(doc).decode(), text, size)


def message_time(request: Any) -> str:
    """``--at message``: the message's own time, ``melding.sendt``."""
    sent = request.get("melding", {}).get("sendt") if isinstance(request, dict) else None
    if not isinstance(sent, str) or not sent:
        raise InputError("$.melding.sendt", "mangler; --at message vurderer meldingen på sitt sendt-tidspunkt")
    return sent


class Evaluator:
    """A worker's work function: one line of JSON to its answer, with an engine built once."""

    def __init__(self, engine: Engine, pack: str | tuple[str, ...] | None = None, at: str | None = None):
        self.engine, self.pack, self.at = engine, pack, at

    def __call__(self, line: Line) -> Answer:
        number, raw, too_long = line
        size = len(raw)
        if too_long:
            return problem(number, "$", f"linjen er lengre enn {MAX_LINE // (1024 * 1024)} MiB og er ikke lest",
                           size=size)
        try:
            text = raw.rstrip(b"\r\n").decode("utf-8")
        except UnicodeDecodeError:
            return problem(number, "$", "er ikke UTF-8-tekst", size=size)
        try:
            request = parse_data(text, "", line=number)
        except DataError as exc:
            return problem(number, "$", exc.message, exc.column, size=size)
        try:
            at = message_time(request) if self.at == "message" else self.at
            decision = self.engine.evaluate(request, pack=self.pack, at=at)
        except InputError as exc:
            return problem(number, exc.path, exc.message, size=size)
        except UnknownPackError as exc:
            return problem(number, "$", str(exc), size=size)
        return Answer(number, decision.decision, decision.to_json(), None, size)


def evaluator(spec: EngineSpec, pack: str | tuple[str, ...] | None, at: str | None) -> Evaluator:
    """A worker's evaluator (the factory ``ordered_map`` calls once in each worker)."""
    return Evaluator(spec.build(), pack, at)


def run_batch(lines: Iterable[Line], spec: EngineSpec, *, pack: str | tuple[str, ...] | None = None,
              at: str | None = None, workers: int = 1, engine: Engine | None = None,
              chunk_size: int = CHUNK_SIZE, in_flight: int | None = None) -> Generator[Answer, None, None]:
    """An answer for each line, in input order. ``engine``, when given, serves the in-process path (one
    worker) instead of building another."""
    if workers <= 1 and engine is not None:
        built = engine
        factory: Callable[[], Evaluator] = lambda: Evaluator(built, pack, at)  # noqa: E731
    else:
        factory = functools.partial(evaluator, spec, pack, at)
    return ordered_map(factory, lines, workers=workers, chunk_size=chunk_size, in_flight=in_flight)


# --------------------------------------------------------------------------- the summary

OUTCOMES = ("allow", "deny", "indeterminate", "not_applicable")


@dataclass
class Summary:
    """What a batch gave: lines read, decisions by outcome, bad lines, time taken."""

    read: int = 0
    decisions: collections.Counter[str] = field(default_factory=collections.Counter)
    bad: int = 0
    started: float = field(default_factory=time.perf_counter)
    elapsed: float = 0.0

    def add(self, answer: Answer) -> None:
        self.read += 1
        if answer.decision is None:
            self.bad += 1
        else:
            self.decisions[answer.decision] += 1

    def stop(self) -> None:
        self.elapsed = time.perf_counter() - self.started

    @property
    def rate(self) -> float:
        decided = sum(self.decisions.values())
        return decided / self.elapsed if self.elapsed > 0 else 0.0

    def text(self) -> str:
        """One line in bokmål: ``Lest 3000 linjer: 2990 avgjørelser (tillatt …), 10 feil linjer; 3,2 s, …``."""
        counts = ", ".join(f"{label('decision', o)} {self.decisions.get(o, 0)}" for o in OUTCOMES)
        decided = sum(self.decisions.values())
        seconds = f"{self.elapsed:.1f}".replace(".", ",")  # a decimal comma
        return (f"Lest {self.read} linjer: {decided} avgjørelser ({counts}), {self.bad} feil linjer; "
                f"{seconds} s, {self.rate:.0f} avgjørelser/s")

    def to_dict(self) -> dict[str, Any]:
        return {"read": self.read, "decisions": {o: self.decisions.get(o, 0) for o in OUTCOMES},
                "bad_lines": self.bad, "elapsed_s": round(self.elapsed, 3), "decisions_per_s": round(self.rate, 1)}


def path_size(path: str | Path) -> int | None:
    """The size of a regular file, for a progress bar with an end; None for a pipe or standard input."""
    try:
        p = Path(path)
        return p.stat().st_size if p.is_file() else None
    except OSError:
        return None


__all__ = ["Answer", "EngineSpec", "Evaluator", "Line", "Summary", "default_workers", "ordered_map", "read_lines",
           "run_batch"]
