"""Phase-operator interferometer (POI) with its input state optimised for a prior.

Kielinski & Hammerer, arXiv:2505.04287 (2025), appendix A1C, eqs. (A45)–(A46): the measurement is
fixed to the phase operator of the collective spin (:func:`qclock_circuits.protocols.poi`), the
estimator is the posterior mean of each of its outcomes, and the input state is optimised by
alternating that estimator and the lowest eigenvector of the state operator of eq. (A39)
(shared with the OQI see-saw, :mod:`qclock_circuits.bayes.optimal_interferometer`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import eigh

from .._blas import small_matrix_threads
from .._validation import check_atoms
from ..spin import sine_state
from .estimators import bmse as _bmse
from .optimal_interferometer import _state_operator
from .quantum_cramer_rao import _kernels

__all__ = ["POIResult", "poi_optimized"]


@dataclass(frozen=True)
class POIResult:
    """Phase-operator interferometer with its optimised input state (Kielinski & Hammerer, arXiv:2505.04287 (2025), eqs. (A45)–(A46)).

    Parameters
    ----------
    bmse : float
        BMSE of the optimised POI, in rad².
    state : numpy.ndarray of shape (N+1,)
        Optimised input state (Dicke basis).
    estimator : numpy.ndarray of shape (N+1,)
        Posterior-mean estimate of each phase-operator outcome, in rad.
    iterations : int
        Alternation steps taken.
    converged : bool
        Whether the relative decrease fell below the tolerance.
    """

    bmse: float
    state: np.ndarray
    estimator: np.ndarray
    iterations: int
    converged: bool

    def protocol(self):
        """The POI protocol with the optimised input state.

        Returns
        -------
        RamseyProtocol
            ``protocols.poi(N, state=self.state)``.
        """
        from ..protocols import poi

        return poi(self.state.shape[0] - 1, state=self.state)

    def to_dict(self) -> dict:
        """JSON-compatible form.

        Returns
        -------
        dict
            ``bmse`` (rad²), ``state_real``, ``state_imag``, ``estimator`` (rad),
            ``iterations``, ``converged``.
        """
        return {"bmse": self.bmse, "state_real": self.state.real.tolist(), "state_imag": self.state.imag.tolist(),
                "estimator": self.estimator.tolist(), "iterations": self.iterations, "converged": self.converged}


def poi_optimized(atoms: int, prior, max_iterations: int = 500, tolerance: float = 1e-11) -> POIResult:
    """Optimise the POI input state for a prior (Kielinski & Hammerer, arXiv:2505.04287 (2025), appendix A1C).

    Starting from ``|s = 0⟩`` (even N) or the sine state (odd N), alternate the
    posterior-mean estimator for the phase-operator measurement and the optimal
    state for ``L = Σ_s φ_est(s)|s⟩⟨s|``.

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1.
    prior : GaussianPrior or GridPrior
        The phase prior (rad).
    max_iterations : int, optional
        Most alternation steps (default 500).
    tolerance : float, optional
        Relative decrease of the BMSE per step that counts as converged
        (default 1e-11).

    Returns
    -------
    POIResult
        BMSE (rad²), state, estimator and convergence.

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer.
    QClockError
        If ``atoms`` < 1.
    """
    atoms = check_atoms(atoms)
    with small_matrix_threads(atoms + 1):
        return _poi_optimized(atoms, prior, max_iterations, tolerance)


def _poi_optimized(atoms, prior, max_iterations, tolerance) -> POIResult:
    from ..protocols import phase_operator_unitary, poi
    from .estimators import estimator_table

    unitary = phase_operator_unitary(atoms)
    zeroth, first, index = _kernels(atoms, prior)
    state = unitary.conj().T[:, atoms // 2] if atoms % 2 == 0 else sine_state(atoms)
    previous = np.inf
    converged = False
    for iteration in range(1, max_iterations + 1):
        protocol = poi(atoms, state=state)
        table = estimator_table(protocol, prior, "bayes")
        observable = unitary.conj().T @ (table[:, None] * unitary)
        operator = _state_operator(observable, zeroth, first, index)
        operator = 0.5 * (operator + operator.conj().T)
        values, vectors = eigh(operator, subset_by_index=[0, 0])
        state = vectors[:, 0]
        value = prior.second_moment + values[0]
        if previous - value <= tolerance * max(abs(value), 1e-300):
            converged = True
            break
        previous = value
    protocol = poi(atoms, state=state)
    return POIResult(bmse=_bmse(protocol, prior, "bayes"), state=protocol.input_state.copy(),
                     estimator=estimator_table(protocol, prior, "bayes"), iterations=iteration,
                     converged=converged)
