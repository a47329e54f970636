"""One Monte-Carlo run of the running adaptive clock (Mullan & Knill, Phys. Rev. A 90, 042310 (2014), section VI, procedure steps 1–6).

The true window frequencies are drawn from their exact joint Gaussian law
(eq. 1, :func:`~.window_averages.clock_covariance`), or from the clock's own
truncated model (:func:`model_truth_factor`); every interrogation predicts
(:func:`~.tracking.predict`), applies the protocol's interrogation
(:mod:`.interrogation_programs`), draws the outcome at the true phase and
updates the grid posterior (:func:`~.tracking.update`, eq. 9, eqs. 21–23),
which is then recentred and widened to follow phase-slip hypotheses. With
adaptive interrogation times each step chooses T_n
(:func:`~.schedule.choose_interrogation_time`) and the truth is drawn window by
window. The tracking grid and the recording are described in
:mod:`.simulate`. Time in the paper's time unit, ω in rad per that unit.
"""

from __future__ import annotations

import itertools
import math
from functools import lru_cache

import numpy as np

from ..._names import TRUTHS
from ..._validation import QClockError, check_int
from .covariance import (
    PHASE_NOISE_TYPES,
    clock_covariance,
    condition_gaussian,
    cycle_intervals,
    interval_covariance,
    reference_covariance,
    transition_law,
)
from .interrogation_programs import _centred_interrogation, _timed_interrogation
from .paper_noise import canonical_noise, nist_spectrum
from .schedule import choose_interrogation_time, window_transition_law
from .sdp import outcome_probabilities
from .timing import TimingErrors
from .tracking import MAX_MEMORY, TrackerState, initial_tracker, predict, update

__all__ = ["TRUTHS", "model_truth_factor"]


_GRID_STEPS_PER_SD = 3.0  # tracker grid points per transition standard deviation
_GRID_GUARD = 7.0  # outer margin (transition sds) kept empty so that predict() loses < 1e-9 beyond the grid
_MAX_DROPPED = 0.5  # largest posterior mass one re-centring may discard
_TAIL = 1e-15  # posterior probability per grid point below which a point may fall off the tracking grid
_MAX_TABLE = 20_000_000  # largest joint table P^(memory+1) of the tracker
#: With adaptive times every candidate T needs its program: they are taken on a lattice this many times coarser
#: (width ratio 1.02^5 ≈ 1.104, slope step 0.1), which bounds the programs a cold run solves.
_TIMES_COARSENING = 5
#: Slip guard of the adaptive times (rad): a longer candidate whose predicted phase prior is wider than this is
#: not considered (:func:`~.schedule.choose_interrogation_time`).
_TIMES_MAX_PHASE_WIDTH = 1.0


@lru_cache(maxsize=32)
def _noise_factor(noise: str, h: float, interrogations: int, period: float,
                  cutoff: float | None = None) -> np.ndarray:
    """Cholesky factor of the covariance of ``ω_1 … ω_M`` relative to ``ω_0`` (eq. 1).

    Phase noise is stationary: its window averages are defined themselves and
    the clock's model (:func:`~.prediction_laws.transition_law`) predicts them, not
    their differences to ``ω_0``; the truth is then ``ω_1 … ω_M`` given the
    known ``ω_0 = 0`` (the state the tracker starts from), not ``ω_k − ω_0``,
    whose common offset ``−ω_0`` the stationary model would never learn.
    """
    if noise in PHASE_NOISE_TYPES:
        windows = cycle_intervals(interrogations + 1, period)
        joint = interval_covariance(windows, nist_spectrum(noise, h), cutoff=cutoff)
        covariance = condition_gaussian(np.zeros(interrogations + 1), joint, [0], [0.0])[1]
        return np.linalg.cholesky(covariance)
    covariance = clock_covariance(nist_spectrum(noise, h), interrogations, period, cutoff=cutoff)
    return np.linalg.cholesky(covariance)


@lru_cache(maxsize=16)
def model_truth_factor(noise: str, noise_strength: float, interrogations: int, memory: int,
                       interrogation_time: float = 1.0, cutoff: float | None = None) -> np.ndarray:
    """Factor L of the law of ``ω_1 … ω_M`` under the clock's own truncated noise model: ``ω = L z``, z ~ N(0, 1).

    The model is the autoregression of Mullan & Knill, Phys. Rev. A 90,
    042310 (2014), section V, as the tracker uses it
    (:func:`~.prediction_laws.transition_law`): ``ω_n = Σ_k c_k ω_{n−memory+k} + e_n``
    with ``e_n ~ N(0, v)`` independent and the windows before the first,
    ``ω_0, ω_{−1}, …``, equal to 0 (the tracker's start,
    :func:`~.tracking.initial_tracker`). Then ``ω = A⁻¹ e`` with A unit
    lower-triangular and banded, so ``L = √v A⁻¹``.

    Parameters
    ----------
    noise : str
        Noise name (:func:`~.paper_noise.canonical_noise`).
    noise_strength : float
        The paper's h (> 0; :func:`~.paper_noise.nist_spectrum`).
    interrogations : int
        M ≥ 1.
    memory : int
        Frequencies remembered (1 … :data:`~.tracking.MAX_MEMORY`).
    interrogation_time : float, optional
        T > 0 (time units of h).
    cutoff : float, optional
        ``f_h`` (cycles per time unit), required for phase noise.

    Returns
    -------
    ndarray, shape (M, M)
        Lower-triangular L (rad per time unit).

    Raises
    ------
    QClockError
        If an argument is out of range (the message names it).
    """
    noise = canonical_noise(noise)
    interrogations = check_int(interrogations, "interrogations", 1)
    memory = check_int(memory, "memory", 1, MAX_MEMORY)
    law = transition_law(nist_spectrum(noise, noise_strength), memory, interrogation_time, cutoff=cutoff)
    regression = np.eye(interrogations)
    for n in range(interrogations):
        for k, coefficient in enumerate(law.coefficients):
            past = n - law.memory + k
            if past >= 0:
                regression[n, past] -= coefficient
    return math.sqrt(law.variance) * np.linalg.inv(regression)


def _tracker_grid(offset: int, half: int, spacing: float) -> np.ndarray:
    return (offset + np.arange(-half, half + 1)) * spacing


def _max_half(half: int, memory: int) -> int:
    """Largest grid half-size whose joint table ``P^(memory+1)`` stays within :data:`_MAX_TABLE` (≥ ``half``)."""
    limit = int((_MAX_TABLE ** (1.0 / (memory + 1)) - 1) // 2)
    return max(half, limit)


def _grid_layout(law, period: float) -> tuple[float, int]:
    """Spacing (rad per time unit) and half-size of the tracking grid for a transition law (module docstring)."""
    spacing = math.sqrt(law.variance) / _GRID_STEPS_PER_SD
    half = int(math.ceil(math.pi / period / spacing + _GRID_GUARD * _GRID_STEPS_PER_SD))
    return spacing, half


def _regrid(array: np.ndarray, first_old: int, first_new: int, size_new: int) -> np.ndarray:
    """Copy ``array`` (axes on the grid starting at index ``first_old``) onto the grid starting at ``first_new``.

    Grid indices are integer multiples of the spacing; points of the new grid
    that the old one lacks are zero.
    """
    out = np.zeros((size_new,) * array.ndim)
    size_old = array.shape[0]
    low = max(first_old, first_new)
    high = min(first_old + size_old, first_new + size_new)
    if high > low:
        source = (slice(low - first_old, high - first_old),) * array.ndim
        target = (slice(low - first_new, high - first_new),) * array.ndim
        out[target] = array[source]
    return out


def _recentre(state: TrackerState, offset: int, half: int, spacing: float, base_half: int,
              max_half: int, guard: int | None = None) -> tuple[TrackerState, int, int, float]:
    """Recentre the grid on the latest frequency's mean and widen it until the posterior fits inside its margin.

    The new grid is centred (whole steps) on ``E(ω_n | a_n)``; its half-size is
    the larger of ``base_half`` and the distance to the farthest grid point
    holding more than :data:`_TAIL` of the posterior plus the empty margin of
    :data:`_GRID_GUARD` transition deviations that :func:`~.tracking.predict`
    needs (< 1e-9 beyond the grid) — so the grid follows the frequency and its
    phase-slip hypotheses wherever they go, and shrinks back when they die out.
    Only points below :data:`_TAIL` each, or, if the table would exceed
    :data:`_MAX_TABLE` (``max_half``), the tails beyond it, are discarded; the
    discarded mass is returned and recorded per run
    (:attr:`~.clock_result.AdaptiveClockResult.dropped_mass`), and more than
    :data:`_MAX_DROPPED` in one step raises.

    ``guard`` (grid steps) overrides the margin when the transition laws differ
    from step to step (adaptive interrogation times: the widest law's margin).

    Returns
    -------
    (state, offset, half, dropped)
    """
    if guard is None:
        guard = int(math.ceil(_GRID_GUARD * _GRID_STEPS_PER_SD))
    first_old = offset - half
    centre = int(round(state.frequency_mean() / spacing))
    envelope = np.zeros(state.grid.size)  # largest probability of any history holding each frequency
    for axis in range(state.memory):
        others = tuple(a for a in range(state.memory) if a != axis)
        envelope = np.maximum(envelope, state.posterior.max(axis=others) if others else state.posterior)
    support = np.nonzero(envelope > _TAIL)[0] + first_old
    reach = int(max(abs(support[0] - centre), abs(support[-1] - centre))) if support.size else 0
    new_half = min(max(base_half, reach + guard), max_half)
    size = 2 * new_half + 1
    first_new = centre - new_half
    posterior = _regrid(state.posterior, first_old, first_new, size)
    inner = (slice(guard, size - guard),) * state.memory
    kept_table = np.zeros_like(posterior)
    kept_table[inner] = posterior[inner]
    kept = float(kept_table.sum())
    if kept < 1.0 - _MAX_DROPPED:
        raise QClockError(f"the frequency posterior is too wide for the tracking grid: it would drop "
                          f"probability {1.0 - kept:.3g} (allowed {_MAX_DROPPED:g}) at the table limit "
                          f"{_MAX_TABLE:.0e}")
    return TrackerState(grid=_tracker_grid(centre, new_half, spacing), posterior=kept_table / kept,
                        phase_moment1=_regrid(state.phase_moment1, first_old, first_new, size),
                        phase_moment2=_regrid(state.phase_moment2, first_old, first_new, size),
                        step=state.step, elapsed=state.elapsed), centre, new_half, 1.0 - kept


def _run_one(arguments: tuple, record: list | None = None) -> dict:
    """One run; with ``record`` a list, each step's ``(prediction, likelihood, updated state)`` is appended."""
    config, child = arguments
    if config.get("time_multiples"):
        return _run_adaptive_times(config, child, record)
    atoms, noise, h = config["atoms"], config["noise"], config["h"]
    interrogations, memory, protocol = config["interrogations"], config["memory"], config["protocol"]
    period, sdp_prior = config["interrogation_time"], config["sdp_prior"]
    slip_weight = config.get("slip_weight", 0.0)
    cutoff = config.get("cutoff")
    timing = None if config.get("timing") is None else TimingErrors.from_dict(config["timing"])
    # a third stream for the timing errors leaves the first two (noise, outcomes) as they are
    streams = child.spawn(3 if timing is not None else 2)
    noise_seed, outcome_seed = streams[:2]
    jitter_rng = None if timing is None else np.random.default_rng(streams[2])
    if config.get("truth", "process") == "model":
        factor = model_truth_factor(noise, h, interrogations, memory, period, cutoff)
    else:
        factor = _noise_factor(noise, h, interrogations, period, cutoff)
    truth = factor @ np.random.default_rng(noise_seed).standard_normal(interrogations)
    true_phase = np.cumsum(truth * period)
    rng = np.random.default_rng(outcome_seed)
    law = transition_law(nist_spectrum(noise, h), memory, period, cutoff=cutoff)
    spacing, half = _grid_layout(law, period)
    base_half, max_half = half, _max_half(half, memory)
    offset = 0
    state = initial_tracker(_tracker_grid(offset, half, spacing), memory)
    square_error = np.empty(interrogations)
    estimates = np.empty(interrogations)
    phase_errors = np.empty(interrogations)
    keys = set()
    dropped = 0.0
    for n in range(interrogations):
        prediction = predict(state, law, period)
        if timing is None:
            probe, povm, key, centre, centred = _centred_interrogation(prediction, protocol, atoms, sdp_prior,
                                                                       slip_weight)
            true_centred = truth[n] * period - centre
        else:
            probe, povm, key, centre, centred, true_centred = _timed_interrogation(
                prediction, protocol, atoms, sdp_prior, slip_weight, timing, float(truth[n]),
                timing.jitter * float(jitter_rng.standard_normal()))
        if key:
            keys.add(key)
        table = outcome_probabilities(probe, povm, np.append(centred, true_centred))
        chance = table[-1] / table[-1].sum()
        outcome = int(rng.choice(chance.size, p=chance))
        state = update(prediction, table[:-1, outcome])
        if record is not None:
            record.append((prediction, table[:-1, outcome], state))
        phase_errors[n] = state.phase_mean - true_phase[n]
        square_error[n] = (phase_errors[n] / ((n + 1) * period)) ** 2
        estimates[n] = state.frequency_mean()
        state, offset, half, lost = _recentre(state, offset, half, spacing, base_half, max_half)
        dropped += lost
    return {"square_error": square_error, "estimates": estimates, "programs": len(keys), "dropped": dropped,
            "frequencies": truth, "phase_errors": phase_errors}


class _WindowTruth:
    """Exact Gaussian draw of window-average frequencies for windows chosen one at a time.

    The windows are contiguous, after the reference window ``[0, T]`` whose
    average is the origin ``ω_0 = 0``. Window k's frequency is
    ``L_k · z`` with ``L`` the Cholesky factor of the eq. (1) covariance of the
    windows chosen so far (its rows are fixed once computed, as the leading
    block of a Cholesky factor does not depend on later rows) and ``z`` the
    run's standard normals: for a constant schedule the same numbers as
    :func:`_noise_factor` ``@ z`` (up to rounding). Choosing a window from the
    outcomes of earlier ones is allowed: the draw is conditional on the past
    frequencies only.
    """

    def __init__(self, spectrum: dict, reference: float, normals: np.ndarray):
        self.spectrum, self.normals = spectrum, normals
        self.ends = [0.0, reference]
        self.factor = np.zeros((normals.size, normals.size))

    def next(self, duration: float) -> float:
        n = len(self.ends) - 2
        self.ends.append(self.ends[-1] + duration)
        ends = np.asarray(self.ends)
        windows = np.column_stack([ends[1:-1], ends[2:]])
        covariance = reference_covariance(windows, (0.0, ends[1]), self.spectrum)
        row = np.linalg.solve(self.factor[:n, :n], covariance[:n, n]) if n else np.zeros(0)
        self.factor[n, :n] = row
        self.factor[n, n] = math.sqrt(max(covariance[n, n] - row @ row, 0.0))
        return float(self.factor[n, :n + 1] @ self.normals[:n + 1])


def _adaptive_layout(spectrum: dict, memory: int, period: float, multiples: tuple) -> tuple[float, int, int]:
    """Spacing, half-size and margin (grid steps) of the tracking grid for every schedule of ``multiples``.

    Three points per standard deviation of the narrowest transition law over
    every combination of remembered and next durations, a margin of
    :data:`_GRID_GUARD` deviations of the widest one, and ±π/T_min of the base
    period around the estimate (module docstring).
    """
    deviations = [math.sqrt(window_transition_law(spectrum, [period * k for k in combo]).variance)
                  for combo in itertools.product(multiples, repeat=memory + 1)]
    spacing = min(deviations) / _GRID_STEPS_PER_SD
    guard = int(math.ceil(_GRID_GUARD * max(deviations) / spacing))
    half = int(math.ceil(math.pi / period / spacing + guard))
    return spacing, half, guard


def _run_adaptive_times(config: dict, child, record: list | None = None) -> dict:
    """One run with interrogation times chosen at every step (:func:`~.schedule.choose_interrogation_time`)."""
    atoms, noise, h = config["atoms"], config["noise"], config["h"]
    interrogations, memory, protocol = config["interrogations"], config["memory"], config["protocol"]
    period, sdp_prior = config["interrogation_time"], config["sdp_prior"]
    slip_weight = config.get("slip_weight", 0.0)
    multiples = tuple(config["time_multiples"])
    spectrum = nist_spectrum(noise, h)
    noise_seed, outcome_seed = child.spawn(2)
    truth = _WindowTruth(spectrum, period, np.random.default_rng(noise_seed).standard_normal(interrogations))
    rng = np.random.default_rng(outcome_seed)
    spacing, half, guard = _adaptive_layout(spectrum, memory, period, multiples)
    base_half, max_half = half, _max_half(half, memory)
    offset = 0
    state = initial_tracker(_tracker_grid(offset, half, spacing), memory)
    remembered = (period,) * memory
    laws: dict = {}

    def law_for(duration):
        key = remembered + (duration,)
        if key not in laws:
            laws[key] = window_transition_law(spectrum, key)
        return laws[key]

    def interrogation_for(prediction):
        probe, povm, key, centre, centred = _centred_interrogation(prediction, protocol, atoms, sdp_prior,
                                                                   slip_weight, _TIMES_COARSENING)
        return outcome_probabilities(probe, povm, centred), (probe, povm, centre, key)

    square_error, estimates, frequencies, durations = (np.empty(interrogations) for _ in range(4))
    keys = set()
    dropped, true_phase = 0.0, 0.0
    for n in range(interrogations):
        choice, (prediction, likelihoods, (probe, povm, centre, key)) = choose_interrogation_time(
            state, [period * k for k in multiples], law_for, interrogation_for, _TIMES_MAX_PHASE_WIDTH)
        duration = choice.duration
        if key:
            keys.add(key)
        frequencies[n] = truth.next(duration)
        durations[n] = duration
        true_phase += frequencies[n] * duration
        chance = outcome_probabilities(probe, povm, [frequencies[n] * duration - centre])[0]
        outcome = int(rng.choice(chance.size, p=chance / chance.sum()))
        state = update(prediction, likelihoods[:, outcome])
        if record is not None:
            record.append((prediction, likelihoods[:, outcome], state))
        square_error[n] = ((state.phase_mean - true_phase) / state.elapsed) ** 2
        estimates[n] = state.frequency_mean()
        remembered = remembered[1:] + (duration,)
        state, offset, half, lost = _recentre(state, offset, half, spacing, base_half, max_half, guard)
        dropped += lost
    return {"square_error": square_error, "estimates": estimates, "programs": len(keys), "dropped": dropped,
            "frequencies": frequencies, "durations": durations}
