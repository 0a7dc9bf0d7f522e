"""Training data: read labelled files, map labels, split stratified, report what was left out.

Nothing is dropped silently: rows with an empty text, a missing label, or a label the run leaves
out are counted in `Dataset.skipped` and printed in the run summary and the model card.
"""

from __future__ import annotations

import itertools
import json
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from affectkit.errors import DataFormatError, InvalidInputError
from affectkit.records import ReadLimits, bad_text, check_input_file, csv_rows, numbered_lines
from affectkit.records.limits import over
from affectkit.records.textfile import count_row
from affectkit.text.preprocess import decode_escapes


def source_name(path: str | Path) -> str:
    """How a training file is named in `Example.source` and in reports: its folder and file
    (sst2/train.csv), since file names repeat across datasets."""
    return "/".join(Path(path).parts[-2:])


@dataclass
class Example:
    text: str
    labels: tuple[str, ...]  # one label for single-label tasks
    source: str  # folder/file name (sst2/train.csv), for per-source reporting


@dataclass
class Dataset:
    examples: list[Example]
    skipped: Counter = field(default_factory=Counter)  # reason -> count


def _rows(path: Path, limits: ReadLimits | None = None) -> Iterator[dict | None]:
    """The rows of a training file as dicts; None for a CSV row that cannot be read (bad
    quoting, a wrong number of fields), which the caller counts. Read within `limits`
    (default `ReadLimits()`), as every input file is."""
    limits = limits or ReadLimits()
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".csv") or name.endswith(".tsv"):
        header, rows = csv_rows(path, limits)
        for row in rows:
            yield None if row.error else dict(zip(header, row.fields, strict=True))
    elif name.endswith((".jsonl", ".json", ".ndjson")):
        rows = 0
        for n, line in numbered_lines(path, limits):  # bounded: a huge line is a clear error
            if line.strip():
                rows += 1
                count_row(path, limits, rows, n)
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DataFormatError(
                        f"{path.name} line {n} is not valid JSON ({exc.msg})."
                    ) from None
    elif name.endswith(".parquet"):
        import pyarrow.parquet as pq

        rows = pq.ParquetFile(path).metadata.num_rows
        if limits.max_rows is not None and rows > limits.max_rows:
            raise over(path, "max_rows", limits.max_rows, f"its metadata ({rows:,} rows)")
        yield from pq.read_table(path).to_pylist()
    else:
        raise DataFormatError(
            f"{path.name}: expected .csv, .tsv, .jsonl or .parquet (optionally .gz)."
        )


def read_file(
    path: str | Path,
    text_col: str,
    label_col: str,
    *,
    multi_label: bool,
    label_map: dict[str, str],
    drop_labels: Sequence[str] = (),
    limits: ReadLimits | None = None,
) -> Dataset:
    """The labelled examples of a training file (CSV/TSV, JSONL or Parquet, gzip allowed), read
    within `limits` (default `ReadLimits()`); rows that cannot be used are counted in
    `Dataset.skipped` by reason."""
    path = check_input_file(path, "Training file")
    out = Dataset([])
    drop = set(drop_labels)
    n = 0
    for row in _rows(path, limits):
        if row is None:
            out.skipped["unreadable row (quoting or number of fields)"] += 1
            continue
        n += 1
        if n == 1:
            missing = [c for c in (text_col, label_col) if c not in row]
            if missing:
                raise DataFormatError(
                    f"{path.name} has no column {missing[0]!r}; its columns are {list(row)}. "
                    f"Set text_col/label_col (--text-col/--label-col)."
                )
        text, raw = row.get(text_col), row.get(label_col)
        if not isinstance(text, str) or not text.strip():
            out.skipped["empty text"] += 1
            continue
        if bad_text(text) or (isinstance(raw, str) and bad_text(raw)):
            out.skipped["not valid UTF-8"] += 1
            continue
        if raw is None or (isinstance(raw, float) and raw != raw) or str(raw).strip() == "":
            out.skipped["missing label"] += 1
            continue
        names = [s.strip() for s in str(raw).split(",")] if multi_label else [str(raw).strip()]
        if not multi_label and names[0] not in label_map and "," in names[0]:
            parts = [s.strip() for s in names[0].split(",")]
            if any(s in label_map for s in parts):  # a multi-label column folded into a class
                mapped = list(dict.fromkeys(label_map.get(s, s) for s in parts))
                if len(set(mapped) - drop) > 1:
                    out.skipped["labels map to different classes"] += 1
                    continue
                names = [m for m in mapped if m not in drop] or mapped
        names = [label_map.get(s, s) for s in names]
        kept = tuple(dict.fromkeys(s for s in names if s not in drop))
        if len(kept) < len(names):
            for s in set(names) & drop:
                out.skipped[f"label {s!r} left out"] += 1
            if not kept or not multi_label:
                continue
        # as `clean_text` reads it at inference (tweet dumps: "don\u2019t")
        out.examples.append(Example(decode_escapes(text), kept, source_name(path)))
    if not out.examples:
        raise DataFormatError(
            f"{path.name}: no usable rows ({dict(out.skipped) or 'file is empty'})."
        )
    return out


def subsample(examples: list[Example], n: int, seed: int) -> list[Example]:
    """A stratified subsample of about n examples (by first label; every label keeps at least
    one example, so a file with more labels than n keeps one of each)."""
    if n >= len(examples):
        return examples
    train, _ = stratified_split(examples, 1 - n / len(examples), seed)
    return train


def per_label(examples: Sequence[Example], n: int, seed: int) -> list[Example]:
    """At most n examples of each (first) label, drawn at random with `seed`."""
    rng = random.Random(seed)
    by_label: dict[str, list[Example]] = {}
    for ex in examples:
        by_label.setdefault(ex.labels[0], []).append(ex)
    out = []
    for label in sorted(by_label):
        group = by_label[label][:]
        rng.shuffle(group)
        out += group[:n]
    rng.shuffle(out)
    return out


def _hold_out(items: list, ratio: float, rng: random.Random) -> tuple[list, list]:
    """(held, rest): a shuffled copy of `items` cut at `ratio` (at least one on each side when
    there are two or more)."""
    group = items[:]
    rng.shuffle(group)
    k = round(len(group) * ratio)
    if len(group) >= 2:
        k = min(max(k, 1), len(group) - 1)
    return group[:k], group[k:]


def stratified_split(
    examples: Sequence[Example], ratio: float, seed: int
) -> tuple[list[Example], list[Example]]:
    """(rest, held_out): `ratio` of each label's examples held out, seeded."""
    by_label: dict[str, list[Example]] = {}
    for ex in examples:
        by_label.setdefault(ex.labels[0], []).append(ex)
    rng = random.Random(seed)
    rest, held = [], []
    for label in sorted(by_label):
        h, r = _hold_out(by_label[label], ratio, rng)
        held += h
        rest += r
    rng.shuffle(rest)
    rng.shuffle(held)
    return rest, held


def _keys(words: list[str]) -> set[str]:
    """Index keys of a word sequence: its adjacent word pairs ("a b"), or its one word."""
    if len(words) == 1:
        return {words[0]}
    return {f"{a} {b}" for a, b in itertools.pairwise(words)}


class _Holders:
    """Normalised texts indexed by word and by adjacent word pair, to find the ones a phrase
    occurs in word for word."""

    def __init__(self) -> None:
        self._padded: list[str] = []
        self._index: dict[str, list[int]] = {}  # key -> ids of the texts holding it

    def add(self, text: str) -> None:
        words = text.split()
        for key in set(words) | _keys(words):
            self._index.setdefault(key, []).append(len(self._padded))
        self._padded.append(f" {text} ")

    def text(self, i: int) -> str:
        return self._padded[i][1:-1]

    def find(self, text: str, limit: int) -> list[int]:
        """Ids of up to `limit` texts holding `text` (none for an empty one). Only the texts
        holding its rarest word pair (its word, for one word) are compared: a text holding the
        phrase holds each of its pairs."""
        words = text.split()
        if not words:
            return []
        needle = f" {text} "
        rarest = min(_keys(words), key=lambda k: len(self._index.get(k, ())))
        found = []
        for i in self._index.get(rarest, ()):
            if needle in self._padded[i]:
                found.append(i)
                if len(found) == limit:
                    break
        return found


def nested_groups(examples: Sequence[Example]) -> list[str | None]:
    """Per example, the group a split must keep together: the lower-cased, whitespace-collapsed
    text of the one longest text it occurs inside, word for word (itself when no longer text
    holds it), or None when it occurs inside several (a common phrase: no group owns it).

    A treebank's phrases (SST-2's training file is every phrase of every sentence's parse tree)
    or quoted replies form such trees; splitting their rows at random puts pieces of a training
    sentence into validation. Texts are visited longest first, so every text that could hold
    one is already placed, and only "root" texts (inside no other) need checking.
    """
    norms = [_norm(ex.text) for ex in examples]
    roots = _Holders()
    owner: dict[str, str | None] = {}
    for text in sorted(set(norms), key=lambda t: (-len(t.split()), t)):
        found = roots.find(text, limit=2)
        if not found:
            roots.add(text)
            owner[text] = text
        else:
            owner[text] = roots.text(found[0]) if len(found) == 1 else None
    return [owner[t] for t in norms]


def grouped_split(
    examples: Sequence[Example], ratio: float, seed: int
) -> tuple[list[Example], list[Example], int]:
    """(rest, held_out, shared): like `stratified_split`, but over `nested_groups`: each group
    goes whole to one side, `ratio` of the groups of each label (their longest text's) held
    out, seeded. Texts inside several longer texts stay in `rest`; `shared` counts them."""
    keys = nested_groups(examples)
    members: dict[str, list[Example]] = {}
    label_of: dict[str, str] = {}
    rest: list[Example] = []
    for ex, key in zip(examples, keys, strict=True):
        if key is None:
            rest.append(ex)
            continue
        members.setdefault(key, []).append(ex)
        if key not in label_of or _norm(ex.text) == key:  # the root's own label when present
            label_of[key] = ex.labels[0]
    shared = len(rest)
    by_label: dict[str, list[str]] = {}
    for key in members:  # insertion order: the data's order, so the split is reproducible
        by_label.setdefault(label_of[key], []).append(key)
    rng = random.Random(seed)
    held = []
    for label in sorted(by_label):
        h, r = _hold_out(by_label[label], ratio, rng)
        held += [ex for key in h for ex in members[key]]
        rest += [ex for key in r for ex in members[key]]
    rng.shuffle(rest)
    rng.shuffle(held)
    return rest, held, shared


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def drop_seen(held: Sequence[Example], train: Sequence[Example]) -> tuple[list[Example], int]:
    """`held` without the examples whose text (lower-cased, whitespace-collapsed) is also in
    `train`, and how many were dropped.

    Training mixes overlap (SST-2's phrases include most SST-5 sentences; hotel reviews recur
    across Chinese corpora), so a random split leaves copies of training texts in validation,
    which inflates the early-stopping metric and makes temperature scaling fit an overconfident
    model too gently. The training side keeps every row.
    """
    seen = {_norm(ex.text) for ex in train}
    kept = [ex for ex in held if _norm(ex.text) not in seen]
    return kept, len(held) - len(kept)


def drop_contained(held: Sequence[Example], train: Sequence[Example]) -> tuple[list[Example], int]:
    """`held` without the examples whose words occur, in order and contiguously, inside a
    `train` text (both lower-cased, whitespace-collapsed), and how many were dropped.

    SST-2's training file is the phrases of each sentence's parse tree, so a random validation
    phrase is almost always a piece of a training phrase with the same label (4,808 of the
    7,837 validation rows of text-sentiment-en@1, as `affectkit train` now reports): the model
    has read it, labelled, and such rows make the validation split look more accurate, and a
    temperature fitted on it sharper, than the model is on new text. Whole words only
    (" good " is not inside " goodness "); text without spaces (Chinese) is one word, so for it
    this is the exact rule.
    """
    holders = _Holders()
    for ex in train:
        holders.add(_norm(ex.text))
    kept = [ex for ex in held if not holders.find(_norm(ex.text), limit=1)]
    return kept, len(held) - len(kept)


def label_set(examples: Sequence[Example], given: Sequence[str] | None) -> list[str]:
    found = sorted({label for ex in examples for label in ex.labels})
    if given is None:
        if len(found) < 2:
            raise InvalidInputError(
                f"Training needs at least two labels; the data has only {found}. Check label_col "
                f"or add examples of the other classes."
            )
        return found
    unknown = sorted(set(found) - set(given))
    if unknown:
        raise InvalidInputError(
            f"The data has labels not in `labels` {list(given)}: {unknown}. Add them, map them "
            f"with label_map, or leave them out with drop_labels."
        )
    return list(given)
