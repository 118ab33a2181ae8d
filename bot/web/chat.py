"""The chat page (Gradio): direct answer first, then the sources that add something, the policy
beside them with the latest answer's passages marked.

Each reply is one bubble (``replies.reply_html``): the quoted answer, its section, the sources
folded under a native ``<details>`` (open for the first answer), and follow-up questions the
policy answers as buttons. The conversation is kept on the server. Questions show as text
(Markdown and HTML escaped); thumbs up/down are stored with the engine's feedback, and a thumbs
down opens an optional "What was wrong?" box whose comment is stored with it. Styles and the
screen-reader script are static files beside this module.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import gradio as gr
from fastapi import FastAPI

from bot import MAX_COMMENT_CHARS, MAX_QUESTION_CHARS, Answer, PolicybotError

from .compare_view import CSS as COMPARE_CSS
from .compare_view import choice, compare_view
from .pages import STYLE, glance_html, policy_html, policy_url
from .replies import md_text, reply_html
from .runtime import Runtime

STATIC = Path(__file__).with_name("static")
CSS = STYLE + (STATIC / "chat.css").read_text(encoding="utf-8") + COMPARE_CSS
ON_LOAD = (STATIC / "chat.js").read_text(encoding="utf-8")
# After each reply: bring the first cited passage into view in the side panel, and say the
# reply's one-line summary in the status region (a moment later, so the bubble is in the page).
# A follow-up or example chosen with the keyboard is re-drawn away: focus goes back to the box
# rather than to the page's start (from there, Shift+Tab walks back into the new answer).
REFOCUS = """if (!document.activeElement || document.activeElement === document.body) {
    const ask = document.querySelector('#pb-question textarea');
    if (ask) ask.focus();
  }"""
AFTER_REPLY = """() => {
  const box = document.querySelector('#pb-panel .pb-scroll');
  const mark = box && box.querySelector('#cite-1');
  if (mark) box.scrollTo({top: mark.offsetTop - box.offsetTop - 24, behavior: 'smooth'});
  setTimeout(() => {
    const says = document.querySelectorAll('#pb-chat .pb-reply .pb-say');
    const live = document.getElementById('pb-announce');
    if (live && says.length) live.textContent = says[says.length - 1].textContent;
    REFOCUS
  }, 150);
}""".replace("REFOCUS", REFOCUS)
# The Clear button goes away with the messages: focus goes back to the box then too.
AFTER_CLEAR = "() => { setTimeout(() => { REFOCUS }, 150); }".replace("REFOCUS", REFOCUS)
COMMENT_LABEL = f"What was wrong? (optional, {MAX_COMMENT_CHARS} characters max)"
COMMENT_SENT = "Thanks: your comment was sent."
# The comment box closes once its comment is stored: say so, and go back to the question box.
AFTER_COMMENT = """() => {
  const live = document.getElementById('pb-announce');
  if (live) live.textContent = 'SENT';
  setTimeout(() => { const ask = document.querySelector('#pb-question textarea'); if (ask) ask.focus(); }, 150);
}""".replace("SENT", COMMENT_SENT)
# Blue throughout (the Ask button matches the links), with links at 4.5:1 or more in light and dark.
THEME = gr.themes.Default(primary_hue="blue").set(
    link_text_color="#1d4ed8", link_text_color_visited="#6d28d9", link_text_color_hover="#1e40af",
    link_text_color_active="#1e40af", link_text_color_dark="#93c5fd", link_text_color_visited_dark="#c4b5fd",
    link_text_color_hover_dark="#bfdbfe", link_text_color_active_dark="#bfdbfe")


def _header(rt: Runtime, name: str) -> str:
    title = escape(rt.bot.policy(name).title)
    return f"# Questions about the privacy policy\n{title} · [Read the full policy]({policy_url(name)})"


def _panel(rt: Runtime, name: str, answer: Answer | None = None) -> str:
    doc = rt.bot.document(name)
    fresh = answer is not None and answer.policy == name and answer.policy_version == doc.sha256
    marks = [(c.start, c.end, c.sentence) for c in answer.citations if c.policy == name] if fresh else []
    return (f'<div class="pb-scroll" tabindex="0" role="region" aria-label="The policy, with the cited passages '
            f'marked">{policy_html(doc, marks)}</div>')


def _content(message: object) -> object:
    return message.get("content") if isinstance(message, dict) else getattr(message, "content", "")


class Handlers:
    """What the page's events do; each reaches the engine through the runtime."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def respond(self, message: str, history: list, policy: str, ids: dict) -> tuple:
        """Answer ``message``; ``history`` is the conversation so far, kept on the server. An empty
        box does nothing: no request error, no change on the page."""
        if not (message or "").strip():
            return (gr.skip(),) * 5
        rt = self.rt
        try:
            answer = rt.bot.answer(message, policy=policy or None)
        except PolicybotError as exc:
            raise gr.Error(exc.message) from None
        answer_id = rt.record(answer, "chat")
        opened = not any("pb-sources" in str(_content(m)) for m in history)  # the first sources show unfolded
        reply = gr.ChatMessage(content=reply_html(answer, rt.bot.contact(answer.policy or policy), opened),
                               options=[{"value": q} for q in answer.suggestions])
        history = [*history, {"role": "user", "content": md_text(answer.question)}, reply]
        ids = {**ids, len(history) - 1: answer_id} if answer_id else ids
        return history, history, _panel(rt, answer.policy or policy, answer), "", ids

    def picked(self, history: list, policy: str, ids: dict, picked: gr.SelectData) -> tuple:
        """An example or a follow-up question was clicked: ask it."""
        value = picked.value
        return self.respond(value["text"] if isinstance(value, dict) else str(value), history, policy, ids)

    def like(self, ids: dict, data: gr.LikeData) -> tuple:
        """Store a thumbs up (``liked`` True) or down (False) at once; a thumbs down then opens the
        comment box for that answer. A thumb pressed again to undo it (``liked`` "") stores nothing."""
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        answer_id = ids.get(index) or ids.get(str(index))
        if answer_id and isinstance(data.liked, bool):
            self.rt.feedback.vote(answer_id, data.liked)
        down = answer_id if answer_id and data.liked is False else None
        return gr.update(visible=down is not None), down, ""

    def comment(self, text: str, answer_id: str | None) -> tuple:
        """Store the box's comment with the thumbs down it follows (checked and redacted by the
        engine), then close the box."""
        if answer_id and not (text or "").strip():
            raise gr.Error("The comment box is empty: type what was wrong, or carry on (it is optional).")
        if answer_id:
            try:
                self.rt.feedback.vote(answer_id, False, text)
            except PolicybotError as exc:
                raise gr.Error(exc.message) from None
        return gr.update(visible=False), None, ""

    def clear(self, policy: str) -> tuple:
        """The chat's Clear button: the conversation on the server goes too (else the next answer
        would bring it back), the policy panel loses the old answer's marks, the comment box closes."""
        return [], {}, _panel(self.rt, policy), gr.update(visible=False), None

    def switch(self, policy: str) -> tuple:
        return (_header(self.rt, policy), _panel(self.rt, policy), glance_html(self.rt.bot.overview(policy)), [], [],
                {}, gr.update(visible=False), None)

    def ask(self, question: str, policy: str | None = None) -> dict:
        """Answer a question; returns the same JSON as POST /api/answer."""
        try:
            answer = self.rt.bot.answer(question, policy=policy or None)
        except PolicybotError as exc:
            raise gr.Error(exc.message) from None
        self.rt.record(answer, "gradio-api")
        return answer.to_dict()


def build_chat(rt: Runtime) -> gr.Blocks:
    """The page's layout, and which event runs which handler."""
    policies = rt.bot.policies
    first = policies[0].name
    on = Handlers(rt)

    with gr.Blocks(title="policybot: privacy policy questions", analytics_enabled=False) as demo:
        header = gr.Markdown(_header(rt, first), elem_id="pb-title")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                policy = gr.Dropdown([choice(p.name, p.title) for p in policies], value=first, label="Policy",
                                     visible=len(policies) > 1, interactive=True, elem_id="pb-policy")
                chatbot = gr.Chatbot(
                    label="Conversation", show_label=False, elem_id="pb-chat", height=560, allow_tags=False,
                    examples=[{"text": q} for q in rt.bot.examples], feedback_options=("Like", "Dislike"),
                    placeholder="Ask anything about this privacy policy. Answers quote the policy itself.",
                    buttons=["copy_all"],
                )
                with gr.Group(visible=False, elem_id="pb-why") as why:  # opened by a thumbs down
                    why_box = gr.Textbox(label=COMMENT_LABEL, max_length=MAX_COMMENT_CHARS, lines=2,
                                         elem_id="pb-why-text")
                    why_send = gr.Button("Send comment", size="sm", elem_id="pb-why-send")
                with gr.Row():
                    box = gr.Textbox(placeholder="Ask about the policy", label="Your question",
                                     max_length=MAX_QUESTION_CHARS, show_label=False, scale=8, autofocus=True,
                                     elem_id="pb-question")
                    send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="pb-send")
            with gr.Column(scale=2, elem_id="pb-panel"):
                with gr.Accordion("At a glance: what the policy says, topic by topic", open=False,
                                  elem_id="pb-glance"):
                    glance = gr.HTML(glance_html(rt.bot.overview(first)))
                gr.Markdown("**The policy** · the latest answer's passages are marked", elem_id="pb-policy-note")
                panel = gr.HTML(_panel(rt, first), elem_id="pb-policy-text")
        compare_view(rt)  # with several policies: one question asked of them side by side
        ids = gr.State({})
        why_id = gr.State(None)  # the answer the open comment box is about
        # The conversation lives on the server: requests carry only the new question, so they stay
        # under the 16 KB body limit however long the chat gets, and no client can rewrite it.
        history = gr.State([])

        outputs = [chatbot, history, panel, box, ids]
        for trigger in (box.submit, send.click):
            trigger(on.respond, [box, history, policy, ids], outputs, api_visibility="private").then(
                None, js=AFTER_REPLY)
        for select in (chatbot.example_select, chatbot.option_select):
            select(on.picked, [history, policy, ids], outputs, api_visibility="private").then(None, js=AFTER_REPLY)
        chatbot.like(on.like, [ids], [why, why_id, why_box], api_visibility="private")
        for trigger in (why_send.click, why_box.submit):
            trigger(on.comment, [why_box, why_id], [why, why_id, why_box], api_visibility="private").success(
                None, js=AFTER_COMMENT)
        chatbot.clear(on.clear, [policy], [history, ids, panel, why, why_id], api_visibility="private").then(
            None, js=AFTER_CLEAR)
        policy.change(on.switch, [policy], [header, panel, glance, chatbot, history, ids, why, why_id],
                      api_visibility="private")
        gr.api(on.ask, api_name="chat")
    demo.queue(default_concurrency_limit=4)
    return demo


def mount_chat(app: FastAPI, rt: Runtime) -> None:
    gr.mount_gradio_app(app, build_chat(rt), path="/", css=CSS, js=ON_LOAD, theme=THEME, footer_links=[],
                        run_history=False, show_error=False)  # gr.Error messages only, never exception text
