"""Property tests: over many generated policies (Markdown, text, HTML), every passage and
sentence maps back to its exact source slice, no sentence is cut, sections are respected."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.chunking import MAX_WORDS, chunk
from bot.reader import Document, collapse, render_like

WORDS = [
    "data", "privacy", "cookies", "we", "share", "partners", "café", "naïve", "e–mail", "user’s",
    "Bellacor.com", "Inc.", "U.S.", "e.g.", "3.5", "1-877-723-5522", "(optional)", "\"quoted\"",
    "vendors;", "email,", "über", "日本", "opt-out", "www.example.com", "C.F.R.", "and", "or", "the",
]
CAPS = ["Information", "Users", "Bellacor", "Third", "Cookies", "Émile", "Our", "You", "2019", "When"]


class Draws:
    """The few ``random.Random`` methods the generator uses, read from bytes Hypothesis draws.

    One ``st.binary()`` per example keeps generation fast, and Hypothesis shrinks a failure by
    shortening and zeroing those bytes; past their end every choice is the first option, so a
    shrunk failure is a small document (fewer sections, sentences and words).
    """

    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def _byte(self) -> int:
        self.at += 1
        return self.data[self.at - 1] if self.at <= len(self.data) else 0

    def choice(self, options: list[str]) -> str:
        return options[self._byte() % len(options)]

    def randint(self, low: int, high: int) -> int:
        return low + self._byte() % (high - low + 1)

    def random(self) -> float:
        return self._byte() / 256


@dataclass(frozen=True)
class Piece:
    """One generated sentence: its Markdown/HTML source forms and the text a reader sees."""

    md: str
    html: str
    plain: str


def sentence(rng: Draws, fmt: str) -> Piece:
    words = [rng.choice(CAPS)] + [rng.choice(WORDS) for _ in range(rng.randint(2, 18))]
    end = rng.choice([".", ".", "!", "?", ".”", ".)"])
    md, ht, plain = [], [], []
    for w in words:
        roll = rng.random() if fmt != "txt" else 1.0
        if roll < 0.08:
            url = f"https://example.com/{rng.randint(1, 99)}.html"
            text = f"{w} {rng.choice(WORDS)}. More"
            md.append(f"[{text}]({url})")
            ht.append(f'<a href="{url}">{html.escape(text)}</a>')
            plain.append(f"{text} ({url})")
        elif roll < 0.14:
            md.append(f"**{w}**")
            ht.append(f"<b>{html.escape(w)}</b>")
            plain.append(w)
        elif roll < 0.18:
            md.append(f"*{w}*")
            ht.append(f"<em>{html.escape(w)}</em>")
            plain.append(w)
        elif roll < 0.21:  # in HTML: attributes holding ">", comments, numeric entities
            md.append(f"{w}’s")
            ht.append(f'<span title="a>b"><!-- note -->{html.escape(w)}&#8217;s</span>')
            plain.append(f"{w}’s")
        else:
            md.append(w)
            ht.append(html.escape(w))
            plain.append(w)
    return Piece(" ".join(md) + end, " ".join(ht) + end, " ".join(plain) + end)


@dataclass(frozen=True)
class Generated:
    source: str
    suffix: str
    sentences: list[list[str]]  # what a reader sees: a sentence, or a list with its intro and items
    headings: list[str]


def generate(rng: Draws, fmt: str) -> Generated:
    out: list[str] = []
    seen: list[list[str]] = []
    headings: list[str] = []
    nl = rng.choice(["\n", "\r\n"]) if fmt != "html" else "\n"
    for s in range(rng.randint(1, 5)):
        if rng.random() < 0.6:
            title = f"Heading {'ABCDEFG'[s]}zq {rng.choice(['Users', 'Privacy Rights', 'Émile'])}"
            headings.append(title)
            out.append({"md": f"## {title}", "txt": title, "html": f"<h2>{title}</h2>"}[fmt])
            out.append("")
        for _ in range(rng.randint(1, 4)):
            if rng.random() < 0.25:  # a list with the sentence that introduces it
                intro = sentence(rng, fmt)
                intro_md, intro_html, intro_plain = intro.md[:-1] + ":", intro.html[:-1] + ":", intro.plain[:-1] + ":"
                items = [sentence(rng, fmt) for _ in range(rng.randint(1, 5))]
                numbered = rng.random() < 0.5
                if fmt == "html":
                    lis = "".join(f"<li>{it.html}</li>\n" for it in items)
                    out.append(f"<p>{intro_html}</p>\n<ul>\n{lis}</ul>")
                    shown = [f"• {it.plain}" for it in items]
                else:
                    marks = [f"{k + 1}." if numbered else "-" for k in range(len(items))]
                    body = [it.md if fmt == "md" else it.plain for it in items]
                    out.append((intro_md if fmt == "md" else intro_plain) + nl + nl +
                               nl.join(f"  {m} {b}" for m, b in zip(marks, body, strict=True)))
                    shown = [f"{m if numbered else '•'} {it.plain}" for m, it in zip(marks, items, strict=True)]
                seen.append([intro_plain + " " + " ".join(shown), intro_plain, *shown])
            else:
                sents = [sentence(rng, fmt) for _ in range(rng.randint(1, 7))]
                joiner = rng.choice([" ", "  ", nl]) if fmt != "html" else rng.choice([" ", "\n"])
                if fmt == "html":
                    out.append("<p>" + joiner.join(x.html for x in sents) + "</p>")
                else:
                    out.append(joiner.join(x.md if fmt == "md" else x.plain for x in sents))
                seen.extend([x.plain] for x in sents)
            out.append("")
        if rng.random() < 0.5:
            out.append({"md": "top", "txt": "top", "html": '<p><a href="#top">Back to top</a></p>'}[fmt])
            out.append("")
    source = nl.join(out)
    if fmt == "html":
        source = f"<html><head><title>T</title><style>p{{}}</style></head><body>\n{source}\n</body></html>"
    return Generated(source, "." + fmt, seen, headings)


def _doc(g: Generated) -> Document:
    return Document("gen", Path("gen" + g.suffix), g.source, "0" * 64, render_like(g.suffix, g.source))


def check(g: Generated) -> None:
    doc = _doc(g)
    passages = chunk(doc)
    assert passages, g.source
    previous_end = 0
    for p in passages:
        # The offset rule: the source slice, rendered, is the passage up to whitespace.
        assert collapse(render_like(g.suffix, g.source[p.start : p.end]).text) == p.text
        assert previous_end <= p.start < p.end
        previous_end = p.end
        assert p.sentences and p.sentences[0].start == p.start and p.sentences[-1].end == p.end
        for s in p.sentences:
            assert collapse(render_like(g.suffix, g.source[s.start : s.end]).text) == s.text
            assert s.text in p.text
        # Headings and back-to-top lines never appear inside a passage.
        assert not any(h in p.text for h in g.headings)
        assert "Back to top" not in p.text and not p.text.endswith(" top")
        if len(p.sentences) > 1:
            assert p.words <= MAX_WORDS
    # Marking a passage on its page (by bisection) finds what a walk over every character finds.
    rendered = render_like(g.suffix, g.source)
    for p in passages:
        for a, b in ((p.start, p.end), (p.start + 1, p.end - 1), (p.start, p.start + 1)):
            assert rendered.clean_span(a, b) == _clean_span_walk(rendered, a, b), (a, b)
    # Every sentence lands whole in a passage: none is cut or lost. A list stays with its
    # intro unless together they pass the word limit; then each item still lands whole. A lone
    # question line with text after it is a signpost: it heads the section that follows instead.
    signposts = {h for p in passages for h in p.context.split(" › ")} - set(g.headings)
    for whole, *parts in g.sentences:
        wants = [whole] if len(whole.split()) <= MAX_WORDS or not parts else parts
        for want in wants:
            heading = next((h for h in signposts if collapse(want) in h), None)
            if heading is not None:
                assert heading.endswith("?") and not parts, (want, heading)
                assert not any(collapse(want) in s.text for p in passages for s in p.sentences), want
                continue
            assert any(collapse(want) in p.text for p in passages), want


def _clean_span_walk(r: object, start: int, end: int) -> tuple[int, int] | None:
    """The plain definition of ``Rendered.clean_span``: the oracle for its bisection."""
    inside = [i for i, ch in enumerate(r.text) if r.starts[i] >= start and r.ends[i] <= end and not ch.isspace()]
    return (inside[0], inside[-1] + 1) if inside else None


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.binary(min_size=1024, max_size=4096))
def test_markdown_offsets(data: bytes) -> None:
    check(generate(Draws(data), "md"))


@FAST
@given(st.binary(min_size=1024, max_size=4096))
def test_text_offsets(data: bytes) -> None:
    check(generate(Draws(data), "txt"))


@FAST
@given(st.binary(min_size=1024, max_size=4096))
def test_html_offsets(data: bytes) -> None:
    check(generate(Draws(data), "html"))
