"""dialogvakt diff: the messages a pack revision changes, checked against what the corpus itself says."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from engine.authoring.diff import DiffError, diff, read_corpus
from engine.cli import main

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
D81023 = ROOT / "policies" / "helse-bergen-d81023"
PACK_ID = "helse-bergen-d81023"
OLD_END, NEW_END = dt.date(2026, 3, 20), dt.date(2026, 9, 30)
OLD_DAYS, NEW_DAYS = 30, 14


def revise(folder: Path) -> Path:
    """A copy of D81023 with a longer validity window and 14 instead of 30 days for 'nylig utskrevet'."""
    target = folder / PACK_ID
    shutil.copytree(D81023, target)
    path = target / "pack.yaml"
    text = path.read_text(encoding="utf-8")
    text, n1 = re.subn(r"(?m)^valid_to: 2026-03-20$", f"valid_to: {NEW_END.isoformat()}", text)
    text, n2 = re.subn(r"(nylig_utskrevet_dager:\n(?:[ \t]+.*\n)*?[ \t]+value:) 30\b", rf"\g<1> {NEW_DAYS}", text)
    assert n1 == 1 and n2 == 1, "the pack no longer looks as this test expects"
    path.write_text(text, encoding="utf-8")
    return target


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(args))
    return status, out.getvalue(), err.getvalue()


# --------------------------------------------------------------------------- independent expectations

def _norm(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _helse_bergen_names() -> set[str]:
    pack = yaml.safe_load((D81023 / "pack.yaml").read_text(encoding="utf-8"))
    vocabulary = pack["vocabularies"]["helse_bergen"]
    if "reference" in vocabulary:  # the terms are in the reference data the packs share
        shared = yaml.safe_load((D81023.parent / "referansedata.yaml").read_text(encoding="utf-8"))
        vocabulary = shared["vocabularies"][vocabulary["reference"]]
    names = set()
    for term in vocabulary["terms"]:
        names.add(_norm(term["term"]))
        names.update(_norm(a) for a in term.get("aliases", []))
    return names


def _in_d81023_scope(request: dict, names: set[str]) -> bool:
    """D81023's scope read from its pack.yaml: a dialog type between Helse Bergen and a municipality."""
    melding = request["melding"]
    if melding["type"] not in ("foresporsel", "svar", "avvik", "notat", "helsefaglig_dialog"):
        return False
    parties = [melding["avsender"], melding["mottakere"][0]]
    hospital = next((p for p in parties if p["kategori"] == "sykehus"), None)
    municipality = next((p for p in parties if p["kategori"] == "kommune"), None)
    if hospital is None or municipality is None:
        return False
    return bool({_norm(hospital.get("helseforetak", "")), _norm(hospital.get("organisasjon", ""))} & names)


@pytest.fixture(scope="module")
def corpus_by_name() -> dict[str, dict]:
    return {m.name: m.request for m in read_corpus(CORPUS)}


@pytest.fixture(scope="module")
def expected(corpus_by_name) -> dict[str, set[str]]:
    names = _helse_bergen_names()
    started, reworded, validity = set(), set(), set()
    for name, request in corpus_by_name.items():
        if not _in_d81023_scope(request, names):
            continue
        day = dt.date.fromisoformat(request["tidspunkt"][:10])
        if OLD_END < day <= NEW_END:
            validity.add(name)
        kontekst = request.get("kontekst", {})
        if kontekst.get("pasientstatus") == "utskrevet" and "utskrevet_dato" in kontekst:
            days = (day - dt.date.fromisoformat(kontekst["utskrevet_dato"])).days
            if NEW_DAYS < days <= OLD_DAYS:
                started.add(name)
            elif days > OLD_DAYS:
                reworded.add(name)  # still denied, but the explanation names the new number of days
    return {"started": started, "reworded": reworded, "validity": validity}


@pytest.fixture(scope="module")
def revised(tmp_path_factory) -> dict:
    folder = revise(tmp_path_factory.mktemp("revision"))
    status, text, err = run_cli("diff", str(D81023), str(folder), "--corpus", str(CORPUS))
    jstatus, jtext, _ = run_cli("diff", str(D81023), str(folder), "--corpus", str(CORPUS), "--format", "json")
    return {"status": status, "text": text, "err": err, "jstatus": jstatus, "json": json.loads(jtext)}


def _group(report: dict, kind: str, subject: str, change: str) -> set[str]:
    key = "rule" if kind == "rule" else "subject"
    found = [g for g in report["groups"] if g["kind"] == kind and g[key] == subject and g["change"] == change]
    return {m["message"] for g in found for m in g["messages"]}


# --------------------------------------------------------------------------- the revision of D81023

def test_a_revision_of_d81023_reports_exactly_the_messages_that_change(revised, expected):
    report = revised["json"]
    assert revised["status"] == 1 and revised["jstatus"] == 1
    reported = {m["message"] for g in report["groups"] for m in g["messages"]}
    assert expected["started"] and expected["reworded"] and expected["validity"]
    assert reported == expected["started"] | expected["reworded"] | expected["validity"]
    assert report["changed"] == len(reported)


def test_each_change_is_grouped_under_its_rule(revised, expected):
    report = revised["json"]
    assert _group(report, "rule", "d81023-2-nylig-utskrevet", "started") == expected["started"]
    assert _group(report, "rule", "d81023-2-nylig-utskrevet", "changed") == expected["reworded"]
    assert _group(report, "validity", PACK_ID, "expired->valid") == expected["validity"]
    # a message that is now denied loses its answer deadline; nothing else loses one
    lost = _group(report, "rule", "d81023-6-svartid", "stopped")
    assert lost and lost <= expected["started"]
    kinds = {(g["kind"], g.get("rule") or g.get("subject"), g["change"]) for g in report["groups"]}
    assert kinds == {("rule", "d81023-2-nylig-utskrevet", "started"), ("rule", "d81023-2-nylig-utskrevet", "changed"),
                     ("rule", "d81023-6-svartid", "stopped"), ("validity", PACK_ID, "expired->valid")}


def test_groups_carry_counts_and_decisions(revised, expected):
    report = revised["json"]
    for group in report["groups"]:
        assert group["count"] == len(group["messages"])
    started = next(g for g in report["groups"]
                   if g.get("rule") == "d81023-2-nylig-utskrevet" and g["change"] == "started")
    assert all(m["new"] == "deny" for m in started["messages"])
    assert all(m["before"] is None and "14 dager" in m["after"]["message"] for m in started["messages"])
    assert sum(report["decisions"].values()) == sum(1 for m in started["messages"] if m["old"] != "deny")


def test_the_text_report_groups_counts_and_summarises_in_bokmal(revised, expected):
    text = revised["text"]
    assert f"Regel d81023-2-nylig-utskrevet ({PACK_ID}) slår nå til: {len(expected['started'])} meldinger" in text
    assert f"Gyldighet for {PACK_ID}: utløpt → gjelder: {len(expected['validity'])} meldinger" in text
    assert re.search(r"^Sammendrag: \d+ av \d+ vurderte meldinger endres; \d+ får en annen avgjørelse", text, re.M)
    some = sorted(expected["started"])[0]
    assert re.search(rf"^    {re.escape(some)} \(korpus-\d+\): (\w+ → avvist|fortsatt avvist)$", text, re.M)


def test_no_patient_number_is_ever_printed(revised, corpus_by_name):
    numbers = {r["melding"]["pasient"]["id"] for r in corpus_by_name.values()}
    output = revised["text"] + revised["err"] + json.dumps(revised["json"], ensure_ascii=False)
    assert not [n for n in numbers if n in output]


# --------------------------------------------------------------------------- no change, errors, git

def test_identical_versions_report_nothing_and_exit_0():
    status, out, _ = run_cli("diff", str(ROOT / "policies"), str(ROOT / "policies"), "--corpus", str(CORPUS))
    assert status == 0
    assert "korpus-" not in out
    assert "Sammendrag: 0 av" in out


def test_pack_limits_the_comparison(tmp_path):
    policies = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", policies, ignore=shutil.ignore_patterns("helse-bergen-d81023"))
    revise(policies)
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join((CORPUS / "meldinger.jsonl").read_text(encoding="utf-8").splitlines(True)[:400]),
                      encoding="utf-8")
    assert run_cli("diff", str(ROOT / "policies"), str(policies), "--corpus", str(corpus),
                   "--pack", "sykehuset-ostfold")[0] == 0
    assert run_cli("diff", str(ROOT / "policies"), str(policies), "--corpus", str(corpus),
                   "--pack", PACK_ID)[0] == 1
    status, _, err = run_cli("diff", str(ROOT / "policies"), str(policies), "--corpus", str(corpus), "--pack", "nope")
    assert status == 2 and "nope" in err


def test_a_broken_version_is_an_error_with_file_and_line(tmp_path):
    broken = revise(tmp_path)
    rules = broken / "rules.yaml"
    broken_text = rules.read_text(encoding="utf-8").replace("    effect: deny\n", "    effect: forby\n", 1)
    rules.write_text(broken_text, encoding="utf-8")
    status, out, err = run_cli("diff", str(D81023), str(broken), "--corpus", str(CORPUS))
    assert status == 2
    assert re.search(r"rules\.yaml:\d+:\d+", err)
    assert out == ""


def test_a_missing_version_or_corpus_is_an_error(tmp_path):
    assert run_cli("diff", str(tmp_path / "nowhere"), str(D81023), "--corpus", str(CORPUS))[0] == 2
    status, _, err = run_cli("diff", str(D81023), str(D81023), "--corpus", str(tmp_path / "none"))
    assert status == 2 and "korpuset finnes ikke" in err


def test_a_bad_line_in_the_corpus_is_named_by_file_and_line(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"melding": {"type": "svar"}}\n{"melding": \n', encoding="utf-8")
    status, _, err = run_cli("diff", str(D81023), str(D81023), "--corpus", str(tmp_path))
    assert status == 2
    assert "a.jsonl:2:" in err


def test_invalid_requests_are_counted_not_compared(tmp_path):
    (tmp_path / "one.json").write_text('{"melding": {"type": "ukjent"}}', encoding="utf-8")
    (tmp_path / "two.yaml").write_text("melding: {type: foresporsel}\n", encoding="utf-8")
    report = diff(str(D81023), str(D81023), tmp_path)
    assert report.messages == 2 and report.invalid == ["one.json"] and not report.changed


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    (repo / "policies").mkdir(parents=True)
    shutil.copytree(D81023, repo / "policies" / PACK_ID)
    _git(repo, "init", "-q")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "first")
    shutil.rmtree(repo / "policies" / PACK_ID)
    revise(repo / "policies")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qam", "revised")
    return repo


@pytest.mark.slow
def test_git_revisions_give_the_same_diff_as_folders(repo, tmp_path, expected):
    from_git = diff(f"HEAD~1:policies/{PACK_ID}", f"HEAD:policies/{PACK_ID}", CORPUS, cwd=repo)
    from_folders = diff(str(D81023), str(repo / "policies" / PACK_ID), CORPUS)
    assert [(d.name, d.changes) for d in from_git.changed] == [(d.name, d.changes) for d in from_folders.changed]
    assert from_git.has_changes
    # a folder of packs in a revision works as well, and leaves no temporary folder behind
    before = set(Path(__import__("tempfile").gettempdir()).glob("dialogvakt-diff-*"))
    assert diff("HEAD~1:policies", "HEAD~1:policies", CORPUS, cwd=repo).changed == []
    assert set(Path(__import__("tempfile").gettempdir()).glob("dialogvakt-diff-*")) == before


@pytest.mark.slow
def test_git_errors_are_clear(repo, monkeypatch):
    with pytest.raises(DiffError, match="revisjonen 'HEAD~5' finnes ikke"):
        diff(f"HEAD~5:policies/{PACK_ID}", str(D81023), CORPUS, cwd=repo)
    with pytest.raises(DiffError, match="finnes ikke i revisjonen"):
        diff("HEAD:policies/nothing-here", str(D81023), CORPUS, cwd=repo)
    with pytest.raises(DiffError, match="ikke i et git-repository"):
        diff(f"HEAD:policies/{PACK_ID}", str(D81023), CORPUS, cwd=repo.parent)
    monkeypatch.setenv("PATH", "")
    with pytest.raises(DiffError, match="git finnes ikke"):
        diff(f"HEAD:policies/{PACK_ID}", str(D81023), CORPUS, cwd=repo)


@pytest.mark.slow
def test_a_pack_error_in_a_revision_names_the_revision_and_line(repo):
    rules = repo / "policies" / PACK_ID / "rules.yaml"
    broken_text = rules.read_text(encoding="utf-8").replace("    effect: deny\n", "    effect: forby\n", 1)
    rules.write_text(broken_text, encoding="utf-8")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qam", "broken")
    from engine.lang.loader import PackError

    with pytest.raises(PackError) as info:
        diff(f"HEAD~1:policies/{PACK_ID}", f"HEAD:policies/{PACK_ID}", CORPUS, cwd=repo)
    where = [str(p.location) for p in info.value.problems]
    assert any(re.fullmatch(rf"HEAD:policies/{PACK_ID}/rules\.yaml:\d+:\d+", w) for w in where), where


# --------------------------------------------------------------------------- comparing two outcomes

def _outcome(decision: str, packs: dict, findings: dict | None = None, missing: frozenset = frozenset()):
    from engine.authoring.diff import Outcome

    return Outcome(decision, packs, findings or {}, missing)


def test_compare_finds_nothing_in_equal_outcomes():
    from engine.authoring.diff import compare

    a = _outcome("deny", {"p": ("deny", "valid")}, {("p", "r"): ("deny", "tekst", ())})
    assert compare(a, a) == []


def test_compare_names_a_pack_decision_that_changes_without_a_rule_firing():
    from engine.authoring.diff import compare

    missing = frozenset({("kontekst.pasientstatus", "p")})
    old = _outcome("deny", {"p": ("allow", "valid"), "q": ("deny", "valid")}, missing=missing)
    new = _outcome("deny", {"p": ("indeterminate", "valid"), "q": ("deny", "valid")}, missing=missing)
    changes = compare(old, new)
    assert [(c.kind, c.pack, c.change) for c in changes] == [("decision", "p", "allow->indeterminate")]


def test_compare_names_rules_due_dates_validity_and_scope():
    from engine.authoring.diff import compare

    old = _outcome("allow", {"p": ("allow", "expired")},
                   {("p", "svar"): ("obligation", "m", (("senest", "2025-06-10"),))})
    new = _outcome("deny", {"p": ("deny", "valid"), "q": ("deny", "valid")},
                   {("p", "svar"): ("obligation", "m", (("senest", "2025-06-11"),)), ("p", "r"): ("deny", "x", ())})
    got = {(c.kind, c.pack, c.subject, c.change) for c in compare(old, new)}
    assert got == {("validity", "p", "p", "expired->valid"), ("scope", "q", "q", "started"),
                   ("rule", "p", "svar", "changed"), ("rule", "p", "r", "started")}
