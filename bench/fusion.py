"""Fusion on real paired data: each single modality, late fusion and learned fusion side by side.

    python bench/fusion.py                 # every part (about 15 minutes on 2 cores)
    python bench/fusion.py --only ravdess  # or meld, dailydialog, video

- **ravdess**: the voice of each RAVDESS clip with its own words ("Kids are talking by the
  door" / "Dogs are sitting by the door": emotionally neutral by design, so fusion must at least
  not lose what the voice knows). The voice's probabilities are out of fold (speech-emotion's
  recipe: Whisper tiny.en features, logistic regression, 6 folds of whole actors); the words'
  come from text-emotion-en. Late and learned fusion are fitted on the other actors' folds and
  scored on the held-out ones. Labels: the canonical 7 (calm counts as neutral).
- **meld** / **dailydialog**: dialogue context as a modality. The words are the turn's own
  text-emotion-en probabilities; the context is the previous turn's and the same speaker's
  previous turn's probabilities (missing for a dialogue's first turn). Fusion is fitted on the
  train file (validation carved by dialogue) and scored on dev: utterance-only (the shipped model
  as it is, and refitted on the corpus with the same learned fusion, words only) against
  utterance + context. MELD: weighted-F1 over its 7 labels; DailyDialog: macro-F1 over the six
  emotions without `no_emotion` (as papers report it), on all turns.
- **video**: `fused-affect@1` (speech-affect + face-expression, late fusion) on a 640x480 video of
  real faces (FER2013) with real speech (RAVDESS): seconds of processing per second of video,
  models loaded beforehand.

"When one modality is removed": the fused model is run with that modality missing, and compared
with the best single modality that is left. Results: bench/results/fusion.json and a table.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "bench" / "results" / "fusion.json"
CACHE = ROOT / "bench" / "out" / "fusion"

EMOTIONS = ("anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral")
STATEMENTS = {"1": "Kids are talking by the door.", "2": "Dogs are sitting by the door."}
DD_MAP = {"no_emotion": "neutral", "happiness": "joy"}
SEEDS = 3  # learned fusion is fitted this many times; the tables give the mean and spread


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def f1s(y, pred, k=7):
    from affectkit.fusion.late import _per_label_f1

    return _per_label_f1(y, pred, k)


def scores(y, p) -> dict:
    pred = p.argmax(1)
    f = f1s(y, pred)
    support = np.bincount(y, minlength=7)
    present = support > 0
    emo = np.array([e != "neutral" for e in EMOTIONS]) & present
    return {
        "accuracy": round(float((pred == y).mean()), 4),
        "macro_f1": round(float(f[present].mean()), 4),
        "weighted_f1": round(float((f * support).sum() / support.sum()), 4),
        "macro_f1_without_neutral": round(float(f[emo].mean()), 4),
    }


def text_probs(texts: list[str], name: str = "text-emotion-en") -> np.ndarray:
    from affectkit import registry

    model = registry.load(name)
    out = np.zeros((len(texts), 7))
    t0 = time.time()
    for i in range(0, len(texts), 256):
        for j, r in enumerate(model.analyze(texts[i : i + 256])):
            if r.emotions:
                out[i + j] = [r.emotions[e] for e in EMOTIONS]
            else:  # an empty turn: no emotion read
                out[i + j] = np.eye(7)[EMOTIONS.index("neutral")]
        if (i // 256) % 20 == 19:
            log(f"  {i + 256}/{len(texts)} texts ({time.time() - t0:.0f} s)")
    return out


def text_embeddings(texts: list[str], name: str = "text-emotion-en") -> np.ndarray:
    """The fine-tuned emotion encoder's sentence embeddings (`analyzer.embed`)."""
    from affectkit import registry

    model = registry.load(name)
    return np.concatenate([model.embed(texts[i : i + 256]) for i in range(0, len(texts), 256)])


def cached(name: str, make):
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{name}.npy"
    if path.is_file():
        return np.load(path)
    x = make()
    np.save(path, x)
    return x


def nan_rows(x: np.ndarray, missing: np.ndarray) -> np.ndarray:
    x = x.astype(float).copy()
    x[missing] = np.nan
    return x


# -- RAVDESS: voice + words ------------------------------------------------------------------
def voice_oof(rows: list[dict]) -> np.ndarray:
    """Out-of-fold voice probabilities over the canonical 7 (speech-emotion's recipe)."""
    from affectkit.speech.emotion import SpeechEmotionModel, build_head, describe
    from affectkit.training.calibration import softmax
    from affectkit.training.speech import SpeechTrainConfig, cross_validate, extract, read_clips

    cfg = SpeechTrainConfig(
        str(SHARED / "speech/ravdess/labels.csv"),
        str(CACHE / "unused"),
        input_col="file",
        label_col="label",
        group_col="actor",
        folds=6,
    )
    clips = read_clips(cfg)
    want = [(SHARED / "speech/ravdess" / r["file"]).resolve() for r in rows]
    if [Path(p).resolve() for p in clips.paths] != want:
        raise SystemExit("the speech trainer read the clips in another order than labels.csv")
    config = {
        "name": "probe",
        "affectkit_kind": "speech-emotion",
        "labels": list(clips.names),
        "layers": list(cfg.layers),
        "hidden": 384,
        "encoder": "whisper-tiny-en",
        "head": {"type": "pooled-linear"},
        "padded": cfg.padded,
    }
    probe = SpeechEmotionModel(config, build_head(config))
    x = cached("ravdess_features", lambda: extract(clips, probe, 0, 0, log))
    cv = cross_validate(x, clips.labels, clips.groups, cfg, len(clips.names), log)
    probs = softmax(cv["scaled"])
    return np.array([[describe(clips.names, p)["emotions"][e] for e in EMOTIONS] for p in probs])


def ravdess() -> dict:
    from affectkit.fusion import LateFusion, LearnedFusion
    from affectkit.training.speech import speaker_folds

    with (SHARED / "speech/ravdess/labels.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    canon = {
        "neutral": "neutral",
        "calm": "neutral",
        "happy": "joy",
        "sad": "sadness",
        "angry": "anger",
        "fearful": "fear",
        "disgust": "disgust",
        "surprised": "surprise",
    }
    y = np.array([EMOTIONS.index(canon[r["label"]]) for r in rows])
    groups = np.array([r["actor"] for r in rows])
    log("RAVDESS: voice features and out-of-fold probabilities (several minutes) ...")
    voice = cached("ravdess_voice", lambda: voice_oof(rows))
    words_by = dict(zip(STATEMENTS, text_probs(list(STATEMENTS.values()))))
    words = np.stack([words_by[r["statement"]] for r in rows])
    inputs = {"voice": voice, "words": words}
    folds = speaker_folds(groups, 6)
    late_default = LateFusion(EMOTIONS).predict_proba(inputs)
    late_fit = np.zeros_like(voice)
    learned = np.zeros_like(voice)
    removed = {m: np.zeros_like(voice) for m in inputs}
    for f in range(6):
        tr, te = folds != f, folds == f
        sub = {m: x[tr] for m, x in inputs.items()}
        held = {m: x[te] for m, x in inputs.items()}
        late_fit[te] = LateFusion(EMOTIONS).fit(sub, y[tr]).predict_proba(held)
        model = LearnedFusion(EMOTIONS, tuple(inputs), seed=f).fit(sub, y[tr], groups[tr])
        learned[te] = model.predict_proba(held)
        for m in inputs:
            gone = held | {m: np.full_like(held[m], np.nan)}
            removed[m][te] = model.predict_proba(gone)
    out = {
        "n": len(y),
        "protocol": "6 folds of whole actors; fusion fitted on the other actors' folds",
        "voice": scores(y, voice),
        "words": scores(y, words),
        "late_default": scores(y, late_default),
        "late_fitted": scores(y, late_fit),
        "learned": scores(y, learned),
        "learned_without": {m: scores(y, p) for m, p in removed.items()},
    }
    return out


# -- dialogues: context as a modality ---------------------------------------------------------
def context_rows(dialogues: list[list[dict]], probs: np.ndarray) -> np.ndarray:
    """Per turn: [previous turn's probabilities, the same speaker's previous turn's
    probabilities (zeros where none), 1 if the speaker changed]; NaN for a first turn."""
    out = np.full((len(probs), 15), np.nan)
    i = 0
    for turns in dialogues:
        for t, turn in enumerate(turns):
            if t > 0:
                same = next(
                    (
                        i - t + s
                        for s in range(t - 1, -1, -1)
                        if turns[s]["speaker"] == turn["speaker"]
                    ),
                    None,
                )
                out[i] = np.concatenate(
                    [
                        probs[i - 1],
                        probs[same] if same is not None else np.zeros(7),
                        [float(turns[t - 1]["speaker"] != turn["speaker"])],
                    ]
                )
            i += 1
    return out


def dialogue_bench(name: str, train: list[list[dict]], dev: list[list[dict]], metric: str) -> dict:
    from affectkit.fusion import LateFusion, LearnedFusion

    def flat(ds):
        turns = [t for d in ds for t in d]
        y = np.array([EMOTIONS.index(DD_MAP.get(t["emotion"], t["emotion"])) for t in turns])
        groups = np.array([k for k, d in enumerate(ds) for _ in d])
        return [t["text"] for t in turns], y, groups

    tr_text, tr_y, tr_g = flat(train)
    dv_text, dv_y, _ = flat(dev)
    log(f"{name}: {len(tr_text)} training and {len(dv_text)} dev turns through text-emotion-en")
    tr_p = cached(f"{name}_train_words", lambda: text_probs(tr_text))
    dv_p = cached(f"{name}_dev_words", lambda: text_probs(dv_text))
    tr_e = cached(f"{name}_train_embeddings", lambda: text_embeddings(tr_text))
    dv_e = cached(f"{name}_dev_embeddings", lambda: text_embeddings(dv_text))
    tr_c, dv_c = context_rows(train, tr_p), context_rows(dev, dv_p)
    balanced = metric == "macro_f1_without_neutral"

    def previous(e: np.ndarray, ctx: np.ndarray) -> np.ndarray:
        """The previous turn's embedding (NaN for a first turn)."""
        out = np.full_like(e, np.nan)
        later = ~np.isnan(ctx).any(1)
        out[later] = e[np.where(later)[0] - 1]
        return out

    def learned(train_x: dict, dev_x: dict, hidden: int | str = "auto") -> dict:
        """Mean and spread over `SEEDS` fits (the validation split and the start differ)."""
        runs = []
        for seed in range(SEEDS):
            model = LearnedFusion(
                EMOTIONS, tuple(train_x), hidden=hidden, balanced=balanced, seed=seed
            )
            runs.append(scores(dv_y, model.fit(train_x, tr_y, tr_g).predict_proba(dev_x)))
        return {k: round(float(np.mean([r[k] for r in runs])), 4) for k in runs[0]} | {
            "sd": round(float(np.std([r[metric] for r in runs])), 4),
            "seeds": [r[metric] for r in runs],
        }

    words_tr, words_dv = np.hstack([tr_p, tr_e]), np.hstack([dv_p, dv_e])
    ctx_tr = np.hstack([tr_c, previous(tr_e, tr_c)])
    ctx_dv = np.hstack([dv_c, previous(dv_e, dv_c)])
    # late fusion: the previous turn's probabilities as a second opinion
    late = LateFusion(EMOTIONS).fit({"words": tr_p, "context": tr_c[:, :7]}, tr_y)
    log(f"{name}: fitting learned fusion ({SEEDS} seeds per variant)")
    return {
        "train_turns": len(tr_y),
        "dev_turns": len(dv_y),
        "metric": metric,
        "seeds": SEEDS,
        "first_turns": int(np.isnan(dv_c).any(1).sum()),
        "shipped_model": scores(dv_y, dv_p),
        "late_words_previous_turn": scores(
            dv_y, late.predict_proba({"words": dv_p, "context": dv_c[:, :7]})
        ),
        "learned_probabilities": learned({"words": tr_p}, {"words": dv_p}),
        "learned_probabilities_context": learned(
            {"words": tr_p, "context": tr_c}, {"words": dv_p, "context": dv_c}
        ),
        "learned_embedding": learned({"words": words_tr}, {"words": words_dv}, 64),
        "learned_embedding_context": learned(
            {"words": words_tr, "context": tr_c}, {"words": words_dv, "context": dv_c}, 64
        ),
        "learned_embedding_context_embedding": learned(
            {"words": words_tr, "context": ctx_tr}, {"words": words_dv, "context": ctx_dv}, 64
        ),
    }


def meld() -> dict:
    def read(split):
        with (SHARED / "text/meld" / f"{split}.csv").open(newline="") as f:
            rows = list(csv.DictReader(f))
        by: dict[str, list[dict]] = {}
        for r in rows:
            by.setdefault(r["dialogue_id"], []).append(r)
        return [sorted(d, key=lambda r: int(r["utterance_id"])) for d in by.values()]

    return dialogue_bench("meld", read("train"), read("dev"), "weighted_f1")


def dailydialog(max_train: int) -> dict:
    def read(split, limit=None):
        out = []
        with (SHARED / "dialogue" / f"dailydialog_{split}.jsonl").open() as f:
            for line in f:
                out.append(json.loads(line)["turns"])
                if limit and len(out) >= limit:
                    break
        return out

    return dialogue_bench(
        "dailydialog", read("train", max_train), read("dev"), "macro_f1_without_neutral"
    )


# -- the video pipeline's speed ---------------------------------------------------------------
def video(seconds: float) -> dict:
    sys.path.insert(0, str(ROOT))
    from tests.speech import media
    from tests.vision import scenes

    from affectkit import registry
    from affectkit.inputs import Input

    pairs = [(a, e) for a in (3, 4, 5, 6) for e in ("angry", "happy", "sad", "neutral")]
    audio = media.call(SHARED, pairs, pause=0.6)[: int(seconds * 16_000)]
    CACHE.mkdir(parents=True, exist_ok=True)
    path = scenes.write_video(
        CACHE / "interview.mp4", scenes.dev_faces(SHARED), audio=audio, leaves_at=None
    )
    t0 = time.time()
    analyzer = registry.load("fused-affect")
    analyzer.load()
    loaded = time.time() - t0
    t0 = time.time()
    (r,) = analyzer.analyze([Input.from_path(path)])
    took = time.time() - t0
    duration = len(audio) / 16_000
    return {
        "video": "640x480, 10 fps H.264, two FER2013 faces, RAVDESS speech with pauses",
        "seconds": round(duration, 2),
        "processing_seconds": round(took, 2),
        "real_time_factor": round(took / duration, 3),
        "load_seconds": round(loaded, 1),
        "windows": len(r.parts),
        "modalities": r.raw.get("modalities"),
        "threads": os.cpu_count(),
    }


def table(res: dict) -> str:
    lines = []
    if "ravdess" in res:
        r = res["ravdess"]
        lines += [
            "RAVDESS (1,080 clips, 7 canonical labels, out of fold by actor):",
            "",
            "| input | accuracy | macro-F1 |",
            "|---|---:|---:|",
        ]
        for key in ("voice", "words", "late_default", "late_fitted", "learned"):
            lines.append(f"| {key} | {r[key]['accuracy']:.3f} | {r[key]['macro_f1']:.3f} |")
        for m, s in r["learned_without"].items():
            lines.append(f"| learned, {m} removed | {s['accuracy']:.3f} | {s['macro_f1']:.3f} |")
        lines.append("")
    for name in ("meld", "dailydialog"):
        if name in res:
            r = res[name]
            key = r["metric"]
            lines += [
                f"{name} dev ({r['dev_turns']} turns; {key}):",
                "",
                "| model | " + key + " | accuracy |",
                "|---|---:|---:|",
            ]
            for k in ("shipped_model", "late_words_previous_turn"):
                lines.append(f"| {k} | {r[k][key]:.3f} | {r[k]['accuracy']:.3f} |")
            for k in (
                "learned_probabilities",
                "learned_probabilities_context",
                "learned_embedding",
                "learned_embedding_context",
                "learned_embedding_context_embedding",
            ):
                lines.append(
                    f"| {k} (mean of {r['seeds']}) | {r[k][key]:.3f} ± {r[k]['sd']:.3f} "
                    f"| {r[k]['accuracy']:.3f} |"
                )
            lines.append("")
    if "video" in res:
        v = res["video"]
        lines.append(
            f"video: {v['seconds']} s processed in {v['processing_seconds']} s "
            f"(real-time factor {v['real_time_factor']}), models loaded in "
            f"{v['load_seconds']} s"
        )
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", action="append", choices=("ravdess", "meld", "dailydialog", "video"))
    p.add_argument(
        "--dd-train-dialogues",
        type=int,
        default=1500,
        help="DailyDialog training dialogues to fit on (of 10,404)",
    )
    p.add_argument("--video-seconds", type=float, default=60.0)
    p.add_argument("--out", default=str(OUT))
    args = p.parse_args()
    parts = args.only or ["ravdess", "meld", "dailydialog", "video"]
    res: dict = {}
    if Path(args.out).is_file():
        res = json.loads(Path(args.out).read_text())  # keep the parts not rerun
    runs = {
        "ravdess": ravdess,
        "meld": meld,
        "dailydialog": lambda: dailydialog(args.dd_train_dialogues),
        "video": lambda: video(args.video_seconds),
    }
    for part in parts:
        t0 = time.time()
        res[part] = runs[part]()
        res[part]["bench_seconds"] = round(time.time() - t0)
        log(f"{part}: done in {time.time() - t0:.0f} s")
    res["machine"] = f"{platform.machine()}, {os.cpu_count()} cores"
    res["command"] = "python bench/fusion.py" + "".join(f" --only {x}" for x in args.only or [])
    Path(args.out).write_text(json.dumps(res, indent=2) + "\n")
    print(table(res))


if __name__ == "__main__":
    main()
