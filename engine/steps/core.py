"""The Gherkin step library for samhandling staff (bokmål).

Each step is a regular expression, an example and a description, bound to a
small function that builds a request in the input contract, evaluates it with
the real Engine, and checks the decision. The registry is plain Python without
pytest, so ``dialogvakt steg`` can print the catalogue anywhere; the tests bind
it to pytest-bdd (``tests/test_features.py``).

Parties ("aktører") are named in ``features/aktorer.yaml`` or in a scenario
with the step "Gitt disse aktørene:".
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..contract import dialogmelding
from ..contract.decision import Decision
from ..contract.errors import InputError
from ..contract.identifiers import example_number
from ..contract.schemas import labels
from ..contract.times import OSLO
from ..eval.engine import Engine


class StepError(AssertionError):
    """A scenario step failed; the message is bokmål for the person who wrote the scenario."""


# --------------------------------------------------------------------------- registry

StepFunction = Callable[..., None]  # called with the scenario's Situasjon and the pattern's groups


@dataclass(frozen=True)
class Step:
    kind: str  # gitt | når | så
    pattern: str
    example: str
    doc: str
    func: StepFunction
    table: bool = False
    docstring: bool = False

    @property
    def regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern)


STEPS: list[Step] = []


def step(kind: str, pattern: str, example: str, doc: str, *, table: bool = False,
         docstring: bool = False) -> Callable[[StepFunction], StepFunction]:
    def register(func: StepFunction) -> StepFunction:
        STEPS.append(Step(kind, pattern, example, doc, func, table, docstring))
        return func
    return register


# --------------------------------------------------------------------------- the scenario's state

@dataclass
class Situasjon:
    """What a scenario has built so far: the request, the parties, and the decision."""

    engine: Engine
    actors: dict[str, dict[str, Any]] = field(default_factory=dict)
    request: dict[str, Any] = field(default_factory=lambda: {"melding": {}, "kontekst": {}})
    pack: str | None = None
    relative: list[tuple[str, int, str]] = field(default_factory=list)  # (path, amount, unit) before tidspunkt
    decision: Decision | None = None
    error: InputError | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # for step modules that keep more state (e.g. the monitor)

    @property
    def melding(self) -> dict[str, Any]:
        return self.request.setdefault("melding", {})

    @property
    def kontekst(self) -> dict[str, Any]:
        return self.request.setdefault("kontekst", {})

    def now(self) -> dt.datetime:
        if "tidspunkt" in self.request:
            return parse_tid(self.request["tidspunkt"])
        return dt.datetime.now(OSLO).replace(microsecond=0)

    def actor(self, phrase: str) -> dict[str, Any]:
        """A party from a phrase: 'Bergen kommune', or with a service,
        'tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus'."""
        phrase = phrase.strip().strip(",")
        m = re.fullmatch(r'tjenesten\s+"([^"]+)"\s+(?:i|ved|hos|på)\s+(.+)', phrase)
        tjeneste = None
        if m:
            tjeneste, phrase = m.group(1), m.group(2).strip()
        key = phrase.casefold()
        for name, party in self.actors.items():
            if name.casefold() == key:
                result = copy.deepcopy(party)
                if tjeneste:
                    result["tjeneste"] = tjeneste
                return result
        known = ", ".join(sorted(self.actors)) or "ingen"
        raise StepError(f'Kjenner ikke aktøren "{phrase}". Kjente aktører: {known}. '
                        "Legg den til i features/aktorer.yaml eller med «Gitt disse aktørene:».")

    def resolve(self) -> dict[str, Any]:
        """The request with relative dates filled in from tidspunkt."""
        request = copy.deepcopy(self.request)
        now = self.now()
        request.setdefault("tidspunkt", now.isoformat())
        for path, amount, unit in self.relative:
            if unit == "måneder":
                month = now.month - amount
                year = now.year + (month - 1) // 12
                month = (month - 1) % 12 + 1
                day = min(now.day, [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
                                    31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1])
                value = dt.date(year, month, day).isoformat()
            elif unit == "timer":
                value = (now - dt.timedelta(hours=amount)).isoformat()
            else:
                value = (now.date() - dt.timedelta(days=amount)).isoformat()
            set_path(request, path, value)
        if not request.get("kontekst"):
            request.pop("kontekst", None)
        return request


def set_path(doc: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        doc = doc.setdefault(part, {})
    doc[parts[-1]] = value


def delete_path(doc: dict[str, Any], path: str) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        doc = doc.get(part, {})
    doc.pop(parts[-1], None)


def load_actors(path: Path) -> dict[str, dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


# --------------------------------------------------------------------------- words and dates

def word(table: str, text: str) -> str:
    """A contract value from a bokmål word (labels and aliases), or the value itself."""
    text = text.strip().strip('"«»').strip()
    key = text.casefold()
    lab = labels()
    for value, shown in (lab.get(table) or {}).items():
        if isinstance(shown, str) and shown.casefold() == key:
            return value
    for alias, value in (lab["aliases"].get(table) or {}).items():
        if alias.casefold() == key:
            return value
    if key in (lab.get(table) or {}):
        return key
    allowed = sorted(set((lab.get(table) or {}).values()) | set(lab["aliases"].get(table) or {}))
    raise StepError(f'Forstår ikke «{text}». Bruk en av: {", ".join(map(str, allowed))}.')


_DATE_WORDS = re.compile(
    r"(?:(?P<ukedag>mandag|tirsdag|onsdag|torsdag|fredag|lørdag|søndag)\s+)?"
    r"(?P<dag>\d{1,2})\.\s*(?P<maned>[a-zæøå]+)(?:\s+(?P<ar>\d{4}))?"
    r"(?:,?\s+kl(?:okka)?\.?\s*(?P<tid>\d{1,2}[:.]\d{2}))?", re.IGNORECASE)


def parse_tid(text: str, *, year: int | None = None) -> dt.datetime:
    """Parse '2025-06-02', '2025-06-02 10:00', 'fredag 18. desember 2026' or '28. desember kl. 09:00'.

    A weekday, when given, must match the date. Without a year, ``year`` is used.
    """
    text = text.strip().strip('"«»').strip()
    try:
        value = dt.datetime.fromisoformat(text.replace(" kl. ", "T").replace(" ", "T", 1)) if "-" in text[:8] else None
    except ValueError:
        value = None
    if value is not None:
        return value if value.tzinfo else value.replace(tzinfo=OSLO)
    m = _DATE_WORDS.fullmatch(text)
    if not m:
        raise StepError(f"Forstår ikke tidspunktet «{text}». "
                        "Skriv f.eks. «fredag 18. desember 2026 kl. 10:00» eller «2026-12-18 10:00».")
    months = labels()["months"]
    name = m.group("maned").casefold()
    if name not in months:
        raise StepError(f"Ukjent måned «{m.group('maned')}».")
    if m.group("ar") is not None:
        y = int(m.group("ar"))
    elif year is not None:
        y = year
    else:
        raise StepError(f"Tidspunktet «{text}» mangler årstall.")
    day = dt.date(y, months.index(name) + 1, int(m.group("dag")))
    if m.group("ukedag"):
        actual = labels()["weekdays"][day.weekday()]
        if actual != m.group("ukedag").casefold():
            raise StepError(f"{day.isoformat()} er en {actual}, ikke {m.group('ukedag')}.")
    hh, mm = (10, 0)
    if m.group("tid"):
        hh, mm = map(int, re.split(r"[:.]", m.group("tid")))
    return dt.datetime.combine(day, dt.time(hh, mm), OSLO)


def quoted_list(text: str) -> list[str]:
    items = re.findall(r'"([^"]+)"', text)
    return items or [t.strip() for t in re.split(r",|\bog\b", text) if t.strip()]


def value_of(text: str) -> Any:
    text = text.strip()
    if text in ("sann", "ja"):
        return True
    if text in ("usann", "nei"):
        return False
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text.strip('"«»')


# --------------------------------------------------------------------------- Gitt

@step("gitt", r'(?:at )?retningslinjen "(?P<pakke>[^"]+)" brukes',
      'Gitt at retningslinjen "helse-bergen-d81023" brukes',
      "Vurder meldingen bare etter denne retningslinjen (pakke-id). Uten dette steget velges "
      "retningslinjene som gjelder for meldingens parter og type.")
def gitt_retningslinje(s: Situasjon, pakke: str) -> None:
    if pakke not in s.engine.packs:
        raise StepError(f'Ukjent retningslinje "{pakke}". Kjente: {", ".join(s.engine.packs)}.')
    s.pack = pakke


@step("gitt", r"(?:at )?(?:tidspunktet|klokka|datoen) er (?P<tid>.+)",
      "Gitt at tidspunktet er mandag 2. juni 2025 kl. 10:00",
      "Når vurderingen skjer. Alle «dager siden», frister og gyldighet regnes fra dette tidspunktet.")
def gitt_tidspunkt(s: Situasjon, tid: str) -> None:
    s.request["tidspunkt"] = parse_tid(tid, year=s.now().year).isoformat()


@step("gitt", r"disse aktørene:", 'Gitt disse aktørene:\n  | navn | kategori | organisasjon | helseforetak |',
      "Legger til aktører (parter) i scenarioet. Kolonner: navn, kategori (sykehus, kommune, fastlege, "
      "legekontor, pasient), organisasjon, helseforetak, region, kommune, tjeneste, her_id.", table=True)
def gitt_aktorer(s: Situasjon, datatable: list[list[str]]) -> None:
    header = [h.strip() for h in datatable[0]]
    for row in datatable[1:]:
        cells = dict(zip(header, (c.strip() for c in row), strict=False))
        name = cells.pop("navn")
        s.actors[name] = {k: v for k, v in cells.items() if v}


@step("gitt", r"(?:at )?(?P<avsender>.+?) sender (?:en|et|ei) (?P<type>.+?) til (?P<mottaker>.+)",
      'Gitt at Bergen kommune sender en forespørsel til tjenesten "Lungesykdommer" ved Haukeland universitetssjukehus',
      "Starter en ny melding: avsender, meldingstype og mottaker. Avsender og mottaker er aktører; "
      'en tjeneste skrives «tjenesten "Navn" ved/i aktør». Pasienten får et gyldig fødselsnummer '
      "til det sies noe annet.")
def gitt_melding(s: Situasjon, avsender: str, type: str, mottaker: str) -> None:
    s.melding.clear()
    s.melding.update({
        "id": f"melding-{len(s.extra.get('meldinger', [])) + 1}",
        "type": word("melding.type", type),
        "avsender": s.actor(avsender),
        "mottakere": [s.actor(mottaker)],
        "pasient": {"id": example_number("fnr")},
    })


@step("gitt", r"(?:at )?meldingen sendes også til (?P<mottaker>.+)",
      'Og meldingen sendes også til Bergen kommune',
      "Legger til en mottaker til (kopimottaker).")
def gitt_ekstra_mottaker(s: Situasjon, mottaker: str) -> None:
    s.melding.setdefault("mottakere", []).append(s.actor(mottaker))


@step("gitt", r"(?:at )?pasienten har (?:et |en )?"
              r"(?P<idtype>fødselsnummer|personnummer|D-nummer|H-nummer|hjelpenummer|felles hjelpenummer)",
      "Og pasienten har H-nummer",
      "Hva slags identitetsnummer pasienten har. Et gyldig, oppdiktet nummer av den typen settes inn.")
def gitt_pasient_id(s: Situasjon, idtype: str) -> None:
    kind = word("melding.pasient.id_type", idtype)
    s.melding.setdefault("pasient", {})["id"] = example_number(kind)


@step("gitt", r"(?:at )?pasientnummeret er (?P<nummer>.+)",
      'Og pasientnummeret er "12345678901"',
      "Setter pasientens nummer direkte (for å prøve ugyldige nummer). Nummeret vises aldri i svaret.")
def gitt_pasientnummer(s: Situasjon, nummer: str) -> None:
    s.melding.setdefault("pasient", {})["id"] = nummer.strip().strip('"«»')


@step("gitt", r"(?:at )?pasienten er (?P<status>innlagt|innlagt på sengepost|i poliklinisk forløp|"
              r"i et poliklinisk forløp|poliklinisk|henvist|utskrevet|uten kontakt med sykehuset|"
              r"ikke kjent for sykehuset)",
      "Og pasienten er i poliklinisk forløp",
      "Pasientens forhold til sykehuset: innlagt, i poliklinisk forløp, henvist, utskrevet, "
      "uten kontakt med sykehuset, eller ikke kjent for sykehuset.")
def gitt_pasientstatus(s: Situasjon, status: str) -> None:
    s.kontekst["pasientstatus"] = word("kontekst.pasientstatus", status)
    if status == "ikke kjent for sykehuset":
        s.kontekst["kjent_for_sykehuset"] = False


@step("gitt", r"(?:at )?pasienten ble utskrevet for (?P<antall>\d+) (?P<enhet>dag|dager|måned|måneder) siden",
      "Og pasienten ble utskrevet for 5 dager siden",
      "Pasienten er utskrevet; utskrivningsdatoen regnes bakover fra tidspunktet.")
def gitt_utskrevet_siden(s: Situasjon, antall: str, enhet: str) -> None:
    s.kontekst["pasientstatus"] = "utskrevet"
    s.relative.append(("kontekst.utskrevet_dato", int(antall),
                       "måneder" if enhet.startswith("måned") else "dager"))


@step("gitt", r"(?:at )?pasienten ble utskrevet "
              r"(?P<dato>\d.+|(?:mandag|tirsdag|onsdag|torsdag|fredag|lørdag|søndag) .+)",
      "Og pasienten ble utskrevet 28. mai 2025",
      "Pasienten er utskrevet på en bestemt dato.")
def gitt_utskrevet_dato(s: Situasjon, dato: str) -> None:
    s.kontekst["pasientstatus"] = "utskrevet"
    s.kontekst["utskrevet_dato"] = parse_tid(dato, year=s.now().year).date().isoformat()


@step("gitt", r"(?:at )?siste kontakt med sykehuset var for (?P<antall>\d+) (?P<enhet>dag|dager|måned|måneder) siden",
      "Og siste kontakt med sykehuset var for 13 måneder siden",
      "Når pasienten sist hadde kontakt med sykehuset, regnet bakover fra tidspunktet.")
def gitt_siste_kontakt(s: Situasjon, antall: str, enhet: str) -> None:
    s.relative.append(("kontekst.siste_kontakt_dato", int(antall),
                       "måneder" if enhet.startswith("måned") else "dager"))


@step("gitt", r"(?:at )?henvisningen ble sendt for (?P<antall>\d+) (?P<enhet>dag|dager|måned|måneder) siden",
      "Og henvisningen ble sendt for 10 dager siden",
      "Når henvisningen ble sendt, regnet bakover fra tidspunktet.")
def gitt_henvisning_sendt(s: Situasjon, antall: str, enhet: str) -> None:
    s.relative.append(("kontekst.henvisning_sendt_dato", int(antall),
                       "måneder" if enhet.startswith("måned") else "dager"))


@step("gitt", r"(?:at )?pasienten ble lagt inn for (?P<antall>\d+) (?P<enhet>time|timer|dag|dager) siden",
      "Og pasienten ble lagt inn for 30 timer siden",
      "Pasienten er innlagt (døgnopphold); innleggelsen startet så lenge før tidspunktet.")
def gitt_innlagt_siden(s: Situasjon, antall: str, enhet: str) -> None:
    s.kontekst["pasientstatus"] = "innlagt"
    hours = int(antall) * (1 if enhet.startswith("time") else 24)
    s.relative.append(("kontekst.innleggelse.start", hours, "timer"))


@step("gitt", r"(?:at )?pasienten ble lagt inn "
              r"(?P<tid>\d.+?|(?:mandag|tirsdag|onsdag|torsdag|fredag|lørdag|søndag) .+?)"
              r"(?: og skrevet ut (?P<slutt>.+))?",
      "Og pasienten ble lagt inn 1. juni 2025 kl. 14:00 og skrevet ut 5. juni 2025 kl. 12:00",
      "Innleggelsens start (og eventuelt slutt). Uten «skrevet ut» er pasienten fortsatt innlagt.")
def gitt_innlagt(s: Situasjon, tid: str, slutt: str | None = None) -> None:
    year = s.now().year
    s.kontekst["innleggelse"] = {"start": parse_tid(tid, year=year).isoformat()}
    if slutt:
        s.kontekst["innleggelse"]["slutt"] = parse_tid(slutt, year=year).isoformat()
        s.kontekst.setdefault("pasientstatus", "utskrevet")
    else:
        s.kontekst.setdefault("pasientstatus", "innlagt")


@step("gitt", r'(?:at )?meldingen har formålet (?P<formal>.+)',
      'Og meldingen har formålet "bekreftelse på mottak"',
      "Meldingens oppgitte formål, med ord (f.eks. «øyeblikkelig hjelp», «generell veiledning») eller kode.")
def gitt_formal(s: Situasjon, formal: str) -> None:
    s.melding["formal"] = word("melding.formal", formal)


@step("gitt", r'(?:at )?meldingen har hastegrad (?P<hastegrad>.+)',
      'Og meldingen har hastegrad "øyeblikkelig hjelp"',
      "Hastegraden som er oppgitt i meldingen.")
def gitt_hastegrad(s: Situasjon, hastegrad: str) -> None:
    s.melding["hastegrad"] = word("melding.hastegrad", hastegrad)


@step("gitt", r'(?:at )?avviket gjelder (?P<arsak>.+)',
      'Og avviket gjelder "feilsending eller feil adressat"',
      "For avviksmeldinger: hva avviket gjelder (feilsending, teknisk feil, annet).")
def gitt_avvik_arsak(s: Situasjon, arsak: str) -> None:
    s.melding["avvik_arsak"] = word("melding.avvik_arsak", arsak)


@step("gitt", r"(?:at )?meldingen har (?P<antall>ett|et|to|tre|\d+) vedlegg",
      "Og meldingen har ett vedlegg", "Legger ved så mange vedlegg (PDF).")
def gitt_vedlegg(s: Situasjon, antall: str) -> None:
    n = {"ett": 1, "et": 1, "to": 2, "tre": 3}.get(antall) or int(antall)
    s.melding["vedlegg"] = [{"filnavn": f"vedlegg{i + 1}.pdf", "mimetype": "application/pdf"} for i in range(n)]


@step("gitt", r'(?:at )?meldingen har emnet "(?P<emne>.*)"',
      'Og meldingen har emnet "Oksygen etter utskrivning"',
      "Emnet (overskriften) på meldingen: EmneSporsmal eller Tema i XML-meldingen.")
def gitt_emne(s: Situasjon, emne: str) -> None:
    s.melding["emne"] = emne


@step("gitt", r'(?:at )?meldingen er XML-filen "(?P<fil>[^"]+)"',
      'Gitt at meldingen er XML-filen "examples/xml/d81023-x1-foresporsel-nylig-utskrevet.xml"',
      "Leser en mottatt Dialogmelding (MsgHead-XML) slik Dialogvakt leser den over HTTP. Stien er relativ til "
      "mappen kommandoen kjøres fra. Det XML-en ikke har (partenes kategori, pasientstatus) gis med de andre "
      "stegene, f.eks. «Og feltet \"melding.avsender.kategori\" er \"kommune\"». Uten eget tidspunkt vurderes "
      "meldingen ved tidspunktet i XML-en (GenDate).")
def gitt_xml_fil(s: Situasjon, fil: str) -> None:
    path = Path(fil)
    if not path.is_file():
        raise StepError(f"Finner ikke XML-filen «{fil}» (stien er relativ til {Path.cwd()}).")
    try:
        parsed = dialogmelding.parse(path.read_bytes())
    except dialogmelding.XmlError as exc:
        raise StepError(f"XML-filen «{fil}» kan ikke leses: {exc}") from None
    s.melding.clear()
    s.melding.update(copy.deepcopy(parsed.melding))
    if "tidspunkt" not in s.request and parsed.melding.get("sendt"):
        s.request["tidspunkt"] = parsed.melding["sendt"]


@step("gitt", r"(?:at )?avsenderen er (?:en |et )?(?P<avsender>sykehus|kommune|fastlege|legekontor|pasient)"
              r"(?: og mottakeren (?:er )?(?:en |et )?(?P<mottaker>sykehus|kommune|fastlege|legekontor|pasient))?",
      "Og avsenderen er en kommune og mottakeren et sykehus",
      "Hva slags parter avsender og mottaker er, når meldingen ikke sier det selv (som en XML-melding). "
      "Kopimottakere uten kategori får mottakerens.")
def gitt_kategorier(s: Situasjon, avsender: str, mottaker: str | None = None) -> None:
    s.melding.setdefault("avsender", {})["kategori"] = avsender
    if mottaker:
        mottakere = s.melding.setdefault("mottakere", [{}])
        if not mottakere:
            mottakere.append({})
        mottakere[0]["kategori"] = mottaker
        for copy_recipient in mottakere[1:]:
            copy_recipient.setdefault("kategori", mottaker)


@step("gitt", r'(?:at )?meldingen har teksten "(?P<tekst>.*)"',
      'Og meldingen har teksten "Lungesykdommer: Spørsmål om oppfølging etter utskrivning."',
      "Meldingsteksten (én linje).")
def gitt_tekst(s: Situasjon, tekst: str) -> None:
    s.melding["tekst"] = tekst


@step("gitt", r"(?:at )?meldingen har teksten:",
      'Og meldingen har teksten:\n  """\n  Lungesykdommer ...\n  """',
      "Meldingsteksten over flere linjer, mellom tre anførselstegn.", docstring=True)
def gitt_tekst_lang(s: Situasjon, docstring: str) -> None:
    s.melding["tekst"] = docstring


@step("gitt", r"(?:at )?meldingsteksten er (?P<antall>\d+) tegn lang",
      "Og meldingsteksten er 3000 tegn lang",
      "Lager en (meningsløs) tekst med så mange tegn, for å prøve lengdegrenser.")
def gitt_tekstlengde(s: Situasjon, antall: str) -> None:
    filler = "Pasienten trenger oppfølging av sårstell hjemme. "
    n = int(antall)
    s.melding["tekst"] = (filler * (n // len(filler) + 1))[:n]


@step("gitt", r'(?:at )?meldingen er formatert som "(?P<format>[^"]+)"',
      'Og meldingen er formatert som "text/html"', "Meldingens format (MIME-type). Ren tekst er text/plain.")
def gitt_format(s: Situasjon, format: str) -> None:
    s.melding["format"] = format


@step("gitt", r"(?:at )?meldingen gjelder fagområd(?:ene|et|e) (?P<liste>.+)",
      'Og meldingen gjelder fagområdene "kirurgi" og "medisin"', "Fagområdene meldingen handler om.")
def gitt_fagomrader(s: Situasjon, liste: str) -> None:
    s.melding["fagomrader"] = quoted_list(liste)


@step("gitt", r"(?:at )?meldingen viser til "
              r"(?P<ref>henvisningen|henvisning|epikrisen|epikrise|poliklinisk notat|pasientkontakt|kontakt)"
              r"(?: fra (?P<dato>.+))?",
      "Og meldingen viser til epikrisen fra 28. mai 2025",
      "Meldingen viser til en henvisning, epikrise, et poliklinisk notat eller en pasientkontakt.")
def gitt_referanse(s: Situasjon, ref: str, dato: str | None = None) -> None:
    s.melding["referanse"] = {"type": word("melding.referanse.type", ref)}
    if dato:
        s.melding["referanse"]["dato"] = parse_tid(dato, year=s.now().year).date().isoformat()


@step("gitt", r"(?:at )?meldingen er skrevet av (?P<navn>.+)",
      'Og meldingen er skrevet av "sykepleier Ola Hansen"', "Hvem som skrev meldingen.")
def gitt_forfatter(s: Situasjon, navn: str) -> None:
    s.melding["forfatter"] = {"navn": navn.strip('"«»')}


@step("gitt", r"(?:at )?meldingen svarer på (?P<id>.+)",
      'Og meldingen svarer på "melding-1"', "Meldingen er et svar på en tidligere melding (id).")
def gitt_svar_pa(s: Situasjon, id: str) -> None:
    s.melding["svar_pa"] = id.strip('"«»')


@step("gitt", r"(?:at )?pasienten har vedtak om (?P<liste>.+)",
      'Og pasienten har vedtak om "sykepleie"',
      "Kommunale tjenester pasienten har vedtak om: sykepleie, ergoterapi, fysioterapi, psykisk_helse.")
def gitt_vedtak(s: Situasjon, liste: str) -> None:
    s.kontekst["kommunale_vedtak"] = [v.replace(" ", "_") for v in quoted_list(liste)]


@step("gitt", r"(?:at )?pasienten ikke har vedtak om kommunale tjenester",
      "Og pasienten ikke har vedtak om kommunale tjenester", "Pasienten har ingen kommunale vedtak.")
def gitt_ingen_vedtak(s: Situasjon) -> None:
    s.kontekst["kommunale_vedtak"] = []


@step("gitt", r'(?:at )?feltet "(?P<sti>[^"]+)" er (?P<verdi>.+)',
      'Og feltet "kontekst.aktiv_jordmor" er sann',
      "Setter et hvilket som helst felt i inndata (sti med punktum). Verdien kan være tekst i "
      "anførselstegn, et tall, sann/usann, eller en liste som [\"a\", \"b\"].")
def gitt_felt(s: Situasjon, sti: str, verdi: str) -> None:
    set_path(s.request, sti, value_of(verdi))


@step("gitt", r'(?:at )?feltet "(?P<sti>[^"]+)" mangler',
      'Og feltet "kontekst.pasientstatus" mangler', "Fjerner et felt fra inndata.")
def gitt_felt_mangler(s: Situasjon, sti: str) -> None:
    delete_path(s.request, sti)


# --------------------------------------------------------------------------- Når

@step("når", r"meldingen vurderes(?: etter \"(?P<pakke>[^\"]+)\")?",
      'Når meldingen vurderes',
      "Vurderer meldingen (etter retningslinjen som er valgt, eller alle som gjelder).")
def nar_vurderes(s: Situasjon, pakke: str | None = None) -> None:
    s.decision, s.error = None, None
    try:
        s.decision = s.engine.evaluate(s.resolve(), pack=pakke or s.pack)
    except InputError as exc:
        s.error = exc


# --------------------------------------------------------------------------- Så

def decision_of(s: Situasjon) -> Decision:
    if s.error is not None:
        raise StepError(f"Meldingen ble ikke vurdert: inndata er ugyldige ({s.error}).")
    if s.decision is None:
        raise StepError("Meldingen er ikke vurdert ennå; bruk «Når meldingen vurderes» først.")
    return s.decision


def summary_of(d: Decision) -> str:
    parts = [f"avgjørelse {labels()['decision'][d.decision]}"]
    if d.reasons:
        parts.append("begrunnelser: " + ", ".join(r.rule for r in d.reasons))
    if d.advice:
        parts.append("råd: " + ", ".join(a.rule for a in d.advice))
    if d.missing:
        parts.append("mangler: " + ", ".join(m.fact for m in d.missing))
    return "; ".join(parts)


@step("så", r'(?:er )?(?:avgjørelsen|meldingen) (?:er )?"?(?P<utfall>tillatt|avvist|ubestemt|ikke aktuell)"?',
      "Så er meldingen avvist",
      "Utfallet: tillatt, avvist, ubestemt (opplysninger mangler) eller ikke aktuell (ingen retningslinje gjelder).")
def sa_utfall(s: Situasjon, utfall: str) -> None:
    d = decision_of(s)
    want = word("decision", utfall)
    if d.decision != want:
        raise StepError(f"Ventet {utfall}, men fikk {summary_of(d)}.")


@step("så", r'(?:at )?(?:regelen "(?P<regel>[^"]+)" slår til|slår regelen "(?P<regel2>[^"]+)" til)',
      'Og regelen "d81023-5.1-oyeblikkelig-hjelp" slår til',
      "Regelen ga en begrunnelse, et råd eller en plikt. Kan også skrives «Så slår regelen \"…\" til».")
def sa_regel_slar_til(s: Situasjon, regel: str | None = None, regel2: str | None = None) -> None:
    d = decision_of(s)
    regel = regel or regel2
    if regel not in d.fired():
        raise StepError(f'Regelen "{regel}" slo ikke til ({summary_of(d)}).')


@step("så", r'(?:at )?regelen "(?P<regel>[^"]+)" (?:ikke slår|slår ikke) til'
            r'|slår regelen "(?P<regel2>[^"]+)" ikke til|slår ikke regelen "(?P<regel3>[^"]+)" til',
      'Og regelen "d81023-4.5-vedlegg" slår ikke til', "Regelen ga verken begrunnelse, råd eller plikt.")
def sa_regel_slar_ikke_til(s: Situasjon, regel: str | None = None, regel2: str | None = None,
                           regel3: str | None = None) -> None:
    d = decision_of(s)
    rule = regel or regel2 or regel3
    if rule in d.fired():
        raise StepError(f'Regelen "{rule}" slo til, men skulle ikke ({summary_of(d)}).')


def _cites(source: Mapping[str, Any], seksjon: str) -> bool:
    """A source cites a section: the same text (any case), or an item of it ("Vedlegg 2" -> "Vedlegg 2, punkt 1")."""
    section, wanted = source.get("section", "").casefold(), seksjon.casefold()
    return section == wanted or section.startswith((wanted + ",", wanted + " "))


@step("så", r"(?:at )?begrunnelsen viser til § ?(?P<seksjon>\S+)",
      "Og begrunnelsen viser til § 5.1", "Minst én begrunnelse (avvisning) viser til dette avsnittet i retningslinjen.")
def sa_begrunnelse_seksjon(s: Situasjon, seksjon: str) -> None:
    d = decision_of(s)
    if not any(_cites(r.source, seksjon) for r in d.reasons):
        shown = sorted({r.source["section"] for r in d.reasons}) or ["ingen"]
        raise StepError(f"Ingen begrunnelse viser til «{seksjon}» (begrunnelsene viser til: {', '.join(shown)}; "
                        f"{summary_of(d)}).")


@step("så", r'(?:at )?begrunnelsen viser til "(?P<seksjon>[^"]+)"',
      'Og begrunnelsen viser til "Vedlegg 2"',
      "Som over, for retningslinjer med navngitte avsnitt, skrevet slik sporbarhetstabellen skriver dem: "
      "«Vedlegg 2», «Felles ansvar 4», «Retningsline for bruk av dialogmelding, punkt 1».")
def sa_begrunnelse_navngitt(s: Situasjon, seksjon: str) -> None:
    sa_begrunnelse_seksjon(s, seksjon)


@step("så", r'(?:at )?begrunnelsen nevner "(?P<tekst>[^"]+)"',
      'Og begrunnelsen nevner "telefon"', "Teksten i en begrunnelse inneholder disse ordene.")
def sa_begrunnelse_tekst(s: Situasjon, tekst: str) -> None:
    d = decision_of(s)
    if not any(tekst.casefold() in r.message.casefold() for r in d.reasons):
        raise StepError(f'Ingen begrunnelse nevner «{tekst}». Begrunnelser: {[r.message for r in d.reasons]}')


@step("så", r"(?:at )?det gis (?P<ikke>ikke )?råd etter (?:§ ?(?P<seksjon>\S+)|\"(?P<navn>[^\"]+)\")",
      "Og det gis råd etter § 4.4",
      "Minst ett råd viser til dette avsnittet («det gis ikke råd etter …»: ingen råd gjør det). Navngitte "
      "avsnitt skrives i anførselstegn: «det gis råd etter \"Utforming og innhold 4\"».")
def sa_rad(s: Situasjon, seksjon: str | None = None, navn: str | None = None, ikke: str | None = None) -> None:
    d = decision_of(s)
    wanted = seksjon or navn or ""
    found = any(_cites(a.source, wanted) for a in d.advice)
    if found and ikke:
        raise StepError(f"Det gis råd etter «{wanted}», men skulle ikke ({summary_of(d)}).")
    if not found and not ikke:
        raise StepError(f"Ingen råd viser til «{wanted}» ({summary_of(d)}).")


@step("så", r"(?:at )?det gis ingen råd|gis det ingen råd",
      "Og det gis ingen råd",
      "Meldingen fikk ingen råd i det hele tatt (fra noen retningslinje).")
def sa_ingen_rad(s: Situasjon) -> None:
    d = decision_of(s)
    if d.advice:
        shown = "; ".join(f"{a.rule}: {a.message}" for a in d.advice)
        raise StepError(f"Ventet ingen råd, men fikk {len(d.advice)}: {shown}")


@step("så", r'(?:at )?det foreslås (?P<tekst>.+)',
      'Og det foreslås "PLO Innleggelse Somatikk"', "Et forslag om hva man bør gjøre i stedet nevner dette.")
def sa_forslag(s: Situasjon, tekst: str) -> None:
    d = decision_of(s)
    want = tekst.strip('"«»').casefold()
    if not any(want in sg.message.casefold() or want == (sg.value or "").casefold() or want == sg.kind
               for sg in d.suggestions):
        raise StepError(f"Ingen forslag nevner «{want}». Forslag: {[sg.message for sg in d.suggestions]}")


@step("så", r"(?:at )?svarfristen er fra (?P<fra>.+) til (?P<til>.+)",
      "Og svarfristen er fra torsdag 5. juni 2025 til mandag 9. juni 2025",
      "Forventet svar: tidligst og senest (virkedager, helligdager regnet med).")
def sa_svarfrist(s: Situasjon, fra: str, til: str) -> None:
    d = decision_of(s)
    year = s.now().year
    want = (parse_tid(fra, year=year).date().isoformat(), parse_tid(til, year=year).date().isoformat())
    found = [(o.due or {}) for o in d.obligations if o.kind == "svarfrist"]
    if not found:
        raise StepError(f"Ingen svarfrist ble gitt ({summary_of(d)}).")
    got = [((f.get("tidligst") or "")[:10], (f.get("senest") or "")[:10]) for f in found]
    if want not in got:
        raise StepError(f"Ventet svarfrist {want[0]}–{want[1]}, fikk {got}.")


@step("så", r'(?:at )?fristen "(?P<navn>[^"]+)" er (?P<tid>.+)',
      'Og fristen "senest" er 25. juni 2025 kl. 10:00', "En plikt har en frist med dette navnet på dette tidspunktet.")
def sa_frist(s: Situasjon, navn: str, tid: str) -> None:
    d = decision_of(s)
    want = parse_tid(tid, year=s.now().year)
    for o in d.obligations:
        got = (o.due or {}).get(navn)
        if got and (got == want.isoformat() or got == want.date().isoformat()):
            return
    raise StepError(f"Ingen frist «{navn}» = {want.isoformat()}; plikter: {[(o.rule, o.due) for o in d.obligations]}")


@step("så", r'(?:at )?det mangler opplysning om "(?P<fakta>[^"]+)"',
      'Og det mangler opplysning om "kontekst.pasientstatus"', "Vurderingen navngir en opplysning som mangler.")
def sa_mangler(s: Situasjon, fakta: str) -> None:
    d = decision_of(s)
    if not any(m.fact == fakta for m in d.missing):
        raise StepError(f"«{fakta}» er ikke nevnt som manglende ({summary_of(d)}).")


@step("så", r'(?:at )?retningslinjen "(?P<pakke>[^"]+)" (?P<ikke>ikke )?er brukt'
            r'|(?:at )?(?:retningslinjen "(?P<pakke2>[^"]+)" er|er retningslinjen "(?P<pakke3>[^"]+)")'
            r' (?P<ikke2>ikke )?brukt',
      'Og retningslinjen "helse-vest-2017" er brukt', "Vurderingen brukte (eller brukte ikke) denne retningslinjen.")
def sa_pakke_brukt(s: Situasjon, pakke: str | None = None, ikke: str | None = None,
                   pakke2: str | None = None, pakke3: str | None = None, ikke2: str | None = None) -> None:
    d = decision_of(s)
    pack = pakke or pakke2 or pakke3
    used = [p.id for p in d.packs]
    negate = bool(ikke or ikke2)
    if (pack in used) == negate:
        raise StepError(f"Retningslinjer brukt: {used or 'ingen'}.")


@step("så", r"(?:at )?(?:retningslinjen er|er retningslinjen) utløpt",
      "Og retningslinjen er utløpt", "Minst én brukt retningslinje var utløpt på tidspunktet.")
def sa_utlopt(s: Situasjon) -> None:
    d = decision_of(s)
    if not any(p.expired for p in d.packs):
        raise StepError("Ingen av retningslinjene var utløpt.")


@step("så", r"(?:at )?(?:retningslinjen gjelder|gjelder retningslinjen)",
      "Og retningslinjen gjelder", "Alle brukte retningslinjer gjaldt på tidspunktet.")
def sa_gjelder(s: Situasjon) -> None:
    d = decision_of(s)
    if any(p.validity != "valid" for p in d.packs):
        raise StepError(f"Ikke alle retningslinjer gjaldt: {[(p.id, p.validity) for p in d.packs]}.")


@step("så", r'(?:at )?(?:meldingen avvises|avvises meldingen) med feil i feltet "(?P<sti>[^"]+)"',
      'Så avvises meldingen med feil i feltet "$.melding.pasient.id"',
      "Inndata er ugyldige, og feilen nevner dette feltet (JSON-sti).")
def sa_feil(s: Situasjon, sti: str) -> None:
    if s.error is None:
        raise StepError(f"Ventet feil i {sti}, men meldingen ble vurdert ({summary_of(s.decision)})."
                        if s.decision else "Meldingen er ikke vurdert.")
    if s.error.path != sti:
        raise StepError(f"Feilen gjelder {s.error.path}, ikke {sti}: {s.error.message}")


# --------------------------------------------------------------------------- catalogue

KIND_TITLE = {"gitt": "Gitt (situasjonen)", "når": "Når (handlingen)", "så": "Så (forventet resultat)"}
