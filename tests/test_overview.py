"""The policy at a glance: each topic addressed or not, quoted from the policy, with its date and
how hard it is to read."""

from __future__ import annotations

import pytest

from bot import Bot
from bot.overview import NOT_FOUND, TOPICS, find_date
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
