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
    """Reverse the Dicke index along every axis of length N+1 (ket or operator).

    The same call converts QuTiP's order back to the Dicke order (it is an
    involution).

    Parameters
    ----------
    array : array_like of shape (N+1,) or (N+1, N+1)
        A state vector or a square operator.

    Returns
    -------
    numpy.ndarray
        A copy with the order of the levels reversed along each axis.

    Raises
    ------
    QClockError
        If ``array`` is neither 1-D nor a square 2-D array.
    """
    array = np.asarray(array)
    if array.ndim == 1:
        return array[::-1].copy()
    if array.ndim == 2 and array.shape[0] == array.shape[1]:
        return array[::-1, ::-1].copy()
    raise QClockError(f"array must be a state (N+1,) or a square operator, got shape {array.shape}")


def to_qobj(array: np.ndarray):
    """Convert a Dicke-basis state or operator to a QuTiP ``Qobj`` in QuTiP's spin ordering.

    QuTiP orders the levels m = +j … -j (as ``qutip.jmat`` and
    ``qutip.spin_state``); the array is reversed accordingly.

    Parameters
    ----------
    array : array_like of shape (N+1,) or (N+1, N+1)
        Ket or operator in the Dicke basis (M ascending).

    Returns
    -------
    qutip.Qobj
        A ket with dims ``[[N+1], [1]]`` or an operator with dims
        ``[[N+1], [N+1]]``.

    Raises
    ------
    QClockError
        If ``array`` is neither 1-D nor a square 2-D array.
    """
    import qutip

    array = np.asarray(array, dtype=complex)
    reordered = dicke_to_qutip_order(array)
    if reordered.ndim == 1:
        return qutip.Qobj(reordered.reshape(-1, 1), dims=[[reordered.shape[0]], [1]])
    return qutip.Qobj(reordered, dims=[[reordered.shape[0]], [reordered.shape[0]]])


def from_qobj(qobj) -> np.ndarray:
    """Convert a spin-j QuTiP ``Qobj`` (ket, bra or operator) to an array in the Dicke order.

    Parameters
    ----------
    qobj : qutip.Qobj
        A ket, bra or operator on N+1 levels in QuTiP's ordering (m = +j … -j).
        A bra is conjugated into the corresponding ket.

    Returns
    -------
    numpy.ndarray
        Complex array of shape (N+1,) for a ket or bra, (N+1, N+1) for an
        operator, ordered by M ascending.

    Raises
    ------
    TypeError
        If ``qobj`` is not a ``qutip.Qobj``.
    """
    import qutip

    if not isinstance(qobj, qutip.Qobj):
        raise TypeError(f"qobj must be a qutip.Qobj, got {type(qobj).__name__}")
    data = qobj.full()
    if qobj.isket:
        return dicke_to_qutip_order(data[:, 0])
    if qobj.isbra:
        return dicke_to_qutip_order(data[0, :].conj())
    return dicke_to_qutip_order(data)
