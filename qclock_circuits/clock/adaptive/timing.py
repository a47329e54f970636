"""Timing-error suppression of a free-running passive clock (Mullan & Knill, Phys. Rev. A 90, 042310 (2014), appendix D).

Setting and units
-----------------
The adaptive clock leaves its external oscillator (LO) free-running and keeps
the frequency estimate in software. Appendix D asks what happens when an
interrogation does not last exactly the intended ``T``: the experimenter
only sees the LO phase ``φ = (ω + Ω) s`` accumulated since the start
(``s`` the true elapsed time, ``ω`` the true average LO frequency deviation
over ``[0, s]``, ``Ω`` the atomic frequency, ``ω*`` the current estimate of
``ω``), and the quantum algorithm expects the relative phase of the atoms
to the LO at the measurement to be ``−ωT``. Every quantity here is in one
consistent unit system: frequencies (ω, ω*, Ω) in rad per time unit, times
(T, s, δ) in that time unit (Z elsewhere in the package, or seconds), phases
in rad. Only ratios such as ``ω*/Ω`` and ``s/T`` matter.

The phase error ``ε`` is the protocol's expected relative phase minus the
implemented one (the definition of eq. 24, first line). Strategies
(:data:`TIMING_STRATEGIES`):

``'uncompensated'``
    The measurement is applied in the LO frame with no correction:
    ``ε = ω (s − T)``, the full drift times the timing error.
``'locked'``
    The standard practice the paper's Ramsey comparison rests on (section VI
    and appendix D): the LO is steered by ``−ω*`` (or, equivalently, the
    software compensation ``ω*(s − T)`` is applied with ``s`` known):
    ``ε = (ω − ω*)(s − T)``, bounded by ``π|s − T|/T`` while
    ``|ω − ω*| T < π``.
``'software'``
    Software lock with the estimated duration ``s* = φ/(ω* + Ω)``, eq. (24):
    ``ε = (ω* − ω)((T − s) + s ω*/(ω* + Ω))``, bounded by eq. (25)
    ``E₁ = π|T − s|/T + π (s/T) ω*/(ω* + Ω)``. Its second term does not
    vanish even with perfect timing: ending at ``φ_T = T(ω* + Ω)`` puts the
    measurement at ``s = T(ω* + Ω)/(ω + Ω)`` (:func:`measurement_time`).
``'reparametrised'``
    The SDP re-parametrised in ``ω' = ρ(ω) = ω(ω* + Ω)/(ω + Ω)``
    (:func:`rho`, :func:`reparametrise_prior`) with the continuous
    compensation ``(φ − φ_T) ω*/(ω* + Ω)``, eq. (26):
    ``ε = (ω − ω*) (φ − φ_T)/(ω + Ω) · Ω/(ω* + Ω)``, zero for perfect timing
    and bounded by ``π (|δ|/T) Ω/(ω* + Ω)``, with ``δ = (φ − φ_T)/(ω + Ω)``
    the deviation from the intended end.

Assumptions (stated by the paper or needed for its bounds): ``ω`` is
constant over the interrogation (its average is what the atoms see);
``ω* + Ω > 0`` and ``ω + Ω > 0`` (the LO runs forwards); the bounds hold
when ``|ω − ω*| T < π`` (no phase slip); eq. (25) is written for ``ω* ≥ 0`` —
here its second term carries ``|ω*|`` so that it holds for either sign.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..._names import TIMING_STRATEGIES
from ..._validation import QClockError, check_choice, check_finite, check_finite_array

__all__ = [
    "TIMING_STRATEGIES",
    "MIN_ATOMIC_PHASE",
    "MAX_JITTER_FRACTION",
    "TimingErrors",
    "timed_phases",
    "rho",
    "rho_inverse",
    "measurement_time",
    "timing_phase_error",
    "software_lock_bound",
    "reparametrised_bound",
    "locked_bound",
    "reparametrise_prior",
]

#: Smallest Ω T (rad) the running clock takes with timing errors: its tracking grid reaches several π/T, and
#: every frequency it holds must keep the LO running forwards (ω + Ω > 0).
MIN_ATOMIC_PHASE = 100.0
#: Largest timing jitter, as a fraction of T, the running clock takes: a true end before the start (δ ≤ −T)
#: is then a 10-σ event.
MAX_JITTER_FRACTION = 0.1


@dataclass(frozen=True)
class TimingErrors:
    """Imperfect interrogation durations in the running clock and the strategy that handles them (appendix D).

    Every interrogation ends when the LO phase reaches ``φ_T = T(ω* + Ω)``
    (ω* the predicted mean frequency), off by a random ``δ ~ N(0, jitter²)``
    (:func:`measurement_time`); the atoms then see the phase the strategy's
    model expects minus the error ε of :func:`timing_phase_error`
    (:func:`timed_phases`). The clock's tracking does not know δ.

    Parameters
    ----------
    atomic_frequency : float
        Ω > 0, the atomic transition frequency (rad per time unit of the
        clock, i.e. per T-unit when T = 1); optical clocks have Ω T ~ 10¹⁵,
        so the ω/Ω terms only show in toy values such as Ω = 10/T.
    jitter : float
        Standard deviation of δ (time units, ≥ 0).
    strategy : {'uncompensated', 'locked', 'software', 'reparametrised'}
        Module docstring; ``'reparametrised'`` also maps the clock's phase
        hypotheses by ρ (:func:`reparametrise_prior`).

    Raises
    ------
    QClockError
        If Ω is not > 0, the jitter is negative or not finite, or the
        strategy is unknown.
    """

    atomic_frequency: float
    jitter: float = 0.0
    strategy: str = "software"

    def __post_init__(self):
        object.__setattr__(self, "atomic_frequency", _positive(self.atomic_frequency, "atomic_frequency"))
        jitter = check_finite(self.jitter, "jitter")
        if jitter < 0:
            raise QClockError(f"jitter must be >= 0 (standard deviation of the timing error, time units), "
                              f"got {jitter}")
        object.__setattr__(self, "jitter", jitter)
        check_choice(self.strategy, "strategy", TIMING_STRATEGIES)

    def to_dict(self) -> dict:
        """JSON-compatible form.

        Returns
        -------
        dict
            ``atomic_frequency``, ``jitter`` and ``strategy``.
        """
        return {"atomic_frequency": self.atomic_frequency, "jitter": self.jitter, "strategy": self.strategy}

    @classmethod
    def from_dict(cls, data) -> "TimingErrors":
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            As written by :meth:`to_dict`.

        Returns
        -------
        TimingErrors
            The configuration (validated).
        """
        return cls(atomic_frequency=float(data["atomic_frequency"]), jitter=float(data.get("jitter", 0.0)),
                   strategy=str(data.get("strategy", "software")))


def timed_phases(timing: TimingErrors, frequencies, true_frequency: float, estimate: float,
                 interrogation_time: float, timing_error: float = 0.0, phase_offsets=None):
    """The clock's phase hypotheses, their eq. (7) offsets and the phase the atoms actually see, for one timed interrogation.

    Hypothesis ``ω_j`` stands for the phase ``ω_j T`` (with the
    ``'reparametrised'`` strategy, whose SDP is written in ``ω' = ρ(ω)``,
    the phase ``ρ(ω_j) T`` and the shifted offsets of
    :func:`reparametrise_prior`); the atoms see that phase at the true ω minus the strategy's error
    ``ε`` (:func:`timing_phase_error`) at the true end
    ``s = T(ω* + Ω)/(ω + Ω) + δ`` (:func:`measurement_time`).

    Parameters
    ----------
    timing : TimingErrors
        Ω and the strategy (its jitter is not used: δ is given).
    frequencies : array, shape (J,)
        The clock's frequency grid ω_j (rad per time unit).
    true_frequency : float
        The true ω of the interrogation (rad per time unit).
    estimate : float
        ω*, the frequency the end is timed for (rad per time unit).
    interrogation_time : float
        Intended T > 0.
    timing_error : float, optional
        δ (time units).
    phase_offsets : array, shape (J,), optional
        The hypotheses' eq. (7) offsets ``m_j`` (rad); default 0.

    Returns
    -------
    (phases, offsets, true_phase) : ndarray, ndarray, float
        The hypotheses' phases and offsets (rad) and the implemented phase (rad).

    Raises
    ------
    QClockError
        If the LO would run backwards or the true end is not after the start.
    """
    period = _positive(interrogation_time, "interrogation_time")
    atomic = timing.atomic_frequency
    if timing.strategy == "reparametrised":
        phases, offsets = reparametrise_prior(frequencies, estimate, period, atomic, phase_offsets)
        expected = float(rho(true_frequency, estimate, atomic)) * period
    else:
        phases = check_finite_array(frequencies, "frequencies", ndim=1) * period
        offsets = (np.zeros_like(phases) if phase_offsets is None
                   else check_finite_array(phase_offsets, "phase_offsets", ndim=1, length=phases.size))
        expected = float(true_frequency) * period
    end = measurement_time(true_frequency, estimate, period, atomic, timing_error)
    error = timing_phase_error(true_frequency, estimate, end, period, atomic, timing.strategy)
    return phases, offsets, expected - float(error)


def _positive(value, name: str) -> float:
    value = check_finite(value, name)
    if value <= 0:
        raise QClockError(f"{name} must be > 0, got {value}")
    return value


def _frame(estimate, atomic_frequency) -> tuple[np.ndarray | float, float]:
    atomic = _positive(atomic_frequency, "atomic_frequency")
    estimate = check_finite_array(estimate, "estimate") if np.ndim(estimate) else check_finite(estimate, "estimate")
    if np.any(np.asarray(estimate) + atomic <= 0):
        raise QClockError(f"estimate + atomic_frequency must be > 0 (the oscillator runs forwards), got "
                          f"estimate {estimate} with atomic_frequency {atomic}")
    return estimate, atomic


def _values(values, name: str):
    return check_finite_array(values, name) if np.ndim(values) else check_finite(values, name)


def rho(omega, estimate, atomic_frequency):
    """Mullan & Knill appendix D: ``ρ(ω) = ω (ω* + Ω)/(ω + Ω)``, the frequency the atoms see when the end is timed by the LO.

    Ending the interrogation at LO phase ``φ_T = T(ω* + Ω)`` makes the true
    duration ``T(ω* + Ω)/(ω + Ω)`` and the relative phase ``ρ(ω) T``.

    Parameters
    ----------
    omega : float or array
        True LO frequency deviation ω (rad per time unit), ``ω + Ω > 0``.
    estimate : float
        ω* (rad per time unit).
    atomic_frequency : float
        Ω > 0 (rad per time unit), ``ω* + Ω > 0``.

    Returns
    -------
    float or ndarray
        ``ρ(ω)`` (rad per time unit); ``ρ(ω*) = ω*``, and ``ρ(ω) → ω`` as Ω → ∞.

    Raises
    ------
    QClockError
        Non-finite input, Ω ≤ 0, or ``ω + Ω ≤ 0`` / ``ω* + Ω ≤ 0``.
    """
    estimate, atomic = _frame(estimate, atomic_frequency)
    omega = _values(omega, "omega")
    if np.any(np.asarray(omega) + atomic <= 0):
        raise QClockError(f"omega + atomic_frequency must be > 0 (the oscillator runs forwards), got omega {omega}")
    return omega * (estimate + atomic) / (omega + atomic)


def rho_inverse(omega_prime, estimate, atomic_frequency):
    """Inverse of :func:`rho`: ``ω = ω' Ω/(ω* + Ω − ω')`` (Mullan & Knill appendix D, ``C'(ω', a) = C(ρ⁻¹(ω'), a)``).

    Parameters
    ----------
    omega_prime : float or array
        ω' (rad per time unit), ``ω' < ω* + Ω``.
    estimate, atomic_frequency : float
        ω* and Ω (rad per time unit), as in :func:`rho`.

    Returns
    -------
    float or ndarray
        ω (rad per time unit).

    Raises
    ------
    QClockError
        If ``ω' ≥ ω* + Ω`` (outside the range of ρ) or on bad input.
    """
    estimate, atomic = _frame(estimate, atomic_frequency)
    omega_prime = _values(omega_prime, "omega_prime")
    if np.any(np.asarray(omega_prime) >= estimate + atomic):
        raise QClockError(f"omega_prime must be < estimate + atomic_frequency = {estimate + atomic} (the range of "
                          f"rho), got {omega_prime}")
    return omega_prime * atomic / (estimate + atomic - omega_prime)


def measurement_time(omega, estimate, interrogation_time: float, atomic_frequency: float, timing_error=0.0):
    """True time ``s`` of the measurement when it is timed by the LO phase ``φ_T = T(ω* + Ω)`` (appendix D).

    ``s = T(ω* + Ω)/(ω + Ω) + δ``, with δ (``timing_error``, time units) the
    deviation of the implemented end from the intended one (finite preparation
    and measurement, imperfect timing).

    Parameters
    ----------
    omega : float or array
        True ω (rad per time unit).
    estimate : float
        ω* (rad per time unit).
    interrogation_time : float
        Intended T > 0.
    atomic_frequency : float
        Ω > 0.
    timing_error : float or array
        δ (time units).

    Returns
    -------
    float or ndarray
        s (time units).
    """
    period = _positive(interrogation_time, "interrogation_time")
    estimate, atomic = _frame(estimate, atomic_frequency)
    omega = _values(omega, "omega")
    return period * (estimate + atomic) / (omega + atomic) + _values(timing_error, "timing_error")


def timing_phase_error(omega, estimate, true_duration, interrogation_time: float, atomic_frequency: float,
                       strategy: str = "software"):
    """Phase error ε (rad) of one measurement at true time ``s`` under a timing strategy (Mullan & Knill eqs. 24, 26).

    Parameters
    ----------
    omega : float or array
        True average LO frequency deviation ω (rad per time unit).
    estimate : float or array
        ω* (rad per time unit).
    true_duration : float or array
        s, the true elapsed time at the measurement (time units, > 0).
    interrogation_time : float
        Intended T > 0.
    atomic_frequency : float
        Ω > 0.
    strategy : {'uncompensated', 'locked', 'software', 'reparametrised'}
        Module docstring. For ``'reparametrised'`` the LO phase at the
        measurement is ``φ = (ω + Ω) s`` and its intended value
        ``φ_T = T(ω* + Ω)``.

    Returns
    -------
    float or ndarray
        ε: expected minus implemented relative phase (rad).

    Raises
    ------
    QClockError
        Unknown strategy, non-finite values, ``s ≤ 0``, T ≤ 0, Ω ≤ 0 or a
        backwards-running LO.
    """
    check_choice(strategy, "strategy", TIMING_STRATEGIES)
    period = _positive(interrogation_time, "interrogation_time")
    estimate, atomic = _frame(estimate, atomic_frequency)
    omega = _values(omega, "omega")
    s = _values(true_duration, "true_duration")
    if np.any(np.asarray(s) <= 0):
        raise QClockError(f"true_duration must be > 0 (time units), got {true_duration}")
    if np.any(np.asarray(omega) + atomic <= 0):
        raise QClockError(f"omega + atomic_frequency must be > 0 (the oscillator runs forwards), got omega {omega}")
    if strategy == "uncompensated":
        return omega * (s - period)
    if strategy == "locked":
        return (omega - estimate) * (s - period)
    if strategy == "software":  # eq. (24)
        return (estimate - omega) * ((period - s) + s * estimate / (estimate + atomic))
    phase_shift = (omega + atomic) * s - period * (estimate + atomic)  # φ − φ_T
    return (omega - estimate) * phase_shift / (omega + atomic) * atomic / (estimate + atomic)  # eq. (26)


def software_lock_bound(true_duration, interrogation_time: float, estimate, atomic_frequency: float):
    """Mullan & Knill eq. (25): ``E₁ = π|T − s|/T + π (s/T) |ω*|/(ω* + Ω)``, the bound on eq. (24) while ``|ω − ω*|T < π``.

    Parameters
    ----------
    true_duration : float or array
        s (time units, > 0).
    interrogation_time : float
        T > 0.
    estimate : float or array
        ω* (rad per time unit); the paper writes ``ω*`` for ω* ≥ 0.
    atomic_frequency : float
        Ω > 0.

    Returns
    -------
    float or ndarray
        E₁ (rad).
    """
    period = _positive(interrogation_time, "interrogation_time")
    estimate, atomic = _frame(estimate, atomic_frequency)
    s = _values(true_duration, "true_duration")
    return math.pi * np.abs(period - s) / period + math.pi * (s / period) * np.abs(estimate) / (estimate + atomic)


def reparametrised_bound(timing_error, interrogation_time: float, estimate, atomic_frequency: float):
    """Bound ``π (|δ|/T) Ω/(ω* + Ω)`` on eq. (26) while ``|ω − ω*|T < π`` (Mullan & Knill appendix D).

    Parameters
    ----------
    timing_error : float or array
        δ = (φ − φ_T)/(ω + Ω), the deviation of the implemented end from the
        intended one (time units).
    interrogation_time : float
        T > 0.
    estimate : float or array
        ω* (rad per time unit).
    atomic_frequency : float
        Ω > 0.

    Returns
    -------
    float or ndarray
        The bound (rad).
    """
    period = _positive(interrogation_time, "interrogation_time")
    estimate, atomic = _frame(estimate, atomic_frequency)
    return math.pi * np.abs(_values(timing_error, "timing_error")) / period * atomic / (estimate + atomic)


def locked_bound(true_duration, interrogation_time: float):
    """Bound ``π|s − T|/T`` on the locked-oscillator error ``(ω − ω*)(s − T)`` while ``|ω − ω*|T < π``.

    Parameters
    ----------
    true_duration : float or array
        s (time units).
    interrogation_time : float
        T > 0.

    Returns
    -------
    float or ndarray
        The bound (rad).
    """
    period = _positive(interrogation_time, "interrogation_time")
    return math.pi * np.abs(_values(true_duration, "true_duration") - period) / period


def reparametrise_prior(frequencies, estimate: float, interrogation_time: float, atomic_frequency: float,
                        phase_offsets=None) -> tuple[np.ndarray, np.ndarray]:
    """Phases and eq. (7) offsets of the SDP re-parametrised in ``ω' = ρ(ω)`` (Mullan & Knill appendix D).

    The prior grid ``ω_j`` (weights unchanged) is mapped to the phases the
    atoms actually accumulate, ``φ'_j = ρ(ω_j) T``, and the cost
    ``C'(ω', g) = C(ρ⁻¹(ω'), g)`` with ``C(ω, g) = (ωT − g)² + 2(ωT − g) m``
    (:func:`~.sdp.optimize_interrogation`'s quadratic cost) is, up to the
    constant ``d² + 2dm`` (``d = (ω − ρ(ω))T``, independent of the
    measurement), the same cost on ``φ'`` with offsets ``m' = m + d``.

    Parameters
    ----------
    frequencies : array, shape (J,)
        Prior grid ω_j (rad per time unit).
    estimate : float
        ω* (rad per time unit), the point the end of the interrogation is timed for.
    interrogation_time : float
        T > 0.
    atomic_frequency : float
        Ω > 0.
    phase_offsets : array, shape (J,), optional
        The offsets ``m_j`` (rad) of the un-reparametrised cost; default 0.

    Returns
    -------
    (phases, offsets) : ndarray, ndarray
        ``φ'_j`` and ``m'_j`` (rad) for :func:`~.sdp.optimize_interrogation`
        (with the prior weights of ``ω_j``).
    """
    period = _positive(interrogation_time, "interrogation_time")
    frequencies = check_finite_array(frequencies, "frequencies", ndim=1)
    offsets = (np.zeros_like(frequencies) if phase_offsets is None
               else check_finite_array(phase_offsets, "phase_offsets", ndim=1, length=frequencies.size))
    mapped = np.asarray(rho(frequencies, estimate, atomic_frequency), dtype=float)
    return mapped * period, offsets + (frequencies - mapped) * period
