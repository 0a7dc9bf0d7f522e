"""``GET /``: the playground page (static HTML that calls the API)."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from affectkit.serving.deps import service
from affectkit.serving.state import Service

router = APIRouter()

# The page's default request-size limit, replaced by the service's own (`--max-body-bytes`) so
# the page refuses a recording too large to send before it reads the file.
LIMIT_META = '<meta name="affectkit-max-body-bytes" content="2000000">'


@router.get("/", include_in_schema=False, response_class=HTMLResponse)
async def playground(svc: Service = Depends(service)):
    page = resources.files("affectkit.serving").joinpath("static/index.html")
    html = page.read_text(encoding="utf-8")
    limit = int(svc.settings.max_body_bytes)
    return HTMLResponse(html.replace(LIMIT_META, LIMIT_META.replace("2000000", str(limit))))
