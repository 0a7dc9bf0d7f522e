"""Late and learned fusion on rows of probabilities: a missing modality drops out, an
uninformative one is learned away, the learned model survives a missing channel, and both save
and load to the same predictions. The rows are drawn here: fusion is arithmetic over
distributions, and a known truth makes these checks able to fail."""

import numpy as np
import pytest

from affectkit.errors import DataFormatError
from affectkit.fusion.late import LateFusion, macro_f1
from affectkit.fusion.learned import LearnedFusion

LABELS = ("anger", "joy", "neutral")


def noisy(y, k, right, rng):
    """Distributions whose top label is y with probability `right`, else a random one."""
    top = np.where(rng.random(len(y)) < right, y, rng.integers(0, k, len(y)))
    p = rng.dirichlet(np.ones(k), len(y)) * 0.5
    p[np.arange(len(y)), top] += 0.5
    return p / p.sum(1, keepdims=True)


def complementary(y, rng):
    """A voice that hears arousal (neutral or not) but not valence (anger or joy: a coin), and
    a face that sees valence but mistakes neutral half the time: each knows what the other
    does not, as in real recordings."""
    aroused = y != 2
    voice_top = np.where(aroused, rng.integers(0, 2, len(y)), 2)
    voice_top = np.where(rng.random(len(y)) < 0.9, voice_top, rng.integers(0, 3, len(y)))
    face_top = np.where(aroused | (rng.random(len(y)) < 0.5), y, rng.integers(0, 2, len(y)))
    face_top = np.where(rng.random(len(y)) < 0.9, face_top, rng.integers(0, 3, len(y)))
    return noisy(voice_top, 3, 1.0, rng), noisy(face_top, 3, 1.0, rng)


@pytest.fixture(scope="module")
def rows():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 3000)
    voice, face = complementary(y, rng)
    return y, {"voice": voice, "face": face, "noise": rng.dirichlet(np.ones(3), len(y))}


def test_late_fusion_of_one_modality_is_that_modality():
    late = LateFusion(LABELS)
    p = np.array([0.2, 0.7, 0.1])
    fused, share = late.combine({"voice": p, "face": None})
    assert np.allclose(fused, p) and share == {"voice": 1.0}
    with pytest.raises(ValueError, match="no modality"):
        late.combine({"voice": None})


def test_late_fusion_weighs_confidence_and_reliability():
    late = LateFusion(LABELS, {"voice": 1.0, "face": 1.0})
    sure, unsure = np.array([0.9, 0.05, 0.05]), np.array([0.2, 0.45, 0.35])
    fused, share = late.combine({"voice": sure, "face": unsure})
    assert fused.argmax() == 0 and share["voice"] > share["face"]
    late = LateFusion(LABELS, {"voice": 0.05, "face": 1.0})  # a voice not to be trusted
    assert late.combine({"voice": sure, "face": unsure})[0].argmax() == 1


def test_fitted_late_fusion_learns_to_ignore_noise(rows):
    y, x = rows
    late = LateFusion(LABELS).fit(x, y)
    assert late.reliability["noise"].max() < 0.5 * late.reliability["voice"].max()
    best_single = max(macro_f1(y, x[m].argmax(1), 3) for m in x)
    assert macro_f1(y, late.predict_proba(x).argmax(1), 3) >= best_single


def test_learned_fusion_beats_each_modality_and_survives_a_missing_one(rows):
    y, x = rows
    train, test = np.arange(2000), np.arange(2000, 3000)
    tr = {m: v[train] for m, v in x.items()}
    te = {m: v[test] for m, v in x.items()}
    model = LearnedFusion(LABELS, ("voice", "face", "noise"), seed=1).fit(tr, y[train])
    fused = macro_f1(y[test], model.predict_proba(te).argmax(1), 3)
    singles = {m: macro_f1(y[test], te[m].argmax(1), 3) for m in te}
    assert fused > max(singles.values()), (fused, singles)
    # the voice missing: what is left (face) is still used, not thrown away
    no_voice = te | {"voice": np.full_like(te["voice"], np.nan)}
    assert macro_f1(y[test], model.predict_proba(no_voice).argmax(1), 3) >= singles["face"] - 0.02
    p = model.predict_proba(te)
    assert np.allclose(p.sum(1), 1) and 0.25 < model.temperature < 8


def test_modality_dropout_is_what_makes_it_degrade_gracefully(rows):
    y, x = rows
    train, test = np.arange(2000), np.arange(2000, 3000)
    tr = {m: v[train] for m, v in x.items()}
    te = {m: v[test] for m, v in x.items()}
    no_voice = te | {"voice": np.full_like(te["voice"], np.nan)}
    scores = {}
    for dropout in (0.0, 0.3):
        model = LearnedFusion(LABELS, ("voice", "face", "noise"), dropout=dropout, seed=1)
        model.fit(tr, y[train])
        scores[dropout] = macro_f1(y[test], model.predict_proba(no_voice).argmax(1), 3)
    assert scores[0.3] > scores[0.0] + 0.02, scores


def test_both_save_and_load(rows, tmp_path):
    y, x = rows
    late = LateFusion(LABELS).fit(x, y)
    again = LateFusion.load(late.save(tmp_path / "late.json"))
    assert np.allclose(again.predict_proba(x), late.predict_proba(x))
    model = LearnedFusion(LABELS, ("voice", "face"), epochs=20).fit(
        {m: x[m] for m in ("voice", "face")}, y
    )
    back = LearnedFusion.load(model.save(tmp_path / "learned.npz"))
    sub = {m: x[m][:50] for m in ("voice", "face")}
    assert np.allclose(back.predict_proba(sub), model.predict_proba(sub))
    (tmp_path / "bad.npz").write_bytes(b"nope")
    with pytest.raises(DataFormatError, match="cannot read"):
        LearnedFusion.load(tmp_path / "bad.npz")
    with pytest.raises(DataFormatError, match="not fitted"):
        LearnedFusion(LABELS, ("voice",)).predict_proba({"voice": x["voice"]})
    with pytest.raises(DataFormatError, match="values a row"):
        back.predict_proba({"voice": np.ones((2, 5)), "face": x["face"][:2]})


def test_a_neutral_reading_abstains_rather_than_outvotes():
    """Words with no emotional cue do not cancel an angry voice; all-neutral stays neutral."""
    late = LateFusion(LABELS, {"voice": 0.77, "words": 0.53})
    angry_voice = np.array([0.8, 0.05, 0.15])
    flat_words = np.array([0.02, 0.02, 0.96])
    fused, share = late.combine({"voice": angry_voice, "words": flat_words})
    assert fused.argmax() == 0 and share["voice"] > 0.9
    voting = LateFusion(LABELS, {"voice": 0.77, "words": 0.53}, abstain=None)
    assert voting.combine({"voice": angry_voice, "words": flat_words})[0].argmax() == 2
    calm = np.array([0.05, 0.05, 0.9])
    assert late.combine({"voice": calm, "words": flat_words})[0].argmax() == 2
