"""Analyse texts given as arguments or from a file (CSV, JSONL, TXT, Parquet), or recordings.

Examples:
  affectkit analyze "I love this" "这家酒店太差了"
  affectkit analyze --file reviews.csv --text-col review -o results.jsonl
  affectkit analyze --model lexicon-en --json "Not bad at all!"
  affectkit analyze --audio call.wav --plot timeline.png
  affectkit analyze --image class.jpg --annotate faces.png
  affectkit analyze --video lecture.mp4 --fps 2 --plot faces.png
  affectkit analyze --file calls.csv --input-col path --input-kind audio -o calls.jsonl
  affectkit analyze --conversation chats.jsonl --json [--customer-role client]

Every input row gives exactly one output row, in order, with its row id; a row that cannot be
analysed carries an error message instead of being dropped.
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

from affectkit.cli import conversation, json_line, printable
from affectkit.config import Settings
from affectkit.errors import InvalidInputError
from affectkit.inputs import KINDS, Input
from affectkit.records import (
    ReadLimits,
    Record,
    RecordWriter,
    check_output,
    evidence_summary,
    json_row,
    read_records,
)
from affectkit.serving.settings import ServeSettings

HELP = "analyse text from arguments or a file"
CHUNK = 512  # rows analysed per call: bounded memory for files of any size
# the longest text analysed, as the HTTP API's limit (one million characters took minutes)
MAX_TEXT_CHARS = ServeSettings.max_text_chars


def add_input_arguments(p: argparse.ArgumentParser) -> None:
    """What `analyze` and `batch` share: the input column, its kind, the id column, the format."""
    p.add_argument(
        "--text-col",
        "--input-col",
        dest="text_col",
        default="text",
        help="column/field with the input (default: text)",
    )
    p.add_argument(
        "--input-kind",
        choices=KINDS,
        default="text",
        help="what the arguments or the column hold: text (default), or paths to audio, image "
        "or video files (in a file's column: relative to the file's folder)",
    )
    p.add_argument(
        "--id-col", default=None, help="column/field with a row id (default: row number)"
    )
    p.add_argument("--format", choices=("csv", "jsonl", "txt", "parquet"), help="input format")
    add_limit_arguments(p)


def _limit(text: str) -> int | None:
    """A limit flag's value: a positive integer (``1_000_000`` too) or ``none``."""
    if text.lower() == "none":
        return None
    digits = text.replace("_", "")
    if not (digits.isascii() and digits.isdigit() and int(digits) > 0):
        raise argparse.ArgumentTypeError(f"expected a positive integer or 'none', got {text!r}")
    return int(digits)


def add_limit_arguments(p: argparse.ArgumentParser) -> None:
    """What an input file may hold (`affectkit.records.ReadLimits`): past a limit, reading
    stops with an error that names it. 'none' lifts one."""
    d = ReadLimits()
    for flag, dest, what in (
        ("--max-input-bytes", "max_bytes", "bytes, once decompressed"),
        ("--max-rows", "max_rows", "rows (records)"),
        ("--max-line-chars", "max_line_chars", "characters in one line (one CSV record)"),
    ):
        default = getattr(d, dest)
        p.add_argument(
            flag,
            dest=dest,
            type=_limit,
            default=default,
            metavar="N",
            help=f"input file: at most N {what} (default {default:_}; 'none': no limit)",
        )


def limits_from(args: argparse.Namespace) -> ReadLimits:
    return ReadLimits(args.max_bytes, args.max_rows, args.max_line_chars)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("texts", nargs="*", help="texts to analyse")
    p.add_argument("--file", "-f", help="input file: .csv, .jsonl, .txt or .parquet")
    add_input_arguments(p)
    p.add_argument("--model", "-m", default="auto", help="registry name or model folder")
    p.add_argument("--language", "-l", default="auto", help="auto (detect), en or zh")
    p.add_argument("--output", "-o", help="write results to .jsonl, .csv or .parquet")
    p.add_argument("--json", action="store_true", help="JSON Lines on stdout, one per input")
    p.add_argument(
        "--backend",
        choices=("torch", "onnx", "onnx-int8"),
        default=None,
        help="inference backend of transformer models (default: torch)",
    )
    p.add_argument(
        "--explain",
        action="store_true",
        help="token evidence for transformer models (occlusion, slower); lexicons always explain",
    )
    p.add_argument(
        "--max-text-chars",
        type=_limit,
        default=MAX_TEXT_CHARS,
        metavar="N",
        help=f"longest text analysed; a longer one is that row's error (default {MAX_TEXT_CHARS:_}"
        f", as the HTTP API; 'none': no limit)",
    )
    p.add_argument(
        "--audio",
        action="append",
        metavar="FILE",
        help="a recording (WAV, FLAC, OGG, MP3, M4A, or a video's sound): its speech segments "
        "with the voice's emotion, transcript and the words' emotion (repeat for several)",
    )
    p.add_argument(
        "--image",
        action="append",
        metavar="FILE",
        help="a photo (JPEG, PNG, ...): every face, its box and expression (repeat for several)",
    )
    p.add_argument("--annotate", metavar="PNG", help="with --image: draw the faces to this PNG")
    p.add_argument(
        "--video",
        action="append",
        metavar="FILE",
        help="a video (MP4, MOV, MKV, ...): every face followed over time, its expression per "
        "second, and how much it faces the camera (repeat for several)",
    )
    p.add_argument(
        "--fps",
        type=float,
        default=None,
        metavar="N",
        help="with --video: frames looked at per second of video (default 2)",
    )
    p.add_argument(
        "--max-video-seconds",
        type=float,
        default=None,
        metavar="S",
        help="longest video analysed, in seconds (default: 4 hours)",
    )
    p.add_argument(
        "--max-audio-seconds",
        type=float,
        default=None,
        metavar="S",
        help="longest recording analysed, in seconds (default: 4 hours)",
    )
    p.add_argument(
        "--speakers",
        type=int,
        default=None,
        metavar="N",
        help="with --audio: how many people speak (a two-speaker call: 2); segments are "
        "labelled S1..SN (default 1: not told apart)",
    )
    p.add_argument(
        "--plot", metavar="PNG", help="with --audio or --video: draw the timeline to this PNG"
    )
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    conversation.add_arguments(p)


def _record(i: int, value: str, kind: str) -> Record:
    if kind == "text":
        return Record(str(i), value)
    if not Path(value).is_file():
        return Record(str(i), None, f"{kind} file {value!r} not found")
    return Record(str(i), Input.from_path(value, kind))


def _capped(records: Iterator[Record], limit: int | None) -> Iterator[Record]:
    """Texts longer than `limit` characters become their row's error."""
    for rec in records:
        text = rec.value if isinstance(rec.value, str) else None
        if limit is not None and text is not None and len(text) > limit:
            rec = Record(
                rec.id,
                None,
                f"the text has {len(text):,} characters, more than the {limit:,} analysed; "
                f"split it, or raise the limit with --max-text-chars",
                rec.extra,
            )
        yield rec


def run(args: argparse.Namespace) -> int:
    if args.conversation:
        return conversation.run(args, model_options_from(args), limits_from(args))
    if args.customer_role:
        raise InvalidInputError("--customer-role goes with --conversation FILE.")
    media = [k for k in ("audio", "image", "video") if getattr(args, k)]
    if len(media) > 1 or (media and (args.texts or args.file)):
        raise InvalidInputError(
            "Give --audio files, --image files, --video files, texts or --file: one of them."
        )
    if media:
        args.texts, args.input_kind = getattr(args, media[0]), media[0]
    if args.plot and args.input_kind not in ("audio", "video"):
        raise InvalidInputError("--plot draws the timeline of an --audio or --video file.")
    if args.fps is not None and args.input_kind != "video":
        raise InvalidInputError("--fps sets how many frames of a --video are looked at.")
    if args.annotate and not args.image:
        raise InvalidInputError("--annotate draws the faces of an --image.")
    if args.texts and args.file:
        raise InvalidInputError("Give texts as arguments or --file, not both.")
    if args.output:
        check_output(args.output, args.file)
    if args.file:
        records = read_records(
            args.file, args.text_col, args.id_col, args.format, args.input_kind,
            limits_from(args),
        )  # fmt: skip
        source = args.file
    elif args.texts:
        records = (_record(i, t, args.input_kind) for i, t in enumerate(args.texts, start=1))
        source = None
    else:
        raise InvalidInputError("Nothing to analyse: give texts as arguments or --file FILE.")
    records = _capped(records, args.max_text_chars)

    progress = None
    if source and not args.quiet:
        from tqdm import tqdm

        progress = tqdm(desc="analysing", unit=" rows", file=sys.stderr, dynamic_ncols=True)
    writer = RecordWriter(args.output).__enter__() if args.output else None
    n = n_err = 0
    try:
        while chunk := list(itertools.islice(records, CHUNK)):
            results = _analyze_chunk(chunk, args)
            n += len(chunk)
            n_err += sum(1 for r, res in zip(chunk, results) if r.error or "error" in res.flags)
            if args.plot:
                _plot(chunk, results, args.plot)
            if args.annotate:
                _annotate(chunk, results, args.annotate)
            if writer is not None:
                writer.write(chunk, results)
            elif args.json:
                for rec, res in zip(chunk, results):
                    print(json_line(json_row(rec, res)))
            else:
                _print_table(chunk, results)
            if progress is not None:
                progress.update(len(chunk))
    finally:
        if progress is not None:
            progress.close()
        if writer is not None:
            writer.__exit__(None, None, None)
    if writer is not None:
        print(f"wrote {n} rows to {printable(args.output)} ({n_err} with errors)", file=sys.stderr)
    elif n_err:
        print(f"{n_err} of {n} rows had errors", file=sys.stderr)
    return 0


def _analyze_chunk(chunk: list[Record], args: argparse.Namespace):
    from affectkit.batch import analyze_records

    return analyze_records(
        chunk,
        model=args.model,
        language=args.language,
        model_options=model_options_from(args),
        explain=args.explain,
    )


def model_options_from(args: argparse.Namespace) -> dict:
    """Loader options for transformer models, from the environment (AFFECTKIT_HOME, _THREADS)
    and --backend; rule-based analyzers ignore them."""
    settings = Settings.from_env()
    opts = {"cache_dir": settings.cache_dir, "threads": settings.threads}
    for name in ("max_audio_seconds", "speakers", "max_video_seconds", "fps"):
        if getattr(args, name, None) is not None:
            opts[name] = getattr(args, name)
    backend = getattr(args, "backend", None)  # `evaluate` has no --backend
    if backend:
        opts["backend"] = "onnx" if backend.startswith("onnx") else backend
        opts["quantize"] = backend == "onnx-int8"
    return opts


def _print_table(chunk, results) -> None:
    """A few lines per row for a person; whatever came from the input is `printable`."""
    width = shutil.get_terminal_size((120, 20)).columns
    for rec, res in zip(chunk, results):
        rid = printable(rec.id)
        if rec.error or "error" in res.flags:
            print(f"{rid:>4}  ERROR  {printable(str(rec.error or res.raw.get('error')))}")
            continue
        conf = f"{res.confidence:.2f}"
        score = "" if res.score is None else f"score {res.score:+.2f}"
        emo = ""
        if res.emotions:
            top = max(res.emotions, key=res.emotions.get)
            if top != "neutral":
                emo = f"emotion {top} {res.emotions[top]:.2f}"
        flags = ",".join(f for f in res.flags if f != "uncertain")
        line = f"{rid:>4}  {res.language or '-':<3} {res.label:<11} {conf:<5} {score:<12} {emo}"
        print(line.rstrip() + (f"  [{flags}]" if flags else ""))
        text = (rec.reference or "").replace("\n", " ")
        limit = max(20, width - 8)
        print(f"      {printable(text[:limit])}{'…' if len(text) > limit else ''}")
        ev = evidence_summary(res)
        if ev and not res.parts:
            print(f"      evidence: {printable(ev)}")
        for part in res.parts:
            print("      " + printable(segment_line(part)))


def segment_line(part) -> str:
    """One line per part: a face's box and expression, or a recording's segment (span,
    speaker, voice, words and their reading)."""
    if part.parts and part.raw.get("face"):  # a face of a video: its summary
        e = part.raw.get("engagement") or {}
        score = e.get("score")
        facing = "" if score is None else f"  facing the camera {score:.2f}"
        return (f"{part.raw['face']:<4} {part.span.start:6.0f}-{part.span.end:<6.0f}s "
                f"{part.label:<8} {part.confidence:.2f}  seen {part.raw.get('seconds_seen')} s"
                f"{facing}")  # fmt: skip
    if part.box is not None:
        b = part.box
        return (f"face at {b.x:.0f},{b.y:.0f} {b.width:.0f}x{b.height:.0f}  "
                f"{part.label:<8} {part.confidence:.2f}")  # fmt: skip
    span = f"{part.span.start:7.2f}-{part.span.end:<7.2f}s" if part.span else ""
    if part.modality == "fused":  # a window of a fused timeline: the judgement, then each channel
        mods = part.raw.get("modalities", {})
        each = "  ".join(f"{m} {v['label']} {v['confidence']:.2f}" for m, v in mods.items()
                         if "label" in v)  # fmt: skip
        mark = "  [disagree]" if "disagree" in part.flags else ""
        return f"{span} {part.label:<8} {part.confidence:.2f}  |  {each}{mark}"
    speaker = part.raw.get("speaker", "")
    line = f"{span} {speaker:<3} voice {part.label:<8} {part.confidence:.2f}"
    text = part.raw.get("text")
    if text:
        line += f"  words {text['label']:<8} {text['confidence']:.2f}"
    said = part.raw.get("transcript")
    if said:
        line += f'  "{said}"'
    return line


def _annotate(chunk, results, path: str) -> None:
    from affectkit.plots import annotate_faces
    from affectkit.vision.image import load

    shown = [(rec, res) for rec, res in zip(chunk, results) if res.parts and rec.value is not None]
    if not shown:
        print("nothing to draw: no face was found", file=sys.stderr)
        return
    rec, res = shown[0]
    out = annotate_faces(load(rec.value), res, path)
    print(f"wrote the faces to {printable(str(out))}", file=sys.stderr)


def _plot(chunk, results, path: str) -> None:
    from affectkit.plots import timeline_plot

    timed = [(rec, res) for rec, res in zip(chunk, results) if res.parts]
    if not timed:
        print("nothing to plot: no speech or face was found", file=sys.stderr)
        return
    rec, res = timed[0]
    out = timeline_plot(res, path, title=Path(rec.reference or "").name)
    print(f"wrote the timeline to {printable(str(out))}", file=sys.stderr)
