"""Norwegian patient identifiers: fødselsnummer, D-nummer and H-nummer.

The engine never trusts a declared identifier type: it reads the structure of
the number itself. The number is never returned, logged or put in an error
message; only its type is.

Structure (11 digits, two mod-11 check digits, as for a fødselsnummer):
- fødselsnummer (``fnr``): DDMMYY + individual number + check digits
- D-nummer (``dnr``): day + 40
- H-nummer (``hnr``): month + 40; a felles hjelpenummer starts with 8 or 9
- synthetic test numbers (Skatteetaten): month + 80, accepted only when the
  deployment is a test environment.
"""

from __future__ import annotations

import calendar
import hmac
import re
from dataclasses import dataclass
from typing import Any


class _OnFirstUse:
    """python-stdnum's ``stdnum.no.fodselsnummer``, imported when first used (about 15 ms): numbers of 11
    plain digits, the common case, are checked by arithmetic and never need it."""

    def __getattr__(self, name: str) -> Any:
        from stdnum.no import fodselsnummer as module

        value = getattr(module, name)
        setattr(self, name, value)  # found in the instance from now on
        return value


fodselsnummer: Any = _OnFirstUse()


class IdentifierError(ValueError):
    """The patient identifier cannot be used. The message never holds the number."""


@dataclass(frozen=True)
class PatientId:
    id_type: str  # fnr | dnr | hnr
    synthetic: bool


def classify(number: str, *, allow_synthetic: bool = False) -> PatientId:
    """Return the identifier type of an 11-digit Norwegian patient number.

    Raises IdentifierError with a Norwegian message that does not repeat the number.
    """
    if not isinstance(number, str):
        raise IdentifierError("må være en tekst med 11 sifre")
    if len(number) == 11 and number.isascii() and number.isdigit():
        return _classify_digits(number, allow_synthetic)
    digits = fodselsnummer.compact(number)
    if len(digits) != 11 or not digits.isdigit():
        raise IdentifierError("må ha nøyaktig 11 sifre")
    if (digits[9] != fodselsnummer.calc_check_digit1(digits)
            or digits[10] != fodselsnummer.calc_check_digit2(digits)):
        raise IdentifierError("kontrollsifrene stemmer ikke; sjekk at nummeret er skrevet riktig")
    first, third = int(digits[0]), int(digits[2])
    if first >= 8:
        # felles hjelpenummer (FHN): no birth date by design
        return PatientId("hnr", False)
    synthetic = third >= 8
    if synthetic and not allow_synthetic:
        raise IdentifierError(
            "er et syntetisk testnummer (måned + 80); det godtas bare når tjenesten kjøres som testmiljø")
    month_digit = third - 8 if synthetic else third
    real = digits[:2] + str(month_digit) + digits[3:]
    id_type = "fnr"
    if first >= 4:
        id_type = "dnr"
    if month_digit >= 4:
        id_type = "hnr"
    try:
        # birth date plausibility (day/month ranges, century); stdnum undoes +40 itself
        fodselsnummer.get_birth_date(real)
    except fodselsnummer.ValidationError:  # stdnum.exceptions.ValidationError, which the module imports
        raise IdentifierError("inneholder ingen gyldig dato") from None
    return PatientId(id_type, synthetic)


def _check_digits_hold(d: list[int]) -> bool:
    """Whether the two mod-11 check digits of 11 digit values are right (a check digit of 10 never is)."""
    d0, d1, d2, d3, d4, d5, d6, d7, d8, d9, d10 = d
    c1 = (11 - (3 * d0 + 7 * d1 + 6 * d2 + d3 + 8 * d4 + 9 * d5 + 4 * d6 + 5 * d7 + 2 * d8)) % 11
    c2 = (11 - (5 * d0 + 4 * d1 + 3 * d2 + 2 * d3 + 7 * d4 + 6 * d5 + 5 * d6 + 4 * d7 + 3 * d8 + 2 * d9)) % 11
    return c1 == d9 and c2 == d10


def _classify_digits(digits: str, allow_synthetic: bool) -> PatientId:
    """``classify`` for 11 ASCII digits, by arithmetic: the same answers as python-stdnum's check digits and
    birth date (``tests/test_identifiers.py`` holds it to them), without its per-call cleaning."""
    d = [b - 48 for b in digits.encode("ascii")]
    if not _check_digits_hold(d):
        raise IdentifierError("kontrollsifrene stemmer ikke; sjekk at nummeret er skrevet riktig")
    if d[0] >= 8:
        return PatientId("hnr", False)  # felles hjelpenummer (FHN): no birth date by design
    synthetic = d[2] >= 8
    if synthetic and not allow_synthetic:
        raise IdentifierError(
            "er et syntetisk testnummer (måned + 80); det godtas bare når tjenesten kjøres som testmiljø")
    month_digit = d[2] - 8 if synthetic else d[2]
    id_type = "hnr" if month_digit >= 4 else "dnr" if d[0] >= 4 else "fnr"
    day, month = d[0] * 10 + d[1], month_digit * 10 + d[3]
    year, individual = d[4] * 10 + d[5], d[6] * 100 + d[7] * 10 + d[8]
    if day > 40:
        day -= 40
    if month > 40:
        month -= 40
    if individual < 500:
        year += 1900
    elif individual < 750 and year >= 54:
        year += 1800
    elif year < 40:
        year += 2000
    elif individual >= 900:
        year += 1900
    else:
        raise IdentifierError("inneholder ingen gyldig dato")
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
        raise IdentifierError("inneholder ingen gyldig dato")
    return PatientId(id_type, synthetic)


# an 11-digit number (a space, dot or hyphen may follow the birth date), or a longer run of digits: a
# number typed into the middle of other digits (an id, a reference) is still the patient's number
NUMBER_SHAPE = re.compile(r"(?<!\d)(?:\d{6}[\s.-]?\d{5}|\d{12,})(?!\d)")
MASK = "[personnummer]"


def _has_check_digits(digits: str) -> bool:
    return _check_digits_hold([int(c) for c in digits])  # int() reads any decimal digit, as \d matches them


def _number_in(match: re.Match) -> str | None:
    """The patient number a match holds: the 11 digits with valid check digits, for a longer run of digits
    the first 11 in a row that have them; None when there is none."""
    digits = re.sub(r"\D", "", match.group(0))
    for at in range(len(digits) - 10):
        if _has_check_digits(digits[at:at + 11]):
            return digits[at:at + 11]
    return None


def _mask_match(match: re.Match) -> str:
    return MASK if _number_in(match) is not None else match.group(0)


def mask_in_text(text: str) -> str:
    """Free text with every 11-digit number that has valid fødselsnummer check digits masked, also where
    it sits inside a longer run of digits (the whole run is masked then).

    Free text can hold a patient's number; a decision, trace or log that quotes the text must not.
    """
    if len(text) < 11:
        return text
    return NUMBER_SHAPE.sub(_mask_match, text)


def pseudonymise_in_text(text: str, secret: bytes) -> str:
    """Text with every number that has valid fødselsnummer check digits replaced by its keyed pseudonym,
    ``[personnummer:<16 hex>]``: the same number gives the same text, so ids that held one still match.

    For what is stored (the monitor's event log), where a number typed into an id or a subject must
    not be kept, yet the ids must still name the same messages.
    """
    if len(text) < 11:
        return text

    def replace(match: re.Match) -> str:
        number = _number_in(match)
        if number is None:
            return match.group(0)
        return f"[personnummer:{pseudonym(number, secret)[:16]}]"

    return NUMBER_SHAPE.sub(replace, text)


def redact_numbers(text: str) -> str:
    """Text with anything shaped like an 11-digit personal number masked, check digits or not.

    For what is logged or answered about an error, where a mistyped number must not show either.
    """
    return NUMBER_SHAPE.sub(MASK, text)


def pseudonym(number: str, secret: bytes) -> str:
    """A keyed, stable pseudonym for a patient number (HMAC-SHA256, hex, 32 chars)."""
    if isinstance(number, str):
        plain = len(number) == 11 and number.isascii() and number.isdigit()  # compact already
        digits = number if plain else fodselsnummer.compact(number)
    else:
        digits = str(number)
    return hmac.digest(secret, digits.encode("ascii", "replace"), "sha256").hex()[:32]


def _with_check_digits(first9: str) -> str | None:
    c1 = fodselsnummer.calc_check_digit1(first9)
    if c1 == "10":
        return None
    c2 = fodselsnummer.calc_check_digit2(first9 + c1)
    if c2 == "10":
        return None
    return first9 + c1 + c2


def example_number(id_type: str = "fnr", *, synthetic: bool = False, seed: int = 0) -> str:
    """A structurally valid, fictional number of the given type, for tests and examples.

    ``seed`` picks different numbers deterministically.
    """
    day, month, year = 1 + seed % 28, 1 + (seed // 28) % 12, 70 + (seed // 336) % 30
    if id_type == "dnr":
        day += 40
    if id_type == "hnr":
        month += 40
    if synthetic:
        month += 80
    if id_type == "fhn":
        prefix = f"8{seed % 10}{(seed // 10) % 10}0000"
        for ind in range(100, 1000):
            n = _with_check_digits(prefix[:6] + f"{ind:03d}")
            if n:
                return n
    for ind in range(100 + (seed * 7) % 300, 500):
        n = _with_check_digits(f"{day:02d}{month:02d}{year:02d}{ind:03d}")
        if n:
            return n
    raise ValueError("no valid number found")  # pragma: no cover - arithmetic guarantees one
