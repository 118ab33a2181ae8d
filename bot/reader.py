"""Policy files: find them, decode them, render them (see ``rendering`` for the offset rule)."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .config import MAX_POLICY_BYTES
from .errors import PolicySourceError
from .formats import render_html, render_markdown, render_text
from .rendering import Line, Rendered, collapse

__all__ = ["SUFFIXES", "Document", "Line", "Rendered", "collapse", "parse_policy", "policy_files", "read_policy",
           "render_like"]

SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")
# Text has almost no control characters (a stray form feed, perhaps); a file with more than this
# share of NUL or other control bytes is binary, or damaged.
MAX_CONTROL_SHARE = 0.01
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")  # all but tab, newlines and form feed
log = logging.getLogger("bot")


@dataclass(frozen=True)
class Document:
    """One policy file: its name (the file stem), source text and rendering."""

    name: str
    path: Path
    source: str
    sha256: str
    rendered: Rendered

    @property
    def title(self) -> str:
        return self.rendered.title or self.name.replace("_", " ").replace("-", " ").title()


RENDERERS: dict[str, Callable[[str], Rendered]] = {
    ".md": render_markdown,
    ".markdown": render_markdown,
    ".txt": render_text,
    ".html": render_html,
    ".htm": render_html,
}


def policy_files(policy_dir: Path) -> list[Path]:
    """The policy files of a folder, sorted; errors if there are none or two share a name.

    A link that leads out of the folder is left out with a warning: the folder is what the shop
    publishes, and ``policy.md -> /etc/passwd`` must not become a served page.
    """
    if not policy_dir.is_dir():
        raise PolicySourceError(
            f"policy folder {str(policy_dir)!r} does not exist; create it and put the policy "
            f"(.md, .txt or .html) there, or point POLICYBOT_POLICY_DIR at the right folder"
        )
    inside = policy_dir.resolve()
    files = []
    for p in sorted(policy_dir.iterdir()):
        if not (p.suffix.lower() in SUFFIXES and p.is_file()):
            continue
        if p.is_symlink() and not p.resolve().is_relative_to(inside):
            log.warning("policy file %s links outside the policy folder; it is not used", p.name)
            continue
        files.append(p)
    if not files:
        raise PolicySourceError(
            f"policy folder {str(policy_dir)!r} holds no policy; add at least one .md, .txt or .html file"
        )
    seen: dict[str, Path] = {}
    for path in files:
        if path.stem in seen:
            raise PolicySourceError(
                f"policy files {seen[path.stem].name!r} and {path.name!r} share the name "
                f"{path.stem!r}; rename or remove one"
            )
        seen[path.stem] = path
    return files


def read_policy(path: Path, max_bytes: int = MAX_POLICY_BYTES) -> Document:
    """Read and render one policy file; errors name the file and the fix."""
    size = path.stat().st_size
    if size > max_bytes:
        raise PolicySourceError(
            f"policy file {path.name!r} is {size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:g} MB "
            f"(POLICYBOT_MAX_POLICY_MB): split the file or raise the limit"
        )
    return parse_policy(path, path.read_bytes())


def parse_policy(path: Path, data: bytes) -> Document:
    """Decode and render a policy's bytes as the file ``path`` (also used for the copy an index keeps)."""
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicySourceError(
            f"policy file {path.name!r} is not UTF-8 (bad byte at position {exc.start}); "
            f"save it as UTF-8 and try again"
        ) from None
    if not source.strip():
        raise PolicySourceError(f"policy file {path.name!r} is empty; add the policy text or remove the file")
    control = len(_CONTROL.findall(source))
    if control > MAX_CONTROL_SHARE * len(source):
        raise PolicySourceError(
            f"policy file {path.name!r} is not text ({control / len(source):.0%} NUL or control bytes); "
            f"save the policy as plain text, Markdown or HTML"
        )
    rendered = RENDERERS[path.suffix.lower()](source)
    if not any(ln.kind in ("text", "item") for ln in rendered.lines):
        raise PolicySourceError(f"policy file {path.name!r} has no readable text; add the policy text")
    return Document(path.stem, path, source, hashlib.sha256(data).hexdigest(), rendered)


def render_like(path_or_suffix: str | Path, source: str) -> Rendered:
    """Render ``source`` as a file with that suffix would be (used to check offsets)."""
    suffix = path_or_suffix if isinstance(path_or_suffix, str) else path_or_suffix.suffix
    return RENDERERS[suffix.lower()](source)
