"""Stage 2 of the BMSE gradient: a compiled pure-state engine, parameters → Fourier coefficients, with its adjoint.

The variational [n, m] protocol of Kielinski & Hammerer, arXiv:2505.04287
(2025), eq. (39), is a fixed sequence of rotations and one-axis twists whose
angles are ± the free parameters (:func:`qclock_circuits.protocols.variational`).
Every element is a phase that is diagonal in one of two bases of the
symmetric subspace:

* ``Rz(a) = exp(−i a Jz)`` and ``Tz(μ) = exp(−i (μ/2) Jz²)`` in the Dicke basis;
* ``Ry(β) = exp(−iβ Jy) = P V exp(−iβ diag(m)) Vᵀ P†`` in the eigenbasis of Jy,
  with ``Jx = V diag(m) Vᵀ`` (:func:`qclock_circuits.spin.jx_eigensystem`) and
  ``P = exp(−i(π/2) Jz)``;

a twist about ``n(θ, ϕ)`` is ``Rz(ϕ) Ry(θ) Tz(μ) Ry(−θ) Rz(−ϕ)``. So the
sequence compiles, once per class and atom number, into alternating diagonal
segments (Dicke basis, Jy eigenbasis) joined by the real orthogonal basis
changes ``Vᵀ``/``V``; each segment's phase is ``exp(−i(φ_0 + Σ_p θ_p A_p))``,
affine in the parameters θ. A call maps θ to::

    ψ_in = U_prep |↓…↓⟩,   B = U_meas diag(ψ_in),   c[j, d] = Σ_k B[j,k] B*[j,k+d]

(the Fourier coefficients of :meth:`qclock_circuits.protocols.RamseyProtocol.fourier_coefficients`,
by the same FFT autocorrelation) without building protocol objects.

Adjoint (reverse-mode) pass. Given ``ḡ = dL/dc`` (convention of
:mod:`.bmse_gradient`), ``B̄[j,l] = Σ_d ḡ[j,d] B[j,l+d] + conj(ḡ[j,d]) B[j,l−d]``
(one FFT convolution), then ``B̄`` runs back through the segments
(``X̄ ← conj(D) X̄``, ``X̄ ← V X̄`` or ``Vᵀ X̄``), ``ψ̄_k = X̄[k,k]`` through the
preparation, and every segment contributes
``dL/dθ_p = Σ_r A_p[r] Im Σ_c conj(X̄[r,c]) X[r,c]`` (X, X̄ taken after the
segment). One gradient costs about two evaluations, whatever the number of
parameters.

The two stages together are :class:`CompiledCost`; the public route
``bayes.bmse(variational(atoms, n, m, θ), prior, estimator)`` (validated,
object-building) gives the same value to rounding.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .._validation import QClockError, check_atoms, check_int
from ..protocols import variational_parameter_names
from ..spin import jx_eigensystem, magnetic_numbers
from .bmse_gradient import CoefficientCost

__all__ = ["VariationalEngine", "compile_variational", "CompiledCost"]

_HALF_PI = np.pi / 2


def _variational_sequence(n: int, m: int) -> tuple[list, list]:
    """Elementary steps ``(kind, parameter index or None, angle or sign)`` of the [n, m] class, in time order.

    ``kind`` is 'z' (Rz), 't' (Tz) or 'y' (Ry); a step with a parameter index has angle ``sign·θ[index]``,
    one without has the fixed angle. Mirrors :func:`qclock_circuits.protocols.variational`.
    """
    index = {name: i for i, name in enumerate(variational_parameter_names(n, m))}

    def frame(prefix: str) -> list:  # R_a = Ry(−θ_a) Rz(−ϕ_a), applied Rz first
        return [("z", index[f"{prefix}_azimuth"], -1.0), ("y", index[f"{prefix}_polar"], -1.0)]

    def twist(j: int) -> list:
        if j == 1 and n >= 1:
            return [("t", index["mu_1"], 1.0)]
        polar, azimuth = index[f"twist_polar_{j}"], index[f"twist_azimuth_{j}"]
        return [("z", azimuth, -1.0), ("y", polar, -1.0), ("t", index[f"mu_{j}"], 1.0),
                ("y", polar, 1.0), ("z", azimuth, 1.0)]

    preparation = [("y", None, -_HALF_PI)]
    for j in range(1, n + 1):
        preparation += twist(j)
    preparation += frame("phase_axis")
    measurement = [(kind, i, -sign) for kind, i, sign in reversed(frame("phase_axis"))]
    for j in range(n + 1, n + m + 1):
        measurement += twist(j)
    measurement += frame("measure_axis")
    return preparation, measurement


def _segments(steps: list, m: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Merge steps into alternating diagonal segments, Dicke basis first and last.

    Returns the constant phases ``φ_0`` (segments, N+1) and ``A`` (parameters, segments, N+1); segment
    ``s`` is in the Jy eigenbasis for odd ``s``. The factors ``P†`` before and ``P`` after each Jy-basis
    segment are folded into the neighbouring Dicke-basis phases.
    """
    generator = {"z": m, "t": 0.5 * m**2, "y": m}
    constant = [np.zeros_like(m)]
    linear = [np.zeros((count, m.shape[0]))]
    for kind, index, angle in steps:
        in_y = kind == "y"
        if in_y != (len(constant) % 2 == 0):  # change basis: open a new segment
            if in_y:
                constant[-1] = constant[-1] - _HALF_PI * m  # P† = exp(+i(π/2)Jz)
            constant.append(np.zeros_like(m))
            linear.append(np.zeros((count, m.shape[0])))
            if not in_y:
                constant[-1] = constant[-1] + _HALF_PI * m  # P = exp(−i(π/2)Jz)
        if index is None:
            constant[-1] = constant[-1] + angle * generator[kind]
        else:
            linear[-1][index] += angle * generator[kind]
    if len(constant) % 2 == 0:  # end in the Dicke basis
        constant.append(_HALF_PI * m)
        linear.append(np.zeros((count, m.shape[0])))
    return np.array(constant), np.stack(linear, axis=1)


_REAL_GEMM_FROM = 16  # from this dimension N+1 on, one real GEMM on the float view beats a complex one


class VariationalEngine:
    """The [n, m] class at N atoms, compiled: parameters → Fourier coefficients, and the adjoint.

    Parameters
    ----------
    atoms : int
        N ≥ 1.
    n, m : int
        Preparation and measurement twists of the class (Kielinski & Hammerer, arXiv:2505.04287
        (2025), eq. (39)); parameter order of :func:`qclock_circuits.protocols.variational_parameter_names`.

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer.
    QClockError
        If ``atoms`` < 1.

    Notes
    -----
    Calls do not validate their parameter vector beyond its length (the optimiser's inner loop);
    the public :func:`qclock_circuits.protocols.variational` does.
    """

    def __init__(self, atoms: int, n: int, m: int):
        self.atoms = check_atoms(atoms)
        self.names = variational_parameter_names(n, m)
        self.n, self.m = int(n), int(m)
        count = len(self.names)
        magnetic = magnetic_numbers(self.atoms)
        _, vectors = jx_eigensystem(self.atoms)
        real = self.atoms + 1 >= _REAL_GEMM_FROM
        dtype = float if real else complex
        vectors_t = np.ascontiguousarray(vectors.T, dtype=dtype)
        vectors = np.ascontiguousarray(vectors, dtype=dtype)
        self._real = real
        self._forward = (vectors_t, vectors)  # basis change after an even (Dicke) / odd (Jy) segment
        self._backward = (vectors, vectors_t)  # their transposes, for the adjoint pass
        preparation, measurement = _variational_sequence(self.n, self.m)
        prep_constant, prep_linear = _segments(preparation, magnetic, count)
        meas_constant, meas_linear = _segments(measurement, magnetic, count)
        self._prep_segments = prep_constant.shape[0]
        constant = np.concatenate([prep_constant, meas_constant])
        linear = np.concatenate([prep_linear, meas_linear], axis=1)
        self._constant = constant.ravel()
        self._linear = np.ascontiguousarray(linear.reshape(count, -1))
        self._shape = constant.shape
        self._length = 1 << int(np.ceil(np.log2(2 * self.atoms + 2)))
        self._lags = np.arange(-self.atoms, self.atoms + 1) % self._length
        self.outcomes = magnetic

    @property
    def parameter_count(self) -> int:
        """Number of free parameters of the class, 2 + 3(n+m) (4 + 3m for n = 0)."""
        return len(self.names)

    def _phases(self, parameters) -> np.ndarray:
        values = np.asarray(parameters, dtype=float)
        if values.shape != (len(self.names),):
            raise QClockError(f"parameters must have length {len(self.names)} for the [{self.n},{self.m}] "
                              f"class, got shape {values.shape}")
        return np.exp(-1j * (self._constant + values @ self._linear)).reshape(*self._shape, 1)

    def _product(self, matrix: np.ndarray, block: np.ndarray) -> np.ndarray:
        if self._real:  # real matrix times a C-contiguous complex block: one real GEMM
            return (matrix @ block.view(np.float64)).view(np.complex128)
        return matrix @ block

    def _run(self, diagonals, block, kept: np.ndarray) -> np.ndarray:
        """Apply the segments to ``block``, storing the block after every segment in ``kept``."""
        last = len(diagonals) - 1
        for s in range(last + 1):
            np.multiply(diagonals[s], block, out=kept[s])
            if s < last:
                block = self._product(self._forward[s % 2], kept[s])
        return kept[last]

    def _back(self, diagonals, adjoint_conj, adjoints_conj: np.ndarray) -> np.ndarray:
        """Run the conjugate adjoint ``conj(X̄)`` back through the segments, storing it after every segment.

        Carrying ``conj(X̄)`` (the basis changes are real) avoids conjugating the stored blocks and phases.
        """
        for s in range(len(diagonals) - 1, -1, -1):
            adjoints_conj[s] = adjoint_conj
            adjoint_conj = diagonals[s] * adjoint_conj
            if s > 0:
                adjoint_conj = self._product(self._backward[(s - 1) % 2], adjoint_conj)
        return adjoint_conj

    def _forward_pass(self, parameters):
        diagonals = self._phases(parameters)
        split = self._prep_segments
        dimension = self.atoms + 1
        kept_state = np.empty((split, dimension, 1), dtype=complex)
        kept_block = np.empty((len(diagonals) - split, dimension, dimension), dtype=complex)
        start = np.zeros((dimension, 1), dtype=complex)
        start[0] = 1.0  # |↓…↓⟩
        state = self._run(diagonals[:split], start, kept_state)
        amplitudes = self._run(diagonals[split:], np.diag(state[:, 0]), kept_block)
        return diagonals, kept_state, kept_block, amplitudes

    def _coefficients(self, amplitudes):
        spectrum = np.fft.fft(amplitudes, n=self._length, axis=1)
        correlation = np.fft.ifft(spectrum.real**2 + spectrum.imag**2, axis=1)
        return np.conj(correlation[:, self._lags]), spectrum

    def coefficients(self, parameters) -> np.ndarray:
        """Fourier coefficients ``c[j, d+N]`` of P(M_j|φ) for a parameter vector.

        Equal to :meth:`~qclock_circuits.protocols.RamseyProtocol.fourier_coefficients`
        of ``protocols.variational(atoms, n, m, parameters)``.

        Parameters
        ----------
        parameters : array_like of shape (parameter_count,)
            The class's parameters (rad), order of
            :func:`~qclock_circuits.protocols.variational_parameter_names`.

        Returns
        -------
        numpy.ndarray
            Complex array of shape (N+1, 2N+1), lags d = −N..N.
        """
        return self._coefficients(self._forward_pass(parameters)[3])[0]

    def coefficients_and_vjp(self, parameters):
        """Coefficients ``c`` and the vector-Jacobian product ``vjp(ḡ) = Σ Re(conj(ḡ) ∂c/∂θ)``.

        Parameters
        ----------
        parameters : array
            The class's parameters (rad), order of :func:`~qclock_circuits.protocols.variational_parameter_names`.

        Returns
        -------
        c : ndarray (N+1, 2N+1)
            Complex Fourier coefficients, as :meth:`coefficients`.
        vjp : callable
            ``vjp(gradient_c) -> gradient_parameters`` (real, one entry per parameter) for a gradient
            ``gradient_c = dL/dRe c + i dL/dIm c`` of shape (N+1, 2N+1); valid for the parameters of this call.
            It raises ``QClockError`` for a gradient of another shape.
        """
        diagonals, kept_state, kept_block, amplitudes = self._forward_pass(parameters)
        coefficients, spectrum = self._coefficients(amplitudes)
        split = self._prep_segments

        def vjp(gradient_c) -> np.ndarray:
            gradient_c = np.asarray(gradient_c)
            if gradient_c.shape != coefficients.shape:
                raise QClockError(f"gradient_c must have shape {coefficients.shape}, got {gradient_c.shape}")
            # B̄ = B ⊛ q with q(e) = ḡ(−e) + conj(ḡ(e)), e = −N..N (circular length ≥ 2N+2: no aliasing)
            kernel = np.zeros((gradient_c.shape[0], self._length), dtype=complex)
            kernel[:, self._lags] = gradient_c[:, ::-1] + gradient_c.conj()
            adjoint = np.fft.ifft(spectrum * np.fft.fft(kernel, axis=1), axis=1)[:, : self.atoms + 1]
            adjoint_block = np.empty_like(kept_block)
            adjoint = self._back(diagonals[split:], np.conj(adjoint), adjoint_block)
            adjoint_state = np.empty_like(kept_state)
            self._back(diagonals[:split], np.diagonal(adjoint)[:, None], adjoint_state)
            weights = np.concatenate([np.einsum("src,src->sr", adjoint_state, kept_state).imag,
                                      np.einsum("src,src->sr", adjoint_block, kept_block).imag])
            return self._linear @ weights.ravel()

        return coefficients, vjp


@lru_cache(maxsize=64)
def compile_variational(atoms: int, n: int, m: int) -> VariationalEngine:
    """The compiled [n, m] class at N atoms (built once per (N, n, m) and process)."""
    return VariationalEngine(atoms, n, m)


class CompiledCost:
    """BMSE (rad²) of the [n, m] class as a function of its parameters, with the exact gradient.

    ``cost(θ)`` equals ``bayes.bmse(protocols.variational(atoms, n, m, θ), prior, estimator)`` to
    rounding; :meth:`value_and_gradient` adds dBMSE/dθ from the adjoint pass (stage 1:
    :class:`~.bmse_gradient.CoefficientCost`, stage 2: :class:`VariationalEngine`).

    Parameters
    ----------
    atoms, n, m : int
        N and the class [n, m] (Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (39)).
    prior : GaussianPrior or float
        Phase prior or its width δφ (rad).
    estimator : {'bayes', 'linear'}
        Posterior mean or optimal linear estimator (default ``'bayes'``).

    Raises
    ------
    QClockError
        For a bad atom number, class, prior width or estimator (checked once, here).
    """

    def __init__(self, atoms: int, n: int, m: int, prior, estimator: str = "bayes"):
        atoms = check_atoms(atoms)
        self.engine = compile_variational(atoms, check_int(n, "n", minimum=0), check_int(m, "m", minimum=0))
        self.stage1 = CoefficientCost(atoms, self.engine.outcomes, prior, estimator)

    def __call__(self, parameters) -> float:
        """BMSE (rad²) at ``parameters``."""
        return self.stage1.value(self.engine.coefficients(parameters))

    def value_and_gradient(self, parameters) -> tuple[float, np.ndarray]:
        """BMSE and its exact gradient with respect to every parameter (adjoint pass).

        Parameters
        ----------
        parameters : array_like of shape (parameter_count,)
            The class's parameters (rad), order of
            :func:`~qclock_circuits.protocols.variational_parameter_names`.

        Returns
        -------
        value : float
            The BMSE, in rad².
        gradient : numpy.ndarray
            Float array of shape (parameter_count,), dBMSE/dθ in rad² per
            unit of the parameter (rad).
        """
        coefficients, vjp = self.engine.coefficients_and_vjp(parameters)
        value, gradient_c = self.stage1.value_and_gradient(coefficients)
        return value, vjp(gradient_c)
