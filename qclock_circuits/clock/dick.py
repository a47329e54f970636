"""The Dick effect (Kielinski & Hammerer, arXiv:2505.04287 (2025), eqs. 40–41) for a general sensitivity function.

For a cycle of duration ``T_C`` with sensitivity function ``g(t)`` on
``[0, T_C]`` and a one-sided frequency-noise PSD ``S(f)`` of the LO,

    ``σ²_Dick(τ) = (1/τ) Σ_{k≥1} (|G_k|² / G_0²) S(k/T_C)``,
    ``G_k = (1/T_C) ∫_0^{T_C} g(t) e^{−2πi k t/T_C} dt``,

which for Ramsey interrogation (``g = 1`` during the dark time T, 0 during
the dead time) is eq. (40): ``|G_k|²/G_0² = (T_C²/T²) sin²(πkT/T_C)/(π²k²)``.
Units follow the PSD: with ``S`` the PSD of the angular frequency in 1/Z and
times in Z (CONVENTIONS.md), ``σ_Dick(τ)√τ`` is directly comparable with the
dimensionless ``σ_y(τ)ω0√(τZ)``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._validation import QClockError, check_cycle_times

__all__ = ["sensitivity_coefficients", "dick_variance", "dick_deviation", "total_deviation"]


def sensitivity_coefficients(harmonics: int, interrogation_time: float, dead_time: float,
                             sensitivity: Callable | np.ndarray | None = None, samples: int = 8192) -> np.ndarray:
    """``|G_k|²/G_0²`` for ``k = 1..harmonics``.

    ``sensitivity=None`` is Ramsey (closed form of eq. 40). Otherwise a
    callable ``g(t)`` on ``[0, T_C]`` or an array of ``g`` on a uniform grid of
    the cycle; the coefficients then come from a discrete Fourier transform
    (midpoint rule with ``samples`` points).

    Parameters
    ----------
    harmonics : int
        Number of harmonics k = 1..K.
    interrogation_time : float
        Dark time T (> 0, same unit as ``dead_time``, e.g. Z).
    dead_time : float
        Dead time T_D (≥ 0); the cycle is T_C = T + T_D.
    sensitivity : callable, array_like or None, optional
        None for Ramsey (Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (40)), a function ``g(t)`` on ``[0, T_C]``,
        or samples of g on a uniform grid of the cycle.
    samples : int, optional
        Midpoints of the cycle used for a callable ``g``.

    Returns
    -------
    numpy.ndarray, shape (harmonics,)
        ``|G_k|²/G_0²`` (dimensionless) for k = 1..K.

    Raises
    ------
    QClockError
        If the cycle times are invalid or g has zero mean (G_0 = 0).
    """
    interrogation_time, dead_time = check_cycle_times(interrogation_time, dead_time)
    cycle_time = interrogation_time + dead_time
    k = np.arange(1, harmonics + 1)
    if sensitivity is None:
        duty = interrogation_time / cycle_time
        return np.sin(np.pi * k * duty) ** 2 / (np.pi * k * duty) ** 2
    if callable(sensitivity):
        times = (np.arange(samples) + 0.5) * cycle_time / samples
        values = np.asarray(sensitivity(times), dtype=float)
    else:
        values = np.asarray(sensitivity, dtype=float)
        times = (np.arange(values.shape[0]) + 0.5) * cycle_time / values.shape[0]
    if values.ndim != 1 or not np.all(np.isfinite(values)):
        raise QClockError("sensitivity must give finite values on the cycle")
    mean = values.mean()
    if abs(mean) < 1e-15:
        raise QClockError("sensitivity must have a non-zero average over the cycle")
    phases = np.exp(-2j * np.pi * np.outer(k, times) / cycle_time)
    coefficients = phases @ values / values.shape[0]
    return np.abs(coefficients) ** 2 / mean**2


def dick_variance(tau, psd: Callable, interrogation_time: float, dead_time: float,
                  sensitivity=None, harmonics: int = 200_000) -> np.ndarray | float:
    """σ²_Dick(τ) of eq. (40) (general g(t) as in the module docstring).

    Parameters
    ----------
    tau : float or array
        Averaging time(s), same unit as the cycle times.
    psd : callable
        One-sided PSD ``S(f)`` of the LO frequency noise.
    interrogation_time : float
        Dark time T (> 0, e.g. units of Z).
    dead_time : float
        Dead time T_D (≥ 0, same unit).
    sensitivity : callable, array_like or None, optional
        Sensitivity function g (see :func:`sensitivity_coefficients`); None
        for Ramsey.
    harmonics : int
        Number of terms kept. For Ramsey the weights fall as 1/k², so for white
        FM the truncation error is about ``T_C/(π² T · harmonics)`` relative to
        the result (≈ 1e-5 at the default with T_D ≲ T).

    Returns
    -------
    float or numpy.ndarray
        σ²_Dick(τ) (Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (40)) in the units of ``psd`` per unit time,
        shaped like ``tau``.

    Raises
    ------
    QClockError
        If a τ is not > 0 or the cycle times are invalid.
    """
    interrogation_time, dead_time = check_cycle_times(interrogation_time, dead_time)
    if dead_time == 0 and sensitivity is None:
        values = np.zeros_like(np.asarray(tau, dtype=float))
        return float(values) if values.ndim == 0 else values
    cycle_time = interrogation_time + dead_time
    weights = sensitivity_coefficients(harmonics, interrogation_time, dead_time, sensitivity)
    frequencies = np.arange(1, harmonics + 1) / cycle_time
    total = float(np.sum(weights * psd(frequencies)))
    tau = np.asarray(tau, dtype=float)
    if np.any(tau <= 0):
        raise QClockError("tau must be > 0")
    result = total / tau
    return float(result) if result.ndim == 0 else result


def dick_deviation(tau, psd: Callable, interrogation_time: float, dead_time: float, **options):
    """σ_Dick(τ) = sqrt(eq. (40)) of Kielinski & Hammerer, arXiv:2505.04287 (2025).

    Parameters
    ----------
    tau : float or array_like
        Averaging time(s), same unit as the cycle times.
    psd : callable
        One-sided PSD ``S(f)`` of the LO frequency noise.
    interrogation_time : float
        Dark time T (> 0).
    dead_time : float
        Dead time T_D (≥ 0).
    **options
        ``sensitivity`` and ``harmonics``, as for :func:`dick_variance`.

    Returns
    -------
    float or numpy.ndarray
        σ_Dick(τ), shaped like ``tau``.
    """
    return np.sqrt(dick_variance(tau, psd, interrogation_time, dead_time, **options))


def total_deviation(sigma_bayes, sigma_dick):
    """Total instability of eq. (41): ``sqrt(σ²_QPN+CTL + σ²_Dick)`` (same τ, same units).

    Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (41).

    Parameters
    ----------
    sigma_bayes : float or array_like
        Bayesian (quantum projection noise and coherence-time limited)
        instability, e.g. dimensionless σ_y(τ) ω0 √(τZ).
    sigma_dick : float or array_like
        Dick-effect instability in the same units and at the same τ.

    Returns
    -------
    float or numpy.ndarray
        ``sqrt(sigma_bayes² + sigma_dick²)``.
    """
    return np.sqrt(np.asarray(sigma_bayes, dtype=float) ** 2 + np.asarray(sigma_dick, dtype=float) ** 2)
