"""Surfaces over the rag library: the command line, the Gradio chat, the HTTP API and widget."""
