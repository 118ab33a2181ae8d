"""One server, three ways in: the JSON API, the support widget, and the chat page (mounted at /).

The engine is loaded once per process; answering runs in FastAPI's worker threads so the event
loop never waits on the model. Errors are JSON with the engine's message and the right status.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from pydantic import BaseModel, Field

from bot import (
    Bot,
    FeedbackStore,
    InvalidOptionError,
    InvalidQuestionError,
    PolicybotError,
    PolicySourceError,
    Settings,
    UnknownPolicyError,
    __version__,
)

from .pages import policy_page, policy_url

log = logging.getLogger("bot.web")
STATIC = Path(__file__).with_name("static")
MAX_BODY = 16 * 1024


class Runtime:
    """The engine as the server holds it: one ``Bot``, its feedback store, and readiness."""

    def __init__(self, settings: Settings, bot: Bot | None = None) -> None:
        self.settings = settings
        self.bot = bot or Bot(settings=settings, progress=True)
        self.store = FeedbackStore(settings.data_dir)
        self.ready = threading.Event()

    def warm(self) -> None:
        self.bot.warm()
        self.ready.set()


# ---------------------------------------------------------------------------- schemas


class AskRequest(BaseModel):
    question: str = Field(description="The question, up to 2,000 characters.", examples=["Do you sell my data?"])
    policy: str | None = Field(None, description="Answer from this policy only; null searches every policy.")
    k: int | None = Field(None, description="Number of citations, 1-20 (default 3).")


class CitationOut(BaseModel):
    rank: int
    policy: str
    section: str
    text: str = Field(description="The cited passage.")
    sentence: str = Field(description="The key sentence inside the passage.")
    score: float = Field(description="Probability that the passage answers the question, 0..1.")
    start: int = Field(description="Offset of the passage in the policy file.")
    end: int


class AnswerOut(BaseModel):
    question: str
    answered: bool = Field(description="True when the answer is quoted from the policy.")
    kind: Literal["answer", "not_found", "smalltalk"] = Field(
        description="'answer': quoted from the policy; 'not_found': no passage answers it confidently "
                    "(the citations are the closest passages); 'smalltalk': a greeting, thanks or "
                    "request for help, answered without searching (no citations).")
    answer: str = Field(description="The key sentence, quoted verbatim; or \"I couldn't find this in the "
                                    "policy.\"; or a short reply to small talk.")
    policy: str | None
    citations: list[CitationOut]
    latency_ms: float


class PolicyOut(BaseModel):
    name: str
    title: str
    passages: int
    updated: str = Field(description="When the policy file last changed (ISO 8601, UTC).")


class PolicyDetail(PolicyOut):
    contact: str | None = Field(description="The policy's own sentence on how to contact the company.")
    url: str = Field(description="Page showing the whole policy.")


class FeedbackIn(BaseModel):
    answer_id: str = Field(description="The X-Answer-Id header of the answer being rated.")
    vote: Literal["up", "down"]


class ErrorOut(BaseModel):
    error: str


ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "Unknown policy"},
    413: {"model": ErrorOut, "description": "Body over 16 KB"},
    422: {"model": ErrorOut, "description": "Malformed request or bad question"},
}


# ---------------------------------------------------------------------------- middleware


class BodyLimit:
    """413 for API bodies over ``limit`` bytes, whether declared by Content-Length or streamed.

    API bodies are small, so the body is read here first (at most ``limit`` + 1 bytes are kept)
    and replayed to the app.
    """

    def __init__(self, app: Callable, limit: int = MAX_BODY) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        too_large = JSONResponse({"error": f"request body is over {self.limit // 1024} KB; send a shorter one"}, 413)
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await too_large(scope, receive, send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.limit:
                await too_large(scope, receive, send)
                return
        sent = False

        async def replay() -> dict:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


# ---------------------------------------------------------------------------- app


def _status(exc: PolicybotError) -> int:
    if isinstance(exc, InvalidQuestionError | InvalidOptionError):
        return 422
    if isinstance(exc, UnknownPolicyError):
        return 404
    return 503 if isinstance(exc, PolicySourceError) else 500


def create_app(settings: Settings | None = None, bot: Bot | None = None, chat: bool = True) -> FastAPI:
    """The whole server; ``bot`` may be given (tests), else it is loaded from ``settings``."""
    settings = settings or Settings.from_env()
    rt = Runtime(settings, bot)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        threading.Thread(target=rt.warm, name="policybot-warm", daemon=True).start()
        yield

    app = FastAPI(
        title="policybot",
        version=__version__,
        lifespan=lifespan,
        description="Answers questions about a privacy policy with the policy's own words, cited.",
    )
    app.state.runtime = rt
    app.add_middleware(BodyLimit)
    # Default: no origin is allowed, so only pages served from here may call the API.
    app.add_middleware(CORSMiddleware, allow_origins=list(settings.allowed_origins), allow_methods=["GET", "POST"],
                       allow_headers=["Content-Type"], expose_headers=["X-Answer-Id"], max_age=600)

    @app.exception_handler(RequestValidationError)
    async def bad_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        message = f"{where}: {first.get('msg', 'invalid')}" if where else str(first.get("msg", "invalid request"))
        return JSONResponse({"error": message, "detail": jsonable_encoder(exc.errors())}, 422)

    @app.exception_handler(PolicybotError)
    async def engine_error(_: Request, exc: PolicybotError) -> JSONResponse:
        return JSONResponse({"error": exc.message}, _status(exc))

    @app.exception_handler(Exception)
    async def crash(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse({"error": "internal error; the server log has the details"}, 500)

    @app.post("/api/answer", response_model=AnswerOut, responses=ERRORS, tags=["api"],
              summary="Answer a question from the policy, with citations")
    def api_answer(body: AskRequest, response: Response) -> dict:
        answer = rt.bot.answer(body.question, k=body.k, policy=body.policy)
        response.headers["X-Answer-Id"] = rt.store.record(answer, "api")
        return answer.to_dict()

    def listing(name: str) -> dict:
        p = next(p for p in rt.bot.policies if p.name == name)
        return {"name": p.name, "title": p.title, "passages": p.passages, "updated": p.updated}

    @app.get("/api/policies", response_model=list[PolicyOut], tags=["api"], summary="The indexed policies")
    def api_policies() -> list[dict]:
        return [listing(p.name) for p in rt.bot.policies]

    @app.get("/api/policies/{name}", response_model=PolicyDetail, responses=ERRORS, tags=["api"],
             summary="One policy, with its contact route")
    def api_policy(name: str) -> dict:
        contact = rt.bot.contact(name)  # the engine raises UnknownPolicyError (404) for a name it lacks
        return {**listing(name), "contact": contact, "url": policy_url(name)}

    @app.post("/api/feedback", responses=ERRORS, tags=["api"], summary="Thumbs up or down on an answer")
    def api_feedback(body: FeedbackIn) -> dict:
        if not rt.store.vote(body.answer_id, body.vote == "up"):
            return JSONResponse({"error": f"no answer has id {body.answer_id!r}; use the X-Answer-Id "
                                          "header of /api/answer"}, 404)
        return {"ok": True}

    @app.get("/healthz", tags=["ops"], summary="Ready once the index and the model are loaded")
    def healthz() -> JSONResponse:
        if not rt.ready.is_set():
            return JSONResponse({"status": "starting"}, 503)
        return JSONResponse({"status": "ready", "policies": len(rt.bot.policies),
                             "passages": sum(p.passages for p in rt.bot.policies)})

    @app.get("/policy/{name}", response_class=HTMLResponse, tags=["pages"], summary="A whole policy")
    def page(name: str, start: int | None = Query(None, ge=0), end: int | None = Query(None, ge=0)) -> str:
        return policy_page(rt.bot.document(name), start, end)

    @app.get("/widget.js", tags=["pages"], summary="The support widget script")
    def widget() -> FileResponse:
        return FileResponse(STATIC / "widget.js", media_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=300"})

    @app.get("/widget-demo", response_class=HTMLResponse, tags=["pages"], summary="A sample shop page")
    def widget_demo() -> FileResponse:
        return FileResponse(STATIC / "demo.html", media_type="text/html")

    if chat:
        from .chat import mount_chat

        mount_chat(app, rt)
    return app

