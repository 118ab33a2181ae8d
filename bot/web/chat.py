"""The chat page (Gradio): direct answer first, then the cited passages, the policy beside them.

Sources are a collapsible block (open for the first answer); the side panel shows the policy
with the latest answer's passages marked. Thumbs up/down are stored with the engine's feedback.
Every message is HTML-escaped before Gradio renders it: a pasted ``<script>`` shows as text.
"""

from __future__ import annotations

from html import escape
from typing import Any

import gradio as gr
from fastapi import FastAPI

from bot import MAX_QUESTION_CHARS, Answer, PolicybotError

from .pages import STYLE, answer_markdown, md_text, policy_html, policy_url, sources_html
from .runtime import Runtime

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
    title = escape(rt.bot.policy(name).title)
    return (f"## Questions about the privacy policy\n{title} · [Read the full policy]({policy_url(name)}) · "
            "[API docs](/docs) · [Support widget demo](/widget-demo)")


def _panel(rt: Runtime, name: str, answer: Answer | None = None) -> str:
    doc = rt.bot.document(name)
    fresh = answer is not None and answer.policy == name and answer.policy_version == doc.sha256
    marks = [(c.start, c.end, c.sentence) for c in answer.citations if c.policy == name] if fresh else []
    return f'<div class="pb-scroll">{policy_html(doc, marks)}</div>'


class Handlers:
    """What the page's events do; each reaches the engine through the runtime."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def respond(self, message: str, history: list[dict], policy: str, ids: dict) -> tuple:
        rt = self.rt
        try:
            answer = rt.bot.answer(message, policy=policy or None)
        except PolicybotError as exc:
            raise gr.Error(exc.message) from None
        answer_id = rt.feedback.record(answer, "chat")
        opened = not any((m.get("metadata") or {}).get("title") for m in history)  # open on the first sources
        title = f"Sources ({len(answer.citations)})" if answer.answered else "Closest passages"
        meta: dict[str, Any] = {"title": title} if opened else {"title": title, "status": "done"}
        at = len(history)
        history = [
            *history,
            {"role": "user", "content": md_text(answer.question)},
            {"role": "assistant", "content": answer_markdown(answer, rt.bot.contact(answer.policy or policy))},
        ]
        ids = {**ids, at + 1: answer_id}
        if answer.citations:
            history.append(gr.ChatMessage(content=sources_html(answer), metadata=meta))
            ids[at + 2] = answer_id
        return history, _panel(rt, answer.policy or policy, answer), "", ids

    def example(self, history: list[dict], policy: str, ids: dict, picked: gr.SelectData) -> tuple:
        return self.respond(picked.value["text"], history, policy, ids)

    def like(self, ids: dict, data: gr.LikeData) -> None:
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        answer_id = ids.get(index) or ids.get(str(index))
        if answer_id and data.liked is not None:
            self.rt.feedback.vote(answer_id, bool(data.liked))

    def switch(self, policy: str) -> tuple:
        return _header(self.rt, policy), _panel(self.rt, policy), [], {}

    def ask(self, question: str, policy: str | None = None) -> dict:
        """Answer a question; returns the same JSON as POST /api/answer."""
        try:
            answer = self.rt.bot.answer(question, policy=policy or None)
        except PolicybotError as exc:
            raise gr.Error(exc.message) from None
        self.rt.feedback.record(answer, "gradio-api")
        return answer.to_dict()


def build_chat(rt: Runtime) -> gr.Blocks:
    """The page's layout, and which event runs which handler."""
    policies = rt.bot.policies
    first = policies[0].name
    on = Handlers(rt)

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
                    box = gr.Textbox(placeholder="Ask about the policy, e.g. Do you share my data?",
                                     max_length=MAX_QUESTION_CHARS, show_label=False, scale=8, autofocus=True,
                                     elem_id="pb-question")
                    send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="pb-send")
            with gr.Column(scale=2, elem_id="pb-panel"):
                gr.Markdown("**The policy** · the latest answer's passages are marked")
                panel = gr.HTML(_panel(rt, first))
        ids = gr.State({})

        outputs = [chatbot, panel, box, ids]
        for trigger in (box.submit, send.click):
            trigger(on.respond, [box, chatbot, policy, ids], outputs, api_visibility="private").then(
                None, js=SCROLL_TO_CITATION)
        chatbot.example_select(on.example, [chatbot, policy, ids], outputs, api_visibility="private").then(
            None, js=SCROLL_TO_CITATION)
        chatbot.like(on.like, [ids], None, api_visibility="private")
        policy.change(on.switch, [policy], [header, panel, chatbot, ids], api_visibility="private")
        gr.api(on.ask, api_name="chat")
    demo.queue(default_concurrency_limit=4)
    return demo


def mount_chat(app: FastAPI, rt: Runtime) -> None:
    gr.mount_gradio_app(app, build_chat(rt), path="/", css=CSS, footer_links=[], run_history=False,
                        show_error=True)
