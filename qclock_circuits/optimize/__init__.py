"""Variational search and stability curves (seed 004 sec. III B–C, IV, V C).

Layer: above ``bayes`` and ``clock`` (it may validate protocols in the loop), below ``cli``.
"""

from .variational import LocalMinimum, VariationalSearch, optimize_variational, parameter_bounds

__all__ = ["LocalMinimum", "VariationalSearch", "optimize_variational", "parameter_bounds"]
