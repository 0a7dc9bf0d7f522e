"""The text router: forced languages reach the model, emoji-only text goes to the emoji lexicon."""

import pickle

from affectkit.results import FLAG_EMPTY, FLAG_UNSUPPORTED
from affectkit.text.route import EMOJI_ANALYZER, ForcedText, forced_language, route
from affectkit.text.scoring import triage

MIXED = "The food was 非常满意!"  # more Han weight than Latin: detected as Chinese


def test_a_forced_language_travels_with_the_text():
    text, lang = route(MIXED, 0, "en")
    assert (text, lang, forced_language(text)) == (MIXED, "en", "en")
    assert isinstance(text, str) and text.upper() == MIXED.upper()
    assert forced_language(pickle.loads(pickle.dumps(text))) == "en"
    text, lang = route(MIXED, 0)  # unforced: detected, untagged
    assert (lang, forced_language(text)) == ("zh", None)


def test_a_model_reads_forced_text_as_the_forced_language():
    results, todo = triage([ForcedText(MIXED, "en"), MIXED], "m@1", ("en",))
    assert results[0] is None and todo == [(0, MIXED, "en")]
    assert FLAG_UNSUPPORTED in results[1].flags  # unforced routing is unchanged
    # forced means not gated even when the model covers another language (as `analyze` routes)
    _, todo = triage([ForcedText("很好", "en")], "m@1", ("en",))
    assert todo == [(0, "很好", "en")]


def test_a_polarity_model_hands_emoji_only_text_to_the_emoji_lexicon():
    texts = ["👍", "😊", "❤️", ":)", "😡", "👎", ":(", " 😡😡!! ", "🤔", "good 👍", "...", "👍"]
    results, todo = triage(texts, "m@1", ("zh",), emoji_route=True)
    labels = [r.label if r else None for r in results]
    assert labels[:9] == ["positive"] * 4 + ["negative"] * 4 + ["neutral"]
    assert labels[9:] == ["unsupported", "empty", "positive"] and FLAG_EMPTY in results[10].flags
    assert todo == []  # "good 👍" has a word: English, which this Chinese model does not read
    r = results[0]
    assert r.raw["by"].startswith(EMOJI_ANALYZER) and r.raw["route"] == "emoji-only"
    assert r.model == "m@1" and r.language == "zh"  # the model's own language
    forced, _ = triage([ForcedText(":(", "en")], "m@1", ("zh",), emoji_route=True)
    assert (forced[0].label, forced[0].language) == ("negative", "en")


def test_emotion_models_read_emoji_themselves():
    results, todo = triage(["👍"], "m@1", ("en",))
    assert results == [None] and todo == [(0, "👍", "en")]
