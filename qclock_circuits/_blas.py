"""BLAS thread control for the small dense matrices of the collective engine.

NumPy and SciPy each bundle an OpenBLAS. With both loaded and more than one
thread each, products of matrices of dimension ≲ 400 become 5–10× slower
than single-threaded (the threads of one library stall those of the other;
worse on a busy machine). Below :data:`SMALL_DIMENSION` the hot paths run
single-threaded; above, BLAS keeps every core. The controller is created on
first use, never at import.
"""

from __future__ import annotations

from contextlib import nullcontext
from functools import lru_cache

__all__ = ["SMALL_DIMENSION", "small_matrix_threads", "one_blas_thread"]

SMALL_DIMENSION = 400


@lru_cache(maxsize=1)
def _controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def small_matrix_threads(dimension: int):
    """Context manager: one BLAS thread if ``dimension < SMALL_DIMENSION``, else no change."""
    if dimension >= SMALL_DIMENSION:
        return nullcontext()
    return _controller().limit(limits=1, user_api="blas")


def one_blas_thread():
    """Context manager: one BLAS thread for everything inside, whatever the matrix size.

    For a whole optimisation (many small products and the optimiser's own BLAS calls), set once
    around the loop instead of switching the thread count at every cost call; and for dense
    eigendecompositions of dimension ~1000 on a shared machine (with two threads per process on two
    busy cores, a real 1001×1001 ``eigh`` took 0.6–1.6 s instead of 0.25 s; measured 2026-12, load 3).
    """
    return _controller().limit(limits=1, user_api="blas")
