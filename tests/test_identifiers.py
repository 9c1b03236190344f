from __future__ import annotations

import pytest

from engine.contract.identifiers import (
    IdentifierError,
    PatientId,
    classify,
    example_number,
    mask_in_text,
    pseudonym,
    pseudonymise_in_text,
)


@pytest.mark.parametrize("kind", ["fnr", "dnr", "hnr"])
def test_examples_classify_as_their_kind(kind):
    for seed in range(40):
        assert classify(example_number(kind, seed=seed)).id_type == kind


def test_felles_hjelpenummer_is_hnr():
    assert classify(example_number("fhn")).id_type == "hnr"


def test_known_public_fodselsnummer_example():
    # the python-stdnum doctest number (not a real person)
    assert classify("15108695088").id_type == "fnr"


def test_bad_check_digit_message_never_contains_the_number():
    number = example_number("fnr", seed=3)
    broken = number[:-1] + str((int(number[-1]) + 1) % 10)
    with pytest.raises(IdentifierError) as exc:
        classify(broken)
    assert "kontrollsifrene" in str(exc.value)
    assert broken not in str(exc.value) and broken[:6] not in str(exc.value)


@pytest.mark.parametrize("bad", ["1234567890", "123456789012", "1234567890a", ""])
def test_wrong_length_or_letters(bad):
    with pytest.raises(IdentifierError, match="11 sifre"):
        classify(bad)


def test_synthetic_numbers_only_in_test_environment():
    number = example_number("fnr", synthetic=True)
    assert int(number[2]) >= 8
    with pytest.raises(IdentifierError, match="testmiljø"):
        classify(number)
    pid = classify(number, allow_synthetic=True)
    assert pid.id_type == "fnr" and pid.synthetic


def test_impossible_date_is_refused():
    # day 32 with valid check digits: find one by search over individual numbers
    from stdnum.no.fodselsnummer import calc_check_digit1, calc_check_digit2
    for ind in range(100, 999):
        base = f"320170{ind:03d}"
        c1 = calc_check_digit1(base)
        if c1 == "10":
            continue
        c2 = calc_check_digit2(base + c1)
        if c2 != "10":
            break
    with pytest.raises(IdentifierError, match="dato"):
        classify(base + c1 + c2)


def test_pseudonym_is_keyed_and_stable():
    n = example_number("fnr")
    assert pseudonym(n, b"a") == pseudonym(n, b"a")
    assert pseudonym(n, b"a") != pseudonym(n, b"b")
    assert n not in pseudonym(n, b"a")


def _outcome(number: str, allow: bool) -> object:
    try:
        return classify(number, allow_synthetic=allow)
    except IdentifierError as exc:
        return f"error: {exc}"


def test_the_arithmetic_check_gives_python_stdnums_answers():
    """11 ASCII digits are checked by arithmetic; the same number written with a space goes through
    python-stdnum (compact, check digits, birth date), the reference. Every kind of number is tried:
    random digits, and numbers with valid check digits over every day, month and century field."""
    import random

    from stdnum.no import fodselsnummer

    rnd = random.Random(11)
    numbers = ["".join(rnd.choice("0123456789") for _ in range(11)) for _ in range(20_000)]
    for _ in range(40_000):
        first9 = f"{rnd.randrange(0, 100):02d}{rnd.randrange(0, 100):02d}{rnd.randrange(0, 100):02d}" \
                 f"{rnd.randrange(0, 1000):03d}"
        c1 = fodselsnummer.calc_check_digit1(first9)
        c2 = fodselsnummer.calc_check_digit2(first9 + c1[-1])
        numbers.append((first9 + c1 + c2)[:11])
    numbers += [example_number(kind, synthetic=s, seed=i) for kind in ("fnr", "dnr", "hnr", "fhn")
                for s in (False, True) for i in range(200) if not (kind == "fhn" and s)]
    valid = 0
    for number in numbers:
        for allow in (False, True):
            fast, reference = _outcome(number, allow), _outcome(f"{number[:6]} {number[6:]}", allow)
            assert fast == reference, (allow, fast, reference)
            valid += isinstance(fast, PatientId)
    assert valid > 10_000  # the valid ones are well represented, not only the refusals


def test_a_number_inside_a_longer_run_of_digits_is_masked_and_other_runs_are_kept() -> None:
    number = example_number("dnr", seed=9)
    assert mask_in_text(f"a7d3e210-5{number}8e0b22") == "a7d3e210-[personnummer]e0b22"
    assert mask_in_text(f"ref {number}123") == "ref [personnummer]"
    assert number not in pseudonymise_in_text(f"id-9{number}", b"k" * 16)
    # a run in which no 11 digits in a row have valid check digits is not a patient number
    run = "1234567890123"
    assert all(mask_in_text(run[i:i + 11]) == run[i:i + 11] for i in range(3))
    assert mask_in_text(f"ordre {run}") == f"ordre {run}"
