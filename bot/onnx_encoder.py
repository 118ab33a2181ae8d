"""Questions encoded by ONNX Runtime: the same MiniLM, exported once from the packaged weights.

Why: a question is one short forward pass, and torch's per-call overhead dominates it. Measured
on this 2-core machine with one thread (``make bench`` shows the same-run ratio): ONNX Runtime encodes a
lone question 2-2.5x faster than sentence-transformers on torch, and a batch of 16 about 1.4x
faster; it also starts without importing torch. Passages are still encoded by torch: in batches
the two are level, and the index keeps the exact vectors it always had.

Why not sentence-transformers' own ``backend="onnx"``: it needs ``optimum-onnx``, whose only
release (0.1.0) requires transformers < 4.58, while sentence-transformers 6.2 requires
transformers 5. So the export is the same one optimum makes, done here with torch's exporter:
BERT, then mean pooling over the attention mask, then L2 normalisation (the model's own
``modules.json``), so the output is the unit vector sentence-transformers gives, to float
rounding (cosine >= 0.99999 on policy sentences and questions; ``tests/test_onnx_encoder.py``).

The export (~5 s, once per model version) is written to ``encoder_dir()`` atomically (temp file +
rename, under a file lock), named by the weights' package version and the torch and onnx
versions that made it, so a new version of any exports afresh. ``POLICYBOT_QUERY_ENCODER=torch``
keeps questions on torch (the fallback; nothing is exported then).
"""

from __future__ import annotations

import os
from importlib import metadata
from pathlib import Path

import numpy as np

MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json): longer text is truncated
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OPSET = 17


def encoder_dir() -> Path:
    """Where exported encoders are kept: ``POLICYBOT_ENCODER_DIR``, else the user cache."""
    if os.environ.get("POLICYBOT_ENCODER_DIR"):
        return Path(os.environ["POLICYBOT_ENCODER_DIR"]).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("policybot")) / "encoder"


def export_name(model_source: str) -> str:
    """File name of an export: the weights' package and version and the exporter's versions."""
    parts = [model_source, f"torch {metadata.version('torch')}", f"onnx {metadata.version('onnx')}"]
    return "-".join("".join(c if c.isalnum() or c in "._" else "_" for c in p) for p in parts) + ".onnx"


def export(model_path: Path, target: Path) -> Path:
    """Export the packaged model (with pooling and normalisation) to ``target``, unless it is there.
    Several processes may ask at once: one exports, the others wait for it and reuse the file."""
    from filelock import FileLock

    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if target.exists():
            return target
        temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            _export(model_path, temp)
            os.replace(temp, target)
        finally:
            temp.unlink(missing_ok=True)
    return target


def _export(model_path: Path, out: Path) -> None:
    import warnings

    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    bert = AutoModel.from_pretrained(str(model_path)).eval()

    class Pooled(torch.nn.Module):
        """BERT -> mean over real tokens -> unit length: what sentence-transformers computes."""

        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                    token_type_ids: torch.Tensor) -> torch.Tensor:
            tokens = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            mean = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2.0, dim=1)

    example = torch.ones((2, 8), dtype=torch.int64)
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS} | {"vectors": {0: "batch"}}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on Python control flow in BERT: shapes are dynamic
        torch.onnx.export(Pooled(), (example, example, torch.zeros_like(example)), str(out),
                          input_names=list(INPUTS), output_names=["vectors"], dynamic_axes=axes,
                          opset_version=OPSET, dynamo=False)


class OnnxQueryEncoder:
    """Unit vectors of short texts from an exported model, on ``threads`` CPU threads.
    Not thread-safe: one thread uses it (the embedder's question batcher, or the encoder process)."""

    def __init__(self, onnx_path: Path, model_path: Path, threads: int = 1) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only
        self.session = onnxruntime.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        # The tokenizer file pads and truncates to 128; sentence-transformers pads to the longest
        # text of a batch and truncates at the model's 256 tokens, and so must this.
        self.tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

    def encode(self, texts: list[str], batch: int = 16) -> np.ndarray:
        """Vectors of shape (len(texts), dims), in ``batch``-sized forward passes of similar lengths."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: list[np.ndarray] = [np.empty(0)] * len(texts)
        for at in range(0, len(order), batch):
            part = order[at : at + batch]
            encoded = self.tokenizer.encode_batch([texts[i] for i in part])
            feed = {"input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
                    "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64)}
            feed["token_type_ids"] = np.zeros_like(feed["input_ids"])
            for i, vector in zip(part, self.session.run(None, feed)[0], strict=True):
                out[i] = vector
        return np.ascontiguousarray(np.stack(out), dtype=np.float32)
