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

This module holds the budget and the allocation of the cascade as the running network clock loop
reads it, every level at its own visibility under single-qubit dephasing (eq. A39):
:func:`level_contrasts`, :func:`loop_error_budget` and :func:`loop_optimal_allocation`. The rest of
the budget lives in :mod:`~qclock_circuits.network.cascade_closed_forms` (the paper's closed forms,
eqs. A11–A28), :mod:`~qclock_circuits.network.error_budget` (the budget of an allocation and the
allocation of ``N`` qubits that minimises it), :mod:`~qclock_circuits.network.cascade_stability`
(Allan variance, eqs. A20, A30–A34, A40–A41, and the strategies of Fig. 3) and
:mod:`~qclock_circuits.network.prenarrowing` (eqs. A35–A38); their public names are re-exported here.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from qclock_circuits._deprecation import renamed_attributes
from qclock_circuits._validation import QClockError
from qclock_circuits._validation import check_int as _check_int
from qclock_circuits.network.cascade_allocation import CascadeAllocation, _node_widths
from qclock_circuits.network.cascade_closed_forms import (closed_form_copies, level0_factor, minimum_phase_variance,
                                                          paper_phase_variance, paper_rounding_variance,
                                                          projection_variance, rounding_probability,
                                                          slip_probability)
from qclock_circuits.network.cascade_errors import (exact_level_variance, exact_rounding_probability,
                                                    level0_rounding_moments)
from qclock_circuits.network.cascade_stability import (STRATEGIES, allan_variance_from_phase, cascade_allan_variance,
                                                       network_stability, optimal_interrogation_time)
from qclock_circuits.network.error_budget import (_EXACT_CANDIDATES, CascadeBudget, _exact_projection,
                                                  cascade_error_budget, optimal_copies, required_uncorrelated)
from qclock_circuits.network.prenarrowing import (minimum_prenarrowed_linewidth, optimal_narrowing_step,
                                                  prenarrowed_linewidth, prenarrowing_qubits)

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

    As :func:`~qclock_circuits.network.error_budget.cascade_error_budget` with ``rounding="exact"``, but every level
    is read at its own visibility (:func:`level_contrasts`) and estimated
    with the table for that visibility, as
    :func:`~qclock_circuits.network.loop.simulate_network_clock` does: the
    projection of the finest level is
    :func:`~qclock_circuits.network.cascade_errors.exact_level_variance` at ``V_M``,
    the digit errors ``E[k_i²]`` come from
    :func:`~qclock_circuits.network.cascade_errors.exact_rounding_probability` with
    both levels' visibilities and level 0 from
    :func:`~qclock_circuits.network.cascade_errors.level0_rounding_moments` over the
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
        ``c_j`` (default :func:`~qclock_circuits.network.cascade_allocation.node_shares_for`).
    keep : int
        Candidates per number of levels passed to the exact budget.
    reference : CascadeAllocation, optional
        An allocation the result must not be worse than (default: the one
        :func:`~qclock_circuits.network.error_budget.optimal_copies` gives for these nodes, the loop's default).

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
