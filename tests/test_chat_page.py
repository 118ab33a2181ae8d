"""The chat page and the policy page as a shopper meets them: nothing broken on an empty question,
readable in light and dark (axe-core finds no serious problem), usable with a screen reader and
the keyboard, and nothing loaded from outside this server, /docs included."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.conftest import wait_until
from tests.keyboard import focus_stop, press_until
from tests.snapshot import NOT_SOLD, NOT_SOLD_SPAN

CITED_PAGE = "/policy/bellacor?start={}&end={}#cite-1".format(*NOT_SOLD_SPAN)
SHARING = "Who do you share my information with?"  # an answer with one more source and follow-ups
GLANCE = "At a glance: what the policy says, topic by topic"


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


def test_each_message_says_who_said_it_to_screen_readers_only(server, page: Page) -> None:
    page.goto(server.url + "/")
    _answered(page)
    _answered(page, SHARING)
    users = page.locator("#pb-chat .user-row [data-testid=user]")
    bots = page.locator("#pb-chat .bot-row [data-testid=bot]")
    expect(users.locator(":scope > .pb-who")).to_have_text(["You:", "You:"])
    expect(bots.locator(":scope > .pb-who")).to_have_text(["Assistant:", "Assistant:"])
    assert users.first.text_content().startswith("You: Do you sell my data?")
    log = page.locator("#pb-chat [role=log]").aria_snapshot()
    order = ["You:", "Do you sell my data?", "Assistant:", NOT_SOLD, "You:", SHARING, "Assistant:"]
    at = [log.find(order[0])]
    for part in order[1:]:  # each in turn, after the one before
        at.append(log.find(part, at[-1] + 1))
    assert -1 not in at, log
    for who in page.locator("#pb-chat .pb-who").all():  # read out, never seen
        box = who.bounding_box()
        assert box is not None and box["width"] <= 1 and box["height"] <= 1
    assert page.locator("#pb-chat [data-testid=bot][aria-label]").count() == 0  # still no raw markup as a name
    expect(page.locator("#pb-announce")).not_to_contain_text("Assistant:")  # the short line stays short


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


def test_a_phone_gets_the_chat_full_width_and_at_a_glance_under_it(server, browser: Browser, shots: Path) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    page.goto(server.url + "/")
    _answered(page)
    expect(page.locator("#pb-panel .pb-scroll")).to_be_hidden()  # no policy scroll box inside the scrolling page
    chat = page.locator("#pb-chat").bounding_box()
    bubble = page.locator("#pb-chat .pb-reply").last.bounding_box()
    assert chat and bubble and bubble["width"] >= 0.75 * chat["width"], (bubble, chat)
    box = page.locator("#pb-question textarea")
    assert box.evaluate("t => t.scrollHeight <= t.clientHeight + 2"), "the placeholder fits on one line"
    page.screenshot(path=str(shots / "chat-phone.png"))
    # "At a glance" is right under the question box, as wide as the chat, and opens there.
    toggle = page.get_by_role("button", name=GLANCE)
    toggle.scroll_into_view_if_needed()
    expect(toggle).to_be_in_viewport()
    under, asked = toggle.bounding_box(), page.locator("#pb-send").bounding_box()
    assert under and asked and 0 < under["y"] - (asked["y"] + asked["height"]) < 80, (under, asked)
    toggle.click()
    glance = page.locator("#pb-glance .pb-glance")
    expect(glance.locator("li")).to_have_count(14)
    wide, text = glance.bounding_box(), page.locator("#pb-glance").bounding_box()
    assert wide and text and text["x"] >= 0 and text["x"] + text["width"] <= 390 and text["width"] >= 0.8 * 390
    assert glance.evaluate("g => Math.min(...[...g.querySelectorAll('*')].map(n => parseFloat(getComputedStyle(n)"
                           ".fontSize)))") >= 14
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling"
    selling = glance.locator("li", has_text="Selling your data")
    expect(selling).to_contain_text(NOT_SOLD)
    with page.expect_popup() as popup:
        selling.get_by_role("link", name="In the policy").click()
    expect(popup.value.locator("mark#cite-1")).to_contain_text(NOT_SOLD)
    assert _serious(page) == []
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


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_keyboard_only_end_to_end(server, browser: Browser, scheme: str) -> None:
    """Ask, fold the sources, open one in the policy, vote, take a follow-up and open "At a glance",
    with the keyboard alone; every stop on the way is on screen, named and ringed (tests/keyboard.py)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    bot = server.app.state.runtime.bot
    page.goto(server.url + "/")
    box = page.get_by_role("textbox", name="Your question")
    expect(box).to_be_focused()  # the page starts in the question box
    assert focus_stop(page) == ("textbox", "Your question")
    page.keyboard.type(SHARING)
    page.keyboard.press("Enter")
    chat = page.locator("#pb-chat")
    reply = chat.locator(".pb-reply").last
    expect(reply.locator("blockquote")).to_have_text(bot.answer(SHARING).text, timeout=30000)
    expect(box).to_be_focused()
    # The latest answer is just before the box: Shift+Tab walks back into it, to its sources.
    sources = reply.locator("details.pb-sources")
    press_until(page, "Shift+Tab", sources.locator("summary"))
    page.keyboard.press("Space")
    expect(sources).not_to_have_attribute("open", "")
    page.keyboard.press("Enter")
    expect(sources).to_have_attribute("open", "")
    press_until(page, "Tab", sources.get_by_role("link", name="View in policy"))
    with page.expect_popup() as popup:
        page.keyboard.press("Enter")
    source = bot.answer(SHARING).citations[1]  # the passage this source quotes, marked in the whole policy
    assert f"/policy/bellacor?start={source.start}&end={source.end}&v=" in popup.value.url
    expect(popup.value.locator("mark#cite-1")).to_contain_text(source.text.split(". ")[0])
    popup.value.close()
    store = server.app.state.runtime.feedback
    upvotes = store.report().upvotes
    press_until(page, "Tab", chat.get_by_role("button", name="Like", exact=True))
    page.keyboard.press("Enter")
    wait_until(lambda: store.report().upvotes == upvotes + 1, "the keyboard's vote to be stored")
    follow_up = bot.answer(SHARING).suggestions[0]
    press_until(page, "Tab", chat.get_by_role("button", name=follow_up))
    page.keyboard.press("Enter")
    expect(chat.locator(".pb-reply")).to_have_count(2, timeout=30000)
    expect(chat.locator(".pb-reply").last.locator("blockquote")).to_have_text(bot.answer(follow_up).text)
    expect(box).to_be_focused()  # not dropped to the page's start when the chosen button goes away
    # At a glance: past the Ask button, a toggle that says whether it is open.
    toggle = page.get_by_role("button", name=GLANCE)
    assert press_until(page, "Tab", toggle)[-2:] == [("button", "Ask"), ("button", GLANCE)]
    expect(toggle).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    selling = page.locator("#pb-glance li", has_text="Selling your data").get_by_role("link", name="In the policy")
    press_until(page, "Tab", selling)
    with page.expect_popup() as popup:
        page.keyboard.press("Enter")
    expect(popup.value.locator("mark#cite-1")).to_contain_text(NOT_SOLD)
    popup.value.close()
    press_until(page, "Shift+Tab", toggle)
    page.keyboard.press("Space")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    # Nothing traps focus: Tab goes on through the policy, off the page and round to the box again.
    stops = press_until(page, "Tab", box, limit=80)
    assert ("document", "") in stops and ("link", "Read the full policy") in stops, stops
    assert ("region", "The policy, with the cited passages marked") in stops
    assert press_until(page, "Shift+Tab", toggle, limit=80)[-1] == ("button", GLANCE)
    context.close()


def test_clear_forgets_the_conversation(server, page: Page) -> None:
    page.goto(server.url + "/")
    _answered(page)
    expect(page.locator("#pb-panel mark#cite-1")).to_contain_text(NOT_SOLD)
    press_until(page, "Shift+Tab", page.locator("#pb-chat").get_by_role("button", name="Clear"))
    page.keyboard.press("Enter")
    expect(page.locator("#pb-chat .pb-reply")).to_have_count(0)
    expect(page.get_by_role("textbox", name="Your question")).to_be_focused()  # not lost with the button
    expect(page.locator("#pb-panel mark")).to_have_count(0)
    _answered(page, "Do you use cookies?")
    expect(page.locator("#pb-chat .pb-reply")).to_have_count(1)  # the cleared answer does not come back


def test_an_example_chosen_with_the_keyboard_leaves_focus_in_the_box(server, page: Page) -> None:
    page.goto(server.url + "/")
    box = page.get_by_role("textbox", name="Your question")
    expect(box).to_be_focused()
    press_until(page, "Shift+Tab", page.locator("#pb-chat").get_by_role("button", name=SHARING))
    page.keyboard.press("Enter")
    expect(page.locator("#pb-chat .pb-reply")).to_have_count(1, timeout=30000)
    expect(box).to_be_focused()  # the examples are gone with the first answer: focus is not lost with them


def test_a_thumbs_down_opens_a_comment_box_whose_comment_is_stored(server, page: Page) -> None:
    store = server.app.state.runtime.feedback

    def comments() -> list[tuple]:
        with sqlite3.connect(store.path) as db:
            return db.execute("SELECT vote, comment FROM votes WHERE comment IS NOT NULL").fetchall()

    page.goto(server.url + "/")
    _answered(page, "Do you use cookies?")
    chat = page.locator("#pb-chat")
    box = page.get_by_role("textbox", name="What was wrong? (optional, 500 characters max)")
    expect(box).to_be_hidden()  # only after a thumbs down
    downvotes = store.report().downvotes
    chat.get_by_role("button", name="Dislike", exact=True).last.click()
    expect(box).to_be_visible()
    expect(box).to_have_attribute("maxlength", "500")
    wait_until(lambda: store.report().downvotes == downvotes + 1, "the thumbs down to be stored")
    assert _serious(page) == []
    press_until(page, "Tab", box)  # next in the page, after the thumbs: the keyboard reaches it
    page.keyboard.type("It talks about cookies but I asked about ads; write to jo@example.com")
    before = len(comments())
    press_until(page, "Tab", page.get_by_role("button", name="Send comment"))
    page.keyboard.press("Enter")
    expect(box).to_be_hidden()
    expect(page.locator("#pb-announce")).to_have_text("Thanks: your comment was sent.")
    wait_until(lambda: len(comments()) == before + 1, "the comment to be stored")
    assert (-1, "It talks about cookies but I asked about ads; write to [email]") in comments()
    assert store.report().downvotes == downvotes + 1, "the same vote, now with its comment"
    chat.get_by_role("button", name="Like", exact=True).last.click()  # a thumbs up drops the comment
    wait_until(lambda: len(comments()) == before, "the comment to go with the thumbs up")
    expect(box).to_be_hidden()
