"""The index folder as stored: its layout, its manifest, and loading it - never a stale or foreign one.

Layout of ``index/``::

    manifest.json          what built it (model, recipe, package version), policy hashes, file hashes
    v-<time>-<id>/         one complete build: passages.jsonl, sentences.npy, headed.npy, scoring.npy,
                           contexts.json, contexts.npy, passages.faiss, bm25/<n>/, sources/<policy file>

``scoring.npy`` (what retrieval scores sentences by) and ``passages.faiss`` are memory-mapped on
load, read-only: the operating system pages them in as they are used and shares the pages between
processes serving the same build, so a second server process does not hold its own copy of the
vectors. ``sentences.npy`` and ``headed.npy`` (the two readings, kept so a rebuild reuses them)
are not loaded at all.

``sources/`` keeps each policy exactly as indexed, so a page that marks a citation's offsets
draws them on the text they index even after the live file has been edited. ``overviews/`` is
added to a build by ``history`` (a cache of each policy's overview, not in the manifest). Building is
``build.py``; this module only reads, and says why an index cannot be served.
"""

from __future__ import annotations

import importlib
import json
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from functools import cached_property
from importlib import metadata
from pathlib import Path

import faiss
import numpy as np

from . import chunking, lexical
from .chunking import Passage, Sentence
from .config import __version__
from .embedding import Embedder
from .files import sha256
from .lexical import BM25, tokenize
from .query import Speller
from .reader import Document, parse_policy
from .vectors import searchable

FORMAT = 4  # the layout of the data folder; what shapes its content is the recipe below
MANIFEST = "manifest.json"
DOCUMENTS_KEPT = 16  # rendered policies kept per index for the policy pages (an LRU)
# The modules whose code decides what gets indexed: a change to any of them rebuilds the index.
SHAPING_MODULES = ("reader", "formats", "rendering", "signposts", "chunking", "labels", "lexical", "vectors")


class StaleIndex(Exception):
    """The index does not match the policy folder or the code (an expected reason to rebuild)."""


class BadIndex(Exception):
    """The index is foreign or damaged (rebuilt with a warning)."""


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def recipe() -> dict:
    """Everything besides the policies and the model that shapes the index, as recorded in its manifest."""
    modules = [importlib.import_module(f"{__package__}.{m}") for m in SHAPING_MODULES]
    code = {f"bot/{m.__name__.rsplit('.', 1)[1]}.py": sha256(Path(m.__file__ or ""))[:16] for m in modules}
    return {
        "chunking": {"min_words": chunking.MIN_WORDS, "max_words": chunking.MAX_WORDS,
                     "target_words": chunking.TARGET_WORDS, "break_cost": chunking.BREAK_COST},
        "lexical": {"stemmer": lexical.STEMMER_LANGUAGE, "PyStemmer": _version("PyStemmer"),
                    "bm25s": _version("bm25s"), "stop_words": len(lexical.STOP_WORDS), **lexical.BM25_PARAMS},
        "code": code,
    }


def recipe_change(old: object, new: dict) -> str | None:
    """The first setting that differs between two recipes, said plainly; None when they agree."""
    if not isinstance(old, dict):
        return "it records no recipe"
    for group, values in new.items():
        before = old.get(group) if isinstance(old.get(group), dict) else {}
        for key, value in values.items():
            if before.get(key) != value:
                what = f"the code of {key}" if group == "code" else f"{group} setting {key}"
                return f"{what} changed ({before.get(key)!r} -> {value!r})"
    return None


@dataclass(frozen=True)
class PolicyInfo:
    """One indexed policy: ``first`` is the id of its first passage, ids are contiguous."""

    name: str
    title: str
    file: str
    sha256: str  # of the file as indexed: the policy's version
    passages: int
    first: int
    updated: str  # the file's modification time, ISO 8601 UTC

    @property
    def ids(self) -> slice:
        """Its passages' ids, as a slice of any per-passage list or array of the index."""
        return slice(self.first, self.first + self.passages)


@dataclass
class Index:
    """A loaded index: passages, their FAISS vectors, sentence vectors and BM25 per policy."""

    folder: Path
    manifest: dict
    passages: list[Passage]
    policies: dict[str, PolicyInfo]
    faiss_index: faiss.Index
    # (sentences, dims) in passage order, memory-mapped (scoring.npy): the mean of two unit vectors,
    # the sentence alone and the sentence after its heading ("Cookies: We use ..."), so its dot
    # product with a unit question vector is the mean of the two cosines.
    sentence_vectors: np.ndarray
    sentence_start: np.ndarray  # passage i owns sentences sentence_start[i]:sentence_start[i + 1]
    bm25: dict[str, BM25]
    context_vectors: np.ndarray  # (headings, dims), unit length: each distinct heading path once
    context_ids: np.ndarray  # passage i's row in context_vectors, -1 for a passage without heading
    sources: dict[str, bytes]  # each policy file's bytes as indexed
    built: bool = False  # built by this process (rather than loaded)
    _df: dict[str, Counter[str]] = field(default_factory=dict, repr=False)
    _documents: OrderedDict[str, Document] = field(default_factory=OrderedDict, repr=False)

    def document(self, name: str) -> Document:
        """The policy as indexed, rendered: the text every offset of this index refers to."""
        if name in self._documents:
            self._documents.move_to_end(name)
        else:
            info = self.policies[name]
            self._documents[name] = parse_policy(Path(info.file), self.sources[name])
            while len(self._documents) > DOCUMENTS_KEPT:
                self._documents.popitem(last=False)
        return self._documents[name]

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
    def word_counts(self) -> Counter[str]:
        """How many passages hold each word token (all policies)."""
        return Counter(t for tokens in self.passage_tokens for t in tokens)

    @cached_property
    def passage_tokens(self) -> list[frozenset[str]]:
        """Word tokens of every passage (section name included, as BM25 sees it)."""
        return [frozenset(tokenize(t)) for t in bm25_texts(self.passages)]

    def idf(self, policy: str, words: set[str]) -> dict[str, float]:
        """Inverse document frequency over one policy's passages; a word it lacks weighs most."""
        if policy not in self._df:
            own = self.passage_tokens[self.policies[policy].ids]
            self._df[policy] = Counter(t for tokens in own for t in tokens)
        df, n = self._df[policy], self.policies[policy].passages
        return {w: lexical.idf(df[w], n) for w in words}


def bm25_texts(passages: list[Passage]) -> list[str]:
    """What BM25 sees of a passage: its section name and text."""
    return [f"{p.section}. {p.text}" for p in passages]


def write_passages(folder: Path, passages: list[Passage]) -> None:
    """``passages.jsonl``: one passage a line, its sentences as [start, end, text]."""
    with (folder / "passages.jsonl").open("w", encoding="utf-8") as f:
        for p in passages:
            record = {"policy": p.policy, "section": p.section, "context": p.context, "text": p.text,
                      "start": p.start, "end": p.end, "sentences": [[s.start, s.end, s.text] for s in p.sentences]}
            f.write(json.dumps(record, ensure_ascii=False) + "\n")


def read_passages(folder: Path) -> list[Passage]:
    """The passages ``write_passages`` wrote, in order."""
    passages: list[Passage] = []
    with (folder / "passages.jsonl").open(encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            sentences = tuple(Sentence(t, s, e) for s, e, t in r["sentences"])
            passages.append(Passage(r["policy"], r["section"], r["text"], r["start"], r["end"], sentences,
                                    r.get("context", "")))
    return passages


def check_manifest(manifest: dict, files: dict[str, str], embedder: Embedder) -> None:
    """Raise StaleIndex or BadIndex, with the reason, unless the index fits these policy files."""
    if manifest.get("package") != "policybot":
        raise BadIndex(f"it was written by another program ({manifest.get('package')!r})")
    if manifest.get("format") != FORMAT:
        raise StaleIndex(f"it is in index format {manifest.get('format')!r}, not {FORMAT}")
    model = manifest.get("model", {})
    if model.get("name") != embedder.name or model.get("dims") != embedder.dims:
        raise BadIndex(f"it was built with model {model.get('name')!r} ({model.get('dims')} dims)")
    if model.get("source") != embedder.source:
        raise StaleIndex(f"the model's weights changed ({model.get('source')!r} -> {embedder.source!r})")
    if manifest.get("package_version") != __version__:
        raise StaleIndex(f"it was built by policybot {manifest.get('package_version')}")
    change = recipe_change(manifest.get("recipe"), recipe())
    if change:
        raise StaleIndex(change)
    indexed = {p["name"]: p["sha256"] for p in manifest.get("policies", [])}
    indexed.update({name: r["sha256"] for name, r in manifest.get("refused", {}).items()})  # as they were refused
    if indexed != files:
        changed = sorted(n for n in files.keys() & indexed.keys() if files[n] != indexed[n])
        added, removed = sorted(files.keys() - indexed.keys()), sorted(indexed.keys() - files.keys())
        parts = [f"{label} {', '.join(names)}" for label, names in
                 (("changed:", changed), ("added:", added), ("removed:", removed)) if names]
        raise StaleIndex("policies " + "; ".join(parts))


def refusals(manifest: dict) -> str | None:
    """The policy files the build could not index and what it did instead, in one line (or None)."""
    refused = manifest.get("refused") or {}
    instead = {True: "its last indexed version is served", False: "it is left out"}
    return "; ".join(f"{r['reason']} (until then, {instead[bool(r.get('served'))]})" for r in refused.values()) or None


def read_index(index_dir: Path, manifest: dict, embedder: Embedder, built: list[Passage] | None = None) -> Index:
    """Load the build the manifest points at, checking every data file against its hash; or, with
    ``built``, the passages of a build this process has just written and hashed, that build."""
    folder = index_dir / str(manifest.get("data", ""))
    files = manifest.get("files", {})
    if not manifest.get("data") or not folder.is_dir() or not files:
        raise BadIndex(f"its data folder {folder.name!r} is missing")
    for rel, sha in files.items() if built is None else ():
        path = folder / rel
        if not path.is_file() or sha256(path) != sha:
            raise BadIndex(f"{rel} is missing or damaged")
    passages = read_passages(folder) if built is None else built
    policies = {p["name"]: PolicyInfo(**p) for p in manifest["policies"]}
    sources = {name: (folder / "sources" / info.file).read_bytes() for name, info in policies.items()}
    # Memory-mapped (shared between processes, paged in on use), seen as a plain ndarray: numpy's
    # memmap subclass runs Python on every slice, a fifth of an answer's time under load.
    scoring = np.load(folder / "scoring.npy", mmap_mode="r", allow_pickle=False).view(np.ndarray)
    start = np.concatenate([[0], np.cumsum([len(p.sentences) for p in passages])]).astype(np.int64)
    ix = searchable(faiss.read_index(str(folder / "passages.faiss"), faiss.IO_FLAG_MMAP_IFC))
    contexts = json.loads((folder / "contexts.json").read_text(encoding="utf-8"))
    context_vectors = np.load(folder / "contexts.npy", allow_pickle=False)
    shape = (start[-1], embedder.dims)
    readings = [np.load(folder / f, mmap_mode="r", allow_pickle=False).shape for f in ("sentences.npy", "headed.npy")]
    if ix.ntotal != len(passages) or ix.d != embedder.dims or scoring.shape != shape or scoring.dtype != np.float32 \
            or readings != [shape, shape] or context_vectors.shape != (len(contexts), embedder.dims):
        raise BadIndex("its vectors do not match its passages")
    row = {c: n for n, c in enumerate(contexts)}
    context_ids = np.array([row.get(p.context, -1) for p in passages], dtype=np.int64)
    bm25 = {name: BM25.load(folder / "bm25" / str(n), info.passages) for n, (name, info) in enumerate(policies.items())}
    return Index(folder, manifest, passages, policies, ix, scoring, start, bm25, context_vectors, context_ids, sources)
