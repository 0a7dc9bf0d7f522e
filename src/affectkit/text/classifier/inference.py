"""From texts to per-text probabilities and results: chunking, batching, occlusion.

The steps `TextModelAnalyzer` runs, each a function of plain values (numpy arrays, the
tokenizer, a `RunBatch` callable that is the torch module or the ONNX session):

1. `chunk_texts`: tokenise; a text longer than the encoder window is never truncated but split
   into sentence-aligned chunks (`affectkit.text.segment`), each one sequence.
2. `run_batches`: sort the sequences by length, pad them in batches that pad little
   (`length_batches`) and run each batch once.
3. `aggregate`: per text, its chunks' probabilities combined by `pool_chunks` as the model's
   ``aggregation`` says (token-weighted mean of probabilities, or of logits with a temperature
   for long texts), into a `DocOut`; `make_result` turns that into an `AffectResult` (flag
   ``chunked``, ``raw["aggregation"]``).
4. `explain_by_occlusion`: leave-one-word-out occlusion, for token evidence (the most faithful
   of the methods `bench/faithfulness.py` measures: occlusion, gradient x input, integrated
   gradients, the lexicon's words).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from affectkit import deadline
from affectkit.results import FLAG_CHUNKED, FLAG_UNCERTAIN, AffectResult, Evidence
from affectkit.text.classifier.config import AggregationConfig
from affectkit.text.classifier.encoder import EncoderTokenizer
from affectkit.text.classifier.outputs import LabelPlan, summarise
from affectkit.text.explain import least_drops, rank_evidence, word_deletions
from affectkit.text.segment import plan_chunks, split_sentences, word_spans

CHUNK_STRIDE = 16  # tokens of overlap when a single sentence is longer than the window
MAX_CHUNKS_IN_RAW = 50  # per-chunk details kept in raw["chunks"]
EXPLAIN_MAX_WORDS = 64  # occlusion costs one forward pass per word
EXPLAIN_TOP_K = 10  # evidence items kept per result
PAD_SLACK = 0.2  # padding a batch may add, as a share of its real tokens
MIN_BATCH = 4  # batches below this size are not cut for padding (each pass has a fixed cost)

# One forward pass: ids, mask (B, T) int64 -> logits (B, L), pooled (B, H) float32.
RunBatch = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
# What raw["aggregation"]["method"] says for each `AggregationConfig.method`.
AGGREGATION_NAMES = {
    "mean-probs": "token-weighted mean",
    "mean-logits": "token-weighted mean of logits",
}
MEAN_PROBS = AggregationConfig()  # the default: what every folder without the field does


def pool_chunks(
    chunk_probs: np.ndarray,
    weights: np.ndarray,
    aggregation: AggregationConfig = MEAN_PROBS,
    *,
    multi_label: bool = False,
) -> np.ndarray:
    """One text's probabilities (L,) from its chunks' probabilities (K, L) and weights (K,)
    (summing to 1): see `AggregationConfig`. One chunk (K = 1) comes back unchanged.

    Works on probabilities (the chunks' calibration already applied), so another head's chunks
    (`DocOut.with_chunk_probs`) aggregate the same way: a softmax's log-probabilities are its
    logits up to a per-chunk constant, which the mean carries into every label alike.
    """
    chunk_probs = np.asarray(chunk_probs, dtype=np.float64)
    if len(chunk_probs) == 1:
        return chunk_probs[0]
    if aggregation.method == "mean-probs":
        probs = weights @ chunk_probs  # (L,)
        if aggregation.temperature == 1.0:
            return probs
        z = _logits(probs, multi_label)
    else:
        z = weights @ _logits(chunk_probs, multi_label)  # (L,)
    return _activate(z / aggregation.temperature, multi_label)


def _logits(probs: np.ndarray, multi_label: bool) -> np.ndarray:
    """Logits whose softmax (or sigmoid, `multi_label`) gives `probs` (softmax: up to a constant
    per row). Probabilities are clipped away from 0 and 1 so that no logit is infinite."""
    tiny = np.finfo(np.float64).tiny
    p = np.clip(probs, tiny, None)
    if multi_label:
        return np.log(p) - np.log(np.clip(1.0 - probs, tiny, None))
    return np.log(p)


def _activate(z: np.ndarray, multi_label: bool) -> np.ndarray:
    if multi_label:
        return np.exp(-np.logaddexp(0.0, -z))  # sigmoid without overflow
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@dataclass
class DocOut:
    """Inference output for one text: aggregated probabilities and the chunks behind them."""

    probs: np.ndarray  # (L,)
    chunk_probs: np.ndarray  # (K, L)
    chunk_spans: list[tuple[int, int]]  # character offsets of each chunk
    chunk_tokens: np.ndarray  # (K,) tokens per chunk (the aggregation weights)
    pooled: np.ndarray | None = None  # (H,), when asked for
    chunk_pooled: np.ndarray | None = None  # (K, H), when asked for
    aggregation: AggregationConfig = MEAN_PROBS  # how `probs` came from `chunk_probs`

    def with_chunk_probs(
        self,
        chunk_probs: np.ndarray,
        aggregation: AggregationConfig = MEAN_PROBS,
        *,
        multi_label: bool = False,
    ) -> DocOut:
        """The same chunks with other probabilities (K, L) (another head on the same encoder),
        aggregated as that head's `aggregation` says."""
        w = self.chunk_tokens / self.chunk_tokens.sum()
        probs = pool_chunks(chunk_probs, w, aggregation, multi_label=multi_label)
        return DocOut(
            probs, chunk_probs, self.chunk_spans, self.chunk_tokens, aggregation=aggregation
        )


class Chunks(NamedTuple):
    """Where one text's sequences came from."""

    spans: list[tuple[int, int]]  # character offsets of each chunk
    counts: np.ndarray  # (K,) float: text tokens per chunk (at least 1)


def length_batches(
    lengths: np.ndarray, batch_size: int, slack: float = PAD_SLACK, min_batch: int = MIN_BATCH
) -> list[np.ndarray]:
    """Indices of `lengths` in batches of similar length: sorted by length, each batch at most
    `batch_size` long and, once it holds `min_batch` sequences, closed before padding to the
    next length would exceed `slack` x its real tokens.

    A few dozen texts of mixed length (one micro-batch of the service) padded to their longest
    cost more than the same texts in a few tighter batches (`bench/load.py` measures the service).
    """
    order = np.argsort(lengths, kind="stable")
    batches, start, real = [], 0, 0
    for k, j in enumerate(order):
        size, width = k - start, int(lengths[j])
        full = size >= batch_size
        loose = size >= min_batch and width * (size + 1) > (1 + slack) * (real + width)
        if size and (full or loose):
            batches.append(order[start:k])
            start, real = k, 0
        real += width
    if start < len(order):
        batches.append(order[start:])
    return batches


def chunk_texts(
    texts: list[str], tok: EncoderTokenizer, window: int
) -> tuple[list[np.ndarray], list[Chunks]]:
    """Token-id sequences (special tokens included) for `texts`, one per chunk of at most
    `window` text tokens, and per text where its chunks lie."""
    prefix = np.asarray(tok.prefix, dtype=np.int64)
    suffix = np.asarray(tok.suffix, dtype=np.int64)
    seqs: list[np.ndarray] = []
    plans: list[Chunks] = []
    encodings = tok.tk.encode_batch(texts, add_special_tokens=False)
    for text, enc in zip(texts, encodings, strict=True):
        ids = np.asarray(enc.ids, dtype=np.int64)  # (N,)
        offsets = np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2)  # (N, 2)
        if len(ids) <= window:
            ranges = [(0, len(ids))]
        else:
            word = np.asarray([-1 if w is None else w for w in enc.word_ids])
            starts = np.ones(len(ids), dtype=bool)  # (N,) token begins a word
            starts[1:] = word[1:] != word[:-1]
            ranges = plan_chunks(
                offsets[:, 0],
                split_sentences(text),
                window,
                stride=min(CHUNK_STRIDE, window // 4),
                word_starts=starts,
            )
        spans = []
        for a, b in ranges:
            seqs.append(np.concatenate([prefix, ids[a:b], suffix]))
            spans.append((int(offsets[a, 0]), int(offsets[b - 1, 1])) if b > a else (0, 0))
        counts = np.asarray([max(b - a, 1) for a, b in ranges], dtype=np.float64)
        plans.append(Chunks(spans, counts))
    return seqs, plans


def run_batches(
    seqs: list[np.ndarray],
    run_batch: RunBatch,
    *,
    pad_id: int,
    batch_size: int,
    num_labels: int,
    hidden: int | None,
    pooled: bool = False,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Logits (N, L) and, if asked, pooled vectors (N, H) for token-id sequences.

    Sequences are sorted by length and cut into batches that pad little (`length_batches`).
    """
    n = len(seqs)
    lengths = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=n)
    logits = np.empty((n, num_labels), dtype=np.float32)
    vectors = np.empty((n, hidden or 0), dtype=np.float32) if pooled else None
    for idx in length_batches(lengths, batch_size):
        deadline.check()  # a request past its deadline or a cancelled job stops here
        width = int(lengths[idx].max())
        ids = np.full((len(idx), width), pad_id, dtype=np.int64)  # (B, T)
        mask = np.zeros((len(idx), width), dtype=np.int64)  # (B, T)
        for row, j in enumerate(idx):
            ids[row, : lengths[j]] = seqs[j]
            mask[row, : lengths[j]] = 1
        batch_logits, batch_pooled = run_batch(ids, mask)  # (B, L), (B, H)
        logits[idx] = batch_logits
        if vectors is not None:
            vectors[idx] = batch_pooled
    return logits, vectors


def aggregate(
    probs: np.ndarray,
    vectors: np.ndarray | None,
    plans: list[Chunks],
    aggregation: AggregationConfig = MEAN_PROBS,
    *,
    multi_label: bool = False,
) -> list[DocOut]:
    """Per text, its chunks' probabilities (K_total, L) combined by `pool_chunks` with weights
    by token count and, when given, the token-weighted mean of its pooled vectors
    (K_total, H); chunks are in `plans` order."""
    out, k = [], 0
    for spans, counts in plans:
        sl = slice(k, k + len(spans))
        k += len(spans)
        weights = counts / counts.sum()  # (K,) by token count
        doc = DocOut(
            probs=pool_chunks(probs[sl], weights, aggregation, multi_label=multi_label),
            chunk_probs=probs[sl],
            chunk_spans=spans,
            chunk_tokens=counts.astype(np.int64),
            aggregation=aggregation,
        )
        if vectors is not None:
            doc.pooled = weights.astype(np.float32) @ vectors[sl]
            doc.chunk_pooled = vectors[sl]
        out.append(doc)
    return out


def make_result(
    out: DocOut,
    fields: dict[str, Any],
    *,
    plan: LabelPlan,
    model: str,
    modality: str,
    language: str,
    evidence: tuple[Evidence, ...] = (),
    explain_note: str | None = None,
) -> AffectResult:
    """The result for one text from its `DocOut` and `summarise` fields: chunk details in
    ``raw["chunks"]`` (the first `MAX_CHUNKS_IN_RAW`), flags ``chunked`` and ``uncertain``."""
    fields = dict(fields)
    raw = fields.pop("raw")
    flags: list[str] = []
    n = len(out.chunk_spans)
    if n > 1:
        flags.append(FLAG_CHUNKED)
        agg = out.aggregation
        raw["aggregation"] = {"method": AGGREGATION_NAMES[agg.method], "chunks": n}
        if agg.temperature != 1.0:
            raw["aggregation"]["temperature"] = agg.temperature
        chunks = []
        for j in range(min(n, MAX_CHUNKS_IN_RAW)):
            c = summarise(out.chunk_probs[j], plan)
            start, end = out.chunk_spans[j]
            chunks.append(
                {
                    "start": start,
                    "end": end,
                    "tokens": int(out.chunk_tokens[j]),
                    "label": c["label"],
                    "confidence": c["confidence"],
                }
            )
        raw["chunks"] = chunks
    if explain_note is not None:
        raw["explain"] = explain_note
    if fields["uncertain"]:
        flags.append(FLAG_UNCERTAIN)
    return AffectResult(
        model=model,
        modality=modality,
        language=language,
        raw=raw,
        evidence=evidence,
        flags=tuple(flags),
        **fields,
    )


def explain_by_occlusion(
    texts: list[str],
    outs: list[DocOut],
    fields: list[dict[str, Any]],
    plan: LabelPlan,
    infer: Callable[[list[str]], list[DocOut]],
) -> list[tuple[tuple[Evidence, ...], str | None]]:
    """Leave-one-word-out occlusion: evidence per text (empty, with a note, when skipped).

    A word's weight is how much the reported label's confidence drops when `infer` reads the text
    without it (> 0 supports the label); a removed capitalised sentence start is read with the
    next word capitalised and as it is, and weighs the smaller drop
    (`affectkit.text.explain.word_deletions`). Texts of one chunk and at most
    `EXPLAIN_MAX_WORDS` words are explained; the `EXPLAIN_TOP_K` heaviest words are kept, function
    words of small weight after the others (`rank_evidence`).
    """
    variants: list[str] = []
    owners: list[tuple[int, int, int]] = []  # (text index, start, end)
    notes: list[str | None] = [None] * len(texts)
    for k, (text, out) in enumerate(zip(texts, outs, strict=True)):
        spans = word_spans(text)
        if len(out.chunk_spans) > 1 or len(spans) > EXPLAIN_MAX_WORDS:
            notes[k] = f"skipped: occlusion covers texts of at most {EXPLAIN_MAX_WORDS} words"
            continue
        for s, e, variant in word_deletions(text, spans):
            variants.append(variant)
            owners.append((k, s, e))
    found: list[list[Evidence]] = [[] for _ in texts]
    if variants:
        drops = [
            plan.confidence_of(outs[k].probs, fields[k]["label"])
            - plan.confidence_of(var.probs, fields[k]["label"])
            for (k, _, _), var in zip(owners, infer(variants), strict=True)
        ]
        for (k, s, e), weight in least_drops(owners, drops).items():
            label = fields[k]["label"]
            found[k].append(
                Evidence(texts[k][s:e], weight, start=s, end=e, kind="token", label=label)
            )
    return [(rank_evidence(ev, EXPLAIN_TOP_K), note) for ev, note in zip(found, notes, strict=True)]
