"""Command-line options that select a protocol, shared by every subcommand that needs one.

``add_protocol_arguments(parser)`` adds ``--protocol`` (the command line's rule:
command words are positional, every quantity is a named option; the former
positional protocol name still works, with a deprecation warning) and
``--atoms/--twist/--rotation/--readout/--layers/--params``;
``protocol_from_args(args)`` builds the :class:`~qclock_circuits.protocols.RamseyProtocol`.
Options that do not apply to the chosen protocol are an error, not silently ignored.
"""

from __future__ import annotations

import argparse


from ._common import CLIError, integer, layers, real, real_list

__all__ = ["PROTOCOL_NAMES", "add_protocol_arguments", "protocol_from_args", "default_twist"]

PROTOCOL_NAMES = ("css", "sss", "ghz", "poi", "variational")

# option -> protocols it applies to
_APPLIES_TO = {
    "twist": ("sss",),
    "rotation": ("sss",),
    "readout": ("ghz",),
    "layers": ("variational",),
    "params": ("sss", "poi", "variational"),
}


def default_twist(atoms: int) -> float:
    """Kitagawa–Ueda's most-squeezing twist ``μ ≈ 24^{1/6} (N/2)^{-2/3}`` (large-N asymptote).

    Kitagawa & Ueda, Phys. Rev. A 47, 5138 (1993), with μ = 2χt.

    Parameters
    ----------
    atoms : int
        Number of atoms N (>= 1).

    Returns
    -------
    float
        The one-axis-twisting strength μ (rad).
    """
    return float(24.0 ** (1.0 / 6.0) * (atoms / 2.0) ** (-2.0 / 3.0))


def add_protocol_arguments(parser: argparse.ArgumentParser, positional: bool = True) -> None:
    """Add the protocol-selecting arguments to ``parser``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser; gets ``--protocol`` (the protocol family) and
        ``--atoms``, ``--twist`` (rad), ``--rotation`` (rad), ``--readout``,
        ``--layers`` and ``--params``.
    positional : bool, optional
        Also accept the family as the old positional argument (a hidden,
        deprecated alias; default True). False for commands with positional
        arguments of their own (``qclock analyze counts FILE``).
    """
    parser.add_argument("--protocol", choices=PROTOCOL_NAMES, default=None, help="protocol family (required)")
    if positional:
        parser.add_argument("family", nargs="?", choices=(*PROTOCOL_NAMES, None), default=None,
                            help=argparse.SUPPRESS)
    parser.add_argument("--atoms", "-N", type=integer, required=True, metavar="N",
                        help="number of atoms N (integer >= 1)")
    parser.add_argument("--twist", type=real, metavar="MU",
                        help="sss: one-axis-twisting strength mu = 2*chi*t (rad); default: "
                             "Kitagawa-Ueda's most-squeezing mu ~ 24^(1/6) (N/2)^(-2/3)")
    parser.add_argument("--rotation", type=real, metavar="THETA",
                        help="sss: rotation Rx(theta) after the twist (rad); default: the "
                             "variance-minimising angle")
    parser.add_argument("--readout", choices=("parity", "jz"),
                        help="ghz: parity or Jz readout (default: parity)")
    parser.add_argument("--layers", type=layers, metavar="n,m",
                        help="variational: numbers of preparation and measurement twists (default: 1,1)")
    parser.add_argument("--params", type=real_list, metavar="V1,V2,...",
                        help="free parameters, comma-separated (sss: twist,rotation; variational: "
                             "2+3(n+m) values; poi: Re and Im of the N+1 Dicke amplitudes)")


def _resolve_protocol(args: argparse.Namespace) -> None:
    """``--protocol``, or the deprecated positional name (one-line warning on stderr)."""
    import sys

    from .._deprecation import REMOVAL_VERSION

    positional = getattr(args, "family", None)
    if positional is not None:
        if args.protocol is not None:
            raise CLIError(f"give the protocol once: --protocol {args.protocol} (the positional name {positional!r} "
                           "is its deprecated spelling)")
        print(f"qclock: warning: the positional protocol name is deprecated and will be removed in qclock_circuits "
              f"{REMOVAL_VERSION}; use --protocol {positional}", file=sys.stderr)
        args.protocol = positional
    if args.protocol is None:
        raise CLIError(f"the following arguments are required: --protocol ({', '.join(PROTOCOL_NAMES)})")


def _check_applicable(args: argparse.Namespace) -> None:
    for option, allowed in _APPLIES_TO.items():
        if getattr(args, option, None) is not None and args.protocol not in allowed:
            raise CLIError(f"--{option} applies only to {', '.join(allowed)}, not to {args.protocol}")


def protocol_from_args(args: argparse.Namespace):
    """Build the protocol selected by ``args`` (raises the library's errors on bad values).

    Parameters
    ----------
    args : argparse.Namespace
        Options added by :func:`add_protocol_arguments`.

    Returns
    -------
    RamseyProtocol
        The protocol of the chosen family on ``args.atoms`` atoms.

    Raises
    ------
    CLIError
        When an option is given for a family it does not apply to, or no family is given.
    QClockError
        When the library rejects a value (atom number, parameters).
    """
    import numpy as np

    from .. import protocols

    _resolve_protocol(args)
    _check_applicable(args)
    atoms = args.atoms
    params = None if args.params is None else np.asarray(args.params, dtype=float)
    if args.protocol == "css":
        return protocols.css(atoms)
    if args.protocol == "sss":
        if params is not None:
            if args.twist is not None or args.rotation is not None:
                raise CLIError("give --params or --twist/--rotation for sss, not both")
            return protocols.sss(atoms, parameters=params)
        twist = args.twist
        if twist is None:
            protocols.css(atoms)  # validates atoms before the default twist uses it
            twist = default_twist(atoms)
        return protocols.sss(atoms, twist, rotation=args.rotation)
    if args.protocol == "ghz":
        return protocols.ghz(atoms, readout=args.readout or "parity")
    if args.protocol == "poi":
        return protocols.poi(atoms, parameters=params)
    n, m = args.layers if args.layers is not None else (1, 1)
    return protocols.variational(atoms, n, m, params)
