"""The running clock: LO noise, the feedback loop, servo, fringe hops and Allan deviation.

Seed 004 section IV and appendix A5 C–E. Units: time in the laser coherence
time Z, angular frequency in 1/Z, phase in rad (CONVENTIONS.md).
"""

from .dick import dick_deviation, dick_variance, sensitivity_coefficients, total_deviation
from .loop import Integrator, LinearPredictor, LoopState, run_loop_block
from .sampling import OutcomeTable, sample_outcome_indices

__all__ = ["dick_deviation", "dick_variance", "sensitivity_coefficients", "total_deviation",
           "Integrator", "LinearPredictor", "LoopState", "run_loop_block", "OutcomeTable", "sample_outcome_indices"]
