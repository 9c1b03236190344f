"""A deterministic corpus of fictional requests in the input contract v1 (``dialogvakt corpus``).

The messages spread over the bundled packs' scopes and beyond them, with dates around the packs'
thresholds and validity windows, and now and then a fact missing. What they are made of
(organisations, services, sentences, weights) is in ``corpus.yaml`` beside this module; this module
only draws from it. The same seed and count give byte-identical output on every machine: the only
source of chance is ``random.Random(seed).random()``.

Patient numbers are fictional, from ``identifiers.example_number``: synthetic test numbers
(month + 80) for fødselsnummer and D-nummer, felles hjelpenummer for H-nummer (a synthetic
H-nummer cannot be written). Evaluate the corpus with ``allow_synthetic_ids=True``.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import yaml

from ..contract.errors import InputError
from ..contract.identifiers import example_number
from ..contract.times import OSLO

if TYPE_CHECKING:  # the engine is the caller's; generating a corpus needs none
    from ..eval.engine import Engine

ABSENT = "_"
CORPUS_FILE = "meldinger.jsonl"


@cache
def corpus_data() -> dict[str, Any]:
    """The generator's data (engine/corpus.yaml), read with the safe loader."""
    text = resources.files("engine.authoring").joinpath("corpus.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


class _Draw:
    """Weighted choices over one ``random.Random``."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def weighted(self, weights: Mapping[Any, float]) -> Any:
        total = sum(weights.values())
        x = self.rng.random() * total
        for value, weight in weights.items():
            x -= weight
            if x < 0:
                return value
        return list(weights)[-1]

    def one(self, items: Sequence[Any]) -> Any:
        return items[int(self.rng.random() * len(items))]

    def integer(self, low: int, high: int) -> int:
        return low + int(self.rng.random() * (high - low + 1))

    def in_range(self, text: str) -> int:
        low, high = (int(x) for x in str(text).split(".."))
        return self.integer(low, high)

    def chance(self, percent: float) -> bool:
        return self.rng.random() * 100 < percent


def _party(draw: _Draw, side: Mapping[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    party = dict(draw.one(data["organisations"][side["pool"]]))
    pool = draw.weighted(side.get("services", {ABSENT: 1}))
    if pool != ABSENT:
        party["tjeneste"] = draw.one(data["services"][pool])
    return party


def _timestamp(draw: _Draw, data: dict[str, Any]) -> dt.datetime:
    first = dt.date.fromisoformat(str(data["period"]["from"]))
    last = dt.date.fromisoformat(str(data["period"]["to"]))
    day = first + dt.timedelta(days=draw.integer(0, (last - first).days))
    hour = draw.in_range(draw.weighted(data["hours"]))
    return dt.datetime(day.year, day.month, day.day, hour, draw.integer(0, 59), tzinfo=OSLO)


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _text(draw: _Draw, kind: str, topic: str, receiver: dict[str, Any], data: dict[str, Any]) -> str | None:
    texts = data["texts"]
    if kind == ABSENT:
        return None
    opening = draw.weighted(data["fields"]["apning"])
    head = ""
    if opening == "tjeneste" and receiver.get("tjeneste"):
        head = texts["apning"]["tjeneste"].format(tjeneste=receiver["tjeneste"])
    elif opening in ("tjeneste", "organisasjon"):
        head = texts["apning"]["organisasjon"].format(organisasjon=receiver.get("organisasjon", ""))
    if kind == "bekreftelse":
        return draw.one(texts["bekreftelse"])
    if kind == "kort":
        return draw.one(texts["kort"])
    body = draw.one(texts[topic])
    if kind in ("forkortelser", "hast"):
        body = f"{body} {draw.one(texts[kind])}"
    elif kind in ("lang", "svaert_lang"):
        body = " ".join([body] + [texts["lang_avsnitt"]] * (4 if kind == "lang" else 7))
    return head + body


def _topic(sender: dict[str, Any], receiver: dict[str, Any], plo: bool, mtype: str) -> str:
    a, b = sender["kategori"], receiver["kategori"]
    if mtype == "avvik":
        return "avvik"
    if plo:
        return "plo"
    if mtype == "svar" and "pasient" not in (a, b):
        return "svar"
    if a == "pasient":
        return "pasient_til_legekontor"
    if b == "pasient":
        return "legekontor_til_pasient"
    if a == "sykehus":
        return "sykehus_til_fastlege" if b in ("fastlege", "legekontor") else "sykehus_til_kommune"
    return "fastlege_til_sykehus" if a in ("fastlege", "legekontor") else "kommune_til_sykehus"


def _put(target: dict[str, Any], path: list[str], value: Any) -> None:
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value


def _optional_bool(draw: _Draw, weights: Mapping[Any, float]) -> Any:
    value = draw.weighted(weights)
    return ABSENT if value == ABSENT else bool(value)


def _message(index: int, draw: _Draw, data: dict[str, Any]) -> dict[str, Any]:
    fields, ctx = data["fields"], data["kontekst"]
    name = draw.weighted({k: v["weight"] for k, v in data["scenarios"].items()})
    scenario = data["scenarios"][name]
    plo = bool(scenario.get("plo"))
    a = _party(draw, scenario["a"], data)
    alternative = scenario.get("b_alternativ")
    b_side = scenario["b"]
    if alternative and draw.chance(alternative["share"]):
        b_side = {**b_side, "pool": alternative["pool"]}
    b = _party(draw, b_side, data)
    mtype = draw.weighted(scenario["types"])
    a_to_b = draw.chance(scenario["a_til_b"])
    if "b_til_a_types" in scenario:
        if mtype == "sms_varsel":
            a_to_b = False
        elif mtype not in scenario["b_til_a_types"]:
            a_to_b = True
    sender, receiver = (a, b) if a_to_b else (b, a)
    tidspunkt = _timestamp(draw, data)
    sendt = tidspunkt - dt.timedelta(minutes=draw.integer(0, 9))
    message_id = f"korpus-{index + 1:05d}"

    melding: dict[str, Any] = {"id": message_id}
    if draw.weighted(fields["samtale_id"]) != ABSENT:
        melding["samtale_id"] = f"samtale-{draw.integer(1, max(1, index + 1)):05d}"
    melding["type"] = mtype
    if draw.weighted(fields["sendt"]) != ABSENT:
        melding["sendt"] = _iso(sendt)
    melding["avsender"] = sender
    mottakere = [receiver]
    patient_service = "pasient" in (sender["kategori"], receiver["kategori"])  # helsenorge.no, not a dialog message
    hospital = "sykehus" in (sender["kategori"], receiver["kategori"])
    for _ in range(0 if patient_service else int(draw.weighted(fields["kopimottakere"]))):
        side = scenario["b"] if receiver is b else scenario["a"]
        mottakere.append(_party(draw, side, data))
    melding["mottakere"] = mottakere
    if draw.weighted(fields["forfatter"]) != ABSENT and sender["kategori"] in data["persons"]:
        melding["forfatter"] = {"navn": draw.one(data["persons"][sender["kategori"]])}
    id_kind = draw.weighted(fields["pasient"])
    number = (example_number("fhn", seed=draw.integer(0, 99)) if id_kind == "hnr"
              else example_number(id_kind, synthetic=True, seed=draw.integer(0, 9999)))
    melding["pasient"] = {"id": number}

    extras = data["types"].get(mtype, {})
    formal = draw.weighted(extras.get("formal", fields["formal"]))
    if formal != ABSENT and not plo:
        melding["formal"] = formal
    hastegrad = draw.weighted(fields["hastegrad"])
    if hastegrad != ABSENT and not patient_service:
        melding["hastegrad"] = hastegrad
    if mtype == "avvik":
        cause = draw.weighted(extras["avvik_arsak"])
        if cause != ABSENT:
            melding["avvik_arsak"] = cause
    if "svar_pa" in extras and draw.weighted(extras["svar_pa"]) != ABSENT:
        # an earlier message of the corpus, or one from before it
        melding["svar_pa"] = f"korpus-{draw.integer(1, index):05d}" if index else "tidligere-00001"
    for key in ("valgt_time", "sensitiv"):
        if key in extras:
            value = _optional_bool(draw, extras[key])
            if value != ABSENT:
                melding[key] = value
    areas = draw.weighted(fields["fagomrader"])
    if areas != ABSENT and hospital:
        first = draw.one(data["fagomrader"])
        chosen = [first]
        if areas == "to":
            second = draw.one(data["fagomrader"])
            if second != first:
                chosen.append(second)
        melding["fagomrader"] = chosen
    text = _text(draw, draw.weighted(fields["tekst"]), _topic(sender, receiver, plo, mtype), receiver, data)
    if text is not None:
        melding["tekst"] = text
    fmt = draw.weighted(fields["format"])
    if fmt != ABSENT and not patient_service:
        melding["format"] = fmt
    count = int(draw.weighted(fields["vedlegg"]))
    if count:
        melding["vedlegg"] = [dict(f) for f in data["vedlegg_filer"][:count]]

    today = tidspunkt.date()

    def days_before(key: str) -> str | None:
        value = draw.weighted(ctx[key])
        return None if value == ABSENT else (today - dt.timedelta(days=draw.in_range(value))).isoformat()

    reference = draw.weighted(fields["referanse"])
    if reference != ABSENT and sender["kategori"] != "pasient":
        melding["referanse"] = {"type": reference,
                                "dato": (today - dt.timedelta(days=draw.integer(1, 60))).isoformat()}

    kontekst: dict[str, Any] = {}
    status = draw.weighted(ctx["pasientstatus"])
    if plo and status in ("poliklinisk", "henvist", "ingen_kontakt"):
        status = "innlagt"
    if mtype == "melding_om_utskrevet_pasient" and status != ABSENT:
        status = "utskrevet"
    if sender["kategori"] != "pasient" and receiver["kategori"] != "pasient" and status != ABSENT:
        kontekst["pasientstatus"] = status
    if status == "utskrevet":
        date = days_before("dager_siden_utskrivning")
        if mtype == "melding_om_utskrevet_pasient" and date is not None and draw.chance(60):
            date = today.isoformat()
        if date is not None:
            kontekst["utskrevet_dato"] = date
    if sender["kategori"] == "sykehus" or receiver["kategori"] == "sykehus":
        if status in ("utskrevet", "ingen_kontakt", "poliklinisk"):
            date = days_before("dager_siden_siste_kontakt")
            if date is not None:
                kontekst["siste_kontakt_dato"] = date
        if status in ("henvist", "ingen_kontakt"):
            date = days_before("dager_siden_henvisning")
            if date is not None:
                kontekst["henvisning_sendt_dato"] = date
        if status == "innlagt" or plo:
            hours = draw.weighted(ctx["timer_etter_innleggelse"])
            if hours != ABSENT:
                start = sendt - dt.timedelta(hours=draw.in_range(hours), minutes=draw.integer(0, 59))
                kontekst["innleggelse"] = {"start": _iso(start)}
        known = _optional_bool(draw, ctx["kjent_for_sykehuset"])
        if known != ABSENT:
            kontekst["kjent_for_sykehuset"] = known
    if "kommune" in (sender["kategori"], receiver["kategori"]):
        decisions = draw.weighted(ctx["kommunale_vedtak"])
        if decisions != ABSENT:
            kontekst["kommunale_vedtak"] = [d for d in str(decisions).split(",") if d]
    categories = {sender["kategori"], receiver["kategori"]}
    for spec in [*data["kontekst_valg"], *scenario.get("kontekst", ())]:
        if ("part" in spec and spec["part"] not in categories) or ("types" in spec and mtype not in spec["types"]):
            continue
        value = draw.weighted(spec["valg"])
        if value != ABSENT:
            _put(kontekst, spec["fact"].removeprefix("kontekst.").split("."), value)
    if "pasient" in (sender["kategori"], receiver["kategori"]):
        office: dict[str, Any] = {}
        services = draw.weighted(ctx["legekontor_tjenester"])
        every = ["bestill_time", "forny_resept", "e_konsultasjon", "kontakt_legekontoret"]
        chosen_services = {"alle": every, "uten_e_konsultasjon": [s for s in every if s != "e_konsultasjon"],
                           "bare_timebestilling": ["bestill_time"], "ingen": []}.get(services)
        if chosen_services is not None:
            office["aktiverte_tjenester"] = chosen_services
        booking = draw.weighted(ctx["timebestilling"])
        if booking != ABSENT:
            office["timebestilling"] = booking
        if office:
            kontekst["legekontor"] = office
        if mtype == "sms_varsel":
            value = _optional_bool(draw, ctx["varsling_avslatt"])
            if value != ABSENT:
                kontekst["varsling_avslatt"] = value

    request: dict[str, Any] = {"tidspunkt": _iso(tidspunkt), "melding": melding}
    if kontekst:
        request["kontekst"] = kontekst
    return request


def generate(n: int, seed: int) -> Iterator[dict[str, Any]]:
    """``n`` requests drawn with ``seed``; the same pair always gives the same requests."""
    if n < 0:
        raise ValueError("n must be zero or more")
    data = corpus_data()
    draw = _Draw(seed)
    for index in range(n):
        yield _message(index, draw, data)


def dumps(request: Mapping[str, Any]) -> str:
    """One request as one JSONL line (compact, UTF-8 text, keys in the order they were made)."""
    return json.dumps(request, ensure_ascii=False, separators=(",", ":"))


def write(n: int, seed: int) -> str:
    """The corpus as JSONL text."""
    return "".join(dumps(r) + "\n" for r in generate(n, seed))


README = """\
# Corpus

{n} fictional requests in the input contract v1 (`{file}`, one JSON document a line), made with

    dialogvakt corpus --n {n} --seed {seed} --out corpus

The same command gives these files byte for byte (a test checks it). The messages are drawn from
`engine/corpus.yaml`; patient numbers are synthetic test numbers and felles hjelpenummer, so evaluate
them as a test environment (`allow_synthetic_ids=True`). `dialogvakt diff OLD NEW --corpus corpus`
runs them under two versions of the packs.
"""


@overload
def write_folder(folder: Path, n: int, seed: int, engine: Engine) -> Spread: ...
@overload
def write_folder(folder: Path, n: int, seed: int, engine: None = None) -> None: ...
def write_folder(folder: Path, n: int, seed: int, engine: Engine | None = None) -> Spread | None:
    """Write ``folder/meldinger.jsonl`` and ``folder/README.md``; with an engine, return the spread."""
    folder.mkdir(parents=True, exist_ok=True)
    requests = list(generate(n, seed))
    (folder / CORPUS_FILE).write_text("".join(dumps(r) + "\n" for r in requests), encoding="utf-8")
    (folder / "README.md").write_text(README.format(n=n, seed=seed, file=CORPUS_FILE), encoding="utf-8")
    return None if engine is None else spread(engine, requests)


# --------------------------------------------------------------------------- how the corpus spreads

@dataclass
class Spread:
    """How a corpus spreads over packs, decisions and rules (under one set of packs)."""

    messages: int = 0
    invalid: int = 0
    packs: Counter[str] = field(default_factory=Counter)                  # pack id -> messages that selected it
    decisions: Counter[str] = field(default_factory=Counter)              # decision -> messages
    rules: Counter[str] = field(default_factory=Counter)                  # rule id -> messages where it fired
    validity: Counter[tuple[str, str]] = field(default_factory=Counter)   # (pack id, validity) -> messages
    all_rules: dict[str, list[str]] = field(default_factory=dict)         # pack id -> its rule ids

    def silent_rules(self) -> list[str]:
        return [r for ids in self.all_rules.values() for r in ids if not self.rules[r]]

    def text(self) -> str:
        lines = [f"{self.messages} meldinger ({self.invalid} ugyldige)", "Avgjørelser:"]
        lines += [f"  {d:<16} {c:>6}" for d, c in sorted(self.decisions.items())]
        lines.append("Retningslinjer valgt etter omfang:")
        lines += [f"  {p:<28} {c:>6}" for p, c in sorted(self.packs.items())]
        lines.append("Gyldighet:")
        lines += [f"  {p:<28} {v:<14} {c:>6}" for (p, v), c in sorted(self.validity.items())]
        lines.append("Regler som slo til (antall meldinger):")
        for ids in self.all_rules.values():
            for rule in ids:
                lines.append(f"  {rule:<60} {self.rules[rule]:>6}")
        silent = self.silent_rules()
        lines.append(f"Regler som aldri slo til: {', '.join(silent) if silent else 'ingen'}")
        return "\n".join(lines)


def spread(engine: Engine, requests: Iterable[Mapping[str, Any]]) -> Spread:
    """Evaluate every request with ``engine`` (packs chosen by scope) and count what happened."""

    result = Spread(all_rules={p.id: [r.id for r in p.rules] for p in engine.packs.values()})
    for request in requests:
        result.messages += 1
        try:
            decision = engine.evaluate(request)
        except InputError:
            result.invalid += 1
            continue
        result.decisions[decision.decision] += 1
        for outcome in decision.packs:
            result.packs[outcome.id] += 1
            result.validity[(outcome.id, outcome.validity)] += 1
        for rule in decision.fired():
            result.rules[rule] += 1
    return result
