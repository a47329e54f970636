"""Optimal quantum interferometer (OQI): the BQCRB minimised over input states by the see-saw.

Kielinski & Hammerer, arXiv:2505.04287 (2025), appendix A1C, eqs. (A38)–(A39): the OQI is
``min_ψ BQCRB(ψ)``, the top of the hierarchy of :mod:`qclock_circuits.bayes.bounds`. The see-saw
alternates the optimal measurement for the current state
(:mod:`qclock_circuits.bayes.quantum_cramer_rao`) and the optimal state for that measurement (the
lowest eigenvector of the operator of eq. (A39)); for a zero-mean Gaussian prior, where the optimum
can be taken real, a slow see-saw is replaced by L-BFGS on ``BQCRB(ψ)`` with the exact gradient and
polished by see-saw steps. For a zero-mean prior and a real input state every matrix is real
(``ρ'`` and ``L`` are i × real antisymmetric), which the see-saw exploits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.linalg import eigh

from .._blas import one_blas_thread
from .._validation import QClockError, check_atoms, check_finite, check_int
from ..spin import coherent_state, sine_state
from .priors import GaussianPrior
from .quantum_cramer_rao import _kernels, _optimal_observable, averaged_state, bqcrb_result

__all__ = ["OQIResult", "oqi"]


@dataclass(frozen=True)
class OQIResult:
    """Optimal quantum interferometer for N atoms and a prior.

    Parameters
    ----------
    bmse : float
        The OQI BMSE (rad²): the BQCRB of ``state``.
    state : numpy.ndarray of shape (N+1,)
        Optimal input state (Dicke basis).
    measurement : numpy.ndarray of shape (N+1, N+1)
        Columns: measurement basis (Dicke basis), one per outcome.
    estimator : numpy.ndarray of shape (N+1,)
        Estimate (rad) for each measurement outcome.
    iterations : int
        See-saw (or L-BFGS plus polish) steps of the best start.
    converged : bool
        Whether the last see-saw step met the tolerance.
    start : str
        Name of the start that gave the best result.
    start_bmse : dict, optional
        BMSE (rad²) reached from every start, by name.
    history : tuple, optional
        BMSE per step of the best start (diagnostics).
    """

    bmse: float
    state: np.ndarray
    measurement: np.ndarray
    estimator: np.ndarray
    iterations: int
    converged: bool
    start: str
    start_bmse: dict = field(default_factory=dict)
    history: tuple = ()

    def to_dict(self) -> dict:
        """JSON-compatible summary (without the measurement matrix and history).

        Returns
        -------
        dict
            ``bmse`` (rad²), ``state_real``, ``state_imag``, ``estimator`` (rad),
            ``iterations``, ``converged``, ``start``, ``start_bmse``.
        """
        return {"bmse": self.bmse, "state_real": self.state.real.tolist(),
                "state_imag": self.state.imag.tolist(), "estimator": self.estimator.tolist(),
                "iterations": self.iterations, "converged": self.converged, "start": self.start,
                "start_bmse": dict(self.start_bmse)}


def _state_operator(observable: np.ndarray, zeroth, first, index) -> np.ndarray:
    """K = ∫P(φ) Λ†_φ[L² − 2φL]: BMSE(ψ) = E[φ²] + ``⟨ψ|K|ψ⟩`` (eq. A39)."""
    return (observable @ observable) * zeroth[index] - 2.0 * observable * first[index]


def _real_seesaw_step(state, gauss, lag_kernel):
    """One see-saw step for a zero-mean prior and real state, in real arithmetic.

    ρ̄ = ρ∘G, ρ' = iR with R = −(Δδ²G)∘ρ, L = iA, K = −A²∘G + 2A∘(Δδ²G).
    """
    rho = np.outer(state, state)
    values, vectors = eigh(rho * gauss)
    values = np.clip(values, 0.0, None)
    remainder = -lag_kernel * rho
    rotated = vectors.T @ remainder @ vectors
    denominator = values[:, None] + values[None, :]
    mask = denominator > 1e-13 * max(values.max(), 1e-300)
    antisymmetric = vectors @ np.where(mask, 2.0 * rotated / np.where(mask, denominator, 1.0), 0.0) @ vectors.T
    antisymmetric = 0.5 * (antisymmetric - antisymmetric.T)
    gain = float(np.sum(remainder * antisymmetric))
    operator = -(antisymmetric @ antisymmetric) * gauss + 2.0 * antisymmetric * lag_kernel
    return gain, operator, antisymmetric


def _default_starts(atoms: int, rng) -> dict:
    starts = {"sine": sine_state(atoms).real}
    if atoms <= 200:  # above, the sine start has won every case measured and each start costs minutes
        starts["css"] = coherent_state(atoms, axis="x").real
    if atoms <= 16:  # cheap here; a random start guards against a common stall of the two above
        vector = rng.normal(size=atoms + 1)
        starts["random"] = vector / np.linalg.norm(vector)
    return starts


def _seesaw(state, prior, second_moment, kernels, real_kernels, max_iterations, tolerance, stall_after=None):
    """Run see-saw steps from ``state``; return (state, iterations, converged, history).

    With ``stall_after`` the run stops early, unconverged, once the linear rate
    of the last two decreases predicts convergence only after more than
    ``stall_after`` steps in all (or that many steps have been taken).
    """
    zeroth, first, index = kernels
    use_real = real_kernels is not None and np.isrealobj(state)
    history = []
    previous = np.inf
    last_decrease = np.inf
    converged = False
    iteration = 0
    for iteration in range(1, max_iterations + 1):
        if use_real:
            gain, operator, _ = _real_seesaw_step(state, *real_kernels)
        else:
            rho_bar, rho_prime = averaged_state(state, prior)
            observable, gain = _optimal_observable(rho_bar, rho_prime)
            operator = _state_operator(observable, zeroth, first, index)
            operator = 0.5 * (operator + operator.conj().T)
        history.append(second_moment - gain)
        values, vectors = eigh(operator, subset_by_index=[0, 0])
        state = vectors[:, 0]
        value = second_moment + values[0]
        decrease = previous - value
        target = tolerance * max(abs(value), 1e-300)
        if decrease <= target:
            converged = True
            break
        if stall_after is not None and _predicted_steps(iteration, decrease, last_decrease, target) > stall_after:
            break
        previous, last_decrease = value, decrease
    return state, iteration, converged, history


def _predicted_steps(iteration: int, decrease: float, last_decrease: float, target: float) -> float:
    """Steps until a see-saw with linear convergence (ratio of the last two decreases) reaches ``target``.

    Early steps are erratic (the ratio can exceed 1): no prediction then, only the step budget applies.
    """
    if iteration < 3:
        return iteration
    rate = decrease / last_decrease
    if not 0.0 < rate < 1.0:
        return iteration
    return iteration + np.log(target / decrease) / np.log(rate)


def _quasi_newton(state, second_moment, real_kernels, max_iterations, tolerance):
    """Minimise BQCRB(ψ) over real states with L-BFGS and the exact gradient.

    ``BQCRB(ψ) = E[φ²] + min_L ⟨ψ|K(L)|ψ⟩`` so (envelope theorem) the gradient
    with respect to the unnormalised ``x`` (ψ = x/``|x|``) is
    ``2(Kψ − ⟨ψ|K|ψ⟩ψ)/|x|`` with K at the optimal L.
    """
    from scipy.optimize import minimize

    scale = None

    def objective(x):
        nonlocal scale
        norm = np.linalg.norm(x)
        psi = x / norm
        gain, operator, _ = _real_seesaw_step(psi, *real_kernels)
        applied = operator @ psi
        value = second_moment + psi @ applied
        if scale is None:  # L-BFGS tolerances are absolute below 1: work in units of the start value
            scale = 1.0 / max(value, 1e-300)
        return scale * value, scale * 2.0 * (applied - (psi @ applied) * psi) / norm

    result = minimize(objective, state, jac=True, method="L-BFGS-B",
                      options={"maxiter": max_iterations, "ftol": tolerance, "gtol": 1e-10, "maxcor": 30})
    return result.x / np.linalg.norm(result.x), int(result.nit)


def oqi(atoms: int, prior, starts: dict | None = None, max_iterations: int = 2000,
        tolerance: float = 1e-10, seed: int = 0, method: str = "auto", polish_steps: int = 200,
        seesaw_budget: int = 30) -> OQIResult:
    """Optimal quantum interferometer (Kielinski & Hammerer, arXiv:2505.04287 (2025), appendix A1C).

    The OQI is ``min_ψ BQCRB(ψ)``. The see-saw of the appendix alternates
    (i) the optimal measurement and estimator for the current state (the
    BQCRB solution) and (ii) the optimal state for that measurement (lowest
    eigenvector of eq. (A39)'s operator); each step cannot increase the BMSE.
    Its convergence is linear: a handful of steps at wide priors, hundreds at
    narrow ones (N ≳ 30). ``method='auto'`` therefore runs the see-saw first
    and, when the ratio of its last two decreases predicts convergence only
    after more than ``seesaw_budget`` steps, switches to minimising
    ``BQCRB(ψ)`` over real states by L-BFGS with the exact gradient (valid for
    a zero-mean Gaussian prior, where the optimum can be taken real) from the
    same start, then polishes with see-saw steps (at most
    ``polish_steps``) until their relative decrease is below ``tolerance``.
    ``method='seesaw'`` runs the see-saw alone (up to ``max_iterations``
    steps). ``converged`` reports whether the last see-saw step met the
    tolerance. Several starts (sine state; CSS for N ≤ 200; a random state for
    N ≤ 16; GHZ is a stationary point and is not used) guard against stalls;
    the best is returned. Pass ``starts`` (e.g. the optimum at a neighbouring
    prior width) to warm-start a sweep.

    Parameters
    ----------
    atoms : int
        Number of atoms N (≥ 1).
    prior : GaussianPrior or GridPrior
        Prior of the phase (rad).
    starts : dict of name -> Dicke-basis state, optional
        Initial states (N+1,); default as above.
    max_iterations : int
        See-saw steps of ``method='seesaw'`` (and of 'auto' where L-BFGS does not apply).
    tolerance : float
        Relative decrease of the BMSE per see-saw step that counts as converged.
    seed : int
        Seed of the random start (N ≤ 16).
    method : {'auto', 'seesaw'}
    polish_steps : int
        See-saw steps after L-BFGS ('auto').
    seesaw_budget : int
        See-saw steps that 'auto' allows before switching to L-BFGS (≥ 1).

    Returns
    -------
    OQIResult
        BMSE in rad², optimal state, measurement and estimator.

    Raises
    ------
    QClockError
        For a bad ``atoms``, ``method`` or ``seesaw_budget``.
    """
    atoms = check_atoms(atoms)
    if method not in ("auto", "seesaw"):
        raise QClockError(f"method must be 'auto' or 'seesaw', got {method!r}")
    max_iterations = check_int(max_iterations, "max_iterations", 1)
    polish_steps = check_int(polish_steps, "polish_steps", 0)
    tolerance = check_finite(tolerance, "tolerance")
    if tolerance <= 0:
        raise QClockError(f"tolerance must be a finite number > 0 (relative decrease of the BMSE), got {tolerance}")
    check_int(seed, "seed", 0)
    seesaw_budget = check_int(seesaw_budget, "seesaw_budget", minimum=1)
    # one BLAS thread at every N: at N = 1000 a see-saw step took 1 s on one thread, 3-14 s on two (load ~8)
    with one_blas_thread():
        return _oqi(atoms, prior, starts, max_iterations, tolerance, seed, method, polish_steps, seesaw_budget)


def _oqi(atoms, prior, starts, max_iterations, tolerance, seed, method, polish_steps, seesaw_budget) -> OQIResult:
    rng = np.random.default_rng(seed)
    if starts is None:
        starts = _default_starts(atoms, rng)
    kernels = _kernels(atoms, prior)
    real_kernels = None
    if isinstance(prior, GaussianPrior) and prior.mean == 0.0:
        lag = (np.arange(atoms + 1)[:, None] - np.arange(atoms + 1)[None, :]).astype(float)
        gauss = np.exp(-0.5 * (lag * prior.width) ** 2)
        real_kernels = (gauss, lag * prior.variance * gauss)
    second_moment = prior.second_moment
    best = None
    start_bmse = {}
    for name, start in starts.items():
        state = np.asarray(start)
        if real_kernels is not None and np.allclose(np.imag(state), 0.0):
            state = np.real(state).astype(float)
        else:
            state = state.astype(complex)
        state = state / np.linalg.norm(state)
        if method == "auto" and np.isrealobj(state) and real_kernels is not None:
            trial, iterations, converged, history = _seesaw(state, prior, second_moment, kernels, real_kernels,
                                                            min(seesaw_budget, max_iterations), tolerance,
                                                            stall_after=seesaw_budget)
            if converged:
                state = trial
            else:  # slow or erratic see-saw: L-BFGS from the start, then polish (the trial is discarded:
                # from the see-saw's intermediate states L-BFGS can be slow and end at a worse stationary point)
                state, quasi_newton_steps = _quasi_newton(state, second_moment, real_kernels,
                                                          min(max_iterations, 500), tolerance * 1e-2)
                state, polish, converged, history = _seesaw(state, prior, second_moment, kernels, real_kernels,
                                                            polish_steps, tolerance)
                iterations += quasi_newton_steps + polish
        else:
            state, iterations, converged, history = _seesaw(state, prior, second_moment, kernels, real_kernels,
                                                            max_iterations, tolerance)
        final = bqcrb_result(state, prior)
        start_bmse[name] = final.bmse
        if best is None or final.bmse < best[0].bmse:
            best = (final, state, iterations, converged, name, tuple(history))
    final, state, iterations, converged, name, history = best
    return OQIResult(bmse=final.bmse, state=np.asarray(state, dtype=complex), measurement=final.measurement,
                     estimator=final.estimator, iterations=iterations, converged=converged, start=name,
                     start_bmse=start_bmse, history=history)
