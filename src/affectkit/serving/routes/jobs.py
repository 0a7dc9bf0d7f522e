"""``/v1/jobs``: batch jobs over an uploaded file (CSV, JSONL, TXT, Parquet; .gz allowed)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import FileResponse

from affectkit.records import read_records
from affectkit.serving.deps import caller, check_model_language, key_id, service
from affectkit.serving.errors import ApiError
from affectkit.serving.state import Service
from affectkit.storage import ApiKey

router = APIRouter(tags=["jobs"])


@router.post("/v1/jobs", status_code=202)
async def create_job(
    file: UploadFile = File(..., description="CSV, JSONL, TXT or Parquet (.gz allowed)"),
    text_col: str = Form("text"),
    id_col: str | None = Form(None),
    model: str = Form("auto"),
    language: str = Form("auto"),
    key: ApiKey | None = Depends(caller),
    svc: Service = Depends(service),
):
    check_model_language(model, language)
    job_id, src, out = svc.jobs.new_job_paths(file.filename or "")
    size = 0
    with src.open("wb") as f:
        while chunk := await file.read(1 << 20):
            size += len(chunk)
            f.write(chunk)
    if size == 0:
        src.unlink(missing_ok=True)
        raise ApiError(422, "empty_upload", "The uploaded file is empty.")
    params = {"text_col": text_col, "id_col": id_col, "model": model, "language": language}
    try:
        # its format and columns now (a 422), not as a job that fails later
        read_records(src, text_col, id_col)
        # counting the rows reads the whole upload: off the event loop
        job = await asyncio.to_thread(
            svc.jobs.submit, job_id, key_id(key), file.filename or "", src, out, params
        )
    except BaseException:
        src.unlink(missing_ok=True)
        raise
    return {"results": [svc.jobs.progress(job)]}


def _own_job(svc: Service, job_id: str, key: ApiKey | None) -> dict:
    job = svc.store.get_job(job_id, key_id(key))
    if job is None:
        raise ApiError(404, "not_found", f"No job {job_id}.")
    return job


@router.get("/v1/jobs")
async def list_jobs(key: ApiKey | None = Depends(caller), svc: Service = Depends(service)):
    return {"results": [svc.jobs.progress(j) for j in svc.store.list_jobs(key_id(key))]}


@router.get("/v1/jobs/{job_id}")
async def get_job(job_id: str, key: ApiKey | None = Depends(caller), svc=Depends(service)):
    return {"results": [svc.jobs.progress(_own_job(svc, job_id, key))]}


@router.get("/v1/jobs/{job_id}/results")
async def job_results(job_id: str, key: ApiKey | None = Depends(caller), svc=Depends(service)):
    job = _own_job(svc, job_id, key)
    if job["status"] != "done":
        raise ApiError(409, "not_ready", f"Job {job_id} is {job['status']}.")
    return FileResponse(
        job["output_path"], media_type="application/x-ndjson", filename=f"{job_id}.jsonl"
    )


@router.delete("/v1/jobs/{job_id}")
async def delete_job(job_id: str, key: ApiKey | None = Depends(caller), svc=Depends(service)):
    job = _own_job(svc, job_id, key)
    svc.store.delete_job(job_id)
    if job["status"] != "running":
        svc.jobs.delete_files(job)
    return {"results": [{"id": job_id, "deleted": True}]}
