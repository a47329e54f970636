"""Entry point of the ``qclock`` command: parser, subcommand registry, error handling.

Every user mistake (bad argument, invalid value rejected by the library)
ends in ONE line on stderr, ``qclock: error: <message>``, and exit code 2;
never a traceback. Writing a file that cannot be written exits with 1.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence
from importlib import import_module

from ._common import CLIError, QClockArgumentParser, one_line

__all__ = ["COMMANDS", "build_parser", "main", "EXIT_OK", "EXIT_FAILURE", "EXIT_USAGE"]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2

#: Modules that define a subcommand, in the order ``qclock --help`` lists them.
#: Each exposes ``NAME``, ``HELP`` and ``register(subparsers)``; the parser it
#: registers sets a ``handler(args) -> int`` default.
COMMANDS: tuple[str, ...] = (
    "qclock_circuits.cli.protocol_cmd",
    "qclock_circuits.cli.evaluate_cmd",
    "qclock_circuits.cli.bounds_cmd",
    "qclock_circuits.cli.simulate_cmd",
    "qclock_circuits.cli.adaptive_cmd",
    "qclock_circuits.cli.design_cmd",
    "qclock_circuits.cli.network_cmd",
    "qclock_circuits.cli.analyze_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    """The full ``qclock`` argument parser, with every registered subcommand.

    Returns
    -------
    argparse.ArgumentParser
        The parser (a :class:`QClockArgumentParser`, whose errors raise
        :class:`CLIError`); each subcommand stores its handler in ``handler``.
    """
    from .. import __version__

    parser = QClockArgumentParser(
        prog="qclock",
        description="Design, test and export Ramsey interrogation protocols of atomic clocks.",
    )
    parser.add_argument("--version", action="version", version=f"qclock_circuits {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMANDS:
        import_module(module_name).register(subparsers)
    return parser


def _report(message: str) -> None:
    print(f"qclock: error: {one_line(message)}", file=sys.stderr)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Print a warning as one line, ``qclock: warning: <message>``, on stderr (no source location)."""
    print(f"qclock: warning: {one_line(str(message))}", file=sys.stderr if file is None else file)


def _silence_stdout() -> None:
    """Point stdout at devnull so the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``qclock`` command line and return its exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments without the program name; ``sys.argv[1:]`` if omitted.

    Returns
    -------
    int
        0 on success, 2 on a user mistake (one-line message on stderr),
        1 when an output file cannot be written.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(None if argv is None else list(argv))
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return int(args.handler(args) or EXIT_OK)
    except SystemExit as exc:  # --help and --version
        code = exc.code
        return code if isinstance(code, int) else (EXIT_OK if code is None else EXIT_USAGE)
    except CLIError as exc:
        _report(str(exc))
        return exc.exit_code
    except (ValueError, TypeError) as exc:  # the library's argument checks (QClockError ⊂ ValueError)
        _report(str(exc))
        return EXIT_USAGE
    except BrokenPipeError:  # output piped into e.g. `head`
        _silence_stdout()
        return EXIT_FAILURE
    except OSError as exc:
        _report(f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""))
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("qclock: interrupted", file=sys.stderr)
        return 130
