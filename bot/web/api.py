"""One server, three ways in: the JSON API, the support widget, and the chat page (mounted at /).

The engine is loaded once per process; answering runs in FastAPI's worker threads so the event
loop never waits on the model. Errors are JSON with the engine's message and the right status.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot import (
    MAX_COMMENT_CHARS,
    MAX_QUESTION_CHARS,
    TOPIC_NAMES,
    Bot,
    FeedbackStoreError,
    InvalidCommentError,
    InvalidOptionError,
    InvalidQuestionError,
    PolicybotError,
    PolicySourceError,
    Settings,
    UnknownPolicyError,
    UnknownVersionError,
    __version__,
)

from .changes import STYLE as CHANGES_STYLE
from .changes import what_changed
from .compare import add_compare_routes
from .docs import add_docs
from .guards import BodyLimit, RateLimit
from .insights import add_insights_routes
from .pages import policy_page, policy_url
from .replies import contact_url
from .runtime import Runtime
from .schemas import (
    ERRORS,
    AnswerOut,
    AskRequest,
    ChangesOut,
    FeedbackIn,
    OverviewOut,
    PolicyDetail,
    PolicyOut,
    VersionsOut,
)
from .security import SecurityHeaders
from .workers import Sticky, Worker

log = logging.getLogger("bot.web")
STATIC = Path(__file__).with_name("static")
VERSION = r"^[0-9a-fA-F]{6,64}$"  # a policy version: its sha256, or a prefix of it
CHANGES_DOC = """Without parameters: the policy's versions, newest first. The server keeps each text a policy
file has had (by its sha256, with the time it was first seen) under its data folder, the last 20 a policy.

With `from` and/or `to` (sha256 prefixes of 6+ characters): what changed in meaning between the two
versions, as `python -m bot diff OLD NEW --json` reports it, plus the two versions. `to` defaults to the
current version; `from` to the version before `to`. An unknown policy or version is a 404; a malformed or
ambiguous prefix a 422."""
# Set when the chat page is built, not on import: gradio_client otherwise looks up a telemetry host.
GRADIO_ENV = (("GRADIO_ANALYTICS_ENABLED", "False"),)


# ---------------------------------------------------------------------------- app


class PageGZip:
    """Policy pages and the API docs' script are gzipped on the way out (a 2 MB policy's page is
    3x smaller at level 1, in about 40 ms, off the event loop); other routes are left as they are."""

    def __init__(self, app: Callable) -> None:
        self.app, self.gzip = app, GZipMiddleware(app, minimum_size=1024, compresslevel=1)

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        page = scope["type"] == "http" and scope["path"].startswith(("/policy/", "/docs-assets/"))
        await (self.gzip if page else self.app)(scope, receive, send)


def _status(exc: PolicybotError) -> int:
    if isinstance(exc, InvalidQuestionError | InvalidOptionError | InvalidCommentError):
        return 422
    if isinstance(exc, UnknownPolicyError | UnknownVersionError):
        return 404
    return 503 if isinstance(exc, PolicySourceError | FeedbackStoreError) else 500


def create_app(settings: Settings | None = None, bot: Bot | None = None, chat: bool = True,
               worker: Worker | None = None) -> FastAPI:
    """The whole server; ``bot`` may be given (tests), else it is loaded from ``settings``;
    ``worker`` when it is one of several processes sharing a port (``bot.web.workers``)."""
    settings = settings or Settings.from_env()
    rt = Runtime(settings, bot)
    # The widget's input limits and topic names are the engine's, filled in once here rather than written twice.
    widget_js = (STATIC / "widget.js").read_text(encoding="utf-8")
    for mark, value in (("%MAX_QUESTION_CHARS%", str(MAX_QUESTION_CHARS)), ("%MAX_COMMENT_CHARS%", str(
            MAX_COMMENT_CHARS)), ('"%TOPIC_NAMES%"', json.dumps(TOPIC_NAMES))):
        widget_js = widget_js.replace(mark, value)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        threading.Thread(target=rt.warm, name="policybot-warm", daemon=True).start()
        threading.Thread(target=rt.watch, name="policybot-watch", daemon=True).start()
        yield
        rt.stop.set()

    app = FastAPI(
        title="policybot",
        version=__version__,
        lifespan=lifespan,
        description="Answers questions about a privacy policy with the policy's own words, cited.",
        docs_url=None,  # served by add_docs, from local files
        redoc_url=None,
    )
    app.state.runtime = rt
    app.add_middleware(PageGZip)
    app.add_middleware(BodyLimit)
    app.add_middleware(RateLimit, rate=settings.rate)  # outside BodyLimit: a refused request is not read
    app.add_middleware(SecurityHeaders, allowed_origins=settings.allowed_origins)
    # Default: no origin is allowed, so only pages served from here may call the API.
    app.add_middleware(CORSMiddleware, allow_origins=list(settings.allowed_origins), allow_methods=["GET", "POST"],
                       allow_headers=["Content-Type"], expose_headers=["X-Answer-Id", "X-Total-Count"], max_age=600)

    _handle_errors(app)
    _api_routes(app, rt)
    add_compare_routes(app, rt)
    _page_routes(app, rt, widget_js)
    add_insights_routes(app, rt)
    add_docs(app)
    if chat:
        for name, value in GRADIO_ENV:
            os.environ.setdefault(name, value)
        from .chat import mount_chat  # here, not at the top: gradio takes seconds to import

        mount_chat(app, rt)
    if worker is not None:
        app.add_middleware(Sticky, worker=worker)  # outermost: a request for another worker goes there whole
    return app


def _safe(text: str) -> str:
    """Text that can be sent as UTF-8 JSON, whatever the client sent (lone surrogates become "?")."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _handle_errors(app: FastAPI) -> None:
    """Every error is JSON ``{"error": message}`` with a 4xx/5xx status: the engine's own message,
    the first validation problem, or (for a bug) a generic line while the log gets the traceback.
    No handler echoes what the client sent, so none can fail to encode it."""

    @app.exception_handler(RequestValidationError)
    async def bad_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        what = str(first.get("msg", "invalid request"))
        if first.get("type") == "json_invalid":
            where, what = "", "the body is not valid JSON; send a JSON object such as {\"question\": \"...\"}"
        detail = [{"loc": [_safe(str(p)) for p in e.get("loc", ())], "msg": _safe(str(e.get("msg", ""))),
                   "type": str(e.get("type", ""))} for e in exc.errors()]
        return JSONResponse({"error": _safe(f"{where}: {what}" if where else what), "detail": detail}, 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = 422 if exc.status_code == 400 else exc.status_code  # a body that cannot be parsed
        message = {404: "not found", 405: "method not allowed", 422: "the body is not valid UTF-8 JSON; send a "
                   "JSON object such as {\"question\": \"...\"}"}.get(status, _safe(str(exc.detail)))
        return JSONResponse({"error": message}, status, headers=getattr(exc, "headers", None))

    @app.exception_handler(PolicybotError)
    async def engine_error(_: Request, exc: PolicybotError) -> JSONResponse:
        return JSONResponse({"error": _safe(exc.message)}, _status(exc))

    @app.exception_handler(Exception)
    async def crash(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse({"error": "internal error; the server log has the details"}, 500)


PAGE, MAX_PAGE = 100, 1000  # policies listed per page: by default, and at most


def _api_routes(app: FastAPI, rt: Runtime) -> None:
    @app.post("/api/answer", response_model=AnswerOut, responses=ERRORS, tags=["api"],
              summary="Answer a question from the policy, with citations")
    def api_answer(body: AskRequest, response: Response) -> dict:
        answer = rt.bot.answer(body.question, k=body.k, policy=body.policy)
        answer_id = rt.record(answer, "api")
        if answer_id:
            response.headers["X-Answer-Id"] = answer_id
        return answer.to_dict()

    def listing(name: str) -> dict:
        p = rt.bot.policy(name)
        return {"name": p.name, "title": p.title, "passages": p.passages, "updated": p.updated}

    @app.get("/api/policies", response_model=list[PolicyOut], tags=["api"],
             summary="The indexed policies, a page at a time (X-Total-Count: how many match)")
    def api_policies(response: Response, q: str | None = Query(None, max_length=200, description=(
            "Only policies whose name or title contains this, ignoring case.")), offset: int = Query(0, ge=0),
            limit: int = Query(PAGE, ge=1, le=MAX_PAGE)) -> list[dict]:
        wanted = (q or "").casefold()
        found = [p for p in rt.bot.policies if wanted in p.name.casefold() or wanted in p.title.casefold()]
        response.headers["X-Total-Count"] = str(len(found))
        return [listing(p.name) for p in found[offset : offset + limit]]

    @app.get("/api/policies/{name}", response_model=PolicyDetail, responses=ERRORS, tags=["api"],
             summary="One policy, with its contact route")
    def api_policy(name: str) -> dict:
        contact = rt.bot.contact(name)  # the engine raises UnknownPolicyError (404) for a name it lacks
        return {**listing(name), "contact": contact, "contact_url": contact_url(contact), "url": policy_url(name)}

    @app.get("/api/policies/{name}/overview", response_model=OverviewOut, responses=ERRORS, tags=["api"],
             summary="The policy at a glance: each privacy topic, addressed or not, with its quotes")
    def api_overview(name: str) -> dict:
        return rt.bot.overview(name).to_dict()

    @app.get("/api/policies/{name}/changes", response_model=VersionsOut | ChangesOut, responses=ERRORS, tags=["api"],
             summary="The policy's versions, or what changed between two of them", description=CHANGES_DOC)
    def api_changes(name: str, old: str | None = Query(None, alias="from", pattern=VERSION),
                    new: str | None = Query(None, alias="to", pattern=VERSION)) -> dict:
        if old is None and new is None:
            versions, serving = rt.bot.versions(name), rt.bot.policy(name).sha256
            return {"policy": name, "current": serving, "versions": [v.to_dict() for v in versions]}
        changes = rt.bot.changes(name, old, new)
        if changes is None:
            raise UnknownVersionError(f"policy {name!r} has no version before {new!r}; give from= as well")
        return changes.to_dict()

    @app.post("/api/feedback", responses=ERRORS, tags=["api"],
              summary="Thumbs up or down on an answer; a thumbs down may say what was wrong")
    def api_feedback(body: FeedbackIn) -> dict:
        if not rt.feedback.vote(body.answer_id, body.vote == "up", body.comment):
            return JSONResponse({"error": f"no answer has id {body.answer_id!r}; use the X-Answer-Id "
                                          "header of /api/answer"}, 404)
        return {"ok": True}

    @app.get("/healthz", tags=["ops"], summary="Ready once the index and the model are loaded")
    async def healthz() -> JSONResponse:
        """On the event loop, never queued behind answers; "degraded" while a policy edit cannot be
        indexed (answers then come from the last good index)."""
        if not rt.ready.is_set():
            return JSONResponse({"status": "starting"}, 503)
        policies = rt.bot.policies
        body = {"status": "ready", "policies": len(policies), "passages": sum(p.passages for p in policies)}
        if rt.bot.problem:
            body.update(status="degraded", reason=rt.bot.problem)
        return JSONResponse(body)


def _page_routes(app: FastAPI, rt: Runtime, widget_js: str) -> None:
    """The pages answer GET and HEAD; any other method gets 405 (not the chat page's 404)."""
    for path in ("/policy/{name}", "/widget.js", "/widget-demo"):
        app.add_api_route(path, _not_allowed, methods=["POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)

    @app.get("/policy/{name}", response_class=HTMLResponse, tags=["pages"], summary="A whole policy")
    def page(name: str, start: int | None = Query(None, ge=0), end: int | None = Query(None, ge=0),
             v: str | None = Query(None, pattern=r"^[0-9a-fA-F]{6,64}$",
                                   description="The answer's policy_version (a prefix is enough).")) -> str:
        doc = rt.bot.document(name)
        changed = what_changed(rt.bot, name, doc.sha256)
        return policy_page(doc, start, end, v, changed, CHANGES_STYLE if changed else "")

    @app.get("/widget.js", tags=["pages"], summary="The support widget script")
    def widget() -> Response:
        return Response(widget_js, media_type="text/javascript", headers={"Cache-Control": "public, max-age=300"})

    @app.get("/widget-demo", response_class=HTMLResponse, tags=["pages"], summary="A sample shop page")
    def widget_demo() -> FileResponse:
        return FileResponse(STATIC / "demo.html", media_type="text/html")

    for path, endpoint in (("/policy/{name}", page), ("/widget.js", widget), ("/widget-demo", widget_demo)):
        app.add_api_route(path, endpoint, methods=["HEAD"], include_in_schema=False)


def _not_allowed() -> JSONResponse:
    return JSONResponse({"error": "method not allowed; use GET"}, 405, headers={"Allow": "GET, HEAD"})
