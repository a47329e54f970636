"""Estimators, their Bayesian mean squared error and the clock stability they give.

For an estimator table ``φ_est(x)`` the BMSE (Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. 3) is exactly

    (Δφ)² = E[φ²] − 2 Σ_x φ_est(x) m1(x) + Σ_x φ_est(x)² P(x)

with the prior-averaged moments of :mod:`.moments`. Then

* ``'bayes'`` — posterior mean ``φ_est(x) = m1(x)/P(x)`` (eq. 24), whose BMSE is
  eq. (25), the minimum over all estimators for the measurement;
* ``'linear'`` — ``φ_est(x) = a x`` with ``a = Σ x m1 / Σ x² P`` (eqs. 20, 22–23);
* ``'arcsin'`` — inversion of the signal's leading harmonic,
  ``φ_est(x) = arcsin(clip(x/A_h))/h`` where ``⟨x⟩(φ) ≈ A_h sin(hφ)``
  (``h = 1`` for CSS/SSS, ``h = N`` for GHZ parity).

Effective measurement uncertainty (eq. 27) and the dimensionless Allan
deviation ``σ_y(τ) ω0 √(τZ) = Δφ_M √(T_C/Z) / (T/Z)`` (eq. 29).
"""

from __future__ import annotations

import warnings

import numpy as np

from .._units import TimeUnit
from .._validation import QClockError, check_choice, check_finite_array
from .moments import OutcomeMoments, outcome_moments

__all__ = [
    "ESTIMATORS",
    "EstimatorWarning",
    "estimator_table",
    "bmse",
    "bmse_of_table",
    "linear_scale_factor",
    "arcsin_harmonic",
    "effective_measurement_uncertainty",
    "allan_deviation",
]

ESTIMATORS = ("bayes", "linear", "arcsin")
_TINY = 1e-300


def linear_scale_factor(moments: OutcomeMoments) -> float:
    """Optimal scale ``a`` of the linear estimator ``φ_est(x) = a·x``.

    Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (22):
    ``a = Σ x m1(x) / Σ x² P(x)``.

    Parameters
    ----------
    moments : OutcomeMoments
        Prior-averaged moments of the likelihood (:func:`~.moments.outcome_moments`).

    Returns
    -------
    float
        a, in rad per unit of the outcome (0 when Σ x² P(x) vanishes).
    """
    x = moments.outcomes
    denominator = float(np.sum(x**2 * moments.marginal))
    if denominator <= _TINY:
        return 0.0
    return float(np.sum(x * moments.first) / denominator)


def arcsin_harmonic(protocol) -> tuple[int, float]:
    """Leading harmonic ``h`` and amplitude ``A_h`` of the signal ``⟨x⟩(φ) ≈ A_h sin(hφ)``.

    From the Fourier coefficients ``s_d`` of the signal, ``h`` is the lowest
    d ≥ 1 with a non-negligible coefficient and ``A_h = −2 Im s_h`` (the
    coefficient of ``sin(hφ)``).

    Parameters
    ----------
    protocol : RamseyProtocol or TabulatedLikelihood
        The likelihood P(x|φ).

    Returns
    -------
    harmonic : int
        h (1 for CSS/SSS, N for GHZ parity).
    amplitude : float
        A_h, in the unit of the outcomes.

    Raises
    ------
    QClockError
        If the signal is flat or its leading harmonic is a cosine.
    """
    coefficients = protocol._fourier_coefficients
    signal = protocol.outcomes @ coefficients  # s_d, d = -N..N
    atoms = protocol.atoms
    positive = signal[atoms + 1:]
    scale = np.abs(positive).max(initial=0.0)
    if scale < 1e-12:
        raise QClockError(f"the arcsin estimator needs a signal that depends on φ; {protocol.name} "
                          "has a flat signal ⟨x⟩(φ) (use estimator='bayes')")
    harmonic = int(np.argmax(np.abs(positive) > 1e-9 * scale)) + 1
    amplitude = float(-2.0 * positive[harmonic - 1].imag)
    if abs(amplitude) < 1e-9 * scale:
        raise QClockError(f"the arcsin estimator needs a sine-like signal; the leading harmonic of "
                          f"{protocol.name} is a cosine (use estimator='bayes' or 'linear')")
    return harmonic, amplitude


def estimator_table(protocol, prior, kind: str = "bayes", moments: OutcomeMoments | None = None) -> np.ndarray:
    """Estimates ``φ_est(x)`` for each of ``protocol.outcomes``.

    Parameters
    ----------
    protocol : RamseyProtocol or TabulatedLikelihood
        The likelihood P(x|φ).
    prior : GaussianPrior or GridPrior
        The phase prior (rad).
    kind : {'bayes', 'linear', 'arcsin'}, optional
        Posterior mean (eq. (24), default), optimal linear (eqs. (20), (22)) or
        arcsin inversion of the leading harmonic.
    moments : OutcomeMoments, optional
        Precomputed moments of ``protocol`` under ``prior``.

    Returns
    -------
    numpy.ndarray
        Float array of shape (len(outcomes),), the estimates in rad; the
        posterior mean falls back to the prior mean for outcomes of probability 0.

    Raises
    ------
    QClockError
        If ``kind`` is unknown, or the arcsin estimator does not apply.
    """
    check_choice(kind, "kind", ESTIMATORS)
    if moments is None:
        moments = outcome_moments(protocol, prior)
    if kind == "bayes":
        safe = np.where(moments.marginal > _TINY, moments.marginal, 1.0)
        return np.where(moments.marginal > _TINY, moments.first / safe, moments.prior_mean)
    if kind == "linear":
        return linear_scale_factor(moments) * moments.outcomes
    harmonic, amplitude = arcsin_harmonic(protocol)
    return np.arcsin(np.clip(moments.outcomes / amplitude, -1.0, 1.0)) / harmonic


def bmse_of_table(moments: OutcomeMoments, table) -> float:
    """Exact BMSE of an arbitrary estimator table (Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (3)).

    ``(Δφ)² = E[φ²] − 2 Σ_x φ_est(x) m1(x) + Σ_x φ_est(x)² P(x)``.

    Parameters
    ----------
    moments : OutcomeMoments
        Prior-averaged moments of the likelihood (:func:`~.moments.outcome_moments`).
    table : array_like of shape (len(outcomes),)
        Estimates φ_est(x), in rad, aligned with ``moments.outcomes``.

    Returns
    -------
    float
        The BMSE, in rad² (clipped at 0).

    Raises
    ------
    QClockError
        If ``table`` has the wrong length or non-finite values.
    """
    table = check_finite_array(table, "estimator table", ndim=1, length=moments.outcomes.shape[0])
    value = moments.prior_second_moment - 2.0 * table @ moments.first + (table**2) @ moments.marginal
    return float(max(value, 0.0))


class EstimatorWarning(UserWarning):
    """An estimator does worse than not measuring: its BMSE exceeds the prior's second moment."""


def bmse(protocol, prior, estimator="bayes") -> float:
    """Bayesian mean squared error of a protocol under a prior (Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (3)).

    Parameters
    ----------
    protocol : RamseyProtocol or TabulatedLikelihood
        The likelihood P(x|φ).
    prior : GaussianPrior or GridPrior
        The phase prior (rad).
    estimator : {'bayes', 'linear', 'arcsin'} or array_like, optional
        Estimator by name (default ``'bayes'``, eq. (25)), or an explicit table
        of estimates (rad) aligned with ``protocol.outcomes``.

    Returns
    -------
    float
        (Δφ)², in rad².

    Raises
    ------
    TypeError
        If ``protocol`` is neither a RamseyProtocol nor a tabulated likelihood.
    QClockError
        If the estimator name is unknown, the table is invalid or the arcsin
        estimator does not apply.

    Warns
    -----
    EstimatorWarning
        When the BMSE exceeds ``E[φ²]`` of the prior, the value of the estimate
        φ̂ = 0 (not measuring); the arcsin estimator does so at narrow priors.
    """
    if not hasattr(protocol, "_fourier_coefficients"):
        raise TypeError(f"protocol must be a RamseyProtocol (or a tabulated likelihood of one), got {protocol!r} "
                        f"({type(protocol).__name__})")
    value = _bmse(protocol, prior, estimator)
    second = float(prior.second_moment)
    if value > second * (1 + 1e-9):
        name = estimator if isinstance(estimator, str) else "given"
        label = getattr(protocol, "name", type(protocol).__name__)
        warnings.warn(EstimatorWarning(f"the {name} estimator of {label} has BMSE {value:.3g} rad², more "
                                       f"than the prior's E[phi²] = {second:.3g} rad²: it does worse than not "
                                       "measuring (estimate 0); use the 'bayes' estimator"), stacklevel=2)
    return value


def _bmse(protocol, prior, estimator) -> float:
    moments = outcome_moments(protocol, prior)
    if isinstance(estimator, str):
        check_choice(estimator, "estimator", ESTIMATORS)
        if estimator == "bayes":  # eq. (25), written without dividing by tiny P(x)
            mask = moments.marginal > _TINY
            gain = np.sum(moments.first[mask] ** 2 / moments.marginal[mask])
            return float(max(moments.prior_second_moment - gain, 0.0))
        table = estimator_table(protocol, prior, estimator, moments)
    else:
        table = estimator
    return bmse_of_table(moments, table)


def effective_measurement_uncertainty(bmse_value, prior_width) -> np.ndarray | float:
    """Effective measurement uncertainty Δφ_M of Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (27).

    ``Δφ_M = (1/(Δφ)² − 1/δφ²)^(−1/2)``; infinite when Δφ ≥ δφ (the measurement
    adds no information).

    Parameters
    ----------
    bmse_value : float or array_like
        BMSE (Δφ)², in rad².
    prior_width : float or array_like
        Prior width δφ, in rad (broadcast against ``bmse_value``).

    Returns
    -------
    float or numpy.ndarray
        Δφ_M, in rad; a float for scalar inputs.
    """
    value = np.asarray(bmse_value, dtype=float)
    width = np.asarray(prior_width, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        information = 1.0 / value - 1.0 / width**2
        result = np.where(information > 0, 1.0 / np.sqrt(np.where(information > 0, information, 1.0)), np.inf)
    return float(result) if result.ndim == 0 else result


def allan_deviation(dphi_m, interrogation_time, dead_time=0.0, *, coherence_time=None) -> np.ndarray | float:
    """Dimensionless Allan deviation ``σ_y(τ) ω0 √(τ Z)`` of Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (29).

    ``Δφ_M √(T_C) / T`` with ``T`` and ``T_C = T + T_D`` in units of the
    laser coherence time Z.

    Parameters
    ----------
    dphi_m : float or array_like
        Effective measurement uncertainty Δφ_M, in rad.
    interrogation_time : float or array_like
        Dark time T (> 0), in units of Z, or in seconds with ``coherence_time``.
    dead_time : float or array_like, optional
        Dead time T_D (≥ 0, default 0), same unit as ``interrogation_time``.
    coherence_time : float, optional
        The laser coherence time Z in seconds (the package's unit rule); keyword only.

    Returns
    -------
    float or numpy.ndarray
        σ_y(τ) ω0 √(τZ), dimensionless (the same number in either unit); a float for scalar inputs.

    Raises
    ------
    QClockError
        If a time is out of range.
    """
    unit = TimeUnit(coherence_time)
    times = np.asarray(interrogation_time, dtype=float)
    if np.any(times <= 0):
        raise QClockError(f"interrogation_time must be > 0 ({unit.words})")
    if np.any(np.asarray(dead_time) < 0):
        raise QClockError(f"dead_time must be >= 0 ({unit.words})")
    times, dead_time = unit.to_z(times), unit.to_z(dead_time)
    result = np.asarray(dphi_m, dtype=float) * np.sqrt(times + dead_time) / times
    return float(result) if result.ndim == 0 else result
