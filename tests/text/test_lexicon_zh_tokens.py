"""`affectkit.text.lexicon.zh_tokens`: segmentation and token classes on tiny real sentences."""

import pytest

from affectkit.text.lexicon.zh_lexicon import default_lexicon
from affectkit.text.lexicon.zh_tokens import DEG, EMOJI_TOK, NEG, PUNCT, WEAKNEG, WORD, tokenize


@pytest.fixture(scope="module")
def lex():
    return default_lexicon()


def keys(text, lex):
    return [(t.key, t.cls) for t in tokenize(text, lex)]


def test_unknown_words_split_into_known_pieces(lex):
    assert keys("服务满意", lex) == [("服务", WORD), ("满意", WORD)]
    assert keys("好开心", lex) == [("好", WORD), ("开心", WORD)]
    assert keys("张三丰", lex)[0][0] == "张三丰"  # a name is not scattered into characters


def test_a_word_headed_by_fei_keeps_it(lex):
    # 非洲人 "African" is not the negation 非 + 洲人 (found by bench/fairness.py)
    assert ("非洲人", NEG) not in keys("我的邻居是非洲人。", lex)
    assert [k for k, _ in keys("我的邻居是非洲人。", lex)][-2] == "非洲人"
    assert all(cls != NEG for _, cls in keys("他是非洲人", lex))
    assert ("并非", NEG) in keys("这并非好事", lex)  # the negator 并非 still is one


def test_classes_and_offsets(lex):
    text = "這間酒店很差，不太滿意😊[哈哈]GOOD"
    toks = tokenize(text, lex)
    assert [text[t.start : t.end] for t in toks] == [
        "這", "間", "酒店", "很", "差", "，", "不太", "滿意", "😊", "[哈哈]", "GOOD",
    ]  # fmt: skip
    by_key = {t.key: t.cls for t in toks}
    assert by_key["很"] == DEG and by_key["，"] == PUNCT and by_key["不太"] == WEAKNEG
    assert by_key["满意"] == WORD and by_key["good"] == WORD  # simplified, lower-cased keys
    assert by_key["😊"] == by_key["[哈哈]"] == EMOJI_TOK
    assert keys("没有热水", lex)[0] == ("没有", NEG)
