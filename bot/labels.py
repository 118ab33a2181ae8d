"""Section names for policies that have no headings.

A passage outside any headed section is named by the privacy topic its words point to most (a small
lexicon of the topics privacy policies cover, after the OPP-115 categories), e.g. "Cookies",
"Encryption". The result depends only on the text, so it is stable across rebuilds.
"""

from __future__ import annotations

import re
from collections import Counter

# Topic -> cue patterns (regex, case-insensitive, matched on word boundaries). Order breaks ties.
TOPICS: dict[str, tuple[str, ...]] = {
    "Children's privacy": (r"child(?:ren)?(?:'s)?", r"minors?", r"under (?:the age of )?1[368]", r"coppa",
                           r"parental consent", r"kids"),
    "Do Not Track": (r"do[ -]not[ -]track", r"dnt"),
    "Cookies": (r"cookies?", r"web beacons?", r"pixel tags?", r"local storage", r"tracking technolog\w*"),
    "Encryption": (r"encrypt\w*", r"decrypt\w*", r"ssl", r"tls", r"secure socket\w*", r"public key", r"private key"),
    "Security": (r"secur(?!ity (?:codes?|polic))\w*", r"safeguard\w*", r"firewall", r"unauthori[sz]ed", r"breach\w*"),
    "Data retention": (r"retain\w*", r"retention", r"as long as", r"delete\w* after", r"stored for"),
    "Advertising": (r"advertis\w*", r"ads", r"ad networks?", r"interest[- ]based", r"target\w* ads"),
    "Marketing e-mails": (r"unsubscrib\w*", r"opt[- ]?out", r"promotional", r"newsletters?",
                          r"marketing e[-–]?mails?", r"no longer receive"),
    "Sharing with third parties": (r"third[- ]part(?:y|ies)", r"shar(?:e|ed|ing)", r"disclos\w*", r"sold",
                                   r"sell\w*", r"affiliates?", r"service providers?"),
    "Your choices and rights": (r"access (?:to )?your", r"correct\w*", r"updat\w* your", r"rights?",
                                r"choices?", r"delet\w* your"),
    "Changes to this policy": (r"changes? (?:to|in) (?:this|our) (?:policy|notice|statement)",
                               r"last updated", r"effective date", r"revis\w*", r"amend\w*"),
    "California privacy rights": (r"california", r"ccpa", r"shine the light"),
    "International users": (r"international", r"transfer\w* (?:to|outside)", r"gdpr", r"european"),
    "Information we collect": (r"collect\w*", r"receives? information", r"request\w*", r"gather\w*",
                               r"provide\w* (?:us )?(?:with )?information", r"register\w*"),
    "How information is used": (r"used? (?:to|for)", r"purposes?", r"improve\w*", r"recommendations?"),
    "Payments": (r"payments?", r"billing", r"purchas\w*"),
    "Links to other sites": (r"links? to other", r"other (?:web ?)?sites", r"third[- ]party sites"),
    "Contact us": (r"contact\w*", r"questions", r"customer care", r"write to us", r"call us"),
    "About this policy": (r"this (?:notice|policy|statement)", r"privacy (?:policy|notice)"),
}
_COMPILED = {topic: re.compile(r"\b(?:" + "|".join(cues) + r")\b", re.IGNORECASE) for topic, cues in TOPICS.items()}
_STOP = set(
    "a an and are as at be been but by can do does for from has have he her his how i if in into is it "
    "its may more most must no not of on or our ours she so such than that the their them then there "
    "these they this those to us was we were what when where which who will with would you your yours "
    "also any all information personal data users user site website services service use used"
    .split()
)


def topic_scores(text: str) -> Counter[str]:
    """How strongly each topic's cues appear; the first sentence counts double."""
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    scores: Counter[str] = Counter()
    for topic, pattern in _COMPILED.items():
        hits = len(pattern.findall(text)) + len(pattern.findall(first))
        if hits:
            scores[topic] = hits
    return scores


def _telling_word(text: str, others: list[str]) -> str:
    """The word frequent here and rare in the other sections (a tiny tf-idf)."""
    words = [w for w in re.findall(r"[a-z][a-z-]{3,}", text.lower()) if w not in _STOP]
    if not words:
        return "more"
    elsewhere = Counter(w for other in others for w in set(re.findall(r"[a-z][a-z-]{3,}", other.lower())))
    counts = Counter(words)
    return max(sorted(counts), key=lambda w: counts[w] / (1 + elsewhere[w]))


INTRODUCTION = "Introduction"
RUNNER_UP = 0.5  # a second topic is named too when it is this strong beside the first


def _topic_label(text: str, scores: Counter[str]) -> str | None:
    """The passage's topic, or its two topics in the order the text takes them up when it mixes two
    ("Information we collect and sharing with third parties"), so no label hides half a passage."""
    if not scores:
        return None
    ranked = sorted(scores, key=lambda t: (-scores[t], list(TOPICS).index(t)))
    chosen = [t for t in ranked[:2] if scores[t] >= max(2, RUNNER_UP * scores[ranked[0]])]
    if len(chosen) < 2:
        return ranked[0]
    first, second = sorted(chosen, key=lambda t: _COMPILED[t].search(text).start())
    return f"{first} and {second[0].lower()}{second[1:]}"


def label_passages(headings: list[str | None], texts: list[str], opening: list[bool] | None = None) -> list[str]:
    """A name per passage: its section heading if it has one, else the topic of its own text.

    The first passage of the policy's opening (``opening``: before any heading or section break)
    is its introduction when it touches on several topics. Others without headings are named one
    by one by topic, so a long headingless policy still gets telling names; a passage matching no
    topic is named by its most telling word.
    """
    labels: list[str] = []
    opening = opening or [False] * len(texts)
    for n, (heading, text, first) in enumerate(zip(headings, texts, opening, strict=True)):
        if heading:
            labels.append(heading)
        else:
            scores = topic_scores(text)
            label = _topic_label(text, scores)
            ranks = [*sorted(scores.values(), reverse=True), 0, 0]
            if first and (label is None or ranks[0] < 2 * ranks[1]):  # an opening touching on several topics
                label = INTRODUCTION
            labels.append(label or _telling_word(text, texts[:n] + texts[n + 1 :]).capitalize())
    return labels


_CONTACT_CUE = re.compile(r"\b(contact\w*|write to|e-?mail us|call us|reach us|questions?|customer (?:care|service))\b",
                          re.IGNORECASE)
_CHANNEL = re.compile(r"https?://\S+|[\w.+-]+@[\w-]+\.[\w.]+|\+?\d[\d\s().-]{6,}\d")


def contact_sentence(sentences: list[str]) -> str | None:
    """The sentence that tells readers how to reach the company (a cue and a URL, e-mail or phone)."""
    scored = []
    for n, sentence in enumerate(sentences):
        cues = {m.lower() for m in _CONTACT_CUE.findall(sentence)}
        if cues and _CHANNEL.search(sentence):
            scored.append((-(2 * any(c.startswith("contact") for c in cues) + len(cues)), n, sentence))
    return min(scored)[2] if scored else None

