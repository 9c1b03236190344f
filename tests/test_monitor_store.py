"""The event log: SQLite (default) and PostgreSQL (when a server can be started here)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from engine.contract.times import OSLO
from engine.monitor import Monitor, MonitorConfig, MonitorError
from engine.monitor.store import StoreError, open_store
from engine.monitor.traffic import month_of_traffic

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(params=["sqlite", "postgresql"])
def store_spec(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "log.sqlite")
    return request.getfixturevalue("postgres_db")


def test_append_is_idempotent_and_ordered(store_spec) -> None:
    store = open_store(store_spec)
    when = dt.datetime(2026, 1, 5, 9, 0, tzinfo=OSLO)
    with store.transaction():
        first = store.append("a", "klokke", when, {"hendelse": "klokke", "tidspunkt": when.isoformat()})
        second = store.append("b", "klokke", when, {"hendelse": "klokke", "tidspunkt": when.isoformat()})
        again = store.append("a", "klokke", when, {"hendelse": "klokke", "tidspunkt": when.isoformat()})
        store.add_message("m1", second, "t1", 3)
        assert store.touch_thread("t1", 3, second, when) == 1
        assert store.touch_thread("t1", 3, second, when) == 2
    assert first < second and again is None
    assert [e.id for e in store.events()] == ["a", "b"]
    assert store.get(second).time == when
    assert store.message("m1") == {"seq": second, "thread": "t1", "shard": 3}
    assert store.thread("t1")["messages"] == 2
    with pytest.raises(RuntimeError), store.transaction():  # a failed transaction leaves nothing behind
        store.append("c", "klokke", when, {"hendelse": "klokke"})
        raise RuntimeError("stop")
    assert store.count() == 2
    store.close()


@pytest.mark.requires_monitor
def test_a_monitor_reopened_on_its_log_finds_the_same(store_spec, engine) -> None:
    traffic = month_of_traffic(dt.date(2026, 3, 16), days=10, per_day=6, seed=11)
    packs = [engine.packs["helse-bergen-d81023"]]
    with Monitor(packs, store=store_spec, secret=b"s1") as monitor:
        monitor.feed_many(traffic.events[: len(traffic.events) // 2])
    with Monitor(packs, store=store_spec, secret=b"s1") as monitor:
        monitor.feed_many(traffic.events)  # the first half again: recognised and skipped
        reopened = [f.to_dict() for f in monitor.findings()]
        assert monitor.stats()["events"] == len(traffic.events)
    with Monitor(packs, secret=b"s1") as fresh:
        fresh.feed_many(traffic.events)
        assert reopened == [f.to_dict() for f in fresh.findings()]
    assert any(f["kind"] == "svar_forfalt" for f in reopened)
    with pytest.raises(MonitorError, match="another secret"):
        Monitor(packs, store=store_spec, secret=b"s2")


@pytest.mark.requires_monitor
def test_store_errors_say_what_to_do(tmp_path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        open_store(tmp_path / "no" / "such" / "log.sqlite")
    with pytest.raises(MonitorError, match="DIALOGVAKT_MONITOR_SECRET"):
        Monitor([], store=tmp_path / "log.sqlite")


@pytest.mark.requires_monitor
def test_configuration_from_file_and_environment(tmp_path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("hemmelig\n")
    config_file = tmp_path / "monitor.yaml"
    config_file.write_text(f"store: {tmp_path / 'log.sqlite'}\nsecret_file: {secret}\nshards: 4\n")
    config = MonitorConfig.load(config_file, env={})
    assert (config.store, config.secret, config.shards) == (str(tmp_path / "log.sqlite"), b"hemmelig", 4)
    config = MonitorConfig.load(config_file, env={"DIALOGVAKT_MONITOR_SECRET": "fra-miljo",
                                                  "DIALOGVAKT_MONITOR_STORE": "postgresql://x@y/z"})
    assert (config.store, config.secret) == ("postgresql://x@y/z", b"fra-miljo")
    assert config.lateness == dt.timedelta(minutes=15)  # the default for live use
    config_file.write_text("lateness: 2h\n")
    assert MonitorConfig.load(config_file, env={}).lateness == dt.timedelta(hours=2)
    assert MonitorConfig.load(config_file, env={"DIALOGVAKT_MONITOR_LATENESS": "0"}).lateness == dt.timedelta(0)
    assert MonitorConfig.load(None, env={"DIALOGVAKT_MONITOR_LATENESS": "90s"}).lateness == dt.timedelta(seconds=90)
    with pytest.raises(MonitorError, match=r"DIALOGVAKT_MONITOR_LATENESS: expected a whole number with a unit.*'15'"):
        MonitorConfig.load(None, env={"DIALOGVAKT_MONITOR_LATENESS": "15"})
    config_file.write_text("lateness: en time\n")
    with pytest.raises(MonitorError, match=r"monitor\.yaml: lateness: expected"):
        MonitorConfig.load(config_file, env={})
    with pytest.raises(MonitorError, match="cannot be negative"):
        Monitor([], lateness=dt.timedelta(minutes=-1))
    config_file.write_text("stor: typo\n")
    with pytest.raises(MonitorError, match="unknown key stor"):
        MonitorConfig.load(config_file, env={})
    with pytest.raises(MonitorError, match="between 1 and 1000"):
        Monitor([], shards=2000)


def test_sqlite_event_log_is_private_to_the_service(tmp_path):
    import stat

    from engine.monitor.store import SQLiteStore

    path = tmp_path / "events.sqlite"
    SQLiteStore(str(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


FORMAT_1 = (  # the event log before events were applied in time order: the derived part inside each event
    "CREATE TABLE dv_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE dv_events (seq {serial} PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, "
    "time TEXT NOT NULL, body TEXT NOT NULL)",
    "CREATE TABLE dv_messages (message_id TEXT PRIMARY KEY, seq BIGINT NOT NULL, thread_id TEXT NOT NULL, "
    "shard INTEGER NOT NULL)",
    "CREATE TABLE dv_threads (thread_id TEXT PRIMARY KEY, shard INTEGER NOT NULL, messages INTEGER NOT NULL, "
    "first_seq BIGINT NOT NULL, last_time TEXT NOT NULL)",
    "CREATE TABLE dv_admissions (admission_id TEXT PRIMARY KEY, seq BIGINT NOT NULL, shard INTEGER NOT NULL)",
)


def _connect(spec: str):
    if spec.startswith("postgresql://"):
        import psycopg

        return psycopg.connect(spec), "%s", "BIGSERIAL"
    return sqlite3.connect(spec), "?", "INTEGER"


def write_format_1(spec: str, rows: list[tuple], meta: dict[str, str], indexes: dict[str, list[tuple]]) -> None:
    """A log as a version before format 2 wrote it."""
    conn, ph, serial = _connect(spec)
    with conn:
        for ddl in FORMAT_1:
            conn.execute(ddl.format(serial=serial))
        for key, value in {**meta, "schema_version": "1"}.items():
            conn.execute(f"INSERT INTO dv_meta (key, value) VALUES ({ph}, {ph})", (key, value))
        for row in rows:
            conn.execute(f"INSERT INTO dv_events (seq, event_id, kind, time, body) VALUES ({ph}, {ph}, {ph}, {ph}, "
                         f"{ph})", row)
        for table, values in indexes.items():
            for row in values:
                marks = ", ".join([ph] * len(row))
                conn.execute(f"INSERT INTO {table} VALUES ({marks})", row)
        if serial == "BIGSERIAL":  # as if the rows had been numbered by the server
            conn.execute("SELECT setval(pg_get_serial_sequence('dv_events', 'seq'), (SELECT MAX(seq) FROM dv_events))")
    conn.close()


def test_a_format_1_log_is_migrated_and_its_derived_part_moves_to_its_own_column(store_spec) -> None:
    when = dt.datetime(2026, 1, 5, 9, 0, tzinfo=OSLO)
    body = {"hendelse": "melding", "tidspunkt": when.isoformat(), "melding": {"id": "m1", "type": "svar"},
            "avledet": {"shard": 2, "samtale": {"id": "t1", "forste": True, "nummer": 1}}}
    clock = {"hendelse": "klokke", "tidspunkt": when.isoformat(), "avledet": {}}
    write_format_1(store_spec, [(1, "e1", "melding", when.isoformat(), json.dumps(body)),
                                (2, "e2", "klokke", when.isoformat(), json.dumps(clock))],
                   {}, {"dv_messages": [("m1", 1, "t1", 2)]})
    store = open_store(store_spec)
    assert store.meta("schema_version") == "2" and store.meta("ordered_from_seq") == "3"
    first, second = store.events()
    assert first.body == body and first.derived == body["avledet"]  # read back with its derived part
    assert second.derived == {}
    raw = store._exec("SELECT body, derived FROM dv_events WHERE seq = 1").fetchone()
    assert "avledet" not in json.loads(raw[0]) and json.loads(raw[1])["samtale"]["id"] == "t1"
    seq = store.append("e3", "klokke", when, {"hendelse": "klokke", "tidspunkt": when.isoformat()})
    assert store.get(seq).derived == {} and "avledet" not in store.get(seq).body  # not applied yet
    store.set_derived(seq, {"x": 1})
    assert store.get(seq).derived == {"x": 1}
    store.close()
    assert open_store(store_spec).meta("ordered_from_seq") == "3"  # migrated once


def test_a_log_of_a_later_format_is_refused_with_what_to_do(tmp_path) -> None:
    path = tmp_path / "log.sqlite"
    open_store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE dv_meta SET value = '3' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match=r"format 3; this version reads formats 1 and 2\. Use the version"):
        open_store(path)


@pytest.mark.requires_monitor
def test_a_migrated_log_replays_its_old_events_as_they_were_applied(engine, tmp_path) -> None:
    """Events an older version applied as they arrived are replayed so, whatever the lateness window now."""
    from engine.monitor.traffic import hospital, message_event, municipality

    def message(msg_id: str, when: dt.datetime, kind: str, **kw) -> dict:
        a, b = (municipality(1), hospital()) if kind == "foresporsel" else (hospital(), municipality(1))
        return message_event(at=when, msg_id=msg_id, type=kind, sender=a, recipient=b, thread="t1", **kw)

    stream = [message("m1", dt.datetime(2026, 3, 2, 10, 0, tzinfo=OSLO), "foresporsel"),
              {"hendelse": "klokke", "tidspunkt": "2026-03-10T00:05:00+01:00", "id": "k1"},
              message("a1", dt.datetime(2026, 3, 9, 23, 50, tzinfo=OSLO), "svar")]  # sent in time, came after
    packs = [engine.packs["helse-bergen-d81023"]]
    new = tmp_path / "new.sqlite"
    with Monitor(packs, store=new, secret=b"s", lateness=0) as m:  # applied as they arrive, as format 1 did
        for event in stream:
            m.feed(event)
        before = [f.to_dict() for f in m.findings()]
    assert [(f["rule"], f["status"]) for f in before] == [("d81023-6-svar-forfalt", "resolved")]
    with sqlite3.connect(new) as conn:
        rows = [(seq, eid, kind, time, json.dumps({**json.loads(body), "avledet": json.loads(derived)}))
                for seq, eid, kind, time, body, derived in conn.execute("SELECT * FROM dv_events ORDER BY seq")]
        meta = dict(conn.execute("SELECT key, value FROM dv_meta WHERE key = 'secret_check'").fetchall())
        indexes = {t: conn.execute(f"SELECT * FROM {t}").fetchall()
                   for t in ("dv_messages", "dv_threads", "dv_admissions")}
    old = tmp_path / "old.sqlite"
    write_format_1(str(old), rows, meta, indexes)
    with Monitor(packs, store=old, secret=b"s", lateness="1h") as m:
        assert [f.to_dict() for f in m.findings()] == before
        assert m.stats()["late_events"] == 1
        m.feed(message("m2", dt.datetime(2026, 3, 11, 10, 0, tzinfo=OSLO), "foresporsel", event_id="later"))
        m.feed({"hendelse": "klokke", "tidspunkt": "2026-03-19T00:30:00+01:00", "id": "k2"})
        m.feed(message("a2", dt.datetime(2026, 3, 18, 23, 50, tzinfo=OSLO), "svar"))  # within the window now
        m.flush()
        assert [(f.events, f.status) for f in m.findings()] == [(("m1",), "resolved")]
