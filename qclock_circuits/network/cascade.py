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

This module holds the measurement itself (:func:`network_phase_measurement`) and its Monte Carlo
(:func:`simulate_cascade`, :class:`CascadeSimulation`). The parts it is built from live in
:mod:`~qclock_circuits.network.cascade_allocation` (the qubits of each level and node),
:mod:`~qclock_circuits.network.cascade_level` (parities and the estimate of one level),
:mod:`~qclock_circuits.network.cascade_digits` (the digit extraction of eqs. A8–A10) and
:mod:`~qclock_circuits.network.cascade_errors` (exact projection and rounding errors); their public
names are re-exported here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from qclock_circuits._validation import QClockError, check_choice, check_finite, check_finite_array
from qclock_circuits._validation import check_int as _check_int
from qclock_circuits.clock.noise import make_rng
from qclock_circuits.network.cascade_allocation import CascadeAllocation, _node_widths, node_shares_for
from qclock_circuits.network.cascade_digits import combine_levels, digits_from_levels, phase_digits, phase_from_digits
from qclock_circuits.network.cascade_errors import (_PRIORS, exact_level_variance, exact_rounding_probability,
                                                    level0_rounding_moments)
from qclock_circuits.network.cascade_level import (_check_contrast, estimate_level_phase, parity_probabilities,
                                                   sample_parities, wrap_phase)

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


# ----------------------------------------------------------------------------- measurement
def _level_contrasts(level_contrast, levels: int) -> tuple[float, ...]:
    if level_contrast is None:
        return (1.0,) * levels
    if np.ndim(level_contrast) == 0:
        return (_check_contrast(float(level_contrast), "level_contrast"),) * levels
    values = check_finite_array(level_contrast, "level_contrast", ndim=1, length=levels)
    return tuple(_check_contrast(float(v), f"level_contrast[{i}]") for i, v in enumerate(values))


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
        (nodes with different qubit numbers: shares from
        :func:`~qclock_circuits.network.cascade_allocation.node_shares_for`).
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
