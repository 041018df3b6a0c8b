"""Questions encoded without torch: the bundled model exported once to ONNX and run by ONNX Runtime.

A one-shot `rag ask` spent ~20 s of its ~30 s importing sentence-transformers (torch, transformers,
scikit-learn) to encode one line. The same network (the model's BERT encoder, then mean pooling and
L2 normalisation, as the sentence-transformers modules do) runs in ONNX Runtime from a file written
at ingest, which a process opens in well under a second. Vectors equal the torch model's to ~1e-6
(tests/test_query_encoder.py), so stored chunk vectors and questions stay comparable.

The session runs on `threads` intra-op threads of its own: a setting of this object, not of the
process, so it needs no switch around requests.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

EXPORT_FORMAT = 1  # bump when the exported graph changes (a new file name; old ones are ignored)


def export_name(model_path: Path) -> str:
    """A file name that changes whenever the model's weights do."""
    h = hashlib.sha1(f"{EXPORT_FORMAT}\x1f{model_path.resolve()}".encode())
    for name in ("model.safetensors", "pytorch_model.bin", "config.json"):
        f = model_path / name
        if f.exists():
            st = f.stat()
            h.update(f"{name}:{st.st_size}:{int(st.st_mtime)}".encode())
    return f"query-encoder-{h.hexdigest()[:16]}.onnx"


def export(model_path: Path, target: Path) -> Path:
    """Write the model's encoder (token ids, mask -> token embeddings) as ONNX to `target` (atomically)."""
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(model_path), attn_implementation="eager", local_files_only=True).eval()

    class Encoder(torch.nn.Module):
        def __init__(self, bert) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=torch.zeros_like(input_ids)).last_hidden_state

    ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]], dtype=torch.int64)
    mask = (ids != 0).to(torch.int64)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    try:
        torch.onnx.export(Encoder(model), (ids, mask), str(tmp), input_names=["input_ids", "attention_mask"],
                          output_names=["tokens"], opset_version=17, dynamo=False,
                          dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                                        "tokens": {0: "batch", 1: "seq"}})
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    log.info("exported the query encoder to %s", target)
    return target


class OnnxQueryEncoder:
    """encode(texts) -> float32 (n, dim), L2-normalised, like SentenceEmbeddings.encode."""

    def __init__(self, model_path: Path, onnx_file: Path, threads: int = 1) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        cfg = model_path / "sentence_bert_config.json"
        max_len = int(json.loads(cfg.read_text()).get("max_seq_length", 256)) if cfg.exists() else 256
        self.tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_len)
        self.tokenizer.no_padding()
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")  # a busy CPU: do not spin
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(str(onnx_file), opts, providers=["CPUExecutionProvider"])

    def encode(self, texts: list[str]) -> np.ndarray:
        encs = self.tokenizer.encode_batch(list(texts))
        width = max(len(e.ids) for e in encs)
        ids = np.zeros((len(encs), width), dtype=np.int64)
        mask = np.zeros((len(encs), width), dtype=np.int64)
        for i, e in enumerate(encs):
            ids[i, :len(e.ids)] = e.ids
            mask[i, :len(e.ids)] = 1
        tokens = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        m = mask[..., None].astype(np.float32)
        pooled = (tokens * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        return (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)).astype(np.float32)
