"""HTML for reading a policy with cited passages marked, and for citations in the chat.

Everything that comes from a policy or a person is escaped here; nothing is trusted as HTML.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass
from html import escape
from itertools import pairwise
from typing import TYPE_CHECKING
from urllib.parse import quote

from bot import TOPIC_NAMES, Citation

if TYPE_CHECKING:
    from bot.reader import Document  # what Bot.document() returns
    from bot.rendering import Line

URL = re.compile(r"https?://[^\s<>()]*[^\s<>().,;:!?'\"]")
VERSION_CHARS = 12  # of the sha256 in a page link: enough to tell versions apart, short in a URL
STYLE = """
.pb-policy { font: 14px/1.6 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2933; }
.pb-policy h2 { font-size: 1.15em; margin: 0 0 .8em; }
.pb-policy h3 { font-size: 1.05em; margin: 1.2em 0 .4em; }
.pb-policy p { margin: 0 0 .8em; white-space: pre-wrap; overflow-wrap: anywhere; }
.pb-policy mark { background: #fff3b0; color: #1f2933; padding: 0 .1em; border-radius: 2px; }
.pb-policy mark b { background: #ffd54a; color: #1f2933; font-weight: inherit; }
.pb-policy mark#cite-1 { scroll-margin-top: 30vh; }  /* #cite-1 in the URL brings it mid-screen */
.pb-policy mark[data-n]::before { content: "[" attr(data-n) "] "; font-weight: 600; color: #8a5a00; }
"""


# The standalone policy page: a readable column, light or dark as the reader's system is.
PAGE_STYLE = """
body { max-width: 46rem; margin: 1.5rem auto; padding: 0 1rem; background: #fff; }
nav { font: 14px system-ui, sans-serif; margin-bottom: 1rem; }
a { color: #1d4ed8; }
.pb-policy h1 { font-size: 1.3em; margin: 0 0 .8em; }
.pb-note { font: 14px system-ui, sans-serif; background: #eef2ff; color: #1e3a8a; padding: .6em .8em; }
@media (prefers-color-scheme: dark) {
  body { background: #111827; }
  .pb-policy, .pb-policy h1, .pb-policy h3, .pb-policy p, nav { color: #e5e7eb; }
  a { color: #93c5fd; }
  .pb-policy mark, .pb-policy mark b { color: #1f2933; }
  .pb-policy mark a { color: #1d4ed8; }
}
"""


def linked(text: str) -> str:
    """Policy text as HTML: escaped, its bare web addresses made links (the product's own)."""
    parts, last = [], 0
    for m in URL.finditer(text):
        url = escape(m.group(0))
        parts += [escape(text[last : m.start()]), f'<a href="{url}" target="_blank" rel="noopener">{url}</a>']
        last = m.end()
    return "".join([*parts, escape(text[last:])])


def policy_url(name: str, citation: Citation | None = None, version: str | None = None) -> str:
    """The page showing the whole policy, with this citation's passage marked and in view.

    ``version`` (the answer's policy_version) lets the page refuse to mark offsets on a newer text.
    """
    url = f"/policy/{quote(name, safe='')}"
    if not citation:
        return url
    pinned = f"&v={version[:VERSION_CHARS]}" if version else ""
    return f"{url}?start={citation.start}&end={citation.end}{pinned}#cite-1"


def _key_range(doc: Document, span: tuple[int, int] | None, sentence: str | None) -> tuple[int, int] | None:
    """Where the key sentence lies inside a marked clean range (found by its words)."""
    if span is None or not sentence:
        return None
    pattern = r"\s+".join(re.escape(w) for w in sentence.split())
    m = re.compile(pattern).search(doc.rendered.text, span[0], span[1])
    return (m.start(), m.end()) if m else None


@dataclass(frozen=True)
class _Block:
    """A paragraph or a heading of the policy page: its lines and the clean range they cover."""

    start: int
    end: int
    heading: bool
    lines: tuple[Line, ...]


class _Pages:
    """Each policy version's page as blocks of HTML, made once: a marked page re-renders only the
    blocks its passages touch (found by bisection), so a 5 MB policy's page costs a join, not a
    walk over every character. An LRU of the last ``size`` versions, shared by all requests."""

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self._cache: OrderedDict[str, tuple[list[_Block], list[str], list[int]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, doc: Document) -> tuple[list[_Block], list[str], list[int]]:
        with self._lock:
            if doc.sha256 in self._cache:
                self._cache.move_to_end(doc.sha256)
                return self._cache[doc.sha256]
        blocks = _blocks(doc)
        made = (blocks, [_block_html(doc, b, [], [], set()) for b in blocks], [b.start for b in blocks])
        with self._lock:
            self._cache[doc.sha256] = made
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return made


PAGES = _Pages()


def _blocks(doc: Document) -> list[_Block]:
    """The page's paragraphs (runs of text lines between blank ones) and headings, in order."""
    r, out, run = doc.rendered, [], []

    def flush() -> None:
        if run:
            out.append(_Block(run[0].start, run[-1].end, False, tuple(run)))
            run.clear()

    for line in r.lines:
        if line.kind in ("blank", "top"):
            flush()
        elif line.kind == "heading":
            flush()
            if " ".join(r.text[line.start : line.end].split()) != doc.title:  # the title is shown once, above
                out.append(_Block(line.start, line.end, True, (line,)))
        else:
            run.append(line)
    flush()
    return out


def _block_html(doc: Document, block: _Block, spans: list, keys: list, opened: set[int]) -> str:
    """One block's HTML, with the parts inside ``spans`` marked and inside ``keys`` emphasised."""
    r = doc.rendered
    bounds = {x for sp in spans + keys if sp for x in sp}
    texts = []
    for line in block.lines:
        parts = []
        for a, b in pairwise(sorted({line.start, line.end, *(x for x in bounds if line.start < x < line.end)})):
            piece = linked(r.text[a:b])
            if any(k and k[0] <= a and b <= k[1] for k in keys):
                piece = f"<b>{piece}</b>"
            n = next((i for i, sp in enumerate(spans, 1) if sp and sp[0] <= a and b <= sp[1]), None)
            if n is not None:
                attrs = f' id="cite-{n}" data-n="{n}"' if n not in opened else ""
                opened.add(n)
                piece = f"<mark{attrs}>{piece}</mark>"
            parts.append(piece)
        texts.append("".join(parts).strip())
    return f"<h3>{texts[0]}</h3>" if block.heading else "<p>" + "<br>".join(texts) + "</p>"


def policy_html(doc: Document, marks: list[tuple[int, int, str | None]]) -> str:
    """The policy as the reader sees it. ``marks`` are (start, end, key sentence): source ranges,
    numbered from 1 with ids ``cite-1``..., the key sentence emphasised inside each."""
    blocks, html, starts = PAGES.get(doc)
    spans = [doc.rendered.clean_span(s, e) for s, e, _ in marks]
    keys = [_key_range(doc, span, sentence) for span, (_, _, sentence) in zip(spans, marks, strict=True)]
    touched: set[int] = set()
    for a, b in (sp for sp in spans + keys if sp):
        i = max(bisect_right(starts, a) - 1, 0)
        while i < len(blocks) and blocks[i].start < b:
            if blocks[i].end > a:
                touched.add(i)
            i += 1
    opened: set[int] = set()
    body = [_block_html(doc, blocks[i], spans, keys, opened) if i in touched else h for i, h in enumerate(html)]
    return "".join([f'<div class="pb-policy"><h2>{escape(doc.title)}</h2>', *body, "</div>"])


def policy_page(doc: Document, start: int | None, end: int | None, version: str | None = None,
                section: str = "", style: str = "") -> str:
    """A standalone page of the whole policy, the passage ``[start, end)`` marked and scrolled to;
    ``section`` (with its ``style``) goes under the title: what changed since the version before.

    Offsets from an answer given on another version of the policy (``version`` is not a prefix of
    this text's sha256) are not drawn: they would mark the wrong words. A note says so instead.
    """
    marks = [(start, end, None)] if start is not None and end is not None and start < end else []
    note = ""
    if marks and version and not doc.sha256.startswith(version.lower()):
        marks = []
        note = ("<p class='pb-note' role='status'>This policy has been updated since that answer, so its passage "
                "is not marked here. Ask again to get an answer from this version.</p>")
    body = policy_html(doc, marks).replace("<h2>", "<h1>", 1).replace("</h2>", "</h1>" + section, 1)  # the title
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(doc.title)}</title><style>{STYLE}{PAGE_STYLE}{style}</style></head><body>"
        "<nav aria-label='policybot'><a href='/'>← Ask a question about this policy</a></nav>"
        f"<main>{note}{body}</main></body></html>"
    )


def glance_html(overview: object) -> str:
    """The policy at a glance: each topic's quote linked into the policy page, or "Not found"."""
    data = overview.to_dict()  # type: ignore[attr-defined]
    rows = []
    for topic, view in data["topics"].items():
        name = escape(TOPIC_NAMES.get(topic, topic))
        if not view["addressed"]:
            rows.append(f'<li><strong>{name}</strong>: <span class="pb-none">{escape(view["summary"])}</span></li>')
            continue
        quote = view["quotes"][0]
        url = f"{policy_url(data['policy'])}?start={quote['start']}&end={quote['end']}" \
              f"&v={data['version'][:VERSION_CHARS]}#cite-1"
        rows.append(f"<li><strong>{name}</strong>: “{linked(quote['sentence'])}” "
                    f'<a href="{escape(url)}" target="_blank" rel="noopener">In the policy</a></li>')
    stats, updated = data["stats"], data["updated"]
    facts = f"{stats['words']:,} words, about {stats['reading_minutes']} min to read, reading grade {stats['grade']:g}"
    if updated:
        facts = f"{escape(updated['label'])}: {escape(updated['date'])} · {facts}"
    return f'<div class="pb-glance"><p class="pb-facts">{facts}</p><ul>{"".join(rows)}</ul></div>'
