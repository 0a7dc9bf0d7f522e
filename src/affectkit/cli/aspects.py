"""The aspects a text talks about and the sentiment towards each (`affectkit.aspects`), with the
words that carried it; English and Chinese.

Input: texts as arguments, or --file: JSON Lines, one ``{"id", "text"}`` a line (with
--given-aspects also ``"aspects": [{"term", "from", "to"}]``, the spans to classify instead of
extracting), or a plain .txt file, one text a line (its id: the line number).

Output, in the input's order: a table for a person, or with --json (or -o FILE.jsonl) one
JSON object per text, ``{"id", "text", "language", "aspects": [{"term", "from", "to",
"polarity", "confidence", "scores", "evidence"}], "model"}``; with --given-aspects the aspects
are the given ones, in the given order. A line that cannot be analysed (not JSON, no text, a
text too long, a given aspect that is not at its span) is reported on stderr with its line
number and gives ``{"id", "error"}`` in the JSON; the other lines are analysed, and the exit
status is 1.

Examples:
  affectkit aspects "The battery is great but the screen scratches easily."
  affectkit aspects "这家店的菜很好吃，就是服务太慢了。"
  affectkit aspects --file sentences.jsonl --json
  affectkit aspects --file labelled.jsonl --given-aspects -o aspects.jsonl
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from affectkit.aspects.types import MAX_TEXT_CHARS, check_terms
from affectkit.cli import json_line, printable
from affectkit.errors import InvalidInputError

HELP = "aspects of a text and the sentiment towards each, with evidence words"
DEFAULT_MODEL = "aspect-sentiment"
CHUNK = 256  # texts per call: bounded memory for files of any size


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("texts", nargs="*", help="texts to analyse")
    p.add_argument(
        "--file",
        "-f",
        metavar="FILE",
        help='JSON Lines, one {"id", "text"} a line, or .txt, one text a line',
    )
    p.add_argument(
        "--given-aspects",
        action="store_true",
        help='with a JSON Lines --file: classify each line\'s own "aspects" '
        '([{"term", "from", "to"}]) instead of extracting them; the output keeps their order',
    )
    p.add_argument("--model", "-m", default=DEFAULT_MODEL, help="registry name or model folder")
    p.add_argument("--batch-size", type=int, default=32, metavar="N", help="texts per forward pass")
    p.add_argument("--no-evidence", action="store_true", help="no evidence words (faster)")
    p.add_argument("--json", action="store_true", help="JSON Lines on stdout, one per text")
    p.add_argument("--output", "-o", metavar="FILE", help="write JSON Lines to FILE.jsonl")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


@dataclass(frozen=True)
class Line:
    """One input text, or why it cannot be analysed (`error`); `where` names it in messages."""

    id: Any
    where: str
    text: str | None = None
    given: list[tuple[int, int]] | None = None
    error: str | None = None


def run(args: argparse.Namespace) -> int:
    if args.batch_size < 1:
        raise InvalidInputError(f"--batch-size must be a positive integer. Got {args.batch_size}.")
    if args.texts and args.file:
        raise InvalidInputError("Give texts as arguments or --file, not both.")
    if args.given_aspects and not (args.file and not _is_txt(args.file)):
        raise InvalidInputError(
            "--given-aspects reads each line's aspects from a JSON Lines --file "
            '({"id", "text", "aspects": [{"term", "from", "to"}]}).'
        )
    if args.output:
        from affectkit.records import check_output

        check_output(args.output, args.file)
        if not args.output.endswith(".jsonl"):
            raise InvalidInputError(f"--output writes JSON Lines: FILE.jsonl. Got {args.output!r}.")
    if args.file:
        lines = read_lines(args.file, given=args.given_aspects)
    elif args.texts:
        lines = (_checked(i, f"text {i}", t) for i, t in enumerate(args.texts, start=1))
    else:
        raise InvalidInputError("Nothing to analyse: give texts as arguments or --file FILE.")

    out = _open(args.output) if args.output else None
    progress = None
    if args.file and not args.quiet:
        from tqdm import tqdm

        progress = tqdm(desc="analysing", unit=" texts", file=sys.stderr, dynamic_ncols=True)
    n = n_bad = 0
    try:
        while chunk := list(itertools.islice(lines, CHUNK)):
            for line, row in zip(chunk, _analyze(chunk, args), strict=True):
                n += 1
                if line.error is not None:
                    n_bad += 1
                    print(f"affectkit aspects: {printable(line.error)}", file=sys.stderr)
                if out is not None:
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
                elif args.json:
                    print(json_line(row))
                else:
                    _print(row)
            if progress is not None:
                progress.update(len(chunk))
    finally:
        if progress is not None:
            progress.close()
        if out is not None:
            out.close()
    if out is not None:
        print(f"wrote {n} texts to {printable(args.output)} ({n_bad} with errors)", file=sys.stderr)
    elif n_bad:
        print(f"{n_bad} of {n} texts could not be analysed", file=sys.stderr)
    return 1 if n_bad else 0


def _analyze(chunk: list[Line], args: argparse.Namespace) -> list[dict]:
    """The chunk's output rows, in order: the analysis of each good line, ``{"id", "error"}``
    for the others."""
    from affectkit.aspects import analyze_aspects

    good = [line for line in chunk if line.error is None]
    results = iter(())
    if good:
        results = iter(
            analyze_aspects(
                [line.text for line in good],
                given=[line.given for line in good] if args.given_aspects else None,
                model=args.model,
                evidence=not args.no_evidence,
                batch_size=args.batch_size,
            )
        )
    rows = []
    for line in chunk:
        if line.error is not None:
            rows.append({"id": line.id, "error": line.error})
        else:
            rows.append(replace(next(results), id=line.id).to_dict())
    return rows


def _open(path: str):
    from affectkit.records.paths import cannot_write

    try:
        return open(path, "w", encoding="utf-8")
    except OSError as exc:
        raise cannot_write(path, exc) from None


def _is_txt(path: str) -> bool:
    return Path(path).suffix.lower() == ".txt"


# -- reading ------------------------------------------------------------------------------------


def read_lines(path: str, given: bool = False) -> Iterator[Line]:
    """The file's texts, one `Line` per non-blank line, read one at a time: a .txt file's lines
    as they are (ids: line numbers), a JSON Lines file's ``{"id", "text"}`` objects (and their
    ``aspects`` with `given`)."""
    try:
        f = open(path, "rb")
    except OSError as exc:
        raise InvalidInputError(
            f"Cannot read {path!r}: {exc.strerror or exc}. Give a JSON Lines or .txt file."
        ) from None
    return _lines(f, _is_txt(path), given)  # opened now: a missing file fails before any output


def _lines(f, txt: bool, given: bool) -> Iterator[Line]:
    with f:
        for number, raw in enumerate(f, start=1):
            where = f"line {number}"
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                yield Line(
                    number, where, error=f"{where} is not UTF-8 text; save the file as UTF-8"
                )
                continue
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            yield _checked(number, where, line) if txt else _json_line(number, line, given)


def _json_line(number: int, line: str, given: bool) -> Line:
    where = f"line {number}"
    try:
        obj = json.loads(line)
    except ValueError as exc:
        return Line(number, where, error=f'{where} is not JSON ({exc}); expected {{"id", "text"}}')
    if not isinstance(obj, dict):
        return Line(number, where, error=f'{where} is not a JSON object; expected {{"id", "text"}}')
    rid = obj.get("id", number)
    if not isinstance(rid, (str, int)) or isinstance(rid, bool):
        return Line(number, where, error=f"{where}: the id must be a string or an integer")
    line_ = _checked(rid, where, obj.get("text"))
    if line_.error is not None or not given:
        return line_
    spans = given_spans(line_.text or "", obj.get("aspects"))
    if isinstance(spans, str):
        return replace(line_, error=f"{where}: {spans}")
    return replace(line_, given=spans)


def _checked(rid: Any, where: str, text: Any) -> Line:
    """A text that can be analysed, or the line's error: none, not a string, empty, too long."""
    if text is None:
        return Line(rid, where, error=f'{where} has no "text"')
    if not isinstance(text, str):
        return Line(
            rid, where, error=f'{where}: "text" must be a string, got {type(text).__name__}'
        )
    if not text.strip():
        return Line(rid, where, error=f"{where}: the text is empty")
    if len(text) > MAX_TEXT_CHARS:
        return Line(
            rid,
            where,
            error=f"{where}: the text has {len(text):,} characters, more than the "
            f"{MAX_TEXT_CHARS:,} analysed; split it into sentences or paragraphs",
        )
    return Line(rid, where, text=text)


def given_spans(text: str, aspects: Any) -> list[tuple[int, int]] | str:
    """The (from, to) spans of a line's given aspects, in their order, or what is wrong with
    them (`affectkit.aspects.types.check_terms`)."""
    if aspects is None:
        return 'no "aspects" list; with --given-aspects each line gives [{"term", "from", "to"}]'
    try:
        return check_terms(text, aspects)
    except InvalidInputError as exc:
        return str(exc)


# -- the table ----------------------------------------------------------------------------------


def _print(row: dict) -> None:
    rid = printable(str(row.get("id")))
    if "error" in row:
        print(f"{rid}  ERROR  {printable(row['error'])}")
        return
    text = row["text"].replace("\n", " ")
    more = "…" if len(text) > 100 else ""
    print(f"{rid}  {row.get('language') or '-'}  {printable(text[:100])}{more}")
    if not row["aspects"]:
        print("      (no aspects)")
        return
    terms = [printable(a["term"])[:30] for a in row["aspects"]]
    width = max(4, *(_width(t) for t in terms))
    print(f"      {_pad('term', width)}  {'span':<9} {'polarity':<8} {'conf':>5}  evidence")
    for term, a in zip(terms, row["aspects"]):
        span = f"{a['from']}-{a['to']}"
        words = ", ".join(printable(e["word"]) for e in a.get("evidence", []))
        print(f"      {_pad(term, width)}  {span:<9} {a['polarity']:<8} {a['confidence']:>5.2f}  "
              f"{words or '-'}")  # fmt: skip


def _width(s: str) -> int:
    """Columns `s` takes in a terminal: CJK characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _pad(s: str, width: int) -> str:
    return s + " " * max(0, width - _width(s))
