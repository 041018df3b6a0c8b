"""Questions encoded through ONNX Runtime (exported once at ingest) give the torch model's vectors,
and a one-shot `rag ask` then never imports torch. Real model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from rag.embeddings import SentenceEmbeddings
from tests.conftest import CORPUS

QUESTIONS = ["who is acting president?", "What did the Foreign Minister say about the alliance with the "
             "United States on Monday, and who else attended?", "a"]


def test_exported_query_encoder_gives_the_torch_models_vectors(embeddings, tmp_path):
    emb = SentenceEmbeddings(cache_dir=tmp_path)
    assert emb.encode_queries(QUESTIONS[:1]).shape == (1, 384)  # no export yet: torch
    emb.ensure_query_encoder()
    assert emb.query_encoder_file().exists()
    fresh = SentenceEmbeddings(cache_dir=tmp_path)  # a new process's object
    got = fresh.encode_queries(QUESTIONS)
    assert fresh._model is None  # the torch model was never loaded
    assert np.allclose(got, embeddings.encode(QUESTIONS), atol=1e-5)
    # A server that loaded torch (to ingest, to warm up) still encodes questions through the export: faster
    # for one short text, and the same vector.
    emb.model  # noqa: B018 - loads it
    assert np.allclose(emb.encode_queries(QUESTIONS), got, atol=1e-6) and emb._queries


def test_one_shot_ask_after_ingest_does_not_import_torch(rag_home, tmp_path):
    env = {**os.environ, "RAG_HOME": str(rag_home), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    rag = str(Path(sys.executable).parent / "rag")
    subprocess.run([rag, "ingest", "--quiet", str(CORPUS)], env=env, check=True, capture_output=True)
    probe = ("import sys; from ui.cli import main; sys.argv = ['rag', 'ask', 'who is acting president?'];\n"
             "try:\n    main()\nfinally:\n"
             "    print('TORCH' if 'torch' in sys.modules else 'NO-TORCH', file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=300)
    assert "Choi Sang-mok" in out.stdout, out.stderr
    assert "NO-TORCH" in out.stderr
