"""Prior phase distributions and their link to the interrogation time.

* :class:`GaussianPrior` — Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (6), mean ``mean`` and width ``δφ``
  (rad). Every integral against a Gaussian prior is done in closed form from
  the likelihood's Fourier coefficients (:mod:`.moments`).
* :class:`GridPrior` — a tabulated density on a uniform phase grid,
  integrated by quadrature (:mod:`.grid`).
* :func:`prior_width` — the prior-width model of eq. (31) with the dead-time
  broadening of eqs. (42)–(43).

Noise types are named by word or by the NIST/IEEE exponent α of
``S_y(f) = h_α f^α`` (CONVENTIONS.md). Kielinski & Hammerer writes ``S_y ∝ f^−(1+α')``
with α' = −1, 0, 1 for white, flicker, random walk, so ``α' = −1 − α`` and
the exponent ``2 + α'`` of eq. (31) is ``1 − α``.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from .._names import NOISE_ALIASES
from .._units import TimeUnit
from .._names import NOISE_TYPES as _NAMED_NOISE_TYPES
from .._validation import QClockError, check_finite, check_finite_array

__all__ = [
    "GaussianPrior",
    "GridPrior",
    "UniformGridDensity",
    "NOISE_TYPES",
    "noise_exponent",
    "prior_width",
    "dead_time_width",
    "PRIOR_WIDTH_FACTOR",
]

#: NIST α of each named noise type (:data:`qclock_circuits._names.NOISE_TYPES`).
NOISE_TYPES = _NAMED_NOISE_TYPES

#: χ of Kielinski & Hammerer eq. (31), keyed by NIST α (Kielinski & Hammerer: χ = 1, 1.7, 2 for α' = −1, 0, 1).
PRIOR_WIDTH_FACTOR = {0: 1.0, -1: 1.7, -2: 2.0}


#: Widest Gaussian prior (rad): far wider than the 2π period of any Ramsey signal (it carries no information
#: about φ mod 2π), and its variance stays a finite float.
MAX_PRIOR_WIDTH = 1e6


def _check_width(width, name: str = "width") -> float:
    width = check_finite(width, name)
    if width <= 0 or width > MAX_PRIOR_WIDTH:
        raise QClockError(f"{name} must be a finite number in (0, {MAX_PRIOR_WIDTH:g}] (rad), got {width}")
    return width


@dataclass(frozen=True)
class GaussianPrior:
    """Gaussian prior ``N(mean, width²)`` of the phase φ (Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (6)).

    Parameters
    ----------
    width : float
        Standard deviation δφ, in rad (0 < δφ ≤ 1e6).
    mean : float, optional
        Mean phase, in rad (default 0).

    Raises
    ------
    TypeError
        If a value is not a real number.
    QClockError
        If ``width`` is out of range or a value is not finite.
    """

    width: float
    mean: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "width", _check_width(self.width, "width"))
        object.__setattr__(self, "mean", check_finite(self.mean, "mean"))

    @property
    def variance(self) -> float:
        """Variance δφ², in rad²."""
        return self.width**2

    @property
    def second_moment(self) -> float:
        """E[φ²] = mean² + width²."""
        return self.mean**2 + self.width**2

    @property
    def fisher_information(self) -> float:
        """Prior information I of eq. (9): 1/δφ² for a Gaussian."""
        return 1.0 / self.width**2

    def pdf(self, phi) -> np.ndarray:
        """Probability density of the prior.

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
        return np.exp(-0.5 * ((phi - self.mean) / self.width) ** 2) / (np.sqrt(2 * np.pi) * self.width)

    def log_pdf(self, phi) -> np.ndarray:
        """Natural logarithm of the prior density.

        Parameters
        ----------
        phi : float or array_like
            Phase(s) φ, in rad.

        Returns
        -------
        numpy.ndarray
            ``ln P(φ)`` (P in 1/rad), of the shape of ``phi``.
        """
        phi = np.asarray(phi, dtype=float)
        return -0.5 * ((phi - self.mean) / self.width) ** 2 - np.log(np.sqrt(2 * np.pi) * self.width)

    def characteristic(self, lags) -> np.ndarray:
        """Characteristic function ``E[e^{i d φ}] = e^{i d mean − d² δφ²/2}``.

        Parameters
        ----------
        lags : int, float or array_like
            Lags d (integer for the Fourier route; real values are accepted).

        Returns
        -------
        numpy.ndarray
            Complex values of the shape of ``lags``.
        """
        lags = np.asarray(lags, dtype=float)
        return np.exp(1j * lags * self.mean - 0.5 * (lags * self.width) ** 2)

    def broadened(self, extra_width: float) -> "GaussianPrior":
        """Convolution with a zero-mean Gaussian phase diffusion (Kielinski & Hammerer eq. (42)).

        Parameters
        ----------
        extra_width : float
            Width of the added diffusion, in rad (≥ 0).

        Returns
        -------
        GaussianPrior
            Same mean, width ``sqrt(width² + extra_width²)``.

        Raises
        ------
        QClockError
            If ``extra_width`` is negative or not finite.
        """
        extra_width = check_finite(extra_width, "extra_width")
        if extra_width < 0:
            raise QClockError(f"extra_width must be >= 0 (rad), got {extra_width}")
        return GaussianPrior(float(np.hypot(self.width, extra_width)), self.mean)

    def support(self, sigmas: float = 10.0) -> tuple[float, float]:
        """Interval ``mean ± sigmas·width`` that holds the prior for numerical work.

        Parameters
        ----------
        sigmas : float, optional
            Half-width in units of δφ (default 10).

        Returns
        -------
        low, high : float
            Ends of the interval, in rad.
        """
        return self.mean - sigmas * self.width, self.mean + sigmas * self.width

    def to_grid(self, points: int = 2001, sigmas: float = 10.0) -> "GridPrior":
        """The prior tabulated on a uniform grid.

        Parameters
        ----------
        points : int, optional
            Number of grid points (default 2001).
        sigmas : float, optional
            Half-width of the grid in units of δφ (default 10).

        Returns
        -------
        GridPrior
            The tabulated density (normalised by the trapezoid rule).
        """
        low, high = self.support(sigmas)
        phi = np.linspace(low, high, points)
        return GridPrior(phi, self.pdf(phi))

    def to_dict(self) -> dict:
        """JSON-compatible form.

        Returns
        -------
        dict
            ``{"type": "gaussian", "width": δφ (rad), "mean": rad}``.
        """
        return {"type": "gaussian", "width": self.width, "mean": self.mean}

    @classmethod
    def from_dict(cls, data: dict) -> "GaussianPrior":
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : dict
            With ``"width"`` and optionally ``"mean"`` (rad).

        Returns
        -------
        GaussianPrior
            The prior described by ``data``.
        """
        return cls(width=data["width"], mean=data.get("mean", 0.0))


class UniformGridDensity:
    """Quadrature on a uniform phase grid, for classes with ``phi`` and ``density`` arrays.

    The trapezoid weights are normalised to sum 1, which keeps means exact even
    when the grid spacing is so small that ``phi[1] − phi[0]`` is rounded.
    """

    @property
    def spacing(self) -> float:
        """Grid spacing, in rad."""
        return float(self.phi[1] - self.phi[0])

    @property
    def weights(self) -> np.ndarray:
        """Quadrature weights ``w_i`` with ``∫ f P dφ ≈ Σ w_i f(φ_i)``."""
        weights = np.array(self.density, dtype=float)
        weights[[0, -1]] *= 0.5
        return weights / weights.sum()

    @property
    def mean(self) -> float:
        """Mean of φ by quadrature, in rad."""
        centre = self.phi[self.phi.shape[0] // 2]
        return float(centre + self.weights @ (self.phi - centre))

    @property
    def variance(self) -> float:
        """Variance of φ by quadrature, in rad²."""
        return float(max(self.weights @ (self.phi - self.mean) ** 2, 0.0))

    @property
    def width(self) -> float:
        """Standard deviation of φ, in rad."""
        return float(np.sqrt(self.variance))


@dataclass(frozen=True, eq=False)
class GridPrior(UniformGridDensity):
    """A tabulated prior density on a uniform, increasing phase grid.

    The density is normalised on construction (trapezoidal rule). The grid
    must cover the prior: the density at both ends must be below
    ``edge_tolerance`` times its maximum, or a :class:`QClockError` is raised.

    Parameters
    ----------
    phi : array_like of shape (P,)
        Uniform, strictly increasing phase grid, in rad (P ≥ 3).
    density : array_like of shape (P,)
        Non-negative density values on the grid (any normalisation).
    edge_tolerance : float, optional
        Largest density at the grid ends, relative to the maximum (default 1e-8).

    Raises
    ------
    TypeError
        If an array holds non-numbers.
    QClockError
        If the grid is too short, not uniform or not increasing, the density
        is negative, zero everywhere, not finite, or does not fall off at the ends.
    """

    phi: np.ndarray
    density: np.ndarray
    edge_tolerance: float = 1e-8

    def __post_init__(self):
        phi = check_finite_array(self.phi, "phi", ndim=1)
        density = check_finite_array(self.density, "density", ndim=1, length=phi.shape[0])
        if phi.shape[0] < 3:
            raise QClockError(f"phi must have at least 3 grid points, got {phi.shape[0]}")
        steps = np.diff(phi)
        if np.any(steps <= 0) or np.ptp(steps) > 1e-6 * steps.mean():
            raise QClockError("phi must be a uniform, strictly increasing grid")
        if np.any(density < 0):
            raise QClockError(f"density must be >= 0 everywhere, got minimum {density.min()}")
        peak = density.max()
        if peak <= 0:
            raise QClockError("density must be positive somewhere")
        if max(density[0], density[-1]) > self.edge_tolerance * peak:
            raise QClockError(
                f"the grid phi ∈ [{phi[0]:.4g}, {phi[-1]:.4g}] does not cover the prior: the density at "
                f"its ends is {max(density[0], density[-1]) / peak:.3g} of its maximum "
                f"(allowed: < {self.edge_tolerance:g}); extend the grid")
        density = density / np.trapezoid(density, phi)
        for name, value in (("phi", phi), ("density", density)):
            value.setflags(write=False)
            object.__setattr__(self, name, value)

    @property
    def second_moment(self) -> float:
        """E[φ²] by quadrature on the grid, in rad²."""
        return float(self.weights @ self.phi**2)

    @property
    def fisher_information(self) -> float:
        """Prior information I = ∫ (P')²/P (eq. 9), by finite differences on the grid."""
        derivative = np.gradient(self.density, self.spacing)
        mask = self.density > 1e-300
        return float(np.sum(derivative[mask] ** 2 / self.density[mask]) * self.spacing)

    def pdf(self, phi) -> np.ndarray:
        """Prior density, linearly interpolated on the grid (0 outside it).

        Parameters
        ----------
        phi : float or array_like
            Phase(s) φ, in rad.

        Returns
        -------
        numpy.ndarray
            Density, in 1/rad, of the shape of ``phi``.
        """
        return np.interp(np.asarray(phi, dtype=float), self.phi, self.density, left=0.0, right=0.0)

    def log_pdf(self, phi) -> np.ndarray:
        """Natural logarithm of the interpolated prior density (−inf outside the grid).

        Parameters
        ----------
        phi : float or array_like
            Phase(s) φ, in rad.

        Returns
        -------
        numpy.ndarray
            ``ln P(φ)`` (P in 1/rad), of the shape of ``phi``.
        """
        with np.errstate(divide="ignore"):
            return np.log(self.pdf(phi))

    def broadened(self, extra_width: float) -> "GridPrior":
        """Convolution with a zero-mean Gaussian phase diffusion (Kielinski & Hammerer eq. (42)), on a widened grid.

        Parameters
        ----------
        extra_width : float
            Width of the added diffusion, in rad (≥ 0).

        Returns
        -------
        GridPrior
            The broadened prior (``self`` when ``extra_width`` is 0); the grid is
            padded by 10 widths on each side.

        Raises
        ------
        QClockError
            If ``extra_width`` is negative or not finite.
        """
        extra_width = check_finite(extra_width, "extra_width")
        if extra_width < 0:
            raise QClockError(f"extra_width must be >= 0 (rad), got {extra_width}")
        if extra_width == 0:
            return self
        pad = int(np.ceil(10 * extra_width / self.spacing))
        phi = self.phi[0] + self.spacing * np.arange(-pad, self.phi.shape[0] + pad)
        padded = np.concatenate([np.zeros(pad), self.density, np.zeros(pad)])
        offsets = self.spacing * np.arange(-pad, pad + 1)
        kernel = np.exp(-0.5 * (offsets / extra_width) ** 2)
        kernel /= kernel.sum()
        return GridPrior(phi, np.convolve(padded, kernel, mode="same"), self.edge_tolerance)

    def to_dict(self) -> dict:
        """JSON-compatible form.

        Returns
        -------
        dict
            ``{"type": "grid", "phi": list (rad), "density": list (1/rad)}``.
        """
        return {"type": "grid", "phi": self.phi.tolist(), "density": self.density.tolist()}

    @classmethod
    def from_dict(cls, data: dict) -> "GridPrior":
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : dict
            With ``"phi"`` and ``"density"`` lists.

        Returns
        -------
        GridPrior
            The prior described by ``data``.
        """
        return cls(np.asarray(data["phi"]), np.asarray(data["density"]))


def noise_exponent(noise) -> int:
    """NIST exponent α of a noise type given by word or by α.

    The papers' words ``'brownian'`` (random walk) and ``'1/f'`` (flicker) of
    Mullan & Knill, Phys. Rev. A 90, 042310 (2014) are accepted as aliases
    (:data:`qclock_circuits._names.NOISE_ALIASES`).

    Parameters
    ----------
    noise : {'white', 'flicker', 'random_walk'} or int
        Word (or alias), or the exponent of ``S_y(f) = h_α f^α`` itself (0, −1, −2).

    Returns
    -------
    int
        α: 0 white, −1 flicker, −2 random-walk frequency noise.

    Raises
    ------
    QClockError
        For any other value.
    """
    if isinstance(noise, str):
        noise = NOISE_ALIASES.get(noise, noise)
        if noise not in NOISE_TYPES:
            raise QClockError(f"noise must be one of {', '.join(map(repr, NOISE_TYPES))} (aliases "
                              f"{', '.join(map(repr, NOISE_ALIASES))}) or a NIST exponent 0, -1, -2; got {noise!r}")
        return NOISE_TYPES[noise]
    if isinstance(noise, numbers.Integral) and not isinstance(noise, bool) and int(noise) in PRIOR_WIDTH_FACTOR:
        return int(noise)
    raise QClockError(f"noise must be 'white', 'flicker', 'random_walk' or a NIST exponent 0, -1, -2; got {noise!r}")


def prior_width(interrogation_time, noise="flicker", dead_time=0.0, *, coherence_time=None) -> np.ndarray | float:
    """Prior width δφ (rad) of the closed clock loop, Kielinski & Hammerer, arXiv:2505.04287 (2025), eqs. (31), (42), (43).

    ``δφ_T² = χ (T/Z)^(1−α)`` with χ = 1, 1.7, 2 for white, flicker, random-walk
    FM (NIST α = 0, −1, −2), broadened by dead time as
    ``δφ² = δφ_T² + 2 (T_D/Z)^(1−α)``.

    Parameters
    ----------
    interrogation_time : float or array_like
        Dark time T (> 0), in units of the laser coherence time Z, or in
        seconds with ``coherence_time``.
    noise : {'white', 'flicker', 'random_walk'} or int, optional
        Laser frequency-noise type by word or NIST exponent α of
        ``S_y(f) = h_α f^α`` (0, −1, −2); default ``'flicker'``.
    dead_time : float, optional
        Dead time T_D (≥ 0, default 0), same unit as ``interrogation_time``.
    coherence_time : float, optional
        The laser coherence time Z in seconds; with it the times are read in
        seconds (the package's unit rule, CONVENTIONS.md).

    Returns
    -------
    float or numpy.ndarray
        δφ in rad; a float for a scalar ``interrogation_time``, else an array of
        its shape.

    Raises
    ------
    QClockError
        If a time is not positive (T) or negative (T_D), not finite, or the
        noise type is unknown.
    """
    alpha = noise_exponent(noise)
    unit = TimeUnit(coherence_time)
    times = check_finite_array(np.atleast_1d(interrogation_time), "interrogation_time", ndim=1)
    if np.any(times <= 0):
        raise QClockError(f"interrogation_time must be > 0 ({unit.words}), got {times[times <= 0][0]}")
    times, dead_time = unit.to_z(times), unit.to_z(check_finite(dead_time, "dead_time"))
    exponent = 1 - alpha
    variance = PRIOR_WIDTH_FACTOR[alpha] * times**exponent + dead_time_width(dead_time, alpha) ** 2
    width = np.sqrt(variance)
    return float(width[0]) if np.ndim(interrogation_time) == 0 else width


def dead_time_width(dead_time, noise="flicker", *, coherence_time=None) -> float:
    """Dead-time phase width δφ_D of Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (43).

    ``δφ_D² = 2 (T_D/Z)^(1−α)``.

    Parameters
    ----------
    dead_time : float
        Dead time T_D, in units of the laser coherence time Z (≥ 0), or in
        seconds with ``coherence_time``.
    noise : {'white', 'flicker', 'random_walk'} or int, optional
        Laser frequency-noise type by word or NIST exponent α of
        ``S_y(f) = h_α f^α`` (0, −1, −2); default ``'flicker'``.
    coherence_time : float, optional
        The laser coherence time Z in seconds: with it the times are read in
        seconds (the package's unit rule, CONVENTIONS.md); default None: units
        of Z.

    Returns
    -------
    float
        δφ_D, in rad (0 without dead time).

    Raises
    ------
    TypeError
        If ``dead_time`` is not a real number.
    QClockError
        If ``dead_time`` is negative or not finite, or the noise type is unknown.
    """
    alpha = noise_exponent(noise)
    unit = TimeUnit(coherence_time)
    dead_time = check_finite(dead_time, "dead_time")
    if dead_time < 0:
        raise QClockError(f"dead_time must be >= 0 ({unit.words}), got {dead_time}")
    dead_time = unit.to_z(dead_time)
    return float(np.sqrt(2.0 * dead_time ** (1 - alpha))) if dead_time > 0 else 0.0
