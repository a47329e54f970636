"""Exact error statistics of the cascade's estimator: projection noise and wrong digits (Kómár et al. eqs. A11–A15).

Instead of the Gaussian tails of Kómár et al., Nature Physics 10, 582 (2014), eqs. A13–A14, these
functions sum exactly over the binomial parity outcomes of both quadratures of a level
(:mod:`qclock_circuits.network.cascade_level`), estimated with the same table as the measurement:
:func:`exact_level_variance` is the projection noise of one level (it tends to the paper's ``1/n``
of eq. A11 for many copies), :func:`exact_rounding_probability` the probability and second moment
of a wrong digit read from two GHZ levels (eqs. A9–A10, A14), and :func:`level0_rounding_moments`
those of the first digit, read from the nodes' level-0 estimates over the prior of their phases
(eq. A13). They are an independent route to what the Monte Carlo of
:mod:`qclock_circuits.network.cascade` samples, and the exact terms of the error budget of
:mod:`qclock_circuits.network.cascade_budget`.

Phases are in rad, variances in rad².
"""

from __future__ import annotations

import functools
import math

import numpy as np

from qclock_circuits._validation import QClockError, check_choice
from qclock_circuits._validation import check_int as _check_int
from qclock_circuits.network.cascade_allocation import _check_int_tuple, _node_widths
from qclock_circuits.network.cascade_level import (_TABLE_LIMIT, _check_contrast, _estimate_table, _quadrature_split,
                                                   estimate_level_phase, parity_probabilities, wrap_phase)

__all__ = [
    "exact_level_variance",
    "exact_rounding_probability",
    "level0_rounding_moments",
]

_TWO_PI = 2.0 * math.pi
#: Phase differences closer than this count as ties in the exact rounding probability.
_TIE = 1e-9
_PRIORS = ("uniform", "gaussian")


def _budget_grid(copies: int) -> int:
    """Fewest equally spaced phases (a power of 2, ≥ 64) that integrate a table's likelihoods exactly."""
    return max(64, 1 << int(math.ceil(math.log2(2 * (copies + 2)))))


def _binomial_pmf(n: int, p: float) -> np.ndarray:
    """``P(k)`` for ``k = 0..n`` successes in ``n`` trials of probability ``p`` (log-gamma form)."""
    from scipy.special import gammaln

    k = np.arange(n + 1)
    if p <= 0.0 or p >= 1.0:
        out = np.zeros(n + 1)
        out[0 if p <= 0.0 else n] = 1.0
        return out
    log = gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1) + k * math.log(p) + (n - k) * math.log1p(-p)
    return np.exp(log)


def _estimate_distribution(copies: int, theta: float, contrast: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Support (estimation errors, wrapped to ``[−π, π)``) and probabilities of one level at phase θ."""
    n_cos, n_sin = _quadrature_split(copies)
    p_cos, p_sin = parity_probabilities(theta, contrast)
    prob = np.outer(_binomial_pmf(n_cos, float(np.clip(p_cos, 0, 1))),
                    _binomial_pmf(n_sin, float(np.clip(p_sin, 0, 1))))
    if (n_cos + 1) * (n_sin + 1) <= _TABLE_LIMIT:  # the same table, on the smallest exact grid
        table = _estimate_table(n_cos, n_sin, _check_contrast(contrast), _budget_grid(copies))
        errors = wrap_phase(table - theta)
        return errors.ravel(), prob.ravel()
    kc, ks = np.meshgrid(np.arange(n_cos + 1), np.arange(n_sin + 1), indexing="ij")
    errors = wrap_phase(estimate_level_phase(kc, ks, copies, contrast) - theta)
    return errors.ravel(), prob.ravel()


def exact_level_variance(copies: int, *, contrast: float = 1.0, phase_points: int = 256) -> float:
    """Mean square wrapped error (rad²) of one level's estimate, averaged over a uniform ``θ``.

    Exact sum over the binomial outcomes of both quadratures, with ``θ`` on a
    uniform grid of ``phase_points`` phases — an independent route to the
    projection noise that the Monte Carlo samples. For large ``copies`` and
    ``contrast = 1`` it approaches the paper's ``⟨ΔΦ_M²⟩ = 1/n0`` (Fisher
    information 1 per copy).

    Parameters
    ----------
    copies : int
        Number n of copies of the level.
    contrast : float, optional
        Parity fringe visibility V in (0, 1].
    phase_points : int, optional
        Points of the uniform θ grid.

    Returns
    -------
    float
        Mean square wrapped error (rad²).
    """
    copies = _check_int(copies, "copies", 1)
    contrast = _check_contrast(contrast)
    phase_points = _check_int(phase_points, "phase_points", 1)
    thetas = -math.pi + _TWO_PI * (np.arange(phase_points) + 0.5) / phase_points
    total = 0.0
    for theta in thetas:
        errors, prob = _estimate_distribution(copies, theta, contrast)
        total += float(np.dot(prob, errors ** 2))
    return total / phase_points


_TIES = ("half", "error", "correct")


def exact_rounding_probability(coarse_copies: int, fine_copies: int, ratio: int, *,
                               phase_points: int = 256, moment: int = 0, ties: str = "half",
                               coarse_contrast: float = 1.0, fine_contrast: float = 1.0) -> float:
    """Probability that the digit read from a coarse level with the next level is wrong.

    With level errors ``ε_c`` (coarse, phase ``θ``) and ``ε_f`` (fine, phase
    ``ratio·θ``), the rounding of eqs. A9–A10 picks the wrong digit when
    ``|ratio·ε_c − ε_f| > π``; the estimate then moves by
    ``k = round((ratio·ε_c − ε_f)/2π)`` steps of ``2π/(size of the fine GHZ)``.
    Computed exactly from the two binomial distributions (CDF of ``ε_f``),
    averaged over a uniform ``θ`` grid.

    Parameters
    ----------
    coarse_copies, fine_copies : int
        Copies on the two levels (or uncorrelated qubits of a single node, for
        level 0 of a one-node network, with ``ratio = C``).
    ratio : int
        ``D`` (levels ``i → i+1``) or ``C`` (level 0 → 1 of a single node).
    phase_points : int, optional
        Points of the uniform θ grid.
    moment : int
        0: ``P(k ≠ 0)``; 2: ``E[k²]`` (the paper's A15 weights ``P`` by 1).
    ties : {"half", "error", "correct"}
        How to count ``|ratio·ε_c − ε_f| = π`` exactly. The estimate tables
        are symmetric, so such ties have positive probability for a few
        copies; both branches are then equally likely and the Monte Carlo
        resolves them by floating-point rounding. "error" and "correct" bound
        the probability from above and below.
    coarse_contrast, fine_contrast : float
        Parity fringe visibilities ``V`` in (0, 1] of the two levels (GHZ
        dephasing, Kómár et al., Nature Physics 10, 582 (2014), eq. A39); each
        level is estimated with the table for its own visibility.

    Returns
    -------
    float
        ``P(k ≠ 0)`` (``moment=0``) or ``E[k²]`` (``moment=2``).

    Raises
    ------
    QClockError
        If ``moment`` is not 0 or 2, or a contrast is outside (0, 1].
    """
    coarse_contrast = _check_contrast(coarse_contrast, "coarse_contrast")
    fine_contrast = _check_contrast(fine_contrast, "fine_contrast")
    coarse_copies = _check_int(coarse_copies, "coarse_copies", 1)
    fine_copies = _check_int(fine_copies, "fine_copies", 1)
    tie_weight = {"half": 0.5, "error": 1.0, "correct": 0.0}[check_choice(ties, "ties", _TIES)]
    ratio = _check_int(ratio, "ratio", 1)
    if moment not in (0, 2):
        raise QClockError(f"moment must be 0 or 2, got {moment!r}")
    thetas = -math.pi + _TWO_PI * (np.arange(phase_points) + 0.5) / phase_points
    total = 0.0
    max_k = ratio // 2 + 2
    for theta in thetas:
        coarse_err, coarse_p = _estimate_distribution(coarse_copies, theta, coarse_contrast)
        fine_err, fine_p = _estimate_distribution(fine_copies, float(wrap_phase(ratio * theta)), fine_contrast)
        order = np.argsort(fine_err)
        support = fine_err[order]
        cdf = np.concatenate([[0.0], np.cumsum(fine_p[order])])
        shifted = ratio * coarse_err

        def tail(c):  # P(|ratio·ε_c − ε_f| > c) for each coarse outcome, ties weighted by tie_weight
            lo, hi = shifted - c, shifted + c
            below_strict = cdf[np.searchsorted(support, lo - _TIE, side="right")]
            below_tied = cdf[np.searchsorted(support, lo + _TIE, side="right")]
            above_strict = 1.0 - cdf[np.searchsorted(support, hi + _TIE, side="left")]
            above_tied = 1.0 - cdf[np.searchsorted(support, hi - _TIE, side="left")]
            return (below_strict + above_strict
                    + tie_weight * (below_tied - below_strict + above_tied - above_strict))

        if moment == 0:
            total += float(np.dot(coarse_p, tail(math.pi)))
        else:
            total += float(sum((2 * m - 1) * np.dot(coarse_p, tail((2 * m - 1) * math.pi))
                               for m in range(1, max_k + 1)))
    return total / phase_points


@functools.lru_cache(maxsize=256)
def _pooled_errors(copies: int, phase_points: int, contrast: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Estimation errors of one level and their probabilities, pooled over a uniform θ grid."""
    thetas = -math.pi + _TWO_PI * (np.arange(phase_points) + 0.5) / phase_points
    parts = [_estimate_distribution(copies, theta, contrast) for theta in thetas]
    errors = np.concatenate([e for e, _ in parts])
    probs = np.concatenate([p for _, p in parts]) / phase_points
    return errors, probs


def _histogram(values: np.ndarray, probs: np.ndarray, step: float, half_bins: int) -> np.ndarray:
    """Probability mass of ``values`` on bins of width ``step`` centred on ``k·step``, |k| ≤ half_bins."""
    index = np.clip(np.rint(values / step).astype(np.int64) + half_bins, 0, 2 * half_bins)
    return np.bincount(index, weights=probs, minlength=2 * half_bins + 1)


@functools.lru_cache(maxsize=256)
def _node_errors(qubits: int, prior: str, width: float, phase_points: int,
                 contrast: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Error of one node's level-0 estimate of ``φ_j`` (as used by the cascade), pooled over its prior.

    The estimate is the branch in ``[−π, π)`` (shrunk towards 0 by
    ``u/(u + 1/σ²)`` for a Gaussian prior), so an error that carries it across
    ±π counts as a ``2π`` jump, as in :func:`~qclock_circuits.network.cascade.network_phase_measurement`. A
    Gaussian prior is truncated to ``[−π, π)``: phases outside are phase slips.
    """
    if prior == "uniform":
        phases = -width + 2.0 * width * (np.arange(phase_points) + 0.5) / phase_points
        weights = np.full(phase_points, 1.0 / phase_points)
        shrink = 1.0
    else:
        reach = min(6.0 * width, math.pi)  # phases beyond ±π are phase slips, budgeted separately
        phases = -reach + 2.0 * reach * (np.arange(phase_points) + 0.5) / phase_points
        weights = np.exp(-0.5 * (phases / width) ** 2)
        weights /= weights.sum()
        shrink = qubits * contrast ** 2 / (qubits * contrast ** 2 + width ** -2)
    if qubits == 0:  # no level-0 qubits: the estimate is the prior mean
        return -phases, weights
    errors, probs = [], []
    for phase, weight in zip(phases, weights):
        err, prob = _estimate_distribution(qubits, float(phase), contrast)
        errors.append(shrink * wrap_phase(phase + err) - phase)
        probs.append(weight * prob)
    return np.concatenate(errors), np.concatenate(probs)


def level0_rounding_moments(uncorrelated, node_shares, first_copies: int, *, prior: str = "uniform",
                            prior_width: float = math.pi, bins_per_turn: int = 1024,
                            phase_points: int = 64, contrast: float = 1.0,
                            first_contrast: float = 1.0) -> tuple[float, float]:
    """``P(k₀ ≠ 0)`` and ``E[k₀²]`` of the first digit (``Y1``), read from level 0 with level 1.

    ``k₀ = round((C ε₀ − ε₁)/2π)`` with ``C ε₀ = Σ_j c_j ε_j`` the weighted sum
    of the node errors and ``ε₁`` the level-1 error. Each node's error is
    pooled over its prior (as in :func:`~qclock_circuits.network.cascade.simulate_cascade`: ``"uniform"`` on
    ``[−prior_width, prior_width)`` or ``"gaussian"`` of width
    ``prior_width``, rad, a scalar or one per node, truncated to ``[−π, π)`` so that phase slips are
    left out), including estimates that cross ±π; the level-1
    error is pooled over a uniform phase. The distributions are binned on
    ``bins_per_turn`` bins per 2π and convolved, treating the node phases and
    the level-1 phase as independent. ``contrast`` and ``first_contrast`` are
    the fringe visibilities of the level-0 qubits and of the level-1 GHZ
    states (dephasing, Kómár et al., Nature Physics 10, 582 (2014), eq. A39);
    a Gaussian prior's shrinkage uses ``u V²``, as the network clock loop does.

    Parameters
    ----------
    uncorrelated : sequence of int
        Level-0 qubits ``u_j ≥ 1`` of each node.
    node_shares : sequence of int
        Shares ``c_j`` of each node.
    first_copies : int
        Copies n_1 of level 1.
    prior : {"uniform", "gaussian"}, optional
        Prior of each node phase.
    prior_width : float or sequence of float, optional
        Half-range or standard deviation of the node phases (rad).
    bins_per_turn : int, optional
        Bins per 2π of the error distributions.
    phase_points : int, optional
        Points of the uniform phase grids.
    contrast : float, optional
        Fringe visibility of the level-0 qubits.
    first_contrast : float, optional
        Fringe visibility of the level-1 GHZ states.

    Returns
    -------
    p_error : float
        ``P(k₀ ≠ 0)``.
    k_squared : float
        ``E[k₀²]``.

    Raises
    ------
    QClockError
        If the lengths differ or a node has no level-0 qubit.
    """
    contrast = _check_contrast(contrast)
    first_contrast = _check_contrast(first_contrast, "first_contrast")
    uncorrelated = _check_int_tuple(uncorrelated, "uncorrelated", 0)
    node_shares = _check_int_tuple(node_shares, "node_shares", 1)
    if len(uncorrelated) != len(node_shares):
        raise QClockError(f"uncorrelated and node_shares must have the same length, got "
                          f"{len(uncorrelated)} and {len(node_shares)}")
    check_choice(prior, "prior", _PRIORS)
    widths = _node_widths(prior_width, len(node_shares))
    if prior == "uniform" and min(uncorrelated) == 0:
        raise QClockError(f"uncorrelated has nodes with 0 level-0 qubits ({list(uncorrelated)}); "
                          "they need a Gaussian prior (prior='gaussian')")
    from scipy.signal import fftconvolve

    step = _TWO_PI / bins_per_turn
    total_share = sum(node_shares)
    half = int(math.ceil((total_share * 3 + 1) * math.pi / step)) + 2
    density = None
    for qubits, share, width in zip(uncorrelated, node_shares, widths):
        errors, probs = _node_errors(qubits, prior, float(width), phase_points, contrast)
        node = _histogram(share * errors, probs, step, half)
        density = node if density is None else np.clip(fftconvolve(density, node)[half:3 * half + 1], 0, None)
    errors, probs = _pooled_errors(_check_int(first_copies, "first_copies", 1), phase_points, first_contrast)
    fine = _histogram(-errors, probs, step, half)
    density = np.clip(fftconvolve(density, fine)[half:3 * half + 1], 0, None)
    density /= density.sum()
    x = (np.arange(2 * half + 1) - half) * step
    k = np.rint(x / _TWO_PI)
    return float(density[k != 0].sum()), float(np.dot(density, k ** 2))
