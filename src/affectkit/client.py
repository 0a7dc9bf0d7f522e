"""Python client of the affectkit HTTP service.

    from affectkit.client import Client

    with Client("http://127.0.0.1:8000", api_key="ak_...") as c:
        [r] = c.analyze("I love it")                  # AffectResult objects, as in-process
        job = c.submit_job("reviews.csv", text_col="review")
        job = c.wait_job(job["id"])
        rows = list(c.job_results(job["id"]))

Errors from the service raise `ServiceError` with the HTTP status and the service's stable
error code (``rate_limited``, ``model_not_found``, ``too_large``...).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from affectkit.errors import AffectError, require
from affectkit.results import AffectResult


class ServiceError(AffectError):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


def _raise_for(r) -> None:
    """`ServiceError` for an error response: the service's JSON error, or (from a proxy in
    between, say) the status and the start of whatever body came."""
    if r.status_code < 400:
        return
    try:
        err = r.json()["error"]
        code, message = err["code"], err["message"]
    except (ValueError, KeyError, TypeError):
        code, message = "http_error", r.text[:200]
    raise ServiceError(r.status_code, code, message)


class Client:
    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        *,
        api_key: str | None = None,
        timeout: float = 60.0,
        **httpx_options: Any,
    ) -> None:
        httpx = require("httpx", "serve")
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), headers=headers, timeout=timeout, **httpx_options
        )

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, **kwargs) -> Any:
        r = self._http.request(method, path, **kwargs)
        _raise_for(r)
        return r

    # -- analysis --------------------------------------------------------------------------
    def analyze(
        self,
        texts: str | Sequence[str],
        *,
        model: str = "auto",
        language: str = "auto",
        explain: bool = False,
        store: bool = False,
    ) -> list[AffectResult]:
        """One `AffectResult` per text (a single string counts as one text)."""
        body: dict[str, Any] = {
            "model": model,
            "language": language,
            "explain": explain,
            "store": store,
        }
        body["text" if isinstance(texts, str) else "texts"] = (
            texts if isinstance(texts, str) else list(texts)
        )
        data = self._call("POST", "/v1/analyze", json=body).json()
        return [AffectResult.from_dict(d) for d in data["results"]]

    def analyze_raw(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        """POST a request body as it is; the result dicts (with stored item ids, if any)."""
        return self._call("POST", "/v1/analyze", json=body).json()["results"]

    def models(self) -> list[dict[str, Any]]:
        return self._call("GET", "/v1/models").json()["results"]

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/healthz").json()

    def metrics(self) -> str:
        return self._call("GET", "/metrics").text

    # -- stored items ----------------------------------------------------------------------
    def items(self, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        return self._call("GET", "/v1/items", params={"limit": limit, "offset": offset}).json()[
            "results"
        ]

    def delete_item(self, item_id: str) -> None:
        self._call("DELETE", f"/v1/items/{item_id}")

    # -- batch jobs ------------------------------------------------------------------------
    def submit_job(
        self,
        path: str | Path,
        *,
        text_col: str = "text",
        id_col: str | None = None,
        model: str = "auto",
        language: str = "auto",
    ) -> dict[str, Any]:
        path = Path(path)
        form = {"text_col": text_col, "model": model, "language": language}
        if id_col:
            form["id_col"] = id_col
        with path.open("rb") as f:
            r = self._call("POST", "/v1/jobs", data=form, files={"file": (path.name, f)})
        return r.json()["results"][0]

    def job(self, job_id: str) -> dict[str, Any]:
        return self._call("GET", f"/v1/jobs/{job_id}").json()["results"][0]

    def jobs(self) -> list[dict[str, Any]]:
        return self._call("GET", "/v1/jobs").json()["results"]

    def wait_job(self, job_id: str, timeout: float = 600.0, poll: float = 0.2) -> dict[str, Any]:
        """Poll until the job is done or failed (or `timeout` seconds pass)."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.job(job_id)
            if job["status"] in ("done", "failed") or time.monotonic() > deadline:
                return job
            time.sleep(poll)

    def job_results(self, job_id: str) -> Iterator[dict[str, Any]]:
        """The result rows of a finished job (JSON Lines, streamed)."""
        with self._http.stream("GET", f"/v1/jobs/{job_id}/results") as r:
            if r.status_code >= 400:
                r.read()
                _raise_for(r)
            for line in r.iter_lines():
                if line:
                    yield json.loads(line)

    def delete_job(self, job_id: str) -> None:
        self._call("DELETE", f"/v1/jobs/{job_id}")
