"""Fixed interrogations the adaptive clock is compared with (Mullan & Knill, Phys. Rev. A 90, 042310 (2014), section VI, appendix D).

* :func:`ramsey_interrogation` — Ramsey with a coherent spin state and
  software phase tracking: the LO is left free and the measurement phase is
  set to the predicted phase ``φ* = ω* T`` (the prior mean), the paper's
  simulated locked oscillator (appendix D). Preparation ``Ry(−π/2)|↓…↓⟩``
  (CSS along +x), measurement ``Rx(π/2)`` then Jz, as
  :func:`qclock_circuits.protocols.css` (signal ``⟨M⟩ = (N/2) sin(φ − φ*)``).
* :func:`bdm_interrogation` — Bužek, Derka & Massar, PRL 82, 2207 (1999):
  the state ``c_k = √(2/(N+2)) sin(π(k+1)/(N+2))`` with the canonical phase
  measurement on N+1 outcomes ``|θ_l⟩ = (N+1)^(−1/2) Σ_k e^{−iθ_l M}|k⟩``,
  ``θ_l = φ* + 2πl/(N+1)``; optimal for a flat prior and the periodic cost
  ``4 sin²((φ − θ)/2)``, whose minimum is ``2 − 2 cos(π/(N+2))``.

Both are covariant: shifting the measurement phase by φ* turns
``P(l | φ)`` into ``P(l | φ − φ*)``. Estimates for a given prior are the
posterior means (:func:`~.sdp.optimal_labels`), i.e. the Bayesian versions of
both protocols. Conventions: Dicke basis k = 0..N, ``M = k − N/2``, imprint
``exp(−iφ Jz)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..._validation import QClockError, check_atoms, check_finite
from .sdp import (
    _complex_from_json,
    _complex_to_json,
    dicke_imprint,
    optimal_labels,
    outcome_probabilities,
    protocol_cost,
)

__all__ = ["FixedInterrogation", "ramsey_interrogation", "bdm_interrogation", "bdm_state"]


@dataclass(frozen=True, eq=False)
class FixedInterrogation:
    """A state and POVM fixed in advance (up to the measurement phase).

    Parameters
    ----------
    name : str
        Name of the interrogation (e.g. ``"ramsey"``, ``"bdm"``).
    state : ndarray, shape (N+1,)
        Dicke-basis amplitudes.
    povm : ndarray, shape (L, N+1, N+1)
        Measurement elements (positive, summing to the identity).
    nominal_labels : ndarray, shape (L,)
        The protocol's own estimate per outcome (rad), used where an outcome
        has zero probability under a prior: BDM ``θ_l``; Ramsey φ* for every
        outcome (its estimates come from the prior, :meth:`labels_for`).
    measurement_phase : float
        φ* (rad) the measurement is referenced to.
    """

    name: str
    state: np.ndarray
    povm: np.ndarray
    nominal_labels: np.ndarray
    measurement_phase: float = 0.0

    @property
    def atoms(self) -> int:
        return self.state.size - 1

    def probabilities(self, phases) -> np.ndarray:
        """``P(l | φ)``, shape (len(phases), L).

        Parameters
        ----------
        phases : float or array_like
            Phases φ (rad).

        Returns
        -------
        numpy.ndarray, shape (J, L)
            Outcome probabilities per phase.
        """
        return outcome_probabilities(self.state, self.povm, np.atleast_1d(np.asarray(phases, float)))

    def labels_for(self, phases, weights, phase_offsets=None, cost: str = "quadratic") -> np.ndarray:
        """Bayes estimates of the outcomes under a prior grid (posterior means, appendix A).

        Mullan & Knill, Phys. Rev. A 90, 042310 (2014), appendix A.

        Parameters
        ----------
        phases : array_like, shape (J,)
            Prior grid φ_j (rad).
        weights : array_like, shape (J,)
            Prior weights p_j (summing to 1).
        phase_offsets : array_like, shape (J,), optional
            m(φ_j) (rad) of the cost (:meth:`PhaseFrequencyLaw.phase_offsets`); default 0.
        cost : {'quadratic', 'periodic'}, optional
            Cost function: ``(φ − g)² + 2(φ − g) m`` or ``4 sin²((φ − g)/2)``.

        Returns
        -------
        numpy.ndarray, shape (L,)
            Estimate (rad) per outcome; ``nominal_labels`` where an outcome
            has zero probability.
        """
        return optimal_labels(self.probabilities(phases), phases, weights, phase_offsets,
                              fallback=self.nominal_labels, cost=cost)

    def cost_on(self, phases, weights, phase_offsets=None, cost: str = "quadratic", labels=None) -> float:
        """Expected cost under a prior grid, with the Bayes labels unless ``labels`` is given.

        Parameters
        ----------
        phases : array_like, shape (J,)
            Prior grid φ_j (rad).
        weights : array_like, shape (J,)
            Prior weights p_j (summing to 1).
        phase_offsets : array_like, shape (J,), optional
            m(φ_j) (rad) of the cost (:meth:`PhaseFrequencyLaw.phase_offsets`); default 0.
        cost : {'quadratic', 'periodic'}, optional
            Cost function: ``(φ − g)² + 2(φ − g) m`` or ``4 sin²((φ − g)/2)``.
        labels : array_like, shape (L,), optional
            Estimate (rad) per outcome; default :meth:`labels_for`.

        Returns
        -------
        float
            Expected cost (Mullan & Knill, Phys. Rev. A 90, 042310 (2014), eq. (6)) (rad²).
        """
        if labels is None:
            labels = self.labels_for(phases, weights, phase_offsets, cost)
        return protocol_cost(self.state, self.povm, labels, phases, weights, phase_offsets, cost)

    def to_dict(self) -> dict:
        """Plain JSON-compatible data.

        Returns
        -------
        dict
            The object's data (JSON types only); :meth:`from_dict` reads it back.
        """
        return {"name": self.name, "state": _complex_to_json(self.state), "povm": _complex_to_json(self.povm),
                "nominal_labels": self.nominal_labels.tolist(), "measurement_phase": self.measurement_phase}

    @classmethod
    def from_dict(cls, data: Mapping) -> FixedInterrogation:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            A dictionary as written by :meth:`to_dict`.

        Returns
        -------
        FixedInterrogation
            The reconstructed object.
        """
        return cls(name=str(data["name"]), state=_complex_from_json(data["state"]),
                   povm=_complex_from_json(data["povm"]),
                   nominal_labels=np.asarray(data["nominal_labels"], dtype=float),
                   measurement_phase=float(data["measurement_phase"]))


def _shift(povm: np.ndarray, phase: float) -> np.ndarray:
    """``e^{−iφ*Jz} E e^{iφ*Jz}``: outcome probabilities become functions of φ − φ*."""
    diagonal = dicke_imprint(povm.shape[1] - 1, [phase])[0]
    return diagonal[None, :, None] * povm * diagonal.conj()[None, None, :]


def ramsey_interrogation(atoms: int, measurement_phase: float = 0.0, protocol=None) -> FixedInterrogation:
    """A fixed Ramsey interrogation referenced to the predicted phase ``measurement_phase`` (rad).

    Parameters
    ----------
    atoms : int
        N.
    measurement_phase : float
        φ* (rad): the outcome law becomes a function of φ − φ*.
    protocol : RamseyProtocol, optional
        The package's protocol object whose input state and measurement are
        used (:attr:`~qclock_circuits.protocols.RamseyProtocol.input_state`,
        ``measurement_matrix`` U, POVM ``E_k = U†|k⟩⟨k|U``); default
        :func:`qclock_circuits.protocols.css` (CSS along +x, ``Rx(π/2)``, Jz
        readout: the standard Ramsey protocol of Mullan & Knill, PRA 90,
        042310 (2014), section VI). It must be noise-free and have ``atoms`` atoms.

    Returns
    -------
    FixedInterrogation
        The state, POVM ``E_k`` and labels (φ* for every outcome).

    Raises
    ------
    TypeError
        If ``protocol`` is not a RamseyProtocol.
    QClockError
        If its atom number differs or it carries local noise.
    """
    from ...protocols import RamseyProtocol, css

    atoms = check_atoms(atoms)
    phase = check_finite(measurement_phase, "measurement_phase")
    protocol = css(atoms) if protocol is None else protocol
    if not isinstance(protocol, RamseyProtocol):
        raise TypeError(f"protocol must be a RamseyProtocol, got {type(protocol).__name__}")
    if protocol.atoms != atoms:
        raise QClockError(f"protocol must have {atoms} atoms, got {protocol.atoms}")
    if protocol.noise is not None:
        raise QClockError("protocol must be noise-free (the adaptive clock's interrogations are pure states "
                          "and POVMs), got one with local noise")
    state = np.asarray(protocol.input_state, dtype=complex)
    readout = protocol.measurement_matrix  # U: measure Jz after the readout operations
    povm = np.einsum("ka,kb->kab", readout.conj(), readout)  # E_k = U†|k⟩⟨k|U
    return FixedInterrogation(name="ramsey", state=state, povm=_shift(povm, phase),
                              nominal_labels=np.full(atoms + 1, phase), measurement_phase=phase)


def bdm_state(atoms: int) -> np.ndarray:
    """Bužek–Derka–Massar input state ``c_k = √(2/(N+2)) sin(π(k+1)/(N+2))``, k = 0..N.

    Parameters
    ----------
    atoms : int
        Number of atoms N.

    Returns
    -------
    numpy.ndarray, shape (N+1,)
        Real, normalised Dicke-basis amplitudes.
    """
    atoms = check_atoms(atoms)
    k = np.arange(atoms + 1)
    return (np.sqrt(2.0 / (atoms + 2)) * np.sin(np.pi * (k + 1) / (atoms + 2))).astype(complex)


def bdm_interrogation(atoms: int, measurement_phase: float = 0.0) -> FixedInterrogation:
    """Bužek–Derka–Massar state with the (N+1)-outcome canonical phase measurement around φ* (rad).

    Bužek, Derka & Massar, Phys. Rev. Lett. 82, 2207 (1999); the baseline of
    Mullan & Knill, Phys. Rev. A 90, 042310 (2014), section VI.

    Parameters
    ----------
    atoms : int
        Number of atoms N.
    measurement_phase : float, optional
        φ* (rad) the measurement is centred on.

    Returns
    -------
    FixedInterrogation
        The BDM state, the canonical phase POVM of N + 1 outcomes and the
        labels θ_l = φ* + 2πl/(N+1), the offset wrapped into (−π, π].

    Raises
    ------
    QClockError
        If ``atoms`` is not a valid atom number or ``measurement_phase`` is not finite.
    """
    atoms = check_atoms(atoms)
    phase = check_finite(measurement_phase, "measurement_phase")
    offsets = 2.0 * np.pi * np.arange(atoms + 1) / (atoms + 1)
    offsets = np.angle(np.exp(1j * offsets))  # nominal estimates within (−π, π] of φ*
    vectors = dicke_imprint(atoms, offsets) / np.sqrt(atoms + 1)  # |θ_l⟩ components e^{−iθ_l M}
    povm = np.einsum("la,lb->lab", vectors, vectors.conj())
    if not np.allclose(povm.sum(axis=0), np.eye(atoms + 1), atol=1e-12):
        raise QClockError("internal error: canonical phase POVM is not complete")
    return FixedInterrogation(name="bdm", state=bdm_state(atoms), povm=_shift(povm, phase),
                              nominal_labels=phase + offsets, measurement_phase=phase)
