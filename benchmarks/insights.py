"""How fast ``/insights`` renders over a large question log (issue 12: under 2 s at 100k questions).

A synthetic log is made from the PrivacyQA questions (``../shared/data/privacyqa/``), redacted as
the server would store them, spread over the last 30 days: each row answered, not found or small
talk, and some voted, at fixed rates with a fixed seed. It is written with the store's own schema
and triggers. Then the real server app (real model and index of ``policy_text/``) is asked, with
the admin token, for:

- ``/insights`` cold: the first request of the day, which clusters the coverage gaps (embedding
  every missed question) and asks the engine for each gap's nearest passage;
- ``/insights`` warm: every later request that day (clusters cached), the figure the issue bounds;
- ``/api/insights`` warm, and the SQL aggregation alone (no gaps).

    python benchmarks/insights.py [--rows 100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRIVACYQA = ROOT.parent / "shared" / "data" / "privacyqa"
TOKEN = "bench-token"
ANSWERED, NOT_FOUND = 0.62, 0.30  # the rest is small talk
VOTED, UP = 0.12, 0.7
SMALLTALK = ("hi", "hello", "thanks", "thank you", "help", "what can you do?")


def questions() -> list[str]:
    found = []
    for name in ("questions_train.jsonl", "questions_test.jsonl"):
        with (PRIVACYQA / name).open(encoding="utf-8") as f:
            found += [json.loads(line)["question"].strip() for line in f if line.strip()]
    return sorted({q for q in found if q})


def seed_log(data: Path, rows: int, seed: int = 12) -> None:
    """``rows`` answers over the last 30 days, written in one transaction through the store's schema."""
    from bot import FeedbackStore
    from bot.feedback import _normal, redact

    store = FeedbackStore(data)
    store.warm()  # creates the file, tables and triggers
    rng = random.Random(seed)
    pool = [(q := redact(text), _normal(q)) for text in questions()]
    now = datetime.now(UTC)
    answers, votes = [], []
    for _ in range(rows):
        roll = rng.random()
        kind = "answer" if roll < ANSWERED else "not_found" if roll < ANSWERED + NOT_FOUND else "smalltalk"
        question, key = (pool[rng.randrange(len(pool))] if kind != "smalltalk" else
                         (s := rng.choice(SMALLTALK), _normal(s)))
        at = (now - timedelta(seconds=rng.randrange(30 * 86400))).isoformat(timespec="seconds")
        answer_id = uuid.uuid4().hex
        answers.append((answer_id, at, "bench", "bellacor", question, int(kind == "answer"),
                        "Quoted sentence." if kind == "answer" else "I couldn't find this in the policy.",
                        "How information is used", 0.5, kind, key))
        if kind != "smalltalk" and rng.random() < VOTED:
            votes.append((answer_id, 1 if rng.random() < UP else -1, at))
    with sqlite3.connect(store.path) as db:
        db.executemany("INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", answers)
        db.executemany("INSERT INTO votes (answer_id, vote, voted_at) VALUES (?, ?, ?)", votes)


def timed(call: object, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        call()  # type: ignore[operator]
        out.append(time.perf_counter() - start)
    return out


def run(rows: int = 100_000, runs: int = 5) -> dict:
    """The timings, in seconds (the log is made in a temporary folder)."""
    os.environ["POLICYBOT_ADMIN_TOKEN"] = TOKEN
    from fastapi.testclient import TestClient

    from bot import Settings, Window, gather_insights
    from bot.web.api import create_app

    data = Path(tempfile.mkdtemp(prefix="policybot-insights-bench-"))
    start = time.perf_counter()
    seed_log(data, rows)
    seeded = time.perf_counter() - start
    settings = Settings.from_env().with_paths(ROOT / "policy_text", ROOT / "index")
    settings = replace(settings, data_dir=data)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with TestClient(create_app(settings, chat=False)) as client:
        rt = client.app.state.runtime
        while not rt.ready.wait(1):
            pass

        def page() -> None:
            r = client.get("/insights", headers=headers)
            assert r.status_code == 200, r.status_code

        [cold] = timed(page, 1)
        warm = timed(page, runs)
        api = timed(lambda: client.get("/api/insights", headers=headers).raise_for_status(), runs)
        sql = timed(lambda: gather_insights(rt.feedback.path, Window.parse()), runs)
        gaps = client.get("/api/insights", headers=headers).json()["gaps"]
    return {"rows": rows, "runs": runs, "distinct": len(questions()), "seeded": seeded, "cold": cold,
            "warm_p50": statistics.median(warm), "warm_max": max(warm), "api_p50": statistics.median(api),
            "sql_p50": statistics.median(sql), "gaps": len(gaps),
            "largest": f"{gaps[0]['size']} x {gaps[0]['label']!r}" if gaps else "none"}


def lines(r: dict) -> list[str]:
    return [
        "## Insights for the shop owner (issue 12)",
        "",
        f"`/insights` over a synthetic log of {r['rows']:,} stored questions ({r['distinct']} distinct PrivacyQA "
        f"wordings, redacted, 30 days; `python benchmarks/insights.py`), real model and index of `policy_text/`:",
        "",
        "| | seconds |",
        "|---|---|",
        f"| `/insights`, first request of the day (clusters the coverage gaps) | {r['cold']:.2f} |",
        f"| `/insights`, later requests (clusters cached), median of {r['runs']} (max {r['warm_max']:.3f}) | "
        f"{r['warm_p50']:.3f} |",
        f"| `/api/insights`, cached, median | {r['api_p50']:.3f} |",
        f"| SQL aggregation alone, median | {r['sql_p50']:.3f} |",
        "",
        f"Target: under 2 s at 100k questions: **{'met' if r['warm_max'] < 2 else 'not met'}** once the day's "
        f"clusters are made. {r['gaps']} gaps shown; the largest: {r['largest']}.",
        "",
    ]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()
    print("\n".join(lines(run(args.rows, args.runs))))


if __name__ == "__main__":
    main()
