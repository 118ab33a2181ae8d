"""Policy versions kept by the server: the store (by sha256, bounded, atomic, no links followed), an
edit recorded and compared before the new version serves (its overview made off the request path),
GET /api/policies/{name}/changes, and the policy page's "what changed" after an edit while serving."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, expect

from bot import Bot, Changes, Settings, UnknownVersionError, Version, diff_documents
from bot import history as history_module
from bot import versions as versions_module
from bot.embedding import Embedder
from bot.reader import Document, parse_policy
from bot.versions import VersionStore, folder_name
from tests.conftest import DEFAULT_POLICY, FakeEmbedder, serving, wait_until
from tests.snapshot import NOT_SOLD

SOLD = "Information about Bellacor customers is sold to marketing partners."
REMOVED = "In any communication be sure to include name, mailing address, and e-mail address."
ADDED = "Order history is kept for 24 months after the last order."


def _edit(path: Path) -> None:
    """One sentence reworded, one paragraph removed, one added: the three kinds of change."""
    text = path.read_text(encoding="utf-8")
    assert text.count(NOT_SOLD) == 1 and text.count(REMOVED + " \n") == 1
    path.write_text(text.replace(NOT_SOLD, SOLD).replace(REMOVED + " \n", ADDED + "\n"), encoding="utf-8")


def _doc(text: str, name: str = "shop") -> Document:
    return replace(parse_policy(Path(f"{name}.md"), text.encode()), name=name)


def _times(monkeypatch: pytest.MonkeyPatch, *stamps: str) -> None:
    it = iter(stamps)
    monkeypatch.setattr(versions_module, "_now", lambda: next(it))


# ---------------------------------------------------------------------------- the store


def test_each_text_is_kept_once_by_its_sha256_newest_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = VersionStore(tmp_path / "versions")
    first, second = _doc("We never sell your data.\n"), _doc("We sell your data to partners.\n")
    _times(monkeypatch, "2026-01-01T00:00:00+00:00", "2026-02-01T00:00:00+00:00")
    assert store.record(first) and not store.record(first) and store.record(second)
    listed = store.versions("shop")
    assert [(v.sha256, v.first_seen, v.since, v.file, v.words) for v in listed] == [
        (second.sha256, "2026-02-01T00:00:00+00:00", "2026-02-01T00:00:00+00:00", "shop.md", 6),
        (first.sha256, "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00", "shop.md", 5)]
    assert store.text("shop", first.sha256) == "We never sell your data.\n"  # the text, not a path to it
    assert sorted(p.name for p in (tmp_path / "versions" / "shop").iterdir()) == sorted(
        [".lock", "versions.json", f"{first.sha256}.txt", f"{second.sha256}.txt"])  # no temporary file left


def test_a_reverted_edit_makes_the_old_text_current_again_keeping_its_first_seen(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = VersionStore(tmp_path)
    a, b = _doc("We never sell your data.\n"), _doc("We sell your data.\n")
    _times(monkeypatch, "2026-01-01T00:00:00+00:00", "2026-02-01T00:00:00+00:00", "2026-03-01T00:00:00+00:00")
    store.record(a), store.record(b), store.record(a)
    assert [(v.sha256, v.first_seen, v.since) for v in store.versions("shop")] == [
        (a.sha256, "2026-01-01T00:00:00+00:00", "2026-03-01T00:00:00+00:00"),
        (b.sha256, "2026-02-01T00:00:00+00:00", "2026-02-01T00:00:00+00:00")]


def test_only_the_last_versions_are_kept_and_the_dropped_texts_deleted(tmp_path: Path) -> None:
    store = VersionStore(tmp_path, keep=3)
    docs = [_doc(f"We keep your data for {n} days.\n") for n in range(5)]
    for doc in docs:
        store.record(doc)
    assert [v.sha256 for v in store.versions("shop")] == [d.sha256 for d in reversed(docs[2:])]
    assert sorted(p.stem for p in (tmp_path / "shop").glob("*.txt")) == sorted(d.sha256 for d in docs[2:])


def test_a_name_that_is_not_a_plain_file_name_stays_inside_the_store(tmp_path: Path) -> None:
    store = VersionStore(tmp_path / "store")
    for name in ("../escape", "..", "a/b", ".hidden"):
        assert store.record(_doc("We never sell your data.\n", name))
        assert len(store.versions(name)) == 1
    assert folder_name("shop_policy-2.v1") == "shop_policy-2.v1"
    assert sorted(p.parent for p in tmp_path.rglob("versions.json")) == sorted(
        tmp_path / "store" / folder_name(n) for n in ("../escape", "..", "a/b", ".hidden"))
    assert all(folder_name(n).startswith("x-") for n in ("../escape", "..", "a/b", ".hidden"))


def test_the_store_follows_no_symbolic_link(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    store = VersionStore(tmp_path / "versions")
    (tmp_path / "versions").mkdir()
    (tmp_path / "versions" / "shop").symlink_to(elsewhere)
    with pytest.raises(OSError, match="symbolic link"):
        store.record(_doc("We never sell your data.\n"))
    assert list(elsewhere.iterdir()) == [] and store.versions("shop") == []
    doc = _doc("We never sell your data.\n", "other")
    store.record(doc)
    text = tmp_path / "versions" / "other" / f"{doc.sha256}.txt"
    text.unlink()
    (elsewhere / "secret.txt").write_text("We never sell your data.\n", encoding="utf-8")
    text.symlink_to(elsewhere / "secret.txt")
    assert store.text("other", doc.sha256) is None


def test_a_damaged_list_or_text_is_not_trusted(tmp_path: Path) -> None:
    store = VersionStore(tmp_path)
    doc = _doc("We never sell your data.\n")
    store.record(doc)
    (tmp_path / "shop" / f"{doc.sha256}.txt").write_text("We sell it all.\n", encoding="utf-8")
    assert store.text("shop", doc.sha256) is None  # it no longer has the sha256 it is filed under
    (tmp_path / "shop" / "versions.json").write_text("{not json", encoding="utf-8")
    assert store.versions("shop") == []
    assert store.record(doc) and [v.sha256 for v in store.versions("shop")] == [doc.sha256]


# ---------------------------------------------------------------------------- the engine


@pytest.fixture()
def fake_bot(policy_dir: Path, tmp_path: Path) -> Bot:
    return Bot(policy_dir, tmp_path / "index", embedder=FakeEmbedder())


def test_an_edit_is_recorded_and_compared_before_the_new_version_serves(
        fake_bot: Bot, policy_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[tuple[str, str]] = []  # (version, thread) of every overview made
    real = history_module.make_overview

    def spy(policy: str, version: str, *args: object) -> object:
        made.append((version, threading.current_thread().name))
        return real(policy, version, *args)

    monkeypatch.setattr(history_module, "make_overview", spy)
    fake_bot.keep_versions(tmp_path / "data")
    fake_bot.warm()
    old = fake_bot.index.policies["bellacor"].sha256
    assert fake_bot.changes("bellacor") is None  # nothing before the first version
    _edit(policy_dir / "bellacor.md")
    fake_bot.refresh(wait=True)
    new = fake_bot.index.policies["bellacor"].sha256
    assert made == [(old, "MainThread"), (new, "policybot-reindex")]  # made before the new index served
    assert fake_bot.overview("bellacor").version == new and len(made) == 2  # a request only reads it
    assert [v.sha256 for v in fake_bot.versions("bellacor")] == [new, old]
    assert (tmp_path / "data" / "versions" / "bellacor" / f"{old}.txt").read_bytes() == DEFAULT_POLICY.read_bytes()
    changes = fake_bot.changes("bellacor")
    assert changes is not None and (changes.old.sha256, changes.new.sha256) == (old, new)
    assert [(c.kind, c.old and c.old.text, c.new and c.new.text) for c in changes.diff.changes] == [
        ("changed", NOT_SOLD, SOLD), ("removed", REMOVED, None), ("added", None, ADDED)]
    assert changes.diff.changes[0].diff == (("=", "Information about Bellacor customers is "), ("-", "not "),
                                            ("=", "sold "), ("+", "to marketing partners."))
    assert "selling" in changes.diff.changes[0].topics and changes.diff.changes[2].topics == ("retention",)
    assert fake_bot.changes("bellacor", old[:8], new[:8]) is changes  # compared once, then read
    with pytest.raises(UnknownVersionError, match="has no version 'abcdef'"):
        fake_bot.changes("bellacor", "abcdef")


def test_an_overview_is_kept_with_the_index_and_read_back_on_the_next_start(
        fake_bot: Bot, policy_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = fake_bot.overview("bellacor")
    stored = list((fake_bot.index.folder / "overviews").iterdir())
    assert [p.name.split("-")[0] for p in stored] == ["bellacor"]
    monkeypatch.setattr(history_module, "make_overview", lambda *a: pytest.fail("made again"))
    restarted = Bot(policy_dir, tmp_path / "index", embedder=FakeEmbedder())
    assert restarted.index.folder == fake_bot.index.folder and restarted.overview("bellacor") == made
    monkeypatch.setattr(history_module, "code_version", lambda: "other-code")  # new code: a new overview
    with pytest.raises(pytest.fail.Exception, match="made again"):
        Bot(policy_dir, tmp_path / "index", embedder=FakeEmbedder()).overview("bellacor")


def test_a_bot_that_keeps_no_versions_lists_only_the_one_it_serves(fake_bot: Bot, policy_dir: Path) -> None:
    _edit(policy_dir / "bellacor.md")
    fake_bot.refresh(wait=True)
    assert [v.sha256 for v in fake_bot.versions("bellacor")] == [fake_bot.index.policies["bellacor"].sha256]
    assert fake_bot.changes("bellacor") is None


# ---------------------------------------------------------------------------- the API


def test_the_changes_api_lists_the_versions_and_compares_two(fake_bot: Bot, policy_dir: Path,
                                                             tmp_path: Path) -> None:
    from bot.web.api import create_app

    settings = Settings(policy_dir=policy_dir, index_dir=tmp_path / "index", data_dir=tmp_path / "data")
    with TestClient(create_app(settings, fake_bot, chat=False)) as c:
        old = fake_bot.index.policies["bellacor"].sha256
        _edit(policy_dir / "bellacor.md")
        fake_bot.refresh(wait=True)
        new = fake_bot.index.policies["bellacor"].sha256
        listed = c.get("/api/policies/bellacor/changes").json()
        assert (listed["policy"], listed["current"]) == ("bellacor", new)
        assert [(v["sha256"], v["file"], list(v)) for v in listed["versions"]] == [
            (sha, "bellacor.md", ["sha256", "first_seen", "since", "file", "words"]) for sha in (new, old)]
        diff = c.get(f"/api/policies/bellacor/changes?from={old[:8]}").json()
        assert (diff["from"]["sha256"], diff["to"]["sha256"], diff["old"], diff["new"]) == (old, new, old, new)
        assert diff["counts"] == {"added": 1, "removed": 1, "changed": 1}
        assert [(ch["kind"], (ch["old"] or {}).get("text"), (ch["new"] or {}).get("text")) for ch in diff["changes"]] \
            == [("changed", NOT_SOLD, SOLD), ("removed", REMOVED, None), ("added", None, ADDED)]
        assert diff["topics"]["retention"] == {"changed": True, "old": "", "new": ADDED, "changes": 1}
        assert c.get(f"/api/policies/bellacor/changes?from={old[:8]}&to={new}").json() == diff
        assert c.get(f"/api/policies/bellacor/changes?to={new[:6]}").json() == diff  # from: the one before
        assert c.get(f"/api/policies/bellacor/changes?from={new[:6]}&to={new[:6]}").json()["counts"] == {
            "added": 0, "removed": 0, "changed": 0}
        for url, status, message in (
                ("/api/policies/acme/changes", 404, "unknown policy 'acme'"),
                ("/api/policies/bellacor/changes?from=abcdef", 404, "policy 'bellacor' has no version 'abcdef'"),
                (f"/api/policies/bellacor/changes?to={old[:8]}", 404, "has no version before"),
                ("/api/policies/bellacor/changes?from=xyz", 422, "query.from: String should match pattern")):
            r = c.get(url)
            assert r.status_code == status and message in r.json()["error"], (url, r.json())
        doc = c.get("/openapi.json").json()["paths"]["/api/policies/{name}/changes"]["get"]
        assert "`from`" in doc["description"] and {p["name"] for p in doc["parameters"]} == {"name", "from", "to"}


def test_what_changed_is_escaped_on_the_page() -> None:
    from bot.web.changes import changes_html

    old = _doc("We never sell your data. Write to us.\n")
    new = _doc("We never sell your data. Write to <script>alert(1)</script> us.\n\nWe keep it <b>forever</b>.\n")
    stamp = "2026-03-05T10:00:00+00:00"
    page = changes_html(Changes("shop", Version(old.sha256, stamp, stamp, "shop.md", 7),
                                Version(new.sha256, stamp, stamp, "shop.md", 12), diff_documents(old, new)))
    assert "<script>" not in page and "<b>forever" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;b&gt;forever&lt;/b&gt;" in page
    assert page.count('<li class="pb-change">') == 2 and "Updated 5 March 2026: what changed" in page


# ---------------------------------------------------------------------------- in the browser


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[SimpleNamespace]:
    """A real server (real model) on a private policy folder; the policy file is edited while it
    serves, and nothing but the server's own watching picks the edit up."""
    from bot.web.api import create_app

    root = tmp_path_factory.mktemp("edited")
    (root / "policies").mkdir()
    (root / "policies" / "bellacor.md").write_bytes(DEFAULT_POLICY.read_bytes())
    settings = Settings(policy_dir=root / "policies", index_dir=root / "index", data_dir=root / "data",
                        rate_limit="off")
    bot = Bot(settings=settings, embedder=embedder)
    with serving(create_app(settings, bot, chat=False)) as url:
        # Plain http to 127.0.0.1: verify=False only spares each poll a read of the system CA bundle
        # (two CI runs failed here with "PEM lib" while httpx loaded it, polling in a tight loop).
        wait_until(lambda: httpx.get(url + "/healthz", timeout=10, verify=False).status_code == 200,
                   "the server to warm up", 120)
        before = httpx.get(url + "/policy/bellacor", timeout=30).text
        _edit(root / "policies" / "bellacor.md")

        def served() -> bool:
            listed = httpx.get(url + "/api/policies/bellacor/changes", timeout=30).json()
            return len(listed["versions"]) == 2 and listed["current"] == listed["versions"][0]["sha256"]

        wait_until(served, "the server to index the edit by itself and serve it", 120)
        yield SimpleNamespace(url=url, before=before)


def _serious(page: Page) -> list[str]:
    violations = Axe().run(page).response["violations"]
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in violations
            if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_policy_page_shows_what_changed_after_an_edit_while_serving(edited: SimpleNamespace, browser: Browser,
                                                                        shots: Path, scheme: str) -> None:
    assert 'class="pb-changes"' not in edited.before and NOT_SOLD in edited.before  # one version: nothing to show
    listed = httpx.get(edited.url + "/api/policies/bellacor/changes", timeout=30).json()
    since = datetime.fromisoformat(listed["versions"][0]["since"])
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.goto(edited.url + "/policy/bellacor")
    section = page.locator("section.pb-changes")
    expect(section.get_by_role("heading", level=2)).to_have_text(f"Updated {since.day} {since:%B %Y}: what changed")
    items = section.locator("li.pb-change")
    expect(items).to_have_count(3)
    # What a screen reader hears: the kind in words, and "removed:"/"added:" before the marked words
    # (visually hidden; on screen they are struck through or underlined, not told by colour alone).
    expect(items.nth(0).locator(".pb-kind")).to_have_text("Changed")
    expect(items.nth(0).locator("p")).to_have_text([
        f"Before: {NOT_SOLD.replace('not ', 'removed: not ')}",
        f"Now: {SOLD.replace('sold ', 'sold added: ')}"])
    expect(items.nth(0).locator("del")).to_have_css("text-decoration-line", "line-through")
    expect(items.nth(0).locator("ins")).to_have_css("text-decoration-line", "underline")
    expect(items.nth(1)).to_have_text(f"Removed removed: {REMOVED}", use_inner_text=True)
    expect(items.nth(2)).to_have_text(f"Added · How long it is kept added: {ADDED}", use_inner_text=True)
    expect(page.locator("main")).to_contain_text(SOLD)  # the page itself shows the new text
    assert _serious(page) == []
    section.screenshot(path=str(shots / f"policy-changes-{scheme}.png"))
    overview = httpx.get(edited.url + "/api/policies/bellacor/overview", timeout=30).json()
    assert overview["version"] == listed["current"]  # made with the new version, before it served
    context.close()
