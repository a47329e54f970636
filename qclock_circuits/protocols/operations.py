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
    """Collective rotation ``R_n(angle) = exp(-i angle n·J)`` (angle in radians)."""

    angle: float
    axis: tuple[float, float, float]

    def __post_init__(self):
        object.__setattr__(self, "angle", check_finite(self.angle, "angle"))
        object.__setattr__(self, "axis", check_axis(self.axis, "axis"))

    def su2(self) -> np.ndarray:
        """Spin-1/2 matrix in the (↓, ↑) order."""
        return _su2_unchecked(self.angle, self.axis)

    def inverse(self) -> "Rotation":
        return Rotation(-self.angle, self.axis)

    def describe(self) -> str:
        polar, azimuth = axis_to_angles(self.axis)
        return f"R(angle={self.angle:.6g}, polar={polar:.6g}, azimuth={azimuth:.6g})"


@dataclass(frozen=True)
class Twist:
    """One-axis twisting ``T_n(μ) = exp(-i (μ/2)(n·J)²)`` (μ = 2χt, dimensionless)."""

    strength: float
    axis: tuple[float, float, float]

    def __post_init__(self):
        object.__setattr__(self, "strength", check_finite(self.strength, "strength"))
        object.__setattr__(self, "axis", check_axis(self.axis, "axis"))

    def inverse(self) -> "Twist":
        return Twist(-self.strength, self.axis)

    def describe(self) -> str:
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
    """Prepare ``|ψ⟩`` (Dicke amplitudes, normalised on construction) from ``|↓…↓⟩``."""

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
        return f"Prepare({self.label})"


@dataclass(frozen=True, eq=False)
class CollectiveUnitary:
    """An arbitrary unitary on the symmetric subspace, Dicke basis (M ascending)."""

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
        return CollectiveUnitary(self.matrix.conj().T, f"{self.label}†")

    def describe(self) -> str:
        return f"Unitary({self.label})"


Operation = Rotation | Twist | PrepareState | CollectiveUnitary


def operation_to_dict(op: Operation) -> dict:
    """Plain-data form of an operation (JSON-compatible)."""
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
    """Inverse of :func:`operation_to_dict`."""
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


