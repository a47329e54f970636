"""From outcome counts to a posterior over the phase (Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (2)),
in the log domain.

``log P(φ|data) = log P(φ) + Σ_x n_x log P(x|φ) + const`` is evaluated on a
uniform phase grid that is refined around the posterior's support until the
posterior is resolved, so that a thousand shots or a prior of width 1e-9 rad
neither underflows nor returns NaN. Counts may be given as ``{outcome: n}``,
as an array aligned with ``protocol.outcomes``, or as anything the circuits
readout map accepts (a SamplerV2 ``BitArray``, ``{bitstring: n}``).

Cost. The grid spacing is chosen as ``2π/K`` for an integer K, so the
likelihood (2π-periodic, a trigonometric polynomial of degree N) repeats every
K points: it is computed for the observed outcomes only, on one period at
most, by one FFT per outcome (Bluestein's chirp transform for grids narrower
than a period). The cost is O(observed outcomes × K log K) instead of the
(N+1)² × grid points of evaluating every outcome by a matrix product.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.fft import fft, ifft, next_fast_len

from .._blas import one_blas_thread
from .._validation import QClockError
from .priors import GaussianPrior, GridPrior, UniformGridDensity

__all__ = ["Posterior", "posterior", "outcome_count_vector"]

_LOG_FLOOR = -60.0  # posterior mass below e^-60 of the peak is treated as zero support
_MAX_POINTS = 400_000
_BLOCK_ELEMENTS = 1 << 21  # complex entries per block of outcomes (32 MiB)


def outcome_count_vector(protocol, counts) -> np.ndarray:
    """Counts as an int array aligned with ``protocol.outcomes``.

    Parameters
    ----------
    protocol : RamseyProtocol or TabulatedLikelihood
        The likelihood P(x|φ) that produced the counts.
    counts : dict, array_like, BitArray or SamplerV2 pub result
        Outcome counts: ``{outcome value: n}``, an array aligned with
        ``protocol.outcomes``, ``{bitstring: n}`` or a Qiskit ``BitArray``.

    Returns
    -------
    numpy.ndarray
        Int64 array of shape (len(protocol.outcomes),).

    Raises
    ------
    QClockError
        If an outcome cannot be produced by the protocol, a count is negative
        or not an integer, an array has the wrong length, or bitstrings are
        malformed.
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


def _phase_grid(low: float, high: float, points: int) -> tuple[np.ndarray, int]:
    """A uniform grid from ``low`` past ``high`` whose spacing ``2π/period`` is at most ``(high − low)/(points − 1)``.

    The spacing divides 2π, so the likelihood (2π-periodic in φ) repeats every
    ``period`` grid points and is computed on one period at most.
    """
    span = high - low
    period = int(np.ceil(2.0 * np.pi * (points - 1) / span))
    if period <= 4 * points:  # one FFT of this length will be taken: make it a fast length
        period = next_fast_len(period)
    step = 2.0 * np.pi / period
    count = int(np.ceil(span / step - 1e-9)) + 1
    return low + step * np.arange(count), period


def _chirp(n: np.ndarray, period: int) -> np.ndarray:
    """``exp(−iπ n²/period)`` with ``n² mod 2·period`` taken in integers (no phase round-off for large n)."""
    squares = n.astype(np.int64) ** 2
    if squares[-1] >= 2 * period:
        squares %= 2 * period
    return np.exp(-1j * np.pi * (squares / period))


def _uniform_dft(rows: np.ndarray, period: int, count: int) -> np.ndarray:
    """``y[:, j] = Σ_m rows[:, m] e^{−2πi jm/period}`` for ``j < count ≤ period``.

    A plain FFT of length ``period`` when the grid covers a good part of it,
    else Bluestein's chirp transform (cost ∝ (columns + count) log), exact for
    any ``period`` since the chirp phases are reduced in integers.
    """
    length = rows.shape[1]
    size = next_fast_len(length + count - 1)
    if period <= 2 * size:
        if length > period:  # e^{−2πi jm/period} is periodic in m: fold the columns
            padded = np.zeros((rows.shape[0], -(-length // period) * period), dtype=complex)
            padded[:, :length] = rows
            rows = padded.reshape(rows.shape[0], -1, period).sum(axis=1)
        return fft(rows, n=period, axis=1)[:, :count]
    chirp = _chirp(np.arange(max(length, count)), period)
    kernel = np.zeros(size, dtype=complex)
    kernel[:count] = chirp[:count].conj()
    kernel[size - length + 1:] = chirp[1:length][::-1].conj()
    convolved = ifft(fft(rows * chirp[:length], n=size, axis=1) * fft(kernel), axis=1)
    return convolved[:, :count] * chirp[:count]


def _likelihood_rows(protocol, outcomes: np.ndarray, low: float, period: int, count: int) -> np.ndarray:
    """``P(x|low + 2πj/period)`` for the given outcome columns and ``j < count``, shape (len(outcomes), count).

    Dicke-basis readouts of ideal atoms: ``|Σ_m B[x,m] e^{−iφm}|²`` from the rows of the
    amplitude matrix ``B = U_meas diag(ψ_in)`` (as ``probabilities`` computes
    it, but by FFT); parity, noisy protocols and tabulated likelihoods: the real trigonometric
    polynomial ``Σ_d c_x(d) e^{idφ}`` from the Fourier coefficients; anything
    else through ``protocol.probabilities``.
    """
    # a protocol on decohering atoms has no amplitude matrix of its likelihood: its Fourier route below
    amplitudes = None if getattr(protocol, "noise", None) is not None else getattr(protocol, "_amplitude_matrix", None)
    if amplitudes is not None and getattr(protocol, "readout", None) != "parity":
        shift = np.exp(-1j * low * np.arange(amplitudes.shape[1]))
        values = _uniform_dft(amplitudes[outcomes] * shift, period, count)
        return values.real**2 + values.imag**2
    coefficients = getattr(protocol, "_fourier_coefficients", None)
    if coefficients is not None:
        atoms = (coefficients.shape[1] - 1) // 2
        # P = c_0 + 2 Re Σ_{d≥1} c_d e^{idφ} = 2 Re Σ_{d≥0} r_d e^{−2πi dj/period}, r_d = conj(c_d) e^{−id·low}
        rows = np.conj(coefficients[outcomes, atoms:]) * np.exp(-1j * low * np.arange(atoms + 1))
        rows[:, 0] *= 0.5
        return np.clip(2.0 * _uniform_dft(rows, period, count).real, 0.0, None)
    phases = low + 2.0 * np.pi / period * np.arange(count)
    return protocol.probabilities(phases)[:, outcomes].T


def _log_likelihood(protocol, counts: np.ndarray, low: float, period: int, count: int) -> np.ndarray:
    """``Σ_x n_x log P(x|φ_j)`` on the grid ``φ_j = low + 2πj/period``, ``j < count``.

    Only observed outcomes are evaluated, on one period of the grid at most
    (the likelihood is 2π-periodic); the period is then repeated.
    """
    observed = np.flatnonzero(counts)
    length = min(count, period)
    total = np.zeros(length)
    block = max(1, _BLOCK_ELEMENTS // (2 * length + protocol.atoms))  # Bluestein works on ~length + N columns
    with one_blas_thread():  # a few-row product per block: threads only contend (see qclock_circuits._blas)
        for start in range(0, observed.shape[0], block):
            chosen = observed[start:start + block]
            values = _likelihood_rows(protocol, chosen, low, period, length)
            with np.errstate(divide="ignore"):
                total += counts[chosen].astype(float) @ np.log(values)
    return np.resize(total, count) if count > length else total


def _grid_points(width: float, atoms: int, shots: int) -> int:
    # resolve the likelihood's fastest oscillation (period 2π/N) and the posterior width
    return int(min(_MAX_POINTS, max(2001, 40 * width * atoms * np.sqrt(max(shots, 1)) / np.pi)))


@dataclass(frozen=True, eq=False)
class Posterior(UniformGridDensity):
    """A posterior density on a uniform phase grid, stored as its logarithm.

    Built by :func:`posterior`; the density is normalised (trapezoid rule).

    Parameters
    ----------
    phi : numpy.ndarray of shape (P,)
        Uniform, increasing phase grid, in rad.
    log_density : numpy.ndarray of shape (P,)
        Natural logarithm of the density (1/rad) on the grid.
    """

    phi: np.ndarray
    log_density: np.ndarray

    @property
    def density(self) -> np.ndarray:
        """Posterior density on the grid, in 1/rad (``exp(log_density)``)."""
        return np.exp(self.log_density)


    @property
    def std(self) -> float:
        """Posterior standard deviation of φ, in rad."""
        return float(np.sqrt(self.variance))

    def pdf(self, phi) -> np.ndarray:
        """Posterior density at given phases (linear interpolation of the log density; 0 off the grid).

        Parameters
        ----------
        phi : float or array_like
            Phase(s) φ, in rad.

        Returns
        -------
        numpy.ndarray
            Density, in 1/rad, of the shape of ``phi``.
        """
        phi = np.asarray(phi, dtype=float)
        inside = (phi >= self.phi[0]) & (phi <= self.phi[-1])
        values = np.exp(np.interp(phi, self.phi, self.log_density))
        return np.where(inside, values, 0.0)

    def log_pdf(self, phi) -> np.ndarray:
        """Natural logarithm of the posterior density (interpolated; −inf off the grid).

        Parameters
        ----------
        phi : float or array_like
            Phase(s) φ, in rad.

        Returns
        -------
        numpy.ndarray
            ``ln P(φ|data)`` (P in 1/rad), of the shape of ``phi``.
        """
        phi = np.asarray(phi, dtype=float)
        inside = (phi >= self.phi[0]) & (phi <= self.phi[-1])
        return np.where(inside, np.interp(phi, self.phi, self.log_density), -np.inf)

    def credible_interval(self, level: float = 0.6827) -> tuple[float, float]:
        """Equal-tailed credible interval of the phase.

        Parameters
        ----------
        level : float, optional
            Posterior probability inside the interval (default 0.6827, one σ of a
            Gaussian).

        Returns
        -------
        low, high : float
            Ends of the interval, in rad.
        """
        cumulative = np.cumsum(self.weights)
        cumulative /= cumulative[-1]
        tail = (1 - level) / 2
        return (float(np.interp(tail, cumulative, self.phi)), float(np.interp(1 - tail, cumulative, self.phi)))

    def update(self, protocol, counts) -> "Posterior":
        """Sequential Bayesian update with more counts (this posterior becomes the prior).

        Parameters
        ----------
        protocol : RamseyProtocol or TabulatedLikelihood
            The likelihood P(x|φ) that produced the counts.
        counts : dict, array_like, BitArray or SamplerV2 pub result
            Outcome counts: ``{outcome value: n}``, an array aligned with
            ``protocol.outcomes``, ``{bitstring: n}`` or a Qiskit ``BitArray``.

        Returns
        -------
        Posterior
            The updated posterior, on a grid refined around its support.

        Raises
        ------
        QClockError
            If the counts are malformed or impossible for every phase on the grid.
        """
        return _infer(protocol, self.log_pdf, (self.phi[0], self.phi[-1]), counts)

    def to_dict(self) -> dict:
        """JSON-compatible form.

        Returns
        -------
        dict
            ``{"phi": list (rad), "log_density": list, "mean": rad, "variance": rad²}``.
        """
        return {"phi": self.phi.tolist(), "log_density": self.log_density.tolist(),
                "mean": self.mean, "variance": self.variance}

    @classmethod
    def from_dict(cls, data: dict) -> "Posterior":
        """Inverse of :meth:`to_dict` (``mean`` and ``variance`` are recomputed).

        Parameters
        ----------
        data : dict
            With ``"phi"`` and ``"log_density"`` lists.

        Returns
        -------
        Posterior
            The posterior described by ``data``.
        """
        return cls(np.asarray(data["phi"], dtype=float), np.asarray(data["log_density"], dtype=float))


def _infer(protocol, log_prior, support, counts) -> Posterior:
    vector = outcome_count_vector(protocol, counts)
    shots = int(vector.sum())
    low, high = support
    points = _grid_points(high - low, protocol.atoms, shots)
    for _ in range(6):
        phi, period = _phase_grid(low, high, points)
        log_post = log_prior(phi) + _log_likelihood(protocol, vector, low, period, phi.shape[0])
        peak = np.max(log_post)
        if not np.isfinite(peak):
            raise QClockError(f"the counts {dict(zip(protocol.outcomes.tolist(), vector.tolist()))} are impossible "
                              f"under {protocol.name} for every phase allowed by the prior")
        log_post = log_post - peak
        keep = np.flatnonzero(log_post > _LOG_FLOOR)
        first, last = max(keep[0] - 1, 0), min(keep[-1] + 1, phi.shape[0] - 1)
        if (last - first) >= 0.2 * points or points < 50:
            break
        low, high = phi[first], phi[last]
        points = 4001
    density = np.exp(log_post)
    norm = np.trapezoid(density, phi)
    return Posterior(phi=phi, log_density=log_post - np.log(norm))


def posterior(protocol, prior, counts) -> Posterior:
    """Posterior over φ after observing ``counts`` of ``protocol``'s outcomes (Bayes' rule, eq. (2)).

    Parameters
    ----------
    protocol : RamseyProtocol or TabulatedLikelihood
        Anything with ``atoms``, ``outcomes`` and ``probabilities`` (faster with
        the amplitude matrix or the Fourier coefficients of a protocol).
    prior : GaussianPrior, GridPrior or Posterior
        Prior of φ (rad); a Posterior is updated sequentially.
    counts : dict, array, BitArray or SamplerV2 pub result
        Outcome counts (see :func:`outcome_count_vector`).

    Returns
    -------
    Posterior
        The normalised posterior density on a uniform grid (rad).

    Raises
    ------
    QClockError
        Counts that are malformed, or impossible for every phase the prior allows.
    TypeError
        A prior of another type.
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
