"""The Ray engine of `affectkit batch` (``--engine ray``): the same job on Ray Data.

The driver reads the input, keeps the output, the progress file and the resume logic exactly as
the local engine does (`affectkit.batch.run_batch`), so outputs are interchangeable and a run is
resumable in the same way. What moves to Ray is the analysis: each chunk of rows becomes a Ray
Dataset processed by ``map_batches`` with `ModelWorker`, a callable class that loads the model
once in its constructor, on a pool of `workers` actors (order preserved). On a laptop Ray starts
locally; with ``RAY_ADDRESS`` set (or ``ray start`` run beforehand) the same command uses the
cluster. A chunk is ``--chunk-size`` rows (default 20,000 for this engine): each chunk starts
its actors afresh, so the model loads once per worker per chunk.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

import numpy as np

from affectkit.batch.local import BatchJob, BatchSummary, run_batch
from affectkit.errors import require
from affectkit.records import Record
from affectkit.results import AffectResult

RAY_CHUNK = 20_000


class ModelWorker:
    """Ray Data callable class: holds the model, analyses batches of rows."""

    def __init__(self, model: str, language: str, model_options: dict, explain: bool) -> None:
        from affectkit import api

        self.kw = {"model": model, "language": language, "model_options": model_options,
                   "explain": explain}  # fmt: skip
        if model != "auto":
            api.get_analyzer(model, **model_options)  # load once, here

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, Any]:
        from affectkit.batch.local import analyze_records

        records = [
            Record(str(i), None if e else str(t), str(e) if e else None)
            for i, t, e in zip(batch["id"], batch["text"], batch["error"], strict=True)
        ]
        results = analyze_records(records, **self.kw)
        return {"result": np.array([json.dumps(r.to_dict()) for r in results], dtype=object)}


def run_batch_ray(
    job: BatchJob,
    *,
    progress: bool = True,
    restart: bool = False,
    workers: int | None = None,
    batch_size: int = 256,
    log=None,
) -> BatchSummary:
    ray = require("ray", "ray")
    if not ray.is_initialized():
        ray.init(address=os.environ.get("RAY_ADDRESS"), include_dashboard=False,
                 log_to_driver=False, configure_logging=False)  # fmt: skip
    logging.getLogger("ray.data").setLevel(logging.WARNING)  # our progress bar is the report
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True
    ctx.enable_progress_bars = False
    n_workers = workers or max(1, int(ray.available_resources().get("CPU", 1)))
    opts = {k: (str(v) if k == "cache_dir" and v is not None else v)
            for k, v in job.model_options.items()}  # fmt: skip

    def analyze_chunk(chunk: list[Record]) -> list[AffectResult]:
        items = [{"id": r.id, "text": r.text or "", "error": r.error or ""} for r in chunk]
        ds = ray.data.from_items(items).map_batches(
            ModelWorker,
            fn_constructor_args=(job.model, job.language, opts, job.explain),
            batch_size=batch_size,
            concurrency=n_workers,
            batch_format="numpy",
        )
        out = [json.loads(row["result"]) for row in ds.iter_rows()]
        return [AffectResult.from_dict(d) for d in out]

    if job.chunk_size == BatchJob.__dataclass_fields__["chunk_size"].default:
        job = BatchJob(**{**job.__dict__, "chunk_size": RAY_CHUNK})
    kwargs = {"progress": progress, "restart": restart, "analyze_chunk": analyze_chunk}
    if log is not None:
        kwargs["log"] = log
    return run_batch(job, **kwargs)
