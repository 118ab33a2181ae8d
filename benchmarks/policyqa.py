"""PolicyQA through the real engine: index the split's policies, ask every question, score.

    python benchmarks/policyqa.py --split dev          # tuning split
    python benchmarks/policyqa.py --split test         # the reported figures

Predictions use the engine's own passages and their offsets; the split's ``score.py`` judges
them. Abstention is measured on the split's answerable queries mixed with its approximate
unanswerable ones (``abstain.<split>.jsonl``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import Bot
from bot.retrieve import Hit, Weights, retrieve

DATA = ROOT.parent / "shared" / "data" / "policyqa"
CACHE = ROOT / ".cache" / "bench"


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def policy_name(policy: str) -> str:
    """'dev/ticketmaster.com' -> 'ticketmaster.com' (the file stem, the engine's policy name)."""
    return policy.split("/", 1)[1]


def bot_for(split: str) -> Bot:
    return Bot(DATA / "policies" / split, CACHE / f"policyqa-{split}")


def queries(split: str) -> list[dict]:
    return load(DATA / f"{split}.queries.jsonl")


def unanswerable(split: str) -> list[dict]:
    return load(DATA / f"abstain.{split}.jsonl")


def predict(bot: Bot, items: list[dict], k: int = 10) -> list[dict]:
    """One prediction line per query, in score.py's format."""
    out = []
    for q in items:
        a = bot.answer(q["question"], k=k, policy=policy_name(q["policy"]))
        out.append({
            "qid": q["qid"],
            "answered": a.answered,
            "passages": [{"text": c.text, "start": c.start, "end": c.end} for c in a.citations],
        })
    return out


def score(split: str, predictions: list[dict]) -> dict:
    """Run the split's own scorer on the predictions; returns its JSON figures."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for p in predictions:
            f.write(json.dumps({"qid": p["qid"], "passages": p["passages"]}) + "\n")
    result = subprocess.run(
        [sys.executable, str(DATA / "score.py"), "--gold", str(DATA / f"{split}.queries.jsonl"), "--pred", f.name,
         "--json"], capture_output=True, text=True, check=True,
    )
    Path(f.name).unlink()
    return json.loads(result.stdout)


def abstention(bot: Bot, split: str, answerable: list[dict]) -> dict:
    """How often the bot answers answerable queries and abstains on unanswerable ones."""
    answered_ok = sum(p["answered"] for p in answerable)
    items = unanswerable(split)
    abstained = sum(not bot.answer(u["question"], k=1, policy=policy_name(u["policy"])).answered for u in items)
    wrong_answers = len(items) - abstained
    return {
        "answerable": len(answerable),
        "answered_rate": round(answered_ok / len(answerable), 3),
        "unanswerable": len(items),
        "abstained_rate": round(abstained / len(items), 3),
        # Of all abstentions, the share that were right (the policy really does not say).
        "abstain_precision": round(abstained / max(1, abstained + len(answerable) - answered_ok), 3),
        "false_answers": wrong_answers,
    }


def predict_with(bot: Bot, items: list[dict], weights: Weights, k: int = 10) -> list[dict]:
    """Predictions with other evidence weights (one signal alone, for the ablation)."""
    out = []
    for q in items:
        names = [policy_name(q["policy"])]
        query, asked = bot._vectors(bot.check_question(q["question"]), bot.index)  # as the engine reads it
        hits = retrieve(bot.index, asked, query, names, k, weights=weights)
        passages = [bot.index.passages[h.passage] for h in hits]
        out.append({"qid": q["qid"], "answered": True,
                    "passages": [{"text": p.text, "start": p.start, "end": p.end} for p in passages]})
    return out


def gold_hits(bot: Bot, split: str, k: int = 10) -> list[tuple[list[Hit], list[bool], bool]]:
    """For calibration: each query's hits, whether each overlaps gold, and answerability."""
    rows = []
    for q in queries(split):
        hits = bot.hits(q["question"], k=k, policy=policy_name(q["policy"]))
        labels = [
            any(bot.index.passages[h.passage].start < e and s < bot.index.passages[h.passage].end
                for s, e in q["answer_spans"])
            for h in hits
        ]
        rows.append((hits, labels, True))
    for u in unanswerable(split):
        hits = bot.hits(u["question"], k=k, policy=policy_name(u["policy"]))
        rows.append((hits, [False] * len(hits), False))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["dev", "test"], default="dev")
    args = parser.parse_args()
    bot = bot_for(args.split)
    preds = predict(bot, queries(args.split))
    figures = score(args.split, preds)
    print(json.dumps({k: figures[k] for k in ("hit@1", "hit@3", "hit@5", "mrr@10", "hit@3_le120w",
                                              "mean_words_top1", "mean_words_top5", "questions")}))
    print(json.dumps(abstention(bot, args.split, preds)))


if __name__ == "__main__":
    main()
