"""Figures from the package's own result objects (Matplotlib, imported on first use).

Layer: top (beside ``cli`` and ``report``; imports every layer below). Every
function returns a :class:`matplotlib.figure.Figure`, draws into a given
``ax`` if one is passed, and writes a file only when ``path`` is given. The
figures are built without :mod:`matplotlib.pyplot`, so they work with any
backend (Agg on a headless machine) and leave pyplot's global state alone.

* :func:`stability_curves` — σ(T) of protocols against the OQI and the SQL/HL
  lines (Kielinski & Hammerer, arXiv:2505.04287 (2025), Figs. 2–4).
* :func:`allan_deviation` — overlapping Allan deviation with its confidence
  interval and an optional theory line.
* :func:`ramsey_signal` — outcome probabilities P(x|φ), mean outcome and the
  estimator's response to φ.
* :func:`posterior` — prior, likelihood and posterior over φ with the estimate.
* :func:`husimi_q` — Husimi Q function of a protocol's state on the Bloch sphere.
* :func:`network_strategies` — the strategies of Kómár et al., Nature
  Physics 10, 582 (2014), Fig. 3.
"""

from .curves import allan_deviation, network_strategies, stability_curves
from .states import husimi_q, posterior, ramsey_signal

__all__ = ["stability_curves", "allan_deviation", "network_strategies", "ramsey_signal", "posterior", "husimi_q"]
