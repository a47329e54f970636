"""Shared pytest configuration.

* Figures use matplotlib's non-interactive Agg backend (no display needed).
* Hypothesis runs without per-example deadlines (CI machines are small and
  timing varies); ``HYPOTHESIS_PROFILE`` selects another registered profile.
* ``repo_root`` is the checkout that holds ``qclock_circuits/`` and ``tutorials/``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

REPO_ROOT = Path(__file__).resolve().parent.parent

try:
    from hypothesis import settings as _hypothesis_settings
except ImportError:  # hypothesis is in the [test] extra; tests that need it import it themselves
    _hypothesis_settings = None
else:
    _hypothesis_settings.register_profile("qclock", deadline=None)
    _hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "qclock"))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root (parent of ``tests/``)."""
    return REPO_ROOT
