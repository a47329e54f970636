"""Global search over the variational Ramsey classes [n, m] (Kielinski & Hammerer, arXiv:2505.04287 (2025),
sec. III B–C, appendix A5A).

The cost is the exact BMSE of :func:`qclock_circuits.bayes.bmse` for a
Gaussian prior (posterior-mean or linear estimator), evaluated on the compiled
path of :mod:`.compiled` (no protocol objects, the same value to rounding)
with its exact adjoint gradient. The landscape has many local minima
(Kielinski & Hammerer, Fig. A1), and the theoretical optimum may fringe-hop
in the loop, so the search returns the best point *and* the distinct good
local minima:

1. differential evolution (SciPy, seeded) over the parameter box finds the
   global basin;
2. local L-BFGS-B refinements with the analytic gradient start from the best
   DE members, from random points of the box and from any warm start (e.g.
   the optimum at the neighbouring interrogation time of a sweep);
3. the refined points are clustered (BMSE and wrapped parameter distance);
   minima within ``good_ratio`` of the best are kept, sorted by BMSE.

Parameter order: :func:`qclock_circuits.protocols.variational_parameter_names`.
Twist strengths are searched in ``[−π, π]``, polar angles in ``[0, π]`` and
azimuths in ``[−π, π]``. The whole search runs with one BLAS thread (the
matrices are small; more threads only add synchronisation).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import differential_evolution, minimize

from .._blas import one_blas_thread
from .._validation import QClockError, check_atoms, check_choice, check_finite_array
from ..bayes import GaussianPrior, bmse
from ..protocols import variational, variational_parameter_names
from .compiled import CompiledCost

__all__ = ["refine_under_noise", "GRADIENTS", "LocalMinimum", "VariationalSearch", "parameter_bounds", "optimize_variational"]

#: How the local refinements get the gradient: the exact adjoint one, or SciPy's forward differences.
GRADIENTS = ("analytic", "finite-difference")


@dataclass(frozen=True)
class LocalMinimum:
    """One refined local minimum of the BMSE of a variational class.

    Parameters
    ----------
    bmse : float
        Bayesian mean squared error at the minimum, in rad².
    parameters : tuple of float
        The class's parameters (rad), in the order of
        :func:`~qclock_circuits.protocols.variational_parameter_names`.
    """

    bmse: float
    parameters: tuple

    def protocol(self, atoms: int, n: int, m: int):
        """The protocol of this minimum.

        Parameters
        ----------
        atoms : int
            Number of atoms N.
        n : int
            Number of preparation twists of the class.
        m : int
            Number of measurement twists of the class.

        Returns
        -------
        RamseyProtocol
            ``protocols.variational(atoms, n, m, parameters)``.
        """
        return variational(atoms, n, m, np.asarray(self.parameters))

    def to_dict(self) -> dict:
        """JSON-compatible form.

        Returns
        -------
        dict
            ``{"bmse": float, "parameters": list of float}``.
        """
        return {"bmse": self.bmse, "parameters": list(self.parameters)}

    @classmethod
    def from_dict(cls, data: dict) -> "LocalMinimum":
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : dict
            ``{"bmse": ..., "parameters": [...]}``.

        Returns
        -------
        LocalMinimum
            The minimum described by ``data``.
        """
        return cls(bmse=float(data["bmse"]), parameters=tuple(data["parameters"]))


@dataclass
class VariationalSearch:
    """Result of :func:`optimize_variational` (or :func:`refine_under_noise`).

    Parameters
    ----------
    atoms : int
        Number of atoms N.
    n : int
        Number of preparation twists of the class.
    m : int
        Number of measurement twists of the class.
    prior_width : float
        Width δφ of the Gaussian phase prior, in rad.
    estimator : str
        ``'bayes'`` (posterior mean) or ``'linear'``.
    minima : list of LocalMinimum, optional
        The distinct good local minima found, best (lowest BMSE) first.
    evaluations : int, optional
        Number of cost evaluations spent.
    seconds : float, optional
        Wall-clock time of the search, in s.
    seed : str, optional
        ``repr`` of the entropy of the seed sequence used (empty when the
        search was deterministic).
    """

    atoms: int
    n: int
    m: int
    prior_width: float
    estimator: str
    minima: list = field(default_factory=list)
    evaluations: int = 0
    seconds: float = 0.0
    seed: str = ""

    @property
    def best(self) -> LocalMinimum:
        """The best minimum (lowest BMSE)."""
        return self.minima[0]

    @property
    def bmse(self) -> float:
        """BMSE of the best minimum, in rad²."""
        return self.best.bmse

    def protocol(self, index: int = 0):
        """The protocol of one of the minima.

        Parameters
        ----------
        index : int, optional
            Position in :attr:`minima` (default 0: the best).

        Returns
        -------
        RamseyProtocol
            The variational protocol with those parameters.
        """
        return self.minima[index].protocol(self.atoms, self.n, self.m)

    def to_dict(self) -> dict:
        """JSON-compatible form.

        Returns
        -------
        dict
            The fields by name, ``minima`` as a list of :meth:`LocalMinimum.to_dict`.
        """
        data = dict(self.__dict__)
        data["minima"] = [minimum.to_dict() for minimum in self.minima]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "VariationalSearch":
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        VariationalSearch
            The search result described by ``data``.
        """
        data = dict(data)
        data["minima"] = [LocalMinimum.from_dict(item) for item in data["minima"]]
        return cls(**data)


def parameter_bounds(n: int, m: int) -> list[tuple[float, float]]:
    """Search box of every parameter of the [n, m] class.

    Twist strengths μ and azimuths lie in [−π, π], polar angles in [0, π].

    Parameters
    ----------
    n : int
        Number of preparation twists (≥ 0).
    m : int
        Number of measurement twists (≥ 0).

    Returns
    -------
    list of (float, float)
        ``(low, high)`` in rad for each parameter, in the order of
        :func:`~qclock_circuits.protocols.variational_parameter_names`.
    """
    bounds = []
    for name in variational_parameter_names(n, m):
        if name.startswith("mu_"):
            bounds.append((-np.pi, np.pi))
        elif "polar" in name:
            bounds.append((0.0, np.pi))
        else:
            bounds.append((-np.pi, np.pi))
    return bounds


def _distance(a: np.ndarray, b: np.ndarray) -> float:
    """Parameter distance with angles wrapped to (−π, π]."""
    difference = (a - b + np.pi) % (2 * np.pi) - np.pi
    return float(np.max(np.abs(difference)))


def _search(cost, cost_and_gradient, bounds, starts, de_seed, start_seed, de_iterations, de_population,
            random_starts, tolerance) -> list:
    """Differential evolution, then L-BFGS-B from its best distinct members, the random and the warm starts.

    Returns ``[(bmse, parameters), ...]`` in the order of the starts (``starts`` is extended in place).
    """
    low = np.array([b[0] for b in bounds])
    high = np.array([b[1] for b in bounds])
    if de_iterations > 0:
        result = differential_evolution(cost, bounds, maxiter=de_iterations, popsize=de_population, tol=1e-8,
                                        seed=np.random.default_rng(de_seed), polish=False, init="sobol")
        population = result.population
        energies = result.population_energies
        order = np.argsort(energies)
        picked = []
        for index in order:
            if all(_distance(population[index], other) > 0.3 for other in picked):
                picked.append(population[index])
            if len(picked) >= 8:
                break
        starts.extend(picked)
    rng = np.random.default_rng(start_seed)
    starts.extend(low + (high - low) * rng.random((random_starts, len(bounds))))
    refined = []
    options = {"ftol": tolerance, "gtol": 1e-9, "maxiter": 500}
    for start in starts:
        if cost_and_gradient is None:
            result = minimize(cost, start, method="L-BFGS-B", bounds=bounds, options=options)
        else:
            result = minimize(cost_and_gradient, start, method="L-BFGS-B", jac=True, bounds=bounds,
                              options=options)
        refined.append((float(result.fun), np.asarray(result.x)))
    return refined


def optimize_variational(atoms: int, n: int, m: int, prior, estimator: str = "bayes", *, seed=None,
                         warm_starts=(), random_starts: int = 4, de_iterations: int = 80, de_population: int = 12,
                         good_ratio: float = 0.25, max_minima: int = 8, tolerance: float = 1e-10,
                         gradient: str = "analytic") -> VariationalSearch:
    """Minimise the BMSE of the [n, m] class for a Gaussian prior.

    Parameters
    ----------
    atoms, n, m : int
        Number of atoms N, and the numbers of preparation (n ≥ 0) and
        measurement (m ≥ 0) twists of the class (Kielinski & Hammerer,
        arXiv:2505.04287 (2025), eq. (39)).
    prior : GaussianPrior or float
        Prior, or its width δφ (rad).
    estimator : {'bayes', 'linear'}
        Posterior mean or optimal linear estimator whose BMSE is minimised.
    seed : int or SeedSequence, optional
        Seeds differential evolution and the random starts (reproducible).
    warm_starts : iterable of parameter vectors
        Extra local starts (e.g. the optimum at a neighbouring T).
    random_starts, de_iterations, de_population : int
        Search effort; ``de_iterations = 0`` skips differential evolution.
    good_ratio : float
        Keep distinct minima whose BMSE is at most ``(1 + good_ratio)`` × the best.
    max_minima : int
        At most this many minima are returned.
    tolerance : float
        ``ftol`` of the L-BFGS-B refinements.
    gradient : {'analytic', 'finite-difference'}
        Exact adjoint gradient (:class:`.compiled.CompiledCost`, the default) or SciPy's finite
        differences of the same cost (for comparison).

    Returns
    -------
    VariationalSearch
        ``minima[0]`` is the best; every minimum carries its BMSE (rad²) and parameters;
        ``evaluations`` counts cost calls (a value with its gradient counts once).

    Raises
    ------
    QClockError
        For a bad atom number, class, estimator, gradient choice or warm start.
    """
    started = time.perf_counter()
    atoms = check_atoms(atoms)
    check_choice(estimator, "estimator", ("bayes", "linear"))
    check_choice(gradient, "gradient", GRADIENTS)
    if not isinstance(prior, GaussianPrior):
        prior = GaussianPrior(prior)
    compiled = CompiledCost(atoms, n, m, prior, estimator)
    names = variational_parameter_names(n, m)
    bounds = parameter_bounds(n, m)
    low = np.array([b[0] for b in bounds])
    high = np.array([b[1] for b in bounds])
    sequence = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    de_seed, start_seed = sequence.spawn(2)
    evaluations = 0

    def cost(values):
        nonlocal evaluations
        evaluations += 1
        return compiled(values)

    def cost_and_gradient(values):
        nonlocal evaluations
        evaluations += 1
        return compiled.value_and_gradient(values)

    starts = []
    for start in warm_starts:
        start = check_finite_array(start, "warm start", ndim=1)
        if start.shape != (len(names),):
            raise QClockError(f"warm start must have {len(names)} parameters for the [{n},{m}] class, "
                              f"got shape {start.shape}")
        starts.append(np.clip(start, low, high))
    with one_blas_thread():
        refined = _search(cost, cost_and_gradient if gradient == "analytic" else None, bounds, starts,
                          de_seed, start_seed, de_iterations, de_population, random_starts, tolerance)
    refined.sort(key=lambda item: item[0])
    return VariationalSearch(atoms=atoms, n=n, m=m, prior_width=float(prior.width), estimator=estimator,
                             minima=_distinct_minima(refined, good_ratio, max_minima), evaluations=evaluations,
                             seconds=time.perf_counter() - started, seed=repr(sequence.entropy))


def _distinct_minima(refined, good_ratio: float, max_minima: int) -> list[LocalMinimum]:
    """Distinct minima (wrapped distance ≥ 0.05) within ``good_ratio`` of the best of sorted ``refined``."""
    best = refined[0][0]
    minima: list[LocalMinimum] = []
    kept: list[np.ndarray] = []
    for value, point in refined:
        if value > best * (1 + good_ratio) + 1e-300:
            break
        if any(_distance(point, other) < 0.05 for other in kept):
            continue
        kept.append(point)
        minima.append(LocalMinimum(bmse=value, parameters=tuple(float(v) for v in point)))
        if len(minima) >= max_minima:
            break
    return minima


def refine_under_noise(atoms: int, n: int, m: int, prior, local_noise, estimator: str = "bayes", *, starts=(),
                       max_iterations: int = 60, tolerance: float = 1e-8, good_ratio: float = 0.25,
                       max_minima: int = 4) -> VariationalSearch:
    """Local optimisation of the [n, m] class on atoms with local decoherence, from given starts.

    The optimum under noise is a different circuit: the noisy BMSE (exact,
    :class:`~qclock_circuits.protocols.LocalNoise` through the
    permutation-invariant engine) is minimised by L-BFGS-B with finite-difference
    gradients from ``starts`` — typically the minima of the ideal search at the
    same T and the noisy optimum at the neighbouring T, since the noise moves
    the optimum continuously.

    Parameters
    ----------
    atoms, n, m : int
        Number of atoms N, and the numbers of preparation and measurement
        twists of the class.
    prior : GaussianPrior or float
        Prior, or its width δφ (rad).
    local_noise : LocalNoise
        The atoms' noise for this interrogation.
    estimator : {'bayes', 'linear'}
        Posterior mean or optimal linear estimator whose BMSE is minimised.
    starts : iterable of parameter vectors
        At least one start.
    max_iterations : int
        L-BFGS-B iterations per start.
    tolerance : float
        ``ftol`` of the L-BFGS-B refinements.
    good_ratio : float
        As in :func:`optimize_variational`.
    max_minima : int
        As in :func:`optimize_variational`.

    Returns
    -------
    VariationalSearch
        Minima under the noise, best first (BMSE in rad²).

    Raises
    ------
    QClockError
        No start, a start of the wrong length, or an ideal ``local_noise``.
    """
    from ..protocols import LocalNoise

    started = time.perf_counter()
    atoms = check_atoms(atoms)
    check_choice(estimator, "estimator", ("bayes", "linear"))
    if not isinstance(local_noise, LocalNoise):
        raise TypeError(f"local_noise must be a LocalNoise, got {type(local_noise).__name__}")
    if not isinstance(prior, GaussianPrior):
        prior = GaussianPrior(prior)
    bounds = parameter_bounds(n, m)
    low = np.array([b[0] for b in bounds])
    high = np.array([b[1] for b in bounds])
    points = []
    for start in starts:
        start = np.asarray(start, dtype=float)
        if start.shape != (len(bounds),):
            raise QClockError(f"start must have {len(bounds)} parameters for the [{n},{m}] class, got shape "
                              f"{start.shape}")
        if not any(_distance(start, other) < 1e-6 for other in points):
            points.append(np.clip(start, low, high))
    if not points:
        raise QClockError("refine_under_noise needs at least one start (e.g. the ideal optimum)")
    evaluations = 0

    def cost(values):
        nonlocal evaluations
        evaluations += 1
        return bmse(variational(atoms, n, m, values).with_noise(local_noise), prior, estimator)

    refined = []
    with one_blas_thread():
        for start in points:
            result = minimize(cost, start, method="L-BFGS-B", bounds=bounds,
                              options={"ftol": tolerance, "gtol": 1e-8, "maxiter": max_iterations})
            refined.append((float(result.fun), np.asarray(result.x)))
    refined.sort(key=lambda item: item[0])
    minima = _distinct_minima(refined, good_ratio, max_minima)
    return VariationalSearch(atoms=atoms, n=n, m=m, prior_width=float(prior.width), estimator=estimator,
                             minima=minima, evaluations=evaluations, seconds=time.perf_counter() - started,
                             seed="")
