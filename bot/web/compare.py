"""``POST /api/compare``: one question asked of many policies, a row each (``Bot.compare``)."""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from bot import MAX_QUESTION_CHARS, TOPIC_NAMES, Comparison

from .pages import policy_url
from .runtime import Runtime
from .schemas import ERRORS, CitationOut

MAX_COMPARED = 1000  # policy names in one request: more than any library here, fewer than a body of junk


class CompareRequest(BaseModel):
    model_config = ConfigDict(strict=True)

    question: str = Field(description=f"The question, up to {MAX_QUESTION_CHARS:,} characters.",
                          examples=["Do you sell my data?"])
    policies: list[str] | None = Field(None, max_length=MAX_COMPARED,
                                       description="The policies to ask (names from /api/policies); null asks all.")


class RowOut(BaseModel):
    policy: str
    answered: bool = Field(description="True when this policy's answer is quoted from it.")
    kind: str = Field(description="'answer' or 'not_found', as in /api/answer.")
    answer: str = Field(description="The key sentence, quoted verbatim, or \"I couldn't find this in the policy.\"")
    citation: CitationOut | None = Field(description="The answer's source; when not found, the closest passage.")
    policy_version: str = Field(description="sha256 of the policy text answered from, as indexed.")
    url: str | None = Field(description="The cited passage, marked, in the policy page.")
    addressed: bool | None = Field(description="The policy's at-a-glance verdict on the question's topic "
                                               "(/api/policies/{name}/overview); null without a topic or overview.")


class ComparisonOut(BaseModel):
    question: str
    topic: str | None = Field(description=f"The at-a-glance topic the question names, one of {sorted(TOPIC_NAMES)}.")
    answered: int = Field(description="How many of the policies answer it.")
    policies: int
    rows: list[RowOut] = Field(description="Policies that answer first, most confident first; then the rest by name.")
    latency_ms: float


def comparison_out(c: Comparison) -> dict:
    """The JSON of a comparison, each row with a link to its passage."""
    out = c.to_dict()
    for row, data in zip(c.rows, out["rows"], strict=True):
        data["url"] = policy_url(row.policy, row.citation, row.policy_version) if row.citation else None
    return out


def add_compare_routes(app: FastAPI, rt: Runtime) -> None:
    @app.post("/api/compare", response_model=ComparisonOut, responses=ERRORS, tags=["api"],
              summary="Ask one question of many policies, one row each")
    def api_compare(body: CompareRequest) -> dict:
        return comparison_out(rt.bot.compare(body.question, body.policies))
