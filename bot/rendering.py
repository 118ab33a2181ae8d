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

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import cached_property


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

    def clean_span(self, start: int, end: int) -> tuple[int, int] | None:
        """The inverse of ``source_span``: the clean range of the visible characters whose source
        lies inside ``[start, end)``, or None when none does."""
        # The visible characters keep their source order (whitespace may not: it stands for markup
        # removed around it), so bisection over them finds the range at once: a policy of
        # megabytes is not walked for every marked page.
        solid, starts, ends = self._solid
        lo, hi = bisect_left(starts, start), bisect_right(ends, end)
        return (solid[lo], solid[hi - 1] + 1) if lo < hi else None

    @cached_property
    def _solid(self) -> tuple[list[int], list[int], list[int]]:
        """Positions of the non-whitespace characters, with their source starts and ends."""
        solid = [i for i, ch in enumerate(self.text) if not ch.isspace()]
        return solid, [self.starts[i] for i in solid], [self.ends[i] for i in solid]

def collapse(text: str) -> str:
    """The whitespace rule: runs of whitespace become one space; ends are trimmed."""
    return " ".join(text.split())


class Builder:
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
        """Source characters shown as they are: ``add`` for each, done a run at a time (rendering
        every policy of a 280-policy library went from 28 s to a few here)."""
        at, first = len(self.chars), len(text) - len(text.lstrip())  # lstrip: str.isspace's whitespace
        self.chars.extend(text)
        self.starts.extend(range(pos, pos + len(text)))
        self.ends.extend(range(pos + 1, pos + len(text) + 1))
        if first == len(text):
            return  # all whitespace: no solid character to take pending markup or close a span
        if self._pending is not None:
            self.starts[at + first] = min(pos + first, self._pending)
            self._pending = None
        self._last_solid = at + len(text.rstrip()) - 1

    def synth(self, text: str, start: int, end: int) -> None:
        """Characters standing for the source span ``[start, end)`` (an entity, a URL)."""
        for ch in text:
            self.add(ch, start, end)

    def open(self, start: int) -> None:
        self._pending = start if self._pending is None else min(self._pending, start)

    def close(self, end: int) -> None:
        if self._last_solid >= 0:
            self.ends[self._last_solid] = max(self.ends[self._last_solid], end)

    def build(self, kinds: dict[int, tuple[str, int]], title: str | None = None) -> Rendered:
        """The rendering; its title is ``title`` if given (an HTML <title>), else the first H1."""
        text = "".join(self.chars)
        lines: list[Line] = []
        pos = 0
        for number, chunk in enumerate(text.split("\n")):
            kind, level = kinds.get(number, ("text", 0))
            if not chunk.strip():
                kind = "blank"
            elif kind == "text" and TOP.match(chunk.strip()):
                kind = "top"
            lines.append(Line(kind, pos, pos + len(chunk), level))
            pos += len(chunk) + 1
        if title is None:
            h1 = next((ln for ln in lines if ln.kind == "heading" and ln.level == 1), None)
            title = collapse(text[h1.start : h1.end]) if h1 else None
        return Rendered(text, tuple(self.starts), tuple(self.ends), tuple(lines), tuple(self.atomic), title)


# "top", "Back to top", "^ Top", "Return to top (#top)": back-to-top links end a section.
TOP = re.compile(
    r"^(?:[\^↑]\s*)?(?:(?:back|return|go)\s+to\s+(?:the\s+)?)?top(?:\s+of\s+(?:the\s+)?page)?"
    r"(?:\s*[\^↑])?(?:\s*\([^)]*\))?$",
    re.IGNORECASE,
)
_ABSOLUTE_URL = re.compile(r"^(?:https?://|mailto:)\S+$", re.IGNORECASE)


def show_url(url: str, text: str) -> bool:
    return bool(_ABSOLUTE_URL.match(url)) and url.rstrip("/") != text.strip().rstrip("/")
