"""Flicker frequency noise of the local oscillator as a ladder of Ornstein–Uhlenbeck processes.

Flicker FM, ``S_ω(f) = h_−1/f`` (one-sided, f in cycles per Z, ω in rad per Z; the units of
:mod:`qclock_circuits.clock.noise`), has no finite-dimensional Markov state. It is simulated as a
sum of independent Ornstein–Uhlenbeck (OU) processes with rates geometrically spaced, ``per_decade``
per decade, over the band the run can see, widened by ``margin_decades`` on either side. Every
component has the same variance ``h_−1 ln r`` (r the rate ratio), so the Riemann sum of Lorentzians
is ``h_−1/f`` within 0.1 % inside the band and the Allan deviation of the ladder is within 0.2 % of
``√(2 ln2 h_−1)`` (the flicker floor of the free-running LO; the coherence time Z is defined by
Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (30)).
:class:`~qclock_circuits.clock.noise.LocalOscillatorNoise` builds the ladder of a run and samples it
exactly, cycle by cycle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._validation import QClockError, check_int
from ._lo_checks import _check_nonnegative, _check_positive, _positive_array

__all__ = ["FlickerLadder", "flicker_ladder"]


@dataclass(frozen=True, eq=False)
class FlickerLadder:
    """Sum of independent OU processes approximating flicker FM ``S_ω(f) = h/f``.

    Component ``i`` has rate ``rates[i]`` (1/Z, i.e. autocovariance
    ``variances[i] · exp(−rates[i] |t|)``) and one-sided PSD
    ``4 v λ / (λ² + (2πf)²)``.

    Parameters
    ----------
    rates : numpy.ndarray, shape (K,)
        Relaxation rates λ_i of the OU components (1/Z).
    variances : numpy.ndarray, shape (K,)
        Stationary variances v_i of the components ((rad per Z)²).
    h : float
        The flicker coefficient h_−1 the ladder approximates (dimensionless).
    """

    rates: np.ndarray
    variances: np.ndarray
    h: float

    def psd(self, f) -> np.ndarray | float:
        """One-sided PSD of the ladder at ``f`` (cycles per Z, > 0).

        Parameters
        ----------
        f : float or array_like
            Fourier frequency (cycles per Z, > 0).

        Returns
        -------
        float or numpy.ndarray
            Σ_i 4 v_i λ_i / (λ_i² + (2πf)²), shaped like ``f``.
        """
        freqs, scalar = _positive_array(f, "f")
        omega = 2.0 * np.pi * freqs[:, None]
        lam = self.rates[None, :]
        value = (4.0 * self.variances * lam / (lam**2 + omega**2)).sum(axis=1)
        return float(value[0]) if scalar else value

    def avar(self, tau) -> np.ndarray | float:
        """Exact Allan variance of the ladder at ``tau`` (units of Z, > 0).

        Parameters
        ----------
        tau : float or array_like
            Averaging time(s) τ (units of Z, > 0).

        Returns
        -------
        float or numpy.ndarray
            Allan variance of ω (rad² per Z²), shaped like ``tau``.
        """
        taus, scalar = _positive_array(tau, "tau")
        u = taus[:, None] * self.rates[None, :]
        with np.errstate(over="ignore"):
            big = (2.0 * u - 3.0 + 4.0 * np.exp(-u) - np.exp(-2.0 * u)) / u**2
        small = 2.0 * u / 3.0 - u**2 / 6.0 + u**3 / 30.0 - u**4 / 180.0
        g = np.where(u < 1e-2, small, big)
        value = (g * self.variances).sum(axis=1)
        return float(value[0]) if scalar else value

    def adev(self, tau) -> np.ndarray | float:
        """Exact Allan deviation of the ladder at ``tau`` (units of Z).

        Parameters
        ----------
        tau : float or array_like
            Averaging time(s) τ (units of Z, > 0).

        Returns
        -------
        float or numpy.ndarray
            Square root of :meth:`avar` (rad per Z).
        """
        return np.sqrt(self.avar(tau))


def flicker_ladder(h: float, band: tuple[float, float], per_decade: int = 2,
                   margin_decades: float = 2.0) -> FlickerLadder:
    """OU ladder approximating ``S_ω(f) = h/f`` over ``band`` (cycles per Z).

    Parameters
    ----------
    h : float
        Flicker coefficient ``h_−1`` (≥ 0) of the one-sided ``S_ω``.
    band : (f_low, f_high)
        Frequencies (cycles per Z, 0 < f_low ≤ f_high) where the spectrum must be right.
    per_decade : int
        Components per decade of rate (≥ 2): rate ratio ``r = 10^(1/per_decade)``.
    margin_decades : float
        Decades added below ``f_low`` and above ``f_high`` (≥ 0).

    Returns
    -------
    FlickerLadder
        The OU components (rates in 1/Z, equal variances).

    Raises
    ------
    QClockError
        If ``band`` is not a pair ``0 < f_low ≤ f_high``, ``h`` < 0,
        ``per_decade`` < 2 or ``margin_decades`` < 0.

    Notes
    -----
    With equal variances ``v = h ln r`` the Riemann sum of Lorentzians
    ``Σ 4 v λ_i / (λ_i² + ω²)`` approximates ``(4h) ∫ dλ/(λ²+ω²) = h/f``; the
    ripple is ≈ ``4 exp(−π²/ln r)`` (0.1 % at two per decade). The ladder is
    centred on the widened band in log frequency.
    """
    h = _check_nonnegative(h, "h", "flicker coefficient h_-1")
    per_decade = check_int(per_decade, "per_decade", 2)
    margin_decades = _check_nonnegative(margin_decades, "margin_decades", "decades")
    if not isinstance(band, (tuple, list, np.ndarray)) or len(band) != 2:
        raise QClockError(f"band must be a pair (f_low, f_high) in cycles per Z, got {band!r}")
    f_low = _check_positive(band[0], "band[0]", "cycles per Z")
    f_high = _check_positive(band[1], "band[1]", "cycles per Z")
    if f_high < f_low:
        raise QClockError(f"band must satisfy f_low <= f_high, got ({f_low}, {f_high})")
    lo = math.log10(f_low) - margin_decades
    hi = math.log10(f_high) + margin_decades
    span = hi - lo
    count = int(math.ceil(span * per_decade - 1e-9)) + 1
    start = lo + (span - (count - 1) / per_decade) / 2.0
    freqs = 10.0 ** (start + np.arange(count) / per_decade)
    rates = 2.0 * np.pi * freqs
    variances = np.full(count, h * math.log(10.0) / per_decade)
    return FlickerLadder(rates=rates, variances=variances, h=h)
