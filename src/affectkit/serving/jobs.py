"""Batch jobs of the service: uploads analysed in the background by the resumable batch engine.

An upload is saved as ``<data>/uploads/<job id><ext>`` (never anywhere else: the file name
the client sent is only displayed; files 0600 in folders 0700), checked against the upload
limits (`affectkit.serving.uploads`) and for its format and columns, then a single background
worker runs `affectkit.batch` into ``<data>/results/<job id>.jsonl``. Progress comes from the
batch engine's progress file. When the service restarts, unfinished jobs are queued again and
resume where they stopped, so no row is lost or written twice, and files that belong to no job
(a job deleted just before a crash) are removed. Deleting a running job cancels it: the worker
stops at its next step (`affectkit.deadline`: between chunks, and between forward passes
inside one) and removes its files. The same machinery will take audio and video uploads.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

from affectkit import deadline
from affectkit.batch import BatchJob, analyze_records, run_batch
from affectkit.errors import AffectError, DataFormatError, DeadlineExceeded, StorageError
from affectkit.records import ReadLimits, read_records
from affectkit.serving.errors import ApiError
from affectkit.serving.uploads import check_upload
from affectkit.storage import Store

ALLOWED = (".csv", ".jsonl", ".json", ".ndjson", ".txt", ".parquet")
STATUSES = ("queued", "running", "done", "failed")


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


def private_file(path: Path) -> IO[bytes]:
    """A new file only its owner can read (0600), opened for writing."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


class JobRunner:
    def __init__(
        self,
        store: Store,
        data_dir: Path,
        model_options: dict | None = None,
        limits: ReadLimits | None = None,
    ) -> None:
        self.store = store
        self.uploads = data_dir / "uploads"
        self.results = data_dir / "results"
        for folder in (data_dir, self.uploads, self.results):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.model_options = model_options or {}
        self.limits = limits or ReadLimits()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="affectkit-jobs")
        self._lock = threading.Lock()
        self._running: dict[str, threading.Event] = {}  # job id -> its cancel flag
        self._closing = False

    def new_job_paths(self, filename: str) -> tuple[str, Path, Path]:
        job_id = "job_" + uuid.uuid4().hex[:16]
        return (
            job_id,
            self.uploads / (job_id + safe_suffix(filename)),
            self.results / (job_id + ".jsonl"),
        )

    def create(
        self,
        upload: IO[bytes],
        filename: str,
        key_id: str | None,
        params: dict[str, Any],
    ) -> dict:
        """Save an upload (a file object), check it and queue its job; nothing is left behind
        when it is refused. Blocking: the route runs it on a worker thread."""
        job_id, src, out = self.new_job_paths(filename)
        try:
            try:
                with private_file(src) as f:
                    shutil.copyfileobj(upload, f, 1 << 20)
                    size = f.tell()
            except OSError as exc:
                raise StorageError(
                    f"The upload could not be saved ({exc.strerror or exc}); the service's "
                    f"disk may be full. Try again later."
                ) from None
            if size == 0:
                raise ApiError(422, "empty_upload", "The uploaded file is empty.")
            return self.submit(job_id, key_id, filename, src, out, params)
        except BaseException:
            src.unlink(missing_ok=True)
            raise

    def submit(
        self,
        job_id: str,
        key_id: str | None,
        filename: str,
        src: Path,
        out: Path,
        params: dict[str, Any],
    ) -> dict:
        """Check a saved upload (limits first, then its format and columns) and queue its job."""
        rows = check_upload(src, self.limits, Path(filename).name)
        read_records(src, params["text_col"], params.get("id_col"), limits=self.limits)
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
                "rows_total": rows,
            }
        )
        self._pool.submit(self._run, job_id)
        return self.store.get_job(job_id, any_key=True)

    def remove_orphans(self) -> int:
        """Remove uploads and results that belong to no job (a job deleted while it ran, just
        before the service was killed); at start-up, before any upload arrives."""
        known = {j["id"] for j in self.store.list_jobs(status=STATUSES)}
        removed = 0
        for folder in (self.uploads, self.results):
            for p in folder.iterdir():
                if p.name.split(".", 1)[0] in known:
                    continue
                if p.is_dir() and not p.is_symlink():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)
                removed += 1
        return removed

    def cancel(self, job: dict) -> None:
        """After its record is deleted: stop the job if it runs (its worker removes its files
        at its next step), else remove its files now."""
        with self._lock:
            flag = self._running.get(job["id"])
            if flag is not None:
                flag.set()
                return
        self.delete_files(job)

    def resume_unfinished(self) -> int:
        jobs = self.store.list_jobs(status=("queued", "running"))
        for job in jobs:
            self._pool.submit(self._run, job["id"])
        return len(jobs)

    def _run(self, job_id: str) -> None:
        with self._lock:  # against `cancel`: a job is either seen running or not started
            job = self.store.get_job(job_id, any_key=True)
            if job is None or self._closing:  # deleted while queued; shutting down
                return
            flag = self._running[job_id] = threading.Event()
            self.store.update_job(job_id, status="running")
        try:
            self._run_and_record(job, flag)
        finally:
            with self._lock:
                self._running.pop(job_id, None)

    def _run_and_record(self, job: dict, flag: threading.Event) -> None:
        """Run a job and record how it ended (done, failed, or its files removed)."""
        job_id = job["id"]
        summary, error = None, None
        try:
            with deadline.scope(cancel=flag):
                summary = self._batch(job, json.loads(job["params"]))
        except DeadlineExceeded as exc:  # cancelled: deleted, or the service is stopping
            error = None if self._closing else str(exc)
        except AffectError as exc:
            error = str(exc)
        except Exception as exc:  # never let a job kill the worker; the message is kept
            error = f"internal error: {exc!r}"
        if self.store.get_job(job_id, any_key=True) is None:  # deleted while running
            self.delete_files(job)  # the DELETE left them to this thread, which held them
        elif error is not None:
            self.store.update_job(job_id, status="failed", error=error, finished=time.time())
        elif summary is not None:
            self.store.update_job(
                job_id,
                status="done",
                rows_done=summary.rows,
                errors=summary.errors,
                finished=time.time(),
            )
        # else stopped by the shutdown: still "running", resumed at the next start

    def _batch(self, job: dict, params: dict[str, Any]):
        """Run the batch engine on a job, checking the cancel flag before every chunk."""
        batch = BatchJob(
            job["input_path"],
            job["output_path"],
            model=params["model"],
            language=params["language"],
            text_col=params["text_col"],
            id_col=params.get("id_col"),
            model_options=self.model_options,
            limits=self.limits,  # the readers stop there too, whatever the upload check saw
        )

        def analyze_chunk(chunk):
            deadline.check()
            return analyze_records(
                chunk, model=batch.model, language=batch.language, model_options=batch.model_options
            )

        out = Path(job["output_path"])
        if not out.exists():
            private_file(out).close()  # the engine appends to it, keeping its mode (0600)
        return run_batch(batch, progress=False, log=lambda m: None, analyze_chunk=analyze_chunk)

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
        shutil.rmtree(job["output_path"] + ".parts", ignore_errors=True)

    def close(self, wait_s: float = 5.0) -> None:
        """Stop: queued jobs stay queued and a running one stops at its next step (waited for
        up to `wait_s`), still "running" in the store; both resume at the next start."""
        with self._lock:
            self._closing = True
            for flag in self._running.values():
                flag.set()
        self._pool.shutdown(wait=False, cancel_futures=True)
        end = time.monotonic() + wait_s
        while self._running and time.monotonic() < end:
            time.sleep(0.02)
