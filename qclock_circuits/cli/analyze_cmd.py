"""``qclock analyze``: a lab's recorded data in — Ramsey counts per cycle, or a frequency trace.

``qclock analyze counts FILE --protocol P --atoms N --prior-width D`` turns
recorded outcome counts (CSV ``cycle, outcome, count`` or JSON of Qiskit counts
dicts) into each cycle's posterior mean and width of the phase (Kielinski &
Hammerer, arXiv:2505.04287 (2025), eqs. (2), (5)) and, with
``--interrogation-time``, of the frequency ω = φ/T (and y = ω/(2π ν0) with T in
seconds and ``--transition-frequency``).

``qclock analyze trace FILE --rate HZ`` turns a recorded fractional-frequency
(column ``y``) or phase (column ``x``, seconds) trace into its overlapping Allan
deviation with χ² confidence intervals (NIST SP 1065; the numbers of
``allantools.oadev``).

Examples
--------
::

    qclock analyze counts run42.csv --protocol css --atoms 10 --prior-width 0.3 --interrogation-time 0.5 --time-unit s --transition-frequency 4.29e14
    qclock analyze counts sampler.json --protocol sss --atoms 8 --twist 0.2 --prior-width 0.3 --json
    qclock analyze trace beat.csv --rate 1 --out adev.json
"""

from __future__ import annotations

import argparse
import json
import math

from ._common import CLIError, format_table, print_json, real
from .protocol_args import add_protocol_arguments, protocol_from_args

__all__ = ["NAME", "HELP", "register", "analyze_counts", "analyze_trace"]

NAME = "analyze"
HELP = "the lab's recorded data: Ramsey counts per cycle to phase/frequency estimates, a frequency trace to its ADEV"


def register(subparsers) -> None:
    """Add ``qclock analyze counts`` and ``qclock analyze trace`` to the ``qclock`` parser.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The ``qclock`` parser's subcommands.
    """
    parser = subparsers.add_parser(NAME, help=HELP, description=HELP)
    kinds = parser.add_subparsers(dest="analysis", metavar="WHAT", required=True)

    counts = kinds.add_parser(
        "counts", help="recorded Ramsey counts per cycle to the posterior phase and frequency of every cycle",
        description="Per-cycle posterior mean and width of the Ramsey phase (Kielinski & Hammerer eqs. 2, 5) "
                    "from recorded counts: CSV with columns cycle, outcome, count (outcome: the protocol's outcome "
                    "value or a bitstring, qubit 0 rightmost) or JSON of counts dicts (one per cycle, e.g. "
                    "SamplerV2 get_counts(), or a Qiskit Result.to_dict()).")
    counts.add_argument("file", metavar="FILE", help="CSV or .json file of counts per cycle")
    add_protocol_arguments(counts, positional=False)
    counts.add_argument("--prior-width", type=real, required=True, metavar="D",
                        help="width of the Gaussian phase prior of each cycle (rad, > 0)")
    counts.add_argument("--prior-mean", type=real, default=0.0, metavar="PHI",
                        help="mean of the prior (rad, default 0)")
    counts.add_argument("--interrogation-time", type=real, default=None, metavar="T",
                        help="dark time T, to report frequencies omega = phi/T (unit: --time-unit)")
    counts.add_argument("--time-unit", choices=("Z", "s"), default="Z",
                        help="unit of --interrogation-time: the laser coherence time Z (default) or seconds")
    counts.add_argument("--transition-frequency", type=real, default=None, metavar="HZ",
                        help="clock transition frequency in Hz; with T in seconds, fractional frequencies y")
    counts.add_argument("--labels", choices=("auto", "outcome", "bitstring"), default="auto",
                        help="how the outcome labels are read (default auto: 0/1 strings of length >= 2 are "
                             "bitstrings)")
    _output_arguments(counts)
    counts.set_defaults(handler=analyze_counts)

    trace = kinds.add_parser(
        "trace", help="a recorded frequency or phase trace to its overlapping Allan deviation",
        description="Overlapping Allan deviation with chi-square confidence intervals (NIST SP 1065) of a "
                    "recorded trace: CSV with a column y (fractional frequency) or x (phase in seconds).")
    trace.add_argument("file", metavar="FILE", help="CSV file with a header row")
    trace.add_argument("--rate", type=real, required=True, metavar="HZ", help="sample rate in Hz (> 0)")
    trace.add_argument("--confidence", type=real, default=None, metavar="P",
                       help="two-sided probability of the interval (default: one sigma, 0.683)")
    trace.add_argument("--noise", choices=("white", "flicker", "random_walk"), default="white",
                       help="noise type of the equivalent degrees of freedom (default: white)")
    _output_arguments(trace)
    trace.set_defaults(handler=analyze_trace)


def _output_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print a JSON object")
    parser.add_argument("--out", metavar="FILE", default=None, help="also write the JSON object to FILE")


def _emit(args: argparse.Namespace, data: dict, text: str) -> None:
    if args.out is not None:
        from ..runtime import write_atomic

        write_atomic(args.out, json.dumps(data, indent=1, allow_nan=False))
    if args.json:
        print_json(data)
    else:
        print(text)


def analyze_counts(args: argparse.Namespace) -> int:
    """Handler of ``qclock analyze counts``.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed arguments.

    Returns
    -------
    int
        0 on success.
    """
    from ..bayes.recorded import estimate_cycles, read_counts_file

    protocol = protocol_from_args(args)
    if args.prior_width <= 0 or not math.isfinite(args.prior_width):
        raise CLIError(f"--prior-width must be a finite number > 0 (rad), got {args.prior_width}")
    cycles, counts = read_counts_file(args.file, labels=args.labels, atoms=protocol.atoms)
    result = estimate_cycles(protocol, counts, args.prior_width, prior_mean=args.prior_mean,
                             interrogation_time=args.interrogation_time, time_unit=args.time_unit,
                             transition_frequency=args.transition_frequency, cycles=cycles)
    result.meta["file"] = str(args.file)
    data = result.to_dict()
    header = ["cycle", "shots", "phi (rad)", "+-"]
    columns = [result.cycles.tolist(), result.shots.tolist(), result.phase.tolist(), result.phase_std.tolist()]
    if result.frequency is not None:
        header += [f"omega ({data['frequency_unit']})", "+-"]
        columns += [result.frequency.tolist(), result.frequency_std.tolist()]
    if result.fractional_frequency is not None:
        header += ["y", "+-"]
        columns += [result.fractional_frequency.tolist(), result.fractional_frequency_std.tolist()]
    rows = [list(row) for row in zip(*columns)]
    text = (f"{len(result)} cycles of {result.protocol} (N = {result.atoms}) from {args.file}; Gaussian prior "
            f"width {result.prior_width:g} rad, mean {result.prior_mean:g} rad\n"
            + format_table(header, rows, "{:.6g}"))
    _emit(args, data, text)
    return 0


def analyze_trace(args: argparse.Namespace) -> int:
    """Handler of ``qclock analyze trace``.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed arguments.

    Returns
    -------
    int
        0 on success.
    """
    from ..clock.allan import ONE_SIGMA_CONFIDENCE
    from ..clock.trace import read_trace_csv, trace_adev

    samples, kind = read_trace_csv(args.file)
    confidence = ONE_SIGMA_CONFIDENCE if args.confidence is None else args.confidence
    result = trace_adev(samples, rate=args.rate, data_type=kind, confidence=confidence, noise=args.noise)
    data = {"file": str(args.file), "data_type": kind, "rate_hz": args.rate, "tau_unit": "s", **result.to_dict()}
    rows = [[t, s, lo, hi, e] for t, s, lo, hi, e in
            zip(result.tau.tolist(), result.sigma.tolist(), result.ci_low.tolist(), result.ci_high.tolist(),
                result.edf.tolist())]
    text = (f"overlapping Allan deviation of {args.file} ({'fractional frequency' if kind == 'freq' else 'phase'} "
            f"samples at {args.rate:g} Hz; {100 * confidence:.1f} % chi-square intervals, {args.noise} FM EDF)\n"
            + format_table(["tau (s)", "sigma_y", "low", "high", "edf"], rows, "{:.6g}"))
    _emit(args, data, text)
    return 0
