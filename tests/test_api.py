"""The public façade: routing, model choice, bad input."""

import subprocess
import sys

import pytest

import affectkit
from affectkit.api import default_model
from affectkit.errors import InvalidInputError, ModelNotFoundError


def test_routes_each_text_to_its_languages_default(lexicon_defaults):
    rs = affectkit.analyze(["I love it", "这个太差了", "Сегодня хороший день", "", b"ok"])
    assert [r.model for r in rs[:2]] == ["lexicon-en@1", "lexicon-zh@1"]
    assert [r.language for r in rs[:3]] == ["en", "zh", "unsupported"]
    assert rs[2].model == "auto" and rs[2].raw["reason"] == "no analyzer for this script"
    assert rs[3].label == "empty" and rs[4].language == "en"


@pytest.mark.slow
def test_routes_each_text_by_language():
    rs = affectkit.analyze(["I love it", "这个太差了", "Сегодня хороший день", ""])
    assert [r.language for r in rs[:3]] == ["en", "zh", "unsupported"]
    assert rs[0].model == default_model("en") and rs[1].model == default_model("zh")
    assert rs[0].label == "positive" and rs[1].label == "negative"
    assert rs[2].label == "unsupported" and "unsupported" in rs[2].flags
    assert rs[3].label == "empty"


def test_japanese_is_its_own_language_flagged_with_a_reason(lexicon_defaults):
    texts = ["今日はとても楽しかったです", "ひらがなだけ", "发表在 Nature Communications 和 "
             "Journal of Applied Psychology 上的研究表明，这个方法太差了"]  # fmt: skip
    ja, kana, zh = affectkit.analyze(texts)
    for r in (ja, kana):
        assert (r.label, r.language, r.flags) == ("unsupported", "ja", ("unsupported",))
        assert r.raw["reason"] == "no text analyzer for language 'ja' (text is read in en, zh)"
    assert (zh.language, zh.model, zh.label) == ("zh", "lexicon-zh@1", "negative")


def test_a_default_for_every_language_takes_japanese(lexicon_defaults):
    from affectkit import registry

    registry.set_defaults("text", "*", ("demo-exclaim",))  # the test plug-in reads any script
    r = affectkit.analyze_one("今日はとても楽しかったです！")
    assert r.model == "demo-exclaim@1" and r.label == "surprise"


def test_forced_language_and_named_model():
    r = affectkit.analyze_one("I love it", model="lexicon-en@1")
    assert r.model == "lexicon-en@1"
    # an English-only model given Chinese text flags it instead of guessing
    r = affectkit.analyze_one("这个太差了", model="lexicon-en")
    assert "unsupported" in r.flags
    # forcing the language sends it anyway
    r = affectkit.analyze_one("这个太差了", model="lexicon-zh", language="zh")
    assert r.label == "negative"


def test_errors_raise_or_flag(lexicon_defaults):
    with pytest.raises(InvalidInputError, match="item 1"):
        affectkit.analyze(["ok", None])
    rs = affectkit.analyze(["ok", None, b"\xff\xfe", "great"], errors="flag")
    assert [r.label for r in rs][1:3] == ["error", "error"]
    assert "UTF-8" in rs[2].raw["error"]
    assert rs[3].label == "positive"
    with pytest.raises(InvalidInputError, match="single str"):
        affectkit.analyze("a string, not a list")
    with pytest.raises(InvalidInputError, match="language must be"):
        affectkit.analyze(["x"], language="fr")
    with pytest.raises(ModelNotFoundError):
        affectkit.analyze(["x"], model="text-nope")


def test_import_is_cheap_and_silent():
    code = (
        "import sys, affectkit; "
        "heavy = [m for m in ('torch', 'transformers', 'jieba', 'onnxruntime') "
        "if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]" and out.stderr == ""


def test_lexicon_path_never_imports_torch():
    code = (
        "import sys, affectkit; affectkit.analyze(['I love this'], model='lexicon-en'); "
        "affectkit.analyze(['我很开心'], model='lexicon-zh'); "
        "print('torch' in sys.modules or 'transformers' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
