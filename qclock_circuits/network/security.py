"""Security of the clock network (Kómár et al., Nature Physics 10, 582 (2014), main text "Security", Fig. 4, appendix B).

Three countermeasures, each with its statistics, each in its own module:

B1 sabotage test (:mod:`~qclock_circuits.network.sabotage`)
    Now and then the center tests a node with a teleported qubit of secret
    phase χ and compares the phase the node reports with the one it expects;
    the acceptance window, the false-positive and detection rates
    (:func:`~qclock_circuits.network.sabotage.rejection_probability`) and
    their Monte Carlo
    (:func:`~qclock_circuits.network.sabotage.simulate_sabotage_tests`).
B2 eavesdropping (:mod:`~qclock_circuits.network.eavesdropping`)
    The center's feedback travels phase-modulated with a secret key;
    :func:`~qclock_circuits.network.eavesdropping.simulate_eavesdropping`
    compares the Allan deviation of the members' stabilised signal with what
    an eavesdropper who intercepts every signal but not the key can
    synthesise.
B3 rotating center (:mod:`~qclock_circuits.network.center_rotation`)
    :func:`~qclock_circuits.network.center_rotation.plan_center_rotation`
    passes the center role around the graph and checks that each chosen
    center reaches every live node.

This module gathers their public names, so that
``from qclock_circuits.network.security import X`` reaches all of them; each is
documented in the module that defines it.

Units: phases in rad; frequencies as ω (rad per unit time) with time in the
unit of the LO model (Z for :class:`~qclock_circuits.clock.LocalOscillatorNoise`).
"""

from __future__ import annotations

from .center_rotation import ROUTE_RULES, CenterRotation, center_candidates, plan_center_rotation
from .eavesdropping import (EavesdroppingResult, com_servo, decode_feedback, encode_feedback,
                            simulate_eavesdropping)
from .sabotage import (BEHAVIOURS, READOUTS, SabotageStatistics, SabotageTrials, acceptance_probability,
                       assessment_parity_probability, detection_after_tests, rejection_probability,
                       sabotage_statistics, simulate_sabotage_tests)

__all__ = [
    "BEHAVIOURS",
    "READOUTS",
    "ROUTE_RULES",
    "SabotageStatistics",
    "sabotage_statistics",
    "acceptance_probability",
    "rejection_probability",
    "assessment_parity_probability",
    "SabotageTrials",
    "simulate_sabotage_tests",
    "detection_after_tests",
    "encode_feedback",
    "decode_feedback",
    "com_servo",
    "EavesdroppingResult",
    "simulate_eavesdropping",
    "CenterRotation",
    "center_candidates",
    "plan_center_rotation",
]
