"""Named states of N atoms in the Dicke basis (index k = number of excited atoms).

All constructors are exact and stable to N = 2000 and beyond: amplitudes are
built in the log domain where binomials appear.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

from .._validation import QClockError, check_atoms, check_finite
from .rotations import axis_to_angles

__all__ = [
    "dicke_state",
    "ground_state",
    "coherent_state",
    "ghz_state",
    "sine_state",
    "embed_symmetric",
    "dicke_populations",
]


def dicke_state(atoms: int, excitations: int) -> np.ndarray:
    """Dicke state with ``excitations`` atoms in ``|↑⟩`` (Jz eigenvalue M = excitations - N/2).

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1.
    excitations : int
        Number k of excited atoms, 0 ≤ k ≤ N.

    Returns
    -------
    numpy.ndarray
        Normalised complex state vector of shape (N+1,) in the Dicke basis
        (index k = number of excited atoms).
        It is the unit vector e_k.

    Raises
    ------
    TypeError
        If ``atoms`` or ``excitations`` is not an integer.
    QClockError
        If ``atoms`` < 1 or ``excitations`` is outside 0..N.
    """
    atoms = check_atoms(atoms)
    if isinstance(excitations, bool) or not isinstance(excitations, (int, np.integer)):
        raise TypeError(f"excitations must be an integer in 0..{atoms}, got {excitations!r}")
    if not 0 <= excitations <= atoms:
        raise QClockError(f"excitations must be an integer in 0..{atoms}, got {excitations}")
    state = np.zeros(atoms + 1, dtype=complex)
    state[int(excitations)] = 1.0
    return state


def ground_state(atoms: int) -> np.ndarray:
    """All atoms in ``|↓⟩`` (every qubit in ``|0⟩``): Dicke index 0, M = -N/2.

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1.

    Returns
    -------
    numpy.ndarray
        Normalised complex state vector of shape (N+1,) in the Dicke basis
        (index k = number of excited atoms).

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer.
    QClockError
        If ``atoms`` < 1.
    """
    return dicke_state(atoms, 0)


def coherent_state(atoms: int, polar: float | None = None, azimuth: float | None = None,
                   *, axis=None) -> np.ndarray:
    """Coherent spin state (CSS): every atom polarised along the direction n.

    Give either ``(polar, azimuth)`` (θ from +z, ϕ from +x) or ``axis``. The
    single-atom state is ``cos(θ/2)|↑⟩ + e^{iϕ} sin(θ/2)|↓⟩`` up to a global
    phase, so that ``⟨σ⟩ = n``; the CSS along +x is ``Ry(-π/2)|↓…↓⟩`` of
    Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (A66). Amplitudes are
    computed in the log domain, stable for large N.

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1.
    polar : float, optional
        Polar angle θ from +z, in rad (default 0 when ``axis`` is not given).
    azimuth : float, optional
        Azimuth ϕ from +x in the xy plane, in rad (default 0).
    axis : {'x', 'y', 'z', '-x', '-y', '-z'} or array_like of shape (3,), optional
        Direction n instead of the angles (keyword only).

    Returns
    -------
    numpy.ndarray
        Normalised complex state vector of shape (N+1,) in the Dicke basis
        (index k = number of excited atoms).
        The global phase makes the largest amplitude real and positive.

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer or an angle is not a real number.
    QClockError
        If ``atoms`` < 1, an angle is not finite, ``axis`` is invalid, or both
        ``axis`` and angles are given.
    """
    atoms = check_atoms(atoms)
    if axis is not None:
        if polar is not None or azimuth is not None:
            raise QClockError("give either polar/azimuth or axis, not both")
        if isinstance(axis, str) and axis.startswith("-") and len(axis) == 2:
            polar, azimuth = axis_to_angles(axis[1])
            polar, azimuth = np.pi - polar, azimuth + np.pi
        else:
            polar, azimuth = axis_to_angles(axis)
    polar = check_finite(0.0 if polar is None else polar, "polar")
    azimuth = check_finite(0.0 if azimuth is None else azimuth, "azimuth")
    k = np.arange(atoms + 1)
    up = np.cos(polar / 2.0)
    down = np.sin(polar / 2.0)
    # amplitude_k = sqrt(C(N,k)) up^k (e^{iϕ} down)^(N-k), computed in logs.
    log_binom = 0.5 * (gammaln(atoms + 1) - gammaln(k + 1) - gammaln(atoms - k + 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        log_up = np.where(k == 0, 0.0, k * np.log(abs(up)))  # 0·log 0 = 0
        log_down = np.where(k == atoms, 0.0, (atoms - k) * np.log(abs(down)))
    log_mag = log_binom + log_up + log_down
    magnitude = np.exp(log_mag)
    sign = np.sign(up) ** k * np.sign(down) ** (atoms - k)
    state = magnitude * sign * np.exp(1j * azimuth * (atoms - k))
    # global phase: make the largest amplitude real positive
    pivot = int(np.argmax(np.abs(state)))
    state *= np.exp(-1j * np.angle(state[pivot]))
    return state / np.linalg.norm(state)


def ghz_state(atoms: int, relative_phase: float = 0.0) -> np.ndarray:
    """GHZ state ``(|↓…↓⟩ + e^{i relative_phase}|↑…↑⟩)/√2``.

    Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (A76).

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1.
    relative_phase : float, optional
        Phase of the ``|↑…↑⟩`` component relative to ``|↓…↓⟩``, in rad (default 0).

    Returns
    -------
    numpy.ndarray
        Normalised complex state vector of shape (N+1,) in the Dicke basis
        (index k = number of excited atoms).
        For N = 1 both components add to the same vector, which is then normalised.

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer or ``relative_phase`` is not a number.
    QClockError
        If ``atoms`` < 1 or ``relative_phase`` is not finite.
    """
    atoms = check_atoms(atoms)
    relative_phase = check_finite(relative_phase, "relative_phase")
    state = np.zeros(atoms + 1, dtype=complex)
    state[0] = 1 / np.sqrt(2)
    state[-1] += np.exp(1j * relative_phase) / np.sqrt(2)
    return state / np.linalg.norm(state)


def sine_state(atoms: int) -> np.ndarray:
    """Sine state of Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (A46).

    ``|ψ⟩ = sqrt(2/(N+1)) Σ_k sin(π(k + 1/2)/(N+1)) |k⟩`` with ``k = M + N/2``.
    The paper writes the argument as ``π(M + 1/2)/(N+1)`` with M counted from
    the lowest level; read literally with ``M = -N/2..N/2`` the vector would
    not have the stated normalisation, whereas with ``k = M + N/2`` it has
    norm exactly 1 (Σ_k sin² = (N+1)/2).

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1.

    Returns
    -------
    numpy.ndarray
        Normalised complex state vector of shape (N+1,) in the Dicke basis
        (index k = number of excited atoms).
        All amplitudes are real and positive.

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer.
    QClockError
        If ``atoms`` < 1.
    """
    atoms = check_atoms(atoms)
    k = np.arange(atoms + 1)
    state = np.sqrt(2.0 / (atoms + 1)) * np.sin(np.pi * (k + 0.5) / (atoms + 1))
    return state.astype(complex)


def embed_symmetric(state: np.ndarray) -> np.ndarray:
    """Map a Dicke-basis state to the 2**N-amplitude qubit state vector.

    Qubit ``|1⟩`` is ``|↑⟩``; Qiskit's little-endian index ``b`` holds the bitstring
    with ``popcount(b)`` excited atoms, weight ``amplitude_k / sqrt(C(N,k))``.

    Parameters
    ----------
    state : array_like of shape (N+1,)
        Complex amplitudes in the Dicke basis.

    Returns
    -------
    numpy.ndarray
        Complex array of shape (2**N,), the same state on N qubits (Qiskit
        ordering); its norm equals that of ``state``.

    Raises
    ------
    QClockError
        If N > 24 (the vector would not fit in memory).
    """
    state = np.asarray(state, dtype=complex)
    atoms = state.shape[0] - 1
    if atoms > 24:
        raise QClockError(f"embed_symmetric needs 2**N amplitudes; N = {atoms} exceeds the limit 24")
    index = np.arange(2**atoms)
    popcount = np.zeros(2**atoms, dtype=int)
    for bit in range(atoms):
        popcount += (index >> bit) & 1
    k = np.arange(atoms + 1)
    log_binom = gammaln(atoms + 1) - gammaln(k + 1) - gammaln(atoms - k + 1)
    weights = state / np.exp(0.5 * log_binom)
    return weights[popcount]


def dicke_populations(state: np.ndarray) -> np.ndarray:
    """Populations ``|amplitude|²`` of the Dicke levels, i.e. P(M) of a Jz measurement.

    Parameters
    ----------
    state : array_like of shape (N+1,)
        Complex amplitudes in the Dicke basis.

    Returns
    -------
    numpy.ndarray
        Float array of shape (N+1,), the probability of k = M + N/2 excited atoms.
    """
    return np.abs(np.asarray(state)) ** 2

