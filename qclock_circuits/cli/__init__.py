"""The ``qclock`` command line.

Run ``qclock --help`` (or ``python -m qclock_circuits --help``). Each
subcommand lives in its own module that exposes ``NAME``, ``HELP`` and
``register(subparsers)``; :data:`qclock_circuits.cli.main.COMMANDS` lists them.
"""

from .main import main

__all__ = ["main"]
