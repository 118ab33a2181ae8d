"""The chat page (Gradio): direct answer first, then the cited passages, the policy beside them.

Sources are a collapsible block (open for the first answer); the side panel shows the policy
with the latest answer's passages marked. Thumbs up/down are stored with the engine's feedback.
Every message is HTML-escaped before Gradio renders it: a pasted ``<script>`` shows as text.
"""

from __future__ import annotations

import os
from html import escape
from typing import Any

from fastapi import FastAPI

from bot import Answer, PolicybotError

from .api import Runtime
from .pages import STYLE, answer_markdown, policy_html, policy_url, sources_html

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
import gradio as gr

CSS = STYLE + """
#pb-panel .pb-scroll { max-height: 72vh; overflow-y: auto; padding-right: .5rem; }
#pb-panel .pb-policy, #pb-panel .pb-policy p { font-size: 14px; line-height: 1.6; }
#pb-panel .pb-policy h2 { font-size: 16px; }
#pb-panel .pb-policy h3 { font-size: 15px; }
#pb-chat mark { background: #fff3b0; color: inherit; }
footer { display: none !important; }
"""
SCROLL_TO_CITATION = """() => {
  const box = document.querySelector('#pb-panel .pb-scroll');
  const mark = box && box.querySelector('#cite-1');
  if (mark) box.scrollTo({top: mark.offsetTop - box.offsetTop - 24, behavior: 'smooth'});
}"""


def _header(rt: Runtime, name: str) -> str:
    title = escape(next(p.title for p in rt.bot.policies if p.name == name))
    return (f"## Questions about the privacy policy\n{title} · [Read the full policy]({policy_url(name)}) · "
            "[API docs](/docs) · [Support widget demo](/widget-demo)")


def _panel(rt: Runtime, name: str, answer: Answer | None = None) -> str:
    marks = [(c.start, c.end, c.sentence) for c in answer.citations if c.policy == name] if answer else []
    return f'<div class="pb-scroll">{policy_html(rt.bot.document(name), marks)}</div>'


def build_chat(rt: Runtime) -> gr.Blocks:
    policies = rt.bot.policies
    first = policies[0].name

    def respond(message: str, history: list[dict], policy: str, ids: dict) -> tuple:
        try:
            answer = rt.bot.answer(message, policy=policy or None)
        except PolicybotError as exc:
            raise gr.Error(exc.message) from None
        answer_id = rt.store.record(answer, "chat")
        opened = not any((m.get("metadata") or {}).get("title") for m in history)  # open on the first sources
        title = f"Sources ({len(answer.citations)})" if answer.answered else "Closest passages"
        meta: dict[str, Any] = {"title": title} if opened else {"title": title, "status": "done"}
        at = len(history)
        history = [
            *history,
            {"role": "user", "content": escape(answer.question)},
            {"role": "assistant", "content": answer_markdown(answer, rt.bot.contact(answer.policy or policy))},
        ]
        ids = {**ids, at + 1: answer_id}
        if answer.citations:
            history.append(gr.ChatMessage(content=sources_html(answer), metadata=meta))
            ids[at + 2] = answer_id
        return history, _panel(rt, answer.policy or policy, answer), "", ids

    def example(history: list[dict], policy: str, ids: dict, picked: gr.SelectData) -> tuple:
        return respond(picked.value["text"], history, policy, ids)

    def like(ids: dict, data: gr.LikeData) -> None:
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        answer_id = ids.get(index) or ids.get(str(index))
        if answer_id and data.liked is not None:
            rt.store.vote(answer_id, bool(data.liked))

    def switch(policy: str) -> tuple:
        return _header(rt, policy), _panel(rt, policy), [], {}

    def ask(question: str, policy: str | None = None) -> dict:
        """Answer a question; returns the same JSON as POST /api/answer."""
        try:
            answer = rt.bot.answer(question, policy=policy or None)
        except PolicybotError as exc:
            raise gr.Error(exc.message) from None
        rt.store.record(answer, "gradio-api")
        return answer.to_dict()

    with gr.Blocks(title="policybot: privacy policy questions", analytics_enabled=False) as demo:
        header = gr.Markdown(_header(rt, first))
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                policy = gr.Dropdown([(p.title, p.name) for p in policies], value=first, label="Policy",
                                     visible=len(policies) > 1, interactive=True)
                chatbot = gr.Chatbot(
                    label="policybot", elem_id="pb-chat", height=560, allow_tags=False,
                    examples=[{"text": q} for q in rt.bot.examples], feedback_options=("Like", "Dislike"),
                    placeholder="Ask anything about this privacy policy. Answers quote the policy itself.",
                )
                with gr.Row():
                    box = gr.Textbox(placeholder="Ask about the policy, e.g. Do you share my data?", max_length=2000,
                                     show_label=False, scale=8, autofocus=True, elem_id="pb-question")
                    send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="pb-send")
            with gr.Column(scale=2, elem_id="pb-panel"):
                gr.Markdown("**The policy** · the latest answer's passages are marked")
                panel = gr.HTML(_panel(rt, first))
        ids = gr.State({})

        outputs = [chatbot, panel, box, ids]
        for trigger in (box.submit, send.click):
            trigger(respond, [box, chatbot, policy, ids], outputs, api_visibility="private").then(
                None, js=SCROLL_TO_CITATION)
        chatbot.example_select(example, [chatbot, policy, ids], outputs, api_visibility="private").then(
            None, js=SCROLL_TO_CITATION)
        chatbot.like(like, [ids], None, api_visibility="private")
        policy.change(switch, [policy], [header, panel, chatbot, ids], api_visibility="private")
        gr.api(ask, api_name="chat")
    demo.queue(default_concurrency_limit=4)
    return demo


def mount_chat(app: FastAPI, rt: Runtime) -> None:
    gr.mount_gradio_app(app, build_chat(rt), path="/", css=CSS, footer_links=[], run_history=False,
                        show_error=True)
