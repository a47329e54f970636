"""Circuit builder: the Qiskit circuit reproduces the collective engine exactly.

The independent route is ``Statevector`` of the circuit (2**N amplitudes,
grouped by popcount) against ``RamseyProtocol.probabilities`` (N+1 Dicke
amplitudes); both twist forms (RZZ network and Mølmer–Sørensen) are tested.
"""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.circuit.library import RXGate, RYGate, RZGate
from qiskit.quantum_info import Operator, Statevector

from qclock_circuits import protocols as P
from qclock_circuits.circuits import (
    IMPRINT_LABEL,
    MEASURE_REGISTER,
    PHASE,
    phase_parameter,
    protocol_to_circuit,
    statevector_probabilities,
)
from qclock_circuits.circuits.synthesis import (
    collective_unitary_matrix,
    fanout_pairs,
    popcounts,
    single_qubit_circuit,
    symmetric_isometry,
)
from qclock_circuits.protocols import CollectiveUnitary, PrepareState, Rotation, Twist
from qclock_circuits.spin import rotation_matrix, twist_matrix

KINDS = ("css", "sss", "ghz_parity", "ghz_jz", "var11", "var12", "var01", "poi")


def make_protocol(kind: str, atoms: int, rng: np.random.Generator) -> P.RamseyProtocol:
    if kind == "css":
        return P.css(atoms)
    if kind == "sss":
        return P.sss(atoms, twist=float(rng.uniform(0.05, 1.5)))
    if kind == "ghz_parity":
        return P.ghz(atoms, readout="parity")
    if kind == "ghz_jz":
        return P.ghz(atoms, readout="jz")
    if kind == "poi":
        return P.poi(atoms)
    n, m = {"var11": (1, 1), "var12": (1, 2), "var01": (0, 1)}[kind]
    count = len(P.variational_parameter_names(n, m))
    return P.variational(atoms, n, m, rng.uniform(-np.pi, np.pi, count))


CASES = [(kind, atoms) for kind in KINDS for atoms in range(1, 11) if kind != "poi" or atoms <= 6]


@pytest.mark.parametrize("oat", ["rzz", "ms"])
@pytest.mark.parametrize("kind, atoms", CASES)
def test_statevector_matches_collective_engine(kind, atoms, oat):
    rng = np.random.default_rng(1000 * atoms + KINDS.index(kind))
    protocol = make_protocol(kind, atoms, rng)
    phases = rng.uniform(-np.pi, np.pi, 2)
    circuit_probs = statevector_probabilities(protocol, phases, oat=oat)
    assert circuit_probs.shape == (2, len(protocol.outcomes))
    np.testing.assert_allclose(circuit_probs, protocol.probabilities(phases), atol=1e-10, rtol=0)


def _phase_aligned(a: np.ndarray, b: np.ndarray) -> float:
    """max |a − e^{iθ} b| with the best global phase θ."""
    overlap = np.vdot(b, a)
    phase = overlap / abs(overlap) if abs(overlap) > 1e-14 else 1.0
    return float(np.abs(a - phase * b).max())


def _symmetric_block(circuit, atoms):
    """The circuit unitary on the symmetric subspace, and its leakage out of it."""
    isometry = symmetric_isometry(atoms)
    unitary = Operator(circuit).data
    image = unitary @ isometry
    block = isometry.T @ image
    leakage = np.abs(image - isometry @ block).max()
    return block, leakage


@pytest.mark.parametrize("oat", ["rzz", "ms"])
@pytest.mark.parametrize("atoms", [2, 3, 4])
def test_twist_about_random_axis_is_exact_on_symmetric_subspace(atoms, oat):
    rng = np.random.default_rng(atoms)
    axis = tuple(rng.normal(size=3))
    strength = float(rng.uniform(-2, 2))
    protocol = P.custom(atoms, [Twist(strength, axis)], [])
    circuit = protocol_to_circuit(protocol, oat=oat, measure=False, phase=0.0)
    block, leakage = _symmetric_block(circuit, atoms)
    assert leakage < 1e-12
    expected = twist_matrix(atoms, strength, axis)
    # global phase included: the builder keeps e^{-iμN/8}
    assert np.abs(block - expected).max() < 1e-11


@pytest.mark.parametrize("atoms", [1, 2, 3])
def test_rotation_is_exact_on_symmetric_subspace(atoms):
    rng = np.random.default_rng(10 + atoms)
    ops = [Rotation(float(rng.uniform(-3, 3)), tuple(rng.normal(size=3))) for _ in range(3)]
    circuit = protocol_to_circuit(P.custom(atoms, ops, []), measure=False, phase=0.0)
    block, leakage = _symmetric_block(circuit, atoms)
    expected = np.eye(atoms + 1, dtype=complex)
    for op in ops:
        expected = rotation_matrix(atoms, op.angle, op.axis) @ expected
    assert leakage < 1e-12
    assert _phase_aligned(block, expected) < 1e-11


@pytest.mark.parametrize("axis, gate", [("x", lambda t: RXGate(t)), ("y", lambda t: RYGate(-t)),
                                        ("z", lambda t: RZGate(-t))])
def test_collective_rotation_sign_convention(axis, gate):
    """Rx(θ) → RX(θ), Ry(θ) → RY(−θ), Rz(θ) → RZ(−θ) on each qubit (CONVENTIONS.md)."""
    theta = 0.7
    circuit = protocol_to_circuit(P.custom(1, [Rotation(theta, axis)], []), measure=False, phase=0.0)
    assert Operator(circuit).equiv(Operator(gate(theta)))


def test_imprint_is_rz_minus_phi_labelled():
    protocol = P.css(4)
    circuit = protocol_to_circuit(protocol)
    imprint = [inst for inst in circuit.data if inst.operation.label == IMPRINT_LABEL]
    assert len(imprint) == 4
    assert sorted(circuit.find_bit(inst.qubits[0]).index for inst in imprint) == [0, 1, 2, 3]
    for inst in imprint:
        assert inst.operation.name == "rz"
        assert inst.operation.params[0] == -PHASE
    assert [p.name for p in circuit.parameters] == ["phi"]
    assert phase_parameter(circuit) == PHASE
    # exp(-iφJz) = Π RZ(-φ): on one atom |↑⟩ gets e^{-iφ/2}, |↓⟩ gets e^{+iφ/2}
    single = protocol_to_circuit(P.custom(1, [], []), measure=False, phase=0.3)
    np.testing.assert_allclose(Operator(single).data, np.diag([np.exp(0.15j), np.exp(-0.15j)]), atol=1e-14)


def test_twist_forms_use_native_gates():
    protocol = P.sss(5, twist=0.4, rotation=0.2)
    rzz = protocol_to_circuit(protocol, oat="rzz")
    ops = rzz.count_ops()
    assert ops["rzz"] == 10 and "ms" not in ops and "rxx" not in ops
    assert all(inst.operation.params[0] == pytest.approx(0.2) for inst in rzz.data
               if inst.operation.name == "rzz")
    ms = protocol_to_circuit(protocol, oat="ms")
    ops = ms.count_ops()
    assert ops["ms"] == 1 and "rzz" not in ops
    assert ops["measure"] == 5 and ops["barrier"] == 1
    # an x-twist needs no frame change in the MS form: only the twist and the imprint remain
    x_twist = protocol_to_circuit(P.custom(3, [Twist(0.3, "x")], []), oat="ms", measure=False)
    assert dict(x_twist.count_ops()) == {"ms": 1, "rz": 3}
    z_twist = protocol_to_circuit(P.custom(3, [Twist(0.3, "z")], []), oat="rzz", measure=False)
    assert dict(z_twist.count_ops()) == {"rzz": 3, "rz": 3}


def test_adjacent_rotations_are_merged():
    ops = [Rotation(0.3, "x"), Rotation(0.4, "x"), Rotation(-0.7, "x")]  # identity
    circuit = protocol_to_circuit(P.custom(3, ops, ops), measure=False)
    assert dict(circuit.count_ops()) == {"rz": 3}
    css = protocol_to_circuit(P.css(2), measure=False)
    assert css.size() == 2 + 2 + 2  # one gate per qubit for each of prep, imprint, measurement


@pytest.mark.parametrize("atoms", [1, 2, 5, 30])
def test_ghz_uses_fanout_for_any_size(atoms):
    circuit = protocol_to_circuit(P.ghz(atoms), measure=False, phase=0.0, max_unitary_qubits=4)
    ops = circuit.count_ops()
    assert ops.get("cx", 0) == atoms - 1
    assert "state_preparation" not in ops and "unitary" not in ops
    cx_only = circuit.copy_empty_like()
    for inst in circuit.data:
        if inst.operation.name == "cx":
            cx_only.append(inst)
    assert cx_only.depth() == int(np.ceil(np.log2(atoms)))  # log-depth fan-out (0 for one atom)
    if atoms <= 5:
        state = Statevector(protocol_to_circuit(P.custom(atoms, [P.ghz(atoms).preparation[0]], []),
                                                measure=False, phase=0.0))
        expected = np.zeros(2**atoms, dtype=complex)
        expected[0] = expected[-1] = 1 / np.sqrt(2)
        assert _phase_aligned(state.data, expected) < 1e-12


def test_two_level_state_with_other_label_uses_fanout():
    amplitudes = np.zeros(5, dtype=complex)
    amplitudes[0], amplitudes[4] = 0.6, 0.8j
    protocol = P.custom(4, [PrepareState(amplitudes, "cat"), Rotation(0.3, "y")], [Rotation(0.5, "x")])
    circuit = protocol_to_circuit(protocol, max_unitary_qubits=1)
    assert circuit.count_ops()["cx"] == 3
    phases = np.array([0.2, -1.1])
    np.testing.assert_allclose(statevector_probabilities(protocol, phases), protocol.probabilities(phases),
                               atol=1e-12)


def test_general_state_and_unitary_are_synthesised():
    rng = np.random.default_rng(5)
    amplitudes = rng.normal(size=4) + 1j * rng.normal(size=4)
    matrix, _ = np.linalg.qr(rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4)))
    protocol = P.custom(3, [PrepareState(amplitudes, "random")], [CollectiveUnitary(matrix, "haar")],
                        readout="phase")
    circuit = protocol_to_circuit(protocol)
    assert circuit.count_ops()["state_preparation"] == 1 and circuit.count_ops()["unitary"] == 1
    phases = rng.uniform(-np.pi, np.pi, 3)
    for oat in ("rzz", "ms"):
        np.testing.assert_allclose(statevector_probabilities(protocol, phases, oat=oat),
                                   protocol.probabilities(phases), atol=1e-10)
    # one atom: the collective unitary is merged as a single-qubit gate
    one = P.custom(1, [], [CollectiveUnitary(np.linalg.qr(matrix[:2, :2])[0], "u2")])
    assert "unitary" not in protocol_to_circuit(one).count_ops()
    np.testing.assert_allclose(statevector_probabilities(one, phases), one.probabilities(phases), atol=1e-12)


def test_collective_unitary_embedding_is_unitary_and_acts_on_symmetric_subspace():
    rng = np.random.default_rng(2)
    matrix, _ = np.linalg.qr(rng.normal(size=(5, 5)) + 1j * rng.normal(size=(5, 5)))
    big = collective_unitary_matrix(matrix)
    np.testing.assert_allclose(big.conj().T @ big, np.eye(16), atol=1e-12)
    isometry = symmetric_isometry(4)
    np.testing.assert_allclose(isometry.T @ big @ isometry, matrix, atol=1e-12)


def test_phase_binding_and_metadata():
    protocol = P.ghz(3, readout="parity")
    bound = protocol_to_circuit(protocol, phase=0.25)
    assert not bound.parameters
    free = protocol_to_circuit(protocol).assign_parameters({PHASE: 0.25})
    assert Operator(bound.remove_final_measurements(inplace=False)).equiv(
        Operator(free.remove_final_measurements(inplace=False)))
    meta = bound.metadata
    assert meta["phase_parameter"] == "phi" and meta["phase"] == 0.25
    assert meta["readout"] == "parity" and meta["atoms"] == 3 and meta["oat"] == "rzz"
    assert meta["protocol"] == protocol.to_dict()
    assert meta["outcomes"] == [-1.0, 1.0]
    assert meta["imprint_label"] == IMPRINT_LABEL and meta["measure_register"] == MEASURE_REGISTER
    assert [reg.name for reg in bound.cregs] == [MEASURE_REGISTER]
    assert protocol_to_circuit(protocol, measure=False).metadata["measure_register"] is None
    assert not protocol_to_circuit(protocol, measure=False).cregs


def test_protocol_to_circuit_method_delegates():
    protocol = P.sss(3, twist=0.3)
    circuit = protocol.to_circuit(oat="ms", measure=False)
    assert circuit.metadata["oat"] == "ms" and "ms" in circuit.count_ops()


def test_synthesis_helpers():
    for n in range(1, 40):
        filled = {0}
        for control, target in fanout_pairs(n):
            assert control in filled and target not in filled
            filled.add(target)
        assert filled == set(range(n))
    rng = np.random.default_rng(3)
    matrix, _ = np.linalg.qr(rng.normal(size=(2, 2)) + 1j * rng.normal(size=(2, 2)))
    assert Operator(single_qubit_circuit(matrix)).equiv(Operator(matrix))
    np.testing.assert_allclose(Operator(single_qubit_circuit(matrix)).data, matrix, atol=1e-12)
    assert len(single_qubit_circuit(np.diag([1j, -1j])).data) == 1
    assert len(single_qubit_circuit(-np.eye(2)).data) == 0
    assert list(popcounts(3)) == [0, 1, 1, 2, 1, 2, 2, 3]


# ------------------------------------------------------------------ bad input
def test_dense_synthesis_beyond_limit_names_operation_and_limit():
    with pytest.raises(ValueError, match=r"PrepareState\(label='sine'\).*N = 11.*max_unitary_qubits = 10"):
        protocol_to_circuit(P.poi(11))
    with pytest.raises(ValueError, match=r"PrepareState.*N = 4.*max_unitary_qubits = 3"):
        protocol_to_circuit(P.poi(4), max_unitary_qubits=3)
    unitary = CollectiveUnitary(P.phase_operator_unitary(5), "phase_operator")
    with pytest.raises(ValueError, match=r"CollectiveUnitary\(label='phase_operator'\).*N = 5.*"
                                         r"max_unitary_qubits = 4"):
        protocol_to_circuit(P.custom(5, [], [unitary]), max_unitary_qubits=4)


def test_invalid_arguments():
    with pytest.raises(ValueError, match="oat must be one of 'rzz', 'ms', got 'xx'"):
        protocol_to_circuit(P.css(2), oat="xx")
    with pytest.raises(ValueError, match="oat"):
        P.css(2).to_circuit(oat="RZZ")
    with pytest.raises(ValueError, match="phase"):
        protocol_to_circuit(P.css(2), phase=float("nan"))
    with pytest.raises(ValueError, match="max_unitary_qubits"):
        protocol_to_circuit(P.css(2), max_unitary_qubits=0)
    with pytest.raises(TypeError, match="measure"):
        protocol_to_circuit(P.css(2), measure="yes")
    with pytest.raises(TypeError, match="RamseyProtocol"):
        protocol_to_circuit("css")
    with pytest.raises(ValueError, match="no parameter named 'phi'"):
        phase_parameter(protocol_to_circuit(P.css(2), phase=0.1))
