"""A policy at a glance: for each privacy topic, whether the policy addresses it, and the
sentences that state its position, quoted; with the policy's own date and how hard it is to read.

Each topic is asked of the policy in two or three everyday wordings (``QUESTIONS``), through the
engine itself. A topic is addressed when a confident citation's key sentence also uses the
topic's own words (``vocabulary.TOPICS``, whole phrases and close inflections only: a sentence
on "requests" is not about selling just because it scored well, "18 USC" is not about children).
The quote is the candidate that best states the position (``_standing``): the most confident,
raised for each other wording that found the same sentence, lowered for pointers ("For more
information ..."), headings and caveats ("Note that ..."); a second strong one may follow. A
topic with none is "Not found in this policy": the overview never claims that a policy forbids
or permits what it does not state. On the hand labels of ``../shared/data/layqa/topics`` (four
policies, 56 topic calls) this calls addressed-or-not right for 0.95 of topics, and its first
quote holds a gold phrase for 0.81 of the addressed ones; on the held-out labels of
``benchmarks/heldout/topics`` (three other policies, 42 calls), 0.98 and 0.82
(``python benchmarks/overview.py [--heldout]``).

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
    "use": (FIRST["use"], "What are the purposes of processing my data?", "Why do you process my information?"),
    "sharing": (FIRST["sharing"], "Do you share my personal data with third parties?", "Who gets my data?"),
    "selling": (FIRST["selling"], "Do you sell or rent my personal information?"),
    "cookies": (FIRST["cookies"], "Do you use cookies and similar tracking technologies?"),
    "ads": (FIRST["ads"], "Do you show me targeted ads?",
            "Do you use my information for marketing and advertising?"),
    "children": (FIRST["children"], "Can children use this service?", "What about kids under 13?"),
    "security": (FIRST["security"], "What security measures protect my personal information?"),
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
# Choosing the quote among a topic's confident sentences (``_standing``), added to its confidence:
AGREEMENT = 0.2  # for each other wording of the topic that found the same sentence
NOT_A_POSITION = 0.5  # a pointer ("For more information, see ...") or a heading: never first if a statement is there
INFLECTION = 4  # letters a word may add to a listed one and still name it: "amendment" for "amend"
#: The words of ``vocabulary.TOPICS["sharing"]`` that name mergers and acquisitions.
_BUSINESS_TRANSFER = next(group for group in WORDS["sharing"] if "merger" in group)
CAVEAT = 0.1  # "Note that ...", "However, ...": a hedge on the position, rarely the position itself
_POINTER = re.compile(r"\b(for more (information|details|on)|learn (more|about)|read on|see below|see the section|"
                      r"please (refer|see|read|review|consult)|more details|can be found|answers the following)\b",
                      re.IGNORECASE)
_CAVEAT = re.compile(r"^\W*((please )?note|however|keep in mind|(please )?be aware)\b", re.IGNORECASE)
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


def _plain(text: str) -> str:
    """Lowercase words separated by single spaces ("E-mail" -> "email"), for matching phrases."""
    return " ".join(re.findall(r"[a-z0-9]+", re.sub(r"\be[-–]mail", "email", text.lower())))


@cache
def _vocabulary(group: tuple[str, ...]) -> tuple[dict[str, int], re.Pattern | None]:
    """A group's words by stem (with the length of the shortest word listed for it), and its
    phrases of several words, which only count whole ("under 13", not any "13")."""
    words: dict[str, int] = {}
    phrases = [re.escape(_plain(p)) for p in group if len(p.split()) > 1]
    for phrase in (p for p in group if len(p.split()) == 1):
        for stem in tokenize(phrase):
            words[stem] = min(words.get(stem, len(phrase)), len(phrase))
    return words, re.compile(rf"\b(?:{'|'.join(phrases)})\w*") if phrases else None


def _named(group: tuple[str, ...], plain: str) -> set[str]:
    """The group's words and phrases a sentence (``_plain``) uses: a listed word or an inflection
    of one ("collected", not "information" for "inform"), or a whole listed phrase."""
    words, phrases = _vocabulary(group)
    found = {m.group(0) for m in phrases.finditer(plain)} if phrases is not None else set()
    return found | {w for w in set(plain.split()) for stem in tokenize(w)
                    if stem in words and len(w) - words[stem] <= INFLECTION}


def uses_topic(topic: str, sentence: str) -> bool:
    """Whether the sentence names the topic in its own words (``vocabulary.TOPICS``). The "sale" of
    a business in a merger clause is not the selling of personal data."""
    plain = _plain(sentence)
    named = set().union(*(_named(group, plain) for group in WORDS[topic]))
    if topic == "selling" and named <= {"sale", "sales"} and _named(_BUSINESS_TRANSFER, plain):
        return False
    return bool(named)


def _is_heading(sentence: str) -> bool:
    """A short run of capitalised words ("• Your Privacy Rights."): a title, which states nothing."""
    words = re.findall(r"[A-Za-z][A-Za-z'’-]*", sentence)
    long = [w for w in words if len(w) >= 4]
    return len(words) <= 8 and bool(long) and sum(w[0].isupper() and not w.isupper() for w in long) > len(long) / 2


def _standing(topic: str, sentence: str, best: float, wordings: int) -> float:
    """How well a sentence states the policy's position: its best confidence over the topic's
    wordings, more when several wordings found it, less when it points elsewhere, is a heading,
    or hedges what another sentence states."""
    elsewhere = bool(_POINTER.search(sentence)) or _is_heading(sentence)
    return best + AGREEMENT * (wordings - 1) - NOT_A_POSITION * elsewhere - CAVEAT * bool(_CAVEAT.search(sentence))


def topic_view(topic: str, answers: list[Answer], threshold: float) -> TopicView:
    """The topic's quotes: confident citations whose key sentence uses the topic's own words,
    best stated first (``_standing``)."""
    best: dict[str, Citation] = {}
    found_by: dict[str, set[int]] = {}
    for i, answer in enumerate(answers):
        for c in answer.citations:
            if c.score >= threshold and uses_topic(topic, c.sentence):
                if c.sentence not in best or c.score > best[c.sentence].score:
                    best[c.sentence] = c
                found_by.setdefault(c.sentence, set()).add(i)
    standing = {s: _standing(topic, s, c.score, len(found_by[s])) for s, c in best.items()}
    ranked = sorted(best.values(), key=lambda c: -standing[c.sentence])
    quotes = ranked[:1] + [c for c in ranked[1:2] if min(c.score, standing[c.sentence]) >= SECOND_QUOTE]
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
