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

Units: the paper's time unit, interrogation time T = 1; ω in rad per that
unit. ``--h`` is the paper's noise strength (kernel ``−(h/2)|s−s'|`` for
Brownian, ``−2h ln|s−s'|`` for 1/f noise).

With ``--out DIR`` every finished run (one protocol, one run index) is
stored in ``DIR`` as soon as it finishes (validated, written atomically, keyed
by the job's full parameters): the same command started again after an
interruption recomputes only the runs that are missing, and gives the same
output as an uninterrupted job. ``DIR`` is claimed for this job; another job
pointed at it is refused.

Example::

    qclock adaptive --atoms 2 --noise brownian --h 0.03 --interrogations 100 --runs 20 --workers 2 --json
    qclock adaptive --atoms 3 --noise flicker --h 0.05 --runs 200 --out adaptive-n3   # resumable
"""

from __future__ import annotations

import argparse
import math

from ._common import CLIError, format_table, integer, print_json, real

__all__ = ["NAME", "HELP", "register", "adaptive"]

NAME = "adaptive"
HELP = "running adaptive Bayesian clock (SDP interrogations) vs Ramsey and Buzek: square error, Allan variance"


def register(subparsers) -> None:
    """Add ``qclock adaptive`` to the ``qclock`` parser."""
    from ..clock.adaptive.simulate import SDP_PRIORS, SEED_NOISE_TYPES

    parser = subparsers.add_parser(
        NAME, help=HELP,
        description="Simulate the constant-T running clock of Mullan & Knill section VI with the adaptive (SDP, eq. 7 "
                    "cost), Ramsey and Buzek protocols on the same noise traces, and report the square error of "
                    "the cumulative average frequency, the overlapping Allan variance (eq. 11) of the corrected "
                    "clock, and the Table 1 improvements (%) of the adaptive protocol with standard errors. Run i "
                    "uses child i of SeedSequence(--seed): the output does not depend on --workers.")
    parser.add_argument("--atoms", "-N", type=integer, required=True, metavar="N",
                        help="number of atoms N (integer, 1 to 12: the interrogation SDP's limit)")
    parser.add_argument("--noise", choices=tuple(SEED_NOISE_TYPES), required=True,
                        help="oscillator noise: random_walk (random-walk FM, NIST alpha -2; 'brownian', the paper's word, is "
                             "an alias) or flicker (1/f FM, alpha -1)")
    parser.add_argument("--h", type=real, required=True, metavar="H",
                        help="the paper's noise strength h (> 0; Table 1: 0.03 brownian, 0.05 flicker)")
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
    parser.add_argument("--adaptive-times", type=integer, nargs="+", default=None, metavar="K",
                        help="choose each interrogation time from these multiples of T (distinct integers 1 to 16 "
                             "including 1, e.g. 1 2 3) by the smallest expected phase-variance increase per unit "
                             "time; default: constant T")
    parser.add_argument("--out", metavar="DIR", default=None,
                        help="store every finished run in DIR at once; the same command run again resumes, "
                             "recomputing only what is missing")
    parser.add_argument("--json", action="store_true", help="print a JSON object")
    parser.set_defaults(handler=adaptive)


def _check(args: argparse.Namespace) -> None:
    from ..clock.adaptive.sdp import MAX_ATOMS
    from ..clock.adaptive.tracking import MAX_MEMORY

    if not 1 <= args.atoms <= MAX_ATOMS:
        raise CLIError(f"--atoms must be an integer from 1 to {MAX_ATOMS} (the interrogation SDP supports at most "
                       f"{MAX_ATOMS} atoms), got {args.atoms}")
    if not math.isfinite(args.h) or args.h <= 0:
        raise CLIError(f"--h must be a finite number > 0 (the paper's noise strength), got {args.h}")
    if not 1 <= args.memory <= MAX_MEMORY:
        raise CLIError(f"--memory must be an integer from 1 to {MAX_MEMORY}, got {args.memory}")
    if args.adaptive_times is not None and (len(set(args.adaptive_times)) != len(args.adaptive_times)
                                            or 1 not in args.adaptive_times
                                            or not all(1 <= k <= 16 for k in args.adaptive_times)):
        raise CLIError(f"--adaptive-times must be distinct integers from 1 to 16 including 1 (multiples of T), "
                       f"got {' '.join(map(str, args.adaptive_times))}")
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
    from ..clock.adaptive.simulate import SEED_TABLE1, canonical_noise

    row = SEED_TABLE1[canonical_noise(args.noise)]
    if (args.atoms, args.h, args.interrogations, args.memory) != (row["atoms"], row["h"], row["interrogations"],
                                                                  row["memory"]):
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

    return simulate_adaptive_clock(point["atoms"], point["noise"], point["h"], point["interrogations"], 1,
                                   point["memory"], point["protocol"], point["seed"], 1, sdp_prior=point["sdp_prior"],
                                   first_run=point["run"], slip_weight=point.get("slip_weight"),
                                   adaptive_times=point.get("adaptive_times")).to_dict()


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


def _stored_comparison(args: argparse.Namespace) -> dict:
    """The three protocols run by run through the result store in ``--out`` (resumable)."""
    from ..clock.adaptive.simulate import CLOCK_PROTOCOLS, AdaptiveClockResult, summarise_protocols
    from ..runtime import claim_directory, run_sweep

    job = {"atoms": args.atoms, "noise": args.noise, "h": args.h, "interrogations": args.interrogations,
           "memory": args.memory, "seed": args.seed, "sdp_prior": args.sdp_prior, "slip_weight": args.slip_weight}
    if args.adaptive_times is not None:  # absent for constant T: stores of earlier jobs stay valid
        job["adaptive_times"] = sorted(args.adaptive_times)
    claim_directory(args.out, {**job, "runs": args.runs}, what="qclock adaptive")
    points = [{**job, "protocol": name, "run": run} for name in CLOCK_PROTOCOLS for run in range(args.runs)]
    values = run_sweep(adaptive_run_point, points, store=args.out, workers=args.workers, check=check_adaptive_run,
                       backend="serial" if args.workers == 1 else "processes", version="adaptive-run-2")
    results = {}
    for index, name in enumerate(CLOCK_PROTOCOLS):
        chunk = values[index * args.runs:(index + 1) * args.runs]
        results[name] = AdaptiveClockResult.concatenate([AdaptiveClockResult.from_dict(v) for v in chunk])
    return summarise_protocols(results)


def adaptive(args: argparse.Namespace) -> int:
    """Handler of ``qclock adaptive``."""
    from ..clock.adaptive.simulate import compare_protocols, nist_spectrum

    _check(args)
    if args.out is not None:
        comparison = _stored_comparison(args)
    else:
        comparison = compare_protocols(args.atoms, args.noise, args.h, args.interrogations, args.runs, args.memory,
                                       args.seed, args.workers, sdp_prior=args.sdp_prior,
                                       slip_weight=args.slip_weight, adaptive_times=args.adaptive_times)
    results = comparison["results"]
    output = {
        "atoms": args.atoms, "noise": results["adaptive"].noise, "h": args.h,
        "nist_h": {str(alpha): value for alpha, value in nist_spectrum(args.noise, args.h).items()},
        "interrogation_time": 1.0, "interrogations": args.interrogations, "runs": args.runs,
        "memory": args.memory, "seed": args.seed, "sdp_prior": args.sdp_prior,
        "slip_weight": results["adaptive"].slip_weight, "adaptive_times": args.adaptive_times,
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
    rows = []
    for name, gains in comparison["improvement"].items():
        for quantity, gain in gains.items():
            paper = output["paper"]
            seed_value = "" if paper is None else f"{paper[name][quantity]['value']:.1f}"
            rows.append([name, quantity, f"{gain['value']:.1f} +- {gain['se']:.1f}", seed_value])
    print(f"adaptive clock: N={args.atoms}, {args.noise} noise, h={args.h}, {args.interrogations} interrogations, "
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
