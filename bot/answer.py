"""Questions in, cited answers out: validation, retrieval, key sentence, confidence, abstention."""

from __future__ import annotations

import threading
import time
import unicodedata
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path

from .confidence import Calibration, load_calibration
from .config import MAX_K, MAX_QUESTION_CHARS, Settings
from .embedding import Embedder, default_embedder
from .errors import InvalidOptionError, InvalidQuestionError, PolicySourceError, UnknownPolicyError
from .labels import contact_sentence
from .query import prepare
from .reader import Document, policy_files, read_policy
from .retrieve import Hit, retrieve
from .smalltalk import EXAMPLES, smalltalk_kind, smalltalk_reply
from .store import Index, PolicyInfo, open_index, rebuild

NOT_FOUND = "I couldn't find this in the policy."
REFRESH_SECONDS = 2.0
# Only useful sources: a citation whose retrieval score is more than SCORE_FLOOR below the top
# one's (cosine units, see retrieve.py), or whose confidence is under CONFIDENCE_FLOOR times the
# top one's, is noise beside the answer and is dropped. On the layqa dev questions the two trim a
# fifth of the citations and lose no hit in the top 3.
SCORE_FLOOR = 0.2
CONFIDENCE_FLOOR = 0.2


@dataclass(frozen=True)
class Citation:
    """A cited passage: ``start``/``end`` index the policy file, ``sentence`` is the key sentence."""

    rank: int
    policy: str
    section: str
    text: str
    sentence: str
    score: float  # probability that the passage answers the question, 0..1
    start: int
    end: int

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    """The direct answer (sentences quoted verbatim from the policy) and ranked citations."""

    question: str
    answered: bool
    text: str
    citations: tuple[Citation, ...]
    policy: str | None
    latency_ms: float
    kind: str = "answer"  # "answer", "not_found" (closest passages only) or "smalltalk" (no search)

    def to_dict(self) -> dict:
        """The JSON contract: question, answered, kind, answer, policy, citations, latency_ms."""
        return {
            "question": self.question,
            "answered": self.answered,
            "kind": self.kind,
            "answer": self.text,
            "policy": self.policy,
            "citations": [c.to_dict() for c in self.citations],
            "latency_ms": self.latency_ms,
        }


def check_question(question: object) -> str:
    """The question, whitespace-trimmed, or an error that says what is wrong and how to fix it."""
    if not isinstance(question, str):
        raise InvalidQuestionError(f"the question must be text, not {type(question).__name__}")
    text = question.strip()
    if not text:
        raise InvalidQuestionError("the question is empty; ask something like 'Do you sell my data?'")
    if len(text) > MAX_QUESTION_CHARS:
        raise InvalidQuestionError(
            f"the question is {len(text)} characters long; the limit is {MAX_QUESTION_CHARS}, please shorten it"
        )
    for i, ch in enumerate(text):
        if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r":
            raise InvalidQuestionError(
                f"the question contains a control character (U+{ord(ch):04X}) at position {i}; remove it"
            )
    return " ".join(text.split())


def check_k(k: object) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise InvalidOptionError(f"k={k!r} is out of range; use a whole number from 1 to {MAX_K}")
    return k


class Bot:
    """Answers questions about the policies in ``policy_dir``, from the index in ``index_dir``.

    The index is built or loaded when the bot is made, and checked again (cheaply, by file
    size and time) before a question when the policy files may have changed. The model loads
    on the first question, or on ``warm()``.
    """

    def __init__(
        self,
        policy_dir: str | Path | None = None,
        index_dir: str | Path | None = None,
        *,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        progress: bool = False,
    ) -> None:
        self.settings = (settings or Settings.from_env()).with_paths(policy_dir, index_dir)
        self.embedder = embedder or default_embedder()
        self._progress = progress
        self._documents: dict[tuple[str, str], Document] = {}
        self._lock = threading.Lock()
        self._stamp = self._folder_stamp()
        self._checked = time.monotonic()
        self.index: Index = open_index(self.settings.policy_dir, self.settings.index_dir, self.embedder, progress)

    examples = EXAMPLES

    @cached_property
    def calibration(self) -> Calibration:
        """The confidence model (read on first use, so ``hits()`` works while it is being refitted)."""
        return load_calibration()

    def warm(self) -> None:
        """Load the model and the spelling index now rather than on the first question."""
        self.embedder.encode_query("warm up")
        self.index.speller.warm()

    # ------------------------------------------------------------------ policies

    @property
    def policies(self) -> list[PolicyInfo]:
        return list(self.index.policies.values())

    def policy_text(self, name: str) -> str:
        """The full source text of a policy (what citation offsets index)."""
        return self.document(name).source

    def document(self, name: str) -> Document:
        """The policy file read and rendered (for showing it with cited passages marked).

        Kept while the indexed file is unchanged, so the chat does not re-read it per answer.
        """
        info = self._policy(name)
        key = (name, info.sha256)
        if key not in self._documents:
            self._documents = {key: read_policy(self.settings.policy_dir / info.file)}
        return self._documents[key]

    def contact(self, name: str) -> str | None:
        """The policy's own sentence on how to contact the company, if it has one."""
        info = self._policy(name)
        passages = self.index.passages[info.first : info.first + info.passages]
        return contact_sentence([s.text for p in passages for s in p.sentences])

    def _policy(self, name: str) -> PolicyInfo:
        info = self.index.policies.get(name)
        if info is None:
            known = ", ".join(sorted(self.index.policies)) or "none"
            raise UnknownPolicyError(f"unknown policy {name!r}; known policies: {known}")
        return info

    def _folder_stamp(self) -> tuple:
        try:
            files = policy_files(self.settings.policy_dir)
            return tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files)
        except (OSError, PolicySourceError):  # open_index reports the problem
            return ()

    def rebuild(self) -> None:
        """Rebuild the index from the policy folder now, even if it looks up to date."""
        with self._lock:
            self.index = rebuild(self.settings.policy_dir, self.settings.index_dir, self.embedder, self._progress)
            self._stamp = self._folder_stamp()

    def refresh(self) -> None:
        """Reload (rebuilding if needed) when the policy folder changed since the last check."""
        with self._lock:
            stamp = self._folder_stamp()
            self._checked = time.monotonic()
            if stamp != self._stamp:
                s = self.settings
                self.index = open_index(s.policy_dir, s.index_dir, self.embedder, self._progress)
                self._stamp = stamp

    # ------------------------------------------------------------------ answering

    check_question = staticmethod(check_question)
    check_k = staticmethod(check_k)

    def hits(self, question: str, k: int | None = None, policy: str | None = None) -> list[Hit]:
        """The raw retrieval behind an answer, with its signals (for tuning and benchmarks)."""
        return self._search(check_question(question), check_k(self.settings.k if k is None else k), policy)[2]

    def _search(self, text: str, k: int, policy: str | None) -> tuple[Index, list[str], list[Hit]]:
        if time.monotonic() - self._checked > REFRESH_SECONDS:
            self.refresh()
        index = self.index
        names = [self._policy(policy).name] if policy is not None else list(index.policies)
        query = prepare(text, index.speller)
        vector = self.embedder.encode_query(query.text)
        return index, names, retrieve(index, vector, query, names, k)

    def answer(self, question: str, k: int | None = None, policy: str | None = None) -> Answer:
        """Answer one question with up to ``k`` citations, from one policy or from all."""
        started = time.perf_counter()
        text = check_question(question)
        k = check_k(self.settings.k if k is None else k)
        chat = smalltalk_kind(text)
        if chat is not None:
            name = self._policy(policy).name if policy is not None else None
            if name is None and len(self.index.policies) == 1:
                name = next(iter(self.index.policies))
            return Answer(text, False, smalltalk_reply(chat), (), name,
                          round((time.perf_counter() - started) * 1000, 2), "smalltalk")
        index, names, hits = self._search(text, k + 2, policy)  # a spare two, for merged repeats
        citations = self._citations(index, hits, k)
        answered = bool(citations) and citations[0].score >= self.calibration.threshold
        chosen = policy or (citations[0].policy if answered else names[0] if len(names) == 1 else None)
        return Answer(
            question=text,
            answered=answered,
            text=citations[0].sentence if answered else NOT_FOUND,
            citations=citations,
            policy=chosen,
            latency_ms=round((time.perf_counter() - started) * 1000, 2),
            kind="answer" if answered else "not_found",
        )

    def _citations(self, index: Index, hits: list[Hit], k: int) -> tuple[Citation, ...]:
        """Hits as citations: one per key sentence, none far below the top one, at most ``k``.

        Citations keep retrieval's order (it places the answer first more often than ordering by
        confidence does), and a citation's confidence is capped at the one ranked above it.
        """
        out: list[Citation] = []
        seen: set[tuple[str, str]] = set()  # (policy, sentence): a repeat is cited once per policy
        for h in hits:
            p = index.passages[h.passage]
            sentence = p.sentences[h.sentence].text
            if (p.policy, sentence) in seen or h.score < hits[0].score - SCORE_FLOOR:
                continue
            score = round(min(self.calibration.score(h), out[-1].score if out else 1.0), 4)
            if out and score < CONFIDENCE_FLOOR * out[0].score:
                break  # scores only fall from here
            seen.add((p.policy, sentence))
            out.append(Citation(len(out) + 1, p.policy, p.section, p.text, sentence, score, p.start, p.end))
            if len(out) == k:
                break
        return tuple(out)


_default: Bot | None = None
_default_lock = threading.Lock()


def default_bot() -> Bot:
    """The process-wide bot for the default policy folder (built or loaded on first use)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Bot()
        return _default


def answer(question: str, k: int = 3, policy: str | None = None) -> Answer:
    """Answer a question from the default policies: ``answer("Do you sell my data?")``."""
    return default_bot().answer(question, k=k, policy=policy)

