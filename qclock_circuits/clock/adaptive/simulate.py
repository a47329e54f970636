"""The running adaptive clock of Mullan & Knill, Phys. Rev. A 90, 042310 (2014), section VI: Monte-Carlo runs, square frequency error, Allan variance.

One run (constant interrogation time T, no dead time, Mullan & Knill procedure steps 1–6):

1. the true Ramsey-window frequencies ``ω_1 … ω_M`` (rad per time unit) are drawn from
   their exact joint Gaussian law relative to the known ``ω_0 = 0``
   (:func:`~.window_averages.clock_covariance`, eq. 1–2: one Cholesky factor per
   configuration). This is exact for both spectra used here — the
   window averages of a power-law Gaussian process are jointly Gaussian with
   this covariance — whereas :class:`~qclock_circuits.clock.noise.LocalOscillatorNoise`
   builds flicker noise from a finite ladder of Ornstein–Uhlenbeck terms (an
   approximation over a band); the truth here has the full, untruncated
   memory, the clock's model only the last ``memory`` frequencies;
2. for each interrogation: :func:`~.tracking.predict` (truncated noise model
   :func:`~.prediction_laws.transition_law`), the interrogation of the protocol,
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
  quantised (width on a logarithmic grid of ratio :data:`~.interrogation_programs.WIDTH_RATIO`, slope
  in steps of :data:`~.interrogation_programs.SLOPE_STEP`) and the solutions cached per process. Only
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
ever exceeded π/(2T) (:attr:`~.clock_result.AdaptiveClockResult.lost_lock`);
:func:`~.improvements.summarise_protocols` counts such runs and gives the Table 1
improvements with and without them. With the plain Gaussian SDP prior the
two-atom adaptive protocol loses about one run in a hundred under Brownian
noise (h = 0.03) while Ramsey loses none: for narrow priors its optimal probe
is the NOON-like ``(|0⟩ + |2⟩)/√2``, whose outcome law is π-periodic in φ, so
a frequency error drifting past π/(2T) lands on the alias π/T away
(:func:`~.interrogation_programs.slip_robust_prior`). The default prior therefore mixes in a
phase-slip hypothesis of weight :data:`~.interrogation_programs.SLIP_WEIGHT` (1 %; 0.3 % does not
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
``interrogation_time`` (:class:`~.clock_result.AdaptiveClockResult`). Without the option the
constant-T code path runs unchanged (same seed, same numbers bit for bit).

Noise strength: the paper's ``h`` is its kernel scale factor,
``Cov(ω(s), ω(s')) = −(h/2)|s − s'|`` for Brownian (random-walk FM, NIST
α = −2) and ``−2h ln|s − s'|`` for 1/f (flicker FM, α = −1). In the project's
one-sided NIST spectrum ``S_ω(f) = h_α f^α`` that is ``h_{−2} = h / (2π²)`` and
``h_{−1} = 2h`` (:func:`~.paper_noise.nist_spectrum`). Time is measured in units of the
paper's time unit, in which ``T = 1`` (``interrogation_time``); ω in rad per
that unit, phases in rad.

Runs: run r uses child r of ``SeedSequence(seed)``, split into a noise stream
and an outcome stream; the noise trace of run r is the same for every
protocol (paired comparisons), and the result does not depend on ``workers``.

Where the parts live: noise words and the paper's h as NIST spectra in
:mod:`.paper_noise`; the cached SDP programs and the interrogation chosen per
prediction in :mod:`.interrogation_programs`; one run (truth, tracking grid,
recentring, adaptive times) in :mod:`.clock_run`; :class:`~.clock_result.AdaptiveClockResult`
in :mod:`.clock_result`; the Table 1 statistics in :mod:`.improvements`. This
module holds the entry points :func:`simulate_adaptive_clock` and
:func:`compare_protocols` and re-exports the public names of those modules.
"""

from __future__ import annotations

import numbers
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import numpy as np

from ..._deprecation import renamed_arguments, renamed_attributes
from ..._names import NOISE_ALIASES, SDP_PRIORS
from ..._validation import QClockError, check_atoms, check_choice, check_finite, check_int
from ..allan import overlapping_adev
from .clock_result import AdaptiveClockResult, _allan_factors
from .clock_run import TRUTHS, _MAX_TABLE, _adaptive_layout, _grid_layout, _run_one, model_truth_factor
from .covariance import PHASE_NOISE_TYPES, transition_law
from .improvements import PAPER_TABLE1, improvement, summarise_protocols
from .interrogation_programs import (
    CLOCK_PROTOCOLS,
    SDP_STORE_VARIABLE,
    SLIP_WEIGHT,
    SLOPE_STEP,
    WIDTH_RATIO,
    slip_robust_prior,
)
from .paper_noise import PAPER_NOISE_TYPES, canonical_noise, nist_spectrum, oscillator_noise
from .sdp import MAX_ATOMS
from .timing import MAX_JITTER_FRACTION, MIN_ATOMIC_PHASE, TimingErrors
from .tracking import MAX_MEMORY

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
__getattr__ = renamed_attributes(__name__, globals(), {"SEED_NOISE_TYPES": "PAPER_NOISE_TYPES",
                                                      "SEED_TABLE1": "PAPER_TABLE1"})


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
                            adaptive_times=None, truth: str = "process",
                            timing: TimingErrors | None = None) -> AdaptiveClockResult:
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
        ``−2h ln|s−s'|`` (flicker); :func:`~.paper_noise.nist_spectrum` gives the NIST ``h_α``.
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
        chunks and joined with :meth:`~.clock_result.AdaptiveClockResult.concatenate` equals
        one call.
    slip_weight : float, optional
        ε in [0, 0.5]: the phase-slip hypothesis mixed into the adaptive
        protocol's (cached, ``sdp_prior='gaussian'``) SDP prior
        (:func:`~.interrogation_programs.slip_robust_prior`); default :data:`~.interrogation_programs.SLIP_WEIGHT` for
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
        :func:`~.prediction_laws.transition_law` on the last ``memory`` windows
        started from ``ω_0 = 0`` (:func:`~.clock_run.model_truth_factor`) — a diagnosis
        that makes the model the clock tracks and optimises with exact, to
        separate a shortfall of the protocol from one of the truncated model
        (``benchmarks/adaptive_phase_noise.py --truth model``). Constant T
        only.
    timing : TimingErrors, optional
        Imperfect interrogation durations and the strategy that handles them
        (Mullan & Knill appendix D, :class:`~.timing.TimingErrors`): every
        end is timed by the LO phase for the predicted mean frequency and off
        by a random δ; the atoms see the strategy's phase error ε on top
        (:func:`~.timing.timed_phases`), which the tracking does not know.
        The δ come from a third random stream of each run, so the noise traces
        and outcome streams stay those of the run without timing errors.
        Constant T only, ``Ω T ≥`` :data:`~.timing.MIN_ATOMIC_PHASE` (the grid
        reaches several π/T) and jitter ≤ :data:`~.timing.MAX_JITTER_FRACTION`
        T. Default None: perfect timing.

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
    if timing is not None:
        if not isinstance(timing, TimingErrors):
            raise QClockError(f"timing must be a TimingErrors or None, got {timing!r}")
        if multiples:
            raise QClockError(f"timing applies to the constant-T clock only, got adaptive_times={adaptive_times!r}")
        if timing.atomic_frequency * period < MIN_ATOMIC_PHASE:
            raise QClockError(f"timing.atomic_frequency must be >= {MIN_ATOMIC_PHASE:g}/interrogation_time "
                              f"(= {MIN_ATOMIC_PHASE / period:g} rad per time unit) so that every frequency the "
                              f"tracking grid holds keeps the LO running forwards (ω + Ω > 0), got "
                              f"{timing.atomic_frequency:g}")
        if timing.jitter > MAX_JITTER_FRACTION * period:
            raise QClockError(f"timing.jitter must be <= {MAX_JITTER_FRACTION:g} interrogation_time "
                              f"(= {MAX_JITTER_FRACTION * period:g} time units), got {timing.jitter:g}")
        config["timing"] = timing.to_dict()
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
                               durations=durations, truth=truth, timing=timing,
                               phase_errors=np.array([r.get("phase_errors", np.full(interrogations, np.nan))
                                                      for r in results]))


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
        :func:`~.improvements.summarise_protocols` of the three results: ``results``,
        ``improvement`` (adaptive over ``'ramsey'`` and ``'buzek'``), the
        lost-lock counts and the improvements without the lost runs.
    """
    results = {name: simulate_adaptive_clock(atoms, noise, noise_strength, interrogations, runs, memory, name, seed,
                                             workers, **options) for name in CLOCK_PROTOCOLS}
    return summarise_protocols(results)
