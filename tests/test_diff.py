"""What changed between two versions of a policy: only changes of meaning, each with its kind and topic.

The four real pairs (Open Terms Archive, ``../shared/data/versions``) were read with ``git diff
--no-index --word-diff``; ``REAL`` below is what really changed in each, written down from that
reading. Everything else in their line diffs (heading anchors, bullet indentation, e-mail
addresses made links, setext headings, quote style, "third party" -> "third-party", "Github" ->
"GitHub", a list row that only moved) is cosmetic and must not be reported.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from bot.cli import main
from bot.diff import Change, Diff, diff_documents, statements
from bot.reader import Document, parse_policy, render_like
from bot.rendering import TOP, collapse
from bot.topics import TOPIC_KEYS, reader_text, topics_of, words
from tests.conftest import DEFAULT_POLICY, SHARED

VERSIONS = SHARED / "data" / "versions"
PAIRS = {"hugging-face": ("2023-03-29", "2026-03-18"), "bandcamp": ("2023-10-19", "2025-09-24"),
         "overleaf": ("2025-09-23", "2026-06-11"), "mozilla": ("2020-12-15", "2025-11-06")}
POLICIES = [VERSIONS / f"{name}.{date}.md" for name, dates in PAIRS.items() for date in dates] + [DEFAULT_POLICY]

# (kind, a phrase of the change's text, topics it must have; () = it has none)
REAL: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {
    "hugging-face": [  # the list of third-party service providers; Amazon Web Services only moved up
        ("removed", "Intercom | Chat", ("sharing",)),
        ("added", "Metronome | Billing", ("sharing",)),
        ("removed", "Curated | Newsletters", ("sharing",)),
        ("added", "MongoDB Atlas | Hosting", ("sharing",)),
        ("removed", "Google/Gsuite | Payment", ("sharing",)),
        ("removed", "Docker.io | Hosting", ("sharing",)),
        ("removed", "Circle CI Software", ("sharing",)),
        ("changed", "OVHCloud | Hosting/Infrastructure | France", ("sharing",)),
        ("removed", "Google Analytics | Analytics", ("sharing", "cookies")),
        ("removed", "Outreach | Customer engagement", ("sharing",)),
    ],
    "bandcamp": [
        ("changed", "Effective Date: September 23, 2025", ("changes",)),
        ("changed", "Other than as explicitly outlined in the 'Analytics and Third-Party", ("cookies", "ads")),
        ("added", "we and our third-party advertising partners (including, but not limited to, Meta, Google, and "
                  "Reddit)", ("cookies", "ads")),
    ],
    "overleaf": [
        ("changed", "Last Modified: 11 June 2026", ("changes",)),
        ("changed", "Overleaf is operated and controlled by Digital Science UK Ltd", ("contact",)),
        ("changed", "cookies may be set to personalize the content and ads you receive", ("cookies", "ads")),
        ("added", "to verify your identity and research affiliation", ("use",)),
        ("added", "if you collaborate on another user's Overleaf project", ("sharing",)),
        ("changed", "listed here (https://docs.overleaf.com/accounts-and-security/overleaf-data-processors)",
         ("sharing",)),
        ("changed", "your subscription to use Overleaf may have been purchased via our US affiliate", ("transfer",)),
        ("changed", "history of interactions with us, public research history", ("ads",)),
        ("changed", "click the unsubscribe button that will be included in our emails.", ("optout",)),
        ("added", "separate email preferences may also apply", ("optout",)),
    ],
    "mozilla": [
        ("changed", "November 5, 2025", ("changes",)),
        ("changed", "which include the domains mozilla.org, and firefox.com", ()),
        ("changed", "addons.mozilla.org, bugzilla.mozilla.org, careers.mozilla.org, community.mozilla.org", ()),
        ("changed", "our accounts on external social media platforms, such as X (formerly Twitter)", ("collection",)),
        ("changed", "If you contribute to Bugzilla, or our code bases", ("sharing",)),
        ("changed", "profile at people.mozilla.org, it will be accessible to Mozilla employees and Mozilla "
                    "contributors; you can edit", ("sharing",)),
        ("added", "If you create an account on Mozilla Connect", ("sharing",)),
        ("changed", "Where possible, we try to minimize contact information", ("sharing",)),
        ("changed", "on webpages like connect.mozilla.org", ()),
        ("changed", "and MDN (https://developer.mozilla.org/), require account creation.", ()),
        ("changed", "For account management we use Mozilla accounts", ()),
        ("changed", "Our email management vendors are SalesForce (https://www.salesforce.com/company/privacy/), "
                    "Amazon Simple Email Service", ("sharing", "optout")),
        ("changed", "remember information about your settings (such as language preference)", ("cookies",)),
        ("added", "Mozilla Glean, our first-party telemetry and analytics platform", ("cookies",)),
        ("removed", "DoubleClick and Flashtalking, each of which uses a clear GIF", ("cookies", "ads")),
        ("removed", "Yahoo Dot Pixel, which uses JavaScript", ("cookies", "ads")),
        ("changed", "You can accept or decline individual cookies in your preferences", ("cookies",)),
        ("changed", "In addition, if you have configured your browser to send a \"Do Not Track\"", ("cookies",)),
        ("changed", "you can unsubscribe from the footer of the email.", ("optout",)),
        ("added", "You can also unsubscribe via the preference center", ("optout",)),
        ("added", "Mozilla first-party tools: Opt out on www.mozilla.org", ("optout",)),
        ("removed", "Yahoo: Visit the Ad Interest Manager", ("optout", "ads")),
        ("changed", "share data with the applicable social media provider until you specifically click the "
                    "relevant social media icon.", ("sharing",)),
        ("removed", "Except for payments made by check, money order", ("collection",)),
        ("added", "you will send payment through one of our third-party payment providers", ("collection",)),
        ("changed", "Mozilla receives a record of your account", ("collection",)),
        ("changed", "This data is used for payment processing, fraud detection and record-keeping purposes.",
         ("use",)),
        ("changed", "which are retained for 10 years from the date of last payment", ("retention",)),
        ("removed", "We use WealthEngine", ("optout",)),
        ("added", "we use Fundraise Up (https://fundraiseup.com/privacy/) to manage our donations", ()),
        ("added", "please contact us through our Data Subject Access Request Portal", ("rights", "contact")),
    ],
}


def document(source: str, name: str = "policy.md") -> Document:
    return parse_policy(Path(name), source.encode("utf-8"))


def diff(old: str, new: str) -> Diff:
    return diff_documents(document(old, "old.md"), document(new, "new.md"))


def version(name: str, which: int) -> str:
    return (VERSIONS / f"{name}.{PAIRS[name][which]}.md").read_text(encoding="utf-8")


def text_of(change: Change) -> str:
    return " ".join(side.text for side in (change.old, change.new) if side)


def assert_exactly(found: Diff, expected: list[tuple[str, str, tuple[str, ...]]]) -> None:
    """Every expected change is reported once, with its kind and topics, and nothing else is."""
    left = list(found.changes)
    for kind, phrase, topics in expected:
        match = [c for c in left if c.kind == kind and phrase in text_of(c)]
        assert len(match) == 1, (kind, phrase, [(c.kind, text_of(c)[:80]) for c in left])
        change = match[0]
        assert set(topics) <= set(change.topics) if topics else change.topics == (), (phrase, change.topics)
        left.remove(change)
    assert left == [], [(c.kind, text_of(c)[:80]) for c in left]


# ---------------------------------------------------------------------------- cosmetic rewrites

_LINK = r"!?\[[^\]\n]*\]\((?:[^()\s]|\([^()\s]*\))*\)"
_UNIT = re.compile(rf"(?:{_LINK}|\S)+")
_ITEM = re.compile(r"^(\s*)([-*+]|\d{1,3}[.)])(\s+)(?=\S)")
_BLOCK_START = re.compile(r"^(?:[-*+>#|=]|\d{1,3}[.)])")
_UNDERLINE = re.compile(r"^\s{0,3}(?:=+|-+)\s*$")
_RULE = re.compile(r"^\s{0,3}([-*_])(?:\s*\1){2,}\s*$")


def _special(lines: list[str], n: int) -> bool:
    """A line that must stay as it is: blank, heading, rule, setext heading or its underline, quote,
    back-to-top link (a line of its own for the renderer, and for a reader)."""
    line, after = lines[n], lines[n + 1] if n + 1 < len(lines) else ""
    return (not line.strip() or line.lstrip().startswith(("#", ">", "|")) or bool(_RULE.match(line))
            or bool(TOP.match(line.strip()))
            or bool(_UNDERLINE.match(line)) or bool(line.strip() and _UNDERLINE.match(after)))


def _wrap(text: str, first: str, indent: str, width: int) -> list[str]:
    """Greedy wrap that keeps links whole and never starts a line with block markup."""
    out, line = [], first
    for unit in _UNIT.findall(text):
        fits = len(line) + 1 + len(unit) <= width or line.strip() in ("", first.strip())
        if fits or _BLOCK_START.match(unit):
            line = f"{line} {unit}" if line.strip() and line != first else line + unit
        else:
            out.append(line)
            line = indent + unit
    return [*out, line]


def rewrap(source: str, width: int = 60) -> str:
    """Every paragraph and list item re-wrapped at ``width`` columns."""
    lines, out, n = source.split("\n"), [], 0
    while n < len(lines):
        if _special(lines, n):
            out.append(lines[n])
            n += 1
            continue
        item = _ITEM.match(lines[n])
        first = item.group(0) if item else re.match(r"\s*", lines[n]).group(0)  # type: ignore[union-attr]
        body = [lines[n][len(first):]]
        n += 1
        while n < len(lines) and not _special(lines, n) and not _ITEM.match(lines[n]):
            body.append(lines[n].strip())
            n += 1
        out += _wrap(" ".join(body), first, " " * len(first), width)
    return "\n".join(out)


def rebullet(source: str) -> str:
    """'*' and '+' bullets become '-', with one space and half the indentation."""
    def repl(m: re.Match[str]) -> str:
        return " " * (len(m.group(1)) // 2) + "- " if not m.group(2)[0].isdigit() else m.group(0)
    return "\n".join(line if _RULE.match(line) else _ITEM.sub(repl, line) for line in source.split("\n"))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def anchor_headings(source: str) -> str:
    """``[](#slug)`` before every heading's text (ATX and setext), as Open Terms Archive adds them."""
    lines = source.split("\n")
    for n, line in enumerate(lines):
        atx = re.match(r"^(#{1,6}\s+)(.*)$", line)
        if atx:
            lines[n] = f"{atx.group(1)}[](#{_slug(atx.group(2))}){atx.group(2)}"
        elif line.strip() and n + 1 < len(lines) and _UNDERLINE.match(lines[n + 1]) and not _ITEM.match(line):
            lines[n] = f"[](#{_slug(line)}){line}"
    return "\n".join(lines)


def link_addresses(source: str) -> str:
    """Bare e-mail addresses become ``[a](mailto:a)`` links and bare web addresses ``[u](u)``."""
    source = re.sub(r"(?<![\w.+\-\[(/:@])([\w.+-]+@[\w-]+(?:\.[\w-]+)+)(?![\w\]@])", r"[\1](mailto:\1)", source)
    return re.sub(r"(?<![\[(<\w/])(https?://[^\s<>()\[\]]*[^\s<>()\[\].,;:!?'\"])", r"[\1](\1)", source)


def swap_quotes(source: str) -> str:
    """Curly quotes and dashes straight, straight ones curly."""
    source = source.replace("’", "\0").replace("“", "\1").replace("”", "\1").replace(" — ", " \2 ")
    source = re.sub(r"(?<=\w)'(?=\w)", "’", source)
    source = re.sub(r"(?<![\w\](])\"([^\"\n]+)\"", r"“\1”", source).replace(" - ", " – ")
    return source.replace("\0", "'").replace("\1", '"').replace("\2", "-")


def heading_levels(source: str) -> str:
    """Every heading one level down; setext headings written as ATX ones."""
    lines, out = source.split("\n"), []
    for line in lines:
        if _UNDERLINE.match(line) and out and out[-1].strip() and not _ITEM.match(out[-1]):
            out[-1] = "## " + out[-1].strip()
            continue
        out.append(re.sub(r"^(#{1,5})(\s)", r"#\1\2", line))
    return "\n".join(out)


def whitespace(source: str) -> str:
    return re.sub(r"(\S) (\S)", r"\1  \2", source.replace("\n\n", "\n\n\n")).replace("\n", "  \n")


def textwrap_paragraphs(source: str, hyphens: bool = True) -> str:
    """A naive re-wrap: ``textwrap.fill`` at 60 columns on every block of plain lines, breaking at
    hyphens and inside link text, and joining a back-to-top line to the paragraph above it."""
    blocks = []
    for block in source.split("\n\n"):
        lines = block.split("\n")
        plain = all(line.strip() and not re.match(r"\s*(?:[#>|*+-]|\d+[.)]|=+\s*$)", line) for line in lines)
        blocks.append(textwrap.fill(" ".join(line.strip() for line in lines), 60, break_long_words=False,
                                    break_on_hyphens=hyphens) if plain else block)
    return "\n\n".join(blocks)


REWRITES = [rewrap, rebullet, anchor_headings, link_addresses, swap_quotes, heading_levels, whitespace,
            textwrap_paragraphs]


def cosmetic(source: str) -> str:
    for rewrite in (link_addresses, anchor_headings, swap_quotes, rebullet, heading_levels, rewrap):
        source = rewrite(source)
    return source


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.stem)
def test_a_purely_cosmetic_rewrite_is_no_change(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    rewritten = cosmetic(source)
    assert rewritten != source and len(rewritten.splitlines()) != len(source.splitlines())
    found = diff(source, rewritten)
    assert found.changes == (), [(c.kind, text_of(c)[:100]) for c in found.changes]
    assert not any(t.changed for t in found.topics.values())


@pytest.mark.parametrize("rewrite", REWRITES, ids=lambda f: f.__name__)
def test_each_cosmetic_rewrite_alone_is_no_change(rewrite: object) -> None:
    for path in POLICIES:
        source = path.read_text(encoding="utf-8")
        assert diff(source, rewrite(source)).changes == (), (path.name, rewrite)  # type: ignore[operator]


def test_the_rewrites_really_rewrite() -> None:
    source = version("hugging-face", 0)
    assert "\n* information provided as part" in source and "\n- information provided as part" in rebullet(source)
    assert max(map(len, rewrap(source).splitlines())) < max(map(len, source.splitlines()))
    assert "### [](#1-information-we-collect)1\\. INFORMATION WE COLLECT" in anchor_headings(source)
    assert "[privacy@huggingface.co](mailto:privacy@huggingface.co)." in link_addresses(source)
    assert "#### 1\\. INFORMATION" in heading_levels(source)
    assert "## Hugging Face Privacy Policy" in heading_levels(source)
    assert "“Website”" not in swap_quotes(source) and '"Website"' in swap_quotes(source)


@pytest.mark.parametrize("name", list(PAIRS))
def test_the_real_pairs_give_exactly_their_real_changes(name: str) -> None:
    assert_exactly(diff(version(name, 0), version(name, 1)), REAL[name])


@pytest.mark.parametrize("name", list(PAIRS))
def test_cosmetic_noise_on_top_of_a_real_pair_changes_nothing_reported(name: str) -> None:
    plain = diff(version(name, 0), version(name, 1))
    noisy = diff(cosmetic(version(name, 0)), version(name, 1))
    assert [(c.kind, words(text_of(c))) for c in noisy.changes] == [(c.kind, words(text_of(c))) for c in plain.changes]


# Bellacor, edited: three sentences reworded, one added, one removed.
EDITS = [
    ("Information about Bellacor customers is not sold.", "Information about Bellacor customers may be sold.",
     ("changed", "customers may be sold.", "selling")),
    ("known to be under the age of 13, nor", "known to be under the age of 16, nor",
     ("changed", "under the age of 16, nor", "children")),
    ("Bellacor may use cookies to help provide", "Bellacor uses cookies and web beacons to help provide",
     ("changed", "Bellacor uses cookies and web beacons", "cookies")),
    ("Data on users’ home servers is aggregated for internal review. ", "Data on users’ home servers is aggregated "
     "for internal review. Order records are kept for 24 months after the last purchase. ",
     ("added", "Order records are kept for 24 months", "retention")),
    ("Private account information is located behind a firewall; it is not directly connected to the Internet. ", "",
     ("removed", "located behind a firewall", "security")),
]


def test_a_few_edited_sentences_are_exactly_the_changes_reported() -> None:
    old = DEFAULT_POLICY.read_text(encoding="utf-8")
    new = old
    for before, after, _ in EDITS:
        assert new.count(before) == 1, before
        new = new.replace(before, after)
    found = diff(old, new)
    assert_exactly(found, [(kind, phrase, (topic,)) for _, _, (kind, phrase, topic) in EDITS])
    assert [c.topics[0] for c in found.changes] == ["children", "selling", "retention", "security", "cookies"]
    assert found.counts() == {"added": 1, "removed": 1, "changed": 3}
    assert_exactly(diff(cosmetic(old), cosmetic(new)), [(k, p, (t,)) for _, _, (k, p, t) in EDITS])


def test_changed_words_are_marked_and_offsets_point_into_each_file() -> None:
    old, new = version("mozilla", 0), version("mozilla", 1)
    found = diff(old, new)
    retention = next(c for c in found.changes if "retained for" in text_of(c))
    assert ("-", "four ") in retention.diff and ("+", "10 ") in retention.diff
    assert "".join(t for op, t in retention.diff if op != "-") == retention.new.text  # type: ignore[union-attr]
    assert found.topics["retention"].to_dict() == {
        "changed": True, "old": "…which are retained for four years from the date…",
        "new": "…which are retained for 10 years from the date…", "changes": 3}
    for change in found.changes:
        for side, source in ((change.old, old), (change.new, new)):
            if side:
                shown = reader_text(collapse(render_like(".md", source[side.start : side.end]).text))
                assert words(shown)[-len(words(side.text)):] == words(side.text), side.text[:60]


def test_the_json_has_the_documented_shape() -> None:
    data = json.loads(json.dumps(diff(version("bandcamp", 0), version("bandcamp", 1)).to_dict()))
    assert set(data) >= {"changes", "topics"} and list(data["topics"]) == list(TOPIC_KEYS)
    date = data["changes"][0]
    assert date["kind"] == "changed" and date["topics"] == ["changes"]
    assert set(date["old"]) == {"text", "section", "start", "end"} and date["old"]["text"].endswith("October 18, 2023")
    assert date["diff"] == [["=", "Effective Date: "], ["-", "October 18, 2023"], ["+", "September 23, 2025"]]
    added = data["changes"][2]
    assert added["kind"] == "added" and added["old"] is None and added["new"]["section"].startswith("What Personal")
    assert data["topics"]["changes"] == {"changed": True, "old": "Effective Date: October 18, 2023",
                                         "new": "Effective Date: September 23, 2025", "changes": 1}
    assert data["topics"]["children"] == {"changed": False, "old": "", "new": "", "changes": 0}


def test_moves_re_splits_and_extensions() -> None:
    a, b, c = ("We collect your e-mail address.", "We never sell your data.", "We keep logs for 30 days.")
    assert diff(f"{a} {b}\n\n{c}\n", f"{c}\n\n{a} {b}\n").changes == ()  # a paragraph moved
    assert diff(f"{a} {b}\n", f"{a[:-1]}; {b[0].lower()}{b[1:]}\n").changes == ()  # two sentences joined
    extended = diff(f"{a} {b}\n", f"{a[:-1]}, and your name. {b}\n").changes  # one sentence longer: one change
    assert [(x.kind, x.diff, x.topics) for x in extended] == [
        ("changed", (("=", "We collect your e-mail address, "), ("+", "and your name.")), ("collection",))]
    split = diff(f"{a} {b}\n", f"{a[:-1]}, and we never sell it. {b}\n").changes  # a sentence and a half
    assert [(x.kind, x.new.text) for x in split] == [  # type: ignore[union-attr]
        ("changed", "We collect your e-mail address, and we never sell it.")]


def test_navigation_headings_and_list_numbers_are_not_statements() -> None:
    source = ("[Terms](https://x.com/terms)[Privacy](https://x.com/privacy)\n\n# Privacy\n\n## Data we keep\n\n"
              "We keep logs.\n\n1. Orders are placed.\n2. Users sign up.\n")
    assert [s.text for s in statements(document(source))] == ["We keep logs.", "Orders are placed.", "Users sign up."]
    renumbered = source.replace("1. Orders are placed.\n", "1. Orders are paid.\n2. Orders are placed.\n") \
        .replace("2. Users", "3. Users").replace("## Data we keep", "## What we store")
    assert [(c.kind, c.new.text) for c in diff(source, renumbered).changes] == [("added", "Orders are paid.")]


def test_a_sentence_added_after_an_address_or_inc_is_added() -> None:
    old = ("Write to privacy@example.co. We answer in a week.\n\n"
           "Orders go through Acme, Inc. Payments go through Stripe.\n")
    new = ("Write to privacy@example.co. You can also call us. We answer in a week.\n\n"
           "Orders go through Acme, Inc. We keep order records for 12 months. Payments go through Stripe.\n")
    assert [(c.kind, c.new.text, c.topics) for c in diff(old, new).changes] == [  # type: ignore[union-attr]
        ("added", "You can also call us.", ("contact",)),
        ("added", "We keep order records for 12 months.", ("retention",))]


def test_a_lone_heading_shaped_line_left_without_text_is_still_no_statement() -> None:
    old = "# Policy\n\n**Legal bases**\n\nWe rely on your consent.\n\n## Sharing\n\nWe share nothing.\n"
    new = "# Policy\n\n**Legal bases**\n\n## Sharing\n\nWe share nothing.\n"
    assert [(c.kind, c.old.text) for c in diff(old, new).changes] == [  # type: ignore[union-attr]
        ("removed", "We rely on your consent.")]


def test_topics_of_statements() -> None:
    assert topics_of(["We keep your order history for 24 months."]) == ("retention",)
    assert topics_of(["Information about our customers is not sold."]) == ("selling",)
    assert topics_of(["Last Modified: 15th August 2025"]) == ("changes",)
    assert topics_of(["Stripe | Payment | United States"], context="List of third-party service providers") == (
        "collection", "transfer", "sharing")
    assert topics_of(["Our personal commitment: we answer within a day."]) == ()  # "personal" is not "personalized"


def test_cli_diff_text_json_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    old, new = str(VERSIONS / "bandcamp.2023-10-19.md"), str(VERSIONS / "bandcamp.2025-09-24.md")
    assert main(["diff", old, new]) == 0
    out = capsys.readouterr().out
    assert out.startswith("3 changes: 1 added, 0 removed, 2 changed")
    assert "1. changed  [changes]\n   (no heading)  (old 31-63, new 31-65)\n" \
           "   Effective Date: [-October 18, 2023-]{+September 23, 2025+}\n" in out
    assert "  changes: Effective Date: October 18, 2023 -> Effective Date: September 23, 2025\n" in out
    assert "  unchanged: selling, children, security, retention, rights, optout, transfer, contact" in out
    assert main(["diff", old, new, "--json"]) == 0
    assert [c["kind"] for c in json.loads(capsys.readouterr().out)["changes"]] == ["changed", "changed", "added"]
    assert main(["diff", old, old]) == 0
    assert capsys.readouterr().out.startswith("0 changes: 0 added, 0 removed, 0 changed")
    (tmp_path / "empty.md").write_text("  \n")
    (tmp_path / "policy.pdf").write_bytes(b"%PDF")
    for bad, message in ((str(tmp_path / "missing.md"), "does not exist"), (str(tmp_path / "empty.md"), "is empty"),
                         (str(tmp_path / "policy.pdf"), "is not .md, .txt or .html")):
        assert main(["diff", old, bad]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("policybot: error: ") and message in err
