"""`affectkit.text.lexicon.zh_lexicon`: combining the word lists (a hand-built `Resources`) and
the learned table."""

import math
from importlib import resources

import pytest

from affectkit.text.lexicon.zh_lexicon import (
    WEIGHTS_FILE,
    Resources,
    build_lexicon,
    read_word_weights,
)
from affectkit.text.lexicon.zh_tables import EMOJI, NEG_KEY, RULES

TINY = Resources(
    tokenizer=None,
    boson={"好": 2.5, "贵": -0.5, "很": 0.8},
    hownet={"好": 1, "脏": -1},
    negators=frozenset({"不"}),
    degrees={"很": 1.75},
    dutir={"开心": ("乐",)},
)


def test_weights_combine_the_lists():
    lex = build_lexicon(TINY, RULES)
    assert lex.weights["好"] == pytest.approx(RULES.boson_scale * 2.5 + RULES.hownet_weight)
    assert lex.weights["脏"] == pytest.approx(-RULES.hownet_weight)
    assert lex.weights["开心"] == 0.0  # an emotion word scores 0 unless a list weighs it
    assert lex.weights[NEG_KEY] == RULES.unattached_negation
    assert lex.weights["😊"] == pytest.approx(RULES.boson_scale * EMOJI["😊"][0])
    assert "很" not in lex.weights and "不" not in lex.weights  # rule words are never scored
    assert {"好", "脏", "😊"} <= lex.strong and "贵" not in lex.strong


def test_learned_weights_replace_the_dictionary_ones():
    lex = build_lexicon(TINY, RULES, {"贵": -1.2, "[新]": 0.7}, extra_tags=["[x]"])
    assert lex.weights["贵"] == -1.2
    assert lex.weights["[新]"] == 0.7 and "[新]" in lex.emoji  # a learned Weibo tag
    assert lex.weights["[x]"] == 0.0


def test_learned_table_is_small_and_parses():
    path = resources.files("affectkit").joinpath("data", WEIGHTS_FILE)
    assert path.is_file()
    assert len(path.read_bytes()) < 1_000_000
    table = read_word_weights()
    assert len(table) > 100 and all(math.isfinite(v) for v in table.values())


def test_read_word_weights_from_a_path(tmp_path):
    path = tmp_path / "w.tsv"
    path.write_text("# comment\n好\t1.5\n\n[哈哈]\t-0.25\n", encoding="utf-8")
    assert read_word_weights(path) == {"好": 1.5, "[哈哈]": -0.25}
