"""Overlapping Allan deviation of a frequency trace, with χ² confidence intervals.

For samples ``y_i`` (i = 0 … n−1) of a frequency averaged over consecutive
intervals of length ``tau0`` (fractional frequency y, or the dimensionless ω
of :mod:`qclock_circuits.clock.noise` — the deviation has the units of y), the
overlapping Allan variance at ``τ = m tau0`` is (NIST SP 1065 eq. (11))

    σ²(τ) = Σ_{i=0}^{N−2m−1} (x_{i+2m} − 2 x_{i+m} + x_i)² / (2 τ² (N − 2m)),

with the phase ``x_j = tau0 Σ_{i<j} y_i`` (N = n + 1 phase points) and
``N − 2m`` terms; this is exactly what ``allantools.oadev(y, rate=1/tau0,
data_type="freq")`` computes.

Implementation. ``x_{i+2m} − 2x_{i+m} + x_i = tau0 (W_m(i+m) − W_m(i))`` with the
window sums ``W_m(i) = Σ_{j=i}^{i+m−1} y_j``. At octave τ (m = 1, 2, 4, …) the
window sums double in place, ``W_2m(i) = W_m(i) + W_m(i+m)``, fused with the
sum of squares in one pass: O(n) per τ, one working copy of y, and no large
cumulative sum (so no round-off from a drifting phase). The first pass (m = 1)
reads the samples and removes their mean on the fly (no centred copy); each
pass keeps four partial sums, so the loop is not bound by the latency of one
running sum (together ~1.4× faster than one pass with one sum). Arbitrary τ use
the cumulative sum of the mean-removed data. The loops are compiled with numba
(cache=True) when it is installed, with a NumPy fallback.

Confidence intervals: the χ² method (SP 1065 eq. (45)),
``σ √(edf / χ²_{(1±p)/2}(edf))``, with the simple equivalent degrees of freedom of
the overlapping estimator (SP 1065 Table 5, N phase points, averaging factor m):

* white FM (α = 0, default): ``[3(N−1)/(2m) − 2(N−2)/N] · 4m²/(4m²+5)``
* flicker FM (α = −1): ``2(N−2)²/(2.3N − 4.9)`` at m = 1, ``5N²/(4m(N+3m))`` for m ≥ 2
* random-walk FM (α = −2): ``(N−2)/(m (N−3)²) · [(N−1)² − 3m(N−1) + 4m²]``

clipped to ``[1, N − 2m]`` (the formulas are asymptotic in N).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2

from .._validation import QClockError, check_finite, check_finite_array
from ..bayes.priors import noise_exponent

__all__ = ["AllanResult", "overlapping_adev", "long_tau_fit", "edf_overlapping", "octave_factors",
           "ONE_SIGMA_CONFIDENCE"]

#: Probability mass of ±1σ of a normal distribution, erf(1/√2).
ONE_SIGMA_CONFIDENCE = math.erf(1.0 / math.sqrt(2.0))

_NOISE_WORDS = {0: "white", -1: "flicker", -2: "random_walk"}


# ----------------------------------------------------------------------------- kernels
def _octave_step_source(w, length, m):  # pragma: no cover - compiled by numba
    """``Σ (W_m(i+m) − W_m(i))²`` over i < length − m, then ``w[i] ← W_2m(i)`` in place.

    Four partial sums (i mod 4) break the dependency chain of one running sum.
    """
    t0 = 0.0
    t1 = 0.0
    t2 = 0.0
    t3 = 0.0
    terms = length - m
    blocks = terms - terms % 4
    for i in range(0, blocks, 4):
        upper = w[i + m]
        lower = w[i]
        difference = upper - lower
        t0 += difference * difference
        w[i] = lower + upper
        upper = w[i + 1 + m]
        lower = w[i + 1]
        difference = upper - lower
        t1 += difference * difference
        w[i + 1] = lower + upper
        upper = w[i + 2 + m]
        lower = w[i + 2]
        difference = upper - lower
        t2 += difference * difference
        w[i + 2] = lower + upper
        upper = w[i + 3 + m]
        lower = w[i + 3]
        difference = upper - lower
        t3 += difference * difference
        w[i + 3] = lower + upper
    for i in range(blocks, terms):
        upper = w[i + m]
        lower = w[i]
        difference = upper - lower
        t0 += difference * difference
        w[i] = lower + upper
    return (t0 + t1) + (t2 + t3)


def _first_octave_source(y, shift, w):  # pragma: no cover - compiled by numba
    """m = 1 straight from the samples: ``Σ (c[i+1] − c[i])²`` with ``c = y − shift``, ``w[i] ← c[i] + c[i+1]``.

    Saves the pass that would make the centred copy; ``y`` is only read.
    """
    t0 = 0.0
    t1 = 0.0
    terms = y.size - 1
    blocks = terms - terms % 2
    for i in range(0, blocks, 2):
        lower = y[i] - shift
        middle = y[i + 1] - shift
        upper = y[i + 2] - shift
        difference = middle - lower
        t0 += difference * difference
        w[i] = lower + middle
        difference = upper - middle
        t1 += difference * difference
        w[i + 1] = middle + upper
    for i in range(blocks, terms):
        lower = y[i] - shift
        upper = y[i + 1] - shift
        difference = upper - lower
        t0 += difference * difference
        w[i] = lower + upper
    return t0 + t1


def _second_difference_source(c, m):  # pragma: no cover - compiled by numba
    """``Σ (c[i+2m] − 2c[i+m] + c[i])²`` over i < len(c) − 2m."""
    total = 0.0
    for i in range(c.size - 2 * m):
        difference = (c[i + 2 * m] - c[i + m]) - (c[i + m] - c[i])
        total += difference * difference
    return total


def _first_octave_numpy(y, shift, w):
    centred = y - shift
    difference = centred[1:] - centred[:-1]
    w[:-1] = centred[:-1] + centred[1:]
    return float(np.dot(difference, difference))


def _octave_step_numpy(w, length, m):
    terms = length - m
    difference = w[m:length] - w[:terms]
    total = float(np.dot(difference, difference))
    w[:terms] += w[m:length]
    return total


def _second_difference_numpy(c, m):
    terms = c.size - 2 * m
    difference = (c[2 * m:] - c[m:m + terms]) - (c[m:m + terms] - c[:terms])
    return float(np.dot(difference, difference))


try:
    import numba as _numba
except ImportError:  # pragma: no cover - numba is a dependency; the fallback keeps the module usable
    _octave_step = _octave_step_numpy
    _first_octave = _first_octave_numpy
    _second_difference = _second_difference_numpy
else:
    _octave_step = _numba.njit(cache=True, nogil=True)(_octave_step_source)
    _first_octave = _numba.njit(cache=True, nogil=True)(_first_octave_source)
    _second_difference = _numba.njit(cache=True, nogil=True)(_second_difference_source)


# ----------------------------------------------------------------------------- result
@dataclass(frozen=True, eq=False)
class AllanResult:
    """Overlapping Allan deviation at a set of averaging times.

    Parameters
    ----------
    tau : ndarray
        Averaging times τ = m · tau0 (units of tau0).
    sigma : ndarray
        Overlapping Allan deviation (units of the input samples).
    n_terms : ndarray of int
        Number of second differences ``N − 2m`` in each estimate.
    ci_low, ci_high : ndarray
        χ² confidence interval at probability ``confidence``.
    edf : ndarray
        Equivalent degrees of freedom used for the interval.
    tau0 : float
        Sample spacing.
    confidence : float
        Two-sided probability of the interval (default ``erf(1/√2)`` ≈ 0.683).
    noise : str
        Noise type assumed by the EDF ('white', 'flicker', 'random_walk').
    """

    tau: np.ndarray
    sigma: np.ndarray
    n_terms: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    edf: np.ndarray
    tau0: float = 1.0
    confidence: float = ONE_SIGMA_CONFIDENCE
    noise: str = "white"

    def __len__(self) -> int:
        return int(self.tau.size)

    @property
    def m(self) -> np.ndarray:
        """Averaging factors τ / tau0 (integers)."""
        return np.rint(self.tau / self.tau0).astype(np.int64)

    def to_dict(self) -> dict:
        """Plain JSON-compatible data.

        Returns
        -------
        dict
            One entry per field; arrays become lists.
        """
        return {"tau": self.tau.tolist(), "sigma": self.sigma.tolist(), "n_terms": self.n_terms.tolist(),
                "ci_low": self.ci_low.tolist(), "ci_high": self.ci_high.tolist(), "edf": self.edf.tolist(),
                "tau0": self.tau0, "confidence": self.confidence, "noise": self.noise}

    @classmethod
    def from_dict(cls, data: Mapping) -> AllanResult:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            A dictionary as written by :meth:`to_dict`.

        Returns
        -------
        AllanResult
            The result.
        """
        arrays = {key: np.asarray(data[key], dtype=float) for key in ("tau", "sigma", "ci_low", "ci_high", "edf")}
        return cls(n_terms=np.asarray(data["n_terms"], dtype=np.int64), tau0=float(data["tau0"]),
                   confidence=float(data["confidence"]), noise=str(data["noise"]), **arrays)


# ----------------------------------------------------------------------------- EDF
def edf_overlapping(points: int, m, noise="white") -> np.ndarray | float:
    """Equivalent degrees of freedom of the overlapping Allan variance (SP 1065 Table 5).

    Parameters
    ----------
    points : int
        Number of phase points N (= number of frequency samples + 1).
    m : int or array of int
        Averaging factors (1 ≤ m ≤ (N − 2)/2).
    noise : str or int
        'white', 'flicker' or 'random_walk' FM (or NIST α 0, −1, −2).

    Returns
    -------
    float or numpy.ndarray
        The equivalent degrees of freedom, shaped like ``m``, clipped to
        ``[1, N − 2m]``.

    Notes
    -----
    Riley, *Handbook of Frequency Stability Analysis*, NIST Special
    Publication 1065 (2008), Table 5.
    """
    alpha = noise_exponent(noise)
    n = float(points)
    scalar = np.ndim(m) == 0
    mm = np.atleast_1d(np.asarray(m, dtype=float))
    if alpha == 0:
        edf = (3.0 * (n - 1.0) / (2.0 * mm) - 2.0 * (n - 2.0) / n) * (4.0 * mm**2 / (4.0 * mm**2 + 5.0))
    elif alpha == -1:
        edf = np.where(mm == 1, 2.0 * (n - 2.0) ** 2 / (2.3 * n - 4.9), 5.0 * n**2 / (4.0 * mm * (n + 3.0 * mm)))
    else:
        edf = (n - 2.0) / (mm * (n - 3.0) ** 2) * ((n - 1.0) ** 2 - 3.0 * mm * (n - 1.0) + 4.0 * mm**2)
    edf = np.clip(edf, 1.0, np.maximum(n - 2.0 * mm, 1.0))
    return float(edf[0]) if scalar else edf


# ----------------------------------------------------------------------------- main entry
def octave_factors(samples: int) -> np.ndarray:
    """Octave averaging factors ``m = 1, 2, 4, …`` with at least two terms (``m ≤ (samples − 1)/2``).

    Parameters
    ----------
    samples : int
        Number of frequency samples.

    Returns
    -------
    numpy.ndarray of int
        The factors m, increasing.
    """
    if samples < 3:
        return np.zeros(0, dtype=np.int64)
    top = int(math.floor(math.log2((samples - 1) / 2.0)))
    return 2 ** np.arange(top + 1, dtype=np.int64)


def _spacing(tau0, rate) -> float:
    if tau0 is not None and rate is not None:
        raise QClockError(f"give the sample spacing as tau0 or as rate = 1/tau0, not both; got tau0={tau0!r}, "
                          f"rate={rate!r}")
    if rate is not None:
        rate = check_finite(rate, "rate")
        if rate <= 0:
            raise QClockError(f"rate must be a finite number > 0 (samples per unit time), got {rate}")
        return 1.0 / rate
    if tau0 is None:
        return 1.0
    tau0 = check_finite(tau0, "tau0")
    if tau0 <= 0:
        raise QClockError(f"tau0 must be a finite number > 0 (sample spacing), got {tau0}")
    return tau0


def overlapping_adev(y, tau0: float | None = None, taus="octave", *, rate: float | None = None,
                     confidence: float = ONE_SIGMA_CONFIDENCE, noise="white") -> AllanResult:
    """Overlapping Allan deviation of frequency samples ``y`` at spacing ``tau0``.

    Parameters
    ----------
    y : array_like, 1-D
        Frequency samples (finite, at least 3), each the mean over an interval
        ``tau0`` of a gap-free record (fractional frequency, or ω in rad per Z).
    tau0 : float, optional
        Sample spacing (> 0; default 1). Alternatively give ``rate = 1/tau0``.
    taus : 'octave' or array_like
        'octave': ``τ = tau0 · 2^k`` for every k with at least two terms
        (the same list as ``allantools.oadev(..., taus='octave')``); or
        explicit averaging times, each an integer multiple ``m`` of tau0 with
        ``1 ≤ m ≤ (n − 1)/2``.
    rate : float, optional
        Sample rate 1/tau0 (as in allantools); exclusive with ``tau0``.
    confidence : float
        Two-sided probability of the χ² interval, in (0, 1); default ≈ 0.683.
    noise : str or int
        Noise type for the equivalent degrees of freedom (:func:`edf_overlapping`).

    Returns
    -------
    AllanResult
        σ(τ) with its χ² confidence interval at each averaging time.

    Raises
    ------
    QClockError
        If ``y`` holds fewer than 3 samples, ``confidence`` is not in (0, 1),
        ``taus`` is neither ``'octave'`` nor valid averaging times, or the noise
        name is unknown.
    """
    spacing = _spacing(tau0, rate)
    data, mean = _samples(y)
    samples = data.shape[0]
    if samples < 3:
        raise QClockError(f"y must hold at least 3 samples for an Allan deviation, got {samples}")
    confidence = check_finite(confidence, "confidence")
    if not 0.0 < confidence < 1.0:
        raise QClockError(f"confidence must be a probability in (0, 1), got {confidence}")
    alpha = noise_exponent(noise)
    # the Allan variance ignores the mean; removing it keeps the window sums small

    if isinstance(taus, str):
        if taus != "octave":
            raise QClockError(f"taus must be 'octave' or an array of averaging times, got {taus!r}")
        factors = octave_factors(samples)
        totals = np.empty(factors.size)
        work = np.empty(samples)  # the window sums, overwritten in place level by level
        totals[0] = _first_octave(data, mean, work)
        length = samples - 1
        for index in range(1, factors.size):
            m = int(factors[index])
            totals[index] = _octave_step(work, length, m)
            length -= m
    else:
        factors = _explicit_factors(taus, spacing, samples)
        phase = np.empty(samples + 1)
        phase[0] = 0.0
        np.cumsum(data - mean, out=phase[1:])
        totals = np.array([_second_difference(phase, int(m)) for m in factors])

    points = samples + 1
    n_terms = points - 2 * factors
    mf = factors.astype(float)
    sigma = np.sqrt(totals / (2.0 * mf**2 * n_terms))
    edf = edf_overlapping(points, factors, alpha)
    low_q = chi2.ppf(0.5 + confidence / 2.0, edf)
    high_q = chi2.ppf(0.5 - confidence / 2.0, edf)
    return AllanResult(tau=mf * spacing, sigma=sigma, n_terms=n_terms.astype(np.int64),
                       ci_low=sigma * np.sqrt(edf / low_q), ci_high=sigma * np.sqrt(edf / high_q),
                       edf=np.asarray(edf, dtype=float), tau0=spacing, confidence=confidence,
                       noise=_NOISE_WORDS[alpha])


def _samples(y) -> tuple[np.ndarray, float]:
    """``y`` as a 1-D float array (no copy when it is one) and its mean; raises for non-finite samples.

    A finite sum implies finite samples, so the element-wise check runs only when the sum is not finite
    (a NaN or inf sample, which it reports, or an overflow of the sum, which falls back to a zero shift).
    """
    try:
        data = np.asarray(y, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"y must be an array of numbers, got {y!r}") from exc
    if data.ndim != 1:
        raise QClockError(f"y must be a 1-D array, got shape {data.shape}")
    with np.errstate(over="ignore", invalid="ignore"):
        mean = data.mean() if data.size else 0.0
    if not np.isfinite(mean):
        check_finite_array(data, "y", ndim=1)
        mean = 0.0
    return data, float(mean)


def _explicit_factors(taus, spacing: float, samples: int) -> np.ndarray:
    values = check_finite_array(np.atleast_1d(taus), "taus", ndim=1)
    if values.size == 0:
        raise QClockError("taus must hold at least one averaging time, got an empty array")
    ratio = values / spacing
    factors = np.rint(ratio)
    off = np.abs(ratio - factors) > 1e-9 * np.maximum(1.0, np.abs(ratio))
    if np.any(off):
        raise QClockError(f"taus must be integer multiples of tau0 = {spacing}, got {values[off][0]}")
    limit = (samples - 1) // 2
    bad = (factors < 1) | (factors > limit)
    if np.any(bad):
        raise QClockError(f"taus must lie in [tau0, {limit} tau0] = [{spacing}, {limit * spacing}] for "
                          f"{samples} samples, got {values[bad][0]}")
    return np.unique(factors.astype(np.int64))


def long_tau_fit(result: AllanResult, min_tau: float | None = None, max_tau: float | None = None,
                 model: str = "white") -> float:
    """White-FM level ``σ(τ) √τ`` at long τ, extrapolated to τ = 1.

    ``model='white'``: the weighted mean of ``σ(τ_j) √τ_j`` over
    ``min_tau ≤ τ_j ≤ max_tau``, with weights ∝ the equivalent degrees of
    freedom (the relative variance of each estimate is ≈ 1/(2 edf); weighting
    by the estimates themselves would bias low).

    ``model='white+transient'``: a weighted least-squares fit of
    ``σ²(τ) τ = a + b/τ`` (white FM plus a term falling as 1/τ², e.g. LO noise
    that a first-order servo suppresses only slowly), returning ``√a``; the
    variance of each ``σ²τ`` is taken as ``2 (σ²τ)²/edf``; the white level is
    then averaged (as for ``'white'``) over the τ where ``b/τ < 0.1 a``, or,
    with fewer than two such τ, ``√a`` is returned. When the fitted ``b`` is
    not positive by three standard errors (no significant transient), the
    white model is used over the whole range.

    In the 1/√τ regime the result is ``σ(1)`` in the caller's units of τ and σ
    — e.g. the dimensionless stability ``σ_y ω0 √(τZ)`` for ω in rad per Z and
    τ in units of Z.

    Parameters
    ----------
    result : AllanResult
        The Allan deviation to fit.
    min_tau : float, optional
        Shortest τ used (default: the geometric middle of the τ range).
    max_tau : float, optional
        Longest τ used (default: all).
    model : {'white', 'white+transient'}
        Model of σ(τ) fitted, as above.

    Returns
    -------
    float
        The white-FM level σ(τ = 1) (units of ``result.sigma`` times √(units of τ)).

    Raises
    ------
    TypeError
        If ``result`` is not an AllanResult.
    QClockError
        If ``model`` is unknown, ``result`` is empty, or no averaging time lies in
        ``[min_tau, max_tau]``.
    """
    if not isinstance(result, AllanResult):
        raise TypeError(f"result must be an AllanResult, got {type(result).__name__}")
    if model not in ("white", "white+transient"):
        raise QClockError(f"model must be 'white' or 'white+transient', got {model!r}")
    if len(result) == 0:
        raise QClockError("result holds no averaging times")
    tau = result.tau
    if min_tau is None:
        min_tau = math.sqrt(float(tau[0]) * float(tau[-1]))
    else:
        min_tau = check_finite(min_tau, "min_tau")
    upper = np.inf if max_tau is None else check_finite(max_tau, "max_tau")
    chosen = (tau >= min_tau * (1 - 1e-12)) & (tau <= upper * (1 + 1e-12))
    if not np.any(chosen):
        raise QClockError(f"no averaging time in [min_tau, max_tau] = [{min_tau}, {upper}]; "
                          f"result has tau from {tau[0]} to {tau[-1]}")
    levels = result.sigma[chosen] * np.sqrt(tau[chosen])
    weights = result.edf[chosen]
    white = float(np.sum(weights * levels) / np.sum(weights))
    if model == "white" or np.count_nonzero(chosen) < 3:
        return white
    scaled = levels**2
    # first pass with the white level as the variance model, then once more with the fit itself
    variance_model = np.full(scaled.size, white**2)
    design = np.stack([np.ones(scaled.size), 1.0 / tau[chosen]], axis=1)
    for _ in range(2):
        w = weights / (2.0 * variance_model**2)
        normal = design.T @ (w[:, None] * design)
        a, b = np.linalg.solve(normal, design.T @ (w * scaled))
        b_error = math.sqrt(max(np.linalg.inv(normal)[1, 1], 0.0))
        if a <= 0 or b < 3.0 * b_error:  # no significant transient
            return white
        variance_model = a + b / tau[chosen]
    # average the white level only where the transient has fallen below 10 % of it, if there is room
    settled = tau[chosen] >= b / (0.1 * a)
    if np.count_nonzero(settled) >= 2:
        return float(np.sum(weights[settled] * levels[settled]) / np.sum(weights[settled]))
    return float(math.sqrt(a))