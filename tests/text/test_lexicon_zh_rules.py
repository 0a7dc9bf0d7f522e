"""`affectkit.text.lexicon.zh_rules`: `apply_rules` and `emotions` on hand-built tokens and a
hand-built lexicon (no jieba), and on tiny real sentences."""

import dataclasses

import pytest

from affectkit.text.lexicon.zh_lexicon import (
    Resources,
    build_lexicon,
    load_resources,
    read_word_weights,
)
from affectkit.text.lexicon.zh_rules import Hit, apply_rules, emotions
from affectkit.text.lexicon.zh_tables import NEG_KEY, RULES
from affectkit.text.lexicon.zh_tokens import (
    CONTR,
    DEG,
    NEG,
    OTHER,
    PUNCT,
    WEAKNEG,
    WORD,
    Token,
    tokenize,
)

# strong (|BosonNLP| >= RULES.strong_min, or HowNet): 好 差 满意; weak: 贵
TINY = Resources(
    tokenizer=None,
    boson={"好": 2.5, "差": -3.0, "贵": -0.5},
    hownet={"满意": 1},
    negators=frozenset({"不", "没有"}),
    degrees={"很": 1.75},
    dutir={"满意": ("好",), "差": ("恶",)},
)


def tokens(*pairs):
    """(tokens, text) from (word, class) pairs laid end to end."""
    out, pos = [], 0
    for word, cls in pairs:
        out.append(Token(word, pos, pos + len(word), cls))
        pos += len(word)
    return out, "".join(w for w, _ in pairs)


def walk(*pairs, rules=RULES):
    toks, text = tokens(*pairs)
    return apply_rules(toks, text, build_lexicon(TINY, rules))


def with_rules(**changes):
    """The shipped word lists under changed rules (shares the loaded word lists)."""
    rules = dataclasses.replace(RULES, **changes)
    return build_lexicon(load_resources(), rules, read_word_weights())


def test_degree_adverb_multiplies_the_next_strong_word():
    (hit,) = walk(("很", DEG), ("好", WORD))
    assert hit.key == "好" and hit.mult == pytest.approx(1.75**RULES.degree_power)
    assert hit.notes == ["x1.75 by 很"]


def test_double_negation_multiplies_twice():
    (hit,) = walk(("不", NEG), ("是", OTHER), ("不", NEG), ("好", WORD))
    assert hit.mult == pytest.approx(RULES.negation**2) and hit.notes == ["negated x2"]
    assert hit.negated


def test_negator_before_a_degree_adverb_is_weaker():
    (a,) = walk(("不", NEG), ("很", DEG), ("好", WORD))
    (b,) = walk(("不太", WEAKNEG), ("好", WORD))
    assert a.mult == b.mult == -RULES.negation_degree
    assert a.notes == [f"weakly negated by 不 x{-RULES.negation_degree:g}"]


def test_weak_words_neither_flip_nor_end_the_scope():
    weak, strong = walk(("不", NEG), ("贵", WORD), ("好", WORD))
    assert weak.mult == 1.0 and weak.negated  # negated (for emotions), not flipped
    assert strong.mult == pytest.approx(-RULES.negation)
    rules = dataclasses.replace(RULES, negate_weak=True)
    weak, neg = walk(("不", NEG), ("贵", WORD), rules=rules)
    assert weak.mult == pytest.approx(-RULES.negation)
    assert neg.key == NEG_KEY  # a weak word does not use the negator up


def test_unattached_negator_becomes_the_neg_pseudo_word():
    hits = walk(("没有", NEG), ("热水", OTHER))
    assert hits == [Hit(NEG_KEY, 0, 2, 1.0, ["negation with no sentiment word"])]


def test_punctuation_ends_the_negation_scope():
    neg, good = walk(("不", NEG), ("，", PUNCT), ("好", WORD))
    assert neg.key == NEG_KEY and good.mult == 1.0 and not good.negated


def test_contrast_weighs_the_clauses():
    good, bad = walk(("好", WORD), ("，", PUNCT), ("但", CONTR), ("差", WORD), ("。", PUNCT))
    assert good.mult == RULES.contrast_before and good.notes == ["before 但 x0.6"]
    assert bad.mult == RULES.contrast_after and bad.notes == ["after 但 x1.4"]


def test_concessive_alone_discounts_its_clause():
    lex = with_rules(contrast_before=0.5, contrast_after=1.5)
    text = "虽然价格贵，服务满意"
    hits = apply_rules(tokenize(text, lex), text, lex)
    (gui,) = [h for h in hits if h.key == "贵"]
    (ok,) = [h for h in hits if h.key == "满意"]
    assert gui.mult == pytest.approx(0.5) and "before 虽然" in gui.notes[-1]
    assert ok.mult == pytest.approx(1.5)


def test_exclamation_and_question_factors():
    lex = with_rules(exclaim=1.5, question=0.5)
    for text, factor, mark in (("服务很好！", 1.5, "！"), ("服务很好?", 0.5, "?")):
        plain = apply_rules(tokenize("服务很好", lex), "服务很好", lex)
        marked = apply_rules(tokenize(text, lex), text, lex)
        assert [h.mult for h in marked] == pytest.approx([h.mult * factor for h in plain])
        assert all(h.notes[-1] == f"{mark} x{factor:g}" for h in marked)


def test_emotions_count_unnegated_dutir_words():
    lex = build_lexicon(TINY, RULES)
    dist, counts = emotions([Hit("满意", 0, 2, 1.0, [])], lex)
    w = RULES.dutir_weights["好"]  # 好 -> joy, weighted
    assert dist["joy"] == pytest.approx(w / (w + RULES.neutral_pseudo))
    assert dist["neutral"] == pytest.approx(RULES.neutral_pseudo / (w + RULES.neutral_pseudo))
    assert counts["好"] == 1.0
    dist, counts = emotions([Hit("满意", 0, 2, -0.8, [], negated=True)], lex)
    assert dist["neutral"] == 1.0 and sum(counts.values()) == 0.0


def test_a_yes_no_question_is_damped_and_a_wh_question_is_not():
    from affectkit.text.lexicon.zh import ChineseLexiconAnalyzer
    from affectkit.text.lexicon.zh_rules import is_yes_no_particle

    assert is_yes_no_particle("吗") and is_yes_no_particle("么")
    assert not is_yes_no_particle("什么") and not is_yes_no_particle("怎么")
    a = ChineseLexiconAnalyzer().load()
    asks, says, why = a.analyze(
        ["这家酒店的服务好吗？", "这家酒店的服务很好！", "为什么服务这么差？"]
    )
    assert asks.label == "neutral" and says.label == "positive" and why.label == "negative"
    notes = [e.note or "" for e in asks.evidence]
    assert any("yes/no question x0.25" in n for n in notes)
    assert not any("yes/no" in (e.note or "") for e in why.evidence)
