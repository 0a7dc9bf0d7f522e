"""A 3-hour recording through the speech pipeline: time and peak memory stay bounded.

    python bench/speech_long.py [--hours 3] [--model speech-emotion] [--out FILE.json]

The recording is silence with one real RAVDESS clip a minute (so 180 speech segments in 3 h),
written as 16 kHz FLAC. It is analysed in a child process (`affectkit analyze --audio
--json`), whose peak resident memory comes from the kernel's rusage; a 1-minute recording made
the same way gives the baseline memory of the same process.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "speech" / "ravdess"
EXE = Path(sys.executable).with_name("affectkit")


def write_recording(path: Path, minutes: int) -> None:
    import soundfile as sf

    with (DATA / "labels.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    with sf.SoundFile(str(path), "w", 16_000, 1, format="FLAC") as out:
        for i in range(minutes):
            clip, _ = sf.read(str(DATA / rows[(i * 37) % len(rows)]["file"]), dtype="float32")
            minute = np.zeros(60 * 16_000, np.float32)
            minute[16_000 : 16_000 + len(clip)] = clip
            out.write(minute)


def run(path: Path, model: str) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    p = subprocess.run(
        [str(EXE), "analyze", "--model", model, "--audio", str(path), "--json", "--quiet"],
        capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )  # fmt: skip
    seconds = time.perf_counter() - t
    if p.returncode != 0:
        raise SystemExit(p.stderr)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = json.loads(p.stdout)
    return {
        "wall_s": round(seconds, 1),
        "peak_rss_mb": round(max(peak, before) / 1024, 1),
        "segments": len(result["parts"]),
        "duration_s": result["raw"]["duration"],
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--hours", type=float, default=3.0)
    p.add_argument("--model", default="speech-emotion")
    p.add_argument("--out", default=str(ROOT / "bench" / "results" / "speech_long.json"))
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        short, long = Path(tmp) / "one_minute.flac", Path(tmp) / "long.flac"
        write_recording(short, 1)
        write_recording(long, int(args.hours * 60))
        out = {"model": args.model, "file_mb": round(long.stat().st_size / 2**20, 1),
               "one_minute": run(short, args.model)}  # fmt: skip
        out["long"] = run(long, args.model)  # ru_maxrss of children is the max so far
    out["long"]["rtf"] = round(out["long"]["wall_s"] / out["long"]["duration_s"], 4)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
