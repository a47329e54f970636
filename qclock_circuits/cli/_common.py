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
