"""``/v1/jobs``: batch jobs over an uploaded file (CSV, JSONL, TXT, Parquet; .gz allowed)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import FileResponse

from affectkit.serving.deps import caller, check_model_language, key_id, service
from affectkit.serving.errors import ApiError, responses
from affectkit.serving.schemas import DeletedResponse, JobsResponse
from affectkit.serving.state import Service
from affectkit.storage import ApiKey

router = APIRouter(tags=["jobs"], responses=responses(401, 422, 429))
JOBS = {200: {"model": JobsResponse}}


@router.post(
    "/v1/jobs",
    status_code=202,
    responses={202: {"model": JobsResponse}, **responses(400, 404, 413, 507)},
)
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
    pending = [j for j in svc.store.list_jobs(key_id(key)) if j["status"] in ("queued", "running")]
    if len(pending) >= svc.settings.max_pending_jobs:
        raise ApiError(
            429,
            "too_many_jobs",
            f"{len(pending)} jobs of this key are queued or running (the limit is "
            f"{svc.settings.max_pending_jobs}); wait for one to finish, or delete one.",
        )
    params = {"text_col": text_col, "id_col": id_col, "model": model, "language": language}
    # saving the upload and checking it (limits, format, columns: a 413 or 422 now, not a job
    # that fails later) read all of it: off the event loop
    job = await asyncio.to_thread(
        svc.jobs.create, file.file, file.filename or "", key_id(key), params
    )
    return {"results": [svc.jobs.progress(job)]}


def _own_job(svc: Service, job_id: str, key: ApiKey | None) -> dict:
    job = svc.store.get_job(job_id, key_id(key))
    if job is None:
        raise ApiError(404, "not_found", f"No job {job_id}.")
    return job


@router.get("/v1/jobs", responses=JOBS)
async def list_jobs(key: ApiKey | None = Depends(caller), svc: Service = Depends(service)):
    return {"results": [svc.jobs.progress(j) for j in svc.store.list_jobs(key_id(key))]}


@router.get("/v1/jobs/{job_id}", responses={**JOBS, **responses(404)})
async def get_job(job_id: str, key: ApiKey | None = Depends(caller), svc=Depends(service)):
    return {"results": [svc.jobs.progress(_own_job(svc, job_id, key))]}


@router.get(
    "/v1/jobs/{job_id}/results",
    responses={
        200: {"content": {"application/x-ndjson": {}}, "description": "One JSON result a line."},
        **responses(404, 409),
    },
)
async def job_results(job_id: str, key: ApiKey | None = Depends(caller), svc=Depends(service)):
    job = _own_job(svc, job_id, key)
    if job["status"] != "done":
        raise ApiError(409, "not_ready", f"Job {job_id} is {job['status']}.")
    return FileResponse(
        job["output_path"], media_type="application/x-ndjson", filename=f"{job_id}.jsonl"
    )


@router.delete("/v1/jobs/{job_id}", responses={200: {"model": DeletedResponse}, **responses(404)})
async def delete_job(job_id: str, key: ApiKey | None = Depends(caller), svc=Depends(service)):
    job = _own_job(svc, job_id, key)
    svc.store.delete_job(job_id)
    svc.jobs.cancel(job)  # a running job stops at its next step; its files go with it
    return {"results": [{"id": job_id, "deleted": True}]}
