"""One level of the cascaded GHZ estimation: parity readout and its phase estimate (Kómár et al. eq. A6).

A level of the cascade (:mod:`qclock_circuits.network.cascade`) reads ``n`` copies of a GHZ state, or
``n`` uncorrelated qubits on level 0, that accumulated the phase ``θ``. Half of the copies are read with
``χ = 0`` and half with ``χ = π/2``; each parity measurement gives +1 with probability
``(1 + V cos(θ − χ))/2`` (Kómár et al., Nature Physics 10, 582 (2014), eq. A6, with the fringe
visibility ``V``; ``V = 1`` for ideal states). The two binomial counts are turned into an estimate of
``θ`` mod 2π: the circular posterior mean under a flat prior, looked up in a table over the count pairs
that is built once per copy number and visibility (the moment estimator ``atan2`` for very many copies).

All phases are in radians; all functions are vectorised over cycles.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from qclock_circuits._validation import QClockError, check_finite
from qclock_circuits._validation import check_int as _check_int

__all__ = [
    "wrap_phase",
    "parity_probabilities",
    "sample_parities",
    "estimate_level_phase",
]

_TWO_PI = 2.0 * math.pi
#: Phase grid of the posterior-mean tables.
_GRID = 4096
#: Above this many count pairs the moment (atan2) estimator replaces the table.
_TABLE_LIMIT = 40_000


def wrap_phase(phase):
    """Wrap phases (rad) into ``[−π, π)``: the paper's ``x mod [−π, π] = (x + π) mod 2π − π``.

    Parameters
    ----------
    phase : float or array_like
        Phases (rad).

    Returns
    -------
    float or numpy.ndarray
        The wrapped phases (rad), shaped like ``phase``.
    """
    return np.mod(np.asarray(phase, dtype=float) + math.pi, _TWO_PI) - math.pi


def _quadrature_split(copies: int) -> tuple[int, int]:
    """Copies measured with χ = 0 (cosine) and with χ = π/2 (sine): ceil and floor of half."""
    return (copies + 1) // 2, copies // 2


# ----------------------------------------------------------------------------- one level
def _check_contrast(contrast, name: str = "contrast") -> float:
    contrast = check_finite(contrast, name)
    if not 0.0 < contrast <= 1.0:
        raise QClockError(f"{name} must be in (0, 1] (parity fringe visibility), got {contrast}")
    return contrast


def parity_probabilities(level_phase, contrast: float = 1.0):
    """Probability of parity +1 in the two quadratures (Kómár et al. eq. A6).

    Parameters
    ----------
    level_phase : array_like
        ``θ`` (rad), the phase accumulated by a GHZ state (``C D^(i−1) Φ``) or
        by one uncorrelated qubit (``φ_j``).
    contrast : float
        Fringe visibility ``V`` in (0, 1]: 1 for an ideal GHZ state; below 1
        for imperfectly distributed states (e.g. the predicted parity contrast
        of Werner links) or dephasing.

    Returns
    -------
    (p_cos, p_sin) : arrays
        ``(1 + V cos θ)/2`` for ``χ = 0`` and ``(1 + V sin θ)/2`` for ``χ = π/2``.
    """
    theta = np.asarray(level_phase, dtype=float)
    contrast = _check_contrast(contrast)
    return 0.5 * (1.0 + contrast * np.cos(theta)), 0.5 * (1.0 + contrast * np.sin(theta))


def sample_parities(level_phase, copies: int, rng, contrast: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Numbers of parity +1 outcomes among the cosine and the sine copies.

    ``copies`` GHZ states (or uncorrelated qubits) are split as
    ``ceil(n/2)`` cosine and ``floor(n/2)`` sine copies; the counts are
    binomial with the probabilities of :func:`parity_probabilities`.

    Parameters
    ----------
    level_phase : float or array_like
        Phase θ of the level (rad), one per cycle.
    copies : int
        Number n of copies read on the level.
    rng : numpy.random.Generator
        Source of the binomial draws.
    contrast : float, optional
        Parity fringe visibility V in (0, 1].

    Returns
    -------
    cos_counts, sin_counts : numpy.ndarray of int
        Parity +1 counts among the ``ceil(n/2)`` cosine and ``floor(n/2)``
        sine copies, shaped like ``level_phase``.
    """
    n_cos, n_sin = _quadrature_split(copies)
    p_cos, p_sin = parity_probabilities(level_phase, contrast)
    p_cos = np.clip(p_cos, 0.0, 1.0)
    p_sin = np.clip(p_sin, 0.0, 1.0)
    return rng.binomial(n_cos, p_cos), rng.binomial(n_sin, p_sin)


@functools.lru_cache(maxsize=256)
def _estimate_table(n_cos: int, n_sin: int, contrast: float, points: int = _GRID) -> np.ndarray:
    """Phase estimate in ``[−π, π)`` for every count pair, shape ``(n_cos+1, n_sin+1)``.

    The estimate is the circular posterior mean under a flat prior,
    ``arg ∫ e^{iθ} L(θ) dθ`` with the likelihood
    ``L = (1+V cos θ)^{k_c} (1−V cos θ)^{n_c−k_c} (1+V sin θ)^{k_s} (1−V sin θ)^{n_s−k_s}``,
    integrated on ``points`` (default 4096) equally spaced phases, exact for
    these trigonometric polynomials while their degree ``n_c + n_s + 1`` is
    below ``points``.
    """
    grid = -math.pi + _TWO_PI * np.arange(points) / points
    tiny = 1e-300
    cos, sin = contrast * np.cos(grid), contrast * np.sin(grid)
    logs = np.stack([np.log(np.maximum(1 + cos, tiny)), np.log(np.maximum(1 - cos, tiny)),
                     np.log(np.maximum(1 + sin, tiny)), np.log(np.maximum(1 - sin, tiny))])
    kc, ks = np.meshgrid(np.arange(n_cos + 1), np.arange(n_sin + 1), indexing="ij")
    counts = np.stack([kc.ravel(), n_cos - kc.ravel(), ks.ravel(), n_sin - ks.ravel()], axis=1).astype(float)
    phasor = np.exp(1j * grid)
    table = np.empty(counts.shape[0])
    for start in range(0, counts.shape[0], 512):
        loglik = counts[start:start + 512] @ logs
        loglik -= loglik.max(axis=1, keepdims=True)
        table[start:start + 512] = np.angle(np.exp(loglik) @ phasor)
    table = wrap_phase(table)
    table.setflags(write=False)
    return table.reshape(n_cos + 1, n_sin + 1)


def estimate_level_phase(cos_counts, sin_counts, copies: int, contrast: float = 1.0):
    """Estimate ``θ`` mod 2π (rad, in ``[−π, π)``) from the parity counts of one level.

    Circular posterior mean under a flat prior for the fringe visibility
    ``contrast`` (table lookup, built once per copy number and contrast) for
    up to 40 000 count pairs; above that the moment estimator
    ``atan2(2k_s/n_s − 1, 2k_c/n_c − 1)`` (independent of the contrast), whose
    variance is ``(2/n)(cos⁴θ + sin⁴θ)`` for ``V = 1`` instead of the efficient ``1/n``.

    Parameters
    ----------
    cos_counts, sin_counts : array_like of int
        Parity +1 counts of the cosine and sine copies (:func:`sample_parities`).
    copies : int
        Number n of copies of the level.
    contrast : float, optional
        Parity fringe visibility V in (0, 1].

    Returns
    -------
    numpy.ndarray
        Estimates of θ (rad, in ``[−π, π)``), shaped like the counts.
    """
    copies = _check_int(copies, "copies", 1)
    contrast = _check_contrast(contrast)
    n_cos, n_sin = _quadrature_split(copies)
    kc = np.asarray(cos_counts)
    ks = np.asarray(sin_counts)
    if (n_cos + 1) * (n_sin + 1) <= _TABLE_LIMIT:
        return _estimate_table(n_cos, n_sin, contrast)[kc, ks]
    return wrap_phase(np.arctan2(2.0 * ks / n_sin - 1.0, 2.0 * kc / n_cos - 1.0))
