"""The chat page and the support widget in a real browser (Debian's chromium, driven by Playwright).

Screenshots go to a temporary folder, or to docs/ when POLICYBOT_SCREENSHOTS=docs (``make screenshots``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from bot import Bot, Settings
from tests.conftest import PROJECT_DIR, serving, wait_until
from tests.snapshot import NOT_SOLD, NOT_SOLD_SPAN

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
XSS = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> Do you sell my data?'


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium (make test does it)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wanted = os.environ.get("POLICYBOT_SCREENSHOTS")
    folder = PROJECT_DIR / wanted if wanted else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    yield pg
    context.close()


def _ask_chat(page: Page, question: str) -> None:
    box = page.locator("#pb-question textarea")
    box.fill(question)
    box.press("Enter")


def test_chat_page_answers_with_cited_passages(server, page: Page, shots: Path) -> None:
    page.goto(server.url + "/")
    expect(page.get_by_role("link", name="Read the full policy")).to_have_attribute("href", "/policy/bellacor")
    _ask_chat(page, "Do you sell my data?")
    chat = page.locator("#pb-chat")
    expect(chat.get_by_text(NOT_SOLD).first).to_be_visible(timeout=30000)
    expect(chat.get_by_text("[1] How information is used")).to_be_visible()  # sources open on the first answer
    expect(chat.get_by_role("link", name="View in policy").first).to_have_attribute(
        "href", "/policy/bellacor?start={}&end={}&v={}#cite-1".format(
            *NOT_SOLD_SPAN, server.app.state.runtime.bot.index.policies["bellacor"].sha256[:12]))
    cited = page.locator("#pb-panel mark#cite-1")
    expect(cited).to_contain_text(NOT_SOLD)
    page.wait_for_function(  # the panel has finished scrolling the citation to its top
        """() => { const box = document.querySelector('#pb-panel .pb-scroll'), m = box.querySelector('#cite-1');
                   const top = m.getBoundingClientRect().top - box.getBoundingClientRect().top;
                   return top >= 0 && top < 60; }""", timeout=10000)
    page.screenshot(path=str(shots / "chat.png"))


def test_chat_examples_likes_and_abstention(server, page: Page) -> None:
    page.goto(server.url + "/")
    page.get_by_text("Do you collect data from children?").click()
    chat = page.locator("#pb-chat")
    expect(chat.get_by_text("under the age of 13").first).to_be_visible(timeout=30000)
    before = server.app.state.runtime.feedback.report().upvotes
    chat.get_by_role("button", name="Like", exact=True).first.click()
    wait_until(lambda: server.app.state.runtime.feedback.report().upvotes == before + 1, "the like to be stored")

    _ask_chat(page, "What is your return policy?")
    expect(chat.get_by_text("I couldn't find this in the policy.")).to_be_visible(timeout=30000)
    expect(chat.get_by_text("http://www.bellacor.com/contact.cfm")).to_be_visible()  # the contact route
    expect(chat.get_by_role("button", name="Closest passages")).to_be_visible()

    sources = chat.get_by_role("button", name="Closest passages").count() + chat.get_by_text("Sources (").count()
    _ask_chat(page, "hi")
    expect(chat.get_by_text("Hi! I answer questions about this privacy policy", exact=False)).to_be_visible(
        timeout=30000)
    assert chat.get_by_role("button", name="Closest passages").count() + chat.get_by_text("Sources (").count() \
        == sources, "small talk adds no sources block"


def test_chat_shows_markup_as_text_and_runs_nothing(server, page: Page) -> None:
    page.goto(server.url + "/")
    _ask_chat(page, XSS)
    chat = page.locator("#pb-chat")
    expect(chat.get_by_text("<script>window.__pwned = 1</script>", exact=False)).to_be_visible(timeout=30000)
    expect(chat.get_by_text(NOT_SOLD).first).to_be_visible()
    assert page.evaluate("window.__pwned") is None
    assert chat.locator("img[src=x]").count() == 0
    phish = "Do you sell my data? [phish](https://evil.example/login) ![t](https://evil.example/track.png) **b**"
    _ask_chat(page, phish)
    expect(chat.get_by_text(phish)).to_be_visible(timeout=30000)  # shown as typed: Markdown stays text
    assert chat.locator("a[href*='evil.example']").count() == 0
    assert chat.locator("img[src*='evil.example']").count() == 0


def _open_widget(page: Page) -> None:
    page.get_by_role("button", name="Ask about our privacy policy").click()
    expect(page.get_by_role("dialog", name="Privacy questions")).to_be_visible()


def test_widget_demo_answers_with_citations(server, page: Page, shots: Path) -> None:
    page.goto(server.url + "/widget-demo")
    _open_widget(page)
    page.get_by_label("Your question").fill("How do I stop marketing emails?")
    page.get_by_role("button", name="Send").click()
    dialog = page.get_by_role("dialog", name="Privacy questions")
    sources = dialog.get_by_role("list", name="Sources")
    expect(sources).to_be_visible(timeout=30000)
    expect(sources.get_by_role("listitem").first).to_contain_text("unsubscribe.cfm")
    # "View in policy" opens the whole policy with that passage marked.
    with page.expect_popup() as popup:
        dialog.get_by_role("link", name="View in policy").first.click()
    policy_page = popup.value
    expect(policy_page.locator("mark#cite-1")).to_contain_text("http://www.bellacor.com/unsubscribe.cfm")
    version = server.app.state.runtime.bot.index.policies["bellacor"].sha256[:12]
    assert policy_page.url.startswith(f"{server.url}/policy/bellacor?start=")
    assert f"&v={version}#cite-1" in policy_page.url, "the same link form as the chat page's"
    policy_page.close()
    # The shop's CSS (pink dashed buttons, serif everything) does not reach inside the widget.
    send = dialog.get_by_role("button", name="Send")
    assert send.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(36, 87, 214)"
    assert "serif" not in send.evaluate("b => getComputedStyle(b).fontFamily").replace("sans-serif", "")
    page.screenshot(path=str(shots / "widget.png"))
    store = server.app.state.runtime.feedback
    before = store.report().upvotes
    dialog.get_by_role("button", name="Helpful", exact=True).click()
    expect(dialog.get_by_role("button", name="Helpful", exact=True)).to_have_attribute("aria-pressed", "true")
    wait_until(lambda: store.report().upvotes == before + 1, "the vote to be stored")


def test_widget_keyboard_focus_trap_and_escape(server, page: Page) -> None:
    page.goto(server.url + "/widget-demo")
    launcher = page.get_by_role("button", name="Ask about our privacy policy")
    launcher.focus()
    page.keyboard.press("Enter")
    expect(launcher).to_have_attribute("aria-expanded", "true")
    focused = "document.querySelector('policybot-widget').shadowRoot.activeElement"
    inside = f"() => {focused}?.closest('[role=dialog]') !== null"
    assert page.evaluate(f"() => {focused}.id") == "pb-input"
    for _ in range(12):  # tabbing cycles inside the dialog, forwards and backwards
        page.keyboard.press("Tab")
        assert page.evaluate(inside)
    for _ in range(5):
        page.keyboard.press("Shift+Tab")
        assert page.evaluate(inside)
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Privacy questions")).to_be_hidden()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    assert page.evaluate(f"() => {focused}.className") == "launcher"


def test_widget_fits_a_375px_phone(server, browser: Browser, shots: Path) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(server.url + "/widget-demo")
    _open_widget(page)
    page.get_by_label("Your question").fill("Do you use cookies?")
    page.get_by_label("Your question").press("Enter")
    dialog = page.get_by_role("dialog", name="Privacy questions")
    expect(dialog.get_by_role("list", name="Sources")).to_be_visible(timeout=30000)
    box = dialog.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375 and box["y"] + box["height"] <= 740
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, "no sideways scrolling"
    page.screenshot(path=str(shots / "widget-phone.png"))
    context.close()


def test_widget_shows_markup_as_text(server, page: Page) -> None:
    page.goto(server.url + "/widget-demo")
    _open_widget(page)
    page.get_by_label("Your question").fill(XSS)
    page.get_by_label("Your question").press("Enter")
    dialog = page.get_by_role("dialog", name="Privacy questions")
    expect(dialog.get_by_text(XSS)).to_be_visible(timeout=30000)
    expect(dialog.get_by_role("list")).to_be_visible(timeout=30000)  # the reply arrived
    assert page.evaluate("window.__pwned") is None


def test_widget_on_another_origin_needs_the_allow_list(bot: Bot, browser: Browser, tmp_path: Path) -> None:
    """A shop page on another origin embeds the script; the API answers it only once allowed."""
    from bot.web import create_app

    api = {"url": ""}  # the API server of the current round, as the shop page links it

    class Shop(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            html = (f'<!doctype html><title>Shop</title><h1>Shop</h1>'
                    f'<script src="{api["url"]}/widget.js" data-policy="bellacor" defer></script>').encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args: object) -> None:
            pass

    shop = ThreadingHTTPServer(("127.0.0.1", 0), Shop)
    shop_origin = f"http://127.0.0.1:{shop.server_address[1]}"
    threading.Thread(target=shop.serve_forever, daemon=True).start()
    try:
        for allowed, expected in (((), "can't be reached"), ((shop_origin,), "cookies")):
            settings = Settings(policy_dir=bot.settings.policy_dir, index_dir=bot.settings.index_dir,
                                data_dir=tmp_path, allowed_origins=allowed)
            with serving(create_app(settings, bot)) as url:
                api["url"] = url.replace("127.0.0.1", "localhost")  # another host name: another origin
                context = browser.new_context()
                page = context.new_page()
                page.goto(shop_origin + "/")
                _open_widget(page)
                page.get_by_label("Your question").fill("Do you use cookies?")
                page.get_by_label("Your question").press("Enter")
                expect(page.get_by_role("dialog").locator(".bot").last).to_contain_text(expected, timeout=30000)
                context.close()
    finally:
        shop.shutdown()
