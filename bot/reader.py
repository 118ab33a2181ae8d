"""Policy files -> clean text that remembers, for every character, where it came from.

Markdown, plain text and HTML are each reduced to the same thing, a ``Rendered``: the text a
reader sees (markup gone, a link ``[text](url)`` shown as ``text (url)``, bullets as ``•``),
the source span of every clean character, and the lines with their kind (text, list item,
heading, blank, back-to-top). Chunking works on this, so every passage and sentence maps back
to exact offsets in the file.

The offset rule: markup that opens (``[``, ``**``, ``<b>``, ``> ``) belongs to the next visible
character and markup that closes (``](url)``, ``**``, ``</a>``) to the previous one, so
``render(source[start:end])`` gives back the clean text of ``start:end``, up to whitespace.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import PolicySourceError

SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")


@dataclass(frozen=True)
class Line:
    """One line of clean text: ``kind`` is text, item, heading, blank or top."""

    kind: str
    start: int
    end: int
    level: int = 0


@dataclass(frozen=True)
class Rendered:
    """Clean text plus, per clean character, its source span ``[starts[i], ends[i])``."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    lines: tuple[Line, ...]
    atomic: tuple[tuple[int, int], ...]  # clean ranges never to be split (links, code)
    title: str | None = None

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """Source offsets of the clean range ``[start, end)`` (non-empty)."""
        return self.starts[start], self.ends[end - 1]


@dataclass(frozen=True)
class Document:
    """One policy file: its name (the file stem), source text and rendering."""

    name: str
    path: Path
    source: str
    sha256: str
    rendered: Rendered

    @property
    def title(self) -> str:
        return self.rendered.title or self.name.replace("_", " ").replace("-", " ").title()


def collapse(text: str) -> str:
    """The whitespace rule: runs of whitespace become one space; ends are trimmed."""
    return " ".join(text.split())


class _Builder:
    """Accumulates clean characters with their source spans."""

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.atomic: list[tuple[int, int]] = []
        self._pending: int | None = None  # start of opening markup not yet attached
        self._last_solid = -1  # index of the last non-whitespace character

    def __len__(self) -> int:
        return len(self.chars)

    def add(self, ch: str, start: int, end: int) -> None:
        if not ch.isspace():
            if self._pending is not None:
                start = min(start, self._pending)
                self._pending = None
            self._last_solid = len(self.chars)
        self.chars.append(ch)
        self.starts.append(start)
        self.ends.append(end)

    def copy(self, text: str, pos: int) -> None:
        """Source characters shown as they are."""
        for i, ch in enumerate(text):
            self.add(ch, pos + i, pos + i + 1)

    def synth(self, text: str, start: int, end: int) -> None:
        """Characters standing for the source span ``[start, end)`` (an entity, a URL)."""
        for ch in text:
            self.add(ch, start, end)

    def open(self, start: int) -> None:
        self._pending = start if self._pending is None else min(self._pending, start)

    def close(self, end: int) -> None:
        if self._last_solid >= 0:
            self.ends[self._last_solid] = max(self.ends[self._last_solid], end)

    def build(self, kinds: dict[int, tuple[str, int]], title: str | None) -> Rendered:
        text = "".join(self.chars)
        lines: list[Line] = []
        pos = 0
        for number, chunk in enumerate(text.split("\n")):
            kind, level = kinds.get(number, ("text", 0))
            if not chunk.strip():
                kind = "blank"
            elif kind == "text" and _TOP.match(chunk.strip()):
                kind = "top"
            lines.append(Line(kind, pos, pos + len(chunk), level))
            pos += len(chunk) + 1
        return Rendered(text, tuple(self.starts), tuple(self.ends), tuple(lines), tuple(self.atomic), title)


# "top", "Back to top", "^ Top", "Return to top (#top)": back-to-top links end a section.
_TOP = re.compile(
    r"^(?:[\^↑]\s*)?(?:(?:back|return|go)\s+to\s+(?:the\s+)?)?top(?:\s+of\s+(?:the\s+)?page)?"
    r"(?:\s*[\^↑])?(?:\s*\([^)]*\))?$",
    re.IGNORECASE,
)
_ABSOLUTE_URL = re.compile(r"^(?:https?://|mailto:)\S+$", re.IGNORECASE)


def _show_url(url: str, text: str) -> bool:
    return bool(_ABSOLUTE_URL.match(url)) and url.rstrip("/") != text.strip().rstrip("/")


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


def _inline(b: _Builder, line: str, base: int, i: int, j: int) -> None:
    """Render Markdown inline markup of ``line[i:j]`` (``base`` = offset of ``line``)."""
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
            if _show_url(url, m.group("ltext")) and not m.group("link").startswith("!"):
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
    b = _Builder()
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
    rendered = b.build(kinds, None)
    h1 = next((ln for ln in rendered.lines if ln.kind == "heading" and ln.level == 1), None)
    return _with_title(rendered, collapse(rendered.text[h1.start : h1.end]) if h1 else None)


def _with_title(rendered: Rendered, title: str | None) -> Rendered:
    return Rendered(rendered.text, rendered.starts, rendered.ends, rendered.lines, rendered.atomic, title)


# ---------------------------------------------------------------------------- Plain text


def _looks_like_heading(line: str) -> bool:
    """A plain-text heading: a short Title Case or CAPS line, no digits, no closing punctuation."""
    words = line.split()
    bare = line.strip().rstrip("\"'”’)]")
    if not 1 <= len(words) <= 10 or re.search(r"[.!?:;,]$|\d", bare) or _TOP.match(bare):
        return False
    long_words = [w for w in words if len(w) > 3 and w[0].isalpha()] or words[:1]
    return words[0][0].isupper() and sum(w[0].isupper() for w in long_words) / len(long_words) >= 0.75


def render_text(source: str) -> Rendered:
    b = _Builder()
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
            alone = not before.strip() and not after[0].strip() and follows and not _TOP.match(follows)
            if alone and _looks_like_heading(line):
                kinds[number] = ("heading", 2)
            b.copy(line, pos)
        if number + 1 < len(raw_lines):
            b.copy("\n", pos + len(line))
        pos += len(line) + 1
    return b.build(kinds, None)


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
    b = _Builder()
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
                if _show_url(html.unescape(url), shown) and shown.strip():
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
    rendered = b.build(kinds, None)
    if title is None:
        h1 = next((ln for ln in rendered.lines if ln.kind == "heading" and ln.level == 1), None)
        title = collapse(rendered.text[h1.start : h1.end]) if h1 else None
    return _with_title(rendered, title)


# ---------------------------------------------------------------------------- Files

RENDERERS: dict[str, Callable[[str], Rendered]] = {
    ".md": render_markdown,
    ".markdown": render_markdown,
    ".txt": render_text,
    ".html": render_html,
    ".htm": render_html,
}


def policy_files(policy_dir: Path) -> list[Path]:
    """The policy files of a folder, sorted; errors if there are none or two share a name."""
    if not policy_dir.is_dir():
        raise PolicySourceError(
            f"policy folder {str(policy_dir)!r} does not exist; create it and put the policy "
            f"(.md, .txt or .html) there, or point POLICYBOT_POLICY_DIR at the right folder"
        )
    files = sorted(p for p in policy_dir.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
    if not files:
        raise PolicySourceError(
            f"policy folder {str(policy_dir)!r} holds no policy; add at least one .md, .txt or .html file"
        )
    seen: dict[str, Path] = {}
    for path in files:
        if path.stem in seen:
            raise PolicySourceError(
                f"policy files {seen[path.stem].name!r} and {path.name!r} share the name "
                f"{path.stem!r}; rename or remove one"
            )
        seen[path.stem] = path
    return files


def read_policy(path: Path) -> Document:
    """Read and render one policy file; errors name the file and the fix."""
    data = path.read_bytes()
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicySourceError(
            f"policy file {str(path)!r} is not UTF-8 (bad byte at position {exc.start}); "
            f"save it as UTF-8 and try again"
        ) from None
    if not source.strip():
        raise PolicySourceError(f"policy file {str(path)!r} is empty; add the policy text or remove the file")
    rendered = RENDERERS[path.suffix.lower()](source)
    if not any(ln.kind in ("text", "item") for ln in rendered.lines):
        raise PolicySourceError(f"policy file {str(path)!r} has no readable text; add the policy text")
    return Document(path.stem, path, source, hashlib.sha256(data).hexdigest(), rendered)


def render_like(path_or_suffix: str | Path, source: str) -> Rendered:
    """Render ``source`` as a file with that suffix would be (used to check offsets)."""
    suffix = path_or_suffix if isinstance(path_or_suffix, str) else path_or_suffix.suffix
    return RENDERERS[suffix.lower()](source)
