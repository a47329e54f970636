"""One sabotage test round as a Qiskit circuit (Kómár et al., Nature Physics 10, 582 (2014), app. B1, Fig. 4a).

Qubits: 0 the center's test qubit, 1 the center's half of an EPR pair,
2 … n+1 the node's clock qubits (qubit 2 holds the node's half of the pair).

1. The center prepares ``(|0⟩ + e^{iχ}|1⟩)/√2`` (H, then P(χ)) and shares
   ``|Φ+⟩`` between qubits 1 and 2.
2. Bell measurement of qubits 0, 1 and the Pauli corrections X^{m1} Z^{m0} on
   qubit 2 teleport the test qubit to the node. With ``dynamic=True`` these are
   mid-circuit measurements and ``if_test`` blocks (sampled with Aer); with
   ``dynamic=False`` the corrections are controlled gates (deferred
   measurement) and the circuit is unitary up to the final readout, so its
   exact probabilities come from a statevector.
3. The node fans qubit 2 out (CNOTs) into ``(|0…0⟩ + e^{iχ}|1…1⟩)/√2``, its LO
   imprints ``RZ(−φ)`` on every clock qubit (CONVENTIONS.md), and it reads
   out in the X basis (H, measure) into the register ``"readout"``.

The node's parity ``Π_i (−1)^{b_i}`` then has ``P(+1) = (1 + cos(χ − nφ))/2``
(:func:`~qclock_circuits.network.sabotage.assessment_parity_probability`).
"""

from __future__ import annotations

import numpy as np
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit.library import RZGate

from .._validation import check_finite, check_int
from ..circuits.builder import IMPRINT_LABEL
from .interrogation import READOUT_REGISTER, aer_sampler

__all__ = ["assessment_circuit", "assessment_parities", "exact_assessment_probability"]


def assessment_circuit(secret_phase: float, lo_phase: float, qubits: int, *, dynamic: bool = True) -> QuantumCircuit:
    """Circuit of one test round at a node with ``qubits`` clock qubits (module docstring).

    Parameters
    ----------
    secret_phase : float
        χ (rad), known only to the center.
    lo_phase : float
        φ (rad), the node's LO phase per clock qubit over the dark time.
    qubits : int
        n ≥ 1 clock qubits at the node.
    dynamic : bool
        Mid-circuit Bell measurement with classically controlled corrections
        (True), or coherent corrections (False).

    Returns
    -------
    qiskit.QuantumCircuit
        The n + 2 qubit circuit with the register ``"readout"``.
    """
    chi = check_finite(secret_phase, "secret_phase")
    phi = check_finite(lo_phase, "lo_phase")
    n = check_int(qubits, "qubits", 1)
    center = QuantumRegister(2, "center")
    node = QuantumRegister(n, "node")
    readout = ClassicalRegister(n, READOUT_REGISTER)
    registers = [center, node, readout]
    if dynamic:
        bell = ClassicalRegister(2, "bell")
        registers.append(bell)
    circuit = QuantumCircuit(*registers, name="sabotage_test")
    circuit.h(center[0])
    circuit.p(chi, center[0])
    circuit.h(center[1])
    circuit.cx(center[1], node[0])
    circuit.cx(center[0], center[1])
    circuit.h(center[0])
    if dynamic:
        circuit.measure(center[0], bell[0])
        circuit.measure(center[1], bell[1])
        with circuit.if_test((bell[1], 1)):
            circuit.x(node[0])
        with circuit.if_test((bell[0], 1)):
            circuit.z(node[0])
    else:
        circuit.cx(center[1], node[0])
        circuit.cz(center[0], node[0])
    for k in range(1, n):
        circuit.cx(node[0], node[k])
    for k in range(n):
        circuit.append(RZGate(-phi, label=IMPRINT_LABEL), [node[k]])
    circuit.h(node)
    circuit.measure(node, readout)
    return circuit


def exact_assessment_probability(secret_phase: float, lo_phase: float, qubits: int) -> float:
    """Exact ``P(parity = +1)`` of the coherent-correction circuit, from its statevector.

    Parameters
    ----------
    secret_phase : float
        χ (rad), known only to the center.
    lo_phase : float
        φ (rad), the node's LO phase per clock qubit over the dark time.
    qubits : int
        n ≥ 1 clock qubits at the node.

    Returns
    -------
    float
        ``P(+1)``, equal to ``(1 + cos(χ − nφ))/2`` for the ideal circuit.
    """
    from qiskit.quantum_info import Statevector

    circuit = assessment_circuit(secret_phase, lo_phase, qubits, dynamic=False).remove_final_measurements(
        inplace=False)
    probabilities = Statevector(circuit).probabilities()  # index bit k = qubit k (little-endian)
    n = check_int(qubits, "qubits", 1)
    index = np.arange(probabilities.size)
    ones = np.zeros(probabilities.size, dtype=np.int64)
    for k in range(2, 2 + n):
        ones += (index >> k) & 1
    return float(probabilities[ones % 2 == 0].sum())


def assessment_parities(secret_phase: float, lo_phase: float, qubits: int, shots: int = 1000, *,
                        seed=None) -> np.ndarray:
    """Sample the dynamic test-round circuit on Aer: the node's parities (±1), one per shot.

    Parameters
    ----------
    secret_phase : float
        χ (rad), known only to the center.
    lo_phase : float
        φ (rad), the node's LO phase per clock qubit over the dark time.
    qubits : int
        n ≥ 1 clock qubits at the node.
    shots : int, optional
        Number of shots.
    seed : None, int, SeedSequence or Generator, optional
        Aer seed.

    Returns
    -------
    numpy.ndarray of int, shape (shots,)
        The node's parity, +1 or −1, per shot.
    """
    shots = check_int(shots, "shots", 1)
    circuit = assessment_circuit(secret_phase, lo_phase, qubits, dynamic=True)
    result = aer_sampler(seed=seed, method="statevector").run([circuit], shots=shots).result()[0]
    ones = np.asarray(getattr(result.data, READOUT_REGISTER).bitcount())
    return np.where(ones % 2 == 0, 1, -1)
