"""Entry point: `affectkit <command> ...`. Parses arguments, calls the command, maps errors.

Every AffectError becomes a one-line message on stderr and exit status 2; nothing prints a stack
trace for a user mistake.
"""

from __future__ import annotations

import argparse
import sys

from affectkit.cli import (
    analyze,
    aspects,
    batch,
    blend,
    calibrate,
    compress,
    drift,
    embed,
    evaluate,
    export,
    keys,
    models,
    monitor,
    mood,
    printable,
    report,
    serve,
    train,
)
from affectkit.errors import AffectError

COMMANDS = {
    "analyze": analyze,
    "aspects": aspects,
    "batch": batch,
    "evaluate": evaluate,
    "train": train,
    "export": export,
    "calibrate": calibrate,
    "blend": blend,
    "compress": compress,
    "embed": embed,
    "drift": drift,
    "models": models,
    "serve": serve,
    "keys": keys,
    "monitor": monitor,
    "mood": mood,
    "report": report,
}


def build_parser() -> argparse.ArgumentParser:
    from affectkit import __version__

    parser = argparse.ArgumentParser(
        prog="affectkit",
        description="Offline sentiment and emotion analysis with evidence.",
    )
    parser.add_argument("--version", action="version", version=f"affectkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module in COMMANDS.items():
        p = sub.add_parser(name, help=module.HELP, description=module.__doc__)
        module.add_arguments(p)
        p.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args) or 0
    except AffectError as exc:  # one line, with whatever came from the input made harmless
        print(f"affectkit {args.command}: error: {printable(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `affectkit analyze ... | head`
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
