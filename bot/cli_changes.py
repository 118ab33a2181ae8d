"""``python -m bot changes [--policy NAME] [--json]``: what changed in a policy's latest version.

The same comparison as ``GET /api/policies/{name}/changes`` and the policy page's "what changed",
for a shop owner at a terminal. It reads the versions the server keeps under the data folder and,
like the server at start-up, records the policy file's current text there first, so an edit made
while no server ran is compared too. Part of the command line (``bot.cli`` registers it), reaching
the engine through the front door only.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TextIO

from bot import Bot, Changes, Diff, InvalidOptionError, UnknownVersionError

RenderDiff = Callable[[Diff, TextIO], str]  # ``bot.cli.render_diff``: one readable diff for both commands


def day(stamp: str) -> str:
    """An ISO time as people write a date ("26 November 2026"), as on the policy page."""
    when = datetime.fromisoformat(stamp)
    return f"{when.day} {when:%B %Y}"


def render_changes(changes: Changes, render_diff: RenderDiff) -> str:
    """The two versions compared (dates, short sha256), then the diff as ``policybot diff`` prints it."""
    old, new = changes.old, changes.new
    head = [f"{changes.policy}: updated {day(new.since)} (version {new.sha256[:12]}), compared with the version "
            f"first seen {day(old.first_seen)} (version {old.sha256[:12]})"]
    short = replace(changes.diff, old=old.sha256[:12], new=new.sha256[:12])
    return "\n".join([*head, render_diff(short, sys.stdout)])


def _policy(bot: Bot, name: str | None) -> str:
    """The policy asked for, or the only one indexed; several without ``--policy`` is a usage error."""
    names = [p.name for p in bot.policies]
    if name is None and len(names) > 1:
        raise InvalidOptionError(f"{len(names)} policies are indexed; choose one with --policy NAME "
                                 f"(known: {', '.join(names)})")
    return bot.policy(name or names[0]).name


def cmd_changes(args: argparse.Namespace, render_diff: RenderDiff) -> int:
    bot = Bot(args.policies, args.index, progress=True)
    bot.keep_versions(args.data)  # None: the settings' data folder, the server's
    name = _policy(bot, args.policy)
    changes = bot.changes(name)
    if changes is None:
        raise UnknownVersionError(
            f"policy {name!r} has only one version kept, so nothing to compare it with; a version is kept each "
            f"time the server or this command sees the policy file change (data folder: "
            f"{args.data or bot.settings.data_dir})")
    print(json.dumps(changes.to_dict(), ensure_ascii=False) if args.json else render_changes(changes, render_diff))
    return 0


def add_changes(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, render_diff: RenderDiff) -> None:
    """Register ``changes`` on the command line's subcommands; ``render_diff`` is handed in, as
    ``bot.cli`` imports this module (importing it back would be a circle)."""
    s = sub.add_parser("changes", parents=[common], help="what changed in a policy's latest version")
    s.add_argument("--policy", metavar="NAME", help="which policy (needed when several are indexed)")
    s.add_argument("--data", type=Path, metavar="DIR",
                   help="where versions are kept (default: the server's, POLICYBOT_DATA_DIR)")
    s.add_argument("--json", action="store_true", help="print JSON (as GET /api/policies/NAME/changes?from=&to=)")
    s.set_defaults(run=partial(cmd_changes, render_diff=render_diff))
