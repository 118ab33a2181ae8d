"""A library of policies: building, loading and re-indexing after one edit.

    python benchmarks/library.py [--json out.json]

Two measurements, because embedding the 280 OTA policies (113k texts) takes longer than a
benchmark run can spend on this machine:

- **The 280 policies of ../shared/data/ota, everything but the model**: the texts are embedded by
  a stand-in (hashed words, instant), so the figures are the reading, rendering, chunking, BM25,
  writing and loading a real build does. Then one policy is edited (a sentence added) and the index
  opened again: the rebuild re-reads and re-chunks only that policy (``bot.reuse``).
- **PolicyQA test's 20 policies with the real model**: the same edit and rebuild, so the embedding
  of what is new is in the figure.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import policyqa

from bot.build import open_index
from bot.embedding import BUILD_BATCH, Embedder, default_embedder

OTA = policyqa.ROOT.parent / "shared" / "data" / "ota" / "policies"
EDIT = "\n\nWe keep the records of your orders for seven years.\n"


class StandIn(Embedder):
    """Hashed bag of words, instant: every part of a build but the model."""

    name = "stand-in-bag-of-words"

    def __init__(self) -> None:
        super().__init__()
        self.source = "stand-in"

    def encode(self, texts: list[str], batch_size: int = BUILD_BATCH, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dims] += 1.0
        out[:, 0] += 1e-3
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def edit_and_reopen(policies: Path, index: Path, embedder: Embedder) -> dict:
    """Time one full build, one load, and one rebuild after a sentence is added to one policy."""
    t0 = time.perf_counter()
    built = open_index(policies, index, embedder)
    t1 = time.perf_counter()
    open_index(policies, index, embedder)
    t2 = time.perf_counter()
    first = sorted(policies.iterdir())[0]
    first.write_text(first.read_text(encoding="utf-8") + EDIT, encoding="utf-8")
    t3 = time.perf_counter()
    rebuilt = open_index(policies, index, embedder)
    t4 = time.perf_counter()
    mb = sum(p.stat().st_size for p in rebuilt.folder.rglob("*") if p.is_file()) / 1e6
    return {"policies": len(built.policies), "passages": len(built.passages), "build_s": t1 - t0, "load_s": t2 - t1,
            "rebuild_s": t4 - t3, "reused": rebuilt.manifest["reused_policies"],
            "embedded_on_rebuild": rebuilt.manifest["embedded_texts"], "mb": mb}


def run() -> dict:
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(OTA, work / "ota")
        out["ota"] = edit_and_reopen(work / "ota", work / "ota-index", StandIn())
        shutil.copytree(policyqa.DATA / "policies" / "test", work / "pqa")
        out["policyqa_test"] = edit_and_reopen(work / "pqa", work / "pqa-index", default_embedder())
    return out


def row(library: str, embedder: str, m: dict) -> str:
    return (f"| {library} | {embedder} | {m['policies']} | {m['passages']:,} | {m['build_s']:.1f} | {m['load_s']:.2f} "
            f"| **{m['rebuild_s']:.1f}** | {m['reused']} | {m['embedded_on_rebuild']} | {m['mb']:.0f} |")


def lines(r: dict) -> list[str]:
    o, p = r["ota"], r["policyqa_test"]
    return [
        "`python benchmarks/library.py`: build, load, and re-index after a sentence is added to one policy.", "",
        "| library | embedder | policies | passages | build s | load s | rebuild after one edit s | "
        "policies taken over | texts embedded | MB |",
        "|---|---|---|---|---|---|---|---|---|---|",
        row("280 OTA policies", "stand-in (all but the model)", o),
        row("PolicyQA test", "the real model", p),
        "",
        "Target (issue 11): editing one policy and re-indexing under 10 s.", "",
        *REAL_BUILD,
    ]


# The 280-policy build with the real model takes some 20 minutes here, too long for every bench run:
# measured once, on an idle machine, and kept here with the command.
REAL_BUILD = [
    "The 280 OTA policies with the real model, measured once (2026-11-27, idle, outside `make bench`:",
    "`/usr/bin/time -v python -m bot index --policies ../shared/data/ota/policies --index DIR`): 113,132",
    "texts embedded (64,071 sentences, each plain and under its heading, and the heading paths), nearly",
    "all of the time. Forward passes of 64 texts: 1,420 s, peak RSS 1.85 GB. Of 16 (`BUILD_BATCH`, now):",
    "1,132 s (18.9 min), peak RSS 1.90 GB. The same build with the stand-in embedder peaks at 678 MB.",
    "Sampling the build's RSS each second showed where: 910 MB with the model loaded, 1.49 GB within the",
    "first (longest) texts and flat from there, 1.80 GB as the vectors were assembled after the last pass.",
    "glibc kept the memory the passes freed, fragmented. Builds now hand it back after each slice of four",
    "passes (`malloc_trim`, `bot/embedding.py`): the same build (2026-11-27, other work sharing the cores,",
    "so its 1,510 s is no timing) stayed at 0.8-1.0 GB while embedding and peaked at **1.26 GB** (`time -v`).",
    "Targets (issue 11): under 4 minutes (not met), and a peak of at most 1.5 GB (met). Four minutes would take some",
    "470 texts/s; MiniLM on torch or ONNX Runtime does 70-130 texts/s of these on the two cores (ONNX",
    "Runtime at 16 a pass: 110-131, level with torch). int8 dynamic quantization of the ONNX export",
    "(per channel, MatMul only) encoded 1.7x faster, but its vectors' cosine to fp32 was 0.993 on",
    "average and 0.979 at worst on policy sentences (the issue asks >= 0.99), so it is not used.",
    "",
]


def cli(doc: str, measure: Callable[[], dict], report: Callable[[dict], list[str]]) -> None:
    """A benchmark script's command line: run it, print its lines, and with --json keep the figures."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    r = measure()
    if args.json:
        args.json.write_text(json.dumps(r, indent=2))
    print("\n".join(report(r)))


def main() -> None:
    cli(__doc__, run, lines)


if __name__ == "__main__":
    main()
