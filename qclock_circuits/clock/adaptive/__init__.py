"""Adaptive Bayesian passive clock (Mullan & Knill, Phys. Rev. A 90, 042310 (2014)): power-law noise priors and SDP-optimised interrogations.

* :mod:`.covariance` — covariances of interval-averaged LO frequencies for
  power-law spectra, conditional Gaussians, truncated-history noise model
  (Mullan & Knill eqs. 1–2, appendix B, section V), re-exported from
  :mod:`.power_law_kernels` (phase and frequency kernels),
  :mod:`.window_averages` (interval-average covariances, clock windows) and
  :mod:`.prediction_laws` (conditional laws, the truncated model);
* :mod:`.sdp` — jointly optimal state, POVM and estimates of one interrogation
  for a prior on a phase grid (Mullan & Knill section IV, appendix A);
* :mod:`.tracking` — grid posterior of the recent frequency history and the
  moments of the cumulative phase (section V, appendix C);
* :mod:`.baselines` — Ramsey with software phase tracking and the
  Bužek–Derka–Massar protocol (section VI, appendix D);
* :mod:`.simulate` — the running clock of section VI: Monte-Carlo runs
  against Ramsey and Bužek, Table 1 improvements, lost-lock statistics; its
  parts: :mod:`.paper_noise` (the paper's noise words and h),
  :mod:`.interrogation_programs` (cached SDP programs, the interrogation per
  prediction), :mod:`.clock_run` (one run), :mod:`.clock_result`
  (:class:`AdaptiveClockResult`) and :mod:`.improvements` (Table 1 statistics);
* :mod:`.smoothing` — the retroactive update of earlier θ_k (end of section IV);
* :mod:`.timing` — timing-error suppression of the free-running oscillator
  (appendix D: eqs. 24–26, the bound of eq. 25, the ρ(ω) re-parametrisation).
* :mod:`.schedule` — interrogation times T_n chosen at every step from the
  current prior (the paper's section VII outlook).

Units: time in the laser coherence time Z, ω in rad/Z, phase in rad.
"""

from .baselines import FixedInterrogation, bdm_interrogation, bdm_state, ramsey_interrogation
from .covariance import (
    ALPHA_RANGE,
    PHASE_ALPHA_MIN,
    PHASE_NOISE_TYPES,
    PhaseFrequencyLaw,
    PredictionLaw,
    clock_covariance,
    condition_gaussian,
    contrast_order,
    cycle_intervals,
    frequency_kernel,
    interval_covariance,
    phase_frequency_law,
    phase_kernel,
    power_law_terms,
    prediction_law,
    reference_covariance,
    sample_interval_averages,
    transition_law,
)
from .sdp import (
    COST_FUNCTIONS,
    MAX_ATOMS,
    MAX_LABELS,
    MAX_POINTS,
    InterrogationResult,
    dicke_imprint,
    gaussian_grid,
    gram_blocks,
    optimal_labels,
    optimize_interrogation,
    outcome_probabilities,
    protocol_cost,
)
from .simulate import (
    CLOCK_PROTOCOLS,
    NOISE_ALIASES,
    SDP_PRIORS,
    SLIP_WEIGHT,
    PAPER_NOISE_TYPES,
    PAPER_TABLE1,
    SLOPE_STEP,
    TRUTHS,
    WIDTH_RATIO,
    AdaptiveClockResult,
    canonical_noise,
    compare_protocols,
    improvement,
    model_truth_factor,
    nist_spectrum,
    oscillator_noise,
    simulate_adaptive_clock,
    slip_robust_prior,
    summarise_protocols,
)
from .schedule import (
    TimeChoice,
    choose_interrogation_time,
    expected_variance_increase,
    window_intervals,
    window_transition_law,
)
from .smoothing import SmoothedRun, smooth_history, smoothed_run
from .timing import (
    MAX_JITTER_FRACTION,
    MIN_ATOMIC_PHASE,
    TIMING_STRATEGIES,
    TimingErrors,
    locked_bound,
    measurement_time,
    reparametrise_prior,
    reparametrised_bound,
    rho,
    rho_inverse,
    software_lock_bound,
    timed_phases,
    timing_phase_error,
)
from .tracking import MAX_MEMORY, Prediction, TrackerState, initial_tracker, predict, update

from ..._deprecation import renamed_attributes

__getattr__ = renamed_attributes(__name__, globals(), {"SEED_NOISE_TYPES": "PAPER_NOISE_TYPES",
                                                      "SEED_TABLE1": "PAPER_TABLE1"})

__all__ = [
    "FixedInterrogation", "bdm_interrogation", "bdm_state", "ramsey_interrogation",
    "ALPHA_RANGE", "PHASE_ALPHA_MIN", "PHASE_NOISE_TYPES", "sample_interval_averages", "PhaseFrequencyLaw", "PredictionLaw", "clock_covariance", "condition_gaussian",
    "contrast_order", "cycle_intervals", "frequency_kernel", "interval_covariance", "phase_frequency_law",
    "phase_kernel", "power_law_terms", "prediction_law", "reference_covariance", "transition_law",
    "COST_FUNCTIONS", "MAX_ATOMS", "MAX_LABELS", "MAX_POINTS", "InterrogationResult", "dicke_imprint",
    "gaussian_grid", "gram_blocks", "optimal_labels", "optimize_interrogation", "outcome_probabilities",
    "protocol_cost",
    "MAX_MEMORY", "Prediction", "TrackerState", "initial_tracker", "predict", "update",
    "CLOCK_PROTOCOLS", "SDP_PRIORS", "PAPER_NOISE_TYPES", "PAPER_TABLE1", "SLOPE_STEP", "WIDTH_RATIO",
    "AdaptiveClockResult", "compare_protocols", "improvement", "nist_spectrum", "simulate_adaptive_clock",
    "TRUTHS", "model_truth_factor",
    "SmoothedRun", "smooth_history", "smoothed_run",
    "TIMING_STRATEGIES", "locked_bound", "measurement_time", "reparametrise_prior", "reparametrised_bound", "rho",
    "rho_inverse", "software_lock_bound", "timing_phase_error", "TimingErrors", "timed_phases", "MIN_ATOMIC_PHASE",
    "MAX_JITTER_FRACTION",
    "TimeChoice", "choose_interrogation_time", "expected_variance_increase", "window_intervals",
    "window_transition_law",
    "NOISE_ALIASES", "SLIP_WEIGHT", "canonical_noise", "oscillator_noise", "slip_robust_prior", "summarise_protocols",
]
