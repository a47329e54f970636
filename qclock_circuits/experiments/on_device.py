"""Optimise a variational Ramsey protocol on the device, from samples only.

The cost is the Bayesian mean squared error (BMSE) of the protocol together with
the estimator a clock would run with it — the posterior mean φ̂(x) of the ideal
model of those parameters — estimated from shots: phases φ_i are drawn from the
prior, the device is sampled at each, and the cost is the mean of (φ̂(x) − φ_i)²
over all shots (Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (3)). This
is an unbiased estimate of what that protocol achieves *on that device*, whatever
the device does differently from the model (over- or under-rotated twists,
decoherence, crosstalk, readout errors); optimising it is the "optimisation on
the sensor" of Marciniak et al., Nature 603, 604 (2022), and Kaubruegger et al.,
PRX 11, 041045 (2021).

Optimiser: simultaneous-perturbation stochastic approximation (SPSA; Spall,
IEEE Trans. Autom. Control 37, 332 (1992)). Each step needs two cost estimates
whatever the number of parameters, converges with unbiased noisy costs (the
decreasing gains average the shot noise out), and uses the same phases and
seeds for the ± pair (common random numbers), so the gradient estimate sees
the difference of the two protocols and little of the noise. A Bayesian
optimiser would spend fewer evaluations in low dimension but needs a surrogate
model whose cost grows with the number of evaluations; SPSA's is constant.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np

from .._validation import QClockError
from ..bayes import GaussianPrior, GridPrior, estimator_table
from ..circuits import sample_outcomes
from ..protocols import variational
from ..protocols.library import variational_parameter_names
from .ramsey import _draw_phases, shot_mean_squared_error

__all__ = ["sampled_bmse", "optimize_on_device", "OnDeviceResult", "TwistMiscalibratedSampler",
           "scale_twists"]


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise QClockError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _check_prior(prior):
    if not isinstance(prior, (GaussianPrior, GridPrior)):
        raise TypeError(f"prior must be a GaussianPrior or GridPrior, got {type(prior).__name__}")
    return prior


def sampled_bmse(protocol, prior, sampler, *, num_phases: int = 20, shots: int = 100, seed=None,
                 oat: str = "rzz") -> tuple[float, float]:
    """BMSE of ``protocol`` with its model's Bayes estimator, estimated from the sampler's shots.

    Parameters
    ----------
    protocol : RamseyProtocol
        The protocol whose circuit is sampled.
    prior : GaussianPrior or GridPrior
        Prior of φ (rad); the phases are drawn from it.
    sampler : SamplerV2
        The device (any SamplerV2: Aer with a noise model, a fake or real backend's sampler).
    num_phases : int
        Phases drawn from the prior.
    shots : int
        Shots per phase.
    seed : int, optional
        Seeds the phase draws (and the sampler's transpiler).
    oat : {'rzz', 'ms'}

    Returns
    -------
    (float, float)
        Estimated BMSE (rad²) and its standard error (shot noise and phase sampling).

    Raises
    ------
    QClockError
        For non-positive ``num_phases`` or ``shots``.
    """
    _check_prior(prior)
    num_phases = _positive_int(num_phases, "num_phases")
    shots = _positive_int(shots, "shots")
    phases = _draw_phases(prior, num_phases, seed)
    counts = sample_outcomes(protocol, phases, sampler=sampler, shots=shots, seed=seed, oat=oat)
    table = estimator_table(protocol, prior, "bayes")
    mean, _ = shot_mean_squared_error(table, phases, counts)
    # the phases are random too: the standard error over phases of the per-phase means covers both
    rows = ((table[None, :] - phases[:, None]) ** 2 * counts).sum(axis=1) / shots
    stderr = float(rows.std(ddof=1) / np.sqrt(num_phases)) if num_phases > 1 else float("inf")
    return mean, stderr


@dataclass(frozen=True)
class OnDeviceResult:
    """Outcome of :func:`optimize_on_device`.

    Parameters
    ----------
    atoms, n, m : int
        The variational class [n, m] (n preparation and m measurement twists)
        on N atoms.
    parameters : tuple of float
        The optimised parameters (angles and twist strengths in rad; iterate
        average of the last quarter of the steps), in the order of
        :func:`~qclock_circuits.protocols.variational_parameter_names`.
    start : tuple of float
        The starting parameters (rad).
    shots_used : int
        Shots spent (all cost estimates together).
    iterations : int
        Number of SPSA iterations done.
    history : tuple of float
        Cost estimate (mean of the ± pair, rad²) at every iteration.
    prior : dict
        ``prior.to_dict()``.
    """

    atoms: int
    n: int
    m: int
    parameters: tuple
    start: tuple
    shots_used: int
    iterations: int
    history: tuple = field(repr=False)
    prior: dict = field(repr=False)

    def protocol(self):
        """The optimised protocol (:func:`qclock_circuits.protocols.variational`).

        Returns
        -------
        RamseyProtocol
            The [n, m] variational protocol on ``atoms`` atoms at ``parameters``.
        """
        return variational(self.atoms, self.n, self.m, np.asarray(self.parameters))

    def to_dict(self) -> dict:
        """JSON-compatible dictionary.

        Returns
        -------
        dict
            One entry per field; tuples become lists.
        """
        return {"atoms": self.atoms, "n": self.n, "m": self.m, "parameters": list(self.parameters),
                "start": list(self.start), "shots_used": self.shots_used, "iterations": self.iterations,
                "history": list(self.history), "prior": dict(self.prior)}

    @classmethod
    def from_dict(cls, data: dict) -> "OnDeviceResult":
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : dict
            A dictionary as written by :meth:`to_dict`.

        Returns
        -------
        OnDeviceResult
            The result.
        """
        return cls(atoms=int(data["atoms"]), n=int(data["n"]), m=int(data["m"]),
                   parameters=tuple(float(v) for v in data["parameters"]),
                   start=tuple(float(v) for v in data["start"]), shots_used=int(data["shots_used"]),
                   iterations=int(data["iterations"]), history=tuple(float(v) for v in data["history"]),
                   prior=dict(data["prior"]))


def optimize_on_device(atoms: int, n: int, m: int, prior, sampler, *, start, shots_budget: int,
                       num_phases: int = 20, shots: int = 50, step: float = 0.05, perturbation: float = 0.1,
                       seed=None, oat: str = "rzz") -> OnDeviceResult:
    """Optimise the [n, m] variational class on a device from samples, with SPSA.

    Parameters
    ----------
    atoms, n, m : int
        The class (:func:`qclock_circuits.protocols.variational`).
    prior : GaussianPrior or GridPrior
        Prior of φ (rad) that the BMSE refers to.
    sampler : SamplerV2
        The device.
    start : array_like
        Starting parameters (e.g. the ideal optimum of
        :func:`qclock_circuits.optimize.optimize_variational`).
    shots_budget : int
        Total shots to spend; each SPSA step costs ``2 · num_phases · shots``.
    num_phases, shots : int
        Phases drawn from the prior and shots per phase, for each cost estimate.
    step : float
        Mean size (rad) of the first SPSA step per parameter; the gain is
        calibrated from the first gradient estimate so that its step has this
        size (Spall's rule), and no step moves a parameter by more than ``step``.
    perturbation : float
        SPSA perturbation c (rad), decreasing as c/(k+1)^0.101.
    seed : int, optional
        Seeds the perturbations and the phase draws.
    oat : {'rzz', 'ms'}

    Returns
    -------
    OnDeviceResult
        The optimised parameters, the shots used and the cost history.

    Raises
    ------
    QClockError
        For a shot budget below one SPSA step (two cost estimates), a start of
        the wrong length, non-positive ``num_phases``/``shots``/``step``/``perturbation``.
    """
    _check_prior(prior)
    names = variational_parameter_names(n, m)
    start = np.asarray(start, dtype=float).ravel()
    if start.shape[0] != len(names):
        raise QClockError(f"start must have {len(names)} parameters for the [{n},{m}] class ({', '.join(names)}), "
                          f"got {start.shape[0]}")
    if isinstance(shots_budget, bool) or not isinstance(shots_budget, numbers.Integral) or shots_budget < 1:
        raise QClockError(f"shots_budget must be a positive integer number of shots, got {shots_budget!r}")
    num_phases = _positive_int(num_phases, "num_phases")
    shots = _positive_int(shots, "shots")
    per_step = 2 * num_phases * shots
    iterations = int(shots_budget) // per_step
    if iterations < 1:
        raise QClockError(f"shots_budget = {shots_budget} is below one SPSA step (2 × num_phases × shots = "
                          f"{per_step} shots); raise it or lower num_phases/shots")
    for value, name in ((step, "step"), (perturbation, "perturbation")):
        if not np.isfinite(value) or value <= 0:
            raise QClockError(f"{name} must be a positive number of radians, got {value!r}")
    rng = np.random.default_rng(seed)
    stability = 0.1 * iterations
    params = start.copy()
    gain = None
    history, tail = [], []
    for k in range(iterations):
        ck = perturbation / (k + 1) ** 0.101
        delta = rng.choice((-1.0, 1.0), size=params.shape[0])
        draw = int(rng.integers(2**31))
        plus, _ = sampled_bmse(variational(atoms, n, m, params + ck * delta), prior, sampler,
                               num_phases=num_phases, shots=shots, seed=draw, oat=oat)
        minus, _ = sampled_bmse(variational(atoms, n, m, params - ck * delta), prior, sampler,
                                num_phases=num_phases, shots=shots, seed=draw, oat=oat)
        gradient = (plus - minus) / (2 * ck) * delta
        if gain is None:
            norm = float(np.abs(gradient).mean())
            gain = step * (stability + 1) ** 0.602 / norm if norm > 0 else step
        # a noisy gradient must not throw the parameters far: no coordinate moves by more than `step`
        params = params - np.clip(gain / (k + 1 + stability) ** 0.602 * gradient, -step, step)
        history.append(0.5 * (plus + minus))
        if k >= iterations - max(1, iterations // 4):
            tail.append(params.copy())
    final = np.mean(tail, axis=0)
    return OnDeviceResult(atoms=int(atoms), n=int(n), m=int(m), parameters=tuple(float(v) for v in final),
                          start=tuple(float(v) for v in start), shots_used=iterations * per_step,
                          iterations=iterations, history=tuple(history), prior=prior.to_dict())


def scale_twists(parameters, n: int, m: int, scale: float) -> np.ndarray:
    """The [n, m] parameters with every twist strength ``mu_j`` multiplied by ``scale``.

    Parameters
    ----------
    parameters : array_like, shape (2 + 3(n + m),)
        Parameters of the [n, m] variational class (rad), in the order of
        :func:`~qclock_circuits.protocols.variational_parameter_names`.
    n, m : int
        Numbers of preparation and measurement twists.
    scale : float
        Factor on every twist strength (dimensionless; 1 leaves them).

    Returns
    -------
    numpy.ndarray, shape (2 + 3(n + m),)
        A new array; the rotation angles are unchanged.
    """
    names = variational_parameter_names(n, m)
    values = np.array(parameters, dtype=float)
    for index, name in enumerate(names):
        if name.startswith("mu_"):
            values[index] *= scale
    return values


class TwistMiscalibratedSampler:
    """A SamplerV2 whose device applies every twist ``scale`` times too strong (a coherent error).

    A model of a miscalibrated entangling interaction (e.g. a Mølmer–Sørensen
    or Rydberg-dressing pulse whose strength is off by ``scale − 1``) that the
    ideal model does not know. Every ``rzz``, ``rxx`` and ``ms`` angle of the
    circuits it receives is multiplied by ``scale``; the circuits are then
    transpiled for ``backend`` (default: an ideal :class:`~qiskit_aer.AerSimulator`)
    and sampled there, so a fake device's noise (``AerSimulator.from_backend(FakeManilaV2())``
    or the fake backend itself) comes on top.

    Parameters
    ----------
    scale : float
        Factor on every twist angle (1 = calibrated).
    backend : Backend, optional
        Device (or fake backend) to transpile for and sample on; default an ideal AerSimulator.
    seed : int, optional
        Seeds the simulator and the transpiler.

    Raises
    ------
    QClockError
        If ``scale`` is not a finite number > 0.
    """

    def __init__(self, scale: float, backend=None, seed: int | None = None):
        from qiskit_aer import AerSimulator
        from qiskit_aer.primitives import SamplerV2 as AerSamplerV2

        if not np.isfinite(scale) or scale <= 0:
            raise QClockError(f"scale must be a positive number, got {scale!r}")
        self.scale = float(scale)
        if backend is None:
            backend = AerSimulator()
        elif not isinstance(backend, AerSimulator):
            backend = AerSimulator.from_backend(backend)
        from qiskit.transpiler import generate_preset_pass_manager

        self._backend = backend
        self._passes = generate_preset_pass_manager(optimization_level=1, backend=backend, seed_transpiler=seed)
        self._sampler = AerSamplerV2.from_backend(backend, seed=seed)

    def _miscalibrate(self, circuit):
        out = circuit.copy_empty_like()
        for instruction in circuit.data:
            operation = instruction.operation
            if operation.name in ("rzz", "rxx", "ms"):
                operation = operation.to_mutable()
                operation.params = [self.scale * p for p in operation.params]
            out.append(operation, instruction.qubits, instruction.clbits)
        return self._passes.run(out)

    def run(self, pubs, shots=None):
        """Run ``(circuit, parameter values)`` pubs with the twists miscalibrated.

        Parameters
        ----------
        pubs : iterable
            Sampler pubs: circuits, or tuples ``(circuit, parameter values
            [, shots])`` as for Qiskit's ``SamplerV2.run``.
        shots : int, optional
            Shots per pub when a pub does not set its own.

        Returns
        -------
        PrimitiveJob
            The Aer sampler's job; ``job.result()`` holds one result per pub.
        """
        converted = []
        for pub in pubs:
            circuit, *rest = pub if isinstance(pub, tuple) else (pub,)
            converted.append((self._miscalibrate(circuit), *rest))
        return self._sampler.run(converted, shots=shots)
