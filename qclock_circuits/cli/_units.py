"""The unit rule of every ``qclock`` subcommand: times in units of Z, or in seconds with ``--coherence-time``.

CONVENTIONS.md: the default time unit is the laser coherence time Z
(Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (30)); when the platform's
coherence time is given in seconds (``--coherence-time Z_SECONDS``) every time
option of the command is read in seconds and every time in its output is
written in seconds. Each output names its unit in a ``time_unit`` field
(``"Z"`` or ``"s"``) and beside every time in the text.
"""

from __future__ import annotations

import argparse
import math

from .._units import TimeUnit
from ._common import CLIError, real

__all__ = ["COHERENCE_TIME_HELP", "add_coherence_time", "TimeUnit", "time_unit"]

COHERENCE_TIME_HELP = ("laser coherence time Z in seconds (Kielinski & Hammerer eq. 30); with it every time option "
                       "and every time in the output is in seconds, without it in units of Z")


def add_coherence_time(parser: argparse.ArgumentParser) -> None:
    """Add ``--coherence-time Z_SECONDS`` to ``parser``."""
    parser.add_argument("--coherence-time", type=real, default=None, metavar="Z_SECONDS", help=COHERENCE_TIME_HELP)


def time_unit(args: argparse.Namespace) -> TimeUnit:
    """The :class:`TimeUnit` of a parsed command (checks ``--coherence-time``).

    Raises
    ------
    CLIError
        ``--coherence-time`` is not a finite number > 0.
    """
    z = getattr(args, "coherence_time", None)
    if z is not None and (not math.isfinite(z) or z <= 0):
        raise CLIError(f"--coherence-time must be a finite number > 0 (seconds), got {z}")
    return TimeUnit(z)
