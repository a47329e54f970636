"""The closed feedback loop of a running clock (Kielinski & Hammerer, arXiv:2505.04287 (2025), appendix A5C).

Units: time in the laser coherence time Z, angular frequency in 1/Z, phases
in rad (CONVENTIONS.md). Each cycle k of duration ``T_C = T + T_D``:

1. residual phase ``φ_k = (ω^R_k − c_k) T`` with ``ω^R_k`` the LO frequency
   averaged over the Ramsey window and ``c_k`` the servo correction;
2. an outcome ``x_k`` drawn from the protocol's likelihood ``P(x|φ_k)``
   (:class:`~.sampling.OutcomeTable`);
3. the estimate ``φ_est(x_k)`` from an estimator table (Bayes, linear or
   arcsin, built for the prior width of the loop);
4. the servo: an integrator ``c ← c + g φ_est/T`` or a linear predictor
   (:class:`LinearPredictor`) over the last n reconstructed LO frequencies,
   either acting ``delay`` whole cycles late;
5. the stabilised frequency averaged over the whole cycle, dead time
   included: ``y_k = (T ω^R_k + T_D ω^D_k)/T_C − c_k``.

Fringe hops: the loop cannot tell φ from φ + 2π. An exponential average of
the residual phase (``hop_window`` cycles) is compared with the current
fringe centre ``2πf``; when it leaves ``(2πf − π, 2πf + π)`` the loop has
locked onto a neighbouring fringe: ``f`` changes by ±1 and the cycle is
recorded as a hop.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numba
import numpy as np

from .._validation import QClockError, check_finite
from .sampling import OutcomeTable, draw_index

__all__ = ["Integrator", "LinearPredictor", "LoopState", "run_loop_block"]


@dataclass(frozen=True)
class Integrator:
    """Integrating servo ``c ← c + gain·φ_est/T`` applied ``delay`` whole cycles late.

    Parameters
    ----------
    gain : float, optional
        Servo gain (dimensionless, 0 < gain < 2 for stability).
    delay : int, optional
        Whole cycles between a measurement and its correction (≥ 0).

    Raises
    ------
    QClockError
        If ``gain`` is outside (0, 2) or ``delay`` is not an integer ≥ 0.
    """

    gain: float = 1.0
    delay: int = 0

    def __post_init__(self):
        gain = check_finite(self.gain, "gain")
        if not 0 < gain < 2:
            raise QClockError(f"gain must lie in (0, 2) for a stable integrator, got {gain}")
        if isinstance(self.delay, bool) or not isinstance(self.delay, (int, np.integer)) or self.delay < 0:
            raise QClockError(f"delay must be an integer number of cycles >= 0, got {self.delay!r}")
        object.__setattr__(self, "gain", gain)
        object.__setattr__(self, "delay", int(self.delay))

    def to_dict(self) -> dict:
        """Plain JSON-compatible data.

        Returns
        -------
        dict
            ``{"type": "integrator", "gain", "delay"}``.
        """
        return {"type": "integrator", "gain": self.gain, "delay": self.delay}


@dataclass(frozen=True, eq=False)
class LinearPredictor:
    """General linear predictor servo (Leroux et al., Metrologia 54, 307 (2017)).

    After cycle k the loop reconstructs the measured LO frequency
    ``m_k = c_k + φ_est(x_k)/T`` (units 1/Z); the estimates handed to the
    kernel must then be unbiased for small phases (a shrinking Bayes or
    linear estimator divided by its slope s at φ = 0, as
    :func:`~.simulate.simulate_clock` does). With ``delay = d`` the newest
    available measurement after cycle k is ``m_{k−d}``, and the correction
    for cycle k+1 is the prediction ``c_{k+1} = Σ_i a_i m_{k−d−i}``
    (``i = 0..n−1``). Until n measurements exist the newest one is used.

    :meth:`from_variogram` derives the coefficients ``a`` (with ``Σ a_i = 1``,
    so drifts are followed without bias) by ordinary kriging from the
    variogram ``γ(h) = ½E[(ω_{k+h} − ω_k)²]`` of the cycle-averaged LO
    frequency and the variance of the measurement error.

    Parameters
    ----------
    coefficients : array_like, shape (n,)
        Prediction weights a_i, newest measurement first (finite, n ≥ 1).
    delay : int, optional
        Whole cycles between a measurement and its use (≥ 0).

    Raises
    ------
    QClockError
        If ``coefficients`` is empty or not finite, or ``delay`` is not an
        integer ≥ 0.
    """

    coefficients: np.ndarray
    delay: int = 0

    def __post_init__(self):
        coefficients = np.array(self.coefficients, dtype=float)
        if coefficients.ndim != 1 or coefficients.shape[0] < 1 or not np.all(np.isfinite(coefficients)):
            raise QClockError("coefficients must be a non-empty 1-D array of finite numbers")
        if isinstance(self.delay, bool) or not isinstance(self.delay, (int, np.integer)) or self.delay < 0:
            raise QClockError(f"delay must be an integer number of cycles >= 0, got {self.delay!r}")
        coefficients.setflags(write=False)
        object.__setattr__(self, "coefficients", coefficients)
        object.__setattr__(self, "delay", int(self.delay))

    @property
    def history(self) -> int:
        return int(self.coefficients.shape[0])

    @classmethod
    def from_variogram(cls, variogram, measurement_variance: float, history: int = 50,
                       delay: int = 0) -> "LinearPredictor":
        """Kriging coefficients for predicting ``delay + 1`` cycles ahead.

        Parameters
        ----------
        variogram : callable or array
            ``γ(h)`` for integer lags ``h = 0 .. history + delay`` (``γ(0) = 0``).
        measurement_variance : float
            Variance of ``m_k − ω_k`` ((1/Z)², e.g. BMSE/T²).
        history : int, optional
            Number of past measurements n the prediction uses (≥ 1).
        delay : int, optional
            Whole cycles of servo delay d (≥ 0).

        Returns
        -------
        LinearPredictor
            The predictor with the kriging weights (summing to 1).

        Raises
        ------
        QClockError
            If ``history`` < 1, the variogram is too short or
            ``measurement_variance`` is negative or not finite.
        """
        if isinstance(history, bool) or not isinstance(history, (int, np.integer)) or history < 1:
            raise QClockError(f"history must be an integer >= 1, got {history!r}")
        lags = np.arange(history + delay + 1)
        gamma = np.asarray(variogram(lags) if callable(variogram) else variogram, dtype=float)
        if gamma.shape[0] < history + delay + 1:
            raise QClockError(f"variogram needs values at lags 0..{history + delay}, got {gamma.shape[0]}")
        if measurement_variance < 0 or not np.isfinite(measurement_variance):
            raise QClockError(f"measurement_variance must be >= 0, got {measurement_variance}")
        index = np.arange(history)
        between = gamma[np.abs(index[:, None] - index[None, :])]
        to_target = gamma[index + delay + 1]
        system = np.zeros((history + 1, history + 1))
        # minimise 2Σa_iγ(i+d+1) − Σa_ia_jγ(|i−j|) + σ²Σa_i² subject to Σa_i = 1
        system[:history, :history] = between - measurement_variance * np.eye(history)
        system[:history, history] = 1.0
        system[history, :history] = 1.0
        solution = np.linalg.lstsq(system, np.concatenate([to_target, [1.0]]), rcond=None)[0]
        return cls(solution[:history], delay)

    def to_dict(self) -> dict:
        """Plain JSON-compatible data.

        Returns
        -------
        dict
            ``{"type": "predictor", "coefficients", "delay"}``.
        """
        return {"type": "predictor", "coefficients": self.coefficients.tolist(), "delay": self.delay}


@dataclass
class LoopState:
    """Everything the loop carries from one block of cycles to the next.

    Parameters
    ----------
    correction : float, optional
        Current frequency correction c applied to the LO (rad per Z).
    pending : numpy.ndarray, shape (delay + 1,), optional
        Measurements not yet applied (ring buffer of the servo delay).
    cycle : int, optional
        Cycles run so far.
    phase_average : float, optional
        Exponentially smoothed phase used to detect fringe hops (rad).
    fringe : int, optional
        Index of the Ramsey fringe the loop is on (hops counted ±1).
    history : numpy.ndarray, shape (n,), optional
        Ring buffer of past measured frequencies for a linear predictor (rad per Z).
    measurements : int, optional
        Measurements put into ``history`` so far.
    """

    correction: float = 0.0
    pending: np.ndarray = field(default_factory=lambda: np.zeros(1))
    cycle: int = 0
    phase_average: float = 0.0
    fringe: int = 0

    history: np.ndarray = field(default_factory=lambda: np.zeros(1))
    measurements: int = 0

    @classmethod
    def initial(cls, servo) -> "LoopState":
        """The state before the first cycle, sized for ``servo``.

        Parameters
        ----------
        servo : Integrator or LinearPredictor
            The servo the loop will run.

        Returns
        -------
        LoopState
            Zero correction, empty buffers of the servo's delay and history.
        """
        size = servo.history if isinstance(servo, LinearPredictor) else 1
        return cls(pending=np.zeros(servo.delay + 1), history=np.zeros(size))


@numba.njit(cache=True)
def _loop_kernel(ramsey, dead, uniforms, forced, cdf, estimates, interrogation_time, dead_time, predictor, gain,
                 coefficients, pending, history, correction, cycle, measurements, phase_average, fringe, smoothing,
                 out_frequency, out_phase, out_outcome, out_hop):
    delay_slots = pending.shape[0]
    size = history.shape[0]
    cycle_time = interrogation_time + dead_time
    two_pi = 2.0 * np.pi
    for k in range(ramsey.shape[0]):
        phase = (ramsey[k] - correction) * interrogation_time
        index = forced[k] if forced[k] >= 0 else draw_index(cdf, phase, uniforms[k])
        estimate = estimates[index]
        out_frequency[k] = (interrogation_time * ramsey[k] + dead_time * dead[k]) / cycle_time - correction
        out_phase[k] = phase
        out_outcome[k] = index
        # fringe bookkeeping
        phase_average += smoothing * (phase - phase_average)
        hop = 0
        centre = two_pi * fringe
        if phase_average > centre + np.pi:
            fringe += 1
            hop = 1
        elif phase_average < centre - np.pi:
            fringe -= 1
            hop = -1
        out_hop[k] = hop
        # servo: what cycle k measured becomes available at the end of cycle k + delay
        if predictor:
            pending[cycle % delay_slots] = correction + estimate / interrogation_time
        else:
            pending[cycle % delay_slots] = estimate
        if cycle >= delay_slots - 1:
            available = pending[(cycle + 1) % delay_slots]
            if predictor:
                history[measurements % size] = available
                measurements += 1
                if measurements >= size:
                    prediction = 0.0
                    for i in range(size):
                        prediction += coefficients[i] * history[(measurements - 1 - i) % size]
                    correction = prediction
                else:
                    correction = available
            else:
                correction += gain * available / interrogation_time
        cycle += 1
    return correction, cycle, measurements, phase_average, fringe


def run_loop_block(ramsey, dead, uniforms, table: OutcomeTable, estimates, interrogation_time: float,
                   dead_time: float, servo, state: LoopState, hop_window: float = 32.0, outcomes=None):
    """Run the loop over one block of cycles; returns (frequency, phase, outcome_index, hop) arrays.

    ``state`` is updated in place so that the next block continues seamlessly.
    ``outcomes`` (optional, outcome indices, −1 = draw) replaces the draw from
    the likelihood table, e.g. by outcomes measured on a Qiskit sampler.

    Parameters
    ----------
    ramsey, dead : array_like, shape (K,)
        Free-running LO frequency ω averaged over each dark window and each
        dead time (rad per Z).
    uniforms : array_like, shape (K,)
        Uniform random numbers in [0, 1), one per cycle, for the outcome draw.
    table : OutcomeTable
        Cumulative likelihood of the protocol.
    estimates : array_like, shape (n_outcomes,)
        Phase estimate (rad) per outcome, aligned with ``table.outcomes``.
    interrogation_time : float
        Dark time T (units of Z, > 0).
    dead_time : float
        Dead time T_D (units of Z, ≥ 0).
    servo : Integrator or LinearPredictor
        The feedback.
    state : LoopState
        Where the previous block stopped (modified in place).
    hop_window : float, optional
        Smoothing length (cycles) of the phase average used to detect fringe hops.
    outcomes : array_like of int, shape (K,), optional
        Measured outcome indices (−1: draw from the table).

    Returns
    -------
    frequency : numpy.ndarray, shape (K,)
        Residual frequency of the stabilised LO averaged over each cycle (rad per Z).
    phase : numpy.ndarray, shape (K,)
        Ramsey phase φ of each cycle (rad).
    outcome_index : numpy.ndarray of int, shape (K,)
        Index of each cycle's outcome.
    hop : numpy.ndarray of int8, shape (K,)
        +1/−1 where a fringe hop was detected, else 0.

    Raises
    ------
    QClockError
        If ``ramsey``, ``dead`` and ``uniforms`` differ in length.
    """
    ramsey = np.ascontiguousarray(ramsey, dtype=float)
    dead = np.ascontiguousarray(dead, dtype=float)
    uniforms = np.ascontiguousarray(uniforms, dtype=float)
    count = ramsey.shape[0]
    if dead.shape[0] != count or uniforms.shape[0] != count:
        raise QClockError("ramsey, dead and uniforms must have the same length")
    frequency = np.empty(count)
    phase = np.empty(count)
    outcome = np.empty(count, dtype=np.int64)
    hop = np.zeros(count, dtype=np.int8)
    forced = np.full(count, -1, dtype=np.int64) if outcomes is None else np.ascontiguousarray(outcomes, np.int64)
    if forced.shape[0] != count:
        raise QClockError("outcomes must have one entry per cycle")
    predictor = isinstance(servo, LinearPredictor)
    coefficients = servo.coefficients if predictor else np.zeros(1)
    gain = 0.0 if predictor else float(servo.gain)
    (state.correction, state.cycle, state.measurements, state.phase_average,
     state.fringe) = _loop_kernel(
        ramsey, dead, uniforms, forced, table.cdf, np.ascontiguousarray(estimates, dtype=float),
        float(interrogation_time), float(dead_time), predictor, gain, coefficients, state.pending,
        state.history, float(state.correction), int(state.cycle), int(state.measurements),
        float(state.phase_average), int(state.fringe), 1.0 / hop_window, frequency, phase, outcome, hop)
    return frequency, phase, outcome, hop

