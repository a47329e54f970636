"""A Ramsey clock protocol as a qiskit-experiments experiment, with its Bayesian analysis.

:class:`RamseyClockExperiment` turns a :class:`~qclock_circuits.protocols.RamseyProtocol`
into one circuit per applied phase φ_i (the dark-time phase ``exp(−iφJz)`` bound to
φ_i); ``experiment.run(backend, shots=...)`` runs them on any backend (Aer, a
calibrated fake device, a real processor) and :class:`RamseyClockAnalysis` turns
the counts into

* ``phase_estimate`` (one per circuit): the posterior mean of φ after all shots of
  that circuit, ± the posterior standard deviation, the applied phase in ``extra``;
* ``bmse``: the measured Bayesian mean squared error of the single-shot estimator
  φ̂(x) against the applied phases, (1/n) Σ_shots (φ̂(x) − φ_i)², ± its standard
  error (Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (3));
* ``bmse_expected`` (the exact expectation for the same phases and shots) and
  ``bmse_prior`` (the exact BMSE averaged over the prior);
* ``goodness_of_fit``: Pearson's χ² of the outcome counts against the exact
  P(x|φ_i) of the collective engine, with its p-value (a wrong sign of φ, a wrong
  readout map or an unmodelled noise shows up as p ≈ 0);
* a figure of the measured signal ⟨x⟩(φ) against the exact one and of the
  per-circuit posteriors.

The split follows qiskit-experiments: the experiment builds circuits with
metadata, the analysis reads :class:`~qiskit_experiments.framework.ExperimentData`.
"""

from __future__ import annotations

import numbers

import numpy as np
from qiskit_experiments.framework import AnalysisResultData, BaseAnalysis, BaseExperiment, Options

from .._validation import QClockError, check_choice
from ..bayes import GaussianPrior, GridPrior, bmse, estimator_table, outcome_count_vector, posterior
from ..circuits import OAT_FORMS, chi_square_test, protocol_to_circuit
from ..protocols.ramsey import RamseyProtocol

__all__ = ["RamseyClockExperiment", "RamseyClockAnalysis", "phase_support", "shot_mean_squared_error"]

#: Half-width, in prior standard deviations, of the support of a Gaussian prior (the posterior's grid).
SUPPORT_SIGMAS = 12.0


def phase_support(prior) -> tuple[float, float]:
    """The phase interval (rad) on which ``prior`` and every posterior from it live.

    A :class:`~qclock_circuits.bayes.GridPrior` lives on its grid; a
    :class:`~qclock_circuits.bayes.GaussianPrior` on mean ± 12 widths (the grid
    of :func:`qclock_circuits.bayes.posterior`).

    Parameters
    ----------
    prior : GaussianPrior or GridPrior
        Prior of the phase φ.

    Returns
    -------
    low, high : float
        Ends of the interval (rad).

    Raises
    ------
    TypeError
        If ``prior`` is neither a GaussianPrior nor a GridPrior.
    """
    if isinstance(prior, GaussianPrior):
        return prior.support(SUPPORT_SIGMAS)
    if isinstance(prior, GridPrior):
        return float(prior.phi[0]), float(prior.phi[-1])
    raise TypeError(f"prior must be a GaussianPrior or GridPrior, got {type(prior).__name__}")


def _check_phases(phases, prior) -> tuple[float, ...]:
    values = np.asarray(phases, dtype=float).ravel() if phases is not None else None
    if values is None or values.size == 0:
        raise QClockError(f"phases must be a non-empty list of phases (rad), got {phases!r}")
    if not np.all(np.isfinite(values)):
        raise QClockError(f"phases must be finite, got {values.tolist()}")
    low, high = phase_support(prior)
    outside = values[(values < low) | (values > high)]
    if outside.size:
        raise QClockError(f"phases {outside.tolist()} lie outside the prior's support [{low:.6g}, {high:.6g}] rad; "
                          "give phases the prior allows (a likely phase is within a few prior widths of its mean)")
    return tuple(float(v) for v in values)


def shot_mean_squared_error(table, phases, counts) -> tuple[float, float]:
    """Mean of (φ̂(x) − φ_i)² over every shot, and its standard error (rad²).

    Parameters
    ----------
    table : array (K,)
        Estimate φ̂(x) (rad) for each outcome.
    phases : array (P,)
        Applied phase φ_i (rad) of each row of ``counts``.
    counts : array (P, K)
        Outcome counts at each phase.

    Returns
    -------
    (float, float)
        The mean over all shots, and its standard error given the applied
        phases (shots are independent; the variance within each phase is the
        sample variance of that phase's squared errors).

    Raises
    ------
    QClockError
        If the counts hold no shots.
    """
    counts = np.asarray(counts, dtype=float)
    squared = (np.asarray(table, dtype=float)[None, :] - np.asarray(phases, dtype=float)[:, None]) ** 2
    shots = counts.sum(axis=1)
    total = shots.sum()
    if total <= 0:
        raise QClockError("counts hold no shots")
    mean = float((counts * squared).sum() / total)
    safe = np.where(shots > 0, shots, 1.0)
    row_mean = (counts * squared).sum(axis=1) / safe
    row_var = np.clip((counts * squared**2).sum(axis=1) / safe - row_mean**2, 0.0, None)
    return mean, float(np.sqrt(np.sum(shots * row_var)) / total)


def _prior_from_dict(data: dict):
    return (GridPrior if "density" in data else GaussianPrior).from_dict(data)


class RamseyClockAnalysis(BaseAnalysis):
    """Bayesian analysis of a :class:`RamseyClockExperiment`: posteriors, phase estimates, BMSE, χ² test.

    Analysis options: ``prior`` (the experiment's prior), ``plot`` (draw the
    figure, default True), ``max_posteriors`` (posteriors drawn, default 6),
    ``min_expected`` (pooling threshold of the χ² test, default 5).

    The single-shot estimator is the posterior mean φ̂(x) = E[φ | x] (Kielinski &
    Hammerer, arXiv:2505.04287 (2025), eq. (4)); the per-circuit phase estimate
    uses all shots of that circuit.
    """

    @classmethod
    def _default_options(cls) -> Options:
        options = super()._default_options()
        options.prior = None
        options.plot = True
        options.max_posteriors = 6
        options.min_expected = 5.0
        return options

    def _run_analysis(self, experiment_data):
        from uncertainties import ufloat

        data = experiment_data.data()
        if not data:
            raise QClockError("the experiment data hold no results; run the experiment first")
        prior = self.options.prior
        if prior is None:
            prior = _prior_from_dict(experiment_data.metadata["prior"])
        protocol = RamseyProtocol.from_dict(data[0]["metadata"]["protocol"])
        phases = np.array([datum["metadata"]["phase"] for datum in data], dtype=float)
        counts = np.array([outcome_count_vector(protocol, datum["counts"]) for datum in data], dtype=float)
        shots = counts.sum(axis=1)
        if np.any(shots == 0):
            raise QClockError("a circuit returned no shots; run with shots >= 1")
        table = estimator_table(protocol, prior, "bayes")
        squared = (table[None, :] - phases[:, None]) ** 2  # (circuits, outcomes)
        total = shots.sum()
        measured, stderr = shot_mean_squared_error(table, phases, counts)
        probabilities = protocol.probabilities(phases)
        expected = float((shots * (probabilities * squared).sum(axis=1)).sum() / total)
        fit = chi_square_test(counts, probabilities, min_expected=self.options.min_expected)
        quality = "good" if fit.p_value > 1e-3 else "bad"

        results = []
        posteriors = []
        for index, (phase, row) in enumerate(zip(phases, counts)):
            post = posterior(protocol, prior, row.astype(np.int64))
            posteriors.append(post)
            results.append(AnalysisResultData(
                name="phase_estimate", value=ufloat(post.mean, post.std),
                extra={"applied_phase": float(phase), "circuit_index": index, "shots": int(row.sum()),
                       "unit": "rad"}))
        results.append(AnalysisResultData(
            name="bmse", value=ufloat(measured, stderr), quality=quality,
            extra={"unit": "rad^2", "shots": int(total), "estimator": "bayes",
                   "z_score": (measured - expected) / stderr if stderr > 0 else 0.0}))
        results.append(AnalysisResultData(name="bmse_expected", value=expected, extra={"unit": "rad^2"}))
        results.append(AnalysisResultData(name="bmse_prior", value=bmse(protocol, prior, "bayes"),
                                          extra={"unit": "rad^2"}))
        results.append(AnalysisResultData(
            name="goodness_of_fit", value=fit.p_value, chisq=fit.statistic / max(fit.dof, 1), quality=quality,
            extra={"statistic": fit.statistic, "dof": fit.dof, "bins": fit.bins}))
        figures = [self._figure(protocol, phases, counts, posteriors)] if self.options.plot else []
        return results, figures

    def _figure(self, protocol, phases, counts, posteriors):
        from matplotlib.figure import Figure

        figure = Figure(figsize=(10, 4))
        left, right = figure.subplots(1, 2)
        outcomes = np.asarray(protocol.outcomes, dtype=float)
        shots = counts.sum(axis=1)
        mean = counts @ outcomes / shots
        spread = np.sqrt(np.clip(counts @ outcomes**2 / shots - mean**2, 0.0, None) / shots)
        grid = np.linspace(min(phases.min(), -np.pi / 2), max(phases.max(), np.pi / 2), 400)
        left.plot(grid, protocol.signal(grid), color="C0", label="exact ⟨x⟩(φ)")
        left.errorbar(phases, mean, yerr=spread, fmt="o", color="C1", label="measured")
        left.set_xlabel("applied phase φ (rad)")
        left.set_ylabel("mean outcome ⟨x⟩")
        left.legend()
        for index in range(min(len(posteriors), int(self.options.max_posteriors))):
            post = posteriors[index]
            line, = right.plot(post.phi, post.density)
            right.axvline(phases[index], color=line.get_color(), linestyle=":")
        right.set_xlabel("φ (rad)")
        right.set_ylabel("posterior density")
        right.set_title("posteriors (dotted: applied phase)")
        figure.tight_layout()
        return figure


class RamseyClockExperiment(BaseExperiment):
    """A Ramsey interrogation protocol run at given phases, as a qiskit-experiments experiment.

    Parameters
    ----------
    protocol : RamseyProtocol
        The protocol (CSS, SSS, GHZ, variational, …); N = ``protocol.atoms`` qubits.
    phases : sequence of float, optional
        The dark-time phases φ_i (rad) applied, one circuit each. They must lie
        in the prior's support (:func:`phase_support`). By default
        ``num_phases`` phases are drawn from the prior with ``seed``; phases
        drawn from the prior make the measured BMSE an estimate of the prior BMSE.
    prior : GaussianPrior or GridPrior
        The prior of φ that the estimator and the BMSE refer to
        (Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (6)).
    physical_qubits : sequence of int, optional
        Device qubits for the atoms (default ``0..N−1``).
    backend : Backend, optional
        It must have at least N qubits.
    num_phases : int
        Number of phases drawn from the prior when ``phases`` is not given.
    seed : int, optional
        Seed of those draws.
    oat : {'rzz', 'ms'}
        Form of the twists in the circuits (the backend's transpiler maps them on).

    Raises
    ------
    QClockError
        For phases outside the prior's support, a backend with fewer qubits
        than atoms, or physical qubits that do not match N.
    TypeError
        For a protocol or prior of the wrong type.

    Examples
    --------
    >>> from qiskit_aer import AerSimulator
    >>> from qclock_circuits import protocols, bayes
    >>> from qclock_circuits.experiments import RamseyClockExperiment
    >>> exp = RamseyClockExperiment(protocols.sss(4, twist=0.3), phases=[-0.3, 0.2],
    ...                             prior=bayes.GaussianPrior(width=0.4))
    >>> len(exp.circuits())
    2
    """

    def __init__(self, protocol: RamseyProtocol, phases=None, prior=None, physical_qubits=None, backend=None,
                 num_phases: int = 20, seed: int | None = None, oat: str = "rzz"):
        if not isinstance(protocol, RamseyProtocol):
            raise TypeError(f"protocol must be a RamseyProtocol, got {type(protocol).__name__}")
        if not isinstance(prior, (GaussianPrior, GridPrior)):
            raise TypeError(f"prior must be a GaussianPrior or GridPrior, got {type(prior).__name__}")
        check_choice(oat, "oat", OAT_FORMS)
        if phases is None:
            if isinstance(num_phases, bool) or not isinstance(num_phases, numbers.Integral) or num_phases < 1:
                raise QClockError(f"num_phases must be an integer >= 1, got {num_phases!r}")
            phases = _draw_phases(prior, int(num_phases), seed)
        phases = _check_phases(phases, prior)
        if physical_qubits is None:
            physical_qubits = range(protocol.atoms)
        physical_qubits = tuple(int(q) for q in physical_qubits)
        if len(physical_qubits) != protocol.atoms:
            raise QClockError(f"physical_qubits must name {protocol.atoms} qubits (one per atom), "
                              f"got {len(physical_qubits)}: {physical_qubits}")
        self._protocol = protocol
        self._prior = prior
        analysis = RamseyClockAnalysis()
        analysis.set_options(prior=prior)
        super().__init__(physical_qubits, analysis=analysis, backend=backend,
                         experiment_type="RamseyClockExperiment")
        self.set_experiment_options(phases=phases, oat=oat)

    @classmethod
    def _default_experiment_options(cls) -> Options:
        options = super()._default_experiment_options()
        options.phases = ()
        options.oat = "rzz"
        return options

    @classmethod
    def _default_run_options(cls) -> Options:
        options = super()._default_run_options()
        options.shots = 1024
        return options

    def set_experiment_options(self, **fields):
        """Set experiment options; ``phases`` are checked against the prior's support, ``oat`` against its forms.

        Parameters
        ----------
        **fields
            Option values by name: ``phases`` (sequence of applied phases,
            rad, inside :func:`phase_support` of the prior), ``oat`` (one of
            the OAT synthesis forms), or any other experiment option.

        Raises
        ------
        QClockError
            If ``phases`` is empty, not finite or outside the prior's support,
            or ``oat`` is not a known form.
        """
        if "phases" in fields:
            fields["phases"] = _check_phases(fields["phases"], self._prior)
        if "oat" in fields:
            check_choice(fields["oat"], "oat", OAT_FORMS)
        super().set_experiment_options(**fields)

    def set_run_options(self, **fields):
        """Set run options; ``shots`` must be an integer >= 1.

        Parameters
        ----------
        **fields
            Run options by name (``shots``: shots per circuit, and any option
            the backend accepts).

        Raises
        ------
        QClockError
            If ``shots`` is not an integer >= 1.
        """
        shots = fields.get("shots")
        if shots is not None and (isinstance(shots, bool) or not isinstance(shots, numbers.Integral) or shots < 1):
            raise QClockError(f"shots must be an integer >= 1, got {shots!r}")
        super().set_run_options(**fields)

    def _set_backend(self, backend):
        atoms = self._protocol.atoms
        qubits = getattr(backend, "num_qubits", None)
        if qubits is not None and qubits < atoms:
            raise QClockError(f"backend {getattr(backend, 'name', backend)!r} has {qubits} qubits, fewer than the "
                              f"{atoms} atoms of {self._protocol.name}")
        if qubits is not None and max(self.physical_qubits) >= qubits:
            raise QClockError(f"physical_qubits {self.physical_qubits} do not exist on a backend with "
                              f"{qubits} qubits")
        super()._set_backend(backend)

    @property
    def protocol(self) -> RamseyProtocol:
        """The protocol this experiment runs."""
        return self._protocol

    @property
    def prior(self):
        """The prior of φ."""
        return self._prior

    def circuits(self):
        """One circuit per applied phase, with the imprint bound and metadata ``phase``, ``xval``, ``protocol``.

        Returns
        -------
        list of qiskit.QuantumCircuit
            One N-qubit circuit per entry of the ``phases`` option (rad), the
            imprint exp(−iφJz) bound to that phase.
        """
        circuits = []
        for index, phase in enumerate(self.experiment_options.phases):
            circuit = protocol_to_circuit(self._protocol, oat=self.experiment_options.oat, phase=phase)
            circuit.name = f"ramsey_clock_{index}"
            circuit.metadata = {**circuit.metadata, "xval": phase, "circuit_index": index}
            circuits.append(circuit)
        return circuits

    def _metadata(self):
        metadata = super()._metadata()
        metadata["protocol_name"] = self._protocol.name
        metadata["atoms"] = self._protocol.atoms
        metadata["prior"] = self._prior.to_dict()
        return metadata


def _draw_phases(prior, count: int, seed) -> np.ndarray:
    """``count`` phases (rad) drawn from ``prior`` (inverse-CDF on the grid for a GridPrior)."""
    rng = np.random.default_rng(seed)
    if isinstance(prior, GaussianPrior):
        low, high = phase_support(prior)
        return np.clip(rng.normal(prior.mean, prior.width, count), low, high)
    cdf = np.cumsum(prior.weights)
    cdf /= cdf[-1]
    return np.interp(rng.uniform(size=count), cdf, prior.phi)
