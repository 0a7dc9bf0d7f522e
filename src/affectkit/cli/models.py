"""List the registered models: name@version, modality, task, languages, labels and size.

Models registered by other installed packages (the ``affectkit.analyzers`` entry point group)
are listed with the package they came from; a plug-in that failed to load is named on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys

from affectkit import registry
from affectkit.api import list_models

HELP = "list registered models"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")


def _size(n: int | None) -> str:
    if n is None:
        return "-"
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.0f} kB"


def run(args: argparse.Namespace) -> int:
    rows = []
    for s in list_models():
        rows.append(
            {
                "name": s.full_name,
                "modality": s.modality,
                "task": s.task,
                "languages": list(s.languages),
                "labels": list(s.labels),
                "size_bytes": s.size_bytes(),
                "description": s.description,
                "source": s.source,
            }
        )
    for plugin, error in registry.plugin_errors().items():
        print(f"affectkit: plug-in {plugin} was not loaded: {error}", file=sys.stderr)
    if args.json:
        print(json.dumps({"models": rows}, ensure_ascii=False, indent=2))
        return 0
    head = ("NAME", "MODALITY", "TASK", "LANG", "SIZE", "LABELS")
    table = [head] + [
        (
            r["name"],
            r["modality"],
            r["task"],
            ",".join(r["languages"]),
            _size(r["size_bytes"]),
            ",".join(r["labels"]) + ("" if r["source"] == "affectkit" else f"  [{r['source']}]"),
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(head) - 1)]
    for row in table:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)) + "  " + row[-1])
    return 0
