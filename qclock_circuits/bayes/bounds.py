"""Lower bounds on the BMSE (Kielinski & Hammerer sec. II C and appendix A1).

Hierarchy (eq. 15): BMSE(any estimator) ≥ ``bcrb`` ≥ ``bqcrb`` ≥ ``oqi``.

Names — read before use:

* :func:`bcrb` is the *exact* minimum of the BMSE over all estimators for the
  protocol's fixed state and measurement, i.e. the BMSE of the posterior-mean
  estimator (eqs. 7, 24–25). Kielinski & Hammerer calls this minimum "the BCRB" and writes
  it as ``1/(F̄ + I)``; that expression is only the van Trees *lower bound*
  on it, and can lie far below it (e.g. GHZ at wide priors). It is
  provided separately as :func:`van_trees`.
* :func:`bqcrb` minimises additionally over measurements (eqs. 12–14): it
  solves ``ρ' = (ρ̄L + Lρ̄)/2`` for the averaged state ``ρ̄ = ∫P(φ)Λ_φ[ρ]``
  and ``ρ' = ∫P(φ)φΛ_φ[ρ]``, and equals ``E[φ²] − Tr(ρ̄L²)``.
* :func:`oqi` minimises additionally over input states by the see-saw of
  appendix A1C (eqs. A38–A39), from several starts.

Structure used: with the imprint ``exp(−iφJz)``, ``ρ̄_kl = ρ_kl E[e^{−iφ(k−l)}]``
is the input state times a dephasing kernel in the Dicke basis, so every step
is (N+1)-dimensional linear algebra. For a zero-mean prior and a real input
state every matrix is real (``ρ'`` and ``L`` are i × real antisymmetric),
which the see-saw exploits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.linalg import eigh
from scipy.special import erfc

from .._blas import one_blas_thread, small_matrix_threads
from .._validation import QClockError, check_atoms, check_finite, check_int
from ..spin import coherent_state, sine_state
from .estimators import bmse as _bmse
from .moments import phase_moments
from .priors import GaussianPrior, GridPrior

__all__ = [
    "fisher_information",
    "average_fisher_information",
    "van_trees",
    "bcrb",
    "averaged_state",
    "BQCRBResult",
    "bqcrb",
    "bqcrb_result",
    "bqcrb_mixed",
    "OQIResult",
    "oqi",
    "POIResult",
    "poi_optimized",
    "ctl",
    "pi_hl",
    "asymptotic_oqi",
]


# ----------------------------------------------------------------- classical
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


# ----------------------------------------------------------------- quantum
def _kernels(atoms: int, prior):
    lags = np.arange(-atoms, atoms + 1)
    zeroth, first, second = phase_moments(prior, lags)
    k = np.arange(atoms + 1)
    index = k[:, None] - k[None, :] + atoms  # Δ_kl + N
    return zeroth, first, index


def averaged_state(state, prior) -> tuple[np.ndarray, np.ndarray]:
    """Prior-averaged states ``ρ̄ = ∫P(φ) e^{−iφJz}ρe^{iφJz}`` and ``ρ' = ∫P(φ) φ e^{−iφJz}ρe^{iφJz}``.

    Kielinski & Hammerer, arXiv:2505.04287 (2025), eqs. (12)–(14), in the
    Dicke basis.

    Parameters
    ----------
    state : array_like of shape (N+1,) or (N+1, N+1)
        A ket or a density matrix in the Dicke basis.
    prior : GaussianPrior or GridPrior
        The phase prior (rad).

    Returns
    -------
    rho_bar : numpy.ndarray
        ρ̄, complex of shape (N+1, N+1).
    rho_prime : numpy.ndarray
        ρ', complex of shape (N+1, N+1), in rad.
    """
    state = np.asarray(state, dtype=complex)
    rho = np.outer(state, state.conj()) if state.ndim == 1 else state
    atoms = rho.shape[0] - 1
    zeroth, first, index = _kernels(atoms, prior)
    # E[e^{-iφΔ}] = E[e^{iφ(-Δ)}]: lag -Δ sits at index 2N - (Δ + N)
    flipped = 2 * atoms - index
    return rho * zeroth[flipped], rho * first[flipped]


@dataclass(frozen=True)
class BQCRBResult:
    """BQCRB and the optimal measurement and estimator for a fixed input state.

    Parameters
    ----------
    bmse : float
        The bound, in rad².
    observable : numpy.ndarray of shape (N+1, N+1)
        The optimal observable ``L = Σ_j φ_j |j⟩⟨j|`` (Dicke basis, rad).
    measurement : numpy.ndarray of shape (N+1, K)
        ``measurement[:, j]`` is the Dicke-basis eigenvector whose outcome is
        estimated as ``estimator[j]``.
    estimator : numpy.ndarray of shape (K,)
        Estimate of each outcome, in rad.
    """

    bmse: float
    observable: np.ndarray
    measurement: np.ndarray
    estimator: np.ndarray

    def to_dict(self) -> dict:
        """JSON-compatible summary.

        Returns
        -------
        dict
            ``{"bmse": rad², "estimator": list (rad)}``.
        """
        return {"bmse": self.bmse, "estimator": self.estimator.tolist()}


def _optimal_observable(rho_bar: np.ndarray, rho_prime: np.ndarray) -> tuple[np.ndarray, float]:
    """Solve ρ' = (ρ̄L + Lρ̄)/2 in the eigenbasis of ρ̄; return L and Tr(ρ'L) = Tr(ρ̄L²)."""
    values, vectors = eigh(rho_bar)
    values = np.clip(values, 0.0, None)
    rotated = vectors.conj().T @ rho_prime @ vectors
    denominator = values[:, None] + values[None, :]
    mask = denominator > 1e-13 * max(values.max(), 1e-300)
    solution = np.where(mask, 2.0 * rotated / np.where(mask, denominator, 1.0), 0.0)
    observable = vectors @ solution @ vectors.conj().T
    observable = 0.5 * (observable + observable.conj().T)
    return observable, float(np.real(np.vdot(observable.conj().T, rho_prime)))


#: Dicke amplitudes below this fraction of the largest are dropped by the pure-state route (e.g. the
#: tails of a CSS at N = 1000: 363 of 1001 states kept). Measured effect on the BQCRB: ≤ 5e-14 relative,
#: the size of the round-off of the eigendecomposition itself.
_AMPLITUDE_FLOOR = 1e-14


def _pure_state_solution(state: np.ndarray, prior: GaussianPrior, observable: bool, floor: float | None = None):
    """SLD problem of a pure state under a Gaussian prior, in real arithmetic.

    With ``ψ_k = a_k e^{iθ_k}`` (a_k ≥ 0) and ``E[e^{−iφΔ}] = e^{−iμΔ} g(Δ)``,
    ``g(Δ) = e^{−Δ²δφ²/2}``, both averaged states share one diagonal unitary
    ``U = diag(e^{i(θ_k − μk)})``: ``ρ̄ = U R U†`` and ``ρ' = U (μR + iQ) U†`` with
    the real matrices ``R_kl = a_k a_l g(k−l)`` (symmetric) and
    ``Q_kl = −(k−l) δφ² R_kl`` (antisymmetric). The SLD is then
    ``L = U (μΠ + iS) U†`` with ``RS + SR = 2Q`` solved in the eigenbasis of R
    (Π: the projector on its non-null eigenvectors), and
    ``Tr(ρ'L) = μ² Tr(RΠ) + Σ_ij 2 X_ij²/(λ_i + λ_j)``, ``X = VᵀQV``: one real
    symmetric eigendecomposition instead of a complex one, on the Dicke
    states the input occupies. Same pseudo-inverse cut as :func:`_optimal_observable`.

    Dicke states whose amplitude is at most ``floor`` (default
    :data:`_AMPLITUDE_FLOOR`) times the largest are left out.
    Returns ``(gain, observable)``, ``observable`` None unless asked for.
    """
    amplitude = np.abs(state)
    kept = _occupied(amplitude, _AMPLITUDE_FLOOR if floor is None else floor)
    weights = amplitude[kept]
    lag = (kept[:, None] - kept[None, :]).astype(float)
    reduced = np.outer(weights, weights) * np.exp(-0.5 * (lag * prior.width) ** 2)
    values, vectors = eigh(reduced, driver="evd")
    values = np.clip(values, 0.0, None)
    rotated = vectors.T @ ((-prior.variance * lag * reduced) @ vectors)
    denominator = values[:, None] + values[None, :]
    cut = 1e-13 * max(values.max(), 1e-300)
    mask = denominator > cut
    solution = np.where(mask, 2.0 * rotated / np.where(mask, denominator, 1.0), 0.0)
    support = 2.0 * values > cut
    gain = float(prior.mean**2 * values[support].sum() + np.sum(rotated * solution))
    if not observable:
        return gain, None
    antisymmetric = vectors @ solution @ vectors.T
    block = 0.5j * (antisymmetric - antisymmetric.T)
    if prior.mean != 0.0:
        block = block + prior.mean * (vectors[:, support] @ vectors[:, support].T)
    frame = np.exp(1j * (np.angle(state[kept]) - prior.mean * kept))
    full = np.zeros((state.shape[0], state.shape[0]), dtype=complex)
    full[np.ix_(kept, kept)] = frame[:, None] * block * frame.conj()[None, :]
    return gain, full


def _occupied(amplitude: np.ndarray, floor: float) -> np.ndarray:
    return np.flatnonzero(amplitude > floor * amplitude.max())


def _eigh_on_block(observable: np.ndarray, kept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``eigh`` of a Hermitian matrix that vanishes outside the rows and columns ``kept``."""
    size = observable.shape[0]
    if kept.shape[0] == size:
        return eigh(observable)
    values, block = eigh(observable[np.ix_(kept, kept)])
    estimator = np.concatenate([values, np.zeros(size - kept.shape[0])])
    measurement = np.zeros((size, size), dtype=complex)
    measurement[kept, :kept.shape[0]] = block
    dropped = np.setdiff1d(np.arange(size), kept)
    measurement[dropped, kept.shape[0] + np.arange(dropped.shape[0])] = 1.0
    order = np.argsort(estimator, kind="stable")
    return estimator[order], measurement[:, order]


def _is_pure_gaussian_case(state: np.ndarray, prior) -> bool:
    return state.ndim == 1 and isinstance(prior, GaussianPrior)


def bqcrb_result(protocol_or_state, prior) -> BQCRBResult:
    """BQCRB of an input state (or of a protocol's input state) with the optimal measurement.

    Kielinski & Hammerer, arXiv:2505.04287 (2025), eqs. (12)–(14): solves
    ``ρ' = (ρ̄L + Lρ̄)/2`` for the optimal observable L, whose eigenvectors are
    the optimal measurement and whose eigenvalues the estimates.

    Parameters
    ----------
    protocol_or_state : RamseyProtocol or array
        A protocol (its ``input_state`` is used), a Dicke-basis ket (N+1,) or
        a density matrix (N+1, N+1).
    prior : GaussianPrior or GridPrior
        Prior of the phase φ (rad).

    Returns
    -------
    BQCRBResult
        ``bmse`` in rad²; ``measurement``, ``estimator`` (rad), ``observable``.

    Notes
    -----
    A ket under a Gaussian prior takes the real route of
    :func:`_pure_state_solution` (one real eigendecomposition on the occupied
    Dicke states); density matrices and grid priors the general complex one.
    """
    state = np.asarray(getattr(protocol_or_state, "input_state", protocol_or_state))
    with one_blas_thread():
        if _is_pure_gaussian_case(state, prior):
            gain, observable = _pure_state_solution(state.astype(complex), prior, observable=True)
            estimator, measurement = _eigh_on_block(observable, _occupied(np.abs(state), _AMPLITUDE_FLOOR))
        else:
            rho_bar, rho_prime = averaged_state(state, prior)
            observable, gain = _optimal_observable(rho_bar, rho_prime)
            estimator, measurement = eigh(observable)
    return BQCRBResult(bmse=float(max(prior.second_moment - gain, 0.0)), observable=observable,
                       measurement=measurement, estimator=estimator)


def bqcrb(protocol_or_state, prior) -> float:
    """Bayesian quantum Cramér–Rao bound (rad²) of an input state, Kielinski & Hammerer eqs. (12)–(14).

    ``E[φ²] − Tr(ρ̄L²)`` with the optimal observable L of :func:`bqcrb_result`;
    for a ket under a Gaussian prior only the value is computed (no
    measurement), by the real route of :func:`_pure_state_solution`. For a
    protocol with local noise (``protocol.noise``) the bound is that of the
    mixed state that enters the imprint (preparation with its dissipation, then
    the dark-time channel, which commutes with the imprint): see
    :func:`bqcrb_mixed`. Detection errors do not enter (they act after the
    measurement that the bound optimises).

    Parameters
    ----------
    protocol_or_state : RamseyProtocol or array
        A protocol, a Dicke-basis ket (N+1,) or a density matrix (N+1, N+1).
    prior : GaussianPrior or GridPrior
        Prior of the phase φ (rad).

    Returns
    -------
    float
        The bound in rad².
    """
    noise = getattr(protocol_or_state, "noise", None)
    if noise is not None and noise.is_quantum:
        return bqcrb_mixed(protocol_or_state, prior)
    state = np.asarray(getattr(protocol_or_state, "input_state", protocol_or_state))
    if not _is_pure_gaussian_case(state, prior):
        return bqcrb_result(state, prior).bmse
    with one_blas_thread():
        gain, _ = _pure_state_solution(state.astype(complex), prior, observable=False)
    return float(max(prior.second_moment - gain, 0.0))


def bqcrb_mixed(protocol, prior) -> float:
    """BQCRB of a protocol's permutation-invariant mixed input state under local noise.

    The averaged states ρ̄ and ρ' of Kielinski & Hammerer, arXiv:2505.04287
    (2025), eqs. (12)–(14) are block diagonal in the total spin j (the imprint
    ``exp(−iφJz)`` acts inside every block), so the symmetric logarithmic
    derivative is solved block by block and ``Tr(ρ̄L²) = Σ_j Tr(ρ̄′_j L_j)``
    (blocks carry their total weight; the d_j identical copies of a block share
    L_j).

    Parameters
    ----------
    protocol : RamseyProtocol
        The protocol, with or without ``noise`` (N ≤ ``MAX_PI_ATOMS``).
    prior : GaussianPrior or GridPrior
        The phase prior (rad).

    Returns
    -------
    float
        The bound, in rad².

    Raises
    ------
    QClockError
        If N exceeds the local-noise engine's limit.
    """
    from ..spin.permutation_invariant import pi_basis

    basis = pi_basis(protocol.atoms)
    state = protocol.mixed_input_state()
    gain = 0.0
    for index in range(basis.blocks):
        block = basis.block(state, index)
        if block.shape[0] == 1:
            continue  # j = 0 does not see the phase
        with small_matrix_threads(block.shape[0]):
            rho_bar, rho_prime = averaged_state(block, prior)
            gain += _optimal_observable(rho_bar, rho_prime)[1]
    return float(max(prior.second_moment - gain, 0.0))


# ----------------------------------------------------------------- OQI see-saw
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


# ----------------------------------------------------------------- POI
@dataclass(frozen=True)
class POIResult:
    """Phase-operator interferometer with its optimised input state (Kielinski & Hammerer, arXiv:2505.04287 (2025), eqs. (A45)–(A46)).

    Parameters
    ----------
    bmse : float
        BMSE of the optimised POI, in rad².
    state : numpy.ndarray of shape (N+1,)
        Optimised input state (Dicke basis).
    estimator : numpy.ndarray of shape (N+1,)
        Posterior-mean estimate of each phase-operator outcome, in rad.
    iterations : int
        Alternation steps taken.
    converged : bool
        Whether the relative decrease fell below the tolerance.
    """

    bmse: float
    state: np.ndarray
    estimator: np.ndarray
    iterations: int
    converged: bool

    def protocol(self):
        """The POI protocol with the optimised input state.

        Returns
        -------
        RamseyProtocol
            ``protocols.poi(N, state=self.state)``.
        """
        from ..protocols import poi

        return poi(self.state.shape[0] - 1, state=self.state)

    def to_dict(self) -> dict:
        """JSON-compatible form.

        Returns
        -------
        dict
            ``bmse`` (rad²), ``state_real``, ``state_imag``, ``estimator`` (rad),
            ``iterations``, ``converged``.
        """
        return {"bmse": self.bmse, "state_real": self.state.real.tolist(), "state_imag": self.state.imag.tolist(),
                "estimator": self.estimator.tolist(), "iterations": self.iterations, "converged": self.converged}


def poi_optimized(atoms: int, prior, max_iterations: int = 500, tolerance: float = 1e-11) -> POIResult:
    """Optimise the POI input state for a prior (Kielinski & Hammerer, arXiv:2505.04287 (2025), appendix A1C).

    Starting from ``|s = 0⟩`` (even N) or the sine state (odd N), alternate the
    posterior-mean estimator for the phase-operator measurement and the optimal
    state for ``L = Σ_s φ_est(s)|s⟩⟨s|``.

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1.
    prior : GaussianPrior or GridPrior
        The phase prior (rad).
    max_iterations : int, optional
        Most alternation steps (default 500).
    tolerance : float, optional
        Relative decrease of the BMSE per step that counts as converged
        (default 1e-11).

    Returns
    -------
    POIResult
        BMSE (rad²), state, estimator and convergence.

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer.
    QClockError
        If ``atoms`` < 1.
    """
    from ..protocols import phase_operator_unitary, poi
    from .estimators import estimator_table

    atoms = check_atoms(atoms)
    with small_matrix_threads(atoms + 1):
        return _poi_optimized(atoms, prior, max_iterations, tolerance)


def _poi_optimized(atoms, prior, max_iterations, tolerance) -> POIResult:
    from ..protocols import phase_operator_unitary, poi
    from .estimators import estimator_table

    unitary = phase_operator_unitary(atoms)
    zeroth, first, index = _kernels(atoms, prior)
    state = unitary.conj().T[:, atoms // 2] if atoms % 2 == 0 else sine_state(atoms)
    previous = np.inf
    converged = False
    for iteration in range(1, max_iterations + 1):
        protocol = poi(atoms, state=state)
        table = estimator_table(protocol, prior, "bayes")
        observable = unitary.conj().T @ (table[:, None] * unitary)
        operator = _state_operator(observable, zeroth, first, index)
        operator = 0.5 * (operator + operator.conj().T)
        values, vectors = eigh(operator, subset_by_index=[0, 0])
        state = vectors[:, 0]
        value = prior.second_moment + values[0]
        if previous - value <= tolerance * max(abs(value), 1e-300):
            converged = True
            break
        previous = value
    protocol = poi(atoms, state=state)
    return POIResult(bmse=_bmse(protocol, prior, "bayes"), state=protocol.input_state.copy(),
                     estimator=estimator_table(protocol, prior, "bayes"), iterations=iteration,
                     converged=converged)


# ----------------------------------------------------------------- closed forms
def ctl(prior_width, adjacent_only: bool = True) -> float:
    """Coherence-time limit of the OQI (Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (17)).

    ``adjacent_only=True``: eq. (17)/(A43), ``4π² erfc(π/(√2 δφ))``;
    otherwise the full fringe sum of eqs. (A40)–(A42),
    ``Σ_k (2πk)² [erf((2k+1)π/(√2δφ)) − erf((2k−1)π/(√2δφ))]``.

    Parameters
    ----------
    prior_width : float
        Prior width δφ, in rad (> 0).
    adjacent_only : bool, optional
        Keep only the neighbouring fringes k = ±1 (default True).

    Returns
    -------
    float
        The CTL contribution to the BMSE, in rad².

    Raises
    ------
    TypeError
        If ``prior_width`` is not a real number.
    QClockError
        If ``prior_width`` is not positive and finite.
    """
    width = check_finite(prior_width, "prior_width")
    if width <= 0:
        raise QClockError(f"prior_width must be > 0 (rad), got {width}")
    scale = np.pi / (np.sqrt(2.0) * width)
    if adjacent_only:
        return float(4 * np.pi**2 * erfc(scale))
    k = np.arange(1, 1 + int(np.ceil(12 * width / np.pi)) + 2)
    probabilities = erfc((2 * k - 1) * scale) - erfc((2 * k + 1) * scale)
    return float(np.sum((2 * np.pi * k) ** 2 * probabilities))


def pi_hl(atoms: int) -> float:
    """π-corrected Heisenberg limit π²/N² (Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (18)).

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1.

    Returns
    -------
    float
        π²/N², in rad².

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer.
    QClockError
        If ``atoms`` < 1.
    """
    atoms = check_atoms(atoms)
    return float(np.pi**2 / atoms**2)


def asymptotic_oqi(atoms: int, prior_width) -> float:
    """Asymptotic OQI ``π²/N² + CTL`` (Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (19)).

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1.
    prior_width : float
        Prior width δφ, in rad (> 0).

    Returns
    -------
    float
        The BMSE, in rad² (CTL with adjacent fringes only, eq. (17)).

    Raises
    ------
    TypeError
        If ``atoms`` or ``prior_width`` has the wrong type.
    QClockError
        If ``atoms`` < 1 or ``prior_width`` is not positive and finite.
    """
    return pi_hl(atoms) + ctl(prior_width)
