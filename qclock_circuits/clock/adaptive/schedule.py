"""Interrogation times that change from step to step, chosen from the current prior (Mullan & Knill, Phys. Rev. A 90, 042310 (2014), section VII outlook).

Mullan & Knill run the clock with one interrogation time T and note that
"choosing the interrogation duration T optimally at every step" should improve
it further: a longer T gives more information per interrogation, but too long
a T lets the frequency slip past the unambiguous range ±π/T. This module
supplies the pieces the running clock needs for that:

* :func:`window_transition_law` — the truncated-history noise model (section V)
  for contiguous windows of unequal durations: the law of the next window's
  average frequency given the last ``memory`` ones, which depends on all their
  durations (for equal durations it is :func:`~.prediction_laws.transition_law`);
* :func:`expected_variance_increase` — the expected increase ΔV of the
  posterior variance of the cumulative phase θ over one interrogation,
  evaluated exactly on the tracking grid for a given state, POVM and T — the
  quantity the paper's eq. (7) cost is built to minimise (its appendix A);
* :func:`choose_interrogation_time` — the rule: among candidate durations pick
  the one with the smallest expected ΔV per unit time, ``E(ΔV)/T`` (rad² per
  time unit): the rate at which the clock's time error grows. With one
  candidate it is the constant-T clock.

Units: time in the time unit of the noise strength (T = 1 is the paper's
interrogation time), ω in rad per time unit, phases in rad.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..._validation import QClockError, check_finite_array
from .covariance import (
    PredictionLaw,
    contrast_order,
    interval_covariance,
    power_law_terms,
    prediction_law,
    reference_covariance,
)
from .tracking import Prediction, TrackerState, predict

__all__ = ["TimeChoice", "window_intervals", "window_transition_law", "expected_variance_increase",
           "choose_interrogation_time"]


def window_intervals(durations, start: float = 0.0) -> np.ndarray:
    """Contiguous windows ``[t_{k−1}, t_k]`` of the given durations (no dead time), shape (K, 2), time units.

    Parameters
    ----------
    durations : array, shape (K,)
        Window durations T_k (> 0, time units).
    start : float
        Start of the first window.

    Returns
    -------
    ndarray, shape (K, 2)

    Raises
    ------
    QClockError
        If a duration is not finite and > 0.
    """
    durations = check_finite_array(durations, "durations", ndim=1)
    if durations.size < 1 or np.any(durations <= 0):
        raise QClockError(f"durations must be a non-empty list of window lengths > 0, got {durations.tolist()}")
    ends = start + np.cumsum(durations)
    return np.column_stack([ends - durations, ends])


def window_transition_law(spectrum, durations) -> PredictionLaw:
    """Law of the last window's average frequency given the ones before it, for unequal contiguous windows.

    The truncated-history noise model of Mullan & Knill, PRA 90, 042310 (2014),
    section V, with the covariances of eq. (2) for windows of durations
    ``T_{n−h+1}, …, T_n, T_{n+1}`` (``durations``, oldest first; h =
    ``len(durations) − 1`` is the memory). As
    :func:`~.prediction_laws.transition_law`: for spectra with every α > −1 the
    conditional law of the window averages; for −3 < α ≤ −1 the law of the
    differences to the oldest remembered window, so the coefficients sum to one.

    Parameters
    ----------
    spectrum : mapping or LocalOscillatorNoise
        ``{α: h_α}`` of the one-sided NIST spectrum (:func:`~.power_law_kernels.power_law_terms`).
    durations : array, shape (h + 1,)
        Durations (time units, > 0) of the remembered windows and of the next one.

    Returns
    -------
    PredictionLaw
        ``ω_{n+1} = coefficients · (ω_{n−h+1}, …, ω_n) + N(0, variance)``.

    Raises
    ------
    QClockError
        For bad durations, or h = 0 with α ≤ −1 (no absolute frequency reference).
    """
    terms = power_law_terms(spectrum)
    windows = window_intervals(durations)
    order = max((contrast_order(alpha) for alpha, h in terms.items() if h > 0), default=0)
    if order == 0:
        return prediction_law(interval_covariance(windows, terms))
    if order > 1:
        raise QClockError("window_transition_law supports spectra with alpha > -3, got exponents "
                          f"{sorted(terms)}")
    if windows.shape[0] < 2:
        raise QClockError("durations must hold at least two windows (memory >= 1) for spectral exponents "
                          "alpha <= -1 (no absolute frequency reference)")
    relative = prediction_law(reference_covariance(windows[1:], windows[0], terms))
    coefficients = np.concatenate([[1.0 - relative.coefficients.sum()], relative.coefficients])
    return PredictionLaw(coefficients=coefficients, variance=relative.variance)


def expected_variance_increase(prediction: Prediction, likelihoods) -> float:
    """Expected increase ``E(ΔV) = Σ_a p(a) V(θ_{n+1} | a_n, a) − V(θ_n | a_n)`` over one interrogation (rad²).

    ``θ_{n+1} = θ_n + T ω_{n+1}``; the expectation is over the outcome ``a``
    with its predicted probability. This is the quantity whose minimum the
    cost of Mullan & Knill, PRA 90, 042310 (2014), eq. (7) yields (appendix
    A), evaluated exactly on the tracking grid from the conditional phase
    moments (appendix C) instead of through the SDP's discretised labels.

    Parameters
    ----------
    prediction : Prediction
        :func:`~.tracking.predict` for the candidate duration T.
    likelihoods : array, shape (P, L)
        ``P(a | ω)`` of every outcome a at every grid frequency.

    Returns
    -------
    float
        E(ΔV) in rad² (may be negative: an interrogation also informs the
        earlier frequencies, hence θ_n, when the noise has memory).
    """
    if not isinstance(prediction, Prediction):
        raise TypeError(f"prediction must be a Prediction, got {type(prediction).__name__}")
    state = prediction.state
    likelihoods = check_finite_array(likelihoods, "likelihoods", ndim=2)
    if likelihoods.shape[0] != state.grid.size:
        raise QClockError(f"likelihoods must have {state.grid.size} rows (one per grid frequency), "
                          f"got shape {likelihoods.shape}")
    flat = prediction.joint.reshape(-1, prediction.joint.shape[-1])
    weight = flat.sum(axis=0)  # p(ω_{n+1} | a_n)
    first = state.phase_moment1.reshape(-1) @ flat  # Σ_s p(s, ω) E(θ_n | s)
    second = state.phase_moment2.reshape(-1) @ flat  # Σ_s p(s, ω) E(θ_n² | s)
    step = prediction.interrogation_time * state.grid
    chance = weight @ likelihoods
    moment1 = (first + step * weight) @ likelihoods
    moment2 = (second + 2.0 * step * first + step**2 * weight) @ likelihoods
    seen = chance > 1e-300
    posterior = float(np.sum(moment2[seen] - moment1[seen] ** 2 / chance[seen]))
    return posterior - state.phase_variance


@dataclass(frozen=True)
class TimeChoice:
    """The interrogation time chosen for one step and what each candidate was predicted to cost.

    Parameters
    ----------
    index : int
        Position of the chosen duration in ``durations``.
    durations : tuple of float
        Candidate durations T (time units).
    variance_increase : tuple of float or None
        E(ΔV) of each candidate (rad², :func:`expected_variance_increase`);
        None for a candidate the slip guard skipped.
    """

    index: int
    durations: tuple
    variance_increase: tuple

    @property
    def duration(self) -> float:
        """The chosen T (time units)."""
        return self.durations[self.index]

    @property
    def rates(self) -> tuple:
        """``E(ΔV)/T`` of each candidate (rad² per time unit; inf where not evaluated): the figure minimised."""
        return tuple(math.inf if v is None else v / t for v, t in zip(self.variance_increase, self.durations))

    def to_dict(self) -> dict:
        """JSON-able form.

        Returns
        -------
        dict
            ``index``, ``durations`` and ``variance_increase``.
        """
        return {"index": self.index, "durations": list(self.durations),
                "variance_increase": list(self.variance_increase)}

    @classmethod
    def from_dict(cls, data) -> TimeChoice:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            As :meth:`to_dict` returns.

        Returns
        -------
        TimeChoice
        """
        return cls(index=int(data["index"]), durations=tuple(float(t) for t in data["durations"]),
                   variance_increase=tuple(None if v is None else float(v) for v in data["variance_increase"]))


def choose_interrogation_time(state: TrackerState, durations: Sequence[float], law_for: Callable,
                              interrogation_for: Callable,
                              max_phase_width: float | None = None) -> tuple[TimeChoice, list]:
    """Pick the next interrogation time: the candidate with the smallest expected ``E(ΔV)/T``.

    Parameters
    ----------
    state : TrackerState
        The posterior after the last interrogation.
    durations : sequence of float
        Candidate durations T (time units, > 0); ties go to the earlier one.
    law_for : callable
        ``law_for(T)`` → the :class:`~.prediction_laws.PredictionLaw` of the next
        window of duration T given the remembered ones
        (:func:`window_transition_law`).
    interrogation_for : callable
        ``interrogation_for(prediction)`` → ``(likelihoods, extra)``:
        ``likelihoods`` of shape (P, L), ``P(a | ω)`` of the interrogation
        the protocol would apply for that prediction, and anything the caller
        wants back for the chosen one.
    max_phase_width : float, optional
        Slip guard (rad, > 0): a candidate other than the first whose
        predicted phase ``ω_{n+1} T`` has a standard deviation above it is not
        evaluated (its ``variance_increase`` is None): a prior that wide
        cannot be interrogated without risking a slip of 2π/T, and skipping it
        spares the protocol's program for it. Default None: every candidate.

    Returns
    -------
    (TimeChoice, [prediction, likelihoods, extra])
        The choice and, for the chosen duration, its prediction, likelihood
        table and ``extra``.
    """
    durations = tuple(float(t) for t in check_finite_array(durations, "durations", ndim=1))
    if not durations or min(durations) <= 0:
        raise QClockError(f"durations must be a non-empty list of interrogation times > 0, got {list(durations)}")
    if max_phase_width is not None and not max_phase_width > 0:
        raise QClockError(f"max_phase_width must be > 0 (rad) or None, got {max_phase_width!r}")
    increases, made = [], []
    for position, duration in enumerate(durations):
        prediction = predict(state, law_for(duration), duration)
        if position and max_phase_width is not None:
            weights, phases = prediction.frequency_weights, prediction.phases
            if math.sqrt(max(float(weights @ phases**2) - float(weights @ phases) ** 2, 0.0)) > max_phase_width:
                increases.append(None)
                made.append(None)
                continue
        likelihoods, extra = interrogation_for(prediction)
        increases.append(expected_variance_increase(prediction, likelihoods))
        made.append([prediction, likelihoods, extra])
    rates = [math.inf if v is None else v / t for v, t in zip(increases, durations)]
    index = int(np.argmin(rates))
    if not math.isfinite(rates[index]):
        raise QClockError(f"the expected variance increase is not finite for the candidate times {durations}")
    return TimeChoice(index=index, durations=durations, variance_increase=tuple(increases)), made[index]

