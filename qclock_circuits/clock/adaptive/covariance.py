"""Covariances of interval-averaged LO frequencies for power-law noise (Mullan & Knill, Phys. Rev. A 90, 042310 (2014), eqs. 1–2, appendix B).

Units and conventions
---------------------
As in :mod:`qclock_circuits.clock.noise`: time in units of the laser
coherence time Z, ω = (ω0 − ω_LO)·Z the dimensionless angular frequency
deviation, and the **one-sided** power-law spectrum (NIST α, f in cycles per Z)

    S_ω(f) = Σ_α h_α f^α .

Mullan & Knill writes ``S(ω) ∝ ω^α`` with the same α, and the formal kernels
``Cov(ω(s), ω(s')) = −(h'_α/2)|s − s'|^(−α−1)`` (−3 < α < −1) and
``−2 h'_{−1} ln|s − s'|``; its scale factors relate to the NIST ``h_α`` used
here by ``h'_{−2} = 2π² h_{−2}`` and ``h'_{−1} = h_{−1}/2``
(:func:`frequency_kernel` gives the kernel in NIST units for every α).

Method: the phase kernel
------------------------
For −1 < α the frequency averages are ordinary random variables; for
α ≤ −1 the kernel of ω is only a generalised function, defined on test
functions whose low moments vanish (the paper's "differences between interval
averages"). Everything here is computed from one function, the generalised
covariance of the accumulated phase ``x(t) = ∫ω dt`` (:func:`phase_kernel`),

    K_x(τ) = (h/4π²) Γ(s) cos(πs/2) (2π|τ|)^(−s),   s = α − 1,

the analytic continuation of ``∫_0^∞ S_ω(f) (2πf)^(−2) cos(2πfτ) df``. The
frequency kernel is its negative second distributional derivative,
``K_ω = −K_x''``, so the paper's eq. (2) double integral over two intervals
``[a, b]`` and ``[c, d]`` collapses to four kernel values,

    T_k T_l Cov(⟨ω⟩_k, ⟨ω⟩_l) = K_x(b−d) − K_x(b−c) − K_x(a−d) + K_x(a−c),

exact for every exponent (this is the paper's distributional-derivative
treatment, applied once to the phase). At the poles of Γ (α = −1, −3) the
continuation has a logarithm, ``K_x ∝ −(−1)^(n/2) (2πτ)^n ln|τ| / n!`` with
``n = 1 − α``; at α = 0, −2, −4 it is a pure power (white FM:
``K_x = −h|τ|/4``; random-walk FM: ``K_x = π² h |τ|³/6``). The kernel is fixed
only up to an even polynomial of degree ``n`` in τ (the IR cutoff, or
"gauge"); it cancels in every admissible contrast:

* α > −1: any combination of interval averages;
* −3 < α ≤ −1: combinations whose weights sum to zero (e.g. ``ω_i − ω_0``);
* −5 < α ≤ −3: in addition ``Σ w_k t_k = 0`` with ``t_k`` the interval midpoints.

:func:`interval_covariance` checks the contrast before computing it.

Phase noise (1 ≤ α ≤ 2)
-----------------------
Mullan & Knill's exponents ``α ∈ [−4, 2]`` are those of ``S(ω) ∝ ω^α`` with ω
the frequency (section II; their α = −1 is 1/f, −2 Brownian), i.e. the NIST
α of this module: their ``α ∈ [1, 2]`` is NIST **flicker PM** (α = 1,
``'flicker_phase'``) and **white PM** (α = 2, ``'white_phase'``), the spectra
of a phase ``x`` with ``S_x = h f^(α−2)/(2π)²`` = ``h/(4π² f)`` and ``h/(4π²)``.
An interval average of ω is still a phase difference over the window,
``⟨ω⟩ = (x(b) − x(a))/T``, but its variance ``2(K_x(0) − K_x(T))/T²`` diverges
at high frequency (logarithmically at α = 1, like ``f_h`` at α = 2): these
exponents need the high-frequency cutoff ``f_h`` (``cutoff``, cycles per Z) of
the NIST definition, a brick-wall ``S_ω = h f^α`` for ``0 < f ≤ f_h`` and 0
above. The phase kernel is then the finite integral

    K_x(τ) = (h/4π²) ∫_0^{f_h} f^(α−2) cos(2πfτ) df,

``(h/4π²) sin(2π f_h τ)/(2πτ)`` for white PM and
``−(h/4π²) Cin(2π f_h τ)`` for flicker PM (``Cin(z) = γ + ln z − Ci(z)``;
the infinite constant of its infrared end is a gauge that every interval
average cancels). In between (1 < α < 2) it is evaluated by its power series
(``2π f_h τ ≤ 10``) or as the analytic continuation minus the Fourier tail
beyond ``f_h`` (QUADPACK's QAWF). The averages themselves are admissible
(no contrast needed). Two limits follow: for ``f_h T ≫ 1`` the white-PM
window averages have ``T_k T_l Cov = (h f_h/4π²) Σ ±[edges coincide]``
(variance ``h f_h/(2π² T²)``, correlation −1/2 between adjacent windows,
zero otherwise — the δ-terms at the window edges), and the Allan variances
are NIST's ``3 h f_h/(4π²τ²)`` and ``h [1.038 + 3 ln(2π f_h τ)]/(4π²τ²)``.
The cutoff applies to the phase-noise terms only: for α < 1 the averages
converge and the terms are computed without it (their cutoff corrections
vanish as ``f_h → ∞``).
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import integrate
from scipy.special import gamma, sici

from ..._names import PHASE_NOISE_TYPES as _PHASE_NOISE_TYPES
from ..._validation import QClockError, check_cycle_times, check_finite, check_finite_array
from ...bayes.priors import NOISE_TYPES

__all__ = [
    "ALPHA_RANGE",
    "PHASE_NOISE_TYPES",
    "PHASE_ALPHA_MIN",
    "power_law_terms",
    "phase_kernel",
    "frequency_kernel",
    "contrast_order",
    "interval_covariance",
    "reference_covariance",
    "cycle_intervals",
    "clock_covariance",
    "sample_interval_averages",
    "condition_gaussian",
    "PredictionLaw",
    "prediction_law",
    "transition_law",
    "PhaseFrequencyLaw",
    "phase_frequency_law",
]

#: NIST exponents α handled, ``(−5, 2]`` (lower end open, upper closed): α ≤ −5
#: needs contrasts of order ≥ 3; averages of ω diverge for α ≥ 1 (phase noise),
#: which needs a high-frequency cutoff (module docstring); α > 2 is beyond the
#: range of Mullan & Knill, PRA 90, 042310 (2014), section II.
ALPHA_RANGE = (-5.0, 2.0)
#: Smallest exponent that is phase noise and needs the cutoff ``f_h`` (NIST flicker PM).
PHASE_ALPHA_MIN = 1.0
#: Words for the phase-noise exponents (NIST flicker PM and white PM of ``S_ω``).
PHASE_NOISE_TYPES = _PHASE_NOISE_TYPES
_SERIES_LIMIT = 10.0  # 2π f_h τ up to which the cut-off phase kernel (1 < α < 2) is summed as a power series

_SNAP = 1e-9  # exponents this close to an integer use the integer (closed-form) kernel


# ----------------------------------------------------------------------------- spectrum terms
def _check_alpha(alpha) -> float:
    if isinstance(alpha, str):
        words = {**NOISE_TYPES, **PHASE_NOISE_TYPES}
        if alpha not in words:
            raise QClockError(f"alpha must be a NIST exponent in (-5, 2] or one of "
                              f"{', '.join(map(repr, words))}, got {alpha!r}")
        return float(words[alpha])
    value = check_finite(alpha, "alpha")
    if not ALPHA_RANGE[0] < value <= ALPHA_RANGE[1]:
        raise QClockError(f"alpha must lie in (-5, 2] (NIST exponent of S_ω; alpha >= 1 is phase noise), "
                          f"got {value}")
    nearest = round(value)
    return float(nearest) if abs(value - nearest) < _SNAP else value


def power_law_terms(spectrum) -> dict[float, float]:
    """``{α: h_α}`` from a mapping (keys NIST α or words) or a :class:`LocalOscillatorNoise`.

    Parameters
    ----------
    spectrum : mapping or LocalOscillatorNoise
        One-sided ``S_ω(f) = Σ h_α f^α`` (units of Z); every ``h_α ≥ 0``.

    Returns
    -------
    dict
        ``{α: h_α}`` with float NIST exponents (words resolved).

    Raises
    ------
    QClockError
        An empty or non-mapping spectrum, an exponent outside (−5, 2], a
        negative or non-finite ``h_α``, or an exponent named twice.
    """
    terms = getattr(spectrum, "h", spectrum)
    if not isinstance(terms, Mapping) or len(terms) == 0:
        raise QClockError(f"spectrum must be a non-empty mapping {{alpha: h_alpha}} or a LocalOscillatorNoise, "
                          f"got {spectrum!r}")
    clean: dict[float, float] = {}
    for key, value in terms.items():
        alpha = _check_alpha(key)
        h = check_finite(value, f"spectrum[{key!r}]")
        if h < 0:
            raise QClockError(f"spectrum[{key!r}] must be >= 0 (PSD coefficient h_alpha), got {h}")
        if alpha in clean:
            raise QClockError(f"spectrum names exponent alpha={alpha} twice, got {dict(terms)!r}")
        clean[alpha] = h
    return clean


def contrast_order(alpha) -> int:
    """How many polynomial moments (0th, 1st) a frequency contrast must cancel for exponent α.

    Parameters
    ----------
    alpha : float or str
        NIST exponent in (−5, 2] or a noise word.

    Returns
    -------
    int
        0 for α > −1 (phase noise included), 1 for −3 < α ≤ −1 (weights sum
        to zero), 2 for −5 < α ≤ −3 (also the first time moment).
    """
    alpha = _check_alpha(alpha)
    if alpha > -1.0:
        return 0
    return 1 if alpha > -3.0 else 2


# ----------------------------------------------------------------------------- kernels
def _kernel_shape(alpha: float) -> tuple[str, float, int]:
    """Kind ('power' or 'log'), coefficient and power of the phase kernel per unit h."""
    s = alpha - 1.0
    scale = 1.0 / (4.0 * math.pi**2)
    if s != round(s):
        return "power", scale * gamma(s) * math.cos(math.pi * s / 2.0) * (2.0 * math.pi) ** (-s), -s
    n = int(round(-s))
    if n % 2 == 1:  # finite limit of Γ(s) cos(πs/2) at s = −n
        amplitude = -math.sin(n * math.pi / 2.0) * math.pi / (2.0 * math.factorial(n))
        return "power", scale * amplitude * (2.0 * math.pi) ** n, n
    # pole: finite part, gauge polynomial |τ|^n dropped
    return "log", -scale * (-1.0) ** (n // 2) * (2.0 * math.pi) ** n / math.factorial(n), n


def _check_cutoff(cutoff, alpha: float) -> float:
    if cutoff is None:
        raise QClockError(f"cutoff must be given for phase noise (alpha={alpha} >= 1): the high-frequency cutoff "
                          f"f_h > 0 in cycles per Z, without which interval averages diverge; got None")
    value = check_finite(cutoff, "cutoff")
    if value <= 0:
        raise QClockError(f"cutoff must be > 0 (high-frequency cutoff f_h, cycles per Z), got {value}")
    return value


def _cin(z: np.ndarray) -> np.ndarray:
    """``Cin(z) = ∫_0^z (1 − cos t)/t dt = γ + ln z − Ci(z)`` (power series below z = 0.5: no cancellation)."""
    small = z < 0.5
    out = np.empty_like(z)
    zs = z[small]
    term, total = np.ones_like(zs), np.zeros_like(zs)
    for k in range(1, 10):  # Σ (−1)^(k+1) z^(2k) / (2k (2k)!)
        term = term * zs**2 / ((2 * k - 1) * (2 * k))
        total += (-1) ** (k + 1) * term / (2 * k)
    out[small] = total
    zl = z[~small]
    out[~small] = np.euler_gamma + np.log(zl) - sici(zl)[1]
    return out


def _cutoff_integral(tau: float, s: float, cutoff: float) -> float:
    """``∫_0^{f_h} f^(s−1) cos(2πfτ) df`` for 0 < s < 1 (τ ≥ 0)."""
    z = 2.0 * math.pi * cutoff * tau
    if z <= _SERIES_LIMIT:
        total, term, k = 0.0, 1.0, 0
        while True:  # f_h^s Σ_k (−1)^k z^(2k) / ((2k)! (2k + s))
            total += term / (2 * k + s)
            k += 1
            term *= -z * z / ((2 * k - 1) * (2 * k))
            if abs(term) < 1e-18 and k > z:
                break
        return cutoff**s * total
    omega = 2.0 * math.pi * tau
    full = gamma(s) * math.cos(math.pi * s / 2.0) * omega ** (-s)
    # tail ∫_{f_h}^∞ f^(s−1) cos(ωf) df, integrated by parts once so that the QAWF integrand decays as f^(s−2)
    with warnings.catch_warnings():  # QAWF flags its cycle extrapolation; accuracy is checked against quadrature
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        rest, _ = integrate.quad(lambda f: f ** (s - 2.0), cutoff, np.inf, weight="sin", wvar=omega,
                                 epsabs=1e-12 * cutoff ** (s - 2.0) / omega, limlst=200)
    tail = -cutoff ** (s - 1.0) * math.sin(omega * cutoff) / omega + (1.0 - s) / omega * rest
    return full - tail


def _cutoff_phase_kernel(tau: np.ndarray, alpha: float, cutoff: float) -> np.ndarray:
    """Phase kernel per unit h for 1 ≤ α ≤ 2 with the brick-wall cutoff (module docstring), τ ≥ 0."""
    scale = 1.0 / (4.0 * math.pi**2)
    if alpha == 2.0:
        return scale * cutoff * np.sinc(2.0 * cutoff * tau)  # sin(2π f_h τ)/(2πτ)
    if alpha == 1.0:
        return -scale * _cin(2.0 * math.pi * cutoff * tau)
    unique, inverse = np.unique(tau, return_inverse=True)
    values = np.array([_cutoff_integral(float(t), alpha - 1.0, cutoff) for t in unique])
    return scale * values[inverse].reshape(tau.shape)


def phase_kernel(lag, alpha, h: float = 1.0, *, cutoff: float | None = None) -> np.ndarray | float:
    """Generalised covariance ``K_x(τ)`` of the phase ``x = ∫ω dt`` for ``S_ω = h f^α`` (one-sided).

    Mullan & Knill, PRA 90, 042310 (2014), section II (distributional-derivative
    treatment), applied once to the phase (module docstring).

    Parameters
    ----------
    lag : float or array
        τ in units of Z.
    alpha : float or str
        NIST exponent in (−5, 2] or a word ('white', 'flicker', 'random_walk',
        'flicker_phase', 'white_phase').
    h : float
        Coefficient ``h_α ≥ 0`` (units of Z).
    cutoff : float, optional
        High-frequency cutoff ``f_h > 0`` (cycles per Z) of the brick-wall
        spectrum; required for phase noise (α ≥ 1), ignored for α < 1.

    Returns
    -------
    float or ndarray
        ``K_x(τ)`` in rad² (module docstring; fixed up to an even polynomial of
        degree ``1 − α`` for α ≤ −1, and up to a constant at α = 1, which every
        admissible contrast cancels).

    Raises
    ------
    QClockError
        For an exponent outside (−5, 2], or α ≥ 1 without a positive cutoff.
    """
    alpha = _check_alpha(alpha)
    h = check_finite(h, "h")
    tau = np.abs(np.asarray(lag, dtype=float))
    if alpha >= PHASE_ALPHA_MIN:
        value = h * _cutoff_phase_kernel(tau, alpha, _check_cutoff(cutoff, alpha))
        return float(value) if np.ndim(value) == 0 else value
    kind, coefficient, power = _kernel_shape(alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "power":
            value = coefficient * tau**power
        else:
            value = np.where(tau > 0, coefficient * tau**power * np.log(np.where(tau > 0, tau, 1.0)), 0.0)
    value = h * value
    return float(value) if np.ndim(value) == 0 else value


def frequency_kernel(lag, alpha, h: float = 1.0) -> np.ndarray | float:
    """Generalised covariance ``K_ω(τ) = −K_x''(τ)`` of ω itself, for τ ≠ 0.

    In NIST units: ``h Γ(1+α) cos(π(1+α)/2) (2π|τ|)^(−1−α)``; ``−h ln|τ|`` for
    flicker FM, ``−π² h |τ|`` for random-walk FM; 0 for white FM (its kernel is
    ``(h/2) δ(τ)``). Compare with the paper's ``−(h'/2)|τ|^(−α−1)`` (module
    docstring). Supported for −3 < α < 1.

    Parameters
    ----------
    lag : float or array
        τ ≠ 0 (units of Z).
    alpha : float or str
        NIST exponent in (−3, 1) or a word.
    h : float
        ``h_α`` (units of Z).

    Returns
    -------
    float or ndarray
        ``K_ω(τ)`` in (rad/Z)².

    Raises
    ------
    QClockError
        For α outside (−3, 1) or a zero lag.
    """
    alpha = _check_alpha(alpha)
    if not -3.0 < alpha < PHASE_ALPHA_MIN:
        raise QClockError(f"frequency_kernel needs -3 < alpha < 1 (use phase_kernel for steeper spectra and, with "
                          f"a cutoff, for phase noise), got {alpha}")
    h = check_finite(h, "h")
    tau = np.abs(np.asarray(lag, dtype=float))
    if np.any(tau == 0):
        raise QClockError("frequency_kernel is a generalised function: lag must be non-zero, got 0")
    if alpha == 0.0:
        value = np.zeros_like(tau)
    elif alpha == -1.0:
        value = -h * np.log(tau)
    elif alpha == -2.0:
        value = -math.pi**2 * h * tau
    else:
        s = 1.0 + alpha
        value = h * gamma(s) * math.cos(math.pi * s / 2.0) * (2.0 * math.pi * tau) ** (-s)
    return float(value) if np.ndim(value) == 0 else value


# ----------------------------------------------------------------------------- interval averages
def _check_intervals(intervals) -> np.ndarray:
    array = check_finite_array(intervals, "intervals")
    if array.ndim != 2 or array.shape[1] != 2 or array.shape[0] < 1:
        raise QClockError(f"intervals must be an array of shape (K, 2) of [start, end] times (units of Z), "
                          f"got shape {array.shape}")
    if np.any(array[:, 1] <= array[:, 0]):
        bad = int(np.argmax(array[:, 1] <= array[:, 0]))
        raise QClockError(f"intervals must have end > start, got interval {bad} = {array[bad].tolist()}")
    return array


def _average_matrix(intervals: np.ndarray, terms: Mapping[float, float], cutoff: float | None = None) -> np.ndarray:
    """Formal (gauge-dependent) covariance of the K interval averages, summed over the terms."""
    a, b = intervals[:, 0], intervals[:, 1]
    durations = b - a
    total = np.zeros((a.size, a.size))
    for alpha, h in terms.items():
        if h == 0.0:
            continue

        def k(x, y):
            return phase_kernel(x[:, None] - y[None, :], alpha, h, cutoff=cutoff)

        total += k(b, b) - k(b, a) - k(a, b) + k(a, a)
    return total / np.outer(durations, durations)


def _check_contrast(weights: np.ndarray, intervals: np.ndarray, terms: Mapping[float, float]) -> None:
    order = max((contrast_order(alpha) for alpha, h in terms.items() if h > 0), default=0)
    if order == 0:
        return
    durations = intervals[:, 1] - intervals[:, 0]
    midpoints = 0.5 * (intervals[:, 0] + intervals[:, 1])
    span = float(np.ptp(intervals)) or float(durations.max())
    moments = [(np.ones_like(midpoints), "sum to zero")]
    if order >= 2:
        moments.append(((midpoints - midpoints.mean()) / span, "have zero first time moment"))
    steepest = min(alpha for alpha, h in terms.items() if h > 0)
    for row in range(weights.shape[0]):
        scale = float(np.abs(weights[row]).sum()) or 1.0
        for vector, text in moments:
            residual = abs(float(weights[row] @ vector)) / scale
            if residual > 1e-9:
                raise QClockError(
                    f"weights row {row} must {text} for spectral exponent alpha={steepest} (the covariance of "
                    f"such a contrast is fixed only up to the infrared cutoff); got residual {residual:.3g}. "
                    f"Use differences such as omega_i - omega_0 (reference_covariance).")


def interval_covariance(intervals, spectrum, weights=None, *, cutoff: float | None = None) -> np.ndarray:
    """Covariance of contrasts of interval-averaged frequencies, Mullan & Knill eq. (2) via the phase kernel.

    Parameters
    ----------
    intervals : array, shape (K, 2)
        ``[start, end]`` of each averaging interval (units of Z, end > start);
        intervals may overlap.
    spectrum : mapping or LocalOscillatorNoise
        ``{α: h_α}`` of the one-sided ``S_ω`` (:func:`power_law_terms`).
    weights : array, shape (m, K), optional
        Rows ``w`` define contrasts ``Σ_k w_k ⟨ω⟩_k``; default the identity
        (the averages themselves), which is allowed only when every α > −1.
    cutoff : float, optional
        High-frequency cutoff ``f_h`` (cycles per Z) of the phase-noise terms
        (α ≥ 1, where it is required; module docstring).

    Returns
    -------
    ndarray, shape (m, m)
        ``W Σ Wᵀ`` in (rad/Z)², with ``Σ`` from the four-term kernel formula.

    Raises
    ------
    QClockError
        If a contrast does not cancel the moments the steepest α requires
        (:func:`contrast_order`), or phase noise is given without a cutoff.
    """
    intervals = _check_intervals(intervals)
    terms = power_law_terms(spectrum)
    count = intervals.shape[0]
    if weights is None:
        weights = np.eye(count)
    else:
        weights = check_finite_array(weights, "weights")
        if weights.ndim == 1:
            weights = weights[None, :]
        if weights.ndim != 2 or weights.shape[1] != count:
            raise QClockError(f"weights must have shape (m, {count}) to match the {count} intervals, "
                              f"got shape {weights.shape}")
    _check_contrast(weights, intervals, terms)
    covariance = weights @ _average_matrix(intervals, terms, cutoff) @ weights.T
    return 0.5 * (covariance + covariance.T)


def reference_covariance(intervals, reference, spectrum, *, cutoff: float | None = None) -> np.ndarray:
    """Mullan & Knill eq. (1): ``C_ij = Cov(ω_i − ω_0, ω_j − ω_0)`` with ``ω_0`` the average over ``reference``.

    Parameters
    ----------
    intervals : array, shape (K, 2)
        Interrogation intervals ``I_1 … I_K`` (units of Z).
    reference : (start, end)
        The interval ``I_0`` whose average frequency is taken as the origin
        (known, zero, when the clock starts).
    spectrum : mapping or LocalOscillatorNoise
        One-sided power-law spectrum ``{α: h_α}`` (units of Z).
    cutoff : float, optional
        ``f_h`` (cycles per Z) for phase-noise terms (:func:`interval_covariance`).

    Returns
    -------
    numpy.ndarray, shape (K, K)
        The covariance ``C`` ((rad per Z)²).

    Raises
    ------
    QClockError
        For a spectral exponent α ≤ −3 (single differences are not enough)
        or invalid intervals.
    """
    intervals = _check_intervals(intervals)
    reference = check_finite_array(reference, "reference", ndim=1, length=2)
    stacked = np.vstack([reference[None, :], intervals])
    weights = np.hstack([-np.ones((intervals.shape[0], 1)), np.eye(intervals.shape[0])])
    return interval_covariance(stacked, spectrum, weights, cutoff=cutoff)


def cycle_intervals(cycles: int, interrogation_time: float, dead_time: float = 0.0, *,
                    include_dead: bool = False, start: float = 0.0) -> np.ndarray:
    """Windows of consecutive clock cycles ``[k T_C, k T_C + T]`` (and dead windows), units of Z.

    Parameters
    ----------
    cycles : int
        Number of cycles K ≥ 1.
    interrogation_time, dead_time : float
        T > 0 and T_D ≥ 0; cycle time ``T_C = T + T_D``.
    include_dead : bool
        If true (needs T_D > 0), return ``[R_0, D_0, R_1, D_1, …]`` with the
        dead window ``D_k = [k T_C + T, (k+1) T_C]``, the order in which
        :meth:`LocalOscillatorNoise.generate` simulates them.
    start : float
        Start time of cycle 0.

    Returns
    -------
    ndarray, shape (K, 2) or (2K, 2)
        ``[start, end]`` rows (units of Z).
    """
    if isinstance(cycles, bool) or not isinstance(cycles, numbers.Integral) or cycles < 1:
        raise QClockError(f"cycles must be an integer >= 1, got {cycles!r}")
    period, dead = check_cycle_times(interrogation_time, dead_time)
    start = check_finite(start, "start")
    begin = start + np.arange(int(cycles)) * (period + dead)
    ramsey = np.column_stack([begin, begin + period])
    if not include_dead:
        return ramsey
    if dead == 0:
        raise QClockError("include_dead=True needs dead_time > 0, got dead_time=0")
    dead_windows = np.column_stack([begin + period, begin + period + dead])
    return np.stack([ramsey, dead_windows], axis=1).reshape(-1, 2)


def clock_covariance(spectrum, cycles: int, interrogation_time: float, dead_time: float = 0.0, *,
                     cutoff: float | None = None) -> np.ndarray:
    """Prior covariance of the clock's Ramsey-window frequencies ``ω_1 … ω_K`` relative to ``ω_0``.

    ``ω_0`` is the average over the Ramsey window of the cycle before the first
    interrogation (the paper's ``I_0``), whose value is taken as the origin; the
    interrogations are the Ramsey windows of cycles 1…K (eq. 1). Units (rad/Z)².

    Parameters
    ----------
    spectrum : mapping or LocalOscillatorNoise
        ``{α: h_α}`` (:func:`power_law_terms`).
    cycles : int
        K ≥ 1 interrogations.
    interrogation_time, dead_time : float
        T > 0 and T_D ≥ 0 (units of Z).
    cutoff : float, optional
        High-frequency cutoff ``f_h`` (cycles per Z) that phase noise (α ≥ 1)
        requires (:func:`interval_covariance`).

    Returns
    -------
    ndarray, shape (K, K)
        ``C_ij`` of eq. (1), (rad/Z)².
    """
    if isinstance(cycles, bool) or not isinstance(cycles, numbers.Integral) or cycles < 1:
        raise QClockError(f"cycles must be an integer >= 1, got {cycles!r}")
    windows = cycle_intervals(int(cycles) + 1, interrogation_time, dead_time)
    return reference_covariance(windows[1:], windows[0], spectrum, cutoff=cutoff)


def sample_interval_averages(intervals, spectrum, size: int, seed=None, *,
                             cutoff: float | None = None) -> np.ndarray:
    """Exact samples of the interval-averaged frequencies of a stationary power-law process.

    The averages ``⟨ω⟩_k`` over ``intervals`` are jointly Gaussian with zero
    mean and the covariance of :func:`interval_covariance` (Mullan & Knill,
    PRA 90, 042310 (2014), eq. 2), so drawing them through its Cholesky factor
    is exact — no time grid, no truncated spectrum beyond the cutoff. This is
    the generator for phase noise (white and flicker PM), which
    :class:`~qclock_circuits.clock.noise.LocalOscillatorNoise` does not simulate.

    Parameters
    ----------
    intervals : array, shape (K, 2)
        Averaging windows (units of Z).
    spectrum : mapping or LocalOscillatorNoise
        ``{α: h_α}`` with every α > −1 (the averages must be defined without a
        reference; use :func:`reference_covariance` otherwise).
    size : int
        Number of independent draws (≥ 1).
    seed : int, SeedSequence or Generator, optional
    cutoff : float, optional
        ``f_h`` (cycles per Z), required for α ≥ 1.

    Returns
    -------
    ndarray, shape (size, K)
        Window averages (rad/Z).

    Raises
    ------
    QClockError
        For α ≤ −1 terms, a missing cutoff, or a singular covariance (e.g.
        repeated windows).
    """
    terms = power_law_terms(spectrum)
    if any(contrast_order(alpha) for alpha, h in terms.items() if h > 0):
        raise QClockError(f"spectrum must have every exponent alpha > -1 to sample absolute averages, got "
                          f"exponents {sorted(terms)}; sample differences with reference_covariance instead")
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
        raise QClockError(f"size must be an integer >= 1, got {size!r}")
    covariance = interval_covariance(intervals, terms, cutoff=cutoff)
    try:
        factor = np.linalg.cholesky(covariance)
    except np.linalg.LinAlgError as exc:
        raise QClockError("the covariance of these intervals is singular (repeated or degenerate windows)") from exc
    normals = np.random.default_rng(seed).standard_normal((int(size), covariance.shape[0]))
    return normals @ factor.T


# ----------------------------------------------------------------------------- conditional Gaussians
def _check_covariance(cov, name: str = "cov") -> np.ndarray:
    cov = check_finite_array(cov, name)
    if cov.ndim != 2 or cov.shape[0] != cov.shape[1]:
        raise QClockError(f"{name} must be a square matrix, got shape {cov.shape}")
    if not np.allclose(cov, cov.T, rtol=1e-10, atol=1e-12 * max(1.0, float(np.abs(cov).max()))):
        raise QClockError(f"{name} must be symmetric")
    return 0.5 * (cov + cov.T)


def condition_gaussian(mean, cov, observed, values) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of the unobserved components of a Gaussian given the others (Mullan & Knill eqs. 19–20).

    Parameters
    ----------
    mean : array, shape (n,)
        Mean of the n components.
    cov : array, shape (n, n)
        Positive-definite on the observed block.
    observed : sequence of int
        Indices of the observed components.
    values : array
        Their observed values.

    Returns
    -------
    mean : numpy.ndarray, shape (n − m,)
        ``μ' = μ_u + C_uo C_oo⁻¹ (f − μ_o)`` of the remaining components, in
        index order.
    cov : numpy.ndarray, shape (n − m, n − m)
        ``C' = C_uu − C_uo C_oo⁻¹ C_ou``.

    Raises
    ------
    QClockError
        If ``observed`` are not distinct indices of ``cov``, ``values`` are not finite,
        or ``cov`` is not positive definite on the observed components.
    """
    cov = _check_covariance(cov)
    size = cov.shape[0]
    mean = check_finite_array(mean, "mean", ndim=1, length=size)
    observed = np.asarray(observed, dtype=int).ravel()
    if observed.size and (observed.min() < 0 or observed.max() >= size or np.unique(observed).size != observed.size):
        raise QClockError(f"observed must be distinct indices in [0, {size}), got {observed.tolist()}")
    values = check_finite_array(values, "values", ndim=1, length=observed.size)
    free = np.setdiff1d(np.arange(size), observed)
    if observed.size == 0:
        return mean[free], cov[np.ix_(free, free)]
    c_oo = cov[np.ix_(observed, observed)]
    c_uo = cov[np.ix_(free, observed)]
    try:
        factor = np.linalg.cholesky(c_oo)
    except np.linalg.LinAlgError as exc:
        raise QClockError("cov must be positive definite on the observed components") from exc
    gain = np.linalg.solve(factor.T, np.linalg.solve(factor, c_uo.T)).T
    new_mean = mean[free] + gain @ (values - mean[observed])
    new_cov = cov[np.ix_(free, free)] - gain @ c_uo.T
    return new_mean, 0.5 * (new_cov + new_cov.T)


@dataclass(frozen=True)
class PredictionLaw:
    """Law of the next interval frequency given the last ``memory`` ones (zero-mean Gaussian process).

    ``ω_next | past = coefficients · past + N(0, variance)``, ``past`` oldest first.

    Parameters
    ----------
    coefficients : ndarray, shape (memory,)
        Regression weights on the past frequencies, oldest first.
    variance : float
        Conditional variance (rad/Z)².
    """

    coefficients: np.ndarray
    variance: float

    @property
    def memory(self) -> int:
        return int(self.coefficients.size)

    def mean(self, past) -> np.ndarray | float:
        """Conditional mean ``coefficients · past``.

        Parameters
        ----------
        past : array, shape (..., memory)
            Past frequencies (rad/Z), oldest first.

        Returns
        -------
        float or ndarray
            The conditional mean (rad/Z), shape ``past.shape[:-1]``.
        """
        past = np.asarray(past, dtype=float)
        if past.shape[-1:] != (self.memory,):
            raise QClockError(f"past must end with an axis of length {self.memory}, got shape {past.shape}")
        value = past @ self.coefficients
        return float(value) if np.ndim(value) == 0 else value

    def to_dict(self) -> dict:
        """JSON-able form.

        Returns
        -------
        dict
            ``coefficients`` (list) and ``variance``.
        """
        return {"coefficients": self.coefficients.tolist(), "variance": float(self.variance)}

    @classmethod
    def from_dict(cls, data: Mapping) -> PredictionLaw:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            ``coefficients`` and ``variance``.

        Returns
        -------
        PredictionLaw
        """
        return cls(coefficients=np.asarray(data["coefficients"], dtype=float), variance=float(data["variance"]))


def prediction_law(cov, memory: int | None = None) -> PredictionLaw:
    """Law of the last component of a zero-mean Gaussian given the ``memory`` before it (Mullan & Knill eqs. 19–20).

    Parameters
    ----------
    cov : array, shape (n, n)
        Covariance of ``(ω_1 … ω_n)`` (e.g. :func:`clock_covariance`).
    memory : int, optional
        How many of the preceding components to condition on (default all
        ``n − 1``); the truncated-history model of Mullan & Knill section V.

    Returns
    -------
    PredictionLaw
        Coefficients on the ``memory`` preceding components (oldest first)
        and the conditional variance.

    Raises
    ------
    QClockError
        A non-symmetric or non-positive-definite ``cov``, or ``memory`` out of range.
    """
    cov = _check_covariance(cov)
    size = cov.shape[0]
    memory = size - 1 if memory is None else memory
    if isinstance(memory, bool) or not isinstance(memory, numbers.Integral) or not 0 <= memory <= size - 1:
        raise QClockError(f"memory must be an integer in [0, {size - 1}], got {memory!r}")
    past = np.arange(size - 1 - memory, size - 1)
    block = cov[np.ix_(past, past)]
    cross = cov[size - 1, past]
    coefficients = np.linalg.solve(block, cross) if memory else np.zeros(0)
    variance = float(cov[-1, -1] - cross @ coefficients)
    if variance <= 0:
        raise QClockError(f"cov is not positive definite: conditional variance {variance:.3g} <= 0")
    return PredictionLaw(coefficients=coefficients, variance=variance)


def transition_law(spectrum, memory: int, interrogation_time: float, dead_time: float = 0.0, *,
                   cutoff: float | None = None) -> PredictionLaw:
    """Truncated-history noise model (Mullan & Knill section V): law of ``ω_{n+1}`` given the last ``memory`` ones.

    The frequencies are the Ramsey-window averages of consecutive clock cycles
    (cycle time ``T + T_D``, units of Z). For spectra with every α > −1 the
    averages are stationary and this is :func:`prediction_law` of ``memory + 1``
    consecutive windows. For −3 < α ≤ −1 only contrasts are defined: the law
    is built from the differences to the oldest remembered window,
    ``ω_{n+1} − ω_{n−m+1}`` given ``ω_k − ω_{n−m+1}``, so the coefficients on the
    past frequencies sum to one (no pull towards an absolute origin); this
    needs ``memory ≥ 1``.

    Parameters
    ----------
    spectrum : mapping or LocalOscillatorNoise
        ``{α: h_α}`` with every α > −3.
    memory : int
        Frequencies remembered (≥ 0; ≥ 1 for α ≤ −1).
    interrogation_time, dead_time : float
        T > 0 and T_D ≥ 0 (units of Z).
    cutoff : float, optional
        ``f_h`` (cycles per Z), required for phase noise (α ≥ 1;
        :func:`interval_covariance`).

    Returns
    -------
    PredictionLaw
        Coefficients on the past frequencies (oldest first) and the
        transition variance (rad/Z)².
    """
    terms = power_law_terms(spectrum)
    if isinstance(memory, bool) or not isinstance(memory, numbers.Integral) or memory < 0:
        raise QClockError(f"memory must be an integer >= 0, got {memory!r}")
    order = max((contrast_order(alpha) for alpha, h in terms.items() if h > 0), default=0)
    windows = cycle_intervals(int(memory) + 1, interrogation_time, dead_time)
    if order == 0:
        return prediction_law(interval_covariance(windows, terms, cutoff=cutoff))
    if order > 1:
        raise QClockError("transition_law supports spectra with alpha > -3 (contrasts of first order), got "
                          f"exponents {sorted(terms)}")
    if memory < 1:
        raise QClockError(f"memory must be >= 1 for spectral exponents alpha <= -1 (no absolute frequency "
                          f"reference), got {memory}")
    relative = prediction_law(reference_covariance(windows[1:], windows[0], terms, cutoff=cutoff))
    coefficients = np.concatenate([[1.0 - relative.coefficients.sum()], relative.coefficients])
    return PredictionLaw(coefficients=coefficients, variance=relative.variance)


@dataclass(frozen=True)
class PhaseFrequencyLaw:
    """Joint zero-mean Gaussian law of the cumulative phase ``θ_n = Σ_{k≤n} ω_k T_k`` and ``ω_{n+1}``.

    Parameters
    ----------
    phase_variance : float
        ``Var θ_n`` (rad²).
    frequency_variance : float
        ``Var ω_{n+1}`` ((rad/Z)²).
    covariance : float
        ``Cov(θ_n, ω_{n+1})`` (rad²/Z).
    """

    phase_variance: float
    frequency_variance: float
    covariance: float

    @property
    def slope(self) -> float:
        """``E(θ_n − Eθ_n | ω_{n+1}) = slope · (ω_{n+1} − Eω_{n+1})`` (rad·Z), the Mullan & Knill eq. (7) term."""
        return self.covariance / self.frequency_variance

    def phase_offsets(self, phases, interrogation_time: float, frequency_mean: float = 0.0) -> np.ndarray:
        """``m(φ) = E(θ_n − Eθ_n | ω_{n+1} = φ/T)`` (rad) at interrogation phases ``φ`` (rad).

        The ``phase_offsets`` of the paper's eq. (7) cost for
        :func:`~qclock_circuits.clock.adaptive.sdp.optimize_interrogation`;
        ``frequency_mean`` is ``E ω_{n+1}`` (rad/Z), T in units of Z.

        Parameters
        ----------
        phases : array
            Interrogation phases φ (rad).
        interrogation_time : float
            T > 0 (units of Z).
        frequency_mean : float
            ``E ω_{n+1}`` (rad/Z).

        Returns
        -------
        ndarray
            ``m(φ)`` (rad).
        """
        period = check_finite(interrogation_time, "interrogation_time")
        if period <= 0:
            raise QClockError(f"interrogation_time must be > 0 (units of Z), got {period}")
        phases = check_finite_array(phases, "phases")
        return self.slope * (phases / period - check_finite(frequency_mean, "frequency_mean"))

    @property
    def conditional_phase_variance(self) -> float:
        """``Var(θ_n | ω_{n+1})``."""
        return self.phase_variance - self.covariance**2 / self.frequency_variance

    def to_dict(self) -> dict:
        """JSON-able form.

        Returns
        -------
        dict
            The three moments.
        """
        return {"phase_variance": self.phase_variance, "frequency_variance": self.frequency_variance,
                "covariance": self.covariance}

    @classmethod
    def from_dict(cls, data: Mapping) -> PhaseFrequencyLaw:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            ``phase_variance``, ``frequency_variance``, ``covariance``.

        Returns
        -------
        PhaseFrequencyLaw
        """
        return cls(float(data["phase_variance"]), float(data["frequency_variance"]), float(data["covariance"]))


def phase_frequency_law(cov, durations) -> PhaseFrequencyLaw:
    """Law of ``(θ_n, ω_{n+1})`` from the covariance of ``(ω_1 … ω_{n+1})`` and the durations ``T_1 … T_n``.

    Parameters
    ----------
    cov : array, shape (n+1, n+1)
        Prior covariance of the frequencies (:func:`clock_covariance`).
    durations : array, shape (n,)
        Interrogation durations ``T_k`` (units of Z) entering ``θ_n``.

    Returns
    -------
    PhaseFrequencyLaw
    """
    cov = _check_covariance(cov)
    durations = check_finite_array(durations, "durations", ndim=1, length=cov.shape[0] - 1)
    past = cov[:-1, :-1]
    return PhaseFrequencyLaw(phase_variance=float(durations @ past @ durations),
                             frequency_variance=float(cov[-1, -1]),
                             covariance=float(durations @ cov[:-1, -1]))
