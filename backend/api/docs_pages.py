"""The API's browsable documentation, served by the service itself (no CDN, works offline).

Swagger UI (``/docs``) and ReDoc (``/redoc``) come as files in the PyPI package
``fastapi-offline`` (MIT; Swagger UI Apache-2.0, ReDoc MIT), pinned in requirements.lock and
served from ``/static/vendor/``. The pages carry no inline script: Swagger UI is started by
``/static/docs.js``, which reads the schema's URL from a data attribute, so the
Content-Security-Policy of ``backend/api/guard.py`` needs no ``'unsafe-inline'`` for scripts.
"""

from __future__ import annotations

from html import escape
from importlib import resources

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from backend.chain.errors import ServiceError

VENDOR = resources.files("fastapi_offline") / "static"
ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png")
router = APIRouter(include_in_schema=False)


def _page(title: str, head: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title>"
        "<link rel='icon' href='/static/vendor/favicon.png'>"
        f"{head}</head><body>{body}</body></html>"
    )


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    title = request.app.title
    return _page(
        f"{title} – Swagger UI",
        "<link rel='stylesheet' href='/static/vendor/swagger-ui.css'>",
        f"<div id='swagger-ui' data-openapi='{escape(request.app.openapi_url or '')}'></div>"
        "<script src='/static/vendor/swagger-ui-bundle.js'></script>"
        "<script src='/static/docs.js'></script>",
    )


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    title = request.app.title
    return _page(
        f"{title} – ReDoc",
        "",
        f"<redoc spec-url='{escape(request.app.openapi_url or '')}'></redoc>"
        "<script src='/static/vendor/redoc.standalone.js'></script>",
    )


@router.get("/static/vendor/{name}")
def asset(name: str) -> FileResponse:
    if name not in ASSETS:
        raise ServiceError("NotFound", f"no documentation asset {name!r}")
    with resources.as_file(VENDOR / name) as path:
        return FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})
