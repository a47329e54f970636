"""Monte-Carlo runs of the closed clock loop (Kielinski & Hammerer, arXiv:2505.04287 (2025), sec. IV, appendix A5C).

:func:`simulate_clock` runs one clock: LO noise generated block by block
(:mod:`.noise`), the feedback loop (:mod:`.loop`), the Allan deviation of the
stabilised frequency (:mod:`.allan`) and its long-τ value extrapolated to
τ = 1 in the dimensionless units ``σ_y(τ) ω0 √(τZ)`` (units of Z). :func:`simulate_clocks`
runs many independent clocks: run i uses the i-th child of
``SeedSequence(seed)``, so serial and parallel execution give the same numbers,
and with ``out=`` every finished run is written to disk at once and reused
when the job is started again.
"""

from __future__ import annotations

import warnings

import json
import math
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np

from .._progress import progress_callback
from .._units import TimeUnit
from .._validation import QClockError, check_choice, check_cycle_times, check_finite, check_int, check_seed
from ..bayes import GaussianPrior, bmse, estimator_table, prior_width as model_prior_width
from ..bayes.estimators import EstimatorWarning
from .allan import AllanResult, long_tau_fit, overlapping_adev
from .loop import Integrator, LinearPredictor, LoopState, run_loop_block
from .noise import LocalOscillatorNoise
from .sampling import OutcomeTable

__all__ = ["ClockRun", "simulate_clock", "simulate_clocks", "summarize_runs", "predictor_for", "loop_time_constant",
           "estimator_slope", "clock_run_point", "check_clock_run", "MAX_CYCLES"]

_MAX_TRACE = 1 << 24  # stabilised-frequency samples kept for the Allan deviation
#: Most cycles one run accepts: the loop runs about 10⁶–10⁷ cycles/s per core (benchmarks/RESULTS.md), so 10¹⁰
#: cycles is already hours; longer runs are better split into independent runs.
MAX_CYCLES = 10**10


@dataclass
class ClockRun:
    """Result of one simulated clock (times in units of Z, or in seconds when ``time_unit`` is ``'s'``).

    ``adev`` is the Allan deviation of ω Z = y ω0 Z (dimensionless) at
    averaging times ``adev.tau`` in ``time_unit``; ``sigma_scaled`` is
    σ_y(τ) ω0 √(τZ) (dimensionless): both are the same numbers in either unit.

    Parameters
    ----------
    protocol : str
        Name of the protocol run.
    atoms : int
        Number of atoms N.
    interrogation_time : float
        Dark time T (in ``time_unit``).
    dead_time : float
        Dead time T_D (in ``time_unit``).
    noise : dict
        The LO, as ``LocalOscillatorNoise.to_dict()``.
    estimator : str
        Estimator name (``"bayes"``, ``"linear"``, ``"arcsin"``).
    prior_width : float
        Prior width δφ of the estimator (rad).
    servo : dict
        The servo, as its ``to_dict()``.
    cycles : int
        Number of clock cycles simulated.
    seed : str
        The seed used (its text form, for the record).
    adev : AllanResult
        Overlapping Allan deviation of the stabilised frequency (τ in units of
        Z, σ in rad per Z, i.e. σ_y(τZ) ω0 Z).
    sigma_scaled : float
        Dimensionless stability σ_y(τ) ω0 √(τZ) from the long-τ fit
        (Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (29)).
    fringe_hops : int
        Number of fringe hops detected.
    hop_cycles : list of int, optional
        Cycles at which hops were detected.
    phase_rms : float, optional
        RMS of the residual Ramsey phase (rad).
    wall_time : float, optional
        Wall time of the run (s).
    loop_time_constant : float, optional
        Time constant of the locked loop (cycles).
    fit_min_tau : float, optional
        Shortest τ used in the long-τ fit (in ``time_unit``).
    time_unit : {'Z', 's'}, optional
        Unit of ``interrogation_time``, ``dead_time``, ``fit_min_tau`` and
        ``adev.tau``: the laser coherence time Z (default) or seconds.
    """

    protocol: str
    atoms: int
    interrogation_time: float
    dead_time: float
    noise: dict
    estimator: str
    prior_width: float
    servo: dict
    cycles: int
    seed: str
    adev: AllanResult
    sigma_scaled: float
    fringe_hops: int
    hop_cycles: list = field(default_factory=list)
    phase_rms: float = 0.0
    wall_time: float = 0.0
    loop_time_constant: float = 0.0
    fit_min_tau: float = 0.0
    #: Unit of ``interrogation_time``, ``dead_time``, ``fit_min_tau`` and ``adev.tau``: ``'Z'`` or ``'s'``.
    time_unit: str = "Z"

    @property
    def hopped(self) -> bool:
        return self.fringe_hops > 0

    @property
    def lost_lock(self) -> bool:
        """True when the residual phase spread exceeds π/2: the loop no longer holds the fringe."""
        return self.phase_rms > np.pi / 2

    @property
    def settled(self) -> bool:
        """True when the long-τ fit spans at least two octaves beyond 20 loop time constants."""
        return bool(len(self.adev.tau) and 4 * self.fit_min_tau <= self.adev.tau[-1] * (1 + 1e-9))

    def to_dict(self) -> dict:
        """Plain JSON-compatible data.

        Returns
        -------
        dict
            One entry per field, ``adev`` as its ``to_dict()``.
        """
        data = dict(self.__dict__)
        data["adev"] = self.adev.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "ClockRun":
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : dict
            A dictionary as written by :meth:`to_dict`.

        Returns
        -------
        ClockRun
            The run.
        """
        data = dict(data)
        data["adev"] = AllanResult.from_dict(data["adev"])
        return cls(**data)


def _resolve_noise(noise, dead_time) -> tuple[LocalOscillatorNoise, str | None]:
    if isinstance(noise, LocalOscillatorNoise):
        return noise, None
    if isinstance(noise, str):
        return LocalOscillatorNoise.from_coherence_time(noise, dead_time), noise
    raise QClockError(f"noise must be 'white', 'flicker', 'random_walk' or a LocalOscillatorNoise, got {noise!r}")


def predictor_for(noise: LocalOscillatorNoise, interrogation_time: float, dead_time: float,
                  measurement_variance: float, history: int = 50, delay: int = 0, cycles: int = 1 << 17,
                  seed=None) -> LinearPredictor:
    """Linear predictor whose coefficients come from the noise model.

    The variogram of the Ramsey-window means is estimated from a simulated
    free-running trace of ``cycles`` cycles of ``noise`` (exact generator),
    then :meth:`LinearPredictor.from_variogram` solves the kriging system.

    Parameters
    ----------
    noise : LocalOscillatorNoise
        The free-running LO.
    interrogation_time : float
        Dark time T (units of Z, > 0).
    dead_time : float
        Dead time T_D (units of Z, ≥ 0).
    measurement_variance : float
        Variance of a measured frequency ((rad per Z)², e.g. BMSE/T²).
    history : int, optional
        Number of past measurements the prediction uses.
    delay : int, optional
        Servo delay (whole cycles).
    cycles : int, optional
        Length of the simulated trace used for the variogram.
    seed : None, int, SeedSequence or Generator, optional
        Source of randomness of that trace.

    Returns
    -------
    LinearPredictor
        The predictor.
    """
    ramsey, _, _ = noise.generate(cycles, interrogation_time, dead_time, seed=seed)
    lags = np.arange(history + delay + 1)
    variogram = np.array([0.0] + [0.5 * np.mean((ramsey[h:] - ramsey[:-h]) ** 2) for h in lags[1:]])
    return LinearPredictor.from_variogram(variogram, measurement_variance, history, delay)


def estimator_slope(protocol, estimates) -> float:
    """``s = Σ_x φ_est(x) ∂_φP(x|φ)|_{φ=0}``: the fraction of a small phase error one estimate returns.

    Parameters
    ----------
    protocol : RamseyProtocol
        The protocol (its likelihood P(x|φ)).
    estimates : array_like, shape (n_outcomes,)
        Phase estimate (rad) per outcome.

    Returns
    -------
    float
        The slope s (dimensionless; 1 for an unbiased estimator).
    """
    coefficients = protocol._fourier_coefficients
    lags = np.arange(-protocol.atoms, protocol.atoms + 1)
    return float(np.real(np.asarray(estimates) @ (coefficients @ (1j * lags))))


def loop_time_constant(protocol, estimates, servo) -> float:
    """Time constant of the locked loop in cycles, from the estimator's slope s at φ = 0.

    An integrator of gain g corrects ``g s`` of a phase error per cycle (time
    constant ``1/(g s)``); the predictor works on de-biased measurements
    (``φ_est/s``) and follows within about its ``history`` cycles.

    Parameters
    ----------
    protocol : RamseyProtocol
        The protocol.
    estimates : array_like, shape (n_outcomes,)
        Phase estimate (rad) per outcome.
    servo : Integrator or LinearPredictor
        The feedback.

    Returns
    -------
    float
        The time constant (cycles).
    """
    slope = estimator_slope(protocol, estimates)
    if slope <= 1e-12:
        return float("inf")
    if isinstance(servo, LinearPredictor):
        return float(servo.history)
    return 1.0 / (servo.gain * slope)


def _build_servo(servo, noise, interrogation_time, dead_time, measurement_variance, seed):
    if isinstance(servo, (Integrator, LinearPredictor)):
        return servo
    check_choice(servo, "servo", ("integrator", "predictor"))
    if servo == "integrator":
        return Integrator(1.0)
    return predictor_for(noise, interrogation_time, dead_time, measurement_variance, seed=seed)


def _seed_label(seed) -> str:
    if isinstance(seed, np.random.SeedSequence):
        return f"entropy={seed.entropy},spawn_key={list(seed.spawn_key)}"
    return repr(seed)


def simulate_clock(protocol, interrogation_time: float, dead_time: float = 0.0, noise="flicker",
                   cycles: int = 1_000_000, estimator: str = "bayes", prior_width: float | None = None,
                   servo="integrator", seed=None, block_size: int = 1 << 20, min_tau: float | None = None,
                   progress=None, keep_trace: bool = False, *, coherence_time: float | None = None):
    """Simulate one clock.

    Parameters
    ----------
    protocol : RamseyProtocol
        The interrogation protocol.
    interrogation_time, dead_time : float
        T > 0 and T_D ≥ 0 in units of the laser coherence time Z, or in
        seconds with ``coherence_time``.
    noise : str or LocalOscillatorNoise
        Noise type ('white', 'flicker', 'random_walk') at the level of eq. (30), or an explicit LO.
    cycles : int
        Number of clock cycles (≥ 3).
    estimator : {'bayes', 'linear', 'arcsin'}
        Estimator table, built for a Gaussian prior of width ``prior_width``.
    prior_width : float, optional
        δφ of the estimator's prior; default: eqs. (31), (42)–(43) for a named noise type.
    servo : 'integrator', 'predictor', Integrator or LinearPredictor
        The feedback; ``'predictor'`` builds one from the noise model
        (:func:`predictor_for`).
    seed : None, int or SeedSequence
        Source of randomness (LO trace and outcomes).
    block_size : int
        Cycles simulated per block (memory stays O(block_size)).
    min_tau : float, optional
        Shortest τ (units of Z) used in the long-τ fit; default the longer of
        50 cycles and 20 loop time constants (:func:`loop_time_constant`), so
        that the fit sees the locked clock rather than the free-running LO.
    progress : bool or callable, optional
        ``True``: a progress display on stderr (tqdm bar with ETA on a
        terminal, a line every 10 % otherwise; :mod:`qclock_circuits._progress`);
        a callable: ``progress(done_cycles, cycles)`` after every block;
        ``None``/``False`` (default): none.
    keep_trace : bool
        Also return the stabilised-frequency and residual-phase traces.
    coherence_time : float, optional
        The laser coherence time Z in seconds (the package's unit rule): the
        times given (``interrogation_time``, ``dead_time``, ``min_tau``) are in
        seconds and the run's times come back in seconds (``time_unit``
        ``'s'``); the run itself, and every dimensionless number of it, is the
        same as the run given in units of Z.

    Returns
    -------
    ClockRun or tuple of (ClockRun, dict)
        The run; with ``keep_trace`` also a dict of the stabilised-frequency
        (rad per Z) and residual-phase (rad) traces.

    Raises
    ------
    QClockError
        If ``cycles`` is not an integer in [3, MAX_CYCLES], ``min_tau`` is not > 0,
        the estimator is unknown, ``prior_width`` is missing for an explicit LO,
        the estimator does not respond to the phase (predictor servo), or the
        servo delay is not shorter than the run.

    Notes
    -----
    The closed loop of Kielinski & Hammerer, arXiv:2505.04287 (2025), appendix A5C.
    """
    if coherence_time is not None:
        unit = TimeUnit(coherence_time)
        interrogation_time, dead_time = check_cycle_times(interrogation_time, dead_time)
        out = simulate_clock(protocol, unit.to_z(interrogation_time), unit.to_z(dead_time), noise, cycles, estimator,
                             prior_width, servo, seed, block_size, unit.to_z(min_tau), progress, keep_trace)
        run, traces = out if keep_trace else (out, None)
        run.interrogation_time, run.dead_time = unit.from_z(run.interrogation_time), unit.from_z(run.dead_time)
        run.fit_min_tau, run.time_unit = unit.from_z(run.fit_min_tau), unit.unit
        run.adev = replace(run.adev, tau=unit.from_z(run.adev.tau), tau0=unit.from_z(run.adev.tau0))
        return (run, traces) if keep_trace else run
    started = time.perf_counter()
    interrogation_time, dead_time = check_cycle_times(interrogation_time, dead_time)
    if isinstance(cycles, bool) or not isinstance(cycles, (int, np.integer)) or cycles < 3:
        raise QClockError(f"cycles must be an integer >= 3 (the Allan deviation needs three samples), got {cycles!r}")
    if cycles > MAX_CYCLES:
        raise QClockError(f"cycles must be <= {MAX_CYCLES:.0e} (the loop runs about 1e6-1e7 cycles/s per core, so "
                          f"this run would take days); split it into independent runs, got {cycles}")
    block_size = check_int(block_size, "block_size", 1)
    if min_tau is not None:
        min_tau = check_finite(min_tau, "min_tau")
        if min_tau <= 0:
            raise QClockError(f"min_tau must be > 0 (units of Z) or None, got {min_tau}")
    check_choice(estimator, "estimator", ("bayes", "linear", "arcsin"))
    lo, noise_name = _resolve_noise(noise, dead_time)
    if prior_width is None:
        if noise_name is None:
            raise QClockError("prior_width must be given for an explicit LocalOscillatorNoise")
        prior_width = model_prior_width(interrogation_time, noise_name, dead_time)
    prior = GaussianPrior(prior_width)
    check_seed(seed)
    if isinstance(seed, np.random.Generator):
        seed = np.random.SeedSequence(int(seed.integers(0, 2**63)))
    sequence = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    noise_seed, outcome_seed, servo_seed = sequence.spawn(3)
    estimates = estimator_table(protocol, prior, estimator)
    servo_estimates = estimates
    measurement_variance = bmse(protocol, prior, estimator) / interrogation_time**2
    if servo == "predictor" or isinstance(servo, LinearPredictor):
        # the predictor needs unbiased measurements of the LO frequency: undo the estimator's shrinkage
        slope = estimator_slope(protocol, estimates)
        if slope <= 1e-12:
            raise QClockError(f"the {estimator} estimator of {protocol.name} does not respond to the phase at φ = 0; "
                              "the predictor servo cannot be used")
        servo_estimates = estimates / slope
        with warnings.catch_warnings():
            # an unbiased estimator is meant to have a larger BMSE than the shrunk one, even above the prior's
            # variance at narrow priors: that is the noise the predictor is told about, not a mistake
            warnings.simplefilter("ignore", EstimatorWarning)
            measurement_variance = bmse(protocol, prior, servo_estimates) / interrogation_time**2
    servo = _build_servo(servo, lo, interrogation_time, dead_time, measurement_variance, servo_seed)
    if servo.delay >= cycles:
        raise QClockError(f"the servo delay ({servo.delay} cycles) must be shorter than the run ({cycles} cycles)")
    table = OutcomeTable.from_likelihood(protocol)
    state = LoopState.initial(servo)
    outcome_rng = np.random.default_rng(outcome_seed)
    binning = 1
    while cycles // binning > _MAX_TRACE:
        binning *= 2
    kept = []
    phases = [] if keep_trace else None
    hop_cycles: list[int] = []
    hops = 0
    phase_square = 0.0
    done = 0
    progress, close_progress = progress_callback(progress, cycles, "simulate_clock", "cycles")
    for ramsey, dead in lo.iter_blocks(cycles, block_size, interrogation_time, dead_time, seed=noise_seed):
        frequency, phase, _, hop = run_loop_block(ramsey, dead, outcome_rng.random(ramsey.shape[0]), table,
                                                  servo_estimates, interrogation_time, dead_time, servo, state)
        flagged = np.flatnonzero(hop)
        hops += flagged.size
        hop_cycles.extend((done + flagged[: max(0, 100 - len(hop_cycles))]).tolist())
        phase_square += float(phase @ phase)
        usable = frequency.shape[0] - frequency.shape[0] % binning
        kept.append(frequency[:usable].reshape(-1, binning).mean(axis=1))
        if keep_trace:
            phases.append(phase)
        done += ramsey.shape[0]
        if progress is not None:
            progress(done, cycles)
    close_progress()
    trace = np.concatenate(kept)
    cycle_time = interrogation_time + dead_time
    adev = overlapping_adev(trace, cycle_time * binning)
    time_constant = loop_time_constant(protocol, servo_estimates, servo)
    fit_from = max(50.0, 20.0 * time_constant) * cycle_time if min_tau is None else min_tau
    fit_from = min(max(fit_from, cycle_time * binning), float(adev.tau[-1]))
    sigma_scaled = long_tau_fit(adev, min_tau=fit_from, model="white+transient")
    run = ClockRun(protocol=protocol.name, atoms=protocol.atoms, interrogation_time=interrogation_time,
                   dead_time=dead_time, noise={"type": noise_name, "h": {str(k): v for k, v in lo.h.items()}},
                   estimator=estimator, prior_width=float(prior_width), servo=servo.to_dict(), cycles=int(cycles),
                   seed=_seed_label(sequence), adev=adev, sigma_scaled=float(sigma_scaled), fringe_hops=int(hops),
                   hop_cycles=hop_cycles, phase_rms=float(np.sqrt(phase_square / cycles)),
                   wall_time=time.perf_counter() - started, loop_time_constant=float(time_constant),
                   fit_min_tau=float(fit_from))
    if keep_trace:
        return run, {"frequency": trace, "phase": np.concatenate(phases), "binning": binning}
    return run


def clock_run_point(point: dict) -> dict:
    """Run ``point['run']`` of a :func:`simulate_clocks` job; plain data in and out (a runtime sweep function).

    ``point``: ``{"protocol": RamseyProtocol dict, "options": simulate_clock options, "seed": root seed (int or
    list of int), "run": i}``; run i uses child i of ``SeedSequence(seed)``.

    Parameters
    ----------
    point : dict
        The sweep point, as above.

    Returns
    -------
    dict
        :meth:`ClockRun.to_dict` of the run.
    """
    from ..protocols import RamseyProtocol

    child = np.random.SeedSequence(point["seed"], spawn_key=(int(point["run"]),))
    return simulate_clock(RamseyProtocol.from_dict(point["protocol"]), seed=child, **point["options"]).to_dict()


def check_clock_run(point: dict, result: dict) -> None:
    """Schema and range check of a stored :func:`clock_run_point` result.

    Parameters
    ----------
    point : dict
        The sweep point.
    result : dict
        The stored result of that point.

    Raises
    ------
    QClockError, TypeError, KeyError
        Naming the first bad entry.
    """
    run = ClockRun.from_dict(result)
    if run.cycles != point["options"]["cycles"] or run.atoms != point["protocol"]["atoms"]:
        raise QClockError(f"the run has {run.cycles} cycles and N = {run.atoms}, the job "
                          f"{point['options']['cycles']} and N = {point['protocol']['atoms']}")
    if not (math.isfinite(run.sigma_scaled) and run.sigma_scaled > 0):
        raise QClockError(f"sigma_scaled must be finite and > 0, got {run.sigma_scaled}")
    if not (math.isfinite(run.phase_rms) and run.phase_rms >= 0) or run.fringe_hops < 0:
        raise QClockError(f"phase_rms ({run.phase_rms}) and fringe_hops ({run.fringe_hops}) must be >= 0")
    if run.adev.tau.shape != run.adev.sigma.shape or not np.all(run.adev.sigma > 0):
        raise QClockError("the Allan deviation must have one sigma > 0 per tau")


def _job_seed(seed):
    """The root seed as JSON data (int or list of ints), for a resumable job."""
    if isinstance(seed, np.random.SeedSequence) and not seed.spawn_key:
        seed = seed.entropy
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0:
        return int(seed)
    if (isinstance(seed, (list, tuple)) and seed
            and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 0 for v in seed)):
        return [int(v) for v in seed]
    raise QClockError(f"with out=, seed must be an integer >= 0 or a list of them (the same seed gives the same "
                      f"runs, which is what lets a job resume), got {seed!r}")


def simulate_clocks(protocol, runs: int = 10, seed=None, workers: int = 1, out=None, progress=None,
                    **options) -> list[ClockRun]:
    """Run ``runs`` independent clocks (options as :func:`simulate_clock`).

    Run i uses child i of ``SeedSequence(seed)``: the results do not depend on
    ``workers``. With ``out`` (a directory) the runs go through the project's
    result store (:func:`qclock_circuits.runtime.run_sweep`): every finished
    run is written at once, atomically, under a key made of the job's full
    parameters (protocol, options, seed, run index), so another job in the same
    directory never overwrites it; runs already there for this job are
    validated and loaded instead of recomputed (a bad file is named in a
    warning and recomputed), so an interrupted job loses nothing it finished.

    Parameters
    ----------
    protocol : RamseyProtocol
        The interrogation protocol.
    runs : int
        Number of runs (≥ 1).
    seed : None, int, list of int or SeedSequence
        Root seed; with ``out`` an integer (or list of integers) ≥ 0.
    workers : int
        Processes (≥ 1).
    out : str or os.PathLike, optional
        Result directory (created if needed).
    progress : bool or callable, optional
        ``True``: a progress display of the runs on stderr (as in
        :func:`simulate_clock`); a callable: ``progress(done_runs, runs)``;
        ``None``/``False`` (default): none.
    **options
        Passed to :func:`simulate_clock` (with ``out``: plain values only, e.g. a named noise type).

    Returns
    -------
    list of ClockRun
        In run order.

    Raises
    ------
    QClockError, TypeError
        For bad arguments (the message names them).
    """
    runs = check_int(runs, "runs", 1)
    workers = check_int(workers, "workers", 1)
    check_seed(seed)
    progress, close_progress = progress_callback(progress, runs, "simulate_clocks", "runs")
    try:
        return _simulate_runs(protocol, runs, seed, workers, out, progress, options)
    finally:
        close_progress()


def _simulate_runs(protocol, runs: int, seed, workers: int, out, progress, options: dict) -> list:
    """The runs of :func:`simulate_clocks` (arguments checked, ``progress`` a callable or None)."""
    if "progress" in options or "keep_trace" in options or "seed" in options:
        raise TypeError("simulate_clocks passes neither progress, keep_trace nor seed on to simulate_clock")
    if out is not None:
        from ..runtime import run_sweep  # the one result store; it depends on nothing but the validation helpers

        root = _job_seed(seed)
        try:
            plain = json.loads(json.dumps(options, allow_nan=False))
        except (TypeError, ValueError):
            raise QClockError(f"with out=, the options must be plain finite values (a named noise type, a servo "
                              f"name), got {options!r}") from None
        points = [{"protocol": protocol.to_dict(), "options": plain, "seed": root, "run": i} for i in range(runs)]
        data = run_sweep(clock_run_point, points, store=out, backend="serial" if workers == 1 else "processes",
                         workers=workers, progress=progress, check=check_clock_run, version="clock-run-1")
        return [ClockRun.from_dict(item) for item in data]
    children = np.random.SeedSequence(seed).spawn(runs)
    arguments = [(protocol.to_dict(), options, child) for child in children]
    results = []
    if workers == 1 or runs <= 1:
        for argument in arguments:
            results.append(_run_one(argument))
            if progress is not None:
                progress(len(results), runs)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for data in pool.map(_run_one, arguments):
                results.append(data)
                if progress is not None:
                    progress(len(results), runs)
    return [ClockRun.from_dict(item) for item in results]


def _run_one(arguments):
    protocol_dict, options, child = arguments
    from ..protocols import RamseyProtocol

    return simulate_clock(RamseyProtocol.from_dict(protocol_dict), seed=child, **options).to_dict()


def summarize_runs(runs: list[ClockRun]) -> dict:
    """Mean and standard deviation of σ_scaled over runs, and the fringe-hop count.

    Parameters
    ----------
    runs : list of ClockRun
        Independent runs of the same clock.

    Returns
    -------
    dict
        ``runs``, ``sigma_scaled_mean`` and ``sigma_scaled_std`` (dimensionless
        σ_y(τ) ω0 √(τZ); std with ddof = 1, 0 for one run), ``fringe_hops``,
        ``runs_with_hops``, ``runs_unsettled`` and ``runs_lost_lock``.
    """
    values = np.array([run.sigma_scaled for run in runs])
    return {"runs": len(runs), "sigma_scaled_mean": float(values.mean()),
            "sigma_scaled_std": float(values.std(ddof=1)) if len(runs) > 1 else 0.0,
            "fringe_hops": int(sum(run.fringe_hops for run in runs)),
            "runs_with_hops": int(sum(run.hopped for run in runs)),
            "runs_unsettled": int(sum(not run.settled for run in runs)),
            "runs_lost_lock": int(sum(run.lost_lock for run in runs))}
