"""Run protocol circuits: shot sampling on any SamplerV2, and exact circuit probabilities.

* :func:`sample_outcomes` — one pub ``(circuit, phases)`` on any SamplerV2
  (default: Aer's, seeded), outcome counts per phase.
* :func:`statevector_probabilities` — exact P(x|φ) from
  :class:`qiskit.quantum_info.Statevector` of the circuit without
  measurement; an independent check of the collective engine
  :meth:`RamseyProtocol.probabilities`.
* :func:`aer_statevector_probabilities` — the same through Aer's
  statevector simulator (all phases in one job), for benchmarks.

Probabilities of the 2**N basis states are summed by popcount ``k`` (the
number of excited atoms) and mapped to outcome columns with
``protocol.outcome_index``.
"""

from __future__ import annotations

import numbers

import numpy as np
from qiskit import QuantumCircuit, transpile
from qiskit.quantum_info import Statevector

from .._validation import QClockError, check_finite_array
from ..protocols.ramsey import RamseyProtocol
from .builder import DEFAULT_MAX_UNITARY_QUBITS, phase_parameter, protocol_to_circuit
from .readout import find_bit_array, outcome_counts
from .synthesis import popcounts

__all__ = [
    "sample_outcomes",
    "statevector_probabilities",
    "aer_statevector_probabilities",
    "outcome_probabilities_from_qubits",
    "prepare_for_sampler",
    "compile_for_aer",
    "seed_to_int",
]


def seed_to_int(seed) -> int | None:
    """An integer seed from ``None``, an int or a :class:`numpy.random.Generator`.

    Parameters
    ----------
    seed : None, int or numpy.random.Generator
        A non-negative integer is returned as is; a Generator gives one draw in
        [0, 2³¹ − 1) (and advances).

    Returns
    -------
    int or None
        The seed, None for None.

    Raises
    ------
    QClockError
        If ``seed`` is negative, a bool or of another type.
    """
    if seed is None:
        return None
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**31 - 1))
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise QClockError(f"seed must be None, a non-negative integer or a numpy Generator, got {seed!r}")
    return int(seed)


def _check_phases(phases) -> np.ndarray:
    return check_finite_array(np.atleast_1d(np.asarray(phases, dtype=float)), "phases", ndim=1)


def _check_shots(shots) -> int:
    if isinstance(shots, bool) or not isinstance(shots, numbers.Integral) or shots < 1:
        raise QClockError(f"shots must be an integer >= 1, got {shots!r}")
    return int(shots)


def outcome_probabilities_from_qubits(protocol: RamseyProtocol, probabilities: np.ndarray) -> np.ndarray:
    """Group 2**N basis-state probabilities (last axis, little-endian) into outcome probabilities.

    Basis states are summed by popcount k (the number of excited atoms) and
    mapped to outcome columns with ``protocol.outcome_index``.

    Parameters
    ----------
    protocol : RamseyProtocol
        The protocol that defines the readout.
    probabilities : array_like of shape (..., 2**N)
        Probabilities of the qubit basis states, Qiskit ordering.

    Returns
    -------
    numpy.ndarray
        Float array of shape (..., len(protocol.outcomes)).

    Raises
    ------
    QClockError
        If the last axis does not have 2**N entries.
    """
    probabilities = np.asarray(probabilities, dtype=float)
    atoms = protocol.atoms
    if probabilities.shape[-1] != 2**atoms:
        raise QClockError(f"probabilities must have 2**N = {2**atoms} entries on the last axis for "
                          f"N = {atoms}, got {probabilities.shape[-1]}")
    column = protocol.outcome_index(popcounts(atoms))
    width = len(protocol.outcomes)
    onehot = np.zeros((2**atoms, width))
    onehot[np.arange(2**atoms), column] = 1.0
    return probabilities @ onehot


def _aer_backend_of(sampler):
    try:
        from qiskit_aer.primitives import SamplerV2 as AerSamplerV2
    except ImportError:  # pragma: no cover - qiskit-aer is a dependency
        return None
    if isinstance(sampler, AerSamplerV2):
        from qiskit_aer import AerSimulator

        return getattr(sampler, "_backend", None) or AerSimulator()
    return None


def _is_aer(backend) -> bool:
    try:
        from qiskit_aer import AerSimulator
    except ImportError:  # pragma: no cover
        return False
    return isinstance(backend, AerSimulator)


_DIRECTIVES = {"barrier", "measure"}


def compile_for_aer(circuit: QuantumCircuit, backend) -> QuantumCircuit:
    """Unroll only the instructions an Aer simulator does not support (e.g. ``ms``, ``state_preparation``).

    Everything else, labels included, is left as built, so that noise models
    see the circuit's own gates and the ``"imprint"`` label. Equivalent to
    ``transpile(..., optimization_level=0)`` without a layout, and much faster
    (building an Aer target for the preset pass manager costs ~1 s).

    Parameters
    ----------
    circuit : qiskit.QuantumCircuit
        The circuit to run.
    backend : qiskit_aer.AerSimulator
        The simulator whose target lists the supported operations.

    Returns
    -------
    qiskit.QuantumCircuit
        The circuit itself if nothing is missing, else a decomposed copy.
    """
    supported = set(backend.target.operation_names) | _DIRECTIVES
    for _ in range(16):
        missing = {inst.operation.name for inst in circuit.data} - supported
        if not missing:
            return circuit
        circuit = circuit.decompose(gates_to_decompose=sorted(missing))
    return transpile(circuit, backend=backend, optimization_level=0)  # pragma: no cover


def prepare_for_sampler(circuit: QuantumCircuit, sampler, seed=None, optimization_level: int = 1) -> QuantumCircuit:
    """Compile a circuit for the backend behind a sampler, if it has one.

    Aer samplers and Aer backends get :func:`compile_for_aer` (only the
    instructions Aer lacks are unrolled), so that noise attached to gate names
    and to the ``"imprint"`` label sees the circuit as built. Other backends
    (``BackendSamplerV2(backend)``) are transpiled at ``optimization_level``.
    Backend-free samplers such as :class:`~qiskit.primitives.StatevectorSampler`
    get the circuit unchanged.

    Parameters
    ----------
    circuit : qiskit.QuantumCircuit
        The circuit to run.
    sampler : SamplerV2
        The sampler that will run it.
    seed : int or numpy.random.Generator, optional
        Seed of the transpiler (non-Aer backends only).
    optimization_level : int, optional
        Transpiler optimisation level 0..3 for non-Aer backends (default 1).

    Returns
    -------
    qiskit.QuantumCircuit
        The circuit ready for ``sampler.run``.

    Raises
    ------
    QClockError
        If ``seed`` is invalid.
    """
    backend = _aer_backend_of(sampler)
    if backend is None:
        backend = getattr(sampler, "backend", None)
    if backend is None:
        return circuit
    if _is_aer(backend):
        return compile_for_aer(circuit, backend)
    return transpile(circuit, backend=backend, optimization_level=optimization_level,
                     seed_transpiler=seed_to_int(seed))


def sample_outcomes(protocol: RamseyProtocol, phases, sampler=None, shots: int = 1000, seed=None,
                    oat: str = "rzz", *, optimization_level: int = 1,
                    max_unitary_qubits: int = DEFAULT_MAX_UNITARY_QUBITS) -> np.ndarray:
    """Sampled outcome counts of the protocol circuit at each phase.

    All phases go into one pub ``(circuit, phases[:, None])``.

    Parameters
    ----------
    protocol : RamseyProtocol
        The protocol (N = ``protocol.atoms`` qubits).
    phases : array_like (P,)
        Imprint phases φ (rad).
    sampler : SamplerV2, optional
        Any SamplerV2 (Aer's, :class:`~qiskit.primitives.StatevectorSampler`,
        :class:`~qiskit.primitives.BackendSamplerV2`). Default: a new
        ``qiskit_aer.primitives.SamplerV2(seed=seed)``. Circuits are
        transpiled for the sampler's backend, if any (:func:`prepare_for_sampler`).
    shots : int
        Shots per phase.
    seed : int or numpy.random.Generator, optional
        Seeds the default sampler and the transpiler; a sampler you pass keeps
        its own seed.
    oat : {'rzz', 'ms'}
        Twist form (see :func:`protocol_to_circuit`).
    optimization_level : int, optional
        Transpiler optimisation level 0..3 for a non-Aer backend (keyword
        only, default 1).
    max_unitary_qubits : int, optional
        Largest N for which a general state preparation or collective
        unitary is synthesised (keyword only, default 10).

    Returns
    -------
    numpy.ndarray of int64, shape (P, len(protocol.outcomes))
        Rows sum to ``shots``.

    Raises
    ------
    TypeError
        If ``sampler`` has no ``run`` method.
    QClockError
        If a phase is not finite, ``shots`` < 1, ``seed`` is invalid, or the
        compiled circuit has parameters other than ``phi``.
    """
    phases = _check_phases(phases)
    shots = _check_shots(shots)
    seed = seed_to_int(seed)
    if sampler is None:
        from qiskit_aer.primitives import SamplerV2 as AerSamplerV2

        sampler = AerSamplerV2(seed=seed)
    if not hasattr(sampler, "run"):
        raise TypeError(f"sampler must be a SamplerV2 (with a run method), got {type(sampler).__name__}")
    circuit = protocol_to_circuit(protocol, oat=oat, measure=True, max_unitary_qubits=max_unitary_qubits)
    circuit = prepare_for_sampler(circuit, sampler, seed=seed, optimization_level=optimization_level)
    parameter = phase_parameter(circuit)
    if list(circuit.parameters) != [parameter]:
        raise QClockError(f"circuit must have the single parameter 'phi', has {list(circuit.parameters)}")
    result = sampler.run([(circuit, phases[:, None])], shots=shots).result()
    table = outcome_counts(protocol, find_bit_array(result[0]))
    return table.reshape(phases.shape[0], len(protocol.outcomes))


def statevector_probabilities(protocol: RamseyProtocol, phases, oat: str = "rzz", *,
                              max_unitary_qubits: int = DEFAULT_MAX_UNITARY_QUBITS) -> np.ndarray:
    """Exact P(x|φ) from the Qiskit ``Statevector`` of the circuit.

    The circuit is built without measurement, its phase bound to each φ in
    turn and simulated by :class:`qiskit.quantum_info.Statevector`; the
    2**N probabilities are grouped by popcount. Independent of the collective
    engine except for the protocol's operation list.

    Parameters
    ----------
    protocol : RamseyProtocol
        The protocol (N = ``protocol.atoms`` qubits).
    phases : float or array_like of shape (P,)
        Imprint phases φ, in rad.
    oat : {'rzz', 'ms'}, optional
        Form of the one-axis twists (see :func:`~.builder.protocol_to_circuit`;
        default ``'rzz'``).
    max_unitary_qubits : int, optional
        Largest N for which a general state preparation or collective unitary
        is synthesised (keyword only, default 10).

    Returns
    -------
    numpy.ndarray
        Float array of shape (P, len(protocol.outcomes)); rows sum to 1.

    Raises
    ------
    QClockError
        If a phase is not finite.
    """
    phases = _check_phases(phases)
    circuit = protocol_to_circuit(protocol, oat=oat, measure=False, max_unitary_qubits=max_unitary_qubits)
    parameter = phase_parameter(circuit)
    qubit_probabilities = np.empty((phases.shape[0], 2**protocol.atoms))
    for row, phase in enumerate(phases):
        bound = circuit.assign_parameters({parameter: float(phase)})
        qubit_probabilities[row] = Statevector(bound).probabilities()
    return outcome_probabilities_from_qubits(protocol, qubit_probabilities)


def _aer_probabilities(protocol: RamseyProtocol, phases: np.ndarray, simulator, oat: str,
                       max_unitary_qubits: int) -> np.ndarray:
    """2**N basis-state probabilities for every phase (one Aer job, parameter binds)."""
    circuit = protocol_to_circuit(protocol, oat=oat, measure=False, max_unitary_qubits=max_unitary_qubits)
    circuit.save_probabilities(label="probabilities")
    compiled = compile_for_aer(circuit, simulator)
    parameter = phase_parameter(compiled)
    result = simulator.run(compiled, parameter_binds=[{parameter: phases.tolist()}]).result()
    if not result.success:  # pragma: no cover - Aer reports failures this way
        raise RuntimeError(f"Aer simulation failed: {result.status}")
    return np.array([result.data(i)["probabilities"] for i in range(phases.shape[0])])


def aer_statevector_probabilities(protocol: RamseyProtocol, phases, oat: str = "rzz", *,
                                  device: str = "CPU",
                                  max_unitary_qubits: int = DEFAULT_MAX_UNITARY_QUBITS,
                                  **simulator_options) -> np.ndarray:
    """Exact P(x|φ) from Aer's statevector simulator.

    One ``AerSimulator(method='statevector', device=device)`` job binds all
    phases; each experiment saves the 2**N probabilities
    (``save_probabilities``, half the memory of ``save_statevector``).

    Parameters
    ----------
    protocol : RamseyProtocol
        The protocol (N = ``protocol.atoms`` qubits).
    phases : float or array_like of shape (P,)
        Imprint phases φ, in rad.
    oat : {'rzz', 'ms'}, optional
        Form of the one-axis twists (see :func:`~.builder.protocol_to_circuit`;
        default ``'rzz'``).
    device : {'CPU', 'GPU'}, optional
        Aer device (keyword only, default ``'CPU'``).
    max_unitary_qubits : int, optional
        Largest N for which a general state preparation or collective unitary
        is synthesised (keyword only, default 10).
    **simulator_options
        Further options of ``AerSimulator`` (e.g. ``precision``,
        ``max_parallel_threads``).

    Returns
    -------
    numpy.ndarray
        Float array of shape (P, len(protocol.outcomes)); rows sum to 1.

    Raises
    ------
    QClockError
        If a phase is not finite.
    """
    from qiskit_aer import AerSimulator

    phases = _check_phases(phases)
    simulator = AerSimulator(method="statevector", device=device, **simulator_options)
    qubit_probabilities = _aer_probabilities(protocol, phases, simulator, oat, max_unitary_qubits)
    return outcome_probabilities_from_qubits(protocol, qubit_probabilities)
