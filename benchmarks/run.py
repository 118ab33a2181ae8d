"""``make bench``: quality on PolicyQA, speed and cold start; rewrites BENCHMARKS.md.

Figures are measured in one run on this machine and written with the command, machine and
date. Timings are medians over many repetitions, each engine timing interleaved with the bare
model timing it is compared to, so machine noise hits both alike.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import ann
import compare
import insights
import layqa
import library
import load
import policyqa
import workers

from bot import Bot
from bot.chunking import chunk
from bot.embedding import BUILD_BATCH, QUERY_BATCH, QUERY_WAIT
from bot.reader import policy_files, read_policy
from bot.retrieve import Weights

OUT = ROOT / "BENCHMARKS.md"
PRIVACYQA = ROOT.parent / "shared" / "data" / "privacyqa"
METRICS = ("hit@1", "hit@3", "hit@5", "mrr@10", "hit@3_le120w", "mean_words_top1")


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
               if line.startswith("MemTotal"))
    return f"{cpu}, {os.cpu_count()} cores, {mem / 2**20:.0f} GiB RAM, Python {platform.python_version()}"


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


# Each kind of evidence of the sentence score alone, then the others added one at a time.
ABLATION = (
    ("sentence cosine only", Weights(1, 0, 0, 0, 0)),
    ("+ headings", Weights(1, 0.2, 0, 0, 0)),
    ("+ BM25", Weights(1, 0.2, 0.1, 0, 0)),
    ("+ related words", Weights(1, 0.2, 0.1, 0.1, 0)),
    ("BM25 only", Weights(0, 0, 1, 0, 0)),
)
LAY_MEASURES = ("answer@1", "hit@3", "abstain", "false_abstain")
# The landed engine before issue 6 on the layqa set (from the issue, same scorer, k=3).
LAY_BEFORE = {"answer@1": 0.375, "hit@3": 0.664, "abstain": 0.469, "false_abstain": 0.156}


def lay() -> dict:
    """The layqa dev set per policy and overall, and the second lay set overall."""
    return {"layqa": layqa.table(layqa.run()),
            "heldout": layqa.table(layqa.run(layqa.HELDOUT, policies=layqa.HELDOUT_POLICIES)),
            "together": layqa.summarise(layqa.together()),
            "heldout_together": layqa.summarise(layqa.together(layqa.HELDOUT, policies=layqa.HELDOUT_POLICIES))}


def quality() -> dict:
    out: dict = {}
    for split in ("dev", "test"):
        bot = policyqa.bot_for(split)
        items = policyqa.queries(split)
        preds = policyqa.predict(bot, items)
        out[split] = {"engine": policyqa.score(split, preds), "abstention": policyqa.abstention(bot, split, preds)}
        for name, weights in ABLATION:
            out[split][name] = policyqa.score(split, policyqa.predict_with(bot, items, weights))
    runs = json.loads((policyqa.DATA / "results" / "baseline_scores.json").read_text())["runs"]
    out["bm25_baseline"] = next(r for r in runs if r["method"] == "bm25" and r["gold"] == "test.queries.jsonl"
                                and r["judged_by"] == "offsets")
    return out


def user_questions(n: int) -> list[str]:
    """Real user phrasing: PrivacyQA's questions (about other policies, which is fine for timing)."""
    lines = (PRIVACYQA / "questions_test.jsonl").read_text().splitlines()
    return [json.loads(line)["question"] for line in lines[:n]]


def speed(work: Path) -> dict:
    policies = work / "policies"
    policies.mkdir()
    shutil.copy(ROOT / "policy_text" / "bellacor.md", policies)
    bot = Bot(policies, work / "index")
    bot.warm()
    model = bot.embedder.model
    questions = user_questions(300)
    query = bot.embedder.query_encode  # what encodes questions in answer() (ONNX by default)
    for q in questions[:20]:  # warm all paths
        model.encode(q)
        query([q], 1)
        bot.answer(q)
    bare, onnx, full = [], [], []
    for q in questions:
        t0 = time.perf_counter()
        model.encode(q)
        t1 = time.perf_counter()
        query([q], 1)
        t2 = time.perf_counter()
        bot.answer(q)
        t3 = time.perf_counter()
        bare.append((t1 - t0) * 1000)
        onnx.append((t2 - t1) * 1000)
        full.append((t3 - t2) * 1000)
    return {"questions": len(questions), "bare_p50": statistics.median(bare), "bare_p95": pct(bare, 95),
            "query_p50": statistics.median(onnx), "query_p95": pct(onnx, 95), "backend": bot.embedder.query_backend,
            "answer_p50": statistics.median(full), "answer_p95": pct(full, 95),
            "ratio_p50": statistics.median(full) / statistics.median(bare)}


def build_speed(work: Path, rounds: int = 3) -> dict:
    """Whole index build of PolicyQA test's 20 policies beside a bare batch encode of its passages."""
    folder = policyqa.DATA / "policies" / "test"
    passages = [p.text for f in policy_files(folder) for p in chunk(read_policy(f))]
    bot = policyqa.bot_for("test")
    model = bot.embedder.model
    bare, ours = [], []
    for r in range(rounds):
        t0 = time.perf_counter()
        model.encode(passages, batch_size=BUILD_BATCH)  # the build's forward-pass size: the same conditions
        t1 = time.perf_counter()
        Bot(folder, work / f"build-{r}", embedder=bot.embedder)
        t2 = time.perf_counter()
        bare.append(len(passages) / (t1 - t0))
        ours.append(len(passages) / (t2 - t1))
    return {"passages": len(passages), "bare_per_s": statistics.median(bare), "build_per_s": statistics.median(ours),
            "ratio": statistics.median(ours) / statistics.median(bare)}


def cold_start(work: Path, rounds: int = 5) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ask = [sys.executable, "-m", "bot", "ask", "Do you sell my data?", "--policies", str(work / "policies"),
           "--index", str(work / "index")]
    floor = [sys.executable, "-c", "import sentence_transformers"]
    subprocess.run(ask, env=env, capture_output=True, check=True)  # index built, files cached
    times: dict[str, list[float]] = {"ask": [], "import": []}
    for _ in range(rounds):
        for name, cmd in (("ask", ask), ("import", floor)):
            t0 = time.perf_counter()
            subprocess.run(cmd, env=env, capture_output=True, check=True)
            times[name].append(time.perf_counter() - t0)
    rss_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"ask_s": statistics.median(times["ask"]), "import_s": statistics.median(times["import"]),
            "peak_rss_mib": rss_mib, "rounds": rounds}


def row(name: str, r: dict) -> str:
    cells = [f"{r[m]:.1f}" if m == "mean_words_top1" else f"{r[m]:.3f}" for m in METRICS]
    return f"| {name} | " + " | ".join(cells) + " |"


def lay_row(name: str, r: dict) -> str:
    counts = f" ({r['answerable']}+{r['unanswerable']})" if "answerable" in r else ""
    return f"| {name}{counts} | " + " | ".join(f"{r[m]:.3f}" for m in LAY_MEASURES) + " |"


def lay_lines(lq: dict) -> list[str]:
    header = "| set | answer@1 | hit@3 | abstain | false abstain |\n|---|---|---|---|---|"
    return [
        "## Quality: questions as people type them (layqa)",
        "",
        "`../shared/data/layqa`: 160 lay questions (32 unanswerable) on four modern policies, scored as its",
        "README says: one index per policy, `k=3`; answer@1 = answered and the direct answer holds a gold",
        "phrase; hit@3 = answered and a top-3 citation holds one; abstain = unanswerable questions refused;",
        "false abstain = answerable questions refused. `python benchmarks/layqa.py [-v]` prints the same.",
        "",
        header,
        *[lay_row(f"layqa, {name}", row) for name, row in lq["layqa"].items() if name != "all"],
        lay_row("**layqa, all** (tuned here)", lq["layqa"]["all"]),
        lay_row("layqa, all, before issue 6 (the landed engine)", LAY_BEFORE),
        lay_row("second lay set, all (`benchmarks/heldout`, other policies)", lq["heldout"]["all"]),
        "",
        "The second set (four other real policies, questions written without seeing layqa) was used as a",
        "check while choosing weights, so it guards against fitting layqa's wording but is not blind.",
        "",
        "Several policies in one index, no policy named (a widget over a shop's privacy policy, cookie notice",
        "and app policy asks this way): each set's policies in one index, every question asked of all of them,",
        "a direct answer right only if it comes from the question's own policy (`python benchmarks/layqa.py",
        "--together`). Before `bot/across.py` one pooled ranking answered (dev 0.383 / 0.672 / 0.344 / 0.109,",
        "second set 0.188 / 0.490 / 0.208 / 0.083 on the same measures).",
        "",
        header,
        lay_row("layqa, four policies together", lq["together"]),
        lay_row("second lay set, four policies together", lq["heldout_together"]),
        "",
    ]


# Measured once (2026-11-26) and not shipped; kept here so the next attempt starts from the figures.
ADAPTER_NOTE = [
    "Tried and left out (issue 6, optional): adapting the model. A LoRA (rank 16, on every query, key, value",
    "and dense layer of all-MiniLM-L6-v2) trained for one epoch (297 steps, 41 min here) on the headings of",
    "266 policies of `../shared/data/ota` paired with the text under them, negatives from the same policy,",
    "the second lay set's four policies left out; merged into the weights at load, the confidence model",
    "refitted the same way. Against the plain model: PolicyQA test hit@3 0.459 -> 0.498 (dev 0.489 -> 0.524);",
    "layqa dev answer@1 0.500 -> 0.578, hit@3 0.797 -> 0.812, abstain 0.500 -> 0.719, false abstain",
    "0.102 -> 0.117 (cross-validated AUC 0.81 -> 0.90); but the second lay set, the check on unseen",
    "policies, did not move (answer@1 0.417 -> 0.417, hit@3 0.729 -> 0.740, abstain 0.708 -> 0.667, false",
    "abstain 0.156 -> 0.167), and on the default policy it answered \"What is your return policy?\" with a",
    "cookie sentence and \"Do you sell gift cards?\" with \"Information about Bellacor customers is not",
    "sold.\" The issue's rule (it counts only if the unseen check rises too) leaves it out for now.",
    "",
    "Also tried for abstention (2026-11-27, layqa dev and the second set, confidence model cross-validated by",
    "policy): scoring the top passage against the policy's own typical top score (the median over 120",
    "PrivacyQA questions) lowered the AUC (dev 0.840 -> 0.820, second set 0.816 -> 0.802); the rarest",
    "question word missing from the top passage or from the whole policy (IDF over the 280 OTA policies)",
    "raised dev (0.853-0.867) but not the second set (0.794-0.814), and the top-two score margin neither.",
    "For answer@1, when the gold passage is second or third, none of the retrieval signals (score, passage",
    "cosine, key-sentence cosine, headings, coverage, BM25) favours it over the first more often than not.",
    "A one-word \"No.\" for yes/no questions from a negation before a question word in the key sentence",
    "was right for 4 of the 9 layqa dev questions it fired on, far below the 95% bar, so none is shown.",
    "",
    "Kept (2026-11-27): sentences are also scored against the question's focus, its words less those most",
    "of the index's passages hold (`bot/query.py`, `bot/retrieve.py`). Ranking alone, before the confidence",
    "model decides, puts a gold sentence first for 0.633 of the answerable layqa dev questions (0.602",
    "without the focus) and 0.500 on the second set (0.490); hit@3 0.938 (0.930) and 0.854 (0.854). What",
    "answer@1 loses beyond that is refusals. Weight 0.2 and the common-word cut (IDF 1.5) were chosen on",
    "dev with a first version that let one word be the focus (cuts of 1.0-2.0 scored within a question",
    "of each other on both sets; weight 0.3 gained on dev, not on the second set). A one-word focus",
    "(\"cookies\") favoured the sentence defining the word (\"A cookie is a data element...\") over the one",
    "that answers, so a focus has two words or more. Scoring a question without a focus against its own",
    "vector instead lowered hit@3 on PolicyQA dev (0.503 -> 0.491) and, ranking alone, on layqa dev",
    "(0.938 -> 0.906), so such a question gets no focus term. The confidence model also weighs the key",
    "sentence's cosine to the focus: fitted on layqa dev alone, its AUC on the second set rose 0.818 -> 0.843.",
    "Also tried for abstention and left out: how closely the",
    "question matches the headings of 276 other policies (`bot/prototypes.npz`: the best heading or",
    "prototype cosine, or the top score's margin over it), a sign of questions policies usually answer:",
    "cross-validated AUC on dev 0.844 -> 0.80-0.81, on the second set 0.831 -> 0.83-0.87.",
    "Tried for ranking and left out (2026-11-27): a hubness penalty (CSLS: a sentence's score less 0.1-0.2 x its",
    "mean cosine to its 10 nearest of PrivacyQA's 1,750 user questions, since a few sentences such as \"You are",
    "responsible for taking every reasonable precaution...\" came first for many unrelated questions). Ranking",
    "alone, gold sentence first: dev 0.633 -> 0.641 / 0.633, second set 0.510 -> 0.500 / 0.469.",
    "Tried for abstention and left out (2026-11-27): late interaction, \"support\". BERT's token vectors of the",
    "question's content words against those of the top 10 passages' key sentences (ColBERT's MaxSim, with the same",
    "MiniLM untrained for it; the question's tokens from the same ONNX pass as its vector): the least-matched word's",
    "best cosine. It separated better than any signal before on the second set: refitted with the others, AUC",
    "0.833 -> 0.887 (layqa dev cross-validated 0.844 -> 0.860). But a token matches on its surface: \"What is",
    "your return policy?\" found \"returned\" in \"a previous visitor has returned\" (0.80), and the refitted model",
    "answered it and \"How long do you keep my data?\" on the default policy. Used only as a penalty below 0.4 on the",
    "unchanged model, the second set's AUC was 0.859, and at the threshold the 10% rule picks nothing moved (layqa",
    "dev 0.586 / 0.852 / 0.344 / 0.086, second set 0.490 / 0.823 / 0.542 / 0.062), for 50-client throughput",
    "203 -> 179 answers/s and /healthz p99 24 -> 44 ms. Nor do the signals at hand reach the issue's operating point:",
    "fitted on the second set itself (in-sample, optimistic) with twelve signals, refusing at most 10% of its",
    "answerable questions refused 0.67 of the unanswerable ones. Also without gain: a question word's nearest word of",
    "the policy by MiniLM cosine, the policy words most policies use that this one lacks, and leave-one-word-out",
    "changes in the key sentence's cosine (dev->second set AUC 0.83-0.85 with the others, against 0.843).",
]


def glance_and_diff() -> dict:
    """Issue 10: the overview against the layqa topic labels, and the diff's speed (its own script)."""
    import overview

    diff = subprocess.run([sys.executable, str(Path(__file__).with_name("diff_speed.py"))], capture_output=True,
                          text=True, check=False)
    return {"overview": overview.measure(), "overview_heldout": overview.measure(heldout=True),
            "diff": diff.stdout.strip()}


def glance_lines(g: dict) -> list[str]:
    o, h = g["overview"], g["overview_heldout"]
    return [
        "## A policy at a glance, and what changed (issue 10)",
        "",
        f"`bot.overview` against the hand labels of `../shared/data/layqa/topics` ({o['topics']} topic calls on four",
        f"policies): addressed or not right for **{o['addressed_accuracy']:.3f}** (target 0.90); the first quote",
        f"holds a gold phrase for **{o['quote_accuracy']:.3f}** of the {o['quotable']} topics both call addressed",
        "(target 0.80). `python benchmarks/overview.py` lists every miss.",
        "",
        f"On labels made the same way for {h['topics'] // 14} OTA policies of the second lay set "
        f"(`benchmarks/heldout/topics`, {h['topics']} calls; `python benchmarks/overview.py --heldout`): addressed "
        f"**{h['addressed_accuracy']:.3f}**, first quote **{h['quote_accuracy']:.3f}** of {h['quotable']}. The labels "
        "were written before the overview was run on those policies; three topic wordings were then chosen on "
        "both sets, so this is a check, not a blind test.",
        "",
        "`policybot diff` on two versions of about 5,000 words (`python benchmarks/diff_speed.py`, target under 2 s):",
        "",
        "```",
        g["diff"],
        "```",
        "",
    ]


def load_lines(ld: dict) -> list[str]:
    """Issue 8: answers/s and latency of the real server under N concurrent clients."""
    return [
        "## Throughput under load (issue 8)",
        "",
        f"`python benchmarks/load.py` ({ld['seconds_per_level']:.0f} s a level): the real server (`app.py`) on "
        "127.0.0.1 with a copy of the default policy and no rate limit; N clients post PrivacyQA's user",
        "questions to `POST /api/answer` back to back, one keep-alive connection each, while one more polls",
        "`GET /healthz` every 100 ms. Errors: any status but 200, or no answer within 30 s. The clients share",
        "the machine's two cores with the server; the CPU columns say how many cores the server, the clients",
        "and everything else kept busy (1.00 = one core all the time).",
        "",
        *load.table(ld),
        "",
        "Before batching (bea94b9, one model call per question), runs alternating the two servers in one window\n"
        "(16:01-16:14 UTC on 2026-11-26, other work sharing the cores) measured 22.7 answers/s at 50 clients",
        "against 82.5 with it (3.6x; 27.8 -> 67.3 at 10 clients, 27.2 -> 80.2 at 100). Questions that arrive",
        f"together are embedded together (`bot/batching.py`): one worker thread makes one model call for up to "
        f"{QUERY_BATCH} questions waiting for it, and waits up to {QUERY_WAIT * 1000:.0f} ms for more only when",
        "the last call held more than one, so a question asked alone never waits.",
        "",
        *load_targets(ld),
        "",
    ]


def load_targets(ld: dict) -> list[str]:
    """This run against issue 8's targets (100 answers/s = 2.5x the issue's 40/s)."""
    at = {r["clients"]: r for r in ld["levels"]}
    if 50 not in at:
        return []
    checks = [("answers/s at 50 clients", at[50]["answers_per_s"], ">= 100", at[50]["answers_per_s"] >= 100),
              ("p99 at 50 clients (ms)", at[50]["p99_ms"], "<= 500", at[50]["p99_ms"] <= 500),
              ("errors, all levels", sum(r["errors"] for r in ld["levels"]), "0",
               all(r["errors"] == 0 for r in ld["levels"])),
              ("/healthz p99, worst level (ms)", max(r["healthz_p99_ms"] for r in ld["levels"]), "<= 50",
               all(r["healthz_p99_ms"] <= 50 for r in ld["levels"]))]
    return ["| target | this run | goal | met |", "|---|---|---|---|",
            *[f"| {name} | {value:.1f} | {goal} | {'yes' if ok else 'no'} |" for name, value, goal, ok in checks],
            "", "Questions are encoded in a child process (`bot/encoder_process.py`), so the model and the server's",
            "Python each have a core (the server CPU column counts both). The tail came from Python's garbage",
            "collector: the server holds some 600,000 long-lived objects (Gradio, FastAPI, pydantic, the index),",
            "and each full collection walked them all in 0.3 s with every thread stopped, answers and /healthz",
            "alike. The server now freezes them once loaded (`gc.freeze()` after warm-up and after each new index,",
            "`bot/web/runtime.py`). Measured 2026-11-27 (`python benchmarks/load.py --seconds 20 --levels",
            "10,50,100`): p99 at 50 clients 527-543 ms -> 344-357, /healthz p99 85-93 ms -> 23-24 at 50 clients",
            "and 302 -> 34-40 at 100, answers/s 198 -> 208. Tried before that and left out: fewer threads for",
            "the answers (anyio's limiter, 40 by default) cut /healthz's p99 but also answers/s, as fewer",
            "questions are batched together (at 50 clients: 8 threads 158/s, 4 threads 140/s, 2 threads 120/s);",
            "a faster HTTP parser and event loop (httptools, uvloop) and `sys.setswitchinterval(0.001)`",
            "changed neither figure beyond the noise."]


def write(q: dict, lq: dict, s: dict, b: dict, c: dict, seconds: float, g: dict, ld: dict, cmp: dict,
          ins: dict, vec: dict, lib: dict, wk: dict) -> None:
    header = "| system | " + " | ".join(METRICS) + " |\n|---|" + "---|" * len(METRICS)
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` (`python benchmarks/run.py`, {seconds / 60:.0f} min) on "
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC.",  # noqa: UP017
        f"Machine: {machine()}.",
        "",
        *lay_lines(lq),
        "## Quality: PolicyQA retrieval (test reported, dev used for tuning)",
        "",
        "Each question is asked of its own policy with `k=10`; the benchmark's `score.py` judges the",
        "engine's passages by their offsets. `hit@3_le120w` counts a top-3 hit only if the passage has",
        "120 words or fewer (every policybot passage does).",
        "",
        header,
        row("**policybot, test** (2,643 queries)", q["test"]["engine"]),
        row("BM25 over paragraphs (the benchmark's baseline, test)", q["bm25_baseline"]),
        row("policybot, dev (2,420 queries; tuned here)", q["dev"]["engine"]),
        "",
        "Each kind of evidence in the sentence score (`bot/retrieve.py`), alone and added one at a time",
        "(word coverage, the last, makes the full engine above):",
        "",
        header,
        *[row(f"{name}, {split}", q[split][name]) for split in ("test", "dev") for name, _ in ABLATION],
        "",
        "Reference figures from the issue: BM25 paragraphs Hit@3 0.350 (0.230 at <= 120 words); "
        "MiniLM dense over 80-word windows Hit@3 0.387.",
        "",
        "Earlier choices (issue 2, on PolicyQA dev): passages of about 115 words scored 0.501 Hit@3 against "
        "0.476 for 80 words; a passage vector averaged from its sentences ranked as well as embedding the "
        "passage whole (0.461 against 0.443, dense alone). Issue 6 replaced rank fusion of three rankings by "
        "one score per sentence: on the lay questions it placed the gold sentence first far more often, "
        "and PolicyQA stays above its 0.45 floor (table above).",
        "",
        *ADAPTER_NOTE,
        "",
        "## Abstention (\"the policy does not say\")",
        "",
        "Answerable PolicyQA queries mixed with the approximate unanswerable ones (`abstain.<split>.jsonl`).",
        "The confidence model and threshold come from PolicyQA dev and layqa dev (`benchmarks/calibrate.py`,",
        "see `bot/calibration.json`): the threshold is the highest that refuses at most 10% of answerable",
        "lay questions in cross-validation grouped by policy.",
        "",
        "| split | answered, answerable | abstained, unanswerable | false answers |",
        "|---|---|---|---|",
        *[f"| {split} | {a['answered_rate']:.3f} of {a['answerable']} | {a['abstained_rate']:.3f} of "
          f"{a['unanswerable']} | {a['false_answers']} |" for split, a in
          (("test", q["test"]["abstention"]), ("dev", q["dev"]["abstention"]))],
        "",
        "## Speed",
        "",
        f"Warm `Bot.answer()` on the default policy, {s['questions']} real user questions (PrivacyQA phrasing),",
        "each timed right after the bare `model.encode(question)` of the same question:",
        "",
        "| | p50 ms | p95 ms |",
        "|---|---|---|",
        f"| bare `model.encode(question)` (on torch) | {s['bare_p50']:.1f} | {s['bare_p95']:.1f} |",
        f"| the question encoder `answer()` uses ({s['backend']}, `bot/onnx_encoder.py`) | {s['query_p50']:.1f} | "
        f"{s['query_p95']:.1f} |",
        f"| `Bot.answer(question)` | {s['answer_p50']:.1f} | {s['answer_p95']:.1f} |",
        "",
        f"Ratio of medians: **{s['ratio_p50']:.2f}x** the bare encode (target <= 3x); the ONNX question encoder takes "
        f"{s['query_p50'] / s['bare_p50']:.2f}x the bare torch encode's time. The engine's part: spelling",
        "and shorthand, the vocabulary, scoring every sentence of the policy, BM25 twice, and word coverage.",
        "",
        f"Index build, {b['passages']} passages (PolicyQA test's 20 policies), from nothing, median of 3: "
        f"**{b['build_per_s']:.0f} passages/s** against a bare batch encode of the same passages at "
        f"{b['bare_per_s']:.0f} passages/s: **{b['ratio']:.2f}x**. The build embeds each sentence twice, alone",
        "and after its heading (the heading reading is what lets a question find the text under a heading),",
        "plus each heading once, and averages the plain sentence vectors into passage vectors.",
        "",
        f"Cold start of `python -m bot ask \"Do you sell my data?\"` (index built, median of {c['rounds']}): "
        f"**{c['ask_s']:.2f} s**. For scale: `python -c \"import sentence_transformers\"` "
        f"alone takes {c['import_s']:.2f} s in the same run; with the index built, `ask` imports neither torch nor "
        "sentence-transformers (the question goes through the ONNX export). "
        f"Peak memory of the process: {c['peak_rss_mib']:.0f} MiB.",
        "",
        *load_lines(ld),
        *glance_lines(g),
        *compare.lines(cmp),
        *insights.lines(ins),
        "",
        "## A library of policies (issue 11)",
        "",
        *library.lines(lib),
        *workers.lines(wk),
        "## Vector search at a million passages",
        "",
        *ann.lines(vec),
    ]
    OUT.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        s = speed(work)
        c = cold_start(work)
        b = build_speed(work)
    ld = load.run()  # before the quality runs, which leave the page cache and CPU as they like
    q = quality()
    lq = lay()
    g = glance_and_diff()
    cmp = compare.run()
    ins = insights.run()
    lib = library.run()
    wk = workers.run()
    vec = ann.run()
    write(q, lq, s, b, c, time.perf_counter() - started, g, ld, cmp, ins, vec, lib, wk)
    print(OUT.read_text())


if __name__ == "__main__":
    main()
