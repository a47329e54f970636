"""Fast sampling of a protocol's outcomes at arbitrary phases, for the clock loop.

The likelihood P(x|φ) is a 2π-periodic trigonometric polynomial of degree
≤ N. The loop needs one outcome per cycle at the cycle's residual phase, so
the cumulative distribution ``C_j(φ) = Σ_{i≤j} P(i|φ)`` is tabulated on a
uniform periodic grid of ``G`` phases and evaluated by four-point (cubic)
Lagrange interpolation; the outcome is found by bisection over j. Cost per
cycle: O(log n_outcomes). The interpolation error is measured exactly at
the grid mid-points on construction (``interpolation_error``) and must stay
below ``tolerance``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from .._validation import QClockError

__all__ = ["OutcomeTable", "sample_outcome_indices"]

_TWO_PI = 2.0 * np.pi
_MAX_TABLE_BYTES = 256 * 2**20


@dataclass(frozen=True, eq=False)
class OutcomeTable:
    """Tabulated cumulative likelihood of a protocol over one period of φ.

    Parameters
    ----------
    cdf : array (G, n_outcomes)
        ``C_j(φ_g)`` at ``φ_g = −π + 2πg/G``.
    outcomes : array (n_outcomes,)
        Outcome values of the protocol (e.g. M = k − N/2).
    interpolation_error : float
        Largest ``|interpolated − exact|`` probability found at the grid mid-points.
    """

    cdf: np.ndarray
    outcomes: np.ndarray
    interpolation_error: float

    @classmethod
    def from_likelihood(cls, likelihood, points_per_degree: int = 64, tolerance: float = 1e-5) -> "OutcomeTable":
        """Build from a protocol (or any object with ``atoms``, ``outcomes``, ``probabilities``).

        Parameters
        ----------
        likelihood : RamseyProtocol or likelihood-like
            Has ``atoms``, ``outcomes`` and ``probabilities(phi)`` (φ in rad).
        points_per_degree : int, optional
            Grid points G per degree N of the trigonometric polynomial
            (G = max(256, points_per_degree·(N + 1)), capped by memory).
        tolerance : float, optional
            Largest allowed interpolation error of a probability.

        Returns
        -------
        OutcomeTable
            The table.

        Raises
        ------
        QClockError
            If the tolerance cannot be reached within the memory cap.
        """
        atoms = likelihood.atoms
        n_outcomes = len(likelihood.outcomes)
        size = max(256, points_per_degree * (atoms + 1))
        if size * n_outcomes * 8 > _MAX_TABLE_BYTES:
            size = _MAX_TABLE_BYTES // (8 * n_outcomes)
        grid = -np.pi + _TWO_PI * np.arange(size) / size
        cdf = np.cumsum(likelihood.probabilities(grid), axis=1)
        cdf[:, -1] = 1.0
        midpoints = grid + np.pi / size
        exact = np.cumsum(likelihood.probabilities(midpoints), axis=1)
        interpolated = np.empty_like(exact)
        _interpolate_rows(cdf, midpoints, interpolated)
        error = float(np.abs(interpolated - exact).max())
        if error > tolerance:
            raise QClockError(f"the outcome table for N = {atoms} cannot reach the interpolation tolerance "
                              f"{tolerance:g} within {_MAX_TABLE_BYTES // 2**20} MiB (error {error:.2g}); "
                              "use fewer atoms or a looser tolerance")
        cdf.setflags(write=False)
        return cls(cdf=np.ascontiguousarray(cdf), outcomes=np.asarray(likelihood.outcomes, dtype=float),
                   interpolation_error=error)


@numba.njit(cache=True, inline="always")
def _weights(phase, size):
    position = (phase + np.pi) / (2.0 * np.pi) * size
    position -= np.floor(position / size) * size  # wrap into [0, size)
    base = int(np.floor(position))
    f = position - base
    w0 = -f * (f - 1.0) * (f - 2.0) / 6.0
    w1 = (f + 1.0) * (f - 1.0) * (f - 2.0) / 2.0
    w2 = -(f + 1.0) * f * (f - 2.0) / 2.0
    w3 = (f + 1.0) * f * (f - 1.0) / 6.0
    return base, w0, w1, w2, w3


@numba.njit(cache=True, inline="always")
def _cdf_at(cdf, base, w0, w1, w2, w3, column):
    size = cdf.shape[0]
    return (w0 * cdf[(base - 1) % size, column] + w1 * cdf[base % size, column]
            + w2 * cdf[(base + 1) % size, column] + w3 * cdf[(base + 2) % size, column])


@numba.njit(cache=True)
def _interpolate_rows(cdf, phases, out):
    size = cdf.shape[0]
    for i in range(phases.shape[0]):
        base, w0, w1, w2, w3 = _weights(phases[i], size)
        for j in range(cdf.shape[1]):
            out[i, j] = _cdf_at(cdf, base, w0, w1, w2, w3, j)


@numba.njit(cache=True, inline="always")
def draw_index(cdf, phase, uniform):
    """Smallest outcome index j with C_j(φ) > uniform (bisection on the interpolated CDF)."""
    base, w0, w1, w2, w3 = _weights(phase, cdf.shape[0])
    low = 0
    high = cdf.shape[1] - 1
    while low < high:
        middle = (low + high) // 2
        if _cdf_at(cdf, base, w0, w1, w2, w3, middle) > uniform:
            high = middle
        else:
            low = middle + 1
    return low


@numba.njit(cache=True)
def _sample_many(cdf, phases, uniforms, out):
    for i in range(phases.shape[0]):
        out[i] = draw_index(cdf, phases[i], uniforms[i])


def sample_outcome_indices(table: OutcomeTable, phases, rng) -> np.ndarray:
    """Draw one outcome index per phase (vectorised helper, mainly for tests).

    Parameters
    ----------
    table : OutcomeTable
        Cumulative likelihood of the protocol.
    phases : array_like, shape (K,)
        Phases φ (rad).
    rng : numpy.random.Generator
        Source of the uniform draws.

    Returns
    -------
    numpy.ndarray of int64, shape (K,)
        Outcome indices into ``table.outcomes``.
    """
    phases = np.ascontiguousarray(phases, dtype=float)
    uniforms = rng.random(phases.shape[0])
    out = np.empty(phases.shape[0], dtype=np.int64)
    _sample_many(table.cdf, phases, uniforms, out)
    return out
