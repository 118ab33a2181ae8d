"""Lay questions (``../shared/data/layqa``) through the real engine, scored as its ``score.py`` does.

    python benchmarks/layqa.py            # per policy and overall: answer@1, hit@3, abstain, false abstain
    python benchmarks/layqa.py -v         # and every miss
    python benchmarks/layqa.py --heldout  # the second lay set (benchmarks/heldout, policies from ../shared/data/ota)
    python benchmarks/layqa.py --together # all of a set's policies in one index, no policy named

One index per policy (cached under ``.cache/bench``), ``k=3``. With ``--together``, one index holds
all of the set's policies and each question is asked without naming one (as a widget over several
policies asks); an answer then also counts only if it comes from the question's own policy.
A gold phrase matches a text when its normalised form (lowercase, every run of other characters
than a-z and 0-9 -> one space) is a substring of the normalised text. The same code scores any
folder laid out like layqa (``questions/<name>.jsonl`` beside ``policies/<name>.md``, or policies from another folder).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import Answer, Bot
from bot.embedding import default_embedder

DATA = ROOT.parent / "shared" / "data" / "layqa"
HELDOUT = ROOT / "benchmarks" / "heldout"  # questions only; its policies are in OTA's collection
HELDOUT_POLICIES = ROOT.parent / "shared" / "data" / "ota" / "policies"
CACHE = ROOT / ".cache" / "bench"
MEASURES = ("answer@1", "hit@3", "abstain", "false_abstain")


def norm(text: str | None) -> str:
    return re.sub(r"[^a-z0-9]+", " ", (text or "").lower()).strip()


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@dataclass(frozen=True)
class Outcome:
    """One question's result: what was asked, whether it was answerable, and how the bot did."""

    policy: str
    question: str
    answerable: bool
    answered: bool
    answer_ok: bool  # answered, and the direct answer holds a gold phrase
    hit3: bool  # answered, and a top-3 citation holds one
    answer: str


def judge(item: dict, policy: str, a: Answer) -> Outcome:
    if item.get("unanswerable"):
        return Outcome(policy, item["q"], False, a.answered, False, False, a.text)
    golds = [norm(g) for g in item["gold"]]
    blob = " | ".join(norm(c.text) + " " + norm(c.sentence) for c in a.citations[:3])
    return Outcome(policy, item["q"], True, a.answered, a.answered and any(g in norm(a.text) for g in golds),
                   a.answered and any(g in blob for g in golds), a.text)


def bots(data: Path = DATA, policies: Path | None = None) -> dict[str, Bot]:
    """One bot per policy of the set, indexes cached between runs."""
    out = {}
    folder = policies or data / "policies"
    for qf in sorted((data / "questions").glob("*.jsonl")):
        policy = CACHE / f"{data.name}-policies" / qf.stem
        policy.mkdir(parents=True, exist_ok=True)
        source = folder / f"{qf.stem}.md"
        target = policy / source.name
        if not target.exists() or target.read_bytes() != source.read_bytes():
            target.write_bytes(source.read_bytes())
        out[qf.stem] = Bot(policy, CACHE / f"{data.name}-index" / qf.stem, embedder=default_embedder())
    return out


def run(data: Path = DATA, k: int = 3, policies: Path | None = None) -> list[Outcome]:
    outcomes = []
    for name, bot in bots(data, policies).items():
        for item in load(data / "questions" / f"{name}.jsonl"):
            outcomes.append(judge(item, name, bot.answer(item["q"], k=k)))
    return outcomes


def together(data: Path = DATA, k: int = 3, policies: Path | None = None) -> list[Outcome]:
    """Every question asked of one index holding all the set's policies, no policy named; a direct
    answer from another policy than the question's is not right, even if it holds the gold words."""
    folder, names = policies or data / "policies", [qf.stem for qf in sorted((data / "questions").glob("*.jsonl"))]
    shared = CACHE / f"{data.name}-together"
    shared.mkdir(parents=True, exist_ok=True)
    for name in names:
        source, target = folder / f"{name}.md", shared / f"{name}.md"
        if not target.exists() or target.read_bytes() != source.read_bytes():
            target.write_bytes(source.read_bytes())
    bot = Bot(shared, CACHE / f"{data.name}-together-index", embedder=default_embedder())
    outcomes = []
    for name in names:
        for item in load(data / "questions" / f"{name}.jsonl"):
            a = bot.answer(item["q"], k=k)
            o = judge(item, name, a)
            own = bool(a.citations) and a.citations[0].policy == name
            outcomes.append(replace(o, answer_ok=o.answer_ok and own))
    return outcomes


def summarise(outcomes: list[Outcome]) -> dict[str, float]:
    yes = [o for o in outcomes if o.answerable]
    no = [o for o in outcomes if not o.answerable]
    return {
        "answer@1": sum(o.answer_ok for o in yes) / max(len(yes), 1),
        "hit@3": sum(o.hit3 for o in yes) / max(len(yes), 1),
        "abstain": sum(not o.answered for o in no) / max(len(no), 1),
        "false_abstain": sum(not o.answered for o in yes) / max(len(yes), 1),
        "answerable": len(yes),
        "unanswerable": len(no),
    }


def table(outcomes: list[Outcome]) -> dict[str, dict[str, float]]:
    """Per policy, then ``all``."""
    names = sorted({o.policy for o in outcomes})
    out = {n: summarise([o for o in outcomes if o.policy == n]) for n in names}
    out["all"] = summarise(outcomes)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="a folder laid out like layqa")
    parser.add_argument("--heldout", action="store_true", help="score the second lay set instead")
    parser.add_argument("--together", action="store_true", help="all policies in one index, no policy named")
    parser.add_argument("-v", action="store_true", help="list every miss")
    args = parser.parse_args()
    data, policies = (HELDOUT, HELDOUT_POLICIES) if args.heldout else (args.data, None)
    outcomes = (together if args.together else run)(data, policies=policies)
    if args.v:
        for o in outcomes:
            if o.answerable and not o.answer_ok:
                what = "wrong answer" if o.answered else "abstained"
                print(f"  [{o.policy}] {what}: {o.question} -> {o.answer[:90]}")
            elif not o.answerable and o.answered:
                print(f"  [{o.policy}] should abstain: {o.question} -> {o.answer[:90]}")
    for name, row in table(outcomes).items():
        print(f"{name}: " + " ".join(f"{m}={row[m]:.3f}" for m in MEASURES)
              + f" n={row['answerable']}+{row['unanswerable']}")


if __name__ == "__main__":
    main()
