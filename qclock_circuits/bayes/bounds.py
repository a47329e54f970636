"""Lower bounds on the BMSE (Kielinski & Hammerer sec. II C and appendix A1).

Hierarchy (eq. 15): BMSE(any estimator) ≥ ``bcrb`` ≥ ``bqcrb`` ≥ ``oqi``.

Names — read before use:

* :func:`bcrb` is the *exact* minimum of the BMSE over all estimators for the
  protocol's fixed state and measurement, i.e. the BMSE of the posterior-mean
  estimator (eqs. 7, 24–25). Kielinski & Hammerer calls this minimum "the BCRB" and writes
  it as ``1/(F̄ + I)``; that expression is only the van Trees *lower bound*
  on it, and can lie far below it (e.g. GHZ at wide priors). It is
  provided separately as :func:`van_trees`.
* :func:`bqcrb` minimises additionally over measurements (eqs. 12–14): it
  solves ``ρ' = (ρ̄L + Lρ̄)/2`` for the averaged state ``ρ̄ = ∫P(φ)Λ_φ[ρ]``
  and ``ρ' = ∫P(φ)φΛ_φ[ρ]``, and equals ``E[φ²] − Tr(ρ̄L²)``.
* :func:`oqi` minimises additionally over input states by the see-saw of
  appendix A1C (eqs. A38–A39), from several starts.

Structure used: with the imprint ``exp(−iφJz)``, ``ρ̄_kl = ρ_kl E[e^{−iφ(k−l)}]``
is the input state times a dephasing kernel in the Dicke basis, so every step
is (N+1)-dimensional linear algebra. For a zero-mean prior and a real input
state every matrix is real (``ρ'`` and ``L`` are i × real antisymmetric),
which the see-saw exploits.

Where the parts live: :mod:`qclock_circuits.bayes.classical_bounds` (Fisher
information, :func:`van_trees`, :func:`bcrb`),
:mod:`qclock_circuits.bayes.quantum_cramer_rao` (:func:`averaged_state`,
:func:`bqcrb`, :func:`bqcrb_result`, :func:`bqcrb_mixed`),
:mod:`qclock_circuits.bayes.optimal_interferometer` (:func:`oqi`),
:mod:`qclock_circuits.bayes.phase_operator_interferometer`
(:func:`poi_optimized`) and :mod:`qclock_circuits.bayes.asymptotic_limits`
(:func:`ctl`, :func:`pi_hl`, :func:`asymptotic_oqi`). This module gathers them
under one name, ``bayes.bounds``.
"""

from __future__ import annotations

from .asymptotic_limits import asymptotic_oqi, ctl, pi_hl
from .classical_bounds import average_fisher_information, bcrb, fisher_information, van_trees
from .optimal_interferometer import OQIResult, oqi
from .phase_operator_interferometer import POIResult, poi_optimized
from .quantum_cramer_rao import BQCRBResult, averaged_state, bqcrb, bqcrb_mixed, bqcrb_result

__all__ = [
    "fisher_information",
    "average_fisher_information",
    "van_trees",
    "bcrb",
    "averaged_state",
    "BQCRBResult",
    "bqcrb",
    "bqcrb_result",
    "bqcrb_mixed",
    "OQIResult",
    "oqi",
    "POIResult",
    "poi_optimized",
    "ctl",
    "pi_hl",
    "asymptotic_oqi",
]
