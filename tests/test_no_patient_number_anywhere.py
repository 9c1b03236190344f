"""No patient number in clear anywhere the product writes or prints.

Valid numbers of every kind (fødselsnummer, D-nummer, H-nummer, felles hjelpenummer) are put into
every string field of a request that takes one, into every text of the XML examples, and into every
text of monitor events, one distinct number per field. Every interface is run on them: the Python
API (decision, text report, explain, errors), the command line (evaluate, explain, monitor replay and
feed, findings, the decision log), the HTTP service as a process (single JSON and XML decisions,
batches, events, findings, metrics, readiness) and malformed variants that put the numbers where
errors name them. Then every answer, every line printed or logged, and every byte of every file the
product wrote (databases with their WAL and SHM files, event logs, the service log) is searched for
each number, as written and with a space after the birth date, in UTF-8 and UTF-16.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine import Engine, InputError
from engine.contract.identifiers import example_number
from engine.contract.schemas import INPUT_SCHEMA, fast_validator, self_contained
from engine.eval.explain import explain, explain_text
from engine.eval.render import decision_text

from .conftest import ROOT
from .test_service_process import running_server

pytestmark = pytest.mark.slow  # starts a service process and many command lines

EXAMPLE = json.loads((ROOT / "examples" / "d81023-01-sporsmal-nylig-utskrevet.json").read_text(encoding="utf-8"))
XML_EXAMPLES = sorted((ROOT / "examples" / "xml").glob("*.xml"))
KINDS = ("fnr", "dnr", "hnr", "fhn")
SECRET = "scan-test-secret-0123456789abcdef"


class Numbers:
    """Distinct valid numbers, every kind in turn; remembers each and where it was put."""

    def __init__(self, start: int) -> None:
        self.seeds = itertools.count(start)
        self.used: dict[str, str] = {}

    def __call__(self, where: str) -> str:
        while True:
            seed = next(self.seeds)
            number = example_number(KINDS[seed % len(KINDS)], seed=seed % 97 + 1)
            if number not in self.used:
                self.used[number] = where
                return number


def string_fields(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    """(path, schema) of every string field of the input contract that is not an enum; ``0`` for a list item."""
    schema = self_contained(INPUT_SCHEMA)
    if isinstance(node, dict) and "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if "properties" in node:
        for name, sub in node["properties"].items():
            yield from string_fields(sub, (*path, name))
    elif "array" in kinds and isinstance(node.get("items"), dict):
        yield from string_fields(node["items"], (*path, 0))
    elif "string" in kinds and "enum" not in node:
        yield path, node


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    node = doc
    for part, nxt in itertools.pairwise(path):
        if isinstance(part, int):
            while len(node) <= part:
                node.append({} if not isinstance(nxt, int) else [])
            node = node[part]
        else:
            node = node.setdefault(part, [] if isinstance(nxt, int) else {})
    last = path[-1]
    if isinstance(last, int):
        while len(node) <= last:
            node.append("")
        node[last] = value
    else:
        node[last] = value


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        try:
            doc = doc[part]
        except (KeyError, IndexError, TypeError):
            return None
    return doc


def filled_request(numbers: Numbers) -> dict[str, Any]:
    """The example with a patient number in every string field that can hold one and stay valid."""
    request = copy.deepcopy(EXAMPLE)
    request["melding"].update({"vedlegg": [{"filnavn": "a.pdf", "mimetype": "application/pdf"}],
                               "forfatter": {"navn": "Sykepleier Ola"}, "fagomrader": ["lunge"], "emne": "Spørsmål",
                               "referanse": {"type": "epikrise", "dato": "2025-05-28", "id": "ref"}})
    request["kontekst"].update({"fastlege": {"journalsystem": "System"}, "kommunale_vedtak": ["sykepleie"],
                                "innleggelse": {"start": "2025-05-20T10:00", "slutt": "2025-05-28T10:00"}})
    validator = fast_validator(INPUT_SCHEMA)
    for path, _schema in string_fields(self_contained(INPUT_SCHEMA)):
        where = ".".join(map(str, path))
        number = numbers(where)
        base = _get(request, path)
        for candidate in (f"{base or 'x'} {number}", number, f"text/plain; x={number}", f"{number[:6]} {number[6:]}"):
            trial = copy.deepcopy(request)
            _set(trial, path, candidate)
            if validator.is_valid(trial):
                request = trial
                break
        else:
            numbers.used.pop(number)  # dates, codes: no number fits; they are tried in malformed requests
    return request


def malformed_requests(numbers: Numbers) -> Iterator[dict[str, Any]]:
    """Requests that are wrong because of a patient number: as an unknown key, where a date or code
    belongs, as an enum value, with a wrong check digit, and in an XML wrapper's context."""
    for path, _schema in string_fields(self_contained(INPUT_SCHEMA)):
        request = copy.deepcopy(EXAMPLE)
        _set(request, path, numbers(".".join(map(str, path))) + "x" * 100_001)  # too long, or not of the form
        yield request
    for key in ("melding", "kontekst", None):
        request = copy.deepcopy(EXAMPLE)
        (request[key] if key else request)[numbers(f"key:{key}")] = "x"
        yield request
    for field in ("type", "formal", "hastegrad"):
        request = copy.deepcopy(EXAMPLE)
        request["melding"][field] = numbers(field)
        yield request
    wrong = numbers("check digit")
    request = copy.deepcopy(EXAMPLE)
    request["melding"]["pasient"]["id"] = wrong[:-1] + str((int(wrong[-1]) + 1) % 10)
    numbers.used[request["melding"]["pasient"]["id"]] = "wrong check digit"
    yield request


def xml_variants(numbers: Numbers) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each XML example with a number in every free text (a second time in every text at all), and its context."""
    for path in XML_EXAMPLES:
        xml = path.read_text(encoding="utf-8")
        for number in re.findall(r"(?<!\d)\d{11}(?!\d)", xml):
            numbers.used.setdefault(number, f"{path.name}: as shipped")
        context = json.loads(path.with_suffix(".kontekst.json").read_text(encoding="utf-8"))

        def in_texts(match: re.Match[str], only_words: bool, name: str = path.name) -> str:
            text = match.group(1)
            if only_words and not re.search(r"[A-Za-zÆØÅæøå]{3}", text):
                return match.group(0)
            return f">{text} {numbers(name)}<"

        yield re.sub(r">([^<>]*\S[^<>]*)<", lambda m: in_texts(m, True), xml), context
        yield re.sub(r">([^<>]*\S[^<>]*)<", lambda m: in_texts(m, False), xml), context
        yield xml, {**context, "kontekst": {**context.get("kontekst", {}), numbers("xml context key"): 1}}


def events(request: dict[str, Any], numbers: Numbers) -> list[dict[str, Any]]:
    """Monitor events whose every text holds a number: a message (the filled request), its receipt,
    an answer naming it, an admission and discharge, and a clock."""
    msg_id = f"MSG-{numbers('event message id')}"
    melding = copy.deepcopy(request["melding"])
    # the parties as in the example, so that the pack's scope takes the thread and its rules follow it
    melding.update({"id": msg_id, "samtale_id": f"T-{numbers('event thread')}", "type": "foresporsel",
                    "avsender": EXAMPLE["melding"]["avsender"], "mottakere": EXAMPLE["melding"]["mottakere"]})
    melding.pop("svar_pa", None)
    admission = f"ADM-{numbers('admission id')}"
    patient = numbers("event patient")
    answer = copy.deepcopy(melding)
    answer.update({"id": f"SVAR-{numbers('answer id')}", "svar_pa": msg_id, "type": "svar",
                   "avsender": melding["mottakere"][0], "mottakere": [melding["avsender"]]})
    return [
        {"hendelse": "melding", "id": f"E-{numbers('event id')}", "tidspunkt": "2025-06-02T10:00",
         "retning": "sendt", "melding": melding, "kontekst": request["kontekst"]},
        {"hendelse": "kvittering", "tidspunkt": "2025-06-02T10:01",
         "kvittering": {"melding_id": msg_id, "status": "avvist",
                        "feil": [{"kode": "E21", "tekst": f"Ukjent pasient {numbers('receipt text')}"}]}},
        {"hendelse": "innleggelse", "tidspunkt": "2025-06-03T08:00", "pasient": {"id": patient},
         "innleggelse": {"id": admission, "sykehus": melding["mottakere"][0], "kommune": melding["avsender"]}},
        {"hendelse": "klokke", "tidspunkt": "2025-06-20T00:00"},
        {"hendelse": "melding", "tidspunkt": "2025-06-21T10:00", "retning": "mottatt", "melding": answer,
         "kontekst": request["kontekst"]},
        {"hendelse": "utskrivning", "tidspunkt": "2025-06-22T12:00", "pasient": {"id": patient},
         "innleggelse": {"id": admission}},
    ]


def bad_events(numbers: Numbers) -> list[dict[str, Any]]:
    return [{"hendelse": "klokke", "tidspunkt": numbers("bad event time")},
            {"hendelse": "kvittering", "tidspunkt": "2025-06-02T10:00", numbers("bad event key"): 1,
             "kvittering": {"melding_id": "m", "status": "ok"}},
            {"hendelse": "innleggelse", "tidspunkt": "2025-06-02T10:00", "pasient": {"id": numbers("bad") + "1"},
             "innleggelse": {"id": "a"}}]


# --------------------------------------------------------------------------- scanning

def variants(number: str) -> list[bytes]:
    out = []
    for text in (number, f"{number[:6]} {number[6:]}"):
        out += [text.encode("utf-8"), text.encode("utf-16-le")]
    return out


def leaks(numbers: Numbers, blobs: dict[str, bytes]) -> list[str]:
    found = []
    for name, blob in blobs.items():
        for number, where in numbers.used.items():
            if any(v in blob for v in variants(number)):
                found.append(f"{name}: the number put in {where}")
    return found


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
            and not p.name.endswith((".json", ".jsonl", ".xml"))}  # the inputs this test wrote itself


def cli(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> bytes:
    proc = subprocess.run([sys.executable, "-m", "engine", *args], capture_output=True, cwd=cwd, timeout=300,
                          env={**os.environ, **(env or {})})
    assert b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")
    return proc.stdout + proc.stderr


# --------------------------------------------------------------------------- the test

def test_python_api_and_command_line_never_show_a_patient_number(engine: Engine, tmp_path: Path) -> None:
    numbers = Numbers(1)
    request = filled_request(numbers)
    assert len(numbers.used) > 20  # the number went into many fields
    out: dict[str, bytes] = {}
    decision = engine.evaluate(request, explain=True)
    out["python: decision"] = json.dumps(decision.to_dict(), ensure_ascii=False).encode()
    out["python: text"] = (decision_text(decision) + repr(decision)).encode()
    out["python: explain"] = (json.dumps(explain(engine, request), ensure_ascii=False, default=str)
                              + explain_text(explain(engine, request))).encode()
    errors = []
    for bad in malformed_requests(numbers):
        with pytest.raises(InputError) as caught:
            engine.evaluate(bad)
        errors.append(f"{caught.value} {caught.value.path} {caught.value.message}")
    out["python: errors"] = "\n".join(errors).encode()
    assert len(errors) > 30

    files = tmp_path / "requests"
    files.mkdir()
    (files / "filled.json").write_text(json.dumps(request, ensure_ascii=False), encoding="utf-8")
    named = files / f"{numbers('file name')}.json"  # an export named after the patient
    named.write_text(json.dumps(request, ensure_ascii=False), encoding="utf-8")
    for i, bad in enumerate(malformed_requests(numbers)):
        (files / f"bad-{i}.json").write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    bad_files = sorted(str(p) for p in files.glob("bad-*.json"))
    out["cli: evaluate"] = cli("evaluate", str(files / "filled.json"), str(named), "--explain")
    out["cli: evaluate text"] = cli("evaluate", str(files / "filled.json"), str(named), "--format", "text",
                                    "--explain")
    out["cli: explain"] = cli("explain", str(named)) + cli("explain", str(named), "--format", "json")
    out["cli: errors"] = cli("evaluate", *bad_files) + cli("evaluate", *bad_files, "--format", "json")
    out["cli: one error"] = b"".join(cli("evaluate", f) for f in bad_files[:10])
    lines = files / f"{numbers('file name')}.jsonl"  # a batch of requests and bad lines, named after a patient
    lines.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n"
                             for r in [request, *malformed_requests(numbers), request]), encoding="utf-8")
    out["cli: batch"] = cli("batch", str(lines), "--workers", "2") + cli("batch", str(lines), "--workers", "1")
    assert leaks(numbers, out) == []


@pytest.mark.requires_monitor
def test_the_service_and_the_monitor_never_store_or_show_a_patient_number(tmp_path: Path) -> None:
    numbers = Numbers(1000)
    request = filled_request(numbers)
    out: dict[str, bytes] = {}
    site = tmp_path / "site"
    site.mkdir()
    with running_server(site) as server:
        status, _, body = server.post_json("/v1/decisions", request)
        assert status == 200
        out["http: decision"] = body
        out["http: text"] = server.request("POST", "/v1/decisions?explain=true", json.dumps(request).encode(),
                                           {"content-type": "application/json", "accept": "text/plain"})[2]
        bad = list(malformed_requests(numbers))
        status, _, body = server.post_json("/v1/decisions:batch", {"requests": [request, *bad]})
        assert status == 200 and json.loads(body)["counts"]["error"] == len(bad)
        out["http: batch"] = body
        out["http: errors"] = b"".join(server.post_json("/v1/decisions", b)[2] for b in bad[:15])
        for i, (xml, context) in enumerate(xml_variants(numbers)):
            out[f"http: xml {i}"] = server.post_json("/v1/decisions", {"xml": xml, **context})[2]
            out[f"http: raw xml {i}"] = server.request("POST", "/v1/decisions", xml.encode(),
                                                       {"content-type": "application/xml"})[2]
        stray = numbers("url")
        out["http: url"] = b"".join(server.request(method, path)[2] for method, path in (
            ("GET", f"/v1/packs/{stray}"), ("GET", f"/v1/findings?kind={stray}"),
            ("GET", f"/v1/findings?{stray}=1"), ("POST", f"/v1/decisions?pack={stray}"), ("GET", f"/{stray}")))
        status, _, body = server.post_json("/v1/events", {"events": events(request, numbers)})
        assert status == 200, body
        out["http: events"] = body
        out["http: bad events"] = b"".join(server.post_json("/v1/events", e)[2] for e in bad_events(numbers))
        out["http: findings"] = server.request("GET", "/v1/findings?status=all")[2]
        assert json.loads(out["http: findings"])["findings"], "the events made findings to look at"
        out["http: metrics"] = server.request("GET", "/metrics")[2]
        out["http: ready"] = server.request("GET", "/readyz")[2] + server.request("GET", "/v1/packs")[2]
    env = {"DIALOGVAKT_MONITOR_SECRET": SECRET}
    stream = tmp_path / "events.jsonl"
    stream.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in events(request, numbers)) + "\n",
                      encoding="utf-8")
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in bad_events(numbers)) + "\n",
                      encoding="utf-8")
    store = site / "monitor.sqlite"
    out["cli: replay"] = cli("monitor", "replay", str(stream), "--format", "json") + cli(
        "monitor", "replay", str(stream))
    out["cli: feed"] = cli("monitor", "feed", str(stream), "--store", str(store), env=env)
    out["cli: feed errors"] = cli("monitor", "feed", str(broken), "--store", str(store), env=env) + cli(
        "monitor", "replay", str(broken))
    out["cli: findings"] = cli("monitor", "findings", "--store", str(store), "--format", "json", env=env)
    secret_file = site / "secret"
    out["cli: log"] = b"".join(cli("log", "--db", str(server.db), "--format", fmt) for fmt in ("json", "jsonl",
                                                                                                   "text"))
    proc = subprocess.run([sys.executable, "-m", "engine", "log", "--db", str(server.db), "--patient-stdin",
                           "--secret-file", str(secret_file), "--format", "json"], input=request["melding"]["pasient"]
                          ["id"].encode(), capture_output=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0 and json.loads(proc.stdout), proc.stderr
    out["cli: log by patient"] = proc.stdout + proc.stderr
    out.update({f"file {name}": blob for name, blob in files_under(site).items()})
    assert any(name.endswith(".monitor.sqlite") for name in out), sorted(out)
    assert leaks(numbers, out) == []
