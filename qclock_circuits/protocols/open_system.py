"""Exact outcome probabilities of a Ramsey protocol under local noise, at real atom numbers.

The state is followed in the permutation-invariant basis
(:mod:`qclock_circuits.spin.permutation_invariant`, ≈ N³/6 numbers) through the
preparation (rotations exact, twists with their dissipation integrated as one
Lindblad evolution each), the dark-time channel, and the measurement. Because
every local channel here commutes with rotations about z, the imprint
``exp(−iφJz)`` multiplies the entry ``(j, m, m′)`` by ``e^{i(m′−m)φ}``, and

    P(n|φ) = Σ_d c_n(d) e^{idφ},   c_n(d) = Σ_{entries with m′−m = d} F_n ρ,

with ``F_n`` the measurement's effect for n excited atoms pulled back to the
imprint (a covector). For a unitary measurement (rotations and ideal twists)
``F_n`` is the row of the block unitary and the sum runs along the diagonals of
every block; with dissipative twists in the measurement the effects are pulled
back through the adjoint Lindblad evolution. Detection errors then act as the
stochastic matrix :func:`~.noise.readout_matrix` on n.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import sparse

from .._blas import small_matrix_threads
from .._validation import QClockError
from ..spin import apply_su2, magnetic_numbers
from ..spin.permutation_invariant import (
    check_pi_atoms,
    local_generator,
    pi_apply_su2,
    pi_basis,
    pi_covector_apply_su2,
    pi_evolve,
    pi_excitation_covectors,
    pi_from_pure,
    pi_symmetric_weight,
    pi_twist_phases,
)
from .noise import LocalNoise
from .operations import PrepareState

__all__ = ["noisy_dicke_coefficients", "mixed_input_state"]


@lru_cache(maxsize=32)
def _dissipator(atoms: int, decay: float, dephasing: float, pumping: float) -> sparse.csr_matrix:
    return local_generator(pi_basis(atoms), decay=decay, dephasing=dephasing, pumping=pumping)


@lru_cache(maxsize=16)
def _twist_diagonal(atoms: int) -> np.ndarray:
    """``−i(1/2)(m² − m′²)`` of every entry: the generator of a unit-strength z twist."""
    basis = pi_basis(atoms)
    m = basis.entry_a - basis.entry_two_j / 2.0
    m1 = basis.entry_b - basis.entry_two_j / 2.0
    diagonal = -0.5j * (m * m - m1 * m1)
    diagonal.setflags(write=False)
    return diagonal


def _dissipative_twist(atoms: int, noise: LocalNoise, strength: float, x: np.ndarray) -> np.ndarray:
    """One twist of strength μ with the local dissipation of ``noise`` acting for its duration τ.

    Integrates ``dρ/ds = −i(μ/2)[Jz², ρ] + τ 𝓛(ρ)`` over s ∈ [0, 1] (exact); on
    covectors (2-D input) the adjoint evolution. The ideal twist is a phase.
    """
    duration = noise.twist_time(strength)
    basis = pi_basis(atoms)
    if duration == 0.0:
        return x * pi_twist_phases(basis, strength)
    dissipator = _dissipator(atoms, noise.decay_rate * duration, noise.dephasing_rate * duration,
                             noise.pumping_rate * duration)
    return pi_evolve(dissipator, x, diagonal=strength * _twist_diagonal(atoms))


def mixed_input_state(protocol, noise: LocalNoise) -> np.ndarray:
    """Flat permutation-invariant state entering the imprint: preparation, then the dark-time channel.

    The dark-time channel commutes with the imprint ``exp(−iφJz)``, so it may act
    before it. Twists in the preparation are integrated with the local
    dissipation of ``noise`` (Shammah et al., PRA 98, 063815 (2018)).

    Parameters
    ----------
    protocol : RamseyProtocol
        The protocol (N ≤ ``MAX_PI_ATOMS``).
    noise : LocalNoise
        Local noise of the interrogation; its detection error is ignored here.

    Returns
    -------
    numpy.ndarray
        Complex flat state of shape (size,) in the layout of
        :mod:`qclock_circuits.spin.permutation_invariant`.

    Raises
    ------
    QClockError
        If N exceeds the engine's limit, or a collective unitary would act after
        a dissipative twist has taken the state out of the symmetric subspace.
    """
    from .ramsey import compile_operations

    atoms = check_pi_atoms(protocol.atoms)
    basis = pi_basis(atoms)
    ops = protocol.preparation
    if ops and isinstance(ops[0], PrepareState):
        x = pi_from_pure(ops[0].amplitudes)
        ops = ops[1:]
    else:
        x = np.zeros(basis.size, dtype=complex)
        x[0] = 1.0  # |j = N/2, m = −N/2⟩⟨…|, all atoms in |↓⟩
    for kind, payload in compile_operations(ops):
        if kind == "su2":
            x = pi_apply_su2(x, basis, payload)
        elif kind == "zphase":
            x = _dissipative_twist(atoms, noise, payload, x)
        else:
            if pi_symmetric_weight(x, basis) > 0.0:
                raise QClockError("the protocol applies a collective unitary defined only on the symmetric "
                                  "subspace after a dissipative twist has taken the state out of it; local "
                                  "noise during the twists cannot be combined with it")
            block = basis.block(x, 0)
            block[...] = payload @ block @ payload.conj().T
    if noise.has_dark_noise:
        decay, dephasing, pumping, flip = noise.dark_rates()
        x = pi_evolve(_dissipator(atoms, decay, dephasing, pumping), x)
        if flip:
            x = x * np.where(basis.coherence_order % 2 == 0, 1.0, -1.0)  # exp(−iπJz) on both sides
    return x


def _measurement_is_unitary(steps, noise: LocalNoise) -> bool:
    return all(kind == "su2" or (kind == "zphase" and noise.twist_time(payload) == 0.0)
               for kind, payload in steps)


def _block_unitary(steps, dimension: int) -> np.ndarray:
    """The measurement steps (rotations, ideal twists) as the spin-j matrix of one block."""
    m = magnetic_numbers(dimension - 1)
    matrix = np.eye(dimension, dtype=complex)
    for kind, payload in steps:
        if kind == "su2":
            matrix = apply_su2(matrix, payload)
        else:
            matrix = np.exp(-0.5j * payload * m**2)[:, None] * matrix
    return matrix


def noisy_dicke_coefficients(protocol, noise: LocalNoise) -> np.ndarray:
    """Fourier coefficients of ``P(n excited | φ)`` under the quantum channels of ``noise``.

    Detection errors are *not* applied here (see :func:`~.noise.readout_matrix`).

    Parameters
    ----------
    protocol : RamseyProtocol
        The protocol (N ≤ ``MAX_PI_ATOMS``).
    noise : LocalNoise
        Local noise of the interrogation; its detection error is ignored here.

    Returns
    -------
    numpy.ndarray
        Complex array c of shape (N+1, 2N+1) with
        ``P(n|φ) = Σ_{d=−N}^{N} c[n, d+N] e^{idφ}`` (φ in rad).

    Raises
    ------
    QClockError
        N above the engine's limit, or a collective unitary (phase-operator
        measurement) that would have to act outside the symmetric subspace.
    """
    from .ramsey import compile_operations

    atoms = protocol.atoms
    x = mixed_input_state(protocol, noise)
    basis = pi_basis(atoms)
    steps = compile_operations(protocol.measurement)
    if any(kind == "matrix" for kind, _ in steps) and pi_symmetric_weight(x, basis) > 0.0:
        raise QClockError(f"{protocol.name}: its measurement contains a collective unitary defined only on "
                          "the symmetric subspace (e.g. the phase-operator measurement), and local noise "
                          "before it takes the state out of that subspace; only readout_error can be applied "
                          "to this protocol")
    coefficients = np.zeros((atoms + 1, 2 * atoms + 1), dtype=complex)
    if _measurement_is_unitary(steps, noise):
        with small_matrix_threads(atoms + 1):
            for index in range(basis.blocks):
                d = int(basis.dims[index])
                two_j = int(basis.two_j[index])
                rho = basis.block(x, index)
                unitary = _block_unitary(steps, d) if d > 1 else np.ones((1, 1), dtype=complex)
                rows = slice((atoms - two_j) // 2, (atoms - two_j) // 2 + d)  # n = a + N/2 − j
                for lag in range(d):
                    diagonal = np.diagonal(rho, offset=lag)
                    values = (unitary[:, : d - lag] * unitary[:, lag:].conj()) @ diagonal
                    coefficients[rows, atoms + lag] += values
                    if lag:
                        coefficients[rows, atoms - lag] += values.conj()
        return coefficients
    effects = pi_excitation_covectors(basis)
    for kind, payload in reversed(steps):
        if kind == "su2":
            effects = pi_covector_apply_su2(effects, basis, payload)
        elif kind == "zphase":
            effects = _dissipative_twist(atoms, noise, payload, effects)
        else:
            raise QClockError(f"{protocol.name}: a collective unitary in the measurement cannot follow local "
                              "noise")  # pragma: no cover - caught above
    orders = basis.coherence_order + atoms
    weighted = effects * x[None, :]
    for n in range(atoms + 1):
        coefficients[n] = np.bincount(orders, weights=weighted[n].real, minlength=2 * atoms + 1) \
            + 1j * np.bincount(orders, weights=weighted[n].imag, minlength=2 * atoms + 1)
    return coefficients
