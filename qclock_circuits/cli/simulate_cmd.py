"""``qclock simulate``: Monte-Carlo runs of the closed clock loop and their Allan deviation.

Each run simulates ``--cycles`` clock cycles (Kielinski & Hammerer, arXiv:2505.04287 (2025), sec. IV, appendix A5C):
the free-running laser (LO) frequency noise of eq. (30), one Ramsey
measurement per cycle with the chosen protocol, the estimator built for the
Gaussian prior of width δφ(T) (eq. 31, dead time eqs. 42–43, or
``--prior-width``) and a servo that corrects the LO. The result is the
overlapping Allan deviation of the stabilised frequency and its long-τ level
``σ_y(τ) ω0 √(τZ)`` (``sigma_scaled``), shown next to the Bayesian prediction
of eq. (29) (``theory_sigma``) and, with dead time, the Dick effect of eq. (40)
(``dick_sigma``) and their sum in quadrature, eq. (41) (``theory_sigma_total``).

Units: times (T, T_D, τ) in the laser coherence time Z, or in seconds when
the coherence time is given (``--coherence-time Z_SECONDS``; the unit rule of
every ``qclock`` command; ``time_unit`` in the output is ``"Z"`` or ``"s"``).
Allan deviations are of ω = y ω0 Z (i.e. ``σ_y(τ) ω0 Z``, dimensionless, the
same numbers in either unit), so ``σ(τ) √(τ/Z)`` is the dimensionless
stability.

Examples
--------
::

    qclock simulate --protocol css --atoms 8 --interrogation-time 0.1 --dead-time 0.05 --json
    qclock simulate --protocol css --atoms 8 --interrogation-time 0.2 --dead-time 0.1 --coherence-time 2  # seconds
    qclock simulate --protocol sss --atoms 8 --interrogation-time 0.1 --runs 4 --workers 2 --out runs/
    qclock simulate --protocol css --atoms 100 --interrogation-time 0.001 --estimator linear \\
        --prior-width 0.1 --cycles 300000

Reproducibility: run i uses child i of ``numpy.random.SeedSequence(--seed)``
(:func:`qclock_circuits.clock.simulate.simulate_clocks`), so the output does
not depend on ``--workers``, on ``--out`` or on whether progress is shown.

Progress: on a terminal a bar with ETA on stderr, otherwise (a log, a pipe) a
line every 10 %; ``--quiet`` (or ``--json``) turns it off.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path


from .._names import NOISE_ALIASES, NOISE_CHOICES
from ._common import CLIError, add_quiet, format_table, integer, print_json, progress_reporter, real
from ._units import add_coherence_time, time_unit
from .laser_args import add_laser_arguments, apply_laser_arguments

__all__ = ["NAME", "HELP", "register", "simulate", "PROTOCOLS", "NOISE_NAMES", "BLOCK_SIZE"]

NAME = "simulate"
HELP = "Monte-Carlo simulation of the running clock: Allan deviation, fringe hops, theory comparison"

#: Protocol families this command simulates.
PROTOCOLS = ("css", "sss", "ghz")
#: Laser-noise types of ``--noise`` (NIST α = 0, −1, −2; then the papers' aliases 'brownian', '1/f').
NOISE_NAMES = NOISE_CHOICES
#: Cycles per block of the simulation (fixed, so that the output does not depend on the progress display).
BLOCK_SIZE = 1 << 16

# option -> protocols it applies to
_APPLIES_TO = {"twist": ("sss",), "rotation": ("sss",), "readout": ("ghz",)}


# ---------------------------------------------------------------- command
def register(subparsers) -> None:
    """Add ``qclock simulate`` to the ``qclock`` parser.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The object returned by ``ArgumentParser.add_subparsers`` on the
        ``qclock`` parser; the new subcommand is added to it.
    """
    parser = subparsers.add_parser(
        NAME, help=HELP,
        description="Simulate the closed clock loop (Kielinski & Hammerer sec. IV, appendix A5C): laser frequency noise "
                    "normalised to the coherence time Z (eq. 30), one Ramsey measurement per cycle, the "
                    "estimator for the Gaussian prior of width delta-phi(T) (eq. 31, dead time eqs. 42-43) and "
                    "a servo. Reports the overlapping Allan deviation of the stabilised frequency (tau in units "
                    "of Z, or seconds with --coherence-time; sigma of omega = y w0 Z), its long-tau level "
                    "sigma_y(tau) w0 sqrt(tau Z) "
                    "('sigma_scaled', weighted fit of sigma*sqrt(tau) from the longer of 50 cycle times and 20 loop "
                    "time constants on; 'settled' is false when the run is too short for that), fringe hops, "
                    "and the theory: Bayesian eq. (29) ('theory_sigma'), Dick effect eq. (40) at tau = Z "
                    "('dick_sigma') and eq. (41) ('theory_sigma_total'). Run i uses child i of "
                    "SeedSequence(--seed): the output does not depend on --workers or --out.")
    parser.add_argument("--protocol", choices=PROTOCOLS, required=True, help="protocol family")
    parser.add_argument("--atoms", "-N", type=integer, required=True, metavar="N",
                        help="number of atoms N (integer >= 1)")
    parser.add_argument("--interrogation-time", type=real, required=True, metavar="T",
                        help="Ramsey dark time T (> 0) in units of the laser coherence time Z, or in seconds with "
                             "--coherence-time")
    parser.add_argument("--dead-time", type=real, default=0.0, metavar="TD",
                        help="dead time T_D per cycle, same unit as T (>= 0, default: 0)")
    add_coherence_time(parser)
    parser.add_argument("--noise", choices=NOISE_NAMES, default="flicker",
                        help="laser frequency noise, normalised by eq. (30) (default: flicker; 'brownian' and '1/f' "
                             "are the papers' words for random_walk and flicker)")
    parser.add_argument("--cycles", type=integer, default=200_000, metavar="C",
                        help="clock cycles per run (integer >= 2, default: 200000)")
    parser.add_argument("--runs", type=integer, default=1, metavar="R",
                        help="independent runs (integer >= 1, default: 1); with R > 1 the Allan deviation and "
                             "sigma_scaled are means over the runs")
    parser.add_argument("--seed", type=integer, default=0, metavar="S",
                        help="seed of numpy.random.SeedSequence (integer >= 0, default: 0)")
    parser.add_argument("--estimator", choices=("bayes", "linear"), default="bayes",
                        help="phase estimator for the Gaussian prior: posterior mean (bayes) or optimal linear "
                             "a*x (default: bayes)")
    parser.add_argument("--prior-width", type=real, metavar="D", default=None,
                        help="width delta-phi of the estimator's Gaussian prior (rad, > 0); default: the model "
                             "width of eq. (31) with eqs. (42)-(43). At short T that width is so narrow that each "
                             "measurement corrects only a small part of the phase error (a long loop time "
                             "constant, 'settled' false): give a wider or calibrated width here "
                             "(qclock_circuits.clock.calibration)")
    parser.add_argument("--servo", choices=("integrator", "predictor"), default="integrator",
                        help="integrator (gain 1) or linear predictor from the LO variogram (default: integrator)")
    parser.add_argument("--twist", type=real, metavar="MU",
                        help="sss: one-axis-twisting strength mu (rad); default: twist and rotation minimising "
                             "the estimator's BMSE at the prior width")
    parser.add_argument("--rotation", type=real, metavar="THETA",
                        help="sss, with --twist: rotation Rx(theta) after the twist (rad); default: the "
                             "variance-minimising angle")
    parser.add_argument("--readout", choices=("parity", "jz"),
                        help="ghz: parity or Jz readout (default: parity)")
    parser.add_argument("--workers", type=integer, default=1, metavar="W",
                        help="processes running the runs in parallel (integer >= 1, default: 1)")
    parser.add_argument("--out", metavar="DIR", default=None,
                        help="directory where every finished run is stored at once (one JSON file per run, "
                             "named by the SHA-256 of the job's full parameters and the run index, so jobs with "
                             "other parameters never overwrite each other); runs already there for the same job are "
                             "validated and reused, so an interrupted job restarted with the same arguments only "
                             "computes what is missing; a damaged file is named in a warning and recomputed")
    parser.add_argument("--json", action="store_true", help="print a JSON object (no progress display)")
    add_quiet(parser)
    add_laser_arguments(parser)
    parser.set_defaults(handler=simulate)


def _check_arguments(args: argparse.Namespace) -> None:
    if args.out is not None and Path(args.out).exists() and not Path(args.out).is_dir():
        raise CLIError(f"--out must be a directory, but {args.out!r} is an existing file", exit_code=1)
    for option, allowed in _APPLIES_TO.items():
        if getattr(args, option) is not None and args.protocol not in allowed:
            raise CLIError(f"--{option} applies only to {', '.join(allowed)}, not to {args.protocol}")
    if args.protocol == "sss" and args.rotation is not None and args.twist is None:
        raise CLIError("--rotation needs --twist for sss (without --twist, twist and rotation are both optimised)")
    unit = time_unit(args)
    time = args.interrogation_time
    if not math.isfinite(time) or time <= 0:
        raise CLIError(f"--interrogation-time must be a finite number > 0 ({unit.words}), got {time}")
    if not math.isfinite(args.dead_time) or args.dead_time < 0:
        raise CLIError(f"--dead-time must be a finite number >= 0 ({unit.words}), got {args.dead_time}")
    if args.prior_width is not None and (not math.isfinite(args.prior_width) or args.prior_width <= 0):
        raise CLIError(f"--prior-width must be a finite number > 0 (rad), got {args.prior_width}")
    for option, value in (("twist", args.twist), ("rotation", args.rotation)):
        if value is not None and not math.isfinite(value):
            raise CLIError(f"--{option} must be a finite number (rad), got {value}")
    for option, minimum, why in (("cycles", 3, " (an Allan deviation needs 3 samples)"), ("runs", 1, ""),
                                 ("workers", 1, ""), ("seed", 0, "")):
        value = getattr(args, option)
        if value < minimum:
            raise CLIError(f"--{option} must be an integer >= {minimum}{why}, got {value}")


def _protocol(args: argparse.Namespace, prior):
    """The protocol and, for sss, ``(twist, rotation, optimised)``."""
    from .. import bayes, protocols

    if args.protocol == "css":
        return protocols.css(args.atoms), None
    if args.protocol == "ghz":
        return protocols.ghz(args.atoms, readout=args.readout or "parity"), None
    if args.twist is None:
        protocol, _ = bayes.stability.best_sss(args.atoms, prior, args.estimator)
        optimised = True
    else:
        protocol = protocols.sss(args.atoms, args.twist, rotation=args.rotation)
        optimised = False
    twist, rotation = (float(v) for v in protocol.parameters)
    return protocol, (twist, rotation, optimised)


def _finite_or_none(value) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _theory(args, protocol, prior, width: float, model_width: bool) -> dict:
    """Bayesian prediction (eq. 29), Dick effect (eq. 40, τ = Z) and their total (eq. 41)."""
    from .. import bayes
    from ..clock.dick import dick_deviation
    from ..clock.noise import LocalOscillatorNoise

    time, dead = args.interrogation_time, args.dead_time
    if model_width and (args.protocol == "css" or (args.protocol == "ghz" and protocol.readout == "parity")):
        sigma = bayes.stability.stability_point(args.protocol, args.atoms, time, noise=args.noise, dead_time=dead,
                                                estimator=args.estimator).sigma
    else:  # sss with the simulated twist, ghz with Jz readout, or an explicit prior width
        dphi_m = bayes.effective_measurement_uncertainty(bayes.bmse(protocol, prior, args.estimator), width)
        sigma = math.inf if math.isinf(dphi_m) else bayes.allan_deviation(dphi_m, time, dead)
    lo = LocalOscillatorNoise.from_coherence_time(args.noise, dead)
    dick = float(dick_deviation(1.0, lo.psd, time, dead))
    return {"theory_sigma": _finite_or_none(sigma), "dick_sigma": dick,
            "theory_sigma_total": _finite_or_none(math.hypot(sigma, dick))}


def _run_all(args, protocol, options: dict):
    """The runs, through :func:`simulate_clocks` or, serially without ``--out``, run by run with cycle progress.

    Both paths give the same numbers: run i uses child i of ``SeedSequence(seed)`` and the same block size.
    """
    import numpy as np

    from ..clock.simulate import ClockRun, simulate_clock, simulate_clocks

    runs = args.runs
    if (args.workers > 1 and runs > 1) or args.out is not None:
        bar = progress_reporter(args, runs, "simulate", "runs")
        try:
            if bar is not None:
                bar(0)
            return simulate_clocks(protocol, runs=runs, seed=args.seed, workers=args.workers, out=args.out,
                                   progress=bar, **options)
        finally:
            if bar is not None:
                bar.close()

    children = np.random.SeedSequence(args.seed).spawn(runs)
    bar = progress_reporter(args, runs * args.cycles, "simulate", "cycles")
    results = []
    try:
        for index, child in enumerate(children):
            progress = None
            if bar is not None:
                offset = index * args.cycles

                def progress(done, _total, offset=offset):
                    bar(offset + done)

                progress(0, args.cycles)
            run = simulate_clock(protocol, seed=child, progress=progress, **options)
            results.append(ClockRun.from_dict(run.to_dict()))  # the same round trip as simulate_clocks
    finally:
        if bar is not None:
            bar.close()
    return results


def _first_hop(run) -> int | None:
    return int(run.hop_cycles[0]) if run.hop_cycles else None


def _result(args, runs, protocol, sss_parameters, theory: dict) -> dict:
    import numpy as np

    from ..clock.noise import LocalOscillatorNoise

    first = runs[0]
    tau = first.adev.tau
    for run in runs[1:]:
        if run.adev.tau.shape != tau.shape or not np.allclose(run.adev.tau, tau, rtol=1e-12, atol=0.0):
            raise CLIError("the runs have different averaging-time grids; cannot average their Allan deviations",
                           exit_code=1)
    lo = LocalOscillatorNoise.from_coherence_time(args.noise, args.dead_time)
    sigmas = np.array([run.adev.sigma for run in runs])
    adev = {"tau": tau.tolist(), "sigma": sigmas.mean(axis=0).tolist()}
    if len(runs) == 1:
        adev.update(ci_low=first.adev.ci_low.tolist(), ci_high=first.adev.ci_high.tolist(),
                    n_terms=first.adev.n_terms.tolist(), confidence=first.adev.confidence)
    else:
        adev["sigma_std"] = sigmas.std(axis=0, ddof=1).tolist()
    adev["lo_sigma"] = np.atleast_1d(lo.analytic_adev(tau)).tolist()

    unit = time_unit(args)
    adev["tau"] = [unit.from_z(t) for t in adev["tau"]]
    scaled = np.array([run.sigma_scaled for run in runs])
    data = {"protocol": args.protocol, "atoms": first.atoms}
    if args.protocol == "ghz":
        data["readout"] = protocol.readout
    if sss_parameters is not None:
        data["twist"], data["rotation"], data["twist_optimised"] = sss_parameters
    data.update({
        "interrogation_time": unit.from_z(first.interrogation_time), "dead_time": unit.from_z(first.dead_time),
        **unit.fields(), "noise": args.noise,
        "estimator": args.estimator, "servo": args.servo, "cycles": first.cycles, "seed": args.seed,
        "prior_width": first.prior_width, "prior_width_source": "model" if args.prior_width is None else "given",
        "adev": adev,
        "sigma_scaled": float(scaled.mean()),
        "sigma_scaled_std": float(scaled.std(ddof=1)) if len(runs) > 1 else None,
        "fit_min_tau": unit.from_z(first.fit_min_tau),
        "loop_time_constant": _finite_or_none(first.loop_time_constant),
        "settled": all(run.settled for run in runs),
        **theory,
        "fringe_hops": int(sum(run.fringe_hops for run in runs)),
        "phase_rms": float(np.mean([run.phase_rms for run in runs])),
        "runs": len(runs),
        "runs_with_hops": int(sum(run.hopped for run in runs)),
        "runs_unsettled": int(sum(not run.settled for run in runs)),
        "per_run": [{"sigma_scaled": run.sigma_scaled, "fringe_hops": run.fringe_hops,
                     "first_hop_cycle": _first_hop(run), "phase_rms": run.phase_rms, "settled": run.settled}
                    for run in runs],
    })
    if len(runs) == 1:
        data["first_hop_cycle"] = _first_hop(first)
    data["runs_lost_lock"] = int(sum(run.lost_lock for run in runs))
    problems = []
    if data["runs_with_hops"]:
        problems.append(f"fringe hops in {data['runs_with_hops']} of {len(runs)} run(s) ({data['fringe_hops']} in "
                        "all): the phase left the fringe, sigma_scaled is not the locked clock's stability")
    if data["runs_lost_lock"]:
        problems.append(f"{data['runs_lost_lock']} of {len(runs)} run(s) lost lock (rms residual phase > pi/2)")
    if data["runs_unsettled"]:
        problems.append(f"{data['runs_unsettled']} of {len(runs)} run(s) too short for the long-tau fit (unsettled)")
    data["problems"] = problems
    data["failed"] = bool(data["runs_with_hops"] or data["runs_lost_lock"])
    return data


def _print_text(data: dict) -> None:
    unit = data["time_unit"]
    z_text = "" if data["coherence_time"] is None else f" (Z = {data['coherence_time']:.6g} s)"
    header = f"{data['protocol'].upper()}: N = {data['atoms']}"
    if "readout" in data:
        header += f", readout = {data['readout']}"
    if "twist" in data:
        header += (f", twist mu = {data['twist']:.6g} rad, rotation theta = {data['rotation']:.6g} rad"
                   + (" (optimised)" if data["twist_optimised"] else ""))
    lines = [header,
             f"T = {data['interrogation_time']:.6g} {unit}, T_D = {data['dead_time']:.6g} {unit}{z_text}, "
             f"{data['noise']} noise, "
             f"{data['cycles']} cycles x {data['runs']} run(s), seed {data['seed']}",
             f"estimator: {data['estimator']}, prior width delta-phi = {data['prior_width']:.6g} rad "
             f"({data['prior_width_source']}), servo: {data['servo']}"]
    print("\n".join(lines))
    print()
    adev = data["adev"]
    if data["runs"] == 1:
        rows = [[float(t), float(s), float(lo), float(hi), float(f)] for t, s, lo, hi, f in
                zip(adev["tau"], adev["sigma"], adev["ci_low"], adev["ci_high"], adev["lo_sigma"])]
        print(format_table([f"tau/{unit}", "sigma", "ci_low", "ci_high", "free LO"], rows, float_format="{:.5g}"))
    else:
        rows = [[float(t), float(s), float(d), float(f)] for t, s, d, f in
                zip(adev["tau"], adev["sigma"], adev["sigma_std"], adev["lo_sigma"])]
        print(format_table([f"tau/{unit}", "mean sigma", "std", "free LO"], rows, float_format="{:.5g}"))
    print(f"(Allan deviation of omega = y w0 Z, tau in {'units of Z' if unit == 'Z' else 'seconds'})")
    print()

    def show(value):
        return "inf (no information)" if value is None else f"{value:.6g}"

    scaled = f"sigma_y(tau) w0 sqrt(tau Z) = {data['sigma_scaled']:.6g}"
    if data["sigma_scaled_std"] is not None:
        scaled += f" +- {data['sigma_scaled_std']:.3g} (std over runs)"
    lines = [scaled + f"  (simulation, fit over tau >= {data['fit_min_tau']:.4g} {unit})",
             f"theory: Bayesian eq. (29) {show(data['theory_sigma'])}, Dick eq. (40) {data['dick_sigma']:.6g}, "
             f"total eq. (41) {show(data['theory_sigma_total'])}",
             f"fringe hops: {data['fringe_hops']} in {data['runs_with_hops']} of {data['runs']} run(s)"]
    if data.get("first_hop_cycle") is not None:
        lines[-1] += f", first at cycle {data['first_hop_cycle']}"
    lines.append(f"rms residual phase: {data['phase_rms']:.4g} rad")
    if data["failed"]:
        lines.append("warning: FAILED run: " + "; ".join(p for p in data["problems"] if "unsettled" not in p))
    if not data["settled"]:
        constant = data["loop_time_constant"]
        lines.append(f"warning: {data['runs_unsettled']} of {data['runs']} run(s) too short for the fit: the loop "
                     f"time constant is {'infinite' if constant is None else f'{constant:.4g} cycles'} and the fit "
                     f"should start at >= 20 time constants and span two octaves; sigma_scaled is not the locked "
                     f"level (use more --cycles, or a wider --prior-width)")
    print("\n".join(lines))


def simulate(args: argparse.Namespace) -> int:
    """Handler of ``qclock simulate``: run the command and print its result.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line of ``qclock simulate`` (built by :func:`register`).

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
    from .. import bayes
    from .._validation import check_atoms

    apply_laser_arguments(args)
    _check_arguments(args)
    args.atoms = check_atoms(args.atoms)
    unit = time_unit(args)  # from here on every time of args is in units of Z; the output converts back
    args.interrogation_time, args.dead_time = unit.to_z(args.interrogation_time), unit.to_z(args.dead_time)
    args.noise = NOISE_ALIASES.get(args.noise, args.noise)
    if args.prior_width is None:
        width = float(bayes.prior_width(args.interrogation_time, args.noise, args.dead_time))
    else:
        width = float(args.prior_width)
    prior = bayes.GaussianPrior(width)
    protocol, sss_parameters = _protocol(args, prior)
    theory = _theory(args, protocol, prior, width, model_width=args.prior_width is None)

    options = dict(interrogation_time=args.interrogation_time, dead_time=args.dead_time, noise=args.noise,
                   cycles=args.cycles, estimator=args.estimator, prior_width=args.prior_width, servo=args.servo,
                   block_size=BLOCK_SIZE)
    runs = _run_all(args, protocol, options)
    data = _result(args, runs, protocol, sss_parameters, theory)
    if args.json:
        print_json(data)
    else:
        _print_text(data)
    return 0
