"""The monitor's event log: SQLite by default, PostgreSQL where a site runs one.

The log is append-only. Each event is kept in its stored form (no patient
numbers; see ``monitor_events``) with its place in the log (``seq``), as it
arrived. What the monitor works out about an event when it applies it, in time
order (its thread and place in it, its session, the admission a discharge ends,
whether it repeats a message: ``derived``), is kept beside it in its own column,
written when the event is applied; it is empty while the event waits in the
monitor's reorder buffer. Beside the events the store keeps small indexes that
the monitor needs while it applies them: message id -> thread and session,
thread -> session and length, admission id -> its event. They are written in the
same transaction as the derived part. The monitor's rule state is never stored:
after a restart it is rebuilt by replaying the log, which gives the same
findings as a run that never stopped.

Format 2 keeps the derived part in its own column; format 1 (before the monitor
applied events in time order) kept it inside the event as ``avledet``. A format 1
log is migrated when it is opened, and ``meta("ordered_from_seq")`` says where
the events applied in time order begin: those before it were applied as they
arrived, and a replay applies them so again.

    open_store(None)                          # SQLite in memory (a replay)
    open_store("/var/lib/dialogvakt/monitor.sqlite")
    open_store("postgresql://user@host/dialogvakt")   # needs psycopg
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

from .events import StoredEvent

SCHEMA_VERSION = "2"
DERIVED = "avledet"  # where a StoredEvent's body carries its derived part (StoredEvent.derived reads it)

_TABLES = (
    "CREATE TABLE IF NOT EXISTS dv_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS dv_events (seq {serial} PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, "
    "kind TEXT NOT NULL, time TEXT NOT NULL, body TEXT NOT NULL, derived TEXT)",
    "CREATE TABLE IF NOT EXISTS dv_messages (message_id TEXT PRIMARY KEY, seq BIGINT NOT NULL, "
    "thread_id TEXT NOT NULL, shard INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS dv_threads (thread_id TEXT PRIMARY KEY, shard INTEGER NOT NULL, "
    "messages INTEGER NOT NULL, first_seq BIGINT NOT NULL, last_time TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS dv_admissions (admission_id TEXT PRIMARY KEY, seq BIGINT NOT NULL, "
    "shard INTEGER NOT NULL)",
)


class StoreError(RuntimeError):
    """The event log cannot be opened or used; the message says why and what to do."""


class EventStore:
    """An append-only event log with the monitor's indexes. Not shared between threads."""

    placeholder = "?"
    serial = "INTEGER"  # SQLite: INTEGER PRIMARY KEY is the rowid
    description = "SQLite"

    def __init__(self, connection: Any, location: str):
        self.conn = connection
        self.location = location
        self._depth = 0
        # written at the end of the transaction, in one statement per table (reads see them before)
        self._derived: dict[int, str] = {}  # seq -> derived part (JSON)
        self._messages: dict[str, tuple[int, str, int]] = {}  # message id -> (seq, thread, shard)
        self._threads: dict[str, list] = {}  # thread id -> [shard, messages, first seq, last time, new]
        self._admissions: dict[str, tuple[int, int]] = {}  # admission id -> (seq, shard)
        self._create()

    # ---- plumbing

    def _sql(self, sql: str) -> str:
        return sql.replace("?", self.placeholder)

    def _exec(self, sql: str, params: tuple = ()) -> Any:
        cur = self.conn.cursor()
        cur.execute(self._sql(sql), params)
        return cur

    def _create(self) -> None:
        with self.transaction():
            for ddl in _TABLES:
                self._exec(ddl.format(serial=self.serial))
            version = self.meta("schema_version")
            if version is None:
                self.set_meta("schema_version", SCHEMA_VERSION)
            elif version == "1":
                self._migrate_from_1()
            elif version != SCHEMA_VERSION:
                raise StoreError(f"{self.location}: the event log has format {version}; this version reads "
                                 f"formats 1 and {SCHEMA_VERSION}. Use the version of Dialogvakt that wrote it.")

    def _migrate_from_1(self) -> None:
        """Format 1 -> 2: the derived part moves out of each event into its own column."""
        self._exec("ALTER TABLE dv_events ADD COLUMN derived TEXT")
        last = 0
        while True:
            rows = self._exec("SELECT seq, body FROM dv_events WHERE seq > ? ORDER BY seq LIMIT 2000",
                              (last,)).fetchall()
            if not rows:
                break
            for seq, text in rows:
                body = json.loads(text)
                derived = body.pop(DERIVED, None) or {}
                self._exec("UPDATE dv_events SET body = ?, derived = ? WHERE seq = ?",
                           (_dumps(body), _dumps(derived), seq))
            last = rows[-1][0]
        self.set_meta("ordered_from_seq", str(last + 1))
        self.set_meta("schema_version", SCHEMA_VERSION)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction; nested calls join the outer one. The derived parts and index rows written in it
        are kept aside and written in one statement per table before the commit."""
        if self._depth == 0:
            self._begin()
        self._depth += 1
        try:
            yield
            if self._depth == 1:
                self._flush()
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                self._discard()
                self.conn.rollback()
            raise
        self._depth -= 1
        if self._depth == 0:
            self.conn.commit()

    def _many(self, sql: str, rows: list[tuple]) -> None:
        if rows:
            self.conn.cursor().executemany(self._sql(sql), rows)

    def _flush(self) -> None:
        """Write what the transaction kept aside."""
        if self._derived:
            self._many("UPDATE dv_events SET derived = ? WHERE seq = ?",
                       [(text, seq) for seq, text in self._derived.items()])
        if self._threads:
            self._many("INSERT INTO dv_threads (thread_id, shard, messages, first_seq, last_time) "
                       "VALUES (?, ?, ?, ?, ?)",
                       [(t, r[0], r[1], r[2], r[3]) for t, r in self._threads.items() if r[4]])
            self._many("UPDATE dv_threads SET messages = ?, last_time = ? WHERE thread_id = ?",
                       [(r[1], r[3], t) for t, r in self._threads.items() if not r[4]])
        if self._messages:
            self._many("INSERT INTO dv_messages (message_id, seq, thread_id, shard) VALUES (?, ?, ?, ?)",
                       [(m, *row) for m, row in self._messages.items()])
        if self._admissions:
            self._many("INSERT INTO dv_admissions (admission_id, seq, shard) VALUES (?, ?, ?)",
                       [(a, *row) for a, row in self._admissions.items()])
        self._discard()

    def _discard(self) -> None:
        self._derived.clear()
        self._messages.clear()
        self._threads.clear()
        self._admissions.clear()

    def _begin(self) -> None:
        pass  # the drivers open a transaction on the first statement

    def close(self) -> None:
        self.conn.close()

    # ---- meta

    def meta(self, key: str) -> str | None:
        row = self._exec("SELECT value FROM dv_meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self._exec("DELETE FROM dv_meta WHERE key = ?", (key,))
        self._exec("INSERT INTO dv_meta (key, value) VALUES (?, ?)", (key, value))

    # ---- events

    def append(self, event_id: str, kind: str, time: dt.datetime, body: dict,
               derived: dict | None = None) -> int | None:
        """Add an event as it arrived (``derived`` only where it is known on arrival); returns its seq,
        or None when an event with this id is already in the log."""
        row = self._exec("INSERT INTO dv_events (event_id, kind, time, body, derived) VALUES (?, ?, ?, ?, ?) "
                         "ON CONFLICT (event_id) DO NOTHING RETURNING seq",
                         (event_id, kind, time.isoformat(), _dumps(body),
                          None if derived is None else _dumps(derived))).fetchone()
        return int(row[0]) if row else None

    def set_derived(self, seq: int, derived: dict) -> None:
        """What the monitor worked out about an event when it applied it."""
        if self._depth:
            self._derived[seq] = _dumps(derived)
        else:
            self._exec("UPDATE dv_events SET derived = ? WHERE seq = ?", (_dumps(derived), seq))

    def events(self, after: int = 0, batch: int = 2000) -> Iterator[StoredEvent]:
        """Every event after ``after`` in log order (as they arrived), read in batches."""
        self._flush()
        last = after
        while True:
            rows = self._exec("SELECT seq, event_id, kind, time, body, derived FROM dv_events WHERE seq > ? "
                              "ORDER BY seq LIMIT ?", (last, batch)).fetchall()
            if not rows:
                return
            for row in rows:
                yield _event(row)
            last = rows[-1][0]

    def get(self, seq: int) -> StoredEvent:
        row = self._exec("SELECT seq, event_id, kind, time, body, derived FROM dv_events WHERE seq = ?",
                         (seq,)).fetchone()
        if row is None:
            raise KeyError(seq)
        if seq in self._derived:
            row = (*row[:5], self._derived[seq])
        return _event(row)

    def count(self) -> int:
        return int(self._exec("SELECT COUNT(*) FROM dv_events").fetchone()[0])

    # ---- indexes

    def message(self, message_id: str) -> dict | None:
        kept = self._messages.get(message_id)
        if kept is not None:
            return {"seq": kept[0], "thread": kept[1], "shard": kept[2]}
        row = self._exec("SELECT seq, thread_id, shard FROM dv_messages WHERE message_id = ?",
                         (message_id,)).fetchone()
        return {"seq": row[0], "thread": row[1], "shard": row[2]} if row else None

    def add_message(self, message_id: str, seq: int, thread_id: str, shard: int) -> None:
        if self._depth:
            if message_id in self._messages:  # one already in the table fails when the rows are written
                raise sqlite3.IntegrityError(f"dv_messages: {message_id} is there already")
            self._messages[message_id] = (seq, thread_id, shard)
            return
        self._exec("INSERT INTO dv_messages (message_id, seq, thread_id, shard) VALUES (?, ?, ?, ?)",
                   (message_id, seq, thread_id, shard))

    def thread(self, thread_id: str) -> dict | None:
        kept = self._threads.get(thread_id)
        if kept is not None:
            return {"shard": kept[0], "messages": kept[1], "first_seq": kept[2], "last_time": kept[3]}
        row = self._exec("SELECT shard, messages, first_seq, last_time FROM dv_threads WHERE thread_id = ?",
                         (thread_id,)).fetchone()
        return {"shard": row[0], "messages": row[1], "first_seq": row[2], "last_time": row[3]} if row else None

    def touch_thread(self, thread_id: str, shard: int, seq: int, time: dt.datetime,
                     known: dict | bool | None = False) -> int:
        """Count a message in a thread (creating it); returns the message's number in the thread.
        ``known``: the thread as ``thread`` gave it just before (None: not there yet), to save reading it."""
        if known is False:
            known = self.thread(thread_id)
        if self._depth:
            if not isinstance(known, dict):
                self._threads[thread_id] = [shard, 1, seq, time.isoformat(), True]
                return 1
            kept = self._threads.get(thread_id)
            new = kept[4] if kept is not None else False
            self._threads[thread_id] = [known["shard"], known["messages"] + 1, known["first_seq"],
                                        max(known["last_time"], time.isoformat()), new]
            return int(known["messages"]) + 1
        if not isinstance(known, dict):
            self._exec("INSERT INTO dv_threads (thread_id, shard, messages, first_seq, last_time) "
                       "VALUES (?, ?, 1, ?, ?)", (thread_id, shard, seq, time.isoformat()))
            return 1
        self._exec("UPDATE dv_threads SET messages = messages + 1, last_time = ? WHERE thread_id = ?",
                   (max(known["last_time"], time.isoformat()), thread_id))
        return known["messages"] + 1

    def threads(self) -> int:
        self._flush()
        return int(self._exec("SELECT COUNT(*) FROM dv_threads").fetchone()[0])

    def admission(self, admission_id: str) -> dict | None:
        kept = self._admissions.get(admission_id)
        if kept is not None:
            return {"seq": kept[0], "shard": kept[1]}
        row = self._exec("SELECT seq, shard FROM dv_admissions WHERE admission_id = ?", (admission_id,)).fetchone()
        return {"seq": row[0], "shard": row[1]} if row else None

    def add_admission(self, admission_id: str, seq: int, shard: int) -> None:
        if self._depth:
            if admission_id in self._admissions:  # one already in the table fails when the rows are written
                raise sqlite3.IntegrityError(f"dv_admissions: {admission_id} is there already")
            self._admissions[admission_id] = (seq, shard)
            return
        self._exec("INSERT INTO dv_admissions (admission_id, seq, shard) VALUES (?, ?, ?)",
                   (admission_id, seq, shard))


def _dumps(value: dict) -> str:
    """Compact JSON with sorted keys (orjson; the standard library where orjson refuses a value)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    except (TypeError, orjson.JSONEncodeError):  # pragma: no cover - an integer beyond 64 bits
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _loads(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # pragma: no cover - an integer beyond 64 bits
        return json.loads(text)


def _event(row: tuple) -> StoredEvent:
    """An event from its row; the derived part, once applied, is in the body under ``avledet``."""
    seq, event_id, kind, time, body, derived = row
    data = _loads(body)
    if derived is not None:
        data[DERIVED] = _loads(derived)
    return StoredEvent(int(seq), event_id, kind, dt.datetime.fromisoformat(time), data)


class SQLiteStore(EventStore):
    def __init__(self, path: str):
        try:
            if path != ":memory:" and not os.path.exists(path):
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # readable by the service alone
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"{path}: cannot open the event log ({exc})") from None
        if path != ":memory:":
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        super().__init__(conn, path)

    def _begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")


class PostgresStore(EventStore):
    placeholder = "%s"
    serial = "BIGSERIAL"
    description = "PostgreSQL"

    def __init__(self, url: str):
        try:
            import psycopg
        except ImportError:
            raise StoreError("a PostgreSQL event log needs the psycopg package: pip install 'dialogvakt[postgres]'") \
                from None
        try:
            conn = psycopg.connect(url)
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect to the PostgreSQL event log ({_first_line(exc)})") from None
        super().__init__(conn, _redact(url))


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _redact(url: str) -> str:
    """The URL without its password, for messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':', 1)[0]}@{host}"
    return url


def open_store(spec: str | Path | EventStore | None) -> EventStore:
    """An event log from a path, a sqlite:/// or postgresql:// URL, or None for SQLite in memory."""
    if isinstance(spec, EventStore):
        return spec
    if spec is None or str(spec) in ("", ":memory:"):
        return SQLiteStore(":memory:")
    text = str(spec)
    if text.startswith(("postgresql://", "postgres://")):
        return PostgresStore(text)
    if text.startswith("sqlite:///"):
        text = text[len("sqlite:///"):]
    path = Path(text)
    if path.parent and not path.parent.exists():
        raise StoreError(f"{text}: the folder {path.parent} does not exist")
    return SQLiteStore(text)
