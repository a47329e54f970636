"""Goodness of fit of sampled outcome counts against predicted probabilities.

Used to validate sampler runs (simulators or hardware) against the exact
likelihood ``protocol.probabilities(phi)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2

from .._validation import QClockError

__all__ = ["ChiSquareResult", "chi_square_test"]


@dataclass(frozen=True)
class ChiSquareResult:
    """Pearson chi-square test over all rows (phases) together.

    Parameters
    ----------
    statistic : float
        Sum over rows of ``Σ (observed − expected)² / expected`` after pooling;
        infinite if a count falls in a bin of probability zero.
    dof : int
        Degrees of freedom, ``Σ_rows (bins − 1)``.
    p_value : float
        Probability of a statistic at least this large under the hypothesis
        (chi-square survival function; 1 when ``dof`` is 0).
    bins : int
        Number of bins after pooling, all rows together.
    """

    statistic: float
    dof: int
    p_value: float
    bins: int


def _pool(observed: np.ndarray, expected: np.ndarray, min_expected: float) -> tuple[np.ndarray, np.ndarray]:
    """Merge the smallest-expectation bins until every bin expects ``>= min_expected`` counts."""
    pairs = sorted(zip(expected.tolist(), observed.tolist()))
    while len(pairs) > 1 and pairs[0][0] < min_expected:
        (e0, o0), (e1, o1) = pairs[0], pairs[1]
        pairs = sorted([(e0 + e1, o0 + o1)] + pairs[2:])
    exp = np.array([e for e, _ in pairs], dtype=float)
    obs = np.array([o for _, o in pairs], dtype=float)
    return obs, exp


def chi_square_test(counts, probabilities, min_expected: float = 5.0) -> ChiSquareResult:
    """Pearson chi-square test of sampled counts against outcome probabilities.

    Each row (one phase) is tested against ``shots_row × probabilities_row``
    after pooling bins whose expected count is below ``min_expected``; the
    statistics of all rows are added, with ``Σ_rows (bins − 1)`` degrees of
    freedom. Bins of probability zero are left out of the pooling; a count
    in one makes the statistic infinite (p-value 0).

    Parameters
    ----------
    counts : array_like of shape (P, K) or (K,)
        Observed counts per phase and outcome (non-negative).
    probabilities : array_like of the same shape
        Predicted outcome probabilities per phase (rows are normalised).
    min_expected : float, optional
        Smallest expected count per bin before pooling (default 5).

    Returns
    -------
    ChiSquareResult
        Statistic, degrees of freedom, p-value and number of bins.

    Raises
    ------
    QClockError
        If the shapes differ, or counts or probabilities are negative or not finite.
    """
    counts = np.atleast_2d(np.asarray(counts, dtype=float))
    probabilities = np.atleast_2d(np.asarray(probabilities, dtype=float))
    if counts.shape != probabilities.shape:
        raise QClockError(f"counts and probabilities must have the same shape, got {counts.shape} "
                          f"and {probabilities.shape}")
    if np.any(counts < 0) or not np.all(np.isfinite(counts)):
        raise QClockError("counts must be finite and non-negative")
    if np.any(probabilities < -1e-12) or not np.all(np.isfinite(probabilities)):
        raise QClockError("probabilities must be finite and non-negative")
    statistic, dof, bins = 0.0, 0, 0
    for observed, row in zip(counts, probabilities):
        total = observed.sum()
        expected = total * np.clip(row, 0.0, None) / row.sum()
        impossible = expected <= 1e-12 * max(total, 1.0)
        if np.any(observed[impossible] > 0):
            statistic = np.inf
        obs, exp = _pool(observed[~impossible], expected[~impossible], min_expected)
        if len(exp) < 2:
            continue
        statistic += float(np.sum((obs - exp) ** 2 / exp))
        dof += len(exp) - 1
        bins += len(exp)
    p_value = float(chi2.sf(statistic, dof)) if dof > 0 else 1.0
    return ChiSquareResult(statistic=statistic, dof=dof, p_value=p_value, bins=bins)
