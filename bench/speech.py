"""Speech emotion and the speech pipeline, measured: ours vs eGeMAPS and librosa functionals.

    python bench/speech.py [--out bench/results/speech.json] [--cache DIR] [--skip-peers]

1. Emotion from the voice on RAVDESS actors 1-18 (../shared/data/speech/ravdess), all three
   feature sets under the same leave-actors-out folds (6 folds of 3 whole actors; inner splits
   of the training actors choose the regularisation): 8-class UAR, accuracy, macro-F1, ECE.
   - ours: the speech-emotion recipe (`affectkit.training.speech`): Whisper tiny.en encoder
     layers 1-4, padded to 30 s, mean+std pooled, logistic regression, temperature from inner
     actors; also the speaker-adapted figure (each actor's mean subtracted, using all of that
     actor's clips: optimistic, they are balanced across emotions);
   - eGeMAPS v02 functionals (openSMILE, 88 features) + logistic regression;
   - librosa functionals (MFCC + deltas, spectral shape, RMS, zero crossings, pitch by YIN;
     means and standard deviations) + an RBF SVM.
2. Speaker separation: two-speaker recordings of 8 + 8 clips of two random actors, segments
   clustered into two by `affectkit.speech.speakers` on the embedding the pipeline uses.
3. Real-time factor of the whole pipeline (decode, VAD, voice emotion, transcription, words'
   emotion: `speech-affect`) and of the voice alone (`speech-emotion`) on a 60-second English
   recording of real clips with pauses; models loaded and warmed up first (load time apart).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "speech" / "ravdess"
sys.path.insert(0, str(ROOT))


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def cached(cache: Path, name: str, build):
    path = cache / f"{name}.npy"
    if path.exists():
        return np.load(path)
    x = build()
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, x)
    return x


def egemaps(paths) -> np.ndarray:
    import opensmile
    import soundfile as sf

    smile = opensmile.Smile(
        feature_set=opensmile.FeatureSet.eGeMAPSv02,
        feature_level=opensmile.FeatureLevel.Functionals,
    )
    out = []
    for i, p in enumerate(paths):
        x, rate = sf.read(str(p), dtype="float32")
        out.append(smile.process_signal(x, rate).to_numpy()[0])
        if (i + 1) % 200 == 0:
            log(f"egemaps {i + 1}/{len(paths)}")
    return np.nan_to_num(np.stack(out))


def librosa_functionals(paths) -> np.ndarray:
    import librosa
    import soundfile as sf

    out = []
    for i, p in enumerate(paths):
        x, rate = sf.read(str(p), dtype="float32")
        mfcc = librosa.feature.mfcc(y=x, sr=rate, n_mfcc=20)
        frames = [
            mfcc,
            librosa.feature.delta(mfcc),
            librosa.feature.rms(y=x),
            librosa.feature.zero_crossing_rate(x),
            librosa.feature.spectral_centroid(y=x, sr=rate),
            librosa.feature.spectral_bandwidth(y=x, sr=rate),
            librosa.feature.spectral_rolloff(y=x, sr=rate),
        ]
        f0 = librosa.yin(x, fmin=60, fmax=500, sr=rate)
        voiced = f0[(f0 > 61) & (f0 < 499)]
        f0 = voiced if len(voiced) else np.zeros(1)
        stats = [np.concatenate([f.mean(1), f.std(1)]) for f in frames]
        stats.append(np.array([f0.mean(), f0.std(), np.percentile(f0, 10), np.percentile(f0, 90)]))
        out.append(np.concatenate(stats))
        if (i + 1) % 200 == 0:
            log(f"librosa {i + 1}/{len(paths)}")
    return np.nan_to_num(np.stack(out))


def peer_cv(x, y, groups, folds, make, grid, k) -> dict:
    """The same protocol as ours: outer folds of whole actors, the grid value chosen on inner
    actor splits of the training actors, macro recall (UAR)."""
    from sklearn.preprocessing import StandardScaler

    from affectkit.training.metrics import report
    from affectkit.training.speech import speaker_folds

    fold = speaker_folds(groups, folds)
    pred = np.zeros(len(y), int)
    for f in range(folds):
        train, test = np.where(fold != f)[0], np.where(fold == f)[0]
        inner = speaker_folds(groups[train], 3)
        best, best_uar = grid[0], -1.0
        for g in grid:
            p = np.zeros(len(train), int)
            for j in range(3):
                a, b = train[inner != j], train[inner == j]
                sc = StandardScaler().fit(x[a])
                p[inner == j] = make(g).fit(sc.transform(x[a]), y[a]).predict(sc.transform(x[b]))
            uar = report(y[train], p, range(k))["macro_recall"]
            if uar > best_uar:
                best, best_uar = g, uar
        sc = StandardScaler().fit(x[train])
        pred[test] = make(best).fit(sc.transform(x[train]), y[train]).predict(sc.transform(x[test]))
    rep = report(y, pred, range(k))
    return {"uar": rep["macro_recall"], "accuracy": rep["accuracy"], "macro_f1": rep["macro_f1"]}


def speaker_separation(embeddings, groups, trials: int = 200, seed: int = 0) -> dict:
    from affectkit.speech.speakers import cluster

    rng = np.random.default_rng(seed)
    actors = sorted(set(groups.tolist()))
    acc = []
    for _ in range(trials):
        a, b = rng.choice(actors, 2, replace=False)
        idx = np.concatenate(
            [rng.choice(np.where(groups == s)[0], 8, replace=False) for s in (a, b)]
        )
        order = rng.permutation(16)
        truth = np.array([0] * 8 + [1] * 8)[order]
        got = np.array(cluster(list(embeddings[idx[order]]), 2))
        acc.append(max((got == truth).mean(), (got != truth).mean()))
    acc = np.array(acc)
    return {
        "segment_accuracy": float(acc.mean()),
        "recordings_all_right": float((acc == 1).mean()),
        "recordings": trials,
        "segments_each": 16,
    }


def sixty_seconds(rows) -> np.ndarray:
    """A 60-second English recording: real clips of two actors with 0.8 s pauses."""
    import soundfile as sf

    picks = [r for r in rows if r["actor"] in ("15", "16")]
    parts, total = [], 0
    for r in picks:
        x, _ = sf.read(str(DATA / r["file"]), dtype="float32")
        parts += [x, np.zeros(12_800, np.float32)]
        total += len(x) + 12_800
        if total >= 60 * 16_000:
            break
    return np.concatenate(parts)[: 60 * 16_000]


def real_time(rows, repeats: int = 3) -> dict:
    import soundfile as sf

    from affectkit import registry
    from affectkit.inputs import Input

    audio = sixty_seconds(rows)
    out: dict = {"seconds": len(audio) / 16_000, "threads": os.environ.get("OMP_NUM_THREADS")}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sixty.flac"
        sf.write(str(path), audio, 16_000)
        for name in ("speech-emotion", "speech-affect"):
            t = time.perf_counter()
            analyzer = registry.load(name)
            analyzer.load()
            analyzer.analyze([Input.from_path(path)])  # warm-up (first-use costs)
            load = time.perf_counter() - t
            times = []
            for _ in range(repeats):
                t = time.perf_counter()
                (r,) = analyzer.analyze([Input.from_path(path)])
                times.append(time.perf_counter() - t)
            out[name] = {
                "rtf": min(times) / out["seconds"],
                "rtf_median": float(np.median(times)) / out["seconds"],
                "load_and_warm_up_s": load,
                "segments": len(r.parts),
            }
            log(f"{name}: RTF {out[name]['rtf']:.3f} ({len(r.parts)} segments)")
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=str(ROOT / "bench" / "results" / "speech.json"))
    p.add_argument("--cache", default=str(Path.home() / ".cache" / "affectkit-bench" / "speech"))
    p.add_argument("--skip-peers", action="store_true")
    args = p.parse_args()
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import SVC

    from affectkit.speech.emotion import SpeechEmotionModel
    from affectkit.speech.heads import PooledLinearHead
    from affectkit.training.speech import (
        SpeechTrainConfig,
        centre_by_group,
        cross_validate,
        extract,
        read_clips,
        summary,
    )

    cfg = SpeechTrainConfig(str(DATA / "labels.csv"), "-", input_col="file", group_col="actor")
    clips = read_clips(cfg)
    y, k, groups = clips.labels, len(clips.names), clips.groups
    cache = Path(args.cache)
    config = {
        "labels": list(clips.names),
        "layers": list(cfg.layers),
        "hidden": 384,
        "head": {"type": "pooled-linear"},
        "padded": True,
    }
    model = SpeechEmotionModel(config, PooledLinearHead(len(cfg.layers), 384, k))
    t = time.perf_counter()
    pooled = cached(cache, "whisper_l1-4_padded", lambda: extract(clips, model, 0, 0, log)[0])
    result: dict = {
        "machine": platform.processor() or platform.machine(),
        "clips": len(y),
        "actors": len(set(groups.tolist())),
        "protocol": "6 folds of 3 whole actors (1-18); inner actor splits choose C",
    }
    cv = cross_validate(pooled[None], y, groups, cfg, k, log)
    ours = summary(y, cv, clips.names)
    result["ours"] = {
        key: ours[key]
        for key in ("uar", "accuracy", "macro_f1", "ece", "ece_uncalibrated", "confusion", "labels")
    }
    result["ours"]["features_s"] = time.perf_counter() - t
    cva = cross_validate(centre_by_group(pooled[None], groups), y, groups, cfg, k, log)
    adapted = summary(y, cva, clips.names)
    result["ours_speaker_adapted"] = {key: adapted[key] for key in ("uar", "accuracy", "ece")}
    result["speakers"] = speaker_separation(pooled[:, :384], groups)
    if not args.skip_peers:
        lr = lambda c: LogisticRegression(C=c, max_iter=3000)  # noqa: E731
        svm = lambda c: SVC(C=c, gamma="scale")  # noqa: E731
        ege = cached(cache, "egemaps", lambda: egemaps(clips.paths))
        result["egemaps_lr"] = peer_cv(ege, y, groups, 6, lr, (0.01, 0.1, 1.0), k)
        lib = cached(cache, "librosa", lambda: librosa_functionals(clips.paths))
        result["librosa_svm"] = peer_cv(lib, y, groups, 6, svm, (1.0, 3.0, 10.0), k)
    import csv

    with (DATA / "labels.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    result["real_time"] = real_time(rows)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    for name in ("ours", "ours_speaker_adapted", "egemaps_lr", "librosa_svm"):
        if name in result:
            r = result[name]
            log(
                f"{name:22s} UAR {r['uar']:.3f}  acc {r['accuracy']:.3f}"
                + (f"  ECE {r['ece']:.3f}" if "ece" in r else "")
            )
    log(f"speakers: {result['speakers']}")
    log(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
