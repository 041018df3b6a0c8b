"""Gradio chat: a thin layer over Pipeline.ask_stream."""

from __future__ import annotations

import html

import gradio as gr

from rag.errors import RagError
from rag.events import Cited, Done, Text


def _sources_markdown(citations) -> str:
    lines = []
    for c in citations:
        meta = ", ".join(x for x in (c.source, c.date) if x)
        title = html.escape(c.title)
        lines.append(f"**[{c.n}] {title}** ({html.escape(meta)})  \n> {html.escape(c.sentence or c.text)}")
    return "\n\n".join(lines)


def build_chat(pipeline) -> gr.Blocks:
    with gr.Blocks(title="newsrag — ask the news archive") as demo:
        gr.Markdown("# Ask the news archive")
        chatbot = gr.Chatbot(label="Answers")
        sources = gr.Markdown()
        box = gr.Textbox(label="Question", placeholder="e.g. who is acting president?")

        def respond(question, history):
            history = history or []
            history = history + [{"role": "user", "content": question}, {"role": "assistant", "content": ""}]
            try:
                for event in pipeline.ask_stream(question):
                    if isinstance(event, Text):
                        history[-1]["content"] += event.delta
                        yield history, gr.update(), ""
                    elif isinstance(event, Cited):
                        yield history, _sources_markdown(event.citations), ""
                    elif isinstance(event, Done):
                        yield history, gr.update(), ""
            except RagError as exc:
                history[-1]["content"] = f"⚠ {exc}"
                yield history, "", ""

        box.submit(respond, [box, chatbot], [chatbot, sources, box])
    return demo
