"""Batch jobs of the service: uploads analysed in the background by the resumable batch engine.

An upload is streamed into ``<data>/uploads/<job id><ext>`` (never anywhere else: the file name
the client sent is only displayed), then a single background worker runs `affectkit.batch`
into ``<data>/results/<job id>.jsonl``. Progress comes from the batch engine's progress file.
When the service restarts, unfinished jobs are queued again and resume where they stopped, so
no row is lost or written twice. The same machinery will take audio and video uploads.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from affectkit.batch import BatchJob, count_rows, run_batch
from affectkit.errors import AffectError, DataFormatError
from affectkit.storage import Store

ALLOWED = (".csv", ".jsonl", ".json", ".ndjson", ".txt", ".parquet")


def safe_suffix(filename: str) -> str:
    """The upload's format suffix (e.g. ``.csv`` or ``.csv.gz``), or a clear error."""
    name = Path(filename or "").name.lower()
    gz = name.endswith(".gz")
    stem = name[:-3] if gz else name
    suffix = Path(stem).suffix
    if suffix not in ALLOWED or not re.fullmatch(r"\.[a-z]+", suffix):
        raise DataFormatError(
            f"Cannot tell the format of the upload {filename!r}: name it .csv, .jsonl, .txt or "
            f".parquet (optionally .gz)."
        )
    return suffix + (".gz" if gz else "")


class JobRunner:
    def __init__(self, store: Store, data_dir: Path, model_options: dict | None = None) -> None:
        self.store = store
        self.uploads = data_dir / "uploads"
        self.results = data_dir / "results"
        self.uploads.mkdir(parents=True, exist_ok=True)
        self.results.mkdir(parents=True, exist_ok=True)
        self.model_options = model_options or {}
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="affectkit-jobs")

    def new_job_paths(self, filename: str) -> tuple[str, Path, Path]:
        job_id = "job_" + uuid.uuid4().hex[:16]
        return (
            job_id,
            self.uploads / (job_id + safe_suffix(filename)),
            self.results / (job_id + ".jsonl"),
        )

    def submit(
        self,
        job_id: str,
        key_id: str | None,
        filename: str,
        src: Path,
        out: Path,
        params: dict[str, Any],
    ) -> dict:
        self.store.add_job(
            {
                "id": job_id,
                "created": time.time(),
                "key_id": key_id,
                "status": "queued",
                "filename": Path(filename).name[:200],
                "input_path": str(src),
                "output_path": str(out),
                "params": json.dumps(params),
                "rows_total": count_rows(src),
            }
        )
        self._pool.submit(self._run, job_id)
        return self.store.get_job(job_id, any_key=True)

    def resume_unfinished(self) -> int:
        jobs = self.store.list_jobs(status=("queued", "running"))
        for job in jobs:
            self._pool.submit(self._run, job["id"])
        return len(jobs)

    def _run(self, job_id: str) -> None:
        job = self.store.get_job(job_id, any_key=True)
        if job is None:  # deleted while queued
            return
        params = json.loads(job["params"])
        self.store.update_job(job_id, status="running")
        try:
            summary = run_batch(
                BatchJob(
                    job["input_path"],
                    job["output_path"],
                    model=params["model"],
                    language=params["language"],
                    text_col=params["text_col"],
                    id_col=params.get("id_col"),
                    model_options=self.model_options,
                ),
                progress=False,
                log=lambda m: None,
            )
        except AffectError as exc:
            error = str(exc)
        except Exception as exc:  # never let a job kill the worker; the message is kept
            error = f"internal error: {exc!r}"
        else:
            error = None
        if self.store.get_job(job_id, any_key=True) is None:  # deleted while running
            self.delete_files(job)  # the DELETE left them to this thread, which held them
            return
        if error is not None:
            self.store.update_job(job_id, status="failed", error=error, finished=time.time())
            return
        self.store.update_job(
            job_id,
            status="done",
            rows_done=summary.rows,
            errors=summary.errors,
            finished=time.time(),
        )

    def progress(self, job: dict) -> dict:
        """The job as the API shows it, with live progress while it runs."""
        rows, errors = job["rows_done"], job["errors"]
        if job["status"] == "running":
            state = Path(job["output_path"] + ".progress.json")
            try:
                data = json.loads(state.read_text())
                rows, errors = data["rows"], data["errors"]
            except (OSError, ValueError, KeyError):
                pass
        return {
            "id": job["id"],
            "status": job["status"],
            "filename": job["filename"],
            "created": job["created"],
            "finished": job["finished"],
            "rows_done": rows,
            "rows_total": job["rows_total"],
            "errors": errors,
            "error": job["error"],
            "params": json.loads(job["params"]),
            "results_url": f"/v1/jobs/{job['id']}/results" if job["status"] == "done" else None,
        }

    def delete_files(self, job: dict) -> None:
        for p in (job["input_path"], job["output_path"], job["output_path"] + ".progress.json"):
            Path(p).unlink(missing_ok=True)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
