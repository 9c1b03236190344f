"""dialogvakt batch: JSON Lines in, the same decision documents as one evaluation at a time, in order, in
bounded memory; a bad line gets its own answer and the others are still answered."""

from __future__ import annotations

import io
import itertools
import json
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from engine import Engine
from engine.cli import main
from engine.contract.identifiers import example_number
from engine.eval.batch import EngineSpec, Line, ordered_map, read_lines, run_batch

from .conftest import ROOT

CORPUS = ROOT / "corpus" / "meldinger.jsonl"
SPEC = EngineSpec(str(ROOT / "policies"), allow_synthetic_ids=True)


@pytest.fixture(scope="module")
def test_engine() -> Engine:
    return SPEC.build()


def corpus_lines(n: int) -> list[bytes]:
    with CORPUS.open("rb") as f:
        return list(itertools.islice(f, n))


@pytest.mark.parametrize("workers", [1, 2])
def test_each_answer_is_the_document_evaluate_gives_in_input_order(workers: int, test_engine: Engine) -> None:
    raw = corpus_lines(600)
    answers = list(run_batch(read_lines(raw), SPEC, workers=workers, chunk_size=50))
    assert [a.number for a in answers] == list(range(1, len(raw) + 1))
    for line, answer in zip(raw, answers, strict=True):
        decision = test_engine.evaluate(orjson.loads(line))
        assert answer.document == decision.to_json()
        assert answer.decision == decision.decision and answer.error is None
        # as `dialogvakt evaluate --format json` prints it
        assert json.loads(answer.document) == json.loads(json.dumps(decision.to_dict(), ensure_ascii=False))


def bad_corpus(tmp_path: Path) -> tuple[Path, str]:
    number = example_number("fnr")
    good = corpus_lines(4)
    request = orjson.loads(good[0])
    request["melding"]["notat_" + number] = "x"         # a patient number as an unknown key
    unknown_type = orjson.loads(good[1])
    unknown_type["melding"]["type"] = "brev"             # not a type of the contract
    in_text = orjson.loads(good[2])
    in_text["melding"]["pasient"] = {"id": number[:-1] + str((int(number[-1]) + 1) % 10)}  # a bad check digit
    lines = [
        good[0],                                         # 1
        b'{"melding": {"type": "svar",\n',               # 2: invalid JSON
        orjson.dumps(request) + b"\n",                   # 3
        b"\n",                                           # 4: blank, skipped
        orjson.dumps(unknown_type) + b"\n",              # 5
        b"[1, 2]\n",                                     # 6: not an object
        b"\xff\xfe{}\n",                                 # 7: not UTF-8
        orjson.dumps(in_text) + b"\n",                   # 8
        good[3],                                         # 9
    ]
    path = tmp_path / "inn.jsonl"
    path.write_bytes(b"".join(lines))
    return path, number


@pytest.mark.parametrize("workers", ["1", "2"])
def test_bad_lines_get_their_own_answer_and_the_others_are_answered(
        tmp_path: Path, workers: str, capsys: pytest.CaptureFixture[str], test_engine: Engine) -> None:
    path, number = bad_corpus(tmp_path)
    out = tmp_path / "ut.jsonl"
    status = main(["--policies", str(ROOT / "policies"), "batch", str(path), "--out", str(out),
                   "--workers", workers, "--test-environment"])
    err = capsys.readouterr().err
    assert status == 2
    docs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(docs) == 8  # every non-blank line, in order
    assert [d.get("line") for d in docs] == [None, 2, 3, 5, 6, 7, 8, None]
    good = corpus_lines(4)
    assert docs[0] == json.loads(test_engine.evaluate(orjson.loads(good[0])).to_json())  # the same document
    assert docs[-1]["decision"] == test_engine.evaluate(orjson.loads(good[3])).decision
    problems = {d["line"]: d for d in docs if "line" in d}
    assert problems[2]["error"].startswith("linje 2, kolonne ") and "ugyldig JSON" in problems[2]["error"]
    assert problems[3]["path"] == "$.melding.notat_[personnummer]"
    assert problems[3]["error"].startswith("linje 3: $.melding.notat_[personnummer]: ukjent felt")
    assert problems[5]["path"] == "$.melding.type" and "ukjent verdi" in problems[5]["error"]
    assert problems[6] == {"line": 6, "path": "$", "error": "linje 6: $: forespørselen må være et JSON-objekt"}
    assert problems[7]["error"] == "linje 7: $: er ikke UTF-8-tekst"
    assert problems[8]["path"] == "$.melding.pasient.id"
    for line in (2, 3, 5, 6, 7, 8):
        assert f"{path}: linje {line}" in err  # named on standard error too
    assert "Lest 8 linjer: 2 avgjørelser" in err and "6 feil linjer" in err
    everything = out.read_text(encoding="utf-8") + err
    assert number not in everything and number[:-1] not in everything
    assert "Traceback" not in err


def test_all_lines_answered_exits_0_with_a_summary_and_reads_standard_input(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    data = b"".join(corpus_lines(20))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["batch", "-", "--workers", "1", "--test-environment"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert len(lines) == 20 and all(json.loads(line)["contract"] == "1" for line in lines)
    summary = captured.err.strip().splitlines()[-1]
    assert re.fullmatch(r"Lest 20 linjer: 20 avgjørelser \(tillatt \d+, avvist \d+, ubestemt \d+, ikke aktuell "
                        r"\d+\), 0 feil linjer; \d+,\d s, \d+ avgjørelser/s", summary), summary
    assert "\r" not in captured.err  # no progress bar when standard error is not a terminal


def test_pack_and_at_are_those_of_evaluate(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           test_engine: Engine) -> None:
    sent = [line for line in corpus_lines(60) if "sendt" in orjson.loads(line)["melding"]]
    path = tmp_path / "inn.jsonl"
    path.write_bytes(b"".join(sent))
    out = tmp_path / "ut.jsonl"
    assert main(["batch", str(path), "--out", str(out), "--pack", "helse-bergen-d81023", "--at", "message",
                 "--workers", "1", "--test-environment"]) == 0
    for line, answer in zip(sent, out.read_text(encoding="utf-8").splitlines(), strict=True):
        request = orjson.loads(line)
        expected = test_engine.evaluate(request, pack="helse-bergen-d81023", at=request["melding"]["sendt"])
        assert answer == expected.to_json()


def test_usage_errors_are_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["batch", str(tmp_path / "finnes-ikke.jsonl")]) == 2
    assert "finnes ikke" in capsys.readouterr().err
    assert main(["batch", str(CORPUS), "--pack", "finnes-ikke"]) == 2
    assert "ukjent retningslinje 'finnes-ikke'" in capsys.readouterr().err
    assert main(["batch", str(CORPUS), "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err
    assert main(["batch", str(CORPUS), "--at", "i går"]) == 2
    assert "--at" in capsys.readouterr().err


def test_help_tells_the_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["batch", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "Exit status 0 when every line was answered" in text and "2 when some lines were bad" in text


def _counted(n: int, seen: list[int]) -> Iterator[Line]:
    raw = corpus_lines(50)
    for i, line in enumerate(itertools.islice(itertools.cycle(raw), n), start=1):
        seen[0] += 1
        yield Line(i, line)


@pytest.mark.parametrize(("workers", "chunk_size", "in_flight", "bound"), [(1, 256, None, 1), (2, 16, 3, 48)])
def test_lines_read_ahead_of_the_answers_are_bounded(workers: int, chunk_size: int, in_flight: int | None,
                                                      bound: int) -> None:
    pulled = [0]
    ahead = []
    answered = 0
    for answer in run_batch(_counted(3000, pulled), SPEC, workers=workers, chunk_size=chunk_size,
                            in_flight=in_flight):
        answered += 1
        assert answer.number == answered
        ahead.append(pulled[0] - answered + 1)  # read but not yet given back, this one included
    assert answered == 3000
    assert max(ahead) <= bound
    assert max(ahead) >= min(bound, chunk_size)  # it did read ahead, by whole chunks


def _square_factory() -> object:
    return lambda x: x * x


def test_ordered_map_keeps_order_with_several_workers() -> None:
    items = range(1000)
    assert list(ordered_map(_square_factory, items, workers=2, chunk_size=7)) == [x * x for x in items]  # type: ignore[arg-type]


def test_diff_through_the_pool_gives_the_report_of_one_process(tmp_path: Path) -> None:
    from engine.authoring.diff import diff

    revised = tmp_path / "helse-bergen-d81023"
    shutil.copytree(ROOT / "policies" / "helse-bergen-d81023", revised)
    pack = revised / "pack.yaml"
    pack.write_text(pack.read_text(encoding="utf-8").replace("valid_to: 2026-03-20", "valid_to: 2026-09-30"),
                    encoding="utf-8")
    corpus = tmp_path / "korpus.jsonl"
    corpus.write_bytes(b"".join(corpus_lines(900)))
    old = str(ROOT / "policies" / "helse-bergen-d81023")
    one, two = (diff(old, str(revised), corpus, workers=w) for w in (1, 2))
    assert one.changed and one.to_dict() == two.to_dict() and one.text() == two.text()


def test_diff_through_the_pool_names_a_bad_corpus_line(tmp_path: Path) -> None:
    from engine.authoring.diff import DiffError, diff

    (tmp_path / "a.jsonl").write_bytes(b"".join(corpus_lines(300)) + b'{"melding": \n' + corpus_lines(1)[0])
    with pytest.raises(DiffError, match=r"^a\.jsonl:301:"):
        diff(str(ROOT / "policies"), str(ROOT / "policies"), tmp_path, workers=2)


def test_coverage_through_the_pool_gives_the_report_of_one_process() -> None:
    from engine.authoring.coverage import compute, report_text

    engine = Engine.from_directory(ROOT / "policies")
    one, two = (compute(engine, features=ROOT / "features", workers=w) for w in (1, 2))
    assert one.tests_run > 100 and one.scenarios_run > 100
    assert one.to_dict() == two.to_dict()
    assert report_text(one) == report_text(two)


def test_a_line_too_long_is_answered_without_being_kept() -> None:
    good = corpus_lines(2)
    stream = io.BytesIO(good[0] + b'{"melding": "' + b"x" * 5000 + b'"}\n' + good[1])
    lines = list(read_lines(stream, max_line=1000))
    assert [(line.number, line.too_long, len(line.raw) <= 1001) for line in lines] == [
        (1, False, True), (2, True, True), (3, False, True)]
    assert lines[2].raw == good[1]
    answers = list(run_batch(lines, SPEC))
    assert answers[1].error == "linje 2: $: linjen er lengre enn 20 MiB og er ikke lest"
    assert answers[0].error is None and answers[2].error is None


def test_policies_may_follow_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "inn.jsonl"
    path.write_bytes(b"".join(corpus_lines(3)))
    assert main(["batch", str(path), "--policies", str(tmp_path / "ingen"), "--workers", "1"]) == 2
    assert "ingen" in capsys.readouterr().err  # the folder is named, as evaluate names it
    assert main(["batch", str(path), "--policies", str(ROOT / "policies"), "--workers", "1",
                 "--test-environment"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3
