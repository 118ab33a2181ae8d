"""The support widget (bot/web/static/widget.js) in a real browser, on /widget-demo of a real server.

What a shopper sees and hears: the answer first and once, its section, only the sources that add
something, a contact link one tap away; the shop owner's data- options; keyboard and screen-reader
use; contrast measured from the computed colours, light and dark; axe-core finds nothing serious.
Screenshots go to a temporary folder, or to docs/ when POLICYBOT_SCREENSHOTS=docs.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Route, expect

from bot import TOPIC_NAMES, Bot, Settings
from bot.web.security import DEMO_CSP
from tests.conftest import serving, wait_until
from tests.keyboard import COLOUR_JS, focus_stop, press_until
from tests.snapshot import NOT_SOLD, NOT_SOLD_SECTION

XSS = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> Do you sell my data?'
LAUNCHER = "Ask about our privacy policy"
TITLE = "Privacy questions"
CONTACT = "http://www.bellacor.com/contact.cfm"  # the link in bellacor.md's contact sentence
UNSUBSCRIBE = "http://www.bellacor.com/unsubscribe.cfm"
SHARING = "Who do you share my information with?"  # an answer, a second source and suggestions
SHARING_SECTION = "Information we collect and sharing with third parties"  # its answer's section
NOT_FOUND = "What is your return policy?"  # not in the policy: the closest passages and the contact link
DEFAULT_ACCENT = "rgb(36, 87, 214)"  # #2457d6
SHADOW = "document.querySelector('policybot-widget').shadowRoot"

# Colour maths and checks, run in the page (WCAG 2.1 relative luminance and contrast ratio).
MEASURE = """
window.__pb = (() => {
""" + COLOUR_JS + """
  const root = () => document.querySelector('policybot-widget').shadowRoot;
  const shown = n => n.getClientRects().length > 0 && getComputedStyle(n).visibility === 'visible';
  const name = n => (n.getAttribute('aria-label') || (n.labels && n.labels.length && n.labels[0].textContent) ||
                     n.textContent || n.tagName).trim().replace(/\\s+/g, ' ');
  const color = (n, prop, pseudo) => parse(getComputedStyle(n, pseudo)[prop]).rgb;
  return {
    ratio: (a, b) => ratio(parse(a).rgb, parse(b).rgb),
    text() {  // [name, ratio] for every visible element with text of its own (and the placeholder)
      const out = [];
      for (const n of root().querySelectorAll('*')) {
        if (!shown(n)) continue;
        if ([...n.childNodes].some(t => t.nodeType === 3 && t.textContent.trim()))
          out.push([name(n), ratio(color(n, 'color'), background(n))]);
        if (n.tagName === 'INPUT') out.push(['placeholder', ratio(color(n, 'color', '::placeholder'), background(n))]);
      }
      return out;
    },
    controls() {  // [name, ratio] for control boundaries and icons, against what is around them
      const out = [];
      for (const n of root().querySelectorAll('input, button, summary')) {
        if (!shown(n)) continue;
        const s = getComputedStyle(n);
        if (s.borderTopStyle !== 'none' && parseFloat(s.borderTopWidth) > 0)
          out.push([name(n) + ' border', ratio(color(n, 'borderTopColor'), background(up(n)))]);
        if (n.querySelector('svg')) out.push([name(n) + ' icon', ratio(color(n, 'color'), background(n))]);
      }
      return out;
    },
    focus() {  // the focused element's ring: [name, style, width, ratio against what is around it]
      let n = document.activeElement;
      while (n && n.shadowRoot && n.shadowRoot.activeElement) n = n.shadowRoot.activeElement;
      const s = getComputedStyle(n), inside = parseFloat(s.outlineOffset) < 0;
      return [name(n), s.outlineStyle, parseFloat(s.outlineWidth),
              ratio(parse(s.outlineColor).rgb, background(inside ? n : up(n)))];
    },
  };
})();
"""


# ---------------------------------------------------------------------------- helpers


def _demo(page: Page, server, attrs: str = "") -> None:
    """Open /widget-demo, its script tag given extra ``attrs`` (as a shop owner would write them)."""
    if attrs:
        def with_attrs(route: Route) -> None:
            response = route.fetch()
            html = response.text().replace('<script src="/widget.js"', f'<script src="/widget.js" {attrs}')
            route.fulfill(response=response, body=html)

        page.route("**/widget-demo", with_attrs)
    page.goto(server.url + "/widget-demo")


def _open(page: Page, title: str = TITLE) -> Locator:
    page.get_by_role("button", name=LAUNCHER).click()
    dialog = page.get_by_role("dialog", name=title)
    expect(dialog).to_be_visible()
    return dialog


def _ask(dialog: Locator, question: str) -> Locator:
    """Ask through the input; returns the answer's bubble once it has arrived."""
    bubbles = dialog.locator(".msg.bot")
    before = bubbles.count()
    box = dialog.get_by_label("Your question")
    box.fill(question)
    box.press("Enter")
    expect(bubbles).to_have_count(before + 1)
    answer = bubbles.nth(before)
    expect(answer).not_to_have_attribute("aria-busy", "true", timeout=30000)
    return answer


def _rewrite(page: Page, path: str, change: Callable[[dict], None]) -> None:
    """Serve ``path``'s real JSON with ``change`` applied (a field the API adds or drops)."""
    def handle(route: Route) -> None:
        response = route.fetch()
        data = response.json()
        change(data)
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-encoding")}
        route.fulfill(status=response.status, headers=headers, json=data)

    page.route(f"**{path}", handle)


def _measure(page: Page) -> None:
    page.evaluate(MEASURE)


def _context(browser: Browser, **kwargs: object) -> BrowserContext:
    return browser.new_context(viewport={"width": 1280, "height": 900}, **kwargs)


@pytest.fixture()
def dark_page(browser: Browser) -> Iterator[Page]:
    context = _context(browser, color_scheme="dark")
    yield context.new_page()
    context.close()


# ---------------------------------------------------------------------------- answers


def test_answer_first_then_its_section_then_only_new_sources(server, page: Page, shots: Path) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    _demo(page, server)
    expect(page.get_by_role("button", name=LAUNCHER)).to_be_visible()
    assert requests == [server.url + "/widget-demo", server.url + "/widget.js"], "nothing fetched before it is opened"
    dialog = _open(page)
    answer = _ask(dialog, SHARING)
    direct = answer.locator(".answer")
    expect(direct).to_contain_text("shared with third parties to perform services")
    # Right under the answer: its section and the match in words, then the link into the policy.
    expect(direct.locator("xpath=following-sibling::*[1]")).to_have_text(f"{SHARING_SECTION} Strong match")
    shown = answer.inner_text()
    key = direct.inner_text()
    assert shown.count(key) == 1, "the answer sentence is shown once, not again as source 1"
    assert not re.search(r"score|\b0\.\d", shown, re.IGNORECASE), "no raw scores"
    more = answer.get_by_role("list", name="More sources")
    expect(more.get_by_role("listitem")).to_have_count(1)
    expect(more.get_by_role("listitem")).to_contain_text("Sharing with third parties and advertising Strong match")
    # The passage around the answer, on demand, with the answer marked in it.
    answer.get_by_text("Show the passage").click()
    expect(answer.locator("mark")).to_have_text(key)
    expect(answer.locator(".passage")).to_contain_text("Bellacor may request name, e-mail address")
    sizes = answer.evaluate("b => [...b.querySelectorAll('*')].filter(n => n.getClientRects().length)"
                            ".map(n => parseFloat(getComputedStyle(n).fontSize))")
    assert min(sizes) >= 14, f"no text under 14 px: {sorted(set(sizes))}"
    # "View in policy" opens the whole policy with that passage marked, pinned to the version.
    with page.expect_popup() as popup:
        answer.get_by_role("link", name="View in policy").first.click()
    policy_page = popup.value
    expect(policy_page.locator("mark#cite-1")).to_contain_text("Bellacor may request name, e-mail address")
    version = server.app.state.runtime.bot.index.policies["bellacor"].sha256[:12]
    assert policy_page.url.startswith(f"{server.url}/policy/bellacor?start=")
    assert f"&v={version}#cite-1" in policy_page.url, "the same link form as the chat page's"
    policy_page.close()
    # The shop's CSS (pink dashed buttons, serif everything) does not reach inside the widget.
    send = dialog.get_by_role("button", name="Send")
    assert send.evaluate("b => getComputedStyle(b).backgroundColor") == DEFAULT_ACCENT
    assert "serif" not in send.evaluate("b => getComputedStyle(b).fontFamily").replace("sans-serif", "")
    answer.get_by_text("Show the passage").click()  # folded again for the picture
    page.screenshot(path=str(shots / "widget.png"))
    store = server.app.state.runtime.feedback
    before = store.report().upvotes
    answer.get_by_role("button", name="Helpful", exact=True).click()
    expect(answer.get_by_role("button", name="Helpful", exact=True)).to_have_attribute("aria-pressed", "true")
    wait_until(lambda: store.report().upvotes == before + 1, "the vote to be stored")
    assert any("/api/answer" in u for u in requests)
    assert all(u.startswith(server.url + "/") for u in requests), [u for u in requests if server.url not in u]


def test_repeated_citations_are_shown_once(server, page: Page) -> None:
    """A citation quoting the answer again, or the same sentence as another, is left out."""
    def repeat(data: dict) -> None:
        first, second = data["citations"][0], data["citations"][1]
        data["citations"] += [{**second, "rank": 3, "start": second["start"] + 1},
                              {**first, "rank": 4, "start": 1, "end": 2, "text": first["sentence"]}]

    _rewrite(page, "/api/answer", repeat)
    _demo(page, server)
    answer = _ask(_open(page), SHARING)
    expect(answer.get_by_role("list", name="More sources").get_by_role("listitem")).to_have_count(1)
    assert answer.inner_text().count("about not having this anonymous information used by third party") == 1
    expect(page.locator("policybot-widget")).to_have_count(1)


def test_an_answer_that_is_its_whole_passage_is_not_repeated(server, page: Page) -> None:
    def whole(data: dict) -> None:
        data["citations"][0]["text"] = data["citations"][0]["sentence"]

    _rewrite(page, "/api/answer", whole)
    _demo(page, server)
    answer = _ask(_open(page), "Do you sell my data?")
    expect(answer.locator(".answer")).to_have_text(NOT_SOLD)
    expect(answer.get_by_text("Show the passage")).to_have_count(0)  # nothing around it to show
    expect(answer.get_by_role("link", name="View in policy")).to_have_count(1)
    assert answer.inner_text().count(NOT_SOLD) == 1


def test_match_words_come_from_the_api_and_nothing_shows_without_them(server, page: Page) -> None:
    _rewrite(page, "/api/answer", lambda d: [c.pop("match", None) for c in d["citations"]])
    _demo(page, server)
    answer = _ask(_open(page), "Do you sell my data?")
    expect(answer.get_by_text(NOT_SOLD_SECTION)).to_be_visible()
    expect(answer.get_by_text(re.compile("match", re.IGNORECASE))).to_have_count(0)
    assert not re.search(r"\b0\.\d", answer.inner_text()), "no raw score in its place"


def test_here_is_the_link_in_click_here(server, page: Page) -> None:
    _demo(page, server)
    answer = _ask(_open(page), "How do I stop marketing emails?")
    expect(answer.locator(".answer")).to_have_text(
        "To no longer receive marketing e–mails from Bellacor click here.")
    expect(answer.get_by_role("link", name="here", exact=True)).to_have_attribute("href", UNSUBSCRIBE)


def test_not_found_offers_the_closest_passages_and_a_contact_link(server, page: Page) -> None:
    _demo(page, server)
    dialog = _open(page)
    answer = _ask(dialog, NOT_FOUND)
    expect(answer.locator(".answer")).to_have_text("I couldn't find this in the policy.")
    expect(answer.get_by_role("link", name="Contact Bellacor", exact=True)).to_have_attribute("href", CONTACT)
    expect(answer.get_by_role("list", name="Closest passages").get_by_role("listitem")).to_have_count(3)
    text = answer.inner_text()
    assert "directly:" not in text and "For additional information" not in text, text
    assert text.index("Contact Bellacor") < text.index("Closest passages")
    # One tap away whatever is on screen: the header has it too.
    header_link = dialog.locator(".head").get_by_role("link", name="Contact Bellacor", exact=True)
    expect(header_link).to_have_attribute("href", CONTACT)
    expect(header_link).to_have_attribute("target", "_blank")


@pytest.mark.parametrize(("policy_json", "company", "name", "href"), [
    ({"contact_url": None}, "", "Contact Bellacor", CONTACT),  # no contact_url: the address in the sentence
    ({"contact": "Write to privacy@lamps.example with any question.", "contact_url": None}, "",
     "Contact us", "mailto:privacy@lamps.example"),  # an e-mail address of a domain the policy does not name
    ({"contact": "Questions? Call us.", "contact_url": "mailto:help@bellacor.com"}, 'data-company="Bellacor Lighting"',
     "Contact Bellacor Lighting", "mailto:help@bellacor.com"),
])
def test_contact_link_from_contact_url_or_the_contact_sentence(server, page: Page, policy_json: dict, company: str,
                                                              name: str, href: str) -> None:
    _rewrite(page, "/api/policies/bellacor", lambda d: d.update(policy_json))
    _demo(page, server, company)
    dialog = _open(page)
    expect(dialog.locator(".head").get_by_role("link", name=name, exact=True)).to_have_attribute("href", href)
    answer = _ask(dialog, NOT_FOUND)
    expect(answer.get_by_role("link", name=name, exact=True)).to_have_attribute("href", href)


def test_no_contact_route_no_contact_link(server, page: Page) -> None:
    _rewrite(page, "/api/policies/bellacor", lambda d: d.update(contact=None, contact_url="javascript:alert(1)"))
    _demo(page, server)
    dialog = _open(page)
    answer = _ask(dialog, NOT_FOUND)
    expect(answer.get_by_role("list", name="Closest passages")).to_be_visible()
    expect(dialog.get_by_role("link", name=re.compile("^Contact"))).to_have_count(0)
    expect(dialog.locator("a[href^='javascript']")).to_have_count(0)


def test_suggestions_ask_their_question(server, page: Page) -> None:
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.post_data_json["question"]) if r.url.endswith("/api/answer") else None)
    suggested = ["Do you sell my data?", "How do I stop marketing emails?"]
    _rewrite(page, "/api/answer", lambda d: d.update(suggestions=suggested) if d["question"] == SHARING else None)
    _demo(page, server)
    dialog = _open(page)
    answer = _ask(dialog, SHARING)
    group = answer.get_by_role("group", name="You could also ask")
    expect(group.get_by_role("button")).to_have_text(suggested)
    group.get_by_role("button", name="Do you sell my data?").click()
    expect(dialog.locator(".msg.bot").last.locator(".answer")).to_have_text(NOT_SOLD, timeout=30000)
    assert asked == [SHARING, "Do you sell my data?"]


def test_an_answer_without_suggestions_shows_none(server, page: Page) -> None:
    _rewrite(page, "/api/answer", lambda d: d.pop("suggestions", None))
    _demo(page, server)
    answer = _ask(_open(page), SHARING)
    expect(answer.get_by_role("list", name="More sources")).to_be_visible()
    expect(answer.get_by_role("group", name="You could also ask")).to_have_count(0)


def test_widget_shows_markup_as_text(server, page: Page) -> None:
    _demo(page, server)
    dialog = _open(page)
    answer = _ask(dialog, XSS)
    expect(dialog.get_by_text(XSS)).to_be_visible()
    expect(answer.locator(".answer")).to_be_visible()  # the reply arrived and was drawn
    assert page.evaluate("window.__pwned") is None
    expect(dialog.locator("img, script")).to_have_count(0)


# ---------------------------------------------------------------------------- screen readers, keyboard


def test_screen_readers_hear_the_answer_once_and_briefly(server, page: Page) -> None:
    _demo(page, server)
    dialog = _open(page)
    status = dialog.get_by_role("status")
    answer = _ask(dialog, SHARING)
    key = answer.locator(".answer").inner_text()
    expect(status).to_have_text(f"{key} 2 sources.")
    _ask(dialog, NOT_FOUND)
    expect(status).to_have_text("I couldn't find this in the policy. 3 closest passages.")
    # The status is the only live region: the bubbles (with "Show the passage", "View in policy",
    # the thumbs) are not read out as they appear.
    live = page.evaluate(f"() => [...{SHADOW}.querySelectorAll('[aria-live], [role=log], [role=status], [role=alert]')]"
                         ".filter(n => n.getAttribute('aria-live') !== 'off').length")
    assert live == 1
    assert answer.evaluate("b => b.closest('[aria-live], [role=log], [role=status], [role=alert]')") is None


def _before(text: str, *parts: str) -> bool:
    """Whether ``parts`` come in ``text`` in this order, each after the one before."""
    at = -1
    for part in parts:
        at = text.find(part, at + 1)
        if at == -1:
            return False
    return True


def test_each_message_says_who_said_it_to_screen_readers_only(server, page: Page) -> None:
    _demo(page, server)
    dialog = _open(page)
    answer = _ask(dialog, "Do you sell my data?")
    expect(dialog.locator(".msg.user > .who")).to_have_text(["You:"])
    expect(dialog.locator(".msg.bot > .who")).to_have_text(["Assistant:", "Assistant:"])  # the greeting too
    expect(dialog.locator(".msg > .who")).to_have_count(3)  # one each, first in its bubble
    assert page.evaluate(f"[...{SHADOW}.querySelectorAll('.msg')].every(m => m.firstChild.classList.contains('who'))")
    log = dialog.get_by_role("region", name="Conversation").aria_snapshot()
    assert _before(log, "Assistant:", "Hi!", "You:", "Do you sell my data?", "Assistant:", NOT_SOLD), log
    for who in dialog.locator(".msg > .who").all():  # read out, never seen
        box = who.bounding_box()
        assert box is not None and box["width"] <= 1 and box["height"] <= 1
    assert answer.locator(".answer").inner_text() == NOT_SOLD  # the answer's own text is unchanged
    page.route("**/api/answer", lambda route: route.abort())
    failed = _ask(dialog, "How do I unsubscribe?")
    expect(failed).to_have_text("Assistant: Sorry, the assistant can't be reached right now.")
    expect(dialog.get_by_role("status")).to_have_text("Sorry, the assistant can't be reached right now.")


def test_keyboard_only_end_to_end(server, page: Page) -> None:
    """Ask, open a source in the policy, unfold its passage, vote, take a follow-up, read "At a
    glance" and open a topic's passage, with the keyboard alone; every stop on the way is on screen,
    named and ringed (tests/keyboard.py), and Escape always lets focus out to the shop's page."""
    _rewrite(page, "/api/answer", lambda d: d.update(suggestions=["Do you use cookies?"]))
    _demo(page, server)
    page.locator("h1").click()  # focus somewhere on the shop's page
    page.keyboard.press("Control+k")
    dialog = page.get_by_role("dialog", name=TITLE)
    expect(dialog).to_be_visible()
    box = dialog.get_by_role("textbox", name="Your question")
    expect(box).to_be_focused()
    assert focus_stop(page) == ("textbox", "Your question")
    page.keyboard.type(SHARING)
    page.keyboard.press("Enter")
    answer = dialog.locator(".msg.bot").last
    helpful = answer.get_by_role("button", name="Helpful", exact=True)
    expect(helpful).to_be_visible(timeout=30000)
    press_until(page, "Tab", answer.get_by_role("link", name=f"View in policy: {SHARING_SECTION}"))
    with page.expect_popup() as popup:
        page.keyboard.press("Enter")
    expect(popup.value.locator("mark#cite-1")).to_contain_text("Bellacor may request name, e-mail address")
    popup.value.close()
    press_until(page, "Tab", answer.locator("summary", has_text="Show the passage"))
    page.keyboard.press("Enter")
    expect(answer.locator("details")).to_have_attribute("open", "")
    press_until(page, "Tab", helpful)
    page.keyboard.press("Space")
    expect(helpful).to_have_attribute("aria-pressed", "true")
    press_until(page, "Tab", answer.get_by_role("button", name="Do you use cookies?"))  # the suggestion
    page.keyboard.press("Enter")
    expect(dialog.locator(".answer").last).to_contain_text("cookies", timeout=30000)
    # At a glance, from the header: the view opens on its heading, each topic links to its passage.
    toggle = dialog.get_by_role("button", name="At a glance")
    press_until(page, "Tab", toggle)
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(dialog.get_by_role("heading", name="At a glance")).to_be_focused()
    assert focus_stop(page) == ("heading", "At a glance")
    press_until(page, "Tab", dialog.get_by_role("link", name="View in policy: Selling your data"))
    with page.expect_popup() as popup:
        page.keyboard.press("Enter")
    expect(popup.value.locator("mark#cite-1")).to_contain_text(NOT_SOLD)
    popup.value.close()
    press_until(page, "Shift+Tab", dialog.get_by_role("button", name="Back to questions"))
    page.keyboard.press("Enter")
    expect(box).to_be_focused()
    expect(dialog.get_by_role("region", name="Conversation")).to_be_visible()
    # Escape hands focus back to the launcher, and from there Tab and Shift+Tab leave the widget.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    focused = f"{SHADOW}.activeElement"
    assert page.evaluate(f"() => {focused}.className") == "launcher"
    assert focus_stop(page) == ("button", LAUNCHER)
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_role("button", name="Add to cart").last).to_be_focused()  # the shop's own page
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the launcher opens it again, the conversation still there
    expect(dialog).to_be_visible()
    expect(dialog.locator(".answer").first).to_contain_text("shared with third parties to perform services")
    page.keyboard.press("Escape")
    page.keyboard.press("Meta+k")  # Cmd+K on a Mac
    expect(dialog).to_be_visible()


def test_focus_is_trapped_and_escape_closes(server, page: Page) -> None:
    _demo(page, server)
    launcher = page.get_by_role("button", name=LAUNCHER)
    launcher.focus()
    page.keyboard.press("Enter")
    expect(launcher).to_have_attribute("aria-expanded", "true")
    focused = f"{SHADOW}.activeElement"
    inside = f"() => {focused}?.closest('[role=dialog]') !== null"
    assert page.evaluate(f"() => {focused}.id") == "pb-input"
    for _ in range(12):  # tabbing cycles inside the dialog, forwards and backwards
        page.keyboard.press("Tab")
        assert page.evaluate(inside)
    for _ in range(5):
        page.keyboard.press("Shift+Tab")
        assert page.evaluate(inside)
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name=TITLE)).to_be_hidden()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    assert page.evaluate(f"() => {focused}.className") == "launcher"


def test_a_click_outside_closes_it_on_a_desktop(server, page: Page) -> None:
    _demo(page, server)
    dialog = _open(page)
    dialog.get_by_text("Ask me anything").click()  # inside: stays open
    expect(dialog).to_be_visible()
    page.get_by_role("heading", name="Autumn lighting sale").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name=LAUNCHER)).to_have_attribute("aria-expanded", "false")


def test_copy_button_copies_the_answer_and_says_so(server, browser: Browser) -> None:
    context = _context(browser)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    page = context.new_page()
    _demo(page, server)
    dialog = _open(page)
    answer = _ask(dialog, "Do you sell my data?")
    answer.get_by_role("button", name="Copy answer").click()
    expect(answer.get_by_role("button", name="Copied")).to_be_visible()
    expect(dialog.get_by_role("status")).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(NOT_SOLD + "\n(" + NOT_SOLD_SECTION + ": " + server.url + "/policy/bellacor?start=")
    # Without the Clipboard API (older browsers, or a page that blocks it): the copy command.
    bare = context.new_page()
    bare.add_init_script("Object.defineProperty(Navigator.prototype, 'clipboard', {get: () => undefined})")
    page.evaluate("navigator.clipboard.writeText('something else')")
    _demo(bare, server)
    dialog = _open(bare)
    answer = _ask(dialog, "Do you use cookies?")
    answer.get_by_role("button", name="Copy answer").click()
    expect(answer.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()").startswith(
        "Bellacor may use cookies to help provide a fast, convenient shopping experience.\n(Cookies: ")
    context.close()


# ---------------------------------------------------------------------------- conversation


def test_conversation_kept_across_page_loads_in_the_tab_only(server, browser: Browser) -> None:
    context = _context(browser)
    page = context.new_page()
    _demo(page, server)
    dialog = _open(page)
    answer = _ask(dialog, "Do you sell my data?")
    answer.get_by_role("button", name="Not helpful").click()
    expect(answer.get_by_role("button", name="Not helpful")).to_have_attribute("aria-pressed", "true")
    page.wait_for_function(f"() => sessionStorage.getItem('policybot:{server.url}:bellacor').includes('\"down\"')")
    page.reload()
    dialog = _open(page)
    expect(dialog.locator(".msg.user")).to_have_text(["You: Do you sell my data?"])  # who says it, kept
    expect(dialog.locator(".answer")).to_have_text([NOT_SOLD])
    expect(dialog.get_by_role("button", name="Not helpful")).to_have_attribute("aria-pressed", "true")
    expect(dialog.get_by_role("group", name="Example questions")).to_have_count(0)  # examples: before the first only
    assert page.evaluate("localStorage.length") == 0
    assert page.evaluate("document.cookie") == "" and context.cookies() == []
    other_tab = context.new_page()
    _demo(other_tab, server)
    dialog = _open(other_tab)
    expect(dialog.locator(".msg.user")).to_have_count(0)
    expect(dialog.get_by_role("group", name="Example questions").get_by_role("button")).to_have_count(3)
    context.close()


def test_votes_revert_when_not_recorded(server, page: Page) -> None:
    page.route("**/api/feedback", lambda route: route.fulfill(status=500, json={"error": "down for maintenance"}))
    _demo(page, server)
    answer = _ask(_open(page), "Do you sell my data?")
    helpful = answer.get_by_role("button", name="Helpful", exact=True)
    with page.expect_response("**/api/feedback"):
        helpful.click()
    expect(helpful).to_have_attribute("aria-pressed", "false")


def _comments(server) -> list[tuple[int, str | None]]:
    with sqlite3.connect(server.app.state.runtime.feedback.path) as db:
        return db.execute("SELECT vote, comment FROM votes WHERE comment IS NOT NULL").fetchall()


def test_a_thumbs_down_offers_a_comment_box_that_sends_with_the_keyboard(server, page: Page) -> None:
    sent: list[dict] = []
    page.on("request", lambda r: sent.append(r.post_data_json) if r.url.endswith("/api/feedback") else None)
    _demo(page, server)
    answer = _ask(_open(page), "Do you use cookies?")
    label = "What was wrong? (optional, 500 characters max)"
    expect(answer.get_by_role("textbox", name=label)).to_have_count(0)  # only after a thumbs down
    not_helpful = answer.get_by_role("button", name="Not helpful")
    not_helpful.click()
    box = answer.get_by_role("textbox", name=label)
    expect(box).to_be_visible()
    expect(box).to_have_attribute("maxlength", "500")
    expect(page.get_by_role("dialog", name=TITLE).get_by_role("status")).to_have_text(
        "Thanks. You can say what was wrong below; it is optional.")
    assert sent == [{"answer_id": sent[0]["answer_id"], "vote": "down"}]
    answer.get_by_role("button", name="Send comment").click()  # nothing typed: nothing sent
    expect(answer.locator(".why-note")).to_have_text("Type what was wrong first.")
    expect(box).to_be_focused()
    page.keyboard.type("<img src=x onerror=window.__pwned=1> it's about cookies, I asked about ads. jo@example.com")
    before = len(_comments(server))
    page.keyboard.press("Tab")
    expect(answer.get_by_role("button", name="Send comment")).to_be_focused()
    page.keyboard.press("Enter")
    expect(answer.locator("p.why")).to_have_text("Thanks: your comment was sent.")
    expect(box).to_have_count(0)
    expect(not_helpful).to_be_focused()  # not lost with the button that went away
    wait_until(lambda: len(_comments(server)) == before + 1, "the comment to be stored")
    assert (-1, "<img src=x onerror=window.__pwned=1> it's about cookies, I asked about ads. [email]") in \
        _comments(server), "redacted on the server"
    assert sent[-1]["comment"].endswith("jo@example.com") and sent[-1]["vote"] == "down"
    assert page.evaluate("window.__pwned") is None
    page.reload()  # the conversation comes back; the comment was sent, so no box again
    answer = _open(page).locator(".msg.bot").last
    expect(answer.get_by_role("button", name="Not helpful")).to_have_attribute("aria-pressed", "true")
    expect(answer.get_by_role("textbox", name=label)).to_have_count(0)
    answer.get_by_role("button", name="Helpful", exact=True).click()  # a thumbs up drops it
    expect(answer.get_by_role("button", name="Helpful", exact=True)).to_have_attribute("aria-pressed", "true")
    answer.get_by_role("button", name="Not helpful").click()
    expect(answer.get_by_role("textbox", name=label)).to_be_visible()  # the box is offered again


def test_a_comment_the_server_refuses_says_why_and_keeps_the_text(server, page: Page) -> None:
    _demo(page, server)
    answer = _ask(_open(page), "Do you sell my data?")
    answer.get_by_role("button", name="Not helpful").click()
    box = answer.get_by_label("What was wrong? (optional, 500 characters max)")
    box.fill("This answer is wrong")
    page.route("**/api/feedback", lambda route: route.fulfill(status=422, json={
        "error": "the comment is 501 characters long; the limit is 500, please shorten it"}))
    answer.get_by_role("button", name="Send comment").click()
    expect(answer.locator(".why-note")).to_have_text(
        "Not sent: the comment is 501 characters long; the limit is 500, please shorten it")
    expect(box).to_have_value("This answer is wrong")
    page.unroute("**/api/feedback")
    page.route("**/api/feedback", lambda route: route.abort())
    answer.get_by_role("button", name="Send comment").click()
    expect(answer.locator(".why-note")).to_have_text("Not sent: the assistant can't be reached right now.")
    expect(answer.get_by_role("button", name="Send comment")).to_be_enabled()


# ---------------------------------------------------------------------------- at a glance


def _glance(dialog: Locator) -> Locator:
    """Open "At a glance" from the header; returns its topics once they are shown."""
    dialog.get_by_role("button", name="At a glance").click()
    topics = dialog.get_by_role("region", name="At a glance").get_by_role("list", name="Topics").get_by_role("listitem")
    expect(topics).to_have_count(14)
    return topics


def _facts(server) -> str:
    """The line above the topics, as the chat page words it (bot/web/pages.py glance_html)."""
    o = server.app.state.runtime.bot.overview("bellacor")
    grade = round(o.stats.grade, 1)
    facts = f"{o.stats.words:,} words, about {o.stats.reading_minutes} min to read, reading grade {grade:g}"
    return f"{o.updated.label}: {o.updated.date} · {facts}" if o.updated else facts


def test_at_a_glance_shows_each_topic_and_leads_to_its_passage(server, page: Page) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    _demo(page, server)
    dialog = _open(page)
    toggle = dialog.get_by_role("button", name="At a glance")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    topics = _glance(dialog)
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(dialog.get_by_role("region", name="Conversation")).to_be_hidden()  # in its place, not under it
    overview = server.app.state.runtime.bot.overview("bellacor")
    expect(topics.get_by_role("heading")).to_have_text([TOPIC_NAMES[t] for t in overview.topics])
    expect(dialog.locator(".facts")).to_have_text(_facts(server))
    selling, quote = topics.filter(has_text="Selling your data"), overview.topics["selling"].quotes[0]
    expect(selling.locator("q")).to_have_text(NOT_SOLD)
    link = selling.get_by_role("link", name="View in policy: Selling your data")
    expect(link).to_have_attribute("href", f"{server.url}/policy/bellacor?start={quote.start}&end={quote.end}"
                                           f"&v={overview.version[:12]}#cite-1")
    with page.expect_popup() as popup:
        link.click()
    expect(popup.value.locator("mark#cite-1")).to_contain_text(NOT_SOLD)
    popup.value.close()
    retention = topics.filter(has_text="How long it is kept")  # the policy says nothing: nothing is claimed
    expect(retention.locator(".none")).to_have_text("Not found in this policy")
    expect(retention.get_by_role("link")).to_have_count(0)
    expect(topics.get_by_role("link", name=re.compile("^View in policy: "))).to_have_count(
        sum(v.addressed for v in overview.topics.values()))
    dialog.get_by_role("button", name="Back to questions").click()
    expect(dialog.get_by_role("region", name="Conversation")).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(dialog.get_by_role("textbox", name="Your question")).to_be_focused()
    _glance(dialog)
    answer = _ask(dialog, "Do you sell my data?")  # asking goes back to the conversation
    expect(answer.locator(".answer")).to_have_text(NOT_SOLD)
    expect(dialog.get_by_role("region", name="At a glance")).to_be_hidden()
    assert [u for u in requests if u.endswith("/overview")] == [server.url + "/api/policies/bellacor/overview"]


def test_at_a_glance_without_data_policy_shows_the_servers_policy(server, page: Page) -> None:
    def untagged(route: Route) -> None:
        response = route.fetch()
        route.fulfill(response=response, body=response.text().replace(' data-policy="bellacor"', ""))

    page.route("**/widget-demo", untagged)
    page.goto(server.url + "/widget-demo")
    topics = _glance(_open(page))
    expect(topics.filter(has_text="Selling your data").locator("q")).to_have_text(NOT_SOLD)


def test_at_a_glance_says_so_when_it_cannot_load_and_tries_again(server, page: Page) -> None:
    page.route("**/api/policies/bellacor/overview", lambda route: route.fulfill(status=503, json={"error": "busy"}))
    _demo(page, server)
    dialog = _open(page)
    dialog.get_by_role("button", name="At a glance").click()
    expect(dialog.get_by_role("region", name="At a glance")).to_contain_text(
        "Sorry, the overview can't be loaded right now.")
    page.unroute("**/api/policies/bellacor/overview")
    dialog.get_by_role("button", name="Back to questions").click()
    _glance(dialog)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_at_a_glance_reads_in_light_and_dark(server, browser: Browser, scheme: str) -> None:
    context = _context(browser, color_scheme=scheme)
    page = context.new_page()
    _demo(page, server)
    _glance(_open(page))
    results = Axe().run(page)
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]]) for v in results.response["violations"]
               if v["impact"] in ("serious", "critical")]
    assert serious == [], results.generate_report()
    _measure(page)
    text = page.evaluate("__pb.text()")
    assert sum(name == "Not found in this policy" for name, _ in text) >= 1 and len(text) > 30
    low = [(name, round(r, 2)) for name, r in text if r < 4.5]
    assert low == [], f"text under 4.5:1 ({scheme}): {low}"
    low = [(name, round(r, 2)) for name, r in page.evaluate("__pb.controls()") if r < 3]
    assert low == [], f"control parts under 3:1 ({scheme}): {low}"
    context.close()


# ---------------------------------------------------------------------------- the shop owner's options


def test_data_options(server, browser: Browser) -> None:
    context = _context(browser, color_scheme="light")
    page = context.new_page()
    _demo(page, server, 'data-color="#ffd400" data-position="left" data-title="Help with your data" data-theme="dark" '
                        'data-greeting="Hello from Bellacor!" '
                        'data-examples="Do you sell my data?| Can I see my data? |"')
    launcher = page.get_by_role("button", name=LAUNCHER)
    box = launcher.bounding_box()
    assert box and box["x"] < 100, "on the left"
    assert launcher.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(255, 212, 0)"
    assert launcher.evaluate("b => getComputedStyle(b).color") == "rgb(17, 17, 17)", "near-black on yellow"
    dialog = _open(page, "Help with your data")
    assert dialog.bounding_box()["x"] < 100
    expect(dialog.get_by_text("Hello from Bellacor!")).to_be_visible()
    expect(dialog.get_by_role("group", name="Example questions").get_by_role("button")).to_have_text(
        ["Do you sell my data?", "Can I see my data?"])
    assert dialog.evaluate("d => getComputedStyle(d).backgroundColor") == "rgb(28, 33, 40)", "dark on a light system"
    dialog.get_by_role("button", name="Can I see my data?").click()
    expect(dialog.locator(".msg.bot").last).not_to_have_attribute("aria-busy", "true", timeout=30000)
    context.close()


@pytest.mark.parametrize(("theme", "scheme", "panel"), [
    ("", "light", "rgb(255, 255, 255)"), ("", "dark", "rgb(28, 33, 40)"),  # auto follows the system
    ('data-theme="auto"', "dark", "rgb(28, 33, 40)"), ('data-theme="light"', "dark", "rgb(255, 255, 255)"),
    ('data-theme="sepia"', "light", "rgb(255, 255, 255)"),  # unknown: auto
])
def test_data_theme(server, browser: Browser, theme: str, scheme: str, panel: str) -> None:
    context = _context(browser, color_scheme=scheme)
    page = context.new_page()
    _demo(page, server, theme)
    assert _open(page).evaluate("d => getComputedStyle(d).backgroundColor") == panel
    context.close()


@pytest.mark.parametrize(("color", "accent", "on_accent"), [
    ("", DEFAULT_ACCENT, "rgb(255, 255, 255)"),
    ("rebeccapurple", "rgb(102, 51, 153)", "rgb(255, 255, 255)"),
    ("hsl(150 60% 70%)", "rgb(133, 224, 179)", "rgb(17, 17, 17)"),
    ("not-a-colour", DEFAULT_ACCENT, "rgb(255, 255, 255)"),
    ("url(javascript:alert(1))", DEFAULT_ACCENT, "rgb(255, 255, 255)"),
    ("rgba(255, 0, 0, 0.3)", DEFAULT_ACCENT, "rgb(255, 255, 255)"),  # see-through: unreadable, refused
    ("var(--brand)", DEFAULT_ACCENT, "rgb(255, 255, 255)"),
])
def test_data_color_is_validated_and_text_on_it_reads(server, page: Page, color: str, accent: str,
                                                     on_accent: str) -> None:
    _demo(page, server, f'data-color="{color}"' if color else "")
    dialog = _open(page)
    header = dialog.locator(".head")
    assert header.evaluate("h => getComputedStyle(h).backgroundColor") == accent
    assert header.evaluate("h => getComputedStyle(h.querySelector('h2')).color") == on_accent
    _measure(page)
    assert page.evaluate(f"__pb.ratio('{on_accent}', '{accent}')") >= 4.5
    assert page.evaluate("window.__pwned") is None


def test_demo_page_shows_this_servers_address(server, page: Page) -> None:
    csp: list[str] = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None)
    response = page.goto(server.url + "/widget-demo")
    assert response and response.headers["content-security-policy"].startswith(DEMO_CSP)
    expect(page.locator("[data-policybot-snippet]")).to_have_text(
        f'<script src="{server.url}/widget.js" data-policy="bellacor" defer></script>')
    assert "7860" not in page.locator("main").inner_text()
    dialog = _open(page)
    _ask(dialog, "Do you use cookies?")
    _glance(dialog)  # nothing in "At a glance" is refused by the page's CSP either
    assert csp == [], csp


# ---------------------------------------------------------------------------- contrast, axe


def _fill(page: Page, server, attrs: str = "") -> Locator:
    """The widget open with every kind of part on show: a not-found reply with its contact link, an
    answer with a second source, its passage unfolded (the marked sentence), a pressed thumb."""
    _demo(page, server, attrs)
    dialog = _open(page)
    _ask(dialog, NOT_FOUND)
    answer = _ask(dialog, SHARING)
    answer.get_by_text("Show the passage").click()
    answer.get_by_role("button", name="Helpful", exact=True).click()
    expect(answer.get_by_role("button", name="Helpful", exact=True)).to_have_attribute("aria-pressed", "true")
    expect(dialog.locator(".head").get_by_role("link", name="Contact Bellacor")).to_be_visible()
    return dialog


@pytest.mark.parametrize(("scheme", "color"), [("light", ""), ("dark", ""), ("light", "#ffd400"),
                                               ("dark", "#7a7a7a")])
def test_contrast_light_and_dark(server, browser: Browser, scheme: str, color: str) -> None:
    context = _context(browser, color_scheme=scheme)
    page = context.new_page()
    dialog = _fill(page, server, f'data-color="{color}"' if color else "")
    _measure(page)
    text = page.evaluate("__pb.text()")
    assert len(text) > 30
    low = [(name, round(r, 2)) for name, r in text if r < 4.5]
    assert low == [], f"text under 4.5:1 ({scheme}, {color or 'default'}): {low}"
    controls = page.evaluate("__pb.controls()")
    low = [(name, round(r, 2)) for name, r in controls if r < 3]
    assert low == [], f"control parts under 3:1: {low}"
    if not color:  # links look like links: the accent (or a readable shade of it), not the text colour
        link = dialog.get_by_role("link", name="View in policy").first
        ink = dialog.locator(".answer").first.evaluate("n => getComputedStyle(n).color")
        assert link.evaluate("a => getComputedStyle(a).color") == (
            DEFAULT_ACCENT if scheme == "light" else "rgb(146, 171, 235)") != ink
        assert dialog.locator(".head h2").evaluate("n => getComputedStyle(n).fontSize") == "17px"
        assert dialog.locator(".head h2").evaluate("n => getComputedStyle(n).fontWeight") == "600"
    # Every focus ring, launcher included, against what is around it.
    rings = []
    for _ in range(30):
        page.keyboard.press("Tab")
        rings.append(page.evaluate("__pb.focus()"))
    page.keyboard.press("Escape")
    rings.append(page.evaluate("__pb.focus()"))
    assert {r[0] for r in rings} >= {"Close", "Your question", "Send", "Helpful", "Show the passage"}, rings
    bad = [r for r in rings if r[1] != "solid" or r[2] < 2 or r[3] < 3]
    assert bad == [], f"focus rings under 3:1 or thinner than 2 px: {bad}"
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_serious(server, browser: Browser, scheme: str) -> None:
    context = _context(browser, color_scheme=scheme)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    _fill(page, server)
    results = Axe().run(page)
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]]) for v in results.response["violations"]
               if v["impact"] in ("serious", "critical")]
    assert serious == [], results.generate_report()
    assert all(u.startswith(server.url + "/") for u in requests), "no request leaves the machine"
    # No control inside another (a link in a button, a button in a summary...).
    nested = page.evaluate(f"() => [...{SHADOW}.querySelectorAll('button, a[href], input, summary')]"
                           ".filter(n => n.parentElement.closest('button, a[href], summary')).length")
    assert nested == 0
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_comment_box_reads_in_light_and_dark(server, browser: Browser, scheme: str) -> None:
    context = _context(browser, color_scheme=scheme)
    page = context.new_page()
    _demo(page, server)
    answer = _ask(_open(page), "Do you sell my data?")
    answer.get_by_role("button", name="Not helpful").click()
    box = answer.get_by_role("textbox", name="What was wrong? (optional, 500 characters max)")
    box.fill("It is wrong")
    answer.get_by_role("button", name="Send comment").click()  # the thanks note, on a second answer's box
    expect(answer.locator("p.why")).to_be_visible()
    answer = _ask(page.get_by_role("dialog", name=TITLE), "Do you use cookies?")
    answer.get_by_role("button", name="Not helpful").click()
    box = answer.get_by_role("textbox", name="What was wrong? (optional, 500 characters max)")
    box.focus()
    _measure(page)
    low = [(name, round(r, 2)) for name, r in page.evaluate("__pb.text()") if r < 4.5]
    assert low == [], f"text under 4.5:1 ({scheme}): {low}"
    border = box.evaluate("n => [getComputedStyle(n).borderTopColor, getComputedStyle(n.parentElement.closest('.msg'))"
                          ".backgroundColor]")
    assert page.evaluate("([a, b]) => __pb.ratio(a, b)", border) >= 3, border
    ring = page.evaluate("__pb.focus()")
    assert ring[1] == "solid" and ring[2] >= 2 and ring[3] >= 3, ring
    results = Axe().run(page)
    serious = [(v["id"], [n["target"] for n in v["nodes"]]) for v in results.response["violations"]
               if v["impact"] in ("serious", "critical")]
    assert serious == [], results.generate_report()
    context.close()


# ---------------------------------------------------------------------------- phones, other sites, pictures


def test_widget_fits_a_phone(server, browser: Browser, shots: Path) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    _demo(page, server)
    dialog = _open(page)
    answer = _ask(dialog, NOT_FOUND)
    expect(answer.get_by_role("link", name="Contact Bellacor")).to_be_visible()
    box = dialog.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["y"] + box["height"] <= 844
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling"
    assert page.evaluate(f"() => {SHADOW}.querySelector('.log').scrollWidth <= 390")
    page.screenshot(path=str(shots / "widget-phone.png"))
    _glance(dialog)
    assert page.evaluate(f"() => {SHADOW}.querySelector('.glance').scrollWidth <= 390"), "At a glance fits too"
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    context.close()


def test_two_themed_widgets_picture(server, browser: Browser, shots: Path) -> None:
    """docs/widget-themes.png: the default widget in light and a shop's teal one in dark, side by side."""
    from PIL import Image

    pictures = []
    for name, scheme, attrs in (
        ("light", "light", ""),
        ("dark", "dark", 'data-color="#0f766e" data-position="left" data-title="Bellacor privacy help" '
                         'data-greeting="Questions about your data? Ask away."'),
    ):
        context = browser.new_context(viewport={"width": 640, "height": 900}, color_scheme=scheme)
        page = context.new_page()
        _demo(page, server, attrs)
        dialog = _open(page, "Bellacor privacy help" if attrs else TITLE)
        _ask(dialog, SHARING if scheme == "light" else "How do I stop marketing emails?")
        path = shots / f"widget-{name}.part.png"
        page.screenshot(path=str(path))
        pictures.append(Image.open(path).convert("RGB"))
        path.unlink()
        context.close()
    gap = 16
    both = Image.new("RGB", (sum(p.width for p in pictures) + gap, max(p.height for p in pictures)), "#d5dbe1")
    both.paste(pictures[0], (0, 0))
    both.paste(pictures[1], (pictures[0].width + gap, 0))
    both.save(shots / "widget-themes.png", optimize=True)


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
        for allowed, expected, glance in (((), "can't be reached", "can't be loaded"),
                                          ((shop_origin,), "cookies", NOT_SOLD)):
            settings = Settings(policy_dir=bot.settings.policy_dir, index_dir=bot.settings.index_dir,
                                data_dir=tmp_path, allowed_origins=allowed)
            with serving(create_app(settings, bot)) as url:
                api["url"] = url.replace("127.0.0.1", "localhost")  # another host name: another origin
                context = browser.new_context()
                page = context.new_page()
                page.goto(shop_origin + "/")
                dialog = _open(page)
                dialog.get_by_label("Your question").fill("Do you use cookies?")
                dialog.get_by_label("Your question").press("Enter")
                expect(dialog.locator(".msg.bot").last).to_contain_text(expected, timeout=30000)
                dialog.get_by_role("button", name="At a glance").click()  # also from the API, also allowed or not
                expect(dialog.get_by_role("region", name="At a glance")).to_contain_text(glance, timeout=30000)
                context.close()
    finally:
        shop.shutdown()
