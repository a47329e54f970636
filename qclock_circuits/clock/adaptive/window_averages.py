"""Covariances of interval-averaged LO frequencies for power-law noise (Mullan & Knill, Phys. Rev. A 90, 042310 (2014), eq. 2).

The covariance of the averages of ω over Ramsey windows ``[a, b]``, ``[c, d]``
is four phase-kernel values, ``T_k T_l Cov = K_x(b−d) − K_x(b−c) − K_x(a−d) +
K_x(a−c)`` (:mod:`.power_law_kernels`; the method is in :mod:`.covariance`),
checked to be an admissible contrast for the steep spectra; the windows of
consecutive clock cycles, the clock's covariance of ``ω_k − ω_0``, and exact
Gaussian samples of window averages. Time in units of the laser coherence
time Z, ω dimensionless (rad per Z).
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping

import numpy as np

from ..._validation import QClockError, check_cycle_times, check_finite, check_finite_array
from .power_law_kernels import contrast_order, phase_kernel, power_law_terms

__all__ = ["interval_covariance", "reference_covariance", "cycle_intervals", "clock_covariance",
           "sample_interval_averages"]


def _check_intervals(intervals) -> np.ndarray:
    array = check_finite_array(intervals, "intervals")
    if array.ndim != 2 or array.shape[1] != 2 or array.shape[0] < 1:
        raise QClockError(f"intervals must be an array of shape (K, 2) of [start, end] times (units of Z), "
                          f"got shape {array.shape}")
    if np.any(array[:, 1] <= array[:, 0]):
        bad = int(np.argmax(array[:, 1] <= array[:, 0]))
        raise QClockError(f"intervals must have end > start, got interval {bad} = {array[bad].tolist()}")
    return array


def _average_matrix(intervals: np.ndarray, terms: Mapping[float, float], cutoff: float | None = None) -> np.ndarray:
    """Formal (gauge-dependent) covariance of the K interval averages, summed over the terms."""
    a, b = intervals[:, 0], intervals[:, 1]
    durations = b - a
    total = np.zeros((a.size, a.size))
    for alpha, h in terms.items():
        if h == 0.0:
            continue

        def k(x, y):
            return phase_kernel(x[:, None] - y[None, :], alpha, h, cutoff=cutoff)

        total += k(b, b) - k(b, a) - k(a, b) + k(a, a)
    return total / np.outer(durations, durations)


def _check_contrast(weights: np.ndarray, intervals: np.ndarray, terms: Mapping[float, float]) -> None:
    order = max((contrast_order(alpha) for alpha, h in terms.items() if h > 0), default=0)
    if order == 0:
        return
    durations = intervals[:, 1] - intervals[:, 0]
    midpoints = 0.5 * (intervals[:, 0] + intervals[:, 1])
    span = float(np.ptp(intervals)) or float(durations.max())
    moments = [(np.ones_like(midpoints), "sum to zero")]
    if order >= 2:
        moments.append(((midpoints - midpoints.mean()) / span, "have zero first time moment"))
    steepest = min(alpha for alpha, h in terms.items() if h > 0)
    for row in range(weights.shape[0]):
        scale = float(np.abs(weights[row]).sum()) or 1.0
        for vector, text in moments:
            residual = abs(float(weights[row] @ vector)) / scale
            if residual > 1e-9:
                raise QClockError(
                    f"weights row {row} must {text} for spectral exponent alpha={steepest} (the covariance of "
                    f"such a contrast is fixed only up to the infrared cutoff); got residual {residual:.3g}. "
                    f"Use differences such as omega_i - omega_0 (reference_covariance).")


def interval_covariance(intervals, spectrum, weights=None, *, cutoff: float | None = None) -> np.ndarray:
    """Covariance of contrasts of interval-averaged frequencies, Mullan & Knill eq. (2) via the phase kernel.

    Parameters
    ----------
    intervals : array, shape (K, 2)
        ``[start, end]`` of each averaging interval (units of Z, end > start);
        intervals may overlap.
    spectrum : mapping or LocalOscillatorNoise
        ``{α: h_α}`` of the one-sided ``S_ω`` (:func:`~.power_law_kernels.power_law_terms`).
    weights : array, shape (m, K), optional
        Rows ``w`` define contrasts ``Σ_k w_k ⟨ω⟩_k``; default the identity
        (the averages themselves), which is allowed only when every α > −1.
    cutoff : float, optional
        High-frequency cutoff ``f_h`` (cycles per Z) of the phase-noise terms
        (α ≥ 1, where it is required; :mod:`.covariance`).

    Returns
    -------
    ndarray, shape (m, m)
        ``W Σ Wᵀ`` in (rad/Z)², with ``Σ`` from the four-term kernel formula.

    Raises
    ------
    QClockError
        If a contrast does not cancel the moments the steepest α requires
        (:func:`~.power_law_kernels.contrast_order`), or phase noise is given without a cutoff.
    """
    intervals = _check_intervals(intervals)
    terms = power_law_terms(spectrum)
    count = intervals.shape[0]
    if weights is None:
        weights = np.eye(count)
    else:
        weights = check_finite_array(weights, "weights")
        if weights.ndim == 1:
            weights = weights[None, :]
        if weights.ndim != 2 or weights.shape[1] != count:
            raise QClockError(f"weights must have shape (m, {count}) to match the {count} intervals, "
                              f"got shape {weights.shape}")
    _check_contrast(weights, intervals, terms)
    covariance = weights @ _average_matrix(intervals, terms, cutoff) @ weights.T
    return 0.5 * (covariance + covariance.T)


def reference_covariance(intervals, reference, spectrum, *, cutoff: float | None = None) -> np.ndarray:
    """Mullan & Knill eq. (1): ``C_ij = Cov(ω_i − ω_0, ω_j − ω_0)`` with ``ω_0`` the average over ``reference``.

    Parameters
    ----------
    intervals : array, shape (K, 2)
        Interrogation intervals ``I_1 … I_K`` (units of Z).
    reference : (start, end)
        The interval ``I_0`` whose average frequency is taken as the origin
        (known, zero, when the clock starts).
    spectrum : mapping or LocalOscillatorNoise
        One-sided power-law spectrum ``{α: h_α}`` (units of Z).
    cutoff : float, optional
        ``f_h`` (cycles per Z) for phase-noise terms (:func:`interval_covariance`).

    Returns
    -------
    numpy.ndarray, shape (K, K)
        The covariance ``C`` ((rad per Z)²).

    Raises
    ------
    QClockError
        For a spectral exponent α ≤ −3 (single differences are not enough)
        or invalid intervals.
    """
    intervals = _check_intervals(intervals)
    reference = check_finite_array(reference, "reference", ndim=1, length=2)
    stacked = np.vstack([reference[None, :], intervals])
    weights = np.hstack([-np.ones((intervals.shape[0], 1)), np.eye(intervals.shape[0])])
    return interval_covariance(stacked, spectrum, weights, cutoff=cutoff)


def cycle_intervals(cycles: int, interrogation_time: float, dead_time: float = 0.0, *,
                    include_dead: bool = False, start: float = 0.0) -> np.ndarray:
    """Windows of consecutive clock cycles ``[k T_C, k T_C + T]`` (and dead windows), units of Z.

    Parameters
    ----------
    cycles : int
        Number of cycles K ≥ 1.
    interrogation_time, dead_time : float
        T > 0 and T_D ≥ 0; cycle time ``T_C = T + T_D``.
    include_dead : bool
        If true (needs T_D > 0), return ``[R_0, D_0, R_1, D_1, …]`` with the
        dead window ``D_k = [k T_C + T, (k+1) T_C]``, the order in which
        :meth:`LocalOscillatorNoise.generate` simulates them.
    start : float
        Start time of cycle 0.

    Returns
    -------
    ndarray, shape (K, 2) or (2K, 2)
        ``[start, end]`` rows (units of Z).
    """
    if isinstance(cycles, bool) or not isinstance(cycles, numbers.Integral) or cycles < 1:
        raise QClockError(f"cycles must be an integer >= 1, got {cycles!r}")
    period, dead = check_cycle_times(interrogation_time, dead_time)
    start = check_finite(start, "start")
    begin = start + np.arange(int(cycles)) * (period + dead)
    ramsey = np.column_stack([begin, begin + period])
    if not include_dead:
        return ramsey
    if dead == 0:
        raise QClockError("include_dead=True needs dead_time > 0, got dead_time=0")
    dead_windows = np.column_stack([begin + period, begin + period + dead])
    return np.stack([ramsey, dead_windows], axis=1).reshape(-1, 2)


def clock_covariance(spectrum, cycles: int, interrogation_time: float, dead_time: float = 0.0, *,
                     cutoff: float | None = None) -> np.ndarray:
    """Prior covariance of the clock's Ramsey-window frequencies ``ω_1 … ω_K`` relative to ``ω_0``.

    ``ω_0`` is the average over the Ramsey window of the cycle before the first
    interrogation (the paper's ``I_0``), whose value is taken as the origin; the
    interrogations are the Ramsey windows of cycles 1…K (eq. 1). Units (rad/Z)².

    Parameters
    ----------
    spectrum : mapping or LocalOscillatorNoise
        ``{α: h_α}`` (:func:`~.power_law_kernels.power_law_terms`).
    cycles : int
        K ≥ 1 interrogations.
    interrogation_time, dead_time : float
        T > 0 and T_D ≥ 0 (units of Z).
    cutoff : float, optional
        High-frequency cutoff ``f_h`` (cycles per Z) that phase noise (α ≥ 1)
        requires (:func:`interval_covariance`).

    Returns
    -------
    ndarray, shape (K, K)
        ``C_ij`` of eq. (1), (rad/Z)².
    """
    if isinstance(cycles, bool) or not isinstance(cycles, numbers.Integral) or cycles < 1:
        raise QClockError(f"cycles must be an integer >= 1, got {cycles!r}")
    windows = cycle_intervals(int(cycles) + 1, interrogation_time, dead_time)
    return reference_covariance(windows[1:], windows[0], spectrum, cutoff=cutoff)


def sample_interval_averages(intervals, spectrum, size: int, seed=None, *,
                             cutoff: float | None = None) -> np.ndarray:
    """Exact samples of the interval-averaged frequencies of a stationary power-law process.

    The averages ``⟨ω⟩_k`` over ``intervals`` are jointly Gaussian with zero
    mean and the covariance of :func:`interval_covariance` (Mullan & Knill,
    PRA 90, 042310 (2014), eq. 2), so drawing them through its Cholesky factor
    is exact — no time grid, no truncated spectrum beyond the cutoff. This is
    the generator for phase noise (white and flicker PM), which
    :class:`~qclock_circuits.clock.noise.LocalOscillatorNoise` does not simulate.

    Parameters
    ----------
    intervals : array, shape (K, 2)
        Averaging windows (units of Z).
    spectrum : mapping or LocalOscillatorNoise
        ``{α: h_α}`` with every α > −1 (the averages must be defined without a
        reference; use :func:`reference_covariance` otherwise).
    size : int
        Number of independent draws (≥ 1).
    seed : int, SeedSequence or Generator, optional
    cutoff : float, optional
        ``f_h`` (cycles per Z), required for α ≥ 1.

    Returns
    -------
    ndarray, shape (size, K)
        Window averages (rad/Z).

    Raises
    ------
    QClockError
        For α ≤ −1 terms, a missing cutoff, or a singular covariance (e.g.
        repeated windows).
    """
    terms = power_law_terms(spectrum)
    if any(contrast_order(alpha) for alpha, h in terms.items() if h > 0):
        raise QClockError(f"spectrum must have every exponent alpha > -1 to sample absolute averages, got "
                          f"exponents {sorted(terms)}; sample differences with reference_covariance instead")
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
        raise QClockError(f"size must be an integer >= 1, got {size!r}")
    covariance = interval_covariance(intervals, terms, cutoff=cutoff)
    try:
        factor = np.linalg.cholesky(covariance)
    except np.linalg.LinAlgError as exc:
        raise QClockError("the covariance of these intervals is singular (repeated or degenerate windows)") from exc
    normals = np.random.default_rng(seed).standard_normal((int(size), covariance.shape[0]))
    return normals @ factor.T

