"""The ``policybot`` / ``python -m bot`` command line: index, ask, chat, serve, report, diff.

Errors from the engine become one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NoReturn, TextIO

from bot import (
    DEFAULT_K,
    MAX_K,
    TOPIC_NAMES,
    Answer,
    Bot,
    Diff,
    FeedbackStore,
    InvalidOptionError,
    Overview,
    PolicybotError,
    Settings,
    __version__,
    diff_files,
    gather_insights,
    report_text,
    report_window,
    write_insights_csv,
)
from bot.cli_changes import add_changes
from bot.cli_compare import add_compare
from bot.edge import EXIT_USAGE, run


def _bot(args: argparse.Namespace, progress: bool = True) -> Bot:
    return Bot(args.policies, args.index, progress=progress)


def _bold(text: str, out: TextIO) -> str:
    return f"\033[1m{text}\033[0m" if out.isatty() else text


def render(answer: Answer, out: TextIO) -> str:
    """A readable answer: the direct answer, then numbered sources with the key sentence marked."""
    lines = [f"Q: {answer.question}", f"A: {answer.text}", ""]
    if answer.kind == "not_found" and answer.citations:
        lines[-1:] = ["   (It may still be covered in other words: the closest passages follow.)", ""]
    if answer.citations:
        lines.append("Sources:" if answer.answered else "Closest passages:")
    for c in answer.citations:
        text = c.text.replace(c.sentence, _bold(c.sentence, out), 1)
        lines.append(f"  [{c.rank}] {c.section}  ({c.policy}, characters {c.start}-{c.end}, {c.match} match, "
                     f"score {c.score:.2f})")
        lines.append(f"      {text}")
    if answer.suggestions:
        lines += ["", "You could also ask:", *(f"  - {q}" for q in answer.suggestions)]
    return "\n".join(lines)


def _questions(stream: Iterable[str]) -> Iterable[str]:
    for line in stream:
        if line.strip():
            yield line.rstrip("\n")


def _printable(text: str) -> str:
    """Text as it can be printed: bytes that were not UTF-8 (kept as surrogates) become U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _lenient_stdin() -> None:
    """A line of stdin that is not UTF-8 reaches the question check (and its one-line error)
    instead of stopping the run with a UnicodeDecodeError."""
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="surrogateescape")


def cmd_index(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    bot = _bot(args)
    if args.force and not bot.index.built:  # built just now (the policies changed): once is enough
        bot.rebuild()
    policies, passages = len(bot.policies), len(bot.index.passages)
    seconds = time.perf_counter() - started
    fresh = "built" if bot.index.built else "up to date"
    size = sum(f.stat().st_size for f in bot.index.folder.rglob("*") if f.is_file()) / 1e6
    print(f"{policies} {'policy' if policies == 1 else 'policies'}, {passages} passages, "
          f"{seconds:.1f} s, {size:.1f} MB ({fresh}: {bot.settings.index_dir})")
    if bot.problem:  # files that could not be indexed: the rest are, and this says which and why
        print(f"policybot: not indexed: {bot.problem}", file=sys.stderr)
        return 1
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    if args.question != "-":
        Bot.check_question(args.question)  # fail fast, before loading anything
    if args.k is not None:
        Bot.check_k(args.k)
    bot = _bot(args)
    if args.question != "-":
        a = bot.answer(args.question, k=args.k, policy=args.policy)
        print(json.dumps(a.to_dict(), ensure_ascii=False) if args.json else render(a, sys.stdout))
        return 0
    failed = False
    _lenient_stdin()
    for question in _questions(sys.stdin):
        try:
            a = bot.answer(question, k=args.k, policy=args.policy)
        except PolicybotError as exc:
            failed = True
            shown = _printable(question)
            print(json.dumps({"question": shown, "error": exc.message}, ensure_ascii=False) if args.json
                  else f"Q: {shown}\nerror: {exc.message}\n", flush=True)
            continue
        print(json.dumps(a.to_dict(), ensure_ascii=False) if args.json else render(a, sys.stdout) + "\n", flush=True)
    return EXIT_USAGE if failed else 0


def cmd_chat(args: argparse.Namespace) -> int:
    bot = _bot(args)
    bot.warm()
    names = ", ".join(p.title for p in bot.policies)
    print(f"policybot {__version__}: ask about {names}. An empty line or Ctrl-D quits.\n")
    _lenient_stdin()
    while True:
        try:
            question = input("You: ")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not question.strip() or question.strip().lower() in {"quit", "exit"}:
            return 0
        try:
            print(render(bot.answer(question, k=args.k, policy=args.policy), sys.stdout) + "\n")
        except PolicybotError as exc:
            print(f"Sorry: {exc.message}\n")


def cmd_serve(args: argparse.Namespace) -> int:
    from bot.web import main as serve

    return serve([*(["--host", args.host] if args.host else []), *(["--port", str(args.port)] if args.port else [])])


def cmd_report(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    store = FeedbackStore(args.data or settings.data_dir, settings.retention_days,
                          None if args.data else settings.database_url)
    if not store.exists():
        print(f"No questions recorded yet ({store.location} does not exist; the web server creates it).")
        return 0
    found = gather_insights(store, report_window(args.days, settings.retention_days),
                            None if args.no_gaps else _bot(args, progress=False))  # the gaps need the model
    print("\n".join(f"wrote {p}" for p in write_insights_csv(found, args.csv)) if args.csv else json.dumps(
        found.to_dict(), ensure_ascii=False) if args.json else report_text(store, args.days, args.limit, found))
    return 0


def _marked(segments: list[tuple[str, str]], out: TextIO) -> str:
    """Words marked ``[-removed-]`` and ``{+added+}``, or red and green on a terminal."""
    marks = {"-": ("\033[31m", "\033[0m"), "+": ("\033[32m", "\033[0m")} if out.isatty() else \
        {"-": ("[-", "-]"), "+": ("{+", "+}")}
    return "".join(text if op == "=" else f"{marks[op][0]}{text.rstrip()}{marks[op][1]}{text[len(text.rstrip()):]}"
                   for op, text in segments).strip()


def render_diff(diff: Diff, out: TextIO) -> str:
    """A readable diff: the counts, each change (kind, topics, section, offsets, words marked), the topics."""
    lines = [f"{len(diff.changes)} change{'' if len(diff.changes) == 1 else 's'}: "
             + ", ".join(f"{n} {kind}" for kind, n in diff.counts().items()) + f"  ({diff.old} -> {diff.new})"]
    for number, c in enumerate(diff.changes, 1):
        sides = [(name, side) for name, side in (("old", c.old), ("new", c.new)) if side]
        sections = " -> ".join(dict.fromkeys(side.section or "(no heading)" for _, side in sides))
        segments = list(c.diff) or [("-" if c.old else "+", sides[0][1].text)]
        lines += ["", f"{number}. {c.kind}  [{', '.join(c.topics) or 'no topic'}]",
                  f"   {sections}  ({', '.join(f'{name} {s.start}-{s.end}' for name, s in sides)})",
                  f"   {_marked(segments, out)}"]
    lines += ["", "By topic:"]
    lines += [f"  {key}: {t.old or '(added)'} -> {t.new or '(removed)'}" for key, t in diff.topics.items()
              if t.changed]
    lines.append("  unchanged: " + (", ".join(key for key, t in diff.topics.items() if not t.changed) or "none"))
    return "\n".join(lines)


def cmd_diff(args: argparse.Namespace) -> int:
    diff = diff_files(args.old, args.new)
    print(json.dumps(diff.to_dict(), ensure_ascii=False) if args.json else render_diff(diff, sys.stdout))
    return 0


def render_overview(o: Overview, title: str) -> str:
    """The policy at a glance in a terminal: its facts, then each topic's quote or "Not found"."""
    st = o.stats
    facts = f"{st.words:,} words, about {st.reading_minutes} min to read, reading grade {st.grade:g} (Flesch-Kincaid)"
    lines = [f"{title} ({o.policy})", (f"{o.updated.label}: {o.updated.date} · " if o.updated else "") + facts, ""]
    for topic, view in o.topics.items():
        said = f"“{view.quotes[0].sentence}”" if view.addressed else "Not found in this policy"
        lines.append(f"  {TOPIC_NAMES[topic] + ':':34s} {said}")
    return "\n".join(lines)


def cmd_overview(args: argparse.Namespace) -> int:
    bot = _bot(args)
    names = [p.name for p in bot.policies]
    if args.policy is None and len(names) > 1:
        raise InvalidOptionError(f"{len(names)} policies are indexed; choose one with --policy NAME "
                                 f"(known: {', '.join(names)})")
    info = bot.policy(args.policy or names[0])
    o = bot.overview(info.name)
    print(json.dumps(o.to_dict(), ensure_ascii=False) if args.json else render_overview(o, info.title))
    return 0


MAX_REPORT_DAYS = 36500  # a century: anything longer is "all time"


def _whole(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high`` (argparse exits 2 with the message)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is out of range; use {low} to {high}")
        return value

    return parse


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line like every other error (exit code 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"policybot: error: {message} (see {self.prog} --help)\n")


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="policybot", description="Answers questions about privacy policies, cited.")
    p.add_argument("--version", action="version", version=f"policybot {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--policies", type=Path, metavar="DIR", help="policy folder (default: policy_text/)")
    common.add_argument("--index", type=Path, metavar="DIR", help="index folder (default: index/)")
    asking = argparse.ArgumentParser(add_help=False)
    asking.add_argument("--k", type=int, default=None, metavar="N",
                        help=f"number of citations, 1-{MAX_K} (default {DEFAULT_K}; POLICYBOT_K)")
    asking.add_argument("--policy", metavar="NAME", help="answer from this policy only (default: all)")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("index", parents=[common], help="build or refresh the index")
    s.add_argument("--force", action="store_true", help="rebuild even if the index is up to date")
    s.set_defaults(run=cmd_index)

    s = sub.add_parser("ask", parents=[common, asking], help="answer one question ('-': one per line on stdin)")
    s.add_argument("question", help="the question, or - to read questions from stdin")
    s.add_argument("--json", action="store_true", help="print JSON (one object per line)")
    s.set_defaults(run=cmd_ask)

    s = sub.add_parser("chat", parents=[common, asking], help="ask questions at an interactive prompt")
    s.set_defaults(run=cmd_chat)

    s = sub.add_parser("serve", help="serve the chat page, API and widget (same as python app.py)")
    s.add_argument("--host", help="address to bind (default 127.0.0.1; POLICYBOT_HOST)")
    s.add_argument("--port", type=int, help="port (default 7860; POLICYBOT_PORT)")
    s.set_defaults(run=cmd_serve)

    s = sub.add_parser("report", parents=[common], help="what people asked: most asked, not answered, gaps")
    s.add_argument("--data", type=Path, metavar="DIR", help="data folder (default data/; POLICYBOT_DATA_DIR)")
    s.add_argument("--days", type=_whole(1, MAX_REPORT_DAYS), help="only the last N days")
    s.add_argument("--limit", type=_whole(1, 1000), default=10, help="rows per list (default 10)")
    s.add_argument("--json", action="store_true", help="print the insights as JSON")
    s.add_argument("--csv", type=Path, metavar="DIR", help="write days, topics, gaps, downvoted .csv files to DIR")
    s.add_argument("--no-gaps", action="store_true", help="skip the coverage gaps (they load the model)")
    s.set_defaults(run=cmd_report)

    s = sub.add_parser("overview", parents=[common], help="the policy at a glance, topic by topic")
    s.add_argument("--policy", metavar="NAME", help="which policy (needed when several are indexed)")
    s.add_argument("--json", action="store_true", help="print JSON")
    s.set_defaults(run=cmd_overview)

    s = sub.add_parser("diff", help="what changed in meaning between two versions of a policy")
    s.add_argument("old", type=Path, help="the older version (.md, .txt or .html)")
    s.add_argument("new", type=Path, help="the newer version")
    s.add_argument("--json", action="store_true", help="print JSON")
    s.set_defaults(run=cmd_diff)
    add_compare(sub, common)
    add_changes(sub, common, render_diff)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return run(lambda: args.run(args))
