"""OpenQASM 3 export and transpilation to ion-trap / superconducting targets."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit, qasm3
from qiskit.quantum_info import Statevector

from qclock_circuits import protocols as P
from qclock_circuits.protocols import PrepareState
from qclock_circuits.circuits import (
    ION_TRAP_OPERATIONS,
    ION_TRAP_RXX_OPERATIONS,
    ion_trap_rxx_target,
    ion_trap_target,
    phase_parameter,
    protocol_to_circuit,
    to_qasm3,
    transpile_for,
)
from qclock_circuits.circuits.synthesis import popcounts

PHASES = np.array([-0.8, 0.35, 1.7])


def circuit_probabilities(protocol, circuit: QuantumCircuit, phases) -> np.ndarray:
    """Outcome probabilities of a (transpiled / re-imported) circuit via Statevector.

    Final measurements are removed; a qubit permutation from layout or routing
    does not change the popcount, and spare qubits stay in |0⟩.
    """
    circuit = circuit.remove_final_measurements(inplace=False)
    parameter = phase_parameter(circuit)
    atoms = protocol.atoms
    rows = []
    for phase in phases:
        probs = Statevector(circuit.assign_parameters({parameter: float(phase)})).probabilities()
        dicke = np.bincount(popcounts(circuit.num_qubits), weights=probs, minlength=circuit.num_qubits + 1)
        assert dicke[atoms + 1:].sum() < 1e-10  # spare qubits stay in |0⟩
        row = np.zeros(len(protocol.outcomes))
        np.add.at(row, protocol.outcome_index(np.arange(atoms + 1)), dicke[: atoms + 1])
        rows.append(row)
    return np.array(rows)


PROTOCOLS = [
    P.css(3),
    P.sss(4, twist=0.35),
    P.ghz(3, readout="parity"),
    P.ghz(4, readout="jz"),
    P.variational(3, 1, 2, np.linspace(-1.3, 1.1, 11)),
    P.poi(3),
]
IDS = ["css", "sss", "ghz_parity", "ghz_jz", "var12", "poi"]


@pytest.mark.parametrize("oat", ["rzz", "ms"])
@pytest.mark.parametrize("protocol", PROTOCOLS, ids=IDS)
def test_qasm3_round_trip(protocol, oat):
    text = to_qasm3(protocol, oat=oat)
    assert text.startswith("OPENQASM 3")
    assert "input float[64] phi;" in text
    assert "rz(-phi)" in text
    loaded = qasm3.loads(text)
    assert [p.name for p in loaded.parameters] == ["phi"]
    np.testing.assert_allclose(circuit_probabilities(protocol, loaded, PHASES),
                               protocol.probabilities(PHASES), atol=1e-10)


def test_qasm3_of_a_circuit():
    circuit = protocol_to_circuit(P.css(2), measure=False)
    text = to_qasm3(circuit)
    assert "OPENQASM 3" in text and "phi" in text
    with pytest.raises(TypeError, match="apply only when a protocol is given"):
        to_qasm3(circuit, oat="ms")
    with pytest.raises(TypeError, match="QuantumCircuit or a RamseyProtocol"):
        to_qasm3("OPENQASM 3;")


@pytest.mark.parametrize("oat", ["rzz", "ms"])
@pytest.mark.parametrize("protocol", PROTOCOLS, ids=IDS)
def test_ion_trap_transpilation(protocol, oat):
    report = transpile_for(protocol, "ion_trap", seed=3, oat=oat)
    names = set(report.gate_counts)
    assert names <= set(ION_TRAP_OPERATIONS) | {"barrier"}, names
    if not any(isinstance(op, PrepareState) for op in protocol.preparation):
        # rotations and twists only: one global MS per twist, global R pulses
        assert "rxx" not in names and "r" not in names, names
    assert [p.name for p in report.circuit.parameters] == ["phi"]
    np.testing.assert_allclose(circuit_probabilities(protocol, report.circuit, PHASES),
                               protocol.probabilities(PHASES), atol=1e-9)
    if protocol.name == "SSS":
        assert report.depth > 0 and report.two_qubit_gates == 0
        assert report.entangling_gates == report.gate_counts["ms"] == 1


@pytest.mark.parametrize("protocol", PROTOCOLS, ids=IDS)
def test_pairwise_ion_trap_transpilation(protocol):
    report = transpile_for(protocol, "ion_trap_rxx", seed=3, oat="ms")
    names = set(report.gate_counts)
    assert names <= set(ION_TRAP_RXX_OPERATIONS) | {"barrier"}, names
    np.testing.assert_allclose(circuit_probabilities(protocol, report.circuit, PHASES),
                               protocol.probabilities(PHASES), atol=1e-9)
    if protocol.name == "SSS":
        assert report.two_qubit_gates == report.gate_counts["rxx"] == report.entangling_gates == 6


def test_transpile_report_fields():
    report = transpile_for(protocol_to_circuit(P.sss(4, twist=0.2), oat="ms"), "ion_trap_rxx",
                           optimization_level=2, seed=1)
    data = report.to_dict()
    assert data["target"] == "ion_trap_rxx" and data["num_qubits"] == 4 and data["optimization_level"] == 2
    assert data["two_qubit_gates"] == 6 and data["depth"] == report.circuit.depth() > 0
    assert data["gate_counts"]["measure"] == 4 and data["estimated_fidelity"] is None
    assert "circuit" not in data and "TranspileReport" in repr(report)
    target = ion_trap_target(3)
    assert set(target.operation_names) == set(ION_TRAP_OPERATIONS)
    assert set(ion_trap_rxx_target(3).operation_names) == set(ION_TRAP_RXX_OPERATIONS)
    assert ion_trap_target(1).operation_names and "rxx" not in ion_trap_target(1).operation_names
    assert "ms" not in ion_trap_target(1).operation_names


@pytest.mark.parametrize("protocol", [P.sss(4, twist=0.35), P.ghz(3, readout="parity"), P.poi(2)],
                         ids=["sss", "ghz", "poi"])
def test_superconducting_transpilation(protocol):
    report = transpile_for(protocol, "superconducting", seed=7)
    assert set(report.gate_counts) <= {"cx", "rz", "sx", "x", "id", "measure", "barrier"}
    assert report.two_qubit_gates == report.gate_counts.get("cx", 0) > 0
    assert [p.name for p in report.circuit.parameters] == ["phi"]
    np.testing.assert_allclose(circuit_probabilities(protocol, report.circuit, PHASES),
                               protocol.probabilities(PHASES), atol=1e-9)
    assert "OPENQASM 3" in to_qasm3(report.circuit)


def test_superconducting_single_atom_uses_two_qubit_backend():
    protocol = P.css(1)
    report = transpile_for(protocol, "superconducting", seed=1)
    assert report.circuit.num_qubits == 2 and report.two_qubit_gates == 0
    np.testing.assert_allclose(circuit_probabilities(protocol, report.circuit, PHASES),
                               protocol.probabilities(PHASES), atol=1e-10)


def test_transpile_bad_input():
    with pytest.raises(ValueError, match="target must be one of 'ion_trap', .*got 'ibm'"):
        transpile_for(P.css(2), "ibm")
    with pytest.raises(TypeError, match="target must be a name, a BackendV2 or a Target"):
        transpile_for(P.css(2), 3)
    with pytest.raises(ValueError, match="optimization_level"):
        transpile_for(P.css(2), optimization_level=4)
    with pytest.raises(ValueError, match="coupling_map"):
        transpile_for(P.css(2), "ion_trap", coupling_map=[[0, 1]])
    with pytest.raises(ValueError, match="num_qubits"):
        ion_trap_target(0)
