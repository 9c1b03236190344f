"""The decision log: records, SQLite and PostgreSQL stores, the writer thread, the `log` command."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import sqlite3
import stat
import threading
import time
from pathlib import Path

import pytest

from engine import Engine
from engine.cli import main
from engine.contract.identifiers import example_number, pseudonym
from engine.server.decisionlog import (
    DecisionLog,
    LogError,
    LogWriter,
    SqliteLog,
    canonical_json,
    input_hash,
    load_secret,
    mask_patient_numbers,
    open_log,
    record_for,
    redact,
    sqlite_path,
)

ROOT = Path(__file__).resolve().parent.parent
SECRET = b"test-secret-of-32-bytes-000000000"


@pytest.fixture(scope="module")
def requests() -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "examples").glob("*.json"))]


def _records(engine: Engine, requests: list[dict], when: dt.datetime | None = None) -> list:
    return [record_for(engine.evaluate(r), r, secret=SECRET, source="json", now=when) for r in requests]


def _with_pack(engine: Engine, requests: list[dict], pack: str) -> int:
    return sum(any(p.id == pack for p in engine.evaluate(r).packs) for r in requests)


# --------------------------------------------------------------------------- records

def test_record_holds_pseudonym_and_hash_never_the_number(engine: Engine, requests: list[dict]) -> None:
    request = requests[3]
    decision = engine.evaluate(request)
    record = record_for(decision, request, secret=SECRET, source="json", client="epj-1")
    number = request["melding"]["pasient"]["id"]
    assert record.patient == pseudonym(number, SECRET)
    assert record.input_sha256 == hashlib.sha256(canonical_json(request)).hexdigest()
    assert record.decision == decision.decision == "deny"
    assert [r["rule"] for r in record.reasons] == [r.rule for r in decision.reasons]
    assert all(r["section"] for r in record.reasons)
    assert record.packs == [{"id": p.id, "version": p.version, "revision": p.revision, "decision": p.decision,
                             "validity": p.validity} for p in decision.packs]
    assert number not in json.dumps(record.to_dict())


def test_pseudonyms_depend_on_the_site_secret() -> None:
    number = example_number("fnr", seed=12)
    assert pseudonym(number, SECRET) == pseudonym(number, SECRET)
    assert pseudonym(number, SECRET) != pseudonym(number, b"another-secret-of-enough-length")


def test_input_hash_ignores_key_order_and_spacing() -> None:
    a = {"melding": {"type": "svar", "id": "x"}}
    b = json.loads('{ "melding" : { "id" : "x", "type" : "svar" } }')
    assert input_hash(a) == input_hash(b)
    assert input_hash(a) != input_hash({"melding": {"type": "svar", "id": "y"}})


def test_redact_masks_personal_number_shapes() -> None:
    number = example_number("dnr", seed=2)
    assert redact(f"id {number} og {number[:6]} {number[6:]}") == "id [personnummer] og [personnummer]"
    assert redact("HER-id 8100123, orgnr 983974724") == "HER-id 8100123, orgnr 983974724"


def test_mask_patient_numbers_keeps_other_numbers() -> None:
    number = example_number("fnr", seed=5)
    not_a_number = number[:-1] + str((int(number[-1]) + 1) % 10)
    doc = {"a": [f"Pasient {number}", f"Ref {not_a_number}", 7], "b": {"c": number}}
    out = mask_patient_numbers(doc)
    assert out == {"a": ["Pasient [personnummer]", f"Ref {not_a_number}", 7], "b": {"c": "[personnummer]"}}


def test_message_id_holding_a_number_is_masked(engine: Engine, requests: list[dict]) -> None:
    request = copy.deepcopy(requests[0])
    request["melding"]["id"] = "melding-" + request["melding"]["pasient"]["id"]
    record = record_for(engine.evaluate(request), request, secret=SECRET, source="json")
    assert record.message_id == "melding-[personnummer]"


# --------------------------------------------------------------------------- secret and URLs

def test_secret_is_generated_once_private_and_reused(tmp_path: Path) -> None:
    target = tmp_path / "db.sqlite.secret"
    first = load_secret(generate_at=target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert load_secret(generate_at=target) == first
    assert len(first) >= 32


def test_secret_must_be_configured_and_long_enough(tmp_path: Path) -> None:
    with pytest.raises(LogError):
        load_secret()
    short = tmp_path / "short"
    short.write_text("abc")
    with pytest.raises(LogError, match="16"):
        load_secret(path=str(short))


def test_sqlite_urls_and_paths() -> None:
    assert sqlite_path("decisions.sqlite") == Path("decisions.sqlite")
    assert sqlite_path("sqlite:///rel/d.sqlite") == Path("rel/d.sqlite")
    assert sqlite_path("sqlite:////abs/d.sqlite") == Path("/abs/d.sqlite")
    assert sqlite_path("postgresql://host/db") is None
    with pytest.raises(LogError):
        sqlite_path("mysql://host/db")


# --------------------------------------------------------------------------- the SQLite store

def test_sqlite_store_is_wal_private_and_queryable(tmp_path: Path, engine: Engine, requests: list[dict]) -> None:
    path = tmp_path / "log.sqlite"
    store = open_log(str(path))
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL, synced by checkpoints
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    early = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    late = dt.datetime(2026, 1, 2, 12, tzinfo=dt.UTC)
    store.write_many(_records(engine, requests[:4], early))
    store.write_many(_records(engine, requests[4:], late))
    assert store.count() == len(requests)
    everything = store.query()
    assert [r.decision for r in everything] == [engine.evaluate(r).decision for r in requests]
    assert len(store.query(since=dt.datetime(2026, 1, 2))) == len(requests) - 4
    assert len(store.query(until=dt.datetime(2026, 1, 2))) == 4
    denied = store.query(decision="deny")
    assert denied and all(r.decision == "deny" for r in denied)
    assert len(store.query(pack="helse-bergen-d81023")) == _with_pack(engine, requests, "helse-bergen-d81023")
    assert store.query(pack="no-such-pack") == []
    patient = pseudonym(requests[0]["melding"]["pasient"]["id"], SECRET)
    assert {r.patient for r in store.query(patient=patient)} == {patient}
    assert [r.id for r in store.query(limit=2)] == [r.id for r in everything[-2:]]
    store.close()


def test_full_synchronous_on_request(tmp_path: Path) -> None:
    store = open_log(f"sqlite:///{tmp_path}/full.sqlite?synchronous=full")
    assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 2
    assert store.url.endswith("?synchronous=full")
    store.close()
    with pytest.raises(LogError):
        open_log(f"{tmp_path}/x.sqlite?synchronous=off")


def test_writer_checkpoints_off_the_commit_path(tmp_path: Path, engine: Engine, requests: list[dict]) -> None:
    path = tmp_path / "c.sqlite"
    writer = LogWriter(lambda: open_log(str(path)))
    writer.CHECKPOINT_SECONDS = 0.05
    for _ in range(20):
        writer.submit(_records(engine, requests)).result(timeout=30)
    wal = Path(f"{path}-wal")
    deadline = time.monotonic() + 10
    reader = sqlite3.connect(path)
    # once checkpointed, the pages are in the database file itself
    while time.monotonic() < deadline and path.stat().st_size < 4096 * 4:
        time.sleep(0.05)
    assert path.stat().st_size >= 4096 * 4 and wal.exists()
    assert reader.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == 20 * len(requests)
    reader.close()
    writer.close()


@pytest.mark.parametrize("options, inline", [("", True), ("?synchronous=full", False)],
                         ids=["commits-on-the-caller", "group-commit-thread"])
def test_writer_commits_concurrent_submissions(tmp_path: Path, engine: Engine, requests: list[dict],
                                               options: str, inline: bool) -> None:
    writer = LogWriter(lambda: open_log(str(tmp_path / "w.sqlite") + options))
    assert writer._inline is inline
    futures = []

    def submit() -> None:
        futures.extend(writer.submit(_records(engine, requests[:2])) for _ in range(20))

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(f.result(timeout=30) for f in futures) == 4 * 20 * 2
    writer.close()
    assert SqliteLog(tmp_path / "w.sqlite").count() == 160


class _Broken(DecisionLog):
    url = "broken://"

    def write_many(self, records):
        raise sqlite3.OperationalError("disk I/O error")

    def ping(self):
        raise sqlite3.OperationalError("disk I/O error")

    def close(self):
        pass


class _BrokenCheap(_Broken):
    commits_are_cheap = True


@pytest.mark.parametrize("store", [_Broken, _BrokenCheap], ids=["thread", "caller"])
def test_writer_reports_a_failed_write(engine: Engine, requests: list[dict], store) -> None:
    writer = LogWriter(store)
    future = writer.submit(_records(engine, requests[:1]))
    with pytest.raises(LogError, match="beslutningsloggen"):
        future.result(timeout=10)
    assert writer.failures == 1
    writer.close()


def test_writer_reports_a_store_that_cannot_open(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(LogError):
        LogWriter(lambda: open_log(str(tmp_path / "file" / "sub.sqlite")))


# --------------------------------------------------------------------------- the `log` command

def test_log_command_filters_and_formats(tmp_path: Path, engine: Engine, requests: list[dict], capsys) -> None:
    path = tmp_path / "cli.sqlite"
    store = open_log(str(path))
    store.write_many(_records(engine, requests))
    store.close()
    assert main(["log", "--db", str(path), "--decision", "deny", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and all(r["decision"] == "deny" for r in rows)
    assert main(["log", "--db", str(path), "--pack", "helse-bergen-d81023", "--since", "1d", "--format", "jsonl"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == _with_pack(engine, requests, "helse-bergen-d81023")
    assert main(["log", "--db", str(path), "--limit", "1"]) == 0
    out = capsys.readouterr()
    assert out.out.count("\n") == 1 and "1 avgjørelse" in out.err
    for r in requests:
        assert r["melding"]["pasient"]["id"] not in out.out


def test_log_command_finds_a_patient_by_pseudonym(tmp_path: Path, engine: Engine, requests: list[dict],
                                                  capsys, monkeypatch) -> None:
    import io

    path = tmp_path / "p.sqlite"
    secret_file = tmp_path / "secret"
    secret_file.write_bytes(SECRET)
    store = open_log(str(path))
    store.write_many(_records(engine, requests))
    store.close()
    target = requests[5]["melding"]["pasient"]["id"]
    monkeypatch.setattr("sys.stdin", io.StringIO(target + "\n"))
    assert main(["log", "--db", str(path), "--secret-file", str(secret_file), "--patient-stdin",
                 "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == sum(r["melding"]["pasient"]["id"] == target for r in requests)
    assert {r["patient"] for r in rows} == {pseudonym(target, SECRET)}


def test_log_command_on_a_missing_database(tmp_path: Path, capsys) -> None:
    assert main(["log", "--db", str(tmp_path / "none.sqlite")]) == 2
    assert "finnes ikke" in capsys.readouterr().err
    assert not (tmp_path / "none.sqlite").exists()


# --------------------------------------------------------------------------- PostgreSQL

@pytest.mark.slow
def test_postgres_store_writes_and_queries(postgres_db: str, engine: Engine, requests: list[dict]) -> None:
    writer = LogWriter(lambda: open_log(postgres_db))
    records = _records(engine, requests)
    writer.submit(records[:4]).result(timeout=30)
    writer.submit(records[4:]).result(timeout=30)
    writer.close()
    store = open_log(postgres_db)
    assert "dialogvakt@" not in store.url or "***" in store.url
    assert store.count() == len(requests)
    got = store.query()
    assert [r.id for r in got] == [r.id for r in records]
    assert got[3].reasons == records[3].reasons and got[3].packs == records[3].packs
    assert {r.decision for r in store.query(decision="deny")} == {"deny"}
    assert len(store.query(pack="helse-bergen-d81023")) == sum(
        any(p["id"] == "helse-bergen-d81023" for p in r.packs) for r in records)
    assert [r.id for r in store.query(limit=1)] == [records[-1].id]
    assert len(store.query(since=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))) == len(records)
    store.close()
