"""What the index embeds, how passage vectors come from sentence vectors, and how they are searched.

Every sentence is embedded twice, alone and after its nearest heading ("Cookies: We use ..."),
and every heading path once. Vectors are reused across builds by the text they embed, so a
rebuild after an edit embeds only what is new.

Passage vectors go into FAISS: an exact (flat) index while a library is small, an inverted-file
index (IVF) from ``ANN_PASSAGES`` passages on. Vectors are unit length, so inner product = cosine.
``benchmarks/ann.py`` measures both at a million passages.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass

import faiss
import numpy as np

from .chunking import Passage
from .embedding import Embedder

log = logging.getLogger("bot")

# From this many passages on, the passage index is approximate (IVF) and a question asked of more
# passages than this scores only the policies its nearest passages belong to (``retrieve``). About
# 1,500 typical policies; below it, exact search over every passage costs a few milliseconds.
ANN_PASSAGES = 100_000
# Lists an IVF search visits: on vectors shaped like real passages (``benchmarks/ann.py``), 128
# reached recall@10 0.98 at 100k passages (of 1,024 lists) and 0.99 at 1M (of 4,096), 6 ms a search.
NPROBE = 128


def text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def headed_text(context: str, sentence: str) -> str:
    """A sentence as embedded with its heading: the nearest heading, a colon, the sentence."""
    heading = context.rsplit(" › ", 1)[-1]
    return f"{heading}: {sentence}" if heading else sentence


def passage_vectors(sentence_vectors: np.ndarray, sentence_start: np.ndarray) -> np.ndarray:
    """A passage's vector is the normalised mean of its sentences' vectors.

    Measured on PolicyQA dev it ranks as well as embedding the passage whole (Hit@3 0.461 vs
    0.443), and it halves build time: each text is embedded once, as sentences.
    """
    sums = np.add.reduceat(sentence_vectors, sentence_start[:-1], axis=0)
    return np.ascontiguousarray(sums / np.linalg.norm(sums, axis=1, keepdims=True), dtype=np.float32)


def scoring_vectors(vectors: Vectors) -> np.ndarray:
    """What retrieval scores a sentence by: the mean of its two readings' unit vectors, so a dot
    product with a unit question vector is the mean of the two cosines (``retrieve``)."""
    return np.ascontiguousarray((vectors.plain + vectors.headed) / 2, dtype=np.float32)


@dataclass(frozen=True)
class Vectors:
    """One build's vectors: sentences plain and headed (passage order), and the heading paths."""

    plain: np.ndarray
    headed: np.ndarray
    contexts: list[str]
    context_vectors: np.ndarray
    embedded: int  # texts embedded now (the rest were reused)


def embed_passages(passages: list[Passage], known: dict[str, np.ndarray], embedder: Embedder,
                   progress: bool = False) -> Vectors:
    """Vectors for every sentence (both readings) and heading path, embedding only unknown texts."""
    texts = [s.text for p in passages for s in p.sentences]
    headed = [headed_text(p.context, s.text) for p in passages for s in p.sentences]
    contexts = sorted({p.context for p in passages if p.context})
    missing = sorted({t for t in [*texts, *headed, *contexts] if text_key(t) not in known})
    if missing:
        log.info("embedding %d new texts (%d sentences in all)", len(missing), len(texts))
        fresh = embedder.encode(missing, progress=progress)
        known = {**known, **{text_key(t): v for t, v in zip(missing, fresh, strict=True)}}

    def stack(items: list[str]) -> np.ndarray:
        if not items:
            return np.zeros((0, embedder.dims), dtype=np.float32)
        return np.stack([known[text_key(t)] for t in items]).astype(np.float32)

    return Vectors(stack(texts), stack(headed), contexts, stack(contexts), len(missing))


def ivf_lists(n: int) -> int:
    """Lists of an IVF index over ``n`` vectors: about 4 sqrt(n), a power of two, and at least 39
    training vectors a list (FAISS's own rule for a stable k-means)."""
    lists = 1 << round(math.log2(4 * math.sqrt(max(n, 1))))
    while lists > 1 and lists > n // 39:
        lists //= 2
    return lists


def passage_index(vectors: np.ndarray, ann_from: int | None = None) -> faiss.Index:
    """The FAISS index of the passage vectors (unit length: inner product = cosine): exact below
    ``ann_from`` (``ANN_PASSAGES``) passages, IVF above, trained on a fixed sample (reproducible)."""
    n, dims = vectors.shape
    if n < (ANN_PASSAGES if ann_from is None else ann_from):
        ix = faiss.IndexFlatIP(dims)
    else:
        nlist = ivf_lists(n)
        ix = faiss.index_factory(dims, f"IVF{nlist},Flat", faiss.METRIC_INNER_PRODUCT)
        ix.train(vectors[np.random.default_rng(0).choice(n, min(n, 40 * nlist), replace=False)])
    ix.add(vectors)
    return searchable(ix)


def searchable(ix: faiss.Index) -> faiss.Index:
    """Ready for search: an IVF index probes NPROBE lists and maps ids to vectors (so the
    passage vectors can be read back exactly); a flat index is ready as it is."""
    ivf = faiss.try_extract_index_ivf(ix)
    if ivf is not None:
        ivf.nprobe = min(ivf.nlist, NPROBE)
        ivf.make_direct_map()
    return ix


def search_params(ix: faiss.Index, selector: faiss.IDSelector) -> faiss.SearchParameters:
    """FAISS search parameters restricting a search to ``selector``'s ids, at the index's own nprobe."""
    ivf = faiss.try_extract_index_ivf(ix)
    if ivf is None:
        return faiss.SearchParameters(sel=selector)
    return faiss.SearchParametersIVF(sel=selector, nprobe=ivf.nprobe)


def search_kind(ix: faiss.Index) -> dict[str, object]:
    """How the passage index searches, for the manifest: exact, or IVF with its lists and probes."""
    ivf = faiss.try_extract_index_ivf(ix)
    return {"index": "flat"} if ivf is None else {"index": "ivf", "lists": ivf.nlist, "probe": ivf.nprobe}
