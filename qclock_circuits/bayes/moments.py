"""Prior-averaged moments of a protocol's likelihood, the input of every estimator.

For each outcome x:

    P(x)   = ∫ dφ P(φ) P(x|φ)          (marginal)
    m1(x)  = ∫ dφ P(φ) P(x|φ) φ
    m2(x)  = ∫ dφ P(φ) P(x|φ) φ²

Gaussian prior: exact, from the Fourier coefficients of P(x|φ)
(``P(x|φ) = Σ_d c_x(d) e^{idφ}``) and ``E[φ^n e^{idφ}]`` in closed form — no
quadrature. Grid prior: quadrature of ``protocol.probabilities`` on the grid,
an independent route used to cross-check the Fourier one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .priors import GaussianPrior, GridPrior

__all__ = ["OutcomeMoments", "outcome_moments", "gaussian_phase_moments", "phase_moments"]


@dataclass(frozen=True)
class OutcomeMoments:
    """Prior-averaged moments of a likelihood for every outcome, and the prior's E[φ], E[φ²].

    Parameters
    ----------
    outcomes : numpy.ndarray of shape (n_outcomes,)
        Outcome values x (M, parity ±1, or phase in rad).
    marginal : numpy.ndarray of shape (n_outcomes,)
        ``P(x) = ∫ dφ P(φ) P(x|φ)`` (dimensionless, clipped at 0).
    first : numpy.ndarray of shape (n_outcomes,)
        ``m1(x) = ∫ dφ P(φ) P(x|φ) φ``, in rad.
    second : numpy.ndarray of shape (n_outcomes,)
        ``m2(x) = ∫ dφ P(φ) P(x|φ) φ²``, in rad².
    prior_mean : float
        E[φ], in rad.
    prior_second_moment : float
        E[φ²], in rad².
    """

    outcomes: np.ndarray
    marginal: np.ndarray
    first: np.ndarray
    second: np.ndarray
    prior_mean: float
    prior_second_moment: float

    def to_dict(self) -> dict:
        """JSON-compatible form.

        Returns
        -------
        dict
            The fields by name, arrays as lists.
        """
        return {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in self.__dict__.items()}


def gaussian_phase_moments(prior: GaussianPrior, lags: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Moments ``E[e^{idφ}]``, ``E[φ e^{idφ}]``, ``E[φ² e^{idφ}]`` for φ ~ N(μ, δ²), in closed form.

    With ``z = μ + i d δ²``: ``E[e^{idφ}] = e^{idμ − d²δ²/2}``,
    ``E[φ e^{idφ}] = z E[e^{idφ}]``, ``E[φ² e^{idφ}] = (z² + δ²) E[e^{idφ}]``.

    Parameters
    ----------
    prior : GaussianPrior
        The phase prior (mean μ and width δ in rad).
    lags : array_like
        Lags d (the Fourier orders −N..N of a likelihood).

    Returns
    -------
    zeroth : numpy.ndarray
        ``E[e^{idφ}]``, complex, of the shape of ``lags``.
    first : numpy.ndarray
        ``E[φ e^{idφ}]``, in rad.
    second : numpy.ndarray
        ``E[φ² e^{idφ}]``, in rad².
    """
    lags = np.asarray(lags, dtype=float)
    zeroth = prior.characteristic(lags)
    shift = prior.mean + 1j * lags * prior.variance
    return zeroth, shift * zeroth, (shift**2 + prior.variance) * zeroth


def phase_moments(prior, lags) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Moments ``E[e^{idφ}]``, ``E[φ e^{idφ}]``, ``E[φ² e^{idφ}]`` under any supported prior.

    Closed form for a :class:`GaussianPrior`, quadrature on the grid for a
    :class:`GridPrior`.

    Parameters
    ----------
    prior : GaussianPrior or GridPrior
        The phase prior (rad).
    lags : array_like
        Lags d.

    Returns
    -------
    zeroth : numpy.ndarray
        ``E[e^{idφ}]``, complex, of the shape of ``lags``.
    first : numpy.ndarray
        ``E[φ e^{idφ}]``, in rad.
    second : numpy.ndarray
        ``E[φ² e^{idφ}]``, in rad².

    Raises
    ------
    TypeError
        If ``prior`` is of another type.
    """
    lags = np.asarray(lags, dtype=float)
    if isinstance(prior, GaussianPrior):
        return gaussian_phase_moments(prior, lags)
    if isinstance(prior, GridPrior):
        phases = np.exp(1j * np.outer(lags, prior.phi))
        weights = prior.weights
        return phases @ weights, phases @ (weights * prior.phi), phases @ (weights * prior.phi**2)
    raise TypeError(f"prior must be a GaussianPrior or GridPrior, got {type(prior).__name__}")


def outcome_moments(protocol, prior) -> OutcomeMoments:
    """Prior-averaged moments of a protocol's likelihood.

    Exact from the Fourier coefficients for a Gaussian prior; quadrature of
    ``protocol.probabilities`` on the grid for a grid prior.

    Parameters
    ----------
    protocol : RamseyProtocol or TabulatedLikelihood
        The likelihood P(x|φ).
    prior : GaussianPrior or GridPrior
        The phase prior (rad).

    Returns
    -------
    OutcomeMoments
        P(x), m1(x) (rad), m2(x) (rad²) and the prior's moments.

    Raises
    ------
    TypeError
        If ``prior`` is of another type.
    """
    if isinstance(prior, GaussianPrior):
        coefficients = protocol._fourier_coefficients  # (n_outcomes, 2N+1), read-only use
        lags = np.arange(-protocol.atoms, protocol.atoms + 1)
        zeroth, first, second = gaussian_phase_moments(prior, lags)
        marginal = (coefficients @ zeroth).real
        m1 = (coefficients @ first).real
        m2 = (coefficients @ second).real
    elif isinstance(prior, GridPrior):
        likelihood = protocol.probabilities(prior.phi)  # (n_grid, n_outcomes)
        weights = prior.weights
        marginal = weights @ likelihood
        m1 = (weights * prior.phi) @ likelihood
        m2 = (weights * prior.phi**2) @ likelihood
    else:
        raise TypeError(f"prior must be a GaussianPrior or GridPrior, got {type(prior).__name__}")
    return OutcomeMoments(outcomes=np.asarray(protocol.outcomes, dtype=float),
                          marginal=np.clip(marginal, 0.0, None), first=m1, second=m2,
                          prior_mean=float(prior.mean), prior_second_moment=float(prior.second_moment))
