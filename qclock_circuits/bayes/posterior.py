"""From outcome counts to a posterior over the phase (seed 004 eq. 2), in the log domain.

``log P(φ|data) = log P(φ) + Σ_x n_x log P(x|φ) + const`` is evaluated on a
uniform phase grid that is refined around the posterior's support until the
posterior is resolved, so that a thousand shots or a prior of width 1e-9 rad
neither underflows nor returns NaN. Counts may be given as ``{outcome: n}``,
as an array aligned with ``protocol.outcomes``, or as anything the circuits
readout map accepts (a SamplerV2 ``BitArray``, ``{bitstring: n}``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import QClockError
from .priors import GaussianPrior, GridPrior, UniformGridDensity

__all__ = ["Posterior", "posterior", "outcome_count_vector"]

_LOG_FLOOR = -60.0  # posterior mass below e^-60 of the peak is treated as zero support
_MAX_POINTS = 400_000


def outcome_count_vector(protocol, counts) -> np.ndarray:
    """Counts as an int array aligned with ``protocol.outcomes``.

    Accepts ``{outcome value: n}``, an array of length ``len(outcomes)``,
    ``{bitstring: n}`` or a Qiskit ``BitArray``/SamplerV2 pub result.
    """
    outcomes = np.asarray(protocol.outcomes, dtype=float)
    if isinstance(counts, dict) and counts and all(isinstance(k, str) for k in counts):
        from ..circuits import outcome_counts

        return np.asarray(outcome_counts(protocol, counts), dtype=np.int64)
    if isinstance(counts, dict):
        vector = np.zeros(outcomes.shape[0], dtype=np.int64)
        for value, number in counts.items():
            try:
                value = float(value)
            except (TypeError, ValueError) as exc:
                raise QClockError(f"counts keys must be outcome values or bitstrings, got {value!r}") from exc
            matches = np.flatnonzero(np.isclose(outcomes, value, atol=1e-9))
            if matches.size == 0:
                raise QClockError(f"counts contain the outcome {value:g}, which {protocol.name} cannot produce; "
                                  f"allowed outcomes: {np.array2string(outcomes, precision=4)}")
            if not np.isfinite(number) or number < 0 or int(number) != number:
                raise QClockError(f"counts must be non-negative integers, got {number!r} for outcome {value:g}")
            vector[matches[0]] += int(number)
        return vector
    if isinstance(counts, (list, tuple, np.ndarray)):
        vector = np.asarray(counts)
        if vector.ndim != 1 or vector.shape[0] != outcomes.shape[0]:
            raise QClockError(f"counts as an array must have length {outcomes.shape[0]} (one per outcome of "
                              f"{protocol.name}), got shape {vector.shape}")
        if np.any(vector < 0) or np.any(np.asarray(vector, dtype=float) % 1 != 0):
            raise QClockError("counts must be non-negative integers")
        return vector.astype(np.int64)
    from ..circuits import outcome_counts  # BitArray or a SamplerV2 pub result

    return np.asarray(outcome_counts(protocol, counts), dtype=np.int64)


def _log_likelihood(protocol, counts: np.ndarray, phi: np.ndarray) -> np.ndarray:
    observed = np.flatnonzero(counts)
    total = np.zeros(phi.shape[0])
    for start in range(0, phi.shape[0], 8192):
        block = protocol.probabilities(phi[start:start + 8192])[:, observed]
        with np.errstate(divide="ignore"):
            total[start:start + 8192] = np.log(block) @ counts[observed]
    return total


def _grid_points(width: float, atoms: int, shots: int) -> int:
    # resolve the likelihood's fastest oscillation (period 2π/N) and the posterior width
    return int(min(_MAX_POINTS, max(2001, 40 * width * atoms * np.sqrt(max(shots, 1)) / np.pi)))


@dataclass(frozen=True, eq=False)
class Posterior(UniformGridDensity):
    """A posterior density on a uniform phase grid (rad), stored as its logarithm."""

    phi: np.ndarray
    log_density: np.ndarray

    @property
    def density(self) -> np.ndarray:
        return np.exp(self.log_density)


    @property
    def std(self) -> float:
        return float(np.sqrt(self.variance))

    def pdf(self, phi) -> np.ndarray:
        """Posterior density at ``phi`` (linear interpolation of the log density; 0 off the grid)."""
        phi = np.asarray(phi, dtype=float)
        inside = (phi >= self.phi[0]) & (phi <= self.phi[-1])
        values = np.exp(np.interp(phi, self.phi, self.log_density))
        return np.where(inside, values, 0.0)

    def log_pdf(self, phi) -> np.ndarray:
        phi = np.asarray(phi, dtype=float)
        inside = (phi >= self.phi[0]) & (phi <= self.phi[-1])
        return np.where(inside, np.interp(phi, self.phi, self.log_density), -np.inf)

    def credible_interval(self, level: float = 0.6827) -> tuple[float, float]:
        """Equal-tailed credible interval."""
        cumulative = np.cumsum(self.weights)
        cumulative /= cumulative[-1]
        tail = (1 - level) / 2
        return (float(np.interp(tail, cumulative, self.phi)), float(np.interp(1 - tail, cumulative, self.phi)))

    def update(self, protocol, counts) -> "Posterior":
        """Sequential Bayesian update with more counts (this posterior becomes the prior)."""
        return _infer(protocol, self.log_pdf, (self.phi[0], self.phi[-1]), counts)

    def to_dict(self) -> dict:
        return {"phi": self.phi.tolist(), "log_density": self.log_density.tolist(),
                "mean": self.mean, "variance": self.variance}

    @classmethod
    def from_dict(cls, data: dict) -> "Posterior":
        return cls(np.asarray(data["phi"], dtype=float), np.asarray(data["log_density"], dtype=float))


def _infer(protocol, log_prior, support, counts) -> Posterior:
    vector = outcome_count_vector(protocol, counts)
    shots = int(vector.sum())
    low, high = support
    points = _grid_points(high - low, protocol.atoms, shots)
    for _ in range(6):
        phi = np.linspace(low, high, points)
        log_post = log_prior(phi) + _log_likelihood(protocol, vector, phi)
        peak = np.max(log_post)
        if not np.isfinite(peak):
            raise QClockError(f"the counts {dict(zip(protocol.outcomes.tolist(), vector.tolist()))} are impossible "
                              f"under {protocol.name} for every phase allowed by the prior")
        log_post = log_post - peak
        keep = np.flatnonzero(log_post > _LOG_FLOOR)
        first, last = max(keep[0] - 1, 0), min(keep[-1] + 1, points - 1)
        if (last - first) >= 0.2 * points or points < 50:
            break
        low, high = phi[first], phi[last]
        points = 4001
    density = np.exp(log_post)
    norm = np.trapezoid(density, phi)
    return Posterior(phi=phi, log_density=log_post - np.log(norm))


def posterior(protocol, prior, counts) -> Posterior:
    """Posterior over φ after observing ``counts`` of ``protocol``'s outcomes.

    Parameters
    ----------
    protocol : RamseyProtocol
    prior : GaussianPrior, GridPrior or Posterior
    counts : dict, array, BitArray or SamplerV2 pub result
    """
    if isinstance(prior, Posterior):
        return prior.update(protocol, counts)
    if isinstance(prior, GaussianPrior):
        support = prior.support(12.0)
    elif isinstance(prior, GridPrior):
        support = (prior.phi[0], prior.phi[-1])
    else:
        raise TypeError(f"prior must be a GaussianPrior, GridPrior or Posterior, got {type(prior).__name__}")
    return _infer(protocol, prior.log_pdf, support, counts)
