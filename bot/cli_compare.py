"""``python -m bot compare QUESTION``: one question asked of every indexed policy (or some), a row each.

A terminal table by default; ``--json`` for programs and ``--csv`` for a spreadsheet. Part of the
command line (``bot.cli`` registers it), reaching the engine through the front door only.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys

from bot import TOPIC_NAMES, Bot, Comparison

CSV_FIELDS = ("policy", "answered", "answer", "section", "score", "start", "end", "addressed")


def render_comparison(c: Comparison) -> str:
    """Policies that answer first, each with its quoted answer; then the ones that do not say."""
    topic = f" · topic: {TOPIC_NAMES[c.topic]}" if c.topic else ""
    answered = [r for r in c.rows if r.answered]
    lines = [f"Q: {c.question}", f"{len(answered)} of {len(c.rows)} policies answer{topic} ({c.latency_ms:.0f} ms)", ""]
    for r in answered:
        cite = r.citation
        assert cite is not None  # an answered row always has its source
        glance = "" if r.addressed is None else f" · at a glance: {'addressed' if r.addressed else 'not found'}"
        lines.append(f"  {r.policy} · {cite.section} · {cite.match} match, score {cite.score:.2f}{glance}")
        lines.append(f"      “{r.answer}”")
    missing = [r for r in c.rows if not r.answered]
    if missing:
        lines += ["", "Not found (closest section in brackets):"]
        lines += [f"  {r.policy}" + (f" [{r.citation.section}]" if r.citation else "") for r in missing]
    return "\n".join(lines)


def comparison_csv(c: Comparison) -> str:
    """One CSV row a policy, in the comparison's order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for r in c.rows:
        cite = r.citation
        writer.writerow([r.policy, r.answered, r.answer, cite.section if cite else "", cite.score if cite else "",
                         cite.start if cite else "", cite.end if cite else "",
                         "" if r.addressed is None else r.addressed])
    return out.getvalue()


def cmd_compare(args: argparse.Namespace) -> int:
    c = Bot(args.policies, args.index, progress=True).compare(args.question, args.policy)
    if args.json:
        print(json.dumps(c.to_dict(), ensure_ascii=False))
    elif args.csv:
        sys.stdout.write(comparison_csv(c))
    else:
        print(render_comparison(c))
    return 0


def add_compare(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """The ``compare`` subcommand."""
    s = sub.add_parser("compare", parents=[common], help="ask one question of every policy, a row each")
    s.add_argument("question", help="the question")
    s.add_argument("--policy", metavar="NAME", action="append",
                   help="compare only these policies (repeat the option; default: all)")
    out = s.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print JSON")
    out.add_argument("--csv", action="store_true", help="print CSV (one row a policy)")
    s.set_defaults(run=cmd_compare)
