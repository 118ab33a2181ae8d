"""A policy at a glance: for each privacy topic, whether the policy addresses it, and the
sentences that state its position, quoted; with the policy's own date and how hard it is to read.

Each topic is asked of the policy in two or three everyday wordings (``QUESTIONS``), through the
engine itself. A topic is addressed when a confident citation's key sentence also uses the
topic's own words (``vocabulary.TOPICS``: a sentence on "requests" is not about selling just
because it scored well); its best such sentence is the quote, and a second strong one is added
when it says something else. A topic with none is "Not found in this policy": the overview never
claims that a policy forbids or permits what it does not state. On the hand labels of
``../shared/data/layqa/topics`` (four policies, 56 topic calls) this calls addressed-or-not
right for 0.93 of topics, and its quote holds a gold phrase for 0.60 of the addressed ones
(``python benchmarks/overview.py``).

Readability is the Flesch-Kincaid grade (a US school grade: 12 is the last year of high school)
from the ``readability`` package, over the policy's sentences as chunked; reading time assumes
238 words a minute, the average silent reading speed of adults (Brysbaert, 2019).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from .lexical import tokenize
from .results import Answer, Citation
from .suggestions import QUESTIONS as FIRST
from .vocabulary import TOPICS as WORDS

TOPICS = tuple(FIRST)
#: Each topic in the wordings it is asked in: the follow-up bank's question first.
QUESTIONS: dict[str, tuple[str, ...]] = {
    "collection": (FIRST["collection"], "What personal data do you collect?",
                   "What information do you gather when I use the site?"),
    "use": (FIRST["use"], "What do you use my personal data for?", "Why do you process my information?"),
    "sharing": (FIRST["sharing"], "Do you share my personal data with third parties?", "Who gets my data?"),
    "selling": (FIRST["selling"], "Do you sell or rent my personal information?"),
    "cookies": (FIRST["cookies"], "What cookies do you use?"),
    "ads": (FIRST["ads"], "Do you show me targeted ads?",
            "Do you use my information for marketing and advertising?"),
    "children": (FIRST["children"], "Can children use this service?", "What about kids under 13?"),
    "security": (FIRST["security"], "How do you keep my data secure?"),
    "retention": (FIRST["retention"], "How long do you retain my personal data?"),
    "rights": (FIRST["rights"], "Can I access, correct or delete my personal data?",
               "What rights do I have over my data?"),
    "optout": (FIRST["optout"], "How do I unsubscribe from emails?", "How can I opt out?"),
    "transfer": (FIRST["transfer"], "Do you transfer my data internationally?", "Where is my data stored?"),
    "changes": (FIRST["changes"], "Will you tell me when you change this privacy policy?",
                "How do you update this policy?"),
    "contact": (FIRST["contact"], "How do I contact you with privacy questions?"),
}
#: The topics as a reader would name them.
TOPIC_NAMES = {
    "collection": "What is collected", "use": "How it is used", "sharing": "Who it is shared with",
    "selling": "Selling your data", "cookies": "Cookies and tracking", "ads": "Advertising",
    "children": "Children", "security": "Security", "retention": "How long it is kept",
    "rights": "Your rights: see, correct, delete", "optout": "Opting out of marketing",
    "transfer": "Transfers abroad", "changes": "Changes to the policy", "contact": "Contact",
}
NOT_FOUND = "Not found in this policy"
SECOND_QUOTE = 0.6  # a second quote only when it is a strong match too (``results.STRONG_MATCH``)
WORDS_PER_MINUTE = 238
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_DATE = (rf"(?:{_MONTH}\s+{_DAY},?\s+\d{{4}}|{_DAY}\s+(?:of\s+)?{_MONTH},?\s+\d{{4}}"
         rf"|{_MONTH}\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}})")
_DATED = re.compile(rf"(?<![a-z])(last\s+(?:updated|modified|revised|changed)|effective(?:\s+date)?|updated|revised)"
                    rf"\b(?:\s+(?:on|as\s+of|date))?\s*[:\-–—]?\s*\**\s*({_DATE})", re.IGNORECASE)


@dataclass(frozen=True)
class TopicView:
    """One topic of the overview: addressed or not, and the quoted sentences when it is."""

    topic: str
    addressed: bool
    quotes: tuple[Citation, ...]

    def to_dict(self) -> dict:
        out: dict = {"addressed": self.addressed, "quotes": [c.to_dict() for c in self.quotes]}
        if not self.addressed:
            out["summary"] = NOT_FOUND
        return out


@dataclass(frozen=True)
class Dated:
    """The policy's own "last updated" or "effective" date, where the file states it."""

    label: str  # as written: "Last Modified", "Effective"
    date: str  # as written: "15th August 2025"
    start: int  # offsets of the date in the policy file
    end: int


@dataclass(frozen=True)
class Stats:
    words: int
    reading_minutes: int
    grade: float  # Flesch-Kincaid grade level
    grade_scale: str = "Flesch-Kincaid grade level (US school grade; 12 = end of high school)"


@dataclass(frozen=True)
class Overview:
    policy: str
    version: str  # sha256 of the policy text the overview was made from
    updated: Dated | None
    stats: Stats
    topics: dict[str, TopicView]

    @classmethod
    def from_dict(cls, data: dict) -> Overview:
        """The overview ``to_dict`` gave (read back from the index's cache: ``history``)."""
        def quotes(found: list[dict]) -> tuple[Citation, ...]:
            return tuple(Citation(**{k: v for k, v in q.items() if k != "match"}) for q in found)

        topics = {t: TopicView(t, v["addressed"], quotes(v["quotes"])) for t, v in data["topics"].items()}
        updated = Dated(**data["updated"]) if data["updated"] else None
        return cls(data["policy"], data["version"], updated, Stats(**data["stats"]), topics)

    def to_dict(self) -> dict:
        return {"policy": self.policy, "version": self.version,
                "updated": vars(self.updated) if self.updated else None, "stats": vars(self.stats),
                "topics": {t: v.to_dict() for t, v in self.topics.items()}}


@cache
def _topic_stems(topic: str) -> frozenset[str]:
    return frozenset(s for group in WORDS[topic] for phrase in group for s in tokenize(phrase))


def topic_view(topic: str, answers: list[Answer], threshold: float) -> TopicView:
    """The topic's quotes: confident citations whose key sentence uses the topic's own words."""
    seen, candidates = set(), []
    for c in (c for a in answers for c in a.citations):
        if c.score >= threshold and c.sentence not in seen and _topic_stems(topic) & set(tokenize(c.sentence)):
            seen.add(c.sentence)
            candidates.append(c)
    candidates.sort(key=lambda c: -c.score)
    quotes = candidates[:1] + [c for c in candidates[1:2] if c.score >= SECOND_QUOTE]
    return TopicView(topic, bool(quotes), tuple(quotes))


def find_date(source: str) -> Dated | None:
    """The first "Last updated: <date>" (or "Effective ...") the policy file states."""
    m = _DATED.search(source)
    return Dated(" ".join(m.group(1).split()), m.group(2), m.start(2), m.end(2)) if m else None


def stats(sentences: list[str]) -> Stats:
    import readability  # a kept library: syllables and the standard formulas, offline

    words = sum(len(s.split()) for s in sentences)
    lines = "\n".join(" ".join(re.findall(r"[\w'’-]+|[.,;:!?]", s)) for s in sentences if s.strip())
    grade = readability.getmeasures(lines, lang="en")["readability grades"]["Kincaid"] if lines else 0.0
    return Stats(words, max(1, math.ceil(words / WORDS_PER_MINUTE)), round(float(grade), 1))


def make_overview(policy: str, version: str, source: str, sentences: list[str],
                  ask: Callable[[str], Answer], threshold: float) -> Overview:
    """The overview of one policy version; ``ask`` answers a question from that policy alone."""
    topics = {t: topic_view(t, [ask(q) for q in QUESTIONS[t]], threshold) for t in TOPICS}
    return Overview(policy, version, find_date(source), stats(sentences), topics)
