"""The chat page's Compare view: one question asked of several policies (or all), a sortable table.

Shown when more than one policy is indexed. A searchable multi-select picks the policies (none
picked: all of them); each row gives the policy, its direct answer quoted or "Not found", the
section, the at-a-glance verdict on the question's topic, the confidence, and a link to the
passage marked in the policy page. The table sorts by any column (its header's menu) and is
downloadable as CSV.
Policy text is shown as plain text: only the link column, which this module writes, is Markdown.
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import gradio as gr

from bot import MAX_QUESTION_CHARS, TOPIC_NAMES, Comparison, PolicybotError

from .pages import policy_url
from .runtime import Runtime

HEADERS = ["Policy", "Answer", "Section", "At a glance", "Confidence", "Passage"]
DATATYPES = ["str", "str", "str", "str", "number", "markdown"]
WIDTHS = ["12%", "40%", "19%", "11%", "10%", "8%"]
# The table in the page's own font (Gradio's is monospace); the button as the page's Ask button (4.5:1).
CSS = """#pb-compare-table, #pb-compare-table * { font-family: var(--font) !important; }
#pb-compare-policies input.subdued { color: var(--body-text-color); }
#pb-compare-go { background: #1d4ed8; border-color: #1d4ed8; color: #fff; }
#pb-compare-go:hover { background: #1e40af; }
#pb-compare-table thead th { vertical-align: bottom; }
"""
CSV_DIR = Path(tempfile.gettempdir()) / "policybot-compare"  # one file per comparison, replaced each time


def choice(name: str, title: str) -> tuple[str, str]:
    """A policy as the selector lists it: its title, with its name when the title lacks it (many
    policies are titled just "Privacy Policy"), so typing either finds it."""
    return (title, name) if name.casefold() in title.casefold() else (f"{title} ({name})", name)


def _verdict(addressed: bool | None) -> str:
    return "" if addressed is None else "addressed" if addressed else "not found"


def table(c: Comparison) -> list[list[object]]:
    """The comparison's rows as the table shows them (policies that answer first)."""
    out = []
    for row in c.rows:
        cite = row.citation
        link = f"[View passage]({policy_url(row.policy, cite, row.policy_version)})" if cite else ""
        out.append([row.policy, row.answer if row.answered else "Not found",
                    cite.section if cite and row.answered else "", _verdict(row.addressed),
                    round(cite.score, 2) if cite and row.answered else 0.0, link])
    return out


def summary(c: Comparison) -> str:
    topic = f" Topic: {TOPIC_NAMES[c.topic]}." if c.topic else ""
    answered, asked = sum(r.answered for r in c.rows), len(c.rows)
    return f"**{answered} of {asked} {'policy answers' if asked == 1 else 'policies answer'}** “{c.question}”.{topic}"


def write_csv(c: Comparison, shown: list[list[object]], session: str) -> Path:
    """The comparison as a CSV file for the download button (one file per browser session): the
    table as ``shown`` (``table(c)``), with each passage's offsets."""
    CSV_DIR.mkdir(parents=True, exist_ok=True)
    path = CSV_DIR / f"compare-{''.join(ch for ch in session if ch.isalnum())[:32] or 'page'}.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([*HEADERS[:5], "Start", "End"])
        for row, cells in zip(c.rows, shown, strict=True):
            cite = row.citation
            writer.writerow([*cells[:5], cite.start if cite else "", cite.end if cite else ""])
    return path


def compare_view(rt: Runtime) -> None:
    """The view's components and events, inside the page's ``gr.Blocks`` (hidden with one policy)."""
    policies = rt.bot.policies
    with gr.Accordion("Compare policies: ask one question of several", open=False, visible=len(policies) > 1,
                      elem_id="pb-compare"):
        with gr.Row():
            question = gr.Textbox(label="Question", placeholder="Do you sell my data?", max_length=MAX_QUESTION_CHARS,
                                  scale=4, elem_id="pb-compare-question")
            picked = gr.Dropdown([choice(p.name, p.title) for p in policies], value=[], multiselect=True,
                                 filterable=True, label="Policies (none picked: all)", scale=4,
                                 elem_id="pb-compare-policies")
            go = gr.Button("Compare", variant="primary", scale=1, min_width=100, elem_id="pb-compare-go")
        said = gr.Markdown(elem_id="pb-compare-summary")
        rows = gr.Dataframe(headers=HEADERS, datatype=DATATYPES, interactive=False, wrap=True,
                            column_widths=WIDTHS, elem_id="pb-compare-table",
                            label="Answers, policy by policy")
        download = gr.DownloadButton("Download CSV", visible=False, elem_id="pb-compare-csv")

    def run(text: str, names: list[str] | None, request: gr.Request) -> tuple:
        if not (text or "").strip():
            return gr.skip(), gr.skip(), gr.skip()
        try:
            c = rt.bot.compare(text, names or None)
        except PolicybotError as exc:
            raise gr.Error(exc.message) from None
        shown = table(c)
        path = write_csv(c, shown, getattr(request, "session_hash", None) or "page")
        return summary(c), shown, gr.DownloadButton(value=str(path), visible=True)

    for trigger in (question.submit, go.click):
        trigger(run, [question, picked], [said, rows, download], api_visibility="private")
