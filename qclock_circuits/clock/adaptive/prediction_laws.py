"""Conditional Gaussian laws of the LO frequencies and the truncated-history noise model (Mullan & Knill, Phys. Rev. A 90, 042310 (2014), eqs. 19–20, section V).

Conditioning a Gaussian on observed components (:func:`condition_gaussian`),
the law of the next window frequency given the last ``memory`` ones
(:func:`prediction_law`, :func:`transition_law`: the clock's noise model) and
the joint law of the cumulative phase ``θ_n`` and the next frequency
(:func:`phase_frequency_law`). Covariances come from :mod:`.window_averages`.
Time in units of the laser coherence time Z, ω dimensionless (rad per Z).
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..._validation import QClockError, check_finite, check_finite_array
from .power_law_kernels import contrast_order, power_law_terms
from .window_averages import cycle_intervals, interval_covariance, reference_covariance

__all__ = ["condition_gaussian", "PredictionLaw", "prediction_law", "transition_law", "PhaseFrequencyLaw",
           "phase_frequency_law"]


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
        Covariance of ``(ω_1 … ω_n)`` (e.g. :func:`~.window_averages.clock_covariance`).
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
        :func:`~.window_averages.interval_covariance`).

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
        Prior covariance of the frequencies (:func:`~.window_averages.clock_covariance`).
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
