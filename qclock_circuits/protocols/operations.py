"""The collective operations a Ramsey protocol is made of.

Each operation is an immutable description, not a matrix: the collective
engine (:mod:`qclock_circuits.protocols.ramsey`), the QuTiP model and the
Qiskit circuit builder each turn it into their own representation.

* :class:`Rotation` — ``exp(-i angle n·J)``
* :class:`Twist` — one-axis twisting ``exp(-i (strength/2)(n·J)²)``
* :class:`PrepareState` — a state preparation ``|↓…↓⟩ → |ψ⟩`` (first
  preparation operation only); ``label='ghz'`` is compiled to a CNOT ladder
* :class:`CollectiveUnitary` — an arbitrary unitary on the symmetric
  subspace (e.g. the phase-operator measurement), compiled to a qubit
  unitary for small N only
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import QClockError, check_axis, check_finite
from ..spin import axis_to_angles
from ..spin.rotations import _su2_unchecked

__all__ = ["Rotation", "Twist", "PrepareState", "CollectiveUnitary", "Operation",
           "operation_to_dict", "operation_from_dict"]


@dataclass(frozen=True)
class Rotation:
    """Collective rotation ``R_n(angle) = exp(-i angle n·J)``.

    Parameters
    ----------
    angle : float
        Rotation angle, in rad.
    axis : {'x', 'y', 'z'} or array_like of shape (3,)
        Rotation axis n; stored as a normalised 3-tuple.

    Raises
    ------
    TypeError
        If ``angle`` is not a number or ``axis`` has the wrong type.
    QClockError
        If ``angle`` is not finite or ``axis`` is an unknown letter or zero.
    """

    angle: float
    axis: tuple[float, float, float]

    def __post_init__(self):
        object.__setattr__(self, "angle", check_finite(self.angle, "angle"))
        object.__setattr__(self, "axis", check_axis(self.axis, "axis"))

    def su2(self) -> np.ndarray:
        """Spin-1/2 matrix of the rotation in the (↓, ↑) order.

        Returns
        -------
        numpy.ndarray
            Complex 2×2 SU(2) matrix ``exp(-i angle n·σ/2)``.
        """
        return _su2_unchecked(self.angle, self.axis)

    def inverse(self) -> "Rotation":
        """The inverse rotation, about the same axis by ``-angle``.

        Returns
        -------
        Rotation
            ``R_n(-angle)``.
        """
        return Rotation(-self.angle, self.axis)

    def describe(self) -> str:
        """One-line description with the angle and the axis angles (rad).

        Returns
        -------
        str
            E.g. ``"R(angle=1.5708, polar=1.5708, azimuth=0)"``.
        """
        polar, azimuth = axis_to_angles(self.axis)
        return f"R(angle={self.angle:.6g}, polar={polar:.6g}, azimuth={azimuth:.6g})"


@dataclass(frozen=True)
class Twist:
    """One-axis twisting ``T_n(μ) = exp(-i (μ/2)(n·J)²)`` (Kitagawa & Ueda, PRA 47, 5138 (1993)).

    Parameters
    ----------
    strength : float
        Twisting strength μ = 2χt, in rad (dimensionless).
    axis : {'x', 'y', 'z'} or array_like of shape (3,)
        Twisting axis n; stored as a normalised 3-tuple.

    Raises
    ------
    TypeError
        If ``strength`` is not a number or ``axis`` has the wrong type.
    QClockError
        If ``strength`` is not finite or ``axis`` is an unknown letter or zero.
    """

    strength: float
    axis: tuple[float, float, float]

    def __post_init__(self):
        object.__setattr__(self, "strength", check_finite(self.strength, "strength"))
        object.__setattr__(self, "axis", check_axis(self.axis, "axis"))

    def inverse(self) -> "Twist":
        """The inverse twist, about the same axis with strength ``-μ``.

        Returns
        -------
        Twist
            ``T_n(-μ)``.
        """
        return Twist(-self.strength, self.axis)

    def describe(self) -> str:
        """One-line description with μ and the axis angles (rad).

        Returns
        -------
        str
            E.g. ``"T(mu=0.1, polar=0, azimuth=0)"``.
        """
        polar, azimuth = axis_to_angles(self.axis)
        return f"T(mu={self.strength:.6g}, polar={polar:.6g}, azimuth={azimuth:.6g})"


def _frozen_array(values, name: str) -> np.ndarray:
    array = np.array(values, dtype=complex)
    if not np.all(np.isfinite(array)):
        raise QClockError(f"{name} must contain only finite numbers")
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class PrepareState:
    """Prepare ``|ψ⟩`` from ``|↓…↓⟩`` (allowed as the first preparation operation only).

    Parameters
    ----------
    amplitudes : array_like of shape (N+1,)
        Dicke-basis amplitudes (M ascending); normalised on construction and
        stored read-only.
    label : str, optional
        Name of the state (default ``'state'``); ``'ghz'`` is compiled to a CNOT
        ladder by the circuit builder.

    Raises
    ------
    QClockError
        If ``amplitudes`` is not 1-D with at least 2 entries, not finite or all zero.
    """

    amplitudes: np.ndarray
    label: str = "state"

    def __post_init__(self):
        array = np.array(self.amplitudes, dtype=complex)
        if array.ndim != 1 or array.shape[0] < 2:
            raise QClockError(f"amplitudes must be a 1-D array of N+1 >= 2 numbers, got shape {array.shape}")
        norm = np.linalg.norm(array)
        if not np.isfinite(norm) or norm < 1e-12:
            raise QClockError("amplitudes must be finite and not all zero")
        object.__setattr__(self, "amplitudes", _frozen_array(array / norm, "amplitudes"))

    def describe(self) -> str:
        """One-line description, ``"Prepare(<label>)"``.

        Returns
        -------
        str
            The description.
        """
        return f"Prepare({self.label})"


@dataclass(frozen=True, eq=False)
class CollectiveUnitary:
    """An arbitrary unitary on the symmetric subspace, in the Dicke basis (M ascending).

    Compiled to a qubit unitary by the circuit builder, for small N only.

    Parameters
    ----------
    matrix : array_like of shape (N+1, N+1)
        Unitary matrix (checked to 1e-8); stored read-only.
    label : str, optional
        Name of the unitary (default ``'unitary'``).

    Raises
    ------
    QClockError
        If ``matrix`` is not square, not unitary or not finite.
    """

    matrix: np.ndarray
    label: str = "unitary"

    def __post_init__(self):
        array = np.array(self.matrix, dtype=complex)
        if array.ndim != 2 or array.shape[0] != array.shape[1]:
            raise QClockError(f"matrix must be square, got shape {array.shape}")
        error = np.abs(array.conj().T @ array - np.eye(array.shape[0])).max()
        if error > 1e-8:
            raise QClockError(f"matrix must be unitary; ‖U†U − 1‖max = {error:.3g}")
        object.__setattr__(self, "matrix", _frozen_array(array, "matrix"))

    def inverse(self) -> "CollectiveUnitary":
        """The inverse (Hermitian conjugate) unitary, labelled ``"<label>†"``.

        Returns
        -------
        CollectiveUnitary
            ``U†``.
        """
        return CollectiveUnitary(self.matrix.conj().T, f"{self.label}†")

    def describe(self) -> str:
        """One-line description, ``"Unitary(<label>)"``.

        Returns
        -------
        str
            The description.
        """
        return f"Unitary({self.label})"


Operation = Rotation | Twist | PrepareState | CollectiveUnitary


def operation_to_dict(op: Operation) -> dict:
    """Plain-data form of an operation (JSON-compatible).

    Parameters
    ----------
    op : Rotation, Twist, PrepareState or CollectiveUnitary
        The operation.

    Returns
    -------
    dict
        ``{"type": ..., ...}`` with the fields of the operation; complex arrays
        are stored as ``"real"`` and ``"imag"`` nested lists.

    Raises
    ------
    TypeError
        If ``op`` is not one of the operation types.
    """
    if isinstance(op, Rotation):
        return {"type": "rotation", "angle": op.angle, "axis": list(op.axis)}
    if isinstance(op, Twist):
        return {"type": "twist", "strength": op.strength, "axis": list(op.axis)}
    if isinstance(op, PrepareState):
        return {"type": "prepare_state", "label": op.label,
                "real": op.amplitudes.real.tolist(), "imag": op.amplitudes.imag.tolist()}
    if isinstance(op, CollectiveUnitary):
        return {"type": "unitary", "label": op.label,
                "real": op.matrix.real.tolist(), "imag": op.matrix.imag.tolist()}
    raise TypeError(f"not an operation: {op!r}")


def operation_from_dict(data: dict) -> Operation:
    """Rebuild an operation from :func:`operation_to_dict` output.

    Parameters
    ----------
    data : dict
        Plain-data form with a ``"type"`` of ``rotation``, ``twist``,
        ``prepare_state`` or ``unitary``.

    Returns
    -------
    Rotation, Twist, PrepareState or CollectiveUnitary
        The operation (re-validated).

    Raises
    ------
    QClockError
        If the type is unknown or the values are invalid.
    """
    kind = data.get("type")
    if kind == "rotation":
        return Rotation(data["angle"], tuple(data["axis"]))
    if kind == "twist":
        return Twist(data["strength"], tuple(data["axis"]))
    if kind == "prepare_state":
        return PrepareState(np.asarray(data["real"]) + 1j * np.asarray(data["imag"]), data["label"])
    if kind == "unitary":
        return CollectiveUnitary(np.asarray(data["real"]) + 1j * np.asarray(data["imag"]), data["label"])
    raise QClockError(f"operation type must be rotation, twist, prepare_state or unitary, got {kind!r}")


