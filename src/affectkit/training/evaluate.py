"""`evaluate()`: score any analyzer on a labelled CSV, the stable `affectkit evaluate` contract.

The CSV has an input column (text) and a label column (multi-label: comma-separated names).
The model ``"auto"`` routes each row as `affectkit.analyze` does (its language detected, then
that language's default model); the result's ``models`` counts the rows each model read.

Data labels are matched to the model's labels by name through `--label-map` and the label maps
of `affectkit.labels` (``angry`` = ``anger``, ``happiness`` = ``joy``...), in one label space
(`MATCHES`): the model's own label names (``raw["labels"]``: GoEmotions' 28, ``calm``) or the
canonical groups every result carries (polarity, or Ekman emotions + neutral, into which a
model's own labels are summed: GoEmotions' ``amusement`` counts towards ``joy``). ``match="own"``
or ``"canonical"`` says which; ``"auto"`` takes the space that covers the most data labels, own
names first on a tie (the behaviour before the choice existed). When the data's label
set is a subset of the model's (binary data, a 3-class model), predictions are restricted to the
data's labels: the prediction is the data label with the highest probability. Data with a single
label is not restricted (a choice of one is always right): it is scored against every label of
the model's space, and the result's ``warnings`` say so. Data labels that nothing maps onto the
model's labels are counted in ``excluded`` and left out, never guessed; rows whose input is
empty or unreadable (bad quoting, a wrong number of fields) are counted in ``skipped``.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from affectkit import api, labels, registry
from affectkit.errors import DataFormatError, InvalidInputError
from affectkit.inputs import SUFFIX_KINDS, Input
from affectkit.records import bad_text, check_input_file, csv_rows
from affectkit.results import AffectResult
from affectkit.training.calibration import ece, save_figure
from affectkit.training.metrics import multilabel_report, report

SPACES = ("own", "polarity", "emotions")
# --match: which label spaces the data's labels may be matched to, in order of preference.
MATCHES: dict[str, tuple[str, ...]] = {
    "auto": SPACES,
    "own": ("own",),
    "canonical": ("polarity", "emotions"),
}
UNSCORED = ("empty", "error", "unsupported")  # result labels that carry no prediction
FIGURES = ("n", "accuracy", "macro_f1", "macro_recall", "micro_f1", "per_class")  # of every run


def spaces(result: AffectResult) -> dict[str, dict[str, float]]:
    """The probability distributions a result offers: the model's own labels (``raw["labels"]``),
    canonical polarity and canonical emotions."""
    out: dict[str, dict[str, float]] = {}
    own = result.raw.get("labels") if isinstance(result.raw, Mapping) else None
    if isinstance(own, Mapping):
        out["own"] = {str(k): float(v) for k, v in own.items()}
    if result.polarity:
        out["polarity"] = dict(result.polarity)
    if result.emotions:
        out["emotions"] = dict(result.emotions)
    return out


def choose_space(
    data_labels: set[str],
    label_map: Mapping[str, str],
    available: Mapping[str, set[str]],
    match: str = "auto",
) -> tuple[str | None, dict[str, str | None]]:
    """Pick the label space of `MATCHES[match]` that covers the most data labels (earlier ones
    first on a tie: own names, canonical polarity, canonical emotions); returns it and data
    label -> model label (or None)."""
    best: tuple[int, str | None, dict[str, str | None]] = (-1, None, {})
    for space in MATCHES[match]:
        names = available.get(space)
        if not names:
            continue
        mapping = {}
        for lab in data_labels:
            name = label_map.get(lab, lab).strip()
            if space == "own":
                mapping[lab] = name if name in names else None
            else:
                c = labels.canonical(name)
                mapping[lab] = c if c in names else None
        covered = sum(v is not None for v in mapping.values())
        if covered > best[0]:
            best = (covered, space, mapping)
    return best[1], best[2]


def read_labelled_csv(
    path: Path, input_col: str, label_col: str, skipped: Counter | None = None
) -> list[tuple[str, str]]:
    """(input, label) of every readable row; rows that cannot be read (bad quoting, a wrong
    number of fields) are counted in `skipped` by reason, never run together with others."""
    header, rows = csv_rows(check_input_file(path, "Evaluation file"))
    index = {name: i for i, name in enumerate(header)}
    for col, flag in ((input_col, "--input-col"), (label_col, "--label-col")):
        if col not in index:
            raise DataFormatError(
                f"{path.name} has no column {col!r}; its columns are {header}. Choose one with "
                f"{flag}."
            )
    out = []
    for row in rows:
        if row.error:
            if skipped is not None:
                skipped["unreadable row (quoting or number of fields)"] += 1
            continue
        out.append((row.fields[index[input_col]], row.fields[index[label_col]]))
    return out


def evaluate(
    model: str,
    data: str | Path,
    *,
    input_col: str = "input",
    label_col: str = "label",
    label_map: Mapping[str, str] | None = None,
    multi_label: bool | None = None,
    match: str = "auto",
    language: str = "auto",
    batch_size: int = 256,
    progress: bool = False,
    model_options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Evaluate `model` (a registry name, a model folder, or ``"auto"``: each row's default
    model) on a labelled CSV; `match` picks the label space (`MATCHES`), `language` is
    `affectkit.analyze`'s. Returns the contract's dict (see module docstring)."""
    if match not in MATCHES:
        raise InvalidInputError(f"match must be one of {list(MATCHES)}, got {match!r}.")
    t0 = time.perf_counter()
    label_map = dict(label_map or {})
    unreadable: Counter = Counter()
    rows = read_labelled_csv(Path(data), input_col, label_col, unreadable)
    if multi_label is None:
        multi_label = any("," in lab for _, lab in rows)
    options = dict(model_options or {})
    analyzer = None if model == "auto" else api.get_analyzer(model, **options)

    texts = [t for t, _ in rows]
    inputs = texts if analyzer is None else _as_inputs(texts, analyzer, Path(data).parent)
    results = _analyze(model, inputs, options, language, batch_size, progress)
    per_row = [spaces(r) for r in results]
    available = _available(per_row)
    raw_names = [_label_names(raw_label, multi_label) for _, raw_label in rows]
    space, mapping = choose_space({n for ns in raw_names for n in ns}, label_map, available, match)
    if space is None and available:
        name = getattr(analyzer, "name", model)
        raise InvalidInputError(
            f"--match {match}: the results of {name} have no {' or '.join(MATCHES[match])} "
            f"labels to match (they have {sorted(available)}). Use --match "
            f"{'canonical' if match == 'own' else 'own'} or --match auto."
        )
    kept, y_true, dists, excluded, skipped = _match(
        texts, raw_names, results, per_row, space, mapping
    )
    out: dict[str, Any] = {"model": getattr(analyzer, "name", model), "label_space": space}
    out["models"] = dict(Counter(r.model for r in results if r.label not in UNSCORED))
    scored = _scored_labels(y_true, available.get(space or "", set()))
    thresholds = None
    if multi_label and y_true:  # per row: under "auto" each row has its own model
        thresholds = np.array(
            [_thresholds(analyzer or api.get_analyzer(results[i].model, **options), scored)
             for i in kept]
        )  # fmt: skip
    out.update(_figures(y_true, dists, multi_label, thresholds, scored))
    out["warnings"] = _warnings(y_true, scored)
    out["excluded"] = dict(excluded)
    out["skipped"] = dict(skipped + unreadable)
    out["seconds"] = round(time.perf_counter() - t0, 3)
    return out


def _as_inputs(texts: list[str], analyzer: Any, base: Path) -> list[Any]:
    """Texts as they are for a text model; for a model of media (audio, images), each value is
    a path relative to the CSV's folder (an absolute path stays as it is)."""
    takes = getattr(analyzer, "inputs", None) or registry.MODALITY_INPUTS.get(
        getattr(analyzer, "modality", "text"), ("text",)
    )
    if "text" in takes:
        return texts
    out = []
    for t in texts:
        path = base / t.strip()
        kind = SUFFIX_KINDS.get(path.suffix.lower())
        out.append(Input.from_path(path, kind if kind in takes else takes[0]))
    return out


def _analyze(
    model: str, texts: list[Any], options: dict, language: str, batch_size: int, progress: bool
):
    """The model's result for every text, in batches, flagged rather than raised on bad input."""
    results: list[AffectResult] = []
    bar = None
    if progress:
        import sys

        from tqdm import tqdm

        bar = tqdm(total=len(texts), desc="evaluating", unit=" rows", file=sys.stderr)
    for i in range(0, len(texts), batch_size):
        chunk = texts[i : i + batch_size]
        results += api.analyze(
            chunk, model=model, language=language, errors="flag", model_options=options
        )
        if bar:
            bar.update(len(chunk))
    if bar:
        bar.close()
    return results


def _available(per_row: list[dict[str, dict[str, float]]]) -> dict[str, set[str]]:
    """The model's label spaces: whatever its results carry probabilities for."""
    available: dict[str, set[str]] = {}
    for sp in per_row:
        for name, dist in sp.items():
            available.setdefault(name, set()).update(dist)
    return available


def _label_names(raw_label: str, multi_label: bool) -> list[str]:
    names = [s.strip() for s in raw_label.split(",")] if multi_label else [raw_label.strip()]
    return [s for s in names if s]


def _match(texts, raw_names, results, per_row, space, mapping):
    """(indices of the kept rows, their true model labels, their distributions in `space`,
    excluded data labels, skipped rows by reason): a row whose labels do not all map is
    excluded, never guessed."""
    excluded: Counter = Counter()
    skipped: Counter = Counter()
    kept: list[int] = []
    y_true: list[list[str]] = []
    dists: list[dict[str, float]] = []
    for i, (text, names, r, sp) in enumerate(zip(texts, raw_names, results, per_row)):
        if bad_text(text):
            skipped["not valid UTF-8"] += 1
            continue
        if not names:
            skipped["missing label"] += 1
            continue
        mapped = [mapping.get(s) for s in names]
        if any(m is None for m in mapped):
            for s, m in zip(names, mapped):
                if m is None:
                    excluded[s] += 1
            continue
        d = sp.get(space) if space else None
        if not d:
            skipped[_why_unscored(r)] += 1
            continue
        kept.append(i)
        y_true.append(list(dict.fromkeys(mapped)))
        dists.append(d)
    return kept, y_true, dists, excluded, skipped


def _why_unscored(r: AffectResult) -> str:
    """The `skipped` reason of a row whose result has no distribution to score."""
    if r.label == "unsupported" and r.language not in (None, "unsupported", "*"):
        return f"unsupported language: {r.language}"  # e.g. Japanese, which no model reads
    return r.label if r.label in UNSCORED else "no output"


def _scored_labels(y_true: list[list[str]], space_labels: set[str]) -> list[str]:
    """The labels predictions choose among: the data's labels (restricted), unless the data has
    fewer than two, where a restricted choice could not be wrong: then the whole label space."""
    data_labels = {lab for ys in y_true for lab in ys}
    return sorted(data_labels if len(data_labels) >= 2 else data_labels | space_labels)


def _warnings(y_true: list[list[str]], scored: list[str]) -> list[str]:
    data_labels = sorted({lab for ys in y_true for lab in ys})
    if not y_true or len(data_labels) >= 2:
        return []
    return [
        f"the data has a single label ({data_labels[0]!r}): predictions are not restricted to "
        f"it but chosen among the model's {len(scored)} labels {scored}; with one class, "
        f"macro figures and calibration say little: add rows of other labels"
    ]


def _figures(
    y_true, dists, multi_label: bool, thresholds, data_labels: list[str]
) -> dict[str, Any]:
    """The contract's figures over `data_labels` (`_scored_labels`); multi-label runs use
    `thresholds` (N, L); single-label runs add calibration (ECE over probabilities renormalised
    to those labels) and the confusion matrix."""
    if not y_true:
        return {
            "n": 0,
            "accuracy": 0.0,
            "macro_f1": 0.0,
            "macro_recall": 0.0,
            "micro_f1": 0.0,
            "per_class": {},
        }
    probs = np.array([[d.get(lab, 0.0) for lab in data_labels] for d in dists])
    if multi_label:
        truth = np.array([[lab in ys for lab in data_labels] for ys in y_true])
        rep = multilabel_report(truth, probs >= thresholds, data_labels)
        return {k: rep[k] for k in FIGURES}
    idx = {lab: i for i, lab in enumerate(data_labels)}
    yt = np.array([idx[ys[0]] for ys in y_true])
    pred = probs.argmax(axis=1)
    rep = report(yt, pred, data_labels)
    # calibration over the data's labels: probabilities renormalised to the restricted set
    restricted = probs / probs.sum(axis=1, keepdims=True).clip(min=1e-12)
    out: dict[str, Any] = {
        "confidence": restricted.max(axis=1).tolist(),
        "correct": (pred == yt).tolist(),
        "ece": ece(restricted.max(axis=1), pred == yt),
    }
    out.update({k: rep[k] for k in (*FIGURES, "confusion")})
    out["labels"] = data_labels
    return out


def _thresholds(analyzer: Any, names: Sequence[str]) -> np.ndarray:
    config = getattr(analyzer, "config", None)
    given = getattr(config, "thresholds", None) or {}
    if not isinstance(given, Mapping):
        given = dict(zip(getattr(config, "labels", ()), given))
    return np.array([float(given.get(n, 0.5)) for n in names])


def plot_confusion(result: Mapping[str, Any], path: str | Path) -> Path:
    """Save the confusion matrix of a single-label evaluation as a PNG."""
    from affectkit.errors import require

    require("matplotlib", "plot")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cm = np.array(result["confusion"])
    names = result["labels"]
    norm = cm / cm.sum(axis=1, keepdims=True).clip(min=1)
    fig, ax = plt.subplots(figsize=(1.2 + 0.9 * len(names), 1.0 + 0.8 * len(names)), dpi=120)
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i in range(len(names)):
        for j in range(len(names)):
            ax.text(
                j,
                i,
                f"{cm[i, j]}\n{norm[i, j]:.0%}",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if norm[i, j] > 0.5 else "black",
            )
    ax.set_title(
        f"{result['model']}  acc {result['accuracy']:.3f}  macro-F1 {result['macro_f1']:.3f}",
        fontsize=9,
    )
    fig.tight_layout()
    return save_figure(fig, path)
