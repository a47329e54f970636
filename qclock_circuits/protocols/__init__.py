"""Backend-free generalised Ramsey protocols, ideal or under local noise.

Kielinski & Hammerer, arXiv:2505.04287 (2025), sec. III, eqs. (36)–(39), (A45)–(A85).

>>> from qclock_circuits import protocols
>>> p = protocols.css(8)
>>> p.probabilities([0.0, 0.1]).shape
(2, 9)
"""

from .library import (
    css,
    custom,
    ghz,
    phase_operator_unitary,
    poi,
    sss,
    sss_optimal_rotation,
    variational,
    variational_parameter_names,
)
from .noise import AtomicDecoherence, LocalNoise, readout_matrix
from .operations import CollectiveUnitary, PrepareState, Rotation, Twist
from .qutip_model import QutipRamseyModel
from .ramsey import READOUTS, RamseyProtocol

__all__ = [
    "RamseyProtocol", "READOUTS", "Rotation", "Twist", "PrepareState", "CollectiveUnitary",
    "QutipRamseyModel", "css", "sss", "ghz", "variational", "poi", "custom",
    "sss_optimal_rotation", "phase_operator_unitary", "variational_parameter_names",
    "LocalNoise", "AtomicDecoherence", "readout_matrix",
]
