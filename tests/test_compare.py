"""One question asked of several policies (``Bot.compare``), with the real model, FAISS and BM25, in
the engine, the command line and the JSON API."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator
from dataclasses import astuple

import pytest
from fastapi.testclient import TestClient

from bot import Bot, InvalidQuestionError, Settings, UnknownPolicyError
from bot.cli import main
from bot.query import prepare
from bot.retrieve import retrieve, retrieve_each
from bot.web.api import create_app
from tests.conftest import DEFAULT_POLICY, SHARED
from tests.snapshot import NOT_SOLD

LAYQA = SHARED / "data" / "layqa" / "policies"
QUESTIONS = ["Do you sell my data?", "how do i unsubscribe from emails", "Can I pay with bitcoin?",
             "do u keep my infomation forever", "who do you share my info with"]


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, embedder) -> Bot:
    """Three real policies in one index: the default one and two of the lay question set's."""
    root = tmp_path_factory.mktemp("library")
    (root / "policies").mkdir()
    shutil.copy(DEFAULT_POLICY, root / "policies" / "bellacor.md")
    for name in ("mozilla", "imgur"):
        shutil.copy(LAYQA / f"{name}.md", root / "policies" / f"{name}.md")
    return Bot(root / "policies", root / "index", embedder=embedder)


@pytest.mark.parametrize("question", QUESTIONS)
def test_each_row_is_the_answer_that_policy_gives_alone(library: Bot, question: str) -> None:
    c = library.compare(question)
    assert sorted(r.policy for r in c.rows) == ["bellacor", "imgur", "mozilla"]
    for row in c.rows:
        alone = library.answer(question, policy=row.policy)
        assert (row.answered, row.answer, row.kind) == (alone.answered, alone.text, alone.kind)
        assert row.citation == alone.citations[0]
        assert row.policy_version == alone.policy_version
    answered = [r for r in c.rows if r.answered]
    assert c.rows[: len(answered)] == tuple(answered), "policies that answer come first"
    assert [r.citation.score for r in answered] == sorted((r.citation.score for r in answered), reverse=True)
    assert [r.policy for r in c.rows[len(answered):]] == sorted(r.policy for r in c.rows[len(answered):])


@pytest.mark.parametrize("question", QUESTIONS)
def test_scoring_every_policy_in_one_pass_finds_what_each_alone_finds(library: Bot, question: str) -> None:
    """The oracle: ``retrieve_each`` against ``retrieve`` on each policy by itself."""
    index = library.index
    query, asked = library._vectors(question, index)
    each = retrieve_each(index, asked, query, list(index.policies), 3)
    for name in index.policies:
        alone = retrieve(index, asked, query, [name], 3)
        assert [(h.passage, h.rank, h.sentence) for h in each[name]] == [(h.passage, h.rank, h.sentence) for h in alone]
        for one, other in zip(each[name], alone, strict=True):  # the same sums, in float32 over other blocks
            assert astuple(one) == pytest.approx(astuple(other), abs=1e-5)
    assert prepare(question, index.speller, index.word_counts, len(index.passages)) == query


def test_the_default_policy_answers_the_selling_question_from_its_sentence(library: Bot) -> None:
    c = library.compare("do u sell my infomation", ["bellacor"])
    assert [(r.policy, r.answered, r.answer) for r in c.rows] == [("bellacor", True, NOT_SOLD)]
    assert c.topic == "selling"


def test_names_are_checked_and_repeats_asked_once(library: Bot) -> None:
    assert [r.policy for r in library.compare("Do you use cookies?", ["imgur", "imgur"]).rows] == ["imgur"]
    with pytest.raises(UnknownPolicyError, match=r"'nope'.*bellacor, imgur, mozilla"):
        library.compare("Do you use cookies?", ["imgur", "nope"])
    with pytest.raises(InvalidQuestionError, match="not a question about the policies"):
        library.compare("hi!")


def test_the_verdict_is_the_overview_of_the_question_topic(library: Bot) -> None:
    for name in ("bellacor", "imgur"):
        library.overview(name)  # made, as a server's warm-up makes them
    rows = {r.policy: r for r in library.compare("Do you sell my data?").rows}
    for name in ("bellacor", "imgur"):
        assert rows[name].addressed is library.overview(name).topics["selling"].addressed
    assert rows["bellacor"].addressed is True


def test_the_command_line_prints_a_table_json_and_csv(library: Bot, capsys: pytest.CaptureFixture) -> None:
    dirs = ["--policies", str(library.settings.policy_dir), "--index", str(library.settings.index_dir)]
    assert main(["compare", "Do you sell my data?", *dirs]) == 0
    out = capsys.readouterr().out
    assert "policies answer · topic: Selling your data" in out and f"“{NOT_SOLD}”" in out
    assert main(["compare", "Do you sell my data?", "--policy", "bellacor", "--policy", "imgur", "--json", *dirs]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["policies"] == 2 and {r["policy"] for r in data["rows"]} == {"bellacor", "imgur"}
    assert next(r for r in data["rows"] if r["policy"] == "bellacor")["answer"] == NOT_SOLD
    assert main(["compare", "Do you sell my data?", "--csv", *dirs]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 3 and next(r for r in rows if r["policy"] == "bellacor")["answer"] == NOT_SOLD
    assert main(["compare", "hello", *dirs]) == 2
    assert "not a question about the policies" in capsys.readouterr().err


@pytest.fixture(scope="module")
def client(library: Bot, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The API over the library, warmed first as a server's start-up does: no warm-up thread then
    outlives the tests (a model call at interpreter exit aborts the process)."""
    library.warm()
    settings = Settings(policy_dir=library.settings.policy_dir, index_dir=library.settings.index_dir,
                        data_dir=tmp_path_factory.mktemp("data"))
    with TestClient(create_app(settings, library, chat=False)) as c:
        yield c


def test_the_api_compares_and_links_each_row_to_its_passage(library: Bot, client: TestClient) -> None:
    r = client.post("/api/compare", json={"question": "Do you sell my data?", "policies": None})
    assert r.status_code == 200
    data = r.json()
    assert data["policies"] == 3 and data["topic"] == "selling"
    assert {x["policy"]: x["addressed"] for x in data["rows"]} == {
        name: library.overview(name).topics["selling"].addressed for name in ("bellacor", "imgur", "mozilla")}
    row = next(x for x in data["rows"] if x["policy"] == "bellacor")
    cited = row["citation"]
    assert row["answer"] == NOT_SOLD and NOT_SOLD in cited["text"]
    assert row["url"] == (f"/policy/bellacor?start={cited['start']}&end={cited['end']}"
                          f"&v={row['policy_version'][:12]}#cite-1")
    source = library.policy_text("bellacor")
    assert NOT_SOLD in source[cited["start"]:cited["end"]]
    assert client.post("/api/compare", json={"question": "x?", "policies": ["nope"]}).status_code == 404
    assert client.post("/api/compare", json={"question": "Do you sell my data?", "policies": "bellacor"}
                       ).status_code == 422
    assert client.post("/api/compare", json={"question": "hi"}).status_code == 422


def test_the_policy_list_pages_and_filters(client: TestClient) -> None:
    r = client.get("/api/policies")
    assert [p["name"] for p in r.json()] == ["bellacor", "imgur", "mozilla"] and r.headers["X-Total-Count"] == "3"
    r = client.get("/api/policies?offset=1&limit=1")
    assert [p["name"] for p in r.json()] == ["imgur"] and r.headers["X-Total-Count"] == "3"
    r = client.get("/api/policies?q=MOZ")
    assert [p["name"] for p in r.json()] == ["mozilla"] and r.headers["X-Total-Count"] == "1"
    assert client.get("/api/policies?offset=5").json() == []
    for bad in ("limit=0", "limit=1001", "offset=-1", "limit=x"):
        assert client.get(f"/api/policies?{bad}").status_code == 422, bad
