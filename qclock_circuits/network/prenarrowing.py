"""Pre-narrowing of the local oscillators with uncorrelated ensembles (Kómár et al., appendix A5, eqs. A35–A38).

Before the cascade, ``N*`` qubits can be spent in steps of ``n`` uncorrelated qubits to narrow the
LO linewidth ``γ_LO`` to ``γ_eff`` (Kómár et al., Nature Physics 10, 582 (2014), eq. A35), so that
long Ramsey times become possible; the best step (eq. A36), the linewidth it reaches (eq. A37) and
the qubits needed to reach the single-qubit limit ``γ_ind N`` (eq. A38) follow in closed form. Used
by :func:`~qclock_circuits.network.cascade_stability.cascade_allan_variance`.

Rates (linewidths ``γ``) are in 1/s and times in s. Kómár et al.'s notation → this module:
``γ_LO`` → ``lo_linewidth``, ``γ_ind`` (``γ_i``) → ``individual_linewidth``, ``τ`` →
``averaging_time``, ``N*`` → ``narrowing_qubits``.
"""

from __future__ import annotations

import math

from qclock_circuits._validation import QClockError
from qclock_circuits._validation import check_int as _check_int
from qclock_circuits.network.cascade_closed_forms import _non_negative, _positive

__all__ = [
    "prenarrowed_linewidth",
    "optimal_narrowing_step",
    "minimum_prenarrowed_linewidth",
    "prenarrowing_qubits",
]


# ----------------------------------------------------------------------------- pre-narrowing
def prenarrowed_linewidth(lo_linewidth: float, averaging_time: float, narrowing_qubits: float,
                          qubits_per_step: float) -> float:
    """Effective LO linewidth after pre-narrowing with uncorrelated ensembles (Kómár et al. eq. A35), 1/s.

    ``γ_eff = γ_LO [2 log(γ_LO τ n)/(π² n)]^{N*/n}`` for ``N*`` qubits used in
    steps of ``n``.

    Parameters
    ----------
    lo_linewidth : float
        LO linewidth γ_LO (1/s).
    averaging_time : float
        τ (s).
    narrowing_qubits : float
        Qubits N* spent on pre-narrowing.
    qubits_per_step : float
        Qubits n per pre-narrowing step.

    Returns
    -------
    float
        γ_eff (1/s).

    Raises
    ------
    QClockError
        If γ_LO τ n ≤ 1.
    """
    gamma = _positive(lo_linewidth, "lo_linewidth", "1/s")
    tau = _positive(averaging_time, "averaging_time", "s")
    n_star = _non_negative(narrowing_qubits, "narrowing_qubits", "qubits")
    n = _positive(qubits_per_step, "qubits_per_step", "qubits")
    if gamma * tau * n <= 1.0:
        raise QClockError(f"prenarrowed_linewidth needs γ_LO τ n > 1, got {gamma * tau * n}")
    return gamma * (2.0 * math.log(gamma * tau * n) / (math.pi ** 2 * n)) ** (n_star / n)


def optimal_narrowing_step(lo_linewidth: float, averaging_time: float) -> float:
    """Qubits per pre-narrowing step minimising eq. A35: ``n = (2e/π²) log(γ_LO τ)`` (Kómár et al. eq. A36).

    Parameters
    ----------
    lo_linewidth : float
        LO linewidth γ_LO (1/s).
    averaging_time : float
        τ (s).

    Returns
    -------
    float
        n (qubits, not rounded).

    Raises
    ------
    QClockError
        If γ_LO τ ≤ 1.
    """
    gamma = _positive(lo_linewidth, "lo_linewidth", "1/s")
    tau = _positive(averaging_time, "averaging_time", "s")
    if gamma * tau <= 1.0:
        raise QClockError(f"optimal_narrowing_step needs γ_LO τ > 1, got {gamma * tau}")
    return 2.0 * math.e / math.pi ** 2 * math.log(gamma * tau)


def minimum_prenarrowed_linewidth(lo_linewidth: float, averaging_time: float, narrowing_qubits: float) -> float:
    """``γ_eff ≈ γ_LO exp(−N* π² / (2e log(γ_LO τ)))`` (Kómár et al. eq. A37), 1/s.

    Parameters
    ----------
    lo_linewidth : float
        LO linewidth γ_LO (1/s).
    averaging_time : float
        τ (s).
    narrowing_qubits : float
        Qubits N* spent on pre-narrowing.

    Returns
    -------
    float
        γ_eff (1/s).

    Raises
    ------
    QClockError
        If γ_LO τ ≤ 1.
    """
    gamma = _positive(lo_linewidth, "lo_linewidth", "1/s")
    tau = _positive(averaging_time, "averaging_time", "s")
    n_star = _non_negative(narrowing_qubits, "narrowing_qubits", "qubits")
    if gamma * tau <= 1.0:
        raise QClockError(f"minimum_prenarrowed_linewidth needs γ_LO τ > 1, got {gamma * tau}")
    return gamma * math.exp(-n_star * math.pi ** 2 / (2.0 * math.e * math.log(gamma * tau)))


def prenarrowing_qubits(lo_linewidth: float, individual_linewidth: float, averaging_time: float,
                        total_qubits: int) -> float:
    """Qubits needed to pre-narrow the LOs to ``γ_ind N`` (Kómár et al. eq. A38).

    ``N* = (2e/π²) log(γ_LO τ) log(γ_LO / (γ_ind N))``, zero when the LO is
    already that narrow.

    Parameters
    ----------
    lo_linewidth : float
        LO linewidth γ_LO (1/s).
    individual_linewidth : float
        Single-qubit dephasing rate γ_ind (1/s).
    averaging_time : float
        τ (s).
    total_qubits : int
        Qubits N of the network.

    Returns
    -------
    float
        N* (qubits, not rounded; ≥ 0).
    """
    gamma = _positive(lo_linewidth, "lo_linewidth", "1/s")
    gamma_ind = _positive(individual_linewidth, "individual_linewidth", "1/s")
    tau = _positive(averaging_time, "averaging_time", "s")
    N = _check_int(total_qubits, "total_qubits", 1)
    if gamma * tau <= 1.0 or gamma <= gamma_ind * N:
        return 0.0
    return 2.0 * math.e / math.pi ** 2 * math.log(gamma * tau) * math.log(gamma / (gamma_ind * N))
