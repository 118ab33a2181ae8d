"""Build ``bot/prototypes.npz``, the headings bank behind query expansion (``bot/expansion.py``).

    python benchmarks/prototypes.py      # about 2 minutes on this 2-core machine (12k texts to embed)

For every policy in ``../shared/data/ota/policies`` except the four the second lay set uses
(``benchmarks/heldout``: they stay unseen), each heading of at least two words (numbering
stripped) is paired with the first three sentences under it. Headings that read the same
(case, and a trailing "?", ":" or "." aside) are one entry, whose prototype is the mean of the
texts' vectors. Stored: each entry's heading vector (the key) and unit prototype vector, both
int8 (x127; cosines move by < 0.01), and where they came from. No evaluation question is used.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.chunking import chunk
from bot.embedding import default_embedder, model_source
from bot.expansion import BANK
from bot.reader import read_policy

OTA = ROOT.parent / "shared" / "data" / "ota" / "policies"
HELDOUT = {p.stem for p in (ROOT / "benchmarks" / "heldout" / "questions").glob("*.jsonl")}
NUMBERING = re.compile(r"^\s*(?:[0-9]+(?:\.[0-9]+)*\.?|[IVXivx]+\.|[A-Za-z][.)])\s+")


def pairs() -> tuple[list[str], list[str], int]:
    """(heading, text under it) for each distinct heading of each policy, and the policy count."""
    heads, texts, used = [], [], 0
    for f in sorted(OTA.glob("*.md")):
        if f.stem in HELDOUT:
            continue
        try:
            passages = chunk(read_policy(f))
        except Exception:  # a policy the reader refuses is simply not used
            continue
        used += 1
        seen: set[str] = set()
        for p in passages:
            heading = NUMBERING.sub("", p.context.rsplit(" › ", 1)[-1]).strip() if p.context else ""
            if len(heading.split()) < 2 or len(heading) > 150 or heading.lower() in seen:
                continue
            seen.add(heading.lower())
            heads.append(heading)
            texts.append(" ".join(s.text for s in p.sentences[:3]))
    return heads, texts, used


def to_int8(x: np.ndarray) -> np.ndarray:
    return np.round(x * 127).astype(np.int8)


def main() -> None:
    started = time.time()
    heads, texts, used = pairs()
    embedder = default_embedder()
    keys, protos = embedder.encode(heads), embedder.encode(texts)
    groups: dict[str, list[int]] = {}
    for i, h in enumerate(heads):
        groups.setdefault(h.lower().strip(" ?:."), []).append(i)
    key = np.stack([keys[g[0]] for g in groups.values()])
    proto = np.stack([protos[g].mean(axis=0) for g in groups.values()])
    proto /= np.linalg.norm(proto, axis=1, keepdims=True)
    about = {"model": embedder.name, "source": model_source(), "dims": embedder.dims, "entries": len(groups),
             "pairs": len(heads), "policies": used, "from": "Open Terms Archive policies (../shared/data/ota)",
             "excluded": sorted(HELDOUT), "command": "python benchmarks/prototypes.py"}
    np.savez_compressed(BANK, keys=to_int8(key), prototypes=to_int8(proto), about=np.array(json.dumps(about)))
    print(f"{len(groups)} headings from {used} policies ({len(heads)} pairs) -> {BANK} "
          f"({BANK.stat().st_size / 1e6:.1f} MB) in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
