"""Variational search and stability curves (Kielinski & Hammerer, arXiv:2505.04287 (2025), sec. III B–C, IV, V C).

Layer: above ``bayes`` and ``clock`` (it may validate protocols in the loop), below ``cli``.
"""

from .limits import DeadTimeLimit, critical_atoms, ctl_bmse, ctl_sigma, dead_time_limit
from .stability import class_point, curve_minimum, gain_over_css, parse_class, stability_curves
from .variational import LocalMinimum, VariationalSearch, optimize_variational, parameter_bounds

__all__ = ["LocalMinimum", "VariationalSearch", "optimize_variational", "parameter_bounds",
           "DeadTimeLimit", "critical_atoms", "ctl_bmse", "ctl_sigma", "dead_time_limit",
           "class_point", "curve_minimum", "gain_over_css", "parse_class", "stability_curves"]
