"""Cascaded GHZ phase estimation of the centre-of-mass phase of K clocks (Kómár et al., appendix A).

The network holds ``K`` local oscillators (LOs). During one interrogation of
length ``T`` the LO of node ``j`` accumulates the phase ``φ_j = (ω0 − ω_LO,j) T``
(CONVENTIONS.md; the paper writes ``Φ^(j) = ∫(ω^(j) − ω0) dt = −φ_j``, so its
GHZ phase ``χ + N'Φ`` is ``χ − N'φ`` here and its eq. A6 reads
``P(±) = (1 ± cos(θ − χ))/2`` with ``θ = N'φ``). The quantity estimated is the
weighted centre-of-mass phase

    Φ = Σ_j w_j φ_j,   w_j = c_j / C,   C = Σ_j c_j,                    (Kómár et al. eqs. 1, C1–C2)

where ``c_j`` is the number of qubits node ``j`` puts into each GHZ state of the
first cascade level (``c_j = 1`` for all ``j`` is the paper's equal network,
``C = K``).

The cascade (Kómár et al. Fig. 5, eq. A7, base ``D`` as in eq. A41):

* level 0: node ``j`` interrogates ``u_j`` uncorrelated qubits and estimates its
  own ``φ_j`` mod 2π; the weighted mean is the coarse estimate ``Φ_0``;
* level ``i = 1..M``: ``n_i`` copies of a GHZ state of ``C D^(i−1)`` qubits
  (``c_j D^(i−1)`` from node ``j``) accumulate ``θ_i = C D^(i−1) Φ``; a parity
  measurement (eq. A6) gives ``P(±) = (1 ± cos(θ_i − χ))/2``; half of the copies
  use ``χ = 0`` and half ``χ = π/2`` (both quadratures, as in the paper).

Each set of parities is turned into an estimate of ``θ_i`` mod 2π, the circular
posterior mean under a flat prior (a table over the two binomial counts, built
once per copy number; its mean square error is 1.2–1.5/n for n = 100–10 copies,
approaching the paper's Cramér–Rao value 1/n slowly),
and the levels are combined by the digit extraction of eqs. A9–A10: each level
fixes the next base-``D`` digit of ``(Φ + π)/2π`` by rounding. A wrong rounding
("rounding error", ``|Dε_{i−1} − ε_i| > π`` for level errors ``ε``) shifts the
estimate by ``2π/(C D^(i−1))``; a node phase outside ``[−π, π)`` ("phase slip",
eq. A27) shifts it by ``2π w_j`` and cannot be detected by the cascade.

All phases are in radians; all functions are vectorised over cycles.
"""

from __future__ import annotations

import functools
import math
import numbers
from dataclasses import dataclass

import numpy as np

from qclock_circuits._validation import QClockError, check_choice, check_finite, check_finite_array
from qclock_circuits._validation import check_int as _check_int
from qclock_circuits.clock.noise import make_rng

__all__ = [
    "CascadeAllocation",
    "CascadeSimulation",
    "node_shares_for",
    "wrap_phase",
    "parity_probabilities",
    "sample_parities",
    "estimate_level_phase",
    "combine_levels",
    "phase_digits",
    "digits_from_levels",
    "phase_from_digits",
    "network_phase_measurement",
    "simulate_cascade",
    "exact_level_variance",
    "exact_rounding_probability",
    "level0_rounding_moments",
]

_TWO_PI = 2.0 * math.pi
#: Phase grid of the posterior-mean tables.
_GRID = 4096
#: Above this many count pairs the moment (atan2) estimator replaces the table.
_TABLE_LIMIT = 40_000
#: Phase differences closer than this count as ties in the exact rounding probability.
_TIE = 1e-9
_PRIORS = ("uniform", "gaussian")


# ----------------------------------------------------------------------------- helpers
def wrap_phase(phase):
    """Wrap phases (rad) into ``[−π, π)``: the paper's ``x mod [−π, π] = (x + π) mod 2π − π``.

    Parameters
    ----------
    phase : float or array_like
        Phases (rad).

    Returns
    -------
    float or numpy.ndarray
        The wrapped phases (rad), shaped like ``phase``.
    """
    return np.mod(np.asarray(phase, dtype=float) + math.pi, _TWO_PI) - math.pi


def _check_int_tuple(values, name: str, minimum: int) -> tuple[int, ...]:
    if isinstance(values, (numbers.Integral, str)) or values is None:
        raise TypeError(f"{name} must be a sequence of integers >= {minimum}, got {values!r}")
    out = tuple(_check_int(v, f"{name}[{k}]", minimum) for k, v in enumerate(values))
    if not out:
        raise QClockError(f"{name} must not be empty, got {values!r}")
    return out


def _quadrature_split(copies: int) -> tuple[int, int]:
    """Copies measured with χ = 0 (cosine) and with χ = π/2 (sine): ceil and floor of half."""
    return (copies + 1) // 2, copies // 2


# ----------------------------------------------------------------------------- allocation
@dataclass(frozen=True)
class CascadeAllocation:
    """How the network's qubits are split over the levels of the cascade (Kómár et al. eq. A7, Fig. 5).

    Parameters
    ----------
    node_shares : tuple of int
        ``c_j ≥ 1``: qubits node ``j`` contributes to each GHZ state of level 1
        (it contributes ``c_j D^(i−1)`` to each GHZ state of level ``i``). Its
        length is the number of nodes ``K``; the weights of the centre of mass
        are ``w_j = c_j / Σc``. All ones is the paper's equal network.
    uncorrelated : tuple of int
        ``u_j ≥ 0``: uncorrelated level-0 qubits at node ``j`` (the paper's
        ``n1/K`` each). A node with ``u_j = 0`` relies on prior knowledge of its
        phase (see ``node_phase_width`` of :func:`network_phase_measurement`).
    copies : tuple of int
        ``n_i ≥ 1`` for levels ``i = 1..M``: number of independent GHZ copies
        (the paper's ``n0`` on every level). Half are read in each quadrature.
    base : int
        ``D ≥ 2``: factor by which the GHZ size grows from one level to the next
        (the paper's 2, or ``D`` of eq. A41).
    available_qubits : int or None
        ``N``: qubits the network has; if given, ``total_qubits ≤ N`` is checked.

    Raises
    ------
    TypeError
        If a count sequence is not a sequence of integers.
    QClockError
        If a count is out of range, a sequence is empty, ``uncorrelated`` does not
        have one entry per node, or the allocation needs more than
        ``available_qubits``.
    """

    node_shares: tuple[int, ...]
    uncorrelated: tuple[int, ...]
    copies: tuple[int, ...]
    base: int = 2
    available_qubits: int | None = None

    def __post_init__(self) -> None:
        shares = _check_int_tuple(self.node_shares, "node_shares", 1)
        uncorrelated = _check_int_tuple(self.uncorrelated, "uncorrelated", 0)
        copies = _check_int_tuple(self.copies, "copies", 1)
        if len(uncorrelated) != len(shares):
            raise QClockError(f"uncorrelated must have one entry per node ({len(shares)} nodes from "
                              f"node_shares), got {len(uncorrelated)} entries")
        base = _check_int(self.base, "base", 2)
        object.__setattr__(self, "node_shares", shares)
        object.__setattr__(self, "uncorrelated", uncorrelated)
        object.__setattr__(self, "copies", copies)
        object.__setattr__(self, "base", base)
        if self.available_qubits is not None:
            available = _check_int(self.available_qubits, "available_qubits", 1)
            object.__setattr__(self, "available_qubits", available)
            if self.total_qubits > available:
                raise QClockError(
                    f"the allocation needs {self.total_qubits} qubits (level 0: {self.qubits_per_level[0]}, "
                    f"levels 1..{self.levels}: {list(self.qubits_per_level[1:])}) but available_qubits is "
                    f"{available}; reduce copies, levels or uncorrelated")

    # -- constructors
    @classmethod
    def uniform(cls, nodes: int, levels: int, copies: int, uncorrelated_per_node: int, *,
                base: int = 2, available_qubits: int | None = None) -> "CascadeAllocation":
        """The paper's allocation: ``K`` equal nodes, ``n0`` copies on ``M`` levels, ``n1/K`` qubits per node.

        Kómár et al., Nature Physics 10, 582 (2014), eq. (A7).

        Parameters
        ----------
        nodes : int
            Number of clocks K (≥ 1), each with share ``c_j = 1``.
        levels : int
            Number of GHZ levels M (≥ 1).
        copies : int
            GHZ copies n0 per level (≥ 1).
        uncorrelated_per_node : int
            Uncorrelated level-0 qubits per node (≥ 0).
        base : int, optional
            ``D ≥ 2``, the growth of the GHZ size per level.
        available_qubits : int or None, optional
            Qubits the network has; checked against the total if given.

        Returns
        -------
        CascadeAllocation
            The allocation.

        Raises
        ------
        QClockError
            If a count is out of range or the allocation needs more than
            ``available_qubits``.
        """
        nodes = _check_int(nodes, "nodes", 1)
        levels = _check_int(levels, "levels", 1)
        copies = _check_int(copies, "copies", 1)
        uncorrelated_per_node = _check_int(uncorrelated_per_node, "uncorrelated_per_node", 0)
        return cls((1,) * nodes, (uncorrelated_per_node,) * nodes, (copies,) * levels, base, available_qubits)

    # -- derived numbers
    @property
    def nodes(self) -> int:
        """Number of clocks ``K``."""
        return len(self.node_shares)

    @property
    def levels(self) -> int:
        """Number of entangled levels ``M``."""
        return len(self.copies)

    @property
    def shares_total(self) -> int:
        """``C = Σ c_j``: size of a level-1 GHZ state (``K`` for equal nodes)."""
        return int(sum(self.node_shares))

    @property
    def weights(self) -> np.ndarray:
        """Centre-of-mass weights ``w_j = c_j / C`` (Kómár et al. eq. C2)."""
        return np.asarray(self.node_shares, dtype=float) / self.shares_total

    @property
    def ghz_sizes(self) -> tuple[int, ...]:
        """Qubits per GHZ state on levels ``1..M``: ``C D^(i−1)``."""
        return tuple(self.shares_total * self.base ** i for i in range(self.levels))

    @property
    def qubits_per_level(self) -> tuple[int, ...]:
        """Qubits used on level 0 (``Σ u_j``) and on levels ``1..M`` (``n_i C D^(i−1)``)."""
        return (int(sum(self.uncorrelated)),) + tuple(n * s for n, s in zip(self.copies, self.ghz_sizes))

    @property
    def node_qubits(self) -> tuple[int, ...]:
        """Qubits used at each node: ``u_j + c_j Σ_i n_i D^(i−1)``."""
        per_share = sum(n * self.base ** i for i, n in enumerate(self.copies))
        return tuple(u + c * per_share for u, c in zip(self.uncorrelated, self.node_shares))

    @property
    def total_qubits(self) -> int:
        """Total qubits ``N = Σ u_j + Σ_i n_i C D^(i−1)`` (Kómár et al. eq. A7)."""
        return int(sum(self.qubits_per_level))

    def to_dict(self) -> dict:
        """Plain JSON-compatible data.

        Returns
        -------
        dict
            The object's data (JSON types only); :meth:`from_dict` reads it back.
        """
        return {"node_shares": list(self.node_shares), "uncorrelated": list(self.uncorrelated),
                "copies": list(self.copies), "base": self.base, "available_qubits": self.available_qubits}

    @classmethod
    def from_dict(cls, data: dict) -> "CascadeAllocation":
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            A dictionary as written by :meth:`to_dict`.

        Returns
        -------
        CascadeAllocation
            The reconstructed object.
        """
        return cls(tuple(data["node_shares"]), tuple(data["uncorrelated"]), tuple(data["copies"]),
                   int(data.get("base", 2)), data.get("available_qubits"))


def node_shares_for(node_qubits) -> tuple[int, ...]:
    """Node shares ``c_j`` for nodes with ``N_j`` qubits: ``round(N_j / min N)``, divided by their gcd.

    Each node then puts qubits into every GHZ state in (nearly) the proportion
    of its resources, and the network measures the weighted centre of mass
    ``Σ N'_j φ_j / Σ N'_j`` of Kómár et al. eqs. C1–C2 (``N'_j ∝ c_j``). Pass the result
    as ``node_shares`` to :func:`~qclock_circuits.network.cascade_budget.optimal_copies`.

    Parameters
    ----------
    node_qubits : sequence of int
        Qubits ``N_j ≥ 1`` of each node.

    Returns
    -------
    tuple of int
        The shares ``c_j ≥ 1``, one per node, with gcd 1.
    """
    qubits = _check_int_tuple(node_qubits, "node_qubits", 1)
    smallest = min(qubits)
    shares = [max(1, round(q / smallest)) for q in qubits]
    divisor = math.gcd(*shares)
    return tuple(c // divisor for c in shares)


# ----------------------------------------------------------------------------- one level
def _check_contrast(contrast, name: str = "contrast") -> float:
    contrast = check_finite(contrast, name)
    if not 0.0 < contrast <= 1.0:
        raise QClockError(f"{name} must be in (0, 1] (parity fringe visibility), got {contrast}")
    return contrast


def parity_probabilities(level_phase, contrast: float = 1.0):
    """Probability of parity +1 in the two quadratures (Kómár et al. eq. A6).

    Parameters
    ----------
    level_phase : array_like
        ``θ`` (rad), the phase accumulated by a GHZ state (``C D^(i−1) Φ``) or
        by one uncorrelated qubit (``φ_j``).
    contrast : float
        Fringe visibility ``V`` in (0, 1]: 1 for an ideal GHZ state; below 1
        for imperfectly distributed states (e.g. the predicted parity contrast
        of Werner links) or dephasing.

    Returns
    -------
    (p_cos, p_sin) : arrays
        ``(1 + V cos θ)/2`` for ``χ = 0`` and ``(1 + V sin θ)/2`` for ``χ = π/2``.
    """
    theta = np.asarray(level_phase, dtype=float)
    contrast = _check_contrast(contrast)
    return 0.5 * (1.0 + contrast * np.cos(theta)), 0.5 * (1.0 + contrast * np.sin(theta))


def sample_parities(level_phase, copies: int, rng, contrast: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Numbers of parity +1 outcomes among the cosine and the sine copies.

    ``copies`` GHZ states (or uncorrelated qubits) are split as
    ``ceil(n/2)`` cosine and ``floor(n/2)`` sine copies; the counts are
    binomial with the probabilities of :func:`parity_probabilities`.

    Parameters
    ----------
    level_phase : float or array_like
        Phase θ of the level (rad), one per cycle.
    copies : int
        Number n of copies read on the level.
    rng : numpy.random.Generator
        Source of the binomial draws.
    contrast : float, optional
        Parity fringe visibility V in (0, 1].

    Returns
    -------
    cos_counts, sin_counts : numpy.ndarray of int
        Parity +1 counts among the ``ceil(n/2)`` cosine and ``floor(n/2)``
        sine copies, shaped like ``level_phase``.
    """
    n_cos, n_sin = _quadrature_split(copies)
    p_cos, p_sin = parity_probabilities(level_phase, contrast)
    p_cos = np.clip(p_cos, 0.0, 1.0)
    p_sin = np.clip(p_sin, 0.0, 1.0)
    return rng.binomial(n_cos, p_cos), rng.binomial(n_sin, p_sin)


@functools.lru_cache(maxsize=256)
def _estimate_table(n_cos: int, n_sin: int, contrast: float, points: int = _GRID) -> np.ndarray:
    """Phase estimate in ``[−π, π)`` for every count pair, shape ``(n_cos+1, n_sin+1)``.

    The estimate is the circular posterior mean under a flat prior,
    ``arg ∫ e^{iθ} L(θ) dθ`` with the likelihood
    ``L = (1+V cos θ)^{k_c} (1−V cos θ)^{n_c−k_c} (1+V sin θ)^{k_s} (1−V sin θ)^{n_s−k_s}``,
    integrated on ``points`` (default 4096) equally spaced phases, exact for
    these trigonometric polynomials while their degree ``n_c + n_s + 1`` is
    below ``points``.
    """
    grid = -math.pi + _TWO_PI * np.arange(points) / points
    tiny = 1e-300
    cos, sin = contrast * np.cos(grid), contrast * np.sin(grid)
    logs = np.stack([np.log(np.maximum(1 + cos, tiny)), np.log(np.maximum(1 - cos, tiny)),
                     np.log(np.maximum(1 + sin, tiny)), np.log(np.maximum(1 - sin, tiny))])
    kc, ks = np.meshgrid(np.arange(n_cos + 1), np.arange(n_sin + 1), indexing="ij")
    counts = np.stack([kc.ravel(), n_cos - kc.ravel(), ks.ravel(), n_sin - ks.ravel()], axis=1).astype(float)
    phasor = np.exp(1j * grid)
    table = np.empty(counts.shape[0])
    for start in range(0, counts.shape[0], 512):
        loglik = counts[start:start + 512] @ logs
        loglik -= loglik.max(axis=1, keepdims=True)
        table[start:start + 512] = np.angle(np.exp(loglik) @ phasor)
    table = wrap_phase(table)
    table.setflags(write=False)
    return table.reshape(n_cos + 1, n_sin + 1)


def estimate_level_phase(cos_counts, sin_counts, copies: int, contrast: float = 1.0):
    """Estimate ``θ`` mod 2π (rad, in ``[−π, π)``) from the parity counts of one level.

    Circular posterior mean under a flat prior for the fringe visibility
    ``contrast`` (table lookup, built once per copy number and contrast) for
    up to 40 000 count pairs; above that the moment estimator
    ``atan2(2k_s/n_s − 1, 2k_c/n_c − 1)`` (independent of the contrast), whose
    variance is ``(2/n)(cos⁴θ + sin⁴θ)`` for ``V = 1`` instead of the efficient ``1/n``.

    Parameters
    ----------
    cos_counts, sin_counts : array_like of int
        Parity +1 counts of the cosine and sine copies (:func:`sample_parities`).
    copies : int
        Number n of copies of the level.
    contrast : float, optional
        Parity fringe visibility V in (0, 1].

    Returns
    -------
    numpy.ndarray
        Estimates of θ (rad, in ``[−π, π)``), shaped like the counts.
    """
    copies = _check_int(copies, "copies", 1)
    contrast = _check_contrast(contrast)
    n_cos, n_sin = _quadrature_split(copies)
    kc = np.asarray(cos_counts)
    ks = np.asarray(sin_counts)
    if (n_cos + 1) * (n_sin + 1) <= _TABLE_LIMIT:
        return _estimate_table(n_cos, n_sin, contrast)[kc, ks]
    return wrap_phase(np.arctan2(2.0 * ks / n_sin - 1.0, 2.0 * kc / n_cos - 1.0))


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
    ±π counts as a ``2π`` jump, as in :func:`network_phase_measurement`. A
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
    pooled over its prior (as in :func:`simulate_cascade`: ``"uniform"`` on
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


# ----------------------------------------------------------------------------- digits
def _level_readings(level_phases, shares_total: int, base: int):
    """``r_i = frac((θ_i + C D^(i−1) π)/2π)``: level readings of ``(Φ + π)/2π`` scaled by the GHZ size."""
    theta = np.asarray(level_phases, dtype=float)
    sizes = shares_total * base ** np.arange(theta.shape[-1], dtype=float)
    return np.mod((theta + sizes * math.pi) / _TWO_PI, 1.0)


def phase_digits(com_phase, shares_total: int, levels: int, base: int = 2):
    """Digits of ``Φ mod [−π, π)`` in the mixed radix of the cascade (Kómár et al. eq. A8, base ``D``).

    ``Φ mod [−π, π) = (2π/C)[Y1 + Σ_{i≥1} Z_{i+1} D^(−i)] − π`` with
    ``Y1 ∈ {0..C−1}`` and ``Z_i ∈ {0..D−1}``.

    Parameters
    ----------
    com_phase : float or array_like
        Centre-of-mass phase Φ (rad).
    shares_total : int
        ``C = Σ_j c_j``, the size of a level-1 GHZ state.
    levels : int
        Number of levels M (≥ 1).
    base : int, optional
        ``D ≥ 2``, the growth factor of the GHZ size per level.

    Returns
    -------
    (y1, z) : int arrays
        ``y1`` with the shape of ``com_phase``; ``z[..., i−2]`` is ``Z_i`` for
        ``i = 2..levels``.
    """
    shares_total = _check_int(shares_total, "shares_total", 1)
    levels = _check_int(levels, "levels", 1)
    base = _check_int(base, "base", 2)
    u = (wrap_phase(com_phase) + math.pi) / _TWO_PI
    scaled = u * shares_total
    y1 = np.floor(scaled).astype(np.int64)
    frac = scaled - y1
    digits = []
    for _ in range(levels - 1):
        frac = frac * base
        digit = np.floor(frac).astype(np.int64)
        digits.append(digit)
        frac = frac - digit
    z = np.stack(digits, axis=-1) if digits else np.zeros(np.shape(y1) + (0,), dtype=np.int64)
    return y1, z


def digits_from_levels(coarse_phase, level_phases, shares_total: int, base: int = 2):
    """Digits ``Y1, Z_2..Z_M`` from the level estimates (Kómár et al. eqs. A9–A10, general ``C`` and ``D``).

    ``Y1 = round(C r_0 − r_1)`` and ``Z_{i+1} = round(D r_i − r_{i+1})`` with
    ``r_0 = (Φ_0 + π)/2π`` and ``r_i`` the reading of level ``i``
    (``θ_i = C D^(i−1) Φ`` mod 2π, offset by ``C D^(i−1) π`` so that the formulas
    hold for even ``C`` too; for odd ``K`` these are the paper's A9–A10). With
    noisy readings a rounded digit can come out as −1 or ``D``; it is carried
    into the digit above, so the digits always satisfy ``0 ≤ Y1 < C``,
    ``0 ≤ Z_i < D`` and rebuild the same phase as :func:`combine_levels`.

    Parameters
    ----------
    coarse_phase : array_like
        ``Φ_0`` (rad), the level-0 estimate.
    level_phases : array_like, shape (..., M)
        Estimates of ``θ_1..θ_M`` (rad, any branch).
    shares_total : int
        ``C = Σ_j c_j``, the size of a level-1 GHZ state.
    base : int, optional
        ``D ≥ 2``, the growth factor of the GHZ size per level.

    Returns
    -------
    y1 : numpy.ndarray of int
        ``Y1 ∈ {0..C−1}``, shaped like ``coarse_phase``.
    z : numpy.ndarray of int, shape (..., M − 1)
        ``Z_2..Z_M ∈ {0..D−1}``.
    """
    shares_total = _check_int(shares_total, "shares_total", 1)
    base = _check_int(base, "base", 2)
    readings = _level_readings(level_phases, shares_total, base)
    r0 = (np.asarray(coarse_phase, dtype=float) + math.pi) / _TWO_PI
    first = np.rint(shares_total * r0 - readings[..., 0]).astype(np.int64)
    steps = np.rint(base * readings[..., :-1] - readings[..., 1:]).astype(np.int64)
    # a rounded value of −1 or D borrows from / carries into the digit above: normalise the
    # whole branch index Y1 D^(M−1) + Z_2 D^(M−2) + … + Z_M modulo C D^(M−1)
    levels = readings.shape[-1]
    index = first
    for k in range(levels - 1):
        index = index * base + steps[..., k]
    index = np.mod(index, shares_total * base ** (levels - 1))
    digits = []
    for _ in range(levels - 1):
        digits.append(np.mod(index, base))
        index = index // base
    z = np.stack(digits[::-1], axis=-1) if digits else np.zeros(np.shape(first) + (0,), dtype=np.int64)
    return index, z


def phase_from_digits(y1, z, last_level_phase, shares_total: int, base: int = 2):
    """Rebuild ``Φ`` in ``[−π, π)`` from ``Y1``, ``Z_2..Z_M`` and the finest level ``θ_M`` (Kómár et al. eq. A8).

    The finest level supplies the remaining fraction ``r_M``:
    ``(Φ + π)/2π = (Y1 + (Z_2 + (… + (Z_M + r_M)/D …)/D)/C``.

    Parameters
    ----------
    y1 : array_like of int
        First digit ``Y1``.
    z : array_like of int, shape (..., M − 1)
        Digits ``Z_2..Z_M``.
    last_level_phase : array_like
        Estimate of ``θ_M`` (rad).
    shares_total : int
        ``C = Σ_j c_j``, the size of a level-1 GHZ state.
    base : int, optional
        ``D ≥ 2``, the growth factor of the GHZ size per level.

    Returns
    -------
    numpy.ndarray
        Φ (rad, in ``[−π, π)``), shaped like ``y1``.
    """
    z = np.asarray(z)
    finest = shares_total * base ** z.shape[-1]
    fraction = np.mod((np.asarray(last_level_phase, dtype=float) + finest * math.pi) / _TWO_PI, 1.0)
    for k in range(z.shape[-1] - 1, -1, -1):
        fraction = (z[..., k] + fraction) / base
    u = (np.asarray(y1) + fraction) / shares_total
    return _TWO_PI * u - math.pi


def combine_levels(coarse_phase, level_phases, shares_total: int, base: int = 2):
    """Combine the level-0 estimate and the level estimates into ``Φ̂`` (rad).

    Sequential form of the digit extraction: after level ``i`` the estimate is
    the branch of ``θ̂_i / (C D^(i−1))`` closest to the previous estimate,

        Φ̂_i = Φ̂_{i−1} + wrap(θ̂_i − C D^(i−1) Φ̂_{i−1}) / (C D^(i−1)),

    which picks the same digits as eqs. A9–A10 (:func:`digits_from_levels`)
    but is not folded into ``[−π, π)``: a phase slip of a node (``φ_j`` outside
    ``[−π, π)``) stays visible as an error ``2π w_j``.

    Parameters
    ----------
    coarse_phase : array_like, shape (...)
        ``Φ̂_0`` (rad).
    level_phases : array_like, shape (..., M)
        ``θ̂_1..θ̂_M`` (rad).
    shares_total : int
        ``C = Σ_j c_j``, the size of a level-1 GHZ state.
    base : int, optional
        ``D ≥ 2``, the growth factor of the GHZ size per level.

    Returns
    -------
    numpy.ndarray, shape (...)
        ``Φ̂`` (rad), not wrapped.
    """
    shares_total = _check_int(shares_total, "shares_total", 1)
    base = _check_int(base, "base", 2)
    estimate = np.array(coarse_phase, dtype=float)
    theta = np.asarray(level_phases, dtype=float)
    size = float(shares_total)
    for i in range(theta.shape[-1]):
        estimate = estimate + wrap_phase(theta[..., i] - size * estimate) / size
        size *= base
    return estimate


# ----------------------------------------------------------------------------- measurement
def _level_contrasts(level_contrast, levels: int) -> tuple[float, ...]:
    if level_contrast is None:
        return (1.0,) * levels
    if np.ndim(level_contrast) == 0:
        return (_check_contrast(float(level_contrast), "level_contrast"),) * levels
    values = check_finite_array(level_contrast, "level_contrast", ndim=1, length=levels)
    return tuple(_check_contrast(float(v), f"level_contrast[{i}]") for i, v in enumerate(values))


def _node_widths(node_phase_width, nodes: int) -> np.ndarray | None:
    if node_phase_width is None:
        return None
    if np.ndim(node_phase_width) == 0:
        width = np.full(nodes, check_finite(float(node_phase_width), "node_phase_width"))
    else:
        width = check_finite_array(node_phase_width, "node_phase_width", ndim=1, length=nodes)
    if np.any(width <= 0):
        raise QClockError(f"node_phase_width must be > 0 rad (or None for a flat prior), got {width.min()}")
    return width


def network_phase_measurement(node_phases, allocation: CascadeAllocation, seed=None, *,
                              node_phase_width=None, level_contrast=None, return_levels: bool = False):
    """One cascaded GHZ measurement of the weighted centre-of-mass phase, for many cycles at once.

    Parameters
    ----------
    node_phases : array_like, shape (K,) or (cycles, K)
        ``φ_j`` (rad) accumulated by each node's LO during the interrogation
        (``(ω0 − ω_LO,j) T``).
    allocation : CascadeAllocation
        Levels, copies and node shares; the weights ``w_j = c_j/C`` define ``Φ``
        (nodes with different qubit numbers: shares from :func:`node_shares_for`).
    seed : None, int, SeedSequence or Generator
        Randomness of the parity outcomes.
    node_phase_width : None, float or array of K floats
        Gaussian prior width (rad) of each ``φ_j`` known before the measurement
        (from the previous cycle or the LO noise, Kómár et al. §A5). Level 0 then uses
        the posterior mean ``u_j φ̂_j / (u_j + 1/σ_j²)`` (shrinkage towards 0);
        required for nodes without uncorrelated qubits. ``None``: flat prior.
    level_contrast : None, float or sequence of M floats
        Parity fringe visibility ``V_i`` in (0, 1] of the GHZ states of each
        level (e.g. from imperfect entanglement distribution); sampled and
        assumed by the estimator. ``None``: ideal states, ``V = 1``.
    return_levels : bool
        Also return the raw level data.

    Returns
    -------
    estimate : ndarray, shape () or (cycles,)
        ``Φ̂`` (rad).
    levels : dict, only with ``return_levels``
        ``"node_estimates"`` (cycles, K) level-0 phases, ``"level_phases"``
        (cycles, M) estimates of ``θ_i``, ``"cos_counts"``/``"sin_counts"``
        (cycles, M) parity +1 counts of the two quadratures.

    Raises
    ------
    TypeError
        If ``allocation`` is not a CascadeAllocation.
    QClockError
        If ``node_phases`` does not have K columns, or a node has no level-0 qubit
        and no ``node_phase_width`` is given.
    """
    if not isinstance(allocation, CascadeAllocation):
        raise TypeError(f"allocation must be a CascadeAllocation, got {type(allocation).__name__}")
    phases = check_finite_array(node_phases, "node_phases")
    single = phases.ndim == 1
    phases = np.atleast_2d(phases)
    if phases.ndim != 2 or phases.shape[1] != allocation.nodes:
        raise QClockError(f"node_phases must have shape (K,) or (cycles, K) with K = {allocation.nodes}, "
                          f"got shape {np.shape(node_phases)}")
    widths = _node_widths(node_phase_width, allocation.nodes)
    if widths is None and min(allocation.uncorrelated) == 0:
        raise QClockError(f"uncorrelated has nodes with 0 level-0 qubits ({list(allocation.uncorrelated)}); "
                          "give node_phase_width (rad) so that their phase comes from the prior")
    contrasts = _level_contrasts(level_contrast, allocation.levels)
    rng = make_rng(seed)
    cycles = phases.shape[0]

    # level 0: each node estimates its own phase mod 2π
    node_estimates = np.zeros((cycles, allocation.nodes))
    for j, qubits in enumerate(allocation.uncorrelated):
        if qubits == 0:
            continue
        kc, ks = sample_parities(phases[:, j], qubits, rng)
        node_estimates[:, j] = estimate_level_phase(kc, ks, qubits)
        if widths is not None:
            node_estimates[:, j] *= qubits / (qubits + widths[j] ** -2)
    coarse = node_estimates @ allocation.weights

    # levels 1..M: GHZ parities at θ_i = D^(i−1) Σ c_j φ_j
    com = phases @ allocation.weights
    level_phases = np.empty((cycles, allocation.levels))
    cos_counts = np.empty((cycles, allocation.levels), dtype=np.int64)
    sin_counts = np.empty_like(cos_counts)
    for i, (copies, size, contrast) in enumerate(zip(allocation.copies, allocation.ghz_sizes, contrasts)):
        kc, ks = sample_parities(size * com, copies, rng, contrast)
        cos_counts[:, i], sin_counts[:, i] = kc, ks
        level_phases[:, i] = estimate_level_phase(kc, ks, copies, contrast)
    estimate = combine_levels(coarse, level_phases, allocation.shares_total, allocation.base)
    if single:
        estimate = estimate[0]
    if not return_levels:
        return estimate
    data = {"node_estimates": node_estimates, "level_phases": level_phases,
            "cos_counts": cos_counts, "sin_counts": sin_counts}
    if single:
        data = {key: value[0] for key, value in data.items()}
    return estimate, data


# ----------------------------------------------------------------------------- Monte Carlo
@dataclass(frozen=True)
class CascadeSimulation:
    """Monte Carlo result of the cascade (all phases in rad, variances in rad²).

    Parameters
    ----------
    mse, standard_error : float
        Mean square error of ``Φ̂ − Φ`` and its standard error (sample std / √cycles).
    cycles : int
        Number of simulated cycles.
    rounding_rates : tuple of float
        Fraction of cycles whose digit from level ``i = 0..M−1`` was wrong
        (the combined estimate after level ``i+1`` is off by at least half a branch).
    slip_rate : float
        Fraction of cycles with at least one node phase outside ``[−π, π)``.
    projection_mse : float
        MSE over the cycles with neither a rounding error nor a slip.
    """

    mse: float
    standard_error: float
    cycles: int
    rounding_rates: tuple[float, ...]
    slip_rate: float
    projection_mse: float

    def to_dict(self) -> dict:
        """Plain JSON-compatible data.

        Returns
        -------
        dict
            The object's data (JSON types only); :meth:`from_dict` reads it back.
        """
        return {"mse": self.mse, "standard_error": self.standard_error, "cycles": self.cycles,
                "rounding_rates": list(self.rounding_rates), "slip_rate": self.slip_rate,
                "projection_mse": self.projection_mse}

    @classmethod
    def from_dict(cls, data: dict) -> "CascadeSimulation":
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            A dictionary as written by :meth:`to_dict`.

        Returns
        -------
        CascadeSimulation
            The reconstructed object.
        """
        return cls(float(data["mse"]), float(data["standard_error"]), int(data["cycles"]),
                   tuple(float(r) for r in data["rounding_rates"]), float(data["slip_rate"]),
                   float(data["projection_mse"]))


def simulate_cascade(allocation: CascadeAllocation, cycles: int, *, prior: str = "uniform",
                     prior_width: float = math.pi, level_contrast=None, seed=None,
                     chunk: int = 200_000) -> CascadeSimulation:
    """Monte Carlo of the cascaded estimation: MSE of ``Φ̂`` with its standard error.

    Parameters
    ----------
    allocation : CascadeAllocation
        How the qubits are split over the levels.
    cycles : int
        Independent measurements.
    prior : {"uniform", "gaussian"}
        Distribution of each node phase ``φ_j``: uniform on
        ``[−prior_width, prior_width)`` (the estimator uses a flat prior), or
        Gaussian with standard deviation ``prior_width`` (rad; e.g.
        ``√(γ_LO T)`` for white LO frequency noise, Kómár et al. eq. A27), which the
        estimator also uses as ``node_phase_width``. With a uniform prior
        reaching ±π, a node estimate near ±π can land on the other branch
        (an error ``2π w_j``, counted as a level-0 digit error) with a
        probability that falls only like ``u_j^{−1/2}``; the paper's analysis
        assumes node phases well inside ``(−π, π)``.
    prior_width : float
        Half-range or standard deviation (rad), > 0.
    level_contrast : None, float or sequence of M floats
        Parity visibility of each level (see :func:`network_phase_measurement`).
    seed : None, int, SeedSequence or Generator
        Source of randomness.
    chunk : int
        Cycles per vectorised batch (bounds memory).

    Returns
    -------
    CascadeSimulation
        MSE of ``Φ̂`` (rad²) with its standard error, the rounding-error rate
        of each level, the phase-slip rate and the projection-noise MSE.

    Raises
    ------
    TypeError
        If ``allocation`` is not a CascadeAllocation.
    QClockError
        If ``prior_width`` is not > 0 or ``prior`` is unknown.
    """
    if not isinstance(allocation, CascadeAllocation):
        raise TypeError(f"allocation must be a CascadeAllocation, got {type(allocation).__name__}")
    cycles = _check_int(cycles, "cycles", 2)
    check_choice(prior, "prior", _PRIORS)
    prior_width = check_finite(prior_width, "prior_width")
    if prior_width <= 0:
        raise QClockError(f"prior_width must be > 0 rad, got {prior_width}")
    chunk = _check_int(chunk, "chunk", 1)
    rng = make_rng(seed)
    weights = allocation.weights
    width = prior_width if prior == "gaussian" else None
    sq_sum = 0.0
    sq_sq_sum = 0.0
    clean_sum = 0.0
    clean_count = 0
    slips = 0
    rounding = np.zeros(allocation.levels)
    done = 0
    while done < cycles:
        batch = min(chunk, cycles - done)
        if prior == "gaussian":
            phases = prior_width * rng.standard_normal((batch, allocation.nodes))
        else:
            phases = rng.uniform(-prior_width, prior_width, (batch, allocation.nodes))
        estimate, data = network_phase_measurement(phases, allocation, rng, node_phase_width=width,
                                                   level_contrast=level_contrast, return_levels=True)
        com = phases @ weights
        error = estimate - com
        sq = error ** 2
        sq_sum += float(sq.sum())
        sq_sq_sum += float((sq ** 2).sum())
        slipped = np.any(np.abs(wrap_phase(phases) - phases) > 1e-12, axis=1)
        slips += int(slipped.sum())
        # a wrong digit at level i−1 leaves the estimate after level i off by ≥ half a branch
        wrong = np.zeros(batch, dtype=bool)
        partial = data["node_estimates"] @ weights
        size = float(allocation.shares_total)
        for i in range(allocation.levels):
            partial = partial + wrap_phase(data["level_phases"][:, i] - size * partial) / size
            branch_error = np.abs(np.rint((partial - com) * size / _TWO_PI)) > 0
            new = branch_error & ~wrong & ~slipped
            rounding[i] += int(new.sum())
            wrong |= branch_error
            size *= allocation.base
        clean = ~wrong & ~slipped
        clean_sum += float(sq[clean].sum())
        clean_count += int(clean.sum())
        done += batch
    mse = sq_sum / cycles
    variance = max(sq_sq_sum / cycles - mse ** 2, 0.0)
    return CascadeSimulation(mse=mse, standard_error=math.sqrt(variance / cycles), cycles=cycles,
                             rounding_rates=tuple(float(r) / cycles for r in rounding),
                             slip_rate=slips / cycles,
                             projection_mse=clean_sum / clean_count if clean_count else float("nan"))
