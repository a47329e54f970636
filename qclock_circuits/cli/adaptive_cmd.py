"""``qclock adaptive``: the running adaptive Bayesian clock of Mullan & Knill, Phys. Rev. A 90, 042310 (2014), against Ramsey and Bužek–Derka–Massar.

Runs the three protocols of Mullan & Knill section VI on the same noise traces
(:func:`qclock_circuits.clock.adaptive.simulate.compare_protocols`): the
SDP-optimised adaptive interrogation with the eq. (7) cost, Ramsey with
software phase tracking, and the Bužek–Derka–Massar protocol, each with the
same Bayesian tracking of the frequency history (memory ``--memory``). The
output holds, per protocol, the square error of the cumulative average
frequency vs interrogation and the overlapping Allan variance (eq. 11) of the
corrected clock's frequency error vs averaging time, run-averaged with
standard errors, and the number of runs that lost lock (frequency error
beyond π/2T at some step, a phase slip); and the improvement (%) of the adaptive protocol over each
baseline as in Mullan & Knill Table 1 (square error over the last twenty
interrogations, Allan variance over all averaging times), with standard
errors, next to the paper's percentages when the configuration is one of
Table 1's.

With ``--adaptive-times 1 2 3`` every step chooses its interrogation time
among T, 2T, 3T (the smallest expected phase-variance increase per unit time,
:mod:`qclock_circuits.clock.adaptive.schedule`); the output gives each
protocol's mean T_n.

Units: the simulation runs in the paper's time unit, the interrogation time
T = 1; ω in rad per that unit. The noise level is given in one of two ways:

* ``--noise-strength H`` — the paper's noise strength h (kernel
  ``−(h/2)|s−s'|`` for Brownian noise, h in rad² per T³; ``−2h ln|s−s'|``
  for 1/f noise, h in rad² per T²); ``--h`` is its deprecated spelling;
* ``--interrogation-time T`` — T in units of the laser coherence time Z, or
  in seconds with ``--coherence-time Z_SECONDS`` (the package's unit rule):
  the laser is the one normalised by Kielinski & Hammerer eq. (30), and h
  follows from its NIST level h_α as ``h = 2π² h_−2 T³`` (random walk) or
  ``h = h_−1 T² / 2`` (flicker), T in units of Z.

The output's ``time_unit`` is the unit of ``interrogation_time`` (``"T"``
with ``--noise-strength``, else ``"Z"`` or ``"s"``); the curves
(``averaging_time``, square errors and Allan variances of ω) are in units of
T (``curves_time_unit``).

With ``--out DIR`` every finished run (one protocol, one run index) is
stored in ``DIR`` as soon as it finishes (validated, written atomically, keyed
by the job's full parameters): the same command started again after an
interruption recomputes only the runs that are missing, and gives the same
output as an uninterrupted job. ``DIR`` is claimed for this job; another job
pointed at it is refused.

Example::

    qclock adaptive --atoms 2 --noise brownian --noise-strength 0.03 --interrogations 100 --runs 20 --workers 2 --json
    qclock adaptive --atoms 3 --noise flicker --noise-strength 0.05 --runs 200 --out adaptive-n3   # resumable
    qclock adaptive --atoms 2 --noise random_walk --interrogation-time 0.2 --coherence-time 1.5   # seconds
"""

from __future__ import annotations

import argparse
import math

from .._names import ADAPTIVE_NOISE_TYPES, NOISE_ALIASES, SDP_PRIORS, TIMING_STRATEGIES, TRUTHS
from ._common import (CLIError, add_deprecated_option, add_quiet, format_table, integer, print_json,
                      progress_reporter, real)
from ._units import add_coherence_time, time_unit

#: ``--noise`` choices: the package's words and the papers' aliases of them.
NOISE_CHOICES = (*ADAPTIVE_NOISE_TYPES,
                 *(alias for alias, name in NOISE_ALIASES.items() if name in ADAPTIVE_NOISE_TYPES))

__all__ = ["NAME", "HELP", "NOISE_CHOICES", "register", "adaptive", "paper_noise_strength"]

NAME = "adaptive"
HELP = "running adaptive Bayesian clock (SDP interrogations) vs Ramsey and Buzek: square error, Allan variance"


def register(subparsers) -> None:
    """Add ``qclock adaptive`` to the ``qclock`` parser.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The object returned by ``ArgumentParser.add_subparsers`` on the
        ``qclock`` parser; the new subcommand is added to it.
    """
    parser = subparsers.add_parser(
        NAME, help=HELP,
        description="Simulate the constant-T running clock of Mullan & Knill section VI with the adaptive (SDP, eq. 7 "
                    "cost), Ramsey and Buzek protocols on the same noise traces, and report the square error of "
                    "the cumulative average frequency, the overlapping Allan variance (eq. 11) of the corrected "
                    "clock, and the Table 1 improvements (%) of the adaptive protocol with standard errors. Run i "
                    "uses child i of SeedSequence(--seed): the output does not depend on --workers. Give the noise "
                    "level as the paper's --noise-strength (time unit: the interrogation time T) or through "
                    "--interrogation-time (units of Z; seconds with --coherence-time).")
    parser.add_argument("--atoms", "-N", type=integer, required=True, metavar="N",
                        help="number of atoms N (integer, 1 to 12: the interrogation SDP's limit)")
    parser.add_argument("--noise", choices=NOISE_CHOICES, required=True,
                        help="oscillator noise: random_walk (random-walk FM, NIST alpha -2; 'brownian', the paper's word, is "
                             "an alias), flicker (1/f FM, alpha -1; alias '1/f'), or phase noise flicker_phase / "
                             "white_phase (NIST alpha 1 / 2, needs --cutoff and --noise-strength, which is then the "
                             "NIST h_alpha)")
    level = parser.add_mutually_exclusive_group(required=True)
    level.add_argument("--noise-strength", type=real, default=None, metavar="H",
                       help="the paper's noise strength h (> 0), in rad^2/T^3 for random_walk and rad^2/T^2 for "
                            "flicker, T the interrogation time (Table 1: 0.03 random_walk, 0.05 flicker)")
    add_deprecated_option(level, "--h", "--noise-strength", "noise_strength", type=real, metavar="H")
    level.add_argument("--interrogation-time", type=real, default=None, metavar="T",
                       help="instead of --noise-strength: the interrogation time T in units of the laser coherence "
                            "time Z (seconds with --coherence-time); the laser is the one of Kielinski & Hammerer "
                            "eq. (30)")
    add_coherence_time(parser)
    parser.add_argument("--interrogations", type=integer, default=100, metavar="M",
                        help="interrogations per run, each of duration T = 1 (integer >= 25, default: 100)")
    parser.add_argument("--runs", type=integer, default=10, metavar="R",
                        help="independent runs per protocol (integer >= 2, default: 10)")
    parser.add_argument("--memory", type=integer, default=1, metavar="K",
                        help="frequencies remembered by the clock's noise model (integer 1 to 3, default: 1)")
    parser.add_argument("--seed", type=integer, default=0, metavar="S",
                        help="seed of numpy.random.SeedSequence (integer >= 0, default: 0)")
    parser.add_argument("--workers", type=integer, default=1, metavar="W",
                        help="processes running the runs in parallel (integer >= 1, default: 1)")
    parser.add_argument("--sdp-prior", choices=SDP_PRIORS, default="gaussian",
                        help="prior the adaptive SDP is solved for: 'gaussian' (moment-matched, quantised, cached; "
                             "default) or 'exact' (the grid prior, one program per interrogation)")
    parser.add_argument("--slip-weight", type=real, default=None, metavar="EPS",
                        help="phase-slip weight in the adaptive protocol's SDP prior (0 to 0.5; default: 0.01; 0 is "
                             "the plain Gaussian prior of the paper, which loses lock in rare runs)")
    parser.add_argument("--cutoff", type=real, default=None, metavar="FH",
                        help="high-frequency cutoff f_h of phase noise, cycles per T (> 0; required for flicker_phase "
                             "and white_phase, refused otherwise)")
    parser.add_argument("--adaptive-times", type=integer, nargs="+", default=None, metavar="K",
                        help="choose each interrogation time from these multiples of T (distinct integers 1 to 16 "
                             "including 1, e.g. 1 2 3) by the smallest expected phase-variance increase per unit "
                             "time; default: constant T")
    parser.add_argument("--truth", choices=TRUTHS, default="process",
                        help="draw the true frequencies from the noise process (default) or from the clock's own "
                             "truncated model (a diagnosis: is a shortfall the protocol's or the model's?)")
    parser.add_argument("--atomic-frequency", type=real, default=None, metavar="OMEGA",
                        help="with timing errors: the atomic frequency in rad per T (at least 100/T; appendix D)")
    parser.add_argument("--timing-jitter", type=real, default=None, metavar="DELTA",
                        help="standard deviation of every interrogation's end, in units of T (0 to 0.1; needs "
                             "--atomic-frequency)")
    parser.add_argument("--timing-strategy", choices=TIMING_STRATEGIES, default=None, help="how the free-running LO's frame is handled (default: software; "
                                           "needs --atomic-frequency)")
    parser.add_argument("--out", metavar="DIR", default=None,
                        help="store every finished run in DIR at once; the same command run again resumes, "
                             "recomputing only what is missing")
    parser.add_argument("--json", action="store_true", help="print a JSON object (no progress display)")
    add_quiet(parser)
    parser.set_defaults(handler=adaptive)


def _check(args: argparse.Namespace) -> None:
    from ..clock.adaptive.sdp import MAX_ATOMS
    from ..clock.adaptive.tracking import MAX_MEMORY

    if not 1 <= args.atoms <= MAX_ATOMS:
        raise CLIError(f"--atoms must be an integer from 1 to {MAX_ATOMS} (the interrogation SDP supports at most "
                       f"{MAX_ATOMS} atoms), got {args.atoms}")
    unit = time_unit(args)
    phase = args.noise in ("flicker_phase", "white_phase")
    if args.interrogation_time is None:
        if args.coherence_time is not None:
            raise CLIError("--coherence-time applies with --interrogation-time (the unit of its time), not with "
                           "--noise-strength (the paper's unit: T = 1)")
        if not math.isfinite(args.noise_strength) or args.noise_strength <= 0:
            raise CLIError(f"--noise-strength must be a finite number > 0 (the paper's noise strength), got "
                           f"{args.noise_strength}")
    elif phase:
        raise CLIError(f"--noise {args.noise} takes its level as --noise-strength (NIST h_alpha); the laser of "
                       "--interrogation-time has frequency noise only")
    elif not math.isfinite(args.interrogation_time) or args.interrogation_time <= 0:
        raise CLIError(f"--interrogation-time must be a finite number > 0 ({unit.words}), got "
                       f"{args.interrogation_time}")
    if phase and (args.cutoff is None or not math.isfinite(args.cutoff) or args.cutoff <= 0):
        raise CLIError(f"--cutoff must be a finite number > 0 (cycles per T) for phase noise {args.noise}, "
                       f"got {args.cutoff}")
    if not phase and args.cutoff is not None:
        raise CLIError(f"--cutoff applies to phase noise (flicker_phase, white_phase) only, got --cutoff "
                       f"{args.cutoff} with --noise {args.noise}")
    if not 1 <= args.memory <= MAX_MEMORY:
        raise CLIError(f"--memory must be an integer from 1 to {MAX_MEMORY}, got {args.memory}")
    if args.adaptive_times is not None and (len(set(args.adaptive_times)) != len(args.adaptive_times)
                                            or 1 not in args.adaptive_times
                                            or not all(1 <= k <= 16 for k in args.adaptive_times)):
        raise CLIError(f"--adaptive-times must be distinct integers from 1 to 16 including 1 (multiples of T), "
                       f"got {' '.join(map(str, args.adaptive_times))}")
    timed = args.timing_jitter is not None or args.timing_strategy is not None
    if timed and args.atomic_frequency is None:
        raise CLIError("--timing-jitter and --timing-strategy need --atomic-frequency (rad per T)")
    if args.atomic_frequency is not None:
        from ..clock.adaptive.timing import MAX_JITTER_FRACTION, MIN_ATOMIC_PHASE

        if not math.isfinite(args.atomic_frequency) or args.atomic_frequency < MIN_ATOMIC_PHASE:
            raise CLIError(f"--atomic-frequency must be a finite number >= {MIN_ATOMIC_PHASE:g} (rad per T), got "
                           f"{args.atomic_frequency}")
        jitter = 0.0 if args.timing_jitter is None else args.timing_jitter
        if not math.isfinite(jitter) or not 0.0 <= jitter <= MAX_JITTER_FRACTION:
            raise CLIError(f"--timing-jitter must be a number from 0 to {MAX_JITTER_FRACTION:g} (units of T), "
                           f"got {jitter}")
        if args.adaptive_times is not None:
            raise CLIError("--atomic-frequency (timing errors) applies to constant T only, not with --adaptive-times")
    if args.truth != "process" and args.adaptive_times is not None:
        raise CLIError("--truth model applies to constant T only, not with --adaptive-times")
    if args.slip_weight is not None and not 0.0 <= args.slip_weight <= 0.5:
        raise CLIError(f"--slip-weight must be a number from 0 to 0.5 (prior probability of a phase slip), "
                       f"got {args.slip_weight}")
    for option, minimum, why in (("interrogations", 25, " (Table 1 averages the last twenty)"),
                                 ("runs", 2, " (standard errors need two runs)"), ("workers", 1, ""),
                                 ("seed", 0, "")):
        value = getattr(args, option)
        if value < minimum:
            raise CLIError(f"--{option} must be an integer >= {minimum}{why}, got {value}")


def _paper(args: argparse.Namespace) -> dict | None:
    """Mullan & Knill Table 1's percentages when the configuration is Table 1's."""
    from ..clock.adaptive.simulate import PAPER_TABLE1, canonical_noise

    row = PAPER_TABLE1.get(canonical_noise(args.noise))
    given = (args.atoms, args.noise_strength, args.interrogations, args.memory)
    if row is None or given != (row["atoms"], row["h"], row["interrogations"], row["memory"]):
        return None
    return {name: {quantity: {"value": value, "se": se} for quantity, (value, se) in row[name].items()}
            for name in ("ramsey", "buzek")}


def adaptive_run_point(point: dict) -> dict:
    """Run ``point['run']`` of one protocol of a ``qclock adaptive`` job (a runtime sweep function).

    ``point``: the arguments of :func:`~qclock_circuits.clock.adaptive.simulate.simulate_adaptive_clock`
    (``atoms, noise, h, interrogations, memory, protocol, seed, sdp_prior``) and ``run``; the run uses child
    ``run`` of ``SeedSequence(seed)``, as in one call with all runs.
    """
    from ..clock.adaptive.simulate import simulate_adaptive_clock
    from ..clock.adaptive.timing import TimingErrors

    timing = None if point.get("timing") is None else TimingErrors.from_dict(point["timing"])
    return simulate_adaptive_clock(point["atoms"], point["noise"], point["h"], point["interrogations"], 1,
                                   point["memory"], point["protocol"], point["seed"], 1, sdp_prior=point["sdp_prior"],
                                   first_run=point["run"], slip_weight=point.get("slip_weight"),
                                   cutoff=point.get("cutoff"),
                                   adaptive_times=point.get("adaptive_times"),
                                   truth=point.get("truth", "process"), timing=timing).to_dict()


def check_adaptive_run(point: dict, result: dict) -> None:
    """Schema and range check of a stored :func:`adaptive_run_point` result."""
    import numpy as np

    from ..clock.adaptive.simulate import AdaptiveClockResult

    run = AdaptiveClockResult.from_dict(result)
    if (run.runs, run.protocol, run.atoms, run.interrogations) != (1, point["protocol"], point["atoms"],
                                                                   point["interrogations"]):
        raise CLIError("the stored run belongs to another configuration")
    for name in ("square_error", "allan_variance", "estimates", "frequencies", "dropped_mass"):
        values = getattr(run, name)
        if not np.all(np.isfinite(values)):
            raise CLIError(f"{name} holds non-finite values")
    if np.any(run.square_error < 0) or np.any(run.allan_variance < 0):
        raise CLIError("square errors and Allan variances must be >= 0")


def _comparison(args: argparse.Namespace) -> dict:
    """The three protocols run by run (through the result store in ``--out``, resumable), with progress.

    Run r of every protocol uses child r of ``SeedSequence(--seed)``, as one call of
    :func:`~qclock_circuits.clock.adaptive.simulate.compare_protocols` with all runs.
    """
    from ..clock.adaptive.simulate import CLOCK_PROTOCOLS, AdaptiveClockResult, summarise_protocols
    from ..runtime import claim_directory, run_sweep

    job = {"atoms": args.atoms, "noise": args.noise, "h": args.noise_strength, "interrogations": args.interrogations,
           "memory": args.memory, "seed": args.seed, "sdp_prior": args.sdp_prior, "slip_weight": args.slip_weight}
    if args.cutoff is not None:
        job["cutoff"] = args.cutoff
    if args.adaptive_times is not None:  # absent for constant T: stores of earlier jobs stay valid
        job["adaptive_times"] = sorted(args.adaptive_times)
    if args.truth != "process":  # likewise absent by default
        job["truth"] = args.truth
    if args.atomic_frequency is not None:
        job["timing"] = {"atomic_frequency": args.atomic_frequency,
                         "jitter": 0.0 if args.timing_jitter is None else args.timing_jitter,
                         "strategy": args.timing_strategy or "software"}
    if args.out is not None:
        claim_directory(args.out, {**job, "runs": args.runs}, what="qclock adaptive")
    points = [{**job, "protocol": name, "run": run} for name in CLOCK_PROTOCOLS for run in range(args.runs)]
    bar = progress_reporter(args, len(points), "adaptive", "runs")
    try:
        values = run_sweep(adaptive_run_point, points, store=args.out, workers=args.workers, check=check_adaptive_run,
                           backend="serial" if args.workers == 1 else "processes", version="adaptive-run-2",
                           progress=bar)
    finally:
        if bar is not None:
            bar.close()
    results = {}
    for index, name in enumerate(CLOCK_PROTOCOLS):
        chunk = values[index * args.runs:(index + 1) * args.runs]
        results[name] = AdaptiveClockResult.concatenate([AdaptiveClockResult.from_dict(v) for v in chunk])
    return summarise_protocols(results)


def paper_noise_strength(noise: str, interrogation_time: float) -> float:
    """Mullan & Knill's noise strength h of the laser normalised by Kielinski & Hammerer eq. (30).

    Parameters
    ----------
    noise : {'random_walk', 'flicker'} (aliases 'brownian', '1/f')
        The laser's noise type.
    interrogation_time : float
        T in units of the laser coherence time Z (> 0).

    Returns
    -------
    float
        h in the paper's units (time unit T): the NIST level h_α of
        ``LocalOscillatorNoise.from_coherence_time(noise)`` (time unit Z)
        rescaled to the time unit T, ``h_α T^(1−α)``, and converted with the
        inverse of :func:`~qclock_circuits.clock.adaptive.paper_noise.nist_spectrum`:
        ``h = 2π² h_−2 T³`` or ``h = h_−1 T² / 2``.
    """
    from ..clock.adaptive.simulate import canonical_noise
    from ..clock.noise import LocalOscillatorNoise

    name = canonical_noise(noise)
    alpha, level = next(iter(LocalOscillatorNoise.from_coherence_time(name).h.items()))
    level *= float(interrogation_time) ** (1 - alpha)
    return 2.0 * math.pi**2 * level if name == "random_walk" else level / 2.0


def adaptive(args: argparse.Namespace) -> int:
    """Handler of ``qclock adaptive``: run the command and print its result.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line of ``qclock adaptive`` (built by :func:`register`).

    Returns
    -------
    int
        The process exit status: 0 on success.

    Raises
    ------
    CLIError
        When an option is out of range or options contradict each other; the
        message names the option, the value received and what is allowed.
    """
    from ..clock.adaptive.simulate import canonical_noise, nist_spectrum

    _check(args)
    unit = time_unit(args)
    if args.interrogation_time is not None:
        args.noise_strength = paper_noise_strength(args.noise, unit.to_z(args.interrogation_time))
        times = {"interrogation_time": float(args.interrogation_time), **unit.fields()}
    else:
        times = {"interrogation_time": 1.0, "time_unit": "T", "coherence_time": None}
    args.noise = canonical_noise(args.noise)
    comparison = _comparison(args)
    results = comparison["results"]
    output = {
        "atoms": args.atoms, "noise": results["adaptive"].noise, "noise_strength": args.noise_strength,
        "h": args.noise_strength,
        "nist_h": {str(alpha): value for alpha, value in nist_spectrum(args.noise, args.noise_strength).items()},
        "cutoff": args.cutoff,
        **times, "curves_time_unit": "T", "interrogations": args.interrogations, "runs": args.runs,
        "memory": args.memory, "seed": args.seed, "sdp_prior": args.sdp_prior,
        "slip_weight": results["adaptive"].slip_weight, "adaptive_times": args.adaptive_times,
        "truth": args.truth,
        "timing": None if results["adaptive"].timing is None else results["adaptive"].timing.to_dict(),
        "protocols": {name: {**result.curves(), "lost_lock_runs": int(result.lost_lock.sum()),
                             "mean_interrogation_time": float(result.durations.mean()),
                             "dropped_mass_max": float(result.dropped_mass.max()), "seconds": result.seconds}
                      for name, result in results.items()},
        "improvement": comparison["improvement"],
        "lost_lock_any": comparison["lost_lock_any"],
        "slipped_runs": comparison["slipped_runs"],
        "improvement_without_lost_lock": comparison["improvement_without_lost_lock"],
        "paper": _paper(args),
    }
    if args.json:
        print_json(output)
        return 0
    from ..clock.adaptive.improvements import PAPER_COLUMNS

    rows = []
    for name, gains in comparison["improvement"].items():
        for quantity, gain in gains.items():
            paper = output["paper"]
            seed_value = "" if paper is None else f"{paper[name][PAPER_COLUMNS[quantity]]['value']:.1f}"
            rows.append([name, quantity, f"{gain['value']:.1f} +- {gain['se']:.1f}", seed_value])
    time_text = ("T = 1 (the paper's time unit)" if times["time_unit"] == "T"
                 else f"T = {times['interrogation_time']:.6g} {times['time_unit']}")
    print(f"adaptive clock: N={args.atoms}, {args.noise} noise, noise strength h={args.noise_strength:.6g} "
          f"(rad^2/T^{3 if args.noise == 'random_walk' else 2}), {time_text}, {args.interrogations} interrogations, "
          f"{args.runs} runs, memory {args.memory}")
    if args.adaptive_times is not None:
        print("interrogation times chosen from " + ", ".join(f"{k}T" for k in sorted(args.adaptive_times))
              + "; mean T_n: " + ", ".join(f"{name} {entry['mean_interrogation_time']:.2f}"
                                          for name, entry in output["protocols"].items()))
    print(format_table(["baseline", "quantity", "improvement (%)", "Mullan & Knill Table 1 (%)"], rows))
    lost = ", ".join(f"{name} {entry['lost_lock_runs']}" for name, entry in output["protocols"].items())
    print(f"runs that lost lock (frequency error beyond pi/2T): {lost}")
    without = output["improvement_without_lost_lock"]
    if without is not None:
        gains = "; ".join(f"{name} {quantity} {gain['value']:.1f} +- {gain['se']:.1f}"
                          for name, entries in without.items() for quantity, gain in entries.items())
        print(f"without the {output['lost_lock_any']} runs any protocol lost: {gains}")
    return 0
