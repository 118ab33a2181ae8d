"""The chat page's Compare view in a real browser: pick policies in the searchable selector, compare,
follow a row to its passage, sort, download the CSV; and selectors that cope with 280 policies."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from bot import Bot, Settings
from bot.web.api import create_app
from tests.conftest import DEFAULT_POLICY, SHARED, FakeEmbedder, serving, wait_until
from tests.snapshot import NOT_SOLD

LAYQA = SHARED / "data" / "layqa" / "policies"
OTA = SHARED / "data" / "ota" / "policies"
LIBRARY_SIZE = 280


def _serve(bot: Bot, data: Path) -> Iterator[SimpleNamespace]:
    bot.warm()  # before serving: no warm-up thread outlives the tests
    settings = Settings(policy_dir=bot.settings.policy_dir, index_dir=bot.settings.index_dir, data_dir=data,
                        rate_limit="off")
    with serving(create_app(settings, bot)) as url:
        yield SimpleNamespace(url=url, bot=bot)


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory, embedder) -> Iterator[SimpleNamespace]:
    """The default policy and two of the lay question set's, with the real model."""
    root = tmp_path_factory.mktemp("three")
    (root / "policies").mkdir()
    shutil.copy(DEFAULT_POLICY, root / "policies" / "bellacor.md")
    for name in ("mozilla", "imgur"):
        shutil.copy(LAYQA / f"{name}.md", root / "policies" / f"{name}.md")
    yield from _serve(Bot(root / "policies", root / "index", embedder=embedder), root / "data")


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """280 real policies (Open Terms Archive), each cut to its first paragraphs so the index builds
    in seconds with the bag-of-words embedder: this is about the selectors, not about answers."""
    root = tmp_path_factory.mktemp("library")
    (root / "policies").mkdir()
    for path in sorted(OTA.glob("*.md"))[:LIBRARY_SIZE]:
        paragraphs = [p for p in path.read_text(encoding="utf-8").split("\n\n") if len(p.split()) >= 20][:3]
        (root / "policies" / path.name).write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    yield from _serve(Bot(root / "policies", root / "index", embedder=FakeEmbedder()), root / "data")


def _open(page: Page, url: str) -> None:
    page.goto(url + "/")
    page.locator("#pb-compare .label-wrap").click()
    expect(page.locator("#pb-compare-question textarea")).to_be_visible()


def _pick(page: Page, typed: str, label: str) -> None:
    page.locator("#pb-compare-policies input").click()
    page.keyboard.type(typed)
    option = page.locator("#pb-compare-policies li", has_text=label)
    expect(option).to_have_count(1)
    option.click()
    page.keyboard.press("Escape")


ROWS = "#pb-compare-table [role=row].virtual-row"  # Gradio's table: rows are divs, placed by aria-rowindex


def _cells(page: Page, column: int) -> list[str]:
    """One column's texts, top to bottom as shown."""
    return page.evaluate("""([rows, col]) => [...document.querySelectorAll(rows)]
        .sort((a, b) => a.getAttribute('aria-rowindex') - b.getAttribute('aria-rowindex'))
        .map(r => r.querySelector(`[role=gridcell][data-col="${col}"]`).innerText.trim())""", [ROWS, column])


def _sort_ascending(page: Page, header: str) -> None:
    th = page.locator(f'#pb-compare-table th[title="{header}"]')
    th.hover()
    th.get_by_role("button", name="Open cell menu").click()
    page.locator("[role=menu]").get_by_text("Sort ascending").click()


def test_compare_picks_policies_and_links_each_row_to_its_passage(three, page: Page, shots: Path) -> None:
    _open(page, three.url)
    page.locator("#pb-compare-question textarea").fill("Do you sell my data?")
    _pick(page, "bell", "bellacor")
    _pick(page, "img", "imgur")
    page.locator("#pb-compare-go").click()
    expect(page.locator("#pb-compare-summary")).to_contain_text("of 2 policies answer", timeout=30000)
    expect(page.locator(ROWS)).to_have_count(2)
    assert sorted(_cells(page, 0)) == ["bellacor", "imgur"]
    row = page.locator(ROWS, has_text="bellacor")
    expect(row).to_contain_text(NOT_SOLD)
    page.locator("#pb-compare").screenshot(path=str(shots / "compare.png"))
    link = row.get_by_role("link", name="View passage")
    href = link.get_attribute("href")
    assert href and href.startswith("/policy/bellacor?start=")
    page.goto(three.url + href)
    expect(page.locator("mark#cite-1")).to_contain_text(NOT_SOLD)


def test_the_table_sorts_downloads_and_passes_axe(three, browser: Browser, tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    _open(page, three.url)
    page.locator("#pb-compare-question textarea").fill("how do i unsubscribe from emails")
    page.locator("#pb-compare-question textarea").press("Enter")
    expect(page.locator("#pb-compare-summary")).to_contain_text("of 3 policies answer", timeout=30000)
    shown = three.bot.compare("how do i unsubscribe from emails")
    assert _cells(page, 0) == [r.policy for r in shown.rows], "most confident first, as the engine ranks them"
    _sort_ascending(page, "Policy")
    wait_until(lambda: _cells(page, 0) == sorted(r.policy for r in shown.rows), "the rows sorted by policy", 10)
    with page.expect_download() as download:
        page.locator("#pb-compare-csv").click()
    rows = list(csv.DictReader(download.value.path().open(encoding="utf-8")))
    assert [r["Policy"] for r in rows] == [r.policy for r in shown.rows]
    assert all(r["Answer"] == (x.answer if x.answered else "Not found") for r, x in zip(rows, shown.rows, strict=True))
    violations = Axe().run(page).response["violations"]
    assert [(v["id"], [(n["target"], n["any"][0]["message"] if n["any"] else "") for n in v["nodes"]][:3])
            for v in violations if v["impact"] in ("serious", "critical")] == []
    context.close()


def test_selectors_cope_with_280_policies(library, page: Page) -> None:
    """Gradio lists the first hundred or so entries; typing part of a name finds any of the 280."""
    assert len(library.bot.policies) == LIBRARY_SIZE
    far = library.bot.policies[237].name
    page.goto(library.url + "/")
    chooser = page.locator("#pb-policy input")
    chooser.click()
    chooser.press("Control+a")  # the box shows the current policy: type over it
    page.keyboard.type(far)
    expect(page.locator("#pb-policy li", has_text=far)).to_have_count(1)
    page.locator("#pb-policy li", has_text=far).click()
    expect(page.locator(f'#pb-title a[href="/policy/{far}"]')).to_have_count(1)
    page.locator("#pb-compare .label-wrap").click()
    page.locator("#pb-compare-question textarea").fill("Do you sell my data?")
    _pick(page, far[:-1], far)
    page.locator("#pb-compare-go").click()
    expect(page.locator("#pb-compare-summary")).to_contain_text("of 1 policy answers", timeout=30000)
    assert _cells(page, 0) == [far]
