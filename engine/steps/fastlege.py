"""Gherkin steps for messages with GPs: digital dialog with the patient, and the GP's set-up for dialog messages.

Registered in ``engine.steps.catalogue``; each step only sets fields of the
input contract (``kontekst.legekontor``, ``kontekst.fastlege``, ``melding.valgt_time``,
``melding.sensitiv``, ``kontekst.varsling_avslatt``) or reads the decision.
The last steps name sections as printed in guidelines without numbered sections
("Retningsline for bruk av dialogmelding, punkt 1").
"""

from __future__ import annotations

from typing import Any

from ..contract.facts import catalogue
from ..contract.schemas import labels
from .core import Situasjon, StepError, decision_of, quoted_list, step, word

SERVICES_FACT = "kontekst.legekontor.aktiverte_tjenester"
# the services a GP office can turn on, as the input contract lists them
SERVICES: tuple[str, ...] = catalogue()[SERVICES_FACT].values


def service(text: str) -> str:
    """The contract value of a digital dialog service, from how staff name it (labels.yaml's words for
    the services, or for the message types of the same name)."""
    for table in (SERVICES_FACT, "melding.type"):
        try:
            value = word(table, text)
        except StepError:
            continue
        if value in SERVICES:
            return value
    names = sorted(set(labels()["aliases"].get(SERVICES_FACT, {})) | set(labels().get(SERVICES_FACT, {}).values()))
    raise StepError(f"Kjenner ikke tjenesten «{text}». Bruk en av: {', '.join(names)}.")


def _legekontor(s: Situasjon) -> dict[str, Any]:
    return s.kontekst.setdefault("legekontor", {})


# --------------------------------------------------------------------------- Gitt: legekontoret

@step("gitt", r"(?:at )?legekontoret har skrudd på (?:tjenesten|tjenestene) (?P<liste>.+)",
      'Gitt at legekontoret har skrudd på tjenestene "bestill time" og "e-konsultasjon"',
      "Tjenestene i digital dialog som legekontoret har skrudd på (bestill time, forny resept, "
      "e-konsultasjon, kontakt legekontoret). De andre er skrudd av.")
def gitt_tjenester_pa(s: Situasjon, liste: str) -> None:
    _legekontor(s)["aktiverte_tjenester"] = list(dict.fromkeys(service(t) for t in quoted_list(liste)))


@step("gitt", r"(?:at )?legekontoret har skrudd på alle tjenestene",
      "Gitt at legekontoret har skrudd på alle tjenestene",
      "Alle fire tjenestene i digital dialog er skrudd på.")
def gitt_alle_tjenester(s: Situasjon) -> None:
    _legekontor(s)["aktiverte_tjenester"] = list(SERVICES)


@step("gitt", r"(?:at )?legekontoret har skrudd av (?:tjenesten|tjenestene) (?P<liste>.+)",
      'Og legekontoret har skrudd av tjenesten "e-konsultasjon"',
      "Disse tjenestene er skrudd av; de andre (av de fire) er skrudd på.")
def gitt_tjenester_av(s: Situasjon, liste: str) -> None:
    off = {service(t) for t in quoted_list(liste)}
    current = _legekontor(s).get("aktiverte_tjenester", list(SERVICES))
    _legekontor(s)["aktiverte_tjenester"] = [t for t in current if t not in off]


@step("gitt", r"(?:at )?legekontoret tar bare imot timeforespørsler",
      "Og legekontoret tar bare imot timeforespørsler",
      "Legekontoret har valgt at pasienten bare kan sende et timeønske, ikke velge en time i kalenderen.")
def gitt_kun_foresporsel(s: Situasjon) -> None:
    _legekontor(s)["timebestilling"] = "kun_foresporsel"


@step("gitt", r"(?:at )?legekontoret har åpnet timer i kalenderen",
      "Og legekontoret har åpnet timer i kalenderen",
      "Legekontoret har gjort timer tilgjengelige, så pasienten kan velge en ledig time i kalenderen.")
def gitt_kalender(s: Situasjon) -> None:
    _legekontor(s)["timebestilling"] = "kalender"


# --------------------------------------------------------------------------- Gitt: meldingen og pasienten

@step("gitt", r"(?:at )?pasienten valgte en ledig time i kalenderen",
      "Og pasienten valgte en ledig time i kalenderen",
      "Timebestilling der pasienten plukket en ledig time direkte i kalenderen.")
def gitt_valgt_time(s: Situasjon) -> None:
    s.melding["valgt_time"] = True


@step("gitt", r"(?:at )?pasienten ber om en time uten å velge i kalenderen",
      "Og pasienten ber om en time uten å velge i kalenderen",
      "Timebestilling som en forespørsel (et timeønske med tekst), uten å velge time i kalenderen.")
def gitt_timeonske(s: Situasjon) -> None:
    s.melding["valgt_time"] = False


@step("gitt", r"(?:at )?meldingen er (?P<ikke>ikke )?merket som sensitiv",
      "Og meldingen er merket som sensitiv",
      "Avsenderen har (eller har ikke) merket at meldingen inneholder sensitive opplysninger.")
def gitt_sensitiv(s: Situasjon, ikke: str | None = None) -> None:
    s.melding["sensitiv"] = not ikke


@step("gitt", r"(?:at )?pasienten har skrudd (?P<valg>av|på) varsling",
      "Og pasienten har skrudd av varsling",
      "Om pasienten har skrudd av (eller på) SMS-varsling på helsenorge.no.")
def gitt_varsling(s: Situasjon, valg: str) -> None:
    s.kontekst["varsling_avslatt"] = valg == "av"


# --------------------------------------------------------------------------- Gitt: fastlegens oppsett

def _avtale(s: Situasjon, avtale: str) -> None:
    s.kontekst.setdefault("fastlege", {})["avtale_dialogmelding"] = "ikke" not in avtale.split()


_AGREEMENT = r"(?P<avtale>har avtale|har ikke avtale|ikke har avtale)(?: om dialogmeldinger)?(?: med (?P<med>.+))?"


@step("gitt", r'(?:at )?fastlegen bruker journalsystemet "(?P<system>[^"]+)"(?: og ' + _AGREEMENT + ")?",
      'Og fastlegen bruker journalsystemet "CGM Allmenn" og har avtale om dialogmeldinger med Helse Vest',
      "Fastlegens journalsystem, og eventuelt om fastlegen har avtale om dialogmeldinger med sykehusets "
      "helseregion (det som står etter «med» er bare til leseren).")
def gitt_journalsystem(s: Situasjon, system: str, avtale: str | None = None, med: str | None = None) -> None:
    s.kontekst.setdefault("fastlege", {})["journalsystem"] = system
    if avtale:
        _avtale(s, avtale)


@step("gitt", r"(?:at )?fastlegen " + _AGREEMENT,
      "Og fastlegen har ikke avtale om dialogmeldinger med Helse Vest",
      "Om fastlegen har avtale om dialogmeldinger med sykehusets helseregion (det som står etter «med» "
      "er bare til leseren).")
def gitt_avtale(s: Situasjon, avtale: str, med: str | None = None) -> None:
    _avtale(s, avtale)


# --------------------------------------------------------------------------- Så

@step("så", r'(?:at )?det gis (?:et )?råd som nevner "(?P<tekst>[^"]+)"',
      'Og det gis råd som nevner "e-konsultasjon"', "Teksten i minst ett råd inneholder disse ordene.")
def sa_rad_tekst(s: Situasjon, tekst: str) -> None:
    d = decision_of(s)
    if not any(tekst.casefold() in a.message.casefold() for a in d.advice):
        raise StepError(f"Ingen råd nevner «{tekst}». Råd: {[a.message for a in d.advice]}")


@step("så", r'(?:at )?det gis en plikt som nevner "(?P<tekst>[^"]+)"',
      'Og det gis en plikt som nevner "egenandel"',
      "Mottakeren får en plikt (noe som må gjøres), og teksten i den inneholder disse ordene.")
def sa_plikt_tekst(s: Situasjon, tekst: str) -> None:
    d = decision_of(s)
    if not any(tekst.casefold() in o.message.casefold() for o in d.obligations):
        raise StepError(f"Ingen plikt nevner «{tekst}». Plikter: {[o.message for o in d.obligations] or 'ingen'}")


@step("så", r"(?:at )?det gis ingen plikt(?:er)?",
      "Og det gis ingen plikt", "Vurderingen gir ingen plikter (heller ingen svarfrist).")
def sa_ingen_plikt(s: Situasjon) -> None:
    d = decision_of(s)
    if d.obligations:
        raise StepError(f"Det ble gitt plikter: {[o.rule for o in d.obligations]}.")


__all__ = ["SERVICES", "service"]
