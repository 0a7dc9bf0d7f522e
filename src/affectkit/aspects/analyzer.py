"""`AspectAnalyzer`: the trained aspect model (a folder written by `affectkit train --task
aspects`), and `analyze_aspects`, the entry point of the CLI, the service and the review report.

A model folder holds ``config.json`` (labels, tags, temperature, encoder source),
``encoder.safetensors`` (the fine-tuned encoder layers, 4-bit differences from the source
encoder, see `affectkit.text.packing`), ``heads.safetensors`` (tag and polarity heads),
``metrics.json`` and ``MODEL_CARD.md``.

Long texts are cut into sentences (`affectkit.text.segment.split_sentences`), packed into pieces
of at most `PIECE_TOKENS` tokens, and every piece is tagged on its own; spans come back in the
whole text's characters. The polarity of a term is read from its sentence piece with the term as
the pair's second part.

Evidence: occlusion. The `CANDIDATES` content words nearest to the term (words of the encoder's
own tokens, so Chinese words are the tokenizer's, not single characters; the term, stop words and
words without a letter left out) are each taken out of the pair in turn; the words whose removal
lowers the chosen polarity's probability most are the evidence, with their shares of the summed
drop. Up to eight extra forward passes per term, batched (a gradient attribution was tried first
and ranked words badly: "painfully" as the evidence for "food" being positive).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from affectkit.aspects.network import Encoded, decode_terms, encode, pad, span_mask, torch_classes
from affectkit.aspects.types import MAX_TEXT_CHARS, POLARITIES, Aspect, Evidence, TextAspects
from affectkit.errors import InvalidInputError, ModelLoadError

KIND = "aspect-sentiment"
NAME = "aspect-sentiment"
MODELS = Path(__file__).resolve().parent.parent / "models"
PIECE_TOKENS = 200  # tokens of text per piece a long text is cut into
EVIDENCE_WORDS = 3
CANDIDATES = 8  # words tried per term for evidence, nearest first
MIN_DROP = 0.002  # a word counts as evidence when taking it out lowers the probability this much
_STOP = frozenset(
    "a an the and or but so of to in on at for with by from as is are was were be been being "
    "it its this that these those i me my we our you your he she they them their his her "
    "的 了 是 在 也 和 就 都 而 及 与 着 或 一个 这 那".split()
)


def model_folder(model: str | Path) -> Path:
    """A registered name (``aspect-sentiment`` / ``aspect-sentiment@1``) or a folder."""
    name = str(model)
    if name.split("@")[0] == NAME:
        return MODELS / NAME
    path = Path(model).expanduser()
    if not (path / "config.json").is_file():
        raise ModelLoadError(
            f"{model!r} is not an aspect model: give 'aspect-sentiment' or a folder written by "
            f"`affectkit train --task aspects` (with a config.json)."
        )
    return path


class AspectAnalyzer:
    """Finds aspect terms and classifies the sentiment towards each (see the module doc)."""

    def __init__(self, folder: Path, network: Any, tokenizer: Any, config: dict) -> None:
        self.folder = folder
        self.network = network.eval()
        self.tokenizer = tokenizer
        self.config = config
        self.labels: tuple[str, ...] = tuple(config["labels"])
        self.temperature = float(config.get("temperature", 1.0))
        self.name = f"{config.get('name', NAME)}@{config.get('version', 1)}"

    @classmethod
    def from_folder(cls, model: str | Path) -> AspectAnalyzer:
        folder = model_folder(model)
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        if config.get("kind") != KIND:
            raise ModelLoadError(
                f"{folder}/config.json: kind is {config.get('kind')!r}, not {KIND!r}."
            )
        from affectkit.text.classifier import encoder as enc

        source = config["encoder"]["source"]
        enc_dir = enc.resolve_encoder_source(source, folder)
        tokenizer = enc.EncoderTokenizer.from_folder(enc_dir).tk
        encoder = enc.load_encoder(enc_dir)
        if config["encoder"].get("weights"):
            enc.overlay_encoder_weights(encoder, folder / config["encoder"]["weights"], source)
        tc = torch_classes()
        network = tc.AspectNetwork(encoder)
        from safetensors.torch import load_file

        heads = load_file(str(folder / "heads.safetensors"))
        missing = network.load_state_dict(heads, strict=False)
        if missing.unexpected_keys or any(
            not k.startswith("encoder.") for k in missing.missing_keys
        ):
            raise ModelLoadError(f"{folder}/heads.safetensors does not match the aspect network.")
        return cls(folder, network, tokenizer, config)

    # -- pieces ------------------------------------------------------------------------------

    def _pieces(self, text: str) -> list[tuple[int, int]]:
        """Character ranges of `text` each at most `PIECE_TOKENS` tokens (whole sentences)."""
        from affectkit.text.segment import split_sentences

        if len(encode(self.tokenizer, text).ids) <= PIECE_TOKENS + 8:
            return [(0, len(text))]
        out: list[tuple[int, int]] = []
        start = end = None
        for s, e in split_sentences(text):
            if start is not None and len(encode(self.tokenizer, text[start:e]).ids) > PIECE_TOKENS:
                out.append((start, end))
                start = None
            if start is None:
                start = s
            end = e
        if start is not None:
            out.append((start, end))
        return out

    # -- the two passes ----------------------------------------------------------------------

    def extract(
        self, texts: Sequence[str], batch_size: int = 32
    ) -> list[list[tuple[int, int, float]]]:
        """Per text, the tagged term spans ``(from, to, tag confidence)`` in text order."""
        torch = torch_classes().torch
        jobs: list[tuple[int, int, Encoded]] = []  # (text index, piece start, encoded piece)
        for i, text in enumerate(texts):
            for s, e in self._pieces(text):
                jobs.append((i, s, encode(self.tokenizer, text[s:e])))
        out: list[list[tuple[int, int, float]]] = [[] for _ in texts]
        order = sorted(range(len(jobs)), key=lambda j: len(jobs[j][2].ids))
        for b in range(0, len(order), batch_size):
            batch = [jobs[j] for j in order[b : b + batch_size]]
            ids = pad([x[2].ids for x in batch], 1, np.int64)
            mask = pad([[1] * len(x[2].ids) for x in batch], 0, np.int64)
            with torch.inference_mode():
                logits = self.network.tag_logits(torch.from_numpy(ids), torch.from_numpy(mask))
                probs = torch.softmax(logits.float(), -1).numpy()
            for row, (i, start, piece) in enumerate(batch):
                for s, e, c in decode_terms(piece.spans, probs[row, : len(piece.ids)]):
                    out[i].append(_whole_words(texts[i], s + start, e + start, c))
        return [_no_overlaps(spans) for spans in out]

    def _piece_of(
        self, text: str, start: int, end: int, cache: dict[str, list[tuple[int, int]]]
    ) -> tuple[int, int]:
        """The piece of `text` holding characters [start, end); `cache` keeps each text's
        pieces, so a text with several terms is cut (and tokenised) once."""
        if text not in cache:
            cache[text] = self._pieces(text)
        for s, e in cache[text]:
            if s <= start < e:
                return s, max(e, end)
        return 0, len(text)

    def classify(
        self,
        items: Sequence[tuple[str, int, int]],
        *,
        evidence: bool = True,
        batch_size: int = 32,
    ) -> list[tuple[np.ndarray, tuple[Evidence, ...]]]:
        """Per ``(text, from, to)``: the polarity probabilities (in `labels` order, calibrated)
        and the evidence words."""
        jobs = []
        pieces: dict[str, list[tuple[int, int]]] = {}
        for text, start, end in items:
            ps, pe = self._piece_of(text, start, end, pieces)
            piece = text[ps:pe]
            enc = encode(self.tokenizer, piece, text[start:end])
            jobs.append((ps, piece, enc, span_mask(enc.spans, start - ps, end - ps)))
        probs = self._polarity([(x[2].ids, x[3]) for x in jobs], batch_size)
        if not evidence:
            return [(p, ()) for p in probs]
        # occlusion: each candidate word's tokens taken out of the pair, the drop in the chosen
        # polarity's probability measured (`_candidates`)
        variants, owners = [], []
        for j, (_, piece, enc, smask) in enumerate(jobs):
            for w, toks in enumerate(_candidates(piece, enc, smask)):
                keep = [t for t in range(len(enc.ids)) if t not in toks]
                variants.append(([enc.ids[t] for t in keep], [smask[t] for t in keep]))
                owners.append((j, w, toks))
        occluded = self._polarity(variants, batch_size) if variants else np.zeros((0, 3))
        drops: list[list[tuple[float, set[int]]]] = [[] for _ in jobs]
        for (j, _, toks), q in zip(owners, occluded):
            k = int(np.argmax(probs[j]))
            drops[j].append((float(probs[j][k] - q[k]), toks))
        out = []
        for j, (ps, piece, enc, _) in enumerate(jobs):
            out.append((probs[j], _evidence(piece, ps, enc, drops[j])))
        return out

    def _polarity(
        self, inputs: Sequence[tuple[list[int], list[float]]], batch_size: int
    ) -> np.ndarray:
        """Calibrated polarity probabilities (N, 3) of ``(pair token ids, term mask)`` inputs."""
        torch = torch_classes().torch
        out = np.zeros((len(inputs), len(self.labels)), dtype=np.float32)
        order = sorted(range(len(inputs)), key=lambda j: len(inputs[j][0]))
        for b in range(0, len(order), batch_size):
            idx = order[b : b + batch_size]
            ids = torch.from_numpy(pad([inputs[j][0] for j in idx], 1, np.int64))
            mask = torch.from_numpy(pad([[1] * len(inputs[j][0]) for j in idx], 0, np.int64))
            span = torch.from_numpy(pad([inputs[j][1] for j in idx], 0.0, np.float32))
            with torch.inference_mode():
                logits = self.network.polarity_logits(ids, mask, span).float()
                out[idx] = torch.softmax(logits / self.temperature, -1).numpy()
        return out

    # -- the whole analysis ------------------------------------------------------------------

    def analyze(
        self,
        texts: Sequence[str],
        *,
        given: Sequence[Sequence[tuple[int, int]] | None] | None = None,
        ids: Sequence[str | None] | None = None,
        evidence: bool = True,
        batch_size: int = 32,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[TextAspects]:
        from affectkit.text.language import detect_language

        texts = [_check_text(t, i) for i, t in enumerate(texts)]
        if given is not None and len(given) != len(texts):
            raise InvalidInputError("given must hold one list of spans (or None) per text.")
        results: list[TextAspects] = []
        step = max(1, batch_size * 4)
        for b in range(0, len(texts), step):
            chunk = list(range(b, min(len(texts), b + step)))
            todo = [i for i in chunk if given is None or given[i] is None]
            found = dict(zip(todo, self.extract([texts[i] for i in todo], batch_size)))
            spans: dict[int, list[tuple[int, int, float | None, bool]]] = {}
            for i in chunk:
                if i in found:
                    spans[i] = [(s, e, c, True) for s, e, c in found[i]]
                else:
                    spans[i] = [(s, e, None, False) for s, e in _check_given(texts[i], given[i], i)]
            items = [(texts[i], s, e) for i in chunk for s, e, _, _ in spans[i]]
            classified = iter(self.classify(items, evidence=evidence, batch_size=batch_size))
            for i in chunk:
                aspects = []
                for s, e, c, extracted in spans[i]:
                    probs, words = next(classified)
                    k = int(np.argmax(probs))
                    aspects.append(
                        Aspect(
                            term=texts[i][s:e],
                            start=s,
                            end=e,
                            polarity=self.labels[k],
                            confidence=float(probs[k]),
                            scores={lab: float(p) for lab, p in zip(self.labels, probs)},
                            evidence=words,
                            extracted=extracted,
                            term_confidence=c,
                        )
                    )
                results.append(
                    TextAspects(
                        text=texts[i],
                        aspects=tuple(aspects),
                        language=detect_language(texts[i]),
                        id=None if ids is None else ids[i],
                        model=self.name,
                    )
                )
            if progress is not None:
                progress(len(results), len(texts))
        return results


def _letter(ch: str) -> bool:
    """A letter or digit of a script that writes spaces between words (not Han, kana...)."""
    return ch.isalnum() and not ("\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff")


def _whole_words(text: str, s: int, e: int, c: float) -> tuple[int, int, float]:
    """A tagged span widened to whole words where it starts or ends inside one (a term tagged
    on the piece "es" of "scratches" is the word, never the piece); Chinese spans stay."""
    while s > 0 and _letter(text[s - 1]) and _letter(text[s]):
        s -= 1
    while e < len(text) and _letter(text[e]) and _letter(text[e - 1]):
        e += 1
    return s, e, c


def _no_overlaps(spans: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """In text order; a span overlapping the one before it merges into it."""
    out: list[tuple[int, int, float]] = []
    for s, e, c in sorted(spans):
        if out and s < out[-1][1]:
            ps, pe, pc = out[-1]
            out[-1] = (ps, max(pe, e), max(pc, c))
        else:
            out.append((s, e, c))
    return out


def _check_text(text: Any, i: int) -> str:
    if not isinstance(text, str):
        raise InvalidInputError(f"Text {i} is {type(text).__name__}, not a string.")
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidInputError(
            f"Text {i} has {len(text):,} characters; the limit is {MAX_TEXT_CHARS:,}."
        )
    return text


def _check_given(text: str, spans: Sequence[tuple[int, int]], i: int) -> list[tuple[int, int]]:
    out = []
    for k, sp in enumerate(spans):
        try:
            s, e = int(sp[0]), int(sp[1])
        except (TypeError, ValueError, IndexError):
            raise InvalidInputError(
                f"Text {i}, aspect {k}: a span is two integers (from, to)."
            ) from None
        if not 0 <= s < e <= len(text):
            raise InvalidInputError(
                f"Text {i}, aspect {k}: span ({s}, {e}) is outside the text (length {len(text)})."
            )
        out.append((s, e))
    return out


def _words(piece: str, enc: Encoded) -> list[list[int]]:
    """The text tokens of `enc` grouped into words: a token glued to the one before it between
    two letters of a spaced script is the same word ("scratch" + "es"); a Han token is a word of
    its own (the tokenizer's pieces are Chinese words: 外观, 漂亮, 不错)."""
    words: list[list[int]] = []
    prev = None
    for t, sp in enumerate(enc.spans):
        if sp is None:
            prev = None
            continue
        if (
            prev is not None
            and prev[1] == sp[0]
            and _letter(piece[sp[0] - 1])
            and _letter(piece[sp[0]])
        ):
            words[-1].append(t)
        else:
            words.append([t])
        prev = sp
    return words


def _candidates(piece: str, enc: Encoded, smask: list[float]) -> list[set[int]]:
    """Token sets of the words that may carry a term's sentiment: content words (a letter in
    them, not a stop word, not the term), the `CANDIDATES` nearest to the term."""
    words = _words(piece, enc)
    term = [t for t, m in enumerate(smask) if m > 0]
    centre = (term[0] + term[-1]) / 2 if term else 0.0
    out = []
    for toks in words:
        if any(smask[t] > 0 for t in toks):
            continue
        a, b = enc.spans[toks[0]][0], enc.spans[toks[-1]][1]
        word = piece[a:b]
        if not any(ch.isalpha() for ch in word) or word.lower() in _STOP:
            continue
        out.append(set(toks))
    out.sort(key=lambda toks: abs(min(toks) - centre))
    return out[:CANDIDATES]


def _evidence(
    piece: str, offset: int, enc: Encoded, drops: list[tuple[float, set[int]]]
) -> tuple[Evidence, ...]:
    """The words whose removal lowers the chosen polarity's probability most (positive drops
    only), with their shares of the summed drop."""
    kept = sorted((d for d in drops if d[0] > MIN_DROP), key=lambda d: -d[0])[:EVIDENCE_WORDS]
    total = sum(d for d, _ in kept)
    out = []
    for d, toks in kept:
        a, b = enc.spans[min(toks)][0], enc.spans[max(toks)][1]
        out.append(Evidence(piece[a:b], a + offset, b + offset, d / total))
    return tuple(out)


_LOADED: dict[str, AspectAnalyzer] = {}
_LOAD_LOCK = threading.Lock()


def load_model(model: str | Path | AspectAnalyzer = NAME) -> AspectAnalyzer:
    """The analyzer for `model` (a name, a folder, or an analyzer), loaded once per process."""
    if isinstance(model, AspectAnalyzer):
        return model
    key = str(model_folder(model).resolve())
    with _LOAD_LOCK:
        if key not in _LOADED:
            _LOADED[key] = AspectAnalyzer.from_folder(model)
        return _LOADED[key]


def analyze_aspects(
    texts: Sequence[str],
    *,
    given: Sequence[Sequence[tuple[int, int]] | None] | None = None,
    ids: Sequence[str | None] | None = None,
    model: str | Path | AspectAnalyzer = NAME,
    evidence: bool = True,
    batch_size: int = 32,
    progress: Callable[[int, int], None] | None = None,
) -> list[TextAspects]:
    """The aspects of each text with the sentiment towards each (see `AspectAnalyzer`)."""
    return load_model(model).analyze(
        texts, given=given, ids=ids, evidence=evidence, batch_size=batch_size, progress=progress
    )


__all__ = ["POLARITIES", "AspectAnalyzer", "analyze_aspects", "load_model"]
