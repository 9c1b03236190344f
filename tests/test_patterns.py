"""Patterns from packs run on RE2: linear time whatever the text, and what RE2 cannot run is a pack error.

The hostile patterns below take exponential time on a backtracking engine; on RE2 each test
returns at once (a regression would hang the test, which the suite's timeout makes visible).
"""

from __future__ import annotations

import copy
import textwrap
from pathlib import Path

import pytest

from engine.authoring.lint import lint_pack
from engine.eval.engine import Engine
from engine.lang.compiler import compile_pack
from engine.lang.loader import PackError
from engine.lang.patterns import PatternError, compile_pattern, phrase, words_pattern

from .test_evaluator import ALL_MESSAGES, BASE, write_pack

HOSTILE = [r"^(a+)+$", r"(a|a)*b", r"^(\w+\s?)*$", r"(x+x+)+y", r"^(a|aa)+$"]


def _rule(condition: str) -> str:
    return textwrap.dedent(f"""\
        - id: monster
          source: {{section: "1"}}
          effect: advice
          when: {condition}
          message: Teksten passer mønsteret.
        """)


def _message(text: str) -> dict:
    req = copy.deepcopy(BASE)
    req["melding"]["tekst"] = text
    return req


@pytest.mark.parametrize("pattern", HOSTILE)
def test_a_pattern_that_backtracks_elsewhere_runs_in_linear_time(tmp_path: Path, pattern: str) -> None:
    write_pack(tmp_path, "m", ALL_MESSAGES, _rule(f"{{fact: melding.tekst, matches: '{pattern}'}}"))
    engine = Engine.from_directory(tmp_path)
    text = "a" * 4000 + "!"  # no match: a backtracking engine tries every way to split the a's
    decision = engine.evaluate(_message(text))
    assert [a.rule for a in decision.advice] == []
    assert [a.rule for a in engine.evaluate(_message("aaa")).advice] == (
        ["monster"] if compile_pattern(pattern).search("aaa") else [])


def test_lint_with_a_hostile_pattern_and_a_literal_on_the_same_fact_finishes(tmp_path: Path) -> None:
    condition = "{all: [{fact: melding.tekst, matches: '^(a+)+$'}, {fact: melding.tekst, not_equals: " \
                + "'" + "a" * 3000 + "!'}]}"
    write_pack(tmp_path, "m", ALL_MESSAGES, _rule(condition))
    report = lint_pack(tmp_path / "m")
    assert report.pack is not None and not report.errors, [str(p) for p in report.problems]


@pytest.mark.parametrize("pattern, reason", [
    (r"(?<!\d)\d{11}", "look-around"),
    (r"ja(?=!)", "look-around"),
    (r"(a)\1", "back-reference"),
    (r"\bnei\b", r"(?:^|\W)"),
    (r"[^\W]+", "[^...]"),
    (r"(uavsluttet", "RE2"),
])
def test_what_re2_cannot_run_is_an_error_at_its_place(tmp_path: Path, pattern: str, reason: str) -> None:
    write_pack(tmp_path, "m", ALL_MESSAGES, _rule(f"{{fact: melding.tekst, matches: '{pattern}'}}"))
    with pytest.raises(PackError) as caught:
        compile_pack(tmp_path / "m")
    (problem,) = caught.value.problems
    assert problem.code == "ugyldig-regex"
    assert problem.location is not None and problem.location.file.endswith("rules.yaml")
    line = (tmp_path / "m" / "rules.yaml").read_text(encoding="utf-8").splitlines()[4]
    assert (problem.location.line, problem.location.column) == (5, line.index("matches:") + 1)
    assert reason in problem.message
    assert "Traceback" not in str(problem)


def test_a_regex_vocabulary_term_re2_cannot_run_points_at_the_term(tmp_path: Path) -> None:
    write_pack(tmp_path, "m", ALL_MESSAGES, _rule("{fact: melding.tekst, contains_any: {vocabulary: ord}}"))
    pack_yaml = tmp_path / "m" / "pack.yaml"
    pack_yaml.write_text(pack_yaml.read_text(encoding="utf-8") + textwrap.dedent("""\
        vocabularies:
          ord:
            match: regex
            description: Ord.
            terms:
              - 'takk'
              - '(?<!u)takk'
        """), encoding="utf-8")
    with pytest.raises(PackError) as caught:
        compile_pack(tmp_path / "m")
    (problem,) = caught.value.problems
    assert problem.location is not None
    assert (problem.location.file.endswith("pack.yaml"), problem.location.line) == (True, 16)
    assert "ordlisten 'ord'" in problem.message and "look-around" in problem.message


def test_w_means_letters_in_any_script() -> None:
    assert compile_pattern(r"^\w+$").search("blåbærsyltetøy")
    assert compile_pattern(r"^[\w-]+$").search("Aurskog-Høland")
    assert not compile_pattern(r"^\w+$").search("to ord")
    assert compile_pattern(r"(?:^|\W)øh(?:\W|$)").search("Dette er ØH.")
    assert not compile_pattern(r"(?:^|\W)øh(?:\W|$)").search("støhl")


def test_patterns_ignore_case_in_every_script() -> None:
    assert compile_pattern("blødning").search("BLØDNING i går")
    assert compile_pattern("ÆRE").search("æresord")


def test_word_lists_match_whole_words_and_phrases_across_any_spaces() -> None:
    words = words_pattern([phrase("ØH"), phrase("akutt innleggelse")])
    assert words.search("Dette er øh.")
    assert words.search("Akutt\u00a0 innleggelse i natt")
    assert not words.search("støhl")
    assert not words.search("akutt innleggelsesrapport")
    prefixes = words_pattern([phrase("smerte")], end=False)
    assert prefixes.search("smertene er verre")
    assert not prefixes.search("hjertesmerter")


def test_a_pattern_error_is_bokmal_with_the_reason() -> None:
    with pytest.raises(PatternError, match="lineær tid"):
        compile_pattern("(?<=x)y")


def test_deferred_patterns_are_compiled_on_first_use_and_answer_as_eager_ones():
    """``dialogvakt packs`` compiles packs under ``deferred()``: the compiler's own patterns (vocabularies,
    word lists) wait for their first use, and then match exactly as those compiled at once."""
    from engine.eval.engine import compile_packs
    from engine.lang.loader import bundled_policies_dir
    from engine.lang.patterns import Pattern, deferred

    eager = {p.id: p for p in compile_packs(bundled_policies_dir())}
    with deferred():
        lazy = {p.id: p for p in compile_packs(bundled_policies_dir())}
        waiting = words_pattern([phrase("vondt i magen")])
    texts = ["", "vondt i magen", "Vondt  i\u00a0MAGEN!", "øyeblikkelig hjelp", "takk for meldingen", "ja takk"]
    assert eager.keys() == lazy.keys()
    for pack_id, pack in eager.items():
        for name, vocabulary in pack.vocabularies.items():
            deferred_pattern = lazy[pack_id].vocabularies[name].pattern
            assert isinstance(deferred_pattern, Pattern)
            with pytest.raises(AttributeError):
                object.__getattribute__(deferred_pattern, "compiled")  # not compiled by compiling the pack
            assert deferred_pattern == vocabulary.pattern and deferred_pattern.pattern == vocabulary.pattern.pattern
            for text in texts:
                assert (deferred_pattern.search(text) is None) == (vocabulary.pattern.search(text) is None)
    assert waiting.search("Jeg har VONDT i magen") is not None and waiting.search("vondtimagen") is None
    request = _message("Pasienten har vondt i magen; takk for meldingen.")
    at = "2026-03-02T10:00:00+01:00"
    assert (Engine(lazy.values()).evaluate(request, at=at).to_dict()
            == Engine(eager.values()).evaluate(request, at=at).to_dict())
