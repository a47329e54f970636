"""Command-line options that take the laser from measured data: ``--laser-adev FILE`` / ``--laser-psd FILE``.

``add_laser_arguments(parser)`` adds the options to a subcommand that takes a
noise word and a coherence time; ``apply_laser_arguments(args)``, called first
in its handler, fits the file's power-law terms h_α
(:mod:`qclock_circuits.clock.laser_fit`), solves the coherence time Z of
Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (30), from them and the
transition frequency, prints the fit (h_α ± error, Z in s), and replaces the
command's ``--noise`` by the frequency-noise type that dominates the Allan
variance at τ = Z + T_D and — for commands with ``--coherence-time`` — its
coherence time by the fitted Z (times then in seconds). Commands that work in
units of Z keep their times in units of Z.

Only the standard library is imported here (``--help`` stays fast).
"""

from __future__ import annotations

import argparse
import sys

from ._common import CLIError, integer, real

__all__ = ["add_laser_arguments", "laser_from_args", "apply_laser_arguments"]


def add_laser_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--laser-adev``/``--laser-psd`` and the fit's options (and ``--transition-frequency`` if missing).

    Parameters
    ----------
    parser : argparse.ArgumentParser
        A subcommand's parser; ``--transition-frequency`` is added only if it has none.
    """
    group = parser.add_argument_group(
        "the laser from measured data (replaces --noise and the coherence time; needs --transition-frequency)")
    files = group.add_mutually_exclusive_group()
    files.add_argument("--laser-adev", metavar="FILE", default=None,
                       help="CSV of the laser's measured Allan deviation: columns tau_s, adev[, adev_err]; the "
                            "power-law terms h_alpha are fitted and give Z (eq. 30) and the noise type")
    files.add_argument("--laser-psd", metavar="FILE", default=None,
                       help="CSV of the laser's fractional-frequency spectrum: columns f_hz, S_y (1/Hz)[, S_y_err]")
    group.add_argument("--laser-terms", default="white,flicker,random_walk", metavar="LIST",
                       help="power-law terms to fit, words or NIST alpha: white, flicker, random_walk, flicker_phase, "
                            "white_phase (default: white,flicker,random_walk)")
    group.add_argument("--laser-bandwidth", type=real, default=None, metavar="HZ",
                       help="measurement bandwidth f_h in Hz of the phase-noise terms (flicker_phase, white_phase)")
    group.add_argument("--laser-samples", type=integer, default=None, metavar="N",
                       help="--laser-adev without an adev_err column: number of frequency samples of the record "
                            "(errors from the chi-square statistics of the overlapping ADEV; default: equal "
                            "relative errors estimated from the scatter)")
    if "--transition-frequency" not in parser._option_string_actions:
        group.add_argument("--transition-frequency", type=real, default=None, metavar="HZ",
                           help="clock transition frequency in Hz (with --laser-adev/--laser-psd)")


def laser_from_args(args: argparse.Namespace):
    """The fit of ``--laser-adev``/``--laser-psd``, or None when neither is given.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments of a parser prepared by :func:`add_laser_arguments`.

    Returns
    -------
    LaserNoiseFit or None

    Raises
    ------
    CLIError
        A laser file without ``--transition-frequency``, or a file or fit the library rejects (one line).
    """
    path = getattr(args, "laser_adev", None) or getattr(args, "laser_psd", None)
    if path is None:
        return None
    option = "--laser-adev" if getattr(args, "laser_adev", None) else "--laser-psd"
    nu0 = getattr(args, "transition_frequency", None)
    if nu0 is None:
        raise CLIError(f"{option} needs --transition-frequency (Hz) to turn the fitted noise into the coherence "
                       "time Z (eq. 30)")
    from ..clock.laser_fit import fit_laser_file

    terms = [item.strip() for item in args.laser_terms.split(",") if item.strip()]
    options = {"terms": terms}
    if option == "--laser-adev":
        options.update(bandwidth=args.laser_bandwidth, samples=args.laser_samples)
    elif args.laser_bandwidth is not None or args.laser_samples is not None:
        raise CLIError("--laser-bandwidth and --laser-samples apply to --laser-adev only")
    try:
        return fit_laser_file(path, "adev" if option == "--laser-adev" else "psd", **options)
    except (ValueError, TypeError) as error:
        raise CLIError(f"{option}: {error}") from None


def apply_laser_arguments(args: argparse.Namespace, stream=None, save_to=None):
    """Fit the laser file, put its Z and noise type into ``args`` and print the fit; no-op without a file.

    With a ``coherence_time`` option on the command (``design``), Z is solved
    with ``--dead-time`` in seconds and written into ``args.coherence_time``;
    otherwise ``--dead-time`` is in units of Z (``Z + T_D = Z (1 + dead_time)``).
    ``args.noise`` becomes the dominant frequency-noise type at τ = Z + T_D.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments (modified in place).
    stream : file, optional
        Where the fit is printed; default stdout, or stderr with ``--json``.
    save_to : str or Path, optional
        A directory (created if needed) to write the summary into, as ``laser_fit.json``.

    Returns
    -------
    dict or None
        The printed summary (``fit``, ``coherence_time_s``, ``coherence_time_err_s``,
        ``noise``, ``noise_shares``), None without a laser file.

    Raises
    ------
    CLIError
        A laser file together with ``--coherence-time``, or with ``--prior-width``
        where the command would not use the laser, or a bad file.
    """
    fit = laser_from_args(args)
    if fit is None:
        return None
    option = "--laser-adev" if getattr(args, "laser_adev", None) else "--laser-psd"
    seconds = hasattr(args, "coherence_time")
    if seconds and args.coherence_time is not None:
        raise CLIError(f"give the laser as {option} or as --coherence-time, not both")
    if getattr(args, "prior_width", None) is not None:
        raise CLIError(f"{option} sets the laser noise of --interrogation-time; it has no effect with --prior-width")
    dead = getattr(args, "dead_time", None) or 0.0
    unit = "s" if seconds else "Z"
    try:
        z = fit.coherence_time(args.transition_frequency, dead, dead_time_unit=unit)
        z_err = fit.coherence_time_err(args.transition_frequency, dead, dead_time_unit=unit)
        noise, shares = fit.dominant_noise(args.transition_frequency, dead, dead_time_unit=unit)
    except (ValueError, TypeError) as error:
        raise CLIError(f"{option}: {error}") from None
    if seconds:
        args.coherence_time = z
    args.noise = noise
    summary = {"file": fit.meta.get("file"), "fit": fit.to_dict(), "coherence_time_s": z,
               "coherence_time_err_s": z_err, "noise": noise, "noise_shares": shares,
               "time_unit": "s" if seconds else "Z"}
    if stream is None:
        stream = sys.stderr if getattr(args, "json", False) else sys.stdout
    print(_text(fit, summary, dead, unit), file=stream)
    if save_to is not None:
        import json
        from pathlib import Path

        from ..runtime import write_atomic

        Path(save_to).mkdir(parents=True, exist_ok=True)
        write_atomic(Path(save_to) / "laser_fit.json", json.dumps(summary, indent=1, allow_nan=False))
    return summary


def _text(fit, summary: dict, dead: float, unit: str) -> str:
    lines = [f"laser from {summary['file']} ({'Allan deviation' if fit.kind == 'adev' else 'spectrum S_y'}):"]
    lines += ["  " + line for line in fit.summary().splitlines()]
    shares = ", ".join(f"{name} {100 * share:.1f} %" for name, share in summary["noise_shares"].items())
    lines.append(f"  coherence time Z = {summary['coherence_time_s']:.6g} ± {summary['coherence_time_err_s']:.2g} s "
                 f"(eq. 30, T_D = {dead:g} {'s' if unit == 's' else 'Z'}); noise model: {summary['noise']} "
                 f"(share of sigma_y^2 at Z + T_D: {shares})")
    if unit == "Z":
        lines.append("  times of this command are in units of Z")
    return "\n".join(lines)

