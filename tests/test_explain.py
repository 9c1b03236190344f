"""`dialogvakt explain`: every rule with its result, each condition with the value it saw."""

from __future__ import annotations

import json

import pytest

from engine.cli import main
from engine.eval.explain import explain, explain_text

from .conftest import ROOT

EXAMPLES = sorted((ROOT / "examples").glob("*.json"))


def _request(name: str) -> dict:
    return json.loads((ROOT / "examples" / name).read_text(encoding="utf-8"))


def _walk(nodes):
    for n in nodes:
        yield n
        for key in ("all", "any", "not"):
            if key in n:
                yield from _walk(n[key])


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_explain_agrees_with_the_decision(engine, path):
    """The rules the explanation marks as fired are exactly those the decision rests on, pack by pack."""
    request = json.loads(path.read_text(encoding="utf-8"))
    doc = explain(engine, request)
    decision = engine.evaluate(request, explain=True)
    assert doc["decision"] == decision.decision
    assert [p["id"] for p in doc["packs"]] == [p.id for p in decision.packs]
    by_trace = {(t["pack"], t["rule"]): t["result"] for t in decision.trace}
    by_doc = {(p["id"], r["rule"]): r["result"] for p in doc["packs"] for r in p["rules"]}
    assert by_doc == by_trace
    fired = {rule for (_pack, rule), result in by_doc.items() if result == "fired"}
    assert {r.rule for r in (*decision.reasons, *decision.obligations, *decision.advice)
            if not r.rule.endswith(".gyldighet")} <= fired


def test_conditions_show_the_value_seen_and_the_parameter_compared(engine):
    request = _request("d81023-01-sporsmal-nylig-utskrevet.json")
    doc = explain(engine, request, rule="d81023-2-nylig-utskrevet")
    (rule,) = doc["packs"][0]["rules"]
    assert rule["result"] == "not_fired"
    nodes = list(_walk(rule["conditions"]))
    days = next(n for n in nodes if n.get("fact") == "kontekst.dager_siden_utskrivning")
    assert days["operand"] == {"param": "nylig_utskrevet_dager"}
    assert days["operand_value"] == engine.packs["helse-bergen-d81023"].parameters["nylig_utskrevet_dager"].value
    assert days["value"] == 5 and days["result"] == "false"
    status = next(n for n in nodes if n.get("fact") == "kontekst.pasientstatus")
    assert status["value"] == "utskrevet" and status["result"] == "true"


def test_a_fired_rule_shows_which_branch_held(engine):
    doc = explain(engine, _request("d81023-02-oyeblikkelig-hjelp.json"), rule="d81023-5.1-oyeblikkelig-hjelp")
    (rule,) = doc["packs"][0]["rules"]
    assert rule["result"] == "fired" and doc["decision"] == "deny"
    (top,) = rule["conditions"]
    assert "any" in top and top["result"] == "true"
    assert {n["fact"]: n["result"] for n in top["any"]}["melding.formal"] == "true"
    text = explain_text(doc)
    assert "[SLO TIL] d81023-5.1-oyeblikkelig-hjelp" in text
    assert "✓ melding.formal er øyeblikkelig hjelp: verdien var «øyeblikkelig hjelp»" in text


def test_an_undecided_rule_names_what_is_missing(engine):
    doc = explain(engine, _request("d81023-07-mangler-pasientstatus.json"))
    assert doc["decision"] == "indeterminate"
    rules = {r["rule"]: r for r in doc["packs"][0]["rules"]}
    assert rules["d81023-2-pasientforlop"]["result"] == "undecided"
    assert rules["d81023-2-pasientforlop"]["missing"] == ["kontekst.pasientstatus"]
    assert "kontekst.pasientstatus" in doc["missing"]
    assert "? kontekst.pasientstatus er ingen av" in explain_text(doc, only="undecided")


def test_scope_says_which_packs_were_chosen_and_which_not(engine):
    doc = explain(engine, _request("so-plo-01-tidligmelding.json"))
    chosen = {s["pack"] for s in doc["scope"] if s["selected"]}
    assert chosen == {p["id"] for p in doc["packs"]} and chosen
    assert {s["pack"] for s in doc["scope"]} == set(engine.packs)
    named = explain(engine, _request("so-plo-01-tidligmelding.json"), pack="helse-bergen-d81023")
    assert named["scope"] == [] and [p["id"] for p in named["packs"]] == ["helse-bergen-d81023"]


def test_cli_text_and_json(capsys):
    path = str(ROOT / "examples" / "d81023-02-oyeblikkelig-hjelp.json")
    assert main(["explain", path]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Avgjørelse: AVVIST")
    assert "rules.yaml:" in text  # where the rule is written, for the author
    assert main(["explain", path, "--format", "json", "--only", "fired"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["decision"] == "deny"


def test_patient_number_never_shown(capsys, tmp_path):
    request = _request("d81023-07-mangler-pasientstatus.json")
    number = request["melding"]["pasient"]["id"]
    request["melding"]["tekst"] = f"Lungesykdommer: gjelder {number}, se epikrise."
    path = tmp_path / "req.json"
    path.write_text(json.dumps(request), encoding="utf-8")
    for fmt in ("text", "json"):
        assert main(["explain", str(path), "--format", fmt]) == 0
        out = capsys.readouterr()
        assert number not in out.out + out.err


def test_bad_input_and_unknown_rule_are_one_line_errors(capsys, tmp_path):
    request = _request("d81023-01-sporsmal-nylig-utskrevet.json")
    request["melding"]["type"] = "brev"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(request), encoding="utf-8")
    assert main(["explain", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "$.melding.type" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    good = str(ROOT / "examples" / "d81023-01-sporsmal-nylig-utskrevet.json")
    assert main(["explain", good, "--rule", "d81023-9-finnes-ikke"]) == 2
    assert "d81023-2-nylig-utskrevet" in capsys.readouterr().err  # the known ids are listed
    assert main(["explain", good, "--pack", "ukjent-pakke"]) == 2
