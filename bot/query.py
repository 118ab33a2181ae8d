"""A question as people type it -> what retrieval needs: clean text to embed, words to match.

Five steps, each general rather than tuned to any question set:

1. Chat shorthand is spelled out ("do u sell my info" -> "do you sell my information").
2. Misspelt words are corrected against the indexed policies' own words and the privacy
   vocabulary ("infomation" -> "information") with SymSpell (symspellpy): a word that is neither
   in its English frequency dictionary nor there is replaced by the word at the smallest edit distance (1 for words
   under 8 letters, 2 above; words under 5 letters are left alone, too short to be sure).
3. Everyday words bring in the policy words for the same thing (``vocabulary.TOPICS``), as
   extra lexical terms weighted below the question's own.
4. People's words that few policies use and this one never does ("cops", ``vocabulary.LAY``)
   are followed, in the text the model embeds, by the policy's own word for the thing
   ("do cops get my info (law enforcement)"), whose words then count as the question's own.
   On the layqa dev questions: answer@1 0.531 -> 0.555, hit@3 0.828 -> 0.859 (with step 3 no
   longer set off by generic words); the held-out set 0.448 -> 0.469 and 0.792 unchanged.
5. The question's distinctive words, its ``focus``: its content words less those common in the
   indexed passages ("can imgur staff look up my actual phone number" -> "staff look actual phone
   number" on Imgur's policy, where most passages say "Imgur"). Retrieval scores sentences
   against this text's vector too (``retrieve``), so words that any sentence of the policy could
   echo do not outweigh the ones that say what is asked.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .lexical import idf, tokenize
from .vocabulary import CHAT, LAY, TOPICS

# A whole word: not part of an abbreviation ("U.S.", "R&D") nor of a word with other letters ("données").
_WORD = re.compile(r"(?<![\w.&'/])[A-Za-z][A-Za-z'/]*(?![\w&]|\.\w)")
_ASCII_WORD = re.compile(r"(?<![^\W\d_])[A-Za-z]+(?![^\W\d_])")
_LETTERS = re.compile(r"[a-z]+")
MIN_CORRECTABLE = 5
# Words nearly every sentence of a privacy policy could hold: they say nothing about which
# sentence answers ("do you sell my data" turns on "sell"), and they never call in a vocabulary
# group: stemmed, "personal" would read as "personalised" (ads) and "information" as "inform"
# (notice of changes), pulling every "my personal info" question towards marketing and notices.
GENERIC = frozenset(tokenize("data information info personal privacy policy notice statement"))
# A content word held by more than about a fifth of the indexed passages (inverse document
# frequency under FOCUS_IDF, BM25's formula) is common: it is left out of the question's focus.
# Chosen on layqa dev (1.0-2.0 scored within a question of each other there and on the second set).
FOCUS_IDF = 1.5
# A focus of one word ("cookies") favours the sentence that defines it ("A cookie is a data element
# ...") over the one that answers ("Bellacor may use cookies to ..."): a focus has two words or more.
FOCUS_MIN_WORDS = 2
_FOCUS_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Query:
    """One question, prepared: ``text`` is embedded, ``tokens`` and ``related`` feed BM25."""

    question: str  # as asked (validated, whitespace collapsed)
    text: str  # shorthand spelled out, typos corrected, the policy's words for lay words added
    tokens: tuple[str, ...]  # stemmed content words of ``text`` (the policy's words for lay words included)
    related: tuple[str, ...]  # stemmed words the privacy vocabulary adds (not in ``tokens``)
    focus: str = ""  # the distinctive words of ``text``, or "" (see ``focus()``)


def expand_shorthand(text: str) -> str:
    """Spell out chat shorthand, word by word ("u" -> "you", "info" -> "information")."""
    return _WORD.sub(lambda m: CHAT.get(m.group(0).lower(), m.group(0)), text)


@cache
def english_words() -> frozenset[str]:
    """The English words SymSpell ships (82,765, by frequency): the ones never "corrected"."""
    import symspellpy

    path = Path(symspellpy.__file__).with_name("frequency_dictionary_en_82_765.txt")
    return frozenset(line.split(" ", 1)[0] for line in path.read_text(encoding="utf-8").splitlines() if line)


class Speller:
    """Corrects a question's unknown words to the nearest word of the policies' own vocabulary."""

    def __init__(self, texts: list[str]) -> None:
        self._counts = Counter(w for t in texts for w in _LETTERS.findall(t.lower()) if len(w) >= 3)
        for word in _vocabulary_words():  # "email" even where the policy writes "e-mail"
            self._counts.setdefault(word, 1)
        self._symspell = None
        self._lock = threading.Lock()

    def _index(self):  # noqa: ANN202 - symspellpy is imported lazily
        with self._lock:
            if self._symspell is None:
                from symspellpy import SymSpell

                symspell = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
                for word, count in self._counts.items():
                    symspell.create_dictionary_entry(word, count)
                self._symspell = symspell
        return self._symspell

    def warm(self) -> None:
        """Read the English dictionary and build the spelling index now, not on a question."""
        english_words()
        self._index()

    def known(self, word: str) -> bool:
        return word in self._counts or word in english_words()

    def correct(self, text: str) -> str:
        """``text`` with each unknown word of 5+ letters replaced by its closest policy word."""
        def fix(m: re.Match[str]) -> str:
            word = m.group(0)
            low = word.lower()
            if len(low) < MIN_CORRECTABLE or self.known(low):
                return word
            from symspellpy import Verbosity

            found = self._index().lookup(low, Verbosity.TOP, max_edit_distance=1 if len(low) < 8 else 2)
            return found[0].term if found else word

        return _ASCII_WORD.sub(fix, text)


@cache
def _vocabulary_words() -> frozenset[str]:
    phrases = [*CHAT.values(), *(p for groups in TOPICS.values() for group in groups for p in group)]
    return frozenset(w for p in phrases for w in _LETTERS.findall(p.lower()) if len(w) >= 3)


@cache
def _groups() -> tuple[tuple[tuple[tuple[str, ...], ...], frozenset[str]], ...]:
    """Each vocabulary group as (its phrases' token tuples, all its tokens), generic words left out."""
    out = []
    for groups in TOPICS.values():
        for group in groups:
            phrases = tuple(t for t in (tuple(tokenize(p)) for p in group) if t and not set(t) <= GENERIC)
            out.append((phrases, frozenset(tok for p in phrases for tok in p)))
    return tuple(out)


def related_tokens(tokens: list[str]) -> list[str]:
    """Tokens of the vocabulary groups the question's words fall in, less the question's own."""
    have = set(tokens)
    extra: set[str] = set()
    for phrases, words in _groups():
        if any(set(p) <= have for p in phrases):
            extra |= words
    return sorted(extra - have)


@cache
def _lay_groups() -> tuple[tuple[tuple[frozenset[str], ...], tuple[tuple[tuple[str, ...], str], ...]], ...]:
    """The vocabulary groups holding a ``LAY`` phrase: (those phrases' token sets, every phrase of
    the group as (tokens, text) in the group's order)."""
    out = []
    for groups in TOPICS.values():
        for group in groups:
            lay = tuple(frozenset(tokenize(p)) for p in group if p in LAY)
            if lay:
                out.append((lay, tuple((t, p) for p in group if (t := tuple(tokenize(p))) and not set(t) <= GENERIC)))
    return tuple(out)


def policy_terms(tokens: list[str], df: Mapping[str, int]) -> list[str]:
    """For each ``LAY`` phrase of the question that the policy never uses ("cops"), the first
    phrase of its group that the policy does use ("law enforcement"): words for the embedding."""
    have = set(tokens)
    out: list[str] = []
    for lay, group in _lay_groups():
        asked = [t for t in lay if t <= have]
        if not asked or any(all(df.get(w, 0) for w in t) for t in asked):
            continue
        used = next((text for t, text in group if all(df.get(w, 0) for w in t)), None)
        if used is not None and used not in out:
            out.append(used)
    return out


def focus(text: str, df: Mapping[str, int], passages: int) -> str:
    """The content words of ``text`` that few of the ``passages`` hold (``df``: passages per word
    token); "" when none is common, or fewer than FOCUS_MIN_WORDS are not (then the whole question
    is what counts)."""
    words = [(w, t[0]) for w in _FOCUS_WORD.findall(text.lower()) if (t := tokenize(w)) and t[0] not in GENERIC]
    keep = [w for w, token in words if idf(df.get(token, 0), passages) >= FOCUS_IDF]
    return " ".join(keep) if FOCUS_MIN_WORDS <= len(keep) < len(words) else ""


def prepare(question: str, speller: Speller | None = None, df: Mapping[str, int] | None = None,
            passages: int = 0) -> Query:
    """The ``Query`` for a validated question; ``df`` (passages per word token, of ``passages``)
    lets the policy's words be added and the question's focus be found."""
    text = expand_shorthand(question)
    if speller is not None:
        text = speller.correct(text)
    tokens = tokenize(text)
    related = related_tokens(tokens)
    if df is not None and (terms := policy_terms(tokens, df)):
        text = f"{text} ({', '.join(terms)})"
        tokens = tokens + [t for t in tokenize(" ".join(terms)) if t not in tokens]
        related = [t for t in related if t not in tokens]
    return Query(question, text, tuple(tokens), tuple(related), focus(text, df, passages) if df and passages else "")
