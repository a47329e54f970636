"""A laser noise model from measured data: power-law terms h_α fitted to an Allan deviation or a spectrum.

A lab knows its laser as a measured Allan deviation σ_y(τ) (e.g. from a
comparison with a second cavity) or as a spectrum S_y(f) of its fractional
frequency. Both are modelled by the IEEE/NIST power law of the one-sided
spectrum (CONVENTIONS.md; Barnes et al., IEEE Trans. Instrum. Meas. IM-20,
105 (1971); Riley, NIST Special Publication 1065 (2008), Table 3)

    S_y(f) = Σ_α h_α f^α,   α ∈ {−2, −1, 0, 1, 2}   (f in Hz, h_α in Hz^(−1−α)),

whose Allan variance is linear in the coefficients, ``σ_y²(τ) = Σ_α h_α g_α(τ)``:

====  ==============  ===========================================
 α    noise           g_α(τ)
====  ==============  ===========================================
 2    white PM        3 f_h / (4π² τ²)
 1    flicker PM      [1.038 + 3 ln(2π f_h τ)] / (4π² τ²)
 0    white FM        1 / (2 τ)
 −1   flicker FM      2 ln 2
 −2   random-walk FM  (2π²/3) τ
====  ==============  ===========================================

with ``f_h`` the measurement bandwidth (Hz) for the phase-noise terms. The fit
is a weighted non-negative least-squares fit of these linear models (to σ_y²
for an Allan deviation, to S_y for a spectrum); the covariance of the
coefficients is ``(Aᵀ W A)⁻¹`` from the weights. Errors stated as relative
(from the equivalent degrees of freedom, a number of averages, or a relative
error) are applied to the fitted curve, not to the scattered data, by
iterative reweighting: weights taken from the data would favour the points
that scatter low and bias the fit.

From the fitted frequency-noise terms (α = 0, −1, −2) follow the laser
coherence time Z of Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (30),
``σ_y(Z + T_D) ω0 Z = 1 rad``, and the package's
:class:`~qclock_circuits.clock.noise.LocalOscillatorNoise` in units of Z. The
phase-noise terms (α = 1, 2) only matter at short τ; they are fitted so that
they do not bias the frequency-noise terms, but the clock-loop model (and Z)
uses the frequency-noise terms only.

Files are CSV with a header row (``#`` starts a comment line):
an Allan deviation ``tau_s, adev[, adev_err]`` or a spectrum ``f_hz, S_y[, S_y_err]``
(:func:`read_adev_csv`, :func:`read_psd_csv`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .._tables import read_csv_columns
from .._validation import QClockError, check_finite

__all__ = [
    "LaserNoiseFit",
    "fit_adev",
    "fit_psd",
    "fit_laser_file",
    "read_adev_csv",
    "read_psd_csv",
    "adev_basis",
    "NOISE_TERMS",
]

#: Word of each NIST exponent α accepted by the fit.
NOISE_TERMS = {2: "white_phase", 1: "flicker_phase", 0: "white", -1: "flicker", -2: "random_walk"}
_ALIASES = {"white_fm": 0, "flicker_fm": -1, "random_walk_fm": -2, "brownian": -2, "white_pm": 2,
            "flicker_pm": 1}
_FREQUENCY_TERMS = (0, -1, -2)
_LN2 = math.log(2.0)
_DEFAULT_TERMS = (0, -1, -2)
#: Reweighting passes of a fit whose errors are relative (weights from the model, not from the scattered data).
_REWEIGHT_PASSES = 4


# ----------------------------------------------------------------------------- terms and bases
def _term(value) -> int:
    if isinstance(value, str):
        word = value.strip().lower().replace("-", "_")
        for alpha, name in NOISE_TERMS.items():
            if word == name:
                return alpha
        if word in _ALIASES:
            return _ALIASES[word]
        try:
            value = int(word)
        except ValueError:
            raise QClockError(f"terms must be NIST exponents -2, -1, 0, 1, 2 or the words "
                              f"{', '.join(NOISE_TERMS.values())}; got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) not in NOISE_TERMS:
        raise QClockError(f"terms must be NIST exponents -2, -1, 0, 1, 2 or the words "
                          f"{', '.join(NOISE_TERMS.values())}; got {value!r}")
    return int(value)


def _terms(terms) -> tuple[int, ...]:
    if isinstance(terms, (str, int, np.integer)):
        terms = [terms]
    chosen = sorted({_term(t) for t in terms}, reverse=True)
    if not chosen:
        raise QClockError("terms must name at least one power-law term, got an empty list")
    return tuple(chosen)


def adev_basis(alpha: int, tau, bandwidth: float | None = None) -> np.ndarray:
    """Allan variance ``g_α(τ)`` of the unit spectrum ``S_y(f) = f^α`` (one-sided, f in Hz).

    Parameters
    ----------
    alpha : int
        NIST exponent −2, −1, 0, 1 or 2.
    tau : array_like
        Averaging times τ in seconds (> 0).
    bandwidth : float, optional
        Measurement bandwidth f_h in Hz (> 0); needed for α = 1, 2 only.

    Returns
    -------
    ndarray
        ``g_α(τ)`` (dimensionless times Hz^(1+α)): ``σ_y²(τ) = h_α g_α(τ)``;
        Riley, NIST SP 1065 (2008), Table 3; Barnes et al. (1971).

    Raises
    ------
    QClockError
        An unknown α, or α = 1, 2 without a bandwidth.
    """
    alpha = _term(alpha)
    tau = np.asarray(tau, dtype=float)
    if alpha == 0:
        return 0.5 / tau
    if alpha == -1:
        return np.full_like(tau, 2.0 * _LN2)
    if alpha == -2:
        return (2.0 * math.pi**2 / 3.0) * tau
    if bandwidth is None:
        raise QClockError(f"the phase-noise term alpha = {alpha} ({NOISE_TERMS[alpha]}) needs the measurement "
                          "bandwidth f_h (Hz), got bandwidth=None")
    if alpha == 2:
        return 3.0 * bandwidth / (4.0 * math.pi**2 * tau**2)
    return (1.038 + 3.0 * np.log(2.0 * math.pi * bandwidth * tau)) / (4.0 * math.pi**2 * tau**2)


def _design(kind: str, x: np.ndarray, alphas: Sequence[int], bandwidth: float | None) -> np.ndarray:
    if kind == "adev":
        return np.stack([adev_basis(a, x, bandwidth) for a in alphas], axis=1)
    return np.stack([x ** float(a) for a in alphas], axis=1)


# ----------------------------------------------------------------------------- result
@dataclass(frozen=True, eq=False)
class LaserNoiseFit:
    """Power-law terms of a laser's fractional frequency noise fitted to measured data.

    Parameters
    ----------
    kind : str
        ``'adev'`` (fitted to an Allan deviation) or ``'psd'`` (to a spectrum S_y).
    h_alpha : dict
        ``{α: h_α}`` of the one-sided ``S_y(f) = Σ h_α f^α`` (f in Hz, h_α in Hz^(−1−α)), α the NIST exponent.
    h_alpha_err : dict
        ``{α: standard error of h_α}`` from the covariance.
    covariance : ndarray
        Covariance of the coefficients in the order of ``alphas``.
    x : ndarray
        τ in s (``'adev'``) or f in Hz (``'psd'``) of the data points.
    data : ndarray
        Measured σ_y(τ) (dimensionless) or S_y(f) (1/Hz).
    data_err : ndarray
        One-standard-deviation errors of ``data`` used as weights.
    residuals : ndarray
        Normalised residuals ``(data − model) / data_err``.
    chi2 : float
        Σ residuals² (χ² of the fit).
    dof : int
        Degrees of freedom, points − fitted terms.
    error_model : str
        How ``data_err`` was obtained: ``'given'``, ``'edf'`` (χ² statistics of the
        overlapping Allan deviation for the stated number of samples),
        ``'averages'`` (a spectrum averaged the stated number of times),
        ``'relative'`` (the stated relative error) or ``'estimated'`` (equal
        relative errors scaled so that χ²/dof = 1).
    bandwidth : float or None
        Measurement bandwidth f_h (Hz) of the phase-noise terms.
    meta : dict
        Provenance: the source file and the options of the fit.
    """

    kind: str
    h_alpha: Mapping[int, float]
    h_alpha_err: Mapping[int, float]
    covariance: np.ndarray
    x: np.ndarray
    data: np.ndarray
    data_err: np.ndarray
    residuals: np.ndarray
    chi2: float
    dof: int
    error_model: str
    bandwidth: float | None = None
    meta: dict = field(default_factory=dict)

    @property
    def alphas(self) -> tuple[int, ...]:
        """Fitted NIST exponents, descending."""
        return tuple(self.h_alpha)

    # ------------------------------------------------------------------ model
    def avar(self, tau, frequency_only: bool = False) -> np.ndarray:
        """Allan variance σ_y²(τ) of the fitted model.

        Parameters
        ----------
        tau : array_like
            Averaging times in s (> 0).
        frequency_only : bool
            Sum the frequency-noise terms (α ≤ 0) only.

        Returns
        -------
        ndarray
            σ_y²(τ) (dimensionless).
        """
        tau = _positive(tau, "tau", "s")
        total = np.zeros_like(tau)
        for alpha, h in self.h_alpha.items():
            if frequency_only and alpha > 0:
                continue
            total = total + h * adev_basis(alpha, tau, self.bandwidth)
        return total

    def adev(self, tau, frequency_only: bool = False) -> np.ndarray:
        """Allan deviation σ_y(τ) of the fitted model.

        Parameters
        ----------
        tau : array_like
            Averaging times in s (> 0).
        frequency_only : bool
            Sum the frequency-noise terms (α ≤ 0) only.

        Returns
        -------
        ndarray
            σ_y(τ) (dimensionless).
        """
        return np.sqrt(self.avar(tau, frequency_only))

    def psd(self, f) -> np.ndarray:
        """One-sided spectrum of the fitted model, ``S_y(f) = Σ h_α f^α``.

        Parameters
        ----------
        f : array_like
            Fourier frequencies in Hz (> 0).

        Returns
        -------
        ndarray
            S_y(f) in 1/Hz.
        """
        f = _positive(f, "f", "Hz")
        return sum(h * f ** float(a) for a, h in self.h_alpha.items()) + np.zeros_like(f)

    # ------------------------------------------------------------------ coherence time
    def coherence_time(self, transition_frequency: float, dead_time: float = 0.0, *,
                       dead_time_unit: str = "s") -> float:
        """Laser coherence time Z in seconds, Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (30).

        Solves ``σ_y(Z + T_D) · 2π ν0 · Z = 1`` with the fitted frequency-noise
        terms (α = 0, −1, −2).

        Parameters
        ----------
        transition_frequency : float
            Clock transition frequency ν0 in Hz (> 0), ω0 = 2π ν0.
        dead_time : float
            Dead time T_D per cycle (≥ 0), in seconds or, with ``dead_time_unit='Z'``,
            in units of Z (then ``Z + T_D = Z (1 + dead_time)``).
        dead_time_unit : {'s', 'Z'}
            Unit of ``dead_time``.

        Returns
        -------
        float
            Z in seconds.

        Raises
        ------
        QClockError
            Bad arguments, or no frequency-noise term above zero.
        """
        return self._solve_z(transition_frequency, dead_time, dead_time_unit)[0]

    def coherence_time_err(self, transition_frequency: float, dead_time: float = 0.0, *,
                           dead_time_unit: str = "s") -> float:
        """Standard error of :meth:`coherence_time` (s), linear propagation of the covariance of h_α.

        Implicit differentiation of eq. (30) with respect to the h_α.

        Parameters
        ----------
        transition_frequency : float
            ν0 in Hz (> 0).
        dead_time : float
            T_D (≥ 0), seconds or units of Z (``dead_time_unit``).
        dead_time_unit : {'s', 'Z'}
            Unit of ``dead_time``.

        Returns
        -------
        float
            δZ in seconds.
        """
        z, grad = self._solve_z(transition_frequency, dead_time, dead_time_unit)
        return float(math.sqrt(max(grad @ self.covariance @ grad, 0.0)))

    def _solve_z(self, transition_frequency, dead_time, dead_time_unit) -> tuple[float, np.ndarray]:
        from scipy.optimize import brentq

        nu0 = check_finite(transition_frequency, "transition_frequency")
        if nu0 <= 0:
            raise QClockError(f"transition_frequency must be a finite number > 0 (Hz), got {nu0}")
        dead = check_finite(dead_time, "dead_time")
        if dead < 0:
            raise QClockError(f"dead_time must be a finite number >= 0 ({dead_time_unit}), got {dead}")
        if dead_time_unit not in ("s", "Z"):
            raise QClockError(f"dead_time_unit must be 's' or 'Z', got {dead_time_unit!r}")
        if not any(self.h_alpha.get(a, 0.0) > 0 for a in _FREQUENCY_TERMS):
            raise QClockError("the fit has no frequency-noise term above zero (h_0, h_-1, h_-2 all 0): the coherence "
                              f"time of eq. (30) is undefined; fitted h_alpha = {dict(self.h_alpha)}")
        omega0 = 2.0 * math.pi * nu0

        def tau_of(z):
            return z * (1.0 + dead) if dead_time_unit == "Z" else z + dead

        def excess(log_z):
            z = math.exp(log_z)
            return math.log(omega0 * z) + 0.5 * math.log(float(self.avar(tau_of(z), frequency_only=True)[0]))

        lo, hi = -60.0, 60.0
        if not excess(lo) <= 0.0 <= excess(hi):
            raise QClockError(f"no coherence time between e^{lo:g} s and e^{hi:g} s solves eq. (30) for "
                              f"h_alpha = {dict(self.h_alpha)}, transition_frequency = {nu0} Hz")
        z = math.exp(brentq(excess, lo, hi, xtol=1e-14, rtol=1e-15, maxiter=500))
        # F(Z, h) = ω0² Z² σ²(τ(Z)) − 1 = 0: dZ/dh_α = −(∂F/∂h_α)/(∂F/∂Z)
        tau = tau_of(z)
        dtau = 1.0 + dead if dead_time_unit == "Z" else 1.0
        variance = float(self.avar(tau, frequency_only=True)[0])
        slope = sum(self.h_alpha.get(a, 0.0) * _AVAR_SLOPE[a](tau) for a in _FREQUENCY_TERMS)
        d_f_dz = 2.0 * z * variance + z**2 * slope * dtau
        grad = np.array([-(z**2 * float(adev_basis(a, tau)) ) / d_f_dz if a in _FREQUENCY_TERMS else 0.0
                         for a in self.alphas])
        return z, grad

    def noise(self, transition_frequency: float, dead_time: float = 0.0, *, dead_time_unit: str = "s"):
        """The package's :class:`~qclock_circuits.clock.noise.LocalOscillatorNoise` of the fitted laser.

        In units of Z (``h_α' = h_α ω0² Z^(1−α)``), with ``transition_frequency``
        and ``coherence_time`` (s) recorded; its Allan deviation of ω is 1 at
        τ = 1 + T_D/Z (eq. (30)). Only the frequency-noise terms (α = 0, −1, −2)
        are carried over; the phase-noise terms are not part of the clock-loop model.

        Parameters
        ----------
        transition_frequency : float
            ν0 in Hz (> 0).
        dead_time : float
            T_D (≥ 0), seconds or units of Z (``dead_time_unit``).
        dead_time_unit : {'s', 'Z'}
            Unit of ``dead_time``.

        Returns
        -------
        LocalOscillatorNoise
        """
        from .noise import LocalOscillatorNoise

        z = self.coherence_time(transition_frequency, dead_time, dead_time_unit=dead_time_unit)
        terms = {a: h for a, h in self.h_alpha.items() if a in _FREQUENCY_TERMS}
        return LocalOscillatorNoise.from_h(terms, transition_frequency, coherence_time=z)

    def dominant_noise(self, transition_frequency: float, dead_time: float = 0.0, *,
                       dead_time_unit: str = "s") -> tuple[str, dict[str, float]]:
        """The frequency-noise type that dominates the Allan variance at τ = Z + T_D, and every type's share.

        Parameters
        ----------
        transition_frequency : float
            ν0 in Hz (> 0).
        dead_time : float
            T_D (≥ 0), seconds or units of Z (``dead_time_unit``).
        dead_time_unit : {'s', 'Z'}
            Unit of ``dead_time``.

        Returns
        -------
        (str, dict)
            The word of the largest term ('white', 'flicker', 'random_walk') and
            ``{word: share}`` of σ_y²(Z + T_D) (shares sum to 1).
        """
        z = self.coherence_time(transition_frequency, dead_time, dead_time_unit=dead_time_unit)
        tau = z * (1.0 + dead_time) if dead_time_unit == "Z" else z + dead_time
        parts = {NOISE_TERMS[a]: float(h * adev_basis(a, tau)) for a, h in self.h_alpha.items()
                 if a in _FREQUENCY_TERMS}
        total = sum(parts.values())
        shares = {k: v / total for k, v in parts.items()}
        return max(shares, key=shares.get), shares

    def summary(self) -> str:
        """The fit as text.

        Returns
        -------
        str
            One line per term, ``h_α ± err`` with its unit, then χ² and the error model.
        """
        lines = []
        for alpha, h in self.h_alpha.items():
            unit = "" if alpha == -1 else f" Hz^{-1 - alpha}"
            lines.append(f"h_{alpha:+d} ({NOISE_TERMS[alpha]}) = {h:.4g} ± {self.h_alpha_err[alpha]:.2g}{unit}")
        lines.append(f"chi2 = {self.chi2:.3g} for {self.dof} degrees of freedom ({self.error_model} errors)")
        return "\n".join(lines)

    # ------------------------------------------------------------------ data
    def to_dict(self) -> dict:
        """The fit as plain JSON-compatible data.

        Returns
        -------
        dict
            Every field; the keys of ``h_alpha`` are the NIST exponents as strings.
        """
        return {"kind": self.kind, "h_alpha": {str(a): v for a, v in self.h_alpha.items()},
                "h_alpha_err": {str(a): v for a, v in self.h_alpha_err.items()},
                "covariance": np.asarray(self.covariance).tolist(), "x": self.x.tolist(), "data": self.data.tolist(),
                "data_err": self.data_err.tolist(), "residuals": self.residuals.tolist(), "chi2": self.chi2,
                "dof": self.dof, "error_model": self.error_model, "bandwidth": self.bandwidth,
                "meta": dict(self.meta)}

    @classmethod
    def from_dict(cls, data: Mapping) -> LaserNoiseFit:
        """Rebuild a fit from :meth:`to_dict` output.

        Parameters
        ----------
        data : mapping
            As written by :meth:`to_dict`.

        Returns
        -------
        LaserNoiseFit
        """
        arrays = {k: np.asarray(data[k], dtype=float) for k in ("x", "data", "data_err", "residuals")}
        return cls(kind=str(data["kind"]), h_alpha={int(a): float(v) for a, v in data["h_alpha"].items()},
                   h_alpha_err={int(a): float(v) for a, v in data["h_alpha_err"].items()},
                   covariance=np.asarray(data["covariance"], dtype=float), chi2=float(data["chi2"]),
                   dof=int(data["dof"]), error_model=str(data["error_model"]), bandwidth=data.get("bandwidth"),
                   meta=dict(data.get("meta", {})), **arrays)


_AVAR_SLOPE = {0: lambda t: -0.5 / t**2, -1: lambda t: 0.0, -2: lambda t: 2.0 * math.pi**2 / 3.0}


# ----------------------------------------------------------------------------- fitting
def _positive(values, name: str, unit: str) -> np.ndarray:
    array = np.atleast_1d(np.asarray(values, dtype=float))
    if array.ndim != 1 or not np.all(np.isfinite(array)):
        raise QClockError(f"{name} must be a 1-D array of finite numbers ({unit}), got {values!r}")
    if np.any(array <= 0):
        raise QClockError(f"{name} must be > 0 ({unit}), got {array[array <= 0][0]}")
    return array


def _weighted_nnls(design: np.ndarray, target: np.ndarray, sigma: np.ndarray):
    """Non-negative weighted least squares; returns (coefficients, covariance, normalised residuals)."""
    from scipy.optimize import nnls

    weighted = design / sigma[:, None]
    scale = np.linalg.norm(weighted, axis=0)  # columns differ by tens of orders of magnitude
    if np.any(scale == 0):
        raise QClockError("a power-law term has no weight at the data points; drop it from terms")
    coefficients, _ = nnls(weighted / scale, target / sigma, maxiter=50 * design.shape[1])
    fisher = (weighted / scale).T @ (weighted / scale)
    try:
        cov_scaled = np.linalg.inv(fisher)
    except np.linalg.LinAlgError:
        raise QClockError("the power-law terms cannot be told apart at these data points (singular fit); "
                          "fit fewer terms or give data over a wider range") from None
    coefficients = coefficients / scale
    covariance = cov_scaled / np.outer(scale, scale)
    residuals = (target - design @ coefficients) / sigma
    return coefficients, covariance, residuals


def _fit(kind, x, data, data_err, terms, bandwidth, error_model, relative_errors, meta) -> LaserNoiseFit:
    alphas = _terms(terms)
    if bandwidth is not None:
        bandwidth = check_finite(bandwidth, "bandwidth")
        if bandwidth <= 0:
            raise QClockError(f"bandwidth must be a finite number > 0 (Hz), got {bandwidth}")
    if kind == "adev" and any(a > 0 for a in alphas) and bandwidth is None:
        raise QClockError(f"terms {[a for a in alphas if a > 0]} (phase noise) need the measurement bandwidth f_h: "
                          "give bandwidth (Hz)")
    if x.size < len(alphas) + (1 if relative_errors else 0):
        need = len(alphas) + (1 if relative_errors else 0)
        raise QClockError(f"too few data points: {x.size} for {len(alphas)} terms (need at least {need})")
    design = _design(kind, x, alphas, bandwidth)
    target = data**2 if kind == "adev" else data
    sigma = 2.0 * data * data_err if kind == "adev" else data_err
    coefficients, covariance, residuals = _weighted_nnls(design, target, sigma)
    if error_model != "given":
        # relative errors belong to the true curve, not to the scattered data: weighting by the data would favour
        # points that scatter low (a biased fit). Iteratively reweight with the model (a few passes converge).
        relative = data_err / data
        for _ in range(_REWEIGHT_PASSES):
            model = design @ coefficients
            model = np.where(model > 0, model, target)
            sigma = (2.0 * model if kind == "adev" else model) * relative
            coefficients, covariance, residuals = _weighted_nnls(design, target, sigma)
        model = design @ coefficients
        model = np.where(model > 0, model, target)
        data_err = (np.sqrt(model) if kind == "adev" else model) * relative
    dof = int(x.size - len(alphas))
    chi2_value = float(residuals @ residuals)
    if relative_errors:
        factor = math.sqrt(chi2_value / dof) if dof > 0 and chi2_value > 0 else 1.0
        data_err = data_err * factor
        covariance = covariance * factor**2
        residuals = residuals / factor
        chi2_value = float(residuals @ residuals)
    errors = np.sqrt(np.clip(np.diag(covariance), 0.0, None))
    return LaserNoiseFit(kind=kind, h_alpha={a: float(c) for a, c in zip(alphas, coefficients)},
                         h_alpha_err={a: float(e) for a, e in zip(alphas, errors)}, covariance=covariance,
                         x=x, data=data, data_err=data_err, residuals=residuals, chi2=chi2_value, dof=dof,
                         error_model=error_model, bandwidth=bandwidth, meta=meta)


def _dominant_edf_noise(x: np.ndarray, data: np.ndarray) -> np.ndarray:
    """Per point, the FM noise type the local slope of σ_y(τ) suggests (for the EDF): −1/2 white, 0 flicker, 1/2 RW."""
    slope = np.gradient(np.log(data), np.log(x)) if x.size > 1 else np.zeros(x.size)
    return np.where(slope < -0.25, 0, np.where(slope < 0.25, -1, -2))


def _data_and_errors(x, y, err, relative_error, x_name: tuple[str, str], y_name: tuple[str, str], estimate: bool):
    """Validated (x, y, errors, error model); model None when the caller derives the errors itself."""
    x = _positive(x, *x_name)
    y = _positive(y, *y_name)
    if y.size != x.size:
        raise QClockError(f"{y_name[0]} must have one value per {x_name[0]}: got {y.size} values for {x.size}")
    if err is not None:
        err = _positive(err, y_name[0] + "_err", y_name[1])
        if err.size != x.size:
            raise QClockError(f"{y_name[0]}_err must have one value per {x_name[0]}: got {err.size} for {x.size}")
        return x, y, err, "given"
    if relative_error is not None:
        rel = check_finite(relative_error, "relative_error")
        if rel <= 0:
            raise QClockError(f"relative_error must be a finite number > 0, got {rel}")
        return x, y, rel * y, "relative"
    if estimate:
        return x, y, y.copy(), "estimated"
    return x, y, None, None


def fit_adev(tau, adev, adev_err=None, *, terms=_DEFAULT_TERMS, bandwidth: float | None = None,
             samples: int | None = None, tau0: float | None = None,
             relative_error: float | None = None) -> LaserNoiseFit:
    """Fit NIST power-law terms h_α to a measured Allan deviation.

    Weighted non-negative least squares of ``σ_y²(τ) = Σ_α h_α g_α(τ)``
    (:func:`adev_basis`; Riley, NIST SP 1065 (2008), Table 3) with weights
    ``1/Var(σ_y²)``, ``Var(σ_y²) = (2 σ_y δσ_y)²``; covariance ``(Aᵀ W A)⁻¹``.

    Parameters
    ----------
    tau : array_like
        Averaging times τ in seconds (> 0).
    adev : array_like
        Measured Allan deviation σ_y(τ) of the fractional frequency (> 0).
    adev_err : array_like, optional
        One-standard-deviation errors of ``adev`` (> 0). Without them: with
        ``samples`` the χ² statistics of the overlapping estimator (equivalent
        degrees of freedom of NIST SP 1065 Table 5, via
        :func:`~qclock_circuits.clock.allan.edf_overlapping`, the noise type
        per point from the local slope, ``δσ/σ = 1/√(2 edf)``); otherwise equal
        relative errors ``relative_error`` (default: estimated from the
        scatter, so that χ²/dof = 1).
    terms : sequence
        Power-law terms to fit: NIST α in {−2, −1, 0, 1, 2} or words
        ('random_walk', 'flicker', 'white', 'flicker_phase', 'white_phase'; also 'flicker_pm', 'white_pm');
        default white, flicker and random-walk FM.
    bandwidth : float, optional
        Measurement bandwidth f_h in Hz; required with α = 1 or 2.
    samples : int, optional
        Number of frequency samples of the record the Allan deviation came from.
    tau0 : float, optional
        Sample spacing of that record in s (default: the smallest τ).
    relative_error : float, optional
        Stated relative error of every ``adev`` point (> 0).

    Returns
    -------
    LaserNoiseFit

    Raises
    ------
    QClockError
        Non-positive or non-finite data, mismatched lengths, too few points
        (fewer than the terms, one more when the errors are estimated), or
        terms that cannot be told apart.
    """
    x, y, err, model = _data_and_errors(tau, adev, adev_err, relative_error, ("tau", "s"),
                                        ("adev", "dimensionless"), estimate=samples is None)
    if model is None:  # no errors given: the χ² statistics of the overlapping estimator
        from .allan import edf_overlapping

        if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 3:
            raise QClockError(f"samples must be an integer >= 3 (frequency samples of the record), got {samples!r}")
        spacing = float(x.min()) if tau0 is None else float(_positive(tau0, "tau0", "s")[0])
        m = np.rint(x / spacing)
        if np.any(m < 1) or np.any(2 * m > samples):
            raise QClockError(f"every tau must lie in [tau0, samples tau0 / 2] = [{spacing}, {samples * spacing / 2}] s")
        kinds = _dominant_edf_noise(x, y)
        edf = np.array([edf_overlapping(int(samples) + 1, int(mi), int(k)) for mi, k in zip(m, kinds)])
        err, model = y / np.sqrt(2.0 * edf), "edf"
    meta = {"samples": samples, "tau0": tau0, "relative_error": relative_error}
    return _fit("adev", x, y, err, terms, bandwidth, model, model == "estimated", meta)


def fit_psd(f, psd, psd_err=None, *, terms=_DEFAULT_TERMS, averages: int | None = None,
            relative_error: float | None = None) -> LaserNoiseFit:
    """Fit NIST power-law terms h_α to a measured one-sided spectrum ``S_y(f) = Σ h_α f^α``.

    Weighted non-negative least squares with weights ``1/δS²``.

    Parameters
    ----------
    f : array_like
        Fourier frequencies in Hz (> 0).
    psd : array_like
        One-sided spectrum of the fractional frequency S_y(f) in 1/Hz (> 0).
    psd_err : array_like, optional
        One-standard-deviation errors of ``psd``. Without them: a spectrum
        averaged ``averages`` times has ``δS/S = 1/√averages``; otherwise
        equal relative errors ``relative_error`` (default: estimated from the
        scatter, χ²/dof = 1).
    terms : sequence
        NIST α in {−2, −1, 0, 1, 2} or their words (see :func:`fit_adev`).
    averages : int, optional
        Number of averaged periodograms (≥ 1).
    relative_error : float, optional
        Stated relative error of every point (> 0).

    Returns
    -------
    LaserNoiseFit

    Raises
    ------
    QClockError
        Non-positive or non-finite data, mismatched lengths or too few points.
    """
    x, y, err, model = _data_and_errors(f, psd, psd_err, relative_error, ("f", "Hz"), ("S_y", "1/Hz"),
                                        estimate=averages is None)
    if model is None:  # a spectrum averaged `averages` times: δS/S = 1/√averages
        if isinstance(averages, bool) or not isinstance(averages, (int, np.integer)) or averages < 1:
            raise QClockError(f"averages must be an integer >= 1, got {averages!r}")
        err, model = y / math.sqrt(averages), "averages"
    meta = {"averages": averages, "relative_error": relative_error}
    return _fit("psd", x, y, err, terms, None, model, model == "estimated", meta)


# ----------------------------------------------------------------------------- files
def read_adev_csv(path) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Read an Allan-deviation table: columns ``tau_s``, ``adev`` and optionally ``adev_err``.

    Parameters
    ----------
    path : str or Path
        CSV file with a header row (``tau`` is accepted for ``tau_s``).

    Returns
    -------
    (tau, adev, adev_err)
        τ in s, σ_y(τ), and its errors (None without that column).

    Raises
    ------
    QClockError
        Missing columns, non-numbers, τ ≤ 0, σ ≤ 0 or fewer than 2 rows.
    """
    return _read_table(path, ("tau_s", "s"), ("adev", "dimensionless"),
                       {"tau_s": ("tau",), "adev": ("sigma", "sigma_y"), "adev_err": ("sigma_err",)})


def read_psd_csv(path) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Read a fractional-frequency spectrum: columns ``f_hz``, ``S_y`` (1/Hz) and optionally ``S_y_err``.

    Parameters
    ----------
    path : str or Path
        CSV file with a header row (``f`` and ``S_y_per_Hz`` accepted as spellings).

    Returns
    -------
    (f, S_y, S_y_err)
        f in Hz, S_y in 1/Hz and its errors (None without that column).

    Raises
    ------
    QClockError
        Missing columns, non-numbers, f ≤ 0, S_y ≤ 0 or fewer than 2 rows.
    """
    return _read_table(path, ("f_hz", "Hz"), ("S_y", "1/Hz"),
                       {"f_hz": ("f",), "S_y": ("s_y_per_hz", "psd"), "S_y_err": ("s_y_per_hz_err",)})


def _read_table(path, x: tuple[str, str], y: tuple[str, str], aliases):
    """Columns x, y and the optional y_err, each checked finite and > 0, with at least two rows."""
    columns = read_csv_columns(path, (x[0], y[0]), (y[0] + "_err",), aliases)
    for name, unit in (x, y, (y[0] + "_err", y[1])):
        if name in columns:
            _check_table(path, columns[name], name, unit)
    return columns[x[0]], columns[y[0]], columns.get(y[0] + "_err")


def _check_table(path, values: np.ndarray, name: str, unit: str) -> None:
    if values.size < 2:
        raise QClockError(f"{path}: too few points in column {name!r}: {values.size} (need at least 2)")
    bad = ~(np.isfinite(values) & (values > 0))
    if np.any(bad):
        raise QClockError(f"{path}: column {name!r} must hold finite values > 0 ({unit}), got {values[bad][0]:g} "
                          f"in data row {int(np.flatnonzero(bad)[0]) + 1}")


def fit_laser_file(path, kind: str = "adev", **options) -> LaserNoiseFit:
    """Read and fit a laser-noise file in one call.

    Parameters
    ----------
    path : str or Path
        CSV file (:func:`read_adev_csv` or :func:`read_psd_csv`).
    kind : {'adev', 'psd'}
        What the file holds.
    **options
        Passed to :func:`fit_adev` or :func:`fit_psd` (``terms``, ``bandwidth``, ...).

    Returns
    -------
    LaserNoiseFit
        With ``meta['file']`` set to the path.

    Raises
    ------
    QClockError
        An unknown ``kind``, or the errors of the reader and the fit.
    """
    if kind == "adev":
        tau, adev, err = read_adev_csv(path)
        result = fit_adev(tau, adev, err, **options)
    elif kind == "psd":
        f, psd, err = read_psd_csv(path)
        result = fit_psd(f, psd, err, **options)
    else:
        raise QClockError(f"kind must be 'adev' or 'psd', got {kind!r}")
    result.meta["file"] = str(path)
    return result
