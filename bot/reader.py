"""Policy files: find them, decode them, render them (see ``rendering`` for the offset rule)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import PolicySourceError
from .formats import render_html, render_markdown, render_text
from .rendering import Line, Rendered, collapse

__all__ = ["SUFFIXES", "Document", "Line", "Rendered", "collapse", "parse_policy", "policy_files", "read_policy",
           "render_like"]

SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")


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
    """The policy files of a folder, sorted; errors if there are none or two share a name."""
    if not policy_dir.is_dir():
        raise PolicySourceError(
            f"policy folder {str(policy_dir)!r} does not exist; create it and put the policy "
            f"(.md, .txt or .html) there, or point POLICYBOT_POLICY_DIR at the right folder"
        )
    files = sorted(p for p in policy_dir.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
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


def read_policy(path: Path) -> Document:
    """Read and render one policy file; errors name the file and the fix."""
    return parse_policy(path, path.read_bytes())


def parse_policy(path: Path, data: bytes) -> Document:
    """Decode and render a policy's bytes as the file ``path`` (also used for the copy an index keeps)."""
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicySourceError(
            f"policy file {str(path)!r} is not UTF-8 (bad byte at position {exc.start}); "
            f"save it as UTF-8 and try again"
        ) from None
    if not source.strip():
        raise PolicySourceError(f"policy file {str(path)!r} is empty; add the policy text or remove the file")
    rendered = RENDERERS[path.suffix.lower()](source)
    if not any(ln.kind in ("text", "item") for ln in rendered.lines):
        raise PolicySourceError(f"policy file {str(path)!r} has no readable text; add the policy text")
    return Document(path.stem, path, source, hashlib.sha256(data).hexdigest(), rendered)


def render_like(path_or_suffix: str | Path, source: str) -> Rendered:
    """Render ``source`` as a file with that suffix would be (used to check offsets)."""
    suffix = path_or_suffix if isinstance(path_or_suffix, str) else path_or_suffix.suffix
    return RENDERERS[suffix.lower()](source)
