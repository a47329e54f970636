"""Qiskit backend of the Ramsey protocols: circuits, sampling, readout, export, noise.

Conventions (``CONVENTIONS.md``): qubit i is atom i, ``|0⟩`` = ``|↓⟩``, ``|1⟩`` = ``|↑⟩``;
a collective rotation ``exp(−iθ n·J)`` is ``exp(−iθ n·σ/2)`` on every qubit
with σ = (X, −Y, −Z); the imprint ``exp(−iφJz)`` is ``RZ(−φ)`` on every
qubit, labelled ``"imprint"``, with φ the parameter ``"phi"``; a shot with k
'1' bits has ``M = k − N/2`` and parity ``(−1)^k``.

Modules
-------
builder   :func:`protocol_to_circuit`
synthesis gate-level building blocks (Euler angles, symmetric embedding, GHZ fan-out)
readout   bitstrings / counts / BitArray → outcome counts
sampling  SamplerV2 runs and exact circuit probabilities (Statevector, Aer)
export    OpenQASM 3 and transpilation to ion-trap / superconducting / fake IBM / backend targets
ion_trap  native trapped-ion form: global Mølmer–Sørensen and global R pulses; IonQ, Quantinuum gate sets
noise     Aer noise models (dark-time dephasing on the imprint), collective phase noise
stats     chi-square goodness of fit of sampled counts

>>> from qclock_circuits import protocols
>>> from qclock_circuits.circuits import protocol_to_circuit
>>> protocol_to_circuit(protocols.css(3)).num_qubits
3
"""

from .builder import (
    DEFAULT_MAX_UNITARY_QUBITS,
    IMPRINT_LABEL,
    MEASURE_REGISTER,
    OAT_FORMS,
    PHASE,
    PHASE_NAME,
    phase_parameter,
    protocol_to_circuit,
)
from .export import TARGETS, TranspileReport, fake_backend, to_qasm3, transpile_for
from .ion_trap import (
    ION_TRAP_OPERATIONS,
    ION_TRAP_RXX_OPERATIONS,
    GlobalRGate,
    ion_trap_rxx_target,
    ion_trap_target,
    ionq_target,
    merge_global_rotations,
    quantinuum_target,
)
from .noise import (
    apply_readout_errors,
    collective_phase_noise_probabilities,
    dark_time_error,
    noise_model,
    noisy_probabilities,
    noisy_sampler,
    sample_with_collective_phase_noise,
)
from .readout import excitations_from_bitstrings, find_bit_array, outcome_count_dict, outcome_counts
from .sampling import (
    aer_statevector_probabilities,
    compile_for_aer,
    outcome_probabilities_from_qubits,
    prepare_for_sampler,
    sample_outcomes,
    statevector_probabilities,
)
from .stats import ChiSquareResult, chi_square_test

__all__ = [
    "protocol_to_circuit", "phase_parameter", "PHASE", "PHASE_NAME", "IMPRINT_LABEL",
    "MEASURE_REGISTER", "OAT_FORMS", "DEFAULT_MAX_UNITARY_QUBITS",
    "excitations_from_bitstrings", "outcome_counts", "outcome_count_dict", "find_bit_array",
    "sample_outcomes", "statevector_probabilities", "aer_statevector_probabilities",
    "outcome_probabilities_from_qubits", "prepare_for_sampler", "compile_for_aer",
    "to_qasm3", "transpile_for", "TranspileReport", "ion_trap_target", "TARGETS",
    "ION_TRAP_OPERATIONS", "ION_TRAP_RXX_OPERATIONS", "GlobalRGate", "ion_trap_rxx_target", "ionq_target",
    "quantinuum_target", "merge_global_rotations", "fake_backend",
    "noise_model", "dark_time_error", "noisy_sampler", "noisy_probabilities", "apply_readout_errors",
    "collective_phase_noise_probabilities", "sample_with_collective_phase_noise",
    "chi_square_test", "ChiSquareResult",
]
