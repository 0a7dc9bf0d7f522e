"""``GET /``: the dashboard page (static HTML that calls the API: the Analyse playground, the
Streams, Alerts, Jobs, Models, Mood, Conversations and Reviews views), and the script it loads
(``GET /static/...``)."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from affectkit.serving.deps import service
from affectkit.serving.errors import ApiError
from affectkit.serving.state import Service

router = APIRouter()

# The page's default request-size limit, replaced by the service's own (`--max-body-bytes`) so
# the page refuses a recording too large to send before it reads the file.
LIMIT_META = '<meta name="affectkit-max-body-bytes" content="2000000">'
# the files of static/ the page loads, public like the page (`affectkit.serving.middleware`)
STATIC = {"dashboard.js": "text/javascript; charset=utf-8"}


@router.get("/", include_in_schema=False, response_class=HTMLResponse)
async def playground(svc: Service = Depends(service)):
    page = resources.files("affectkit.serving").joinpath("static/index.html")
    html = page.read_text(encoding="utf-8")
    limit = int(svc.settings.max_body_bytes)
    return HTMLResponse(html.replace(LIMIT_META, LIMIT_META.replace("2000000", str(limit))))


@router.get("/static/{name}", include_in_schema=False)
async def static(name: str):
    if name not in STATIC:
        raise ApiError(
            404, "not_found", f"No file {name[:40]!r}: the page loads {', '.join(STATIC)}."
        )
    data = resources.files("affectkit.serving").joinpath("static", name).read_bytes()
    # revalidated on each load: an upgraded service serves its own script
    return Response(data, media_type=STATIC[name], headers={"Cache-Control": "no-cache"})
