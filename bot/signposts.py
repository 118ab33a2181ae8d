"""Signposts: the parts of a policy that point at text rather than say anything.

A table of contents ("[2. What data do we collect?](#2b)") and headings in any form (Markdown,
numbered, question-form, bold-only, all caps) tell a reader where things are. They are never
quoted as an answer; a heading instead names the section under it, which is how a question
close to a heading finds the text below it (see ``retrieve``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .rendering import Line, Rendered, collapse

_IN_PAGE_LINKS = re.compile(r"^\s*(?:[-*+•]\s+|\d{1,3}[.)]\s+)?(?:\[[^\]]*\]\(#[^)\s]*\)[\s,|·•]*)+$")
_BOLD_LINE = re.compile(r"^\s*(\*\*|__)[^*_]+\1\s*$|^\s*<(b|strong)>[^<]+</\2>\s*$", re.IGNORECASE)
SIGNPOST_WORDS = 15
_STATEMENT = re.compile(r"\b(?:not|never|no|will|won't|may|must|shall|do|does|don't|is|are|can|cannot)\b",
                        re.IGNORECASE)


def is_toc_line(source: str) -> bool:
    """A line made only of links to anchors in the same page: a table of contents entry."""
    return bool(_IN_PAGE_LINKS.match(source))


def looks_like_signpost(text: str, source: str) -> bool:
    """A lone line that names what follows rather than saying something: a question-form or
    numbered heading, a bold-only line, an all-caps line (short, and not a sentence)."""
    words = text.split()
    if not 1 <= len(words) <= SIGNPOST_WORDS or not any(ch.isalpha() for ch in text):
        return False
    bare = text.rstrip("\"'”’)] ")
    if bare.endswith("?"):
        return True
    bold = bool(_BOLD_LINE.match(source))
    if re.search(r"[.!:;,]$", bare):  # a sentence, unless a short bold label ("**Your rights.**")
        return bold and len(words) <= 8
    letters = [ch for ch in text if ch.isalpha()]
    caps = len(letters) > 3 and sum(ch.isupper() for ch in letters) / len(letters) > 0.8
    # "WE DO NOT SELL YOUR DATA" is a statement in capitals, not a heading.
    return bold or (caps and _STATEMENT.search(text) is None)


def signpost_lines(r: Rendered, source: str | None, one_sentence: Callable[[Rendered, int, int], bool]
                   ) -> list[Line]:
    """The lines, with tables of contents dropped (as blank) and lone signpost lines made headings
    (only where text follows for them to head). ``one_sentence`` tells whether a clean range is a
    single sentence (the chunker's own splitting): a heading is never two sentences."""
    lines = list(r.lines)
    if source is None:
        return lines
    next_solid = ["blank"] * (len(lines) + 1)  # kind of the next non-blank line
    for n in range(len(lines) - 1, -1, -1):
        next_solid[n] = next_solid[n + 1] if lines[n].kind == "blank" else lines[n].kind
    out: list[Line] = []
    under_signpost = False  # the last non-blank line was made a heading here: one may not head another
    for n, line in enumerate(lines):
        if line.kind in ("text", "item"):
            raw = source[slice(*r.source_span(line.start, line.end))].strip()
            if is_toc_line(raw):
                out.append(Line("blank", line.start, line.end))
                continue
            before = out[-1].kind if out else "blank"
            after = lines[n + 1].kind if n + 1 < len(lines) else "blank"
            if line.kind == "text" and not under_signpost and before in ("blank", "heading", "top") \
                    and after in ("blank", "top") and next_solid[n + 1] in ("text", "item") \
                    and one_sentence(r, line.start, line.end) \
                    and looks_like_signpost(collapse(r.text[line.start : line.end]), raw):
                out.append(Line("heading", line.start, line.end, 7))
                under_signpost = True
                continue
        if line.kind != "blank":
            under_signpost = False
        out.append(line)
    return out
