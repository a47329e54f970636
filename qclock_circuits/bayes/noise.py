"""Bayesian figures of merit under Aer noise models.

Every noise channel of :func:`qclock_circuits.circuits.noise_model` is
independent of φ, and the imprint ``Π RZ(−φ)`` multiplies each density-matrix
element by ``e^{−iφ(m_a − m_b)}`` with ``|m_a − m_b| ≤ N``. The noisy
likelihood is therefore still a trigonometric polynomial of degree ≤ N, and
its ``2N+1`` Fourier coefficients follow *exactly* from its values at the
``2N+1`` phases ``φ_j = 2πj/(2N+1)`` (a discrete Fourier transform). The
noisy likelihood is then handed to the same exact Gaussian-prior machinery as
a noiseless protocol.

* exact mode (default): Aer density-matrix simulation at the 2N+1 phases;
* sampled mode (``shots=...``): Aer samples at the 2N+1 phases; error bars
  on every BMSE by a multinomial bootstrap of the counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._deprecation import renamed_arguments
from .._validation import QClockError, check_choice
from .estimators import allan_deviation, bmse, effective_measurement_uncertainty, estimator_table
from .moments import outcome_moments
from .priors import prior_width

__all__ = ["TabulatedLikelihood", "noisy_likelihood", "NoiseStudy", "noise_study", "stability_under_noise"]


@dataclass(frozen=True, eq=False)
class TabulatedLikelihood:
    """A likelihood ``P(x|φ) = Σ_d c[x, d+N] e^{idφ}`` with the interface the Bayesian layer uses.

    Duck-types :class:`~qclock_circuits.protocols.RamseyProtocol` for
    :func:`~.estimators.bmse`, :func:`~.estimators.estimator_table` and
    :func:`~.posterior.posterior`.

    Parameters
    ----------
    protocol : RamseyProtocol
        The protocol whose outcomes and readout the likelihood keeps.
    coefficients : numpy.ndarray of shape (n_outcomes, 2N+1)
        Complex Fourier coefficients, lags d = −N..N.
    label : str, optional
        Describes the origin (default ``'noisy'``); shown in :attr:`name`.
    samples : numpy.ndarray of shape (2N+1, n_outcomes), optional
        Probabilities at the DFT phases the coefficients came from.
    shots : int, optional
        Shots per phase when ``samples`` were estimated from counts.
    """

    protocol: object
    coefficients: np.ndarray
    label: str = "noisy"
    samples: np.ndarray | None = None  # (2N+1, n_outcomes) probabilities at the DFT phases
    shots: int | None = None

    @property
    def atoms(self) -> int:
        """Number of atoms N of the protocol."""
        return self.protocol.atoms

    @property
    def outcomes(self) -> np.ndarray:
        """Outcome values x of the protocol, in the column order of :meth:`probabilities`."""
        return self.protocol.outcomes

    @property
    def readout(self) -> str:
        """Readout of the protocol (``'jz'``, ``'parity'`` or ``'phase'``)."""
        return self.protocol.readout

    @property
    def name(self) -> str:
        """Display name: the protocol's name and :attr:`label`."""
        return f"{self.protocol.name} ({self.label})"

    @property
    def family(self) -> str:
        """Family of the protocol (e.g. ``'css'``)."""
        return self.protocol.family

    @property
    def _fourier_coefficients(self) -> np.ndarray:
        return self.coefficients

    def fourier_coefficients(self) -> np.ndarray:
        """The Fourier coefficients ``c[x, d+N]`` of the likelihood.

        Returns
        -------
        numpy.ndarray
            Complex array of shape (n_outcomes, 2N+1) (a copy).
        """
        return self.coefficients.copy()

    def outcome_index(self, excitations):
        """Column index of the outcome for ``k`` excited atoms (as the protocol's).

        Parameters
        ----------
        excitations : int or array_like of int
            Number k of excited atoms, 0..N.

        Returns
        -------
        numpy.ndarray of int
            Column of :meth:`probabilities`.
        """
        return self.protocol.outcome_index(excitations)

    def probabilities(self, phi) -> np.ndarray:
        """Outcome probabilities P(x|φ) from the Fourier series.

        Parameters
        ----------
        phi : float or array_like
            Phase(s) φ, in rad.

        Returns
        -------
        numpy.ndarray
            Float array of shape (len(phi), n_outcomes), clipped at 0.
        """
        phases = np.atleast_1d(np.asarray(phi, dtype=float))
        lags = np.arange(-self.atoms, self.atoms + 1)
        values = (np.exp(1j * np.outer(phases, lags)) @ self.coefficients.T).real
        return np.clip(values, 0.0, None)

    def signal(self, phi) -> np.ndarray:
        """Mean outcome ⟨x⟩(φ), the Ramsey signal.

        Parameters
        ----------
        phi : float or array_like
            Phase(s) φ, in rad.

        Returns
        -------
        numpy.ndarray
            Float array of shape (len(phi),), in the unit of the outcomes.
        """
        return self.probabilities(phi) @ self.outcomes

    @classmethod
    def from_samples(cls, protocol, samples: np.ndarray, label: str = "noisy", shots: int | None = None):
        """Build from ``P(x|φ_j)`` at ``φ_j = 2πj/(2N+1)``, ``j = 0..2N`` (exact DFT).

        Parameters
        ----------
        protocol : RamseyProtocol
            The protocol the samples belong to.
        samples : array_like of shape (2N+1, n_outcomes)
            Probabilities (or frequencies) at the phases of :func:`dft_phases`.
        label : str, optional
            Describes the origin (default ``'noisy'``).
        shots : int, optional
            Shots per phase when the samples are frequencies.

        Returns
        -------
        TabulatedLikelihood
            The likelihood whose Fourier series interpolates the samples exactly.

        Raises
        ------
        QClockError
            If ``samples`` has the wrong shape.
        """
        samples = np.asarray(samples, dtype=float)
        length = 2 * protocol.atoms + 1
        if samples.shape != (length, len(protocol.outcomes)):
            raise QClockError(f"samples must have shape (2N+1, n_outcomes) = {(length, len(protocol.outcomes))}, "
                              f"got {samples.shape}")
        phases = dft_phases(protocol.atoms)
        lags = np.arange(-protocol.atoms, protocol.atoms + 1)
        coefficients = (np.exp(-1j * np.outer(lags, phases)) @ samples).T / length
        return cls(protocol=protocol, coefficients=coefficients, label=label, samples=samples, shots=shots)


def dft_phases(atoms: int) -> np.ndarray:
    """The 2N+1 phases at which a degree-N likelihood is sampled exactly.

    Parameters
    ----------
    atoms : int
        Number of atoms N.

    Returns
    -------
    numpy.ndarray
        ``φ_j = 2πj/(2N+1)`` for j = 0..2N, in rad.
    """
    return 2 * np.pi * np.arange(2 * atoms + 1) / (2 * atoms + 1)


def noisy_likelihood(protocol, noise=None, *, shots: int | None = None, seed=None, oat: str = "rzz",
                     **rates) -> TabulatedLikelihood:
    """The protocol's likelihood under an Aer noise model.

    Parameters
    ----------
    protocol : RamseyProtocol
        The protocol (small N: density-matrix simulation of N qubits).
    noise : qiskit_aer.noise.NoiseModel, optional
        Default: :func:`qclock_circuits.circuits.noise_model` built from ``rates``.
    shots : int, optional
        ``None``: exact density-matrix simulation (small N). Otherwise the
        probabilities are estimated from ``shots`` Aer samples per phase
        (keyword only).
    seed : int or numpy.random.Generator, optional
        Seed of the sampler (sampled mode; keyword only).
    oat : {'rzz', 'ms'}, optional
        Form of the one-axis twists in the circuit (keyword only, default ``'rzz'``).
    **rates
        Keyword rates of :func:`~qclock_circuits.circuits.noise_model`
        (``dephasing``, ``depolarizing_1q``, ``depolarizing_2q``,
        ``readout_error``, ``amplitude_damping``), instead of ``noise``.

    Returns
    -------
    TabulatedLikelihood
        The noisy likelihood, exact or estimated.

    Raises
    ------
    QClockError
        If ``shots`` is not a positive integer or a rate is invalid.
    TypeError
        If both ``noise`` and rates are given.
    """
    from ..circuits import noisy_probabilities, noisy_sampler, sample_outcomes

    phases = dft_phases(protocol.atoms)
    if shots is None:
        samples = noisy_probabilities(protocol, phases, noise, oat=oat, **rates)
        return TabulatedLikelihood.from_samples(protocol, samples, label="noisy, exact")
    if int(shots) != shots or shots < 1:
        raise QClockError(f"shots must be a positive integer, got {shots!r}")
    sampler = noisy_sampler(noise, seed=seed, **rates)
    counts = sample_outcomes(protocol, phases, sampler=sampler, shots=int(shots), seed=seed, oat=oat)
    return TabulatedLikelihood.from_samples(protocol, counts / shots, label=f"noisy, {shots} shots", shots=int(shots))


@dataclass(frozen=True)
class NoiseStudy:
    """BMSE of one protocol without and with noise.

    ``designed``: the estimator built for the noiseless protocol, applied to
    the noisy data; ``rebuilt``: the estimator rebuilt for the noisy
    likelihood.

    Parameters
    ----------
    protocol : str
        Name of the protocol.
    estimator : str
        ``'bayes'``, ``'linear'`` or ``'arcsin'``.
    prior_width : float
        Width δφ of the Gaussian prior, in rad.
    noiseless : float
        BMSE without noise, in rad².
    designed : float
        BMSE with noise of the noiseless estimator, in rad².
    rebuilt : float
        BMSE with noise of the estimator rebuilt for the noisy likelihood, in rad².
    designed_error : float, optional
        Bootstrap standard error of ``designed`` (0 in exact mode), in rad².
    rebuilt_error : float, optional
        Bootstrap standard error of ``rebuilt`` (0 in exact mode), in rad².
    """

    protocol: str
    estimator: str
    prior_width: float
    noiseless: float
    designed: float
    rebuilt: float
    designed_error: float = 0.0
    rebuilt_error: float = 0.0

    @property
    def dphi_m(self) -> dict:
        """Effective measurement uncertainty Δφ_M (rad, Kielinski & Hammerer eq. (27)) of each BMSE, by key."""
        return {key: effective_measurement_uncertainty(getattr(self, key), self.prior_width)
                for key in ("noiseless", "designed", "rebuilt")}

    def to_dict(self) -> dict:
        """JSON-compatible form.

        Returns
        -------
        dict
            The fields by name plus ``dphi_m`` (Δφ_M in rad of the three BMSEs).
        """
        data = dict(self.__dict__)
        data["dphi_m"] = self.dphi_m
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "NoiseStudy":
        """Inverse of :meth:`to_dict` (``dphi_m`` is recomputed).

        Parameters
        ----------
        data : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        NoiseStudy
            The study described by ``data``.
        """
        return cls(**{k: v for k, v in data.items() if k != "dphi_m"})


def _designed_and_rebuilt(protocol, likelihood, prior, estimator):
    moments = outcome_moments(likelihood, prior)
    designed_table = estimator_table(protocol, prior, estimator)
    designed = prior.second_moment - 2 * designed_table @ moments.first + designed_table**2 @ moments.marginal
    rebuilt = bmse(likelihood, prior, estimator)
    return float(max(designed, 0.0)), float(rebuilt)


def noise_study(protocol, prior, noise=None, *, estimator: str = "bayes", shots: int | None = None,
                bootstrap: int = 50, seed=None, oat: str = "rzz", **rates) -> NoiseStudy:
    """Compare the noiseless BMSE with the noisy BMSE of the designed and the rebuilt estimator.

    Parameters
    ----------
    protocol : RamseyProtocol
        The protocol (small N).
    prior : GaussianPrior
        The phase prior (rad).
    noise : qiskit_aer.noise.NoiseModel, optional
        Default: :func:`~qclock_circuits.circuits.noise_model` built from ``rates``.
    estimator : {'bayes', 'linear', 'arcsin'}, optional
        Estimator (keyword only, default ``'bayes'``).
    shots : int, optional
        Sampled mode with this many shots per phase; None for exact (keyword only).
    bootstrap : int, optional
        Multinomial bootstrap replicas for the error bars in sampled mode
        (keyword only, default 50).
    seed : int, optional
        Seed of the sampler and of the bootstrap (keyword only).
    oat : {'rzz', 'ms'}, optional
        Form of the one-axis twists (keyword only, default ``'rzz'``).
    **rates
        Keyword rates of :func:`~qclock_circuits.circuits.noise_model`.

    Returns
    -------
    NoiseStudy
        The three BMSEs (rad²) and their bootstrap errors.

    Raises
    ------
    QClockError
        If the estimator is unknown, ``shots`` is invalid or a rate is invalid.
    """
    check_choice(estimator, "estimator", ("bayes", "linear", "arcsin"))
    likelihood = noisy_likelihood(protocol, noise, shots=shots, seed=seed, oat=oat, **rates)
    designed, rebuilt = _designed_and_rebuilt(protocol, likelihood, prior, estimator)
    designed_error = rebuilt_error = 0.0
    if shots is not None and bootstrap > 0:
        rng = np.random.default_rng(seed)
        draws = []
        for _ in range(bootstrap):
            resampled = np.array([rng.multinomial(shots, row / row.sum()) for row in likelihood.samples]) / shots
            replica = TabulatedLikelihood.from_samples(protocol, resampled, shots=shots)
            draws.append(_designed_and_rebuilt(protocol, replica, prior, estimator))
        designed_error, rebuilt_error = np.std(np.array(draws), axis=0, ddof=1)
    return NoiseStudy(protocol=protocol.name, estimator=estimator, prior_width=float(prior.width),
                      noiseless=bmse(protocol, prior, estimator), designed=designed, rebuilt=rebuilt,
                      designed_error=float(designed_error), rebuilt_error=float(rebuilt_error))


@renamed_arguments(noise_type="noise")
def stability_under_noise(protocol, interrogation_times, rates_at, *, noise="flicker", dead_time=0.0,
                          estimator: str = "bayes") -> dict:
    """Dimensionless Allan deviation σ(T) without noise, and with noise (designed / rebuilt estimator).

    Parameters
    ----------
    protocol : RamseyProtocol
        The protocol (small N).
    interrogation_times : array
        Dark times T, in units of the laser coherence time Z.
    rates_at : callable
        ``rates_at(T)`` returns the keyword rates of the noise model at
        interrogation time T (e.g. dark-time dephasing ``(1 − e^{−T/T2})/2``).
    noise : {'white', 'flicker', 'random_walk'} or int, optional
        Laser noise type of the prior-width model (Kielinski & Hammerer,
        arXiv:2505.04287 (2025), eq. (31); keyword only, default ``'flicker'``;
        ``noise_type`` is its deprecated name).
    dead_time : float, optional
        Dead time T_D, in units of Z (eqs. (42)–(43); keyword only, default 0).
    estimator : {'bayes', 'linear', 'arcsin'}, optional
        Estimator (keyword only, default ``'bayes'``).

    Returns
    -------
    dict
        Arrays ``times`` (T/Z), and the dimensionless σ (eq. (29))
        ``noiseless``, ``designed``, ``rebuilt``, one entry per time.
    """
    from .priors import GaussianPrior

    times = np.asarray(interrogation_times, dtype=float)
    curves = {"times": times, "noiseless": [], "designed": [], "rebuilt": []}
    for time in times:
        width = prior_width(time, noise, dead_time)
        study = noise_study(protocol, GaussianPrior(width), estimator=estimator, **rates_at(time))
        for key in ("noiseless", "designed", "rebuilt"):
            dphi_m = effective_measurement_uncertainty(getattr(study, key), width)
            curves[key].append(allan_deviation(dphi_m, time, dead_time))
    return {key: np.asarray(value) for key, value in curves.items()}
