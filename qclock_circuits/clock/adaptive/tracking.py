"""Bayesian tracking of the LO frequency history and of the cumulative phase (Mullan & Knill, Phys. Rev. A 90, 042310 (2014), sections IV–V, appendix C).

The clock's knowledge after interrogation n is the posterior ``p(s_n | a_n)`` of
the truncated history ``s_n = (ω_{n−h+1}, …, ω_n)`` (Ramsey-window average
frequencies, rad/Z) on a uniform frequency grid, together with the conditional
moments ``M_k(s_n) = E(θ_n^k | s_n, a_n)`` (k = 1, 2) of the cumulative phase
``θ_n = Σ_{k≤n} ω_k T_k`` (rad) — the time deviation of the LO is ``θ_n / ω0``.

One step (Mullan & Knill procedure, steps 1–6):

1. :func:`predict` — ``p(s_n, ω_{n+1} | a_n) = p(s_n | a_n) p(ω_{n+1} | s_n)``
   (eq. 8) with the truncated noise model ``p(ω_{n+1} | s_n)`` of
   :func:`~.prediction_laws.transition_law` (Gaussian, discretised on the grid). The
   :class:`Prediction` gives the SDP its prior over ``φ = ω_{n+1} T`` and the
   eq. (7) offsets ``m(ω) = E(θ_n − Eθ_n | ω_{n+1} = ω, a_n)`` (appendix C).
2. the interrogation yields outcome ``a`` with likelihood ``P(a | ω_{n+1})``;
3. :func:`update` — multiply by the likelihood (eq. 9), marginalise the oldest
   frequency, and update the moments by eqs. (21)–(23):

       M_1' = Σ_old p(old | s_{n+1}) M_1(s_n) + T ω_{n+1},
       M_2' = Σ_old p(old | s_{n+1}) [M_2(s_n) + 2 T ω_{n+1} M_1(s_n)] + (T ω_{n+1})².

   The time estimate is ``E(θ_n | a_n) = Σ p(s_n) M_1(s_n)`` with variance
   ``Σ p M_2 − E²``.

Memory grows as ``P^(h+1)`` for P grid points; h ≤ :data:`MAX_MEMORY`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from ..._validation import QClockError, check_finite, check_finite_array
from .covariance import PredictionLaw

__all__ = ["MAX_MEMORY", "TrackerState", "Prediction", "initial_tracker", "predict", "update"]

#: Largest remembered history h (the joint table has P^(h+1) entries).
MAX_MEMORY = 3
#: Largest probability the noise model may put beyond the grid in one prediction.
_LEAKAGE = 1e-9


def _check_grid(grid) -> np.ndarray:
    grid = check_finite_array(grid, "grid", ndim=1)
    if grid.size < 3:
        raise QClockError(f"grid must hold at least 3 frequencies, got {grid.size}")
    steps = np.diff(grid)
    if np.any(steps <= 0) or np.ptp(steps) > 1e-9 * steps.mean():
        raise QClockError("grid must be uniform and strictly increasing (frequencies in rad/Z)")
    return grid


@dataclass(frozen=True, eq=False)
class TrackerState:
    """Posterior after ``step`` interrogations.

    Parameters
    ----------
    grid : ndarray, shape (P,)
        Frequency grid (rad/Z), uniform.
    posterior : ndarray, shape (P,)*h
        ``p(s_n | a_n)``, axes oldest first, summing to 1.
    phase_moment1, phase_moment2 : ndarray, shape (P,)*h
        ``E(θ_n | s_n, a_n)`` (rad) and ``E(θ_n² | s_n, a_n)`` (rad²).
    step : int
        Interrogations absorbed (n).
    elapsed : float
        Σ T_k so far (units of Z).
    """

    grid: np.ndarray
    posterior: np.ndarray
    phase_moment1: np.ndarray
    phase_moment2: np.ndarray
    step: int = 0
    elapsed: float = 0.0

    @property
    def memory(self) -> int:
        return self.posterior.ndim

    @property
    def phase_mean(self) -> float:
        """``E(θ_n | a_n)`` (rad): the time estimate times ω0."""
        return float(np.sum(self.posterior * self.phase_moment1))

    @property
    def phase_variance(self) -> float:
        """``V(θ_n | a_n)`` (rad²), the paper's ``V_n``."""
        return max(float(np.sum(self.posterior * self.phase_moment2)) - self.phase_mean**2, 0.0)

    def frequency_marginal(self, lag: int = 0) -> np.ndarray:
        """Posterior of ``ω_{n−lag}`` on the grid (lag < h).

        Parameters
        ----------
        lag : int, optional
            0 for the newest frequency, up to ``memory − 1``.

        Returns
        -------
        numpy.ndarray, shape (P,)
            Marginal posterior on ``grid``, summing to 1.

        Raises
        ------
        QClockError
            If ``lag`` is not an integer in ``[0, memory − 1]``.
        """
        if isinstance(lag, bool) or not isinstance(lag, numbers.Integral) or not 0 <= lag < self.memory:
            raise QClockError(f"lag must be an integer in [0, {self.memory - 1}], got {lag!r}")
        axis = self.memory - 1 - int(lag)
        others = tuple(a for a in range(self.memory) if a != axis)
        return self.posterior.sum(axis=others)

    def frequency_mean(self, lag: int = 0) -> float:
        """``E(ω_{n−lag} | a_n)`` (rad/Z), the paper's ``ω*``.

        Parameters
        ----------
        lag : int, optional
            0 for the newest frequency, up to ``memory − 1``.

        Returns
        -------
        float
            The posterior mean (rad/Z).
        """
        return float(self.frequency_marginal(lag) @ self.grid)

    def to_dict(self) -> dict:
        """Plain JSON-compatible data.

        Returns
        -------
        dict
            The object's data (JSON types only); :meth:`from_dict` reads it back.
        """
        return {"grid": self.grid.tolist(), "shape": list(self.posterior.shape),
                "posterior": self.posterior.ravel().tolist(), "phase_moment1": self.phase_moment1.ravel().tolist(),
                "phase_moment2": self.phase_moment2.ravel().tolist(), "step": self.step, "elapsed": self.elapsed}

    @classmethod
    def from_dict(cls, data: Mapping) -> TrackerState:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            A dictionary as written by :meth:`to_dict`.

        Returns
        -------
        TrackerState
            The reconstructed object.
        """
        shape = tuple(data["shape"])
        return cls(grid=np.asarray(data["grid"], float), posterior=np.asarray(data["posterior"], float).reshape(shape),
                   phase_moment1=np.asarray(data["phase_moment1"], float).reshape(shape),
                   phase_moment2=np.asarray(data["phase_moment2"], float).reshape(shape),
                   step=int(data["step"]), elapsed=float(data["elapsed"]))


def initial_tracker(grid, memory: int = 1, initial_frequency: float = 0.0) -> TrackerState:
    """Start of the clock: the last ``memory`` frequencies equal ``initial_frequency`` (on the grid), θ_0 = 0.

    This is the paper's convention of a known initial frequency ``ω_0`` taken as
    the origin of the prior (Mullan & Knill, Phys. Rev. A 90, 042310 (2014), eq. (1)).

    Parameters
    ----------
    grid : array_like, shape (P,)
        Uniform, increasing frequency grid (rad/Z), P ≥ 3.
    memory : int, optional
        Frequencies h the tracker remembers (1 ≤ h ≤ ``MAX_MEMORY``).
    initial_frequency : float, optional
        ω_0 (rad/Z); must be a grid point.

    Returns
    -------
    TrackerState
        The state at step 0 (all mass on ω_0, θ_0 = 0).

    Raises
    ------
    QClockError
        If the grid is not uniform with ≥ 3 points, ``memory`` is out of
        range or ``initial_frequency`` is not on the grid.
    """
    grid = _check_grid(grid)
    if isinstance(memory, bool) or not isinstance(memory, numbers.Integral) or not 1 <= memory <= MAX_MEMORY:
        raise QClockError(f"memory must be an integer in [1, {MAX_MEMORY}], got {memory!r}")
    initial_frequency = check_finite(initial_frequency, "initial_frequency")
    index = int(np.argmin(np.abs(grid - initial_frequency)))
    if abs(grid[index] - initial_frequency) > 1e-9 * max(1.0, float(np.abs(grid).max())):
        raise QClockError(f"initial_frequency must be a grid point, got {initial_frequency} "
                          f"(nearest {grid[index]})")
    shape = (grid.size,) * int(memory)
    posterior = np.zeros(shape)
    posterior[(index,) * int(memory)] = 1.0
    return TrackerState(grid=grid, posterior=posterior, phase_moment1=np.zeros(shape), phase_moment2=np.zeros(shape))


@dataclass(frozen=True, eq=False)
class Prediction:
    """Prior for interrogation n+1: ``p(s_n, ω_{n+1} | a_n)`` and what the SDP needs from it.

    Parameters
    ----------
    state : TrackerState
        The posterior it was made from.
    joint : ndarray, shape (P,)*(h+1)
        ``p(s_n, ω_{n+1} | a_n)``, last axis ``ω_{n+1}``.
    interrogation_time : float
        ``T_{n+1}`` (units of Z).
    """

    state: TrackerState
    joint: np.ndarray
    interrogation_time: float

    @property
    def frequency_weights(self) -> np.ndarray:
        """``p(ω_{n+1} | a_n)`` on the grid."""
        return self.joint.reshape(-1, self.joint.shape[-1]).sum(axis=0)

    @property
    def phases(self) -> np.ndarray:
        """Interrogation phases ``φ = ω T`` (rad) of the grid."""
        return self.state.grid * self.interrogation_time

    @property
    def phase_offsets(self) -> np.ndarray:
        """``m(ω_{n+1}) = E(θ_n | ω_{n+1}, a_n) − E(θ_n | a_n)`` (rad), eq. (7) via appendix C (k = 1)."""
        flat = self.joint.reshape(-1, self.joint.shape[-1])
        weights = flat.sum(axis=0)
        numerator = self.state.phase_moment1.reshape(-1) @ flat
        conditional = np.divide(numerator, weights, out=np.full_like(numerator, self.state.phase_mean),
                                where=weights > 1e-300)
        return conditional - self.state.phase_mean


def predict(state: TrackerState, law: PredictionLaw, interrogation_time: float) -> Prediction:
    """Step 1: join the posterior with the truncated noise model (eq. 8).

    Parameters
    ----------
    state : TrackerState
        The posterior after n interrogations.
    law : PredictionLaw
        ``p(ω_{n+1} | s_n)`` with ``law.memory == state.memory``
        (:func:`~.prediction_laws.transition_law`).
    interrogation_time : float
        T of the coming interrogation (units of Z).

    Returns
    -------
    Prediction
        The joint prior ``p(s_n, ω_{n+1} | a_n)`` (Mullan & Knill, Phys. Rev. A 90, 042310 (2014), eq. (8)).

    Raises
    ------
    TypeError
        If ``state`` is not a TrackerState.
    QClockError
        If the law's memory differs, T is not > 0, or the grid is too coarse
        or too narrow for the transition.

    Notes
    -----
    The Gaussian transition is evaluated at the grid points and normalised on
    the grid; its standard deviation must be at least two grid steps, and the
    probability it puts beyond the grid (for a history in the posterior's
    support) must be below 1e-9 (refine or widen the grid otherwise).
    """
    if not isinstance(state, TrackerState):
        raise TypeError(f"state must be a TrackerState, got {type(state).__name__}")
    if not isinstance(law, PredictionLaw) or law.memory != state.memory:
        raise QClockError(f"law must be a PredictionLaw with memory {state.memory}, got {law!r}")
    period = check_finite(interrogation_time, "interrogation_time")
    if period <= 0:
        raise QClockError(f"interrogation_time must be > 0 (units of Z), got {period}")
    grid = state.grid
    spacing = grid[1] - grid[0]
    sd = math.sqrt(law.variance)
    if sd < 2.0 * spacing:
        raise QClockError(f"the grid is too coarse for the noise model: transition sd {sd:.3g} rad/Z < two grid "
                          f"steps ({2 * spacing:.3g}); refine the grid")
    memory = state.memory
    means = np.zeros(state.posterior.shape)
    for axis, coefficient in enumerate(law.coefficients):
        shape = [1] * memory
        shape[axis] = grid.size
        means = means + coefficient * grid.reshape(shape)
    kernel = np.exp(-0.5 * ((grid - means[..., None]) / sd) ** 2)
    mass = kernel.sum(axis=-1)
    # probability the noise model sends beyond [grid[0] − Δ/2, grid[-1] + Δ/2], averaged over the posterior
    outside = ndtr((grid[0] - 0.5 * spacing - means) / sd) + ndtr((means - grid[-1] - 0.5 * spacing) / sd)
    leakage = float(np.sum(state.posterior * outside))
    if leakage > _LEAKAGE:
        raise QClockError(f"the frequency grid [{grid[0]:.3g}, {grid[-1]:.3g}] rad/Z is too narrow: the noise "
                          f"model puts probability {leakage:.2g} beyond it (allowed {_LEAKAGE:g}); widen the grid")
    joint = state.posterior[..., None] * kernel / mass[..., None]
    return Prediction(state=state, joint=joint, interrogation_time=period)


def update(prediction: Prediction, likelihood) -> TrackerState:
    """Steps 5–6: absorb ``P(a | ω_{n+1})`` on the grid (eq. 9) and update the phase moments (eqs. 21–23).

    Parameters
    ----------
    prediction : Prediction
        The prior of this interrogation.
    likelihood : array, shape (P,)
        Probability of the observed outcome at each grid frequency (e.g. a
        column of :meth:`InterrogationResult.probabilities` at ``prediction.phases``).

    Returns
    -------
    TrackerState
        The posterior after interrogation n + 1 (step and elapsed time advanced).

    Raises
    ------
    TypeError
        If ``prediction`` is not a Prediction.
    QClockError
        If the likelihood is negative somewhere or the observed outcome has zero
        probability under the prediction.
    """
    if not isinstance(prediction, Prediction):
        raise TypeError(f"prediction must be a Prediction, got {type(prediction).__name__}")
    state = prediction.state
    likelihood = check_finite_array(likelihood, "likelihood", ndim=1, length=state.grid.size)
    if np.any(likelihood < 0):
        raise QClockError("likelihood must be >= 0 at every grid frequency")
    joint = prediction.joint * likelihood
    evidence = float(joint.sum())
    if evidence <= 0:
        raise QClockError("the observed outcome has zero probability under the prediction (evidence 0)")
    joint = joint / evidence
    phase_step = prediction.interrogation_time * state.grid  # T ω_{n+1} on the last axis
    m1 = state.phase_moment1[..., None]
    m2 = state.phase_moment2[..., None]
    posterior = joint.sum(axis=0)  # marginalise the oldest frequency
    weighted1 = (joint * m1).sum(axis=0)
    weighted2 = (joint * (m2 + 2.0 * phase_step * m1)).sum(axis=0)
    safe = posterior > 0
    moment1 = np.where(safe, weighted1 / np.where(safe, posterior, 1.0) + phase_step, 0.0)
    moment2 = np.where(safe, weighted2 / np.where(safe, posterior, 1.0) + phase_step**2, 0.0)
    return TrackerState(grid=state.grid, posterior=posterior, phase_moment1=moment1, phase_moment2=moment2,
                        step=state.step + 1, elapsed=state.elapsed + prediction.interrogation_time)
