"""Mood trends from a journal: per person, daily valence and emotion mix, a personal baseline,
and a notice when mood stays below it for days (docs/mood.md).

Reads a CSV or JSON Lines file with a date and a text per entry (and optionally a person),
analyses each entry with the default analyzer of its language (or --model), keeps the entries
in the local store (the same --data-dir/--db as `affectkit serve`; re-reading a file stores
nothing twice) and prints per person: days, mean valence, baseline and notices. Rows that
cannot be used (a bad date, no text) are reported on stderr, one line each; the rest are used.
Nothing leaves this machine.

Examples:
  affectkit mood journal.csv --time-col date
  affectkit mood messages.jsonl --time-col time --person-col who --json
  affectkit mood journal.csv --time-col date --plot mood.png
  affectkit mood                                # everyone already stored
  affectkit mood --delete-person ana            # every stored entry of ana, gone
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from affectkit.cli import json_line, printable

HELP = "mood trends from journal entries: daily valence, a personal baseline, notices"
BATCH = 256  # entries analysed and stored together


def add_arguments(p: argparse.ArgumentParser) -> None:
    from affectkit.cli.serve import add_db_argument
    from affectkit.mood.trends import MoodSettings

    d = MoodSettings()
    p.add_argument("file", nargs="?", help="a CSV or JSON Lines journal (none: show the store)")
    p.add_argument("--time-col", help="the column with each entry's date (needed with a file)")
    p.add_argument("--text-col", default="text", help="the column with the text (default: text)")
    p.add_argument("--person-col", help="the column naming the person (default: one person, me)")
    p.add_argument("--id-col", help="the column with each entry's id (default: made from it)")
    p.add_argument("--model", default="auto", help="a model for every entry (default: by language)")
    p.add_argument("--json", action="store_true", help="one JSON object per person on stdout")
    p.add_argument("--plot", metavar="PNG", help="draw the trends to this PNG file")
    p.add_argument("--delete-person", metavar="NAME", help="delete every stored entry of NAME")
    p.add_argument("--data-dir", default="data", help="the service's data folder")
    add_db_argument(p)
    g = p.add_argument_group("trend settings (docs/mood.md)")
    g.add_argument(
        "--window-days",
        type=int,
        default=d.window_days,
        help=f"the baseline's trailing days (default {d.window_days})",
    )
    g.add_argument(
        "--min-history-days",
        type=int,
        default=d.min_history_days,
        help=f"days with entries before a baseline exists (default {d.min_history_days})",
    )
    g.add_argument(
        "--k",
        type=float,
        default=d.k,
        help=f"spreads below the median that count as low (default {d.k})",
    )
    g.add_argument(
        "--min-spread",
        type=float,
        default=d.min_spread,
        help=f"the smallest spread used (default {d.min_spread})",
    )
    g.add_argument(
        "--consecutive-days",
        type=int,
        default=d.consecutive_days,
        help=f"low days in a row before a notice (default {d.consecutive_days})",
    )
    g.add_argument(
        "--max-gap-days",
        type=int,
        default=d.max_gap_days,
        help=f"days without entries a run may skip (default {d.max_gap_days})",
    )


def run(args: argparse.Namespace) -> int:
    from affectkit.cli.serve import db_url_from
    from affectkit.errors import InvalidInputError, require
    from affectkit.serving.settings import ServeSettings

    require("sqlalchemy", "serve")
    from affectkit.mood import MoodSettings, MoodTracker, read_journal
    from affectkit.mood.wording import ABOUT
    from affectkit.storage import Store

    settings = MoodSettings(
        window_days=args.window_days, min_history_days=args.min_history_days, k=args.k,
        min_spread=args.min_spread, consecutive_days=args.consecutive_days,
        max_gap_days=args.max_gap_days,
    )  # fmt: skip
    if args.delete_person is not None and args.file:
        raise InvalidInputError("Give a journal file or --delete-person, not both.")
    if args.file and not args.time_col:
        raise InvalidInputError("Name the column with each entry's date: --time-col COLUMN.")
    entries = None
    if args.file:  # read (and check its columns) before the store is opened
        entries = read_journal(args.file, args.time_col, args.text_col, args.person_col,
                               args.id_col)  # fmt: skip
    store = Store(ServeSettings(data_dir=Path(args.data_dir), db_url=db_url_from(args)).database)
    try:
        tracker = MoodTracker(store, model=args.model, settings=settings)
        if args.delete_person is not None:
            n = tracker.delete(args.delete_person)
            print(printable(f"deleted {n} entries of {args.delete_person}"), file=sys.stderr)
            return 0
        names = None
        if entries is not None:
            names = _add(tracker, entries)
        people = [tracker.person(n) for n in names] if names is not None else [
            tracker.person(p["person"]) for p in store.mood.people()
        ]  # fmt: skip
        people = [p for p in people if p is not None]
    finally:
        store.close()
    if args.plot:
        from affectkit.mood.plot import mood_plot

        mood_plot(people, args.plot)
        print(f"plot written to {args.plot}", file=sys.stderr)
    if args.json:
        for p in people:
            print(json_line(p))
        return 0
    _table(people)
    notices = [n for p in people for n in p["notice_list"]]
    if notices:
        print()
        for n in notices:
            print(printable(f"{n['person']}, {n['start']} to {n['end']}: {n['message']}"))
    print()
    print(ABOUT)
    return 0


def _add(tracker, entries) -> list[str]:
    """Analyse and store the journal's entries in batches; report the rows left out."""
    totals = {"stored": 0, "duplicate": 0, "rejected": 0}
    names: dict[str, None] = {}
    batch = []

    def flush() -> None:
        done = tracker.add(batch)
        for e in done.entries:
            totals[e["status"]] += 1
            if e["status"] == "rejected":
                print(printable(f"entry {e['id']}: left out: {e['reason']}"), file=sys.stderr)
        batch.clear()

    for item in entries:
        if isinstance(item, str):
            totals["rejected"] += 1
            print(printable(f"{item}; left out"), file=sys.stderr)
            continue
        names[item.person] = None
        batch.append(item)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    print(
        f"{totals['stored']} entries stored, {totals['duplicate']} already stored, "
        f"{totals['rejected']} left out",
        file=sys.stderr,
    )
    if not names:
        from affectkit.errors import DataFormatError

        raise DataFormatError("No entry of the journal could be used (see the lines above).")
    return list(names)


def _table(people: list[dict]) -> None:
    head = (
        f"{'person':<20} {'days':>5} {'entries':>7} {'mean valence':>12} {'baseline':>14} notices"
    )
    print(head)
    for p in people:
        base = "-" if p["baseline"] is None else f"{p['baseline']:+.2f} ±{p['spread']:.2f}"
        mean = "-" if p["mean_valence"] is None else f"{p['mean_valence']:+.2f}"
        last = f" (last {p['last_notice']})" if p["last_notice"] else ""
        name = printable(p["person"])[:20]
        print(f"{name:<20} {p['days']:>5} {p['entries']:>7} {mean:>12} {base:>14} "
              f"{p['notices']}{last}")  # fmt: skip
    if not people:
        print("(no entries stored)")
