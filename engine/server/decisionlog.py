"""The decision log: every decision the service gives, written before the answer goes out.

A record holds when it was logged and evaluated, the packs with their
versions and revisions, the decision, the rules behind it (ids and guideline
sections, not the filled-in texts), a SHA-256 hash of the input and a
pseudonym of the patient (keyed HMAC with a site secret). The patient's
number is never stored; every text that goes in is also masked for anything
shaped like an 11-digit personal number.

Stores: SQLite (a file, WAL journal) or PostgreSQL (``postgresql://`` URL,
psycopg), behind a ``LogWriter``: the answer waits for the commit, so a
decision that was answered is in the log even if the process is killed the
moment after. With SQLite's default
here, ``synchronous=NORMAL``, a commit is written to the WAL without an fsync
and a checkpoint on its own thread syncs it every second: a power cut or a
crash of the machine can lose at most about that last second.
``?synchronous=full`` on the URL fsyncs every commit instead, at a cost in
latency measured in BENCHMARKS.md. Concurrent requests share commits (the
service's loop groups them for SQLite as shipped, ``LogWriter``'s thread for the
others); what a power cut can lose at each setting is in docs/scaling.md.

    log = open_log("sqlite:///var/lib/dialogvakt/decisions.sqlite")
    log.write_many([record_for(decision, request, secret=key, source="json")])
    log.query(since=..., pack="helse-bergen-d81023", decision="deny")
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import queue
import re
import secrets
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from ..contract.decision import Decision, Finding
from ..contract.identifiers import mask_in_text, pseudonym, redact_numbers

log = logging.getLogger("dialogvakt.decisionlog")

DEFAULT_DB = "dialogvakt.sqlite"
OSLO = ZoneInfo("Europe/Oslo")


class LogError(RuntimeError):
    """The decision log cannot be opened or written."""


# --------------------------------------------------------------------------- records

@dataclass(frozen=True)
class DecisionRecord:
    id: str
    logged_at: str  # UTC, ISO 8601
    evaluated_at: str  # the decision's evaluated_at (the request's tidspunkt)
    decision: str
    packs: list[dict[str, Any]]  # id, version, revision, decision, validity
    reasons: list[dict[str, Any]]  # rule, pack, section
    advice: list[dict[str, Any]]  # rule, pack, section
    obligations: list[dict[str, Any]]  # rule, pack, section, due
    missing: list[dict[str, Any]]  # fact, pack, decisive
    input_sha256: str
    patient: str | None  # pseudonym (HMAC-SHA256), never the number
    message_id: str | None
    source: str  # json | xml
    client: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def redact(text: str | None) -> str | None:
    """Mask anything shaped like an 11-digit personal number, check digits or not."""
    if text is None:
        return None
    return redact_numbers(text)


def mask_patient_numbers(document: Any) -> Any:
    """A copy of a JSON-like document where every text holding an 11-digit number with valid
    fødselsnummer check digits (fnr, D-, H-, FH-nummer, synthetic) has it masked.

    For documents sent out (a decision can quote free text, and free text can hold a number).
    """
    if isinstance(document, str):
        return mask_in_text(document)
    if isinstance(document, dict):
        return {k: mask_patient_numbers(v) for k, v in document.items()}
    if isinstance(document, list):
        return [mask_patient_numbers(v) for v in document]
    return document


def _select(mark: str, when: Callable[[dt.datetime], Any], since: dt.datetime | None, until: dt.datetime | None,
            pack: str | None, decision: str | None, patient: str | None, limit: int | None) -> tuple[str, list[Any]]:
    """The query behind DecisionLog.query for either store: ``mark`` is the driver's placeholder."""
    where: list[str] = []
    args: list[Any] = []
    for clause, value in (("logged_at >= {m}", None if since is None else when(since)),
                          ("logged_at < {m}", None if until is None else when(until)),
                          ("id IN (SELECT decision_id FROM decision_packs WHERE pack = {m})", pack or None),
                          ("decision = {m}", decision or None), ("patient = {m}", patient or None)):
        if value is not None:
            where.append(clause.format(m=mark))
            args.append(value)
    sql = f"SELECT {', '.join(_COLUMNS)}, seq FROM decisions" + (" WHERE " + " AND ".join(where) if where else "")
    if limit:
        sql = f"SELECT * FROM ({sql} ORDER BY seq DESC LIMIT {mark}) AS recent ORDER BY seq"
        args.append(int(limit))
    else:
        sql += " ORDER BY seq"
    return sql, args


def canonical_json(request: Any) -> bytes:
    return json.dumps(request, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def input_hash(request: Any) -> str:
    """SHA-256 (hex) of the request in canonical JSON (sorted keys, no spaces, UTF-8).

    A record system can recompute it from the request it sent to prove which
    input a logged decision was given for.
    """
    return hashlib.sha256(canonical_json(request)).hexdigest()


def _finding(f: Finding) -> dict[str, Any]:
    return {"rule": f.rule, "pack": f.pack, "section": redact(str(f.source.get("section", "")))}


def record_for(decision: Decision, request: Mapping[str, Any], *, secret: bytes, source: str,
               client: str | None = None, now: dt.datetime | None = None) -> DecisionRecord:
    """The log record of one decision. The patient's number goes in only as its keyed pseudonym."""
    melding = request.get("melding") if isinstance(request, Mapping) else None
    patient_id = None
    if isinstance(melding, Mapping) and isinstance(melding.get("pasient"), Mapping):
        number = melding["pasient"].get("id")
        if isinstance(number, str) and number.strip():
            patient_id = pseudonym(number, secret)
    logged = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    return DecisionRecord(
        id=str(uuid.uuid4()),
        logged_at=logged.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        evaluated_at=decision.evaluated_at.isoformat(),
        decision=decision.decision,
        packs=[{"id": p.id, "version": p.version, "revision": p.revision, "decision": p.decision,
                "validity": p.validity} for p in decision.packs],
        reasons=[_finding(f) for f in decision.reasons],
        advice=[_finding(f) for f in decision.advice],
        obligations=[{**_finding(f), "due": f.due} for f in decision.obligations],
        missing=[{"fact": m.fact, "pack": m.pack, "decisive": m.decisive} for m in decision.missing],
        input_sha256=input_hash(request),
        patient=patient_id,
        message_id=redact(decision.message_id),
        source=source,
        client=redact(client),
    )


# --------------------------------------------------------------------------- site secret

def load_secret(*, path: str | None = None, value: str | None = None, generate_at: Path | None = None) -> bytes:
    """The site secret for patient pseudonyms: from a file, a value, or a new file made once at ``generate_at``.

    Raises LogError when none is configured and none may be generated.
    """
    if path:
        try:
            data = Path(path).read_bytes().strip()
        except OSError as exc:
            raise LogError(f"kan ikke lese hemmeligheten i {path}: {exc.strerror}") from None
    elif value:
        data = value.encode("utf-8").strip()
    elif generate_at is not None:
        if generate_at.exists():
            data = generate_at.read_bytes().strip()
        else:
            data = secrets.token_hex(32).encode("ascii")
            generate_at.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(generate_at, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data + b"\n")
            log.warning("made a new pseudonym secret in %s; keep it apart from the decision log in production "
                        "(--secret-file)", generate_at)
    else:
        raise LogError("ingen hemmelighet for pseudonymer er satt opp (--secret-file eller DIALOGVAKT_SECRET)")
    if len(data) < 16:
        raise LogError("hemmeligheten for pseudonymer må være minst 16 byte")
    return data


# --------------------------------------------------------------------------- stores

_COLUMNS = ("id", "logged_at", "evaluated_at", "decision", "packs", "reasons", "advice", "obligations",
            "missing", "input_sha256", "patient", "message_id", "source", "client")
_JSON_COLUMNS = ("packs", "reasons", "advice", "obligations", "missing")


class DecisionLog:
    """A store of decision records. Not thread-safe: use one per thread (``LogWriter`` owns its own)."""

    url: str

    def write_many(self, records: Sequence[DecisionRecord]) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def query(self, *, since: dt.datetime | None = None, until: dt.datetime | None = None,
              pack: str | None = None, decision: str | None = None, patient: str | None = None,
              limit: int | None = None) -> list[DecisionRecord]:  # pragma: no cover - interface
        raise NotImplementedError

    def count(self) -> int:  # pragma: no cover - interface
        raise NotImplementedError

    def ping(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError


def _rows(records: Sequence[DecisionRecord]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The rows of the decisions table (JSON columns as text) and of the decision_packs table."""
    rows = [tuple(orjson.dumps(getattr(r, c)).decode("utf-8") if c in _JSON_COLUMNS else getattr(r, c)
                  for c in _COLUMNS) for r in records]
    pack_rows = [(r.id, p["id"], p["version"], p["revision"], p["decision"]) for r in records for p in r.packs]
    return rows, pack_rows


def _aware(moment: dt.datetime) -> dt.datetime:
    """Times without a zone are Europe/Oslo, as everywhere in Dialogvakt."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=OSLO)


def _utc_text(moment: dt.datetime) -> str:
    return _aware(moment).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _row_to_record(row: Sequence[Any]) -> DecisionRecord:
    values = dict(zip(_COLUMNS, row, strict=True))
    for key in _JSON_COLUMNS:
        if isinstance(values[key], str):
            values[key] = json.loads(values[key])
    if isinstance(values["logged_at"], dt.datetime):
        values["logged_at"] = _utc_text(values["logged_at"])
    return DecisionRecord(**values)


# The same in both stores: which packs each decision used, and the indexes the queries rely on.
# The decisions table differs only in column types (TEXT against TIMESTAMPTZ/JSONB).
_PACKS_AND_INDEXES = """
    CREATE TABLE IF NOT EXISTS decision_packs (
        decision_id TEXT NOT NULL REFERENCES decisions(id),
        pack TEXT NOT NULL,
        version TEXT NOT NULL,
        revision TEXT NOT NULL,
        decision TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS decisions_logged_at ON decisions(logged_at);
    CREATE INDEX IF NOT EXISTS decisions_patient ON decisions(patient);
    CREATE INDEX IF NOT EXISTS decision_packs_pack ON decision_packs(pack, decision_id);
"""


class SqliteLog(DecisionLog):
    SCHEMA = """
    CREATE TABLE IF NOT EXISTS decisions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        logged_at TEXT NOT NULL,
        evaluated_at TEXT NOT NULL,
        decision TEXT NOT NULL,
        packs TEXT NOT NULL,
        reasons TEXT NOT NULL,
        advice TEXT NOT NULL,
        obligations TEXT NOT NULL,
        missing TEXT NOT NULL,
        input_sha256 TEXT NOT NULL,
        patient TEXT,
        message_id TEXT,
        source TEXT NOT NULL,
        client TEXT
    );
    """ + _PACKS_AND_INDEXES

    def __init__(self, path: str | Path, *, read_only: bool = False, synchronous: str = "normal"):
        self.path = Path(path)
        self.url = f"sqlite:///{self.path}" + ("" if synchronous == "normal" else f"?synchronous={synchronous}")
        if synchronous not in SYNC_MODES:
            raise LogError("synchronous må være full eller normal")
        self.synchronous = synchronous
        if read_only and not self.path.exists():
            raise LogError(f"beslutningsloggen {self.path} finnes ikke")
        if not self.path.exists():
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))  # private from the start
            except OSError as exc:
                raise LogError(f"{self.path}: kan ikke opprettes ({exc.strerror})") from None
        try:
            self.conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False, timeout=10)
            self.conn.execute("PRAGMA busy_timeout = 10000")
            if not read_only:
                mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise LogError(f"{self.path}: kunne ikke slå på WAL-journal (fikk {mode})")
                self.conn.execute(f"PRAGMA synchronous = {self.synchronous.upper()}")
                self.conn.executescript(self.SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise LogError(f"{self.path}: {exc}") from None

    def write_many(self, records: Sequence[DecisionRecord]) -> None:
        if not records:
            return
        rows, pack_rows = _rows(records)
        cur = self.conn.cursor()
        try:
            cur.execute("BEGIN IMMEDIATE")
            cur.executemany(f"INSERT INTO decisions ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                            rows)
            if pack_rows:
                cur.executemany("INSERT INTO decision_packs VALUES (?, ?, ?, ?, ?)", pack_rows)
            cur.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise

    def query(self, *, since: dt.datetime | None = None, until: dt.datetime | None = None,
              pack: str | None = None, decision: str | None = None, patient: str | None = None,
              limit: int | None = None) -> list[DecisionRecord]:
        sql, args = _select("?", _utc_text, since, until, pack, decision, patient, limit)
        return [_row_to_record(row[:len(_COLUMNS)]) for row in self.conn.execute(sql, args)]

    def count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM decisions").fetchone()[0])

    @property
    def commits_are_cheap(self) -> bool:
        """No fsync per commit: committing on the caller's thread costs less than handing it to another."""
        return self.synchronous == "normal"

    def checkpoint_elsewhere(self) -> None:
        """Leave WAL checkpoints to ``checkpoint`` on another connection, off the commit path."""
        self.conn.execute("PRAGMA wal_autocheckpoint = 0")

    def checkpoint(self) -> None:
        """Copy committed pages from the WAL into the database (PASSIVE: never blocks the writer)."""
        conn = sqlite3.connect(str(self.path), isolation_level=None, timeout=10)
        try:
            conn.execute(f"PRAGMA synchronous = {self.synchronous.upper()}")
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        finally:
            conn.close()

    def ping(self) -> None:
        self.conn.execute("SELECT 1").fetchone()

    def close(self) -> None:
        self.conn.close()


class PostgresLog(DecisionLog):
    SCHEMA = """
    CREATE TABLE IF NOT EXISTS decisions (
        seq BIGSERIAL PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        logged_at TIMESTAMPTZ NOT NULL,
        evaluated_at TEXT NOT NULL,
        decision TEXT NOT NULL,
        packs JSONB NOT NULL,
        reasons JSONB NOT NULL,
        advice JSONB NOT NULL,
        obligations JSONB NOT NULL,
        missing JSONB NOT NULL,
        input_sha256 TEXT NOT NULL,
        patient TEXT,
        message_id TEXT,
        source TEXT NOT NULL,
        client TEXT
    );
    """ + _PACKS_AND_INDEXES

    def __init__(self, url: str):
        try:
            import psycopg
        except ImportError:
            raise LogError("PostgreSQL trenger psycopg: pip install 'dialogvakt[postgres]'") from None
        self.url = re.sub(r"//[^@/]*@", "//***@", url)  # never show a password
        try:
            self.conn = psycopg.connect(url, autocommit=False, connect_timeout=10)
            with self.conn.cursor() as cur:
                cur.execute(self.SCHEMA)
            self.conn.commit()
        except psycopg.Error as exc:
            raise LogError(f"PostgreSQL {self.url}: {type(exc).__name__}") from None

    def write_many(self, records: Sequence[DecisionRecord]) -> None:
        if not records:
            return
        placeholders = ", ".join("%s::jsonb" if c in _JSON_COLUMNS else "%s" for c in _COLUMNS)
        rows, pack_rows = _rows(records)
        try:
            with self.conn.cursor() as cur:
                cur.executemany(f"INSERT INTO decisions ({', '.join(_COLUMNS)}) VALUES ({placeholders})", rows)
                if pack_rows:
                    cur.executemany("INSERT INTO decision_packs VALUES (%s, %s, %s, %s, %s)", pack_rows)
            self.conn.commit()
        except BaseException:
            self.conn.rollback()
            raise

    def query(self, *, since: dt.datetime | None = None, until: dt.datetime | None = None,
              pack: str | None = None, decision: str | None = None, patient: str | None = None,
              limit: int | None = None) -> list[DecisionRecord]:
        sql, args = _select("%s", _aware, since, until, pack, decision, patient, limit)
        with self.conn.cursor() as cur:
            cur.execute(sql, args)
            rows = cur.fetchall()
        self.conn.rollback()
        return [_row_to_record(row[:len(_COLUMNS)]) for row in rows]

    def count(self) -> int:
        with self.conn.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM decisions")
            row = cur.fetchone()
            assert row is not None  # COUNT(*) always answers with one row
            value = row[0]
        self.conn.rollback()
        return int(value)

    def ping(self) -> None:
        with self.conn.cursor() as cur:
            cur.execute("SELECT 1")
        self.conn.rollback()

    def close(self) -> None:
        self.conn.close()


SYNC_MODES = ("full", "normal")


def _sqlite_options(url: str) -> tuple[str, dict[str, str]]:
    """Split ``?synchronous=normal`` off a SQLite URL or path."""
    base, _, query = url.partition("?")
    options: dict[str, str] = {}
    for part in filter(None, query.split("&")):
        key, _, value = part.partition("=")
        if key != "synchronous" or value.lower() not in SYNC_MODES:
            raise LogError("en SQLite-URL kan bare ha ?synchronous=full eller ?synchronous=normal")
        options[key] = value.lower()
    return base, options


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (``sqlite:///relative``, ``sqlite:////absolute``) or plain path; None for others."""
    if url.startswith(("postgresql://", "postgres://")):
        return None
    url = _sqlite_options(url)[0]
    if url.startswith("sqlite://"):
        rest = url[len("sqlite://"):]
        if not rest.startswith("/"):
            raise LogError("en SQLite-URL skrives sqlite:///relativ/sti eller sqlite:////absolutt/sti")
        return Path(rest[1:])
    if "://" in url:
        raise LogError("ukjent database-URL; bruk en filsti, sqlite:///sti eller postgresql://…")
    return Path(url)


def open_log(url: str | None = None, *, read_only: bool = False) -> DecisionLog:
    """Open (and create) a decision log from a URL or file path; default ``dialogvakt.sqlite``."""
    url = url or os.environ.get("DIALOGVAKT_DB") or DEFAULT_DB
    path = sqlite_path(url)
    if path is None:
        return PostgresLog(url)
    return SqliteLog(path, read_only=read_only, synchronous=_sqlite_options(url)[1].get("synchronous", "normal"))


# --------------------------------------------------------------------------- the writer thread

@dataclass
class _Job:
    records: Sequence[DecisionRecord]
    future: concurrent.futures.Future[int] = field(default_factory=concurrent.futures.Future)  # records committed


class LogWriter:
    """Owns the store; commits what is submitted and says when it is committed.

    ``submit`` returns a future that completes when the records are committed
    (or fails with LogError). Where a commit is cheap (SQLite without an fsync
    per commit) it is done at once on the caller's thread, under a lock, and the
    future is already complete: handing it to another thread would cost two
    thread switches per request. Otherwise (an fsync per commit, PostgreSQL) a
    thread of its own commits whatever is queued in one transaction, so
    concurrent requests share one fsync or round trip. ``close`` writes what is
    queued first.
    """

    MAX_GROUP = 512
    CHECKPOINT_SECONDS = 1.0

    def __init__(self, opener: Callable[[], DecisionLog]):
        self._opener = opener
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._ready = threading.Event()
        self._stopped = threading.Event()
        self._store: DecisionLog | None = None
        self._inline = False
        self._inline_lock = threading.Lock()
        self._open_error: BaseException | None = None
        self.url = ""
        self.failures = 0
        self._thread = threading.Thread(target=self._run, name="dialogvakt-decisionlog", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._open_error is not None:
            raise self._open_error

    @property
    def inline(self) -> bool:
        """Whether ``submit`` commits on the caller's thread (and returns a future already complete)."""
        return self._inline

    def submit(self, records: Sequence[DecisionRecord]) -> concurrent.futures.Future[int]:
        if self._inline:
            return self._commit_here(list(records))
        job = _Job(list(records))
        self._queue.put(job)
        return job.future

    def ping(self) -> concurrent.futures.Future[int]:
        return self.submit([])

    def close(self, timeout: float = 30.0) -> None:
        with self._inline_lock:
            self._inline = False  # from now on through the queue, which the thread drains before closing
        self._queue.put(None)
        self._thread.join(timeout)

    def _commit_here(self, records: list[DecisionRecord]) -> concurrent.futures.Future[int]:
        future: concurrent.futures.Future[int] = concurrent.futures.Future()
        with self._inline_lock:
            if not self._inline:  # closing: hand over to the thread
                job = _Job(records, future)
                self._queue.put(job)
                return future
            failure = self._write(self._store, records)  # type: ignore[arg-type]
        if failure is not None:
            future.set_exception(LogError(failure))
        else:
            future.set_result(len(records))
        return future

    def _write(self, store: DecisionLog, records: list[DecisionRecord]) -> str | None:
        """Commit the records (or, with none, check the store answers); on failure, the message for the callers."""
        try:
            if records:
                store.write_many(records)
            else:
                store.ping()
        except BaseException as exc:
            self.failures += 1
            log.error("decision log write failed: %s", type(exc).__name__)
            return f"beslutningsloggen kunne ikke skrives ({type(exc).__name__})"
        return None

    def _run(self) -> None:
        try:
            store = self._opener()
            self._store = store
            self._inline = bool(getattr(store, "commits_are_cheap", False))
            self.url = store.url
        except BaseException as exc:  # reported to the constructor
            self._open_error = exc
            self._ready.set()
            return
        self._ready.set()
        stop = False
        checkpointer = None
        if isinstance(store, SqliteLog):
            # a checkpoint copies the WAL into the database and fsyncs it: tens of milliseconds once the
            # file is large. Done on its own thread, commits only append to the WAL.
            store.checkpoint_elsewhere()
            checkpointer = threading.Thread(target=self._checkpoints, args=(store,), daemon=True,
                                            name="dialogvakt-decisionlog-checkpoint")
            checkpointer.start()
        try:
            while not stop:
                first = self._queue.get()
                if first is None:
                    break
                jobs = [first]
                while len(jobs) < self.MAX_GROUP:
                    try:
                        nxt = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if nxt is None:
                        stop = True
                        break
                    jobs.append(nxt)
                records = [r for job in jobs for r in job.records]
                failure = self._write(store, records)
                for job in jobs:
                    if failure is not None:
                        job.future.set_exception(LogError(failure))
                    else:
                        job.future.set_result(len(job.records))
        finally:
            self._stopped.set()
            if checkpointer is not None:
                checkpointer.join(timeout=30)
            store.close()

    def _checkpoints(self, store: SqliteLog) -> None:
        while not self._stopped.wait(self.CHECKPOINT_SECONDS):
            try:
                store.checkpoint()
            except sqlite3.Error as exc:
                log.warning("decision log checkpoint failed: %s", type(exc).__name__)
        with contextlib.suppress(sqlite3.Error):
            store.checkpoint()


def records_text(records: Iterable[DecisionRecord]) -> str:
    """A plain table of records for the terminal."""
    lines = []
    for r in records:
        packs = ", ".join(f"{p['id']}@{p['version']}/{p['revision']}:{p['decision']}" for p in r.packs) or "-"
        rules = ", ".join(x["rule"] for x in r.reasons) or "-"
        lines.append(f"{r.logged_at}  {r.decision:<14} {packs}  regler: {rules}  "
                     f"pasient: {r.patient or '-'}  input: {r.input_sha256[:16]}  id: {r.id}")
    return "\n".join(lines)


__all__ = [
    "DEFAULT_DB",
    "DecisionLog",
    "DecisionRecord",
    "LogError",
    "LogWriter",
    "PostgresLog",
    "SqliteLog",
    "canonical_json",
    "input_hash",
    "load_secret",
    "mask_patient_numbers",
    "open_log",
    "record_for",
    "records_text",
    "redact",
    "sqlite_path",
]
