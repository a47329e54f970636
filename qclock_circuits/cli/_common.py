"""Pieces shared by the ``qclock`` subcommands: parser class, errors, value parsers, output."""

from __future__ import annotations

import argparse
import json
import sys

__all__ = [
    "CLIError",
    "QClockArgumentParser",
    "one_line",
    "integer",
    "real",
    "real_list",
    "layers",
    "format_table",
    "print_json",
    "DeprecatedOption",
    "add_deprecated_option",
    "add_quiet",
    "progress_reporter",
]


class CLIError(Exception):
    """A user mistake found by the command line itself; reported as one line."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


class QClockArgumentParser(argparse.ArgumentParser):
    """``ArgumentParser`` whose errors raise :class:`CLIError` instead of printing usage."""

    def error(self, message: str):  # noqa: D401 - argparse API
        raise CLIError(message)


def one_line(message: str) -> str:
    """Collapse a (possibly multi-line) message to one line."""
    return " ".join(str(message).split())


def integer(text: str) -> int:
    """argparse type: an integer literal (``'8'``, ``'-1'``); ``'2.5'``, ``'nan'`` are rejected."""
    try:
        return int(text.strip(), 10)
    except (ValueError, AttributeError):
        raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None


def real(text: str) -> float:
    """argparse type: a real number; NaN/inf pass through so the library names the argument."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a real number, got {text!r}") from None


def real_list(text: str) -> list[float]:
    """argparse type: comma-separated real numbers, e.g. ``'0.1,-0.2,3'`` (empty string: [])."""
    if not text.strip():
        return []
    values = []
    for item in text.split(","):
        try:
            values.append(float(item))
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be comma-separated real numbers, got {item.strip()!r} in {text!r}") from None
    return values


def layers(text: str) -> tuple[int, int]:
    """argparse type: ``'n,m'`` with two integers ≥ 0 (preparation and measurement twists)."""
    parts = text.split(",")
    try:
        n, m = (int(p.strip(), 10) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be two integers 'n,m', got {text!r}") from None
    if n < 0 or m < 0:
        raise argparse.ArgumentTypeError(f"must be two integers >= 0, got {text!r}")
    return n, m


def format_table(header: list[str], rows: list[list], float_format: str = "{:.6f}") -> str:
    """Right-aligned plain-text table."""
    cells = [[h for h in header]]
    for row in rows:
        cells.append([float_format.format(v) if isinstance(v, float) else str(v) for v in row])
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    return "\n".join("  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in cells)


def print_json(data, stream=None) -> None:
    """Print ``data`` as indented JSON (strict: no NaN/inf)."""
    stream = sys.stdout if stream is None else stream
    json.dump(data, stream, indent=2, allow_nan=False)
    stream.write("\n")


class DeprecatedOption(argparse.Action):
    """argparse action of a renamed option: stores into the new option's destination after a one-line warning.

    The warning, ``qclock: warning: option --old is deprecated ...; use --new``,
    goes to stderr; the old spelling keeps working for one minor version
    (:data:`qclock_circuits._deprecation.REMOVAL_VERSION`).
    """

    def __init__(self, option_strings, dest, new_option: str = "", **kwargs):
        self.new_option = new_option
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        from .._deprecation import REMOVAL_VERSION

        print(f"qclock: warning: option {option_string} is deprecated and will be removed in qclock_circuits "
              f"{REMOVAL_VERSION}; use {self.new_option}", file=sys.stderr)
        setattr(namespace, self.dest, values)


def add_deprecated_option(parser, old: str, new: str, dest: str, **kwargs) -> None:
    """Add the old spelling ``old`` of option ``new`` (hidden from ``--help``) to ``parser`` or a group.

    Parameters
    ----------
    parser : argparse.ArgumentParser or argument group
        Where ``new`` was added.
    old, new : str
        The old and the new option strings, e.g. ``'--h'`` and ``'--noise-strength'``.
    dest : str
        ``new``'s destination.
    **kwargs
        ``type``, ``metavar`` … as for ``new``.
    """
    parser.add_argument(old, dest=dest, action=DeprecatedOption, new_option=new, help=argparse.SUPPRESS, **kwargs)


def add_quiet(parser) -> None:
    """Add ``--quiet`` (no progress display) to a long job's parser."""
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="no progress display (by default: a bar with ETA on stderr when it is a terminal, "
                             "else a line every 10%%; --json implies --quiet)")


def progress_reporter(args, total: int, desc: str, unit: str):
    """A :class:`~qclock_circuits._progress.ProgressReporter` on stderr, or None with ``--quiet`` or ``--json``."""
    if getattr(args, "quiet", False) or getattr(args, "json", False):
        return None
    from .._progress import ProgressReporter

    return ProgressReporter(total, desc, unit)
