"""Per-cycle error budget of the cascade for an allocation, and the allocation that minimises it.

:func:`cascade_error_budget` adds up the four error terms of one measurement cycle of the weighted
centre-of-mass phase ``Φ`` (:mod:`qclock_circuits.network.cascade`) for a given
:class:`~qclock_circuits.network.cascade_allocation.CascadeAllocation`: projection noise of the
finest level (Kómár et al., Nature Physics 10, 582 (2014), eq. A11), wrong digits (eq. A15), phase
slips (eqs. A27–A28) and single-qubit dephasing (eq. A39), either with the paper's closed forms
(:mod:`qclock_circuits.network.cascade_closed_forms`) or exactly for the estimator actually used
(:mod:`qclock_circuits.network.cascade_errors`). :func:`required_uncorrelated` sizes level 0 by the
criterion of eq. A17, and :func:`optimal_copies` searches the levels and copies that minimise the
budget for ``N`` qubits (the paper's optimum is eqs. A24–A26).

Phase variances are in rad² per cycle; node phase widths in rad.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from qclock_circuits._deprecation import renamed_value
from qclock_circuits._validation import QClockError, check_choice
from qclock_circuits._validation import check_int as _check_int
from qclock_circuits.network.cascade_allocation import CascadeAllocation, _node_widths
from qclock_circuits.network.cascade_closed_forms import (_non_negative, _positive, _vector_rounding,
                                                          projection_variance, rounding_probability,
                                                          slip_probability)
from qclock_circuits.network.cascade_errors import (exact_level_variance, exact_rounding_probability,
                                                    level0_rounding_moments)

__all__ = [
    "CascadeBudget",
    "cascade_error_budget",
    "required_uncorrelated",
    "optimal_copies",
]

_TWO_PI = 2.0 * math.pi


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
        actually used by :func:`~qclock_circuits.network.cascade.network_phase_measurement` — projection from
        :func:`~qclock_circuits.network.cascade_errors.exact_level_variance`, digit errors ``E[k_i²]`` from
        :func:`~qclock_circuits.network.cascade_errors.exact_rounding_probability` (levels ≥ 1) and
        :func:`~qclock_circuits.network.cascade_errors.level0_rounding_moments` (level 0, over the prior: Gaussian
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
      ``P_0`` from :func:`~qclock_circuits.network.cascade_closed_forms.rounding_probability`
      at ``s0² = Σ w_j²/(u_j + σ_j^{−2})``,
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
        estimator actually used (:func:`~qclock_circuits.network.cascade_errors.exact_level_variance`,
        :func:`~qclock_circuits.network.cascade_errors.exact_rounding_probability`), level 0 still by eq. A13; copy
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
