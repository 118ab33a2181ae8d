"""Reading and chunking real and hand-written policies: sections, lists, links, labels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.chunking import MAX_WORDS, chunk, split_sentences
from bot.reader import Document, collapse, read_policy, render_like
from tests.conftest import DEFAULT_POLICY, SHARED


def _doc(source: str, suffix: str) -> Document:
    return Document("t", Path("t" + suffix), source, "0" * 64, render_like(suffix, source))


@pytest.fixture(scope="module")
def bellacor() -> tuple[Document, list]:
    doc = read_policy(DEFAULT_POLICY)
    return doc, chunk(doc)


def test_default_policy_offsets_are_exact(bellacor) -> None:
    doc, passages = bellacor
    for p in passages:
        assert collapse(render_like(".md", doc.source[p.start : p.end]).text) == p.text
        for s in p.sentences:
            assert collapse(render_like(".md", doc.source[s.start : s.end]).text) == s.text


def test_back_to_top_lines_end_sections_and_never_appear(bellacor) -> None:
    doc, passages = bellacor
    tops = [i for i in range(len(doc.source)) if doc.source.startswith("top\n", i) and doc.source[i - 1] == "\n"]
    assert len(tops) == 10
    for p in passages:
        assert not any(p.start <= t < p.end for t in tops)
        assert not p.text.endswith("top")


def test_lists_stay_with_the_sentence_that_introduces_them(bellacor) -> None:
    _, passages = bellacor
    sentences = [s.text for p in passages for s in p.sentences]
    assert "Bellacor receives information when: 1. Orders are placed. 2. Users subscribe to regularly scheduled " \
           "e-mails. 3. Users sign up for services. 4. Participating in a sweepstakes or other promotional " \
           "offers. 5. Feedback is provided via e-mail." in sentences
    assert any(s.startswith("Information may be shared with third parties")
               and s.endswith("6. Providing chat functions.") for s in sentences)


def test_links_become_their_text_with_the_url_in_brackets(bellacor) -> None:
    _, passages = bellacor
    text = " ".join(p.text for p in passages)
    assert "from Bellacor click here (http://www.bellacor.com/unsubscribe.cfm)." in text
    assert "](" not in text and "[click" not in text


def test_passages_are_whole_sentences_within_the_word_limit(bellacor) -> None:
    _, passages = bellacor
    for p in passages:
        assert p.words <= MAX_WORDS
        assert p.text[-1] in ".:)" and p.text[0].isupper()


def test_headingless_sections_get_topic_labels(bellacor) -> None:
    _, passages = bellacor
    by_start = {p.text.split(".")[0]: p.section for p in passages}
    assert by_start["Bellacor may use cookies to help provide a fast, convenient shopping experience"] == "Cookies"
    assert by_start["Encryption is a process by which Bellacor uses software to scramble sensitive information " +
                    "while it is in transit to Bellacor"] == "Encryption"
    assert "Section" not in " ".join(p.section for p in passages)
    assert [p.section for p in chunk(read_policy(DEFAULT_POLICY))] == [p.section for p in passages], "stable"


def test_markdown_headings_name_sections_and_split_them() -> None:
    doc = _doc("# Acme Privacy Policy\n\n## What we collect\n\nWe collect your name. We collect your e-mail.\n\n"
               "## Cookies\n\nWe use cookies.\n", ".md")
    passages = chunk(doc)
    assert doc.title == "Acme Privacy Policy"
    assert [(p.section, p.text) for p in passages] == [
        ("What we collect", "We collect your name. We collect your e-mail."), ("Cookies", "We use cookies.")]


def test_html_is_reduced_to_text_with_headings_and_lists() -> None:
    html = ("<html><head><title>Shop &amp; Co privacy</title><script>var x = '<p>no</p>';</script></head><body>"
            "<nav>Home | Cart</nav><h2>Sharing</h2><p>We share data with:</p><ul><li>Couriers.</li>"
            "<li>Payment &amp; fraud checks.</li></ul><p>See <a href='https://shop.example/partners'>our partners"
            "</a>.</p><p><a href='#top'>Back to top</a></p><h2>Contact</h2><p>Mail us.</p></body></html>")
    doc = _doc(html, ".html")
    passages = chunk(doc)
    assert doc.title == "Shop & Co privacy"
    assert [(p.section, p.text) for p in passages] == [
        ("Sharing", "We share data with: • Couriers. • Payment & fraud checks. See our partners "
                    "(https://shop.example/partners)."),
        ("Contact", "Mail us."),
    ]
    for p in passages:
        assert collapse(render_like(".html", html[p.start : p.end]).text) == p.text


def test_plain_text_headings_are_recognised_conservatively() -> None:
    source = ("Information We Collect\n\nWe collect your name.\n\nEffective July 20, 2012\n\n"
              "We may change this policy.\n")
    passages = chunk(_doc(source, ".txt"))
    assert passages[0].section == "Information We Collect"
    assert "Effective July 20, 2012" in " ".join(p.text for p in passages), "a dated line is content, not a heading"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bellacor.com, Inc. voluntarily complies with the U.S. Federal Trade Commission rule. It is law.",
         ["Bellacor.com, Inc. voluntarily complies with the U.S. Federal Trade Commission rule.", "It is law."]),
        ("We use e.g. cookies. Really! Is that fine? Yes.",
         ["We use e.g. cookies.", "Really!", "Is that fine?", "Yes."]),
        ("See (16 C.F.R. Part 312). Then stop.", ["See (16 C.F.R. Part 312).", "Then stop."]),
    ],
)
def test_sentence_splitting(text: str, expected: list[str]) -> None:
    r = render_like(".txt", text)
    assert [r.text[a:b] for a, b in split_sentences(r, 0, len(r.text))] == expected


def test_policyqa_policies_lose_no_answer() -> None:
    """Every gold answer of PolicyQA lies inside some passage: chunking drops no content."""
    folder = SHARED / "data" / "policyqa"
    assert folder.is_dir(), f"{folder} is missing: CI and make test run beside ../shared (see its README)"
    gold = [json.loads(line) for line in (folder / "dev.queries.jsonl").read_text().splitlines()]
    by_policy: dict[str, list] = {}
    for g in gold:
        by_policy.setdefault(g["policy"], []).extend(g["answer_spans"])
    for name, spans in by_policy.items():
        doc = read_policy(folder / "policies" / f"{name}.txt")
        passages = chunk(doc)
        for s, e in spans:
            assert any(p.start < e and s < p.end for p in passages), (name, s, e)
        for p in passages:
            assert collapse(render_like(".txt", doc.source[p.start : p.end]).text) == p.text
