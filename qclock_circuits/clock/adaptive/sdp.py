"""Jointly optimal state, POVM and estimates of one interrogation by semidefinite programming.

Mullan & Knill, Phys. Rev. A 90, 042310 (2014), section IV and appendix A (after Mullan & Knill, QIC 12, 553 (2012)).

Problem
-------
The phase ``φ = ωT`` (rad) of one interrogation has a prior given on a grid of
points ``φ_j`` with weights ``p_j`` (Σ p_j = 1). N atoms start in a state of the
symmetric subspace, ``|ψ⟩ = Σ_M c_M |M⟩`` (Dicke basis k = 0..N, ``M = k − N/2``),
acquire ``exp(−iφ Jz)``, and are measured with a POVM ``{E_l}`` whose outcome
``l`` announces the estimate ``g_l`` (rad). The expected cost (Mullan & Knill eq. 6)

    C̄ = Σ_l Σ_j p_j P(l | φ_j) c(φ_j, g_l),
    c(φ, g) = (φ − g)² + 2 (φ − g) m(φ),

covers the plain quadratic cost (``m = 0``) and the paper's eq. (7) cost for the
cumulative phase, with ``m(φ_j) = E(θ − Eθ | ω_j)`` the expected deviation of
the phase accumulated before this interrogation given its frequency
(``phase_offsets``; :class:`~.prediction_laws.PhaseFrequencyLaw` gives it for a
Gaussian history: ``m = slope · (φ/T − Eω)``).

Gram-matrix form (seed, after Mullan & Knill): the imprinted states have
Gram matrix ``G_jk = ⟨ψ_j|ψ_k⟩ = Σ_M q_M e^{i(φ_j − φ_k)M}``, ``q_M = |c_M|²``;
each outcome contributes ``Q_l = [⟨ψ_j|E_l|ψ_k⟩] ⪰ 0`` with ``Σ_l Q_l = G``, and
the cost ``Σ_l Σ_j p_j c(φ_j, g_l) Q_l[j, j]`` is linear. Every ``Q_l`` lives on
the (N+1)-dimensional range of ``G``, so ``Q_l = F̄ B_l Fᵀ`` with
``F_jM = e^{−iφ_j M}`` and the same program reads

    minimise   Σ_l Tr(A_l B_l),   A_l = Σ_j p_j c(φ_j, g_l) F_j F_j†  (Hermitian Toeplitz)
    subject to B_l ⪰ 0 ((N+1)×(N+1)),  Σ_l B_l = diag(q),  q ≥ 0,  Σ q = 1.

This reduced form is what :func:`optimize_interrogation` solves: it has a
strictly feasible point (the J×J form has none when J > N+1, since every
``Q_l ⪯ G`` is rank-deficient, and interior-point solvers then stall at
"inaccurate"), and its size does not grow with J. The relaxation is exact:
``c = √q`` and ``E_l = diag(c)⁻¹ B_l diag(c)⁻¹`` (completed by the identity
off the support of q) is a protocol with exactly this cost;
:func:`gram_blocks` rebuilds ``G`` and the ``Q_l`` of a result.

Estimate labels (appendix A remark): for fixed measurement the best estimate
of outcome l is ``g_l = E(φ + m(φ) | l)``; the program is re-solved with these
labels (nearly equal ones merged, plus probes at a halving distance around
them) until the cost stops decreasing; the best protocol seen is returned.

Limits: N ≤ 12 atoms (:data:`MAX_ATOMS`), at most :data:`MAX_POINTS` grid
points and :data:`MAX_LABELS` labels; the program has L Hermitian blocks of
size N+1, so its cost grows as L (N+1)^3 per interior-point step. One program
for N = 3, J = 64, L = 16 takes ≈ 0.25 s (compile + CLARABEL + recovery, 2-core
machine; ``benchmarks/adaptive_sdp.py``), the label iteration ≈ 0.7 s.

Solver: CLARABEL (default tolerances, rerun at 1e-7 if it ends "almost
solved"), then SCS; any final status other than optimal raises
:class:`QClockError` naming every status met.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ..._validation import QClockError, check_atoms, check_choice, check_finite, check_finite_array, check_int

__all__ = [
    "MAX_ATOMS",
    "MAX_POINTS",
    "MAX_LABELS",
    "COST_FUNCTIONS",
    "gram_blocks",
    "gaussian_grid",
    "dicke_imprint",
    "outcome_probabilities",
    "protocol_cost",
    "optimal_labels",
    "InterrogationResult",
    "optimize_interrogation",
]

MAX_ATOMS = 12
MAX_POINTS = 2048
MAX_LABELS = 256

_SOLVERS = ("CLARABEL", "SCS")
#: Solver attempts, in order, for each solver. Optimal interrogations are highly degenerate (many POVMs
#: reach the optimum), where CLARABEL at its default 1e-8 tolerances sometimes ends "almost solved"; it
#: is then rerun at 1e-7 on gap and feasibility, which it reaches cleanly. SCS (first order) is the
#: fallback, run to 1e-7.
_SOLVER_ATTEMPTS = {
    "CLARABEL": ({}, {"tol_gap_abs": 1e-7, "tol_gap_rel": 1e-7, "tol_feas": 1e-7}),
    "SCS": ({"eps_abs": 1e-7, "eps_rel": 1e-7, "max_iters": 100_000},),
}


# ----------------------------------------------------------------------------- grids and protocols
def gaussian_grid(width: float, points: int, mean: float = 0.0, *, rule: str = "uniform",
                  sigmas: float = 6.0) -> tuple[np.ndarray, np.ndarray]:
    """Phase grid ``φ_j`` (rad) and weights ``p_j`` (Σ = 1) for a Gaussian prior N(mean, width²).

    Parameters
    ----------
    width : float
        Prior standard deviation (rad, > 0).
    points : int
        Grid size J ≥ 2.
    mean : float
        Prior mean (rad).
    rule : {'uniform', 'hermite'}
        'uniform': J equally spaced points over ``mean ± sigmas·width``,
        weights ∝ density (trapezoid-exact for the smooth integrands here);
        'hermite': Gauss–Hermite nodes and weights (exact for polynomials of
        degree < 2J times the Gaussian).
    sigmas : float
        Half-width of the uniform grid in prior widths.

    Returns
    -------
    phases : numpy.ndarray, shape (J,)
        Grid φ_j (rad).
    weights : numpy.ndarray, shape (J,)
        Weights p_j, summing to 1.

    Raises
    ------
    QClockError
        If ``width`` or ``sigmas`` is not > 0, ``points`` < 2, or ``points`` > 150 with
        ``rule='hermite'``.
    """
    width = check_finite(width, "width")
    if width <= 0:
        raise QClockError(f"width must be > 0 (rad), got {width}")
    mean = check_finite(mean, "mean")
    points = check_int(points, "points", 2, 10**7)
    check_choice(rule, "rule", ("uniform", "hermite"))
    if rule == "hermite":
        if points > 150:
            raise QClockError(f"points must be <= 150 for rule='hermite' (node weights underflow), got {points}")
        nodes, weights = np.polynomial.hermite_e.hermegauss(points)
        return mean + width * nodes, weights / weights.sum()
    sigmas = check_finite(sigmas, "sigmas")
    if sigmas <= 0:
        raise QClockError(f"sigmas must be > 0, got {sigmas}")
    phases = mean + width * np.linspace(-sigmas, sigmas, points)
    density = np.exp(-0.5 * ((phases - mean) / width) ** 2)
    return phases, density / density.sum()




def _check_grid(phases, weights) -> tuple[np.ndarray, np.ndarray]:
    phases = check_finite_array(phases, "phases", ndim=1)
    if phases.size < 2:
        raise QClockError(f"phases must hold at least 2 grid points, got {phases.size}")
    weights = check_finite_array(weights, "weights", ndim=1, length=phases.size)
    if np.any(weights < 0) or weights.sum() <= 0:
        raise QClockError("weights must be >= 0 with a positive sum (prior probabilities of the grid points)")
    return phases, weights / weights.sum()


def dicke_imprint(atoms: int, phases) -> np.ndarray:
    """Diagonal of ``exp(−iφ Jz)`` in the Dicke basis: shape (J, N+1), entry ``e^{−iφ_j M}``, M = k − N/2.

    Parameters
    ----------
    atoms : int
        Number of atoms N.
    phases : array_like, shape (J,)
        Phases φ_j (rad).

    Returns
    -------
    numpy.ndarray, shape (J, N+1)
        Complex phase factors.
    """
    atoms = check_atoms(atoms)
    magnetisation = np.arange(atoms + 1) - atoms / 2.0
    return np.exp(-1j * np.outer(np.asarray(phases, dtype=float), magnetisation))


def outcome_probabilities(state, povm, phases) -> np.ndarray:
    """``P(l | φ_j) = ⟨ψ|e^{iφJz} E_l e^{−iφJz}|ψ⟩`` from an explicit state and POVM; shape (J, L).

    Parameters
    ----------
    state : array, shape (N+1,)
        Normalised Dicke-basis amplitudes.
    povm : array, shape (L, N+1, N+1)
        Positive elements summing to the identity.
    phases : array, shape (J,)
        φ (rad).

    Returns
    -------
    numpy.ndarray, shape (J, L)
        Outcome probabilities (real).

    Raises
    ------
    QClockError
        If the POVM's shape does not match the state.
    """
    state = np.asarray(state, dtype=complex)
    povm = np.asarray(povm, dtype=complex)
    if state.ndim != 1 or povm.ndim != 3 or povm.shape[1:] != (state.size, state.size):
        raise QClockError(f"povm must have shape (L, {state.size}, {state.size}) to match the state, "
                          f"got {povm.shape}")
    evolved = dicke_imprint(state.size - 1, phases) * state[None, :]
    probabilities = np.einsum("ja,lab,jb->jl", evolved.conj(), povm, evolved).real
    return np.clip(probabilities, 0.0, None)


COST_FUNCTIONS = ("quadratic", "periodic")


def _check_cost(cost: str, offsets: np.ndarray) -> str:
    check_choice(cost, "cost", COST_FUNCTIONS)
    if cost == "periodic" and np.any(offsets != 0):
        raise QClockError("phase_offsets (the eq. (7) term) apply to cost='quadratic' only, got cost='periodic'")
    return cost


def _cost_matrix(phases, labels, offsets, cost: str = "quadratic") -> np.ndarray:
    """``c(φ_j, g_l)``, shape (J, L): ``(φ − g)² + 2(φ − g) m`` or ``4 sin²((φ − g)/2)``."""
    error = phases[:, None] - labels[None, :]
    if cost == "periodic":
        return 4.0 * np.sin(0.5 * error) ** 2
    return error**2 + 2.0 * error * offsets[:, None]


def protocol_cost(state, povm, labels, phases, weights, phase_offsets=None, cost: str = "quadratic") -> float:
    """Expected cost (Mullan & Knill eq. 6) of an explicit protocol on a prior grid, from exact probabilities.

    ``Σ_j p_j Σ_l P(l|φ_j) c(φ_j, g_l)`` (rad²) with ``c = (φ − g)² + 2(φ − g) m``
    (``cost='quadratic'``) or ``4 sin²((φ − g)/2)`` (``cost='periodic'``, the
    phase-wrapping cost for which the Bužek–Derka–Massar protocol is optimal
    under a flat prior). Use a fine grid (or quadrature) here to evaluate a
    protocol optimised on a coarse one.

    Parameters
    ----------
    state : array_like, shape (N+1,)
        Dicke-basis amplitudes.
    povm : array_like, shape (L, N+1, N+1)
        Measurement elements.
    labels : array_like, shape (L,)
        Estimate g_l (rad) per outcome.
    phases : array_like, shape (J,)
        Prior grid φ_j (rad).
    weights : array_like, shape (J,)
        Prior weights p_j (summing to 1).
    phase_offsets : array_like, shape (J,), optional
        m(φ_j) (rad) of the cost (:meth:`PhaseFrequencyLaw.phase_offsets`); default 0.
    cost : {'quadratic', 'periodic'}, optional
        Cost function: ``(φ − g)² + 2(φ − g) m`` or ``4 sin²((φ − g)/2)``.

    Returns
    -------
    float
        The expected cost (rad²).

    Raises
    ------
    QClockError
        If there is not one label per POVM element, or the shapes do not match.
    """
    phases, weights = _check_grid(phases, weights)
    labels = check_finite_array(labels, "labels", ndim=1)
    offsets = _check_offsets(phase_offsets, phases.size)
    _check_cost(cost, offsets)
    probabilities = outcome_probabilities(state, povm, phases)
    if probabilities.shape[1] != labels.size:
        raise QClockError(f"labels must have one estimate per POVM element ({probabilities.shape[1]}), "
                          f"got {labels.size}")
    return float(weights @ (probabilities * _cost_matrix(phases, labels, offsets, cost)).sum(axis=1))


def gram_blocks(state, povm, phases) -> tuple[np.ndarray, np.ndarray]:
    """Gram matrix ``G_jk = ⟨ψ_j|ψ_k⟩`` and blocks ``Q_l[j, k] = ⟨ψ_j|E_l|ψ_k⟩`` of a protocol.

    ``ψ_j = exp(−iφ_j Jz)|ψ⟩``; ``Σ_l Q_l = G``, every ``Q_l ⪰ 0`` and
    ``Q_l[j, j] = P(l | φ_j)``.

    Parameters
    ----------
    state : array_like, shape (N+1,)
        Dicke-basis amplitudes of ``|ψ⟩``.
    povm : array_like, shape (L, N+1, N+1)
        Measurement elements E_l.
    phases : array_like, shape (J,)
        Phases φ_j (rad).

    Returns
    -------
    G : numpy.ndarray, shape (J, J)
        Gram matrix (complex).
    Q : numpy.ndarray, shape (L, J, J)
        One block per outcome (complex).
    """
    state = np.asarray(state, dtype=complex)
    povm = np.asarray(povm, dtype=complex)
    evolved = dicke_imprint(state.size - 1, phases) * state[None, :]
    gram = evolved.conj() @ evolved.T
    blocks = np.einsum("ja,lab,kb->ljk", evolved.conj(), povm, evolved)
    return gram, blocks


def optimal_labels(probabilities, phases, weights, phase_offsets=None, fallback=None,
                   cost: str = "quadratic") -> np.ndarray:
    """Best estimate per outcome for a fixed measurement (appendix A).

    Quadratic cost: ``g_l = E(φ + m(φ) | l)``; periodic cost: ``g_l = arg E(e^{iφ} | l)``.
    Outcomes of zero probability keep their ``fallback`` label (default: the prior mean of φ + m).
    Mullan & Knill, Phys. Rev. A 90, 042310 (2014), appendix A.

    Parameters
    ----------
    probabilities : array_like, shape (J, L)
        ``P(l | φ_j)``.
    phases : array_like, shape (J,)
        Prior grid φ_j (rad).
    weights : array_like, shape (J,)
        Prior weights p_j (summing to 1).
    phase_offsets : array_like, shape (J,), optional
        m(φ_j) (rad) of the cost (:meth:`PhaseFrequencyLaw.phase_offsets`); default 0.
    fallback : array_like, shape (L,), optional
        Labels (rad) for outcomes of zero probability.
    cost : {'quadratic', 'periodic'}, optional
        Cost function: ``(φ − g)² + 2(φ − g) m`` or ``4 sin²((φ − g)/2)``.

    Returns
    -------
    numpy.ndarray, shape (L,)
        Estimate g_l (rad) per outcome.
    """
    phases, weights = _check_grid(phases, weights)
    offsets = _check_offsets(phase_offsets, phases.size)
    _check_cost(cost, offsets)
    joint = weights[:, None] * np.asarray(probabilities, dtype=float)
    mass = joint.sum(axis=0)
    if cost == "periodic":
        resultant = np.exp(1j * phases) @ joint
        default = np.full(mass.size, float(np.angle(np.exp(1j * phases) @ weights))) if fallback is None \
            else np.asarray(fallback, float)
        used = np.abs(resultant) > 1e-12
        return np.where(used, np.angle(resultant), default)
    target = phases + offsets
    numerator = target @ joint
    default = np.full(mass.size, float(weights @ target)) if fallback is None else np.asarray(fallback, float)
    used = mass > 1e-12
    return np.where(used, numerator / np.where(used, mass, 1.0), default)


def _check_offsets(phase_offsets, size: int) -> np.ndarray:
    if phase_offsets is None:
        return np.zeros(size)
    return check_finite_array(phase_offsets, "phase_offsets", ndim=1, length=size)


# ----------------------------------------------------------------------------- result
def _complex_to_json(array: np.ndarray) -> dict:
    array = np.asarray(array, dtype=complex)
    return {"shape": list(array.shape), "real": array.real.ravel().tolist(), "imag": array.imag.ravel().tolist()}


def _complex_from_json(data: Mapping) -> np.ndarray:
    real = np.asarray(data["real"], dtype=float)
    imag = np.asarray(data["imag"], dtype=float)
    return (real + 1j * imag).reshape(data["shape"])


@dataclass(frozen=True)
class InterrogationResult:
    """An SDP-optimised interrogation: state, POVM, estimates and costs.

    Parameters
    ----------
    atoms : int
        Number of atoms N.
    state : ndarray, shape (N+1,)
        Dicke-basis amplitudes ``√q_M`` (real, ≥ 0).
    povm : ndarray, shape (L, N+1, N+1)
        Measurement elements (positive, summing to the identity).
    labels : ndarray, shape (L,)
        Estimate ``g_l`` (rad) announced by outcome l.
    cost : float
        Objective value of the last program (rad²).
    evaluated_cost : float
        Cost of the recovered (state, POVM, labels) on the optimisation grid,
        recomputed from explicit probabilities (:func:`protocol_cost`).
    history : tuple of float
        Evaluated cost after each label iteration (non-increasing up to solver tolerance).
    iterations : int
        Programs solved.
    solver : str
        Solver of the last program.
    solve_time : float
        Seconds spent in the solver calls (all iterations).
    cost_function : str
        'quadratic' or 'periodic'.
    """

    atoms: int
    state: np.ndarray
    povm: np.ndarray
    labels: np.ndarray
    cost: float
    evaluated_cost: float
    history: tuple = field(default_factory=tuple)
    iterations: int = 1
    solver: str = "CLARABEL"
    solve_time: float = 0.0
    cost_function: str = "quadratic"

    def probabilities(self, phases) -> np.ndarray:
        """``P(l | φ)`` for the recovered protocol, shape (len(phases), L).

        Parameters
        ----------
        phases : float or array_like
            Phases φ (rad).

        Returns
        -------
        numpy.ndarray, shape (J, L)
            Outcome probabilities per phase.
        """
        return outcome_probabilities(self.state, self.povm, np.atleast_1d(np.asarray(phases, float)))

    def cost_on(self, phases, weights, phase_offsets=None) -> float:
        """Expected cost (same cost function) of this protocol under another prior grid (e.g. a fine quadrature).

        Parameters
        ----------
        phases : array_like, shape (J,)
            Prior grid φ_j (rad).
        weights : array_like, shape (J,)
            Prior weights p_j (summing to 1).
        phase_offsets : array_like, shape (J,), optional
            m(φ_j) (rad) of the cost (:meth:`PhaseFrequencyLaw.phase_offsets`); default 0.

        Returns
        -------
        float
            The expected cost (Mullan & Knill, Phys. Rev. A 90, 042310 (2014), eq. (6)) (rad²).
        """
        return protocol_cost(self.state, self.povm, self.labels, phases, weights, phase_offsets, self.cost_function)

    def to_dict(self) -> dict:
        """Plain JSON-compatible data.

        Returns
        -------
        dict
            The object's data (JSON types only); :meth:`from_dict` reads it back.
        """
        return {"atoms": self.atoms, "state": _complex_to_json(self.state), "povm": _complex_to_json(self.povm),
                "labels": self.labels.tolist(), "cost": self.cost, "evaluated_cost": self.evaluated_cost,
                "history": list(self.history), "iterations": self.iterations, "solver": self.solver,
                "solve_time": self.solve_time, "cost_function": self.cost_function}

    @classmethod
    def from_dict(cls, data: Mapping) -> InterrogationResult:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            A dictionary as written by :meth:`to_dict`.

        Returns
        -------
        InterrogationResult
            The reconstructed object.
        """
        return cls(atoms=int(data["atoms"]), state=_complex_from_json(data["state"]),
                   povm=_complex_from_json(data["povm"]), labels=np.asarray(data["labels"], dtype=float),
                   cost=float(data["cost"]), evaluated_cost=float(data["evaluated_cost"]),
                   history=tuple(float(v) for v in data["history"]), iterations=int(data["iterations"]),
                   solver=str(data["solver"]), solve_time=float(data["solve_time"]),
                   cost_function=str(data.get("cost_function", "quadratic")))


# ----------------------------------------------------------------------------- programs
class _Program:
    """One compiled program; the cost matrices are parameters, so re-solving with new labels is cheap."""

    def __init__(self, atoms: int, phases: np.ndarray, weights: np.ndarray, label_count: int):
        import cvxpy as cp

        self.cp = cp
        self.dim = atoms + 1
        self.imprint = dicke_imprint(atoms, phases)  # (J, N+1): e^{−iφ_j M}
        self.weights = weights
        self.q = cp.Variable(self.dim, nonneg=True)
        # Tr(A_l B_l) with A_l = Σ_j p_j c_jl F_j F_j†, written on real/imaginary parts of B_l
        self.blocks = [cp.Variable((self.dim, self.dim), hermitian=True) for _ in range(label_count)]
        self.a_real = [cp.Parameter((self.dim, self.dim), symmetric=True) for _ in range(label_count)]
        self.a_imag = [cp.Parameter((self.dim, self.dim)) for _ in range(label_count)]
        objective = sum(cp.sum(cp.multiply(ar, cp.real(b))) + cp.sum(cp.multiply(ai, cp.imag(b)))
                        for ar, ai, b in zip(self.a_real, self.a_imag, self.blocks))
        constraints = [b >> 0 for b in self.blocks]
        constraints += [sum(self.blocks) == cp.diag(self.q), cp.sum(self.q) == 1]
        self.problem = cp.Problem(cp.Minimize(objective), constraints)

    def set_costs(self, costs: np.ndarray) -> None:
        """``costs``: (J, L) matrix ``c(φ_j, g_l)``."""
        weighted = self.weights[:, None] * costs
        # A_l[M, M'] = Σ_j p_j c_jl e^{−iφ_j M} e^{+iφ_j M'}; for Hermitian A, B:
        # Tr(A B) = Σ Re A ∘ Re B + Σ Im A ∘ Im B
        for l in range(costs.shape[1]):
            matrix = np.einsum("j,ja,jb->ab", weighted[:, l], self.imprint, self.imprint.conj())
            matrix = 0.5 * (matrix + matrix.conj().T)
            self.a_real[l].value = matrix.real
            self.a_imag[l].value = matrix.imag

    def solve(self, solver: str | None) -> tuple[float, str]:
        cp = self.cp
        order = _SOLVERS if solver is None else (solver,)
        statuses = []
        for name in order:
            for options in _SOLVER_ATTEMPTS[name]:
                try:
                    with warnings.catch_warnings():  # the status is checked below
                        warnings.simplefilter("ignore", UserWarning)
                        self.problem.solve(solver=name, **options)
                except cp.error.SolverError as exc:
                    statuses.append(f"{name}: solver error ({exc})")
                    break
                if self.problem.status == cp.OPTIMAL:
                    return float(self.problem.value), name
                statuses.append(f"{name}: {self.problem.status}")
                if self.problem.status not in (cp.OPTIMAL_INACCURATE, cp.USER_LIMIT):
                    break  # infeasible/unbounded: relaxing tolerances will not help
        raise QClockError("the interrogation SDP was not solved to optimality; solver status "
                          + "; ".join(statuses))

    def recover(self) -> tuple[np.ndarray, np.ndarray]:
        """State ``√q`` and POVM from the optimal blocks (module docstring)."""
        q = np.clip(np.asarray(self.q.value, dtype=float), 0.0, None)
        q = q / q.sum()
        blocks = [np.asarray(b.value, dtype=complex) for b in self.blocks]
        return _povm_from_blocks(q, blocks)


def _psd_part(matrix: np.ndarray) -> np.ndarray:
    matrix = 0.5 * (matrix + matrix.conj().T)
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.clip(values, 0.0, None)) @ vectors.conj().T


def _povm_from_blocks(q: np.ndarray, blocks: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    dim = q.size
    support = q > 1e-9 * q.max()
    scale = np.zeros(dim)
    scale[support] = 1.0 / np.sqrt(q[support])
    povm = np.array([_psd_part(scale[:, None] * block * scale[None, :]) for block in blocks])
    povm[:, ~support, :] = 0.0
    povm[:, :, ~support] = 0.0
    # restore Σ E = I on the support (absorbs solver tolerance), then complete off it
    total = povm.sum(axis=0)
    sub = np.ix_(support, support)
    values, vectors = np.linalg.eigh(total[sub])
    if values.min() <= 1e-12:
        raise QClockError(f"the recovered POVM is singular on the state's support (eigenvalue {values.min():.3g})")
    inv_sqrt = (vectors / np.sqrt(values)) @ vectors.conj().T
    for element in povm:
        element[sub] = inv_sqrt @ element[sub] @ inv_sqrt
    if not support.all():
        weight = np.real(np.einsum("laa->l", povm))
        povm[int(np.argmax(weight))][~support, ~support] += 1.0
    state = np.sqrt(np.where(support, q, 0.0)).astype(complex)
    return state / np.linalg.norm(state), povm


def _refresh_labels(labels: np.ndarray, mass: np.ndarray, count: int, step: float) -> np.ndarray:
    """Next label set: merged used labels plus probes ``± step`` around the most probable ones.

    Labels closer than ``step/2`` are merged into one at their probability-weighted
    mean (the posterior mean of the merged outcome), so clusters of nearly equal
    estimates (a degenerate program) collapse; probes let the next program move
    each estimate by ``step``. Free slots are spread evenly over the label range.
    """
    order = np.argsort(labels)
    sorted_labels, sorted_mass = labels[order], mass[order]
    centres, masses = [], []
    start = 0
    for stop in range(1, sorted_labels.size + 1):
        if stop == sorted_labels.size or sorted_labels[stop] - sorted_labels[stop - 1] >= 0.5 * step:
            block = slice(start, stop)
            total = float(sorted_mass[block].sum())
            if total > 1e-9:
                centres.append(float(sorted_labels[block] @ sorted_mass[block]) / total)
                masses.append(total)
            start = stop
    result = centres[:count]
    for index in np.argsort(masses)[::-1]:
        for sign in (1.0, -1.0):
            if len(result) < count:
                result.append(centres[index] + sign * step)
    if len(result) < count:
        result.extend(np.linspace(labels.min(), labels.max(), count - len(result) + 2)[1:-1])
    return np.sort(np.asarray(result, dtype=float))


def _default_labels(phases: np.ndarray, weights: np.ndarray, offsets: np.ndarray, count: int) -> np.ndarray:
    target = phases + offsets
    mean = float(weights @ target)
    spread = math.sqrt(max(float(weights @ (target - mean) ** 2), 1e-300))
    return mean + spread * np.linspace(-2.5, 2.5, count)


def optimize_interrogation(atoms: int, phases, weights, *, phase_offsets=None, cost: str = "quadratic",
                           labels=None, label_count: int = 16,
                           max_iterations: int = 10, tolerance: float = 1e-7,
                           solver: str | None = None) -> InterrogationResult:
    """Optimal state, POVM and estimates of one interrogation for a prior on a phase grid.

    Parameters
    ----------
    atoms : int
        N, 1 ≤ N ≤ :data:`MAX_ATOMS`.
    phases, weights : array, shape (J,)
        Prior grid ``φ_j = ω_j T`` (rad) and its probabilities (normalised here);
        see :func:`gaussian_grid`.
    phase_offsets : array, shape (J,), optional
        ``m(φ_j) = E(θ − Eθ | ω_j)`` (rad) of the paper's eq. (7) cost; default
        zero (plain quadratic cost ``(φ − g)²``).
    cost : {'quadratic', 'periodic'}
        'quadratic': ``(φ − g)² + 2(φ − g) m(φ)``; 'periodic': ``4 sin²((φ − g)/2)``
        (no offsets), the cost of the Bužek–Derka–Massar optimum.
    labels : array, optional
        Initial estimates ``g_l`` (rad); default ``label_count`` points evenly
        spread over ±2.5 prior standard deviations of ``φ + m``.
    label_count : int
        Number of outcomes L when ``labels`` is not given (2 … :data:`MAX_LABELS`).
    max_iterations : int
        Programs solved at most (label iteration of appendix A; 1 = fixed labels).
    tolerance : float
        Stop when an iteration lowers the evaluated cost by less than
        ``tolerance`` (relative).
    solver : {'CLARABEL', 'SCS'}, optional
        Default: CLARABEL, then SCS if CLARABEL fails or is inaccurate.

    Returns
    -------
    InterrogationResult
        The optimised state, POVM, labels and costs (rad²).

    Raises
    ------
    QClockError
        Bad input, sizes beyond the limits, or a solver status other than optimal.
    """
    atoms = check_atoms(atoms)
    if atoms > MAX_ATOMS:
        raise QClockError(f"atoms must be <= {MAX_ATOMS} for the interrogation SDP, got {atoms}")
    phases, weights = _check_grid(phases, weights)
    if phases.size > MAX_POINTS:
        raise QClockError(f"phases must hold at most {MAX_POINTS} grid points for the SDP, got {phases.size}")
    offsets = _check_offsets(phase_offsets, phases.size)
    _check_cost(cost, offsets)
    if solver is not None:
        check_choice(solver, "solver", _SOLVERS)
    max_iterations = check_int(max_iterations, "max_iterations", 1, 1000)
    tolerance = check_finite(tolerance, "tolerance")
    if tolerance < 0:
        raise QClockError(f"tolerance must be >= 0, got {tolerance}")
    if labels is None:
        label_count = check_int(label_count, "label_count", 2, MAX_LABELS)
        labels = _default_labels(phases, weights, offsets, label_count)
    else:
        labels = check_finite_array(labels, "labels", ndim=1)
        if not 2 <= labels.size <= MAX_LABELS:
            raise QClockError(f"labels must hold between 2 and {MAX_LABELS} estimates, got {labels.size}")
    program = _Program(atoms, phases, weights, labels.size)
    history: list[float] = []
    best = None
    step = None
    solve_time = 0.0
    for iteration in range(1, max_iterations + 1):
        program.set_costs(_cost_matrix(phases, labels, offsets, cost))
        start = time.perf_counter()
        value, used = program.solve(solver)
        solve_time += time.perf_counter() - start
        state, povm = program.recover()
        # the same measurement with its best estimates (appendix A): never worse than the program's labels
        probabilities = outcome_probabilities(state, povm, phases)
        labels = optimal_labels(probabilities, phases, weights, offsets, fallback=labels, cost=cost)
        evaluated = protocol_cost(state, povm, labels, phases, weights, offsets, cost)
        history.append(evaluated)
        if best is None or evaluated < best[0]:
            best = (evaluated, value, state, povm, labels.copy(), used)
        improved = len(history) < 2 or history[-2] - evaluated > tolerance * abs(history[-2])
        if not improved or iteration == max_iterations:
            break
        step = 0.5 * step if step is not None else float(np.ptp(labels)) / labels.size
        labels = _refresh_labels(labels, probabilities.T @ weights, labels.size, step)
    evaluated, value, state, povm, labels, used = best
    return InterrogationResult(atoms=atoms, state=state, povm=povm, labels=labels, cost=value,
                               evaluated_cost=evaluated, history=tuple(history), iterations=len(history),
                               solver=used, solve_time=solve_time, cost_function=cost)
