"""The owner's insights: ``/insights`` (page), ``/api/insights`` (JSON) and a CSV per table.

Off unless ``POLICYBOT_ADMIN_TOKEN`` is set (then every route here is 404, as if it did not exist).
The token is accepted from an ``Authorization: Bearer`` header, or from the cookie that the page's
login form sets (HttpOnly, SameSite=Strict), never from the URL: URLs end up in access logs and
browser history. A missing or wrong token gets 401. Comparison is constant-time.
"""

from __future__ import annotations

import hmac
import os
from pathlib import Path
from urllib.parse import parse_qs

from fastapi import FastAPI, HTTPException, Query, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse

from bot import INSIGHT_TABLES, Insights, Window, csv_text, gather_insights, insight_tables

from .insights_page import login_page, render
from .runtime import Runtime

TOKEN_ENV = "POLICYBOT_ADMIN_TOKEN"
COOKIE = "policybot_admin"
STATIC = Path(__file__).with_name("static")
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
PRIVATE = {"cache-control": "no-store", "content-security-policy": PAGE_CSP}
MAX_LOGIN_BYTES = 4096


def plotly_js() -> Path:
    """plotly.js as the ``plotly`` wheel ships it: served from here, so the charts work offline."""
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def _token() -> str:
    token = os.environ.get(TOKEN_ENV, "")
    if not token:
        raise HTTPException(404)
    return token


def _allowed(request: Request, token: str) -> bool:
    """The Bearer header or the login cookie holds the token (the query string is never looked at)."""
    header = request.headers.get("authorization", "")
    given = header[7:].strip() if header[:7].lower() == "bearer " else request.cookies.get(COOKIE, "")
    return bool(given) and hmac.compare_digest(given.encode(), token.encode())


def _require(request: Request) -> None:
    if not _allowed(request, _token()):
        raise HTTPException(401, "the admin token is missing or wrong", headers={"WWW-Authenticate": "Bearer"})


def _gather(rt: Runtime, start: str | None, end: str | None) -> Insights:
    return gather_insights(rt.feedback, Window.parse(start, end), rt.bot if rt.ready.is_set() else None)


def add_insights_routes(app: FastAPI, rt: Runtime) -> None:
    dates = {"pattern": r"^\d{4}-\d{2}-\d{2}$"}

    @app.get("/api/insights", tags=["api"], summary="What customers ask and where the policy falls short "
             "(needs the admin token as a Bearer header)")
    def api_insights(request: Request, start: str | None = Query(None, alias="from", **dates),
                     end: str | None = Query(None, alias="to", **dates)) -> JSONResponse:
        _require(request)
        return JSONResponse(_gather(rt, start, end).to_dict(), headers={"cache-control": "no-store"})

    @app.get("/insights", include_in_schema=False)
    def insights_page(request: Request, start: str | None = Query(None, alias="from", **dates),
                      end: str | None = Query(None, alias="to", **dates)) -> HTMLResponse:
        if not _allowed(request, _token()):
            return HTMLResponse(login_page(), 401, headers=PRIVATE)
        return HTMLResponse(render(_gather(rt, start, end)), headers=PRIVATE)

    @app.post("/insights/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        token = _token()
        body = (await request.body())[:MAX_LOGIN_BYTES].decode("utf-8", "replace")
        given = (parse_qs(body).get("token") or [""])[0]
        if not given or not hmac.compare_digest(given.encode(), token.encode()):
            return HTMLResponse(login_page("That token is not right."), 401, headers=PRIVATE)
        done = RedirectResponse("/insights", 303, headers={"cache-control": "no-store"})
        done.set_cookie(COOKIE, given, httponly=True, samesite="strict", path="/",
                        secure=request.url.scheme == "https")
        return done

    @app.get("/insights/{table}.csv", include_in_schema=False)
    def insights_csv(request: Request, table: str, start: str | None = Query(None, alias="from", **dates),
                     end: str | None = Query(None, alias="to", **dates)) -> Response:
        _require(request)
        if table not in INSIGHT_TABLES:
            raise HTTPException(404)
        found = _gather(rt, start, end)
        name = f"policybot-{table}-{found.window.start}-{found.window.end}.csv"
        return Response(csv_text(*insight_tables(found)[table]), media_type="text/csv; charset=utf-8", headers={
            "content-disposition": f'attachment; filename="{name}"', "cache-control": "no-store"})

    @app.get("/insights/assets/{name}", include_in_schema=False)
    def insights_asset(name: str) -> FileResponse:
        _token()
        files = {"plotly.min.js": plotly_js(), "insights.js": STATIC / "insights.js"}
        if name not in files:
            raise HTTPException(404)
        return FileResponse(files[name], media_type="text/javascript",
                            headers={"cache-control": "public, max-age=86400"})
