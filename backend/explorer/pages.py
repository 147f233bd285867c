"""Server-rendered public pages (no login, no build step)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from backend.api.deps import ChainDep, SettingsDep
from backend.services import registry

templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))
router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, chain: ChainDep, settings: SettingsDep) -> HTMLResponse:
    """Deployed contracts and registered accounts."""
    return templates.TemplateResponse(
        request,
        "home.html",
        {
            "title": settings.title,
            "deployment": chain.deployment,
            "accounts": registry.list_accounts(chain=chain),
        },
    )
