"""Building the index folder: embed what is new, write a complete build, switch to it atomically.

A build is written to a hidden temporary folder, renamed into place, and only then does
``manifest.json`` (replaced atomically) point at it: a build killed halfway leaves the old
index in service. Rebuilds re-embed only texts the previous build did not embed, and take the
policies whose files did not change from it whole (``bot.reuse``).
``open_index`` is the one way in: load the index if it fits, else rebuild it and say why.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import faiss
import numpy as np

from .chunking import chunk
from .config import MAX_POLICY_BYTES, __version__
from .embedding import Embedder
from .errors import IndexFolderError, PolicySourceError
from .files import locked, sha256, write_json_atomic
from .index import (
    FORMAT,
    MANIFEST,
    BadIndex,
    Index,
    PolicyInfo,
    StaleIndex,
    bm25_texts,
    check_manifest,
    read_index,
    recipe,
    write_passages,
)
from .lexical import BM25
from .reader import parse_policy, policy_files, read_policy
from .reuse import Part, Previous, copy_folder
from .vectors import (
    Vectors,
    embed_passages,
    passage_index,
    passage_vectors,
    scoring_vectors,
    search_kind,
)

log = logging.getLogger("bot")


def build(policy_dir: Path, index_dir: Path, embedder: Embedder, progress: bool = False,
          max_bytes: int = MAX_POLICY_BYTES) -> Index:
    """Build the index for every policy in ``policy_dir`` and switch ``index_dir`` to it."""
    started = time.perf_counter()
    previous = Previous.of(index_dir)
    parts, refused = _read_and_chunk(policy_dir, max_bytes, previous)
    for name, r in refused.items():
        log.warning("%s; %s", r["reason"], f"policy {name!r} is served as last indexed" if r["served"]
                    else f"policy {name!r} is left out")
    passages = [p for part in parts for p in part.passages]
    vectors = embed_passages(passages, previous.vectors(embedder) if previous else {}, embedder, progress)
    start = np.concatenate([[0], np.cumsum([len(p.sentences) for p in passages])]).astype(np.int64)
    ix = passage_index(passage_vectors(vectors.plain, start))  # exact, or IVF for a large library

    policies, first = [], 0
    for part in parts:
        updated = datetime.fromtimestamp(part.path.stat().st_mtime, UTC).isoformat(timespec="seconds")
        policies.append(PolicyInfo(part.name, part.title, part.path.name, part.sha256, len(part.passages), first,
                                   updated))
        first += len(part.passages)

    built_at = datetime.now(UTC)
    data = f"v-{built_at:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    hashes = _write_build(index_dir, data, parts, vectors, ix)
    manifest = {
        "format": FORMAT,
        "package": "policybot",
        "package_version": __version__,
        "model": {"name": embedder.name, "dims": embedder.dims, "source": embedder.source},
        "recipe": recipe(),
        "built_at": built_at.isoformat(timespec="seconds"),
        "build_seconds": round(time.perf_counter() - started, 3),
        "embedded_texts": vectors.embedded,
        "data": data,
        "counts": {"policies": len(parts), "passages": len(passages), "sentences": len(vectors.plain)},
        "reused_policies": sum(part.bm25 is not None for part in parts),
        "search": search_kind(ix),
        "policies": [vars(p) for p in policies],
        "files": hashes,
        "refused": refused,
    }
    if (index_dir / MANIFEST).is_dir():  # a damaged folder: the manifest is ours to replace
        shutil.rmtree(index_dir / MANIFEST)
    write_json_atomic(index_dir / MANIFEST, manifest)
    _remove_leftovers(index_dir, data)
    index = read_index(index_dir, manifest, embedder, built=passages)  # its files just hashed as written
    index.built = True
    return index


def _leftovers(index_dir: Path, keep: str) -> list[Path]:
    """Earlier builds, builds killed halfway and manifest temp files: everything but ``keep``'s data."""
    return [p for p in index_dir.iterdir()
            if (p.is_dir() and p.name != keep and p.name.startswith(("v-", ".tmp-")))
            or (p.is_file() and p.name.startswith(f".{MANIFEST}.") and p.name.endswith(".tmp"))]


def _remove_leftovers(index_dir: Path, keep: str) -> None:
    for old in _leftovers(index_dir, keep):
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)


def _readable(path: Path, data: bytes | None, max_bytes: int) -> Part:
    """One policy read (from ``data``, its last good bytes, if given) and chunked, or the reason not."""
    doc = read_policy(path, max_bytes) if data is None else parse_policy(path, data)
    passages = chunk(doc)
    if not passages:
        raise PolicySourceError(f"policy file {path.name!r} has nothing but headings and contents lines; "
                                f"add the policy text or remove the file")
    return Part(doc.name, doc.title, doc.path, doc.sha256, doc.source.encode("utf-8"), passages)


def _read_and_chunk(policy_dir: Path, max_bytes: int, previous: Previous | None
                    ) -> tuple[list[Part], dict[str, dict]]:
    """Every policy read and chunked, or taken over from the previous build if its file did not
    change. A file that cannot be read (not text, too big, only headings) does not stop the others:
    the version the index last held is indexed in its place, if it held one, else the file is left
    out. ``refused`` names each such policy with its file, the file's hash (so the index counts as
    up to date until the file changes again) and why. Only when no policy at all can be indexed is
    it an error, and nothing is written."""
    parts, refused = [], {}
    for path in policy_files(policy_dir):
        try:
            part = (previous and previous.unchanged(path, max_bytes)) or _readable(path, None, max_bytes)
        except PolicySourceError as exc:
            refused[path.stem] = {"file": path.name, "sha256": sha256(path), "reason": exc.message, "served": None}
            last = previous.source(path.name) if previous else None
            if last is None:
                continue
            part = _readable(path, last, max_bytes)
            refused[path.stem]["served"] = part.sha256
        parts.append(part)
    if not parts:
        reasons = [r["reason"] for r in refused.values()]
        raise PolicySourceError(reasons[0] if len(reasons) == 1 else "no policy file can be indexed: "
                                + "; ".join(reasons))
    return parts, refused


def _write_build(index_dir: Path, data: str, parts: list[Part], vectors: Vectors, ix: faiss.Index) -> dict[str, str]:
    """Write one build to a hidden folder and rename it to ``data``; returns its files' hashes."""
    index_dir.mkdir(parents=True, exist_ok=True)
    tmp = index_dir / f".tmp-{data}"
    try:
        tmp.mkdir()
        _write_data(tmp, parts, vectors, ix)
        hashes = {str(p.relative_to(tmp)): sha256(p) for p in sorted(tmp.rglob("*")) if p.is_file()}
        os.rename(tmp, index_dir / data)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return hashes


def _write_data(folder: Path, parts: list[Part], vectors: Vectors, ix: faiss.Index) -> None:
    """One build's data files (see the module docstring for the layout)."""
    write_passages(folder, [p for part in parts for p in part.passages])
    np.save(folder / "sentences.npy", vectors.plain, allow_pickle=False)
    np.save(folder / "headed.npy", vectors.headed, allow_pickle=False)
    np.save(folder / "scoring.npy", scoring_vectors(vectors), allow_pickle=False)
    np.save(folder / "contexts.npy", vectors.context_vectors, allow_pickle=False)
    (folder / "contexts.json").write_text(json.dumps(vectors.contexts, ensure_ascii=False), encoding="utf-8")
    faiss.write_index(ix, str(folder / "passages.faiss"))
    for n, part in enumerate(parts):  # an unchanged policy's BM25 files are the previous build's
        if part.bm25 is not None:
            copy_folder(part.bm25, folder / "bm25" / str(n))
        else:
            BM25.build(bm25_texts(part.passages)).save(folder / "bm25" / str(n))
    (folder / "sources").mkdir()
    for part in parts:  # the bytes that were chunked, so pages draw offsets on the text they index
        (folder / "sources" / part.path.name).write_bytes(part.source)


@contextlib.contextmanager
def _writable(index_dir: Path) -> Iterator[None]:
    """A folder the index cannot be written to is a user error with a fix, not a traceback."""
    try:
        yield
    except PermissionError as exc:
        raise IndexFolderError(f"cannot write the index in {str(index_dir)!r} ({exc.strerror.lower()}); make it "
                               f"writable, or point --index or POLICYBOT_INDEX_DIR at a folder you can write") from None


def rebuild(policy_dir: Path, index_dir: Path, embedder: Embedder, progress: bool = False,
            max_bytes: int = MAX_POLICY_BYTES) -> Index:
    """Build now, even if the index looks up to date (holding the lock, like any build)."""
    with _writable(index_dir), locked(index_dir, exclusive=True):
        return build(policy_dir, index_dir, embedder, progress, max_bytes)


def open_index(policy_dir: Path, index_dir: Path, embedder: Embedder, progress: bool = False,
               max_bytes: int = MAX_POLICY_BYTES) -> Index:
    """Load the index for ``policy_dir``, building or rebuilding it first if needed."""
    if index_dir.exists() and not index_dir.is_dir():
        raise IndexFolderError(f"index folder {str(index_dir)!r} is a file; point --index or POLICYBOT_INDEX_DIR "
                               f"at a folder")
    with _writable(index_dir):
        index = _open_index(policy_dir, index_dir, embedder, progress, max_bytes)
        if not index.built and _leftovers(index_dir, index.manifest["data"]):
            with locked(index_dir, exclusive=True):  # a killed build's files: tidy them on start
                current = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8")).get("data", "")
                _remove_leftovers(index_dir, current)
        return index


def _open_index(policy_dir: Path, index_dir: Path, embedder: Embedder, progress: bool, max_bytes: int) -> Index:
    files = {p.stem: sha256(p) for p in policy_files(policy_dir)}
    for attempt in range(2):
        with locked(index_dir, exclusive=attempt > 0):
            try:
                manifest = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
                if not isinstance(manifest, dict):
                    raise BadIndex("its manifest is not a JSON object")
                check_manifest(manifest, files, embedder)
                return read_index(index_dir, manifest, embedder)
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
                return build(policy_dir, index_dir, embedder, progress, max_bytes)
    raise AssertionError("unreachable")
