"""What a request may read of each policy version, made before that version serves: its overview,
and what changed since the version before it (``versions`` keeps the texts, ``diff`` compares them).

``prepare`` runs for an index before it answers anything (the server's warm-up, and a reload after a
policy edit, in the background), so a request only reads what is made. Both are made once per
policy version and kept in memory: the overviews of the versions being served, and the last few
comparisons. An overview is also written into the index's build folder (``overviews/``, named by
the policy's sha256 and the code that made it) and read back on the next start: it goes with the
build, and a change to the code or the calibration makes a new one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from .diff import Diff, diff_documents
from .errors import InvalidOptionError, PolicybotError, UnknownVersionError
from .files import write_atomic
from .index import Index, PolicyInfo
from .overview import Overview, make_overview
from .reader import Document, parse_policy
from .results import Answer
from .versions import Version, VersionStore, folder_name

log = logging.getLogger("bot")
DIFFS_KEPT = 16  # comparisons kept in memory: the latest change of each policy, and a few asked for
OVERVIEWS = "overviews"  # in the index's build folder


@cache
def code_version() -> str:
    """What an overview depends on besides the policy and its index: this package's code and calibration."""
    here, digest = Path(__file__).parent, hashlib.sha256()
    for path in sorted([*here.glob("*.py"), here / "calibration.json"]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _stored(index: Index, info: PolicyInfo) -> Path:
    return index.folder / OVERVIEWS / f"{folder_name(info.name)}-{info.sha256[:16]}-{code_version()}.json"


def read_overview(index: Index, info: PolicyInfo) -> Overview | None:
    """The overview an earlier run made for this policy version with this code, if it is there."""
    try:
        made = Overview.from_dict(json.loads(_stored(index, info).read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("the stored overview of policy %r is not used (%s); it is made again", info.name, exc)
        return None
    return made if (made.policy, made.version) == (info.name, info.sha256) else None


def write_overview(index: Index, info: PolicyInfo, made: Overview) -> None:
    """Keep the overview with the build; an index folder that cannot be written only costs a remake."""
    path = _stored(index, info)
    try:
        path.parent.mkdir(exist_ok=True)
        write_atomic(path, json.dumps(made.to_dict(), ensure_ascii=False).encode("utf-8"))
    except OSError as exc:
        log.info("the overview of policy %r is not stored with the index: %s", info.name, exc)


@dataclass(frozen=True)
class Changes:
    """What changed between two versions of a policy: the versions, and the diff (``bot.diff``)."""

    policy: str
    old: Version
    new: Version
    diff: Diff

    def to_dict(self) -> dict[str, object]:
        return {"policy": self.policy, "from": self.old.to_dict(), "to": self.new.to_dict(), **self.diff.to_dict()}


def current_version(index: Index, name: str) -> Version:
    """The version an index serves, as the store would list it (when the store does not)."""
    info, doc = index.policies[name], index.document(name)
    return Version(info.sha256, info.updated, info.updated, info.file, len(doc.rendered.text.split()))


class History:
    """The overview of each policy version and the comparisons between versions, made once."""

    def __init__(self) -> None:
        self.store: VersionStore | None = None  # None: only the versions indexed in this process
        self._overviews: dict[tuple[str, str], Overview] = {}
        self._diffs: OrderedDict[tuple[str, str, str], Changes] = OrderedDict()
        self._lock = threading.Lock()

    def keep(self, root: Path, index: Index) -> None:
        """From now on keep every policy's texts under ``root``, starting with those of ``index``."""
        self.store = VersionStore(root)
        self.record(index)

    def record(self, index: Index) -> None:
        """Keep each policy's text as indexed; a store that cannot be written only loses the history."""
        for name in index.policies if self.store else ():
            try:
                if self.store.record(index.document(name)):  # type: ignore[union-attr]
                    log.info("policy %s: version %s recorded", name, index.policies[name].sha256[:12])
            except OSError as exc:
                log.warning("the previous versions of policy %r cannot be kept in %s: %s", name, self.store.root, exc)

    def prepare(self, index: Index, overview: Callable[[str, Index], Overview], record: bool = False) -> None:
        """Before ``index`` serves: each policy's overview and latest changes made, and with ``record``
        (a new index, not yet serving) its texts kept as the policies' current versions."""
        if record:  # never for an index that may already be replaced: its texts would look current again
            self.record(index)
        for name, info in index.policies.items():
            made = overview(name, index)
            if not _stored(index, info).exists():  # made for an earlier build that another policy's edit replaced
                write_overview(index, info, made)
            try:
                self.changes(index, name)
            except PolicybotError as exc:  # a damaged old text: the history is lost, not the new version
                log.warning("what changed in policy %r cannot be shown: %s", name, exc.message)
        with self._lock:  # the overviews of versions no longer served are dropped
            for key in [k for k in self._overviews if k[0] not in index.policies]:
                del self._overviews[key]

    def overview(self, index: Index, info: PolicyInfo, ask: Callable[[str], Answer], threshold: float) -> Overview:
        """The overview of the policy version ``index`` serves: in memory, else stored with the index,
        else made now (made on first use only outside a server)."""
        made = self.made_overview(index, info)
        if made is None:
            sentences = [s.text for p in index.passages[info.ids] for s in p.sentences]
            made = make_overview(info.name, info.sha256, index.document(info.name).source, sentences, ask, threshold)
            write_overview(index, info, made)
            self._keep(info, made)
        return made

    def made_overview(self, index: Index, info: PolicyInfo) -> Overview | None:
        """The overview of this policy version if one is made (in memory, else stored with the index,
        then kept in memory), never making it."""
        made = self._overviews.get((info.name, info.sha256))
        if made is None:
            made = read_overview(index, info)
            if made is not None:
                self._keep(info, made)
        return made

    def _keep(self, info: PolicyInfo, made: Overview) -> None:
        key = (info.name, info.sha256)
        with self._lock:
            for old in [k for k in self._overviews if k[0] == info.name and k != key][:-1]:
                del self._overviews[old]  # keep this and one other version: the one serving until the swap
            self._overviews[key] = made

    def versions(self, index: Index, name: str) -> list[Version]:
        """The policy's versions, newest first; the one ``index`` serves always among them."""
        kept = self.store.versions(name) if self.store else []
        if not any(v.sha256 == index.policies[name].sha256 for v in kept):
            kept.insert(0, current_version(index, name))
        return kept

    def find(self, index: Index, name: str, prefix: str) -> Version:
        """The version whose sha256 starts with ``prefix``: unknown is a 404, ambiguous a 422."""
        found = [v for v in self.versions(index, name) if v.sha256.startswith(prefix.lower())]
        if len(found) > 1:
            raise InvalidOptionError(f"version {prefix!r} of policy {name!r} is ambiguous: it begins "
                                     f"{len(found)} versions' sha256; give more of it")
        if not found:
            known = ", ".join(v.sha256[:12] for v in self.versions(index, name))
            raise UnknownVersionError(f"policy {name!r} has no version {prefix!r}; its versions: {known}")
        return found[0]

    def changes(self, index: Index, name: str, old: str | None = None, new: str | None = None) -> Changes | None:
        """What changed from version ``old`` to ``new`` (sha256 prefixes). By default ``new`` is the
        version ``index`` serves and ``old`` the one before it; None when there is none before."""
        listed, serving = self.versions(index, name), index.policies[name].sha256
        after = self.find(index, name, new) if new else next(v for v in listed if v.sha256 == serving)
        if old:
            before = self.find(index, name, old)
        else:
            older = listed[[v.sha256 for v in listed].index(after.sha256) + 1 :]
            if not older:
                return None
            before = older[0]
        return self._compare(index, name, before, after)

    def _document(self, index: Index, name: str, v: Version) -> Document:
        if v.sha256 == index.policies[name].sha256:
            return index.document(name)
        text = self.store.text(name, v.sha256) if self.store else None
        if text is None:
            raise UnknownVersionError(f"the text of version {v.sha256[:12]} of policy {name!r} is no longer kept")
        return parse_policy(Path(v.file), text.encode("utf-8"))

    def _compare(self, index: Index, name: str, old: Version, new: Version) -> Changes:
        key = (name, old.sha256, new.sha256)
        with self._lock:
            if key in self._diffs:
                self._diffs.move_to_end(key)
                return self._diffs[key]
        diff = diff_documents(self._document(index, name, old), self._document(index, name, new))
        made = Changes(name, old, new, replace(diff, old=old.sha256, new=new.sha256))
        with self._lock:
            self._diffs[key] = made
            while len(self._diffs) > DIFFS_KEPT:
                self._diffs.popitem(last=False)
        return made
