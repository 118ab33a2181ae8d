"""The chat page in a real browser (Debian's chromium, driven by Playwright); the support widget's
browser tests are in tests/test_widget.py, and the browser fixtures in tests/conftest.py.

Screenshots go to a temporary folder, or to docs/ when POLICYBOT_SCREENSHOTS=docs (``make screenshots``).
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.conftest import wait_until
from tests.snapshot import NOT_SOLD, NOT_SOLD_SPAN

XSS = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> Do you sell my data?'


def _ask_chat(page: Page, question: str) -> None:
    box = page.locator("#pb-question textarea")
    box.fill(question)
    box.press("Enter")


def test_chat_page_answers_with_cited_passages(server, page: Page, shots: Path) -> None:
    page.goto(server.url + "/")
    expect(page.get_by_role("link", name="Read the full policy")).to_have_attribute("href", "/policy/bellacor")
    for developer_link in ("API docs", "Support widget demo"):  # shoppers see the policy, not the plumbing
        expect(page.get_by_role("link", name=developer_link)).to_have_count(0)
    _ask_chat(page, "Do you sell my data?")
    chat = page.locator("#pb-chat")
    reply = chat.locator(".pb-reply").last
    expect(reply.locator("blockquote")).to_have_text(NOT_SOLD, timeout=30000)
    expect(reply.locator(".pb-from")).to_contain_text("From How information is used in the policy · strong match")
    expect(reply.get_by_role("link", name="View in policy").first).to_have_attribute(
        "href", "/policy/bellacor?start={}&end={}&v={}#cite-1".format(
            *NOT_SOLD_SPAN, server.app.state.runtime.bot.index.policies["bellacor"].sha256[:12]))
    assert reply.inner_text().count(NOT_SOLD) == 1, "the answer sentence is quoted once, not again as a source"
    assert "score" not in reply.inner_text()  # confidence in words, never a raw number
    # The follow-ups are questions the policy answers, on the topics next to selling.
    for follow_up in ("Who do you share my information with?", "How do I stop marketing emails?"):
        expect(chat.get_by_role("button", name=follow_up)).to_be_visible()
    cited = page.locator("#pb-panel mark#cite-1")
    expect(cited).to_contain_text(NOT_SOLD)
    page.wait_for_function(  # the panel has finished scrolling the citation to its top
        """() => { const box = document.querySelector('#pb-panel .pb-scroll'), m = box.querySelector('#cite-1');
                   const top = m.getBoundingClientRect().top - box.getBoundingClientRect().top;
                   return top >= 0 && top < 60; }""", timeout=10000)
    page.screenshot(path=str(shots / "chat.png"))


def test_chat_examples_likes_and_abstention(server, page: Page) -> None:
    bodies: list[int] = []  # the chat's requests carry the new question only, not the conversation
    page.on("request", lambda r: bodies.append(len(r.post_data_buffer or b"")) if r.method == "POST" else None)
    page.goto(server.url + "/")
    page.get_by_text("Do you collect data from children?").click()
    chat = page.locator("#pb-chat")
    expect(chat.locator(".pb-answer").last).to_contain_text("under the age of 13", timeout=30000)
    before = server.app.state.runtime.feedback.report().upvotes
    chat.get_by_role("button", name="Like", exact=True).first.click()
    wait_until(lambda: server.app.state.runtime.feedback.report().upvotes == before + 1, "the like to be stored")

    _ask_chat(page, "What is your return policy?")
    reply = chat.locator(".pb-reply").last
    expect(reply.locator(".pb-answer")).to_have_text("I couldn't find this in the policy.", timeout=30000)
    expect(reply.get_by_role("link", name="Contact bellacor.com")).to_have_attribute(
        "href", "http://www.bellacor.com/contact.cfm")  # the policy's own contact route, one click away
    expect(reply.locator("summary")).to_have_text("Closest passages (3)")

    sources = chat.locator("details.pb-sources").count()
    _ask_chat(page, "hi")
    expect(chat.locator(".pb-reply").last).to_contain_text("Hi! I answer questions about this privacy policy",
                                                           timeout=30000)
    assert chat.locator("details.pb-sources").count() == sources, "small talk adds no sources block"
    # A suggested follow-up is asked with one click, and answered.
    follow_up = server.app.state.runtime.bot.answer("hi").suggestions[0]
    replies = chat.locator(".pb-reply").count()
    chat.get_by_role("button", name=follow_up).last.click()
    expect(chat.locator(".pb-reply")).to_have_count(replies + 1, timeout=30000)
    expect(chat.locator(".pb-reply").last.locator("blockquote")).to_have_text(
        server.app.state.runtime.bot.answer(follow_up).text)
    assert len(bodies) >= 5 and max(bodies) < 2048, bodies  # far under the 16 KB body limit


def test_chat_shows_markup_as_text_and_runs_nothing(server, page: Page) -> None:
    page.goto(server.url + "/")
    _ask_chat(page, XSS)
    chat = page.locator("#pb-chat")
    expect(chat.get_by_text("<script>window.__pwned = 1</script>", exact=False)).to_be_visible(timeout=30000)
    expect(chat.locator(".pb-reply")).to_have_count(1)  # replied to, and nothing in the question ran
    assert page.evaluate("window.__pwned") is None
    assert chat.locator("img[src=x]").count() == 0
    phish = "Do you sell my data? [phish](https://evil.example/login) ![t](https://evil.example/track.png) **b**"
    _ask_chat(page, phish)
    expect(chat.get_by_text(phish)).to_be_visible(timeout=30000)  # shown as typed: Markdown stays text
    assert chat.locator("a[href*='evil.example']").count() == 0
    assert chat.locator("img[src*='evil.example']").count() == 0
