"""Quantum networks of clocks: topologies, GHZ distribution circuits, network interrogation.

The modules:

``topology``
    :class:`ClockNetwork`, GraphML loading and validation, example builders.
``links``
    Werner EPR links (Aer noise), swapping, analytic GHZ fidelity and contrast.
``distribution``
    :func:`ghz_distribution_circuit` (schemes 'star', 'no-ancilla', 'repeater', 'flat').
``interrogation``
    LO phase imprint, X-basis parity readout, ``P(+|φ) = (1 + C cos Φ)/2`` and its Aer sampling.
``report``
    :func:`distribution_report`: measured GHZ fidelity and parity contrast vs. prediction.
``cascade``
    Cascaded GHZ estimation of the centre-of-mass phase (Kómár et al., Nature Physics 10, 582 (2014),
    appendix A): the measurement and its Monte Carlo, built from ``cascade_allocation`` (qubits per
    level and node), ``cascade_level`` (parities and the estimate of one level), ``cascade_digits``
    (digit extraction, eqs. A8–A10) and ``cascade_errors`` (exact projection and rounding errors).
``cascade_budget``
    Analytic error budget (A11–A41), optimal copies, the loop-optimal allocation (exact budget with
    each level's dephased visibility), Allan variance, Fig. 3 strategies; built from
    ``cascade_closed_forms`` (the paper's closed forms, A11–A28), ``error_budget`` (the budget of an
    allocation and the allocation that minimises it), ``cascade_stability`` (Allan variance, Fig. 3)
    and ``prenarrowing`` (A35–A38).
``loop``
    Closed network clock loop: Fig. 3 strategies, full/centre/regional feedback, outages, link
    latency (appendix C2) and unequal nodes (appendix C3).
``outages``, ``latency``, ``loop_estimates``, ``loop_kernel``, ``loop_result``
    The loop's parts: links or the centre down, link delays and late feedback (C2), the nodes'
    cascades, priors and estimate tables, the compiled cycle, and :class:`NetworkClockResult`.
``figure3``
    Fig. 3 of Kómár et al. (2014) from the closed loop: runs, curves, fitted scalings (drawn by
    :func:`qclock_circuits.plot.network_strategies`).
``security``
    Sabotage test (app. B1), eavesdropping with key-modulated feedback (B2), rotating center (B3):
    the names of the three modules below.
``sabotage``
    The center's test of a node with a secret-phase qubit (app. B1): acceptance window, false-positive
    and detection rates, Monte Carlo.
``eavesdropping``
    Key-modulated feedback and what an eavesdropper can synthesise (app. B2).
``center_rotation``
    Passing the center role around the graph, with routes to every live node (app. B3).
"""

from . import cascade, cascade_budget, figure3, loop, security
from .cascade import CascadeAllocation, CascadeSimulation, network_phase_measurement, simulate_cascade
from .cascade_budget import (STRATEGIES, CascadeBudget, cascade_error_budget, level_contrasts, loop_error_budget,
                             loop_optimal_allocation, network_stability, optimal_copies)
from .distribution import (
    SCHEMES,
    DistributionLink,
    GHZDistribution,
    GHZLayout,
    ghz_distribution_circuit,
    spanning_tree,
)
from .interrogation import (
    ParitySample,
    collective_phase,
    interrogation_circuit,
    node_phases,
    parity_probability,
    sample_parity,
)
from .links import (
    check_fidelity,
    fidelity_from_werner,
    link_error,
    link_noise_model,
    predicted_ghz_fidelity,
    predicted_parity_contrast,
    swapped_fidelity,
    werner_parameter,
)
from .report import DistributionReport, distribution_report, ghz_decoding_circuit
from .loop import (FEEDBACK_MODES, NetworkClockResult, Outage, feedback_delay_cycles, local_allocation,
                   node_latencies, simulate_network_clock)
from .security import (
    BEHAVIOURS,
    CenterRotation,
    EavesdroppingResult,
    SabotageStatistics,
    SabotageTrials,
    center_candidates,
    plan_center_rotation,
    rejection_probability,
    sabotage_statistics,
    simulate_eavesdropping,
    simulate_sabotage_tests,
)
from .topology import (
    ClockNetwork,
    chain_network,
    load_topology,
    mesh_network,
    ring_network,
    star_network,
    validate_topology,
)

__all__ = [
    "ClockNetwork", "validate_topology", "load_topology",
    "star_network", "ring_network", "chain_network", "mesh_network",
    "SCHEMES", "ghz_distribution_circuit", "GHZDistribution", "GHZLayout", "DistributionLink", "spanning_tree",
    "check_fidelity", "werner_parameter", "fidelity_from_werner", "swapped_fidelity", "link_error",
    "link_noise_model", "predicted_ghz_fidelity", "predicted_parity_contrast",
    "node_phases", "collective_phase", "parity_probability", "interrogation_circuit", "sample_parity",
    "ParitySample", "distribution_report", "DistributionReport", "ghz_decoding_circuit",
    "cascade", "cascade_budget", "CascadeAllocation", "CascadeSimulation", "network_phase_measurement",
    "simulate_cascade", "STRATEGIES", "CascadeBudget", "cascade_error_budget", "network_stability", "optimal_copies",
    "level_contrasts", "loop_error_budget", "loop_optimal_allocation",
    "security", "BEHAVIOURS", "SabotageStatistics", "sabotage_statistics", "rejection_probability", "SabotageTrials",
    "simulate_sabotage_tests", "EavesdroppingResult", "simulate_eavesdropping", "CenterRotation",
    "center_candidates", "plan_center_rotation",
    "figure3", "loop", "FEEDBACK_MODES", "NetworkClockResult", "Outage", "local_allocation", "simulate_network_clock",
    "node_latencies", "feedback_delay_cycles",
]
