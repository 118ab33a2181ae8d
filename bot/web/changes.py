"""The policy page's "Updated <date>: what changed" section: the changes of meaning since the
version before, each labelled in words (changed, added, removed) with the differing words struck
through or underlined, not told by colour alone. No script: the page's CSP allows none.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from urllib.parse import quote

from bot import TOPIC_NAMES, Bot, Changes, PolicybotError, word_diff

from .pages import linked

SHOWN = 40  # changes listed on the page; the JSON has them all
STYLE = """
.pb-changes { font: 14px/1.6 system-ui, sans-serif; border: 1px solid #c7d2fe; border-radius: 6px;
  background: #f8faff; color: #1f2933; padding: .2em 1em .6em; margin: 0 0 1.5em; }
.pb-changes h2 { font-size: 1.1em; margin: .6em 0 .3em; }
.pb-changes ol { padding-left: 1.3em; }
.pb-changes li { margin: 0 0 .8em; }
.pb-changes p { margin: .2em 0; white-space: normal; }
.pb-kind { font-weight: 700; }
.pb-where { color: #4b5563; }
.pb-changes del { background: #fde8e8; color: #7f1d1d; text-decoration: line-through; }
.pb-changes ins { background: #dcfce7; color: #14532d; text-decoration: underline; }
.pb-sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (prefers-color-scheme: dark) {
  .pb-changes { background: #1f2937; border-color: #4b5563; color: #e5e7eb; }
  .pb-changes h2, .pb-changes p { color: #e5e7eb; }
  .pb-where { color: #d1d5db; }
  .pb-changes del { background: #4c1d1d; color: #fecaca; }
  .pb-changes ins { background: #14391f; color: #bbf7d0; }
  .pb-changes a { color: #93c5fd; }
}
"""


def day(stamp: str) -> str:
    """An ISO time as people write a date: "26 November 2026"."""
    when = datetime.fromisoformat(stamp)
    return f"{when.day} {when:%B %Y}"


def _marked(segments: tuple[tuple[str, str], ...], tag: str) -> str:
    """A statement's words (the "=" and "+" segments), those in "+" marked with ``tag``."""
    said = "removed: " if tag == "del" else "added: "
    parts = []
    for op, text in segments:
        if op == "=":
            parts.append(linked(text))
        elif op == "+":
            parts.append(f'<{tag}><span class="pb-sr">{said}</span>{linked(text)}</{tag}>')
    return "".join(parts)


def _item(change: dict) -> str:
    """One change as a list item: what kind, where, about what, and the words."""
    side = change["new"] or change["old"]
    where = f' <span class="pb-where">in “{escape(side["section"])}”</span>' if side["section"] else ""
    topics = ", ".join(escape(TOPIC_NAMES.get(t, t)) for t in change["topics"])
    about = f' <span class="pb-where">· {topics}</span>' if topics else ""
    kind = change["kind"]
    if kind == "changed":
        before = word_diff(change["new"]["text"], change["old"]["text"])  # "=" text as the old version has it
        after = tuple((op, text) for op, text in change["diff"])
        body = f"<p>Before: {_marked(before, 'del')}</p><p>Now: {_marked(after, 'ins')}</p>"
    elif kind == "added":
        body = f'<p><ins><span class="pb-sr">added: </span>{linked(change["new"]["text"])}</ins></p>'
    else:
        body = f'<p><del><span class="pb-sr">removed: </span>{linked(change["old"]["text"])}</del></p>'
    return f'<li class="pb-change"><span class="pb-kind">{kind.capitalize()}</span>{where}{about}{body}</li>'


def changes_html(changes: Changes) -> str:
    """The section for one comparison: a heading with the new version's date, counts, the changes."""
    data = changes.to_dict()
    counts, listed = data["counts"], data["changes"]
    heading = f"Updated {day(changes.new.since)}: what changed"
    json_url = (f"/api/policies/{quote(changes.policy, safe='')}/changes?from={changes.old.sha256[:12]}"
                f"&to={changes.new.sha256[:12]}")
    summary = ", ".join(f"{n} {kind}" for kind, n in counts.items()) if listed else \
        "nothing a reader would notice: the edit changed only wording layout or formatting"
    more = f"<p>And {len(listed) - SHOWN} more.</p>" if len(listed) > SHOWN else ""
    return (f'<section class="pb-changes" aria-labelledby="pb-changes-h"><h2 id="pb-changes-h">{heading}</h2>'
            f"<p>Since the version first seen {day(changes.old.first_seen)}: {summary}. "
            f'<a href="{escape(json_url)}">All of it as JSON</a></p>'
            f'{"<ol>" + "".join(_item(c) for c in listed[:SHOWN]) + "</ol>" if listed else ""}{more}</section>')


def what_changed(bot: Bot, name: str, version: str) -> str:
    """The section for the page of ``version``: what changed since the version before; "" when
    there is none before, or its text is no longer kept."""
    try:
        changes = bot.changes(name, new=version)
    except PolicybotError:
        return ""
    return changes_html(changes) if changes else ""
