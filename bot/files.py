"""Files written safely: content hashes, atomic JSON replacement, a folder lock."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import filelock

try:
    import fcntl
except ImportError:  # Windows: no shared flock; every holder takes filelock's exclusive lock instead
    fcntl = None  # type: ignore[assignment]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def locked(folder: Path, exclusive: bool) -> Iterator[None]:
    """Builders take the lock exclusively, loaders shared; a read-only folder goes unlocked.

    On Windows (no ``fcntl``) loaders wait for each other too: slower to start, never wrong.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = (folder / ".lock").open("a")
    except OSError:
        yield
        return
    if fcntl is None:
        handle.close()
        with filelock.FileLock(folder / ".lock.win"):
            yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield


NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # open never follows a symbolic link where the system allows


def write_atomic(path: Path, data: bytes) -> None:
    """Write a new temporary file beside ``path`` (never through a symbolic link) and rename it over
    ``path``: readers see the old file or the new one, never half of one."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW, 0o644)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    with contextlib.suppress(OSError):
        fd = os.open(path.parent, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)


def write_json_atomic(path: Path, data: dict) -> None:
    write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8"))
