"""Retroactive update of the past time estimates θ_k (Mullan & Knill, Phys. Rev. A 90, 042310 (2014), end of section IV).

The running clock reports ``E(θ_n | a_n)`` after interrogation n. Later
outcomes also carry information about earlier frequencies; the paper notes
that the estimates of earlier θ_k can be updated retroactively. For the
memory-1 noise model the grid posterior is a hidden Markov chain on the
frequency grid and the update is the fixed-interval (Rauch–Tung–Striebel)
smoother on the grid:

    p(ω_k | a_M) = Σ_{ω_{k+1}} p(ω_k | ω_{k+1}, a_k) p(ω_{k+1} | a_M),

with ``p(ω_k, ω_{k+1} | a_k)`` the prediction the clock made before
interrogation k+1 (:func:`~.tracking.predict`). The smoothed cumulative phases are
``E(θ_k | a_M) = Σ_{j≤k} T_j E(ω_j | a_M)`` (rad); at k = M they equal the
clock's own ``E(θ_M | a_M)`` from the moment recursion (eqs. 21–23), an
independent check. Units: ω in rad per time unit, θ in rad.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..._deprecation import renamed_arguments
from ..._validation import QClockError
from .tracking import Prediction, TrackerState

__all__ = ["SmoothedRun", "smooth_history", "smoothed_run"]


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
    """

    frequencies: np.ndarray
    true_phase: np.ndarray
    filtered_phase: np.ndarray
    smoothed_phase: np.ndarray
    smoothed_frequency: np.ndarray

    def to_dict(self) -> dict:
        """Plain JSON-compatible data.

        Returns
        -------
        dict
            The object's data (JSON types only); :meth:`from_dict` reads it back.
        """
        return {name: getattr(self, name).tolist() for name in
                ("frequencies", "true_phase", "filtered_phase", "smoothed_phase", "smoothed_frequency")}

    @classmethod
    def from_dict(cls, data) -> SmoothedRun:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            A dictionary as written by :meth:`to_dict`.

        Returns
        -------
        SmoothedRun
            The reconstructed object.
        """
        return cls(**{name: np.asarray(data[name], float) for name in
                      ("frequencies", "true_phase", "filtered_phase", "smoothed_phase", "smoothed_frequency")})


def _first_index(grid: np.ndarray) -> int:
    return int(round(grid[0] / (grid[1] - grid[0])))


def smooth_history(steps: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """Backward pass over a recorded memory-1 run.

    Parameters
    ----------
    steps : sequence of (Prediction, likelihood, TrackerState)
        Per interrogation k = 1 … M: the prediction made before it, the
        likelihood of the observed outcome on the prediction's grid, and the
        updated state (before the grid is recentred). All grids must share one
        spacing (integer-aligned, as the running clock's are).

    Returns
    -------
    (smoothed_frequency, smoothed_phase) : ndarray, ndarray
        ``E(ω_k | a_M)`` (rad per time unit) and ``E(θ_k | a_M)`` (rad).

    Raises
    ------
    TypeError
        If ``steps`` does not hold (Prediction, likelihood, TrackerState) triples.
    QClockError
        If ``steps`` is empty or the tracker's memory is not 1.
    """
    steps = list(steps)
    if not steps:
        raise QClockError("steps must hold at least one recorded interrogation")
    for prediction, _, state in steps:
        if not isinstance(prediction, Prediction) or not isinstance(state, TrackerState):
            raise TypeError("steps must hold (Prediction, likelihood, TrackerState) triples")
        if state.memory != 1:
            raise QClockError(f"smoothing supports the memory-1 noise model, got memory {state.memory}")
    count = len(steps)
    means = np.empty(count)
    smoothed = steps[-1][2].posterior  # p(ω_M | a_M) on the grid of prediction M
    means[-1] = smoothed @ steps[-1][2].grid
    for k in range(count - 2, -1, -1):
        prediction = steps[k + 1][0]  # p(ω_k, ω_{k+1} | a_k) on one grid
        grid = prediction.state.grid
        joint = prediction.joint
        column = joint.sum(axis=0)
        ratio = np.divide(smoothed, column, out=np.zeros_like(smoothed), where=column > 0)
        current = joint @ ratio  # p(ω_k | a_M) on this grid
        current = current / current.sum()
        means[k] = current @ grid
        # onto the grid of prediction k, where ω_k's filtered posterior lives
        target = steps[k][2].grid
        shift = _first_index(grid) - _first_index(target)
        moved = np.zeros(target.size)
        low, high = max(0, shift), min(target.size, shift + grid.size)
        if high > low:
            moved[low:high] = current[low - shift:high - shift]
        smoothed = moved / moved.sum()
    periods = np.array([step[0].interrogation_time for step in steps])
    return means, np.cumsum(means * periods)


@renamed_arguments(h="noise_strength")
def smoothed_run(atoms: int, noise: str = "random_walk", noise_strength: float = 0.03, interrogations: int = 100,
                 protocol: str = "ramsey", seed: int = 0, run: int = 0, *, interrogation_time: float = 1.0,
                 slip_weight: float | None = None) -> SmoothedRun:
    """Run ``run`` of :func:`~.simulate.simulate_adaptive_clock` (memory 1) with its retroactive update.

    Parameters
    ----------
    atoms, noise, noise_strength, interrogations, protocol, seed, interrogation_time, slip_weight
        As :func:`~.simulate.simulate_adaptive_clock` (memory 1, one run; ``h`` is the deprecated name of
        ``noise_strength``).
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
              "interrogations": simulate.check_int(interrogations, "interrogations", 5), "memory": 1,
              "protocol": protocol, "interrogation_time": period, "sdp_prior": "gaussian",
              "slip_weight": weight if protocol == "adaptive" else 0.0}
    run = simulate.check_int(run, "run", 0)
    child = np.random.SeedSequence(simulate.check_int(seed, "seed", 0)).spawn(run + 1)[run]
    steps: list = []
    out = simulate._run_one((config, child), record=steps)
    frequencies = out["frequencies"]
    filtered = np.array([state.phase_mean for _, _, state in steps])
    means, phases = smooth_history(steps)
    return SmoothedRun(frequencies=frequencies, true_phase=np.cumsum(frequencies * config["interrogation_time"]),
                       filtered_phase=filtered, smoothed_phase=phases, smoothed_frequency=means)
