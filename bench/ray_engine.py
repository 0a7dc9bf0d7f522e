"""`affectkit batch --engine ray` vs the local engine on 10,000 rows through the shipped model.

    python bench/ray_engine.py [--rows 10000] [--model text-sentiment-en] [--workers 2]

Both engines analyse the same CSV (SST-2 training sentences, cycled, unique ids); the Ray one
on a local Ray instance (`ray.init`, `--workers` actors, each loading the model once per chunk).
Reported: rows whose labels differ, the largest score and confidence differences, and time.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared/data")
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--model", default="text-sentiment-en")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "bench/results")
    args = ap.parse_args(argv)
    import ray

    from affectkit.batch import BatchJob, run_batch
    from affectkit.batch.ray_engine import run_batch_ray

    tmp = Path(tempfile.mkdtemp(prefix="affectkit-ray-"))
    with (args.data / "text/sst5/train.csv").open(encoding="utf-8", newline="") as f:
        texts = [r["text"] for r in csv.DictReader(f)]
    src = tmp / "in.csv"
    with src.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        for i in range(args.rows):
            w.writerow([f"r{i}", texts[i % len(texts)]])
    opts = {"threads": 1}
    t0 = time.time()
    run_batch(
        BatchJob(
            str(src), str(tmp / "local.jsonl"), model=args.model, id_col="id", model_options=opts
        ),
        progress=False,
        log=lambda m: None,
    )
    t_local = time.time() - t0
    ray.init(
        num_cpus=args.workers, include_dashboard=False, log_to_driver=False, configure_logging=False
    )
    t0 = time.time()
    run_batch_ray(
        BatchJob(
            str(src), str(tmp / "ray.jsonl"), model=args.model, id_col="id", model_options=opts
        ),
        progress=False,
        workers=args.workers,
        log=lambda m: None,
    )
    t_ray = time.time() - t0
    ray.shutdown()
    a = [json.loads(x) for x in (tmp / "local.jsonl").read_text().splitlines()]
    b = [json.loads(x) for x in (tmp / "ray.jsonl").read_text().splitlines()]
    assert [r["id"] for r in a] == [r["id"] for r in b]
    diff_labels = sum(x["label"] != y["label"] for x, y in zip(a, b, strict=True))
    scored = [(x, y) for x, y in zip(a, b, strict=True) if x["score"] is not None]
    d_score = max(abs(x["score"] - y["score"]) for x, y in scored)
    d_conf = max(abs(x["confidence"] - y["confidence"]) for x, y in scored)
    lines = [
        f"{args.rows:,} rows (SST-5 training sentences, cycled) through `{args.model}` "
        f"(PyTorch, 1 thread per process):",
        "",
        "| engine | seconds | rows/s |",
        "|---|---:|---:|",
        f"| local | {t_local:.1f} | {args.rows / t_local:,.0f} |",
        f"| ray (local instance, {args.workers} workers) | {t_ray:.1f} | "
        f"{args.rows / t_ray:,.0f} |",
        "",
        f"Rows with different labels: {diff_labels}; largest score difference {d_score:.2e}, "
        f"largest confidence difference {d_conf:.2e} (results carry 4 decimals).",
        "",
        f"One run of `python bench/ray_engine.py --rows {args.rows}` on {platform.machine()}.",
    ]
    table = "\n".join(lines)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "ray_engine.md").write_text(table + "\n", encoding="utf-8")
    return 0 if diff_labels == 0 and d_score <= 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
