"""Phase and frequency kernels of one-sided power-law LO spectra (Mullan & Knill, Phys. Rev. A 90, 042310 (2014), eqs. 1–2, appendix B).

The generalised covariance of the accumulated phase ``x(t) = ∫ω dt`` for
``S_ω(f) = h f^α`` (NIST α, f in cycles per Z),
``K_x(τ) = (h/4π²) Γ(s) cos(πs/2) (2π|τ|)^(−s)`` with ``s = α − 1`` (logarithmic
at the poles of Γ, cut off at ``f_h`` for phase noise, 1 ≤ α ≤ 2), the
frequency kernel ``K_ω = −K_x''`` and the order of the contrasts that make
interval averages well defined; :mod:`.covariance` explains the method and
:mod:`.window_averages` builds the covariances from these kernels. Time in
units of the laser coherence time Z, ω dimensionless (rad per Z).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping

import numpy as np
from scipy import integrate
from scipy.special import gamma, sici

from ..._names import PHASE_NOISE_TYPES as _PHASE_NOISE_TYPES
from ..._validation import QClockError, check_finite
from ...bayes.priors import NOISE_TYPES

__all__ = ["ALPHA_RANGE", "PHASE_NOISE_TYPES", "PHASE_ALPHA_MIN", "power_law_terms", "phase_kernel",
           "frequency_kernel", "contrast_order"]

#: NIST exponents α handled, ``(−5, 2]`` (lower end open, upper closed): α ≤ −5
#: needs contrasts of order ≥ 3; averages of ω diverge for α ≥ 1 (phase noise),
#: which needs a high-frequency cutoff (:mod:`.covariance`); α > 2 is beyond the
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
    """Phase kernel per unit h for 1 ≤ α ≤ 2 with the brick-wall cutoff (:mod:`.covariance`), τ ≥ 0."""
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
    treatment), applied once to the phase (:mod:`.covariance`).

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
        ``K_x(τ)`` in rad² (:mod:`.covariance`; fixed up to an even polynomial of
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


