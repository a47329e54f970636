"""Classical Bayesian bounds of a fixed protocol: Fisher information, van Trees and the exact BCRB.

Kielinski & Hammerer, arXiv:2505.04287 (2025), sec. II C, eqs. (7)–(8) and (24)–(25): the bottom of
the hierarchy BMSE(any estimator) ≥ ``bcrb`` ≥ ``bqcrb`` ≥ ``oqi`` of
:mod:`qclock_circuits.bayes.bounds`, for the protocol's own input state and measurement.

Names — read before use:

* :func:`bcrb` is the *exact* minimum of the BMSE over all estimators for the
  protocol's fixed state and measurement, i.e. the BMSE of the posterior-mean
  estimator (eqs. 7, 24–25). Kielinski & Hammerer calls this minimum "the BCRB" and writes
  it as ``1/(F̄ + I)``; that expression is only the van Trees *lower bound*
  on it, and can lie far below it (e.g. GHZ at wide priors). It is
  provided separately as :func:`van_trees`.
* :func:`fisher_information` and :func:`average_fisher_information` are exact
  from the 2N+1 Fourier coefficients of P(x|φ) (no φ-grid for the likelihood).
"""

from __future__ import annotations

import numpy as np

from .estimators import bmse as _bmse
from .priors import GaussianPrior, GridPrior

__all__ = ["fisher_information", "average_fisher_information", "van_trees", "bcrb"]


def fisher_information(protocol, phi) -> np.ndarray:
    """Classical Fisher information ``F(φ) = Σ_x (∂_φP)²/P``, exact from the Fourier coefficients.

    The integrand of Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (8).
    Where P(x|φ) vanishes (a double zero, P ≥ 0) the term takes its limit 2∂²_φP.

    Parameters
    ----------
    protocol : RamseyProtocol or TabulatedLikelihood
        The likelihood P(x|φ).
    phi : float or array_like
        Phase(s) φ, in rad.

    Returns
    -------
    numpy.ndarray
        F(φ), in 1/rad², shape (len(phi),).
    """
    phases = np.atleast_1d(np.asarray(phi, dtype=float))
    coefficients = protocol._fourier_coefficients
    lags = np.arange(-protocol.atoms, protocol.atoms + 1)
    result = np.empty(phases.shape[0])
    for start in range(0, phases.shape[0], 1024):
        block = phases[start:start + 1024]
        waves = np.exp(1j * np.outer(block, lags))
        probability = (waves @ coefficients.T).real
        derivative = (waves @ (1j * lags * coefficients).T).real
        curvature = (waves @ (-(lags**2) * coefficients).T).real
        safe = probability > 1e-12
        ratio = np.where(safe, derivative**2 / np.where(safe, probability, 1.0), 2.0 * np.clip(curvature, 0, None))
        result[start:start + 1024] = ratio.sum(axis=1)
    return result


def average_fisher_information(protocol, prior, points: int | None = None) -> float:
    """Prior-averaged Fisher information ``F̄ = ∫ P(φ) F(φ) dφ`` (Kielinski & Hammerer eq. (8)).

    Gaussian prior: F is 2π-periodic, so the integral is taken over one period
    against the wrapped Gaussian on a uniform grid (trapezoid, spectrally
    accurate); grid prior: the prior's own quadrature.

    Parameters
    ----------
    protocol : RamseyProtocol or TabulatedLikelihood
        The likelihood P(x|φ) (through its Fourier coefficients).
    prior : GaussianPrior or GridPrior
        The phase prior (rad).
    points : int, optional
        Grid points over one period for a Gaussian prior (default
        ``max(512, 16(N+1))``).

    Returns
    -------
    float
        F̄, in 1/rad².

    Raises
    ------
    TypeError
        If ``prior`` is of another type.
    """
    if isinstance(prior, GridPrior):
        return float(prior.weights @ fisher_information(protocol, prior.phi))
    if not isinstance(prior, GaussianPrior):
        raise TypeError(f"prior must be a GaussianPrior or GridPrior, got {type(prior).__name__}")
    if points is None:
        points = max(512, 16 * (protocol.atoms + 1))
    phases = prior.mean + np.linspace(-np.pi, np.pi, points, endpoint=False)
    lags = np.arange(1, 4 * points)
    offset = phases - prior.mean
    wrapped = (1 + 2 * np.cos(np.outer(offset, lags)) @ np.exp(-0.5 * (lags * prior.width) ** 2)) / (2 * np.pi)
    if prior.width > 3.0:
        wrapped = np.full(points, 1 / (2 * np.pi))
    return float(np.sum(wrapped * fisher_information(protocol, phases)) * 2 * np.pi / points)


def van_trees(protocol, prior) -> float:
    """The van Trees bound ``1/(F̄ + I)`` (Kielinski & Hammerer eq. (7), right-hand side): a lower bound on :func:`bcrb`.

    Parameters
    ----------
    protocol : RamseyProtocol or TabulatedLikelihood
        The likelihood P(x|φ) (through its Fourier coefficients).
    prior : GaussianPrior or GridPrior
        The phase prior (rad).

    Returns
    -------
    float
        The bound, in rad².
    """
    return 1.0 / (average_fisher_information(protocol, prior) + prior.fisher_information)


def bcrb(protocol, prior) -> float:
    """Exact minimum BMSE over estimators for the protocol (the posterior mean, Kielinski & Hammerer eq. (25)).

    See the module docstring for how this relates to the paper's "BCRB".

    Parameters
    ----------
    protocol : RamseyProtocol or TabulatedLikelihood
        The likelihood P(x|φ) (through its Fourier coefficients).
    prior : GaussianPrior or GridPrior
        The phase prior (rad).

    Returns
    -------
    float
        The minimum BMSE, in rad².
    """
    return _bmse(protocol, prior, "bayes")
