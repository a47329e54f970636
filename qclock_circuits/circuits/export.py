"""Export protocol circuits: OpenQASM 3 text and transpilation to hardware-like targets.

Targets
-------
``'ion_trap'``
    A programmatic :class:`~qiskit.transpiler.Target` of a trapped-ion
    register: all-to-all ``rxx`` (the two-qubit Mølmer–Sørensen interaction),
    ``r`` (:class:`~qiskit.circuit.library.RGate`, resonant single-qubit
    rotation about an equatorial axis), ``rz`` (virtual Z) and ``measure``.
``'superconducting'``
    :class:`~qiskit.providers.fake_provider.GenericBackendV2` with
    ``num_qubits = max(N, 2)`` (it cannot hold fewer than two qubits; a spare
    qubit stays in |0⟩ and does not change the popcount of a shot), basis
    ``cx, id, rz, sx, x``, and its default coupling map unless one is given.

The phase parameter ``phi`` survives transpilation and export.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

from qiskit import QuantumCircuit, qasm3, transpile
from qiskit.circuit import Measure, Parameter
from qiskit.circuit.library import RGate, RXXGate, RZGate
from qiskit.transpiler import Target

from .._validation import QClockError, check_choice
from ..protocols.ramsey import RamseyProtocol
from .builder import protocol_to_circuit
from .sampling import seed_to_int

__all__ = ["to_qasm3", "transpile_for", "TranspileReport", "ion_trap_target", "TARGETS",
           "ION_TRAP_OPERATIONS"]

TARGETS = ("ion_trap", "superconducting")
ION_TRAP_OPERATIONS = ("rxx", "r", "rz", "measure")

# Gates whose OpenQASM 3 export has no self-contained definition (their definitions
# nest opaque 'unitary' gates): translated to standard gates before export.
_OPAQUE = {"unitary", "state_preparation", "isometry", "initialize", "multiplexer"}
_QASM_BASIS = ["u", "cx", "rx", "ry", "rz", "rzz", "rxx", "h", "x"]


def _as_circuit(circuit_or_protocol, **options) -> QuantumCircuit:
    if isinstance(circuit_or_protocol, RamseyProtocol):
        return protocol_to_circuit(circuit_or_protocol, **options)
    if isinstance(circuit_or_protocol, QuantumCircuit):
        if options:
            raise TypeError(f"circuit options {sorted(options)} apply only when a protocol is given")
        return circuit_or_protocol
    raise TypeError("circuit_or_protocol must be a QuantumCircuit or a RamseyProtocol, got "
                    f"{type(circuit_or_protocol).__name__}")


def _has_opaque(circuit: QuantumCircuit) -> bool:
    return any(instruction.operation.name in _OPAQUE for instruction in circuit.data)


def to_qasm3(circuit_or_protocol, **options) -> str:
    """OpenQASM 3 text of a circuit, or of ``protocol_to_circuit(protocol, **options)``.

    The phase stays a free ``input float[64] phi``. ``StatePreparation`` and
    ``UnitaryGate`` are first translated to ``u``/``cx`` (Qiskit's exporter
    would otherwise write definitions that refer to an undefined ``unitary``
    gate), so the text can be read back with ``qiskit.qasm3.loads``.
    """
    circuit = _as_circuit(circuit_or_protocol, **options)
    if _has_opaque(circuit):
        circuit = transpile(circuit, basis_gates=_QASM_BASIS, optimization_level=0)
    return qasm3.dumps(circuit)


def ion_trap_target(num_qubits: int) -> Target:
    """Trapped-ion :class:`Target`: all-to-all RXX, R(θ, ϕ), RZ and measure on ``num_qubits``."""
    if isinstance(num_qubits, bool) or not isinstance(num_qubits, numbers.Integral) or num_qubits < 1:
        raise QClockError(f"num_qubits must be an integer >= 1, got {num_qubits!r}")
    num_qubits = int(num_qubits)
    target = Target(description="ion_trap", num_qubits=num_qubits)
    theta, phi, lam = Parameter("θ"), Parameter("ϕ"), Parameter("λ")
    singles = {(q,): None for q in range(num_qubits)}
    pairs = {(i, j): None for i in range(num_qubits) for j in range(num_qubits) if i != j}
    if pairs:
        target.add_instruction(RXXGate(theta), pairs)
    target.add_instruction(RGate(theta, phi), singles)
    target.add_instruction(RZGate(lam), singles)
    target.add_instruction(Measure(), singles)
    return target


@dataclass(frozen=True)
class TranspileReport:
    """A transpiled circuit and its cost.

    Attributes
    ----------
    circuit : QuantumCircuit
        The transpiled circuit (phase parameter ``phi`` kept).
    target : str
        ``'ion_trap'`` or ``'superconducting'``.
    depth : int
        Circuit depth (barriers not counted).
    two_qubit_gates : int
        Number of two-qubit gates.
    gate_counts : dict
        ``{gate name: count}`` (``count_ops``, barriers included).
    optimization_level : int
    """

    circuit: QuantumCircuit = field(repr=False)
    target: str
    depth: int
    two_qubit_gates: int
    gate_counts: dict
    optimization_level: int = 1

    def to_dict(self) -> dict:
        """JSON-compatible summary (without the circuit)."""
        return {"target": self.target, "num_qubits": self.circuit.num_qubits, "depth": self.depth,
                "two_qubit_gates": self.two_qubit_gates, "gate_counts": dict(self.gate_counts),
                "optimization_level": self.optimization_level}


def _two_qubit_count(circuit: QuantumCircuit) -> int:
    return sum(1 for instruction in circuit.data
               if len(instruction.qubits) == 2 and not getattr(instruction.operation, "_directive", False)
               and instruction.operation.name != "barrier")


def transpile_for(circuit, target: str = "ion_trap", optimization_level: int = 1, seed=None, *,
                  coupling_map=None, **options) -> TranspileReport:
    """Transpile a circuit (or a protocol's circuit) for an ion-trap or superconducting target.

    Parameters
    ----------
    circuit : QuantumCircuit or RamseyProtocol
        A protocol is first built with ``protocol_to_circuit(protocol, **options)``.
    target : {'ion_trap', 'superconducting'}
    optimization_level : int in 0..3
    seed : int or numpy.random.Generator, optional
        ``seed_transpiler`` and the ``GenericBackendV2`` seed.
    coupling_map : optional
        Only for ``'superconducting'``: passed to ``GenericBackendV2``.
    """
    circuit = _as_circuit(circuit, **options)
    check_choice(target, "target", TARGETS)
    if isinstance(optimization_level, bool) or optimization_level not in (0, 1, 2, 3):
        raise QClockError(f"optimization_level must be 0, 1, 2 or 3, got {optimization_level!r}")
    seed = seed_to_int(seed)
    if target == "ion_trap":
        if coupling_map is not None:
            raise QClockError("coupling_map applies only to target='superconducting' (ions are all-to-all)")
        compiled = transpile(circuit, target=ion_trap_target(circuit.num_qubits),
                             optimization_level=optimization_level, seed_transpiler=seed)
    else:
        from qiskit.providers.fake_provider import GenericBackendV2

        backend = GenericBackendV2(num_qubits=max(circuit.num_qubits, 2), coupling_map=coupling_map,
                                   seed=seed)
        compiled = transpile(circuit, backend=backend, optimization_level=optimization_level,
                             seed_transpiler=seed)
    counts = {name: int(n) for name, n in compiled.count_ops().items()}
    return TranspileReport(circuit=compiled, target=target, depth=int(compiled.depth()),
                           two_qubit_gates=_two_qubit_count(compiled), gate_counts=counts,
                           optimization_level=optimization_level)
