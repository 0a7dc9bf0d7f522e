"""Real dialogues for the conversation tests, read from ../shared/data/dialogue."""

from __future__ import annotations

import json
from pathlib import Path


def dialogue(shared_data: Path, name: str, did: str) -> dict:
    """The dialogue `did` of ``dialogue/<name>.jsonl``."""
    with open(shared_data / "dialogue" / f"{name}.jsonl", encoding="utf-8") as f:
        for line in f:
            if f'"{did}"' in line:
                d = json.loads(line)
                if d["id"] == did:
                    return d
    raise LookupError(did)


def unhappy(shared_data: Path) -> dict:
    """uss_mwoz_0180: 7 turns, rated 2.2 overall; the user repeats a cheap hotel request the
    system keeps missing (turn 4, "No. Let me clarify...", is rated 1.8)."""
    return dialogue(shared_data, "uss_mwoz", "uss_mwoz_0180")


def content(shared_data: Path) -> dict:
    """uss_sgd_0000: a weather and music request that goes well (rated 3 and above)."""
    return dialogue(shared_data, "uss_sgd", "uss_sgd_0000")


def everyday(shared_data: Path) -> dict:
    """dd_validation_00000: a DailyDialog conversation between A and B at a bank."""
    return dialogue(shared_data, "dailydialog_dev", "dd_validation_00000")
