"""A reply in the chat page: the direct answer, where it comes from, and only the sources that
add something, as text (nothing from a question or a policy is read as Markdown or HTML).

The layout, for people rather than for the engine:
- the answer sentence quoted, then its section and a link to it in the policy;
- sources: the answer's own passage is not quoted again; other passages with their key sentence
  marked; each with its confidence in words ("strong match" or "partial match", see
  ``bot.results.STRONG_MATCH``), never a raw score;
- "not found": the reply, a "Contact ..." link from the policy's own contact sentence, and the
  closest passages.
The reply carries a one-line summary (a hidden ``.pb-say``) that the page reads out to screen
readers instead of the whole bubble.
"""

from __future__ import annotations

import re
from html import escape
from urllib.parse import urlsplit

from bot import Answer

from .pages import URL, linked, policy_url

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)


def contact_url(sentence: str | None) -> str | None:
    """The link in a policy's contact sentence: its first web address, else ``mailto:`` its e-mail."""
    found = URL.search(sentence or "") or _EMAIL.search(sentence or "")
    if found is None:
        return None
    return found.group(0) if found.group(0).lower().startswith("http") else f"mailto:{found.group(0)}"


def contact_label(url: str) -> str:
    """"Contact bellacor.com": the company named by its own address, which the policy gives."""
    host = url.split("@", 1)[1] if url.startswith("mailto:") else urlsplit(url).hostname or url
    return f"Contact {host.removeprefix('www.')}"


def md_text(text: str) -> str:
    """Text for a Markdown bubble that shows exactly as written: HTML and Markdown punctuation are
    escaped, so ``[x](url)``, ``![img](url)`` or ``**`` from a question stay text."""
    return _MARKDOWN.sub(r"\\\1", escape(text, quote=False)).replace(":", "\\:")


def _view(answer: Answer, n: int) -> str:
    c = answer.citations[n]
    version = answer.policy_version if c.policy == answer.policy else None
    return f'<a href="{escape(policy_url(c.policy, c, version))}" target="_blank" rel="noopener">View in policy</a>'


def _sources(answer: Answer, opened: bool) -> str:
    """The passages beyond the answer's own (which is quoted above them), key sentence marked."""
    items = []
    for n, c in enumerate(answer.citations[1:] if answer.answered else answer.citations):
        n += int(answer.answered)
        before, _, after = c.text.partition(c.sentence)
        items.append(f"<li><strong>{escape(c.section)}</strong> · {c.match} match · {_view(answer, n)}<br>"
                     f"{linked(before)}<mark>{linked(c.sentence)}</mark>{linked(after)}</li>")
    if not items:
        return ""
    title = f"More passages ({len(items)})" if answer.answered else f"Closest passages ({len(items)})"
    return (f'<details class="pb-sources"{" open" if opened else ""}><summary>{title}</summary>'
            f'<ol>{"".join(items)}</ol></details>')


def announcement(answer: Answer) -> str:
    """What a screen reader hears for a reply: the answer, then how many sources back it."""
    n = len(answer.citations)
    if answer.kind == "smalltalk" or not n:
        return answer.text
    noun = "source" if answer.answered else "closest passage"
    return f"{answer.text} {n} {noun}{'' if n == 1 else 's'}."


def reply_html(answer: Answer, contact: str | None, opened: bool) -> str:
    """The whole reply bubble (``opened``: show the sources unfolded, as for the first answer)."""
    parts = []
    if answer.kind == "smalltalk":
        parts.append(f"<p>{escape(answer.text)}</p>")
    elif answer.answered:
        top = answer.citations[0]
        parts.append(f'<blockquote class="pb-answer"><p>{linked(answer.text)}</p></blockquote>'
                     f'<p class="pb-from">From <em>{escape(top.section)}</em> in the policy · {top.match} match · '
                     f"{_view(answer, 0)}</p>")
    else:
        parts.append(f'<p class="pb-answer"><strong>{escape(answer.text)}</strong></p>')
        url = contact_url(contact)
        if url:
            parts.append(f'<p class="pb-contact"><a href="{escape(url)}" target="_blank" rel="noopener">'
                         f"{escape(contact_label(url))}</a> to ask the company directly.</p>")
        elif contact:
            parts.append(f'<p class="pb-contact">To ask the company directly: {escape(contact)}</p>')
    if answer.citations:
        parts.append(_sources(answer, opened))
    return (f'<div class="pb-reply"><span class="pb-say">{escape(announcement(answer))}</span>'
            f'{"".join(parts)}</div>')
