"""``GET /``: the playground page (static HTML that calls the API)."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter()


@router.get("/", include_in_schema=False, response_class=HTMLResponse)
async def playground():
    page = resources.files("affectkit.serving").joinpath("static/index.html")
    return HTMLResponse(page.read_text(encoding="utf-8"))
