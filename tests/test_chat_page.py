"""The chat page and the policy page as a shopper meets them: nothing broken on an empty question,
readable in light and dark (axe-core finds no serious problem), usable with a screen reader and
the keyboard, and nothing loaded from outside this server, /docs included."""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.snapshot import NOT_SOLD, NOT_SOLD_SPAN

CITED_PAGE = "/policy/bellacor?start={}&end={}#cite-1".format(*NOT_SOLD_SPAN)


def _ask(page: Page, question: str) -> None:
    box = page.locator("#pb-question textarea")
    box.fill(question)
    box.press("Enter")


def _answered(page: Page, question: str = "Do you sell my data?") -> None:
    replies = page.locator("#pb-chat .pb-reply").count()
    _ask(page, question)
    expect(page.locator("#pb-chat .pb-reply")).to_have_count(replies + 1, timeout=30000)


def _serious(page: Page) -> list[str]:
    violations = Axe().run(page).response["violations"]
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in violations
            if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_problem_on_the_chat_and_policy_pages(server, browser: Browser, shots: Path,
                                                                   scheme: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.goto(server.url + "/")
    _answered(page, "What is your return policy?")  # not found: contact link, closest passages
    _answered(page)  # an answer with its sources and follow-ups
    assert _serious(page) == []
    if scheme == "dark":
        page.screenshot(path=str(shots / "chat-dark.png"))
    page.goto(server.url + CITED_PAGE)
    expect(page.locator("mark#cite-1")).to_contain_text(NOT_SOLD)
    assert _serious(page) == []
    context.close()


def test_enter_on_an_empty_box_does_nothing(server, page: Page) -> None:
    page.goto(server.url + "/")
    logged = server.app.state.runtime.feedback.report().questions
    for empty in ("", "   "):
        _ask(page, empty)
        page.wait_for_timeout(800)  # time for a round trip, were one made
    assert page.locator(".toast-body, .error, [role=alert]").count() == 0
    assert page.locator("#pb-chat .pb-reply").count() == 0
    assert server.app.state.runtime.feedback.report().questions == logged
    _answered(page)  # and the box still works


def test_screen_readers_hear_the_answer_once_and_briefly(server, page: Page) -> None:
    page.goto(server.url + "/")
    _answered(page)
    sources = len(server.app.state.runtime.bot.answer("Do you sell my data?").citations)
    expected = f"{NOT_SOLD} {sources} source{'s' if sources > 1 else ''}."
    expect(page.locator("#pb-announce[role=status]")).to_have_text(expected)
    assert page.locator("#pb-chat [role=log]").get_attribute("aria-live") == "off"  # not the whole bubble too
    assert page.locator("#pb-chat [data-testid=bot][aria-label]").count() == 0  # no raw markup as a name
    snapshot = page.locator("#pb-chat").aria_snapshot()
    assert "<p>" not in snapshot and "<strong>" not in snapshot and "score" not in snapshot


def test_sources_fold_with_the_keyboard(server, page: Page) -> None:
    page.goto(server.url + "/")
    _answered(page, "What is your return policy?")
    details = page.locator("#pb-chat details.pb-sources").last
    summary = details.locator("summary")
    expect(details).to_have_attribute("open", "")  # the first sources show unfolded
    summary.focus()
    page.keyboard.press("Space")
    expect(details).not_to_have_attribute("open", "")
    page.keyboard.press("Enter")
    expect(details).to_have_attribute("open", "")
    assert details.locator("button").count() == 0, "no control nested in the toggle"


def test_a_phone_gets_the_chat_full_width_without_the_side_panel(server, browser: Browser, shots: Path) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    page.goto(server.url + "/")
    _answered(page)
    expect(page.locator("#pb-panel")).to_be_hidden()
    chat = page.locator("#pb-chat").bounding_box()
    bubble = page.locator("#pb-chat .pb-reply").last.bounding_box()
    assert chat and bubble and bubble["width"] >= 0.75 * chat["width"], (bubble, chat)
    box = page.locator("#pb-question textarea")
    assert box.evaluate("t => t.scrollHeight <= t.clientHeight + 2"), "the placeholder fits on one line"
    page.screenshot(path=str(shots / "chat-phone.png"))
    context.close()


def test_the_policy_page_leads_back_and_links_its_addresses(server, page: Page) -> None:
    page.goto(server.url + CITED_PAGE)
    expect(page.get_by_role("link", name="← Ask a question about this policy")).to_have_attribute("href", "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Privacy Policy")
    expect(page.get_by_role("link", name="http://www.bellacor.com/contact.cfm")).to_have_attribute(
        "href", "http://www.bellacor.com/contact.cfm")
    top = page.locator("mark#cite-1").bounding_box()
    assert top and top["y"] > 100, "the marked passage is not flush against the top edge"


def test_no_request_leaves_the_machine_docs_included(server, page: Page) -> None:
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((server.url, "data:", "blob:"))
            else None)
    page.goto(server.url + "/")
    _answered(page)
    page.goto(server.url + CITED_PAGE)
    page.goto(server.url + "/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("policybot", timeout=30000)
    expect(page.get_by_text("/api/answer").first).to_be_visible()
    assert outside == []


def test_at_a_glance_lists_every_topic_with_its_quote_or_not_found(server, page: Page) -> None:
    page.goto(server.url + "/")
    page.get_by_role("button", name="At a glance: what the policy says, topic by topic").click()
    glance = page.locator("#pb-glance .pb-glance")
    expect(glance.locator("li")).to_have_count(14)
    selling = glance.locator("li", has_text="Selling your data")
    expect(selling).to_contain_text(NOT_SOLD)
    expect(glance.locator("li", has_text="How long it is kept")).to_contain_text("Not found in this policy")
    with page.expect_popup() as popup:
        selling.get_by_role("link", name="In the policy").click()
    expect(popup.value.locator("mark#cite-1")).to_contain_text(NOT_SOLD)
    expect(glance.locator(".pb-facts")).to_contain_text("words, about 5 min to read, reading grade")
    assert _serious(page) == []
