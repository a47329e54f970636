"""Closed-form terms of the cascade's error budget (Kómár et al., appendix A3–A4, eqs. A11–A28).

Kómár et al., Nature Physics 10, 582 (2014) budget one measurement cycle of the weighted
centre-of-mass phase ``Φ`` of the cascaded GHZ estimation (:mod:`qclock_circuits.network.cascade`)
in closed form: the projection noise of the finest level (eq. A11), a Gaussian-tail bound on the
probability of a wrong digit (eqs. A12–A14), the probability of a phase slip (eqs. A27–A28), the
level-0 size of eq. A17 and the rounding variance it leaves (eq. A18), their total (eq. A21), and
the copy number and the minimal variance that optimise it (eqs. A24–A26). These forms assume level
errors with Gaussian tails of variance ``1/n``; the exact terms of the estimator actually used are in
:mod:`qclock_circuits.network.cascade_errors`.

Phase variances are in rad² per cycle. Kómár et al.'s notation → this module: ``n0`` → ``copies``,
``n1`` → total uncorrelated qubits, ``N`` → ``total_qubits``, ``K`` → ``nodes``, ``D`` → ``base``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import erfc

from qclock_circuits._validation import QClockError, check_finite
from qclock_circuits._validation import check_int as _check_int

__all__ = [
    "projection_variance",
    "rounding_probability",
    "slip_probability",
    "level0_factor",
    "paper_phase_variance",
    "paper_rounding_variance",
    "closed_form_copies",
    "minimum_phase_variance",
]


def _positive(value, name: str, unit: str) -> float:
    value = check_finite(value, name)
    if value <= 0:
        raise QClockError(f"{name} must be > 0 ({unit}), got {value}")
    return value


def _non_negative(value, name: str, unit: str) -> float:
    value = check_finite(value, name)
    if value < 0:
        raise QClockError(f"{name} must be >= 0 ({unit}), got {value}")
    return value


# ----------------------------------------------------------------------------- single terms
def projection_variance(copies: int, ghz_size: int) -> float:
    """Projection noise of the finest level mapped onto ``Φ`` (Kómár et al. eq. A11), rad².

    ``⟨ΔΦ²⟩ = ⟨ΔΦ_M²⟩ / (C D^(M−1))²`` with ``⟨ΔΦ_M²⟩ = 1/n0``; for the paper's
    allocation ``N ≈ n0 2^M K`` this is ``4 n0 / N²``.

    Parameters
    ----------
    copies : int
        Copies n0 of the finest level.
    ghz_size : int
        Qubits ``C D^(M−1)`` of each GHZ state of the finest level.

    Returns
    -------
    float
        ``⟨ΔΦ²⟩`` (rad²).
    """
    copies = _check_int(copies, "copies", 1)
    ghz_size = _check_int(ghz_size, "ghz_size", 1)
    return 1.0 / (copies * float(ghz_size) ** 2)


def rounding_probability(variance: float, half_interval: float) -> float:
    """The paper's bound on the probability of a wrong digit (eqs. A12–A14), capped at 1.

    ``P ≈ (2 / (s a)) exp(−a² / 2s²)`` for a level error of variance ``s²``
    and allowed half-interval ``a``: ``a = π/D``, ``s² = 1/n0`` gives eq. A14
    (``(4/π) n0^{1/2} e^{−n0π²/8}`` for ``D = 2``); ``a = π/K``, ``s² = 1/n1``
    gives eq. A13. It comes from a Chernoff-type bound and overestimates the
    true probability by about ``√(2π)/s²`` in the Gaussian limit.

    Parameters
    ----------
    variance : float
        Variance s² of the level error (rad², > 0).
    half_interval : float
        Allowed half-interval a (rad, > 0).

    Returns
    -------
    float
        The probability bound, at most 1.
    """
    variance = _positive(variance, "variance", "rad²")
    half_interval = _positive(half_interval, "half_interval", "rad")
    s = math.sqrt(variance)
    exponent = -half_interval ** 2 / (2.0 * variance)
    return float(min(1.0, 2.0 / (s * half_interval) * math.exp(exponent)))


def slip_probability(node_phase_width: float) -> float:
    """Probability that a node phase of Gaussian width σ falls outside ``[−π, π]`` in one cycle.

    The integral of Kómár et al. eq. A27 per cycle, ``2∫_π^∞ N(0, σ²) = erfc(π/(√2 σ))``,
    with ``σ² = γ_LO T`` for white LO frequency noise; its asymptotic form
    (the paper's) is ``√2 σ/π^{3/2} · exp(−π²/2σ²)``.

    Parameters
    ----------
    node_phase_width : float
        Gaussian width σ of the node phase (rad, > 0).

    Returns
    -------
    float
        ``erfc(π/(√2 σ))``.
    """
    sigma = _positive(node_phase_width, "node_phase_width", "rad")
    return float(erfc(math.pi / (math.sqrt(2.0) * sigma)))


def level0_factor(copies: float, nodes: int) -> float:
    """``α`` of Kómár et al. eq. A17: ``n1 = α K² n0`` uncorrelated qubits make ``P0 = (2/3) P_i``.

    Equating eqs. A13 and A14 gives ``α = 1/4 + (2/(π² n0)) log(3K²√α / 4)``,
    solved here by fixed-point iteration; the paper keeps ``max(1, ·)``.

    Parameters
    ----------
    copies : float
        GHZ copies n0 per level.
    nodes : int
        Number of clocks K.

    Returns
    -------
    float
        α (≥ 1).
    """
    copies = _positive(copies, "copies", "number of GHZ copies")
    nodes = _check_int(nodes, "nodes", 1)
    alpha = 1.0
    for _ in range(100):
        alpha = 0.25 + 2.0 / (math.pi ** 2 * copies) * math.log(max(3.0 * nodes ** 2 * math.sqrt(alpha) / 4.0,
                                                                    1e-300))
        alpha = max(alpha, 1e-6)
    return max(1.0, alpha)


def paper_rounding_variance(copies: float, nodes: int) -> float:
    """Rounding-error variance with the level-0 choice of eq. A17 (Kómár et al. eq. A18), rad².

    ``⟨ΔΦ²⟩_re ≈ (16π/K²) n0^{1/2} exp(−n0 π²/8)``.

    Parameters
    ----------
    copies : float
        GHZ copies n0 per level.
    nodes : int
        Number of clocks K.

    Returns
    -------
    float
        Rounding-error variance per cycle (rad²).
    """
    copies = _positive(copies, "copies", "number of GHZ copies")
    nodes = _check_int(nodes, "nodes", 1)
    return 16.0 * math.pi / nodes ** 2 * math.sqrt(copies) * math.exp(-copies * math.pi ** 2 / 8.0)


def paper_phase_variance(total_qubits: int, nodes: int, copies: float) -> float:
    """Projection plus rounding variance of Kómár et al. eq. A21 (``T·[Γ1 + Γ2]``), rad².

    ``4 n0 / N² + (16π/K²) n0^{1/2} exp(−n0π²/8)``.

    Parameters
    ----------
    total_qubits : int
        Qubits N of the network.
    nodes : int
        Number of clocks K.
    copies : float
        GHZ copies n0 per level.

    Returns
    -------
    float
        Phase variance per cycle (rad²).
    """
    total_qubits = _check_int(total_qubits, "total_qubits", 1)
    return 4.0 * copies / total_qubits ** 2 + paper_rounding_variance(copies, nodes)


def closed_form_copies(total_qubits: int, nodes: int, *, asymptotic: bool = False) -> float:
    """Optimal number of GHZ copies per level (Kómár et al. eqs. A24–A25).

    ``x_opt = 1/log(π² N² / (√8 K²))`` and ``n0 = 8/(π² x_opt)``; with
    ``asymptotic=True`` the paper's final form ``(4/π)² log(N/K)``.

    Parameters
    ----------
    total_qubits : int
        Qubits N of the network.
    nodes : int
        Number of clocks K (N > K).
    asymptotic : bool, optional
        Use the asymptotic form of eq. A25.

    Returns
    -------
    float
        The optimal n0 (not rounded).

    Raises
    ------
    QClockError
        If N ≤ K, or the logarithm's argument is too small for eq. A24.
    """
    total_qubits = _check_int(total_qubits, "total_qubits", 1)
    nodes = _check_int(nodes, "nodes", 1)
    if total_qubits <= nodes:
        raise QClockError(f"total_qubits must exceed nodes (N/K > 1), got N = {total_qubits}, K = {nodes}")
    if asymptotic:
        return (4.0 / math.pi) ** 2 * math.log(total_qubits / nodes)
    argument = math.pi ** 2 * total_qubits ** 2 / (math.sqrt(8.0) * nodes ** 2)
    if argument <= math.e:
        raise QClockError(f"closed_form_copies needs π²N²/(√8K²) > e, got N = {total_qubits}, K = {nodes}")
    return 8.0 / math.pi ** 2 * math.log(argument)


def minimum_phase_variance(total_qubits: int, nodes: int) -> float:
    """Minimal projection plus rounding variance ``(8/π)² log(N/K) / N²`` (Kómár et al. eq. A26), rad².

    Parameters
    ----------
    total_qubits : int
        Qubits N of the network.
    nodes : int
        Number of clocks K (N > K).

    Returns
    -------
    float
        Phase variance per cycle (rad²).

    Raises
    ------
    QClockError
        If N ≤ K.
    """
    total_qubits = _check_int(total_qubits, "total_qubits", 1)
    nodes = _check_int(nodes, "nodes", 1)
    if total_qubits <= nodes:
        raise QClockError(f"total_qubits must exceed nodes (N/K > 1), got N = {total_qubits}, K = {nodes}")
    return (8.0 / math.pi) ** 2 * math.log(total_qubits / nodes) / total_qubits ** 2


def _vector_rounding(variance: np.ndarray, half_interval: float) -> np.ndarray:
    """:func:`rounding_probability` for an array of variances."""
    s = np.sqrt(variance)
    return np.minimum(1.0, 2.0 / (s * half_interval) * np.exp(-half_interval ** 2 / (2.0 * variance)))
