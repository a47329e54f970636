"""Security countermeasures of the clock network (Kómár et al. app. B): sabotage test, eavesdropping, rotating center."""

from __future__ import annotations

import json
import math

import networkx as nx
import numpy as np
import pytest
from scipy import integrate
from scipy.special import erfc, ndtr

from qclock_circuits._validation import QClockError
from qclock_circuits.clock import LocalOscillatorNoise
from qclock_circuits.network import ClockNetwork, chain_network, ring_network, star_network
from qclock_circuits.network.security import (
    CenterRotation,
    EavesdroppingResult,
    SabotageTrials,
    acceptance_probability,
    center_candidates,
    com_servo,
    decode_feedback,
    detection_after_tests,
    encode_feedback,
    plan_center_rotation,
    rejection_probability,
    sabotage_statistics,
    simulate_eavesdropping,
    simulate_sabotage_tests,
    assessment_parity_probability,
)
from qclock_circuits.network.security_circuits import (
    exact_assessment_probability,
    assessment_circuit,
    assessment_parities,
)

# A network of K = 10 clocks with N = 1000 atoms: √(K/N) = 0.1 rad.
ATOMS, NODES = 1000, 10


def within_binomial(result: SabotageTrials, sigmas: float = 5.0) -> bool:
    """Rejections within ``sigmas`` binomial standard deviations of the analytic rate."""
    p, n = result.expected_rate, result.trials
    return abs(result.rejections - n * p) <= sigmas * math.sqrt(n * p * (1.0 - p)) + 1e-9


# ============================================================================ B1 analytic
def test_statistic_widths_follow_appendix_b1():
    stats = sabotage_statistics(4.0, ATOMS, NODES, tested_nodes=2)
    assert stats.node_std == pytest.approx(math.sqrt(NODES / ATOMS), rel=1e-15)
    assert stats.com_std == pytest.approx(math.sqrt(NODES / ((NODES - 2) * ATOMS)), rel=1e-15)
    assert stats.statistic_std == pytest.approx(0.1 * math.sqrt(1 + 1 / 8), rel=1e-14)
    assert stats.half_width == pytest.approx(0.4, rel=1e-15)
    assert sabotage_statistics(4.0, ATOMS, NODES, com_error=False).statistic_std == pytest.approx(0.1)


def test_seed_false_positive_rate_at_window_4():
    """Seed: Λ = 4 is a "4σ confidence level", 0.0063 % false positives = erfc(4/√2)."""
    rate = rejection_probability("honest", 4.0, ATOMS, NODES, com_error=False)
    assert rate == pytest.approx(erfc(4.0 / math.sqrt(2.0)), rel=1e-12)
    assert round(100.0 * rate, 4) == 0.0063
    # the center's COM error (K_t = 1 of K = 10) widens σ_D by √(1 + 1/9): erfc(4/√(2·10/9))
    widened = rejection_probability("honest", 4.0, ATOMS, NODES)
    assert widened == pytest.approx(erfc(4.0 / math.sqrt(2.0 * 10.0 / 9.0)), rel=1e-12)
    assert widened > 2.0 * rate


@pytest.mark.parametrize("offset, std, half_width", [(0.0, 1.0, 0.8), (2.5, 1.3, 1.0), (-3.0, 0.4, 0.5)])
def test_wrapped_acceptance_matches_quadrature(offset, std, half_width):
    def density(x):
        k = np.arange(-20, 21)
        return np.sum(np.exp(-0.5 * ((x - offset + 2 * np.pi * k) / std) ** 2)) / (std * math.sqrt(2 * math.pi))

    expected = integrate.quad(density, -half_width, half_width, epsabs=1e-13)[0]
    assert acceptance_probability(offset, std, half_width) == pytest.approx(expected, abs=1e-11)


def test_wide_noise_accepts_a_fraction_w_over_pi():
    # σ = 5 rad: the wrapped normal is uniform to ~e^{-σ²/2}
    assert acceptance_probability(0.7, 5.0, 0.9) == pytest.approx(0.9 / math.pi, abs=1e-5)
    assert acceptance_probability([0.0, 1.0], 0.1, 4.0).tolist() == [1.0, 1.0]


def test_few_atoms_wrap_the_statistic():
    """N = 4 atoms on K = 2 clocks: σ_D = 1 rad, w = 1.41 rad at Λ = 2; flipped bits centre D on ±π."""
    stats = sabotage_statistics(2.0, 4, 2)
    assert stats.statistic_std == pytest.approx(1.0)
    caught = rejection_probability("flipped_bits", 2.0, 4, 2)
    # both images, at +π and −π, reach into the window: acceptance 2[Φ(w − π) − Φ(−w − π)]
    w = stats.half_width
    assert 1 - caught == pytest.approx(2 * (ndtr(w - math.pi) - ndtr(-w - math.pi)), rel=1e-9)
    assert within_binomial(simulate_sabotage_tests("flipped_bits", 2.0, 4, 2, trials=200_000, seed=2))
    assert within_binomial(simulate_sabotage_tests("honest", 2.0, 4, 2, trials=200_000, seed=3))


def test_malicious_closed_forms():
    stats = sabotage_statistics(4.0, ATOMS, NODES)
    w = stats.half_width
    assert rejection_probability("random_bits", 4.0, ATOMS, NODES) == pytest.approx(1.0 - w / math.pi, rel=1e-14)
    assert rejection_probability("flipped_bits", 4.0, ATOMS, NODES) == pytest.approx(1.0, abs=1e-15)
    # an LO offset at the window edge is caught half the time (the far tail at −w − δ is 8σ away)
    edge = rejection_probability("lo_offset", 4.0, ATOMS, NODES, lo_offset=w)
    assert edge == pytest.approx(0.5, abs=1e-12)
    # a part-time cheat mixes linearly with the honest rate
    honest = rejection_probability("honest", 4.0, ATOMS, NODES)
    part = rejection_probability("random_bits", 4.0, ATOMS, NODES, cheat_probability=0.25)
    assert part == pytest.approx(0.25 * (1.0 - w / math.pi) + 0.75 * honest, rel=1e-14)


def test_detection_after_repeated_tests():
    assert detection_after_tests(0.3, 5) == pytest.approx(1 - 0.7**5, rel=1e-14)
    assert detection_after_tests(1e-9, 1000) == pytest.approx(1e-6, rel=1e-6)
    np.testing.assert_allclose(detection_after_tests([0.0, 1.0], 3), [0.0, 1.0])


# ============================================================================ B1 Monte Carlo
def test_honest_false_positives_match_analytic_at_window_3():
    result = simulate_sabotage_tests("honest", 3.0, ATOMS, NODES, trials=1_000_000, lo_phase_spread=3.0, seed=11)
    assert result.expected_rate == pytest.approx(erfc(3.0 / math.sqrt(2 * 10 / 9)), rel=1e-12)
    assert within_binomial(result)


def test_seed_window_4_false_positives_monte_carlo():
    """10⁷ honest rounds, the paper's count without COM error: 633 expected, 5σ binomial window (±126)."""
    result = simulate_sabotage_tests("honest", 4.0, ATOMS, NODES, trials=10_000_000, com_error=False, seed=4)
    assert result.expected_rate == pytest.approx(6.334248366623996e-05, rel=1e-12)
    assert within_binomial(result)


@pytest.mark.parametrize("behaviour, kwargs", [
    ("random_bits", {}),
    ("flipped_bits", {}),
    ("lo_offset", {"lo_offset": 0.4}),            # window edge: detection 1/2
    ("lo_offset", {"lo_offset": -0.25}),          # inside the window: mostly missed
    ("random_bits", {"cheat_probability": 0.3}),
])
def test_detection_rates_match_analytic(behaviour, kwargs):
    result = simulate_sabotage_tests(behaviour, 4.0, ATOMS, NODES, trials=200_000, seed=5, **kwargs)
    assert result.rate > 0.05
    assert within_binomial(result)


@pytest.mark.parametrize("behaviour, window, kwargs", [
    ("honest", 3.0, {}),                       # Λ = 3 is 2.12 σ of the linear estimator: 3.9 % false positives
    ("random_bits", 4.0, {}),                  # exact: arg Σ b_i e^{iχ_i} is uniform for bits blind to χ
    ("flipped_bits", 4.0, {}),
    ("lo_offset", 4.0, {"lo_offset": 0.4}),
])
def test_bit_level_readout_matches_its_gaussian_limit(behaviour, window, kwargs):
    """n = N/K = 100 parity bits per test, decoded by arg Σ b_i e^{iχ_i}: error √(2K/N) in the large-n limit."""
    stats = sabotage_statistics(window, ATOMS, NODES, readout="bits")
    assert stats.node_std == pytest.approx(math.sqrt(2 * NODES / ATOMS))
    assert stats.half_width == pytest.approx(window * 0.1)
    result = simulate_sabotage_tests(behaviour, window, ATOMS, NODES, trials=40_000, readout="bits", seed=21,
                                     **kwargs)
    assert within_binomial(result)


def test_bit_level_readout_doubles_the_variance():
    """The same false-positive rate needs Λ·√2 with the linear bit estimator (the paper's Λ = 4 → 4√2)."""
    phase = rejection_probability("honest", 4.0, ATOMS, NODES, com_error=False)
    bits = rejection_probability("honest", 4.0 * math.sqrt(2.0), ATOMS, NODES, com_error=False, readout="bits")
    assert bits == pytest.approx(phase, rel=1e-12)
    assert rejection_probability("honest", 4.0, ATOMS, NODES, com_error=False, readout="bits") == pytest.approx(
        erfc(2.0), rel=1e-12)
    with pytest.raises(QClockError, match="total_atoms must be a multiple of nodes = 10 for readout 'bits'"):
        sabotage_statistics(4.0, 1005, 10, readout="bits")


def test_random_bits_are_caught_in_a_few_tests():
    rate = rejection_probability("random_bits", 4.0, ATOMS, NODES)
    assert rate == pytest.approx(1 - 0.4 / math.pi)
    assert detection_after_tests(rate, 6) > 0.99999


def test_monte_carlo_is_reproducible_and_json():
    a = simulate_sabotage_tests("lo_offset", 2.0, 500, 5, 2, trials=50_000, lo_offset=0.3, seed=9)
    b = simulate_sabotage_tests("lo_offset", 2.0, 500, 5, 2, trials=50_000, lo_offset=0.3, seed=9)
    assert a == b
    again = SabotageTrials.from_dict(json.loads(json.dumps(a.to_dict())))
    assert again == a and again.rate == a.rate


@pytest.mark.parametrize("call, match", [
    (lambda: sabotage_statistics(4.0, 1000, 10, tested_nodes=10), "tested_nodes must be < nodes = 10"),
    (lambda: sabotage_statistics(0.0, 1000, 10), "window must be > 0"),
    (lambda: sabotage_statistics(4.0, 5, 10), "total_atoms must be an integer >= 10"),
    (lambda: rejection_probability("lazy", 4.0, 1000, 10), "behaviour must be one of"),
    (lambda: rejection_probability("random_bits", 4.0, 1000, 10, cheat_probability=1.5), "cheat_probability"),
    (lambda: simulate_sabotage_tests("honest", 4.0, 1000, 10, lo_phase_spread=-1.0), "lo_phase_spread"),
])
def test_sabotage_errors_name_the_argument(call, match):
    with pytest.raises(QClockError, match=match):
        call()


# ============================================================================ B1 circuit
@pytest.mark.parametrize("qubits", [1, 2, 3, 4])
def test_assessment_circuit_matches_numpy_model(qubits):
    for chi, phi in ((0.3, 0.2), (2.0, -0.7), (-1.1, 1.3)):
        exact = exact_assessment_probability(chi, phi, qubits)
        assert exact == pytest.approx(assessment_parity_probability(chi, phi, qubits), abs=1e-12)


def test_test_round_on_aer_with_mid_circuit_teleportation():
    chi, phi, qubits, shots = 1.0, 0.3, 3, 4000
    circuit = assessment_circuit(chi, phi, qubits)
    assert {"bell", "readout"} <= {reg.name for reg in circuit.cregs}
    parities = assessment_parities(chi, phi, qubits, shots, seed=3)
    p = assessment_parity_probability(chi, phi, qubits)
    assert abs(np.mean(parities == 1) - p) <= 5 * math.sqrt(p * (1 - p) / shots)


def test_flipped_parities_shift_the_phase_by_pi():
    chi = np.linspace(-3, 3, 7)
    np.testing.assert_allclose(1 - assessment_parity_probability(chi, 0.2, 3),
                               assessment_parity_probability(chi + math.pi, 0.2, 3), atol=1e-15)


# ============================================================================ B2 eavesdropping
def test_servo_closed_forms():
    com = np.array([0.3, -1.0, 2.0, 0.5, 0.0])
    corrections, errors = com_servo(com, 0.2, gain=1.0, seed=1)
    np.testing.assert_allclose(corrections[1:], -(com[:-1] + errors[:-1]), atol=1e-15)
    assert corrections[0] == 0.0
    steady, _ = com_servo(np.full(12, 0.8), 0.0, gain=0.5)
    np.testing.assert_allclose(steady, -0.8 * (1 - 0.5 ** np.arange(12)), atol=1e-15)


def test_feedback_key_modulation():
    rng = np.random.default_rng(0)
    correction = rng.normal(0, 1, 100_000)
    key = rng.uniform(-math.pi, math.pi, correction.size)
    sent = encode_feedback(correction, key, 6.0)
    np.testing.assert_allclose(decode_feedback(sent, key, 6.0), correction, atol=1e-12)
    # without the key the phases are uniform and uncorrelated with the feedback
    assert abs(np.corrcoef(sent, correction)[0, 1]) < 5 / math.sqrt(correction.size)
    assert abs(np.mean(sent)) < 5 * (math.pi / math.sqrt(3)) / math.sqrt(correction.size)
    with pytest.raises(QClockError, match="feedback_range must exceed every"):
        encode_feedback(correction, key, 1.0)


@pytest.fixture(scope="module")
def eavesdropping():
    lo = LocalOscillatorNoise.from_coherence_time("random_walk")
    return lo, simulate_eavesdropping(lo, 2**16, 0.1, phase_noise=0.05, nodes=4, taus=[0.1 * 2**k for k in range(7)],
                                      seed=3)


def test_eavesdropper_gets_only_the_free_com(eavesdropping):
    lo, result = eavesdropping
    m = result.eavesdropper.m
    tolerance = 5.0 * np.sqrt(m / result.cycles)  # relative ADEV error of ~cycles/m independent blocks
    free = lo.analytic_adev(result.eavesdropper.tau) / math.sqrt(4)  # K independent random-walk LOs
    assert np.all(np.abs(result.eavesdropper.sigma / free - 1) < tolerance)
    single = lo.analytic_adev(result.single_node.tau)
    assert np.all(np.abs(result.single_node.sigma / single - 1) < tolerance)


def test_members_get_the_stabilised_com(eavesdropping):
    lo, result = eavesdropping
    m = result.stabilised.m
    d_com = 2 * math.pi**2 * lo.h[-2] / 4  # diffusion of the COM of 4 random-walk LOs
    sigma_m = 0.05 / 0.1
    # g = 1: s_k = ω_k − ω_{k−1} − e_{k−1}, so σ²(m) = σ_m²/m + D T (2m − 1)/(2m²) exactly
    predicted = np.sqrt(sigma_m**2 / m + d_com * 0.1 * (2 * m - 1) / (2 * m**2))
    tolerance = 5.0 / np.sqrt(2 * result.stabilised.edf)
    assert np.all(np.abs(result.stabilised.sigma / predicted - 1) < tolerance)
    free = lo.analytic_adev(result.stabilised.tau) / 2
    ratio = result.ratio()
    assert np.all(np.abs(ratio / (free / predicted) - 1) < 2 * tolerance + 5 * np.sqrt(m / result.cycles))
    assert ratio[-1] > 15  # at τ = 64 cycles the members' COM is ~18× more stable


def test_wrong_key_feedback_is_noise(eavesdropping):
    _, result = eavesdropping
    # decoding with a guessed key adds uniform noise on ±c_max: σ(m) ≈ c_max/√(3m) at short τ
    m = result.eavesdropper_feedback.m[:3]
    expected = result.feedback_range / np.sqrt(3 * m)
    np.testing.assert_allclose(result.eavesdropper_feedback.sigma[:3], expected, rtol=0.05)
    assert abs(result.key_correlation) < 5 / math.sqrt(result.cycles)


def test_eavesdropping_json_and_errors(eavesdropping):
    _, result = eavesdropping
    again = EavesdroppingResult.from_dict(json.loads(json.dumps(result.to_dict())))
    np.testing.assert_array_equal(again.stabilised.sigma, result.stabilised.sigma)
    assert again.feedback_range == result.feedback_range
    lo = LocalOscillatorNoise.from_coherence_time("white")
    with pytest.raises(QClockError, match="gain must be in"):
        simulate_eavesdropping(lo, 64, 0.1, gain=2.5, nodes=2, seed=0)
    with pytest.raises(QClockError, match="nodes applies to a single LO"):
        simulate_eavesdropping([lo, lo], 64, 0.1, nodes=2, seed=0)
    first = LocalOscillatorNoise.from_h({"white": 1e-30}, 4.29e14, coherence_time=1.0)
    second = LocalOscillatorNoise.from_h({"white": 1e-30}, 4.29e14, coherence_time=2.0)
    with pytest.raises(QClockError, match="share one time unit"):
        simulate_eavesdropping([first, second], 64, 0.1, seed=0)


# ============================================================================ B3 rotating center
def test_rotation_every_cycle_visits_every_node():
    plan = plan_center_rotation(ring_network(6), 8)
    assert plan.schedule == ("r0", "r1", "r2", "r3", "r4", "r5", "r0", "r1")
    assert plan.handovers == 7
    assert plan.route(3, "r1") == ("r3", "r2", "r1")
    assert len(plan.route(3, "r0")) == 4  # two shortest routes of 3 hops around the ring
    assert CenterRotation.from_dict(json.loads(json.dumps(plan.to_dict()))) == plan


def test_rotation_on_failure_avoids_failed_nodes():
    network = ring_network(6)
    plan = plan_center_rotation(network, 8, mode="on_failure", failures={3: "r0", 5: "r1"})
    assert plan.schedule == ("r0",) * 3 + ("r1",) * 2 + ("r2",) * 3
    assert plan.epochs == (0, 3, 5)
    assert plan.failed[6] == ("r0", "r1")
    assert plan.route(3, "r5") == ("r1", "r2", "r3", "r4", "r5")  # the short way through r0 is down
    assert plan.route(6, "r5") == ("r2", "r3", "r4", "r5")
    assert plan.route(1, "r5") == ("r0", "r5")
    with pytest.raises(QClockError, match="live node other than the center"):
        plan.route(6, "r0")


def test_rotation_fails_when_the_network_falls_apart():
    with pytest.raises(QClockError, match=r"cycle 2: .*failed nodes \['r0', 'r3'\].*'r1': no route through live "
                                          r"nodes to \['r4', 'r5'\]"):
        plan_center_rotation(ring_network(6), 5, failures={2: ["r0", "r3"]})


def test_direct_rule_needs_a_fully_connected_network():
    with pytest.raises(QClockError, match=r"\(3 of 4 live\): 'n1': no direct link to \['n2', 'n3'\]; 'n2'.*'n3'"):
        center_candidates(star_network(3), rule="direct")
    assert center_candidates(star_network(3), rule="direct", strict=False) == ("c",)
    full = ClockNetwork(nx.complete_graph(4))
    plan = plan_center_rotation(full, 4, rule="direct")
    assert plan.schedule == ("0", "1", "2", "3")
    assert all(len(path) == 2 for routes in plan.routes for paths in routes.values() for path in paths.values())


def test_hop_limit_names_the_nodes_that_cannot_serve():
    chain = chain_network(5)
    assert center_candidates(chain, max_hops=2, strict=False) == ("p2",)
    with pytest.raises(QClockError, match=r"'p0': no route of at most 2 hops to \['p3', 'p4'\]"):
        plan_center_rotation(chain, 3, max_hops=2)
    plan = plan_center_rotation(chain, 3, order=["p2"], max_hops=2)
    assert plan.schedule == ("p2",) * 3
    # with p2 down nobody can serve
    with pytest.raises(QClockError, match="cycle 1: no live node can act as center"):
        plan_center_rotation(chain, 3, order=["p2"], max_hops=2, failures={1: "p2"})


def test_rotation_argument_errors():
    with pytest.raises(QClockError, match="failures: cycle must be an integer in \\[0, 4\\), got 7"):
        plan_center_rotation(ring_network(4), 4, failures={7: "r1"})
    with pytest.raises(QClockError, match="order: node must be one of"):
        plan_center_rotation(ring_network(4), 4, order=["r0", "x"])
    with pytest.raises(QClockError, match="mode must be one of"):
        plan_center_rotation(ring_network(4), 4, mode="daily")
