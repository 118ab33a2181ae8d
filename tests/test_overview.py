"""The policy at a glance: each topic addressed or not, quoted from the policy, with its date and
how hard it is to read."""

from __future__ import annotations

import pytest

from bot import Bot
from bot.overview import NOT_FOUND, TOPICS, find_date, topic_view, uses_topic
from bot.results import Answer, Citation
from tests.snapshot import NOT_SOLD


def test_overview_quotes_what_the_policy_says_and_nothing_it_does_not(bot: Bot) -> None:
    o = bot.overview("bellacor")
    assert tuple(o.topics) == TOPICS and len(TOPICS) == 14
    assert o.version == bot.index.policies["bellacor"].sha256
    selling = o.topics["selling"]
    assert selling.addressed and selling.quotes[0].sentence == NOT_SOLD
    assert o.topics["cookies"].quotes[0].sentence.startswith("Bellacor may use cookies")
    for silent in ("retention", "transfer"):  # Bellacor's policy says nothing on these
        view = o.topics[silent].to_dict()
        assert view == {"addressed": False, "quotes": [], "summary": NOT_FOUND}
    assert 900 < o.stats.words < 1100 and o.stats.reading_minutes == 5 and 8 < o.stats.grade < 16
    assert bot.overview("bellacor") is o  # made once per policy version


@pytest.mark.parametrize(("topic", "sentence", "named"), [
    ("selling", "We neither rent nor sell your Personal Data to anyone.", True),
    ("selling", "We may transfer your information in a merger, sale, acquisition or bankruptcy.", False),
    ("children", "We do not knowingly collect data from children under 13.", True),
    ("children", "We comply with 18 USC §2258A and respond to lawful requests.", False),
    ("changes", "FedEx may update this Privacy Notice from time to time.", True),
    ("changes", "When Mozilla collects information about you, our policy describes it.", False),
    ("changes", "If an amendment will have a serious impact, we will tell you.", True),
])
def test_a_topic_counts_only_its_own_words_and_whole_phrases(topic: str, sentence: str, named: bool) -> None:
    assert uses_topic(topic, sentence) is named


def _answer(*found: tuple[str, float]) -> Answer:
    cited = tuple(Citation(i + 1, "p", "", s, s, score, 0, len(s)) for i, (s, score) in enumerate(found))
    return Answer("q", True, found[0][0], cited, "p", 1.0)


def test_the_quote_states_the_position_rather_than_pointing_to_it() -> None:
    pointer = "For more information on how we use cookies, please see our Cookie Policy."
    stated = "We use cookies to remember your settings."
    view = topic_view("cookies", [_answer((pointer, 0.99), (stated, 0.95))], 0.3)
    assert [c.sentence for c in view.quotes] == [stated]  # nor is the pointer a second quote
    heading = "• Cookies and Other Tracking Technology."
    assert topic_view("cookies", [_answer((heading, 0.99), (stated, 0.9))], 0.3).quotes[0].sentence == stated


def test_a_sentence_several_wordings_find_is_preferred() -> None:
    once, twice = "We may share data with partners.", "We share your data with service providers."
    view = topic_view("sharing", [_answer((once, 0.99), (twice, 0.9)), _answer((twice, 0.85))], 0.3)
    assert view.quotes[0].sentence == twice and view.quotes[0].score == 0.9


@pytest.mark.parametrize(("text", "label", "date"), [
    ("Overleaf Privacy Notice\n\nLast Modified: 15th August 2025\n\nThis Notice", "Last Modified", "15th August 2025"),
    ("# Privacy\n_Effective date: January 1, 2024_\n", "Effective date", "January 1, 2024"),
    ("Last updated 2024-03-01.", "Last updated", "2024-03-01"),
    ("**Last Updated:** March 2023\n", "Last Updated", "March 2023"),
])
def test_the_policys_own_date_is_found_with_its_offsets(text: str, label: str, date: str) -> None:
    found = find_date(text)
    assert found is not None and (found.label, found.date) == (label, date)
    assert text[found.start : found.end] == date


def test_a_policy_without_a_date_has_none() -> None:
    assert find_date("We updated our systems in many ways. Contact us at 2024 Main St.") is None


def test_overview_over_http(server) -> None:
    import httpx

    data = httpx.get(server.url + "/api/policies/bellacor/overview", timeout=60).json()
    assert list(data) == ["policy", "version", "updated", "stats", "topics"]
    assert data["topics"]["selling"]["quotes"][0]["sentence"] == NOT_SOLD
    assert data["topics"]["retention"] == {"addressed": False, "quotes": [], "summary": NOT_FOUND}
    assert httpx.get(server.url + "/api/policies/acme/overview", timeout=30).status_code == 404


def test_overview_from_the_command_line(bot: Bot, capsys: pytest.CaptureFixture) -> None:
    import json

    from bot.cli import main

    args = ["overview", "--policies", str(bot.settings.policy_dir), "--index", str(bot.settings.index_dir)]
    assert main([*args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["topics"]["selling"]["quotes"][0]["sentence"] == NOT_SOLD
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"Selling your data:                 “{NOT_SOLD}”" in out
    assert "How long it is kept:               Not found in this policy" in out
