"""GHZ distribution circuits on Aer: exact states, Werner-link predictions, interrogation and readout."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from qiskit import qasm3
from qiskit.quantum_info import Pauli
from qiskit_aer import AerSimulator

from qclock_circuits._validation import QClockError
from qclock_circuits.circuits import to_qasm3
from qclock_circuits.network import (
    SCHEMES,
    ClockNetwork,
    DistributionReport,
    GHZLayout,
    chain_network,
    collective_phase,
    distribution_report,
    ghz_distribution_circuit,
    interrogation_circuit,
    mesh_network,
    parity_probability,
    predicted_ghz_fidelity,
    predicted_parity_contrast,
    ring_network,
    sample_parity,
    star_network,
    swapped_fidelity,
    werner_parameter,
)

# Small networks (≤ 17 circuit qubits) and the schemes that reach all of their nodes.
STAR = star_network(2, qubits=[2, 1, 2])
CHAIN = chain_network(3, qubits=[1, 2, 1])
RING = ring_network(4, qubits=1)
CASES = [(STAR, scheme) for scheme in SCHEMES] + [(CHAIN, "repeater"), (CHAIN, "flat"), (RING, "repeater"),
                                                  (RING, "flat")]
CASE_IDS = [f"star-{s}" for s in SCHEMES] + ["chain-repeater", "chain-flat", "ring-repeater", "ring-flat"]


def _ghz_fidelity(rho: np.ndarray) -> float:
    dimension = rho.shape[0]
    ghz = np.zeros(dimension)
    ghz[0] = ghz[-1] = 1.0 / math.sqrt(2.0)
    return float(np.real(ghz @ rho @ ghz))


@pytest.mark.parametrize("network, scheme", CASES, ids=CASE_IDS)
def test_ideal_links_give_exactly_the_ghz_state(network, scheme):
    distribution = ghz_distribution_circuit(network, scheme)
    circuit = distribution.circuit.copy()
    clock = list(distribution.layout.all_clock_qubits)
    assert clock == list(range(network.total_qubits))
    circuit.save_density_matrix(clock, label="rho", pershot=True)
    # every shot follows other mid-circuit outcomes; each must end in the GHZ state after its corrections
    result = AerSimulator(method="statevector").run(circuit, shots=6, seed_simulator=11).result()
    fidelities = [_ghz_fidelity(np.asarray(rho)) for rho in result.data()["rho"]]
    assert len(fidelities) == 6
    assert np.allclose(fidelities, 1.0, atol=1e-9)


# Density-matrix runs of ≤ 12 qubits: Werner links applied as exact channels, one shot suffices
# because the corrected state does not depend on the mid-circuit outcomes.
NOISY = [
    (star_network(2, qubits=[2, 1, 1], fidelity=0.8), "no-ancilla"),
    (star_network(2, qubits=[1, 2, 1], fidelity=0.8), "star"),
    (chain_network(3, qubits=1), "repeater"),
    (chain_network(3, qubits=1), "flat"),
]


def _with_fidelities(network, fidelities):
    graph = network.graph.copy()
    for (u, v), fidelity in zip(graph.edges, fidelities):
        graph.edges[u, v]["fidelity"] = fidelity
    return ClockNetwork(graph)


@pytest.mark.parametrize("network, scheme", NOISY, ids=[s for _, s in NOISY])
def test_werner_links_match_the_analytic_fidelity_and_contrast_exactly(network, scheme):
    network = _with_fidelities(network, [0.83, 0.71])
    distribution = ghz_distribution_circuit(network, scheme)
    layout = distribution.layout
    circuit = distribution.circuit.copy()
    clock = list(layout.all_clock_qubits)
    circuit.save_density_matrix(clock, label="rho")
    circuit.save_expectation_value(Pauli("X" * len(clock)), clock, label="parity")
    simulator = AerSimulator(method="density_matrix", noise_model=distribution.noise_model())
    data = simulator.run(circuit, shots=1, seed_simulator=2).result().data()
    w1, w2 = werner_parameter(0.83), werner_parameter(0.71)
    if scheme == "repeater":  # p0-p1 direct, p0-p2 swapped through p1: three EPR pairs, two end-to-end
        expected_w = (w1, w1 * w2)
        assert len(layout.links) == 3
    else:
        expected_w = (w1, w2)
    assert layout.end_to_end_werner == pytest.approx(expected_w, abs=1e-15)
    fidelity = 0.5 * (np.prod([(1 + w) / 2 for w in expected_w]) + np.prod(expected_w))
    assert _ghz_fidelity(np.asarray(data["rho"])) == pytest.approx(fidelity, abs=1e-9)
    assert layout.predicted_ghz_fidelity == pytest.approx(fidelity, abs=1e-12)
    assert float(np.real(data["parity"])) == pytest.approx(np.prod(expected_w), abs=1e-9)


def test_werner_algebra():
    assert werner_parameter(1.0) == 1.0 and werner_parameter(0.25) == 0.0
    assert swapped_fidelity([0.9]) == pytest.approx(0.9)
    assert swapped_fidelity([1.0, 0.9, 1.0]) == pytest.approx(0.9)
    # two F = 0.9 hops: w = (13/15)², F = (1 + 3w)/4
    assert swapped_fidelity([0.9, 0.9]) == pytest.approx((1 + 3 * (13 / 15) ** 2) / 4, abs=1e-14)
    # one link: fidelity of the GHZ state = F (X, Y, Z each make it orthogonal)
    assert predicted_ghz_fidelity([werner_parameter(0.7)]) == pytest.approx(0.7, abs=1e-14)
    assert predicted_parity_contrast([]) == 1.0 and predicted_ghz_fidelity([]) == 1.0
    with pytest.raises(QClockError, match="fidelity"):
        werner_parameter(1.5)


def test_shot_estimates_agree_with_predictions():
    # star with ancillas, three links of different fidelity, 4000 shots: |z| < 4 (two-sided p ≈ 6e-5)
    network = _with_fidelities(star_network(3, qubits=[2, 1, 2, 1]), [0.95, 0.9, 0.85])
    report = distribution_report(network, "star", shots=4000, seed=5)
    w = [werner_parameter(f) for f in (0.95, 0.9, 0.85)]
    assert report.predicted_parity_contrast == pytest.approx(np.prod(w), abs=1e-14)
    assert abs(report.fidelity_z_score) < 4 and abs(report.contrast_z_score) < 4
    assert report.ghz_fidelity_se == pytest.approx(
        math.sqrt(report.ghz_fidelity * (1 - report.ghz_fidelity) / 4000))
    assert report.qubits == 6 and report.circuit_qubits == 12 and report.epr_pairs == 3
    again = distribution_report(network, "star", shots=4000, seed=5)
    assert again == report
    assert DistributionReport.from_dict(json.loads(json.dumps(report.to_dict()))) == report


def test_ideal_report_is_exact():
    report = distribution_report(chain_network(4, qubits=2), "flat", shots=200, seed=1)
    assert report.ghz_fidelity == 1.0 and report.parity_contrast == 1.0
    assert report.ghz_fidelity_se == 0.0 and report.parity_contrast_se == 0.0


def test_stabilizer_run_of_ten_ion_clocks_with_pauli_noise():
    # Kómár et al.'s ion example: 10 clocks × 10 ions; 118 qubits in the star circuit
    network = star_network(9, qubits=10, fidelity=0.98)
    report = distribution_report(network, "star", shots=300, seed=2)
    assert report.qubits == 100 and report.circuit_qubits == 118
    assert abs(report.fidelity_z_score) < 4 and abs(report.contrast_z_score) < 4
    assert report.predicted_parity_contrast == pytest.approx((1 - 4 * 0.02 / 3) ** 9, abs=1e-12)


def test_layout_and_metadata():
    distribution = ghz_distribution_circuit(RING, "repeater", fidelity=0.9)
    layout = distribution.layout
    assert layout.routes["r2"] in (("r0", "r1", "r2"), ("r0", "r3", "r2"))
    assert len(layout.links) == 4  # r1, r3 direct; r2 over two hops
    assert all(link.fidelity == 0.9 for link in layout.links)
    assert GHZLayout.from_dict(json.loads(json.dumps(layout.to_dict()))) == layout
    assert distribution.circuit.metadata == layout.to_dict()
    assert set(distribution.noise_model().noise_instructions) == {link.label for link in layout.links}
    assert ghz_distribution_circuit(RING, "repeater").noise_model().is_ideal()
    no_ancilla = ghz_distribution_circuit(STAR, "no-ancilla").layout
    assert no_ancilla.num_qubits == STAR.total_qubits and sum(map(len, no_ancilla.ancilla_qubits.values())) == 0


def test_scheme_errors():
    with pytest.raises(QClockError, match="node 'r2' is not"):
        ghz_distribution_circuit(RING, "star")
    with pytest.raises(QClockError, match="at least 2 clock qubits"):
        ghz_distribution_circuit(star_network(2, qubits=1), "no-ancilla")
    with pytest.raises(QClockError, match="scheme must be one of"):
        ghz_distribution_circuit(STAR, "mesh")
    with pytest.raises(QClockError, match="fidelity"):
        ghz_distribution_circuit(STAR, "star", fidelity=1.5)


def test_flat_tree_prefers_good_links():
    # triangle r0-r1-r2 with a bad r0-r2 link: the tree keeps r0-r1 and r1-r2
    graph = ring_network(3, qubits=1, center=False, fidelity=0.99).graph.copy()
    graph.edges["r0", "r2"]["fidelity"] = 0.5
    network = ClockNetwork(graph)
    edges = {frozenset(link.edge) for link in ghz_distribution_circuit(network, "flat").layout.links}
    assert edges == {frozenset(("r0", "r1")), frozenset(("r1", "r2"))}


@pytest.mark.parametrize("scheme", SCHEMES)
def test_dynamic_circuit_exports_and_round_trips(scheme):
    distribution = ghz_distribution_circuit(STAR, scheme, fidelity=0.9)
    circuit = interrogation_circuit(distribution)
    text = to_qasm3(circuit)
    assert "if (" in text and "input float[64]" in text and "measure" in text
    back = qasm3.loads(text)
    assert back.num_qubits == circuit.num_qubits and back.num_clbits == circuit.num_clbits
    assert back.count_ops().get("if_else", 0) == circuit.count_ops()["if_else"]


def test_collective_phase_weights_qubit_numbers():
    network = star_network(2, qubits=[1, 3, 2])
    assert collective_phase(network, [0.1, 0.2, -0.3]) == pytest.approx(0.1 + 0.6 - 0.6)
    assert collective_phase(network, {"c": 1.0, "n1": 0.0, "n2": 0.5}) == pytest.approx(2.0)
    assert parity_probability(network, [0.0, 0.0, math.pi / 4]) == pytest.approx(0.5)
    assert parity_probability(network, [0.0, 0.0, 0.0], contrast=0.5) == pytest.approx(0.75)
    with pytest.raises(QClockError, match="one phase per node"):
        collective_phase(network, {"c": 1.0})
    with pytest.raises(QClockError, match="shape"):
        collective_phase(network, [0.1, 0.2])


@pytest.mark.parametrize("scheme", ["star", "flat"])
def test_imprinted_parity_is_cos_of_weighted_phase_exactly(scheme):
    network = chain_network(3, qubits=[1, 2, 1]) if scheme == "flat" else STAR
    distribution = ghz_distribution_circuit(network, scheme)
    rng = np.random.default_rng(4)
    for phases in rng.uniform(-math.pi, math.pi, size=(3, len(network.nodes))):
        circuit = interrogation_circuit(distribution, phases, measure=False)
        clock = list(distribution.layout.all_clock_qubits)
        circuit.save_expectation_value(Pauli("X" * len(clock)), clock, label="parity")
        value = AerSimulator(method="statevector").run(circuit, shots=1, seed_simulator=3).result().data()["parity"]
        assert float(np.real(value)) == pytest.approx(2 * parity_probability(network, phases) - 1, abs=1e-9)


def test_sampled_parity_matches_ideal_probability():
    network = star_network(2, qubits=[2, 1, 3])
    phases = np.array([[0.3, -0.2, 0.1], [1.0, 0.4, -0.5], [0.0, 0.0, 0.5]])
    sample = sample_parity(network, phases, shots=1500, seed=9, scheme="no-ancilla")
    assert np.allclose(sample.predicted_plus, parity_probability(network, phases))
    # χ² with 3 dof: p > 1e-3 unless the sampler disagrees with (1 + cos Φ)/2
    assert sample.chi_square().p_value > 1e-3
    # each node's own parity carries no phase information: mean 0 within 4.5 σ (σ = 1/√shots)
    assert np.all(np.abs(sample.node_parity_means) < 4.5 / math.sqrt(1500))


def test_sampled_parity_with_werner_links_has_reduced_contrast():
    network = star_network(2, qubits=[2, 1, 1], fidelity=0.85)
    phases = np.array([[0.0, 0.0, 0.0], [0.4, 0.2, 0.1]])
    sample = sample_parity(network, phases, shots=3000, seed=3, scheme="no-ancilla")
    contrast = werner_parameter(0.85) ** 2
    assert sample.predicted_plus == pytest.approx(0.5 * (1 + contrast * np.cos(sample.collective_phase)))
    assert sample.chi_square().p_value > 1e-3
    again = sample_parity(network, phases, shots=3000, seed=3, scheme="no-ancilla")
    assert np.array_equal(again.plus_counts, sample.plus_counts)


@pytest.mark.slow
def test_large_networks_on_stabilizer_and_mps():
    mesh = mesh_network(10, 0.2, qubits=10, seed=2, fidelity=(0.95, 0.99))
    for scheme in ("repeater", "flat"):
        report = distribution_report(mesh, scheme, shots=1000, seed=4)
        assert abs(report.fidelity_z_score) < 4 and abs(report.contrast_z_score) < 4
    network = star_network(9, qubits=10, fidelity=0.99)
    phases = np.full((1, 10), 0.01)
    sample = sample_parity(network, phases, shots=500, seed=1)
    assert sample.chi_square().p_value > 1e-3
