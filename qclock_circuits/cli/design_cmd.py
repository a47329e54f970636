"""``qclock design``: the design study of a clock platform (Kielinski & Hammerer, arXiv:2505.04287 (2025), sec. III B–C, IV, V C).

For N atoms, a laser noise type and a dead time, sweep σ(T) of every protocol
class with the OQI bound, optionally check the best points in the closed
clock loop, and write into ``--out`` a report (``report.md``), every number
(``results.json``), figures and the recommended protocol's circuit as
OpenQASM 3, plain and transpiled for a trapped-ion target.

Units (the rule of every ``qclock`` command): without ``--coherence-time``
every time is in units of the laser coherence time Z; with
``--coherence-time Z_SECONDS`` every time option (``--dead-time``,
``--interrogation-times``, ``--t1``, ``--t2``, twist durations; rates per
second) is read in seconds, the printed summary gives its times in seconds
(``time_unit`` ``"s"``) and the report adds physical times (and, with
``--transition-frequency``, σ_y at τ = 1 s). ``results.json`` keeps T in units
of Z beside the ``*_seconds`` fields.

Examples
--------
::

    qclock design --atoms 8 --out design-n8
    qclock design --atoms 8 --coherence-time 2 --dead-time 0.1 --transition-frequency 1.121e15 --out ion-trap
    qclock design --atoms 32 --dead-time 0.1 --classes css,sss,1-1 --simulate --out tweezers
    qclock design --atoms 8 --scheduler tcp://10.0.0.5:8786 --out design-n8   # on a Dask cluster

The sweep writes each finished point to ``OUT/points`` as it completes; the
same command run again recomputes nothing that is there. Progress: a bar with
ETA on stderr when it is a terminal, otherwise a line every 10 % of each stage
(theory sweep, closed-loop validation); ``--quiet`` (or ``--json``) turns it
off.
"""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path


from .._names import NOISE_ALIASES
from ._common import CLIError, add_quiet, format_table, integer, print_json, progress_reporter, real, real_list
from ._units import COHERENCE_TIME_HELP, time_unit
from .laser_args import add_laser_arguments, apply_laser_arguments
from .simulate_cmd import NOISE_NAMES

__all__ = ["NAME", "HELP", "register", "design"]

NAME = "design"
HELP = "design study: the best Ramsey protocol and interrogation time for a platform, report and circuit"


def register(subparsers) -> None:
    """Add ``qclock design`` to the ``qclock`` parser.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The object returned by ``ArgumentParser.add_subparsers`` on the
        ``qclock`` parser; the new subcommand is added to it.
    """
    parser = subparsers.add_parser(
        NAME, help=HELP,
        description="Design study (Kielinski & Hammerer): sweep the clock instability sigma(T) = sigma_y(tau) w0 sqrt(tau Z) "
                    "of every protocol class over the interrogation time T with the OQI bound (eq. 29; with dead "
                    "time the Dick effect, eqs. 40-41, and the limits sigma_lim, T_lim, N_crit of Fig. 6), "
                    "optionally validate the best points in the closed clock loop (--simulate), and write "
                    "report.md, results.json, figures and the recommended circuit (OpenQASM 3, plain and for an "
                    "ion trap) into --out. Finished points are kept in OUT/points: rerunning resumes.")
    parser.add_argument("--atoms", "-N", type=integer, required=True, metavar="N", help="number of atoms (>= 1)")
    parser.add_argument("--out", required=True, metavar="DIR", help="output directory (created if needed)")
    parser.add_argument("--coherence-time", type=real, default=None, metavar="Z_SECONDS",
                        help=COHERENCE_TIME_HELP)
    parser.add_argument("--dead-time", type=real, default=0.0, metavar="TD",
                        help="dead time per cycle: seconds with --coherence-time, else units of Z (default 0)")
    parser.add_argument("--noise", choices=NOISE_NAMES, default="flicker",
                        help="laser frequency noise type (default: flicker; 'brownian' and '1/f' are the papers' "
                             "words for random_walk and flicker)")
    parser.add_argument("--transition-frequency", type=real, default=None, metavar="HZ",
                        help="clock transition frequency in Hz (with --coherence-time: sigma_y at 1 s)")
    parser.add_argument("--classes", default="css,sss,ghz,1-1,1-2", metavar="LIST",
                        help="comma-separated protocol classes: css, sss, ghz and variational n-m such as 1-1, "
                             "1-2, 1-3 (default: css,sss,ghz,1-1,1-2); the OQI bound is always added")
    parser.add_argument("--estimator", choices=("bayes", "linear"), default="bayes",
                        help="phase estimator (default: bayes, the posterior mean)")
    parser.add_argument("--interrogation-times", type=real_list, default=None, metavar="LIST",
                        help="explicit increasing T values (same units as --dead-time); default: --points "
                             "log-spaced values from 0.003 Z to Z")
    parser.add_argument("--points", type=integer, default=24, metavar="K",
                        help="number of log-spaced interrogation times (>= 2, default 24)")
    parser.add_argument("--simulate", action="store_true",
                        help="validate each class's best points in the closed loop and keep the best that does "
                             "not fringe-hop")
    parser.add_argument("--cycles", type=integer, default=100_000, metavar="C",
                        help="with --simulate: loop cycles per run (>= 1000, default 100000)")
    parser.add_argument("--runs", type=integer, default=4, metavar="R",
                        help="with --simulate: runs per validated point (>= 1, default 4)")
    parser.add_argument("--safety-margin", type=integer, default=0, metavar="K",
                        help="with --simulate: recommend the point K grid steps below the longest T that ran "
                             "without fringe hops (default 0)")
    atoms = parser.add_argument_group(
        "the atoms' decoherence (exact, permutation-invariant engine; seconds with --coherence-time, else units "
        "of Z; rates per second or per Z)")
    atoms.add_argument("--t1", type=real, default=None, metavar="T1",
                       help="lifetime of the upper clock state (decay to the ground state)")
    atoms.add_argument("--t2", type=real, default=None, metavar="T2",
                       help="transverse coherence time (single-atom Ramsey contrast exp(-t/T2), T2 <= 2 T1)")
    atoms.add_argument("--readout-error", type=real_list, default=None, metavar="E01[,E10]",
                       help="detection errors P(read 1 | 0), P(read 0 | 1) per atom (one value: symmetric)")
    atoms.add_argument("--twisting-rate", type=real, default=None, metavar="CHI",
                       help="one-axis-twisting rate chi: a twist of strength mu lasts |mu|/(2 chi), with T1, T2 "
                            "acting during it")
    atoms.add_argument("--twist-duration", type=real, default=None, metavar="TAU",
                       help="alternatively a fixed duration of every twist")
    atoms.add_argument("--twist-decay-rate", type=real, default=0.0, metavar="RATE",
                       help="extra decay rate while twisting (e.g. Rydberg-dressing scattering)")
    atoms.add_argument("--twist-dephasing-rate", type=real, default=0.0, metavar="RATE",
                       help="extra dephasing rate while twisting (e.g. a Moelmer-Soerensen pulse's error)")
    atoms.add_argument("--advantage-atoms", type=real_list, default=None, metavar="LIST",
                       help="atom numbers at which the noisy squeezing gain over CSS is followed (default N/4, "
                            "N/2, N, 2N up to 48)")
    parser.add_argument("--seed", type=integer, default=0, metavar="S", help="seed (>= 0, default 0)")
    parser.add_argument("--workers", type=integer, default=None, metavar="W",
                        help="local worker processes (default: all cores)")
    parser.add_argument("--serial", action="store_true", help="run in this process (no worker processes)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="run the sweep on a Dask cluster (tcp://HOST:PORT); also taken from "
                             "$QCLOCK_SCHEDULER")
    parser.add_argument("--connect-timeout", type=real, default=10.0, metavar="SECONDS",
                        help="with --scheduler: seconds to wait for the Dask scheduler (default 10)")
    parser.add_argument("--json", action="store_true",
                        help="print the summary as JSON (no progress display)")
    add_quiet(parser)
    add_laser_arguments(parser)
    parser.set_defaults(handler=design)


def _spec(args: argparse.Namespace):
    import numpy as np

    from ..report import DesignSpec

    classes = tuple(item.strip() for item in args.classes.split(",") if item.strip())
    if not classes:
        raise CLIError(f"--classes must name at least one protocol class, got {args.classes!r}")
    z = time_unit(args).coherence_time
    unit = time_unit(args).words
    if not math.isfinite(args.dead_time) or args.dead_time < 0:
        raise CLIError(f"--dead-time must be a finite number >= 0 ({unit}), got {args.dead_time}")
    if args.transition_frequency is not None:
        if z is None:
            raise CLIError("--transition-frequency needs --coherence-time (sigma_y at 1 s needs Z in seconds)")
        if not math.isfinite(args.transition_frequency) or args.transition_frequency <= 0:
            raise CLIError(f"--transition-frequency must be a finite number > 0 (Hz), got "
                           f"{args.transition_frequency}")
    scale = 1.0 if z is None else 1.0 / z
    times = None
    if args.interrogation_times is not None:
        values = args.interrogation_times
        if not values or any(not math.isfinite(t) or t <= 0 for t in values):
            raise CLIError(f"--interrogation-times must be finite values > 0 ({unit}), got {values}")
        times = tuple(t * scale for t in values)
    else:
        if args.points < 2:
            raise CLIError(f"--points must be an integer >= 2, got {args.points}")
        times = tuple(float(t) for t in np.geomspace(0.003, 1.0, args.points))
    for option, minimum in (("cycles", 1000), ("runs", 1), ("seed", 0), ("safety_margin", 0)):
        if getattr(args, option) < minimum:
            flag = "--" + option.replace("_", "-")
            raise CLIError(f"{flag} must be an integer >= {minimum}, got {getattr(args, option)}")
    if args.workers is not None and args.workers < 1:
        raise CLIError(f"--workers must be an integer >= 1, got {args.workers}")
    decoherence, ladder = _decoherence(args, scale, unit)
    noise = NOISE_ALIASES.get(args.noise, args.noise)
    return DesignSpec(atoms=args.atoms, dead_time=args.dead_time * scale, noise=noise, classes=classes,
                      interrogation_times=times, estimator=args.estimator, coherence_time=z,
                      transition_frequency=args.transition_frequency, simulate=args.simulate,
                      simulation_cycles=args.cycles, simulation_runs=args.runs, safety_margin=args.safety_margin,
                      seed=args.seed, decoherence=decoherence, advantage_atoms=ladder)


def _decoherence(args: argparse.Namespace, scale: float, unit: str):
    """The atoms' decoherence in units of Z (None for ideal atoms) and the squeezing-gain atom numbers."""
    from ..protocols import AtomicDecoherence

    given = {name: getattr(args, name) for name in ("t1", "t2", "readout_error", "twisting_rate", "twist_duration")
             if getattr(args, name) is not None}
    for name in ("twist_decay_rate", "twist_dephasing_rate"):
        if getattr(args, name):
            given[name] = getattr(args, name)
    if not given:
        if args.advantage_atoms is not None:
            raise CLIError("--advantage-atoms needs the atoms' decoherence (--t1, --t2, --readout-error, ...)")
        return None, None
    for name in ("t1", "t2", "twist_duration"):
        if name in given and (not math.isfinite(given[name]) or given[name] <= 0):
            raise CLIError(f"--{name.replace('_', '-')} must be a finite time > 0 ({unit}), got {given[name]}")
    rate_unit = "per second" if unit == "seconds" else "per unit of Z"
    for name in ("twisting_rate", "twist_decay_rate", "twist_dephasing_rate"):
        if name in given and (not math.isfinite(given[name]) or given[name] < 0
                              or (name == "twisting_rate" and given[name] == 0)):
            raise CLIError(f"--{name.replace('_', '-')} must be a finite rate {'> 0' if name == 'twisting_rate' else '>= 0'} "
                           f"({rate_unit}), got {given[name]}")
    readout = given.get("readout_error", [0.0])
    if len(readout) not in (1, 2):
        raise CLIError(f"--readout-error takes one or two probabilities, got {len(readout)} values")
    try:
        atoms = AtomicDecoherence(
            t1=given.get("t1", math.inf), t2=given.get("t2"),
            readout_error=readout[0] if len(readout) == 1 else tuple(readout),
            twisting_rate=given.get("twisting_rate"), twist_duration=given.get("twist_duration"),
            twist_decay_rate=given.get("twist_decay_rate", 0.0),
            twist_dephasing_rate=given.get("twist_dephasing_rate", 0.0)).scaled(scale)
    except (ValueError, TypeError) as error:
        message = str(error)
        for name in ("twist_decay_rate", "twist_dephasing_rate", "twisting_rate", "twist_duration"):
            message = message.replace(name, "--" + name.replace("_", "-"))
        raise CLIError(message.replace("t2 =", "--t2 =")) from None
    ladder = None
    if args.advantage_atoms is not None:
        if any(not float(n).is_integer() or n < 2 for n in args.advantage_atoms):
            raise CLIError(f"--advantage-atoms must be integers >= 2, got {args.advantage_atoms}")
        ladder = tuple(int(n) for n in args.advantage_atoms)
    return atoms, ladder


def _backend(args: argparse.Namespace) -> tuple[str, object]:
    from ..runtime.backends import SCHEDULER_ENV

    if args.serial and args.scheduler:
        raise CLIError("--serial and --scheduler exclude each other")
    if args.scheduler or (os.environ.get(SCHEDULER_ENV) and not args.serial):
        return "dask", args.scheduler
    return ("serial" if args.serial else "processes"), None


def design(args: argparse.Namespace) -> int:
    """Handler of ``qclock design``: run the command and print its result.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line of ``qclock design`` (built by :func:`register`).

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
    from ..report import run_design, write_design

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out must be a directory, but {str(out)!r} is a file")
    apply_laser_arguments(args, save_to=out)  # the fit beside the report, as laser_fit.json
    spec = _spec(args)
    backend, scheduler = _backend(args)
    if backend == "dask":  # fail fast, in one line, on an unreachable cluster
        from ..runtime.backends import connect_dask

        if not math.isfinite(args.connect_timeout) or args.connect_timeout <= 0:
            raise CLIError(f"--connect-timeout must be a finite number > 0 (seconds), got {args.connect_timeout}")
        client, owned = connect_dask(scheduler, timeout=args.connect_timeout)
        if owned:
            client.close()
    bars: dict = {}

    def progress(done, total, stage):
        if stage not in bars:
            for bar in bars.values():
                if bar is not None:
                    bar.close()
            bars[stage] = progress_reporter(args, total, f"design: {stage}", "points")
        if bars[stage] is not None:
            bars[stage](done, total)

    from ..runtime import claim_directory

    try:
        claim_directory(out, spec.to_dict(), what="qclock design")
        result = run_design(spec, out, backend=backend, workers=1 if backend == "serial" else args.workers,
                            scheduler=scheduler, progress=progress)
    finally:
        for bar in bars.values():
            if bar is not None:
                bar.close()
    files = write_design(result, out)
    summary = {"out": str(out), "files": {k: v for k, v in files.items() if isinstance(v, str)},
               **time_unit(args).fields(), **_summary_times(args, result)}
    if args.json:
        print_json(_finite(summary))
        return 0
    unit = summary["time_unit"]
    missing = "-"
    rows = [[row["class"], row["sigma_min"], missing if row["t_min"] is None else row["t_min"],
             row["gain_over_css"] or missing,
             missing if row["ratio_to_oqi"] is None else row["ratio_to_oqi"]] for row in summary["summary"]]
    print(format_table(["protocol", "sigma_min", f"T_min/{unit}", "gain/CSS", "sigma/OQI"], rows, "{:.4g}"))
    recommendation = summary["recommendation"]
    print(f"\nrecommended: {recommendation['class']} at T = {recommendation['interrogation_time']:.4g} {unit} "
          f"(sigma = {recommendation['sigma']:.4g}, {recommendation['basis']})")
    for warning in recommendation.get("warnings", []):
        print(f"warning: {warning}")
    print(f"report: {out / files['report']}")
    return 0


def _summary_times(args: argparse.Namespace, result) -> dict:
    """The printed summary, recommendation and limits, every time in the command's unit (Z or seconds)."""
    unit = time_unit(args)
    rows = []
    for row in result.summary():
        row = dict(row, t_min=None if row["t_min"] is None else unit.from_z(row["t_min"]))
        if row.get("simulated_t") is not None:
            row["simulated_t"] = unit.from_z(row["simulated_t"])
        rows.append(row)
    recommendation = {k: v for k, v in result.recommendation().items() if k != "protocol"}
    if recommendation.get("interrogation_time") is not None:
        recommendation["interrogation_time"] = unit.from_z(recommendation["interrogation_time"])
    limits = {key: {"sigma_lim": value["limit"]["sigma_lim"], "n_crit": value["n_crit"],
                    "t_lim": unit.from_z(value["limit"]["interrogation_time"])}
              for key, value in result.limits.items()}
    return {"summary": rows, "recommendation": recommendation, "limits": limits, "seconds": result.seconds}


def _finite(value):
    """Replace non-finite floats by None for strict JSON."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
