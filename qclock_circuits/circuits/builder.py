"""Compile a :class:`~qclock_circuits.protocols.RamseyProtocol` to a Qiskit circuit.

The circuit acts on N qubits (qubit i = atom i, ``|0⟩`` = ``|↓⟩``, ``|1⟩`` = ``|↑⟩``) and is

    preparation  →  imprint exp(−iφJz) = Π_i RZ(−φ)  →  measurement  →  measure

with the phase φ a single :class:`~qiskit.circuit.Parameter` named ``"phi"``
(:data:`PHASE`), or a float when ``phase`` is given.

Gate conventions (see :mod:`.synthesis` and ``CONVENTIONS.md``)
---------------------------------------------------------------
* Collective rotations ``exp(−iθ n·J)`` become the same single-qubit unitary
  ``exp(−iθ n·σ/2)`` on every qubit (``Rx(θ)`` → ``RX(θ)``, ``Ry(θ)`` →
  ``RY(−θ)``, ``Rz(θ)`` → ``RZ(−θ)``). Consecutive rotations, and the frame
  changes of twists about tilted axes, are multiplied together and emitted
  as one shortest ZYZ/ZXZ Euler sequence per qubit.
* ``oat='rzz'``: a twist ``T_n(μ)`` is ``F† [Π_{i<j} RZZ(μ/2)] F`` with
  ``F† σz F = n·σ``.
* ``oat='ms'``: a twist is ``F† MS(μ/2) F`` with ``F† σx F = n·σ``, where
  ``MS(θ) = MSGate(N, θ) = Π_{i<j} RXX(θ)`` is the global Mølmer–Sørensen
  gate of trapped ions (Qiskit's :class:`~qiskit.circuit.library.MSGate`, a
  composite gate defined by the RXX network).
* The imprint gates are ``RZGate(−φ)`` carrying the label ``"imprint"``
  (:data:`IMPRINT_LABEL`). The label changes nothing for ideal simulation,
  transpilation or OpenQASM export, but Aer noise models can attach errors to
  it (:mod:`.noise` uses it for the dark-time errors).
* Every phase is kept: on the symmetric subspace the circuit unitary equals
  the collective unitary of the protocol exactly, global phase included.

A :class:`PrepareState` whose state only populates k = 0 and k = N (the GHZ
family, e.g. ``label='ghz'``) is one single-qubit gate and a CNOT fan-out of
depth ⌈log2 N⌉ for any N; other states use
:class:`~qiskit.circuit.library.StatePreparation` and a
:class:`~.operations.CollectiveUnitary` a
:class:`~qiskit.circuit.library.UnitaryGate` of dimension 2**N, both only for
``N <= max_unitary_qubits``.
"""

from __future__ import annotations

import numbers

import numpy as np
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import Parameter
from qiskit.circuit.library import MSGate, RZGate, RZZGate, StatePreparation, UnitaryGate

from .._validation import QClockError, check_choice, check_finite
from ..protocols.operations import CollectiveUnitary, PrepareState, Rotation, Twist
from ..protocols.ramsey import RamseyProtocol
from ..spin import embed_symmetric
from .synthesis import (
    collective_unitary_matrix,
    fanout_pairs,
    single_qubit_circuit,
    twist_frame,
    two_level_preparation,
)

__all__ = [
    "protocol_to_circuit",
    "phase_parameter",
    "PHASE",
    "PHASE_NAME",
    "IMPRINT_LABEL",
    "MEASURE_REGISTER",
    "OAT_FORMS",
    "DEFAULT_MAX_UNITARY_QUBITS",
]

PHASE_NAME = "phi"
#: The imprint phase φ (rad); shared by every circuit this module builds.
PHASE = Parameter(PHASE_NAME)
IMPRINT_LABEL = "imprint"
MEASURE_REGISTER = "meas"
OAT_FORMS = ("rzz", "ms")
DEFAULT_MAX_UNITARY_QUBITS = 10


def phase_parameter(circuit: QuantumCircuit) -> Parameter:
    """The imprint-phase parameter named ``"phi"`` of a circuit (also after an OpenQASM round trip).

    Parameters
    ----------
    circuit : qiskit.QuantumCircuit
        A circuit built by :func:`protocol_to_circuit` (or read back from its
        OpenQASM 3 text) with the phase left unbound.

    Returns
    -------
    qiskit.circuit.Parameter
        The parameter φ (rad).

    Raises
    ------
    QClockError
        If the circuit has no parameter named ``"phi"``.
    """
    for parameter in circuit.parameters:
        if parameter.name == PHASE_NAME:
            return parameter
    names = [p.name for p in circuit.parameters]
    raise QClockError(f"circuit has no parameter named {PHASE_NAME!r}; its parameters are {names}")


class _Writer:
    """Appends collective operations to a circuit, merging single-qubit rotations."""

    def __init__(self, circuit: QuantumCircuit, oat: str, max_unitary_qubits: int):
        self.circuit = circuit
        self.atoms = circuit.num_qubits
        self.native = "z" if oat == "rzz" else "x"
        self.limit = max_unitary_qubits
        self.pending: np.ndarray | None = None

    # ------------------------------------------------------------ single-qubit
    def rotate(self, matrix: np.ndarray) -> None:
        self.pending = matrix if self.pending is None else matrix @ self.pending

    def flush(self) -> None:
        if self.pending is None:
            return
        sub = single_qubit_circuit(self.pending)
        self.pending = None
        self.circuit.global_phase += self.atoms * sub.global_phase
        for qubit in range(self.atoms):
            for instruction in sub.data:
                self.circuit.append(instruction.operation, [qubit])

    # ------------------------------------------------------------ operations
    def twist(self, op: Twist) -> None:
        # In the native frame n·J = ±Σ_i P_i/2 (P = Z or X), so
        # (n·J)² = N/4 + (1/2) Σ_{i<j} P_i P_j and
        # T = e^{-iμN/8} Π_{i<j} exp(-i(μ/4) P_i P_j) = e^{-iμN/8} Π_{i<j} R_PP(μ/2).
        self.circuit.global_phase -= op.strength * self.atoms / 8.0
        if self.atoms < 2:
            return  # a single atom: the twist is a global phase
        frame = twist_frame(op.axis, self.native)
        if frame is not None:
            self.rotate(frame)
        self.flush()
        angle = op.strength / 2.0
        if self.native == "z":
            for i in range(self.atoms):
                for j in range(i + 1, self.atoms):
                    self.circuit.append(RZZGate(angle), [i, j])
        else:
            self.circuit.append(MSGate(self.atoms, angle), list(range(self.atoms)))
        if frame is not None:
            self.rotate(frame.conj().T)

    def imprint(self, phase) -> None:
        self.flush()
        for qubit in range(self.atoms):
            self.circuit.append(RZGate(-phase, label=IMPRINT_LABEL), [qubit])

    def _check_size(self, what: str) -> None:
        if self.atoms > self.limit:
            raise QClockError(
                f"{what} needs a dense 2**N synthesis on N = {self.atoms} qubits, which exceeds "
                f"max_unitary_qubits = {self.limit}; raise max_unitary_qubits (cost grows like 4**N) "
                f"or use a protocol without this operation")

    def prepare(self, op: PrepareState) -> None:
        self.flush()
        two_level = two_level_preparation(op.amplitudes)
        if two_level is not None:
            sub = single_qubit_circuit(two_level)
            self.circuit.global_phase += sub.global_phase
            for instruction in sub.data:
                self.circuit.append(instruction.operation, [0])
            for control, target in fanout_pairs(self.atoms):
                self.circuit.cx(control, target)
            return
        self._check_size(f"PrepareState(label={op.label!r})")
        state = embed_symmetric(op.amplitudes)
        self.circuit.append(StatePreparation(state, label=f"prepare_{op.label}"),
                            list(range(self.atoms)))

    def unitary(self, op: CollectiveUnitary) -> None:
        if self.atoms == 1:
            self.rotate(np.asarray(op.matrix))  # Dicke basis of one atom = qubit basis
            return
        self.flush()
        self._check_size(f"CollectiveUnitary(label={op.label!r})")
        matrix = collective_unitary_matrix(op.matrix)
        self.circuit.append(UnitaryGate(matrix, label=op.label), list(range(self.atoms)))

    def apply(self, op) -> None:
        if isinstance(op, Rotation):
            self.rotate(op.su2())
        elif isinstance(op, Twist):
            self.twist(op)
        elif isinstance(op, CollectiveUnitary):
            self.unitary(op)
        elif isinstance(op, PrepareState):
            self.prepare(op)
        else:
            raise TypeError(f"protocol operation must be Rotation, Twist, PrepareState or "
                            f"CollectiveUnitary, got {op!r}")


def _check_limit(value) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise QClockError(f"max_unitary_qubits must be an integer >= 1, got {value!r}")
    return int(value)


def protocol_to_circuit(protocol: RamseyProtocol, oat: str = "rzz", measure: bool = True,
                        phase: float | None = None,
                        max_unitary_qubits: int = DEFAULT_MAX_UNITARY_QUBITS) -> QuantumCircuit:
    """The Ramsey protocol as a parametrised Qiskit circuit.

    Parameters
    ----------
    protocol : RamseyProtocol
        The protocol (N = ``protocol.atoms`` qubits).
    oat : {'rzz', 'ms'}
        Form of the one-axis twists: an all-to-all RZZ network (``'rzz'``) or
        the global Mølmer–Sørensen gate ``MSGate(N, μ/2)`` (``'ms'``), each
        conjugated by single-qubit rotations for tilted axes.
    measure : bool
        Append a barrier and a measurement of every qubit into the classical
        register ``"meas"`` (qubit i → bit i, Qiskit little-endian bitstrings).
    phase : float, optional
        Bind the imprint phase φ (rad) to this value; by default the circuit
        keeps the parameter :data:`PHASE` (name ``"phi"``).
    max_unitary_qubits : int
        Largest N for which a general :class:`PrepareState` or a
        :class:`CollectiveUnitary` is synthesised (dense 2**N matrices).

    Returns
    -------
    QuantumCircuit
        With ``metadata`` = ``{"experiment_type", "protocol" (``to_dict()``),
        "name", "atoms", "readout", "outcomes", "phase_parameter", "phase",
        "oat", "imprint_label", "measure_register"}``.

    Raises
    ------
    ValueError
        For an unknown ``oat``, a non-finite ``phase``, or an operation that
        needs dense synthesis beyond ``max_unitary_qubits``.
    """
    if not isinstance(protocol, RamseyProtocol):
        raise TypeError(f"protocol must be a RamseyProtocol, got {type(protocol).__name__}")
    check_choice(oat, "oat", OAT_FORMS)
    if not isinstance(measure, (bool, np.bool_)):
        raise TypeError(f"measure must be True or False, got {measure!r}")
    if phase is not None:
        phase = check_finite(phase, "phase")
    limit = _check_limit(max_unitary_qubits)

    atoms = protocol.atoms
    qubits = QuantumRegister(atoms, "q")
    circuit = QuantumCircuit(qubits, name=f"{protocol.family}_{atoms}")
    writer = _Writer(circuit, oat, limit)
    for op in protocol.preparation:
        writer.apply(op)
    writer.imprint(PHASE)
    for op in protocol.measurement:
        writer.apply(op)
    writer.flush()
    if measure:
        register = ClassicalRegister(atoms, MEASURE_REGISTER)
        circuit.add_register(register)
        circuit.barrier()
        circuit.measure(qubits, register)
    if phase is not None:
        circuit.assign_parameters({PHASE: phase}, inplace=True)
    circuit.metadata = {
        "experiment_type": "ramsey_protocol",
        "protocol": protocol.to_dict(),
        "name": protocol.name,
        "atoms": atoms,
        "readout": protocol.readout,
        "outcomes": protocol.outcomes.tolist(),
        "phase_parameter": PHASE_NAME,
        "phase": phase,
        "oat": oat,
        "imprint_label": IMPRINT_LABEL,
        "measure_register": MEASURE_REGISTER if measure else None,
    }
    return circuit
