"""``qclock evaluate``: Bayesian mean squared error, Δφ_M and clock stability of one protocol.

The prior is Gaussian (Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. 6). Give its width directly
(``--prior-width``, rad) or through the interrogation time T
(``--interrogation-time``; eq. 31, with dead time eqs. 42–43): in units of the
laser coherence time Z, or in seconds when the coherence time is given
(``--coherence-time Z_SECONDS``), the unit rule of every ``qclock`` command.
The output names the unit of its times (``time_unit``: ``"Z"`` or ``"s"``).
The output is the BMSE (Δφ)² of the chosen estimator (eq. 3),
the effective measurement uncertainty Δφ_M (eq. 27), the estimator table
φ_est(x) and, with ``--interrogation-time``, the dimensionless Allan
deviation σ_y(τ)ω0√(τZ) = Δφ_M √(T + T_D)/T (eq. 29).

Examples
--------
::

    qclock evaluate --protocol css --atoms 8 --prior-width 0.3 --estimator linear --json
    qclock evaluate --protocol sss --atoms 20 --interrogation-time 0.05 --noise flicker --dead-time 0.01
    qclock evaluate --protocol ghz --atoms 6 --prior-width 0.1 --readout parity
    qclock evaluate --protocol css --atoms 8 --interrogation-time 0.2 --dead-time 0.04 --coherence-time 2  # seconds

This module also holds the prior options shared with ``qclock bounds``
(:func:`add_prior_arguments`, :func:`prior_from_args`).
"""

from __future__ import annotations

import argparse
import math

from .._names import NOISE_ALIASES, NOISE_CHOICES
from ._common import CLIError, format_table, integer, print_json, real
from ._units import COHERENCE_TIME_HELP, TimeUnit, time_unit
from .laser_args import add_laser_arguments, apply_laser_arguments

__all__ = [
    "NAME",
    "HELP",
    "register",
    "evaluate",
    "PROTOCOLS",
    "NOISE_NAMES",
    "MAX_TABLE_OUTCOMES",
    "add_prior_arguments",
    "prior_from_args",
    "finite_or_none",
    "cycle_times_z",
    "prior_lines",
]

NAME = "evaluate"
HELP = "BMSE, effective measurement uncertainty and clock stability of a protocol"

#: Protocol families this command evaluates.
PROTOCOLS = ("css", "sss", "ghz")
#: Laser-noise types of ``--noise`` (NIST α = 0, −1, −2; then the papers' aliases 'brownian', '1/f').
NOISE_NAMES = NOISE_CHOICES
#: Above this many outcomes the text output summarises the estimator table.
MAX_TABLE_OUTCOMES = 21

# option -> protocols it applies to
_APPLIES_TO = {"twist": ("sss",), "rotation": ("sss",), "readout": ("ghz",)}


# ---------------------------------------------------------------- shared prior options
def add_prior_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--prior-width | --interrogation-time [--noise] [--dead-time] [--coherence-time]`` to ``parser``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser; ``--prior-width`` (rad) and
        ``--interrogation-time`` (units of Z, or s with ``--coherence-time``) are
        added as mutually exclusive options, with ``--noise``, ``--dead-time``
        (same unit as the interrogation time) and ``--coherence-time`` (s).
    """
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--prior-width", type=real, metavar="D",
                       help="width delta-phi of the Gaussian phase prior (rad, > 0)")
    group.add_argument("--interrogation-time", type=real, metavar="T",
                       help="interrogation time T (> 0) in units of the laser coherence time Z, or in seconds with "
                            "--coherence-time; the prior width follows Kielinski & Hammerer eq. (31): "
                            "delta-phi^2 = chi (T/Z)^(1-alpha), broadened by the dead time (eqs. 42-43)")
    parser.add_argument("--noise", choices=NOISE_NAMES, default=None,
                        help="with --interrogation-time: laser frequency noise (default: flicker; 'brownian' and "
                             "'1/f' are the papers' words for random_walk and flicker)")
    parser.add_argument("--dead-time", type=real, metavar="TD", default=None,
                        help="with --interrogation-time: dead time T_D per cycle, same unit as T (>= 0, default: 0)")
    parser.add_argument("--coherence-time", type=real, default=None, metavar="Z_SECONDS",
                        help="with --interrogation-time: " + COHERENCE_TIME_HELP)
    add_laser_arguments(parser)


def _positive(value: float, option: str, unit: str) -> float:
    if not math.isfinite(value) or value <= 0:
        raise CLIError(f"{option} must be a finite number > 0 ({unit}), got {value}")
    return float(value)


def prior_from_args(args: argparse.Namespace):
    """The Gaussian prior selected by ``args`` and a dict describing it.

    With ``--interrogation-time`` the width is the prior width accumulated by
    the laser noise over one cycle (:func:`qclock_circuits.bayes.prior_width`,
    Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (29)).

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options: ``prior_width`` (rad) or ``interrogation_time``
        (units of Z), with optional ``noise`` and ``dead_time`` (units of Z).

    Returns
    -------
    prior : GaussianPrior
        The prior of the phase φ (width δφ in rad).
    info : dict
        ``{"prior_width": δφ}``, plus ``"interrogation_time"``, ``"dead_time"``
        (in the command's unit), ``"noise"``, ``"time_unit"`` (``"Z"`` or
        ``"s"``) and ``"coherence_time"`` (s or None) when the width comes from
        ``--interrogation-time``.

    Raises
    ------
    CLIError
        When a width or time is not finite and > 0, the dead time is negative,
        or ``--noise``/``--dead-time`` are given with ``--prior-width``.
    """
    from .. import bayes

    apply_laser_arguments(args)
    if args.interrogation_time is None:
        for option in ("noise", "dead_time", "coherence_time"):
            if getattr(args, option) is not None:
                raise CLIError(f"--{option.replace('_', '-')} applies only with --interrogation-time, "
                               "not with --prior-width")
        width = _positive(args.prior_width, "--prior-width", "rad")
        return bayes.GaussianPrior(width), {"prior_width": width}

    unit = time_unit(args)
    time = _positive(args.interrogation_time, "--interrogation-time", unit.words)
    noise = NOISE_ALIASES.get(args.noise, args.noise) if args.noise else "flicker"
    dead_time = 0.0 if args.dead_time is None else float(args.dead_time)
    if not math.isfinite(dead_time) or dead_time < 0:
        raise CLIError(f"--dead-time must be a finite number >= 0 ({unit.words}), got {dead_time}")
    width = float(bayes.prior_width(unit.to_z(time), noise, unit.to_z(dead_time)))
    info = {"prior_width": width, "interrogation_time": time, "dead_time": dead_time, "noise": noise,
            **unit.fields()}
    return bayes.GaussianPrior(width), info


def cycle_times_z(info: dict) -> tuple[float, float]:
    """``(T, T_D)`` of a :func:`prior_from_args` description, in units of Z.

    Parameters
    ----------
    info : dict
        The description returned by :func:`prior_from_args` (with
        ``interrogation_time``, ``dead_time`` and ``coherence_time``).

    Returns
    -------
    tuple of float
        T and T_D in units of the laser coherence time Z.
    """
    unit = TimeUnit(info["coherence_time"])
    return unit.to_z(info["interrogation_time"]), unit.to_z(info["dead_time"])


def finite_or_none(value: float) -> float | None:
    """``value`` as a float, or ``None`` (JSON null) when it is not finite.

    Parameters
    ----------
    value : float
        Any real number (units unchanged).

    Returns
    -------
    float or None
        ``float(value)``, or ``None`` for ±inf and NaN.
    """
    value = float(value)
    return value if math.isfinite(value) else None


def prior_lines(info: dict) -> list[str]:
    """The text lines describing the prior of :func:`prior_from_args`, times with their unit.

    Parameters
    ----------
    info : dict
        The description returned by :func:`prior_from_args`.

    Returns
    -------
    list of str
        Lines for the command's text output (width in rad; T, T_D with their unit).
    """
    lines = [f"prior: Gaussian, width delta-phi = {info['prior_width']:.6g} rad"]
    if "interrogation_time" in info:
        unit = info["time_unit"]
        lines[0] += (f" (T = {info['interrogation_time']:.6g} {unit}, T_D = {info['dead_time']:.6g} {unit}, "
                     f"{info['noise']} noise" + ("" if info["coherence_time"] is None else
                                                 f", Z = {info['coherence_time']:.6g} s") + ")")
    return lines


# ---------------------------------------------------------------- command
def register(subparsers) -> None:
    """Add ``qclock evaluate`` to the ``qclock`` parser.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The object returned by ``ArgumentParser.add_subparsers`` on the
        ``qclock`` parser; the new subcommand is added to it.
    """
    parser = subparsers.add_parser(
        NAME, help=HELP,
        description="Bayesian mean squared error (BMSE) of a Ramsey protocol for a Gaussian phase "
                    "prior (Kielinski & Hammerer): the BMSE of the chosen estimator, the effective measurement "
                    "uncertainty dphi_M (eq. 27), the estimator table and, with --interrogation-time, "
                    "the dimensionless Allan deviation sigma_y(tau) w0 sqrt(tau Z) = "
                    "dphi_M sqrt(T + T_D)/T (eq. 29). dphi_M and sigma are infinite (JSON null) "
                    "when the measurement carries no information (BMSE >= delta-phi^2).")
    parser.add_argument("--protocol", choices=PROTOCOLS, required=True, help="protocol family")
    parser.add_argument("--atoms", "-N", type=integer, required=True, metavar="N",
                        help="number of atoms N (integer >= 1)")
    add_prior_arguments(parser)
    parser.add_argument("--estimator", choices=("bayes", "linear", "arcsin"), default="bayes",
                        help="phase estimator: posterior mean (bayes, the minimum BMSE), optimal "
                             "linear a*x, or arcsin inversion of the signal (default: bayes)")
    parser.add_argument("--twist", type=real, metavar="MU",
                        help="sss: one-axis-twisting strength mu (rad); default: the twist and rotation "
                             "that minimise the chosen estimator's BMSE at this prior width")
    parser.add_argument("--rotation", type=real, metavar="THETA",
                        help="sss, with --twist: rotation Rx(theta) after the twist (rad); default: the "
                             "variance-minimising angle")
    parser.add_argument("--readout", choices=("parity", "jz"),
                        help="ghz: parity or Jz readout (default: parity)")
    parser.add_argument("--json", action="store_true", help="print a JSON object")
    parser.set_defaults(handler=evaluate)


def _check_applicable(args: argparse.Namespace) -> None:
    for option, allowed in _APPLIES_TO.items():
        if getattr(args, option) is not None and args.protocol not in allowed:
            raise CLIError(f"--{option} applies only to {', '.join(allowed)}, not to {args.protocol}")
    if args.protocol == "sss" and args.rotation is not None and args.twist is None:
        raise CLIError("--rotation needs --twist for sss (without --twist, twist and rotation are "
                       "both optimised)")


def _protocol(args: argparse.Namespace, prior):
    """The protocol and, for sss, ``(twist, rotation, optimised)``."""
    from .. import bayes, protocols

    atoms = args.atoms
    if args.protocol == "css":
        return protocols.css(atoms), None
    if args.protocol == "ghz":
        return protocols.ghz(atoms, readout=args.readout or "parity"), None
    if args.twist is None:
        protocol, _ = bayes.stability.best_sss(atoms, prior, args.estimator)
        optimised = True
    else:
        protocol = protocols.sss(atoms, args.twist, rotation=args.rotation)
        optimised = False
    twist, rotation = (float(v) for v in protocol.parameters)
    return protocol, (twist, rotation, optimised)


def evaluate(args: argparse.Namespace) -> int:
    """Handler of ``qclock evaluate``: run the command and print its result.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line of ``qclock evaluate`` (built by :func:`register`).

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

    _check_applicable(args)
    atoms = check_atoms(args.atoms)
    prior, info = prior_from_args(args)
    width = info["prior_width"]
    protocol, sss_parameters = _protocol(args, prior)

    value = bayes.bmse(protocol, prior, args.estimator)
    dphi_m = bayes.effective_measurement_uncertainty(value, width)
    table = bayes.estimator_table(protocol, prior, args.estimator)
    sigma = None
    if "interrogation_time" in info:
        sigma = math.inf if math.isinf(dphi_m) else bayes.allan_deviation(dphi_m, *cycle_times_z(info))

    data = {"protocol": args.protocol, "atoms": atoms, "estimator": args.estimator}
    if args.protocol == "ghz":
        data["readout"] = protocol.readout
    if sss_parameters is not None:
        data["twist"], data["rotation"], data["twist_optimised"] = sss_parameters
    data.update(info)
    data["bmse"] = float(value)
    data["dphi_m"] = finite_or_none(dphi_m)
    if sigma is not None:
        data["sigma"] = finite_or_none(sigma)
    data["estimator_table"] = [[float(x), float(e)] for x, e in zip(protocol.outcomes, table)]

    if args.json:
        print_json(data)
        return 0

    header = f"{protocol.name}: N = {atoms}"
    if args.protocol == "ghz":
        header += f", readout = {protocol.readout}"
    if sss_parameters is not None:
        twist, rotation, optimised = sss_parameters
        header += (f", twist mu = {twist:.6g} rad, rotation theta = {rotation:.6g} rad"
                   + (f" (optimised for the {args.estimator} BMSE)" if optimised else ""))
    lines = [header, *prior_lines(info), f"estimator: {args.estimator}",
             f"BMSE (dphi)^2 = {value:.6g} rad^2  (dphi = {math.sqrt(value):.6g} rad)",
             f"dphi_M = {dphi_m:.6g} rad  (Kielinski & Hammerer eq. 27)"]
    if sigma is not None:
        lines.append(f"sigma_y(tau) w0 sqrt(tau Z) = {sigma:.6g}  (eq. 29)")
    print("\n".join(lines))
    print()
    rows = [[f"{x:g}", float(e)] for x, e in zip(protocol.outcomes, table)]
    print("estimator table:")
    if len(rows) <= MAX_TABLE_OUTCOMES:
        print(format_table(["x", "phi_est(x)/rad"], rows, float_format="{:.6f}"))
    else:
        shown = rows[:5] + [["...", "..."]] + rows[-5:]
        print(format_table(["x", "phi_est(x)/rad"], shown, float_format="{:.6f}"))
        print(f"({len(rows)} outcomes: use --json for the full table)")
    return 0
