"""The index folder: build it, check it, load it - never serve a stale or foreign one.

Layout of ``index/``::

    manifest.json          model, dims, policy hashes, package version, build time, file hashes
    v-<time>-<id>/         one complete build: passages.jsonl, sentences.npy, headed.npy, contexts.json,
                           contexts.npy, passages.faiss, bm25/<n>/

A build is written to a hidden temporary folder, renamed into place, and only then does
``manifest.json`` (replaced atomically) point at it: a build killed halfway leaves the old
index in service. Loading checks the manifest against the policy folder and every data file
against its hash; anything stale is rebuilt, anything foreign or corrupt is rebuilt with a
warning. Rebuilds re-embed only sentences whose text is new.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

import faiss
import numpy as np

from .chunking import Passage, Sentence, chunk
from .config import __version__
from .embedding import Embedder, model_source
from .errors import PolicySourceError
from .files import locked, sha256, write_json_atomic
from .lexical import BM25, tokenize
from .query import Speller
from .reader import policy_files, read_policy
from .vectors import Vectors, embed_passages, headed_text, passage_vectors, text_key

log = logging.getLogger("bot")

FORMAT = 2  # bump when chunking or the layout changes: old indexes are then rebuilt
MANIFEST = "manifest.json"


class StaleIndex(Exception):
    """The index does not match the policy folder (an expected reason to rebuild)."""


class BadIndex(Exception):
    """The index is foreign or damaged (rebuilt with a warning)."""


@dataclass(frozen=True)
class PolicyInfo:
    """One indexed policy: ``first`` is the id of its first passage, ids are contiguous."""

    name: str
    title: str
    file: str
    sha256: str
    passages: int
    first: int
    updated: str  # the file's modification time, ISO 8601 UTC


@dataclass
class Index:
    """A loaded index: passages, their FAISS vectors, sentence vectors and BM25 per policy."""

    folder: Path
    manifest: dict
    passages: list[Passage]
    policies: dict[str, PolicyInfo]
    faiss_index: faiss.Index
    # (sentences, dims) in passage order: the mean of two unit vectors, the sentence alone and the
    # sentence after its heading ("Cookies: We use ..."), so its dot product with a unit question
    # vector is the mean of the two cosines.
    sentence_vectors: np.ndarray
    sentence_start: np.ndarray  # passage i owns sentences sentence_start[i]:sentence_start[i + 1]
    bm25: dict[str, BM25]
    context_vectors: np.ndarray  # (headings, dims), unit length: each distinct heading path once
    context_ids: np.ndarray  # passage i's row in context_vectors, -1 for a passage without heading
    built: bool = False  # built by this process (rather than loaded)
    _df: dict[str, Counter[str]] = field(default_factory=dict, repr=False)

    @cached_property
    def passage_matrix(self) -> np.ndarray:
        """The passage vectors FAISS holds, as one array (for scoring passages FAISS did not return)."""
        return self.faiss_index.reconstruct_n(0, self.faiss_index.ntotal)

    @cached_property
    def sentence_tokens(self) -> list[frozenset[str]]:
        """Word tokens of every sentence, for choosing the key sentence."""
        return [frozenset(tokenize(s.text)) for p in self.passages for s in p.sentences]

    @cached_property
    def speller(self) -> Speller:
        """Corrects typos in questions against the words of the indexed policies."""
        return Speller([p.text for p in self.passages])

    @cached_property
    def sentence_passage(self) -> np.ndarray:
        """The passage id of every sentence."""
        return np.repeat(np.arange(len(self.passages)), np.diff(self.sentence_start))

    @cached_property
    def passage_tokens(self) -> list[frozenset[str]]:
        """Word tokens of every passage (section name included, as BM25 sees it)."""
        return [frozenset(tokenize(t)) for t in bm25_texts(self.passages)]

    def idf(self, policy: str, words: set[str]) -> dict[str, float]:
        """Inverse document frequency over one policy's passages; a word it lacks weighs most."""
        if policy not in self._df:
            info = self.policies[policy]
            own = self.passage_tokens[info.first : info.first + info.passages]
            self._df[policy] = Counter(t for tokens in own for t in tokens)
        df, n = self._df[policy], self.policies[policy].passages
        return {w: math.log(1 + (n - df[w] + 0.5) / (df[w] + 0.5)) for w in words}


def _current_files(policy_dir: Path) -> dict[str, tuple[Path, str]]:
    return {p.stem: (p, sha256(p)) for p in policy_files(policy_dir)}


def _check_manifest(manifest: dict, files: dict[str, tuple[Path, str]], embedder: Embedder) -> None:
    if manifest.get("package") != "policybot":
        raise BadIndex(f"it was written by another program ({manifest.get('package')!r})")
    if manifest.get("format") != FORMAT:
        raise StaleIndex(f"it is in index format {manifest.get('format')!r}, not {FORMAT}")
    model = manifest.get("model", {})
    if model.get("name") != embedder.name or model.get("dims") != embedder.dims:
        raise BadIndex(f"it was built with model {model.get('name')!r} ({model.get('dims')} dims)")
    if manifest.get("package_version") != __version__:
        raise StaleIndex(f"it was built by policybot {manifest.get('package_version')}")
    indexed = {p["name"]: p["sha256"] for p in manifest.get("policies", [])}
    current = {name: sha for name, (_, sha) in files.items()}
    if indexed != current:
        changed = sorted(n for n in current.keys() & indexed.keys() if current[n] != indexed[n])
        added, removed = sorted(current.keys() - indexed.keys()), sorted(indexed.keys() - current.keys())
        parts = [f"{label} {', '.join(names)}" for label, names in
                 (("changed:", changed), ("added:", added), ("removed:", removed)) if names]
        raise StaleIndex("policies " + "; ".join(parts))


def _read(index_dir: Path, manifest: dict, embedder: Embedder) -> Index:
    folder = index_dir / str(manifest.get("data", ""))
    files = manifest.get("files", {})
    if not manifest.get("data") or not folder.is_dir() or not files:
        raise BadIndex(f"its data folder {folder.name!r} is missing")
    for rel, sha in files.items():
        path = folder / rel
        if not path.is_file() or sha256(path) != sha:
            raise BadIndex(f"{rel} is missing or damaged")
    passages: list[Passage] = []
    with (folder / "passages.jsonl").open(encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            sentences = tuple(Sentence(t, s, e) for s, e, t in r["sentences"])
            passages.append(Passage(r["policy"], r["section"], r["text"], r["start"], r["end"], sentences,
                                    r.get("context", "")))
    policies = {p["name"]: PolicyInfo(**p) for p in manifest["policies"]}
    plain = np.load(folder / "sentences.npy", allow_pickle=False)
    headed = np.load(folder / "headed.npy", allow_pickle=False)
    counts = [len(p.sentences) for p in passages]
    start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    ix = faiss.read_index(str(folder / "passages.faiss"))
    contexts = json.loads((folder / "contexts.json").read_text(encoding="utf-8"))
    context_vectors = np.load(folder / "contexts.npy", allow_pickle=False)
    shape = (start[-1], embedder.dims)
    if ix.ntotal != len(passages) or ix.d != embedder.dims or plain.shape != shape or headed.shape != shape \
            or context_vectors.shape != (len(contexts), embedder.dims):
        raise BadIndex("its vectors do not match its passages")
    row = {c: n for n, c in enumerate(contexts)}
    context_ids = np.array([row.get(p.context, -1) for p in passages], dtype=np.int64)
    bm25 = {name: BM25.load(folder / "bm25" / str(n), info.passages) for n, (name, info) in enumerate(policies.items())}
    vectors = np.ascontiguousarray((plain + headed) / 2, dtype=np.float32)
    return Index(folder, manifest, passages, policies, ix, vectors, start, bm25, context_vectors, context_ids)


def _reusable_vectors(index_dir: Path, embedder: Embedder) -> dict[str, np.ndarray]:
    """Sentence text -> vector from the previous build, if it used the same model."""
    try:
        manifest = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
        model = manifest["model"]
        if model["name"] != embedder.name or model["dims"] != embedder.dims or manifest.get("format") != FORMAT:
            return {}  # another model, or texts embedded another way
        folder = index_dir / manifest["data"]
        records = [json.loads(line) for line in (folder / "passages.jsonl").open(encoding="utf-8")]
        plain = [t for r in records for _, _, t in r["sentences"]]
        headed = [headed_text(r.get("context", ""), t) for r in records for _, _, t in r["sentences"]]
        contexts = json.loads((folder / "contexts.json").read_text(encoding="utf-8"))
        known: dict[str, np.ndarray] = {}
        for texts, name in ((plain, "sentences.npy"), (headed, "headed.npy"), (contexts, "contexts.npy")):
            vectors = np.load(folder / name, allow_pickle=False)
            if len(texts) != len(vectors):
                return {}
            known.update((text_key(t), v) for t, v in zip(texts, vectors, strict=True))
        return known
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def build(policy_dir: Path, index_dir: Path, embedder: Embedder, progress: bool = False) -> Index:
    """Build the index for every policy in ``policy_dir`` and switch ``index_dir`` to it."""
    started = time.perf_counter()
    files = policy_files(policy_dir)
    docs = [read_policy(p) for p in files]  # every bad file is reported before anything is written
    per_doc = [chunk(d) for d in docs]
    for doc, ps in zip(docs, per_doc, strict=True):
        if not ps:
            raise PolicySourceError(f"policy file {str(doc.path)!r} has nothing but headings and contents lines; "
                                    f"add the policy text or remove the file")
    passages = [p for ps in per_doc for p in ps]
    vectors = embed_passages(passages, _reusable_vectors(index_dir, embedder), embedder, progress)
    start = np.concatenate([[0], np.cumsum([len(p.sentences) for p in passages])]).astype(np.int64)
    # Vectors are unit length, so inner product = cosine similarity.
    ix = faiss.IndexFlatIP(embedder.dims)
    ix.add(passage_vectors(vectors.plain, start))

    policies, first = [], 0
    for doc, ps in zip(docs, per_doc, strict=True):
        updated = datetime.fromtimestamp(doc.path.stat().st_mtime, UTC).isoformat(timespec="seconds")
        policies.append(PolicyInfo(doc.name, doc.title, doc.path.name, doc.sha256, len(ps), first, updated))
        first += len(ps)

    index_dir.mkdir(parents=True, exist_ok=True)
    built_at = datetime.now(UTC)
    data = f"v-{built_at:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    tmp = index_dir / f".tmp-{data}"
    try:
        tmp.mkdir()
        _write_data(tmp, per_doc, vectors, ix)
        hashes = {str(p.relative_to(tmp)): sha256(p) for p in sorted(tmp.rglob("*")) if p.is_file()}
        os.rename(tmp, index_dir / data)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    manifest = {
        "format": FORMAT,
        "package": "policybot",
        "package_version": __version__,
        "model": {"name": embedder.name, "dims": embedder.dims, "source": model_source()},
        "built_at": built_at.isoformat(timespec="seconds"),
        "build_seconds": round(time.perf_counter() - started, 3),
        "embedded_texts": vectors.embedded,
        "data": data,
        "counts": {"policies": len(docs), "passages": len(passages), "sentences": len(vectors.plain)},
        "policies": [vars(p) for p in policies],
        "files": hashes,
    }
    write_json_atomic(index_dir / MANIFEST, manifest)
    for old in index_dir.iterdir():  # earlier builds and leftovers of killed ones
        if old.is_dir() and old.name != data and (old.name.startswith("v-") or old.name.startswith(".tmp-")):
            shutil.rmtree(old, ignore_errors=True)
    index = _read(index_dir, manifest, embedder)
    index.built = True
    return index


def _write_data(folder: Path, per_doc: list[list[Passage]], vectors: Vectors, ix: faiss.Index) -> None:
    """One build's data files (see the module docstring for the layout)."""
    with (folder / "passages.jsonl").open("w", encoding="utf-8") as f:
        for p in (p for ps in per_doc for p in ps):
            record = {"policy": p.policy, "section": p.section, "context": p.context, "text": p.text,
                      "start": p.start, "end": p.end, "sentences": [[s.start, s.end, s.text] for s in p.sentences]}
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    np.save(folder / "sentences.npy", vectors.plain, allow_pickle=False)
    np.save(folder / "headed.npy", vectors.headed, allow_pickle=False)
    np.save(folder / "contexts.npy", vectors.context_vectors, allow_pickle=False)
    (folder / "contexts.json").write_text(json.dumps(vectors.contexts, ensure_ascii=False), encoding="utf-8")
    faiss.write_index(ix, str(folder / "passages.faiss"))
    for n, ps in enumerate(per_doc):
        BM25.build(bm25_texts(ps)).save(folder / "bm25" / str(n))


def rebuild(policy_dir: Path, index_dir: Path, embedder: Embedder, progress: bool = False) -> Index:
    """Build now, even if the index looks up to date (holding the lock, like any build)."""
    with locked(index_dir, exclusive=True):
        return build(policy_dir, index_dir, embedder, progress)


def bm25_texts(passages: list[Passage]) -> list[str]:
    """What BM25 sees of a passage: its section name and text."""
    return [f"{p.section}. {p.text}" for p in passages]


def open_index(policy_dir: Path, index_dir: Path, embedder: Embedder, progress: bool = False) -> Index:
    """Load the index for ``policy_dir``, building or rebuilding it first if needed."""
    files = _current_files(policy_dir)
    for attempt in range(2):
        with locked(index_dir, exclusive=attempt > 0):
            try:
                manifest = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
                if not isinstance(manifest, dict):
                    raise BadIndex("its manifest is not a JSON object")
                _check_manifest(manifest, files, embedder)
                return _read(index_dir, manifest, embedder)
            except FileNotFoundError:
                if attempt:
                    log.info("no index in %s yet; building it", index_dir)
            except StaleIndex as exc:
                if attempt:
                    log.info("rebuilding the index in %s: %s", index_dir, exc)
            except (BadIndex, ValueError, KeyError, TypeError, RuntimeError, OSError) as exc:
                if attempt:
                    log.warning("the index in %s was not used and is being rebuilt: %s", index_dir, exc)
            if attempt:
                return build(policy_dir, index_dir, embedder, progress)
    raise AssertionError("unreachable")
