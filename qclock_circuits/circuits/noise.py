"""Noise for protocol circuits: local Aer noise models and collective laser phase noise.

Local noise (:func:`noise_model`, an Aer :class:`~qiskit_aer.noise.NoiseModel`)
--------------------------------------------------------------------------------
* Dark-time errors attach to the imprint gates. :func:`protocol_to_circuit`
  emits the imprint ``exp(−iφJz)`` as one ``RZGate(−φ)`` per qubit with the
  label ``"imprint"``; Aer matches noise-model instructions by label before
  name, so an error registered for ``"imprint"`` acts on every atom right
  after the imprint, and only there (the imprint ``rz`` does *not* also
  receive the generic ``rz`` gate error: the dark time is free evolution, not
  a driven gate). :mod:`.sampling` hands circuits to Aer through
  :func:`~.sampling.compile_for_aer`, which only unrolls gates Aer lacks
  (``ms``, ``state_preparation``), so the label survives. Do not run
  single-qubit gate merging (``transpile`` at ``optimization_level >= 1``) on
  a circuit with a *bound* phase before a noisy run: merging the imprint into
  neighbouring gates drops the label (with the free parameter ``phi`` Qiskit
  does not merge it).

  - ``dephasing = p``: a Z flip with probability p on each atom, so every
    single-atom coherence is multiplied by ``1 − 2p``; for a dark time T and
    a coherence time T2, ``p = (1 − e^{−T/T2})/2``. The CSS signal becomes
    ``⟨M⟩ = (N/2)(1 − 2p) sin φ``.
  - ``amplitude_damping = γ``: decay ``|↑⟩ → |↓⟩`` (qubit ``|1⟩ → |0⟩``) with
    probability γ, ``γ = 1 − e^{−T/T1}``.
* ``depolarizing_1q`` / ``depolarizing_2q``: Aer depolarising channels
  ``ρ → (1−λ)ρ + λ 1/d`` after every one-/two-qubit gate of the listed names
  (the RZZ/RXX of the twists, the CNOTs of the GHZ fan-out; a global MS gate
  is translated into RXX gates for Aer, each of which gets the error).
* ``readout_error``: p, or a pair ``(p(1|0), p(0|1))``, on every measured qubit.

Collective phase noise
----------------------
Laser (local-oscillator) noise shifts every atom's phase by the same random
δ in one shot — a correlated error that per-gate Aer noise cannot express.
It is handled at the protocol level:

* :func:`collective_phase_noise_probabilities`: the exact mixture
  ``P̄(x|φ) = E_δ P(x|φ+δ)`` for ``δ ~ N(0, σ²)``. Because
  ``P(x|φ) = Σ_d c_x(d) e^{idφ}`` is a trigonometric polynomial of degree ≤ N,
  ``P̄(x|φ) = Σ_d c_x(d) e^{idφ} e^{−σ²d²/2}`` exactly.
* :func:`sample_with_collective_phase_noise`: Monte Carlo on a sampler — each
  shot (or each batch of ``shots/draws`` shots) runs at its own phase
  ``φ + δ``, all in one pub; combine with :func:`noisy_sampler` for local
  plus collective noise.
"""

from __future__ import annotations

import numbers

import numpy as np
from qiskit_aer.noise import (
    NoiseModel,
    QuantumError,
    ReadoutError,
    amplitude_damping_error,
    depolarizing_error,
    pauli_error,
)

from .._validation import QClockError, check_finite_array, check_probability, check_readout_error
from ..protocols.ramsey import RamseyProtocol
from .builder import DEFAULT_MAX_UNITARY_QUBITS, IMPRINT_LABEL, phase_parameter, protocol_to_circuit
from .readout import find_bit_array, outcome_counts
from .sampling import (
    _aer_probabilities,
    _check_phases,
    _check_shots,
    outcome_probabilities_from_qubits,
    prepare_for_sampler,
    seed_to_int,
)

__all__ = [
    "noise_model",
    "dark_time_error",
    "noisy_sampler",
    "noisy_probabilities",
    "apply_readout_errors",
    "collective_phase_noise_probabilities",
    "sample_with_collective_phase_noise",
    "ONE_QUBIT_GATES",
    "TWO_QUBIT_GATES",
]

ONE_QUBIT_GATES = ("rx", "ry", "rz", "r", "u", "u1", "u2", "u3", "p", "h", "x", "y", "z", "sx", "sxdg",
                   "s", "sdg", "t", "tdg")
TWO_QUBIT_GATES = ("rzz", "rxx", "ryy", "rzx", "cx", "cz", "ecr", "swap")
# Gates Aer should keep as they are when a noisy simulator is a transpilation target.
_NOISE_BASIS = sorted(set(ONE_QUBIT_GATES) | set(TWO_QUBIT_GATES) | {"id", "unitary"})


def _check_gate_names(names, name: str) -> list[str]:
    if isinstance(names, str) or not all(isinstance(n, str) for n in names):
        raise TypeError(f"{name} must be a sequence of gate names, got {names!r}")
    return list(names)


def dark_time_error(dephasing: float = 0.0, amplitude_damping: float = 0.0) -> QuantumError | None:
    """Single-atom dark-time error: Z flip with probability ``dephasing``, then decay ``amplitude_damping``.

    The two channels commute (amplitude damping is phase covariant).

    Parameters
    ----------
    dephasing : float, optional
        Z-flip probability p in [0, 1] per atom (coherence factor 1 − 2p;
        default 0).
    amplitude_damping : float, optional
        Decay probability γ in [0, 1] of ``|↑⟩ → |↓⟩`` per atom (default 0).

    Returns
    -------
    qiskit_aer.noise.QuantumError or None
        The single-qubit error, or None when both are zero.

    Raises
    ------
    TypeError
        If a probability is not a real number.
    QClockError
        If a probability is outside [0, 1].
    """
    dephasing = check_probability(dephasing, "dephasing")
    amplitude_damping = check_probability(amplitude_damping, "amplitude_damping")
    error = None
    if dephasing > 0.0:
        error = pauli_error([("Z", dephasing), ("I", 1.0 - dephasing)])
    if amplitude_damping > 0.0:
        damping = amplitude_damping_error(amplitude_damping)
        error = damping if error is None else error.compose(damping)
    return error


def noise_model(dephasing: float = 0.0, depolarizing_1q: float = 0.0, depolarizing_2q: float = 0.0,
                readout_error: float | tuple[float, float] = 0.0, amplitude_damping: float = 0.0, *,
                one_qubit_gates=ONE_QUBIT_GATES, two_qubit_gates=TWO_QUBIT_GATES) -> NoiseModel:
    """Aer noise model for protocol circuits (see the module docstring for the physics).

    Parameters
    ----------
    dephasing : float in [0, 1]
        Per-atom Z-flip probability during the dark time (on the ``"imprint"`` gates).
    depolarizing_1q, depolarizing_2q : float in [0, 1]
        Depolarising parameter λ after each gate in ``one_qubit_gates`` /
        ``two_qubit_gates``.
    readout_error : float in [0, 1] or (float, float)
        Symmetric flip probability, or ``(p(1|0), p(0|1))``.
    amplitude_damping : float in [0, 1]
        Per-atom decay probability ``|↑⟩ → |↓⟩`` during the dark time.
    one_qubit_gates, two_qubit_gates : sequence of str, optional
        Gate names that receive the depolarising errors (keyword only;
        default :data:`ONE_QUBIT_GATES` and :data:`TWO_QUBIT_GATES`).

    Returns
    -------
    qiskit_aer.noise.NoiseModel
        With basis gates that keep the RZZ/RXX/single-qubit gates of the
        protocol circuits (so that transpiling to a noisy ``AerSimulator``
        does not rewrite them). All rates zero → a model without errors.

    Raises
    ------
    ValueError
        A rate outside [0, 1] or not finite.
    TypeError
        A rate that is not a number, or gate names that are not a sequence of str.
    """
    dark = dark_time_error(dephasing, amplitude_damping)
    depolarizing_1q = check_probability(depolarizing_1q, "depolarizing_1q")
    depolarizing_2q = check_probability(depolarizing_2q, "depolarizing_2q")
    p10, p01 = check_readout_error(readout_error)
    one_qubit_gates = _check_gate_names(one_qubit_gates, "one_qubit_gates")
    two_qubit_gates = _check_gate_names(two_qubit_gates, "two_qubit_gates")

    model = NoiseModel(basis_gates=sorted(set(_NOISE_BASIS) | set(one_qubit_gates) | set(two_qubit_gates)))
    if dark is not None:
        model.add_all_qubit_quantum_error(dark, [IMPRINT_LABEL])
    if depolarizing_1q > 0.0:
        model.add_all_qubit_quantum_error(depolarizing_error(depolarizing_1q, 1), one_qubit_gates)
    if depolarizing_2q > 0.0:
        model.add_all_qubit_quantum_error(depolarizing_error(depolarizing_2q, 2), two_qubit_gates)
    if p10 > 0.0 or p01 > 0.0:
        model.add_all_qubit_readout_error(ReadoutError([[1.0 - p10, p10], [p01, 1.0 - p01]]))
    return model


def _as_noise_model(noise, rates: dict) -> NoiseModel:
    if noise is None:
        return noise_model(**rates)
    if rates:
        raise TypeError(f"give a noise model or rates ({sorted(rates)}), not both")
    if not isinstance(noise, NoiseModel):
        raise TypeError(f"noise must be a qiskit_aer NoiseModel or None, got {type(noise).__name__}")
    return noise


def noisy_sampler(noise: NoiseModel | None = None, seed=None, **rates) -> "qiskit_aer.primitives.SamplerV2":
    """Aer ``SamplerV2`` that simulates a noise model.

    Parameters
    ----------
    noise : qiskit_aer.noise.NoiseModel, optional
        The noise model; default ``noise_model(**rates)``.
    seed : int or numpy.random.Generator, optional
        Seed of the simulator.
    **rates
        Keyword rates of :func:`noise_model` (``dephasing``, ``depolarizing_1q``,
        ``depolarizing_2q``, ``readout_error``, ``amplitude_damping``), instead
        of ``noise``.

    Returns
    -------
    qiskit_aer.primitives.SamplerV2
        The seeded sampler with the noise model.

    Raises
    ------
    TypeError
        If both ``noise`` and rates are given, or ``noise`` is not a NoiseModel.
    QClockError
        If a rate or the seed is invalid.
    """
    from qiskit_aer.primitives import SamplerV2 as AerSamplerV2

    model = _as_noise_model(noise, rates)
    return AerSamplerV2(seed=seed_to_int(seed), options={"backend_options": {"noise_model": model}})


def _readout_matrices(model: NoiseModel, num_qubits: int) -> list[np.ndarray | None]:
    """Per-qubit readout confusion matrices ``A[true, read]`` of an Aer noise model."""
    matrices: list[np.ndarray | None] = [None] * num_qubits
    for entry in model.to_dict().get("errors", []):
        if entry.get("type") != "roerror":
            continue
        matrix = np.asarray(entry["probabilities"], dtype=float)
        if matrix.shape != (2, 2):
            raise NotImplementedError("correlated multi-qubit readout errors are not supported")
        qubits = entry.get("gate_qubits")
        targets = range(num_qubits) if not qubits else [q[0] for q in qubits if q[0] < num_qubits]
        for q in targets:
            if qubits or matrices[q] is None:  # local errors override the all-qubit one
                matrices[q] = matrix
    return matrices


def apply_readout_errors(probabilities: np.ndarray, matrices) -> np.ndarray:
    """Apply per-qubit confusion matrices to 2**N basis-state probabilities.

    Parameters
    ----------
    probabilities : array_like of shape (..., 2**N)
        Probabilities of the qubit basis states on the last axis (Qiskit
        little-endian order: qubit 0 is the least significant bit).
    matrices : sequence of (numpy.ndarray of shape (2, 2) or None)
        One confusion matrix ``A[true, read]`` per qubit (length N); None leaves
        that qubit unchanged.

    Returns
    -------
    numpy.ndarray
        Float array of the shape of ``probabilities``: the distribution of the
        bits as read.
    """
    probabilities = np.asarray(probabilities, dtype=float)
    num_qubits = len(matrices)
    lead = probabilities.shape[:-1]
    tensor = probabilities.reshape(lead + (2,) * num_qubits)
    offset = len(lead)
    for qubit, matrix in enumerate(matrices):
        if matrix is None:
            continue
        axis = offset + num_qubits - 1 - qubit  # C order: last axis is qubit 0
        tensor = np.moveaxis(np.tensordot(tensor, matrix, axes=([axis], [0])), -1, axis)
    return tensor.reshape(probabilities.shape)


def noisy_probabilities(protocol: RamseyProtocol, phases, noise=None, oat: str = "rzz", *,
                        max_unitary_qubits: int = DEFAULT_MAX_UNITARY_QUBITS, **rates) -> np.ndarray:
    """Exact outcome probabilities under local noise, from Aer's density-matrix simulator.

    Aer's density-matrix simulator runs the circuit without measurement
    (``save_probabilities``, all phases in one job); the readout errors of the
    model are then applied exactly, qubit by qubit.

    Parameters
    ----------
    protocol : RamseyProtocol
        The protocol (N = ``protocol.atoms`` qubits).
    phases : float or array_like of shape (P,)
        Imprint phases φ, in rad.
    noise : qiskit_aer.noise.NoiseModel, optional
        Default: ``noise_model(**rates)``.
    oat : {'rzz', 'ms'}, optional
        Form of the one-axis twists (see :func:`~.builder.protocol_to_circuit`;
        default ``'rzz'``).
    max_unitary_qubits : int, optional
        Largest N for which a general state preparation or collective unitary
        is synthesised (keyword only, default 10).
    **rates
        Keyword rates of :func:`noise_model` (instead of ``noise``).

    Returns
    -------
    numpy.ndarray
        Float array of shape (P, len(protocol.outcomes)); rows sum to 1.

    Raises
    ------
    TypeError
        If both ``noise`` and rates are given, or ``noise`` is not a NoiseModel.
    QClockError
        If a phase is not finite or a rate is invalid.
    NotImplementedError
        If the model has correlated multi-qubit readout errors.
    """
    from qiskit_aer import AerSimulator

    phases = _check_phases(phases)
    model = _as_noise_model(noise, rates)
    simulator = AerSimulator(method="density_matrix", noise_model=model)
    qubit_probabilities = _aer_probabilities(protocol, phases, simulator, oat, max_unitary_qubits)
    matrices = _readout_matrices(model, protocol.atoms)
    qubit_probabilities = apply_readout_errors(qubit_probabilities, matrices)
    return outcome_probabilities_from_qubits(protocol, qubit_probabilities)


def _check_std(value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"phase_noise_std must be a real number >= 0 (rad), got {value!r}")
    value = float(value)
    if not np.isfinite(value) or value < 0.0:
        raise QClockError(f"phase_noise_std must be a finite number >= 0 (rad), got {value}")
    return value


def collective_phase_noise_probabilities(protocol: RamseyProtocol, phases, phase_noise_std: float) -> np.ndarray:
    """Exact ``E_δ P(x|φ+δ)`` for a common Gaussian phase offset ``δ ~ N(0, σ²)``.

    Uses the Fourier coefficients of the protocol:
    ``P̄(x|φ) = Σ_d c_x(d) e^{idφ} e^{−σ²d²/2}``, exact since P(x|φ) is a
    trigonometric polynomial of degree ≤ N.

    Parameters
    ----------
    protocol : RamseyProtocol
        The protocol (N = ``protocol.atoms`` qubits).
    phases : float or array_like of shape (P,)
        Imprint phases φ, in rad.
    phase_noise_std : float
        Standard deviation σ ≥ 0 of the common phase offset, in rad.

    Returns
    -------
    numpy.ndarray
        Float array of shape (P, len(protocol.outcomes)), clipped to [0, 1].

    Raises
    ------
    TypeError
        If ``protocol`` is not a RamseyProtocol or ``phase_noise_std`` not a number.
    QClockError
        If a phase is not finite or ``phase_noise_std`` is negative or not finite.
    """
    if not isinstance(protocol, RamseyProtocol):
        raise TypeError(f"protocol must be a RamseyProtocol, got {type(protocol).__name__}")
    phases = check_finite_array(np.atleast_1d(np.asarray(phases, dtype=float)), "phases", ndim=1)
    sigma = _check_std(phase_noise_std)
    atoms = protocol.atoms
    degrees = np.arange(-atoms, atoms + 1)
    coefficients = protocol.fourier_coefficients() * np.exp(-0.5 * (sigma * degrees) ** 2)
    values = (np.exp(1j * np.outer(phases, degrees)) @ coefficients.T).real
    return np.clip(values, 0.0, 1.0)


def sample_with_collective_phase_noise(protocol: RamseyProtocol, phases, phase_noise_std: float,
                                       shots: int = 1000, seed=None, sampler=None, oat: str = "rzz", *,
                                       draws: int | None = None, optimization_level: int = 1,
                                       max_unitary_qubits: int = DEFAULT_MAX_UNITARY_QUBITS) -> np.ndarray:
    """Sampled outcome counts with a common random phase offset per shot (or per batch).

    For every phase φ, ``draws`` offsets ``δ ~ N(0, σ²)`` are drawn from
    ``numpy.random.default_rng(seed)`` and the circuit runs ``shots/draws``
    times at each ``φ + δ`` — all in one pub of shape ``(P, draws)``.

    Parameters
    ----------
    protocol : RamseyProtocol
        The protocol (N = ``protocol.atoms`` qubits).
    phases : float or array_like of shape (P,)
        Imprint phases φ, in rad.
    phase_noise_std : float
        Standard deviation σ ≥ 0 of the common phase offset, in rad.
    shots : int, optional
        Shots per phase (default 1000).
    seed : int or numpy.random.Generator, optional
        Seeds the offsets, the default sampler and the transpiler.
    sampler : SamplerV2, optional
        Default: Aer's ``SamplerV2`` seeded from the same generator; pass
        :func:`noisy_sampler` to add local noise.
    oat : {'rzz', 'ms'}, optional
        Form of the one-axis twists (see :func:`~.builder.protocol_to_circuit`;
        default ``'rzz'``).
    draws : int, optional
        Number of independent offsets per phase; must divide ``shots``.
        Default ``shots`` (a fresh offset in every shot, the physical case).
        Each draw is one parameter binding (about 0.3 ms on Aer for a few
        qubits); fewer draws are faster but make the counts over-dispersed
        (shots sharing an offset are correlated). Keyword only.
    optimization_level : int, optional
        Transpiler optimisation level 0..3 for a non-Aer backend (keyword only,
        default 1).
    max_unitary_qubits : int, optional
        Largest N for which a general state preparation or collective unitary
        is synthesised (keyword only, default 10).

    Returns
    -------
    numpy.ndarray
        Int64 counts of shape (P, len(protocol.outcomes)); rows sum to ``shots``.

    Raises
    ------
    TypeError
        If ``phase_noise_std`` is not a number.
    QClockError
        If a phase is not finite, ``phase_noise_std`` < 0, ``shots`` or
        ``draws`` < 1, or ``draws`` does not divide ``shots``.
    """
    phases = _check_phases(phases)
    sigma = _check_std(phase_noise_std)
    shots = _check_shots(shots)
    draws = shots if draws is None else _check_shots(draws)
    if shots % draws:
        raise QClockError(f"draws must divide shots = {shots}, got draws = {draws}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed_to_int(seed))
    if sampler is None:
        from qiskit_aer.primitives import SamplerV2 as AerSamplerV2

        sampler = AerSamplerV2(seed=int(rng.integers(0, 2**31 - 1)))
    circuit = protocol_to_circuit(protocol, oat=oat, measure=True, max_unitary_qubits=max_unitary_qubits)
    circuit = prepare_for_sampler(circuit, sampler, seed=int(rng.integers(0, 2**31 - 1)),
                                  optimization_level=optimization_level)
    phase_parameter(circuit)
    values = phases[:, None] + sigma * rng.standard_normal((phases.shape[0], draws))
    result = sampler.run([(circuit, values[..., None])], shots=shots // draws).result()
    table = outcome_counts(protocol, find_bit_array(result[0]))  # (P, draws, outcomes)
    return table.sum(axis=1)
