"""The running adaptive clock of Mullan & Knill, Phys. Rev. A 90, 042310 (2014), section VI: Monte-Carlo runs, square frequency error, Allan variance.

One run (constant interrogation time T, no dead time, Mullan & Knill procedure steps 1–6):

1. the true Ramsey-window frequencies ``ω_1 … ω_M`` (rad per time unit) are drawn from
   their exact joint Gaussian law relative to the known ``ω_0 = 0``
   (:func:`~.covariance.clock_covariance`, eq. 1–2: one Cholesky factor per
   configuration). This is exact for both spectra used here — the
   window averages of a power-law Gaussian process are jointly Gaussian with
   this covariance — whereas :class:`~qclock_circuits.clock.noise.LocalOscillatorNoise`
   builds flicker noise from a finite ladder of Ornstein–Uhlenbeck terms (an
   approximation over a band); the truth here has the full, untruncated
   memory, the clock's model only the last ``memory`` frequencies;
2. for each interrogation: :func:`~.tracking.predict` (truncated noise model
   :func:`~.covariance.transition_law`), the interrogation of the protocol,
   an outcome drawn from that protocol's exact probabilities at the true
   phase ``φ = ω_n T``, :func:`~.tracking.update` (eq. 9, eqs. 21–23);
3. the record: the square error of the cumulative average frequency,
   ``((E(θ_n | a_n) − θ_n) / (nT))²`` (rad² per time unit², the paper's "square
   frequency error"), the filtered posterior means ``ω*_n = E(ω_n | a_n)`` and
   the true ``ω_n``. The overlapping Allan variance of eq. (11) is computed
   with :func:`~qclock_circuits.clock.allan.overlapping_adev` at every
   averaging factor ``m = 1 … ⌊(M−1)/2⌋`` (eq. 11 with ``M − 2m + 1`` terms is
   the NIST overlapping estimator on ``M + 1`` phase points), for the frequency
   error ``ω_n − ω*_n`` of the clock that outputs the LO frequency corrected by
   its estimates (``allan_variance``, used for Table 1), and for ``ω*_n``
   alone, as eq. (11) is literally written (``estimate_allan_variance``; it
   is dominated by the LO's own noise: ≈ 0.24 rad² averaged over m for all
   three protocols in the Brownian row of Table 1, gains 0.7 ± 1.2 % and
   3.7 ± 2.1 % over 200 runs, so it cannot show the paper's ≈ 50 %; the
   corrected clock's does, see ``benchmarks/adaptive_table1.py``).

Protocols: ``'adaptive'`` — the SDP of :func:`~.sdp.optimize_interrogation`
with the eq. (7) cost from the predicted phases; ``'ramsey'`` and ``'buzek'``
— :func:`~.baselines.ramsey_interrogation` and
:func:`~.baselines.bdm_interrogation` referenced to the predicted mean phase
(software phase tracking, appendix D). Every protocol is covariant (its
outcome law depends on ``φ − φ̄``), so each is computed once around phase 0
and evaluated at ``φ − φ̄``; the tracking is the same exact grid posterior
for all three.

SDP prior (``sdp_prior``):

* ``'gaussian'`` (default): the SDP is solved for a Gaussian prior with the
  predicted phase variance and for offsets ``m(φ) = b (φ − φ̄)`` with ``b`` the
  least-squares slope of the predicted eq. (7) offsets; width and slope are
  quantised (width on a logarithmic grid of ratio :data:`WIDTH_RATIO`, slope
  in steps of :data:`SLOPE_STEP`) and the solutions cached per process. Only
  the choice of the interrogation is approximated; outcomes and tracking use
  the exact probabilities of the protocol applied.
* ``'exact'``: one SDP per interrogation on the predicted grid prior itself
  (no cache; ≈ 0.5–1 s per interrogation).

Tracking grid: uniform in ω with three points per transition standard
deviation ``√Var(ω_{n+1} | s_n)`` (the narrowest a predicted prior can be),
covering at least ±π/T around the current frequency estimate (the
unambiguous phase range) plus an empty margin of :data:`_GRID_GUARD`
transition deviations at each end. After every update the grid is recentred
by whole steps on the new frequency mean (exact) and widened until every
point holding more than :data:`_TAIL` of the posterior lies inside the
margin — phase-slip hypotheses are followed, not cut — and it shrinks back
when they die out. Only the points below :data:`_TAIL`, or tails beyond the
table limit :data:`_MAX_TABLE`, are discarded; the discarded probability is
recorded per run (``dropped_mass``; ≈ 1e-13 per run in the Table 1
configurations), and a step that would drop more than :data:`_MAX_DROPPED`
raises. The joint table has ``P^(memory+1)`` entries.

Keeping lock: a run *lost lock* when its frequency error ``|ω_n − ω*_n|``
ever exceeded π/(2T) (:attr:`AdaptiveClockResult.lost_lock`);
:func:`summarise_protocols` counts such runs and gives the Table 1
improvements with and without them. With the plain Gaussian SDP prior the
two-atom adaptive protocol loses about one run in a hundred under Brownian
noise (h = 0.03) while Ramsey loses none: for narrow priors its optimal probe
is the NOON-like ``(|0⟩ + |2⟩)/√2``, whose outcome law is π-periodic in φ, so
a frequency error drifting past π/(2T) lands on the alias π/T away
(:func:`slip_robust_prior`). The default prior therefore mixes in a
phase-slip hypothesis of weight :data:`SLIP_WEIGHT` (1 %; 0.3 % does not
save the pinned run).

Adaptive interrogation times (``adaptive_times``, e.g. ``(1, 2, 3)``): every
step chooses T_n among those multiples of ``interrogation_time`` by the
smallest expected increase of the posterior phase variance per unit time,
evaluated exactly on the grid for the interrogation the protocol would apply
(:mod:`.schedule`; the paper's conclusion suggests choosing T at every step).
Each candidate needs the adaptive protocol's program for its own prior; these
are taken on a lattice five times coarser in width and slope than the
constant-T clock's (a subset of its cached programs), so a cold run solves
few; and a candidate longer than T whose predicted phase prior is wider than
:data:`_TIMES_MAX_PHASE_WIDTH` (1 rad) is not considered at all (slip guard:
no program is solved for it).
The noise model is then the truncated-history law for windows of unequal
durations (:func:`~.schedule.window_transition_law`, rebuilt from the
remembered durations), the grid is fine enough for the narrowest and wide
enough for the widest of those laws, and the truth is drawn window by window
from the exact joint Gaussian (the Cholesky rows of eq. (1) for the windows
chosen so far, from the same standard normals as the constant-T path). The
square error at step n is ``((E(θ_n|a_n) − θ_n)/t_n)²`` with
``t_n = Σ T_k`` the time elapsed, and the Allan variance is that of the
corrected clock's frequency error held over each window and sampled in bins of
``interrogation_time`` (:class:`AdaptiveClockResult`). Without the option the
constant-T code path runs unchanged (same seed, same numbers bit for bit).

Noise strength: the paper's ``h`` is its kernel scale factor,
``Cov(ω(s), ω(s')) = −(h/2)|s − s'|`` for Brownian (random-walk FM, NIST
α = −2) and ``−2h ln|s − s'|`` for 1/f (flicker FM, α = −1). In the project's
one-sided NIST spectrum ``S_ω(f) = h_α f^α`` that is ``h_{−2} = h / (2π²)`` and
``h_{−1} = 2h`` (:func:`nist_spectrum`). Time is measured in units of the
paper's time unit, in which ``T = 1`` (``interrogation_time``); ω in rad per
that unit, phases in rad.

Runs: run r uses child r of ``SeedSequence(seed)``, split into a noise stream
and an outcome stream; the noise trace of run r is the same for every
protocol (paired comparisons), and the result does not depend on ``workers``.
"""

from __future__ import annotations

import itertools
import json
import math
import numbers
import os
import time
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from functools import lru_cache
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from ..._deprecation import renamed_arguments, renamed_attributes
from ..._names import ADAPTIVE_NOISE_TYPES, NOISE_ALIASES, NOISE_TYPES, SDP_PRIORS, canonical_noise_name
from ..._validation import QClockError, check_atoms, check_choice, check_finite, check_finite_array, check_int
from ..allan import overlapping_adev
from .baselines import bdm_interrogation, ramsey_interrogation
from .covariance import (
    PHASE_NOISE_TYPES,
    clock_covariance,
    condition_gaussian,
    cycle_intervals,
    interval_covariance,
    reference_covariance,
    transition_law,
)
from .schedule import choose_interrogation_time, window_transition_law
from .sdp import (
    MAX_ATOMS,
    _complex_from_json,
    _complex_to_json,
    gaussian_grid,
    optimize_interrogation,
    outcome_probabilities,
)
from .tracking import MAX_MEMORY, TrackerState, initial_tracker, predict, update

__all__ = [
    "PAPER_NOISE_TYPES",
    "CLOCK_PROTOCOLS",
    "SDP_PRIORS",
    "WIDTH_RATIO",
    "SLOPE_STEP",
    "PAPER_TABLE1",
    "NOISE_ALIASES",
    "SLIP_WEIGHT",
    "SDP_STORE_VARIABLE",
    "canonical_noise",
    "oscillator_noise",
    "nist_spectrum",
    "slip_robust_prior",
    "TRUTHS",
    "model_truth_factor",
    "AdaptiveClockResult",
    "simulate_adaptive_clock",
    "improvement",
    "compare_protocols",
    "summarise_protocols",
]

#: Noise names accepted by the adaptive clock and their NIST exponent α: the package's names
#: (:data:`qclock_circuits.bayes.priors.NOISE_TYPES`) and the words of Mullan & Knill, PRA 90, 042310 (2014)
#: as aliases (:data:`NOISE_ALIASES`), and the phase-noise words (NIST α = 1, 2). Formerly ``SEED_NOISE_TYPES``
#: (deprecated alias).
PAPER_NOISE_TYPES = {name: {**NOISE_TYPES, **PHASE_NOISE_TYPES}[NOISE_ALIASES.get(name, name)]
                     for name in (*ADAPTIVE_NOISE_TYPES, *NOISE_ALIASES)}
#: Where the true frequencies of a simulated run come from (:func:`simulate_adaptive_clock`).
TRUTHS = ("process", "model")
#: Interrogation protocols compared in section VI.
CLOCK_PROTOCOLS = ("adaptive", "ramsey", "buzek")
#: Default phase-slip weight ε of the adaptive protocol's SDP prior (:func:`slip_robust_prior`).
SLIP_WEIGHT = 1e-2
#: Ratio between neighbouring quantised prior widths of the cached SDP solutions.
WIDTH_RATIO = 1.02
#: Step of the quantised eq. (7) offset slope b (dimensionless) of the cached SDP solutions.
SLOPE_STEP = 0.02
#: Mullan & Knill Table 1: improvement (%) of the adaptive protocol, value and standard error.
#: Formerly ``SEED_TABLE1`` (deprecated alias).
PAPER_TABLE1 = {
    "random_walk": {"atoms": 2, "h": 0.03, "interrogations": 100, "memory": 1,
                 "ramsey": {"square_error": (46.9, 0.51), "allan_variance": (49.3, 0.43)},
                 "buzek": {"square_error": (51.7, 0.46), "allan_variance": (50.9, 0.42)}},
    "flicker": {"atoms": 3, "h": 0.05, "interrogations": 100, "memory": 1,
                "ramsey": {"square_error": (18.9, 0.40), "allan_variance": (21.6, 0.55)},
                "buzek": {"square_error": (39.8, 0.38), "allan_variance": (33.0, 0.48)}},
}

_SDP_POINTS = 48  # canonical Gaussian grid of the cached programs (± _SDP_SIGMAS widths)
_SDP_SIGMAS = 6.0
_SDP_LABELS = 12
_SDP_ITERATIONS = 6
_GRID_STEPS_PER_SD = 3.0  # tracker grid points per transition standard deviation
_GRID_GUARD = 7.0  # outer margin (transition sds) kept empty so that predict() loses < 1e-9 beyond the grid
_MAX_DROPPED = 0.5  # largest posterior mass one re-centring may discard
#: Environment variable naming a directory that keeps the adaptive programs across processes (:func:`_cached_sdp`).
SDP_STORE_VARIABLE = "QCLOCK_ADAPTIVE_SDP_STORE"
_SDP_VERSION = "v1"  # names of stored programs; change with the program settings above
_SLIP_POINTS = 24  # phases of the uniform slip hypothesis in the cached programs' prior
_SLIP_WINDOW = 10  # interrogations at the end of a run over which AdaptiveClockResult.slipped averages the error
_TAIL = 1e-15  # posterior probability per grid point below which a point may fall off the tracking grid
_MAX_TABLE = 20_000_000  # largest joint table P^(memory+1) of the tracker
_LAST_STEPS = 20  # Table 1: square errors averaged over the last twenty steps
#: With adaptive times every candidate T needs its program: they are taken on a lattice this many times coarser
#: (width ratio 1.02^5 ≈ 1.104, slope step 0.1), which bounds the programs a cold run solves.
_TIMES_COARSENING = 5
#: Slip guard of the adaptive times (rad): a longer candidate whose predicted phase prior is wider than this is
#: not considered (:func:`~.schedule.choose_interrogation_time`).
_TIMES_MAX_PHASE_WIDTH = 1.0


def canonical_noise(noise: str) -> str:
    """The package's name of a noise word (``'random_walk'``, ``'flicker'``, ``'flicker_phase'``, ``'white_phase'``).

    Parameters
    ----------
    noise : str
        ``'random_walk'``, ``'flicker'``, the phase-noise words
        ``'flicker_phase'`` and ``'white_phase'`` (NIST α = 1, 2), or Mullan &
        Knill's ``'brownian'`` (PRA 90, 042310 (2014), section VI), an alias.

    Returns
    -------
    str
        ``'random_walk'``, ``'flicker'``, ``'flicker_phase'`` or ``'white_phase'``.

    Raises
    ------
    QClockError
        For any other word.
    """
    return canonical_noise_name(noise, ADAPTIVE_NOISE_TYPES)


__getattr__ = renamed_attributes(__name__, globals(), {"SEED_NOISE_TYPES": "PAPER_NOISE_TYPES",
                                                      "SEED_TABLE1": "PAPER_TABLE1"})


def oscillator_noise(noise: str, h: float):
    """The package's :class:`~qclock_circuits.clock.noise.LocalOscillatorNoise` for Mullan & Knill's ``(noise, h)``.

    Parameters
    ----------
    noise : {'random_walk', 'flicker'} (alias 'brownian')
    h : float
        The paper's noise strength (> 0; :func:`nist_spectrum` gives its units).

    Returns
    -------
    LocalOscillatorNoise
        ``h = {name: h_α}`` of :func:`nist_spectrum`, in units where the
        package's time unit Z is the paper's time unit (T = 1).
    """
    from ..noise import LocalOscillatorNoise

    name = canonical_noise(noise)
    if name in PHASE_NOISE_TYPES:
        raise QClockError(f"noise must be 'random_walk' or 'flicker' for a LocalOscillatorNoise (it simulates "
                          f"frequency noise only), got {noise!r}; phase noise is drawn exactly from its window "
                          f"covariance (covariance.sample_interval_averages)")
    return LocalOscillatorNoise({name: value for value in nist_spectrum(name, h).values()})


def nist_spectrum(noise: str, h: float) -> dict[int, float]:
    """Mullan & Knill's noise strength ``h`` as the package's NIST one-sided spectrum ``{α: h_α}``.

    Parameters
    ----------
    noise : {'random_walk', 'flicker', 'flicker_phase', 'white_phase'} (alias 'brownian')
        Random-walk FM (α = −2), flicker FM (α = −1), flicker PM (α = 1) or
        white PM (α = 2).
    h : float
        Scale of the kernel ``Cov(ω(s), ω(s')) = −(h/2)|s − s'|`` (random walk)
        or ``−2h ln|s − s'|`` (flicker) of Mullan & Knill, PRA 90, 042310
        (2014), eqs. (1)–(2), in units of rad² per time unit³ (random walk;
        ω in rad per time unit) or rad² per time unit² (flicker), with the
        time unit that of the interrogation time (T = 1 in the paper). The
        paper gives no kernel scale for phase noise (its α ∈ [1, 2]): for
        ``'flicker_phase'`` and ``'white_phase'`` ``h`` is the NIST ``h_α``
        itself (rad² per time unit^(1−α)).

    Returns
    -------
    dict
        ``{−2: h / (2π²)}`` (random walk), ``{−1: 2h}`` (flicker), ``{1: h}``
        or ``{2: h}`` (phase noise): the coefficients ``h_α`` of
        ``S_ω(f) = h_α f^α`` (f in cycles per time unit), as
        :class:`~qclock_circuits.clock.noise.LocalOscillatorNoise` takes them
        when the time unit is its Z (phase noise also needs the cutoff ``f_h``,
        :mod:`.covariance`).

    Raises
    ------
    QClockError
        If ``h`` is not > 0 or the noise word is unknown.
    """
    noise = canonical_noise(noise)
    h = check_finite(h, "h")
    if h <= 0:
        raise QClockError(f"noise_strength (the paper's h) must be > 0, got {h}")
    if noise == "random_walk":
        return {-2: h / (2.0 * math.pi**2)}
    if noise in PHASE_NOISE_TYPES:
        return {PHASE_NOISE_TYPES[noise]: h}
    return {-1: 2.0 * h}


# ----------------------------------------------------------------------------- interrogations
def slip_robust_prior(width: float, slip_weight: float) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian phase prior mixed with a uniform phase-slip hypothesis over [−π, π).

    ``(1 − ε) N(0, width²) + ε U[−π, π)``: the Gaussian on the grid of
    :func:`~.sdp.gaussian_grid` (48 points over ±6 widths) and ε spread over
    24 equally spaced phases (rad). With ε = 0 it is the Gaussian alone.

    Why: for a narrow Gaussian the optimal two-atom interrogation is the
    NOON-like state ``(|0⟩ + |2⟩)/√2``, whose outcome law is π-periodic in φ
    (it only sees 2φ). A frequency error that drifts past π/(2T) then
    lands on the alias and the clock stays locked π/T away (the seed-1 run
    61 of ``qclock adaptive --atoms 2 --noise brownian --noise-strength 0.03``). The
    slip hypothesis makes the program pay for that ambiguity, so it keeps a
    weight on ``|1⟩`` and the interrogation tells φ from φ + π.

    Parameters
    ----------
    width : float
        Standard deviation of the Gaussian part (rad, > 0).
    slip_weight : float
        ε in [0, 0.5].

    Returns
    -------
    (phases, weights) : ndarray, ndarray
        Phases (rad) and weights summing to 1.

    Raises
    ------
    QClockError
        If ``slip_weight`` is not in [0, 0.5] or the width is not > 0.
    """
    slip_weight = check_finite(slip_weight, "slip_weight")
    if not 0.0 <= slip_weight <= 0.5:
        raise QClockError(f"slip_weight must lie in [0, 0.5] (prior probability of a phase slip), got {slip_weight}")
    phases, weights = gaussian_grid(width, _SDP_POINTS, sigmas=_SDP_SIGMAS)
    if slip_weight == 0.0:
        return phases, weights
    uniform = -math.pi + (np.arange(_SLIP_POINTS) + 0.5) * (2.0 * math.pi / _SLIP_POINTS)
    return (np.concatenate([phases, uniform]),
            np.concatenate([(1.0 - slip_weight) * weights, np.full(_SLIP_POINTS, slip_weight / _SLIP_POINTS)]))


@lru_cache(maxsize=4096)
def _cached_sdp(atoms: int, width_index: int, slope_index: int,
                slip_weight: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """State and POVM of the SDP for the quantised slip-robust Gaussian prior around phase 0.

    Cached per process; with the environment variable :data:`SDP_STORE_VARIABLE`
    naming a directory, also kept there as JSON (exact float round trip) and
    shared by every process and later run — the programs are deterministic, so
    results do not depend on the store.
    """
    directory = os.environ.get(SDP_STORE_VARIABLE)
    path = None
    if directory:
        path = Path(directory) / f"sdp-{_SDP_VERSION}-{atoms}-{width_index}-{slope_index}-{slip_weight!r}.json"
        try:
            data = json.loads(path.read_text())
            return _complex_from_json(data["state"]), _complex_from_json(data["povm"])
        except (OSError, ValueError, KeyError):
            pass  # absent or unreadable: solve it again
    width = WIDTH_RATIO**width_index
    slope = SLOPE_STEP * slope_index
    phases, weights = slip_robust_prior(width, slip_weight)
    result = optimize_interrogation(atoms, phases, weights, phase_offsets=slope * phases,
                                    label_count=_SDP_LABELS, max_iterations=_SDP_ITERATIONS)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps({"state": _complex_to_json(result.state),
                                         "povm": _complex_to_json(result.povm)}))
        os.replace(temporary, path)  # atomic: readers see no file or the whole one
    return result.state, result.povm


@lru_cache(maxsize=64)
def _fixed(protocol: str, atoms: int) -> tuple[np.ndarray, np.ndarray]:
    interrogation = ramsey_interrogation(atoms) if protocol == "ramsey" else bdm_interrogation(atoms)
    return interrogation.state, interrogation.povm


def _interrogation(protocol: str, atoms: int, sdp_prior: str, centred: np.ndarray, weights: np.ndarray,
                   offsets: np.ndarray, slip_weight: float = 0.0,
                   coarsening: int = 1) -> tuple[np.ndarray, np.ndarray, tuple]:
    """(state, POVM, cache key) of the interrogation for a prior centred at phase 0.

    ``coarsening`` c > 1 rounds the quantised width and slope indices to
    multiples of c (programs on a c times coarser lattice, a subset of the
    constant-T clock's keys).
    """
    if protocol != "adaptive":
        return (*_fixed(protocol, atoms), ())
    if sdp_prior == "exact":
        keep = weights > 1e-14 * weights.max()
        result = optimize_interrogation(atoms, centred[keep], weights[keep], phase_offsets=offsets[keep],
                                        label_count=_SDP_LABELS, max_iterations=_SDP_ITERATIONS)
        return result.state, result.povm, ()
    variance = float(weights @ centred**2)
    width = math.sqrt(variance)
    slope = float(weights @ (offsets * centred)) / variance
    if coarsening == 1:
        key = (atoms, int(round(math.log(width) / math.log(WIDTH_RATIO))), int(round(slope / SLOPE_STEP)),
               float(slip_weight))
    else:
        key = (atoms, coarsening * int(round(math.log(width) / math.log(WIDTH_RATIO) / coarsening)),
               coarsening * int(round(slope / SLOPE_STEP / coarsening)), float(slip_weight))
    return (*_cached_sdp(*key), key)


def _centred_interrogation(prediction, protocol: str, atoms: int, sdp_prior: str, slip_weight: float,
                           coarsening: int = 1) -> tuple:
    """(state, POVM, cache key, mean phase, grid phases minus it) of the protocol's interrogation for a prediction."""
    weights = prediction.frequency_weights
    phases = prediction.phases
    centre = float(weights @ phases)
    centred = phases - centre
    probe, povm, key = _interrogation(protocol, atoms, sdp_prior, centred, weights, prediction.phase_offsets,
                                      slip_weight, coarsening)
    return probe, povm, key, centre, centred


# ----------------------------------------------------------------------------- one run
@lru_cache(maxsize=32)
def _noise_factor(noise: str, h: float, interrogations: int, period: float,
                  cutoff: float | None = None) -> np.ndarray:
    """Cholesky factor of the covariance of ``ω_1 … ω_M`` relative to ``ω_0`` (eq. 1).

    Phase noise is stationary: its window averages are defined themselves and
    the clock's model (:func:`~.covariance.transition_law`) predicts them, not
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
    (:func:`~.covariance.transition_law`): ``ω_n = Σ_k c_k ω_{n−memory+k} + e_n``
    with ``e_n ~ N(0, v)`` independent and the windows before the first,
    ``ω_0, ω_{−1}, …``, equal to 0 (the tracker's start,
    :func:`~.tracking.initial_tracker`). Then ``ω = A⁻¹ e`` with A unit
    lower-triangular and banded, so ``L = √v A⁻¹``.

    Parameters
    ----------
    noise : str
        Noise name (:func:`canonical_noise`).
    noise_strength : float
        The paper's h (> 0; :func:`nist_spectrum`).
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
    (:attr:`AdaptiveClockResult.dropped_mass`), and more than
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
    noise_seed, outcome_seed = child.spawn(2)
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
    keys = set()
    dropped = 0.0
    for n in range(interrogations):
        prediction = predict(state, law, period)
        probe, povm, key, centre, centred = _centred_interrogation(prediction, protocol, atoms, sdp_prior,
                                                                   slip_weight)
        if key:
            keys.add(key)
        table = outcome_probabilities(probe, povm, np.append(centred, truth[n] * period - centre))
        chance = table[-1] / table[-1].sum()
        outcome = int(rng.choice(chance.size, p=chance))
        state = update(prediction, table[:-1, outcome])
        if record is not None:
            record.append((prediction, table[:-1, outcome], state))
        square_error[n] = ((state.phase_mean - true_phase[n]) / ((n + 1) * period)) ** 2
        estimates[n] = state.frequency_mean()
        state, offset, half, lost = _recentre(state, offset, half, spacing, base_half, max_half)
        dropped += lost
    return {"square_error": square_error, "estimates": estimates, "programs": len(keys), "dropped": dropped,
            "frequencies": truth}


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


# ----------------------------------------------------------------------------- result
#: Per-run arrays of :class:`AdaptiveClockResult` (first axis: runs).
_RUN_ARRAYS = ("square_error", "estimates", "allan_variance", "frequencies", "estimate_allan_variance",
               "dropped_mass", "durations")


def _allan_factors(interrogations: int) -> np.ndarray:
    return np.arange(1, (interrogations - 1) // 2 + 1)


@dataclass(frozen=True, eq=False)
class AdaptiveClockResult:
    """Runs of the running clock (Mullan & Knill, Phys. Rev. A 90, 042310 (2014), section VI), constant T or adaptive times T_n.

    Parameters
    ----------
    atoms, noise, h, interrogations, memory, protocol, interrogation_time, sdp_prior
        The configuration (:func:`simulate_adaptive_clock`).
    seed : int or None
        Entropy of the root ``SeedSequence`` (None if it was not given as an integer);
        :func:`improvement` pairs runs of results with the same integer seed.
    square_error : ndarray, shape (R, M)
        Per run, ``((E(θ_n|a_n) − θ_n)/(nT))²`` after interrogation n = 1 … M (rad² per time unit²).
    estimates : ndarray, shape (R, M)
        Per run, the filtered posterior means ``ω*_n`` (rad per time unit).
    frequencies : ndarray, shape (R, M)
        Per run, the true window frequencies ``ω_n`` (rad per time unit).
    averaging_factors : ndarray of int, shape (K,)
        m = 1 … ⌊(M−1)/2⌋; averaging times ``mT``.
    allan_variance : ndarray, shape (R, K)
        Per run, the overlapping Allan variance eq. (11) of the corrected clock's
        frequency error ``ω_n − ω*_n`` (rad² per time unit²): the stability of the
        clock that outputs the LO frequency corrected by the estimates.
    estimate_allan_variance : ndarray, shape (R, K)
        Per run, eq. (11) applied to the estimates ``ω*_n`` alone (dominated by
        the LO's own noise, the same for every protocol to first order).
    dropped_mass : ndarray, shape (R,)
        Per run, the posterior probability discarded beyond ±π/T of the
        frequency mean (phase-slip tails, module docstring), summed over steps.
    seconds : float
        Wall time of the simulation.
    slip_weight : float
        Phase-slip weight ε of the adaptive protocol's SDP prior
        (:func:`slip_robust_prior`; 0 for the baselines and for results stored
        before it existed).
    cutoff : float or None
        High-frequency cutoff ``f_h`` (cycles per time unit) of phase noise
        (``'flicker_phase'``, ``'white_phase'``); None for frequency noise.
    time_multiples : tuple of int
        Candidate interrogation times, in multiples of ``interrogation_time``,
        from which every step chose (:mod:`.schedule`); empty for the
        constant-T clock.
    durations : ndarray, shape (R, M), optional
        Per run, the interrogation time T_n of every step (time units);
        ``interrogation_time`` everywhere for the constant-T clock (the default).
    truth : {'process', 'model'}
        Where the true frequencies came from: the full noise process (the
        default) or the clock's own truncated model (a diagnosis,
        :func:`simulate_adaptive_clock`).
    """

    atoms: int
    noise: str
    h: float
    interrogations: int
    memory: int
    protocol: str
    interrogation_time: float
    sdp_prior: str
    seed: int | None
    square_error: np.ndarray
    estimates: np.ndarray
    averaging_factors: np.ndarray
    allan_variance: np.ndarray
    frequencies: np.ndarray
    estimate_allan_variance: np.ndarray
    dropped_mass: np.ndarray
    seconds: float = 0.0
    slip_weight: float = 0.0
    cutoff: float | None = None
    time_multiples: tuple = ()
    durations: np.ndarray | None = None
    truth: str = "process"

    def __post_init__(self):
        if self.durations is None:
            object.__setattr__(self, "durations", np.full(self.square_error.shape, float(self.interrogation_time)))

    @property
    def times(self) -> np.ndarray:
        """Per run, the time t_n at which interrogation n ended (time units), shape (R, M)."""
        return np.cumsum(self.durations, axis=1)

    def square_error_at(self, times) -> np.ndarray:
        """Square error of each run at the given times (time units), shape (R, len(times)).

        The value at time t is that of the last interrogation that ended at or
        before t (the clock's report is updated only when an interrogation
        ends); for the constant-T clock at ``t = nT`` it is ``square_error[:, n−1]``.

        Parameters
        ----------
        times : array, shape (K,)
            Times t (time units since the first interrogation began).

        Returns
        -------
        ndarray, shape (R, K)
            rad² per time unit².

        Raises
        ------
        QClockError
            If a time lies before some run's first interrogation ended, or after
            the end of the shortest run.
        """
        times = check_finite_array(times, "times", ndim=1)
        ends = self.times
        tolerance = 1e-9 * float(self.interrogation_time)
        if times.size and (times.min() < ends[:, 0].max() - tolerance or times.max() > ends[:, -1].min() + tolerance):
            raise QClockError(f"times must lie in [{ends[:, 0].max():.6g}, {ends[:, -1].min():.6g}] (from the "
                              f"latest first interrogation to the end of the shortest run), got "
                              f"[{times.min():.6g}, {times.max():.6g}]")
        index = np.array([np.searchsorted(row, times + tolerance, side="right") - 1 for row in ends])
        return np.take_along_axis(self.square_error, index, axis=1)

    @property
    def runs(self) -> int:
        return int(self.square_error.shape[0])

    @property
    def steps(self) -> np.ndarray:
        """Interrogation index n = 1 … M."""
        return np.arange(1, self.interrogations + 1)

    @property
    def averaging_times(self) -> np.ndarray:
        """``mT`` (time units)."""
        return self.averaging_factors * self.interrogation_time

    @property
    def lost_lock(self) -> np.ndarray:
        """Per run, whether the frequency error ``|ω_n − ω*_n|`` ever exceeded π/(2T) (a phase slip)."""
        if not self.time_multiples:
            return np.abs(self.frequencies - self.estimates).max(axis=1) > math.pi / (2.0 * self.interrogation_time)
        return np.any(np.abs(self.frequencies - self.estimates) > math.pi / (2.0 * self.durations), axis=1)

    @property
    def slipped(self) -> np.ndarray:
        """Per run, whether the clock *ended* off lock: ``|ω_n − ω*_n|`` beyond π/(2T) averaged over the last
        :data:`_SLIP_WINDOW` interrogations (a phase slip it did not recover from).

        :attr:`lost_lock` also flags excursions of a step or two that the clock
        recovers from; ``slipped`` flags only runs locked onto a wrong fringe
        or alias at the end.
        """
        window = min(_SLIP_WINDOW, self.interrogations)
        error = np.abs(self.frequencies - self.estimates)[:, -window:].mean(axis=1)
        if not self.time_multiples:
            return error > math.pi / (2.0 * self.interrogation_time)
        return error > (math.pi / (2.0 * self.durations[:, -window:])).mean(axis=1)

    def select(self, runs) -> AdaptiveClockResult:
        """The result restricted to some runs (boolean mask or indices), e.g. ``~result.lost_lock``.

        Select the same runs of every result you compare: :func:`improvement`
        pairs results by seed and run count.

        Parameters
        ----------
        runs : array_like of bool or int
            Boolean mask over the R runs, or run indices.

        Returns
        -------
        AdaptiveClockResult
            A copy holding only those runs.

        Raises
        ------
        QClockError
            If no run is selected.
        """
        index = np.arange(self.runs)[np.asarray(runs)]
        if index.size == 0:
            raise QClockError("runs must select at least one run")
        return replace(self, **{name: getattr(self, name)[index] for name in _RUN_ARRAYS})

    @property
    def mean_square_error(self) -> np.ndarray:
        """Square frequency error vs step, averaged over the runs."""
        return self.square_error.mean(axis=0)

    @property
    def mean_allan_variance(self) -> np.ndarray:
        """Allan variance vs averaging time, averaged over the runs."""
        return self.allan_variance.mean(axis=0)

    def curves(self) -> dict:
        """Run-averaged curves with their standard errors (JSON-able).

        Returns
        -------
        dict
            ``step``, ``square_error`` and ``square_error_se`` (rad² per time
            unit², per step), ``averaging_time`` (units of T), ``allan_variance``
            and ``allan_variance_se`` (rad² per time unit²); standard errors over
            runs (0 for one run).
        """
        def spread(array: np.ndarray) -> list:
            if self.runs < 2:
                return [0.0] * array.shape[1]
            return (array.std(axis=0, ddof=1) / math.sqrt(self.runs)).tolist()

        return {"step": self.steps.tolist(), "square_error": self.mean_square_error.tolist(),
                "square_error_se": spread(self.square_error),
                "averaging_time": self.averaging_times.tolist(),
                "allan_variance": self.mean_allan_variance.tolist(),
                "allan_variance_se": spread(self.allan_variance)}

    @classmethod
    def concatenate(cls, parts) -> AdaptiveClockResult:
        """Join results of the same configuration run by run (e.g. chunks made with ``first_run``).

        Parameters
        ----------
        parts : iterable of AdaptiveClockResult
            Results of one configuration, in run order.

        Returns
        -------
        AdaptiveClockResult
            All their runs; ``seconds`` is the sum.

        Raises
        ------
        QClockError
            If ``parts`` is empty or the configurations differ.
        """
        parts = list(parts)
        if not parts or not all(isinstance(p, cls) for p in parts):
            raise QClockError("parts must be a non-empty sequence of AdaptiveClockResult")
        fields = ("atoms", "noise", "h", "interrogations", "memory", "protocol", "interrogation_time", "sdp_prior",
                  "seed", "slip_weight", "cutoff", "time_multiples", "truth")
        first = parts[0]
        for part in parts[1:]:
            if any(getattr(part, f) != getattr(first, f) for f in fields):
                raise QClockError("parts must share one configuration (atoms, noise, h, interrogations, memory, "
                                  "protocol, interrogation_time, sdp_prior, seed, slip_weight, cutoff, "
                                  "time_multiples, truth)")
        arrays = _RUN_ARRAYS
        joined = {name: np.concatenate([getattr(p, name) for p in parts]) for name in arrays}
        return cls(**{f: getattr(first, f) for f in fields}, averaging_factors=first.averaging_factors,
                   seconds=float(sum(p.seconds for p in parts)), **joined)

    def to_dict(self) -> dict:
        """Plain JSON-compatible data.

        Returns
        -------
        dict
            The object's data (JSON types only); :meth:`from_dict` reads it back.
        """
        return {"atoms": self.atoms, "noise": self.noise, "h": self.h, "interrogations": self.interrogations,
                "memory": self.memory, "protocol": self.protocol, "interrogation_time": self.interrogation_time,
                "sdp_prior": self.sdp_prior, "seed": self.seed, "square_error": self.square_error.tolist(),
                "estimates": self.estimates.tolist(), "averaging_factors": self.averaging_factors.tolist(),
                "allan_variance": self.allan_variance.tolist(), "dropped_mass": self.dropped_mass.tolist(),
                "frequencies": self.frequencies.tolist(),
                "estimate_allan_variance": self.estimate_allan_variance.tolist(),
                "seconds": self.seconds, "slip_weight": self.slip_weight, "cutoff": self.cutoff,
                **({"time_multiples": list(self.time_multiples), "durations": self.durations.tolist()}
                   if self.time_multiples else {}),
                **({"truth": self.truth} if self.truth != "process" else {})}

    @classmethod
    def from_dict(cls, data: Mapping) -> AdaptiveClockResult:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            A dictionary as written by :meth:`to_dict`.

        Returns
        -------
        AdaptiveClockResult
            The reconstructed object.
        """
        return cls(atoms=int(data["atoms"]), noise=canonical_noise(str(data["noise"])), h=float(data["h"]),
                   interrogations=int(data["interrogations"]), memory=int(data["memory"]),
                   protocol=str(data["protocol"]), interrogation_time=float(data["interrogation_time"]),
                   sdp_prior=str(data["sdp_prior"]), seed=None if data["seed"] is None else int(data["seed"]),
                   square_error=np.asarray(data["square_error"], float).reshape(-1, int(data["interrogations"])),
                   estimates=np.asarray(data["estimates"], float).reshape(-1, int(data["interrogations"])),
                   averaging_factors=np.asarray(data["averaging_factors"], int),
                   allan_variance=np.asarray(data["allan_variance"], float).reshape(
                       -1, len(data["averaging_factors"])),
                   frequencies=np.asarray(data["frequencies"], float).reshape(-1, int(data["interrogations"])),
                   estimate_allan_variance=np.asarray(data["estimate_allan_variance"], float).reshape(
                       -1, len(data["averaging_factors"])),
                   dropped_mass=np.asarray(data["dropped_mass"], float), seconds=float(data.get("seconds", 0.0)),
                   slip_weight=float(data.get("slip_weight", 0.0)),
                   cutoff=None if data.get("cutoff") is None else float(data["cutoff"]),
                   time_multiples=tuple(int(k) for k in data.get("time_multiples", ())),
                   durations=None if "durations" not in data else np.asarray(data["durations"], float).reshape(
                       -1, int(data["interrogations"])),
                   truth=str(data.get("truth", "process")))


def _seed_root(seed) -> tuple[np.random.SeedSequence, int | None]:
    """``SeedSequence`` whose children drive the runs, and the integer recorded as the result's seed."""
    if seed is None or (isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0):
        return np.random.SeedSequence(seed), None if seed is None else int(seed)
    if isinstance(seed, np.random.SeedSequence):
        plain = not seed.spawn_key and isinstance(seed.entropy, numbers.Integral)
        return seed, int(seed.entropy) if plain else None
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(int(seed.integers(0, 2**63))), None
    raise QClockError(f"seed must be None, an integer >= 0, a numpy SeedSequence or a numpy Generator, got {seed!r}")




def _check_adaptive_times(adaptive_times) -> tuple:
    """Validated candidate multiples of T (sorted tuple), or ``()`` for the constant-T clock."""
    if adaptive_times is None:
        return ()
    if isinstance(adaptive_times, (str, bytes)) or not hasattr(adaptive_times, "__iter__"):
        raise QClockError(f"adaptive_times must be None or a sequence of integer multiples of interrogation_time, "
                          f"got {adaptive_times!r}")
    values = list(adaptive_times)
    if (not values or any(isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1 for k in values)
            or len(set(values)) != len(values) or 1 not in values or max(values) > 16):
        raise QClockError(f"adaptive_times must be distinct integers from 1 to 16 including 1 (multiples of "
                          f"interrogation_time; 1 is the constant-T choice), got {values!r}")
    return tuple(sorted(int(k) for k in values))


@renamed_arguments(h="noise_strength")
def simulate_adaptive_clock(atoms: int, noise: str = "random_walk", noise_strength: float = 0.03,
                            interrogations: int = 100,
                            runs: int = 1, memory: int = 1, protocol: str = "adaptive", seed: int | None = None,
                            workers: int = 1, *, interrogation_time: float = 1.0,
                            sdp_prior: str = "gaussian", first_run: int = 0,
                            slip_weight: float | None = None, cutoff: float | None = None,
                            adaptive_times=None, truth: str = "process") -> AdaptiveClockResult:
    """Simulate ``runs`` independent running clocks (Mullan & Knill section VI; module docstring).

    Parameters
    ----------
    atoms : int
        N, 1 … :data:`~.sdp.MAX_ATOMS` (the SDP's limit; also applied to the baselines).
    noise : {'random_walk', 'flicker', 'flicker_phase', 'white_phase'}
        Random-walk FM (NIST α = −2; the paper's ``'brownian'`` is an alias),
        flicker FM (α = −1), or phase noise: flicker PM (α = 1), white PM
        (α = 2), the paper's α ∈ [1, 2]. The result records the package's name.
    noise_strength : float
        The paper's noise strength h (> 0; ``h`` is its deprecated name): kernel ``−(h/2)|s−s'|`` (Brownian) or
        ``−2h ln|s−s'|`` (flicker); :func:`nist_spectrum` gives the NIST ``h_α``.
    interrogations : int
        M ≥ 5, interrogations per run, each of duration ``interrogation_time``.
    runs : int
        R ≥ 1 independent runs.
    memory : int
        Frequencies the clock's noise model remembers (1 … :data:`~.tracking.MAX_MEMORY`).
    protocol : {'adaptive', 'ramsey', 'buzek'}
    seed : int, SeedSequence or Generator, optional
        Root of ``SeedSequence(seed)`` (a Generator draws the root's entropy);
        run r uses child r.
    workers : int
        Processes (≥ 1); the result does not depend on it.
    interrogation_time : float
        T (> 0) in the time unit of ``h`` (the paper uses T = 1).
    sdp_prior : {'gaussian', 'exact'}
        How the adaptive protocol's SDP sees the prior (module docstring).
    first_run : int
        Index of the first run (≥ 0): runs ``first_run … first_run + runs − 1``
        use those children of ``SeedSequence(seed)``, so a long job split into
        chunks and joined with :meth:`AdaptiveClockResult.concatenate` equals
        one call.
    slip_weight : float, optional
        ε in [0, 0.5]: the phase-slip hypothesis mixed into the adaptive
        protocol's (cached, ``sdp_prior='gaussian'``) SDP prior
        (:func:`slip_robust_prior`); default :data:`SLIP_WEIGHT` for
        ``'adaptive'``, 0 (not used) for the baselines. ε = 0 is the plain
        Gaussian prior, which loses the clock in rare runs.
    cutoff : float, optional
        High-frequency cutoff ``f_h > 0`` (cycles per time unit) of phase noise,
        required for ``'flicker_phase'`` and ``'white_phase'`` (whose window
        averages diverge without it; :mod:`.covariance`), refused for
        frequency noise.
    adaptive_times : sequence of int, optional
        Candidate interrogation times in multiples of ``interrogation_time``
        (distinct integers ≥ 1 including 1, e.g. ``(1, 2, 3)``): every step
        takes the one with the smallest expected posterior phase-variance
        increase per unit time (:func:`~.schedule.choose_interrogation_time`),
        with the noise model, tracking and truth for unequal windows; the
        adaptive protocol's programs are then taken on a 5× coarser lattice
        (module docstring). Default None: constant T (identical to the runs
        without this option).
    truth : {'process', 'model'}, optional
        ``'process'`` (default): the true frequencies are the exact Gaussian
        window averages of the noise process (full memory). ``'model'``: they
        are drawn from the clock's own truncated model, the autoregression of
        :func:`~.covariance.transition_law` on the last ``memory`` windows
        started from ``ω_0 = 0`` (:func:`model_truth_factor`) — a diagnosis
        that makes the model the clock tracks and optimises with exact, to
        separate a shortfall of the protocol from one of the truncated model
        (``benchmarks/adaptive_phase_noise.py --truth model``). Constant T
        only.

    Returns
    -------
    AdaptiveClockResult
        Square errors, estimates and Allan variances of every run.

    Raises
    ------
    QClockError
        If ``atoms`` exceeds :data:`~.sdp.MAX_ATOMS`, ``interrogation_time`` is not
        > 0, ``slip_weight`` is not in [0, 0.5], ``memory`` needs a tracking table
        larger than allowed, or another argument is out of range (the message
        names it).

    Notes
    -----
    With adaptive times the per-step arrays are indexed by interrogation, and
    :attr:`times` gives when each ended. ``square_error`` is then
    ``((E(θ_n|a_n) − θ_n)/t_n)²`` with ``t_n = Σ_{k≤n} T_k``: the square error
    of the cumulative average frequency the clock reports at time t_n, which it
    keeps until the next interrogation ends (:meth:`square_error_at`). The
    Allan variances are those of the corrected clock's frequency error as a
    function of time — ``ω_n − ω*_n`` held over window n — sampled in bins of
    the base time ``interrogation_time`` over the first M bins (every run
    lasts at least M base times), at averaging times m · ``interrogation_time``;
    for the constant-T clock this is eq. (11) as before.
    """
    atoms = check_atoms(atoms)
    if atoms > MAX_ATOMS:
        raise QClockError(f"atoms must be <= {MAX_ATOMS} (the interrogation SDP supports 1 to {MAX_ATOMS} atoms), "
                          f"got {atoms}")
    noise = canonical_noise(noise)
    nist_spectrum(noise, noise_strength)
    if noise in PHASE_NOISE_TYPES:
        cutoff = check_finite(cutoff, "cutoff") if cutoff is not None else None
        if cutoff is None or cutoff <= 0:
            raise QClockError(f"cutoff must be > 0 for phase noise {noise!r} (high-frequency cutoff f_h, cycles per "
                              f"time unit), got {cutoff}")
    elif cutoff is not None:
        raise QClockError(f"cutoff applies to phase noise ('flicker_phase', 'white_phase') only, got cutoff={cutoff!r} "
                          f"with noise {noise!r}")
    interrogations = check_int(interrogations, "interrogations", 5)
    runs = check_int(runs, "runs", 1)
    memory = check_int(memory, "memory", 1, MAX_MEMORY)
    check_choice(protocol, "protocol", CLOCK_PROTOCOLS)
    workers = check_int(workers, "workers", 1)
    check_choice(sdp_prior, "sdp_prior", SDP_PRIORS)
    period = check_finite(interrogation_time, "interrogation_time")
    if period <= 0:
        raise QClockError(f"interrogation_time must be > 0, got {period}")
    slip_weight = SLIP_WEIGHT if slip_weight is None else check_finite(slip_weight, "slip_weight")
    if not 0.0 <= slip_weight <= 0.5:
        raise QClockError(f"slip_weight must lie in [0, 0.5] (prior probability of a phase slip), got {slip_weight}")
    if protocol != "adaptive" or sdp_prior != "gaussian":
        slip_weight = 0.0  # only the cached adaptive programs use it
    multiples = _check_adaptive_times(adaptive_times)
    check_choice(truth, "truth", TRUTHS)
    if multiples and truth != "process":
        raise QClockError(f"truth={truth!r} applies to the constant-T clock only, got adaptive_times={adaptive_times!r}")
    if multiples and noise in PHASE_NOISE_TYPES:
        raise QClockError(f"adaptive_times applies to frequency noise ('random_walk', 'flicker') only, got noise "
                          f"{noise!r} (the unequal-window noise model has no phase-noise cutoff)")
    root, label = _seed_root(seed)
    if multiples:
        points = 2 * _adaptive_layout(nist_spectrum(noise, noise_strength), memory, period, multiples)[1] + 1
    else:
        points = 2 * _grid_layout(transition_law(nist_spectrum(noise, noise_strength), memory, period, cutoff=cutoff),
                                  period)[1] + 1
    if points ** (memory + 1) > _MAX_TABLE:
        allowed = max(k for k in range(MAX_MEMORY + 1) if k == 0 or points ** (k + 1) <= _MAX_TABLE)
        raise QClockError(f"memory must be <= {allowed} for this noise and h (the tracking grid has {points} "
                          f"frequencies; memory {memory} needs a table of {points}^{memory + 1} > {_MAX_TABLE:.0e} "
                          f"entries), got {memory}")
    config = {"atoms": atoms, "noise": noise, "h": float(noise_strength), "interrogations": interrogations,
              "memory": memory, "protocol": protocol, "interrogation_time": period, "sdp_prior": sdp_prior,
              "slip_weight": slip_weight}
    if cutoff is not None:
        config["cutoff"] = cutoff
    if multiples:
        config["time_multiples"] = multiples
    if truth != "process":
        config["truth"] = truth
    first_run = check_int(first_run, "first_run", 0)
    children = root.spawn(first_run + runs)[first_run:]
    arguments = [(config, child) for child in children]
    start = time.perf_counter()
    if workers == 1 or runs == 1:
        results = [_run_one(argument) for argument in arguments]
    else:
        # fresh interpreters: the SDP solver's thread pool does not survive fork (a forked worker can deadlock)
        with ProcessPoolExecutor(max_workers=min(workers, runs), mp_context=get_context("spawn")) as pool:
            results = list(pool.map(_run_one, arguments))
    seconds = time.perf_counter() - start
    factors = _allan_factors(interrogations)
    estimates = np.array([r["estimates"] for r in results])
    frequencies = np.array([r["frequencies"] for r in results])

    durations = np.array([r.get("durations", np.full(interrogations, period)) for r in results])

    def allan(rows):
        if multiples:  # held over each window, in bins of the base time (AdaptiveClockResult)
            rows = [np.repeat(row, np.rint(steps / period).astype(int))[:interrogations]
                    for row, steps in zip(rows, durations)]
        return np.array([overlapping_adev(row, period, taus=factors * period).sigma ** 2 for row in rows])

    return AdaptiveClockResult(atoms=atoms, noise=noise, h=float(noise_strength), interrogations=interrogations,
                               memory=memory, protocol=protocol, interrogation_time=period, sdp_prior=sdp_prior,
                               seed=label,
                               square_error=np.array([r["square_error"] for r in results]), estimates=estimates,
                               averaging_factors=factors, allan_variance=allan(frequencies - estimates),
                               frequencies=frequencies, estimate_allan_variance=allan(estimates),
                               dropped_mass=np.array([r["dropped"] for r in results]), seconds=seconds,
                               slip_weight=slip_weight, cutoff=cutoff, time_multiples=multiples,
                               durations=durations, truth=truth)


# ----------------------------------------------------------------------------- comparisons
def _gain(adaptive: np.ndarray, baseline: np.ndarray, paired: bool) -> tuple[float, float, float]:
    """``100 · mean_t (1 − Ā_t / B̄_t)``, its delta-method standard error over the runs, and the spread over t."""
    mean_a, mean_b = adaptive.mean(axis=0), baseline.mean(axis=0)
    per_time = 100.0 * (1.0 - mean_a / mean_b)
    value = float(np.mean(per_time))
    over_times = float(per_time.std(ddof=1) / math.sqrt(per_time.size)) if per_time.size > 1 else 0.0
    influence_a = ((adaptive - mean_a) / mean_b).mean(axis=1)
    influence_b = ((baseline - mean_b) * mean_a / mean_b**2).mean(axis=1)
    if paired:
        scores = influence_b - influence_a
        variance = scores.var(ddof=1) / scores.size if scores.size > 1 else 0.0
    else:
        variance = sum(x.var(ddof=1) / x.size if x.size > 1 else 0.0 for x in (influence_a, influence_b))
    return value, 100.0 * math.sqrt(variance), over_times


def improvement(adaptive: AdaptiveClockResult, baseline: AdaptiveClockResult, last: int = _LAST_STEPS) -> dict:
    """Improvement (%) of ``adaptive`` over ``baseline`` as in Mullan & Knill Table 1, with standard errors.

    ``square_error``: ``100 · mean_n (1 − Ē_A(n)/Ē_B(n))`` over the last ``last``
    steps; ``allan_variance``: the same over all averaging times. Ē are run
    averages. Standard errors by the delta method over runs; the runs are
    treated as paired (same noise traces) when both results share seed, run
    count and noise configuration, else as independent samples.

    Parameters
    ----------
    adaptive : AdaptiveClockResult
        Runs of the protocol whose gain is measured.
    baseline : AdaptiveClockResult
        Runs of the reference protocol (same configuration).
    last : int, optional
        Number of final steps averaged for the square error.

    Returns
    -------
    dict
        ``{"square_error": {"value": %, "se": %, "se_over_times": %}, "allan_variance": {...}}``:
        ``se`` is the standard error over runs; ``se_over_times`` the standard
        error of the mean of the per-time gains across the averaged steps (or
        averaging times), which measures how flat the gain is in time, not
        how well the runs determine it. Mullan & Knill's Table 1 errors
        (0.38–0.55 %) match the latter: with 200 paired runs the spread over
        the last twenty steps is ≈ 0.4–0.6 % while the run standard error is
        5–16 % (``benchmarks/adaptive_table1.py``).

    Raises
    ------
    TypeError
        If ``adaptive`` or ``baseline`` is not an AdaptiveClockResult.
    QClockError
        If they differ in the number of interrogations.
    """
    for result, name in ((adaptive, "adaptive"), (baseline, "baseline")):
        if not isinstance(result, AdaptiveClockResult):
            raise TypeError(f"{name} must be an AdaptiveClockResult, got {type(result).__name__}")
    if adaptive.interrogations != baseline.interrogations:
        raise QClockError(f"adaptive and baseline must have the same interrogations, got "
                          f"{adaptive.interrogations} and {baseline.interrogations}")
    last = check_int(last, "last", 1, adaptive.interrogations)
    paired = (adaptive.seed is not None and adaptive.seed == baseline.seed and adaptive.runs == baseline.runs
              and (adaptive.noise, adaptive.h, adaptive.interrogation_time, adaptive.cutoff)
              == (baseline.noise, baseline.h, baseline.interrogation_time, baseline.cutoff))
    square = _gain(adaptive.square_error[:, -last:], baseline.square_error[:, -last:], paired)
    allan = _gain(adaptive.allan_variance, baseline.allan_variance, paired)
    return {"square_error": {"value": square[0], "se": square[1], "se_over_times": square[2]},
            "allan_variance": {"value": allan[0], "se": allan[1], "se_over_times": allan[2]}}


@renamed_arguments(h="noise_strength")
def compare_protocols(atoms: int, noise: str = "random_walk", noise_strength: float = 0.03,
                      interrogations: int = 100, runs: int = 1, memory: int = 1, seed: int | None = 0, workers: int = 1,
                      **options) -> dict:
    """Run the three protocols on the same noise traces and the Table 1 improvements.

    Mullan & Knill, Phys. Rev. A 90, 042310 (2014), Table 1.

    Parameters
    ----------
    atoms : int
        Number of atoms N.
    noise : {'random_walk', 'flicker'}, optional
        LO noise type (``'brownian'`` is accepted for random walk).
    noise_strength : float, optional
        Noise strength h in the paper's normalisation (:func:`simulate_adaptive_clock`);
        ``h`` is its deprecated name.
    interrogations : int, optional
        Interrogations M per run.
    runs : int, optional
        Runs R per protocol.
    memory : int, optional
        Frequencies remembered by the truncated noise model.
    seed : int or None, optional
        Root seed; the same for all three protocols, so their noise traces agree.
    workers : int, optional
        Worker processes.
    **options
        Further options of :func:`simulate_adaptive_clock` (``sdp_prior``,
        ``slip_weight``, ...).

    Returns
    -------
    dict
        :func:`summarise_protocols` of the three results: ``results``,
        ``improvement`` (adaptive over ``'ramsey'`` and ``'buzek'``), the
        lost-lock counts and the improvements without the lost runs.
    """
    results = {name: simulate_adaptive_clock(atoms, noise, noise_strength, interrogations, runs, memory, name, seed,
                                             workers, **options) for name in CLOCK_PROTOCOLS}
    return summarise_protocols(results)


def summarise_protocols(results: Mapping) -> dict:
    """Table 1 statistics of paired results: improvements with and without the runs that lost lock.

    Parameters
    ----------
    results : mapping
        ``{protocol: AdaptiveClockResult}`` for every name of
        :data:`CLOCK_PROTOCOLS`, run on the same noise traces (same seed and
        run count).

    Returns
    -------
    dict
        ``results`` (the input), ``improvement`` (:func:`improvement` of the
        adaptive protocol over ``'ramsey'`` and ``'buzek'`` over all runs),
        ``lost_lock_runs`` (per protocol, runs whose frequency error ever
        exceeded π/(2T), :attr:`AdaptiveClockResult.lost_lock`), ``slipped_runs``
        (per protocol, runs that ended off lock, :attr:`AdaptiveClockResult.slipped`),
        ``lost_lock_any`` (runs lost by at least one protocol) and
        ``improvement_without_lost_lock`` (the improvements over the runs no
        protocol lost; ``None`` when every run or none was lost — then it
        would be empty or equal ``improvement``).

    Raises
    ------
    QClockError
        If a protocol's result is missing, or the results differ in their number
        of runs.
    """
    missing = [name for name in CLOCK_PROTOCOLS if not isinstance(results.get(name), AdaptiveClockResult)]
    if missing:
        raise QClockError(f"results must hold an AdaptiveClockResult for {', '.join(CLOCK_PROTOCOLS)}; "
                          f"missing {', '.join(missing)}")
    if len({results[name].runs for name in CLOCK_PROTOCOLS}) != 1:
        raise QClockError("results must hold the same number of (paired) runs for every protocol")
    lost = np.any([results[name].lost_lock for name in CLOCK_PROTOCOLS], axis=0)
    baselines = ("ramsey", "buzek")
    without = None
    if lost.any() and not lost.all():
        kept = {name: results[name].select(~lost) for name in CLOCK_PROTOCOLS}
        without = {name: improvement(kept["adaptive"], kept[name]) for name in baselines}
    return {"results": dict(results),
            "improvement": {name: improvement(results["adaptive"], results[name]) for name in baselines},
            "lost_lock_runs": {name: int(results[name].lost_lock.sum()) for name in CLOCK_PROTOCOLS},
            "slipped_runs": {name: int(results[name].slipped.sum()) for name in CLOCK_PROTOCOLS},
            "lost_lock_any": int(lost.sum()), "improvement_without_lost_lock": without}
