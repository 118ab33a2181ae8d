"""What a rebuild takes from the build before it, so an edit to one policy of a library of hundreds
re-reads, re-chunks and re-embeds that policy only.

- Vectors, by the text they embed (any policy: a sentence moved or copied is not embedded again).
- Whole policies whose file did not change (same sha256, same recipe, same format): their
  passages, source bytes and BM25 files are taken as the previous build made them, each file
  checked against the previous manifest's hash first. Rendering and chunking the 280 OTA policies
  takes some 20 s here; a policy taken over takes milliseconds.
- For a policy file that went bad, the text the previous build indexed (served in its place).
"""

from __future__ import annotations

import json
import os
import shutil
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from .chunking import Passage
from .config import __version__
from .embedding import Embedder
from .files import sha256
from .index import FORMAT, MANIFEST, read_passages, recipe
from .vectors import headed_text, text_key


@dataclass(frozen=True)
class Part:
    """One policy as a build indexes it."""

    name: str
    title: str
    path: Path
    sha256: str  # of the bytes indexed
    source: bytes  # the bytes chunked, written to the build's sources/ (pages draw offsets on them)
    passages: list[Passage]
    bm25: Path | None = None  # the previous build's BM25 folder for this policy, when it did not change


@dataclass(frozen=True, eq=False)
class Previous:
    """The build the index folder holds now, read lazily and only as far as a rebuild needs it."""

    manifest: dict
    folder: Path

    @classmethod
    def of(cls, index_dir: Path) -> Previous | None:
        try:
            manifest = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
            return cls(manifest, index_dir / manifest["data"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    @cached_property
    def passages(self) -> list[Passage]:
        return read_passages(self.folder)

    def vectors(self, embedder: Embedder) -> dict[str, np.ndarray]:
        """Text key -> vector of every text the previous build embedded, if it used the same model."""
        try:
            model = self.manifest["model"]
            if (model["name"], model["dims"], model.get("source")) != (embedder.name, embedder.dims, embedder.source):
                return {}  # vectors of another model: useless, whatever text they embed
            plain = [s.text for p in self.passages for s in p.sentences]
            headed = [headed_text(p.context, s.text) for p in self.passages for s in p.sentences]
            contexts = json.loads((self.folder / "contexts.json").read_text(encoding="utf-8"))
            known: dict[str, np.ndarray] = {}
            for texts, name in ((plain, "sentences.npy"), (headed, "headed.npy"), (contexts, "contexts.npy")):
                vectors = np.load(self.folder / name, allow_pickle=False)
                if len(texts) != len(vectors):
                    return {}
                known.update((text_key(t), v) for t, v in zip(texts, vectors, strict=True))
            return known
        except (OSError, ValueError, KeyError, TypeError):
            return {}

    def source(self, file: str) -> bytes | None:
        """The text the previous build indexed for a policy file, if it indexed one (a refused edit
        falls back on it); read only when asked, as few files are ever refused."""
        try:
            if any(p["file"] == file for p in self.manifest["policies"]):
                return (self.folder / "sources" / file).read_bytes()
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return None

    def unchanged(self, path: Path, max_bytes: int) -> Part | None:
        """The policy in ``path`` as the previous build indexed it, if nothing that shapes its passages
        changed since (the file's bytes, the recipe, the format) and its files there are intact."""
        entry = self._entries.get(path.name)
        try:
            if entry is None or path.is_symlink() or path.stat().st_size > max_bytes \
                    or sha256(path) != entry[1]["sha256"]:
                return None
            return self._taken(path, *entry)
        except (OSError, KeyError, TypeError):
            return None

    def _taken(self, path: Path, n: int, info: dict) -> Part | None:
        source = self.folder / "sources" / path.name
        bm25 = self.folder / "bm25" / str(n)
        files = self.manifest.get("files", {})
        mine = [f"sources/{path.name}", *(f for f in files if f.startswith(f"bm25/{n}/"))]
        passages = self._by_policy.get(info["name"], [])
        if len(passages) != info.get("passages") or not any(f.startswith(f"bm25/{n}/") for f in mine) \
                or any(sha256(self.folder / f) != files.get(f) for f in mine):
            return None
        return Part(info["name"], info["title"], path, info["sha256"], source.read_bytes(), passages, bm25)

    @cached_property
    def _entries(self) -> dict[str, tuple[int, dict]]:
        """File name -> (its number in the build, its manifest entry), when the build's passages can be
        taken over at all: same format, package version and recipe, passages file intact."""
        m = self.manifest
        try:
            same = (m.get("format"), m.get("package_version"), m.get("recipe")) == (FORMAT, __version__, recipe())
            if not same or sha256(self.folder / "passages.jsonl") != m["files"]["passages.jsonl"]:
                return {}
            return {p["file"]: (n, p) for n, p in enumerate(m["policies"])}
        except (OSError, ValueError, KeyError, TypeError):
            return {}

    @cached_property
    def _by_policy(self) -> dict[str, list[Passage]]:
        out: dict[str, list[Passage]] = defaultdict(list)
        for p in self.passages:
            out[p.policy].append(p)
        return out


def copy_folder(source: Path, target: Path) -> None:
    """A BM25 folder of the previous build into the new one: hard links where the file system
    allows (build folders are never written after they are made), else copies."""
    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source, target, copy_function=link)
