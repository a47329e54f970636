"""Retroactive update of the past time estimates θ_k (Mullan & Knill, Phys. Rev. A 90, 042310 (2014), end of section IV).

The running clock reports ``E(θ_n | a_n)`` after interrogation n. Later
outcomes also carry information about earlier frequencies; the paper notes
that the estimates of earlier θ_k can be updated retroactively. With the
truncated noise model of memory h the grid posterior is a hidden Markov chain
on the remembered history ``s_k = (ω_{k−h+1}, …, ω_k)`` and the update is the
fixed-interval (Rauch–Tung–Striebel) smoother on the grid:

    p(s_k | a_M) = Σ_{ω_{k+1}} p(s_k, ω_{k+1} | a_k) p(s_{k+1} | a_M) / p(s_{k+1} | a_k),

with ``p(s_k, ω_{k+1} | a_k)`` the prediction the clock made before
interrogation k+1 (:func:`~.tracking.predict`). Given ``s_k`` the later
outcomes say nothing more about θ_k, so the clock's own conditional moments
``M_j(s_k) = E(θ_k^j | s_k, a_k)`` (eqs. 21–23) give the smoothed phase
exactly: ``E(θ_k | a_M) = Σ p(s_k | a_M) M_1(s_k)`` and
``V(θ_k | a_M) = Σ p(s_k | a_M) M_2(s_k) − E(θ_k | a_M)²`` (rad²). A second
route, ``Σ_{j≤k} T_j E(ω_j | a_M)``, must agree, and at k = M both equal the
clock's ``E(θ_M | a_M)``. Unequal interrogation times T_k are handled as the
predictions record them.

What "smoothing never increases the square error" means precisely, on a fixed
trace: under the model's posterior given all outcomes ``a_M``, the expected
square error of the smoothed estimate, ``V(θ_k | a_M)``, is at most that of
the filtered one, ``V(θ_k | a_M) + (E(θ_k | a_M) − E(θ_k | a_k))²``, at every k
(:attr:`SmoothedRun.filtered_phase_risk`). The smoothed variance itself may
exceed the filtered ``V(θ_k | a_k)`` on a given trace (a surprising later
outcome widens it); only its average over the later outcomes cannot
(the law of total variance). Units: ω in rad per time unit, θ in rad.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..._deprecation import renamed_arguments
from ..._validation import QClockError
from .tracking import Prediction, TrackerState

__all__ = ["SmoothedRun", "smoothed_histories", "smooth_history", "smoothed_phase_moments", "smoothed_run"]


@dataclass(frozen=True, eq=False)
class SmoothedRun:
    """Filtered and smoothed estimates of one run.

    Parameters
    ----------
    frequencies : ndarray, shape (M,)
        True window frequencies ω_k (rad per time unit).
    true_phase : ndarray, shape (M,)
        θ_k = Σ_{j≤k} ω_j T_j (rad).
    filtered_phase : ndarray, shape (M,)
        ``E(θ_k | a_k)`` as the running clock reported it (rad).
    smoothed_phase : ndarray, shape (M,)
        ``E(θ_k | a_M)`` after the last interrogation (rad).
    smoothed_frequency : ndarray, shape (M,)
        ``E(ω_k | a_M)`` (rad per time unit).
    filtered_phase_variance, smoothed_phase_variance : ndarray, shape (M,)
        ``V(θ_k | a_k)`` and ``V(θ_k | a_M)`` (rad²).
    filtered_phase_risk : ndarray, shape (M,)
        ``E((θ_k − E(θ_k | a_k))² | a_M)`` (rad²): the filtered estimate's
        expected square error under the posterior given all outcomes, never
        below ``smoothed_phase_variance`` (module docstring).
    durations : ndarray, shape (M,)
        Interrogation times T_k (time units).
    """

    frequencies: np.ndarray
    true_phase: np.ndarray
    filtered_phase: np.ndarray
    smoothed_phase: np.ndarray
    smoothed_frequency: np.ndarray
    filtered_phase_variance: np.ndarray | None = None
    smoothed_phase_variance: np.ndarray | None = None
    filtered_phase_risk: np.ndarray | None = None
    durations: np.ndarray | None = None

    def to_dict(self) -> dict:
        """JSON-able form.

        Returns
        -------
        dict
            Every array as a list (absent optional ones omitted).
        """
        return {name: getattr(self, name).tolist() for name in _FIELDS if getattr(self, name) is not None}

    @classmethod
    def from_dict(cls, data) -> SmoothedRun:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            As :meth:`to_dict` returns.

        Returns
        -------
        SmoothedRun
        """
        return cls(**{name: np.asarray(data[name], float) for name in _FIELDS if name in data})


_FIELDS = ("frequencies", "true_phase", "filtered_phase", "smoothed_phase", "smoothed_frequency",
           "filtered_phase_variance", "smoothed_phase_variance", "filtered_phase_risk", "durations")


def _first_index(grid: np.ndarray) -> int:
    return int(round(grid[0] / (grid[1] - grid[0])))


def _check_steps(steps) -> list:
    steps = list(steps)
    if not steps:
        raise QClockError("steps must hold at least one recorded interrogation")
    for prediction, _, state in steps:
        if not isinstance(prediction, Prediction) or not isinstance(state, TrackerState):
            raise TypeError("steps must hold (Prediction, likelihood, TrackerState) triples")
    return steps


def smoothed_histories(steps: Sequence) -> list[tuple[np.ndarray, TrackerState]]:
    """Backward pass: ``p(s_k | a_M)`` for every k, each with the filtered state it shares a grid with.

    Parameters
    ----------
    steps : sequence of (Prediction, likelihood, TrackerState)
        Per interrogation k = 1 … M: the prediction made before it, the
        likelihood of the observed outcome on the prediction's grid, and the
        updated state (before the grid is recentred), any memory h. All grids
        must share one spacing (integer-aligned, as the running clock's are).

    Returns
    -------
    list of (ndarray, TrackerState)
        Per k: the smoothed posterior of ``s_k`` (shape (P,)*h) and the
        filtered state ``p(s_k | a_k)`` with its phase moments on the same
        grid (for k < M the recentred state the clock predicted from).
    """
    from .clock_run import _regrid

    steps = _check_steps(steps)
    count = len(steps)
    out: list = [None] * count
    smoothed = steps[-1][2].posterior  # p(s_M | a_M)
    out[-1] = (smoothed, steps[-1][2])
    for k in range(count - 2, -1, -1):
        prediction = steps[k + 1][0]  # p(s_k, ω_{k+1} | a_k) on one grid
        joint = prediction.joint
        column = joint.sum(axis=0)  # p(s_{k+1} | a_k)
        ratio = np.divide(smoothed, column, out=np.zeros_like(smoothed), where=column > 0)
        current = (joint * ratio[None, ...]).sum(axis=-1)
        current = current / current.sum()
        out[k] = (current, prediction.state)
        # onto the grid of prediction k, where s_k's update was made
        grid, target = prediction.state.grid, steps[k][2].grid
        moved = _regrid(current, _first_index(grid), _first_index(target), target.size)
        smoothed = moved / moved.sum()
    return out


def smooth_history(steps: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """Smoothed frequencies and phases of a recorded run (:func:`smoothed_histories`).

    Parameters
    ----------
    steps : sequence of (Prediction, likelihood, TrackerState)
        As :func:`smoothed_histories`.

    Returns
    -------
    (smoothed_frequency, smoothed_phase) : ndarray, ndarray
        ``E(ω_k | a_M)`` (rad per time unit) and ``E(θ_k | a_M) = Σ_{j≤k} T_j E(ω_j | a_M)`` (rad).
    """
    histories = smoothed_histories(steps)
    means = np.array([_last_marginal(p) @ state.grid for p, state in histories])
    periods = np.array([step[0].interrogation_time for step in steps])
    return means, np.cumsum(means * periods)


def _last_marginal(posterior: np.ndarray) -> np.ndarray:
    return posterior.reshape(-1, posterior.shape[-1]).sum(axis=0)


def smoothed_phase_moments(steps: Sequence) -> dict:
    """Filtered and smoothed mean and variance of every θ_k from the clock's conditional moments.

    Parameters
    ----------
    steps : sequence of (Prediction, likelihood, TrackerState)
        As :func:`smoothed_histories`.

    Returns
    -------
    dict of ndarray, shape (M,)
        ``filtered_phase`` ``E(θ_k | a_k)``, ``filtered_phase_variance``
        ``V(θ_k | a_k)``, ``smoothed_phase`` ``E(θ_k | a_M)`` (this route:
        ``Σ p(s_k | a_M) M_1(s_k)``), ``smoothed_phase_variance``
        ``V(θ_k | a_M)`` and ``filtered_phase_risk``
        ``V(θ_k | a_M) + (E(θ_k | a_M) − E(θ_k | a_k))²`` (rad, rad²).
    """
    steps = _check_steps(steps)
    rows = []
    for k, (posterior, state) in enumerate(smoothed_histories(steps)):
        filtered = steps[k][2]
        mean = float(np.sum(posterior * state.phase_moment1))
        variance = max(float(np.sum(posterior * state.phase_moment2)) - mean**2, 0.0)
        rows.append((filtered.phase_mean, filtered.phase_variance, mean, variance,
                     variance + (mean - filtered.phase_mean) ** 2))
    names = ("filtered_phase", "filtered_phase_variance", "smoothed_phase", "smoothed_phase_variance",
             "filtered_phase_risk")
    table = np.array(rows)
    return {name: table[:, i] for i, name in enumerate(names)}


@renamed_arguments(h="noise_strength")
def smoothed_run(atoms: int, noise: str = "random_walk", noise_strength: float = 0.03, interrogations: int = 100,
                 protocol: str = "ramsey", seed: int = 0, run: int = 0, *, interrogation_time: float = 1.0,
                 slip_weight: float | None = None, memory: int = 1, adaptive_times=None) -> SmoothedRun:
    """Run ``run`` of :func:`~.simulate.simulate_adaptive_clock` with its retroactive update.

    Parameters
    ----------
    atoms : int
        N, as :func:`~.simulate.simulate_adaptive_clock`.
    noise : {'random_walk', 'flicker'}
        As :func:`~.simulate.simulate_adaptive_clock`.
    noise_strength : float
        The paper's noise strength h (> 0; ``h`` is its deprecated name).
    interrogations : int
        M ≥ 5.
    protocol : {'adaptive', 'ramsey', 'buzek'}
        The interrogation.
    seed : int
        Root of ``SeedSequence(seed)`` (≥ 0).
    interrogation_time : float
        T (> 0, time units).
    slip_weight : float, optional
        As :func:`~.simulate.simulate_adaptive_clock`.
    memory : int
        Frequencies the noise model remembers (1 … :data:`~.tracking.MAX_MEMORY`).
    adaptive_times : sequence of int, optional
        Candidate multiples of T chosen from at every step (as
        :func:`~.simulate.simulate_adaptive_clock`); default constant T.
    run : int
        Child ``run`` of ``SeedSequence(seed)``: the same noise trace and
        outcomes as that run of a full simulation.

    Returns
    -------
    SmoothedRun
        True, filtered and smoothed phases and frequencies of the run.

    Raises
    ------
    QClockError
        For an invalid argument (named in the message).
    """
    from . import simulate
    from .clock_run import _run_one

    simulate.check_atoms(atoms)
    noise = simulate.canonical_noise(noise)
    simulate.nist_spectrum(noise, noise_strength)
    simulate.check_choice(protocol, "protocol", simulate.CLOCK_PROTOCOLS)
    period = simulate.check_finite(interrogation_time, "interrogation_time")
    if period <= 0:
        raise QClockError(f"interrogation_time must be > 0, got {period}")
    weight = simulate.SLIP_WEIGHT if slip_weight is None else simulate.check_finite(slip_weight, "slip_weight")
    simulate.slip_robust_prior(1.0, weight)  # validates the weight
    config = {"atoms": int(atoms), "noise": noise, "h": float(noise_strength),
              "interrogations": simulate.check_int(interrogations, "interrogations", 5),
              "memory": simulate.check_int(memory, "memory", 1, simulate.MAX_MEMORY),
              "protocol": protocol, "interrogation_time": period, "sdp_prior": "gaussian",
              "slip_weight": weight if protocol == "adaptive" else 0.0}
    multiples = simulate._check_adaptive_times(adaptive_times)
    if multiples:
        config["time_multiples"] = multiples
    run = simulate.check_int(run, "run", 0)
    child = np.random.SeedSequence(simulate.check_int(seed, "seed", 0)).spawn(run + 1)[run]
    steps: list = []
    out = _run_one((config, child), record=steps)
    frequencies = out["frequencies"]
    durations = np.array([prediction.interrogation_time for prediction, _, _ in steps])
    means, phases = smooth_history(steps)
    moments = smoothed_phase_moments(steps)
    return SmoothedRun(frequencies=frequencies, true_phase=np.cumsum(frequencies * durations),
                       filtered_phase=moments["filtered_phase"], smoothed_phase=phases, smoothed_frequency=means,
                       filtered_phase_variance=moments["filtered_phase_variance"],
                       smoothed_phase_variance=moments["smoothed_phase_variance"],
                       filtered_phase_risk=moments["filtered_phase_risk"], durations=durations)
