"""`affectkit analyze --conversation chat.jsonl`: each conversation of a JSON Lines file (one a
line, ``{"id", "turns": [{"speaker"|"role", "text", "time"?}]}``) analysed with
`affectkit.conversation.analyze_conversation`.

Output, in the file's order: with ``--json`` (or ``-o FILE.jsonl``) one JSON object per
conversation, ``{"id", "dissatisfaction", "turns": [...], "summary": {...}, ...}``, or
``{"id", "error"}`` for a line that cannot be analysed; otherwise a few lines per
conversation for a person. Conversations are read and analysed one at a time.
"""

from __future__ import annotations

import argparse
import json
import sys

from affectkit.cli import json_line, printable
from affectkit.errors import InvalidInputError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--conversation",
        metavar="FILE",
        help="a JSON Lines file of conversations, one a line: per-turn polarity and emotions, "
        "the customer's dissatisfaction per turn and per conversation, a summary",
    )
    p.add_argument(
        "--customer-role",
        metavar="NAME",
        help="with --conversation: the customer's role (default: USER, customer or A; every "
        "other role is the agent's side)",
    )


def run(args: argparse.Namespace, model_options: dict, limits) -> int:
    from affectkit.conversation import read_conversations
    from affectkit.conversation.analyze import analyze_checked, load_model
    from affectkit.records import check_output

    if args.texts or args.file or any(getattr(args, k) for k in ("audio", "image", "video")):
        raise InvalidInputError("Give --conversation FILE alone, without texts, --file or media.")
    if args.output:
        check_output(args.output, args.conversation)
        if not args.output.endswith(".jsonl"):
            raise InvalidInputError("With --conversation, --output writes JSON Lines: FILE.jsonl.")
    load_model()  # a broken model folder fails before any output
    out = open(args.output, "w", encoding="utf-8") if args.output else None
    n = n_err = 0
    try:
        for cid, conv in read_conversations(args.conversation, args.customer_role, limits):
            n += 1
            if isinstance(conv, str):
                n_err += 1
                print(f"affectkit analyze: {printable(conv)}", file=sys.stderr)
                row = {"id": cid, "error": conv}
            else:
                result = analyze_checked(conv, args.model, args.language, model_options)
                row = result.to_dict()
            if out is not None:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            elif args.json:
                print(json_line(row))
            else:
                _print(row)
    finally:
        if out is not None:
            out.close()
    if out is not None:
        print(f"wrote {n} conversations to {printable(args.output)} ({n_err} with errors)",
              file=sys.stderr)  # fmt: skip
    elif n_err:
        print(f"{n_err} of {n} conversations had errors", file=sys.stderr)
    return 0


def _print(row: dict) -> None:
    cid = printable(str(row.get("id")))
    if "error" in row:
        print(f"{cid}  ERROR  {printable(row['error'])}")
        return
    p = row["dissatisfaction"]
    risk = "no customer turns" if p is None else f"dissatisfaction {p:.2f}"
    print(f"{cid}  {risk}{'  [dissatisfied]' if row['dissatisfied'] else ''}")
    for t in row["turns"]:
        score = "" if t["score"] is None else f"{t['score']:+.2f}"
        dis = "" if t.get("dissatisfaction") is None else f"risk {t['dissatisfaction']:.2f}"
        mark = " !" if t.get("dissatisfied") else ""
        text = t["text"].replace("\n", " ")
        text = text[:70] + ("…" if len(text) > 70 else "")
        print(f"  {t['index']:>3} {printable(t['speaker'])[:10]:<10} {score:>6} {dis:<10}"
              f"{mark:<2} {printable(text)}")  # fmt: skip
    print(f"  summary: {printable(row['summary']['text'])}")
    for w in row.get("warnings", []):
        print(f"  warning: {printable(w)}")
