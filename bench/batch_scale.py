"""`affectkit batch` at scale: 1,000,000 rows through the lexicon, peak memory, kill -9 + rerun.

    python bench/batch_scale.py [--rows 1000000] [--model lexicon-en] [--chunk-size 1000]

The input is the English training texts of ../shared/data (SST-2, SST-5, IMDB, GoEmotions,
TweetEval-emotion, MELD) repeated, with a unique id per row, as one CSV. Then:
1. an uninterrupted `affectkit batch IN -o A.csv` (its own process: peak resident memory from
   the kernel's rusage of the child, rows/s);
2. `affectkit batch IN -o B.csv`, killed with SIGKILL once about half the rows are done, then the
   same command again: B must be byte-identical to A (sha256).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import json
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXE = Path(sys.executable).with_name("affectkit")
SOURCES = [
    "sst2/train.csv",
    "sst5/train.csv",
    "imdb/train.csv.gz",
    "goemotions/train.csv",
    "tweeteval_emotion/train.csv",
    "meld/train.csv",
]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def english_texts(data: Path) -> list[str]:
    texts = []
    for rel in SOURCES:
        path = data / "text" / rel
        opener = gzip.open if rel.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            col = "text" if "text" in reader.fieldnames else reader.fieldnames[0]
            texts += [r[col] for r in reader if r.get(col)]
    return texts


def build_input(data: Path, rows: int, path: Path) -> None:
    texts = english_texts(data)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        for i in range(rows):
            w.writerow([f"row{i:07d}", texts[i % len(texts)]])
    log(
        f"input: {rows:,} rows from {len(texts):,} distinct texts, "
        f"{path.stat().st_size / 1e6:.0f} MB"
    )


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared/data")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--model", default="lexicon-en")
    ap.add_argument("--chunk-size", type=int, default=1000)
    ap.add_argument("--out", type=Path, default=ROOT / "bench/results")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="affectkit-batch-"))
    src = tmp / "input.csv"
    build_input(args.data, args.rows, src)
    common = ["--model", args.model, "--id-col", "id", "--chunk-size", str(args.chunk_size), "-q"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}

    a = tmp / "a.csv"
    t0 = time.time()
    subprocess.run([str(EXE), "batch", str(src), "-o", str(a), *common], check=True, env=env)
    secs = time.time() - t0
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
    log(f"uninterrupted: {args.rows / secs:,.0f} rows/s, peak RSS {peak_mib:.0f} MiB")

    b = tmp / "b.csv"
    progress = Path(str(b) + ".progress.json")
    proc = subprocess.Popen([str(EXE), "batch", str(src), "-o", str(b), *common], env=env)
    while proc.poll() is None:
        try:
            if json.loads(progress.read_text())["rows"] >= args.rows // 2:
                break
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_at = json.loads(progress.read_text())["rows"]
    log(f"killed with SIGKILL after {killed_at:,} rows; running the same command again")
    subprocess.run([str(EXE), "batch", str(src), "-o", str(b), *common], check=True, env=env)
    same = sha256(a) == sha256(b)
    with a.open(encoding="utf-8", newline="") as f:
        n_out = sum(1 for _ in csv.reader(f)) - 1
    lines = [
        f"`affectkit batch` on {args.rows:,} rows (English training texts of ../shared/data "
        f"repeated, unique ids; {src.stat().st_size / 1e6:.0f} MB CSV in, "
        f"{a.stat().st_size / 1e6:.0f} MB CSV out), model `{args.model}`, chunks of "
        f"{args.chunk_size}:",
        "",
        "| figure | value |",
        "|---|---:|",
        f"| rows out (one per row in) | {n_out:,} |",
        f"| throughput, uninterrupted | {args.rows / secs:,.0f} rows/s ({secs:.0f} s) |",
        f"| peak resident memory of the batch process | {peak_mib:.0f} MiB |",
        f"| SIGKILL after | {killed_at:,} rows |",
        f"| rerun output byte-identical to the uninterrupted one | {'yes' if same else 'NO'} |",
        "",
        f"One run of `python bench/batch_scale.py --rows {args.rows}` on {platform.machine()}, "
        f"Python {platform.python_version()}.",
    ]
    table = "\n".join(lines)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "batch_scale.md").write_text(table + "\n", encoding="utf-8")
    for p in (src, a, b):
        p.unlink(missing_ok=True)
    return 0 if same and n_out == args.rows else 1


if __name__ == "__main__":
    raise SystemExit(main())
