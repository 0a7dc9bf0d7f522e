"""`affectkit.text.lexicon.zh_tables`: the traditional -> simplified table and the settings."""

from importlib import resources

import pytest

from affectkit.text.lexicon.zh_tables import (
    RULES,
    T2S_FILE,
    Rules,
    t2s_table,
    to_simplified,
)


def test_to_simplified_maps_one_character_for_one():
    assert to_simplified("這間酒店環境不錯") == "这间酒店环境不错"
    text = "abc 😊 這個，覆蓋"
    assert len(to_simplified(text)) == len(text)  # offsets into the input stay valid
    assert to_simplified("简体 plain") == "简体 plain"


def test_t2s_file_is_one_pair_a_line():
    text = resources.files("affectkit").joinpath("data", T2S_FILE).read_text(encoding="utf-8")
    assert text.startswith("# Traditional -> simplified")
    table = t2s_table()
    assert len(table) == 875
    assert all(len(t) == len(s) == 1 and t != s for t, s in table.items())
    assert t2s_table() is table  # read once


def test_traditional_map_agrees_with_snownlp():
    normal = pytest.importorskip("snownlp.normal.zh")
    ref = normal.zh2hans
    wrong = {t: (s, ref[t]) for t, s in t2s_table().items() if t in ref and ref[t] != s}
    # snownlp follows the 1986 simplification list here; ours, the 2013 standard list
    assert wrong == {"餘": ("余", "馀"), "託": ("托", "讬"), "諮": ("咨", "谘")}


def test_shipped_rules_cover_every_dutir_category():
    assert isinstance(RULES, Rules)
    assert set(RULES.dutir_weights) == set(Rules().dutir_weights)
