"""Each policy's past texts, kept by the server so a shop that edits its policy gets a changelog.

Layout under the data folder (``POLICYBOT_DATA_DIR``)::

    versions/<policy>/versions.json   [{sha256, first_seen, since, file, words}, ...], oldest first
    versions/<policy>/<sha256>.txt    the policy text of that version, exactly as indexed

The text itself is kept, not a path: the file it came from is edited in place. ``first_seen`` is
when the text was first indexed; ``since`` when it last became the policy's text (a reverted edit
makes an old version current again, with its first-seen time kept). At most ``KEEP`` versions a
policy are kept, the oldest dropped first. Every file is written to a temporary name and renamed,
under the folder lock; nothing in the store is followed through a symbolic link, and a policy name
that is not a plain file name gets a folder named by its hash instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .files import NOFOLLOW, locked, write_atomic

if TYPE_CHECKING:
    from .reader import Document

log = logging.getLogger("bot")
KEEP = 20  # versions kept per policy: a few years of edits to a policy, a few megabytes at most
LIST = "versions.json"
_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
_SHA = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Version:
    """One text a policy has had: its sha256, when it was first seen and last became current."""

    sha256: str
    first_seen: str  # ISO 8601, UTC
    since: str  # when this text last became the policy's text (ISO 8601, UTC)
    file: str  # the policy file's name: its suffix says how the text is read
    words: int

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def folder_name(policy: str) -> str:
    """The store's folder for a policy: its name when that is a plain file name, else its hash."""
    if _SAFE.fullmatch(policy) and policy not in (".", ".."):
        return policy
    return "x-" + hashlib.sha256(policy.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _read(path: Path) -> bytes:
    """A file's bytes, never through a symbolic link (raises OSError for one)."""
    fd = os.open(path, os.O_RDONLY | NOFOLLOW)
    with os.fdopen(fd, "rb") as f:
        return f.read()


def _entry(raw: object) -> Version | None:
    """A listed version, or None for an entry that is not one (a damaged or foreign list)."""
    try:
        v = Version(**raw)  # type: ignore[arg-type]
    except TypeError:
        return None
    ok = _SHA.fullmatch(str(v.sha256)) and isinstance(v.words, int) and isinstance(v.file, str)
    return v if ok and "/" not in v.file and "\\" not in v.file else None


class VersionStore:
    """The versions of every policy under one folder (``<data dir>/versions``)."""

    def __init__(self, root: Path, keep: int = KEEP) -> None:
        self.root = Path(root)
        self.keep = keep

    def _folder(self, policy: str, create: bool = False) -> Path:
        """The policy's folder; an OSError when it, or the store's own folder, is a symbolic link."""
        folder = self.root / folder_name(policy)
        for path in (self.root, folder):
            if path.is_symlink():
                raise OSError(f"{path} is a symbolic link; the version store does not follow links")
            if create:
                path.mkdir(exist_ok=True)
        return folder

    def versions(self, policy: str) -> list[Version]:
        """The policy's versions, newest (most recently current) first; none when nothing is kept."""
        try:
            raw = json.loads(_read(self._folder(policy) / LIST))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            log.warning("the version list of policy %r cannot be read (%s); it starts again", policy, exc)
            return []
        found = [_entry(r) for r in raw.get("versions", [])] if isinstance(raw, dict) else []
        return [v for v in reversed(found) if v is not None]

    def text(self, policy: str, sha: str) -> str | None:
        """The text of one version, checked against its sha256; None when it is not kept (or damaged)."""
        if not _SHA.fullmatch(sha):
            return None
        try:
            data = _read(self._folder(policy) / f"{sha}.txt")
        except OSError:
            return None
        return data.decode("utf-8") if hashlib.sha256(data).hexdigest() == sha else None

    def record(self, doc: Document) -> bool:
        """Keep this text of the policy as its current version; True when that is news (a new text,
        or an old one back). The text is written before the list that names it."""
        self.root.parent.mkdir(parents=True, exist_ok=True)
        folder = self._folder(doc.name, create=True)
        with locked(folder, exclusive=True):
            kept = list(reversed(self.versions(doc.name)))  # oldest first
            if kept and kept[-1].sha256 == doc.sha256:
                return False
            now = _now()
            before = next((v for v in kept if v.sha256 == doc.sha256), None)
            if before is None:
                write_atomic(folder / f"{doc.sha256}.txt", doc.source.encode("utf-8"))
            first = before.first_seen if before else now
            kept = [v for v in kept if v.sha256 != doc.sha256]
            kept.append(Version(doc.sha256, first, now, doc.path.name, len(doc.rendered.text.split())))
            dropped, kept = kept[: -self.keep], kept[-self.keep :]
            listing = {"policy": doc.name, "versions": [v.to_dict() for v in kept]}
            write_atomic(folder / LIST, json.dumps(listing, indent=1, ensure_ascii=False).encode("utf-8"))
            for v in dropped:
                with contextlib.suppress(OSError):
                    (folder / f"{v.sha256}.txt").unlink()
        return True
