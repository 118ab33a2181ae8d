"""/docs without the internet: Swagger UI from files a kept package ships (``fastapi-offline``),
served here, instead of FastAPI's default page that loads them from a CDN."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).with_name("static")  # Swagger UI 5 (OpenAPI 3.1), ReDoc
ASSETS_URL = "/docs-assets"


def add_docs(app: FastAPI) -> None:
    """Serve /docs (the app was made with ``docs_url=None``) and its assets under /docs-assets."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        page = get_swagger_ui_html(openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title}: API docs",
                                   swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
                                   swagger_favicon_url=f"{ASSETS_URL}/favicon.png")
        html = bytes(page.body).replace(b"<html>", b'<html lang="en">', 1)  # screen readers need the language
        return HTMLResponse(html)
