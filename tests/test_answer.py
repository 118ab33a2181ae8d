"""The engine end to end on the default policy, with the real model, FAISS and BM25."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

import bot.files as files
from bot import Answer, Bot, InvalidOptionError, InvalidQuestionError, UnknownPolicyError, default, engine
from bot.reader import collapse, render_like
from tests.snapshot import CITATION_KEYS, NOT_SOLD


def test_sell_my_data_is_answered_from_the_not_sold_sentence(bot: Bot) -> None:
    a = bot.answer("Do you sell my data?")
    assert a.answered
    assert NOT_SOLD in a.citations[0].text
    assert a.text == NOT_SOLD
    assert a.policy == "bellacor"


@pytest.mark.parametrize(
    "question",
    ["How do I unsubscribe from emails?", "How can I stop getting your marketing e-mails?"],
)
def test_unsubscribe_questions_cite_the_unsubscribe_link(bot: Bot, question: str) -> None:
    a = bot.answer(question)
    assert a.answered
    assert "unsubscribe.cfm" in a.citations[0].sentence
    assert a.text == a.citations[0].sentence


def test_children_question_cites_the_under_13_passage(bot: Bot) -> None:
    a = bot.answer("Do you collect data from children?")
    assert "under the age of 13" in a.citations[0].text
    assert a.citations[0].section == "Children's privacy"


@pytest.mark.parametrize(
    ("question", "section", "phrase"),
    [
        ("Does the site put cookies on my computer?", "Cookies", "cookies"),
        ("Is the connection encrypted when I send my details?", "Encryption and how information is used", "encrypt"),
        ("Is it safe to pay by credit card on your website?", "Encryption and how information is used", "as safe as"),
        ("Who can I contact with questions?", "Contact us", "Customer Care"),
        ("Do third parties show me ads?", "Sharing with third parties and advertising", "serve ads"),
    ],
)
def test_own_questions_find_their_passage(bot: Bot, question: str, section: str, phrase: str) -> None:
    top = bot.answer(question).citations[0]
    assert top.section == section
    assert phrase.lower() in top.text.lower()


@pytest.mark.parametrize(
    "question",
    ["What is your return policy?", "How long do you keep my data?", "What's the weather like in Paris tomorrow?"],
)
def test_questions_the_policy_does_not_address_are_not_answered(bot: Bot, question: str) -> None:
    a = bot.answer(question)
    assert not a.answered
    assert a.text == "I couldn't find this in the policy." and a.kind == "not_found"
    assert a.citations, "the closest passages are still offered"


def test_citations_carry_exact_offsets_and_ranked_scores(bot: Bot) -> None:
    a = bot.answer("What do you do with my data?", k=5)
    source = bot.policy_text("bellacor")
    assert [c.rank for c in a.citations] == list(range(1, len(a.citations) + 1)) and len(a.citations) >= 4
    for c in a.citations:
        assert collapse(render_like(".md", source[c.start : c.end]).text) == c.text
        assert c.sentence in c.text
        assert 0.0 <= c.score <= 1.0
    assert [c.score for c in a.citations] == sorted((c.score for c in a.citations), reverse=True)
    assert len({(c.start, c.end) for c in a.citations}) == len(a.citations)
    assert len(bot.answer("What do you do with my data?", k=2).citations) == 2


def test_answer_text_is_quoted_verbatim_from_the_policy(bot: Bot) -> None:
    for question in ["Do you use SSL?", "Do you share my information with third parties?"]:
        a = bot.answer(question)
        assert a.answered
        assert a.text in a.citations[0].text


def test_to_dict_has_exactly_the_contract_keys(bot: Bot) -> None:
    d = bot.answer("Do you use cookies?", k=2).to_dict()
    assert list(d) == ["question", "answered", "kind", "answer", "policy", "policy_version", "citations",
                       "suggestions", "latency_ms"]
    assert d["policy_version"] == bot.index.policies["bellacor"].sha256
    assert all(set(c) == CITATION_KEYS for c in d["citations"])
    assert d["latency_ms"] > 0
    json.dumps(d)  # serialisable as is


def test_scores_are_comparable_across_questions(bot: Bot) -> None:
    clear = bot.answer("Do you use cookies?").citations[0].score
    vague = bot.answer("What is your return policy?").citations[0].score
    assert clear > 0.8 > bot.calibration.threshold > vague


@pytest.mark.parametrize(
    ("question", "words"),
    [("", "empty"), ("   \n\t ", "empty"), ("x" * 2001, "2001 characters"), ("sell\x00data?", "U+0000"),
     ("bad\x1b[31m", "U+001B")],
)
def test_bad_questions_raise_clear_errors(bot: Bot, question: str, words: str) -> None:
    with pytest.raises(InvalidQuestionError, match=words.replace("+", r"\+")):
        bot.answer(question)


def test_question_limits_and_whitespace(bot: Bot) -> None:
    assert bot.answer("  Do you   use cookies?\n").question == "Do you use cookies?"
    assert bot.answer("a" * 2000).question == "a" * 2000


def test_unknown_policy_lists_the_known_ones(bot: Bot) -> None:
    with pytest.raises(UnknownPolicyError, match=r"'acme'.*known policies: bellacor"):
        bot.answer("Do you sell my data?", policy="acme")


@pytest.mark.parametrize("k", [0, 21, -1, True, 2.5])
def test_k_out_of_range(bot: Bot, k: object) -> None:
    with pytest.raises(InvalidOptionError, match="k="):
        bot.answer("Do you sell my data?", k=k)  # type: ignore[arg-type]


def test_answer_function_works_with_no_setup(monkeypatch: pytest.MonkeyPatch, tmp_path, policy_dir) -> None:
    """``from bot import answer`` builds the default index on first use and caches the bot."""

    monkeypatch.setenv("POLICYBOT_POLICY_DIR", str(policy_dir))
    monkeypatch.setenv("POLICYBOT_INDEX_DIR", str(tmp_path / "default-index"))
    monkeypatch.setattr(default, "_default", None)
    from bot import answer

    first = answer("Do you sell my data?")
    assert isinstance(first, Answer) and first.answered
    assert default._default is not None
    assert (tmp_path / "default-index" / "manifest.json").is_file()
    cached = default._default
    answer("Do you use cookies?")
    assert default._default is cached


def test_a_running_bot_picks_up_an_edited_policy(policy_dir, tmp_path, embedder, monkeypatch) -> None:
    """The rebuild runs off the request path: until it is done, answers come from the last good index."""
    monkeypatch.setattr(engine, "REFRESH_SECONDS", 0.0)
    b = Bot(policy_dir, tmp_path / "ix", embedder=embedder)
    release = threading.Event()
    real_open = engine.open_index

    def held_open(*args, **kwargs):  # the rebuild waits until the stale answer has been checked
        assert release.wait(60)
        return real_open(*args, **kwargs)

    monkeypatch.setattr(engine, "open_index", held_open)
    first = b.answer("Do you sell gift cards?")
    assert not first.answered
    old_version = first.policy_version
    path = policy_dir / "bellacor.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n\nGift cards are sold in every Bellacor store.\n",
                    encoding="utf-8")
    stale = b.answer("Do you sell gift cards?")  # answered from the last good index while it rebuilds
    assert stale.policy_version == old_version and not stale.answered
    release.set()
    b.refresh(wait=True)
    a = b.answer("Do you sell gift cards?")
    assert a.answered and a.text == "Gift cards are sold in every Bellacor store."
    assert a.policy_version == b.index.policies["bellacor"].sha256 != old_version
    assert b.index.built and "Gift cards" in b.document("bellacor").source


def test_an_edit_made_during_a_rebuild_gets_a_rebuild_of_its_own(policy_dir, tmp_path, embedder,
                                                                  monkeypatch) -> None:
    monkeypatch.setattr(engine, "REFRESH_SECONDS", 0.0)
    b = Bot(policy_dir, tmp_path / "ix", embedder=embedder)
    release, entered = threading.Event(), threading.Event()
    real_open = engine.open_index

    def held_open(*args, **kwargs):  # the build has read the folder; it finishes only when released
        index = real_open(*args, **kwargs)
        entered.set()
        assert release.wait(60)
        return index

    monkeypatch.setattr(engine, "open_index", held_open)
    path = policy_dir / "bellacor.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n\nGift cards are sold in every store.\n", encoding="utf-8")
    b.refresh()
    assert entered.wait(60)  # the first rebuild has read the folder as the first edit left it
    path.write_text(path.read_text(encoding="utf-8") + "\n\nVouchers never expire.\n", encoding="utf-8")
    b.refresh()  # a build is running: this one must not be lost
    release.set()
    b.refresh(wait=True)
    assert "Vouchers never expire." in b.document("bellacor").source
    assert b.index.policies["bellacor"].sha256 == files.sha256(path)


def test_several_policies_answer_from_the_right_one(policy_dir, tmp_path, embedder) -> None:
    (policy_dir / "acme.txt").write_text(
        "Returns\n\nYou can return any Acme product within 30 days for a full refund.\n\n"
        "Newsletter\n\nTo stop the Acme newsletter, reply STOP to any issue.\n", encoding="utf-8")
    b = Bot(policy_dir, tmp_path / "ix", embedder=embedder)
    assert sorted(p.name for p in b.policies) == ["acme", "bellacor"]
    a = b.answer("Can I return a product for a refund?")
    assert a.answered and a.policy == "acme" and a.citations[0].section == "Returns"
    only = b.answer("Can I return a product for a refund?", policy="bellacor")
    assert only.policy == "bellacor" and all(c.policy == "bellacor" for c in only.citations)
    assert not only.answered


def test_with_no_policy_named_the_policy_that_answers_best_leads(policy_dir, tmp_path, embedder) -> None:
    """A short cookie notice beside the privacy policy: its "any question about your data" sentence
    sounds more like "Do you sell my data?" to the model than "... is not sold." does, but the
    privacy policy alone answers with far more confidence, so its answer leads (bot.across)."""
    (policy_dir / "cookies.txt").write_text(
        "Cookies\n\nWe set cookies to remember your cart. You can turn cookies off in your browser.\n\n"
        "Contact\n\nWrite to privacy@example.com with any question about your data.\n", encoding="utf-8")
    b = Bot(policy_dir, tmp_path / "ix", embedder=embedder)
    for question in ("Do you sell my data?", "do u sell my infomation"):
        a = b.answer(question)
        assert a.answered and a.policy == "bellacor" and a.text == "Information about Bellacor customers is not sold."
        assert a.to_dict()["answer"] == b.answer(question, policy="bellacor").text  # as the policy answers alone
    a = b.answer("How do I turn off cookies?")
    assert a.policy == "cookies" and a.text == "You can turn cookies off in your browser."
    assert [c.rank for c in a.citations] == list(range(1, len(a.citations) + 1))
    assert all(x.score >= y.score for x, y in zip(a.citations, a.citations[1:], strict=False))
    assert not b.answer("What is your return policy?").answered


@pytest.mark.parametrize("question", ["Do you sell my data?", "What is your return policy?", "hi",
                                      "how do i unsubscribe", "Do you use cookies?"])
def test_follow_up_suggestions_are_questions_the_policy_answers(bot: Bot, question: str) -> None:
    suggestions = bot.answer(question).suggestions
    assert len(suggestions) == 3 and question not in suggestions
    for follow_up in suggestions:
        assert bot.answer(follow_up).kind == "answer", follow_up


def test_follow_ups_come_from_the_topics_next_to_the_question(bot: Bot) -> None:
    assert bot.answer("do you use cookies").suggestions[0] == "Do you use my data for advertising?"
    assert bot.answer("what do you collect about me?").suggestions[:2] == (
        "How do you use my information?", "Who do you share my information with?")


def test_follow_ups_are_asked_once_per_policy_version() -> None:
    from bot.suggestions import QUESTIONS, FollowUps

    asked: list[tuple[str, str]] = []
    vectors = np.eye(len(QUESTIONS), 8, dtype=np.float32)
    followups = FollowUps(lambda q, name: asked.append((q, name)) or "sell" not in q, lambda texts: vectors)
    first = followups.suggester("shop", "v1")
    assert followups.suggester("shop", "v1") is first and len(asked) == len(QUESTIONS)
    assert followups.suggester("shop", "v2") is not first and len(asked) == 2 * len(QUESTIONS)
    assert "selling" not in first.answered and "sharing" in first.answered
    selling = vectors[list(QUESTIONS).index("selling")]
    assert first.after_answer(selling) == (QUESTIONS["sharing"], QUESTIONS["optout"], QUESTIONS["ads"])
