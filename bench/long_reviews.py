"""Long IMDB reviews through the default English route: accuracy, calibration and reviews/s.

    python bench/long_reviews.py [--n-cal 600] [--n-report 1000] [--n-speed 100]
                                 [--backends torch,onnx,onnx-int8] [--fit-backend onnx-int8]
                                 [--threads 2,1] [--busy 0,1] [--skip-speed] [--sst2]
                                 [--write-config]

The reviews come from ../shared/data/text/imdb/train.csv.gz, the IMDB *training* file, because
the IMDB test file is not in ../shared/data. text-sentiment-en trained on 3,000 of its rows
(``max_rows`` in the recipe of its config.json, drawn with the recipe's ``seed``): those rows are
rebuilt here exactly as training drew them (`affectkit.training.data.subsample`) and left out, so
every review below is unseen. A review is *long* when it has at least `--min-words` words (200
words is about 260 tokens or more: always two or more chunks of text-sentiment-en's 123-token
window). From the long unseen reviews, shuffled with `--seed`, come two disjoint splits:

- calibration (`--n-cal`): the only data an aggregation temperature is fitted on;
- report (`--n-report`): only measured.

The aggregation temperatures are fitted on the calibration split's chunk probabilities from
`--fit-backend` (`TextModelAnalyzer.predict_chunks`, the model's own temperature applied), one per
method, and the method with the lower calibration-split NLL is the one `--write-config` stores in
the model folder's config.json (``aggregation``). Then, for every backend (PyTorch, ONNX fp32,
ONNX int8), the report split's chunk probabilities are computed once and every aggregation from
them (`affectkit.training.calibration.aggregated_logits`): the token-weighted mean of
probabilities (the behaviour before), the mean of logits, each with and without its fitted
temperature, and "as configured": the analyzer's own output with the folder's config as the run
left it. The data is binary: predictions are restricted to negative/positive as `affectkit
evaluate` does, and ECE (15 bins) is over the probabilities renormalised to those two labels.

Speed: the default English route `text-affect-en` (text-sentiment-en for polarity and
text-emotion-en for emotions, as `affectkit analyze` runs it) on the first `--n-speed` reviews of
the report split, in calls of `--batch` reviews, per backend and thread count, after a warm-up
(loading and ONNX export are not timed): torch everywhere (the behaviour before), the default
(no backend chosen: long texts on ONNX int8, `affectkit.text.catalog`), and ONNX int8 everywhere
with and without spinning intra-op threads; `--busy` runs it again beside processes that keep
cores busy, as a training job does. `--sst2` also checks that short texts are untouched: SST-2
dev through the folder as configured and with the default aggregation.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "src" / "affectkit" / "models" / "text-sentiment-en"
ROUTE = "text-affect-en"
IMDB = "imdb/train.csv.gz"
BACKENDS = {"torch": ("torch", False), "onnx": ("onnx", False), "onnx-int8": ("onnx", True)}
BINARY = ["negative", "positive"]
CHUNK_BINS = [(2, 2), (3, 3), (4, 5), (6, 10_000)]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def training_texts(config: dict, data: Path) -> set[str]:
    """The IMDB rows text-sentiment-en's recipe drew (``max_rows`` with its ``seed``), rebuilt
    with the training code itself."""
    from affectkit.training import data as D

    recipe = config["training"]["config"]
    path = next(p for p in recipe["data"] if p.endswith(IMDB))
    ds = D.read_file(
        data / "text" / IMDB,
        recipe["text_col"],
        recipe["label_cols"].get(path, recipe["label_col"]),
        multi_label=False,
        label_map=recipe["label_map"],
        drop_labels=recipe["drop_labels"],
    )
    limit = recipe["max_rows"].get(path, recipe["max_rows_per_file"])
    rows = D.subsample(ds.examples, limit, recipe["seed"]) if limit else ds.examples
    log(f"IMDB rows in text-sentiment-en's training mix: {len(rows):,} of {len(ds.examples):,}")
    return {ex.text for ex in rows}


def splits(args, config: dict) -> tuple[list, list, dict]:
    """(calibration, report) lists of (text, label), and how they were drawn."""
    import pandas as pd

    frame = pd.read_csv(args.data / "text" / IMDB)
    seen = training_texts(config, args.data)
    words = frame["text"].str.split().str.len()
    unseen = ~frame["text"].isin(seen)
    long = frame[unseen & (words >= args.min_words)]
    order = np.random.default_rng(args.seed).permutation(len(long))
    if len(order) < args.n_cal + args.n_report:
        raise SystemExit(f"only {len(long)} long unseen reviews; ask for fewer")
    pick = long.iloc[order[: args.n_cal + args.n_report]]
    rows = list(zip(pick["text"], pick["label"], strict=True))
    cal, report = rows[: args.n_cal], rows[args.n_cal :]
    assert not {t for t, _ in rows} & seen  # nothing the model trained or early-stopped on
    info = {
        "file": f"../shared/data/text/{IMDB} (the IMDB training file)",
        "rows": len(frame),
        "left_out_as_training_rows": int((~unseen).sum()),
        "long_unseen": len(long),
        "min_words": args.min_words,
        "seed": args.seed,
        "calibration": {"n": len(cal), "positive": sum(y == "positive" for _, y in cal)},
        "report": {"n": len(report), "positive": sum(y == "positive" for _, y in report)},
    }
    return cal, report, info


def sentiment(folder: Path, backend: str, threads: int, cache: Path, config=None):
    from affectkit.text.classifier import TextModelAnalyzer

    kind, quantize = BACKENDS[backend]
    options = {"backend": kind, "quantize": quantize, "threads": threads, "cache_dir": cache}
    if config is None:
        return TextModelAnalyzer.from_pretrained(folder, **options)
    return TextModelAnalyzer(config, folder=folder, **options)


def binary(probs: np.ndarray, cols: list[int]) -> np.ndarray:
    p = probs[:, cols]
    return p / p.sum(axis=1, keepdims=True).clip(min=1e-300)


def figures(probs: np.ndarray, y: np.ndarray, chunks: np.ndarray) -> dict:
    """Accuracy, ECE (and its bootstrap standard error), NLL over negative/positive
    probabilities (N, 2); ECE per number of chunks."""
    from affectkit.training.calibration import ece, ece_std_error

    conf, pred = probs.max(1), probs.argmax(1)
    correct = pred == y
    out = {
        "accuracy": float(correct.mean()),
        "ece": ece(conf, correct),
        "ece_se": ece_std_error(conf, correct, n_boot=300),
        "nll": float(-np.log(probs[np.arange(len(y)), y].clip(1e-12)).mean()),
        "mean_confidence": float(conf.mean()),
        "by_chunks": {},
    }
    for lo, hi in CHUNK_BINS:
        m = (chunks >= lo) & (chunks <= hi)
        if m.sum() >= 20:
            key = f"{lo}" if lo == hi else (f"{lo}-{hi}" if hi < 10_000 else f"{lo}+")
            out["by_chunks"][key] = {
                "n": int(m.sum()),
                "accuracy": float(correct[m].mean()),
                "ece": ece(conf[m], correct[m]),
            }
    return out


def quality(args, cal, report, raw_config: dict) -> dict:
    """Fit the aggregation temperatures on the calibration split (`--fit-backend`), store the
    chosen one when asked, then per backend: the report split's chunk probabilities once, and
    every aggregation computed from them; "as configured" is the analyzer's own output with the
    folder's config as it is after that (the library's path)."""
    from affectkit.text.classifier.folder import read_config
    from affectkit.training.calibration import aggregated_logits, fit_temperature, nll, softmax

    labels = list(raw_config["labels"])
    cols = [labels.index(x) for x in BINARY]
    y_cal = np.array([BINARY.index(y) for _, y in cal])
    y_rep = np.array([BINARY.index(y) for _, y in report])
    threads = args.threads[0]

    def variant_logits(docs, method):
        return aggregated_logits([(d.chunk_probs, d.chunk_tokens) for d in docs], method)

    model = sentiment(args.model, args.fit_backend, threads, args.cache_dir)
    fit_docs = model.predict_chunks([x for x, _ in cal])  # chunk probabilities: any aggregation
    fitted, fit_nll = {}, {}
    for method in ("mean-probs", "mean-logits"):
        z = variant_logits(fit_docs, method)[:, cols]  # (N_cal, 2): restricted, as evaluated
        fitted[method] = fit_temperature(z, y_cal)
        fit_nll[method] = nll(z, y_cal, fitted[method])
        log(f"{method}: temperature {fitted[method]:.4f}, calibration-split NLL "
            f"{fit_nll[method]:.4f} (fitted on {args.fit_backend})")  # fmt: skip
    chosen = min(fit_nll, key=fit_nll.__getitem__)  # by the calibration split alone
    if args.write_config:
        raw_config["aggregation"] = {"method": chosen, "temperature": fitted[chosen]}
        text = json.dumps(raw_config, indent=2, ensure_ascii=False) + "\n"
        (args.model / "config.json").write_text(text, encoding="utf-8")
        log(f"{args.model / 'config.json'}: aggregation = {raw_config['aggregation']}")
    configured = read_config(args.model).aggregation

    variants = {
        "mean-probs (before)": ("mean-probs", 1.0),
        "mean-probs, T fitted": ("mean-probs", fitted["mean-probs"]),
        "mean-logits": ("mean-logits", 1.0),
        "mean-logits, T fitted": ("mean-logits", fitted["mean-logits"]),
    }
    rows, speed = [], {}
    for backend in args.backends:
        model = sentiment(args.model, backend, threads, args.cache_dir).load()
        model.predict_chunks(["warm up, not timed."])
        t = time.perf_counter()
        docs = model.predict_chunks([x for x, _ in report])
        seconds = time.perf_counter() - t
        speed[backend] = len(report) / seconds
        log(f"{backend}: {len(docs)} reviews in {seconds:.0f} s ({threads} threads)")
        chunks = np.array([len(d.chunk_spans) for d in docs])
        for name, (method, temp) in variants.items():
            probs = softmax(variant_logits(docs, method)[:, cols], temp)
            rows.append({"backend": backend, "aggregation": name, "temperature": temp,
                         **figures(probs, y_rep, chunks)})  # fmt: skip
        mine = figures(binary(np.stack([d.probs for d in docs]), cols), y_rep, chunks)
        rows.append({"backend": backend, "aggregation": "as configured",
                     "configured": configured.to_dict(), **mine})  # fmt: skip
    return {
        "fit_backend": args.fit_backend,
        "fitted_temperature": fitted,
        "calibration_split_nll": fit_nll,
        "chosen": {"method": chosen, "temperature": fitted[chosen]},
        "rows": rows,
        "sentiment_reviews_per_s": speed,
        "threads": threads,
        "chunks_per_review": {
            "mean": float(chunks.mean()),
            "min": int(chunks.min()),
            "max": int(chunks.max()),
        },
    }


# The route as it runs by default, and with every model on one backend. "default" passes no
# backend: the catalog's `long_backend` (ONNX int8 for text-sentiment-en's long texts) applies.
ROUTES = {
    "torch (before)": {"backend": "torch"},
    "default (long texts on int8)": {},
    "onnx-int8, threads spinning": {"backend": "onnx", "quantize": True, "spin": True},
    "onnx-int8": {"backend": "onnx", "quantize": True},
}
HOG = "import numpy as np\na = np.random.rand(384, 384)\nwhile True:\n    a @ a"


def hogs(n: int) -> list:
    """`n` processes keeping one core each busy with matrix products (the "busy machine":
    a training job beside the analysis)."""
    import os
    import subprocess

    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    return [subprocess.Popen([sys.executable, "-c", HOG], env=env) for _ in range(n)]


def speed(args, report) -> tuple[list[dict], dict]:
    """reviews/s of the route per variant, thread count and busy cores (warm), and how far each
    variant's results are from torch's."""
    from affectkit import registry
    from affectkit.text.classifier import onnx as onnx_backend

    texts = [t for t, _ in report[: args.n_speed]]
    rows, results = [], {}
    for busy in args.busy:
        for threads in args.threads:
            for name, options in ROUTES.items():
                options = dict(options)
                onnx_backend.INTRA_OP_SPINNING = options.pop("spin", False)
                route = registry.load(ROUTE, threads=threads, cache_dir=args.cache_dir, **options)
                route.analyze(texts[:4])  # load, export (ONNX), warm up
                procs = hogs(busy)
                try:
                    time.sleep(0.5 if busy else 0.0)
                    t = time.perf_counter()
                    out = []
                    for i in range(0, len(texts), args.batch):
                        out += route.analyze(texts[i : i + args.batch])
                    seconds = time.perf_counter() - t
                finally:
                    for proc in procs:
                        proc.kill()
                        proc.wait()
                results.setdefault(name, out)
                rows.append({"route": name, "threads": threads, "busy_cores": busy,
                             "n": len(texts), "seconds": seconds,
                             "reviews_per_s": len(texts) / seconds})  # fmt: skip
                log(f"{name}, {threads} threads, {busy} busy: {len(texts) / seconds:.2f} reviews/s")
    onnx_backend.INTRA_OP_SPINNING = False
    return rows, agreement(results)


def agreement(results: dict) -> dict:
    """Per variant, against torch's results: polarity label agreement and the largest and mean
    |difference| of p(positive) and of the emotion distribution."""
    base = results["torch (before)"]
    out = {}
    for name, rs in results.items():
        if name == "torch (before)":
            continue
        pos = np.array([[a.polarity["positive"], b.polarity["positive"]] for a, b in zip(base, rs)])
        emo = np.array([[abs(a.emotions[k] - b.emotions[k]) for k in a.emotions]
                        for a, b in zip(base, rs)])  # fmt: skip
        out[name] = {
            "polarity_label_agreement": float(
                np.mean([a.label == b.label for a, b in zip(base, rs)])
            ),
            "positive_abs_diff_mean": float(np.abs(pos[:, 0] - pos[:, 1]).mean()),
            "emotion_label_agreement": float(
                np.mean(
                    [
                        a.raw["emotion"]["label"] == b.raw["emotion"]["label"]
                        for a, b in zip(base, rs)
                    ]
                )
            ),
            "emotion_abs_diff_mean": float(emo.mean()),
        }
    return out


def short_texts(args, config) -> dict:
    """SST-2 dev through the folder as configured and with the default aggregation: one-chunk
    texts must come out identical."""
    import pandas as pd

    from affectkit.text.classifier.config import AggregationConfig

    frame = pd.read_csv(args.data / "text" / "sst2" / "dev.csv")
    texts = frame["text"].tolist()
    y = np.array([BINARY.index(v) for v in frame["label"]])
    cols = [list(config.labels).index(x) for x in BINARY]
    out = {}
    for name, cfg in (
        ("as configured", config),
        ("default aggregation", replace(config, aggregation=AggregationConfig())),
    ):
        model = sentiment(args.model, "torch", args.threads[0], args.cache_dir, cfg)
        docs = model.predict_chunks(texts)
        probs = binary(np.stack([d.probs for d in docs]), cols)
        chunks = np.array([len(d.chunk_spans) for d in docs])
        out[name] = {"probs": probs, **figures(probs, y, chunks)}
        out[name]["multi_chunk_texts"] = int((chunks > 1).sum())
    same = bool(np.array_equal(out["as configured"]["probs"], out["default aggregation"]["probs"]))
    for v in out.values():
        del v["probs"], v["by_chunks"]
    return {"n": len(texts), "identical": same, **out}


def markdown(res: dict, args) -> str:
    d = res["data"]
    lines = [
        f"Long IMDB reviews (>= {d['min_words']} words, unseen by text-sentiment-en: its "
        f"{d['left_out_as_training_rows']:,} training rows left out) from the IMDB *training* "
        f"file: calibration split n={d['calibration']['n']}, report split "
        f"n={d['report']['n']} ({d['report']['positive']} positive); "
        f"{res['quality']['chunks_per_review']['mean']:.1f} chunks per review "
        f"({res['quality']['chunks_per_review']['min']}-"
        f"{res['quality']['chunks_per_review']['max']}). Binary: predictions restricted to "
        f"negative/positive. Aggregation temperatures fitted on the calibration split "
        f"({res['quality']['fit_backend']}): "
        + ", ".join(f"{m} {t:.3f}" for m, t in res["quality"]["fitted_temperature"].items())
        + f"; lower calibration-split NLL: {res['quality']['chosen']['method']}.",
        "",
        "| backend | aggregation | accuracy | ECE (± s.e.) | NLL | mean confidence |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in res["quality"]["rows"]:
        name = r["aggregation"]
        if name == "as configured":
            c = r["configured"]
            name = f"as configured ({c['method']}, T {c['temperature']:.3f})"
        lines.append(
            f"| {r['backend']} | {name} | {r['accuracy']:.4f} | {r['ece']:.4f} ± "
            f"{r['ece_se']:.4f} | {r['nll']:.4f} | {r['mean_confidence']:.3f} |"
        )
    first = res["quality"]["rows"][0]["backend"]
    keys = list(res["quality"]["rows"][0]["by_chunks"])
    lines += ["", f"ECE by chunks per review ({first}):", ""]
    lines += ["| aggregation | " + " | ".join(f"{k} chunks" for k in keys) + " |"]
    lines += ["|---|" + "---:|" * len(keys)]
    for r in res["quality"]["rows"]:
        if r["backend"] == first:
            cells = [
                f"{r['by_chunks'][k]['ece']:.3f} (n={r['by_chunks'][k]['n']})"
                if k in r["by_chunks"]
                else "-"
                for k in keys
            ]
            lines.append(f"| {r['aggregation']} | " + " | ".join(cells) + " |")
    if res.get("speed"):
        base = {
            (r["threads"], r["busy_cores"]): r["reviews_per_s"]
            for r in res["speed"]
            if r["route"] == "torch (before)"
        }
        lines += [
            "",
            f"Throughput of `{ROUTE}` (polarity + emotions: both models) on "
            f"{res['speed'][0]['n']} long reviews of the report split, calls of {args.batch}; "
            "busy cores: other processes each keeping one core busy:",
            "",
            "| route | threads | busy cores | reviews/s | vs torch |",
            "|---|---:|---:|---:|---:|",
        ]
        for r in res["speed"]:
            key = (r["threads"], r["busy_cores"])
            ratio = r["reviews_per_s"] / base[key] if key in base else None
            lines.append(
                f"| {r['route']} | {r['threads']} | {r['busy_cores']} | "
                f"{r['reviews_per_s']:.2f} | {'-' if ratio is None else f'{ratio:.2f}x'} |"
            )
        lines += [
            "",
            "Against torch's results on the same reviews:",
            "",
            "| route | polarity label agreement | mean abs diff p(positive) | "
            "emotion label agreement | mean abs diff emotions |",
            "|---|---:|---:|---:|---:|",
        ]
        for name, a in res["agreement"].items():
            lines.append(
                f"| {name} | {a['polarity_label_agreement']:.3f} | "
                f"{a['positive_abs_diff_mean']:.4f} | {a['emotion_label_agreement']:.3f} | "
                f"{a['emotion_abs_diff_mean']:.4f} |"
            )
    sent = res["quality"]["sentiment_reviews_per_s"]
    lines += [
        "",
        "text-sentiment-en alone (report split, "
        f"{res['quality']['threads']} threads): "
        + ", ".join(f"{b} {v:.2f} reviews/s" for b, v in sent.items())
        + ".",
    ]
    if res.get("sst2"):
        s = res["sst2"]
        lines += [
            "",
            f"Short texts: SST-2 dev (n={s['n']}, {s['as configured']['multi_chunk_texts']} "
            f"texts longer than one chunk): accuracy {s['as configured']['accuracy']:.4f}, ECE "
            f"{s['as configured']['ece']:.4f} as configured; probabilities identical to the "
            f"default aggregation: {'yes' if s['identical'] else 'NO'}.",
        ]
    lines += ["", f"One run of `python bench/long_reviews.py {' '.join(sys.argv[1:])}`".strip()
              + f" on {platform.machine()}, Python {platform.python_version()}."]  # fmt: skip
    if res.get("speed_command") is not None:
        lines[-1] = (
            f"Quality and SST-2 figures: one run of `python bench/long_reviews.py "
            f"{res.get('command', '')}`; speed: one run of `python bench/long_reviews.py "
            f"{res['speed_command']}`; on {platform.machine()}, Python "
            f"{platform.python_version()}."
        )
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    from affectkit.config import Settings

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    p.add_argument("--model", type=Path, default=MODEL)
    p.add_argument("--n-cal", type=int, default=600)
    p.add_argument("--n-report", type=int, default=1000)
    p.add_argument("--n-speed", type=int, default=100)
    p.add_argument("--min-words", type=int, default=200)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--backends", default="torch,onnx,onnx-int8")
    p.add_argument("--fit-backend", default="onnx-int8", help="the backend of long texts")
    p.add_argument("--threads", default="2,1", help="speed: thread counts (the first: quality)")
    p.add_argument("--busy", default="0,1", help="speed: cores kept busy by other processes")
    p.add_argument("--batch", type=int, default=64, help="reviews per analyze() call")
    p.add_argument("--skip-speed", action="store_true")
    p.add_argument(
        "--speed-only",
        action="store_true",
        help="measure the speed again, keeping the other figures of the last run's --out JSON",
    )
    p.add_argument("--sst2", action="store_true", help="check short texts are unchanged")
    p.add_argument(
        "--write-config",
        action="store_true",
        help="store the chosen aggregation (lower calibration-split NLL) in --model's config.json",
    )
    p.add_argument("--cache-dir", type=Path, default=None, help="ONNX exports (AFFECTKIT_HOME)")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "long_reviews")
    args = p.parse_args(argv)
    args.backends = [b for b in args.backends.split(",") if b]
    args.threads = [int(t) for t in args.threads.split(",")]
    args.busy = [int(b) for b in args.busy.split(",")]
    args.cache_dir = args.cache_dir or Settings.from_env().cache_dir
    unknown = set(args.backends) - set(BACKENDS)
    if unknown or args.fit_backend not in args.backends:
        raise SystemExit(f"--backends from {list(BACKENDS)}, including --fit-backend")

    from affectkit.text.classifier.folder import read_config

    config = read_config(args.model)
    raw_config = json.loads((args.model / "config.json").read_text())
    cal, report, info = splits(args, raw_config)
    res: dict = {"model": config.name, "route": ROUTE, "data": info}
    res["command"] = " ".join(sys.argv[1:])
    if args.speed_only:  # the quality figures of the last run, the speed measured again
        res = json.loads(args.out.with_suffix(".json").read_text())
        res["speed_command"] = " ".join(sys.argv[1:])
    else:
        res["quality"] = quality(args, cal, report, raw_config)
        config = read_config(args.model)  # as the run left it (--write-config)
        if args.sst2:
            res["sst2"] = short_texts(args, config)
    if not args.skip_speed:
        res["speed"], res["agreement"] = speed(args, report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(res, indent=2) + "\n")
    text = markdown(res, args)
    args.out.with_suffix(".md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
