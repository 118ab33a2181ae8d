"""The insights page in a real browser: sign in with the token, charts drawn offline under the
page's CSP in light and dark, paraphrases clustered together, and a CSV that downloads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from bot import Answer, Bot, FeedbackStore, Settings
from bot.web.api import create_app
from tests.conftest import serving, wait_until
from tests.test_insights import LOG, seed

TOKEN = "page-token-123"


@pytest.fixture()
def site(bot: Bot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("POLICYBOT_ADMIN_TOKEN", TOKEN)
    seed(tmp_path, [(date.today().isoformat(), q, k, v) for _, q, k, v in LOG])
    settings = Settings(policy_dir=bot.settings.policy_dir, index_dir=bot.settings.index_dir, data_dir=tmp_path)
    app = create_app(settings, bot, chat=False)
    with serving(app) as url:
        wait_until(lambda: app.state.runtime.ready.is_set(), "the server to be ready")
        yield url


def _offline(page: Page, url: str) -> list[str]:
    """Requests anywhere but this server fail (no CDN can help); returns the console's CSP errors."""
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(url) else route.abort())
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    return problems


def _sign_in(page: Page, url: str) -> None:
    page.goto(f"{url}/insights")
    page.get_by_label("Admin token").fill(TOKEN)
    page.get_by_role("button", name="Show insights").click()
    page.wait_for_selector("html[data-charts=drawn]", timeout=30_000)


def test_insights_page_draws_charts_offline_and_exports_csv(site: str, page: Page, shots: Path) -> None:
    problems = _offline(page, site)
    _sign_in(page, site)
    assert "token" not in page.url
    for chart in ("chart-days", "chart-rates", "chart-topics"):
        assert page.locator(f"#{chart} .main-svg").count() >= 1, chart
    assert page.locator("#chart-days .bars .point").count() >= 2, "answered and not-found bars for today"
    assert not problems, problems
    gap = page.locator("table:has(caption:text('Coverage gaps')) tbody tr").first
    assert "How do I delete my account?" in gap.inner_text() and "how do i remove my profile" in gap.inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download coverage gaps (CSV)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("size,questions,label,examples,") and "How do I delete my account?" in text
    page.screenshot(path=str(shots / "insights.png"), full_page=True)


def test_insights_page_follows_dark_mode(site: str, browser: Browser, shots: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    page = context.new_page()
    try:
        problems = _offline(page, site)
        _sign_in(page, site)
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        label = page.locator("#chart-days .xtick text").first.evaluate("e => getComputedStyle(e).fill")
        assert background == "rgb(22, 23, 27)" and label == "rgb(236, 236, 241)", (background, label)
        assert not problems, problems
        page.screenshot(path=str(shots / "insights-dark.png"), full_page=True)
    finally:
        context.close()


def test_downvoted_answers_show_what_was_wrong(site: str, page: Page, tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path)  # the site's own store, as a widget's thumbs down fills it
    answer_id = store.record(Answer("Is my card stored?", True, "Cards are not stored.", (), "bellacor", 1.0), "web")
    assert store.vote(answer_id, up=False, comment="I asked about PayPal, not cards. Reach me at jo@example.com")
    _offline(page, site)
    _sign_in(page, site)
    table = page.locator("table:has(caption:text('Downvoted answers'))")
    expect(table.locator("th")).to_have_text(["Question", "Answer given", "What was wrong", "Section", "Thumbs down"])
    row = table.locator("tbody tr", has_text="Is my card stored?")
    expect(row.locator("td")).to_have_text(["Is my card stored?", "Cards are not stored.",
                                            "I asked about PayPal, not cards. Reach me at [email]", "", "1"])
    expect(table.locator("tbody tr", has_text="how do i remove my profile").locator("td").nth(2)).to_have_text("")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download downvoted answers (CSV)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("question,answer,section,votes,comments\n")
    assert 'Is my card stored?,Cards are not stored.,,1,"I asked about PayPal, not cards. Reach me at [email]"' in text
