"""The documentation's own Sphinx extensions (``docs/_ext``), on a one-page site (a few seconds).

The full site (API reference, executed tutorials) is built by ``.ci/run`` with
``python -m sphinx -W`` and checked in headless Chromium by ``docs/check_rendering.py``.
"""

from __future__ import annotations

import argparse
import html
import sys
from pathlib import Path

import pytest

pytest.importorskip("sphinx")

DOCS = Path(__file__).resolve().parent.parent / "docs"
sys.path.insert(0, str(DOCS / "_ext"))

import qclock_docstrings  # noqa: E402


def test_escape_bars_protects_kets_but_not_literals_or_roles():
    line = "P(x|φ) = |⟨x|ψ⟩|², see ``a|b`` and :math:`|x|`"
    assert qclock_docstrings.escape_bars(line) == r"P(x\|φ) = \|⟨x\|ψ⟩\|², see ``a|b`` and :math:`|x|`"


def test_protect_kets_leaves_blocks_tables_and_directives():
    lines = [
        "The state |↓…↓⟩ and ⟨↓|ρ|↓⟩::",
        "",
        "    |x⟩⟨x| = U |M⟩⟨M| U†",
        "",
        "|amplitude|² per level",
        "+-----+-----+",
        "| a   | b   |",
        ".. math:: |x|^2",
        "",
        "back to |text⟩",
    ]
    out = list(lines)
    qclock_docstrings.protect_kets(None, "function", "f", None, {}, out)
    assert out[0] == r"The state \|↓…↓⟩ and ⟨↓\|ρ\|↓⟩::"
    assert out[2] == lines[2]                       # literal block
    assert out[4] == r"\|amplitude\|² per level"    # a ket at the start of a line is not a line block
    assert out[5:8] == lines[5:8]                   # grid table and directive untouched
    assert out[9] == r"back to \|text⟩"


def test_skip_unlisted_follows_all():
    from qclock_circuits.protocols import library

    listed = library.__all__[0]
    assert qclock_docstrings.skip_unlisted(None, "function", listed, getattr(library, listed), False, {}) is None

    def helper():
        """Not exported."""

    helper.__module__ = library.__name__
    helper.__qualname__ = "helper"
    assert qclock_docstrings.skip_unlisted(None, "function", "helper", helper, False, {}) is True
    # A method of a documented class is never skipped by this filter.
    from qclock_circuits.protocols.ramsey import RamseyProtocol

    method = RamseyProtocol.probabilities
    assert qclock_docstrings.skip_unlisted(None, "class", "probabilities", method, False, {}) is None


def _parsers(parser: argparse.ArgumentParser, prog: str = "qclock"):
    yield prog, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, f"{prog} {name}")


def test_cli_reference_lists_every_subcommand_and_option(tmp_path):
    from sphinx.cmd.build import build_main

    from qclock_circuits.cli.main import build_parser

    source = tmp_path / "src"
    source.mkdir()
    (source / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(DOCS / '_ext')!r})\nextensions = ['qclock_cli']\n", encoding="utf-8")
    (source / "index.rst").write_text("CLI\n===\n\n.. qclock-cli::\n", encoding="utf-8")
    out = tmp_path / "html"
    assert build_main(["-W", "-q", "-b", "html", str(source), str(out)]) == 0
    page = html.unescape((out / "index.html").read_text(encoding="utf-8"))

    progs = list(_parsers(build_parser()))
    assert len(progs) >= 9          # qclock, 7 subcommands, protocol show / circuit
    for prog, parser in progs:
        assert f">{prog}<" in page.replace("¶", ""), f"no section for {prog}"
        for action in parser._actions:
            for option in action.option_strings:
                assert option in page, f"{prog}: option {option} missing from the CLI reference"
