"""Gate-level building blocks for collective operations on N qubits.

Conventions (``CONVENTIONS.md``): atom ``|↓⟩`` is qubit ``|0⟩`` and ``|↑⟩`` is qubit ``|1⟩``,
so a spin-1/2 matrix written in the (↓, ↑) order *is* the matrix in the
qubit computational basis (``|0⟩``, ``|1⟩``) and can be handed to Qiskit unchanged.
With σ = (X, −Y, −Z) in Qiskit's Paulis, a collective rotation
``exp(−iθ n·J)`` is ``exp(−iθ n·σ/2)`` on every qubit, so that

* ``Rx(θ)`` → ``RX(θ)``, ``Ry(θ)`` → ``RY(−θ)``, ``Rz(θ)`` → ``RZ(−θ)``;
* ``T_z(μ) = exp(−i(μ/2)Jz²) = e^{−iμN/8} Π_{i<j} RZZ(μ/2)``;
* ``T_x(μ) = exp(−i(μ/2)Jx²) = e^{−iμN/8} Π_{i<j} RXX(μ/2)``
  (``= e^{−iμN/8} MSGate(N, μ/2)``).

The functions here return exact gate sequences, global phase included, so
that the circuit unitary restricted to the symmetric subspace equals the
collective operator of :mod:`qclock_circuits.spin` (tested).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from qiskit import QuantumCircuit
from qiskit.synthesis import OneQubitEulerDecomposer
from scipy.special import gammaln

from ..spin.rotations import axis_to_angles, frame_rotation, su2_matrix

__all__ = [
    "single_qubit_circuit",
    "twist_frame",
    "popcounts",
    "symmetric_isometry",
    "collective_unitary_matrix",
    "two_level_preparation",
    "fanout_pairs",
]

_EULER_BASES = ("ZYZ", "ZXZ")
_DECOMPOSERS = {basis: OneQubitEulerDecomposer(basis) for basis in _EULER_BASES}

# S with S† σx S = σz (spin-1/2, (↓,↑) order): an x-twist conjugated by S is a z-twist.
_X_TO_Z = su2_matrix(np.pi / 2, "y")


def single_qubit_circuit(matrix: np.ndarray, atol: float = 1e-12) -> QuantumCircuit:
    """Shortest exact Euler decomposition of a 2×2 unitary (global phase included).

    Tries the ZYZ and ZXZ bases (RZ/RY/RZ or RZ/RX/RZ, zero angles dropped)
    and returns the one with fewer gates; an identity (up to phase) gives an
    empty circuit that carries only the phase.

    Parameters
    ----------
    matrix : array_like of shape (2, 2)
        The unitary, in Qiskit's basis order (``|0⟩``, ``|1⟩``) = (``|↓⟩``, ``|↑⟩``).
    atol : float, optional
        Absolute tolerance below which an angle is dropped (default 1e-12, rad).

    Returns
    -------
    qiskit.QuantumCircuit
        One-qubit circuit equal to ``matrix`` including its global phase.
    """
    best = None
    for basis in _EULER_BASES:
        circuit = _DECOMPOSERS[basis](np.asarray(matrix, dtype=complex), simplify=True, atol=atol)
        if best is None or len(circuit.data) < len(best.data):
            best = circuit
    return best


def twist_frame(axis: tuple[float, float, float], native: str) -> np.ndarray | None:
    """Spin-1/2 frame ``F`` with ``F† σ_native F = n·σ``, or None if ``n = ±native``.

    Then ``T_n(μ) = F† T_native(μ) F`` for a twist about ``n`` (``native`` is
    ``'z'`` for the RZZ network and ``'x'`` for the Mølmer–Sørensen form).
    Since ``(−n·J)² = (n·J)²`` the sign of the axis does not matter.

    Parameters
    ----------
    axis : tuple of float
        Unit twisting axis ``(nx, ny, nz)``.
    native : {'z', 'x'}
        Axis of the native twisting interaction.

    Returns
    -------
    numpy.ndarray or None
        Complex 2×2 frame rotation in the (``|↓⟩``, ``|↑⟩``) basis, or None when the
        axis already is ±native.
    """
    nx, ny, nz = axis
    if native == "z":
        if abs(nx) < 1e-15 and abs(ny) < 1e-15:
            return None
        return frame_rotation(*axis_to_angles(axis))
    if abs(ny) < 1e-15 and abs(nz) < 1e-15:
        return None
    return _X_TO_Z @ frame_rotation(*axis_to_angles(axis))


@lru_cache(maxsize=32)
def popcounts(num_qubits: int) -> np.ndarray:
    """Number of '1' bits of every basis index ``0..2**n − 1`` (read-only, cached).

    Parameters
    ----------
    num_qubits : int
        Number of qubits n.

    Returns
    -------
    numpy.ndarray
        Int64 array of shape (2**n,), the number of excited atoms of each basis
        state (Qiskit little-endian index).
    """
    index = np.arange(2**num_qubits, dtype=np.int64)
    count = np.zeros(2**num_qubits, dtype=np.int64)
    for bit in range(num_qubits):
        count += (index >> bit) & 1
    count.setflags(write=False)
    return count


def symmetric_isometry(atoms: int) -> np.ndarray:
    """Isometry ``V`` (2**N × (N+1)) from Dicke states to qubit states.

    Column ``k`` is the normalised Dicke state with ``k`` qubits in ``|1⟩`` (the
    same embedding as :func:`qclock_circuits.spin.embed_symmetric`).

    Parameters
    ----------
    atoms : int
        Number of atoms (qubits) N.

    Returns
    -------
    numpy.ndarray
        Real array of shape (2**N, N+1) with orthonormal columns.
    """
    count = popcounts(atoms)
    k = np.arange(atoms + 1)
    log_binom = gammaln(atoms + 1) - gammaln(k + 1) - gammaln(atoms - k + 1)
    isometry = np.zeros((2**atoms, atoms + 1))
    isometry[np.arange(2**atoms), count] = np.exp(-0.5 * log_binom)[count]
    return isometry


def collective_unitary_matrix(matrix: np.ndarray) -> np.ndarray:
    """Qubit unitary ``W = V U V† + (1 − V V†)`` of a Dicke-basis unitary ``U``.

    ``W`` acts as ``U`` on the symmetric subspace and as the identity on its
    orthogonal complement.

    Parameters
    ----------
    matrix : array_like of shape (N+1, N+1)
        Unitary U on the Dicke basis (M ascending).

    Returns
    -------
    numpy.ndarray
        Complex unitary of shape (2**N, 2**N), Qiskit ordering.
    """
    unitary = np.asarray(matrix, dtype=complex)
    atoms = unitary.shape[0] - 1
    isometry = symmetric_isometry(atoms)
    delta = unitary - np.eye(atoms + 1)
    return np.eye(2**atoms, dtype=complex) + isometry @ delta @ isometry.T


def two_level_preparation(amplitudes: np.ndarray, atol: float = 1e-12) -> np.ndarray | None:
    """2×2 unitary ``U`` with ``U|0⟩ = a_0|0⟩ + a_N|1⟩`` if only k = 0 and k = N are populated.

    A state ``a_0|0…0⟩ + a_N|1…1⟩`` (the GHZ family) is then ``U`` on qubit 0
    followed by a CNOT fan-out (:func:`fanout_pairs`).

    Parameters
    ----------
    amplitudes : array_like of shape (N+1,)
        Dicke-basis amplitudes of the state to prepare.
    atol : float, optional
        Largest ``|amplitude|`` of the levels 0 < k < N taken as zero (default 1e-12).

    Returns
    -------
    numpy.ndarray or None
        Complex 2×2 unitary, or None for any other state.
    """
    amplitudes = np.asarray(amplitudes, dtype=complex)
    if amplitudes.shape[0] > 2 and np.max(np.abs(amplitudes[1:-1])) > atol:
        return None
    a, b = amplitudes[0], amplitudes[-1]
    norm = np.hypot(abs(a), abs(b))
    a, b = a / norm, b / norm
    return np.array([[a, -np.conj(b)], [b, np.conj(a)]])


def fanout_pairs(num_qubits: int) -> list[tuple[int, int]]:
    """CNOT (control, target) pairs copying qubit 0 to all qubits in ⌈log2 N⌉ layers.

    Parameters
    ----------
    num_qubits : int
        Number of qubits N.

    Returns
    -------
    list of (int, int)
        The (control, target) pairs in the order to apply; empty for N = 1.
    """
    pairs = []
    filled = 1
    while filled < num_qubits:
        step = min(filled, num_qubits - filled)
        pairs += [(q, q + filled) for q in range(step)]
        filled += step
    return pairs
