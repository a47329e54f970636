"""Interrogation of a distributed GHZ state by the nodes' local oscillators, and its parity readout.

Kómár et al., Nature Physics 10, 582 (2014), eqs. (1) and (A2)–(A6), with unequal qubit numbers (eqs. C1–C2)
------------------------------------------------------------------------------------------------------------
During the dark time node j's LO imprints its phase φ_j on each of its
``n_j`` clock qubits: ``exp(−iφ_j J_z^{(j)})``, i.e. ``RZ(−φ_j)`` on every
clock qubit of the node (CONVENTIONS.md; the gates carry the label
``"imprint"``). On ``(|0…0⟩ + |1…1⟩)/√2`` this gives

    (|0…0⟩ + e^{−iΦ} |1…1⟩)/√2,      Φ = Σ_j n_j φ_j,

the weighted center-of-mass phase of eq. (C1) (``Φ = N δ_COM T`` for equal
``n_j``, eq. (1)). The paper writes ``Û = |0⟩⟨0| + e^{iφ}|1⟩⟨1|`` (its
phase has the opposite sign; only cos Φ enters below). Every node measures
its qubits in the X basis (H, then Z measurement) and computes its parity
``p_j = Π_i x_i`` (x = ±1 for bit 0/1); the center multiplies them,
``p = Π_j p_j``, and (eq. A6)

    P(p = ±1) = (1 ± C cos Φ)/2

with C = 1 for ideal links and ``C = Π_l w_l`` for Werner links
(:mod:`.links`).
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from qiskit import ClassicalRegister, QuantumCircuit
from qiskit.circuit import ParameterVector
from qiskit.circuit.library import RZGate

from .._validation import QClockError, check_finite_array
from ..circuits.builder import IMPRINT_LABEL
from .distribution import GHZDistribution, ghz_distribution_circuit
from .topology import ClockNetwork

__all__ = [
    "READOUT_REGISTER",
    "node_phases",
    "collective_phase",
    "parity_probability",
    "interrogation_circuit",
    "ParitySample",
    "sample_parity",
    "seed_int",
    "aer_sampler",
]

READOUT_REGISTER = "readout"


def seed_int(seed) -> int | None:
    """An Aer simulator seed from None, an int, a SeedSequence or a Generator.

    Aer seeds shot k with ``seed_simulator + k``, so nearby user seeds would
    share almost all their shots; an int is therefore hashed through
    :class:`numpy.random.SeedSequence` first (same int → same simulator seed).
    """
    if seed is None:
        return None
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**31 - 1))
    if not isinstance(seed, np.random.SeedSequence):
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
            raise QClockError(f"seed must be None, a non-negative int, a SeedSequence or a Generator, "
                              f"got {seed!r}")
        seed = np.random.SeedSequence(int(seed))
    return int(seed.generate_state(1, dtype=np.uint32)[0] >> 1)


def aer_sampler(noise_model=None, seed=None, method: str = "automatic"):
    """Aer ``SamplerV2`` with the given noise model, simulation method and seed."""
    from qiskit_aer.primitives import SamplerV2

    options = {"backend_options": {"method": method}}
    if noise_model is not None and not noise_model.is_ideal():
        options["backend_options"]["noise_model"] = noise_model
    return SamplerV2(seed=seed_int(seed), options=options)


def node_phases(network: ClockNetwork, phases) -> np.ndarray:
    """Phases φ_j (rad) in node order, shape (K,) or (P, K).

    ``phases`` is a mapping ``{node: φ}`` (every node) or an array whose last
    axis has one entry per node.
    """
    if not isinstance(network, ClockNetwork):
        raise QClockError(f"network must be a ClockNetwork, got {type(network).__name__}")
    if isinstance(phases, Mapping):
        missing = [node for node in network.nodes if node not in phases]
        if missing or len(phases) != len(network.nodes):
            raise QClockError(f"phases must give one phase per node {list(network.nodes)}, got keys "
                              f"{sorted(map(str, phases))}")
        phases = [phases[node] for node in network.nodes]
    values = check_finite_array(phases, "phases")
    if values.ndim not in (1, 2) or values.shape[-1] != len(network.nodes):
        raise QClockError(f"phases must have shape (K,) or (P, K) with K = {len(network.nodes)} nodes, "
                          f"got shape {values.shape}")
    return values


def collective_phase(network: ClockNetwork, phases) -> np.ndarray | float:
    """``Φ = Σ_j n_j φ_j`` (rad), eq. (C1); a float for one phase vector, else shape (P,)."""
    values = node_phases(network, phases)
    weights = np.array([network.qubit_counts[node] for node in network.nodes], dtype=float)
    total = values @ weights
    return float(total) if values.ndim == 1 else total


def parity_probability(network: ClockNetwork, phases, contrast: float = 1.0) -> np.ndarray | float:
    """``P(p = +1 | φ) = (1 + C cos Φ)/2`` (eq. A6); C = 1 is the ideal distributed GHZ state."""
    if isinstance(contrast, bool) or not isinstance(contrast, numbers.Real) or not -1.0 <= contrast <= 1.0:
        raise QClockError(f"contrast must be a real number in [-1, 1], got {contrast!r}")
    return 0.5 * (1.0 + float(contrast) * np.cos(collective_phase(network, phases)))


def interrogation_circuit(distribution: GHZDistribution, phases=None, measure: bool = True) -> QuantumCircuit:
    """Distribution circuit + LO phase imprint + X-basis readout of every clock qubit.

    Parameters
    ----------
    distribution : GHZDistribution
    phases : array_like (K,), optional
        φ_j in node order (rad). Default: a free ``ParameterVector`` named
        ``"phi"`` with one entry per node (bind it in node order).
    measure : bool
        Append the X-basis readout (H and measurement of every clock qubit);
        False stops after the imprint.

    Returns
    -------
    QuantumCircuit
        Clock qubit ``clock_qubits[node][i]`` is read into bit ``k`` of the
        register ``"readout"``, k its position in ``layout.all_clock_qubits``.
    """
    if not isinstance(distribution, GHZDistribution):
        raise QClockError(f"distribution must be a GHZDistribution, got {type(distribution).__name__}")
    layout = distribution.layout
    if phases is None:
        values = ParameterVector("phi", len(layout.nodes))
    else:
        values = check_finite_array(phases, "phases", ndim=1, length=len(layout.nodes))
    circuit = distribution.circuit.copy()
    clock = layout.all_clock_qubits
    for index, node in enumerate(layout.nodes):
        phase = values[index]
        for qubit in layout.clock_qubits[node]:
            circuit.append(RZGate(-phase, label=IMPRINT_LABEL), [qubit])
    if not measure:
        return circuit
    readout = ClassicalRegister(len(clock), READOUT_REGISTER)
    circuit.add_register(readout)
    for bit, qubit in enumerate(clock):
        circuit.h(qubit)
        circuit.measure(qubit, readout[bit])
    return circuit


def _node_bit_slices(layout) -> list[list[int]]:
    slices, start = [], 0
    for node in layout.nodes:
        count = len(layout.clock_qubits[node])
        slices.append(list(range(start, start + count)))
        start += count
    return slices


@dataclass(frozen=True)
class ParitySample:
    """Sampled parities of the network readout.

    Attributes
    ----------
    nodes : tuple of str
    phases : ndarray (P, K)
        φ_j per setting (rad).
    collective_phase : ndarray (P,)
        Φ = Σ n_j φ_j.
    plus_counts : ndarray (P,)
        Shots with center parity p = +1.
    shots : int
    node_parity_means : ndarray (P, K)
        Mean of each node's parity p_j (each is 0 in expectation for K ≥ 2).
    predicted_plus : ndarray (P,)
        ``(1 + C cos Φ)/2`` with the layout's predicted contrast C.
    """

    nodes: tuple[str, ...]
    phases: np.ndarray
    collective_phase: np.ndarray
    plus_counts: np.ndarray
    shots: int
    node_parity_means: np.ndarray
    predicted_plus: np.ndarray

    @property
    def plus_fraction(self) -> np.ndarray:
        return self.plus_counts / self.shots

    def chi_square(self):
        """Pearson χ² of the (+, −) counts against ``predicted_plus`` (:func:`circuits.chi_square_test`)."""
        from ..circuits.stats import chi_square_test

        counts = np.stack([self.plus_counts, self.shots - self.plus_counts], axis=1)
        probabilities = np.stack([self.predicted_plus, 1.0 - self.predicted_plus], axis=1)
        return chi_square_test(counts, probabilities)

    def to_dict(self) -> dict:
        return {"nodes": list(self.nodes), "phases": self.phases.tolist(),
                "collective_phase": self.collective_phase.tolist(), "plus_counts": self.plus_counts.tolist(),
                "shots": self.shots, "node_parity_means": self.node_parity_means.tolist(),
                "predicted_plus": self.predicted_plus.tolist()}

    @classmethod
    def from_dict(cls, data: Mapping) -> ParitySample:
        return cls(nodes=tuple(data["nodes"]), phases=np.asarray(data["phases"], dtype=float),
                   collective_phase=np.asarray(data["collective_phase"], dtype=float),
                   plus_counts=np.asarray(data["plus_counts"], dtype=np.int64), shots=int(data["shots"]),
                   node_parity_means=np.asarray(data["node_parity_means"], dtype=float),
                   predicted_plus=np.asarray(data["predicted_plus"], dtype=float))


def _check_shots(shots) -> int:
    if isinstance(shots, bool) or not isinstance(shots, numbers.Integral) or shots < 1:
        raise QClockError(f"shots must be an integer >= 1, got {shots!r}")
    return int(shots)


def sample_parity(network: ClockNetwork, phases, shots: int = 1000, seed=None, scheme: str = "star",
                  fidelity: float | None = None, method: str | None = None) -> ParitySample:
    """Sample the center's product parity on Aer from the distributed, interrogated GHZ state.

    Parameters
    ----------
    network : ClockNetwork
    phases : mapping or array_like (K,) or (P, K)
        LO phases φ_j (rad) per node, one row per setting (one Aer job).
    shots : int
        Shots per setting.
    seed : int, SeedSequence or Generator, optional
        Seeds Aer (sampling of mid-circuit outcomes, link errors and readout).
    scheme, fidelity
        As :func:`.distribution.ghz_distribution_circuit`; link noise from
        the (per-edge or common) Werner fidelities.
    method : str, optional
        Aer method; default ``"matrix_product_state"`` (the GHZ state has bond
        dimension 2; with mid-circuit measurements the statevector method
        simulates every shot separately and is ~60× slower already at 18 qubits).
    """
    values = np.atleast_2d(node_phases(network, phases))
    shots = _check_shots(shots)
    distribution = ghz_distribution_circuit(network, scheme, fidelity)
    layout = distribution.layout
    circuit = interrogation_circuit(distribution)
    if method is None:
        method = "matrix_product_state"
    sampler = aer_sampler(distribution.noise_model(), seed, method)
    result = sampler.run([(circuit, values)], shots=shots).result()[0]
    bits = getattr(result.data, READOUT_REGISTER)
    total = np.asarray(bits.bitcount()).reshape(values.shape[0], shots)
    plus = np.sum(total % 2 == 0, axis=1).astype(np.int64)
    means = np.empty((values.shape[0], len(layout.nodes)))
    for column, indices in enumerate(_node_bit_slices(layout)):
        node_ones = np.asarray(bits.slice_bits(indices).bitcount()).reshape(values.shape[0], shots)
        means[:, column] = np.mean(1.0 - 2.0 * (node_ones % 2), axis=1)
    phi = np.atleast_1d(collective_phase(network, values))
    predicted = 0.5 * (1.0 + layout.predicted_parity_contrast * np.cos(phi))
    return ParitySample(nodes=layout.nodes, phases=values, collective_phase=phi, plus_counts=plus, shots=shots,
                        node_parity_means=means, predicted_plus=predicted)
