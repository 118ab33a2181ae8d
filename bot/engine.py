"""Questions in, cited answers out: the ``Bot`` that keeps an index fresh and answers from it.

Retrieval ranks passages (``retrieve``), the confidence model says whether the best one answers
(``confidence``), and this module turns hits into citations and abstains when none is sure.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import replace
from functools import cached_property
from pathlib import Path

import numpy as np

from .across import answer_across
from .build import open_index, rebuild
from .compare import HITS as COMPARE_HITS
from .compare import Comparison, comparable, compare
from .confidence import Calibration, cite, load_calibration
from .config import Settings
from .embedding import Embedder, default_embedder
from .errors import IndexFolderError, PolicybotError, PolicySourceError, UnknownPolicyError
from .expansion import Expansion, expansion_for
from .history import Changes, History, Version
from .index import Index, PolicyInfo, refusals
from .labels import contact_sentence
from .overview import Overview
from .query import Query, prepare
from .reader import Document, policy_files
from .results import NOT_FOUND, Answer
from .retrieve import Asked, Hit, encode_question, retrieve, retrieve_each
from .smalltalk import EXAMPLES, smalltalk_kind, smalltalk_reply
from .suggestions import FollowUps
from .validation import check_k, check_question

log = logging.getLogger("bot")

# How often answering looks for edited policy files: one stat per file, cheap, but not worth
# doing for every question of a busy server. An edit is picked up within this many seconds.
REFRESH_SECONDS = 2.0
WARM_POLICIES = 20  # policies whose follow-up questions are prepared ahead of their first question


class Bot:
    """Answers questions about the policies in ``policy_dir``, from the index in ``index_dir``.

    The index is built or loaded when the bot is made. Before a question, the policy files are
    checked (cheaply, by size and time); after an edit the new index is built in a background
    thread while questions are answered from the last good one. The model loads on the first
    question, or on ``warm()``. With ``unpersisted_ok`` (the server), an index folder that cannot
    be written is not fatal: the index is built in a private temporary folder, deleted on exit,
    and ``problem`` says so.
    """

    def __init__(
        self,
        policy_dir: str | Path | None = None,
        index_dir: str | Path | None = None,
        *,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        progress: bool = False,
        unpersisted_ok: bool = False,
    ) -> None:
        self.settings = (settings or Settings.from_env()).with_paths(policy_dir, index_dir)
        self.embedder = embedder or default_embedder()
        self._progress = progress
        self._lock = threading.Lock()
        self._builder: threading.Thread | None = None
        self._edit_problem: str | None = None  # why the latest policy edit could not be indexed, if it could not
        self._unpersisted_ok = unpersisted_ok
        self._scratch: Path | None = None  # the temporary index folder, once the real one proved unwritable
        self.history = History()  # each policy version's overview and changes (and texts: keep_versions)
        self.followups = FollowUps(lambda q, name: self._answer(q, self.settings.k, name)[0].answered,
                                   self.embedder.encode_questions)
        self._stamp = self._folder_stamp()
        self._checked = time.monotonic()
        self.index: Index = self._open()

    examples = EXAMPLES

    @cached_property
    def calibration(self) -> Calibration:
        """The confidence model (read on first use, so ``hits()`` works while it is being refitted)."""
        return load_calibration()

    @cached_property
    def expansion(self) -> Expansion | None:
        """Query expansion (``bot.expansion``), when its headings bank was made with this bot's model."""
        return expansion_for(self.embedder.name, self.embedder.dims)

    def warm(self) -> None:
        """Load the model, expansion bank, spelling index and follow-ups now, not on the first question."""
        self.embedder.encode_query("warm up")
        _ = self.expansion
        self.index.speller.warm()
        self.history.prepare(self.index, self.overview)
        self._prepare(self.index)

    def _prepare(self, index: Index) -> None:
        """Each policy's follow-ups (1 s a policy; past WARM_POLICIES, on first use)."""
        for info in list(index.policies.values())[:WARM_POLICIES]:
            self.followups.suggester(info.name, info.sha256)

    def keep_versions(self, data_dir: str | Path | None = None) -> None:
        """Keep every text each policy has had under ``data_dir``/versions (the server does)."""
        self.history.keep(Path(data_dir or self.settings.data_dir) / "versions", self.index)

    @property
    def policies(self) -> list[PolicyInfo]:
        return list(self.index.policies.values())

    def policy_text(self, name: str) -> str:
        """The full source text of a policy (what citation offsets index)."""
        return self.document(name).source

    def document(self, name: str) -> Document:
        """The policy as indexed, rendered: the text citation offsets refer to, even mid-edit."""
        index = self.index
        self.policy(name, index)
        return index.document(name)

    def overview(self, name: str, index: Index | None = None) -> Overview:
        """The policy at a glance (``bot.overview``), made once per policy version: in a server by
        ``warm()``, and after an edit before the new index serves, so a request only reads it."""
        index = index or self.index
        return self.history.overview(index, self.policy(name, index), lambda q: self._answer(q, 5, name, index)[0],
                                     self.calibration.threshold)

    def versions(self, name: str) -> list[Version]:
        """The policy's versions, newest first (past ones are kept once ``keep_versions`` is on)."""
        return self.history.versions(self.index, self.policy(name).name)

    def changes(self, name: str, old: str | None = None, new: str | None = None) -> Changes | None:
        """What changed between two versions (sha256 prefixes; default: the one before -> the current)."""
        index = self.index
        return self.history.changes(index, self.policy(name, index).name, old, new)

    def contact(self, name: str) -> str | None:
        """The policy's own sentence on how to contact the company, if it has one."""
        passages = self.index.passages[self.policy(name).ids]
        return contact_sentence([s.text for p in passages for s in p.sentences])

    def policy(self, name: str, index: Index | None = None) -> PolicyInfo:
        """One indexed policy by name, or an error listing the names there are."""
        index = index or self.index
        info = index.policies.get(name)
        if info is None:
            known = ", ".join(sorted(index.policies)) or "none"
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
            s = self.settings
            self._stamp = self._folder_stamp()
            folder = self._scratch or s.index_dir
            self.index = rebuild(s.policy_dir, folder, self.embedder, self._progress, s.max_policy_bytes)

    def refresh(self, wait: bool = False) -> None:
        """Start reloading (rebuilding if needed) when the policy folder changed since the last build.

        The reload runs in a background thread; until it is done, answers come from the last good
        index. ``wait=True`` returns only once it is done.
        """
        with self._lock:
            self._checked = time.monotonic()
            idle = self._builder is None or not self._builder.is_alive()
            if idle and self._folder_stamp() != self._stamp:
                self._builder = threading.Thread(target=self._reload, name="policybot-reindex", daemon=True)
                self._builder.start()
            builder = self._builder
        if wait and builder is not None:
            builder.join()

    @property
    def problem(self) -> str | None:
        """What keeps the bot from its normal service, if anything (the server's /healthz shows it)."""
        if self._edit_problem or self._scratch is None:
            return self._edit_problem or refusals(self.index.manifest)
        return ("the index folder cannot be written (the server log says why), so the index is kept in a "
                "temporary folder and rebuilt at every start; make POLICYBOT_INDEX_DIR writable")

    def _open(self) -> Index:
        s = self.settings
        if self._scratch is None:
            try:
                return open_index(s.policy_dir, s.index_dir, self.embedder, self._progress, s.max_policy_bytes)
            except IndexFolderError as exc:
                if not self._unpersisted_ok:
                    raise
                log.warning("%s; building it in a temporary folder instead", exc.message)
                self._scratch = Path(tempfile.mkdtemp(prefix="policybot-index-"))
                weakref.finalize(self, shutil.rmtree, self._scratch, True)
        return open_index(s.policy_dir, self._scratch, self.embedder, self._progress, s.max_policy_bytes)

    def _reload(self) -> None:
        """Rebuild until the index matches the folder as it stands (an edit made during a build gets
        a build of its own). A folder that cannot be indexed is reported once, until it changes."""
        while True:
            stamp = self._folder_stamp()  # taken before reading: a later edit shows as a new stamp
            try:
                index = self._open()
                self.history.prepare(index, self.overview, record=True)  # before it serves
            except (PolicybotError, OSError) as exc:
                self._edit_problem = ("the policy folder changed but could not be indexed: "
                                      f"{getattr(exc, 'message', exc)}")
                log.warning("%s; answers still come from the last good index", self._edit_problem)
                index = None
            with self._lock:
                self._stamp = stamp
                if index is not None:
                    self.index, self._edit_problem = index, None
            if index is not None:
                self._prepare(index)  # here, not on the first question after the edit
            if self._folder_stamp() == stamp:
                return

    check_question = staticmethod(check_question)
    check_k = staticmethod(check_k)

    def hits(self, question: str, k: int | None = None, policy: str | None = None) -> list[Hit]:
        """The raw retrieval behind an answer, with its signals (for tuning and benchmarks)."""
        index, names, query, asked = self._question(check_question(question), policy)
        return retrieve(index, asked, query, names, check_k(self.settings.k if k is None else k))

    def _question(self, text: str, policy: str | None, index: Index | None = None) -> tuple[
            Index, list[str], Query, Asked]:
        """The index to answer from (fresh), the policies asked, and the question read and encoded."""
        if index is None and time.monotonic() - self._checked > REFRESH_SECONDS:
            self.refresh()
        index = index or self.index
        names = [self.policy(policy, index).name] if policy is not None else list(index.policies)
        return index, names, *self._vectors(text, index)

    def _vectors(self, text: str, index: Index) -> tuple[Query, Asked]:
        """The question's words and vectors. Words are common or rare in the whole index, so a question
        reads the same whichever of its policies is asked (``compare`` relies on it)."""
        query = prepare(text, index.speller, index.word_counts, len(index.passages))
        return query, encode_question(query, self.embedder.encode_questions, self.expansion)

    def compare(self, question: str, policies: Sequence[str] | None = None) -> Comparison:
        """One question asked of each policy (all by default): a row each, as ``answer`` gives it for
        that policy alone, every policy scored in one pass (``bot.compare``)."""
        started, text, index = time.perf_counter(), comparable(check_question(question)), self.index
        names = [self.policy(name, index).name for name in dict.fromkeys(policies or index.policies)]
        query, asked = self._vectors(text, index)
        found = retrieve_each(index, asked, query, names, COMPARE_HITS)

        def made(name: str) -> Overview | None:
            return self.history.made_overview(index, index.policies[name])
        return compare(text, index, found, self.calibration, made, round((time.perf_counter() - started) * 1000, 2))

    def answer(self, question: str, k: int | None = None, policy: str | None = None) -> Answer:
        """Answer one question with up to ``k`` citations, from one policy or from all, and up to
        three follow-up questions the policy answers."""
        started = time.perf_counter()
        answer, vector = self._answer(check_question(question), check_k(self.settings.k if k is None else k), policy)
        return replace(answer, suggestions=self.followups.suggest(answer, vector),
                       latency_ms=round((time.perf_counter() - started) * 1000, 2))

    def _answer(self, text: str, k: int, policy: str | None, index: Index | None = None
                ) -> tuple[Answer, np.ndarray | None]:
        """The answer without follow-ups (from ``index``, else the one serving), its vector (None: small talk)."""
        chat = smalltalk_kind(text)
        if chat is not None:
            index = index or self.index
            name = self.policy(policy, index).name if policy is not None else None
            if name is None and len(index.policies) == 1:
                name = next(iter(index.policies))
            return Answer(text, False, smalltalk_reply(chat), (), name, 0.0, "smalltalk",
                          index.policies[name].sha256 if name else None), None
        index, names, query, asked = self._question(text, policy, index)
        if len(names) > 1:  # no policy named: the policy that answers best leads (bot.across)
            citations, chosen = answer_across(index, asked, query, names, k, self.calibration)
        else:  # k + 2 hits: a spare two, for merged repeats
            citations = cite(index, retrieve(index, asked, query, names, k + 2), k, self.calibration)
            chosen = names[0]
        answered = chosen is not None and self.calibration.answers(citations)
        sha = index.policies[chosen].sha256 if chosen else None
        return Answer(text, answered, citations[0].sentence if answered else NOT_FOUND, citations, chosen, 0.0,
                      "answer" if answered else "not_found", sha), asked.ranked
