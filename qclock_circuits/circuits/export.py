"""Export protocol circuits: OpenQASM 3 text and transpilation to hardware targets.

Targets (``transpile_for(..., target=...)``)
--------------------------------------------
``'ion_trap'``
    :func:`~.ion_trap.ion_trap_target`: the global Mølmer–Sørensen gate
    ``ms`` on all ions, global pulses ``gr``, pairwise ``rxx``, ``r``, virtual
    ``rz`` and ``measure``. A protocol (or a circuit built by
    :func:`~.builder.protocol_to_circuit` and left unchanged) is written in the
    native form of Marciniak et al., Nature 603, 604 (2022): one global MS
    pulse per one-axis twist and global R pulses for the rotations.
``'ion_trap_rxx'``
    The pairwise form: all-to-all ``rxx``, ``r``, ``rz``, ``measure``.
``'quantinuum'``, ``'ionq'``
    The native gate sets of those trapped-ion processors
    (:func:`~.ion_trap.quantinuum_target`, :func:`~.ion_trap.ionq_target`),
    offline.
``'superconducting'``
    :class:`~qiskit.providers.fake_provider.GenericBackendV2` with
    ``num_qubits = max(N, 2)`` (it cannot hold fewer than two qubits; a spare
    qubit stays in ``|0⟩`` and does not change the popcount of a shot), basis
    ``cx, id, rz, sx, x``, and its default coupling map unless one is given.
``'fake_<device>'``
    A calibrated fake IBM backend of ``qiskit-ibm-runtime`` (e.g.
    ``'fake_torino'``, ``'fake_brisbane'``): the device's coupling map, basis
    gates and the error rates of a real calibration.
a backend object or a :class:`~qiskit.transpiler.Target`
    Any ``BackendV2`` (Aer, fake or real) or target.

The phase parameter ``phi`` survives transpilation and export.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from qiskit import QuantumCircuit, qasm3, transpile
from qiskit.providers import BackendV2
from qiskit.transpiler import Target

from .._validation import QClockError
from ..protocols.ramsey import RamseyProtocol
from .builder import protocol_to_circuit
from .ion_trap import (
    GlobalRGate,
    ion_trap_rxx_target,
    ion_trap_target,
    ionq_target,
    merge_global_rotations,
    quantinuum_target,
)
from .sampling import seed_to_int

__all__ = ["to_qasm3", "transpile_for", "TranspileReport", "fake_backend", "TARGETS"]

TARGETS = ("ion_trap", "ion_trap_rxx", "quantinuum", "ionq", "superconducting")
_NAMED_TARGETS = {"ion_trap": ion_trap_target, "ion_trap_rxx": ion_trap_rxx_target,
                  "quantinuum": quantinuum_target, "ionq": ionq_target}

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

    Parameters
    ----------
    circuit_or_protocol : qiskit.QuantumCircuit or RamseyProtocol
        The circuit, or a protocol to build it from.
    **options
        Keyword arguments of :func:`~.builder.protocol_to_circuit` (``oat``,
        ``measure``, ``phase``, ``max_unitary_qubits``); only with a protocol.

    Returns
    -------
    str
        The OpenQASM 3 program.

    Raises
    ------
    TypeError
        If ``circuit_or_protocol`` is neither a circuit nor a protocol, or
        options are given with a circuit.
    """
    circuit = _as_circuit(circuit_or_protocol, **options)
    if _has_opaque(circuit):
        circuit = transpile(circuit, basis_gates=_QASM_BASIS, optimization_level=0)
    return qasm3.dumps(circuit)


@dataclass(frozen=True)
class TranspileReport:
    """A transpiled circuit and its cost.

    Parameters
    ----------
    circuit : qiskit.QuantumCircuit
        The transpiled circuit (phase parameter ``phi`` kept).
    target : str
        The target's name (``'ion_trap'``, ``'fake_torino'``, a backend's name, …).
    depth : int
        Circuit depth (barriers not counted).
    two_qubit_gates : int
        Number of two-qubit gates (global single-qubit pulses ``gr`` on two ions not counted).
    gate_counts : dict
        ``{gate name: count}`` (``count_ops``, barriers included).
    optimization_level : int, optional
        Qiskit transpiler optimisation level used, 0..3 (default 1).
    entangling_gates : int, optional
        Number of entangling gates on two or more qubits (a global MS pulse
        counts once; global single-qubit pulses ``gr`` are not entangling).
    estimated_fidelity : float or None, optional
        Product of ``1 − error`` over every gate and measurement whose error
        the target reports (calibrated fake backends, ``GenericBackendV2``);
        None when the target carries no error data.
    """

    circuit: QuantumCircuit = field(repr=False)
    target: str
    depth: int
    two_qubit_gates: int
    gate_counts: dict
    optimization_level: int = 1
    entangling_gates: int = 0
    estimated_fidelity: float | None = None

    def to_dict(self) -> dict:
        """JSON-compatible summary (without the circuit).

        Returns
        -------
        dict
            ``target, num_qubits, depth, two_qubit_gates, entangling_gates,
            gate_counts, optimization_level, estimated_fidelity``.
        """
        return {"target": self.target, "num_qubits": self.circuit.num_qubits, "depth": self.depth,
                "two_qubit_gates": self.two_qubit_gates, "entangling_gates": self.entangling_gates,
                "gate_counts": dict(self.gate_counts), "optimization_level": self.optimization_level,
                "estimated_fidelity": self.estimated_fidelity}


def _is_gate(instruction) -> bool:
    return instruction.operation.name != "barrier" and not getattr(instruction.operation, "_directive", False)


def _two_qubit_count(circuit: QuantumCircuit) -> int:
    return sum(1 for instruction in circuit.data if len(instruction.qubits) == 2 and _is_gate(instruction)
               and not isinstance(instruction.operation, GlobalRGate))


def _entangling_count(circuit: QuantumCircuit) -> int:
    return sum(1 for instruction in circuit.data if len(instruction.qubits) >= 2 and _is_gate(instruction)
               and not isinstance(instruction.operation, GlobalRGate))


def _estimated_fidelity(circuit: QuantumCircuit, target: Target) -> float | None:
    """Π (1 − error) over the instructions whose error the target reports; None if it reports none."""
    fidelity, known = 1.0, False
    index = {qubit: i for i, qubit in enumerate(circuit.qubits)}
    for instruction in circuit.data:
        name = instruction.operation.name
        if not _is_gate(instruction) or name not in target.operation_names:
            continue
        qargs = tuple(index[q] for q in instruction.qubits)
        properties = target[name].get(qargs) if target[name] is not None else None
        error = getattr(properties, "error", None)
        if error is not None:
            fidelity *= 1.0 - float(error)
            known = True
    return fidelity if known else None


def fake_backend(name: str) -> BackendV2:
    """A calibrated fake IBM backend of ``qiskit-ibm-runtime`` by name, e.g. ``'fake_torino'``.

    The fake backends carry the coupling map, basis gates and error rates of a
    snapshot of a real device's calibration, and simulate with that noise on
    Aer; they need neither an account nor the network.

    Parameters
    ----------
    name : str
        ``'fake_<device>'`` (case and underscores ignored; ``'fake_manila'``
        finds ``FakeManilaV2``).

    Returns
    -------
    qiskit.providers.BackendV2
        A new instance of the fake backend.

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    QClockError
        If ``qiskit-ibm-runtime`` is not installed or no fake backend has that name.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string such as 'fake_torino', got {type(name).__name__}")
    try:
        from qiskit_ibm_runtime import fake_provider
    except ImportError as exc:
        raise QClockError(f"the fake IBM backend {name!r} needs qiskit-ibm-runtime: "
                          "pip install \"qclock_circuits[hardware]\"") from exc
    key = name.replace("_", "").lower()
    classes = {attr.lower(): attr for attr in dir(fake_provider)
               if attr.startswith("Fake") and not attr.startswith("FakeProvider")}
    attr = classes.get(key) or classes.get(key + "v2")
    if attr is None:
        known = sorted("fake_" + c[4:].removesuffix("v2") for c in classes)
        raise QClockError(f"target {name!r} is not a fake backend of qiskit-ibm-runtime; known: {', '.join(known)}")
    return getattr(fake_provider, attr)()


def _native_ion_trap_source(circuit: QuantumCircuit) -> QuantumCircuit:
    """The global-MS form of an unchanged ``protocol_to_circuit`` output (other circuits as they are)."""
    meta = circuit.metadata or {}
    if meta.get("experiment_type") != "ramsey_protocol" or meta.get("oat") == "ms" or "protocol" not in meta:
        return circuit
    try:
        protocol = RamseyProtocol.from_dict(meta["protocol"])
        kwargs = {"measure": meta.get("measure_register") is not None, "phase": meta.get("phase")}
        if protocol_to_circuit(protocol, oat=meta["oat"], **kwargs) != circuit:
            return circuit  # edited after it was built: transpile what is there
        return protocol_to_circuit(protocol, oat="ms", **kwargs)
    except (QClockError, ValueError, TypeError, KeyError):
        return circuit


def transpile_for(circuit, target="ion_trap", optimization_level: int = 1, seed=None, *,
                  coupling_map=None, **options) -> TranspileReport:
    """Transpile a circuit (or a protocol's circuit) for a trapped-ion, superconducting or given device.

    Parameters
    ----------
    circuit : QuantumCircuit or RamseyProtocol
        A protocol is first built with ``protocol_to_circuit(protocol, **options)``.
    target : str, BackendV2 or Target
        One of :data:`TARGETS`, ``'fake_<device>'`` (a calibrated fake IBM
        backend, :func:`fake_backend`), or a backend / target object.
        ``'ion_trap'`` writes each one-axis twist as one global MS gate and the
        rotations as global R pulses (:func:`~.ion_trap.merge_global_rotations`);
        a protocol, or a circuit from :func:`~.builder.protocol_to_circuit`
        with ``oat='rzz'`` that has not been edited, is rebuilt in that form
        from its protocol; use ``'ion_trap_rxx'`` for pairwise gates.
    optimization_level : int, optional
        Qiskit transpiler optimisation level, 0..3 (default 1).
    seed : int or numpy.random.Generator, optional
        ``seed_transpiler`` and the ``GenericBackendV2`` seed.
    coupling_map : qiskit.transpiler.CouplingMap or list of pairs, optional
        Only for ``'superconducting'``: passed to ``GenericBackendV2``
        (keyword only).
    **options
        Keyword arguments of :func:`~.builder.protocol_to_circuit` when
        ``circuit`` is a protocol (``oat``, ``measure``, ``phase``,
        ``max_unitary_qubits``).

    Returns
    -------
    TranspileReport
        Depth, two-qubit and entangling gate counts, and the estimated
        fidelity where the target reports gate errors.

    Raises
    ------
    QClockError
        For an unknown target, a device with fewer qubits than the circuit
        (atoms), a bad ``optimization_level``, or ``coupling_map`` with a
        target other than ``'superconducting'``.
    """
    if isinstance(optimization_level, bool) or optimization_level not in (0, 1, 2, 3):
        raise QClockError(f"optimization_level must be 0, 1, 2 or 3, got {optimization_level!r}")
    if isinstance(target, str) and target not in TARGETS and not target.startswith("fake_"):
        raise QClockError(f"target must be one of {', '.join(map(repr, TARGETS))}, 'fake_<device>' or a "
                          f"backend / Target object, got {target!r}")
    if not isinstance(target, (str, BackendV2, Target)):
        raise TypeError(f"target must be a name, a BackendV2 or a Target, got {type(target).__name__}")
    if coupling_map is not None and target != "superconducting":
        raise QClockError(f"coupling_map applies only to target='superconducting', got target={target!r} "
                          "(ions are all-to-all; a backend brings its own coupling map)")
    circuit = _as_circuit(circuit, **options)
    if target == "ion_trap":
        circuit = _native_ion_trap_source(circuit)
    seed = seed_to_int(seed)
    num_qubits = circuit.num_qubits
    layout = None
    if isinstance(target, str) and target in _NAMED_TARGETS:
        device, name = _NAMED_TARGETS[target](num_qubits), target
        layout = list(range(num_qubits)) if target == "ion_trap" else None
    elif target == "superconducting":
        from qiskit.providers.fake_provider import GenericBackendV2

        device = GenericBackendV2(num_qubits=max(num_qubits, 2), coupling_map=coupling_map, seed=seed)
        name = target
    elif isinstance(target, str):
        device, name = fake_backend(target), target
    else:
        device = target
        name = getattr(target, "name", None) or getattr(target, "description", None) or type(target).__name__
    device_target = device.target if isinstance(device, BackendV2) else device
    if device_target.num_qubits is not None and device_target.num_qubits < num_qubits:
        raise QClockError(f"target {name!r} has {device_target.num_qubits} qubits, fewer than the "
                          f"{num_qubits} the circuit needs (one per atom)")
    # the global MS acts on all ions; Qiskit logs that a coupling map cannot show it
    target_logger = logging.getLogger("qiskit.transpiler.target")
    level = target_logger.level
    target_logger.setLevel(logging.ERROR)
    try:
        compiled = transpile(circuit, target=device_target, optimization_level=optimization_level,
                             seed_transpiler=seed, initial_layout=layout)
    finally:
        target_logger.setLevel(level)
    if target == "ion_trap":
        compiled = merge_global_rotations(compiled)
    counts = {key: int(n) for key, n in compiled.count_ops().items()}
    return TranspileReport(circuit=compiled, target=str(name), depth=int(compiled.depth()),
                           two_qubit_gates=_two_qubit_count(compiled), gate_counts=counts,
                           optimization_level=optimization_level,
                           entangling_gates=_entangling_count(compiled),
                           estimated_fidelity=_estimated_fidelity(compiled, device_target))
