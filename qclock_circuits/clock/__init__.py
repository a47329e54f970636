"""The running clock: LO noise, the feedback loop, servo, fringe hops and Allan deviation.

Kielinski & Hammerer, arXiv:2505.04287 (2025), section IV and appendix A5 C–E. Units: time in the laser coherence
time Z, angular frequency in 1/Z, phase in rad (CONVENTIONS.md).
"""

from .allan import AllanResult, edf_overlapping, long_tau_fit, overlapping_adev
from .dick import dick_deviation, dick_variance, sensitivity_coefficients, total_deviation
from .laser_fit import LaserNoiseFit, adev_basis, fit_adev, fit_laser_file, fit_psd, read_adev_csv, read_psd_csv
from .loop import Integrator, LinearPredictor, LoopState, run_loop_block
from .noise import FlickerLadder, LocalOscillatorNoise, NoiseState, flicker_ladder
from .sampling import OutcomeTable, sample_outcome_indices
from .trace import phase_to_frequency, read_trace_csv, trace_adev
from .simulate import ClockRun, predictor_for, simulate_clock, simulate_clocks, summarize_runs

__all__ = [
    "adaptive",
    "AllanResult", "edf_overlapping", "long_tau_fit", "overlapping_adev",
    "dick_deviation", "dick_variance", "sensitivity_coefficients", "total_deviation",
    "LaserNoiseFit", "adev_basis", "fit_adev", "fit_laser_file", "fit_psd", "read_adev_csv", "read_psd_csv",
    "Integrator", "LinearPredictor", "LoopState", "run_loop_block",
    "FlickerLadder", "LocalOscillatorNoise", "NoiseState", "flicker_ladder",
    "OutcomeTable", "sample_outcome_indices",
    "phase_to_frequency", "read_trace_csv", "trace_adev",
    "ClockRun", "predictor_for", "simulate_clock", "simulate_clocks", "summarize_runs",
]


def __getattr__(name):
    # the adaptive clock (Mullan & Knill, Phys. Rev. A 90, 042310 (2014)) loads its SDP machinery only when asked for
    if name == "adaptive":
        from importlib import import_module

        return import_module(f"{__name__}.adaptive")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
