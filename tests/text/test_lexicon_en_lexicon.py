"""`affectkit.text.lexicon.en_lexicon`: the VADER valences, the tuned table and constants."""

import pytest

from affectkit.text.lexicon.en import EnglishLexiconAnalyzer
from affectkit.text.lexicon.en_lexicon import (
    build_lexicon,
    lexicon_regex,
    load_tuned_table,
    token_regex,
    tuned_constants,
)
from affectkit.text.lexicon.en_rules import BOOSTERS, NEGATORS, RuleParams


def test_untuned_lexicon_is_vader_valences():
    plain = EnglishLexiconAnalyzer(tuned=False).load()
    r = plain.analyze_one("good")
    assert r.evidence[0].weight == pytest.approx(1.9)  # VADER's valence for "good"


def test_function_words_are_never_scored():
    words, symbols = build_lexicon()
    assert not ({"not", "very", "but", "although"} & words.keys())
    assert not (NEGATORS & words.keys()) and not (BOOSTERS.keys() & words.keys())
    assert ":)" in symbols and "😊" in symbols
    assert build_lexicon() is build_lexicon(True)  # one copy per process


def test_tuned_table_and_constants_parse(tmp_path):
    assert len(load_tuned_table()) > 100
    path = tmp_path / "t.tsv"
    path.write_text("# comment\ngood\t2.5\n:)\t1.0\n", encoding="utf-8")
    assert load_tuned_table(path) == {"good": 2.5, ":)": 1.0}
    assert load_tuned_table(tmp_path / "missing.tsv") == {}
    params, _ = tuned_constants()
    assert isinstance(params, RuleParams) and params.alpha > 0


def test_token_regex_groups():
    regex = token_regex({":)": 1.0})
    found = [(m.lastindex, m.group()) for m in regex.finditer("Don’t :) 😊 !! ?? , --")]
    assert found == [(1, "Don’t"), (2, ":)"), (3, "😊"), (4, "!!"), (5, "??"), (6, ","), (6, "--")]
    assert lexicon_regex(True) is lexicon_regex(True)
