"""`TextModelAnalyzer`: a transformer text classifier (encoder + pooling + head), run with
PyTorch or ONNX Runtime.

The analyzer holds the state (config, loaded modules or ONNX session, tokenizer) and delegates
the work: `config` (the folder's ``config.json``), `encoder` (encoder and tokenizer loading),
`folder` (reading and writing model folders), `modules` (the torch modules), `onnx` (export and
session), `inference` (chunking, batching, aggregation, occlusion) and `outputs` (probabilities
-> result fields).

Long texts are never truncated: a text longer than the encoder window is split into
sentence-aligned chunks (`affectkit.text.segment`), each chunk is classified, and the chunks'
probabilities are combined with weights by token count as the config's ``aggregation`` says
(mean of probabilities by default, or of logits with a temperature fitted on long texts; flag
``chunked``, ``raw["aggregation"]``). Chunks of every text of a batch are sorted by length and
batched together. `long_backend` may run the chunks of such texts on another backend than
the short ones (ONNX int8, where a model's accuracy on long texts holds under it).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from affectkit.errors import InvalidInputError, StorageError, require
from affectkit.results import AffectResult, Evidence
from affectkit.text.classifier import onnx as onnx_backend
from affectkit.text.classifier.config import BACKENDS, HEAD_FILE, LONG_BACKENDS, TextModelConfig
from affectkit.text.classifier.encoder import (
    EncoderTokenizer,
    load_tokenizer,
    resolve_encoder_source,
    same_encoder,
    shared_encoder,
)
from affectkit.text.classifier.folder import read_config, write_folder
from affectkit.text.classifier.inference import (
    DocOut,
    RunBatch,
    aggregate,
    chunk_texts,
    explain_by_occlusion,
    make_result,
    run_batches,
)
from affectkit.text.classifier.modules import head_logits, load_head, run_module, torch_classes
from affectkit.text.classifier.outputs import LabelPlan, activate, summarise
from affectkit.text.preprocess import clean_text, encoder_text
from affectkit.text.scoring import triage


class TextModelAnalyzer:
    """A transformer text classifier: encoder + pooling + `ClassifierHead`.

    Build it from a model folder with `from_pretrained` (or `affectkit.registry.load(path)`), or
    directly from a config and a torch head (and optionally a fine-tuned encoder + tokenizer),
    then `save_pretrained`. Construction only stores arguments; weights load on the first
    `analyze`/`embed` or an explicit `load()`.

    - `backend`: ``"torch"`` or ``"onnx"`` (exported on first use into `cache_dir`/onnx, keyed
      by a hash of the weights; with ``quantize=True`` dynamically quantised to int8).
    - `cache_dir`: ONNX exports go to its ``onnx/`` folder; None = ``AFFECTKIT_HOME/cache``
      (`affectkit.cache.default_cache_dir`, what the CLI passes too), never the model folder.
    - `threads`: torch intra-op threads (``torch.set_num_threads``, process-wide) or
      onnxruntime intra-op threads; None keeps the library default.
    - `batch_size`: at most this many texts (chunks) per forward pass; inputs are sorted by
      length and cut into batches that pad little (`length_batches`).
    - `long_backend`: ``"torch"``, ``"onnx"`` or ``"onnx-int8"``: the backend that reads the
      chunks of texts longer than one window (their probabilities are aggregated over several
      chunks, which evens out int8's rounding); None: every text on `backend`. The shipped
      English models default to ``"onnx-int8"`` where onnxruntime is installed
      (`affectkit.text.catalog`; ``bench/long_reviews.py`` measures it).

    An in-memory `encoder` is saved by `save_pretrained` only when ``config.encoder.source``
    names a folder (e.g. ``"encoder"``); with a ``package:`` source the package's encoder is used.
    """

    modality = "text"

    def __init__(
        self,
        config: TextModelConfig | Mapping[str, Any],
        *,
        folder: str | Path | None = None,
        head: Any = None,
        encoder: Any = None,
        tokenizer: Any = None,
        backend: str = "torch",
        quantize: bool = False,
        cache_dir: str | Path | None = None,
        threads: int | None = None,
        batch_size: int = 32,
        long_backend: str | None = None,
    ) -> None:
        if not isinstance(config, TextModelConfig):
            config = TextModelConfig.from_dict(config)
        if backend not in BACKENDS:
            raise InvalidInputError(f"backend must be one of {BACKENDS}, got {backend!r}.")
        if quantize and backend != "onnx":
            raise InvalidInputError("quantize=True needs backend='onnx' (int8 runs on ONNX).")
        if long_backend is not None and long_backend not in LONG_BACKENDS:
            raise InvalidInputError(
                f"long_backend must be None or one of {LONG_BACKENDS}, got {long_backend!r}."
            )
        if not isinstance(batch_size, int) or batch_size < 1:
            raise InvalidInputError(f"batch_size must be a positive integer, got {batch_size!r}.")
        if threads is not None and (not isinstance(threads, int) or threads < 1):
            raise InvalidInputError(f"threads must be a positive integer or None, got {threads!r}.")
        if folder is None and head is None:
            raise InvalidInputError(
                "Give a head module (head=ClassifierHead(...)) or load a model folder with "
                "TextModelAnalyzer.from_pretrained(path)."
            )
        self.config = config
        self.name = config.name
        self.languages = config.languages
        self.labels = config.labels
        self.folder = Path(folder) if folder is not None else None
        self.backend = backend
        self.quantize = quantize
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.threads = threads
        self.batch_size = batch_size
        self.long_backend = long_backend
        self.plan = LabelPlan.from_config(config)
        self._head = head  # torch modules, given or loaded
        self._encoder = encoder
        self._tokenizer_obj = tokenizer
        self._module: Any = None  # TextClassifierModule (torch backend, or for the export)
        self._session: Any = None  # onnxruntime.InferenceSession
        self._run_long: RunBatch | None = None  # the `long_backend` pass, built on first need
        self._tok: EncoderTokenizer | None = None
        self._hidden: int | None = None
        self._fingerprint: str | None = None
        self._lock = threading.RLock()
        self._ready = False

    # -- construction / persistence --------------------------------------------------------

    @classmethod
    def from_pretrained(cls, path: str | Path, **kwargs: Any) -> TextModelAnalyzer:
        """Read a model folder's config (weights load later). Keyword arguments: see the class."""
        path = Path(path).expanduser()
        config = read_config(path)
        if kwargs.get("encoder") is None:
            resolve_encoder_source(config.encoder.source, path)  # fail now, not at first use
        return cls(config, folder=path, **kwargs)

    def save_pretrained(self, path: str | Path) -> Path:
        """Write config.json, head.safetensors and (for a folder source) the encoder to `path`."""
        # Modules in memory win over files: they may have been trained since they were loaded.
        encoder, head = self._encoder, self._head
        if self._module is not None:
            encoder, head = self._module.encoder, self._module.head
        return write_folder(
            Path(path).expanduser(),
            self.config,
            encoder=encoder,
            head=head,
            save_tokenizer=self._save_tokenizer,
            source=self.folder,
        )

    def _save_tokenizer(self, target: Path) -> None:
        tok = self._tokenizer_obj
        if hasattr(tok, "save_pretrained"):
            tok.save_pretrained(str(target))
        else:
            (self._tok or self._load_tokenizer()).tk.save(str(target / "tokenizer.json"))

    def load(self) -> TextModelAnalyzer:
        """Load the tokenizer and weights (or the ONNX session) now; returns self."""
        with self._lock:
            if not self._ready:
                self._tok = self._load_tokenizer()
                if self.backend == "torch":
                    self._load_torch()
                else:
                    self._load_onnx()
                self._ready = True
        return self

    def torch_module(self) -> Any:
        """The `TextClassifierModule` (encoder + pooling + head), loaded if needed.

        For training and inspection; on the onnx backend this loads the torch weights too.
        """
        with self._lock:
            self._load_tokenizer()
            self._load_torch()
        return self._module

    def window(self, tok: EncoderTokenizer | None = None) -> int:
        """Text tokens per forward pass (max_length minus the special tokens)."""
        tok = tok or self._load_tokenizer()
        return tok.window(self.config.encoder.max_length)

    def _encoder_dir(self) -> Path:
        return resolve_encoder_source(self.config.encoder.source, self.folder)

    def _load_tokenizer(self) -> EncoderTokenizer:
        if self._tok is None:
            self._tok, self._hidden = load_tokenizer(
                self.config.encoder, self.folder, self._tokenizer_obj, self._encoder
            )
        return self._tok

    def _load_torch(self) -> None:
        """Build the torch module (encoder + head) if it is not built yet."""
        if self._module is not None:
            return
        classes = torch_classes()
        if self.threads is not None:
            classes.torch.set_num_threads(self.threads)
        encoder = self._encoder
        if encoder is None:
            encoder = shared_encoder(self._encoder_dir(), self.config.encoder, self.folder)
        hidden = int(encoder.config.hidden_size)
        head = self._head
        if head is None:
            labels = len(self.config.labels)
            head = load_head(self.folder / HEAD_FILE, hidden, labels, self.config.head)
        module = classes.TextClassifierModule(
            encoder, head, self.config.encoder.pooling, self.config.encoder.normalize
        )
        self._module = module.eval()
        self._hidden = hidden

    # -- ONNX -------------------------------------------------------------------------------

    def onnx_dir(self) -> Path:
        """Where this analyzer's ONNX exports are cached."""
        return onnx_backend.onnx_dir(self.cache_dir)

    def fingerprint(self) -> str:
        """sha256 over the weights and everything else that shapes the exported graph."""
        if self._fingerprint is None:
            if self._head is None and self._encoder is None:  # all weights on disk: the files
                files = onnx_backend.weight_files(self.config, self.folder, self._encoder_dir())
                self._fingerprint = onnx_backend.fingerprint(self.config, files=files)
            else:  # weights in memory (e.g. just trained): the tensors
                self._load_torch()
                state = self._module.state_dict()
                self._fingerprint = onnx_backend.fingerprint(self.config, state=state)
        return self._fingerprint

    def onnx_path(self, quantize: bool | None = None) -> Path:
        """The cached ONNX file this analyzer uses (int8 when `quantize`, by default the
        analyzer's)."""
        quantize = self.quantize if quantize is None else quantize
        return onnx_backend.onnx_file(self.onnx_dir(), self.fingerprint(), quantize)

    def _load_onnx(self, quantize: bool | None = None) -> Any:
        """Open the ONNX session (exported on first use); the backend's own session unless
        `quantize` asks for another export (`long_backend`), which is returned instead."""
        require("onnxruntime", "onnx")  # before anything is exported
        own = quantize is None  # the backend's own session, not `long_backend`'s
        quantize = self.quantize if quantize is None else quantize
        target = self.onnx_path(quantize)
        fp32 = target.with_name(target.name.replace(".int8.onnx", ".onnx"))
        loaded_for_export = (
            own and self._module is None and self._head is None and self._encoder is None
        )
        try:
            if not fp32.is_file():
                self._load_torch()
                onnx_backend.export(self._module, self._load_tokenizer(), fp32, self.name)
            if quantize and not target.is_file():
                onnx_backend.quantize(fp32, target)
        except OSError as exc:
            raise StorageError(
                f"Cannot write the ONNX export of {self.name} to {target.parent}: "
                f"{exc.strerror or exc}. Set AFFECTKIT_HOME (or cache_dir) to a writable folder."
            ) from None
        if loaded_for_export:
            self._module = None  # free the torch copy; the session holds its own weights
        session = onnx_backend.open_text_session(target, self.threads)
        if not own:
            return session
        self._session = session
        if self._hidden is None:
            self._hidden = int(self._session.get_outputs()[1].shape[-1])
        return session

    def _long_pass(self) -> RunBatch | None:
        """`_long_runner`, built on the first text longer than one window (so that loading
        the model exports nothing it may never use)."""
        if self.long_backend is None:
            return None
        with self._lock:
            if self._run_long is None:
                self._run_long = self._long_runner() or self._run_batch
        return self._run_long

    def _long_runner(self) -> RunBatch | None:
        """The forward pass for the chunks of long texts when `long_backend` differs from the
        analyzer's backend (None: the same pass as short texts)."""
        mine = "torch" if self.backend == "torch" else ("onnx-int8" if self.quantize else "onnx")
        if self.long_backend is None or self.long_backend == mine:
            return None
        if self.long_backend == "torch":
            self._load_torch()
            module = self._module
            return lambda ids, mask: run_module(module, ids, mask)
        session = self._load_onnx(quantize=self.long_backend == "onnx-int8")
        return lambda ids, mask: onnx_backend.run_session(session, ids, mask)

    # -- inference ---------------------------------------------------------------------------

    def _run_batch(self, ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self._session is not None:
            return onnx_backend.run_session(self._session, ids, mask)
        return run_module(self._module, ids, mask)

    def _infer(
        self, texts: list[str], *, pooled: bool = False, calibrated: bool = True
    ) -> list[DocOut]:
        """Tokenize, chunk what is longer than the window, run, aggregate per text
        (`calibrated` False: temperature 1, no class bias, aggregation temperature 1)."""
        texts = [encoder_text(t, self.config.preprocess) for t in texts]  # offsets unchanged
        tok = self._tok
        seqs, plans = chunk_texts(texts, tok, self.window(tok))
        counts = [len(p.spans) for p in plans]
        long = np.repeat(np.array([k > 1 for k in counts], dtype=bool), counts)  # (K_total,)
        n_labels = len(self.config.labels)
        logits = np.empty((len(seqs), n_labels), dtype=np.float32)  # (K_total, L)
        vectors = np.empty((len(seqs), self._hidden or 0), dtype=np.float32) if pooled else None
        # one pass over every chunk, or one per backend (short texts, chunks of long ones); each
        # sorts its chunks by length across all texts
        groups = [(np.ones(len(seqs), dtype=bool), self._run_batch)]
        run_long = self._long_pass() if long.any() else None
        if run_long is not None and run_long != self._run_batch:
            groups = [(~long, self._run_batch), (long, run_long)]
        for chosen, run in groups:
            idx = np.flatnonzero(chosen)
            if not len(idx):
                continue
            part_logits, part_vectors = run_batches(
                [seqs[i] for i in idx],
                run,
                pad_id=tok.pad_id,
                batch_size=self.batch_size,
                num_labels=n_labels,
                hidden=self._hidden,
                pooled=pooled,
            )
            logits[idx] = part_logits
            if vectors is not None:
                vectors[idx] = part_vectors
        probs = activate(
            logits,
            multi_label=self.config.multi_label,
            temperature=self.config.temperature if calibrated else 1.0,
            bias=self.config.class_bias if calibrated else None,
        )  # (K_total, L)
        aggregation = self.config.aggregation
        if not calibrated:
            aggregation = replace(aggregation, temperature=1.0)
        return aggregate(probs, vectors, plans, aggregation, multi_label=self.config.multi_label)

    def _head_probs(self, chunk_pooled: np.ndarray) -> np.ndarray:
        """This model's head on pooled vectors (K, H) from a shared encoder: probabilities."""
        self._load_torch()
        return activate(
            head_logits(self._module.head, chunk_pooled),
            multi_label=self.config.multi_label,
            temperature=self.config.temperature,
            bias=self.config.class_bias,
        )

    def _result(
        self,
        lang: str,
        out: DocOut,
        fields: dict[str, Any],
        evidence: tuple[Evidence, ...] = (),
        explain_note: str | None = None,
    ) -> AffectResult:
        return make_result(
            out,
            fields,
            plan=self.plan,
            model=self.name,
            modality=self.modality,
            language=lang,
            evidence=evidence,
            explain_note=explain_note,
        )

    def analyze(self, batch: Sequence[Any], *, explain: bool = False) -> list[AffectResult]:
        """One result per input, in order. Blank text -> flag ``empty``; a language this model
        does not cover -> flag ``unsupported``; a non-text item -> `InvalidInputError`.

        ``explain=True`` adds token evidence by leave-one-word-out occlusion for texts of at most
        `EXPLAIN_MAX_WORDS` words: a word's weight is how much the reported label's confidence
        drops when the word is removed (> 0 supports the label). It costs one forward pass per
        word; longer texts get no evidence (``raw["explain"]`` says why).
        """
        results, todo = triage(
            batch, self.name, self.languages, emoji_route=self.plan.kind == "polarity"
        )
        if todo:
            self.load()
            texts = [text for _, text, _ in todo]
            outs = self._infer(texts)
            fields = [summarise(out.probs, self.plan) for out in outs]
            evidence: list[tuple[tuple[Evidence, ...], str | None]] = [((), None)] * len(todo)
            if explain:
                evidence = explain_by_occlusion(texts, outs, fields, self.plan, self._infer)
            for (i, _, lang), out, f, (ev, note) in zip(todo, outs, fields, evidence, strict=True):
                results[i] = self._result(lang, out, f, ev, note)
        return results  # type: ignore[return-value]

    def analyze_with(
        self, others: Sequence[TextModelAnalyzer], batch: Sequence[Any]
    ) -> list[list[AffectResult]]:
        """Results of this model and of `others` (the heads of one multi-task run: same encoder
        files and window) from ONE encoder pass per text: ``[mine, *others']``, each a list
        with one result per input. Each head's probabilities are aggregated over a long text's
        chunks as `analyze` does; language gating and empty inputs follow this model."""
        others = list(others)
        for other in others:
            if not isinstance(other, TextModelAnalyzer) or not same_encoder(
                self.config.encoder, self.folder, other.config.encoder, other.folder
            ):
                raise InvalidInputError(
                    f"{getattr(other, 'name', other)!r} does not share {self.name}'s encoder "
                    f"(files, window and pooling); analyse it separately."
                )
        if self.backend != "torch":
            raise InvalidInputError("analyze_with runs on the torch backend.")
        models = [self, *others]
        mine, todo = triage(
            batch, self.name, self.languages, emoji_route=self.plan.kind == "polarity"
        )
        # empty and unsupported inputs get the same result from every head, under its own name
        results = [[r if r is None else replace(r, model=m.name) for r in mine] for m in models]
        if todo:
            self.load()
            outs = self._infer([text for _, text, _ in todo], pooled=True)
            for m, rows in zip(models, results, strict=True):
                for (i, _, lang), out in zip(todo, outs, strict=True):
                    if m is not self:
                        out = out.with_chunk_probs(
                            m._head_probs(out.chunk_pooled),  # (K, L)
                            m.config.aggregation,
                            multi_label=m.config.multi_label,
                        )
                    rows[i] = m._result(lang, out, summarise(out.probs, m.plan))
        return results  # type: ignore[return-value]

    def predict_proba(self, texts: Sequence[Any], *, calibrated: bool = True) -> np.ndarray:
        """Label probabilities (N, L) in `labels` order, temperature applied, for every text:
        no language gate and no flags (blank text gets the model's prior-like output). For
        calibration and ensembles; `analyze` is the user-facing call. `calibrated=False`: the
        model without its stored temperature, class bias and aggregation temperature (what a
        calibration is fitted on; a long text's chunks are still combined by the aggregation
        method)."""
        if isinstance(texts, (str, bytes)):
            raise InvalidInputError("predict_proba() takes a sequence of texts. Wrap it: [text].")
        cleaned = [clean_text(x, i) for i, x in enumerate(texts)]
        self.load()
        if not cleaned:
            return np.zeros((0, len(self.labels)))
        return np.stack([out.probs for out in self._infer(cleaned, calibrated=calibrated)])

    def predict_chunks(self, texts: Sequence[Any], *, calibrated: bool = True) -> list[DocOut]:
        """Per text, its chunks and their probabilities (`DocOut`: ``chunk_probs`` (K, L) with
        the model's temperature and class bias, ``chunk_tokens`` (K,), ``probs`` (L,) as
        `predict_proba` gives them). What a calibration of the aggregation of long texts is
        fitted on (``bench/long_reviews.py``); `calibrated`: as in `predict_proba`."""
        if isinstance(texts, (str, bytes)):
            raise InvalidInputError("predict_chunks() takes a sequence of texts. Wrap it: [text].")
        cleaned = [clean_text(x, i) for i, x in enumerate(texts)]
        self.load()
        return self._infer(cleaned, calibrated=calibrated) if cleaned else []

    def embed(self, texts: Sequence[Any]) -> np.ndarray:
        """Pooled encoder output (N, H), float32. Long texts: token-weighted mean over chunks
        (re-normalised when the config normalises). An empty or blank text has no affect to
        embed: its row is NaN, so it cannot pass unnoticed into a clustering or an index."""
        if isinstance(texts, (str, bytes)):
            raise InvalidInputError("embed() takes a sequence of texts. Wrap it: embed([text]).")
        cleaned = [clean_text(x, i) for i, x in enumerate(texts)]
        self.load()
        full = [i for i, t in enumerate(cleaned) if t.strip()]
        docs = self._infer([cleaned[i] for i in full], pooled=True) if full else []
        width = docs[0].pooled.shape[0] if docs else self._hidden or 0
        vectors = np.full((len(cleaned), width), np.nan, dtype=np.float32)  # (N, H)
        if docs:
            vectors[full] = np.stack([doc.pooled for doc in docs])
        if self.config.encoder.normalize:
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return vectors

    def __repr__(self) -> str:
        return (
            f"TextModelAnalyzer(name={self.name!r}, labels={list(self.labels)}, "
            f"backend={self.backend!r}{', int8' if self.quantize else ''}, "
            f"{f'long_backend={self.long_backend!r}, ' if self.long_backend else ''}"
            f"loaded={self._ready})"
        )
