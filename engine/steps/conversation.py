"""Gherkin steps for conversations (bokmål): messages in threads over days, and what the monitor finds.

    Gitt at samtalene går mellom Bergen kommune og tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus
    Og at kommunen sendte en forespørsel fredag 18. desember 2026
    Når det er mandag 28. desember og ingen har svart
    Så er svaret forfalt
    Og svaret forfalt mandag 28. desember 2026

The steps add events to the scenario (messages, receipts, admissions, clock
events); "Når" feeds them to a conversation monitor built on the scenario's
packs, in the order the scenario tells them (that is the order they arrive in),
and says what time it is. The monitor has no lateness window unless the
scenario gives one («Gitt at overvåkingen venter inntil 1 time på hendelser som
kommer fram sent»): without one, each event is applied as it arrives, so that a
scenario sees exact instants; with one, events that arrive out of order within
it are applied in time order. An answer due on a day is "forfalt" from the
start of the day after it (the monitor's rule, ``durable.overdue_instant``). A party is named as in
features/aktorer.yaml, or by its role («kommunen», «sykehuset», «fastlegen»,
«legekontoret») once the parties are given. The state lives in
``Situasjon.extra["samtale"]``. Importing this module registers the steps;
durable_rules is loaded only when a scenario runs them.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any

from ..contract.bokmal import norsk_dato
from ..contract.identifiers import example_number
from ..monitor import Monitor, MonitorFinding, finding_labels
from ..monitor.events import EventError
from ..monitor.traffic import admission_event, clock_event, discharge_event, iso, receipt_event
from .core import Situasjon, StepError, parse_tid, step, word

DAY = r"(?:mandag|tirsdag|onsdag|torsdag|fredag|lørdag|søndag)"
ROLES = {"kommunen": "kommune", "sykehuset": "sykehus", "fastlegen": "fastlege", "legekontoret": "legekontor"}


def _kinds_text() -> str:
    return "; ".join(f"«{label}»" for label in finding_labels().values())


WHEN = rf"(?P<tid>{DAY} \d{{1,2}}\..*|\d{{4}}-\d{{2}}-\d{{2}}.*)"


def _state(s: Situasjon) -> dict[str, Any]:
    return s.extra.setdefault("samtale", {"events": [], "fed": 0, "monitor": None, "threads": 0,
                                          "parties": {}, "patient": None, "thread": None, "request": None,
                                          "finding": None, "lateness": dt.timedelta(0)})


def _time(s: Situasjon, text: str) -> dt.datetime:
    st = _state(s)
    year = st["events"][-1][0].year if st["events"] else s.now().year
    return parse_tid(text, year=year)


def _patient(s: Situasjon) -> str:
    st = _state(s)
    if st["patient"] is None:
        st["patient"] = example_number("fnr")
    return st["patient"]


def _party(s: Situasjon, phrase: str) -> dict[str, Any]:
    """A party by name (features/aktorer.yaml), or by its role among the conversation's parties ("kommunen")."""
    kategori = ROLES.get(phrase.strip().casefold())
    if kategori is None:
        return s.actor(phrase)
    parties = [p for p in _state(s)["parties"].values() if p.get("kategori") == kategori]
    if len(parties) == 1:
        return copy.deepcopy(parties[0])
    if not parties:
        raise StepError(f"«{phrase}» skal være en av partene i samtalen, men ingen part er en {kategori}. "
                        "Oppgi partene med «Gitt at samtalene går mellom Bergen kommune og tjenesten \"…\" ved …», "
                        "eller skriv navnet.")
    names = ", ".join(p.get("organisasjon", "?") for p in parties)
    raise StepError(f"«{phrase}» kan være flere av partene ({names}); skriv navnet.")


def _counterpart(s: Situasjon, sender_phrase: str, sender: dict[str, Any]) -> dict[str, Any]:
    for other in _state(s)["parties"].values():
        if other.get("organisasjon", "").casefold() != sender.get("organisasjon", "").casefold():
            return copy.deepcopy(other)
    raise StepError(f'Skriv hvem meldingen gikk til: «{sender_phrase} sendte en forespørsel til tjenesten "…" ved … '
                    "fredag 18. desember 2026», eller oppgi partene med «Gitt at samtalene går mellom A og B».")


def _add(s: Situasjon, when: dt.datetime, event: dict[str, Any]) -> None:
    """An event for the monitor, in the order the scenario tells it: the order in which it arrives."""
    _state(s)["events"].append((when, event))


def _message(s: Situasjon, when: dt.datetime, sender: dict[str, Any], recipient: dict[str, Any], type_: str,
             thread: str, reply_to: str | None) -> dict[str, Any]:
    st = _state(s)
    n = sum(1 for _, e in st["events"] if e["hendelse"] == "melding") + 1
    melding: dict[str, Any] = {"id": f"melding-{n}", "samtale_id": thread, "type": type_, "avsender": sender,
                     "mottakere": [recipient], "sendt": iso(when), "pasient": {"id": _patient(s)}}
    if reply_to:
        melding["svar_pa"] = reply_to
    kontekst = copy.deepcopy(s.kontekst)
    event: dict[str, Any] = {"hendelse": "melding", "tidspunkt": iso(when), "melding": melding}
    if kontekst:
        event["kontekst"] = kontekst
    s.request["melding"] = melding  # the steps "Og meldingen har …" now describe this message
    s.request["kontekst"] = kontekst
    _add(s, when, event)
    return melding


# --------------------------------------------------------------------------- Gitt

UNITS = {"minutt": "minutes", "minutter": "minutes", "time": "hours", "timer": "hours", "dag": "days",
         "dager": "days", "døgn": "days"}


@step("gitt", r"(?:at )?overvåkingen venter inntil (?P<antall>\d+) (?P<enhet>minutt|minutter|time|timer|dag|dager|døgn)"
              r" på hendelser som kommer fram sent",
      "Gitt at overvåkingen venter inntil 1 time på hendelser som kommer fram sent",
      "Vinduet for forsinkede hendelser: en hendelse som kommer fram etter senere hendelser, men ikke mer enn "
      "dette etter den seneste, vurderes på sin plass i tiden. Uten dette steget vurderes hver hendelse når den "
      "kommer fram. Skrives før overvåkingen har sett noe.")
def gitt_vindu(s: Situasjon, antall: str, enhet: str) -> None:
    st = _state(s)
    if st["monitor"] is not None:
        raise StepError("Vinduet for forsinkede hendelser må oppgis før overvåkingen har sett hendelsene.")
    st["lateness"] = dt.timedelta(**{UNITS[enhet]: int(antall)})


@step("gitt", r"(?:at )?samtalene går mellom (?P<a>.+?) og (?P<b>(?:tjenesten \"[^\"]+\" (?:i|ved|hos|på) )?.+)",
      'Gitt at samtalene går mellom Bergen kommune og tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus',
      "Partene i scenarioets samtaler. Da kan en melding skrives uten «til …»: den går til den andre parten.")
def gitt_parter(s: Situasjon, a: str, b: str) -> None:
    parties = _state(s)["parties"]
    for phrase in (a, b):
        parties[phrase.strip().casefold()] = s.actor(phrase)


def _sent(s: Situasjon, avsender: str, type: str, tid: str, mottaker: str | None, samme: str | None) -> None:
    st = _state(s)
    sender = _party(s, avsender)
    recipient = _party(s, mottaker) if mottaker else _counterpart(s, avsender, sender)
    when = _time(s, tid)
    if samme:
        if st["thread"] is None:
            raise StepError("Det finnes ingen tråd ennå; send en forespørsel først.")
        thread = st["thread"]
    else:
        st["threads"] += 1
        thread = f"samtale-{st['threads']}"
    melding = _message(s, when, sender, recipient, word("melding.type", type), thread, None)
    st["thread"], st["request"] = thread, melding


@step("gitt", rf"(?:at )?(?P<avsender>.+?) sendte (?:en|et|ei) (?P<type>.+?)(?: til (?P<mottaker>.+?))?"
              rf"(?P<samme> i samme tråd)? {WHEN}",
      'Gitt at Bergen kommune sendte en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus '
      "fredag 18. desember 2026",
      "En melding som ble sendt på et bestemt tidspunkt. En forespørsel starter en ny tråd, med mindre det står «i "
      "samme tråd». Uten «til …» går den til den andre parten (se «samtalene går mellom»). Når partene er oppgitt, "
      "kan de også skrives som «kommunen», «sykehuset», «fastlegen» eller «legekontoret». Steg som «Og meldingen "
      "har formålet …» beskriver denne meldingen.")
def gitt_sendte(s: Situasjon, avsender: str, type: str, tid: str, mottaker: str | None = None,
                samme: str | None = None) -> None:
    _sent(s, avsender, type, tid, mottaker, samme)


def _answered(s: Situasjon, avsender: str, tid: str) -> None:
    st = _state(s)
    if st["request"] is None:
        raise StepError("Ingen forespørsel å svare på; skriv først «… sendte en forespørsel …».")
    request = st["request"]
    sender = _party(s, avsender)
    _message(s, _time(s, tid), sender, copy.deepcopy(request["avsender"]), "svar", request["samtale_id"],
             request["id"])


@step("gitt", rf"(?:at )?(?P<avsender>.+?) svarte(?: på (?:forespørselen|meldingen))? {WHEN}",
      "Og Haukeland universitetssjukehus svarte tirsdag 22. desember 2026 kl. 14:00",
      "Et svar i tråden på den siste forespørselen, fra den som svarer («sykehuset» og lignende går også), på dette "
      "tidspunktet.")
def gitt_svarte(s: Situasjon, avsender: str, tid: str) -> None:
    _answered(s, avsender, tid)


@step("gitt", r"(?:at )?vi (?P<retning>sendte|mottok) meldingen",
      "Og vi sendte meldingen",
      "Om virksomheten som bruker Dialogvakt sendte eller mottok meldingen (noen regler gjelder bare den ene veien).")
def gitt_retning(s: Situasjon, retning: str) -> None:
    st = _state(s)
    if not st["events"] or st["events"][-1][1]["hendelse"] != "melding":
        raise StepError("Det finnes ingen melding å si dette om ennå.")
    st["events"][-1][1]["retning"] = "sendt" if retning == "sendte" else "mottatt"


@step("gitt", r"(?:at )?det kom (?:en )?applikasjonskvittering(?: med status (?P<status>OK|ok|avvist|delvis OK))?"
              rf" {WHEN}",
      "Og det kom en applikasjonskvittering med status avvist mandag 2. februar 2026 kl. 09:05",
      "Mottakerens system kvitterte for den siste meldingen: OK (standard), avvist eller delvis OK.")
def gitt_kvittering(s: Situasjon, tid: str, status: str | None = None) -> None:
    st = _state(s)
    messages = [e for _, e in st["events"] if e["hendelse"] == "melding"]
    if not messages:
        raise StepError("Det finnes ingen melding å kvittere for ennå.")
    code = {"avvist": "avvist", "delvis OK": "ok_feil_i_delmelding"}.get(status or "OK", "ok")
    when = _time(s, tid)
    _add(s, when, receipt_event(at=when, msg_id=messages[-1]["melding"]["id"], status=code))


@step("gitt", rf"(?:at )?(?:svaret|meldingen) kom fram {WHEN}",
      "Og svaret kom fram tirsdag 29. desember 2026 kl. 00:05",
      "Den siste meldingen ble sendt da steget før sier, men kom fram til oss først på dette tidspunktet. "
      "Overvåkingen ordner meldinger etter når de ble sendt.")
def gitt_kom_fram(s: Situasjon, tid: str) -> None:
    st = _state(s)
    messages = [e for _, e in st["events"] if e["hendelse"] == "melding"]
    if not messages:
        raise StepError("Det finnes ingen melding ennå; skriv først at noen sendte eller svarte.")
    when = _time(s, tid)
    if when < _time(s, messages[-1]["melding"]["sendt"]):
        raise StepError("En melding kan ikke komme fram før den ble sendt.")
    messages[-1]["tidspunkt"] = iso(when)


@step("gitt", rf"(?:at )?det kom en klokkehendelse {WHEN}",
      "Og det kom en klokkehendelse tirsdag 29. desember 2026 kl. 00:00",
      "En hendelse som bare sier hva klokka er (som et system sender med jevne mellomrom). Den kommer fram her i "
      "scenarioet og ordnes etter tiden, som andre hendelser.")
def gitt_klokke(s: Situasjon, tid: str) -> None:
    when = _time(s, tid)
    _add(s, when, clock_event(when))


@step("gitt", rf"(?:at )?(?P<sykehus>.+?) la inn pasienten {WHEN}",
      "Gitt at Sykehuset Østfold la inn pasienten mandag 2. februar 2026 kl. 08:00",
      "En innleggelse (døgnopphold) begynner. Pasienten mottar kommunale tjenester med mindre noe annet sies.")
def gitt_innlagt_hendelse(s: Situasjon, sykehus: str, tid: str) -> None:
    st = _state(s)
    when = _time(s, tid)
    n = sum(1 for _, e in st["events"] if e["hendelse"] == "innleggelse") + 1
    st["admission"] = f"innleggelse-{n}"
    _add(s, when, admission_event(at=when, adm_id=st["admission"], patient=_patient(s),
                                  hospital_party=_party(s, sykehus)))


@step("gitt", r"(?:at )?pasienten ikke mottar kommunale tjenester",
      "Og pasienten ikke mottar kommunale tjenester",
      "For den siste innleggelsen: pasienten har ingen kommunale helse- og omsorgstjenester.")
def gitt_uten_tjenester(s: Situasjon) -> None:
    for _, event in reversed(_state(s)["events"]):
        if event["hendelse"] == "innleggelse":
            event["innleggelse"]["kommunale_tjenester"] = False
            return
    raise StepError("Det finnes ingen innleggelse ennå.")


@step("gitt", rf"(?:at )?(?P<sykehus>.+?) skrev ut pasienten {WHEN}",
      "Og Sykehuset Østfold skrev ut pasienten torsdag 5. februar 2026 kl. 12:00",
      "Innleggelsen slutter.")
def gitt_utskrevet_hendelse(s: Situasjon, sykehus: str, tid: str) -> None:
    st = _state(s)
    if not st.get("admission"):
        raise StepError("Pasienten er ikke lagt inn i scenarioet; skriv først «… la inn pasienten …».")
    when = _time(s, tid)
    _add(s, when, discharge_event(at=when, adm_id=st["admission"]))


# --------------------------------------------------------------------------- Når

def _monitor(s: Situasjon) -> Monitor:

    st = _state(s)
    if st["monitor"] is None:
        packs = [s.engine.packs[s.pack]] if s.pack else list(s.engine.packs.values())
        st["monitor"] = Monitor(packs, allow_synthetic_ids=True, lateness=st["lateness"])
    return st["monitor"]


def _feed(s: Situasjon, *, flush: bool = False, order: str = "fortalt") -> None:
    """Feed the events not fed yet, in the order told (or reversed, or by time); ``flush``: then say that
    every event up to the latest has come, as a step that says the monitor has seen them does."""
    st = _state(s)
    monitor = _monitor(s)
    pending = st["events"][st["fed"]:]
    if order == "omvendt rekkefølge":
        pending = pending[::-1]
    elif order == "tidsrekkefølge":
        pending = sorted(pending, key=lambda pair: pair[0])
    try:
        for _, event in pending:
            monitor.feed(event)
            st["fed"] += 1
        if flush:
            monitor.flush()
    except EventError as exc:
        raise StepError(f"En hendelse i scenarioet er ugyldig: {exc}") from None


@step("når", rf"det er (?P<tid>{DAY} \d{{1,2}}\..+?|\d{{4}}-\d{{2}}-\d{{2}}.*?)(?P<ingen> og ingen har svart)?",
      "Når det er mandag 28. desember og ingen har svart",
      "Overvåkingen får hendelsene så langt, og klokka går fram til dette tidspunktet (uten klokkeslett: kl. 10:00): "
      "alt som skjedde før det, er kommet fram. «og ingen har svart» sjekker at tråden ikke har et svar.")
def nar_det_er(s: Situasjon, tid: str, ingen: str | None = None) -> None:
    st = _state(s)
    if ingen and st["request"] is not None:
        thread = st["request"]["samtale_id"]
        if any(e["hendelse"] == "melding" and e["melding"].get("svar_pa") and e["melding"]["samtale_id"] == thread
               for _, e in st["events"]):
            raise StepError("Scenarioet sier at ingen har svart, men tråden har et svar.")
    when = _time(s, tid)
    _feed(s)
    _monitor(s).advance(when)


@step("når", r"overvåkingen har sett (?:meldingene|hendelsene)",
      "Når overvåkingen har sett meldingene",
      "Overvåkingen får hendelsene så langt, i den rekkefølgen scenarioet forteller dem; klokka står på den "
      "siste hendelsen.")
def nar_sett(s: Situasjon) -> None:
    _feed(s, flush=True)


@step("når", r"overvåkingen får hendelsene i (?P<orden>omvendt rekkefølge|tidsrekkefølge)",
      "Når overvåkingen får hendelsene i omvendt rekkefølge",
      "Som «Når overvåkingen har sett hendelsene», men hendelsene kommer fram i omvendt rekkefølge av hvordan "
      "scenarioet forteller dem (eller i tidsrekkefølge). Med et vindu for forsinkede hendelser som rommer dem, "
      "blir funnene de samme.")
def nar_rekkefolge(s: Situasjon, orden: str) -> None:
    _feed(s, flush=True, order=orden)


@step("når", rf"(?P<avsender>.+?) svarte(?: på (?:forespørselen|meldingen))? {WHEN}",
      "Når Haukeland universitetssjukehus svarte onsdag 30. desember 2026",
      "Som «Gitt … svarte …», men overvåkingen får svaret med en gang.")
def nar_svarte(s: Situasjon, avsender: str, tid: str) -> None:
    _answered(s, avsender, tid)
    _feed(s, flush=True)


# --------------------------------------------------------------------------- Så

def _findings(s: Situasjon) -> list[MonitorFinding]:
    st = _state(s)
    if st["monitor"] is None:
        raise StepError("Overvåkingen har ikke sett noe ennå; bruk «Når det er …» eller «Når overvåkingen har sett "
                        "meldingene» først.")
    _feed(s)
    return st["monitor"].findings()


def _kind(text: str) -> str:

    text = text.strip().strip('"«»').casefold()
    for code, label in finding_labels().items():
        if text in (code, label.casefold()):
            return code
    raise StepError(f"Ukjent funn «{text}». Bruk en av: {', '.join(finding_labels().values())}.")


def _summary(findings: list[MonitorFinding]) -> str:

    if not findings:
        return "ingen funn"
    return "; ".join(f"{finding_labels().get(f.kind, f.kind)} ({f.rule}, {f.status})" for f in findings)


def _thread_findings(s: Situasjon, kind: str) -> list[MonitorFinding]:
    st = _state(s)
    thread = st["request"]["samtale_id"] if st["request"] else None
    return [f for f in _findings(s) if f.kind == kind and (thread is None or f.thread == thread)]


@step("så", r"(?:er )?svaret (?:er )?forfalt",
      "Så er svaret forfalt",
      "Svaret på den siste forespørselen er ikke kommet, og dagen det forfaller er kommet (fra midnatt den dagen). "
      "Overvåkingen har et åpent funn om det.")
def sa_forfalt(s: Situasjon) -> None:
    found = [f for f in _thread_findings(s, "svar_forfalt") if f.status == "open"]
    if not found:
        raise StepError(f"Svaret er ikke forfalt ({_summary(_findings(s))}).")
    _state(s)["finding"] = found[-1]


@step("så", r"(?:er )?svaret (?:er )?ikke forfalt(?: ennå)?",
      "Så er svaret ikke forfalt ennå",
      "Overvåkingen har ikke funnet at svaret på den siste forespørselen er forfalt.")
def sa_ikke_forfalt(s: Situasjon) -> None:
    found = _thread_findings(s, "svar_forfalt")
    if found:
        raise StepError(f"Svaret er forfalt ({_summary(found)}), frist {found[-1].due}.")


@step("så", rf"(?:at )?(?:fristen for svar var|siste dag for svar var) {WHEN}",
      "Og fristen for svar var mandag 28. desember 2026",
      "Den siste dagen svaret kunne komme i tide, som funnet nevner (virkedager, helligdager regnet med). "
      "Hele den dagen er i tide; fra midnatt etter den er svaret forfalt. «Og siste dag for svar var …» "
      "betyr det samme.")
def sa_fristen_var(s: Situasjon, tid: str) -> None:

    found = _thread_findings(s, "svar_forfalt")
    if not found:
        raise StepError(f"Svaret er ikke forfalt ({_summary(_findings(s))}).")
    want = _time(s, tid).date()
    named = [f for f in found if want.isoformat() in (f.due or {}).values()]
    if not named:
        got = [norsk_dato(dt.date.fromisoformat(d[:10])) for f in found for d in (f.due or {}).values() if d]
        raise StepError(f"Svaret forfalt {', '.join(got) or '(ukjent dag)'}, ikke {norsk_dato(want)}.")
    if not any(norsk_dato(want) in f.message for f in named):
        raise StepError(f"Funnet nevner ikke dagen svaret forfalt ({norsk_dato(want)}): {named[-1].message}")


@step("så", r'(?:at )?(?:overvåkingen finner|finner overvåkingen) "(?P<funn>[^"]+)"',
      'Så finner overvåkingen "meldingen bare bekrefter mottak"',
      "Overvåkingen har et funn av denne typen. Funnene heter: " + _kinds_text() + ".")
def sa_finner(s: Situasjon, funn: str) -> None:
    kind = _kind(funn)
    found = [f for f in _findings(s) if f.kind == kind]
    if not found:
        raise StepError(f"Overvåkingen fant ikke «{funn}» ({_summary(_findings(s))}).")
    _state(s)["finding"] = found[-1]


@step("så", r'(?:at )?(?:overvåkingen finner|finner overvåkingen) ikke "(?P<funn>[^"]+)"',
      'Og overvåkingen finner ikke "PLO-meldingen er sendt utenfor en innleggelse"',
      "Overvåkingen har ikke et funn av denne typen.")
def sa_finner_ikke(s: Situasjon, funn: str) -> None:
    kind = _kind(funn)
    found = [f for f in _findings(s) if f.kind == kind]
    if found:
        raise StepError(f"Overvåkingen fant «{funn}» ({_summary(found)}).")


@step("så", r"(?:at )?(?:overvåkingen finner|finner overvåkingen) ingenting",
      "Så finner overvåkingen ingenting", "Overvåkingen har ingen funn.")
def sa_ingenting(s: Situasjon) -> None:
    found = _findings(s)
    if found:
        raise StepError(f"Overvåkingen fant noe: {_summary(found)}.")


def _finding(s: Situasjon) -> MonitorFinding:
    finding = _state(s)["finding"]
    if finding is None:
        raise StepError("Ingen funn er valgt; skriv først «Så er svaret forfalt» eller «Så finner overvåkingen …».")
    return finding


@step("så", r"(?:at )?funnet viser til § ?(?P<seksjon>.+)",
      "Og funnet viser til § 6", "Funnet viser til dette avsnittet i retningslinjen.")
def sa_funnet_seksjon(s: Situasjon, seksjon: str) -> None:
    finding = _finding(s)
    if finding.source["section"] != seksjon.strip():
        raise StepError(f"Funnet viser til § {finding.source['section']}, ikke § {seksjon}.")


@step("så", r"(?:at )?funnet er (?P<status>åpent|løst|registrert)",
      "Og funnet er løst",
      "Åpent: noe som skulle komme, mangler fortsatt. Løst: det kom senere. Registrert: et avvik som skjedde.")
def sa_funnet_status(s: Situasjon, status: str) -> None:
    want = {"åpent": "open", "løst": "resolved", "registrert": "recorded"}[status]
    finding = _finding(s)
    if finding.status != want:
        raise StepError(f"Funnet er {finding.status}, ikke {status}.")


@step("så", r'(?:at )?funnet nevner "(?P<tekst>[^"]+)"',
      'Og funnet nevner "28. desember"', "Teksten i funnet inneholder disse ordene.")
def sa_funnet_nevner(s: Situasjon, tekst: str) -> None:
    finding = _finding(s)
    if tekst.casefold() not in finding.message.casefold():
        raise StepError(f"Funnet nevner ikke «{tekst}»: {finding.message}")


@step("så", rf"(?:at )?funnet ble gjort {WHEN}",
      "Og funnet ble gjort mandag 28. desember 2026 kl. 00:00",
      "Når overvåkingen gjorde funnet: ved den første hendelsen (eller klokka) fra fristdagen av, eller etter en "
      "frist i timer.")
def sa_funnet_tid(s: Situasjon, tid: str) -> None:
    finding = _finding(s)
    want = _time(s, tid)
    has_clock = re.search(r"kl(?:okka)?\.?\s*\d", tid) or "T" in tid or ":" in tid
    got = finding.detected_at
    if (got != want) if has_clock else (got.date() != want.date()):
        raise StepError(f"Funnet ble gjort {got.isoformat()}, ikke {want.isoformat()}.")
