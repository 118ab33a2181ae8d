"""Which words of the privacy vocabulary are people's words rather than policies' words.

    python benchmarks/lay_words.py   # prints the LAY set for bot/vocabulary.py

A vocabulary phrase that fewer than SHARE of the 280 real policies in ../shared/data/ota use
("cops", "kids", "hackers", "wipe") is how people ask, not how policies write: when a question
uses one and its policy does not, ``bot.query`` also shows the embedding the group's policy
term ("law enforcement"). Words most policies use ("give", "phone", "stop") are left alone: a
policy without them simply may not say what was asked, which the bot must be free to find.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.lexical import tokenize
from bot.vocabulary import TOPICS

OTA = ROOT.parent / "shared" / "data" / "ota" / "policies"
SHARE = 0.10
# Rare in policies, but people mean something else by it: to a person a fingerprint is a finger's
# (biometrics), to a policy it is a device's (tracking), so it is never read as "cookie".
AMBIGUOUS = frozenset({"fingerprint"})


def lay_phrases(folder: Path = OTA, share: float = SHARE) -> list[str]:
    docs = [set(tokenize(p.read_text(encoding="utf-8", errors="replace"))) for p in sorted(folder.glob("*.md"))]
    phrases = sorted({p for groups in TOPICS.values() for group in groups for p in group})
    used = {p: sum(all(w in d for w in tokenize(p)) for d in docs) / len(docs) for p in phrases}
    return [p for p in phrases if tokenize(p) and used[p] < share and p not in AMBIGUOUS]


if __name__ == "__main__":
    print(f"{len(list(OTA.glob('*.md')))} policies; phrases fewer than {SHARE:.0%} of them use:")
    print(lay_phrases())
