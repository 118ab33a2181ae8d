"""The insights page's HTML: a summary sentence, three charts each with its table as text
alternative, the coverage gaps and the downvoted answers, and a CSV link per table.

Rendered on the server from ``Insights``; the charts are drawn by ``static/insights.js`` with
plotly.js (served from here) from the same numbers, embedded as JSON. Everything shown is escaped.
"""

from __future__ import annotations

import json
from html import escape
from urllib.parse import urlencode

from bot import Insights

STYLE = """
:root{color-scheme:light dark;--fg:#1d1d1f;--bg:#fff;--muted:#5b5b66;--line:#d0d0d7;--accent:#2457d6}
@media (prefers-color-scheme:dark){:root{--fg:#ececf1;--bg:#16171b;--muted:#a8a8b3;--line:#3a3b42;--accent:#8fb0ff}}
body{font:16px/1.5 system-ui,sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:72rem;padding:1rem}
a{color:var(--accent)}table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border-bottom:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}.muted{color:var(--muted)}
.chart{min-height:320px}section{margin:2rem 0}form.range{display:flex;gap:1rem;align-items:end;flex-wrap:wrap}
label{display:flex;flex-direction:column}input,button{font:inherit;padding:.3rem .5rem}
ul.comments{margin:0;padding-left:1.1rem}ul.comments li+li{margin-top:.3rem}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
"""


def _page(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">'
            f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>{body}</body></html>")


def login_page(problem: str = "") -> str:
    """The token form: it POSTs, so the token never appears in a URL."""
    note = f'<p role="alert">{escape(problem)}</p>' if problem else ""
    return _page("Insights: sign in", (
        f'<main><h1>Insights</h1>{note}<form method="post" action="/insights/login">'
        '<label>Admin token<input type="password" name="token" autocomplete="current-password" required>'
        '</label> <button type="submit">Show insights</button></form></main>'))


def _pct(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.0%}"


def _cell(value: object) -> str:
    """A cell's escaped HTML; a tuple (a downvote's comments) as a list, one item each."""
    if isinstance(value, tuple):
        return f'<ul class="comments">{"".join(f"<li>{escape(str(v))}</li>" for v in value)}</ul>' if value else ""
    return escape(str(value))


def _table(caption: str, header: tuple[str, ...], rows: list[tuple[object, ...]], numeric: set[int]) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in header)
    body = "".join("<tr>" + "".join(
        f'<td class="n">{_cell(v)}</td>' if i in numeric else f"<td>{_cell(v)}</td>"
        for i, v in enumerate(row)) + "</tr>" for row in rows)
    empty = f'<tr><td colspan="{len(header)}" class="muted">None in this period.</td></tr>'
    return (f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body or empty}</tbody></table>")


def _csv_link(table: str, query: str, what: str) -> str:
    return f'<p><a href="/insights/{table}.csv?{query}" download>Download {escape(what)} (CSV)</a></p>'


def summary(found: Insights) -> str:
    """The period in one sentence: also the charts' shared text summary."""
    t = found.totals
    asked = t.answered + t.not_found
    busiest = max(found.days, key=lambda d: d.answered + d.not_found + d.smalltalk)
    top = [x.name for x in found.topics if x.questions][:3]
    return (f"From {found.window.start} to {found.window.end}: {asked} questions ({t.smalltalk} small talk besides), "
            f"{_pct(t.answer_rate)} answered; {t.up} thumbs up and {t.down} down ({_pct(t.up_rate)} up)."
            + (f" Busiest day {busiest.day}." if asked else "")
            + (f" Asked about most: {', '.join(top)}." if top else ""))


def _charts(found: Insights, query: str) -> str:
    days = [(d.day, d.answered, d.not_found, d.smalltalk, _pct(d.answer_rate), d.up, d.down, _pct(d.up_rate))
            for d in found.days]
    day_table = _table("Questions and votes per day", ("Day", "Answered", "Not found", "Small talk",
                       "Answer rate", "Thumbs up", "Thumbs down", "Thumbs-up rate"), days, {1, 2, 3, 4, 5, 6, 7})
    topic_table = _table("Questions per topic", ("Topic", "Questions"),
                         [(t.name, t.questions) for t in found.topics], {1})
    return (
        '<section aria-labelledby="h-days"><h2 id="h-days">Questions per day</h2>'
        '<div class="chart" id="chart-days" role="img" aria-label="Stacked bars: questions per day, answered, '
        'not found and small talk. The table below gives the numbers." aria-describedby="summary"></div>'
        '<h2 id="h-rates">Answer rate and thumbs-up rate</h2>'
        '<div class="chart" id="chart-rates" role="img" aria-label="Lines: share of questions answered and share '
        'of votes that were thumbs up, per day. The table below gives the numbers." aria-describedby="summary">'
        f"</div><details><summary>Table: per day</summary>{day_table}</details>"
        f"{_csv_link('days', query, 'per day')}</section>"
        '<section aria-labelledby="h-topics"><h2 id="h-topics">Topics customers ask about</h2>'
        '<div class="chart" id="chart-topics" role="img" aria-label="Bars: questions per topic. The table below '
        'gives the numbers."></div>'
        f"<details><summary>Table: per topic</summary>{topic_table}</details>{_csv_link('topics', query, 'topics')}"
        "</section>")


def _gaps(found: Insights, query: str) -> str:
    rows = []
    for g in found.gaps:
        near = (f"{g.passage.section}: “{g.passage.sentence}” ({g.passage.match} match, {g.passage.score:.2f})"
                if g.passage else "No passage comes close: the policy seems silent.")
        rows.append((g.label, g.size, "; ".join(g.examples), near))
    return ('<section aria-labelledby="h-gaps"><h2 id="h-gaps">Coverage gaps</h2><p class="muted">Questions the '
            "bot could not answer or that were voted down, grouped by need, largest first. The closest passage "
            "shows whether the policy is silent or the bot missed it.</p>"
            + _table("Coverage gaps", ("Need (most typical question)", "Times", "Also asked as", "Closest passage"),
                     rows, {1})
            + _csv_link("gaps", query, "coverage gaps") + "</section>")


def _downvoted(found: Insights, query: str) -> str:
    rows = [(d.question, d.answer, d.comments, d.section or "", d.votes) for d in found.downvoted]
    return ('<section aria-labelledby="h-down"><h2 id="h-down">Downvoted answers</h2>'
            '<p class="muted">With what the voters said was wrong, when they said it (newest first).</p>'
            + _table("Downvoted answers", ("Question", "Answer given", "What was wrong", "Section", "Thumbs down"),
                     rows, {4})
            + _csv_link("downvoted", query, "downvoted answers") + "</section>")


def _data(found: Insights) -> str:
    """The chart numbers as JSON inside a script tag (``<`` escaped, so no text can end the tag)."""
    data = {"days": [d.to_dict() for d in found.days],
            "topics": [{"name": t.name, "questions": t.questions} for t in found.topics]}
    return json.dumps(data).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render(found: Insights) -> str:
    query = escape(urlencode({"from": found.window.start.isoformat(), "to": found.window.end.isoformat()}))
    start, end = found.window.start.isoformat(), found.window.end.isoformat()
    header = (f'<header><h1>Insights</h1><form class="range" method="get" action="/insights">'
              f'<label>From<input type="date" name="from" value="{start}"></label>'
              f'<label>To<input type="date" name="to" value="{end}"></label><button type="submit">Show</button>'
              f'</form><p id="summary">{escape(summary(found))}</p></header>')
    return _page("Insights · policybot", (
        f"<main>{header}{_charts(found, query)}{_gaps(found, query)}{_downvoted(found, query)}</main>"
        f'<script type="application/json" id="insights-data">{_data(found)}</script>'
        '<script src="/insights/assets/plotly.min.js" defer></script>'
        '<script src="/insights/assets/insights.js" defer></script>'))
