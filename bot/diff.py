"""What changed between two versions of one policy: statements added, removed or reworded.

A statement is a sentence of the rendering (``chunking``): Markdown syntax, anchors, link brackets,
bullets and line wrapping are already gone. Headings are not statements (a reworded heading alone
changes nothing a reader is told), nor are lines made only of links (site navigation); a date line
is, so a new "Last Modified: ..." date is a change (topic "changes"). Statements compare on their
words (``topics.words``: case, punctuation, quotes, dashes and repeated link addresses aside):

1. ``SequenceMatcher`` aligns the two statement sequences; equal runs are unchanged.
2. A differing statement found word for word in a differing run of the other version moved: no change.
3. Inside each differing run, a word-level alignment links statements that share most of their
   words (a Dice overlap of ``SIMILAR`` or more, or nearly all the words of the shorter one: one
   sentence split in two, or two joined). Linked statements are one "changed" change, unless their
   words are all equal (a re-split sentence: no change); the rest are "removed" or "added",
   consecutive ones of one paragraph or list item together.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher
from itertools import groupby
from pathlib import Path

from .chunking import sections, split_sentences
from .errors import PolicySourceError
from .reader import SUFFIXES, Document, Line, Rendered, read_policy
from .rendering import collapse
from .signposts import looks_like_signpost, signpost_lines
from .topics import TopicChange, is_date, reader_text, summarize, topics_of, word_diff, words

SIMILAR = 0.5  # Dice overlap of two statements' words from which one is a rewording of the other
CONTAINED = 0.8  # share of the shorter statement's words found in the longer: a split or joined sentence
PHRASE = 3  # words in a row that show a statement's words went into another one
_ADDRESS = re.compile(r"\((?:https?://|mailto:)\S*")
_MARKER = re.compile(r"^(?:•\s*|\d{1,3}[.)]\s+)")  # a list item's bullet or number: renumbering is no change
_SENTENCE_END = re.compile(r"\S*(?:@|://|www\.)\S*\w\.(?=\s+[\"'“‘(]?[A-Z])|\b(?:Inc|Ltd|LLC|Corp|Co)\."
                           r"(?=\s+(?:We|You|Your|Our|This|These|They|It|If|Please|Note|All|Any|When|The)\b)")
_NAV = re.compile(r"^\s*(?:\[[^\]]*\]\([^)\s]*\)[\s|·•,]*){2,}$")


@dataclass(frozen=True)
class Statement:
    """One sentence of a policy version: reader text, words, section, source offsets, its block."""

    text: str
    words: tuple[str, ...]
    core: tuple[str, ...]  # the words without link addresses: what similarity is measured on
    section: str
    start: int
    end: int
    block: int  # paragraph or list item number: added/removed statements of one block go together


@dataclass(frozen=True)
class Side:
    """One version's side of a change: the text and where it is in that version's file."""

    text: str
    section: str
    start: int
    end: int


@dataclass(frozen=True)
class Change:
    """A change of meaning: kind added, removed or changed; ``diff`` marks the words that differ."""

    kind: str
    old: Side | None
    new: Side | None
    topics: tuple[str, ...]
    diff: tuple[tuple[str, str], ...] = ()  # ("=" | "-" | "+", text), for "changed"

    def to_dict(self) -> dict[str, object]:
        sides = {name: asdict(side) if side else None for name, side in (("old", self.old), ("new", self.new))}
        return {"kind": self.kind, "topics": list(self.topics), **sides, "diff": [list(s) for s in self.diff]}


@dataclass(frozen=True)
class Diff:
    """The changes from ``old`` to ``new``, in document order, and the summary by topic."""

    old: str
    new: str
    changes: tuple[Change, ...]
    topics: dict[str, TopicChange] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {kind: sum(c.kind == kind for c in self.changes) for kind in ("added", "removed", "changed")}

    def to_dict(self) -> dict[str, object]:
        return {"old": self.old, "new": self.new, "counts": self.counts(),
                "changes": [c.to_dict() for c in self.changes],
                "topics": {key: t.to_dict() for key, t in self.topics.items()}}


def _items(lines: tuple[Line, ...]) -> list[tuple[int, int]]:
    """Clean ranges of a block's list items (an item with its continuation lines), or the paragraph."""
    ranges: list[tuple[int, int]] = []
    for line in lines:
        if line.kind == "item" or not ranges:
            ranges.append((line.start, line.end))
        else:
            ranges[-1] = (ranges[-1][0], line.end)
    return ranges


def _statement(doc: Document, x: int, y: int, section: str, block: int) -> Statement | None:
    """The statement of clean range ``[x, y)``, its end kept on the line of its last character (markup
    that closes there, like an empty ``[](#anchor)`` opening the next heading, is not its own)."""
    r = doc.rendered
    text = _MARKER.sub("", reader_text(collapse(r.text[x:y])))
    found = words(text)
    if not found:
        return None
    start, end = r.source_span(x, y)
    line_end = doc.source.find("\n", r.starts[y - 1])
    core = words(_ADDRESS.sub("", text)) or found
    return Statement(text, found, core, section, start, end if line_end < 0 else min(end, line_end), block)


def _sentences(r: Rendered, a: int, b: int) -> Iterator[tuple[int, int]]:
    """The sentences of a clean range, also cut after an address or a company's "Inc." that ends
    one ("write to privacy@example.co. Please", "Acme, Inc. We"), which the chunker reads as "Co."."""
    for x, y in split_sentences(r, a, b):
        for m in _SENTENCE_END.finditer(r.text, x, y):
            yield x, m.end()
            x = m.end() + len(r.text[m.end() : y]) - len(r.text[m.end() : y].lstrip())
        yield x, y


def _says_nothing(doc: Document, kind: str, lines: tuple[Line, ...], a: int, b: int) -> bool:
    """A line made only of links (site navigation), or a lone line shaped like a heading ("**Legitimate
    Interests**") that has no text under it for the chunker to make it one (a date stays)."""
    raw = [doc.source[doc.rendered.starts[ln.start] :].split("\n", 1)[0].strip() for ln in lines if a <= ln.start < b]
    text = collapse(doc.rendered.text[a:b])
    lone = kind == "para" and len(raw) == 1 and looks_like_signpost(text, raw[0]) and not is_date(text)
    return lone or bool(_NAV.match("".join(raw)))


def statements(doc: Document) -> list[Statement]:
    """The statements of a policy version, in order: sentences, and headings that are only a date
    (a bold "Effective Date: March 28, 2023" line reads as a heading)."""
    r, out, block = doc.rendered, [], 0
    for section in sections(r, r.title, doc.source):
        for kind, lines in section.blocks:
            for a, b in _items(lines) if kind == "list" else [(lines[0].start, lines[-1].end)]:
                block += 1
                if not _says_nothing(doc, kind, lines, a, b):
                    found = (_statement(doc, x, y, section.heading or "", block) for x, y in _sentences(r, a, b))
                    out += [s for s in found if s]
    for line in signpost_lines(r, doc.source, lambda rr, a, b: len(split_sentences(rr, a, b)) == 1):
        heading = r.text[line.start : line.end]
        if line.kind == "heading" and is_date(heading):
            x, y = line.start + len(heading) - len(heading.lstrip()), line.start + len(heading.rstrip())
            out += [s for s in [_statement(doc, x, y, "", -line.start)] if s]
    return sorted(out, key=lambda s: s.start)


def _regions(old: list[Statement], new: list[Statement]) -> list[tuple[list[int], list[int]]]:
    """The runs of statements that differ, without those that only moved (found word for word in a
    differing run of the other version)."""
    sm = SequenceMatcher(None, [s.words for s in old], [s.words for s in new], autojunk=False)
    regions = [(list(range(i1, i2)), list(range(j1, j2))) for tag, i1, i2, j1, j2 in sm.get_opcodes()
               if tag != "equal"]
    moved = Counter(old[i].words for o, _ in regions for i in o) & Counter(new[j].words for _, n in regions for j in n)
    left = [moved.copy(), moved.copy()]

    def unmoved(side: int, stmts: list[Statement], found: list[int]) -> list[int]:
        kept = []
        for i in found:
            left[side][stmts[i].words] -= 1
            if left[side][stmts[i].words] < 0:
                kept.append(i)
        return kept

    return [(unmoved(0, old, o), unmoved(1, new, n)) for o, n in regions]


def _shared(old: list[Statement], new: list[Statement], o: list[int], n: list[int]
            ) -> tuple[Counter[tuple[int, int]], Counter[tuple[int, int]]]:
    """Words each pair (old, new) of a differing run shares in a word-level alignment of the run:
    all of them, and those in runs of ``PHRASE`` words or more."""
    ow = [i for i in o for _ in old[i].core]
    nw = [j for j in n for _ in new[j].core]
    sm = SequenceMatcher(None, [w for i in o for w in old[i].core], [w for j in n for w in new[j].core],
                         autojunk=False)
    shared: Counter[tuple[int, int]] = Counter()
    phrases: Counter[tuple[int, int]] = Counter()
    for a, b, size in sm.get_matching_blocks():
        for pair, run in groupby((ow[a + k], nw[b + k]) for k in range(size)):
            length = len(list(run))
            shared[pair] += length
            if length >= PHRASE:
                phrases[pair] += length
    return shared, phrases


def _links(old: list[Statement], new: list[Statement], o: list[int], n: list[int]) -> set[tuple[int, int]]:
    """Pairs (old, new) of statements in one differing run that say mostly the same words: alike
    (Dice), one inside the other, or one spread over several of the other version (re-split)."""
    shared, phrases = _shared(old, new, o, n)
    links = set()
    for (i, j), m in shared.items():
        lo, ln = len(old[i].core), len(new[j].core)
        if 2 * m / (lo + ln) >= SIMILAR or m >= CONTAINED * min(lo, ln) >= CONTAINED * PHRASE:
            links.add((i, j))
    for side, stmts in ((0, old), (1, new)):  # a statement alike to none: split over several?
        alone = {pair[side] for pair in phrases} - {pair[side] for pair in links}
        spread = Counter(pair[side] for pair in phrases.elements())
        links.update(pair for pair in phrases
                     if pair[side] in alone and spread[pair[side]] >= CONTAINED * len(stmts[pair[side]].core))
    dates = zip((i for i in o if is_date(old[i].text)), (j for j in n if is_date(new[j].text)), strict=False)
    return links | set(dates)


def _groups(old: list[Statement], new: list[Statement], o: list[int], n: list[int]
            ) -> list[tuple[list[int], list[int]]]:
    """A differing run as groups (old indices, new indices): linked statements together (connected
    through their links), the others by paragraph or list item."""
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(x: tuple[str, int]) -> tuple[str, int]:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for i, j in sorted(_links(old, new, o, n)):
        parent[find(("o", i))] = find(("n", j))
    linked: dict[tuple[str, int], tuple[list[int], list[int]]] = {}
    singles: list[tuple[list[int], list[int]]] = []
    for side, found, stmts in (("o", o, old), ("n", n, new)):
        alone = [i for i in found if (side, i) not in parent]
        for i in (i for i in found if (side, i) in parent):
            linked.setdefault(find((side, i)), ([], []))[side == "n"].append(i)
        for _, run in groupby(enumerate(alone), key=lambda t: (t[1] - t[0], stmts[t[1]].block)):
            idx = [i for _, i in run]
            singles.append((idx, []) if side == "o" else ([], idx))
    return [*linked.values(), *singles]


def _side(stmts: list[Statement], idx: list[int]) -> Side:
    first, last = stmts[idx[0]], stmts[idx[-1]]
    return Side(" ".join(stmts[i].text for i in idx), first.section, first.start, last.end)


def _change(old: list[Statement], new: list[Statement], o: list[int], n: list[int]) -> Change | None:
    """The change a group stands for (None: the same words, only split into sentences differently)."""
    before, after = (_side(old, o) if o else None), (_side(new, n) if n else None)
    if before and after:
        if words(before.text) == words(after.text):
            return None
        segments = word_diff(before.text, after.text)
        differing = " ".join(text for op, text in segments if op != "=")
        return Change("changed", before, after, topics_of([before.text, after.text], differing, after.section),
                      segments)
    shown: Side = before or after  # type: ignore[assignment]
    return Change("removed" if before else "added", before, after, topics_of([shown.text], context=shown.section))


def diff_statements(old: list[Statement], new: list[Statement]) -> list[Change]:
    """The changes from one statement sequence to another, in document order."""
    found: list[tuple[tuple[int, int], Change]] = []
    for number, (o, n) in enumerate(_regions(old, new)):
        for go, gn in _groups(old, new, o, n):
            change = _change(old, new, sorted(go), sorted(gn))
            if change:
                where = min(go) - o[0] if go else min(gn) - n[0]
                found.append(((number, where), change))
    return [c for _, c in sorted(found, key=lambda t: t[0])]


def diff_documents(old: Document, new: Document) -> Diff:
    """What changed from ``old`` to ``new`` (two versions of one policy)."""
    changes = tuple(diff_statements(statements(old), statements(new)))
    return Diff(str(old.path), str(new.path), changes, summarize(changes))


def read_version(path: Path) -> Document:
    """A policy version from a file; a missing, unreadable or unknown kind of file is a PolicySourceError."""
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "does not exist"
        raise PolicySourceError(f"policy file {str(path)!r} {what}; check the path")
    if path.suffix.lower() not in SUFFIXES:
        raise PolicySourceError(f"policy file {str(path)!r} is not .md, .txt or .html; rename or convert it")
    try:
        return read_policy(path)
    except OSError as exc:
        raise PolicySourceError(f"policy file {str(path)!r} cannot be read ({exc.strerror}); check it") from None


def diff_files(old: Path, new: Path) -> Diff:
    """What changed between two files of one policy."""
    return diff_documents(read_version(Path(old)), read_version(Path(new)))

