"""Dead-time limits of clock stability: σ_lim, T_lim and N_crit (Kielinski & Hammerer, arXiv:2505.04287 (2025), sec. V B, Fig. 6).

With dead time the total instability of eq. (41) is
``σ_tot(T)² = σ_29(N, T)² + σ_Dick(T)²``: quantum projection noise (QPN)
and the coherence-time limit (CTL) in σ_29 (eq. 29), the Dick effect
(eq. 40) of the LO noise aliased by the dead time. The Dick term does not
depend on N or on the protocol, the QPN vanishes as N → ∞, so no ensemble
can beat

    σ_lim = min_T sqrt(σ_CTL(T)² + σ_Dick(T)²),   reached at T_lim,

where σ_CTL is σ_29 of the protocol *without* projection noise, i.e. with
the N → ∞ limit of its BMSE (:func:`ctl_bmse`). That limit is separable
(and computed here) for

* the OQI: the phase is known modulo 2π, the error left is
  ``E[Var(φ | φ mod 2π)]`` (→ eq. (17), ``4π² erfc(π/(√2 δφ))``, for narrow
  priors, where only the neighbouring fringes matter, up to a factor:
  near φ = ±π the posterior mean hedges between the two fringes instead of
  paying a full 2π — the factor tends to π/4 for narrow priors, where the
  two fringes' weights differ by an exponential tilt across φ = ±π and
  ``∫ p₁p₂/(p₁ + p₂)`` is π/4 of ``∫ min(p₁, p₂)``; the numerical OQI at N = 100 approaches
  π²/N² + this limit within 0.2 %, whereas eq. (19) with eq. (17) lies
  30 % above it at δφ = 1);
* CSS and SSS with the linear estimator (both read out ``sin φ`` as
  N → ∞): ``min_a E[(a sin φ − φ)²] = δφ² − (δφ² e^{−δφ²/2})² / ((1 − e^{−2δφ²})/2)``;
* CSS and SSS with the posterior-mean estimator: the error left when
  ``sin φ`` is known exactly, ``E[Var(φ | sin φ)]`` (all branches
  ``arcsin s + 2πk`` and ``π − arcsin s + 2πk`` of the Gaussian prior),
  by Gauss–Legendre quadrature.

The critical ensemble size N_crit is where the QPN + CTL instability of
eq. (29) at T_lim has come down to σ_lim: beyond it the Dick effect
dominates and a larger ensemble (or a better protocol) improves σ_min only
marginally (Kielinski & Hammerer Fig. 6c). Times in units of the laser coherence time Z,
σ dimensionless (σ_y(τ) ω0 √(τZ)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar

from .._deprecation import renamed_arguments
from .._validation import QClockError, check_atoms, check_choice, check_finite
from ..bayes import allan_deviation, effective_measurement_uncertainty, prior_width
from ..bayes.stability import stability_point
from .stability import dick_sigma

__all__ = ["LIMIT_KINDS", "ctl_bmse", "ctl_sigma", "DeadTimeLimit", "dead_time_limit", "critical_atoms"]

#: (kind, estimator) pairs whose N → ∞ limit is separable.
LIMIT_KINDS = (("oqi", "bayes"), ("css", "bayes"), ("css", "linear"), ("sss", "bayes"), ("sss", "linear"))
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(400)


def _check_kind(kind: str, estimator: str) -> None:
    check_choice(kind, "kind", ("oqi", "css", "sss"))
    check_choice(estimator, "estimator", ("bayes", "linear"))
    if kind == "oqi" and estimator != "bayes":
        raise QClockError(f"estimator of the OQI must be 'bayes' (its measurement and estimator are optimal), "
                          f"got {estimator!r}")


def _branch_variance(width: float, branches) -> float:
    """E[Var(φ | readout)] when the readout identifies φ up to the branches ``branches(a)`` (rad²).

    ``branches(a)`` maps the Gauss–Legendre nodes ``a`` on [−1, 1] to an array
    (nodes, branches) of phases that tile the real line with unit Jacobian
    times ``scale`` (returned second).
    """
    phases, scale = branches(_NODES)
    density = np.exp(-0.5 * (phases / width) ** 2) / (math.sqrt(2 * np.pi) * width)
    mass = density.sum(axis=1)
    # Σ p (φ − mean)² with φ measured from each node's most probable branch, not Σ p φ² − (Σ p φ)²/Σ p:
    # for narrow priors one branch holds nearly all the mass and the result is exponentially small,
    # which the latter loses to roundoff (even below zero)
    offsets = phases - np.take_along_axis(phases, np.argmax(density, axis=1)[:, None], axis=1)
    mean = (density * offsets).sum(axis=1) / np.where(mass > 0, mass, 1.0)
    conditional = (density * (offsets - mean[:, None]) ** 2).sum(axis=1)
    return float(scale * np.sum(_WEIGHTS * conditional))


def _turns(width: float) -> np.ndarray:
    count = int(math.ceil(12 * width / (2 * np.pi))) + 1
    return 2 * np.pi * np.arange(-count, count + 1)


def _sine_readout_bayes(width: float) -> float:
    """E[Var(φ | sin φ)] for φ ~ N(0, width²): branches arcsin s + 2πk and π − arcsin s + 2πk."""
    def branches(nodes):
        a = 0.5 * np.pi * nodes
        turns = _turns(width)
        return np.concatenate([a[:, None] + turns, (np.pi - a)[:, None] + turns], axis=1), 0.5 * np.pi

    return _branch_variance(width, branches)


def _wrapped_readout_bayes(width: float) -> float:
    """E[Var(φ | φ mod 2π)] for φ ~ N(0, width²): the N → ∞ limit of the OQI (phase known modulo 2π)."""
    def branches(nodes):
        return (np.pi * nodes)[:, None] + _turns(width), np.pi

    return _branch_variance(width, branches)


def _sine_readout_linear(width: float) -> float:
    """min_a E[(a sin φ − φ)²] for φ ~ N(0, width²) (rad²), closed form."""
    variance = width**2
    cross = variance * math.exp(-variance / 2)
    power = -0.5 * math.expm1(-2 * variance)
    return float(max(variance - cross**2 / power, 0.0))


@renamed_arguments(width="prior_width")
def ctl_bmse(kind: str, estimator: str, prior_width: float) -> float:
    """BMSE of a protocol kind with an estimator in the limit N → ∞ (the coherence-time limit alone).

    The phase is known modulo 2π (OQI) or through ``sin φ`` exactly (CSS, SSS);
    the error left is computed as described in the module docstring
    (Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (17) and sec. V B).

    Parameters
    ----------
    kind : {'oqi', 'css', 'sss'}
        Protocol kind; CSS and SSS share the N → ∞ limit (module docstring).
    estimator : {'bayes', 'linear'}
        Posterior mean or optimal linear estimator (the OQI takes ``'bayes'`` only).
    prior_width : float
        Prior width δφ, in rad (> 0); ``width`` is its deprecated name.

    Returns
    -------
    float
        The N → ∞ BMSE, in rad².

    Raises
    ------
    QClockError
        If ``kind`` or ``estimator`` is not allowed, or ``prior_width`` is not > 0.
    """
    _check_kind(kind, estimator)
    width = check_finite(prior_width, "prior_width")
    if width <= 0:
        raise QClockError(f"prior_width must be > 0 (rad), got {width}")
    if kind == "oqi":
        return _wrapped_readout_bayes(width)
    return _sine_readout_bayes(width) if estimator == "bayes" else _sine_readout_linear(width)


def ctl_sigma(kind: str, estimator: str, interrogation_time: float, dead_time: float = 0.0,
              noise: str = "flicker", *, coherence_time=None) -> float:
    """Stability of Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (29) with the N → ∞ BMSE: the coherence-time limit alone.

    The prior width of the closed loop (eqs. (31), (42), (43)) gives the
    BMSE of :func:`ctl_bmse`, then the effective measurement uncertainty and
    the Allan deviation.

    Parameters
    ----------
    kind : {'oqi', 'css', 'sss'}
        Protocol kind; CSS and SSS share the N → ∞ limit (module docstring).
    estimator : {'bayes', 'linear'}
        Posterior mean or optimal linear estimator (the OQI takes ``'bayes'`` only).
    interrogation_time : float
        Dark time T, in units of the laser coherence time Z (> 0), or in
        seconds with ``coherence_time``.
    dead_time : float, optional
        Dead time T_D (≥ 0, default 0), same unit as ``interrogation_time``.
    noise : {'white', 'flicker', 'random_walk'} or int, optional
        Laser frequency-noise type by word or NIST exponent α (0, −1, −2);
        default ``'flicker'``.
    coherence_time : float, optional
        The laser coherence time Z in seconds: with it the times are read in
        seconds (the package's unit rule, CONVENTIONS.md); default None: units
        of Z.

    Returns
    -------
    float
        σ_CTL, dimensionless (σ_y(τ) ω0 √(τZ)).

    Raises
    ------
    QClockError
        If ``kind`` or ``estimator`` is not allowed (or the OQI with
        ``'linear'``), or a time is out of range.
    """
    width = prior_width(interrogation_time, noise, dead_time, coherence_time=coherence_time)
    dphi_m = effective_measurement_uncertainty(ctl_bmse(kind, estimator, width), width)
    return float(allan_deviation(dphi_m, interrogation_time, dead_time, coherence_time=coherence_time))


@dataclass(frozen=True)
class DeadTimeLimit:
    """σ_lim at T_lim for one protocol kind and estimator (Kielinski & Hammerer, arXiv:2505.04287 (2025), Fig. 6).

    Parameters
    ----------
    kind : str
        Protocol kind, ``'oqi'``, ``'css'`` or ``'sss'``.
    estimator : str
        ``'bayes'`` or ``'linear'``.
    noise : str
        Laser noise type (word or NIST α as text).
    dead_time : float
        Dead time T_D, in units of Z.
    sigma_lim : float
        ``min_T sqrt(σ_CTL² + σ_Dick²)``, dimensionless (σ_y(τ) ω0 √(τZ)).
    interrogation_time : float
        T_lim, the dark time of the minimum, in units of Z.
    ctl_sigma : float
        σ_CTL at T_lim, dimensionless.
    dick_sigma : float
        σ_Dick at T_lim (Dick effect, eq. (40)), dimensionless.
    """

    kind: str
    estimator: str
    noise: str
    dead_time: float
    sigma_lim: float
    interrogation_time: float
    ctl_sigma: float
    dick_sigma: float

    def to_dict(self) -> dict:
        """JSON-compatible form.

        Returns
        -------
        dict
            The fields by name.
        """
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict) -> "DeadTimeLimit":
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : dict
            The fields by name.

        Returns
        -------
        DeadTimeLimit
            The limit described by ``data``.
        """
        return cls(**data)


def dead_time_limit(kind: str, estimator: str, dead_time: float, noise: str = "flicker",
                    bracket: tuple[float, float] = (1e-3, 3.0)) -> DeadTimeLimit:
    """σ_lim = min_T sqrt(σ_CTL² + σ_Dick²) and T_lim (Kielinski & Hammerer, arXiv:2505.04287 (2025), Fig. 6 a, d, e).

    A 48-point log scan of T/Z over ``bracket`` and a bounded refinement in log T.

    Parameters
    ----------
    kind : {'oqi', 'css', 'sss'}
        Protocol kind; CSS and SSS share the N → ∞ limit (module docstring).
    estimator : {'bayes', 'linear'}
        Posterior mean or optimal linear estimator (the OQI takes ``'bayes'`` only).
    dead_time : float
        Dead time T_D, in units of Z (> 0).
    noise : {'white', 'flicker', 'random_walk'} or int, optional
        Laser frequency-noise type by word or NIST exponent α (0, −1, −2);
        default ``'flicker'``.
    bracket : (float, float), optional
        Range of T/Z scanned (default (1e-3, 3)).

    Returns
    -------
    DeadTimeLimit
        σ_lim, T_lim and the two contributions at T_lim.

    Raises
    ------
    QClockError
        If ``kind`` or ``estimator`` is not allowed (or the OQI with
        ``'linear'``), or a time is out of range.
    """
    _check_kind(kind, estimator)
    dead_time = check_finite(dead_time, "dead_time")
    if dead_time <= 0:
        raise QClockError(f"dead_time must be > 0 (units of Z) for a dead-time limit, got {dead_time}")

    def total(log_time: float) -> float:
        time_value = math.exp(log_time)
        return math.hypot(ctl_sigma(kind, estimator, time_value, dead_time, noise),
                          dick_sigma(noise, time_value, dead_time))

    logs = np.linspace(math.log(bracket[0]), math.log(bracket[1]), 48)
    values = np.array([total(x) for x in logs])
    best = int(np.argmin(values))
    low, high = logs[max(best - 1, 0)], logs[min(best + 1, logs.size - 1)]
    result = minimize_scalar(total, bounds=(low, high), method="bounded", options={"xatol": 1e-5})
    log_time = float(result.x) if result.fun <= values[best] else float(logs[best])
    time_value = math.exp(log_time)
    return DeadTimeLimit(kind=kind, estimator=estimator, noise=str(noise), dead_time=float(dead_time),
                         sigma_lim=total(log_time), interrogation_time=time_value,
                         ctl_sigma=ctl_sigma(kind, estimator, time_value, dead_time, noise),
                         dick_sigma=dick_sigma(noise, time_value, dead_time))


def _qpn_ctl_sigma(kind: str, estimator: str, atoms: int, limit: DeadTimeLimit) -> float:
    if kind == "oqi" and atoms > 100:
        # asymptotic OQI: πHL (eq. 18) plus the exact N → ∞ limit (tested against the numerical OQI)
        width = prior_width(limit.interrogation_time, limit.noise, limit.dead_time)
        dphi_m = effective_measurement_uncertainty(np.pi**2 / atoms**2 + ctl_bmse("oqi", "bayes", width), width)
        return float(allan_deviation(dphi_m, limit.interrogation_time, limit.dead_time))
    point = stability_point(kind, atoms, limit.interrogation_time, noise=limit.noise, dead_time=limit.dead_time,
                            estimator=estimator)
    return point.sigma


def critical_atoms(kind: str, estimator: str, dead_time: float, noise: str = "flicker", max_atoms: int = 4096,
                   limit: DeadTimeLimit | None = None) -> dict:
    """N_crit: the smallest N whose σ of eq. (29) at T_lim is at most σ_lim.

    Kielinski & Hammerer, arXiv:2505.04287 (2025), Fig. 6c. Doubling search then
    bisection on integers; beyond N = 100 the OQI uses its asymptotic form
    π²/N² plus the exact N → ∞ limit.

    Parameters
    ----------
    kind : {'oqi', 'css', 'sss'}
        Protocol kind; CSS and SSS share the N → ∞ limit (module docstring).
    estimator : {'bayes', 'linear'}
        Posterior mean or optimal linear estimator (the OQI takes ``'bayes'`` only).
    dead_time : float
        Dead time T_D, in units of Z (> 0).
    noise : {'white', 'flicker', 'random_walk'} or int, optional
        Laser frequency-noise type by word or NIST exponent α (0, −1, −2);
        default ``'flicker'``.
    max_atoms : int, optional
        Largest N searched (default 4096).
    limit : DeadTimeLimit, optional
        A precomputed :func:`dead_time_limit` of the same kind, estimator, dead
        time and noise (computed when omitted).

    Returns
    -------
    dict
        ``{'kind', 'estimator', 'n_crit': int or None, 'max_atoms',
        'sigma_lim' (dimensionless), 'interrogation_time' (T_lim, units of Z),
        'evaluated': {str(N): σ}}``; ``n_crit`` is None when even ``max_atoms``
        atoms stay above σ_lim.

    Raises
    ------
    TypeError
        If ``max_atoms`` is not an integer.
    QClockError
        If ``max_atoms`` < 1 or the limit cannot be computed (see
        :func:`dead_time_limit`).
    """
    max_atoms = check_atoms(max_atoms)
    if limit is None:
        limit = dead_time_limit(kind, estimator, dead_time, noise)
    evaluated: dict[int, float] = {}

    def below(atoms: int) -> bool:
        if atoms not in evaluated:
            evaluated[atoms] = _qpn_ctl_sigma(kind, estimator, atoms, limit)
        return evaluated[atoms] <= limit.sigma_lim

    low, high = 0, None
    atoms = 1
    while atoms <= max_atoms:
        if below(atoms):
            high = atoms
            break
        low = atoms
        atoms = min(2 * atoms, max_atoms) if atoms < max_atoms else max_atoms + 1
    if high is not None:
        while high - low > 1:
            middle = (low + high) // 2
            if below(middle):
                high = middle
            else:
                low = middle
    return {"kind": kind, "estimator": estimator, "n_crit": high, "max_atoms": max_atoms,
            "sigma_lim": limit.sigma_lim, "interrogation_time": limit.interrogation_time,
            "evaluated": {str(k): v for k, v in sorted(evaluated.items())}}
