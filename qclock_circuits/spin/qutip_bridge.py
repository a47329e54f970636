"""Conversion between this package's Dicke basis and QuTiP ``Qobj``.

This package orders the symmetric subspace by ``M`` ascending (index ``k``
= number of excited atoms, CONVENTIONS.md). QuTiP's ``jmat(j, ...)`` and
``spin_state(j, m)`` order ``m`` from ``+j`` down to ``-j``. Every conversion
here reverses the order explicitly; nothing else in the package may convert
a basis by any other route.
"""

from __future__ import annotations

import numpy as np

from .._validation import QClockError

__all__ = ["to_qobj", "from_qobj", "dicke_to_qutip_order"]


def dicke_to_qutip_order(array: np.ndarray) -> np.ndarray:
    """Reverse the Dicke index along every axis of length N+1 (ket or operator)."""
    array = np.asarray(array)
    if array.ndim == 1:
        return array[::-1].copy()
    if array.ndim == 2 and array.shape[0] == array.shape[1]:
        return array[::-1, ::-1].copy()
    raise QClockError(f"array must be a state (N+1,) or a square operator, got shape {array.shape}")


def to_qobj(array: np.ndarray):
    """Return a QuTiP ``Qobj`` (ket or operator) in QuTiP's spin ordering (m = +j … -j)."""
    import qutip

    array = np.asarray(array, dtype=complex)
    reordered = dicke_to_qutip_order(array)
    if reordered.ndim == 1:
        return qutip.Qobj(reordered.reshape(-1, 1), dims=[[reordered.shape[0]], [1]])
    return qutip.Qobj(reordered, dims=[[reordered.shape[0]], [reordered.shape[0]]])


def from_qobj(qobj) -> np.ndarray:
    """Return the array of a spin-j ``Qobj`` (ket, bra or operator) in the Dicke order (M ascending)."""
    import qutip

    if not isinstance(qobj, qutip.Qobj):
        raise TypeError(f"qobj must be a qutip.Qobj, got {type(qobj).__name__}")
    data = qobj.full()
    if qobj.isket:
        return dicke_to_qutip_order(data[:, 0])
    if qobj.isbra:
        return dicke_to_qutip_order(data[0, :].conj())
    return dicke_to_qutip_order(data)
