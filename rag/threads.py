"""How many threads numeric work may use, chosen once per process (never per request).

On a busy 2-core machine, torch's and OpenBLAS's thread pools spin against other processes: a
15-token question took ~1 s to encode with two threads and ~80 ms with one, and a 36k x 384
matrix-vector product costs several times more on two spinning threads than on one. A serving
process answers many small requests at once (each on its own worker thread), so it gains nothing
from intra-op parallelism: `rag serve`, `rag ask` and the harness's question phase call
`set_compute_threads(settings.compute_threads)` once, before any request. Ingest in a process that
did not (`rag ingest`, index builds) keeps the library defaults (all cores).

Changing the count inside a request would change it for every other request of the process at the
same moment, so nothing here is a context manager.
"""

from __future__ import annotations

import logging
import sys
import threading

log = logging.getLogger(__name__)

_DEFAULT: int | None = None  # torch's count before the first change
_WANTED: int | None = None  # the count asked for (None: the defaults)
_BLAS_DEFAULT: int | None = None
_LOCK = threading.Lock()


def set_compute_threads(n: int | None) -> None:
    """torch intra-op threads and BLAS threads for this process; None restores the defaults. Call at
    process start, or between the phases of a batch tool, never per request. torch is not imported for
    this (a one-shot `rag ask` may never need it); if it is loaded later, `torch_loaded()` applies it."""
    global _WANTED, _BLAS_DEFAULT
    from threadpoolctl import threadpool_info, threadpool_limits

    with _LOCK:
        if _BLAS_DEFAULT is None:
            _BLAS_DEFAULT = max((p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"), default=1)
        _WANTED = n
        if "torch" in sys.modules:
            _apply_torch()
        threadpool_limits(limits=n or _BLAS_DEFAULT, user_api="blas")
        log.debug("compute threads: %s", n or "default")


def torch_loaded() -> None:
    """Called by whoever first imports torch (rag.embeddings), so a count chosen earlier holds for it."""
    with _LOCK:
        _apply_torch()


def _apply_torch() -> None:
    global _DEFAULT
    import torch

    if _DEFAULT is None:
        _DEFAULT = torch.get_num_threads()
    count = _WANTED or _DEFAULT
    if torch.get_num_threads() != count:
        torch.set_num_threads(count)
