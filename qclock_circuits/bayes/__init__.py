"""Bayesian estimation and the bounds of Kielinski & Hammerer, arXiv:2505.04287 (2025) (sec. II, appendices A1–A2, A4).

>>> from qclock_circuits import bayes, protocols
>>> prior = bayes.GaussianPrior(width=0.5)
>>> round(bayes.bmse(protocols.css(8), prior, "linear"), 6) > 0
True
"""

from . import bounds
from .estimators import (
    ESTIMATORS,
    allan_deviation,
    arcsin_harmonic,
    bmse,
    bmse_of_table,
    effective_measurement_uncertainty,
    estimator_table,
    linear_scale_factor,
)
from .noise import NoiseStudy, TabulatedLikelihood, noise_study, noisy_likelihood, stability_under_noise
from . import stability
from .posterior import Posterior, outcome_count_vector, posterior
from .recorded import CycleEstimates, estimate_cycles, read_counts_file
from .moments import OutcomeMoments, outcome_moments, phase_moments
from .priors import (
    NOISE_TYPES,
    PRIOR_WIDTH_FACTOR,
    GaussianPrior,
    GridPrior,
    dead_time_width,
    noise_exponent,
    prior_width,
)

__all__ = [
    "bounds", "stability", "NoiseStudy", "TabulatedLikelihood", "noise_study", "noisy_likelihood", "stability_under_noise",
    "Posterior", "outcome_count_vector", "posterior", "CycleEstimates", "estimate_cycles", "read_counts_file", "ESTIMATORS", "allan_deviation", "arcsin_harmonic", "bmse", "bmse_of_table",
    "effective_measurement_uncertainty", "estimator_table", "linear_scale_factor",
    "OutcomeMoments", "outcome_moments", "phase_moments",
    "NOISE_TYPES", "PRIOR_WIDTH_FACTOR", "GaussianPrior", "GridPrior", "dead_time_width",
    "noise_exponent", "prior_width",
]
