"""The torch side of the aspect model: one fine-tuned encoder, two small heads, and how texts
become their inputs.

- **Tagging** (finding the terms): the text alone, ``<s> query: text </s>``; a linear layer over
  each token's state gives O / B / I (outside, first token of a term, inside a term). A term is a
  B followed by Is; its characters are the tokens' offsets (a token's leading space dropped).
- **Polarity** (the sentiment towards one term): the text and the term as a pair,
  ``<s> query: text </s></s> term </s>``, so the encoder reads the text knowing which term is
  asked about (the usual sentence-pair set-up for aspect sentiment); the head reads the mean of
  all token states next to the mean of the term's own tokens in the text (which occurrence is
  meant when a term appears twice): ``[mean_all ; mean_span]`` (2H) -> negative/neutral/positive.

torch is imported on first use (`torch_classes`). Shapes: B texts, T tokens, H encoder width.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np

from affectkit.errors import require

TAGS = ("O", "B", "I")
IGNORE = -100  # label of tokens the losses skip (special tokens, the e5 prefix, padding)


@dataclass(frozen=True)
class Encoded:
    """One text's token ids with each token's character span in the text (None for special and
    prefix tokens) and, for a pair, which tokens belong to the term side."""

    ids: list[int]
    spans: list[tuple[int, int] | None]


def encode(tk: Any, text: str, term: str | None = None) -> Encoded:
    """Token ids and character spans of `text` (and `term` as the pair's second part) under the
    e5 tokenizer `tk` (a `tokenizers.Tokenizer`; its post-processor adds ``<s> query:`` and the
    separators). Spans cover the text's characters only; a leading space is not part of a token's
    span."""
    enc = tk.encode(text, term) if term is not None else tk.encode(text)
    spans: list[tuple[int, int] | None] = []
    for seq, (s, e) in zip(enc.sequence_ids, enc.offsets):
        if seq != 0 or e <= s:
            spans.append(None)
            continue
        while s < e and text[s].isspace():
            s += 1
        spans.append((s, e) if s < e else None)
    return Encoded(list(enc.ids), spans)


def bio_labels(spans: list[tuple[int, int] | None], terms: list[tuple[int, int]]) -> list[int]:
    """O/B/I label ids per token for the gold term spans (tokens without a span: `IGNORE`)."""
    out = []
    inside: tuple[int, int] | None = None
    for sp in spans:
        if sp is None:
            out.append(IGNORE)
            continue
        hit = next((t for t in terms if sp[0] < t[1] and t[0] < sp[1]), None)
        if hit is None:
            out.append(0)
        elif hit is inside:
            out.append(2)
        else:
            out.append(1)
        inside = hit
    return out


def decode_terms(
    spans: list[tuple[int, int] | None], tag_probs: np.ndarray
) -> list[tuple[int, int, float]]:
    """Character spans ``(from, to, mean tag probability)`` of the terms tagged in one text:
    B then Is (an I after O starts a term too, as BIO decoders usually allow)."""
    out: list[tuple[int, int, float]] = []
    cur: list[Any] | None = None
    for sp, p in zip(spans, tag_probs):
        if sp is None:
            continue
        tag = int(np.argmax(p))
        if tag == 1 or (tag == 2 and cur is None):
            if cur is not None:
                out.append((cur[0], cur[1], float(np.mean(cur[2]))))
            cur = [sp[0], sp[1], [float(p[tag])]]
        elif tag == 2:
            cur[1] = sp[1]
            cur[2].append(float(p[tag]))
        elif cur is not None:
            out.append((cur[0], cur[1], float(np.mean(cur[2]))))
            cur = None
    if cur is not None:
        out.append((cur[0], cur[1], float(np.mean(cur[2]))))
    return out


def span_mask(spans: list[tuple[int, int] | None], start: int, end: int) -> list[float]:
    """1.0 for the text tokens that overlap characters [start, end), else 0.0."""
    return [1.0 if sp is not None and sp[0] < end and start < sp[1] else 0.0 for sp in spans]


@functools.cache
def torch_classes() -> SimpleNamespace:
    torch = require("torch", "models")
    nn = torch.nn

    class AspectNetwork(nn.Module):
        """Encoder + tag head (H -> 3) + polarity head (2H -> 3)."""

        def __init__(self, encoder: Any, dropout: float = 0.1) -> None:
            super().__init__()
            self.encoder = encoder
            width = encoder.config.hidden_size
            self.dropout = nn.Dropout(dropout)
            self.tagger = nn.Linear(width, len(TAGS))
            self.polarity = nn.Linear(2 * width, 3)

        def states(self, ids: Any, mask: Any) -> Any:  # (B, T, H)
            return self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state

        def tag_logits(self, ids: Any, mask: Any) -> Any:  # (B, T, 3)
            return self.tagger(self.dropout(self.states(ids, mask)))

        def polarity_logits(self, ids: Any, mask: Any, span: Any) -> Any:
            h = self.states(ids, mask)  # (B, T, H)
            m = mask.unsqueeze(-1).to(h.dtype)
            mean_all = (h * m).sum(1) / m.sum(1).clamp_min(1.0)  # (B, H)
            s = span.unsqueeze(-1).to(h.dtype)
            mean_span = (h * s).sum(1) / s.sum(1).clamp_min(1.0)  # (B, H)
            return self.polarity(self.dropout(torch.cat([mean_all, mean_span], dim=-1)))

    AspectNetwork.__module__ = __name__
    return SimpleNamespace(torch=torch, AspectNetwork=AspectNetwork)


def pad(seqs: list[list[Any]], value: Any, dtype: Any) -> np.ndarray:
    """Lists of unequal length -> one (B, T) array padded with `value`."""
    width = max(len(s) for s in seqs)
    out = np.full((len(seqs), width), value, dtype=dtype)
    for r, s in enumerate(seqs):
        out[r, : len(s)] = s
    return out
