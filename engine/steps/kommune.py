"""Gherkin steps for samhandling between hospitals and municipal services (bokmål).

Facts that staff describe in words (a transfer to the emergency department is agreed, the child has
an active link to the health station, the mother to the municipal midwife), and checks of the
obligations and of one pack's outcome.
Registered in ``engine.steps.catalogue``.
"""

from __future__ import annotations

from ..contract.bokmal import label
from .core import Situasjon, StepError, decision_of, step, summary_of, word

# --------------------------------------------------------------------------- Gitt

@step("gitt", r"(?:at )?det (?P<ikke>ikke )?er avklart at pasienten skal overføres til akuttmottaket",
      "Og det er avklart at pasienten skal overføres til akuttmottaket",
      "Om det er avklart at pasienten skal overføres til akuttmottaket på sykehuset "
      "(«det ikke er avklart …» for det motsatte).")
def gitt_overforing_akuttmottak(s: Situasjon, ikke: str | None = None) -> None:
    s.kontekst["overforing_akuttmottak_avklart"] = not ikke


@step("gitt", r"(?:at )?barnet (?P<ikke>ikke )?har en aktiv forbindelse til helsestasjonen",
      "Og barnet har en aktiv forbindelse til helsestasjonen",
      "Om barnet har en aktiv forbindelse til helsestasjonen («barnet ikke har …» for det motsatte).")
def gitt_aktiv_helsestasjon(s: Situasjon, ikke: str | None = None) -> None:
    s.kontekst["aktiv_helsestasjon"] = not ikke


@step("gitt", r"(?:at )?mor (?P<ikke>ikke )?har en aktiv forbindelse til kommunal jordmor",
      "Og mor har en aktiv forbindelse til kommunal jordmor",
      "Om mor har en aktiv forbindelse til kommunal jordmor («mor ikke har …» for det motsatte).")
def gitt_aktiv_jordmor(s: Situasjon, ikke: str | None = None) -> None:
    s.kontekst["aktiv_jordmor"] = not ikke


# --------------------------------------------------------------------------- Så

@step("så", r'(?:at )?det gis (?P<ikke>ikke )?en plikt om "(?P<art>[^"]+)"',
      'Og det gis en plikt om "tidligmelding"',
      "Vurderingen gir (eller gir ikke) en plikt med frist av denne typen, f.eks. «svarfrist», "
      "«tidligmelding» eller «applikasjonskvittering».")
def sa_plikt(s: Situasjon, art: str, ikke: str | None = None) -> None:
    d = decision_of(s)
    found = any(o.kind == art for o in d.obligations)
    if found and ikke:
        raise StepError(f"Det gis en plikt om «{art}», men skulle ikke: {[(o.rule, o.due) for o in d.obligations]}.")
    if not found and not ikke:
        raise StepError(f"Ingen plikt om «{art}»; plikter: {[o.kind for o in d.obligations] or 'ingen'}.")


@step("så", r'(?:at )?retningslinjen "(?P<pakke>[^"]+)" gir utfallet "?(?P<utfall>tillatt|avvist|ubestemt)"?',
      'Og retningslinjen "sykehuset-ostfold-plo" gir utfallet "avvist"',
      "Når flere retningslinjer er brukt: hva denne ene retningslinjen sier om meldingen.")
def sa_pakke_utfall(s: Situasjon, pakke: str, utfall: str) -> None:
    d = decision_of(s)
    outcome = next((p for p in d.packs if p.id == pakke), None)
    if outcome is None:
        raise StepError(f'Retningslinjen "{pakke}" er ikke brukt; brukt: {[p.id for p in d.packs] or "ingen"}.')
    want = word("decision", utfall)
    if outcome.decision != want:
        got = label("decision", outcome.decision)
        raise StepError(f'Retningslinjen "{pakke}" ga «{got}», ikke «{utfall}» ({summary_of(d)}).')

