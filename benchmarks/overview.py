"""The overview against hand labels: ``../shared/data/layqa/topics`` (four policies, 14 topics each).

    python benchmarks/overview.py             # addressed accuracy, quote accuracy, seconds per overview
    python benchmarks/overview.py -v          # and every miss
    python benchmarks/overview.py --heldout   # the held-out labels (benchmarks/heldout/topics, OTA policies)

addressed: the topic is called addressed or not as the label says. quote: for topics both the
label and the overview call addressed, the first quote holds a gold phrase (the layqa matching
rule: lowercase, runs of other characters than a-z and 0-9 -> one space, substring).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import layqa

from bot import history

TOPICS = layqa.DATA / "topics"
HELDOUT_TOPICS = layqa.HELDOUT / "topics"  # three of the held-out question set's policies, labelled alike
history.read_overview = lambda index, info: None  # never read back from the index: the time is the making


def measure(heldout: bool = False) -> dict:
    """The scores over the dev labels (layqa) or, with ``heldout``, over the held-out ones."""
    topics = HELDOUT_TOPICS if heldout else TOPICS
    bots = layqa.bots(layqa.HELDOUT, layqa.HELDOUT_POLICIES) if heldout else layqa.bots()
    right = total = quoted = quotable = 0
    seconds, misses = [], []
    for name, bot in bots.items():
        if not (topics / f"{name}.json").exists():
            continue
        labels = json.loads((topics / f"{name}.json").read_text(encoding="utf-8"))["topics"]
        bot.warm()
        bot.history = history.History()  # forget the overview warm() made, and time making it
        started = time.perf_counter()
        overview = bot.overview(name)
        seconds.append(time.perf_counter() - started)
        for topic, label in labels.items():
            view = overview.topics[topic]
            total += 1
            right += view.addressed == label["addressed"]
            if view.addressed != label["addressed"]:
                misses.append(f"{name}/{topic}: addressed {view.addressed}, labelled {label['addressed']}")
            if view.addressed and label["addressed"]:
                quotable += 1
                gold = [layqa.norm(g) for g in label["gold"]]
                ok = any(g in layqa.norm(view.quotes[0].sentence) for g in gold)
                quoted += ok
                if not ok:
                    misses.append(f"{name}/{topic}: quoted {view.quotes[0].sentence[:80]!r}")
    return {"addressed_accuracy": round(right / total, 3), "topics": total,
            "quote_accuracy": round(quoted / max(quotable, 1), 3), "quotable": quotable,
            "seconds_median": round(statistics.median(seconds), 2), "misses": misses}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heldout", action="store_true", help="score the held-out labels instead")
    parser.add_argument("-v", action="store_true", help="list every miss (always listed, as before)")
    args = parser.parse_args()
    result = measure(args.heldout)
    for line in result.pop("misses"):
        print("  " + line)
    print(json.dumps(result))
