"""Rendered policy -> sections -> sentences -> passages of about 40-120 words.

Rules: a heading starts a section and a back-to-top line ends one; a passage never spans two
sections and is made of whole sentences; a sentence that introduces a list ("... when:") keeps
the list with it. Inside a section, sentences are packed by a small dynamic programme that
prefers passages near ``target`` words and breaks between paragraphs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from .labels import label_passages
from .reader import Document, Line, Rendered, collapse
from .signposts import signpost_lines

MIN_WORDS = 40
MAX_WORDS = 120
TARGET_WORDS = 115
BREAK_COST = 0.25  # extra cost of a passage break inside a paragraph


@dataclass(frozen=True)
class Sentence:
    """A sentence (or an intro sentence with its list); offsets index the source file."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Passage:
    """A citable run of whole sentences inside one section of one policy."""

    policy: str
    section: str
    text: str
    start: int
    end: int
    sentences: tuple[Sentence, ...]
    context: str = ""  # the headings above the passage, outermost first ("" without headings)

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass(frozen=True)
class _Unit:
    start: int  # clean offsets
    end: int
    words: int
    block_start: bool  # begins a paragraph or list: a good place to break


@dataclass(frozen=True)
class _Section:
    heading: str | None
    blocks: tuple[tuple[str, tuple[Line, ...]], ...]  # ("para" | "list", lines)
    context: str = ""  # heading path: parent headings, then this one
    opening: bool = False  # before the policy's first heading or section break (its introduction)


# A sentence ends at . ! ? (plus closing quotes/brackets) before whitespace and a capital,
# digit, quote or bullet - unless the word before is an abbreviation.
_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[•]?[A-Z0-9•])")
_ABBREVIATION = re.compile(
    r"(?:\b(?:inc|ltd|co|corp|llc|e\.g|i\.e|etc|vs|mr|mrs|ms|dr|st|no|nos|jan|feb|mar|apr|jun|jul"
    r"|aug|sep|sept|oct|nov|dec|approx|dept|fig|art|sec|para|u\.s|u\.k|e\.u)|\b[A-Za-z](?:\.[A-Za-z])*)[.]$",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r";(?=\s)")


def _inside(pos: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(a < pos < b for a, b in ranges)


def _has_letter(text: str, start: int, end: int) -> bool:
    return any(ch.isalpha() for ch in text[start:end])


def _words(text: str, start: int, end: int) -> int:
    return len(text[start:end].split())


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_sentences(r: Rendered, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence ranges (clean offsets, trimmed) of the clean range ``[start, end)``."""
    text = r.text
    cuts = [start]
    for m in _BOUNDARY.finditer(text, start, end):
        if m.group(0).rstrip("\"'”’)]") == ".":  # one period: maybe an abbreviation ("Inc.", "U.S.")
            word = text[max(start, m.start() - 24) : m.start() + 1].split()
            if word and _ABBREVIATION.search(word[-1]):
                continue
        if not _inside(m.end(), r.atomic):
            cuts.append(m.end())
    cuts.append(end)
    spans = [s for s in (_trim(text, a, b) for a, b in pairwise(cuts)) if s[0] < s[1]]
    merged: list[tuple[int, int]] = []
    for a, b in spans:  # a piece without a letter ("5." of a list item) joins its neighbour
        if merged and not (_has_letter(text, *merged[-1]) and _has_letter(text, a, b)):
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def _split_long(r: Rendered, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """A run-on sentence over ``limit`` words is cut at clause ends (``;``), if it has any."""
    if _words(r.text, start, end) <= limit:
        return [(start, end)]
    cuts = [start] + [m.end() for m in _CLAUSE.finditer(r.text, start, end) if not _inside(m.end(), r.atomic)]
    cuts.append(end)
    return [s for s in (_trim(r.text, a, b) for a, b in pairwise(cuts)) if s[0] < s[1]]


def sections(r: Rendered, doc_title: str | None, source: str | None = None) -> list[_Section]:
    """Group lines into sections (heading starts, back-to-top ends) of paragraphs and lists.

    With the ``source`` text, table-of-contents lines are dropped and lone heading-shaped lines
    head sections (see ``looks_like_signpost``).
    """
    out: list[_Section] = []
    heading: str | None = None
    path: list[tuple[int, str]] = []  # (level, heading) of the headings above this point
    blocks: list[tuple[str, list[Line]]] = []
    previous = "blank"
    opening = True

    def flush() -> None:
        if blocks:
            context = " › ".join(h for _, h in path)
            out.append(_Section(heading, tuple((kind, tuple(lines)) for kind, lines in blocks), context, opening))
        blocks.clear()

    for line in signpost_lines(r, source, lambda rr, a, b: len(split_sentences(rr, a, b)) == 1):
        if line.kind in ("heading", "top"):
            flush()
            title = collapse(r.text[line.start : line.end]) if line.kind == "heading" else None
            # The document's own title (its first H1) is not a section name.
            heading = None if title == doc_title and line.level == 1 else title
            level = line.level if line.kind == "heading" else 0
            path = [(lv, h) for lv, h in path if lv < level] if level else []
            if heading:
                path.append((level, heading))
            opening = opening and line.kind == "heading" and heading is None
        elif line.kind == "item":
            if blocks and blocks[-1][0] == "list":
                blocks[-1][1].append(line)
            else:
                blocks.append(("list", [line]))
        elif line.kind == "text":
            if previous in ("text", "item") and blocks:
                blocks[-1][1].append(line)  # paragraph goes on, or an item's continuation line
            else:
                blocks.append(("para", [line]))
        previous = line.kind
    flush()
    return out


def _block_pieces(r: Rendered, kind: str, lines: tuple[Line, ...], limit: int) -> list[tuple[int, int, bool]]:
    """Sentence ranges of a paragraph or list, flagged True where a paragraph or item begins."""
    spans: list[tuple[int, int, bool]] = []
    if kind == "para":
        found = split_sentences(r, lines[0].start, lines[-1].end)
        spans = [(a, b, i == 0) for i, (a, b) in enumerate(found)]
    else:
        for line in lines:
            if line.kind == "item":
                found = split_sentences(r, line.start, line.end)
                spans.extend((a, b, i == 0) for i, (a, b) in enumerate(found))
            elif spans:  # a continuation line of the item above
                spans[-1] = (spans[-1][0], _trim(r.text, line.start, line.end)[1], spans[-1][2])
    return [(a, b, flag and k == 0) for s, e, flag in spans for k, (a, b) in enumerate(_split_long(r, s, e, limit))]


def _units(r: Rendered, section: _Section, limit: int) -> list[_Unit]:
    text = r.text
    units: list[_Unit] = []
    for n, (kind, lines) in enumerate(section.blocks):
        pieces = _block_pieces(r, kind, lines, limit)
        if kind == "list" and units and section.blocks[n - 1][0] == "para" and text[units[-1].end - 1] == ":":
            # The list stays with the sentence that introduces it, as far as the limit allows.
            intro = units.pop()
            start, end = intro.start, intro.end
            while pieces and _words(text, start, pieces[0][1]) <= limit:
                end = pieces.pop(0)[1]
            units.append(_Unit(start, end, _words(text, start, end), intro.block_start))
        units.extend(_Unit(a, b, _words(text, a, b), flag) for a, b, flag in pieces)
    return units


def pack(
    units: list[_Unit], min_words: int, max_words: int, target: int, break_cost: float = BREAK_COST
) -> list[tuple[int, int]]:
    """Split units into runs [i, j) minimising a length cost; breaks inside a paragraph cost extra."""
    n = len(units)
    best = [0.0] + [float("inf")] * n
    back = [0] * (n + 1)
    for j in range(1, n + 1):
        words = 0
        for i in range(j - 1, -1, -1):
            words += units[i].words
            if words > max_words and i < j - 1:
                break
            cost = ((words - target) / target) ** 2
            # A short passage costs at least as much as one twice the target length (1.0), more the
            # shorter it is: it is merged with a neighbour unless that breaks a harder rule. A long
            # one (only a single unit over the limit gets here) costs more (2.0) than any short one,
            # so an oversized sentence stands alone rather than dragging others with it.
            if words < min_words:
                cost += 1.0 + (min_words - words) / min_words
            if words > max_words:
                cost += 2.0
            if i > 0 and not units[i].block_start:
                cost += break_cost
            if best[i] + cost < best[j]:
                best[j], back[j] = best[i] + cost, i
    runs: list[tuple[int, int]] = []
    j = n
    while j > 0:
        runs.append((back[j], j))
        j = back[j]
    return runs[::-1]


def chunk(
    doc: Document, min_words: int | None = None, max_words: int | None = None, target: int | None = None
) -> list[Passage]:
    """The passages of one policy document, in document order (sizes default to the module's constants,
    read at call time, as the index manifest records them)."""
    min_words = MIN_WORDS if min_words is None else min_words
    max_words = MAX_WORDS if max_words is None else max_words
    target = TARGET_WORDS if target is None else target
    r = doc.rendered
    secs = sections(r, r.title, doc.source)
    per_section = [_units(r, s, max_words) for s in secs]
    runs: list[tuple[_Section, list[_Unit]]] = []
    for section, units in zip(secs, per_section, strict=True):
        runs.extend((section, units[i:j]) for i, j in pack(units, min_words, max_words, target))
    texts = [collapse(r.text[units[0].start : units[-1].end]) for _, units in runs]
    # The first passage of each opening section (a lone title does not end the opening).
    opening = [section.opening and (n == 0 or runs[n - 1][0] is not section) for n, (section, _) in enumerate(runs)]
    titles = label_passages([section.heading for section, _ in runs], texts, opening)
    passages: list[Passage] = []
    for title, text, (section, units) in zip(titles, texts, runs, strict=True):
        start, end = r.source_span(units[0].start, units[-1].end)
        sentences = tuple(Sentence(collapse(r.text[u.start : u.end]), *r.source_span(u.start, u.end)) for u in units)
        passages.append(Passage(doc.name, title, text, start, end, sentences, section.context))
    return passages
