"""lexicon-zh@1, the analyzer (`affectkit.text.lexicon.zh`): rules on tiny real sentences,
evidence, emotions and the analyzer contract."""

import json
import math
import subprocess
import sys

import pytest

from affectkit import labels
from affectkit.errors import InvalidInputError
from affectkit.results import FLAG_EMPTY, AffectResult
from affectkit.text import scoring
from affectkit.text.lexicon import zh as lz
from affectkit.text.lexicon.zh_rules import apply_rules
from affectkit.text.lexicon.zh_tables import RULES
from affectkit.text.lexicon.zh_tokens import tokenize


@pytest.fixture(scope="module")
def an():
    return lz.ChineseLexiconAnalyzer().load()


def score(an, text):
    return an.analyze_one(text).score


def test_basic_polarity(an):
    assert an.analyze_one("很好").label == "positive"
    assert an.analyze_one("不好").label == "negative"
    assert an.analyze_one("房间很干净，服务也很周到").label == "positive"
    assert an.analyze_one("太差了，非常失望").label == "negative"


def test_escaped_text_reads_as_its_characters(an):
    text = "这部电影太差劲了，不喜欢"
    escaped = "".join(f"\\u{ord(ch):04x}" for ch in text)  # a dump encoded twice
    (plain,), (r,) = an.analyze([text]), an.analyze([escaped])
    assert r.score == pytest.approx(plain.score) and r.score < 0
    assert [(e.text, e.start) for e in r.evidence] == [(e.text, e.start) for e in plain.evidence]


def test_degree_adverb_strengthens(an):
    assert score(an, "非常好") > score(an, "好") > 0
    assert score(an, "非常差") < score(an, "差") < 0
    r = an.analyze_one("非常好")
    (ev,) = [e for e in r.evidence if e.text == "好"]
    assert "非常" in ev.note


def test_negation_flips_and_not_very_is_weaker(an):
    assert score(an, "不满意") < 0 < score(an, "满意")
    assert an.analyze_one("没有问题").score > 0  # 问题 is negative; negated it is not
    very_good, not_very_good = score(an, "很好"), score(an, "不是很好")
    assert not_very_good < very_good
    assert not_very_good < 0
    # 不是很好 (not very good) is milder than 很不好 (very bad)
    assert score(an, "很不好") < not_very_good
    ev = next(e for e in an.analyze_one("不是很好").evidence if e.text == "好")
    assert ev.weight < 0 and "negated" in ev.note


def test_double_negation_is_positive(an):
    assert score(an, "不是不喜欢") > 0
    ev = next(e for e in an.analyze_one("不是不喜欢").evidence if e.text == "喜欢")
    assert ev.note == "negated x2"


def test_negation_scope_ends_at_the_clause(an):
    r = an.analyze_one("不贵，很满意")
    ev = next(e for e in r.evidence if e.text == "满意")
    assert ev.weight > 0 and (ev.note is None or "negated" not in ev.note)


def test_negator_without_sentiment_word_counts_as_complaint(an):
    r = an.analyze_one("没有热水")
    assert r.label == "negative"
    assert any(e.text == "没有" and e.weight < 0 for e in r.evidence)


def test_contrast_follows_the_second_clause(an):
    assert an.analyze_one("虽然房间很大，但是服务很差").label == "negative"
    assert an.analyze_one("虽然价格有点贵，但是服务非常好").label == "positive"
    assert an.analyze_one("服务很好，可是房间太脏了").label == "negative"
    r = an.analyze_one("虽然房间很干净，但是服务很差")
    before = next(e for e in r.evidence if e.text == "干净")
    after = next(e for e in r.evidence if e.text == "差")
    assert "before 但是" in before.note and "after 但是" in after.note


def test_evidence_offsets_point_at_the_text(an):
    texts = [
        "這間酒店環境不錯，但是早餐太差了！！",
        "  前面有空格😡😡[怒]真的很生气",
        "good 服务，bad 早餐，总体还可以吧",
        "不是很好，也不是很差。虽然有点贵，但是值得",
    ]
    for text, r in zip(texts, an.analyze(texts), strict=True):
        assert r.evidence, text
        for e in r.evidence:
            assert text[e.start : e.end] == e.text
            assert e.kind in ("lexicon", "emoji", "emotion")


def test_evidence_adds_up_to_the_sum(an):
    text = "酒店位置很好，房间干净，就是早餐一般，服务员态度不太好"
    r = an.analyze_one(text)
    hits = apply_rules(tokenize(text, an.lexicon_), text, an.lexicon_)
    total = sum(e.weight for e in r.evidence)  # only contributions under EVIDENCE_MIN are left out
    assert total == pytest.approx(r.raw["sum"], abs=lz.EVIDENCE_MIN * len(hits))
    assert len(r.evidence) >= 4
    assert r.raw["sum"] == pytest.approx(r.raw["positive"] + r.raw["negative"])
    assert r.raw["positive"] >= 0 >= r.raw["negative"]
    assert r.score == pytest.approx(r.raw["sum"] / math.sqrt(r.raw["sum"] ** 2 + RULES.alpha))


def test_emotions_distribution(an):
    for text in ("我很愤怒", "今天好开心", "明天开会", "太可怕了，好害怕", "很难过，想哭"):
        r = an.analyze_one(text)
        assert set(r.emotions) == set(labels.EMOTIONS)
        assert math.isclose(sum(r.emotions.values()), 1.0, abs_tol=1e-9)

    def top(text):
        emo = an.analyze_one(text).emotions
        return max(emo, key=emo.get)

    assert top("我很愤怒") == "anger"
    assert top("今天好开心") == "joy"
    assert top("很难过") == "sadness"
    assert top("好害怕") == "fear"
    assert an.analyze_one("明天下午三点开会").emotions["neutral"] == 1.0
    r = an.analyze_one("我很愤怒")
    assert r.raw["dutir"]["怒"] >= 1
    assert next(e for e in r.evidence if e.text == "愤怒").label == "anger"


def test_negated_emotion_word_is_not_counted(an):
    assert an.analyze_one("我不愤怒").emotions["anger"] == 0.0


def test_emoji_and_weibo_tags(an):
    r = an.analyze_one("😡😡")
    assert r.label == "negative" and r.evidence[0].kind == "emoji"
    assert r.emotions["anger"] > 0.5
    r = an.analyze_one("[哈哈][哈哈]")
    assert r.label == "positive" and r.evidence[0].text == "[哈哈]"
    assert r.emotions["joy"] > 0.5
    r = an.analyze_one("[泪]")
    assert r.label == "negative" and r.emotions["sadness"] > 0.5


def test_traditional_chinese(an):
    assert an.analyze_one("這間酒店很好").label == "positive"
    assert an.analyze_one("這間酒店很差，服務態度也不好").label == "negative"
    assert score(an, "環境不錯") == pytest.approx(score(an, "环境不错"))


def test_empty_and_blank_inputs(an):
    for text in ("", "   ", "\n\t", "。。。", "，！？"):
        r = an.analyze_one(text)
        assert r.label == "empty" and FLAG_EMPTY in r.flags
        assert r.model == "lexicon-zh@1" and r.language == "zh"


def test_no_sentiment_word_is_flagged(an):
    r = an.analyze_one("qzxv")
    assert r.label != "empty" and "no_evidence" in r.flags


def test_order_invariance(an):
    a, b, c = "服务很好", "太难吃了", "虽然贵，但是值"
    assert an.analyze([a, b, c]) == list(reversed(an.analyze([c, b, a])))


def test_non_str_input_raises_with_index(an):
    with pytest.raises(InvalidInputError, match="item 1"):
        an.analyze(["很好", 42])
    with pytest.raises(InvalidInputError, match="single str"):
        an.analyze("很好")
    assert an.analyze([]) == []
    # bytes are accepted as UTF-8
    assert an.analyze(["很好".encode()])[0].label == "positive"


def test_json_round_trip(an):
    for r in an.analyze(["虽然房间很大，但是服务很差😡", "", "[哈哈]好开心"]):
        d = r.to_dict()
        s = json.dumps(d, ensure_ascii=False, allow_nan=False)
        back = AffectResult.from_dict(json.loads(s))
        assert back.to_dict() == d
        assert back.label == r.label


def test_instances_share_the_lexicon():
    a = lz.ChineseLexiconAnalyzer()
    assert not hasattr(a, "lexicon_")  # the constructor loads nothing
    b = lz.ChineseLexiconAnalyzer().load()
    assert a.load().lexicon_ is b.lexicon_
    assert lz.load().name == "lexicon-zh@1"


def test_calibration_argument_is_used(an):
    sharp = lz.ChineseLexiconAnalyzer(calibration=scoring.PolarityCalibration(a=50, b=0, c=0))
    r = sharp.analyze_one("很好")
    assert r.polarity["positive"] > an.analyze_one("很好").polarity["positive"]
    assert r.polarity["positive"] > 0.99


def test_import_is_silent_and_lazy():
    code = (
        "import sys; import affectkit.text.lexicon.zh as z; "
        "from affectkit.text.lexicon import zh_lexicon; "
        "a = z.ChineseLexiconAnalyzer(); "
        "print(zh_lexicon._RESOURCES is None, 'jieba' in sys.modules, 'pysenti' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False", "False"]
    assert out.stderr == ""


def test_analyze_prints_nothing():
    code = "import affectkit.text.lexicon.zh as z; z.ChineseLexiconAnalyzer().analyze(['很好'])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "" and out.stderr == ""


def test_emoji_only_text_takes_the_sign_of_its_emoji(an):
    labels = [r.label for r in an.analyze(["👍", "😊", ":)", "😡", "👎", "😭"])]
    assert labels == ["positive"] * 3 + ["negative"] * 3
