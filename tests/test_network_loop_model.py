"""Latency, unequal nodes and the loop-optimal allocation of the network clock (Kómár et al., Nature Physics
10, 582 (2014), appendices A, C2, C3)."""

import json
import math

import numpy as np
import pytest

from qclock_circuits._validation import QClockError
from qclock_circuits.clock import LocalOscillatorNoise
from qclock_circuits.network import CascadeAllocation, network_phase_measurement, star_network
from qclock_circuits.network.cascade import node_shares_for
from qclock_circuits.network.cascade_budget import (level_contrasts, loop_error_budget, loop_optimal_allocation,
                                                    optimal_copies)
from qclock_circuits.network.loop import feedback_delay_cycles, node_latencies, simulate_network_clock


def _star(**kwargs):
    base = dict(qubits=40, transition_frequency_hz=4.29e14, linewidth_hz=0.05, atom_linewidth_hz=0.01)
    base.update(kwargs)
    return star_network(3, **base)


# ----------------------------------------------------------------------------- latency (appendix C2)
@pytest.mark.parametrize("strategy", ["quantum_network", "classical_cooperation", "classical_network"])
def test_zero_latency_is_the_loop_without_latency(strategy):
    """Numbers of the loop before the latency model (same seed, recorded from it) are reproduced bit for bit."""
    recorded = {"quantum_network": (5.157818397495816e-16, 0.008847381265795056),
                "classical_cooperation": (-2.501223238363795e-15, 0.009019584013024506),
                "classical_network": (-2.501223238363795e-15, 0.009019584013024506)}
    run = simulate_network_clock(_star(), 1.0, 3000, strategy=strategy, seed=7, latency=0.0)
    again = simulate_network_clock(_star(), 1.0, 3000, strategy=strategy, seed=7, latency=[0.0] * 4)
    assert float(run.com_frequency.sum()) == recorded[strategy][0]
    assert run.network_mse == recorded[strategy][1]
    np.testing.assert_array_equal(run.com_frequency, again.com_frequency)
    assert run.feedback_delay == 0 and run.wait_time == 0.0


def test_latency_delays_feedback_and_adds_the_wait_to_the_dead_time():
    assert feedback_delay_cycles([0.0, 0.0], 1.0) == 0
    assert feedback_delay_cycles([0.0, 0.2], 1.0) == 1  # 0.4 s round trip: the next cycle has started
    assert feedback_delay_cycles([0.0, 1.2], 1.0) == 3
    net = _star(length_km=2.0e5, linewidth_hz=0.02)  # 1 s of fibre per edge
    assert node_latencies(net, net.nodes, net.distribution_center(), None) == (0.0, 1.0, 1.0, 1.0)
    run = simulate_network_clock(net, 1.0, 4000, strategy="quantum_network", seed=3, latency=None)
    assert run.wait_time == 1.0 and run.feedback_delay == 1  # cycle 2 s, round trip 2 s
    assert run.com_adev.tau[0] == pytest.approx(2.0)
    # the Smith-predictor servo keeps the delayed loop locked: no slips, MSE within a factor 2 of no latency
    plain = simulate_network_clock(net, 1.0, 4000, strategy="quantum_network", seed=3, latency=0.0)
    assert sum(run.phase_slips) == 0
    assert plain.network_mse < run.network_mse < 2.5 * plain.network_mse


def test_bad_latency_names_the_node():
    with pytest.raises(QClockError, match="latency of node 'n2' must be >= 0"):
        simulate_network_clock(_star(), 1.0, 10, latency=[0.0, 0.1, -0.1, 0.0])
    with pytest.raises(QClockError, match="latency must be >= 0"):
        simulate_network_clock(_star(), 1.0, 10, latency=-1.0)


# ----------------------------------------------------------------------------- unequal nodes (appendix C3)
def test_two_unequal_nodes_measure_the_weighted_centre_of_mass_of_eq_c2():
    """N_1 = 100, N_2 = 300 qubits: shares (1, 3), Φ = (100 φ_1 + 300 φ_2)/400 (eq. C2 by hand)."""
    allocation = CascadeAllocation((1, 3), (60, 180), (400,) * 3)
    phases = np.array([[0.3, -0.5]])
    by_hand = (100 * 0.3 + 300 * -0.5) / 400  # = -0.3
    estimate = network_phase_measurement(phases, allocation, seed=1)
    assert estimate.shape == (1,) or np.ndim(estimate) == 0
    assert float(np.ravel(estimate)[0]) == pytest.approx(by_hand, abs=0.02)
    # a GHZ state of level i holds 2^(i-1) qubits of node 1 and 3·2^(i-1) of node 2: V_i = exp(-(γ1 + 3γ2) T 2^(i-1)/2)
    level0, levels = level_contrasts(allocation, [0.01, 0.002])
    assert level0 == pytest.approx((math.exp(-0.005), math.exp(-0.001)))
    assert levels == pytest.approx(tuple(math.exp(-0.5 * (0.01 + 3 * 0.002) * 2 ** i) for i in range(3)))


def test_unequal_linewidths_in_the_loop():
    lo = LocalOscillatorNoise({"white": 1e-3})
    common = dict(qubits=[8, 24], strategy="quantum_network", seed=5)
    equal = simulate_network_clock([lo, lo], 0.5, 2000, atom_linewidth=0.02, **common)
    same = simulate_network_clock([lo, lo], 0.5, 2000, atom_linewidth=[0.02, 0.02], **common)
    np.testing.assert_array_equal(equal.com_frequency, same.com_frequency)
    assert equal.allocation.weights == pytest.approx([0.25, 0.75])
    # the large node dephasing 10x faster costs more than the small one doing so
    fast_big = simulate_network_clock([lo, lo], 0.5, 4000, atom_linewidth=[0.02, 0.2], **common)
    fast_small = simulate_network_clock([lo, lo], 0.5, 4000, atom_linewidth=[0.2, 0.02], **common)
    assert fast_big.network_mse > fast_small.network_mse
    with pytest.raises(QClockError, match="atom_linewidth of node '1' must be > 0"):
        simulate_network_clock([lo, lo], 0.5, 10, atom_linewidth=[0.02, 0.0], **{**common, "seed": 0})


def test_a_node_without_room_for_its_level0_qubits_is_named():
    lo = LocalOscillatorNoise({"white": 1e-3})
    allocation = CascadeAllocation((1, 1), (30, 2), (2,))
    with pytest.raises(QClockError, match="node '0' has 20 qubits, fewer than its 30 level-0 qubits"):
        simulate_network_clock([lo, lo], 0.5, 10, qubits=20, allocation=allocation)
    with pytest.raises(QClockError, match="node 1 has 1 qubits"):
        loop_optimal_allocation([10, 1], node_shares=(1, 2))


# ----------------------------------------------------------------------------- loop-optimal allocation
def _check_never_worse(counts, width, dephasing):
    shares = node_shares_for(counts)
    unit = min(q // c for q, c in zip(counts, shares))
    reference = optimal_copies(unit * sum(shares), len(counts), node_shares=shares)  # the loop's default
    found = loop_optimal_allocation(counts, node_phase_width=width, individual_dephasing=dephasing,
                                    reference=reference)
    assert all(a <= q for a, q in zip(found.node_qubits, counts))
    ours = loop_error_budget(found, node_phase_width=width, individual_dephasing=dephasing).total
    paper = loop_error_budget(reference, node_phase_width=width, individual_dephasing=dephasing).total
    assert ours <= paper
    return ours, paper


def test_loop_optimal_allocation_fast_cases():
    # under dephasing the finest GHZ state is shortened and takes more copies: strictly better
    ours, paper = _check_never_worse([30] * 4, 0.4, 0.05)
    assert ours < 0.9 * paper
    _check_never_worse([10] * 3, 0.3, 0.0)


def test_loop_budget_without_dephasing_is_the_exact_budget():
    from qclock_circuits.network.cascade_budget import cascade_error_budget

    allocation = CascadeAllocation.uniform(3, 2, 6, 4)
    loop = loop_error_budget(allocation, node_phase_width=0.4)
    exact = cascade_error_budget(allocation, node_phase_width=0.4, rounding="exact")
    assert loop.total == pytest.approx(exact.total, rel=1e-9)
    assert loop.dephasing == 0.0


@pytest.mark.slow
@pytest.mark.parametrize("counts", [[20] * 2, [40] * 4, [100] * 3, [12, 36]])
@pytest.mark.parametrize("width", [None, 0.3, 0.8])
@pytest.mark.parametrize("dephasing", [0.0, 0.01, 0.1])
def test_loop_optimal_allocation_never_worse_on_a_grid(counts, width, dephasing):
    if width is None and counts == [12, 36]:
        width = 1.0
    _check_never_worse(counts, width, dephasing)


# ----------------------------------------------------------------------------- Fig. 3 from the loop
def test_fig3_fits_recover_the_closed_forms():
    """Feeding the closed forms' per-cycle errors through the Fig. 3 pipeline returns their own scalings."""
    from qclock_circuits.network import network_stability
    from qclock_circuits.network.figure3 import assemble_fig3, fig3_points

    K, n, atom_hz, nu0 = 10, 1000, 1e-3, 4.29e14
    omega0, gamma = 2 * math.pi * nu0, 2 * math.pi * atom_hz
    points = fig3_points(K, n, atom_hz, nu0, interrogation_times=np.geomspace(0.01, 1e4, 19))
    results = []
    for p in points:  # σ_y(τ = T) of one cycle -> MSE = (σ ω0 T)²
        sigma = network_stability(p["strategy"], K * n, K, p["T"], gamma, omega0=omega0)
        results.append({"mse": (sigma * omega0 * p["T"]) ** 2, "problems": []})
    fig = assemble_fig3(points, results)
    for strategy, values in fig.sigma.items():
        np.testing.assert_allclose(values, fig.analytic[strategy], rtol=1e-9)
    short = network_stability("classical_cooperation", K * n, K, 0.01, gamma) / \
        network_stability("quantum_network", K * n, K, 0.01, gamma)
    assert fig.fits["ratio_b_over_a_short"] == pytest.approx(short, rel=0.05)
    assert fig.fits["ratio_c_over_b_short"] == pytest.approx(math.sqrt(K), rel=1e-6)
    assert -1.1 < fig.fits["slope_a_short"] < -0.9
    again = type(fig).from_dict(json.loads(json.dumps(fig.to_dict())))
    assert again.fits["slope_a_short"] == fig.fits["slope_a_short"] and again.taus == fig.taus
    with pytest.raises(QClockError, match="interrogation_times must be finite and > 0"):
        fig3_points(K, n, atom_hz, nu0, interrogation_times=[0.1, -1.0])


def test_loop_optimal_allocation_wins_in_the_loop_where_the_papers_dephases():
    """4 clocks × 100 atoms, γ_i/2π = 50 mHz, T = 1 s: the paper's two levels (GHZ of 4 and 8 qubits) dephase
    and miss digits; the loop-optimal allocation keeps one level with more copies: lower MSE, no wrong digits."""
    net = star_network(3, qubits=100, transition_frequency_hz=4.29e14, linewidth_hz=1e-4, atom_linewidth_hz=0.05)
    paper = simulate_network_clock(net, 1.0, 4000, seed=9)
    ours = simulate_network_clock(net, 1.0, 4000, seed=9, allocation="loop_optimal")
    assert ours.allocation.levels < paper.allocation.levels
    assert ours.network_mse < 0.3 * paper.network_mse
    assert ours.cascade_errors == 0 < paper.cascade_errors
    assert not ours.problems()
