"""Digit extraction of the cascade: the level estimates combined into ``Φ̂`` (Kómár et al. eqs. A8–A10).

The centre-of-mass phase is written in the mixed radix of the cascade,
``Φ mod [−π, π) = (2π/C)[Y1 + Σ_{i≥1} Z_{i+1} D^(−i)] − π`` with ``Y1 ∈ {0..C−1}`` and
``Z_i ∈ {0..D−1}`` (Kómár et al., Nature Physics 10, 582 (2014), eq. A8, base ``D`` as in eq. A41).
Level ``i`` of the cascade (:mod:`qclock_circuits.network.cascade`) measures ``C D^(i−1) Φ`` mod 2π,
and each level fixes the next digit by rounding (eqs. A9–A10). :func:`combine_levels` is the
sequential form that the measurement uses; :func:`phase_digits`, :func:`digits_from_levels` and
:func:`phase_from_digits` spell the digits out and rebuild the phase from them.

All phases are in radians; all functions are vectorised over cycles.
"""

from __future__ import annotations

import math

import numpy as np

from qclock_circuits._validation import check_int as _check_int
from qclock_circuits.network.cascade_level import wrap_phase

__all__ = [
    "combine_levels",
    "phase_digits",
    "digits_from_levels",
    "phase_from_digits",
]

_TWO_PI = 2.0 * math.pi


# ----------------------------------------------------------------------------- digits
def _level_readings(level_phases, shares_total: int, base: int):
    """``r_i = frac((θ_i + C D^(i−1) π)/2π)``: level readings of ``(Φ + π)/2π`` scaled by the GHZ size."""
    theta = np.asarray(level_phases, dtype=float)
    sizes = shares_total * base ** np.arange(theta.shape[-1], dtype=float)
    return np.mod((theta + sizes * math.pi) / _TWO_PI, 1.0)


def phase_digits(com_phase, shares_total: int, levels: int, base: int = 2):
    """Digits of ``Φ mod [−π, π)`` in the mixed radix of the cascade (Kómár et al. eq. A8, base ``D``).

    ``Φ mod [−π, π) = (2π/C)[Y1 + Σ_{i≥1} Z_{i+1} D^(−i)] − π`` with
    ``Y1 ∈ {0..C−1}`` and ``Z_i ∈ {0..D−1}``.

    Parameters
    ----------
    com_phase : float or array_like
        Centre-of-mass phase Φ (rad).
    shares_total : int
        ``C = Σ_j c_j``, the size of a level-1 GHZ state.
    levels : int
        Number of levels M (≥ 1).
    base : int, optional
        ``D ≥ 2``, the growth factor of the GHZ size per level.

    Returns
    -------
    (y1, z) : int arrays
        ``y1`` with the shape of ``com_phase``; ``z[..., i−2]`` is ``Z_i`` for
        ``i = 2..levels``.
    """
    shares_total = _check_int(shares_total, "shares_total", 1)
    levels = _check_int(levels, "levels", 1)
    base = _check_int(base, "base", 2)
    u = (wrap_phase(com_phase) + math.pi) / _TWO_PI
    scaled = u * shares_total
    y1 = np.floor(scaled).astype(np.int64)
    frac = scaled - y1
    digits = []
    for _ in range(levels - 1):
        frac = frac * base
        digit = np.floor(frac).astype(np.int64)
        digits.append(digit)
        frac = frac - digit
    z = np.stack(digits, axis=-1) if digits else np.zeros(np.shape(y1) + (0,), dtype=np.int64)
    return y1, z


def digits_from_levels(coarse_phase, level_phases, shares_total: int, base: int = 2):
    """Digits ``Y1, Z_2..Z_M`` from the level estimates (Kómár et al. eqs. A9–A10, general ``C`` and ``D``).

    ``Y1 = round(C r_0 − r_1)`` and ``Z_{i+1} = round(D r_i − r_{i+1})`` with
    ``r_0 = (Φ_0 + π)/2π`` and ``r_i`` the reading of level ``i``
    (``θ_i = C D^(i−1) Φ`` mod 2π, offset by ``C D^(i−1) π`` so that the formulas
    hold for even ``C`` too; for odd ``K`` these are the paper's A9–A10). With
    noisy readings a rounded digit can come out as −1 or ``D``; it is carried
    into the digit above, so the digits always satisfy ``0 ≤ Y1 < C``,
    ``0 ≤ Z_i < D`` and rebuild the same phase as :func:`combine_levels`.

    Parameters
    ----------
    coarse_phase : array_like
        ``Φ_0`` (rad), the level-0 estimate.
    level_phases : array_like, shape (..., M)
        Estimates of ``θ_1..θ_M`` (rad, any branch).
    shares_total : int
        ``C = Σ_j c_j``, the size of a level-1 GHZ state.
    base : int, optional
        ``D ≥ 2``, the growth factor of the GHZ size per level.

    Returns
    -------
    y1 : numpy.ndarray of int
        ``Y1 ∈ {0..C−1}``, shaped like ``coarse_phase``.
    z : numpy.ndarray of int, shape (..., M − 1)
        ``Z_2..Z_M ∈ {0..D−1}``.
    """
    shares_total = _check_int(shares_total, "shares_total", 1)
    base = _check_int(base, "base", 2)
    readings = _level_readings(level_phases, shares_total, base)
    r0 = (np.asarray(coarse_phase, dtype=float) + math.pi) / _TWO_PI
    first = np.rint(shares_total * r0 - readings[..., 0]).astype(np.int64)
    steps = np.rint(base * readings[..., :-1] - readings[..., 1:]).astype(np.int64)
    # a rounded value of −1 or D borrows from / carries into the digit above: normalise the
    # whole branch index Y1 D^(M−1) + Z_2 D^(M−2) + … + Z_M modulo C D^(M−1)
    levels = readings.shape[-1]
    index = first
    for k in range(levels - 1):
        index = index * base + steps[..., k]
    index = np.mod(index, shares_total * base ** (levels - 1))
    digits = []
    for _ in range(levels - 1):
        digits.append(np.mod(index, base))
        index = index // base
    z = np.stack(digits[::-1], axis=-1) if digits else np.zeros(np.shape(first) + (0,), dtype=np.int64)
    return index, z


def phase_from_digits(y1, z, last_level_phase, shares_total: int, base: int = 2):
    """Rebuild ``Φ`` in ``[−π, π)`` from ``Y1``, ``Z_2..Z_M`` and the finest level ``θ_M`` (Kómár et al. eq. A8).

    The finest level supplies the remaining fraction ``r_M``:
    ``(Φ + π)/2π = (Y1 + (Z_2 + (… + (Z_M + r_M)/D …)/D)/C``.

    Parameters
    ----------
    y1 : array_like of int
        First digit ``Y1``.
    z : array_like of int, shape (..., M − 1)
        Digits ``Z_2..Z_M``.
    last_level_phase : array_like
        Estimate of ``θ_M`` (rad).
    shares_total : int
        ``C = Σ_j c_j``, the size of a level-1 GHZ state.
    base : int, optional
        ``D ≥ 2``, the growth factor of the GHZ size per level.

    Returns
    -------
    numpy.ndarray
        Φ (rad, in ``[−π, π)``), shaped like ``y1``.
    """
    z = np.asarray(z)
    finest = shares_total * base ** z.shape[-1]
    fraction = np.mod((np.asarray(last_level_phase, dtype=float) + finest * math.pi) / _TWO_PI, 1.0)
    for k in range(z.shape[-1] - 1, -1, -1):
        fraction = (z[..., k] + fraction) / base
    u = (np.asarray(y1) + fraction) / shares_total
    return _TWO_PI * u - math.pi


def combine_levels(coarse_phase, level_phases, shares_total: int, base: int = 2):
    """Combine the level-0 estimate and the level estimates into ``Φ̂`` (rad).

    Sequential form of the digit extraction: after level ``i`` the estimate is
    the branch of ``θ̂_i / (C D^(i−1))`` closest to the previous estimate,

        Φ̂_i = Φ̂_{i−1} + wrap(θ̂_i − C D^(i−1) Φ̂_{i−1}) / (C D^(i−1)),

    which picks the same digits as eqs. A9–A10 (:func:`digits_from_levels`)
    but is not folded into ``[−π, π)``: a phase slip of a node (``φ_j`` outside
    ``[−π, π)``) stays visible as an error ``2π w_j``.

    Parameters
    ----------
    coarse_phase : array_like, shape (...)
        ``Φ̂_0`` (rad).
    level_phases : array_like, shape (..., M)
        ``θ̂_1..θ̂_M`` (rad).
    shares_total : int
        ``C = Σ_j c_j``, the size of a level-1 GHZ state.
    base : int, optional
        ``D ≥ 2``, the growth factor of the GHZ size per level.

    Returns
    -------
    numpy.ndarray, shape (...)
        ``Φ̂`` (rad), not wrapped.
    """
    shares_total = _check_int(shares_total, "shares_total", 1)
    base = _check_int(base, "base", 2)
    estimate = np.array(coarse_phase, dtype=float)
    theta = np.asarray(level_phases, dtype=float)
    size = float(shares_total)
    for i in range(theta.shape[-1]):
        estimate = estimate + wrap_phase(theta[..., i] - size * estimate) / size
        size *= base
    return estimate
