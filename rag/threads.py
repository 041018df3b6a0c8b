"""Run short numeric work on one thread.

On a busy 2-core machine, torch's and OpenBLAS's thread pools spin against other processes: a
15-token question took ~1 s to encode with two threads and ~80 ms with one, and a 3k x 384
matrix-vector product 4.5 ms vs 0.36 ms. Small per-query work gains nothing from intra-op
parallelism, so it runs on one thread; ingest batches keep all threads.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_LOCK = threading.Lock()


@contextmanager
def one_thread() -> Iterator[None]:
    """torch on one thread for the duration (torch matmuls also serve numpy arrays passed here)."""
    import torch

    with _LOCK:
        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(before)
