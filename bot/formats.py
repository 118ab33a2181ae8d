"""The three policy formats rendered to clean text with source spans: Markdown, plain text, HTML.

Each renderer applies the offset rule of ``rendering``: opening markup belongs to the next
visible character, closing markup to the previous one.
"""

from __future__ import annotations

import html
import re

from .rendering import TOP, Builder, Rendered, collapse, show_url

# ---------------------------------------------------------------------------- Markdown

_QUOTE = re.compile(r"[ \t]{0,3}(?:>[ \t]?)+")
_HEADING = re.compile(r"[ \t]{0,3}(#{1,6})(?:[ \t]+|$)")
_ITEM = re.compile(r"([ \t]*)([-*+•·]|\d{1,3}[.)])[ \t]+(?=\S)")
_RULE = re.compile(r"[ \t]{0,3}([-*_=])(?:[ \t]*\1){2,}[ \t]*$")
_SETEXT = re.compile(r"[ \t]{0,3}(=+|-+)[ \t]*$")
_INLINE = re.compile(
    r"(?P<esc>\\[!-/:-@\[-`{-~])"
    r"|(?P<link>!?\[(?P<ltext>(?:[^\[\]\\\n]|\\.)*)\]"
    r"\((?P<url><[^>\n]*>|[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)(?:[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'))?[ \t]*\))"
    r"|(?P<auto><(?:https?://|mailto:)[^>\s]+>)"
    r"|(?P<code>(?P<ticks>`+)(?P<ctext>[^`\n]+?)(?P=ticks))"
    r"|(?P<emph>\*{1,3}|_{1,3})"
)
_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~“”‘’")


def _inline(b: Builder, line: str, base: int, i: int, j: int) -> None:
    """Render Markdown inline markup of ``line[i:j]`` (``base`` = offset of ``line``).

    Long for a reason: one branch per construct (code, link, image, autolink, emphasis, escape),
    each mapping its own source offsets; split up, the offset bookkeeping would be spread out.
    """
    while i < j:
        m = _INLINE.search(line, i, j)
        if m is None:
            b.copy(line[i:j], base + i)
            return
        b.copy(line[i : m.start()], base + i)
        s, e = base + m.start(), base + m.end()
        if m.group("esc"):
            b.synth(m.group("esc")[1], s, e)
        elif m.group("link"):
            first = len(b)
            b.open(s)
            _inline(b, line, base, m.start("ltext"), m.end("ltext"))
            url = m.group("url").strip("<>")
            if show_url(url, m.group("ltext")) and not m.group("link").startswith("!"):
                b.synth(f" ({url})", base + m.end("ltext"), e)
            else:
                b.close(e)
            b.atomic.append((first, len(b)))
        elif m.group("auto"):
            first = len(b)
            b.open(s)
            b.copy(m.group("auto")[1:-1], s + 1)
            b.close(e)
            b.atomic.append((first, len(b)))
        elif m.group("code"):
            first = len(b)
            b.open(s)
            b.copy(m.group("ctext"), base + m.start("ctext"))
            b.close(e)
            b.atomic.append((first, len(b)))
        else:
            run = m.group("emph")
            prev = line[m.start() - 1] if m.start() > 0 else " "
            nxt = line[m.end()] if m.end() < len(line) else " "
            word = run[0] == "*"
            left = not nxt.isspace() and (prev.isspace() or prev in _PUNCT or (word and nxt not in _PUNCT))
            right = not prev.isspace() and (nxt.isspace() or nxt in _PUNCT or (word and prev not in _PUNCT))
            if not word:  # "_" inside a word (snake_case) is a plain character
                left = left and not prev.isalnum()
                right = right and not nxt.isalnum()
            if left and right and prev in _PUNCT and nxt in _PUNCT:  # "**Inc.**!" or "(**a**"
                right = nxt in ".,;:!?)]}”’\"'"
                left = not right and prev in "([{“‘\"'"
            if left and not right:
                b.open(s)
            elif right and not left:
                b.close(e)
            else:
                b.copy(run, s)
        i = m.end()


def render_markdown(source: str) -> Rendered:
    """Markdown as a reader sees it, block by block (headings, lists, quotes, rules, tables)."""
    b = Builder()
    kinds: dict[int, tuple[str, int]] = {}
    raw_lines = source.split("\n")
    underlines: set[int] = set()
    pos = 0
    for number, line in enumerate(raw_lines):
        i, kind, level = 0, "text", 0
        quote = _QUOTE.match(line)
        if quote:
            b.open(pos)
            i = quote.end()
        nxt = raw_lines[number + 1] if number + 1 < len(raw_lines) else ""
        heading = _HEADING.match(line, i)
        item = _ITEM.match(line, i)
        if number in underlines or _RULE.match(line, i):
            kind, i = "blank", len(line)
        elif heading:
            kind, level = "heading", len(heading.group(1))
            b.open(pos + i)
            i = heading.end()
        elif item:
            kind, level = "item", len(item.group(1).expandtabs(4))
            b.copy(line[i : item.start(2)], pos + i)
            marker = item.group(2)
            if marker[0].isdigit():
                b.copy(marker, pos + item.start(2))
            else:
                b.synth("•", pos + item.start(2), pos + item.end(2))
            i = item.end(2)
        elif line[i:].strip() and _SETEXT.match(nxt):
            kind, level = "heading", 1 if nxt.strip()[0] == "=" else 2
            underlines.add(number + 1)
        text_end = len(line)
        if kind == "heading":
            closing = re.search(r"[ \t]+#+[ \t]*$", line[i:])
            if closing:
                text_end = i + closing.start()
        _inline(b, line, pos, i, text_end)
        if text_end < len(line):
            b.close(pos + len(line))
        if kind != "text":
            kinds[number] = (kind, level)
        if number + 1 < len(raw_lines):
            b.copy("\n", pos + len(line))
        pos += len(line) + 1
    return b.build(kinds)


# ---------------------------------------------------------------------------- Plain text


def _looks_like_heading(line: str) -> bool:
    """A plain-text heading: a short Title Case or CAPS line, no digits, no closing punctuation.

    Short is at most 10 words (longer capitalised lines are sentences in plain-text policies), and
    Title Case allows a quarter of the longer words in lower case ("Sharing of Data with Partners").
    """
    words = line.split()
    bare = line.strip().rstrip("\"'”’)]")
    if not 1 <= len(words) <= 10 or re.search(r"[.!?:;,]$|\d", bare) or TOP.match(bare):
        return False
    long_words = [w for w in words if len(w) > 3 and w[0].isalpha()] or words[:1]
    return words[0][0].isupper() and sum(w[0].isupper() for w in long_words) / len(long_words) >= 0.75


def render_text(source: str) -> Rendered:
    b = Builder()
    kinds: dict[int, tuple[str, int]] = {}
    pos = 0
    raw_lines = source.split("\n")
    for number, line in enumerate(raw_lines):
        item = _ITEM.match(line)
        before = raw_lines[number - 1] if number else ""
        after = [*raw_lines[number + 1 : number + 3], "", ""]
        if item:
            kinds[number] = ("item", len(item.group(1).expandtabs(4)))
            b.copy(line[: item.start(2)], pos)
            marker = item.group(2)
            if marker[0].isdigit():
                b.copy(line[item.start(2) :], pos + item.start(2))
            else:
                b.synth("•", pos + item.start(2), pos + item.end(2))
                b.copy(line[item.end(2) :], pos + item.end(2))
        else:
            # A heading stands alone (blank lines around it) and a paragraph follows it.
            follows = after[1].strip()
            alone = not before.strip() and not after[0].strip() and follows and not TOP.match(follows)
            if alone and _looks_like_heading(line):
                kinds[number] = ("heading", 2)
            b.copy(line, pos)
        if number + 1 < len(raw_lines):
            b.copy("\n", pos + len(line))
        pos += len(line) + 1
    return b.build(kinds)


# ---------------------------------------------------------------------------- HTML

_TAG = re.compile(
    r"<!--.*?(?:-->|\Z)|<![^>]*>?|<\?[^>]*>?"
    r"|<(?P<close>/)?(?P<name>[a-zA-Z][a-zA-Z0-9-]*)(?P<attrs>(?:\"[^\"]*\"|'[^']*'|[^'\">])*)>"
    r"|&(?P<ent>#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});",
    re.S,
)
_HREF = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_SKIP = {"script", "style", "noscript", "template", "head", "svg", "nav", "iframe", "object", "select"}
_BLOCK = {
    "p", "div", "section", "article", "main", "header", "footer", "aside", "ul", "ol", "li", "table",
    "thead", "tbody", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "blockquote", "pre",
    "dl", "dt", "dd", "address", "figure", "figcaption", "form", "fieldset", "details", "summary", "body",
}


def render_html(source: str) -> Rendered:
    """HTML as a browser shows its text. Long for a reason: one scan over tags and text with the
    state (skipped elements, open blocks, pending link) in local variables; every branch maps
    source offsets, and splitting it would pass that state around."""
    b = Builder()
    kinds: dict[int, tuple[str, int]] = {}
    newlines = 0
    title: str | None = None
    link: tuple[str, int] | None = None  # (href, clean start) of the open <a>
    i = 0

    def text(chunk: str, at: int) -> None:
        for k, ch in enumerate(chunk):
            b.add(" " if ch.isspace() else ch, at + k, at + k + 1)

    def brk(count: int, s: int, e: int) -> None:
        nonlocal newlines
        b.synth("\n" * count, s, e)
        newlines += count

    while i < len(source):
        m = _TAG.search(source, i)
        if m is None:
            text(source[i:], i)
            break
        text(source[i : m.start()], i)
        s, e = m.start(), m.end()
        i = e
        if m.group("ent"):
            value = html.unescape(m.group(0))
            if value == m.group(0):
                text(value, s)
            else:
                b.synth(" " if value.isspace() else value, s, e)
            continue
        name = (m.group("name") or "").lower()
        if not name:
            continue  # comment, doctype, processing instruction
        closing = bool(m.group("close"))
        if not closing and (name in _SKIP or name == "title"):
            end = re.compile(rf"</{name}\s*>", re.I).search(source, e)
            i = end.end() if end else len(source)
            inner = re.search(r"<title[^>]*>(.*?)</title\s*>", source[s:i], re.I | re.S)
            if title is None and inner:
                title = collapse(html.unescape(re.sub(r"<[^>]*>", " ", inner.group(1)))) or None
            continue
        if name == "a":
            if not closing:
                href = _HREF.search(m.group("attrs") or "")
                link = (next(g for g in href.groups() if g is not None) if href else "", len(b))
                b.open(s)
            elif link is not None:
                url, first = link
                shown = "".join(b.chars[first:])
                if show_url(html.unescape(url), shown) and shown.strip():
                    b.synth(f" ({html.unescape(url)})", s, e)
                else:
                    b.close(e)
                b.atomic.append((first, len(b)))
                link = None
            continue
        if name == "br":
            brk(1, s, e)
        elif name in _BLOCK:
            if closing:
                b.close(e)
            brk(2, s, e)
            if not closing and name in {"h1", "h2", "h3", "h4", "h5", "h6"}:
                kinds[newlines] = ("heading", int(name[1]))
                b.open(s)
            elif not closing and name in {"li", "dt"}:
                kinds[newlines] = ("item", 0)
                b.synth("• ", s, e)
            elif not closing:
                b.open(s)
        elif closing:
            b.close(e)
        else:
            b.open(s)
    return b.build(kinds, title)
