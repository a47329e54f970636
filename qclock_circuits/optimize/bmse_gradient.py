"""Stage 1 of the BMSE gradient: the BMSE as a function of a likelihood's Fourier coefficients.

Every engine that describes a Ramsey protocol by the Fourier coefficients of
its likelihood,

    P(x|φ) = Σ_{d=-N}^{N} c[x, d+N] e^{idφ}        (ARCHITECTURE.md, "Two backends, one truth"),

gets the exact BMSE under a Gaussian prior N(μ, δ²) and its exact gradient
with respect to ``c`` from :class:`CoefficientCost`. With the prior moments
``z_n[d] = E[φ^n e^{idφ}]`` (:func:`qclock_circuits.bayes.gaussian_phase_moments`)
the prior-averaged moments are ``P(x) = Re Σ_d c[x,d] z_0[d]`` and
``m1(x) = Re Σ_d c[x,d] z_1[d]``, and (Kielinski & Hammerer, arXiv:2505.04287
(2025), eqs. (3), (22)–(25))

* posterior mean (``'bayes'``): ``BMSE = E[φ²] − Σ_x m1(x)²/P(x)``;
* linear estimator ``a·x``: ``BMSE = E[φ²] − 2a Σ x m1 + a² Σ x² P`` with the
  optimal ``a = Σ x m1 / Σ x² P``.

Gradient convention (used by every stage of the chain). For a real loss L of
complex arrays the gradient is ``∂L/∂Re c + i ∂L/∂Im c``, so that
``dL = Re Σ conj(grad) · dc``. Entries of ``c`` are treated as independent
(the Hermitian symmetry ``c[x, N−d] = conj(c[x, N+d])`` is not used), so an
engine's vector-Jacobian product must map a gradient over *all* entries.

Interface for other engines. A noisy (density-matrix) engine that returns
``c`` for a parameter vector and a vector-Jacobian product
``vjp(grad_c) -> grad_parameters`` gets the gradient of the BMSE as
``vjp(CoefficientCost(...).value_and_gradient(c)[1])``; the pure-state engine
of :mod:`.compiled` is one such pair.
"""

from __future__ import annotations

import numpy as np

from .._validation import QClockError, check_choice, check_finite_array
from ..bayes import GaussianPrior
from ..bayes.moments import gaussian_phase_moments

__all__ = ["GRADIENT_ESTIMATORS", "CoefficientCost"]

GRADIENT_ESTIMATORS = ("bayes", "linear")
_TINY = 1e-300  # outcomes with P(x) below this carry no information (as in bayes.bmse)


class CoefficientCost:
    """BMSE (rad²) of Fourier coefficients ``c`` and its gradient dBMSE/dc, for one prior and estimator.

    Parameters
    ----------
    atoms : int
        N; ``c`` has 2N+1 columns (lags d = −N..N).
    outcomes : array (n_outcomes,)
        Outcome values x in the row order of ``c`` (used by the linear estimator).
    prior : GaussianPrior or float
        Gaussian phase prior, or its width δφ (rad).
    estimator : {'bayes', 'linear'}
        Posterior mean (Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (25)) or the optimal
        linear estimator (eqs. (22)–(23)).

    Raises
    ------
    QClockError
        For an unknown estimator or non-finite outcomes.

    Notes
    -----
    The value agrees with :func:`qclock_circuits.bayes.bmse` of a protocol with these coefficients to
    rounding (same moments, same masking of ``P(x) ≤ 1e-300``, same clip at 0). Where the clip at 0
    is active the returned gradient is that of the unclipped expression.
    """

    def __init__(self, atoms: int, outcomes, prior, estimator: str = "bayes"):
        self.estimator = check_choice(estimator, "estimator", GRADIENT_ESTIMATORS)
        self.prior = prior if isinstance(prior, GaussianPrior) else GaussianPrior(prior)
        self.atoms = int(atoms)
        self.outcomes = check_finite_array(outcomes, "outcomes", ndim=1)
        lags = np.arange(-self.atoms, self.atoms + 1)
        zeroth, first, _ = gaussian_phase_moments(self.prior, lags)
        # one product gives P(x) and m1(x) for all outcomes: columns (z0, z1)
        self._moments = np.ascontiguousarray(np.stack([zeroth, first], axis=1))
        self._moments_conj = np.ascontiguousarray(self._moments.conj().T)
        self._second = float(self.prior.second_moment)

    def value(self, coefficients: np.ndarray) -> float:
        """BMSE of the Fourier coefficients of a likelihood.

        Parameters
        ----------
        coefficients : numpy.ndarray of shape (n_outcomes, 2N+1)
            ``c[x, d+N]`` with ``P(x|φ) = Σ_d c[x, d+N] e^{idφ}``.

        Returns
        -------
        float
            The Bayesian mean squared error, in rad².

        Raises
        ------
        QClockError
            If ``coefficients`` has the wrong shape.
        """
        return self._evaluate(coefficients, gradient=False)[0]

    def value_and_gradient(self, coefficients: np.ndarray) -> tuple[float, np.ndarray]:
        """BMSE and its gradient with respect to the Fourier coefficients.

        Parameters
        ----------
        coefficients : numpy.ndarray of shape (n_outcomes, 2N+1)
            ``c[x, d+N]`` with ``P(x|φ) = Σ_d c[x, d+N] e^{idφ}``.

        Returns
        -------
        value : float
            The BMSE, in rad².
        gradient : numpy.ndarray
            Complex array of the shape of ``coefficients``,
            ``∂BMSE/∂Re c + i ∂BMSE/∂Im c`` (convention of the module docstring), in rad².

        Raises
        ------
        QClockError
            If ``coefficients`` has the wrong shape.
        """
        return self._evaluate(coefficients, gradient=True)

    def _evaluate(self, coefficients: np.ndarray, gradient: bool):
        c = np.asarray(coefficients)
        if c.shape != (self.outcomes.shape[0], 2 * self.atoms + 1):
            raise QClockError(f"coefficients must have shape ({self.outcomes.shape[0]}, {2 * self.atoms + 1}) "
                              f"(outcomes, lags −N..N), got {c.shape}")
        moments = (c @ self._moments).real
        marginal = np.clip(moments[:, 0], 0.0, None)
        first = moments[:, 1]
        if self.estimator == "bayes":
            mask = marginal > _TINY
            safe = np.where(mask, marginal, 1.0)
            estimate = np.where(mask, first / safe, 0.0)
            value = self._second - float(np.sum(first[mask] ** 2 / marginal[mask]))
            d_marginal = estimate**2
            d_first = -2.0 * estimate
        else:
            x = self.outcomes
            denominator = float(np.sum(x**2 * marginal))
            scale = float(np.sum(x * first) / denominator) if denominator > _TINY else 0.0
            table = scale * x
            value = self._second - 2.0 * table @ first + (table**2) @ marginal
            # the optimal scale is stationary, so its own variation does not contribute
            d_marginal = table**2
            d_first = -2.0 * table
        value = float(max(value, 0.0))
        if not gradient:
            return value, None
        weights = np.stack([d_marginal, d_first], axis=1)  # (n_outcomes, 2)
        return value, weights @ self._moments_conj
