"""Measured quality of a distributed GHZ state on Aer, next to its analytic prediction.

Two circuits run on Aer's stabilizer method (all gates are Clifford, link
errors are Pauli), ``shots`` each, with the Werner link noise of the layout:

* **GHZ fidelity** — after the distribution, the GHZ preparation is undone on
  the clock qubits (CNOTs from the first clock qubit to all others, then H on
  it) and they are measured: ``⟨GHZ|ρ|GHZ⟩`` is exactly the probability of
  the all-zero outcome. Estimate: the all-zero fraction f̂, standard error
  ``√(f̂(1 − f̂)/shots)``.
* **parity contrast** — X-basis readout at zero LO phases: ``C = ⟨Π_i X_i⟩``,
  estimated by the mean parity, standard error ``√((1 − Ĉ²)/shots)``.

Predictions: ``½[Π(1 + w)/2 + Π w]`` and ``Π w`` (:mod:`.links`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np
from qiskit import ClassicalRegister

from .distribution import ghz_distribution_circuit
from .interrogation import READOUT_REGISTER, _check_shots, aer_sampler, interrogation_circuit, seed_int
from .topology import ClockNetwork

__all__ = ["DistributionReport", "distribution_report", "ghz_decoding_circuit"]

DECODE_REGISTER = "decode"


def ghz_decoding_circuit(distribution):
    """Distribution circuit + inverse GHZ preparation on the clock qubits + Z measurement (register ``"decode"``).

    Parameters
    ----------
    distribution : GHZDistribution
        The distribution circuit and its layout.

    Returns
    -------
    qiskit.QuantumCircuit
        A copy of the circuit with the decoding appended; the all-zero outcome
        of ``"decode"`` marks the ideal GHZ state.
    """
    circuit = distribution.circuit.copy()
    clock = list(distribution.layout.all_clock_qubits)
    register = ClassicalRegister(len(clock), DECODE_REGISTER)
    circuit.add_register(register)
    for qubit in reversed(clock[1:]):
        circuit.cx(clock[0], qubit)
    circuit.h(clock[0])
    for bit, qubit in enumerate(clock):
        circuit.measure(qubit, register[bit])
    return circuit


@dataclass(frozen=True)
class DistributionReport:
    """Measured and predicted quality of a GHZ distribution.

    Parameters
    ----------
    scheme : str
        Distribution scheme (``"star"``, ``"no-ancilla"``, ``"repeater"`` or ``"flat"``).
    nodes : int
        Clocks K.
    qubits : int
        Clock qubits N = Σ n_j in the GHZ state.
    circuit_qubits : int
        All qubits of the circuit (clock + ancilla/link qubits).
    epr_pairs : int
        EPR pairs used (one per hop).
    shots : int
        Shots of each of the two circuits (fidelity and parity).
    seed : int or None
        Aer seed used (None: not reproducible).
    ghz_fidelity, ghz_fidelity_se : float
        Measured ⟨GHZ|ρ|GHZ⟩ and its standard error.
    parity_contrast, parity_contrast_se : float
        Measured ⟨Π X⟩ at zero phase and its standard error.
    predicted_ghz_fidelity, predicted_parity_contrast : float
        Analytic values for independent Werner links.
    seconds : float
        Wall time of the Aer run (s); not part of equality.
    """

    scheme: str
    nodes: int
    qubits: int
    circuit_qubits: int
    epr_pairs: int
    shots: int
    seed: int | None
    ghz_fidelity: float
    ghz_fidelity_se: float
    parity_contrast: float
    parity_contrast_se: float
    predicted_ghz_fidelity: float
    predicted_parity_contrast: float
    seconds: float = 0.0

    def __eq__(self, other) -> bool:
        if not isinstance(other, DistributionReport):
            return NotImplemented
        mine, theirs = self.to_dict(), other.to_dict()
        mine.pop("seconds"), theirs.pop("seconds")
        return mine == theirs

    __hash__ = None

    @property
    def fidelity_z_score(self) -> float:
        """(measured − predicted)/SE of the GHZ fidelity (SE from the prediction)."""
        p = self.predicted_ghz_fidelity
        se = math.sqrt(max(p * (1.0 - p), 1e-300) / self.shots)
        return (self.ghz_fidelity - p) / se

    @property
    def contrast_z_score(self) -> float:
        """(measured − predicted)/SE of the parity contrast (SE from the prediction)."""
        c = self.predicted_parity_contrast
        se = math.sqrt(max(1.0 - c * c, 1e-300) / self.shots)
        return (self.parity_contrast - c) / se

    def to_dict(self) -> dict:
        """Plain JSON-compatible data.

        Returns
        -------
        dict
            The object's data (JSON types only); :meth:`from_dict` reads it back.
        """
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping) -> DistributionReport:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            A dictionary as written by :meth:`to_dict`.

        Returns
        -------
        DistributionReport
            The reconstructed object.
        """
        return cls(**dict(data))


def distribution_report(network: ClockNetwork, scheme: str = "star", fidelity: float | None = None,
                        shots: int = 1000, seed=None) -> DistributionReport:
    """Distribute the GHZ state on Aer and measure its fidelity and parity contrast.

    Parameters
    ----------
    network : ClockNetwork
        The topology (nodes with their clock qubits, links with fidelities).
    scheme : {'star', 'no-ancilla', 'repeater', 'flat'}
        Distribution scheme (:func:`ghz_distribution_circuit`).
    fidelity : float in [0, 1], optional
        One Werner fidelity for every link (default: the edges' ``fidelity``).
    shots : int
        Shots of each of the two circuits.
    seed : int, SeedSequence or Generator, optional
        Aer seed (the same seed gives the same report).

    Returns
    -------
    DistributionReport
        Measured GHZ fidelity and parity contrast with standard errors, beside
        the analytic predictions for independent Werner links.
    """
    shots = _check_shots(shots)
    seed = seed_int(seed)
    distribution = ghz_distribution_circuit(network, scheme, fidelity)
    layout = distribution.layout
    decode = ghz_decoding_circuit(distribution)
    readout = interrogation_circuit(distribution, np.zeros(len(layout.nodes)))
    sampler = aer_sampler(distribution.noise_model(), seed, "stabilizer")
    start = time.perf_counter()
    results = sampler.run([decode, readout], shots=shots).result()
    seconds = time.perf_counter() - start
    zeros = np.asarray(getattr(results[0].data, DECODE_REGISTER).bitcount()) == 0
    fidelity_hat = float(np.mean(zeros))
    parity = 1.0 - 2.0 * (np.asarray(getattr(results[1].data, READOUT_REGISTER).bitcount()) % 2)
    contrast_hat = float(np.mean(parity))
    return DistributionReport(
        scheme=scheme, nodes=len(layout.nodes), qubits=len(layout.all_clock_qubits),
        circuit_qubits=layout.num_qubits, epr_pairs=len(layout.links), shots=shots, seed=seed,
        ghz_fidelity=fidelity_hat, ghz_fidelity_se=math.sqrt(fidelity_hat * (1.0 - fidelity_hat) / shots),
        parity_contrast=contrast_hat, parity_contrast_se=math.sqrt(max(1.0 - contrast_hat**2, 0.0) / shots),
        predicted_ghz_fidelity=layout.predicted_ghz_fidelity,
        predicted_parity_contrast=layout.predicted_parity_contrast, seconds=seconds)
