"""Evaluation harness for newsrag: `rag eval` / `python -m eval` (see eval/README.md)."""
