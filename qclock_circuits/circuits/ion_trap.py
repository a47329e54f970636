"""Native trapped-ion form: one global Mølmer–Sørensen pulse per twist, global R pulses.

In a trapped-ion clock or sensor, one-axis twisting is a single bichromatic
Mølmer–Sørensen (MS) pulse that addresses every ion at once, and collective
rotations are single global carrier pulses (Marciniak et al., Nature 603, 604
(2022); Sørensen & Mølmer, PRL 82, 1971 (1999)). On N qubits
(``CONVENTIONS.md``: σ = (X, −Y, −Z), Jx = Σ X_i/2)

* ``T_x(μ) = exp(−i(μ/2)Jx²) = e^{−iμN/8} MS(μ/2)`` with
  ``MS(θ) = MSGate(N, θ) = exp(−i(θ/2) Σ_{i<j} X_i X_j)`` (Qiskit's
  :class:`~qiskit.circuit.library.MSGate`), so a twist about any axis ``n`` is
  ``F† MS(μ/2) F`` with a single-qubit frame ``F`` on every ion;
* a collective rotation is the same single-qubit unitary on every ion, i.e. a
  global resonant pulse :class:`GlobalRGate` ``GR(θ, ϕ) = Π_i R_i(θ, ϕ)`` and
  virtual ``RZ`` frame shifts.

:func:`ion_trap_target` is a :class:`~qiskit.transpiler.Target` whose native
operations are the global MS (``ms`` on all N ions), the global R (``gr``),
the pairwise MS interaction ``rxx`` (for circuits that contain pairwise
gates), single-ion ``r``, virtual ``rz`` and ``measure``. After Qiskit's
transpiler has mapped a circuit onto it, :func:`merge_global_rotations` turns
every layer of identical single-ion pulses into one global pulse.

:func:`quantinuum_target` and :func:`ionq_target` are the native gate sets of
two commercial trapped-ion processors, for offline transpilation.
"""

from __future__ import annotations

import numbers

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import Gate, Measure, Parameter
from qiskit.circuit.library import MSGate, RGate, RXXGate, RZGate, RZZGate
from qiskit.transpiler import Target

from .._validation import QClockError

__all__ = [
    "GlobalRGate",
    "ion_trap_target",
    "ion_trap_rxx_target",
    "merge_global_rotations",
    "quantinuum_target",
    "ionq_target",
    "ION_TRAP_OPERATIONS",
    "ION_TRAP_RXX_OPERATIONS",
]

ION_TRAP_OPERATIONS = ("ms", "gr", "rxx", "r", "rz", "measure")
ION_TRAP_RXX_OPERATIONS = ("rxx", "r", "rz", "measure")


class GlobalRGate(Gate):
    """Global resonant pulse ``GR(θ, ϕ) = Π_i R_i(θ, ϕ)`` on ``num_qubits`` ions.

    ``R(θ, ϕ) = exp(−i(θ/2)(cos ϕ X + sin ϕ Y))`` is Qiskit's
    :class:`~qiskit.circuit.library.RGate`; the global pulse drives every ion
    with the same carrier (Marciniak et al., Nature 603, 604 (2022)). In the
    collective-spin convention of ``CONVENTIONS.md`` it is
    ``exp(−iθ (cos ϕ Jx − sin ϕ Jy))``.

    Parameters
    ----------
    num_qubits : int
        Number of ions (>= 1).
    theta : float or ParameterExpression
        Pulse area θ (rad).
    phi : float or ParameterExpression
        Pulse phase ϕ (rad).
    label : str, optional
        Instruction label shown in drawings.
    """

    def __init__(self, num_qubits: int, theta, phi, label: str | None = None):
        super().__init__("gr", int(num_qubits), [theta, phi], label=label)

    def _define(self):
        circuit = QuantumCircuit(self.num_qubits, name=self.name)
        for qubit in range(self.num_qubits):
            circuit.append(RGate(self.params[0], self.params[1]), [qubit])
        self.definition = circuit


def _check_qubits(num_qubits) -> int:
    if isinstance(num_qubits, bool) or not isinstance(num_qubits, numbers.Integral) or num_qubits < 1:
        raise QClockError(f"num_qubits must be an integer >= 1, got {num_qubits!r}")
    return int(num_qubits)


def _add_single_ion(target: Target, num_qubits: int) -> None:
    theta, phi, lam = Parameter("θ"), Parameter("ϕ"), Parameter("λ")
    singles = {(q,): None for q in range(num_qubits)}
    target.add_instruction(RGate(theta, phi), singles)
    target.add_instruction(RZGate(lam), singles)
    target.add_instruction(Measure(), singles)


def _pairs(num_qubits: int) -> dict:
    return {(i, j): None for i in range(num_qubits) for j in range(num_qubits) if i != j}


def _pairwise_target(num_qubits, description: str, gate) -> Target:
    num_qubits = _check_qubits(num_qubits)
    target = Target(description=description, num_qubits=num_qubits)
    if num_qubits >= 2:
        target.add_instruction(gate(Parameter("θ")), _pairs(num_qubits))
    _add_single_ion(target, num_qubits)
    return target


def ion_trap_target(num_qubits: int) -> Target:
    """Trapped-ion :class:`Target` with the global Mølmer–Sørensen gate as a native operation.

    Parameters
    ----------
    num_qubits : int
        Number of ions N (>= 1).

    Returns
    -------
    Target
        Operations ``ms`` (``MSGate(N, θ)`` on the ions ``(0, …, N−1)``, only
        for N >= 2), ``gr`` (:class:`GlobalRGate` on all ions), ``rxx``
        (pairwise, all-to-all, N >= 2), ``r``, ``rz`` (virtual) and ``measure``.

    Raises
    ------
    QClockError
        If ``num_qubits`` is not an integer >= 1.
    """
    num_qubits = _check_qubits(num_qubits)
    target = Target(description="ion_trap", num_qubits=num_qubits)
    theta, phi = Parameter("θ"), Parameter("ϕ")
    every = tuple(range(num_qubits))
    if num_qubits >= 2:
        target.add_instruction(MSGate(num_qubits, theta), {every: None})
        target.add_instruction(RXXGate(theta), _pairs(num_qubits))
    target.add_instruction(GlobalRGate(num_qubits, theta, phi), {every: None})
    _add_single_ion(target, num_qubits)
    return target


def ion_trap_rxx_target(num_qubits: int) -> Target:
    """Trapped-ion :class:`Target` with pairwise gates only: all-to-all RXX, R, RZ and measure.

    Parameters
    ----------
    num_qubits : int
        Number of ions N (>= 1).

    Returns
    -------
    qiskit.transpiler.Target
        Operations ``rxx`` (every pair, N >= 2), ``r``, ``rz`` (virtual) and
        ``measure``.

    Raises
    ------
    QClockError
        If ``num_qubits`` is not an integer >= 1.
    """
    return _pairwise_target(num_qubits, "ion_trap_rxx", RXXGate)


def quantinuum_target(num_qubits: int) -> Target:
    """Native gate set of Quantinuum's trapped-ion processors: arbitrary-angle ZZ, U1q, RZ.

    The native two-qubit gate is the arbitrary-angle ``ZZPhase`` =
    ``RZZ(θ)`` between any two ions (all-to-all by ion transport), the
    single-qubit gate ``U1q(θ, ϕ)`` equals Qiskit's ``R(θ, ϕ)``, and ``RZ`` is
    virtual. No calibration data are attached, so no fidelity is estimated.

    Parameters
    ----------
    num_qubits : int
        Number of ions N (>= 1).

    Returns
    -------
    qiskit.transpiler.Target
        Operations ``rzz`` (every pair, N >= 2), ``r``, ``rz`` and ``measure``.

    Raises
    ------
    QClockError
        If ``num_qubits`` is not an integer >= 1.
    """
    return _pairwise_target(num_qubits, "quantinuum", RZZGate)


def ionq_target(num_qubits: int) -> Target:
    """IonQ's native gate set (GPI, GPI2, fully entangling MS), built offline from ``qiskit-ionq``.

    Uses the gate classes and the gate equivalences of the ``qiskit-ionq``
    provider (registered in Qiskit's session equivalence library), so that
    Qiskit's transpiler produces the provider's native circuits without an
    account or the network.

    Parameters
    ----------
    num_qubits : int
        Number of ions N (>= 1).

    Returns
    -------
    qiskit.transpiler.Target
        Operations ``gpi``, ``gpi2`` (every ion), IonQ's ``ms`` (every pair,
        N >= 2) and ``measure``.

    Raises
    ------
    QClockError
        If ``num_qubits`` is not an integer >= 1 or ``qiskit-ionq`` is not
        installed (``pip install "qclock_circuits[hardware]"``).
    """
    num_qubits = _check_qubits(num_qubits)
    try:
        from qiskit_ionq import ionq_equivalence_library
        from qiskit_ionq.ionq_gates import GPI2Gate, GPIGate
        from qiskit_ionq.ionq_gates import MSGate as IonQMSGate
    except ImportError as exc:
        raise QClockError("target='ionq' needs the qiskit-ionq package: "
                          "pip install \"qclock_circuits[hardware]\"") from exc
    ionq_equivalence_library.add_equivalences()
    target = Target(description="ionq", num_qubits=num_qubits)
    phi0, phi1, theta = Parameter("ϕ0"), Parameter("ϕ1"), Parameter("θ")
    singles = {(q,): None for q in range(num_qubits)}
    target.add_instruction(GPIGate(phi0), singles)
    target.add_instruction(GPI2Gate(phi0), singles)
    if num_qubits >= 2:
        target.add_instruction(IonQMSGate(phi0, phi1, theta), _pairs(num_qubits))
    target.add_instruction(Measure(), singles)
    return target


def _same(a, b) -> bool:
    if isinstance(a, (int, float, np.floating)) and isinstance(b, (int, float, np.floating)):
        return abs(float(a) - float(b)) <= 1e-13 * max(1.0, abs(float(a)))
    try:
        return bool(a == b)
    except TypeError:
        return False


def merge_global_rotations(circuit: QuantumCircuit) -> QuantumCircuit:
    """Replace every layer of identical single-ion ``r`` pulses by one :class:`GlobalRGate`.

    Single-qubit gates are collected per qubit between multi-qubit
    operations (and barriers); where every qubit of the circuit carries the
    same sequence of gates, the ``r`` pulses of that sequence become global
    ``gr`` pulses and the other gates (virtual ``rz``, the labelled imprint)
    stay on each qubit. Everything else is kept. The unitary, global phase
    included, is unchanged.

    Parameters
    ----------
    circuit : QuantumCircuit
        Typically a circuit transpiled to :func:`ion_trap_target`.

    Returns
    -------
    QuantumCircuit
        A new circuit with the same registers, metadata and global phase.

    Raises
    ------
    TypeError
        If ``circuit`` is not a QuantumCircuit.
    """
    if not isinstance(circuit, QuantumCircuit):
        raise TypeError(f"circuit must be a QuantumCircuit, got {type(circuit).__name__}")
    out = circuit.copy_empty_like()
    num = circuit.num_qubits
    index = {qubit: i for i, qubit in enumerate(circuit.qubits)}
    pending: list[list] = [[] for _ in range(num)]

    def flush(qubits) -> None:
        qubits = sorted(qubits)
        lists = [pending[q] for q in qubits]
        uniform = (len(qubits) == num and num > 1 and lists[0]
                   and all(len(seq) == len(lists[0]) for seq in lists)
                   and all(a.operation.name == b.operation.name and len(a.operation.params) == len(b.operation.params)
                           and all(_same(x, y) for x, y in zip(a.operation.params, b.operation.params))
                           and a.operation.label == b.operation.label
                           for seq in lists[1:] for a, b in zip(lists[0], seq)))
        if uniform:
            for position, instruction in enumerate(lists[0]):
                if instruction.operation.name == "r":
                    out.append(GlobalRGate(num, *instruction.operation.params), circuit.qubits)
                else:
                    for q in qubits:
                        other = pending[q][position]
                        out.append(other.operation, other.qubits, other.clbits)
        else:
            for seq in lists:
                for instruction in seq:
                    out.append(instruction.operation, instruction.qubits, instruction.clbits)
        for q in qubits:
            pending[q] = []

    for instruction in circuit.data:
        qubits = [index[q] for q in instruction.qubits]
        operation = instruction.operation
        if (len(qubits) == 1 and not instruction.clbits and operation.name not in ("barrier", "measure", "reset")
                and not getattr(operation, "_directive", False)):
            pending[qubits[0]].append(instruction)
            continue
        flush(range(num) if len(qubits) > 1 or operation.name == "barrier" else qubits)
        out.append(operation, instruction.qubits, instruction.clbits)
    flush(range(num))
    return out
