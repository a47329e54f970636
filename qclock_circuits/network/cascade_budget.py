"""Analytic error budget of the cascaded GHZ estimation (Kómár et al., appendix A3–A6).

Phase variances are in rad² per measurement cycle of the weighted
centre-of-mass phase ``Φ`` (see :mod:`qclock_circuits.network.cascade`);
rates (linewidths ``γ``) in 1/s, times in s, ``ω0`` in rad/s. The paper's
``K`` nodes of equal weight are the case ``C = K``; with node shares ``c_j`` the
level-1 GHZ size ``C = Σc_j`` takes the place of ``K`` wherever it sets a
branch width (``2π/C``).

Kómár et al.'s notation → this module: ``n0`` → ``copies``, ``n1`` → total uncorrelated
qubits, ``M`` → ``levels``, ``D`` → ``base``, ``γ_LO`` → ``lo_linewidth``,
``γ_ind`` (``γ_i``) → ``individual_linewidth``, ``τ`` → ``averaging_time``,
``T`` → ``interrogation_time``, ``N*`` → ``narrowing_qubits``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy.special import erfc

from qclock_circuits._deprecation import renamed_attributes, renamed_value
from qclock_circuits._validation import QClockError, check_choice, check_finite
from qclock_circuits._validation import check_int as _check_int
from qclock_circuits.network.cascade import (CascadeAllocation, exact_level_variance, exact_rounding_probability,
                                             level0_rounding_moments)
from qclock_circuits.network.cascade_allocation import _node_widths

__all__ = [
    "CascadeBudget",
    "cascade_error_budget",
    "projection_variance",
    "rounding_probability",
    "slip_probability",
    "level0_factor",
    "paper_phase_variance",
    "paper_rounding_variance",
    "closed_form_copies",
    "minimum_phase_variance",
    "required_uncorrelated",
    "optimal_copies",
    "allan_variance_from_phase",
    "optimal_interrogation_time",
    "cascade_allan_variance",
    "prenarrowed_linewidth",
    "optimal_narrowing_step",
    "minimum_prenarrowed_linewidth",
    "prenarrowing_qubits",
    "STRATEGIES",
    "network_stability",
    "level_contrasts",
    "loop_error_budget",
    "loop_optimal_allocation",
]

_TWO_PI = 2.0 * math.pi


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


# ----------------------------------------------------------------------------- budget
@dataclass(frozen=True)
class CascadeBudget:
    """Terms of the per-cycle error budget of ``Φ`` (rad²).

    Parameters
    ----------
    projection : float
        Finest level (eq. A11).
    rounding : float
        Wrong digits (eq. A15 with the probabilities of eqs. A13–A14).
    phase_slip : float
        Node phases outside ``[−π, π]`` (eqs. A27–A28, per cycle).
    dephasing : float
        Individual-qubit dephasing of the finest level (eq. A39).
    total : float
        Sum of the four.
    rounding_probabilities : tuple of float
        ``P_0..P_{M−1}``: probability of a wrong digit from level ``i``.
    """

    projection: float
    rounding: float
    phase_slip: float
    dephasing: float
    total: float
    rounding_probabilities: tuple[float, ...]

    def to_dict(self) -> dict:
        """Plain JSON-compatible data.

        Returns
        -------
        dict
            The object's data (JSON types only); :meth:`from_dict` reads it back.
        """
        return {"projection": self.projection, "rounding": self.rounding, "phase_slip": self.phase_slip,
                "dephasing": self.dephasing, "total": self.total,
                "rounding_probabilities": list(self.rounding_probabilities)}

    @classmethod
    def from_dict(cls, data: dict) -> "CascadeBudget":
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            A dictionary as written by :meth:`to_dict`.

        Returns
        -------
        CascadeBudget
            The reconstructed object.
        """
        return cls(float(data["projection"]), float(data["rounding"]), float(data["phase_slip"]),
                   float(data["dephasing"]), float(data["total"]),
                   tuple(float(p) for p in data["rounding_probabilities"]))


def _level0_variance(allocation: CascadeAllocation, widths) -> float:
    """``s0² = Σ w_j² / (u_j + σ_j^{−2})``: Bayesian variance of the level-0 estimate of ``Φ``."""
    weights = allocation.weights
    info = np.asarray(allocation.uncorrelated, dtype=float)
    if widths is not None:
        info = info + widths ** -2.0
    if np.any(info <= 0):
        return math.inf
    return float(np.sum(weights ** 2 / info))


_ROUNDING = ("paper", "exact")
#: Former spellings of ``rounding`` values (deprecated).
_ROUNDING_RENAMES = {"seed": "paper"}


@functools.lru_cache(maxsize=512)
def _exact_step(coarse: int, fine: int, base: int) -> tuple[float, float]:
    """Cached ``P(k ≠ 0)`` and ``E[k²]`` of a digit read from two GHZ levels."""
    return (exact_rounding_probability(coarse, fine, base, phase_points=64),
            exact_rounding_probability(coarse, fine, base, phase_points=64, moment=2))


@functools.lru_cache(maxsize=64)
def _exact_projection(copies: int) -> float:
    return exact_level_variance(copies, phase_points=64)


def cascade_error_budget(allocation: CascadeAllocation, *, node_phase_width=None,
                         individual_dephasing: float = 0.0, rounding: str = "paper") -> CascadeBudget:
    """Per-cycle error budget of the cascade for a given allocation (Kómár et al. eqs. A11–A15, A27, A39).

    Parameters
    ----------
    allocation : CascadeAllocation
        How the qubits are split over the levels.
    node_phase_width : None, float or array of K floats
        Gaussian width (rad) of each node phase before the measurement
        (``√(γ_LO T)``, or the residual width after the previous cycle). It
        adds ``σ_j^{−2}`` of information to level 0 (pre-narrowing, §A5) and
        sets the phase-slip term. ``None``: flat prior, no slip term.
    individual_dephasing : float
        ``γ_ind T`` (dimensionless), the single-qubit dephasing exponent.
    rounding : {"paper", "exact"}
        ``"paper"``: Kómár et al.'s formulas below (``"seed"``, the former
        spelling, is a deprecated alias). ``"exact"``: the estimator
        actually used by :func:`network_phase_measurement` — projection from
        :func:`exact_level_variance`, digit errors ``E[k_i²]`` from
        :func:`exact_rounding_probability` (levels ≥ 1) and
        :func:`level0_rounding_moments` (level 0, over the prior: Gaussian
        ``node_phase_width`` or uniform on ``[−π, π)``).

    Returns
    -------
    CascadeBudget
        The four terms (rad² per cycle), their total and the digit-error
        probabilities per level.

    Raises
    ------
    TypeError
        If ``allocation`` is not a CascadeAllocation.

    Notes
    -----
    The paper's forms (Kómár et al., Nature Physics 10, 582 (2014), appendix A):

    * projection ``= 1/(n_M (C D^(M−1))²)`` (A11);
    * rounding ``= (2π/C)² [P_0 + Σ_{i=1}^{M−1} P_i D^{−2i}]`` (A15), with
      ``P_0`` from :func:`rounding_probability` at ``s0² = Σ w_j²/(u_j + σ_j^{−2})``,
      ``a = π/C`` (A13) and ``P_i`` at ``s² = 1/n_i``, ``a = π/D`` (A14);
    * phase slip ``= (2π)² Σ w_j² P_slip(σ_j)`` (A27–A28 for one cycle;
      ``(2π)² P/K`` for equal nodes);
    * dephasing ``= γ_ind T / (n_M C D^(M−1))`` (A39).

    The paper's A13–A14 assume Gaussian tails of variance ``1/n``; the
    estimate from ``n/2`` parities per quadrature has much heavier tails
    (``P_i ≈ 2.6·10⁻⁴`` at ``n0 = 15``, ``D = 2``, where A14 gives ``5·10⁻⁸``),
    so ``"exact"`` is the one to trust for ``n0 ≳ 5``.
    """
    if not isinstance(allocation, CascadeAllocation):
        raise TypeError(f"allocation must be a CascadeAllocation, got {type(allocation).__name__}")
    widths = _node_widths(node_phase_width, allocation.nodes)
    individual_dephasing = _non_negative(individual_dephasing, "individual_dephasing", "γ_ind·T")
    rounding = check_choice(renamed_value(rounding, _ROUNDING_RENAMES, "rounding"), "rounding", _ROUNDING)
    C = allocation.shares_total
    D = allocation.base
    finest = allocation.ghz_sizes[-1]
    if rounding == "paper":
        projection = projection_variance(allocation.copies[-1], finest)
        s0 = _level0_variance(allocation, widths)
        probabilities = [1.0 if not math.isfinite(s0) else rounding_probability(s0, math.pi / C)]
        probabilities += [rounding_probability(1.0 / n, math.pi / D) for n in allocation.copies[:-1]]
        second_moments = probabilities
    else:
        projection = _exact_projection(allocation.copies[-1]) / float(finest) ** 2
        if widths is None and min(allocation.uncorrelated) == 0:
            first = (1.0, 1.0)
        elif widths is None:
            first = level0_rounding_moments(allocation.uncorrelated, allocation.node_shares,
                                            allocation.copies[0])
        else:
            first = level0_rounding_moments(allocation.uncorrelated, allocation.node_shares,
                                            allocation.copies[0], prior="gaussian", prior_width=widths)
        steps = [_exact_step(a, b, D) for a, b in zip(allocation.copies[:-1], allocation.copies[1:])]
        probabilities = [first[0]] + [p for p, _ in steps]
        second_moments = [first[1]] + [m for _, m in steps]
    rounding_term = (_TWO_PI / C) ** 2 * sum(m * float(D) ** (-2 * i) for i, m in enumerate(second_moments))
    slip = 0.0
    if widths is not None:
        slip = _TWO_PI ** 2 * float(sum(w ** 2 * slip_probability(s) for w, s in zip(allocation.weights, widths)))
    dephasing = individual_dephasing / (allocation.copies[-1] * finest)
    return CascadeBudget(projection=projection, rounding=rounding_term, phase_slip=slip, dephasing=dephasing,
                         total=projection + rounding_term + slip + dephasing,
                         rounding_probabilities=tuple(float(p) for p in probabilities))


def required_uncorrelated(copies: int, nodes: int, *, node_phase_width=None, base: int = 2) -> int:
    """Smallest total number ``n1`` of level-0 qubits (a multiple of ``K``) for ``P_0 ≤ (2/3) P_i``.

    The criterion of Kómár et al. eq. A17 with the bounds of A13–A14 (general base
    ``D``), for ``K`` equal nodes. Prior knowledge of each node phase (Gaussian
    width ``σ``, from the previous cycle or the LO noise: pre-narrowing, §A5)
    adds ``K/σ²`` to ``n1`` in ``s0² = 1/(n1 + K/σ²)``, so fewer level-0 qubits
    are needed, none once ``σ`` is narrow enough.

    Parameters
    ----------
    copies : int
        GHZ copies n0 per level.
    nodes : int
        Number of clocks K.
    node_phase_width : None or float, optional
        Gaussian width σ of each node phase (rad); None for a flat prior.
    base : int, optional
        ``D ≥ 2``.

    Returns
    -------
    int
        n1, a multiple of K (0 when the prior alone suffices).
    """
    copies = _check_int(copies, "copies", 1)
    nodes = _check_int(nodes, "nodes", 1)
    base = _check_int(base, "base", 2)
    target = 2.0 / 3.0 * rounding_probability(1.0 / copies, math.pi / base)
    prior_info = 0.0
    if node_phase_width is not None:
        prior_info = nodes * _positive(node_phase_width, "node_phase_width", "rad") ** -2

    def p0(per_node: int) -> float:
        info = nodes * per_node + prior_info
        return 1.0 if info <= 0 else rounding_probability(1.0 / info, math.pi / nodes)

    if p0(0) <= target:
        return 0
    high = 1
    while p0(high) > target:
        high *= 2
    low = high // 2
    while high - low > 1:
        mid = (low + high) // 2
        if p0(mid) > target:
            low = mid
        else:
            high = mid
    return nodes * high


def optimal_copies(total_qubits: int, nodes: int, *, node_phase_width=None, base: int = 2,
                   node_shares=None, rounding: str = "exact") -> CascadeAllocation:
    """Allocation of ``N`` qubits that minimises the budget's projection plus rounding terms.

    Searches all numbers of levels ``M`` and copies ``n0`` (the same on every
    level, as in the paper); the qubits left after the entangled levels go to
    level 0, split over the nodes in proportion to their shares (the paper
    chooses ``n1`` by eq. A17 instead, see :func:`required_uncorrelated`;
    giving level 0 all the rest never increases the budget). With
    ``rounding="paper"`` the optimum follows the paper's
    ``n0 ≈ (4/π)² log(N/K)`` (eq. A25) and reaches ``(8/π)² log(N/K)/N²``
    (eq. A26) up to the discreteness of ``M``; the default ``"exact"`` budget
    of the estimator actually used needs about 2–3 times more copies
    (``n0 ≈ 30`` at ``N = 2000``, ``K = 4``) and reaches an MSE 3–7 times
    above eq. A26, still scaling as ``log(N/K)/N²``.

    Parameters
    ----------
    total_qubits : int
        ``N``.
    nodes : int
        ``K``.
    node_phase_width : None or float
        Prior width (rad) of each node phase; with it, allocations with few or
        no level-0 qubits become competitive (see :func:`cascade_error_budget`).
    base : int
        ``D``.
    node_shares : sequence of int, optional
        ``c_j`` (default all 1).
    rounding : {"paper", "exact"}
        ``"paper"`` (formerly ``"seed"``, a deprecated alias): minimise the
        paper's budget (A11, A13–A15) over every copy number (fast; the paper's allocation, but its digit errors are far
        too optimistic for this estimator). ``"exact"`` (default): projection and level ≥ 1 digit errors of the
        estimator actually used (:func:`exact_level_variance`,
        :func:`exact_rounding_probability`), level 0 still by eq. A13; copy
        numbers 1–24, then steps of ~10 % up to 64. It needs ~0.3 s per new
        copy number (cached), and picks larger ``n0`` than the paper's formula,
        whose Gaussian tails underestimate the digit errors.

    Returns
    -------
    CascadeAllocation
        The best allocation found (``available_qubits = N``).

    Raises
    ------
    QClockError
        If ``node_shares`` has the wrong length or N is too small for a cascade
        over the nodes.
    """
    total_qubits = _check_int(total_qubits, "total_qubits", 1)
    nodes = _check_int(nodes, "nodes", 1)
    base = _check_int(base, "base", 2)
    rounding = check_choice(renamed_value(rounding, _ROUNDING_RENAMES, "rounding"), "rounding", _ROUNDING)
    shares = (1,) * nodes if node_shares is None else tuple(node_shares)
    if len(shares) != nodes:
        raise QClockError(f"node_shares must have {nodes} entries (one per node), got {len(shares)}")
    if rounding == "exact":
        return _optimal_exact(total_qubits, shares, node_phase_width, base)
    C = sum(shares)
    weights = np.asarray(shares, dtype=float) / C
    widths = _node_widths(node_phase_width, nodes)
    prior_info = np.zeros(nodes) if widths is None else widths ** -2.0
    best = None
    levels = 1
    while C * base ** (levels - 1) <= total_qubits:
        per_copy = C * (base ** levels - 1) // (base - 1)
        copies = np.arange(1, total_qubits // per_copy + 1, dtype=float)
        unit = (total_qubits - copies * per_copy) // C
        info = unit[:, None] * np.asarray(shares, dtype=float)[None, :] + prior_info[None, :]
        usable = np.all(info > 0, axis=1)
        if np.any(usable):
            copies, info = copies[usable], info[usable]
            # vectorised cascade_error_budget (projection + rounding) for every copy number
            s0 = np.sum(weights ** 2 / info, axis=1)
            values = 1.0 / (copies * (C * float(base) ** (levels - 1)) ** 2)
            values += (_TWO_PI / C) ** 2 * _vector_rounding(s0, math.pi / C)
            fine = _vector_rounding(1.0 / copies, math.pi / base)
            values += (_TWO_PI / C) ** 2 * fine * sum(float(base) ** (-2 * i) for i in range(1, levels))
            k = int(np.argmin(values))
            if best is None or values[k] < best[0]:
                best = (float(values[k]), levels, int(copies[k]), int(unit[usable][k]))
        levels += 1
    return _best_allocation(best, shares, total_qubits, base)


def _optimal_exact(total_qubits: int, shares: tuple[int, ...], node_phase_width, base: int) -> CascadeAllocation:
    """Allocation minimising projection + rounding with exact level ≥ 1 terms and the paper's level 0."""
    C = sum(shares)
    weights = np.asarray(shares, dtype=float) / C
    widths = _node_widths(node_phase_width, len(shares))
    prior_info = np.zeros(len(shares)) if widths is None else widths ** -2.0
    best = None
    levels = 1
    while C * base ** (levels - 1) <= total_qubits:
        per_copy = C * (base ** levels - 1) // (base - 1)
        for copies in _EXACT_CANDIDATES:
            rest = total_qubits - copies * per_copy
            if rest < 0:
                break
            info = (rest // C) * np.asarray(shares, dtype=float) + prior_info
            if np.any(info <= 0):
                continue
            finest = C * base ** (levels - 1)
            value = _exact_projection(copies) / float(finest) ** 2
            value += (_TWO_PI / C) ** 2 * _exact_step(copies, copies, base)[1] * sum(
                float(base) ** (-2 * i) for i in range(1, levels))
            if best is not None and value >= best[0]:
                continue
            s0 = float(np.sum(weights ** 2 / info))
            value += (_TWO_PI / C) ** 2 * rounding_probability(s0, math.pi / C)
            if best is None or value < best[0]:
                best = (value, levels, copies, rest // C)
        levels += 1
    return _best_allocation(best, shares, total_qubits, base)


def _best_allocation(best, shares: tuple[int, ...], total_qubits: int, base: int) -> CascadeAllocation:
    """The allocation ``(value, levels, copies, uncorrelated per share)`` found by a search, or raise."""
    if best is None:
        raise QClockError(f"total_qubits = {total_qubits} is too small for a cascade over {len(shares)} nodes "
                          f"with shares {list(shares)} (needs level-0 qubits and one GHZ state of "
                          f"{sum(shares)} qubits)")
    _, levels, copies, unit = best
    return CascadeAllocation(shares, tuple(unit * c for c in shares), (copies,) * levels, base, total_qubits)


#: Copy numbers searched by ``optimal_copies(..., rounding="exact")``.
_EXACT_CANDIDATES = tuple(range(1, 25)) + (26, 28, 30, 33, 36, 40, 44, 48, 53, 58, 64)


def _vector_rounding(variance: np.ndarray, half_interval: float) -> np.ndarray:
    """:func:`rounding_probability` for an array of variances."""
    s = np.sqrt(variance)
    return np.minimum(1.0, 2.0 / (s * half_interval) * np.exp(-half_interval ** 2 / (2.0 * variance)))


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


# ----------------------------------------------------------------------------- the allocation for the running loop
def _dephasing_rates(individual_dephasing, nodes: int) -> np.ndarray:
    """``γ_j T`` per node (dimensionless), validated; node ``j`` is named in errors."""
    values = np.asarray(individual_dephasing, dtype=float)
    if values.ndim == 0:
        values = np.full(nodes, float(values))
    if values.shape != (nodes,):
        raise QClockError(f"individual_dephasing must be one γ·T or one per node ({nodes}), got {individual_dephasing!r}")
    for j, value in enumerate(values):
        if not math.isfinite(value) or value < 0:
            raise QClockError(f"individual_dephasing of node {j} must be finite and >= 0 (γ_j·T), got {value}")
    return values


def level_contrasts(allocation: CascadeAllocation, individual_dephasing=0.0) -> tuple[float, tuple[float, ...]]:
    """Parity visibilities of the cascade's levels under single-qubit dephasing (rad, per cycle).

    A GHZ state of level ``i`` holds ``c_j D^(i−1)`` qubits of node ``j``; each
    dephases at ``γ_j``, so its parity contrast is
    ``V_i = exp(−½ D^(i−1) Σ_j c_j γ_j T)`` (Kómár et al., Nature Physics 10,
    582 (2014), eq. A39, with the unequal nodes of appendix C3). Level-0
    qubits keep ``exp(−½ γ_j T)``.

    Parameters
    ----------
    allocation : CascadeAllocation
        How the qubits are split over the levels.
    individual_dephasing : float or sequence of float
        ``γ_j T`` (dimensionless), one for all nodes or one per node.

    Returns
    -------
    (float or tuple, tuple of float)
        Level-0 visibility per node (a tuple of K floats) and ``V_1..V_M``.

    Raises
    ------
    TypeError
        If ``allocation`` is not a CascadeAllocation.
    QClockError
        If ``individual_dephasing`` is not one value ≥ 0 or one per node.
    """
    if not isinstance(allocation, CascadeAllocation):
        raise TypeError(f"allocation must be a CascadeAllocation, got {type(allocation).__name__}")
    rates = _dephasing_rates(individual_dephasing, allocation.nodes)
    per_share = float(np.dot(allocation.node_shares, rates))
    level0 = tuple(float(math.exp(-0.5 * r)) for r in rates)
    levels = tuple(float(math.exp(-0.5 * per_share * allocation.base ** i)) for i in range(allocation.levels))
    return level0, levels


_MIN_CONTRAST = 1e-3
#: Screened candidates within this factor of the best screened budget are ranked exactly.
_SCREEN_MARGIN = 3.0


def _rounded(contrast: float) -> float:
    return max(_MIN_CONTRAST, float(f"{contrast:.4g}"))


@functools.lru_cache(maxsize=4096)
def _exact_step_at(coarse: int, fine: int, base: int, coarse_v: float, fine_v: float) -> float:
    return exact_rounding_probability(coarse, fine, base, phase_points=64, moment=2,
                                      coarse_contrast=coarse_v, fine_contrast=fine_v)


@functools.lru_cache(maxsize=1024)
def _exact_projection_at(copies: int, contrast: float) -> float:
    return exact_level_variance(copies, contrast=contrast, phase_points=64)


def loop_error_budget(allocation: CascadeAllocation, *, node_phase_width=None,
                      individual_dephasing=0.0) -> CascadeBudget:
    """Exact per-cycle error budget (rad²) of the estimator the network clock loop runs.

    As :func:`cascade_error_budget` with ``rounding="exact"``, but every level
    is read at its own visibility (:func:`level_contrasts`) and estimated
    with the table for that visibility, as
    :func:`~qclock_circuits.network.loop.simulate_network_clock` does: the
    projection of the finest level is
    :func:`~qclock_circuits.network.cascade.exact_level_variance` at ``V_M``,
    the digit errors ``E[k_i²]`` come from
    :func:`~qclock_circuits.network.cascade.exact_rounding_probability` with
    both levels' visibilities and level 0 from
    :func:`~qclock_circuits.network.cascade.level0_rounding_moments` over the
    prior (Kómár et al., Nature Physics 10, 582 (2014), eqs. A11, A15, A27,
    A39).

    Parameters
    ----------
    allocation : CascadeAllocation
        How the qubits are split over the levels.
    node_phase_width : None, float or sequence
        Gaussian prior width (rad) of each node phase; ``None``: flat prior.
    individual_dephasing : float or sequence of float
        ``γ_j T`` (dimensionless) for all nodes or per node.

    Returns
    -------
    CascadeBudget
        ``projection`` is the finest level's noise at full visibility;
        ``dephasing`` what the lost visibility adds to it (so the terms still
        sum to ``total``); ``rounding`` includes the digit errors that the lower
        visibilities cause. Visibilities below 10⁻³ are taken as 10⁻³.

    Raises
    ------
    TypeError
        If ``allocation`` is not a CascadeAllocation.
    QClockError
        If a width or dephasing value is out of range.
    """
    if not isinstance(allocation, CascadeAllocation):
        raise TypeError(f"allocation must be a CascadeAllocation, got {type(allocation).__name__}")
    widths = _node_widths(node_phase_width, allocation.nodes)
    v0, levels = level_contrasts(allocation, individual_dephasing)
    C = allocation.shares_total
    D = allocation.base
    finest = float(allocation.ghz_sizes[-1])
    vs = [_rounded(v) for v in levels]
    ideal = _exact_projection(allocation.copies[-1]) / finest ** 2
    projection = _exact_projection_at(allocation.copies[-1], vs[-1]) / finest ** 2
    if widths is None and min(allocation.uncorrelated) == 0:
        first = (1.0, 1.0)
    else:
        level0 = _rounded(min(v0))
        kwargs = {} if widths is None else {"prior": "gaussian", "prior_width": widths}
        first = level0_rounding_moments(allocation.uncorrelated, allocation.node_shares, allocation.copies[0],
                                        contrast=level0, first_contrast=vs[0], **kwargs)
    moments = [first[1]] + [_exact_step_at(a, b, D, va, vb) for a, b, va, vb in
                            zip(allocation.copies[:-1], allocation.copies[1:], vs[:-1], vs[1:])]
    rounding_term = (_TWO_PI / C) ** 2 * sum(m * float(D) ** (-2 * i) for i, m in enumerate(moments))
    slip = 0.0
    if widths is not None:
        slip = _TWO_PI ** 2 * float(sum(w ** 2 * slip_probability(s) for w, s in zip(allocation.weights, widths)))
    return CascadeBudget(projection=ideal, rounding=rounding_term, phase_slip=slip, dephasing=projection - ideal,
                         total=projection + rounding_term + slip, rounding_probabilities=(first[0],))


def _screen_value(u: int, copies: int, last: int, levels: int, shares, weights, prior_info, rates, base: int) -> float:
    """Gaussian (Kómár et al. eqs. A11, A13–A15) budget with every level's information scaled by ``V²``: the screen."""
    C = sum(shares)
    per_share = float(np.dot(shares, rates))
    vis = [math.exp(-0.5 * per_share * base ** i) for i in range(levels)]
    if vis[-1] < _MIN_CONTRAST:  # a level this dephased carries no information
        return math.inf
    v0 = np.exp(-0.5 * rates)
    info = u * np.asarray(shares, dtype=float) * v0 ** 2 + prior_info
    if np.any(info <= 0):
        return math.inf
    s0 = float(np.sum(weights ** 2 / info))
    finest = C * float(base) ** (levels - 1)
    value = 1.0 / (last * vis[-1] ** 2 * finest ** 2)
    value += (_TWO_PI / C) ** 2 * rounding_probability(s0 + 1.0 / (copies * vis[0] ** 2 * C ** 2), math.pi / C)
    for i in range(1, levels):
        n_coarse = copies
        n_fine = last if i == levels - 1 else copies
        variance = 1.0 / (n_coarse * vis[i - 1] ** 2) + 1.0 / (n_fine * vis[i] ** 2 * base ** 2)
        value += (_TWO_PI / C) ** 2 * float(base) ** (-2 * i) * rounding_probability(variance, math.pi / base)
    return value


def loop_optimal_allocation(node_qubits, *, node_phase_width=None, individual_dephasing=0.0, base: int = 2,
                            node_shares=None, keep: int = 2, reference: CascadeAllocation | None = None
                            ) -> CascadeAllocation:
    """The cascade that minimises :func:`loop_error_budget` for the loop's prior, dephasing and node sizes.

    Beyond the asymptotic allocation of Kómár et al., Nature Physics 10, 582
    (2014), appendix A (``n0`` copies on every level, eqs. A17, A25), the
    search lets the finest level take all qubits the lower levels leave
    (``n_M ≥ n0``: under dephasing the best finest GHZ is short, ``≲ 1/(γT)``,
    and many copies of it reach the floor of eq. A40), chooses the number of
    levels (the largest GHZ sizes are dropped when they dephase) and the
    level-0 size for the prior width the running loop leaves, and respects
    each node's own qubit number. Every (levels, copies, level-0) candidate is
    screened by a Gaussian budget with information scaled by the visibility;
    the best ``keep`` per number of levels that come within a factor 3 of
    the best screened value, and ``reference``, are then ranked by the exact
    :func:`loop_error_budget`, so the result's exact
    budget is never above the reference's.

    Parameters
    ----------
    node_qubits : sequence of int
        ``N_j``: qubits at each node (one entry per node).
    node_phase_width : None, float, sequence or callable
        Prior width (rad) of each node phase before a cycle; a callable maps
        the level-0 qubits per node (a tuple) to the widths, for a prior that
        the allocation itself sets (the loop's ``"auto"``).
    individual_dephasing : float or sequence
        ``γ_j T`` per node (dimensionless).
    base : int
        ``D`` of the cascade.
    node_shares : sequence of int, optional
        ``c_j`` (default :func:`~qclock_circuits.network.cascade.node_shares_for`).
    keep : int
        Candidates per number of levels passed to the exact budget.
    reference : CascadeAllocation, optional
        An allocation the result must not be worse than (default: the one
        :func:`optimal_copies` gives for these nodes, the loop's default).

    Returns
    -------
    CascadeAllocation
        The allocation of least loop error budget.

    Raises
    ------
    QClockError
        A node with too few qubits for one share of a level-1 GHZ state and
        one level-0 qubit (it is named), or a reference that does not fit.
    """
    from qclock_circuits.network.cascade import node_shares_for

    counts = tuple(_check_int(q, f"node_qubits[{j}]", 1) for j, q in enumerate(node_qubits))
    K = len(counts)
    if K == 0:
        raise QClockError("node_qubits must name at least one node, got none")
    base = _check_int(base, "base", 2)
    keep = _check_int(keep, "keep", 1)
    shares = node_shares_for(counts) if node_shares is None else tuple(node_shares)
    if len(shares) != K:
        raise QClockError(f"node_shares must have {K} entries (one per node), got {len(shares)}")
    rates = _dephasing_rates(individual_dephasing, K)
    if callable(node_phase_width):
        def widths_for(level0):
            return _node_widths(node_phase_width(tuple(int(u) for u in level0)), K)
    else:
        fixed = _node_widths(node_phase_width, K)

        def widths_for(level0):
            return fixed
    weights = np.asarray(shares, dtype=float) / sum(shares)
    units = [q // c for q, c in zip(counts, shares)]
    Q = min(units)
    if Q < 1:
        j = int(np.argmin(units))
        raise QClockError(f"node {j} has {counts[j]} qubits, fewer than its share {shares[j]} of one level-1 "
                          "GHZ state")
    C = sum(shares)
    candidates = []
    levels = 1
    while base ** (levels - 1) <= Q:
        lower = (base ** (levels - 1) - 1) // (base - 1)  # share units per copy on levels 1..M−1
        scored = []
        for copies in (_EXACT_CANDIDATES if levels > 1 else (1,)):
            if copies * lower + base ** (levels - 1) > Q:
                break
            spare = Q - copies * lower
            for u in sorted({int(x) for x in np.unique(np.round(np.geomspace(1, spare, 24)))} | {0}):
                last = (spare - u) // base ** (levels - 1)
                if last < 1:
                    continue
                last = min(last, 400)
                if levels == 1:
                    copies = last
                widths = widths_for([u * c for c in shares])
                prior_info = np.zeros(K) if widths is None else widths ** -2.0
                value = _screen_value(u, copies, last, levels, shares, weights, prior_info, rates, base)
                if math.isfinite(value):
                    scored.append((value, levels, copies, last, u))
        scored.sort()
        candidates += scored[:keep]
        levels += 1
    if candidates:  # only numbers of levels the screen puts near the best go to the exact budget
        floor = min(c[0] for c in candidates)
        candidates = [c for c in candidates if c[0] <= _SCREEN_MARGIN * floor]
    if reference is None:
        reference = _default_reference(sum(c * Q for c in shares), K, shares, base)
    elif not isinstance(reference, CascadeAllocation):
        raise TypeError(f"reference must be a CascadeAllocation, got {type(reference).__name__}")
    best = None
    if reference is not None:
        short = [j for j, (a, q) in enumerate(zip(reference.node_qubits, counts)) if a > q]
        if short:
            raise QClockError(f"reference allocation needs more qubits than node {short[0]} has "
                              f"({reference.node_qubits[short[0]]} > {counts[short[0]]})")
        value = loop_error_budget(reference, node_phase_width=widths_for(reference.uncorrelated),
                                  individual_dephasing=rates).total
        best = (value, reference)
    for _, levels, copies, last, u in candidates:
        allocation = CascadeAllocation(shares, tuple(u * c for c in shares), (copies,) * (levels - 1) + (last,), base)
        widths = widths_for(allocation.uncorrelated)
        if widths is None and u == 0:
            continue
        value = loop_error_budget(allocation, node_phase_width=widths, individual_dephasing=rates).total
        if best is None or value < best[0]:
            best = (value, allocation)
    if best is None:
        raise QClockError(f"no cascade fits nodes with {list(counts)} qubits and shares {list(shares)}")
    return best[1]


@functools.lru_cache(maxsize=64)
def _default_reference(total_qubits: int, nodes: int, shares: tuple, base: int) -> CascadeAllocation | None:
    """``optimal_copies`` for these nodes (cached: the search repeats it for every T), or None if none fits."""
    try:
        return optimal_copies(total_qubits, nodes, node_shares=shares, base=base)
    except QClockError:
        return None


__getattr__ = renamed_attributes(__name__, globals(), {"seed_rounding_variance": "paper_rounding_variance",
                                                      "seed_phase_variance": "paper_phase_variance"})
