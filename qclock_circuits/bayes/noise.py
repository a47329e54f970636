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
    """

    protocol: object
    coefficients: np.ndarray
    label: str = "noisy"
    samples: np.ndarray | None = None  # (2N+1, n_outcomes) probabilities at the DFT phases
    shots: int | None = None

    @property
    def atoms(self) -> int:
        return self.protocol.atoms

    @property
    def outcomes(self) -> np.ndarray:
        return self.protocol.outcomes

    @property
    def readout(self) -> str:
        return self.protocol.readout

    @property
    def name(self) -> str:
        return f"{self.protocol.name} ({self.label})"

    @property
    def family(self) -> str:
        return self.protocol.family

    @property
    def _fourier_coefficients(self) -> np.ndarray:
        return self.coefficients

    def fourier_coefficients(self) -> np.ndarray:
        return self.coefficients.copy()

    def outcome_index(self, excitations):
        return self.protocol.outcome_index(excitations)

    def probabilities(self, phi) -> np.ndarray:
        phases = np.atleast_1d(np.asarray(phi, dtype=float))
        lags = np.arange(-self.atoms, self.atoms + 1)
        values = (np.exp(1j * np.outer(phases, lags)) @ self.coefficients.T).real
        return np.clip(values, 0.0, None)

    def signal(self, phi) -> np.ndarray:
        return self.probabilities(phi) @ self.outcomes

    @classmethod
    def from_samples(cls, protocol, samples: np.ndarray, label: str = "noisy", shots: int | None = None):
        """Build from ``P(x|φ_j)`` at ``φ_j = 2πj/(2N+1)``, ``j = 0..2N`` (exact DFT)."""
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
    """The 2N+1 phases at which a degree-N likelihood is sampled exactly."""
    return 2 * np.pi * np.arange(2 * atoms + 1) / (2 * atoms + 1)


def noisy_likelihood(protocol, noise=None, *, shots: int | None = None, seed=None, oat: str = "rzz",
                     **rates) -> TabulatedLikelihood:
    """The protocol's likelihood under an Aer noise model.

    Parameters
    ----------
    protocol : RamseyProtocol
    noise : qiskit_aer.noise.NoiseModel, optional
        Default: :func:`qclock_circuits.circuits.noise_model` built from ``rates``
        (``dephasing``, ``depolarizing_1q``, ``depolarizing_2q``,
        ``readout_error``, ``amplitude_damping``).
    shots : int, optional
        ``None``: exact density-matrix simulation (small N). Otherwise the
        probabilities are estimated from ``shots`` Aer samples per phase.
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
    """BMSE (rad²) of one protocol without and with noise.

    ``designed``: the estimator built for the noiseless protocol, applied to
    the noisy data; ``rebuilt``: the estimator rebuilt for the noisy
    likelihood. ``*_error``: bootstrap standard errors (0 in exact mode).
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
        return {key: effective_measurement_uncertainty(getattr(self, key), self.prior_width)
                for key in ("noiseless", "designed", "rebuilt")}

    def to_dict(self) -> dict:
        data = dict(self.__dict__)
        data["dphi_m"] = self.dphi_m
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "NoiseStudy":
        return cls(**{k: v for k, v in data.items() if k != "dphi_m"})


def _designed_and_rebuilt(protocol, likelihood, prior, estimator):
    moments = outcome_moments(likelihood, prior)
    designed_table = estimator_table(protocol, prior, estimator)
    designed = prior.second_moment - 2 * designed_table @ moments.first + designed_table**2 @ moments.marginal
    rebuilt = bmse(likelihood, prior, estimator)
    return float(max(designed, 0.0)), float(rebuilt)


def noise_study(protocol, prior, noise=None, *, estimator: str = "bayes", shots: int | None = None,
                bootstrap: int = 50, seed=None, oat: str = "rzz", **rates) -> NoiseStudy:
    """Compare the noiseless BMSE with the noisy BMSE of the designed and the rebuilt estimator."""
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
    interrogation_times : array
        T/Z values.
    rates_at : callable
        ``rates_at(T)`` returns the keyword rates of the noise model at
        interrogation time T (e.g. dark-time dephasing ``(1 − e^{−T/T2})/2``).
    noise, dead_time
        Prior-width model (eq. 31, 42–43): noise word (``noise_type`` is its
        deprecated name) and T_D/Z.

    Returns
    -------
    dict of arrays ``times``, ``noiseless``, ``designed``, ``rebuilt``.
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
