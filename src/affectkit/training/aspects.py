"""`affectkit train --task aspects`: fine-tune the aspect model (`affectkit.aspects`) on ABSA
files (one sentence a line: ``{"id", "text", "aspects": [{"term", "from", "to", "polarity"}]}``,
as in ../shared/data/absa).

Splits, per file (seed 13): 10 % of the sentences are held out for the figures, 5 % are the
validation split that picks the best checkpoint and fits the temperature, the rest train. Dev
files (``--dev-data``) are only measured. Aspects with polarity ``conflict`` (SemEval-2014) are
kept as terms for tagging and left out of polarity.

Each step takes one batch of sentences for tagging (O/B/I) and one batch of (sentence, term)
pairs for polarity; the loss is their sum. Batches are drawn from length buckets. The run writes
``checkpoint.pt`` after every evaluation and resumes from it (``history.jsonl`` keeps the
evaluations), then the model folder (see `affectkit.aspects.analyzer`) with its metrics and card.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from affectkit.aspects.analyzer import KIND, NAME, AspectAnalyzer
from affectkit.aspects.metrics import polarity_scores, span_f1
from affectkit.aspects.network import IGNORE, bio_labels, encode, pad, span_mask, torch_classes
from affectkit.aspects.types import POLARITIES
from affectkit.errors import InvalidInputError
from affectkit.training.terms import CardTerms, render_section

SEED = 13
HELDOUT, VALIDATION = 0.10, 0.05


@dataclass
class Sentence:
    id: str
    text: str
    terms: list[tuple[int, int]]
    polarities: list[str | None]  # None: conflict (tagged, not classified)
    source: str
    language: str = "en"


@dataclass
class Settings:
    epochs: float = 2.0
    batch_size: int = 16
    lr: float = 5e-5
    head_lr: float = 1e-3
    weight_decay: float = 0.01
    warmup: float = 0.06
    freeze_layers: int = 3
    evals_per_epoch: int = 4
    threads: int = 2
    max_steps: int | None = None  # a profile run
    finish_now: bool = False  # write the folder from the checkpoint's best weights, no training
    seed: int = SEED
    data_terms: list[str] = field(default_factory=list)


def read_file(path: str | Path) -> list[Sentence]:
    from affectkit.text.language import detect_language

    path = Path(path)
    source = path.name.removesuffix(".jsonl").removesuffix("_train")
    out = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                text = row["text"]
                terms, pols = [], []
                for a in row.get("aspects") or []:
                    s, e = int(a["from"]), int(a["to"])
                    if text[s:e] != a["term"]:
                        raise ValueError(f"text[{s}:{e}] is not {a['term']!r}")
                    terms.append((s, e))
                    p = a.get("polarity")
                    pols.append(p if p in POLARITIES else None)
            except (ValueError, KeyError, TypeError) as exc:
                raise InvalidInputError(f"{path}:{n}: {exc}") from None
            out.append(
                Sentence(str(row.get("id", n)), text, terms, pols, source, detect_language(text))
            )
    if not out:
        raise InvalidInputError(f"{path} holds no sentences.")
    return out


def split(sentences: list[Sentence], seed: int = SEED) -> dict[str, list[Sentence]]:
    """train / validation / heldout, carved per source file."""
    parts: dict[str, list[Sentence]] = {"train": [], "validation": [], "heldout": []}
    by_source: dict[str, list[Sentence]] = {}
    for s in sentences:
        by_source.setdefault(s.source, []).append(s)
    for source, rows in sorted(by_source.items()):
        order = list(range(len(rows)))
        random.Random(f"{seed}:{source}").shuffle(order)
        n_held = round(len(rows) * HELDOUT)
        n_val = round(len(rows) * VALIDATION)
        parts["heldout"] += [rows[i] for i in order[:n_held]]
        parts["validation"] += [rows[i] for i in order[n_held : n_held + n_val]]
        parts["train"] += [rows[i] for i in order[n_held + n_val :]]
    return parts


def _buckets(lengths: list[int], batch: int, rng: random.Random) -> list[list[int]]:
    """Batches of similar length: shuffle, sort within windows of 50 batches, shuffle batches."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    out = []
    window = batch * 50
    for w in range(0, len(order), window):
        chunk = sorted(order[w : w + window], key=lambda i: lengths[i])
        out += [chunk[b : b + batch] for b in range(0, len(chunk), batch)]
    rng.shuffle(out)
    return out


def evaluate(analyzer: AspectAnalyzer, sentences: Sequence[Sentence]) -> dict[str, Any]:
    """Term-extraction F1 and polarity given the gold terms, per source and pooled."""
    out: dict[str, Any] = {}
    by_source: dict[str, list[Sentence]] = {}
    for s in sentences:
        by_source.setdefault(s.source, []).append(s)
    for source, rows in sorted(by_source.items()):
        found = analyzer.extract([s.text for s in rows])
        ext = span_f1([s.terms for s in rows], [[(a, b) for a, b, _ in f] for f in found])
        items = [(s.text, a, b) for s in rows for (a, b), p in zip(s.terms, s.polarities) if p]
        gold = [p for s in rows for p in s.polarities if p]
        probs = analyzer.classify(items, evidence=False) if items else []
        pred = [analyzer.labels[int(np.argmax(p))] for p, _ in probs]
        out[source] = {
            "sentences": len(rows),
            "extraction": ext,
            "polarity": polarity_scores(gold, pred),
        }
    return out


def _summary(figures: dict[str, Any]) -> float:
    """One number to pick checkpoints by: the mean over sources of (extraction F1 + polarity
    macro-F1) / 2."""
    vals = [(f["extraction"]["f1"] + f["polarity"]["macro_f1"]) / 2 for f in figures.values()]
    return float(np.mean(vals))


def train(
    files: Sequence[str | Path],
    out: str | Path,
    *,
    dev_files: Sequence[str | Path] = (),
    settings: Settings | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    cfg = settings or Settings()
    tc = torch_classes()
    torch = tc.torch
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    from affectkit.text import e5
    from affectkit.text.classifier import encoder as enc

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    sentences = [s for f in files for s in read_file(f)]
    parts = split(sentences, cfg.seed)
    dev = [s for f in dev_files for s in read_file(f)]
    for s in dev:
        s.source += " (dev)"
    log(
        f"{len(parts['train'])} training, {len(parts['validation'])} validation, "
        f"{len(parts['heldout'])} held-out sentences; {len(dev)} dev"
    )
    enc_dir = e5.encoder_dir()
    tok = enc.EncoderTokenizer.from_folder(enc_dir).tk
    encoder = enc.load_encoder(enc_dir)
    base_state = {k: v.clone() for k, v in encoder.state_dict().items()}
    net = tc.AspectNetwork(encoder)
    frozen = {"embeddings.word_embeddings.weight"}
    for name, p in encoder.named_parameters():
        parts_ = name.split(".")
        if parts_[:2] == ["encoder", "layer"] and int(parts_[2]) < cfg.freeze_layers:
            frozen.add(name)
        p.requires_grad_(name not in frozen)

    # examples
    train = parts["train"]
    tag_x = [encode(tok, s.text) for s in train]
    tag_y = [bio_labels(e.spans, s.terms) for e, s in zip(tag_x, train)]
    pol = []
    for s in train:
        for (a, b), p in zip(s.terms, s.polarities):
            if p is None:
                continue
            e = encode(tok, s.text, s.text[a:b])
            pol.append((e.ids, span_mask(e.spans, a, b), POLARITIES.index(p)))
    rng = random.Random(cfg.seed)
    steps_per_epoch = math.ceil(len(pol) / cfg.batch_size)
    total = int(steps_per_epoch * cfg.epochs)
    if cfg.max_steps:
        total = min(total, cfg.max_steps)
    eval_every = max(1, steps_per_epoch // cfg.evals_per_epoch)
    log(
        f"{len(tag_x)} tagging and {len(pol)} polarity examples; {total} steps, "
        f"eval every {eval_every}"
    )

    enc_params = [(n, p) for n, p in encoder.named_parameters() if p.requires_grad]
    no_decay = ("bias", "LayerNorm.weight")
    head_params = list(net.tagger.parameters()) + list(net.polarity.parameters())
    opt = torch.optim.AdamW(
        [
            {
                "params": [p for n, p in enc_params if not n.endswith(no_decay)],
                "lr": cfg.lr,
                "weight_decay": cfg.weight_decay,
            },
            {
                "params": [p for n, p in enc_params if n.endswith(no_decay)],
                "lr": cfg.lr,
                "weight_decay": 0.0,
            },
            {"params": head_params, "lr": cfg.head_lr, "weight_decay": cfg.weight_decay},
        ]
    )
    warm = max(1, int(total * cfg.warmup))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda k: (k + 1) / warm if k < warm else max(0.0, (total - k) / max(1, total - warm))
    )
    trainable = {n for n, p in net.named_parameters() if p.requires_grad}
    ckpt_path, hist_path = out / "checkpoint.pt", out / "history.jsonl"
    step, best, best_state = 0, -1.0, None
    if ckpt_path.is_file():
        ck = torch.load(ckpt_path, weights_only=False)
        net.load_state_dict(ck["model"], strict=False)
        opt.load_state_dict(ck["opt"])
        sched.load_state_dict(ck["sched"])
        step, best, best_state = ck["step"], ck["best"], ck["best_state"]
        rng.setstate(ck["rng"])
        log(f"resumed at step {step} (best validation {best:.4f})")
    if cfg.finish_now:
        if best_state is None:
            raise InvalidInputError(f"{ckpt_path} is missing: nothing to finish from.")
        total = step
    ce = torch.nn.CrossEntropyLoss(ignore_index=IGNORE)
    config = {
        "kind": KIND, "name": NAME, "version": 1, "labels": list(POLARITIES),
        "tags": ["O", "B", "I"], "temperature": 1.0,
        "encoder": {"source": e5.SOURCE, "weights": "encoder.safetensors"},
    }  # fmt: skip
    analyzer = AspectAnalyzer(out, net, tok, config)
    tag_batches: list[list[int]] = []
    pol_batches: list[list[int]] = []
    t0, seen = time.time(), 0
    net.train()
    while step < total:
        if not pol_batches:
            pol_batches = _buckets([len(x[0]) for x in pol], cfg.batch_size, rng)
        if not tag_batches:
            tag_batches = _buckets([len(x.ids) for x in tag_x], cfg.batch_size, rng)
        pb, tb = pol_batches.pop(), tag_batches.pop()
        ids = torch.from_numpy(pad([tag_x[i].ids for i in tb], 1, np.int64))
        mask = torch.from_numpy(pad([[1] * len(tag_x[i].ids) for i in tb], 0, np.int64))
        y = torch.from_numpy(pad([tag_y[i] for i in tb], IGNORE, np.int64))
        loss_tag = ce(net.tag_logits(ids, mask).reshape(-1, 3), y.reshape(-1))
        ids = torch.from_numpy(pad([pol[i][0] for i in pb], 1, np.int64))
        mask = torch.from_numpy(pad([[1] * len(pol[i][0]) for i in pb], 0, np.int64))
        span = torch.from_numpy(pad([pol[i][1] for i in pb], 0.0, np.float32))
        yp = torch.tensor([pol[i][2] for i in pb])
        loss_pol = ce(net.polarity_logits(ids, mask, span), yp)
        loss = loss_tag + loss_pol
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for p in net.parameters() if p.requires_grad], 1.0)
        opt.step()
        sched.step()
        step += 1
        seen += 1
        if step % 20 == 0:
            rate = seen / (time.time() - t0)
            log(
                f"step {step}/{total} loss tag {loss_tag.item():.3f} polarity "
                f"{loss_pol.item():.3f} ({rate:.2f} steps/s, "
                f"{(total - step) / rate / 60:.0f} min left)"
            )
        if step % eval_every == 0 or step == total:
            net.eval()
            figures = evaluate(analyzer, parts["validation"])
            net.train()
            score = _summary(figures)
            if score > best:
                best = score
                best_state = {
                    k: v.detach().clone()
                    for k, v in net.state_dict().items()
                    if k in trainable or not k.startswith("encoder.")
                }
            with hist_path.open("a", encoding="utf-8") as fh:
                fh.write(
                    json.dumps(
                        {
                            "step": step,
                            "epoch": round(step / steps_per_epoch, 3),
                            "score": score,
                            "best": best,
                            "validation": figures,
                        }
                    )
                    + "\n"
                )
            log(
                f"step {step}: validation score {score:.4f} (best {best:.4f}) "
                + ", ".join(
                    f"{k} F1 {v['extraction']['f1']:.3f} acc {v['polarity']['accuracy']:.3f}"
                    for k, v in figures.items()
                )
            )
            tmp = ckpt_path.with_suffix(".tmp")
            torch.save(
                {
                    "model": {
                        k: v
                        for k, v in net.state_dict().items()
                        if k in trainable or not k.startswith("encoder.")
                    },
                    "opt": opt.state_dict(),
                    "sched": sched.state_dict(),
                    "step": step,
                    "best": best,
                    "best_state": best_state,
                    "rng": rng.getstate(),
                },
                tmp,
            )
            tmp.replace(ckpt_path)
    # the best checkpoint, calibrated, stored and measured
    net.load_state_dict(best_state, strict=False)
    net.eval()
    config["temperature"] = _fit_temperature(analyzer, parts["validation"])
    analyzer.temperature = config["temperature"]
    _write(out, net, base_state, trainable, config)
    stored = AspectAnalyzer.from_folder(out)
    figures = {
        "validation": evaluate(stored, parts["validation"]),
        "heldout": evaluate(stored, parts["heldout"]),
        "dev": evaluate(stored, dev) if dev else {},
        "temperature": config["temperature"],
        "split": {k: len(v) for k, v in parts.items()},
        "files": [str(f) for f in files],
        "dev_files": [str(f) for f in dev_files],
        "settings": cfg.__dict__,
        "steps": step,
    }
    (out / "metrics.json").write_text(json.dumps(figures, indent=1, default=str), encoding="utf-8")
    return figures


def _fit_temperature(analyzer: AspectAnalyzer, sentences: Sequence[Sentence]) -> float:
    """The temperature that minimises the validation polarity NLL (a grid, then refined)."""
    items = [(s.text, a, b) for s in sentences for (a, b), p in zip(s.terms, s.polarities) if p]
    gold = np.array([POLARITIES.index(p) for s in sentences for p in s.polarities if p])
    analyzer.temperature = 1.0
    probs = np.stack([p for p, _ in analyzer.classify(items, evidence=False)])
    logits = np.log(np.clip(probs, 1e-12, 1.0))

    def nll(t: float) -> float:
        z = logits / t
        z = z - z.max(1, keepdims=True)
        return float(-np.mean(z[np.arange(len(gold)), gold] - np.log(np.exp(z).sum(1))))

    grid = np.exp(np.linspace(np.log(0.5), np.log(4.0), 41))
    return round(float(min(grid, key=nll)), 4)


def _write(out: Path, net: Any, base_state: dict, trainable: set[str], config: dict) -> None:
    from safetensors.torch import save_file

    from affectkit.text.packing import pack

    state = net.state_dict()
    enc_state = {
        k.removeprefix("encoder."): state[k] for k in trainable if k.startswith("encoder.")
    }
    save_file(
        pack(enc_state, "delta4", base_state),
        str(out / "encoder.safetensors"),
        metadata={"format": "pt"},
    )
    heads = {k: v.contiguous() for k, v in state.items() if not k.startswith("encoder.")}
    save_file(heads, str(out / "heads.safetensors"), metadata={"format": "pt"})
    (out / "config.json").write_text(json.dumps(config, indent=1), encoding="utf-8")


def write_card(folder: str | Path, bench: dict[str, Any] | None = None) -> Path:
    """MODEL_CARD.md from the folder's metrics.json (and bench/aspects.py's figures, which add
    the references measured on the same held-out sentences)."""
    folder = Path(folder)
    m = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    s = m["settings"]
    lines = [
        f"# {NAME}@1",
        "",
        "Aspect-based sentiment for English and Chinese reviews: finds the aspect terms a "
        "sentence talks about (spans) and the sentiment towards each (negative / neutral / "
        "positive), with the words that carried it. Used by `affectkit aspects`, "
        "`affectkit report`, `POST /v1/aspects` and the dashboard's Reviews view.",
        "",
        "## Model",
        "",
        "- Encoder: `converted:multilingual-e5-small` (MIT), fine-tuned; the lowest "
        f"{s['freeze_layers']} layers and the word embeddings frozen; the changed layers stored "
        "as 4-bit differences from the source encoder (`encoder.safetensors`).",
        "- Terms: a linear O/B/I tagger over each token of `<s> query: text </s>`.",
        "- Polarity: the text and the term as a pair (`<s> query: text </s></s> term </s>`); a "
        "linear layer over [mean of all tokens; mean of the term's tokens in the text]; "
        f"temperature {m['temperature']} fitted on the validation split.",
        "- Evidence: occlusion of the 8 content words nearest the term, one at a time; the "
        "words whose removal lowers the chosen polarity's probability most (top 3).",
        "",
        "## Training",
        "",
        "- Data: " + ", ".join(Path(f).name for f in m["files"]) + " (../shared/data/absa).",
        f"- Split per file (seed {s['seed']}): {m['split']['train']} training, "
        f"{m['split']['validation']} validation (checkpoint choice, temperature), "
        f"{m['split']['heldout']} held-out sentences (figures only).",
        f"- Recipe: AdamW lr {s['lr']} (heads {s['head_lr']}), weight decay {s['weight_decay']}, "
        f"warm-up {s['warmup']}, {s['epochs']} epochs, batches of {s['batch_size']} sentences "
        f"(tagging) + {s['batch_size']} pairs (polarity), loss = sum; {m['steps']} steps on 2 CPU "
        "threads; best validation checkpoint by mean of (term F1 + polarity macro-F1) / 2.",
        "- Rebuild: `affectkit train --task aspects --data ../shared/data/absa/*_train.jsonl "
        "--dev-data ../shared/data/absa/mams_atsa_dev.jsonl -o FOLDER` then "
        "`python bench/aspects.py --model FOLDER`.",
        "",
        "## Figures",
        "",
        "Held-out sentences (never trained on, never used for choices) and MAMS dev:",
        "",
    ]
    if bench:
        lines += [
            "| data | sentences | term F1 | term F1 (training-term dictionary) | polarity acc | "
            "macro-F1 | acc, whole-sentence polarity (text-affect) |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for src, f in bench["figures"].items():
            mm, b = f["model"], f["sentence_polarity_baseline"]
            lines.append(
                f"| {src} | {f['sentences']} | {mm['extraction']['f1']:.3f} | "
                f"{f['dictionary_extraction']['f1']:.3f} | {mm['polarity']['accuracy']:.3f} | "
                f"{mm['polarity']['macro_f1']:.3f} | {b['accuracy']:.3f} |"
            )
        lines += ["", f"Speed (sentences/s, extraction + polarity + evidence): {bench['speed']}"]
    else:
        lines += [
            "| data | sentences | term F1 | polarity acc | macro-F1 |",
            "|---|---:|---:|---:|---:|",
        ]
        for part in ("heldout", "dev"):
            for src, f in m[part].items():
                lines.append(
                    f"| {src} | {f['sentences']} | {f['extraction']['f1']:.3f} | "
                    f"{f['polarity']['accuracy']:.3f} | {f['polarity']['macro_f1']:.3f} |"
                )
    lines += [
        "",
        "Reproduce: `python bench/aspects.py` (bench/results/aspects.json).",
        "",
        *render_section(
            CardTerms(
                NAME,
                dict.fromkeys(m["files"]),
                base=json.loads((folder / "config.json").read_text(encoding="utf-8"))["encoder"][
                    "source"
                ],
                figures_only=m.get("dev_files", []),
                data_terms="; ".join(s.get("data_terms", [])),
            )
        ),
        "## Limitations",
        "",
        "- Domains: restaurants and laptops (English), cameras, cars, notebooks and phones "
        "(Chinese). Terms from other domains are found less often; polarity carries over better "
        "than extraction.",
        "- The Chinese sets have no neutral aspects (and their digits and Latin letters were "
        "stripped), so Chinese neutral is rarely predicted and Latin brand names in Chinese "
        "text were never seen in training.",
        '- Only explicit terms: aspects that are implied ("too expensive" for price) are not '
        "found; SemEval's `conflict` terms were tagged but not classified.",
        "- Long texts are cut into sentence pieces of at most 200 tokens; a term's sentiment is "
        "read from its own piece.",
        "- Evidence is occlusion of one word at a time: where several words say the same thing "
        '("far too easily"), removing one changes little and the list can be short or empty.',
    ]
    path = folder / "MODEL_CARD.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
