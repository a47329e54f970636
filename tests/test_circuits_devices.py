"""Native trapped-ion form (global Mølmer–Sørensen), device targets and calibrated fake backends."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit.library import MSGate, RGate
from qiskit.quantum_info import Operator, Statevector

from qclock_circuits import protocols as P
from qclock_circuits._validation import QClockError
from qclock_circuits.circuits import (
    GlobalRGate,
    merge_global_rotations,
    protocol_to_circuit,
    transpile_for,
)
from qclock_circuits.circuits.synthesis import popcounts, symmetric_isometry
from qclock_circuits.protocols import Twist
from qclock_circuits.spin import embed_symmetric, twist_matrix


def _native_state(protocol, phase):
    report = transpile_for(protocol, "ion_trap", measure=False, phase=phase, seed=1)
    return report, Statevector(report.circuit).data


@pytest.mark.parametrize("atoms", range(1, 11))
def test_native_ion_trap_form_equals_collective_engine(atoms):
    """One global MS per twist; the state, global phase included, equals the collective engine's."""
    rng = np.random.default_rng(atoms)
    protocol = P.variational(atoms, 1, 2, rng.uniform(-np.pi, np.pi, 11))
    phase = float(rng.uniform(-1, 1))
    report, state = _native_state(protocol, phase)
    names = set(report.gate_counts)
    assert names <= ({"ms", "gr", "rz"} if atoms > 1 else {"r", "rz"}), names
    twists = sum(isinstance(op, Twist) for op in protocol.preparation + protocol.measurement)
    assert report.gate_counts.get("ms", 0) == (twists if atoms > 1 else 0)
    assert report.entangling_gates == report.gate_counts.get("ms", 0)
    assert report.two_qubit_gates == (report.entangling_gates if atoms == 2 else 0)
    expected = embed_symmetric(protocol.final_state(phase))
    assert np.abs(state - expected).max() < 1e-10


@pytest.mark.parametrize("atoms", [2, 3, 5])
def test_global_ms_is_a_twist_up_to_single_qubit_rotations(atoms):
    """exp(−i(μ/2)(n·J)²) as gr/rz around one MSGate, unitary on the symmetric subspace, phase included."""
    rng = np.random.default_rng(10 + atoms)
    axis = tuple(rng.normal(size=3))
    strength = float(rng.uniform(-2, 2))
    report = transpile_for(P.custom(atoms, [Twist(strength, axis)], []), "ion_trap", measure=False, phase=0.0)
    assert report.gate_counts["ms"] == 1 and set(report.gate_counts) <= {"ms", "gr", "rz"}
    isometry = symmetric_isometry(atoms)
    image = Operator(report.circuit).data @ isometry
    block = isometry.T @ image
    assert np.abs(image - isometry @ block).max() < 1e-11
    assert np.abs(block - twist_matrix(atoms, strength, axis)).max() < 1e-10


def test_msgate_convention():
    """MSGate(N, θ) = exp(−i(θ/2) Σ_{i<j} X_i X_j): so T_x(μ) = e^{−iμN/8} MS(μ/2) (independent route)."""
    atoms, theta = 3, 0.37
    x = np.array([[0, 1], [1, 0]], dtype=complex)
    eye = np.eye(2)
    generator = np.zeros((8, 8), dtype=complex)
    for i in range(atoms):
        for j in range(i + 1, atoms):
            ops = [x if k in (i, j) else eye for k in range(atoms)]
            generator += np.kron(np.kron(ops[2], ops[1]), ops[0])
    values, vectors = np.linalg.eigh(generator)
    expected = vectors @ np.diag(np.exp(-0.5j * theta * values)) @ vectors.conj().T
    circuit = QuantumCircuit(atoms)
    circuit.append(MSGate(atoms, theta), range(atoms))
    assert np.abs(Operator(circuit).data - expected).max() < 1e-12


def test_merge_global_rotations_keeps_the_unitary_and_only_merges_uniform_layers():
    rng = np.random.default_rng(5)
    circuit = QuantumCircuit(3)
    for q in range(3):
        circuit.append(RGate(0.3, 0.2), [q])
        circuit.rz(0.1, q)
    circuit.append(MSGate(3, 0.4), range(3))
    circuit.append(RGate(*rng.uniform(-1, 1, 2)), [0])  # not uniform: stays per qubit
    circuit.global_phase = 0.25
    merged = merge_global_rotations(circuit)
    ops = merged.count_ops()
    assert ops["gr"] == 1 and ops["r"] == 1 and ops["rz"] == 3 and ops["ms"] == 1
    assert Operator(merged).equiv(Operator(circuit)) and np.allclose(Operator(merged).data, Operator(circuit).data)
    gate = GlobalRGate(2, 0.4, -0.3)
    pair = QuantumCircuit(2)
    pair.append(RGate(0.4, -0.3), [0])
    pair.append(RGate(0.4, -0.3), [1])
    assert np.allclose(Operator(gate).data, Operator(pair).data)
    with pytest.raises(TypeError, match="circuit must be a QuantumCircuit"):
        merge_global_rotations("ms")


def test_design_circuit_is_rebuilt_in_native_form_unless_edited():
    protocol = P.variational(8, 1, 2, np.linspace(-1, 1, 11))
    circuit = protocol_to_circuit(protocol)  # RZZ network, as qclock design writes it
    native = transpile_for(circuit, "ion_trap", optimization_level=2, seed=1)
    pairwise = transpile_for(circuit, "ion_trap_rxx", optimization_level=2, seed=1)
    assert native.gate_counts["ms"] == 3 and "rxx" not in native.gate_counts
    assert pairwise.two_qubit_gates == 3 * 28
    assert native.depth < pairwise.depth / 4
    edited = circuit.copy()
    edited.data.insert(0, edited.data[0])  # no longer the protocol's circuit: transpiled as it is
    assert "rxx" in transpile_for(edited, "ion_trap", seed=1).gate_counts


def _probabilities(protocol, circuit, phases):
    circuit = circuit.remove_final_measurements(inplace=False)
    (parameter,) = circuit.parameters
    rows = []
    for phase in phases:
        probs = Statevector(circuit.assign_parameters({parameter: phase})).probabilities()
        dicke = np.bincount(popcounts(circuit.num_qubits), weights=probs)[: protocol.atoms + 1]
        rows.append(dicke)
    return np.array(rows)


@pytest.mark.parametrize("target", ["quantinuum", "ionq", "fake_manila"])
def test_device_gate_sets_reproduce_the_protocol(target):
    protocol = P.sss(3, twist=0.4)
    report = transpile_for(protocol, target, seed=2)
    expected = {"quantinuum": {"rzz", "r", "rz"}, "ionq": {"gpi", "gpi2", "ms"},
                "fake_manila": {"cx", "rz", "sx", "x"}}[target]
    assert set(report.gate_counts) - {"measure", "barrier"} <= expected
    assert report.entangling_gates > 0
    phases = [-0.6, 0.4]
    np.testing.assert_allclose(_probabilities(protocol, report.circuit, phases),
                               protocol.dicke_probabilities(np.array(phases)), atol=1e-9)
    if target == "fake_manila":
        assert 0.5 < report.estimated_fidelity < 1.0
    else:
        assert report.estimated_fidelity is None


def test_estimated_fidelity_is_the_product_of_calibrated_gate_errors():
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    backend = FakeManilaV2()
    report = transpile_for(P.sss(2, twist=0.3), backend, seed=4)
    assert report.target == backend.name
    index = {q: i for i, q in enumerate(report.circuit.qubits)}
    log_fidelity = 0.0
    for instruction in report.circuit.data:
        if instruction.operation.name == "barrier":
            continue
        qargs = tuple(index[q] for q in instruction.qubits)
        error = backend.target[instruction.operation.name][qargs].error
        log_fidelity += np.log1p(-(error or 0.0))
    assert report.estimated_fidelity == pytest.approx(np.exp(log_fidelity), rel=1e-12)
    assert report.estimated_fidelity < transpile_for(P.css(2), backend, seed=4).estimated_fidelity


def test_backend_and_target_objects():
    from qiskit_aer import AerSimulator

    report = transpile_for(P.sss(3, twist=0.2), AerSimulator(), seed=1)
    assert report.circuit.num_qubits >= 3 and report.two_qubit_gates >= 0
    from qclock_circuits.circuits import ion_trap_target

    report = transpile_for(P.sss(3, twist=0.2), ion_trap_target(3), seed=1)
    assert report.target == "ion_trap"


def test_device_bad_input():
    with pytest.raises(QClockError, match="'fake_manila' has 5 qubits, fewer than the 6"):
        transpile_for(P.css(6), "fake_manila")
    with pytest.raises(QClockError, match="not a fake backend of qiskit-ibm-runtime; known: .*fake_torino"):
        transpile_for(P.css(2), "fake_nowhere")
    with pytest.raises(QClockError, match="coupling_map applies only"):
        transpile_for(P.css(2), "fake_manila", coupling_map=[[0, 1]])
    with pytest.raises(QClockError, match="num_qubits"):
        GlobalRGate  # noqa: B018 — the gate itself takes any size; targets check theirs
        from qclock_circuits.circuits import quantinuum_target

        quantinuum_target(0)
