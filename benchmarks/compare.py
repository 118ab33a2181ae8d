"""One question asked of every policy of a library (``Bot.compare``): speed, and that each row is the
answer its policy gives alone.

    python benchmarks/compare.py     # PolicyQA test's 20 policies, 100 real user questions (PrivacyQA)

Timed warm, each comparison interleaved with the two ways it replaces: one ``answer`` over all the
policies together (one row, not twenty) and one ``answer`` per policy (twenty rows, twenty encodes).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import Bot

LIBRARY = ROOT.parent / "shared" / "data" / "policyqa" / "policies" / "test"
CACHE = ROOT / ".cache" / "bench" / "policyqa-test"
PRIVACYQA = ROOT.parent / "shared" / "data" / "privacyqa" / "questions_test.jsonl"


def _ms(run: object) -> float:
    started = time.perf_counter()
    run()  # type: ignore[operator]
    return (time.perf_counter() - started) * 1000


def run(n: int = 100) -> dict:
    bot = Bot(LIBRARY, CACHE)
    bot.warm()
    names = [p.name for p in bot.policies]
    lines = PRIVACYQA.read_text(encoding="utf-8").splitlines()[:n]
    questions = [q for q in (json.loads(line)["question"] for line in lines) if bot.answer(q).kind != "smalltalk"]
    compared, together, each, same = [], [], [], 0
    for q in questions:
        compared.append(_ms(lambda q=q: bot.compare(q)))
        together.append(_ms(lambda q=q: bot.answer(q)))
        each.append(_ms(lambda q=q: [bot.answer(q, policy=name) for name in names]))
        rows = bot.compare(q).rows
        same += all((r.answered, r.answer) == ((a := bot.answer(q, policy=r.policy)).answered, a.text) for r in rows)
    return {"policies": len(names), "passages": sum(p.passages for p in bot.policies), "questions": len(questions),
            "compare_p50": statistics.median(compared), "compare_p95": sorted(compared)[int(0.95 * len(compared))],
            "together_p50": statistics.median(together), "each_p50": statistics.median(each), "same": same}


def lines(r: dict) -> list[str]:
    return [
        "## One question, many policies (issue 11: compare)",
        "",
        f"`Bot.compare` over PolicyQA test's {r['policies']} policies ({r['passages']} passages), "
        f"{r['questions']} real user questions (PrivacyQA), warm, each timing interleaved with the others "
        "(`python benchmarks/compare.py`):",
        "",
        "| | p50 ms |",
        "|---|---|",
        f"| `compare(q)`: a row per policy (p95 {r['compare_p95']:.1f} ms) | {r['compare_p50']:.1f} |",
        f"| `answer(q)` over all policies together: one answer | {r['together_p50']:.1f} |",
        f"| `answer(q, policy=p)` for each policy in turn | {r['each_p50']:.1f} |",
        "",
        f"Rows identical to the policy's own answer (answered or not, same sentence): {r['same']} of "
        f"{r['questions']} questions. The question is encoded once and every policy scored in one pass; "
        "the 280-policy library is not measured here yet (its index takes minutes to build).",
        "",
    ]


if __name__ == "__main__":
    print("\n".join(lines(run())))
