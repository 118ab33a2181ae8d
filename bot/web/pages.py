"""HTML for reading a policy with cited passages marked, and for citations in the chat.

Everything that comes from a policy or a person is escaped here; nothing is trusted as HTML.
"""

from __future__ import annotations

import re
from html import escape
from itertools import pairwise
from typing import TYPE_CHECKING
from urllib.parse import quote

from bot import Answer, Citation

if TYPE_CHECKING:
    from bot.reader import Document  # what Bot.document() returns

VERSION_CHARS = 12  # of the sha256 in a page link: enough to tell versions apart, short in a URL
STYLE = """
.pb-policy { font: 14px/1.6 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2933; }
.pb-policy h2 { font-size: 1.15em; margin: 0 0 .8em; }
.pb-policy h3 { font-size: 1.05em; margin: 1.2em 0 .4em; }
.pb-policy p { margin: 0 0 .8em; white-space: pre-wrap; overflow-wrap: anywhere; }
.pb-policy mark { background: #fff3b0; padding: 0 .1em; border-radius: 2px; }
.pb-policy mark b { background: #ffd54a; font-weight: inherit; }
.pb-policy mark#cite-1 { scroll-margin-top: 30vh; }  /* #cite-1 in the URL brings it mid-screen */
.pb-policy mark[data-n]::before { content: "[" attr(data-n) "] "; font-weight: 600; color: #8a5a00; }
"""


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


def policy_html(doc: Document, marks: list[tuple[int, int, str | None]]) -> str:
    """The policy as the reader sees it. ``marks`` are (start, end, key sentence): source ranges,
    numbered from 1 with ids ``cite-1``..., the key sentence emphasised inside each."""
    r = doc.rendered
    spans = [r.clean_span(s, e) for s, e, _ in marks]
    keys = [_key_range(doc, span, sentence) for span, (_, _, sentence) in zip(spans, marks, strict=True)]
    opened: set[int] = set()
    out = [f'<div class="pb-policy"><h2>{escape(doc.title)}</h2>']
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            out.append("<p>" + "<br>".join(paragraph) + "</p>")
            paragraph.clear()

    bounds = {x for sp in spans + keys if sp for x in sp}
    for line in r.lines:
        if line.kind in ("blank", "top"):
            flush()
            continue
        parts = []
        for a, b in pairwise(sorted({line.start, line.end, *(x for x in bounds if line.start < x < line.end)})):
            piece = escape(r.text[a:b])
            if any(k and k[0] <= a and b <= k[1] for k in keys):
                piece = f"<b>{piece}</b>"
            n = next((i for i, sp in enumerate(spans, 1) if sp and sp[0] <= a and b <= sp[1]), None)
            if n is not None:
                attrs = f' id="cite-{n}" data-n="{n}"' if n not in opened else ""
                opened.add(n)
                piece = f"<mark{attrs}>{piece}</mark>"
            parts.append(piece)
        text = "".join(parts).strip()
        if line.kind == "heading" and " ".join(r.text[line.start : line.end].split()) == doc.title:
            continue  # the title is shown once, above
        if line.kind == "heading":
            flush()
            out.append(f"<h3>{text}</h3>")
        else:
            paragraph.append(text)
    flush()
    out.append("</div>")
    return "".join(out)


def policy_page(doc: Document, start: int | None, end: int | None, version: str | None = None) -> str:
    """A standalone page of the whole policy, the passage ``[start, end)`` marked and scrolled to.

    Offsets from an answer given on another version of the policy (``version`` is not a prefix of
    this text's sha256) are not drawn: they would mark the wrong words. A note says so instead.
    """
    marks = [(start, end, None)] if start is not None and end is not None and start < end else []
    note = ""
    if marks and version and not doc.sha256.startswith(version.lower()):
        marks = []
        note = ("<p class='pb-note' role='status'>This policy has been updated since that answer, so its passage "
                "is not marked here. Ask again to get an answer from this version.</p>")
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(doc.title)}</title><style>body{{max-width:46rem;margin:2rem auto;padding:0 1rem}}"
        f"{STYLE}</style></head><body>{note}{policy_html(doc, marks)}"
        "</body></html>"
    )


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~])")
_URL = re.compile(r"https?://[^\s<>()]*[^\s<>().,;:!?'\"]")


def _escaped(text: str) -> str:
    return _MARKDOWN.sub(r"\\\1", escape(text, quote=False))


def md_text(text: str, links: bool = False) -> str:
    """Text for a Markdown bubble that shows exactly as written: HTML and Markdown punctuation are
    escaped, so ``[x](url)``, ``![img](url)`` or ``**`` from a question or a policy stay text.
    ``links=True`` (policy text only, e.g. a contact sentence) leaves bare web addresses as they
    are, so they stay clickable; in a visitor's question even those stay text."""
    if not links:
        return _escaped(text).replace(":", "\\:")
    parts, last = [], 0
    for m in _URL.finditer(text):
        parts += [_escaped(text[last : m.start()]), escape(m.group(0), quote=False)]
        last = m.end()
    return "".join([*parts, _escaped(text[last:])])


def answer_markdown(answer: Answer, contact: str | None) -> str:
    """The reply's first bubble: the direct answer, a reply to small talk, or "couldn't find" with
    the way to ask the company."""
    if answer.kind == "smalltalk":
        return escape(answer.text)
    if answer.answered:
        top = answer.citations[0]
        return f"> {md_text(answer.text, links=True)}\n\nFrom *{md_text(top.section)}* in the policy."
    lines = [f"**{md_text(answer.text)}**"]
    if contact:
        lines.append(f"To ask the company directly: {md_text(contact, links=True)}")
    if answer.citations:
        lines.append("The closest passages are below.")
    return "\n\n".join(lines)


def sources_html(answer: Answer) -> str:
    """Numbered citations: section, passage with the key sentence highlighted, link into the policy."""
    items, version = [], answer.policy_version
    for c in answer.citations:
        before, _, after = c.text.partition(c.sentence)
        passage = f"{escape(before)}<mark>{escape(c.sentence)}</mark>{escape(after)}"
        items.append(
            f"<p><strong>[{c.rank}] {escape(c.section)}</strong> · score {c.score:.2f} · "
            f"<a href=\"{policy_url(c.policy, c, version if c.policy == answer.policy else None)}\" "
            "target=\"_blank\" rel=\"noopener\">View in policy</a>"
            f"<br>{passage}</p>"
        )
    return "\n".join(items)
