"""Policy sentence -> the words it is compared on and the privacy topics it is about (see ``diff``).

Words: lowercased, without punctuation, quote or dash style, URL schemes, or a link's address where
it repeats the link's text ("a@b.com (mailto:a@b.com)"): what a reader would not call a change.

Topics: the words come from ``vocabulary.TOPICS`` (the question side), less the words that in a policy's
own sentences say nothing about the topic: every policy "uses" things, "protects" data under "data
protection laws", "reserves the right" and writes "This Notice". ``EXTRA`` adds the words that
policies, not people, use ("effective date", "subprocessor", "registered office"). "payment" is
not a topic key: payment details are information collected, so its words count for ``collection``.

Topic words match on their stems (PyStemmer, as in ``lexical``), phrases as runs of stems. A statement
that is only a date ("November 5, 2025") is the policy's date: topic ``changes``; a period of time
("for 30 days", "for up to 24 months") is about ``retention``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache, lru_cache
from itertools import groupby
from typing import TYPE_CHECKING

import Stemmer

from .rendering import TOP
from .vocabulary import TOPICS

if TYPE_CHECKING:
    from .diff import Change

TOPIC_KEYS = ("collection", "use", "sharing", "selling", "cookies", "ads", "children", "security", "retention",
              "rights", "optout", "transfer", "changes", "contact")
_FOLDED = {"payment": "collection"}  # a vocabulary topic that is not a key -> the key it counts for
LEAVE_OUT: dict[str, frozenset[str]] = {
    "collection": frozenset({"record", "recording", "image", "picture", "photo", "contacts"}),
    "use": frozenset({"use", "why", "process", "profile"}),
    "sharing": frozenset({"see", "access", "give", "staff", "employee", "personnel", "workers", "merge",
                          "bought", "police"}),
    "selling": frozenset({"trade", "sale"}),
    "children": frozenset({"son", "minor", "minors", "parent", "age"}),
    "security": frozenset({"safe", "protect", "password", "credential", "login", "steal"}),
    "retention": frozenset({"store", "storage", "hold"}),
    "rights": frozenset({"remove", "copy", "download", "fix", "wrong", "update", "pause", "limit", "object",
                         "close", "cancel", "terminate", "right", "rights", "request", "exercise", "correct",
                         "forget", "destroy", "wipe", "get rid of", "regulator", "complain", "access"}),
    "optout": frozenset({"stop", "consent", "email", "e-mail", "marketing", "spam", "text message", "sms"}),
    "transfer": frozenset({"outside", "country", "eu", "europe"}),
    "changes": frozenset({"update", "notice", "tell", "inform", "heads up", "warn", "alert", "change",
                          "notify", "modify"}),
    "contact": frozenset({"contact", "address", "email", "write", "call", "phone", "support", "reach",
                          "customer service"}),
    "payment": frozenset({"card", "bank", "purchase"}),
}
EXTRA: dict[str, tuple[str, ...]] = {
    "collection": ("personal data we collect", "information we collect", "credit card", "receive personal",
                   "receive your", "receive information"),
    "use": ("use your", "use of your", "use this information", "use the information", "use personal",
            "legitimate interest", "legal basis"),
    "sharing": ("subprocessor", "recipient", "shared with", "publicly available", "publicly displayed",
                "made public", "accessible to", "displayed to other users"),
    "selling": ("lease", "sale of your", "sale of personal"),
    "cookies": ("clear gif", "sdk", "telemetry", "tracking technologies"),
    "ads": ("tailored", "based on your interests"),
    "children": ("under the age", "years of age"),
    "security": ("unauthorized", "fraud", "firewall"),
    "retention": ("retained", "for as long as", "store records", "stores personal", "deleted after", "delete it after"),
    "rights": ("your right", "data subject", "access request", "object to", "request access", "right to access",
               "exercise your", "exercise their", "data protection rights", "lodge a complaint", "correct"),
    "optout": ("opt out", "preference center", "email preferences"),
    "transfer": ("data privacy framework", "transferred to", "transfers of information", "european economic area"),
    "changes": ("effective date", "last modified", "last updated", "changes to this", "change this",
                "amend this", "changes in the way"),
    "contact": ("contact us", "please contact", "contact the company", "registered offices", "registered office",
                "operated by", "controlled by", "data controller", "questions about", "questions regarding",
                "get in touch", "contact customer", "contact our", "customer care", "call us", "write to us",
                "email us", "e-mail us"),
}
# Words the stemmer would join to others of another meaning ("personal" and "personalized" both
# become "person", "authorized" and "authorities" "author"): kept as they are.
UNSTEMMED = frozenset({"personal", "personally", "periodically", "affiliation", "affiliations", "authorized",
                       "authorised", "authorize", "authorise", "authorization", "governed", "govern", "governs",
                       "generally", "general", "profile", "profiles", "located"})
WEAK = 0.2  # a topic scoring under this share of the statement's strongest one is left out
SHORT = 12  # words: a statement this short takes its section heading's topics too
_ADDRESS = re.compile(r" ?\(?(?:https?://|mailto:)[^\s)]*\)?")
_DURATION = re.compile(r"\bfor (?:up to |at least |a period of )?"
                       r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|thirty) "
                       r"(?:day|week|month|year)s?\b", re.IGNORECASE)
_MONTHS = set("january february march april may june july august september october november december jan feb mar "
              "apr jun jul aug sep sept oct nov dec".split())
_NUMERIC_DATE = re.compile(r"\b(?:19|20)\d\d-\d\d-\d\d\b|\b\d{1,2}[/.]\d{1,2}[/.](?:19|20)?\d\d\b")
IRREGULAR = {"sold": "sell", "kept": "keep", "told": "tell", "given": "give"}  # forms the stemmer cannot join
_WORD = re.compile(r"[a-z0-9]+")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
_TOKEN = re.compile(r"(?:https?://|mailto:)(?:www\.)?|[^\W_]+")
_LINK = re.compile(r"!?\[([^\[\]]*)\]\(([^()]*)\)")
_TAIL = re.compile(r"(?<=[.!?:;)\]\"'])\s+(\S[^.!?]{0,40})$")
_URL = re.compile(r"(\S+) \(((?:https?://|mailto:)[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)\)")


def _bare(url: str) -> str:
    """An address as compared: no scheme, no "www.", no trailing slash or punctuation."""
    url = re.sub(r"^(?:https?://|mailto:)", "", url.lower())
    return re.sub(r"^www\.", "", url).rstrip("/.,;:)")


def reader_text(text: str) -> str:
    """The text as compared and shown: a link's address dropped where it repeats the link's text,
    Markdown link syntax that a line break kept from being a link read as one, straight quotes and
    dashes, and no back-to-top link joined on at the end ("... age of 13. top")."""
    def repl(m: re.Match[str]) -> str:
        return m.group(1) if _bare(m.group(2)) == _bare(m.group(1).strip("(<[\"'")) else m.group(0)

    def link(m: re.Match[str]) -> str:
        shown, url = m.group(1), m.group(2).replace(" ", "")
        return shown if _bare(url) == _bare(shown.replace(" ", "")) or ":" not in url else f"{shown} ({url})"
    text = _URL.sub(repl, _LINK.sub(link, text)).translate(_QUOTES)
    tail = _TAIL.search(text)
    return text[: tail.start()] if tail and TOP.match(tail.group(1)) else text


def words(text: str) -> tuple[str, ...]:
    """The words that carry meaning: lowercased, no punctuation, no URL schemes."""
    return tuple(w for w in _TOKEN.findall(text.lower()) if ":" not in w)


def word_diff(old: str, new: str) -> tuple[tuple[str, str], ...]:
    """Segments ("=" | "-" | "+", text) turning ``old`` into ``new`` word by word; words compare as
    statements do (case, punctuation, quotes and hyphens aside), "=" text is the new version's."""
    ow, nw = re.findall(r"\S+\s*", old), re.findall(r"\S+\s*", new)
    sm = SequenceMatcher(None, [words(w) for w in ow], [words(w) for w in nw], autojunk=False)
    segments: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        before, after = "".join(ow[i1:i2]), "".join(nw[j1:j2])
        if tag == "equal" or words(before) == words(after):  # "third party" and "third-party"
            segments.append(("=", after + (" " if before[-1:].isspace() and not after[-1:].isspace() else "")))
            continue
        segments.extend((op, text) for op, text in (("-", before), ("+", after)) if text)
    return tuple((op, "".join(text for _, text in run)) for op, run in groupby(segments, key=lambda s: s[0]))


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """A word's stem (a stemmer per new word: cheap, and nothing shared between threads)."""
    word = IRREGULAR.get(word, word)
    return word if word in UNSTEMMED else Stemmer.Stemmer("english").stemWord(word)


def stems(text: str) -> tuple[str, ...]:
    """Lowercased word stems; "opt-out" and "third-party" are two words each."""
    return tuple(_stem(w) for w in _WORD.findall(text.lower()))


@cache
def lexicon() -> dict[str, tuple[tuple[str, ...], ...]]:
    """Topic key -> its words and phrases, each as a tuple of stems."""
    phrases: dict[str, set[tuple[str, ...]]] = {key: set() for key in TOPIC_KEYS}
    for topic, groups in TOPICS.items():
        key = _FOLDED.get(topic, topic)
        if key in phrases:
            phrases[key].update(stems(w) for group in groups for w in group if w not in LEAVE_OUT.get(topic, ()))
    for key, extra in EXTRA.items():
        phrases[key].update(stems(w) for w in extra)
    return {key: tuple(sorted(p for p in found if p)) for key, found in phrases.items()}


@cache
def _by_first_stem() -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """The lexicon as first stem -> (topic key, phrase), so a text is scanned once."""
    index: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for key, phrases in lexicon().items():
        for phrase in phrases:
            index.setdefault(phrase[0], []).append((key, phrase))
    return index


def is_date(text: str) -> bool:
    """A statement that is only a date, perhaps labelled ("Last Modified: 15th August 2025")."""
    found = _WORD.findall(text.lower())
    named = any(w in _MONTHS for w in found) and any(re.fullmatch(r"(?:19|20)\d\d", w) for w in found)
    return 1 <= len(found) <= 6 and (named or bool(_NUMERIC_DATE.search(text)))


def topic_scores(text: str) -> dict[str, int]:
    """Topic key -> how many of its words or phrases the text holds (topics without any left out)."""
    found, index = stems(text), _by_first_stem()
    scores = Counter(key for i, stem in enumerate(found) for key, phrase in index.get(stem, ())
                     if found[i : i + len(phrase)] == phrase)
    scores["changes"] += is_date(text)
    scores["retention"] += len(_DURATION.findall(text))
    return {key: n for key, n in scores.items() if n}


def topics_of(texts: Sequence[str], changed: str | None = None, context: str = "") -> tuple[str, ...]:
    """The topics of a statement (one text, or its old and new text), strongest first. A topic
    scores its hits in the text (the better of old and new) plus twice its hits in the words that
    ``changed``; one under ``WEAK`` of the strongest is left out. ``context`` (the section heading)
    adds its topics after them when the statement is short or has none ("Stripe | Payment |
    United States" in "List of third-party service providers")."""
    scores: Counter[str] = Counter()
    for text in texts:
        scores |= Counter(topic_scores(_ADDRESS.sub("", text)))
    for key, n in topic_scores(_ADDRESS.sub("", changed or "")).items():
        scores[key] += 2 * n
    top = max(scores.values(), default=0)
    ordered = [k for k in sorted(scores, key=lambda k: (-scores[k], TOPIC_KEYS.index(k))) if scores[k] >= WEAK * top]
    if context and (not ordered or min(len(t.split()) for t in texts) <= SHORT):
        ordered += [k for k in topics_of([context]) if k not in ordered]
    return tuple(ordered)


@dataclass(frozen=True)
class TopicChange:
    """A topic in the summary: changed or not, and its at-a-glance answer in each version."""

    key: str
    changed: bool
    old: str = ""
    new: str = ""
    changes: int = 0  # how many changes touch it

    def to_dict(self) -> dict[str, object]:
        return {"changed": self.changed, "old": self.old, "new": self.new, "changes": self.changes}


GLANCE_WORDS = 4  # words of context either side of what changed
GLANCE_MAX = 16  # words of a changed part, or of a statement added or removed, shown


def _clip(text: str, limit: int = GLANCE_MAX, tail: bool = False) -> str:
    """At most ``limit`` words of ``text``: its first ones, or (``tail``) its last ones, with
    "…" for what is left out; the spaces at its ends are kept."""
    found = text.split()
    if len(found) <= limit:
        return text
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    return lead + ("…" + " ".join(found[-limit:]) if tail else " ".join(found[:limit]) + "…") + trail


def _runs(segments: tuple[tuple[str, str], ...]) -> list[tuple[int, int]]:
    """The [first, last] segment numbers of each run of differing segments."""
    runs: list[tuple[int, int]] = []
    for n, (op, _) in enumerate(segments):
        if op != "=":
            runs[-1:] = [(runs[-1][0], n)] if runs and runs[-1][1] == n - 1 else [*runs[-1:], (n, n)]
    return runs


def _unlinked(text: str) -> str:
    """The text without addresses, unless they are all there is of it (a link added or changed)."""
    bare = _ADDRESS.sub("", text)
    return bare if re.search(r"\w", bare) or not re.search(r"\w", text) else text


def glance(change: Change, key: str) -> tuple[str, str]:
    """The old and new answer of a change about topic ``key``, short: the words that differ (where
    the topic's words are, else the first that do) with a few words around them, addresses left
    out ("…retained for four years from…" -> "…retained for 10 years from…")."""
    if change.kind != "changed":
        return tuple(_clip(_ADDRESS.sub("", s.text)) if s else "" for s in (change.old, change.new))  # type: ignore[return-value]
    segments = change.diff
    windows = []
    for first, last in _runs(segments):
        before = "…" * (first > 1) + _clip(segments[first - 1][1], GLANCE_WORDS, tail=True) if first else ""
        after = _clip(segments[last + 1][1], GLANCE_WORDS) + "…" * (last + 2 < len(segments)) \
            if last + 1 < len(segments) else ""
        middles = ("".join(t for o, t in segments[first : last + 1] if o == op) for op in "-+")
        sides = tuple(re.sub(r"\s+(?=[,.;:])|…\s*(?=…)", "", " ".join(
            (_ADDRESS.sub("", before) + _clip(_unlinked(m)) + _ADDRESS.sub("", after)).split())) for m in middles)
        windows.append((topic_scores(" ".join(sides)).get(key, 0), sides))
    return max(windows, key=lambda w: w[0])[1]  # the first of the best


def _strength(change: Change, key: str) -> int:
    """How much a change's statement (the stronger of its versions) is about the topic ``key``."""
    return max(topic_scores(_ADDRESS.sub("", side.text)).get(key, 0) for side in (change.old, change.new) if side)


def summarize(changes: Sequence[Change]) -> dict[str, TopicChange]:
    """Every topic key: unchanged, or changed, with the change whose statement is most about it (then
    where it ranks highest, then the first) as its at-a-glance old -> new."""
    out: dict[str, TopicChange] = {}
    for key in TOPIC_KEYS:
        touching = [c for c in changes if key in c.topics]
        if not touching:
            out[key] = TopicChange(key, False)
            continue
        best = max(touching, key=lambda c: (_strength(c, key), -c.topics.index(key)))  # the first of the best
        out[key] = TopicChange(key, True, *glance(best, key), changes=len(touching))
    return out
