"""Shipped English sentiment model vs the lexicon and a frozen-encoder baseline; speed vs the
Hugging Face pipeline on the same encoder. One run, side by side.

    python bench/text_models.py [--data ../shared/data] [--threads 1] [--baseline-rows 20000]
                                [--write-card]

Accuracy (dev sets only; `affectkit evaluate` semantics, so binary data restricts predictions to
negative/positive):
- `text-sentiment-en@1` with PyTorch fp32 and with ONNX Runtime int8;
- `lexicon-en@1`;
- the recipe's encoder frozen (mean-pooled, not fine-tuned) + logistic regression fitted on a
  stratified sample of the model's own training mix (`--baseline-rows`).

Speed: sentences/second over the SST-2 dev sentences at batch 1 and 32, same maximum length
(128), same thread count, for our model (PyTorch, ONNX fp32, ONNX int8; length-sorted batching)
and `transformers.pipeline("text-classification")` running an AutoModelForSequenceClassification
built from the same encoder weights (the model's own encoder folder).

`--write-card` stores the dev figures in the model's metrics.json and rewrites MODEL_CARD.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "src/affectkit/models/text-sentiment-en"
EMOTION_MODEL = ROOT / "src/affectkit/models/text-emotion-en"
RECIPE = ROOT / "recipes/text-sentiment-en.toml"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def dev_sets(data: Path) -> dict[str, tuple[Path, dict]]:
    t = data / "text"
    sst5 = {"very negative": "negative", "very positive": "positive"}
    return {
        "SST-2 dev (binary)": (t / "sst2/dev.csv", {}),
        "SST-5 dev (3-class)": (t / "sst5/dev.csv", sst5),
        "TweetEval-sentiment dev (3-class, out of domain)": (t / "tweeteval_sentiment/dev.csv", {}),
        "MELD dev (TV dialogue lines, 3-class)": (t / "meld/dev.csv", {}),
    }


def label_col(path: Path) -> str:
    """The label column of a dev file: MELD's 3-class sentiment sits next to its 7 emotions."""
    return "sentiment" if path.parent.name == "meld" else "label"


def read(path: Path):
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], [r[label_col(path)] for r in rows]


def recipe_config(recipe: Path, data: Path, **changes):
    """A shipped model's recipe with its ../shared/data paths pointing into `data`."""
    from affectkit.training.config import TrainingConfig

    def moved(p: str) -> str:
        return str(data / Path(p).relative_to("../shared/data"))

    cfg = TrainingConfig.from_toml(recipe)
    return TrainingConfig.from_dict(
        {**cfg.to_dict(), "data": [moved(p) for p in cfg.data],
         "max_rows": {moved(k): v for k, v in cfg.max_rows.items()},
         "label_cols": {moved(k): v for k, v in cfg.label_cols.items()}, **changes}
    )  # fmt: skip


def tfidf_model(recipe: Path, data: Path, **changes) -> Path:
    """Train the tfidf backbone on a shipped model's training mix (same split); its folder."""
    from affectkit.training.trainer import train

    out = Path(tempfile.mkdtemp(prefix="affectkit-tfidf-")) / "model"
    cfg = recipe_config(recipe, data, backbone="tfidf", output=str(out), **changes)
    t0 = time.time()
    train(cfg, progress=False, log=lambda m: None)
    log(f"  tfidf n-grams + logistic regression trained in {time.time() - t0:.0f}s")
    return out


def frozen_baseline(data: Path, rows: int, threads: int, sets, recipe: Path = RECIPE):
    """The recipe's encoder, frozen (mean-pooled, not fine-tuned), + logistic regression fitted
    on a stratified sample of the recipe's own training mix; dev reports."""
    from sklearn.linear_model import LogisticRegression

    from affectkit.text.classifier import (
        EncoderConfig,
        TextModelAnalyzer,
        TextModelConfig,
        torch_classes,
    )
    from affectkit.training.config import BACKBONES
    from affectkit.training.data import subsample
    from affectkit.training.metrics import report
    from affectkit.training.trainer import load_splits

    cfg = recipe_config(recipe, data)
    train, _, labels, _ = load_splits(cfg, log=lambda m: None)
    train = subsample(train, rows, cfg.seed)
    head = torch_classes().ClassifierHead(384, len(labels))
    config = TextModelConfig(
        name="frozen@0",
        labels=tuple(labels),
        languages=tuple(cfg.languages),
        preprocess=cfg.preprocess,  # as the recipe's training texts (load_splits applied it)
        encoder=EncoderConfig(source=BACKBONES[cfg.backbone], max_length=cfg.max_length),
    )
    enc = TextModelAnalyzer(config, head=head, threads=threads)
    t0 = time.time()
    x = enc.embed([e.text for e in train])
    log(f"  baseline: embedded {len(train):,} training texts in {time.time() - t0:.0f}s")
    y = np.array([labels.index(e.labels[0]) for e in train])
    clf = LogisticRegression(C=1.0, max_iter=2000).fit(x, y)
    out = {}
    for name, (path, label_map) in sets.items():
        texts, gold = read(path)
        gold = [label_map.get(g, g) for g in gold]
        data_labels = sorted(set(gold))
        cols = [labels.index(g) for g in data_labels]
        probs = clf.predict_proba(enc.embed(texts))[:, cols]
        yt = np.array([data_labels.index(g) for g in gold])
        out[name] = report(yt, probs.argmax(1), data_labels)
    return out


def speed(threads: int, texts: list[str]) -> list[dict]:
    import torch
    import transformers

    from affectkit.text.classifier import TextModelAnalyzer

    torch.set_num_threads(threads)
    rows = []
    cache = Path(tempfile.mkdtemp(prefix="affectkit-bench-"))
    variants = [
        ("affectkit, PyTorch fp32", dict(backend="torch")),
        ("affectkit, ONNX fp32", dict(backend="onnx", cache_dir=cache)),
        ("affectkit, ONNX int8", dict(backend="onnx", quantize=True, cache_dir=cache)),
    ]
    for name, opts in variants:
        for bs in (1, 32):
            a = TextModelAnalyzer.from_pretrained(MODEL, threads=threads, batch_size=bs, **opts)
            a.load()
            a.analyze(texts[:64])  # warm-up
            t0 = time.perf_counter()
            a.analyze(texts if bs == 32 else texts[:300])
            n = len(texts) if bs == 32 else 300
            rows.append({"system": name, "batch": bs, "per_second": n / (time.perf_counter() - t0)})
            log(f"  {name} batch {bs}: {rows[-1]['per_second']:.0f}/s")

    # the HF pipeline on the same encoder weights (a classification head of the same size)
    from affectkit.text.classifier import resolve_encoder_source

    source = TextModelAnalyzer.from_pretrained(MODEL).config.encoder.source
    enc_dir = str(resolve_encoder_source(source, MODEL))
    tok = transformers.AutoTokenizer.from_pretrained(enc_dir)
    model = transformers.AutoModelForSequenceClassification.from_pretrained(enc_dir, num_labels=3)
    pipe = transformers.pipeline("text-classification", model=model, tokenizer=tok, device=-1)
    for bs in (1, 32):
        sub = texts if bs == 32 else texts[:300]
        pipe(sub[:64], batch_size=bs, truncation=True, max_length=128)
        t0 = time.perf_counter()
        pipe(sub, batch_size=bs, truncation=True, max_length=128)
        rows.append({"system": "HF pipeline (same encoder)", "batch": bs,
                     "per_second": len(sub) / (time.perf_counter() - t0)})  # fmt: skip
        log(f"  HF pipeline batch {bs}: {rows[-1]['per_second']:.0f}/s")
    return rows


def emotion_figures(data: Path, threads: int) -> tuple[list[str], dict]:
    """GoEmotions dev: macro-F1 over the 28 labels (tuned thresholds) and over the Ekman map;
    TweetEval-emotion dev through the canonical map (optimism -> joy)."""
    from affectkit.labels import GOEMOTIONS_TO_EKMAN
    from affectkit.text.classifier import TextModelAnalyzer
    from affectkit.training.evaluate import evaluate
    from affectkit.training.metrics import multilabel_report

    go = data / "text/goemotions/dev.csv"
    r28 = evaluate(str(EMOTION_MODEL), go, input_col="text", label_col="label_names",
                   multi_label=True, model_options={"threads": threads})  # fmt: skip
    a = TextModelAnalyzer.from_pretrained(EMOTION_MODEL, threads=threads).load()
    with go.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    results = a.analyze([r["text"] for r in rows])
    ekman = sorted(set(GOEMOTIONS_TO_EKMAN.values()))
    truth = [{GOEMOTIONS_TO_EKMAN[n] for n in r["label_names"].split(",")} for r in rows]
    pred = [{GOEMOTIONS_TO_EKMAN[n] for n in res.raw["over_threshold"]} or {res.label}
            for res in results]  # fmt: skip
    rek = multilabel_report(np.array([[e in t for e in ekman] for t in truth]),
                            np.array([[e in p for e in ekman] for p in pred]), ekman)  # fmt: skip
    tw = evaluate(str(EMOTION_MODEL), data / "text/tweeteval_emotion/dev.csv", input_col="text",
                  label_map={"optimism": "joy"}, model_options={"threads": threads})  # fmt: skip
    lines = [
        "| dev set | labels | n | exact match | macro-F1 | micro-F1 |",
        "|---|---|---:|---:|---:|---:|",
        f"| GoEmotions dev | 28 (multi-label) | {r28['n']} | {r28['accuracy']:.4f} | "
        f"{r28['macro_f1']:.4f} | {r28['micro_f1']:.4f} |",
        f"| GoEmotions dev | Ekman 7 (mapped) | {rek['n']} | {rek['accuracy']:.4f} | "
        f"{rek['macro_f1']:.4f} | {rek['micro_f1']:.4f} |",
        f"| TweetEval-emotion dev (out of domain; optimism as joy) | anger/joy/sadness | "
        f"{tw['n']} | {tw['accuracy']:.4f} | {tw['macro_f1']:.4f} | - |",
    ]
    keys = ("n", "accuracy", "macro_f1", "macro_recall", "micro_f1", "per_class")
    dev = {
        "GoEmotions dev (28 labels)": {k: r28[k] for k in keys},
        "GoEmotions dev (Ekman)": {k: rek[k] for k in keys},
        "TweetEval-emotion dev (anger/joy/sadness)": {k: tw[k] for k in (*keys, "ece")},
    }
    for k, v in dev.items():
        log(f"{k}: macro-F1 {v['macro_f1']:.4f}")
    return lines, dev


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared/data")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--baseline-rows", type=int, default=20000)
    ap.add_argument("--out", type=Path, default=ROOT / "bench/results")
    ap.add_argument("--write-card", action="store_true")
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--only", choices=("sentiment", "emotion"), help="one model only")
    args = ap.parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch

    torch.set_num_threads(args.threads)
    from affectkit.training.evaluate import evaluate

    if args.only == "emotion":
        lines, dev = emotion_figures(args.data, args.threads)
        table = "\n".join(lines)
        print(table)
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "text_emotion.md").write_text(table + "\n", encoding="utf-8")
        if args.write_card:
            write_emotion_card(dev)
        return 0
    sets = dev_sets(args.data)
    acc_rows = []
    dev_metrics = {}
    systems = [
        ("text-sentiment-en@1 (PyTorch)", str(MODEL), {"threads": args.threads}),
        ("text-sentiment-en@1 (ONNX int8)", str(MODEL),
         {"threads": args.threads, "backend": "onnx", "quantize": True,
          "cache_dir": Path(tempfile.mkdtemp(prefix="affectkit-onnx-"))}),
        ("lexicon-en@1", "lexicon-en", {}),
    ]  # fmt: skip
    for sys_name, model, opts in systems:
        for ds, (path, label_map) in sets.items():
            r = evaluate(model, path, input_col="text", label_col=label_col(path),
                         label_map=label_map, model_options=opts)  # fmt: skip
            acc_rows.append({"dataset": ds, "system": sys_name, **{k: r[k] for k in (
                "n", "accuracy", "macro_f1", "macro_recall")}, "ece": r.get("ece")})  # fmt: skip
            log(f"{ds} | {sys_name}: acc {r['accuracy']:.4f} F1 {r['macro_f1']:.4f}")
            if sys_name.endswith("(PyTorch)"):
                dev_metrics[ds] = {k: r[k] for k in ("n", "accuracy", "macro_f1", "macro_recall",
                                                     "micro_f1", "per_class", "ece")}  # fmt: skip
    base = frozen_baseline(args.data, args.baseline_rows, args.threads, sets)
    backbone = {"minilm": "MiniLM", "e5": "e5"}[recipe_config(RECIPE, args.data).backbone]
    for ds, r in base.items():
        acc_rows.append({"dataset": ds, "system": f"frozen {backbone} + logistic regression",
                         "n": r["n"], "accuracy": r["accuracy"], "macro_f1": r["macro_f1"],
                         "macro_recall": r["macro_recall"], "ece": None})  # fmt: skip

    lines = ["| dev set | system | accuracy | macro-F1 | macro-recall | ECE |",
             "|---|---|---:|---:|---:|---:|"]  # fmt: skip
    for r in sorted(acc_rows, key=lambda r: list(sets).index(r["dataset"])):
        ece = "-" if r["ece"] is None else f"{r['ece']:.4f}"
        lines.append(f"| {r['dataset']} (n={r['n']}) | {r['system']} | {r['accuracy']:.4f} | "
                     f"{r['macro_f1']:.4f} | {r['macro_recall']:.4f} | {ece} |")  # fmt: skip
    speed_rows, speed_note = [], None
    previous = args.out / "text_models.json"
    old = json.loads(previous.read_text()) if previous.is_file() else {}
    if not args.skip_speed:
        texts, _ = read(sets["SST-2 dev (binary)"][0])
        texts = texts * 2  # 1,744 sentences
        speed_rows = speed(args.threads, texts)
        title = (f"Throughput on SST-2 dev sentences ({len(texts)}), max length 128, "
                 f"{args.threads} thread(s):")  # fmt: skip
    elif old.get("speed"):
        # a temperature or a card changes no speed: keep the last measured rows, marked
        speed_rows = old["speed"]
        speed_note = old.get("speed_note") or old.get("run", "an earlier run")
        title = f"Throughput not measured again (--skip-speed): the rows of {speed_note}:"
    if speed_rows:
        lines += ["", title, "", "| system | batch | sentences/s |", "|---|---:|---:|"]
        for r in speed_rows:
            lines.append(f"| {r['system']} | {r['batch']} | {r['per_second']:,.0f} |")
    run = (
        f"`python bench/text_models.py --threads {args.threads}"
        f"{' --skip-speed' if args.skip_speed else ''}` on {platform.machine()}, Python "
        f"{platform.python_version()}, torch {torch.__version__}"
    )
    lines.append(f"\nOne run of {run}.")
    table = "\n".join(lines)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "text_models.md").write_text(table + "\n", encoding="utf-8")
    (args.out / "text_models.json").write_text(
        json.dumps(
            {
                "accuracy": acc_rows,
                "speed": speed_rows,
                "run": f"the run of {run}",
                **({"speed_note": speed_note} if speed_note else {}),
            },
            indent=2,
        )
        + "\n"
    )
    if args.write_card:
        write_card(dev_metrics)
    return 0


def store_dev(folder: Path, dev_metrics: dict, command: str) -> None:
    """Put the dev figures, and the command that made them, into the model's metrics.json."""
    path = folder / "metrics.json"
    metrics = json.loads(path.read_text())
    metrics["dev"] = dev_metrics
    metrics["dev_command"] = command
    path.write_text(json.dumps(metrics, indent=2) + "\n")


def write_emotion_card(dev_metrics: dict) -> None:
    from affectkit.training.cards import write_card as card

    store_dev(EMOTION_MODEL, dev_metrics, "python bench/text_models.py --only emotion --write-card")
    card(
        EMOTION_MODEL,
        summary="English emotions: GoEmotions' 27 emotions + neutral, multi-label (per-label "
        "thresholds tuned on the validation split), also reported through the Ekman map as "
        "anger/disgust/fear/joy/sadness/surprise/neutral in `emotions`.",
        rebuild="affectkit train recipes/text-emotion-en.toml  (then python bench/"
        "text_models.py --only emotion --write-card)",
        evaluate_cmd="affectkit evaluate --model text-emotion-en --data "
        "../shared/data/text/goemotions/dev.csv --input-col text --label-col label_names",
        limitations=[
            "Rare labels (grief, pride, relief, nervousness: under 110 training examples each) "
            "are predicted unreliably.",
            "Reddit English; other registers (reviews, tweets, chat) are out of domain.",
            "`confidence` of a multi-label result is the top label's own sigmoid probability; the "
            "per-label probabilities and the labels over threshold are in `raw`.",
        ],
    )


def write_card(dev_metrics: dict) -> None:
    from collections import Counter

    from affectkit.training.cards import write_card as card
    from affectkit.training.trainer import load_splits

    store_dev(MODEL, dev_metrics, "python bench/text_models.py --write-card")
    config = json.loads((MODEL / "config.json").read_text())
    val = config["validation"]
    recipe = config["training"]["config"]
    sets = {Path(p).parent.name for p in recipe["data"]}
    train, _, _, _ = load_splits(recipe_config(RECIPE, ROOT.parent / "shared/data"), log=log)
    neutral = Counter(e.labels[0] for e in train)["neutral"] / len(train)
    encoder = {"minilm": "MiniLM-L6", "e5": "multilingual-e5-small"}[recipe["backbone"]]
    record = val.get("calibration") or {}
    method = record.get("method") or (
        "temperature+bias" if config.get("class_bias") else "temperature"
    )
    calibrate_flag = "auto" if record.get("chosen_by") else method
    set_preprocess = config.get("preprocess") and not recipe.get("preprocess")
    recall = {k: v["recall"] for k, v in val["per_class"].items()}
    lowest = min(recall, key=recall.get)

    def dev(prefix: str, key: str) -> float:
        return next(v[key] for k, v in dev_metrics.items() if k.startswith(prefix))

    domains = ["movie reviews (SST, IMDB)"]
    if "goemotions" in sets:
        domains.append("Reddit comments (GoEmotions)")
    if "tweeteval_emotion" in sets:
        domains.append("tweets (TweetEval emotion)")
    if "meld" in sets:
        domains.append("TV dialogue lines (MELD)")
    neutral_from = ["SST-5's neutral sentences"]
    neutral_from += ["GoEmotions' neutral comments"] if "goemotions" in sets else []
    neutral_from += ["MELD's neutral lines"] if "meld" in sets else []
    limitations = [
        f"Trained on {', '.join(domains)}: customer-service chat and product reviews were not "
        "in the mix (see the TweetEval row for a domain the mix barely covers).",
        f"Neutral is {neutral:.0%} of the training examples ({', '.join(neutral_from)})"
        + (", so the model rarely says neutral" if len(neutral_from) == 1 else "")
        + f"; {lowest} has the lowest validation recall ({recall[lowest]:.2f}).",
        "English only: other scripts are flagged unsupported by affectkit's router.",
        f"Training texts were cut to their first {recipe['max_length']} tokens (IMDB reviews "
        "are longer); at inference long texts are split by sentence and aggregated.",
        f"SST-2 dev accuracy {dev('SST-2', 'accuracy'):.4f}; ECE after calibration "
        f"({method}, fitted on validation) "
        f"{dev('SST-2', 'ece'):.3f} on SST-2, {dev('SST-5', 'ece'):.3f} on SST-5 and "
        f"{dev('TweetEval', 'ece'):.3f} on TweetEval, against {val['ece']:.3f} on the "
        "validation split the calibration was fitted on (mostly short SST-2 phrases).",
    ]
    rows = json.loads((ROOT / "bench/results/text_models.json").read_text())["accuracy"]
    tweets = {r["system"]: r["macro_f1"] for r in rows if r["dataset"].startswith("TweetEval")}
    ours, lex = tweets.get("text-sentiment-en@1 (PyTorch)"), tweets.get("lexicon-en@1")
    if ours is not None and lex is not None and lex > ours:
        limitations.append(
            f"On tweets (TweetEval sentiment) the tuned lexicon `lexicon-en` is more accurate "
            f"(macro-F1 {lex:.2f} vs {ours:.2f} in the same bench run). Prefer "
            "`--model lexicon-en` for social-media posts."
        )
    if config.get("preprocess") == "social":
        limitations.append(
            "@mentions and URLs are blanked and hashtags lose their '#' before the model reads a "
            'text (`preprocess = "social"`): what an @mention or a URL names does not count.'
        )
    if "goemotions" in sets:
        limitations.append(
            "GoEmotions' labels were folded into sentiment with the GoEmotions paper's grouping "
            "(`label_map` in the recipe); comments with only ambiguous emotions (surprise, "
            "curiosity, confusion, realization) or with emotions of both signs were left out."
        )
    card(
        MODEL,
        summary="English sentiment (negative / neutral / positive, with a score in [-1, 1]) for "
        f"reviews, comments and short posts: {encoder} fine-tuned on "
        f"{', '.join(domains)}. The default English model of `affectkit analyze`.",
        rebuild="affectkit train recipes/text-sentiment-en.toml"
        + (
            " && affectkit calibrate --model src/affectkit/models/text-sentiment-en "
            + (f"--preprocess {config['preprocess']} " if set_preprocess else "")
            + f"--method {calibrate_flag}"
            if calibrate_flag != "temperature" or set_preprocess
            else ""
        )
        + "  (then python bench/text_models.py --write-card for the dev figures and this card)",
        evaluate_cmd="affectkit evaluate --model text-sentiment-en --data "
        "../shared/data/text/sst2/dev.csv --input-col text",
        limitations=limitations,
    )


if __name__ == "__main__":
    raise SystemExit(main())
