"""Allan deviation of the quantum network clock and of its rival strategies (Kómár et al., appendix A5–A6, Fig. 3).

The phase variance per cycle of the cascaded GHZ estimation becomes an Allan variance
``σ_y²(τ) = ⟨ΔΦ²⟩/(ω0² τ T)`` (Kómár et al., Nature Physics 10, 582 (2014), eq. A20); the Ramsey
time ``T`` that balances phase slips against projection noise is eqs. A30–A32, and the resulting
stability of the network clock eqs. A33–A34 and A40–A41, with the LOs optionally pre-narrowed
(:mod:`qclock_circuits.network.prenarrowing`). :func:`network_stability` gives the Allan deviation of
the five strategies of the paper's Fig. 3, from the quantum network to independent classical clocks.

Rates (linewidths ``γ``) are in 1/s, times in s, ``ω0`` in rad/s. Kómár et al.'s notation → this
module: ``γ_LO`` → ``lo_linewidth``, ``γ_ind`` (``γ_i``) → ``individual_linewidth``, ``τ`` →
``averaging_time``, ``T`` → ``interrogation_time``, ``N`` → ``total_qubits``, ``K`` → ``nodes``,
``D`` → ``base``.
"""

from __future__ import annotations

import math

import numpy as np

from qclock_circuits._validation import QClockError, check_choice
from qclock_circuits._validation import check_int as _check_int
from qclock_circuits.network.cascade_closed_forms import _non_negative, _positive
from qclock_circuits.network.prenarrowing import prenarrowing_qubits

__all__ = [
    "allan_variance_from_phase",
    "optimal_interrogation_time",
    "cascade_allan_variance",
    "STRATEGIES",
    "network_stability",
]


# ----------------------------------------------------------------------------- Allan deviation
def allan_variance_from_phase(phase_variance: float, interrogation_time: float, averaging_time: float,
                              omega0: float = 1.0) -> float:
    """``σ_y²(τ) = ⟨ΔΦ²⟩ / (ω0² τ T)`` (Kómár et al. eq. A20), with ``T`` the cycle time.

    Parameters
    ----------
    phase_variance : float
        ``⟨ΔΦ²⟩`` per cycle (rad²).
    interrogation_time : float
        Cycle time T (s).
    averaging_time : float
        τ (s).
    omega0 : float, optional
        Transition angular frequency ω0 (rad/s); 1 gives ``σ_y² ω0²``.

    Returns
    -------
    float
        Allan variance σ_y²(τ) (dimensionless).
    """
    phase_variance = _non_negative(phase_variance, "phase_variance", "rad²")
    interrogation_time = _positive(interrogation_time, "interrogation_time", "s")
    averaging_time = _positive(averaging_time, "averaging_time", "s")
    omega0 = _positive(omega0, "omega0", "rad/s")
    return phase_variance / (omega0 ** 2 * averaging_time * interrogation_time)


def optimal_interrogation_time(total_qubits: int, nodes: int, averaging_time: float,
                               lo_linewidth: float) -> float:
    """Optimal Ramsey time (s) balancing phase slips against projection (Kómár et al. eqs. A30–A32).

    ``T = π² y/(2γ_LO)`` with ``y = 1/log[(π^{3/2}/8) τ γ_LO N² / (K log(N/K))]``,
    capped at ``τ`` (short averaging times, eq. A34).

    Parameters
    ----------
    total_qubits : int
        Qubits N of the network.
    nodes : int
        Number of clocks K (N > K).
    averaging_time : float
        τ (s).
    lo_linewidth : float
        LO linewidth γ_LO (1/s).

    Returns
    -------
    float
        T (s), at most τ.

    Raises
    ------
    QClockError
        If N ≤ K.
    """
    total_qubits = _check_int(total_qubits, "total_qubits", 2)
    nodes = _check_int(nodes, "nodes", 1)
    tau = _positive(averaging_time, "averaging_time", "s")
    gamma = _positive(lo_linewidth, "lo_linewidth", "1/s")
    if total_qubits <= nodes:
        raise QClockError(f"total_qubits must exceed nodes, got N = {total_qubits}, K = {nodes}")
    argument = math.pi ** 1.5 / 8.0 * tau * gamma * total_qubits ** 2 / (nodes * math.log(total_qubits / nodes))
    if argument <= math.e:
        return tau
    y = 1.0 / math.log(argument)
    return min(tau, math.pi ** 2 * y / (2.0 * gamma))


def cascade_allan_variance(total_qubits: int, nodes: int, averaging_time: float, *, lo_linewidth: float,
                           individual_linewidth: float = 0.0, base: int = 2, omega0: float = 1.0,
                           prenarrowing: bool = False) -> float:
    """Allan variance of the quantum network clock (Kómár et al. eqs. A33, A34, A38, A40, A41).

    * ``τ γ_LO ≤ 1`` (or with ``prenarrowing``): ``(D/2)² L'/(N'² τ²)``,
      ``L' = (8/π)² log(N'/K)`` (A34, A41), where ``N' = N − N*`` spends
      ``N*`` qubits of eq. A38 on pre-narrowing when ``prenarrowing`` and
      ``τ γ_LO > 1`` (A35–A38);
    * ``τ γ_LO > 1`` without pre-narrowing: ``L γ_LO/(N² τ)``,
      ``L = (128/π⁴) log(N/K) log(τ γ_LO N²/K)`` (A33, base 2 only);
    * plus the dephasing floor ``(D/(D−1)) γ_ind/(N τ)`` (A40, A41).

    All divided by ``ω0²``. Rates in 1/s, ``τ`` in s.

    Parameters
    ----------
    total_qubits : int
        Qubits N of the network.
    nodes : int
        Number of clocks K (N > K).
    averaging_time : float
        τ (s).
    lo_linewidth : float
        LO linewidth γ_LO (1/s).
    individual_linewidth : float, optional
        Single-qubit dephasing rate γ_ind (1/s).
    base : int, optional
        ``D ≥ 2`` (the long-τ form needs 2).
    omega0 : float, optional
        Transition angular frequency (rad/s); 1 gives ``σ_y² ω0²``.
    prenarrowing : bool, optional
        Spend N* qubits on pre-narrowing the LOs when τ γ_LO > 1.

    Returns
    -------
    float
        Allan variance σ_y²(τ) (dimensionless, or rad²/s² with ``omega0 = 1``).

    Raises
    ------
    QClockError
        If N ≤ K, pre-narrowing is asked without ``individual_linewidth`` or
        needs more than N qubits, or the long-τ form is asked with base ≠ 2.
    """
    N = _check_int(total_qubits, "total_qubits", 2)
    K = _check_int(nodes, "nodes", 1)
    tau = _positive(averaging_time, "averaging_time", "s")
    gamma = _positive(lo_linewidth, "lo_linewidth", "1/s")
    gamma_ind = _non_negative(individual_linewidth, "individual_linewidth", "1/s")
    D = _check_int(base, "base", 2)
    omega0 = _positive(omega0, "omega0", "rad/s")
    if N <= K:
        raise QClockError(f"total_qubits must exceed nodes, got N = {N}, K = {K}")
    if tau * gamma <= 1.0 or prenarrowing:
        effective = N
        if prenarrowing and tau * gamma > 1.0:
            if gamma_ind <= 0:
                raise QClockError("prenarrowing needs individual_linewidth > 0 (1/s) to size N* (eq. A38), got 0")
            effective = N - prenarrowing_qubits(gamma, gamma_ind, tau, N)
            if effective <= K:
                raise QClockError(f"pre-narrowing needs more than the {N} qubits available (N* = {N - effective})")
        short = (D / 2.0) ** 2 * (8.0 / math.pi) ** 2 * math.log(effective / K) / (effective ** 2 * tau ** 2)
    else:
        if D != 2:
            raise QClockError(f"the long-τ form (eq. A33) is given for base 2 only, got base = {D}")
        L = 128.0 / math.pi ** 4 * math.log(N / K) * math.log(tau * gamma * N ** 2 / K)
        short = L * gamma / (N ** 2 * tau)
    floor = D / (D - 1.0) * gamma_ind / (N * tau)
    return (short + floor) / omega0 ** 2


# ----------------------------------------------------------------------------- network strategies (Fig. 3)
#: Strategies of Kómár et al., Nature Physics 10, 582 (2014), Fig. 3: (a) quantum network, (b) classical
#: cooperation of nodes that each run the quantum cascade, (c) independent nodes that each run the cascade,
#: (d) classical cooperation of classically (uncorrelated) interrogated nodes, (e) independent classical nodes.
STRATEGIES = ("quantum_network", "classical_cooperation", "independent", "classical_network",
              "classical_independent")


def network_stability(strategy: str, total_qubits: int, nodes: int, averaging_time, linewidth: float, *,
                      omega0: float = 1.0):
    """Allan deviation ``σ_y(τ)`` of a network of ``K`` clocks with ``N`` qubits in all (Kómár et al. Fig. 3).

    Every strategy is taken at its best interrogation time ``T = τ`` (the LOs
    pre-narrowed as in eqs. A35–A38, so the LO linewidth does not enter) and
    ends on the dephasing floor ``2γ/(n τ)`` of the qubits it combines:

    * ``"quantum_network"`` (a): eq. A40, ``[(8/π)² log(N/K)/(N² τ²) + 2γ/(N τ)]``;
    * ``"classical_cooperation"`` (b): each node runs the cascade on
      ``n = N/K`` qubits (``(8/π)² log(n)/(n² τ²) + 2γ/(n τ)``) and the K
      results are averaged (÷K): ``√K`` above (a) at short τ, the same floor,
      reached ``K`` times later;
    * ``"independent"`` (c): one node of (b) alone, ``√K`` above (b);
    * ``"classical_network"`` (d): uncorrelated qubits, classical averaging:
      ``1/(N τ²) + 2γ/(N τ)``, about ``√N`` above (a) at short τ, on the same
      floor ``N/log`` times later;
    * ``"classical_independent"`` (e): one classical node, ``√K`` above (d).

    All variances are divided by ``ω0²``; the main text quotes them up to
    numerical factors (eqs. 3–4).

    Parameters
    ----------
    strategy : str
        One of :data:`STRATEGIES`.
    total_qubits, nodes : int
        ``N`` and ``K`` (``N/K ≥ 2`` qubits per node).
    averaging_time : float or array
        ``τ`` (s).
    linewidth : float
        Single-qubit linewidth ``γ_i`` (1/s).
    omega0 : float
        Transition angular frequency (rad/s); 1 gives ``σ_y ω0``.

    Returns
    -------
    float or numpy.ndarray
        σ_y(τ) (dimensionless, or rad/s with ``omega0 = 1``), shaped like
        ``averaging_time``.

    Raises
    ------
    QClockError
        If the strategy is unknown, N/K < 2 or a τ is not finite and > 0.
    """
    check_choice(strategy, "strategy", STRATEGIES)
    N = _check_int(total_qubits, "total_qubits", 2)
    K = _check_int(nodes, "nodes", 1)
    if N < 2 * K:
        raise QClockError(f"total_qubits must be at least 2 per node, got N = {N} for K = {K} nodes")
    tau = np.asarray(averaging_time, dtype=float)
    if not np.all(np.isfinite(tau)) or np.any(tau <= 0):
        raise QClockError(f"averaging_time must be finite and > 0 (s), got {averaging_time!r}")
    gamma = _non_negative(linewidth, "linewidth", "1/s")
    omega0 = _positive(omega0, "omega0", "rad/s")
    per_node = N / K
    cascade_node = (8.0 / math.pi) ** 2 * math.log(per_node) / (per_node ** 2 * tau ** 2) \
        + 2.0 * gamma / (per_node * tau)
    classical_node = 1.0 / (per_node * tau ** 2) + 2.0 * gamma / (per_node * tau)
    variance = {
        "quantum_network": (8.0 / math.pi) ** 2 * math.log(N / K) / (N ** 2 * tau ** 2) + 2.0 * gamma / (N * tau),
        "classical_cooperation": cascade_node / K,
        "independent": cascade_node,
        "classical_network": classical_node / K,
        "classical_independent": classical_node,
    }[strategy]
    deviation = np.sqrt(variance) / omega0
    return float(deviation) if deviation.ndim == 0 else deviation
