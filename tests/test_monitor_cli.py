"""dialogvakt monitor replay | feed | tick | findings."""

from __future__ import annotations

import datetime as dt
import json

import jsonschema
import pytest

from engine.cli import main
from engine.contract.schemas import EVENT_SCHEMA, self_contained
from engine.contract.times import OSLO
from engine.monitor.events import event_schema
from engine.monitor.traffic import clock_event, hospital, message_event, municipality, write_jsonl

T0 = dt.datetime(2026, 12, 18, 10, 0, tzinfo=OSLO)


@pytest.fixture
def events(tmp_path):
    path = tmp_path / "events.jsonl"
    write_jsonl([
        message_event(at=T0, msg_id="m1", type="foresporsel", sender=municipality(1), recipient=hospital(),
                      thread="t1"),
        message_event(at=T0, msg_id="m2", type="foresporsel", sender=municipality(2), recipient=hospital(),
                      thread="t2"),
        message_event(at=T0 + dt.timedelta(days=3), msg_id="a2", type="svar", sender=hospital(),
                      recipient=municipality(2), thread="t2"),
        clock_event(dt.datetime(2026, 12, 30, 8, 0, tzinfo=OSLO)),
    ], path)
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.requires_monitor
def test_replay_prints_the_findings(capsys, events) -> None:
    code, out, _ = run(capsys, "monitor", "replay", str(events), "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["clock"] == "2026-12-30T08:00:00+01:00"
    assert [(f["rule"], f["events"], f["due"], f["status"]) for f in doc["findings"]] == [
        ("d81023-6-svar-forfalt", ["m1"], {"svarfrist": "2026-12-28"}, "open")]
    code, out, _ = run(capsys, "monitor", "replay", str(events))
    assert code == 0 and "[ÅPENT] svaret er forfalt" in out and "mandag 28. desember 2026" in out


@pytest.mark.requires_monitor
def test_replay_until_a_time(capsys, events) -> None:
    code, out, _ = run(capsys, "monitor", "replay", str(events), "--until", "2026-12-28T23:59", "--format", "json")
    assert code == 0 and json.loads(out)["findings"] == []  # Monday 28 December, the last day, is in time
    code, out, _ = run(capsys, "monitor", "replay", str(events), "--until", "2026-12-29", "--format", "json")
    doc = json.loads(out)  # overdue from midnight after the last day («3-5 virkedager», D81023 § 6)
    assert doc["clock"] == "2026-12-29T00:00:00+01:00" and len(doc["findings"]) == 1
    code, out, _ = run(capsys, "monitor", "replay", str(events), "--status", "resolved")
    assert code == 0 and "Ingen funn." in out


@pytest.mark.requires_monitor
def test_replay_errors_name_the_line_and_path(capsys, tmp_path, events) -> None:
    lines = events.read_text().splitlines()
    bad = json.loads(lines[2])
    bad["melding"]["type"] = "telefaks"
    (tmp_path / "bad.jsonl").write_text("\n".join([*lines[:2], json.dumps(bad)]) + "\n")
    code, _out, err = run(capsys, "monitor", "replay", str(tmp_path / "bad.jsonl"))
    assert code == 2 and err.startswith(f"dialogvakt: {tmp_path / 'bad.jsonl'}:3: $.melding.type: ukjent verdi")
    code, _, err = run(capsys, "monitor", "replay", str(tmp_path / "missing.jsonl"))
    assert code == 2 and "finnes ikke" in err
    code, _, err = run(capsys, "monitor", "replay", str(events), "--pack", "nope")
    assert code == 2 and "ukjent retningslinje 'nope'" in err
    code, _, err = run(capsys, "monitor", "replay", str(events), "--until", "i morgen")
    assert code == 2 and "--until" in err


@pytest.mark.requires_monitor
def test_feed_tick_and_findings_on_a_stored_log(capsys, monkeypatch, tmp_path, events) -> None:
    store = str(tmp_path / "log.sqlite")
    code, _, err = run(capsys, "monitor", "findings", "--store", store)
    assert code == 2 and "DIALOGVAKT_MONITOR_SECRET" in err
    monkeypatch.setenv("DIALOGVAKT_MONITOR_SECRET", "s")
    lines = events.read_text().splitlines()
    (tmp_path / "first.jsonl").write_text("\n".join(lines[:3]) + "\n")
    code, out, _ = run(capsys, "monitor", "feed", str(tmp_path / "first.jsonl"), "--store", store, "--format", "json")
    assert code == 0 and json.loads(out)["findings"] == []
    code, out, _ = run(capsys, "monitor", "tick", "2026-12-29T07:00", "--store", store, "--format", "json")
    assert [f["events"] for f in json.loads(out)["findings"]] == [["m1"]]
    code, out, _ = run(capsys, "monitor", "feed", str(events), "--store", store, "--format", "json")
    assert json.loads(out)["findings"] == []  # nothing new: the earlier events are already in the log
    code, out, _ = run(capsys, "monitor", "findings", "--store", store, "--status", "open", "--format", "json")
    doc = json.loads(out)
    assert doc["events"] == 5 and [f["events"] for f in doc["findings"]] == [["m1"]]
    config = tmp_path / "monitor.yaml"
    config.write_text(f"store: {store}\n")
    code, out, _ = run(capsys, "monitor", "findings", "--config", str(config))
    assert code == 0 and "svaret er forfalt" in out


def test_the_event_schema_is_published_and_describes_the_events(events) -> None:
    schema = event_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"].endswith("event-v1.schema.json")
    assert schema["properties"]["melding"]["$ref"] == "input-v1.schema.json#/properties/melding"
    validator = jsonschema.Draft202012Validator(self_contained(EVENT_SCHEMA))
    for line in events.read_text().splitlines():
        validator.validate(json.loads(line))


@pytest.fixture
def late_answer(tmp_path):
    """An answer sent in time (Monday 28 December, 23:50) that comes after the clock event at midnight."""
    path = tmp_path / "late.jsonl"
    write_jsonl([
        message_event(at=T0, msg_id="m1", type="foresporsel", sender=municipality(1), recipient=hospital(),
                      thread="t1"),
        clock_event(dt.datetime(2026, 12, 29, 0, 0, tzinfo=OSLO)),
        message_event(at=dt.datetime(2026, 12, 29, 0, 20, tzinfo=OSLO), msg_id="a1", type="svar",
                      sender=hospital(), recipient=municipality(1), thread="t1",
                      sendt="2026-12-28T23:50:00+01:00"),  # received 00:20; its time is when it was sent
    ], path)
    return path


@pytest.mark.requires_monitor
def test_replay_applies_events_in_time_order_within_the_lateness_window(capsys, late_answer) -> None:
    code, out, _ = run(capsys, "monitor", "replay", str(late_answer), "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["findings"] == [] and doc["late_events"] == 0 and doc["waiting"] == 0
    assert doc["clock"] == "2026-12-29T00:00:00+01:00"  # applied to the end of the file
    code, out, _ = run(capsys, "monitor", "replay", str(late_answer), "--lateness", "0", "--format", "json")
    doc = json.loads(out)  # without a window the clock has passed the deadline when the answer comes
    assert [(f["rule"], f["status"]) for f in doc["findings"]] == [("d81023-6-svar-forfalt", "resolved")]
    assert doc["late_events"] == 1
    code, out, _ = run(capsys, "monitor", "replay", str(late_answer), "--lateness", "0")
    assert "1 hendelser kom senere enn vinduet" in out
    code, _, err = run(capsys, "monitor", "replay", str(late_answer), "--lateness", "15")
    assert code == 2 and "--lateness: expected a whole number with a unit" in err


@pytest.mark.requires_monitor
def test_feed_leaves_the_last_window_waiting_unless_flushed(capsys, monkeypatch, tmp_path, late_answer) -> None:
    monkeypatch.setenv("DIALOGVAKT_MONITOR_SECRET", "s")
    store = str(tmp_path / "log.sqlite")
    code, out, _ = run(capsys, "monitor", "feed", str(late_answer), "--store", store, "--lateness", "1h")
    assert code == 0 and "2 hendelser etter mandag 28. desember 2026 kl. 23:00 venter" in out
    code, out, _ = run(capsys, "monitor", "findings", "--store", store, "--lateness", "1h", "--format", "json")
    doc = json.loads(out)
    assert (doc["events"], doc["waiting"], doc["findings"]) == (3, 2, [])  # a replay: the same two wait
    code, out, _ = run(capsys, "monitor", "feed", str(late_answer), "--store", store, "--lateness", "1h", "--flush",
                       "--format", "json")
    doc = json.loads(out)
    assert (doc["waiting"], doc["findings"], doc["late_events"]) == (0, [], 0)
    monkeypatch.setenv("DIALOGVAKT_MONITOR_LATENESS", "1h")
    code, out, _ = run(capsys, "monitor", "tick", "2027-01-10", "--store", store, "--format", "json")
    assert json.loads(out)["findings"] == []  # the answer was in time
