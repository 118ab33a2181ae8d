"""How long ``policybot diff`` takes on two 5,000-word versions of a policy (the target: under 2 s).

    python benchmarks/diff_speed.py [--words 5000] [--runs 5]

The versions are real text: the older and newer Open Terms Archive versions of Bandcamp's and
Overleaf's policies (``../shared/data/versions``), each pair joined into one long policy and cut
at a paragraph boundary at ``--words`` words. Three cases, each timed end to end as the CLI runs it
(``diff_files``: read both files, render, split into statements, align, classify, topics):

- edited: old -> new, the real edits of both policies (plus what the cut leaves over at the end);
- same: old -> old, nothing changed (the common case of a re-fetched policy);
- rewritten: old -> another policy of the same length (Mozilla and Hugging Face), every statement
  different: the worst case for the word-level alignment.

Prints the median of ``--runs`` runs per case, and the number of changes found.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.diff import diff_files

VERSIONS = ROOT.parent / "shared" / "data" / "versions"
OLD = ["bandcamp.2023-10-19.md", "overleaf.2025-09-23.md"]
NEW = ["bandcamp.2025-09-24.md", "overleaf.2026-06-11.md"]
OTHER = ["mozilla.2025-11-06.md", "hugging-face.2026-03-18.md", "bandcamp.2025-09-24.md"]
TARGET_SECONDS = 2.0


def policy(names: list[str], words: int) -> str:
    """The files joined, cut after the paragraph that reaches ``words`` words."""
    kept, count = [], 0
    for paragraph in "\n\n".join((VERSIONS / n).read_text(encoding="utf-8") for n in names).split("\n\n"):
        if count >= words:
            break
        kept.append(paragraph)
        count += len(paragraph.split())
    return "\n\n".join(kept) + "\n"


def timed(old: Path, new: Path, runs: int) -> tuple[float, int]:
    """Median seconds of ``runs`` diffs, and the changes found."""
    seconds, changes = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        changes = len(diff_files(old, new).changes)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), changes


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--words", type=int, default=5000, help="words per version (default 5000)")
    p.add_argument("--runs", type=int, default=5, help="runs per case; the median is printed (default 5)")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for name, parts in (("old", OLD), ("new", NEW), ("other", OTHER)):
            files[name] = Path(tmp) / f"{name}.md"
            files[name].write_text(policy(parts, args.words), encoding="utf-8")
        diff_files(files["old"], files["new"])  # imports and caches warm, as in a running server
        print(f"{'case':<10} {'old words':>9} {'new words':>9} {'changes':>7} {'median s':>9}  (of {args.runs} runs)")
        slowest = 0.0
        for case, new in (("edited", "new"), ("same", "old"), ("rewritten", "other")):
            seconds, changes = timed(files["old"], files[new], args.runs)
            slowest = max(slowest, seconds)
            words = [len(files[n].read_text(encoding="utf-8").split()) for n in ("old", new)]
            print(f"{case:<10} {words[0]:>9} {words[1]:>9} {changes:>7} {seconds:>9.3f}")
    verdict = "under" if slowest < TARGET_SECONDS else "OVER"
    print(f"slowest median {slowest:.3f} s: {verdict} the {TARGET_SECONDS:g} s target")
    return 0 if slowest < TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
