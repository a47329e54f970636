"""Rotations and one-axis twisting in the symmetric subspace, exact up to N = 2000+.

Conventions (CONVENTIONS.md):

* rotation ``R_n(θ) = exp(-iθ n·J)``;
* one-axis twisting ``T_n(μ) = exp(-i (μ/2) (n·J)²)`` (Kitagawa–Ueda, μ = 2χt).

No matrix exponential of a dense matrix is taken. A rotation is reduced to
Euler angles on SU(2) (z-y-z), the z parts are diagonal phases, and the
y part uses the exact eigen-decomposition of the real symmetric tridiagonal
``Jx = V diag(m) Vᵀ`` (computed once per N and cached), since
``exp(-iβJy) = P exp(-iβJx) P†`` with ``P = exp(-i(π/2)Jz)``.
Twists about an axis ``n`` are ``R† T_z R`` with ``R`` mapping ``n`` onto z;
about x they use ``V`` directly.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.linalg import eigh_tridiagonal

from .._validation import check_atoms, check_axis, check_finite
from .operators import ladder_elements, magnetic_numbers

__all__ = [
    "su2_matrix",
    "su2_to_zyz",
    "axis_to_angles",
    "angles_to_axis",
    "frame_rotation",
    "jx_eigensystem",
    "apply_y_rotation",
    "apply_x_twist",
    "apply_su2",
    "apply_rotation",
    "apply_twist",
    "rotation_matrix",
    "twist_matrix",
    "wigner_small_d",
]

def su2_matrix(angle: float, axis) -> np.ndarray:
    """Spin-1/2 rotation ``exp(-i angle n·σ/2)`` in the basis (``|↓⟩``, ``|↑⟩``).

    The Dicke basis orders ``k`` ascending, so for one atom index 0 is ``|↓⟩``
    (M = -1/2) and index 1 is ``|↑⟩``; σz = diag(-1, +1) in this order and
    σ+ = ``|↑⟩⟨↓|``.

    Parameters
    ----------
    angle : float
        Rotation angle, in rad.
    axis : {'x', 'y', 'z'} or array_like of shape (3,)
        Rotation axis n; a vector is normalised before use.

    Returns
    -------
    numpy.ndarray
        Complex 2×2 matrix in SU(2).

    Raises
    ------
    TypeError
        If ``angle`` is not a real number or ``axis`` has the wrong type.
    QClockError
        If ``angle`` is not finite or ``axis`` is an unknown letter or zero.
    """
    return _su2_unchecked(check_finite(angle, "angle"), check_axis(axis))


def _su2_unchecked(angle: float, axis: tuple[float, float, float]) -> np.ndarray:
    """:func:`su2_matrix` for an already validated angle and unit axis."""
    nx, ny, nz = axis
    # Pauli matrices in the (↓, ↑) ordering: σz = diag(-1, 1), σ+ maps ↓ -> ↑, so
    # n·σ = [[-nz, nx + i ny], [nx - i ny, nz]].
    c, s = np.cos(angle / 2), np.sin(angle / 2)
    return np.array([[c + 1j * s * nz, -1j * s * (nx + 1j * ny)],
                     [-1j * s * (nx - 1j * ny), c - 1j * s * nz]])


def su2_to_zyz(matrix: np.ndarray) -> tuple[float, float, float]:
    """Euler angles ``(α, β, γ)`` with ``U = ± Rz(α) Ry(β) Rz(γ)`` (spin-1/2, (↓,↑) order).

    ``Rz(α) = exp(-iαJz)``, ``Ry(β) = exp(-iβJy)``. The sign ``±`` is the
    SU(2) double cover; it is a global phase in every representation.

    Parameters
    ----------
    matrix : array_like of shape (2, 2)
        A unitary 2×2 matrix; it is first divided by the square root of its
        determinant to bring it into SU(2).

    Returns
    -------
    alpha, beta, gamma : float
        Euler angles in rad, with β in [0, π]. When β = 0 or π only α + γ or
        α - γ is defined; the other combination is set to 0.
    """
    u = np.asarray(matrix, dtype=complex)
    u = u / np.sqrt(np.linalg.det(u))  # into SU(2)
    # In (↓,↑) order: Rz(a) = diag(e^{ia/2}, e^{-ia/2});
    # Ry(b) = [[cos b/2, sin b/2], [-sin b/2, cos b/2]].
    # U[1,1] = e^{-i(α+γ)/2} cos(β/2), U[1,0] = -e^{-i(α-γ)/2} sin(β/2).
    beta = 2.0 * np.arctan2(abs(u[1, 0]), abs(u[1, 1]))
    if abs(u[1, 1]) > 1e-14:
        sum_ag = -2.0 * np.angle(u[1, 1])
    else:
        sum_ag = 0.0
    if abs(u[1, 0]) > 1e-14:
        diff_ag = -2.0 * np.angle(-u[1, 0])
    else:
        diff_ag = 0.0
    alpha = 0.5 * (sum_ag + diff_ag)
    gamma = 0.5 * (sum_ag - diff_ag)
    return float(alpha), float(beta), float(gamma)


def axis_to_angles(axis) -> tuple[float, float]:
    """Polar and azimuthal angles ``(θ, ϕ)`` of a direction.

    Parameters
    ----------
    axis : {'x', 'y', 'z'} or array_like of shape (3,)
        The direction n; a vector is normalised before use.

    Returns
    -------
    polar : float
        θ = arccos(nz) in [0, π], in rad.
    azimuth : float
        ϕ = atan2(ny, nx) in (-π, π], in rad.

    Raises
    ------
    TypeError
        If ``axis`` is neither a letter nor a vector.
    QClockError
        If ``axis`` is an unknown letter or the zero vector.
    """
    nx, ny, nz = check_axis(axis)
    return float(np.arccos(np.clip(nz, -1.0, 1.0))), float(np.arctan2(ny, nx))


def angles_to_axis(polar: float, azimuth: float) -> tuple[float, float, float]:
    """Unit vector ``(sinθ cosϕ, sinθ sinϕ, cosθ)`` of polar and azimuthal angles.

    Parameters
    ----------
    polar : float
        Polar angle θ from +z, in rad.
    azimuth : float
        Azimuth ϕ from +x, in rad.

    Returns
    -------
    tuple of float
        ``(nx, ny, nz)``, a unit vector.

    Raises
    ------
    TypeError
        If an angle is not a real number.
    QClockError
        If an angle is not finite.
    """
    polar = check_finite(polar, "polar")
    azimuth = check_finite(azimuth, "azimuth")
    return (float(np.sin(polar) * np.cos(azimuth)), float(np.sin(polar) * np.sin(azimuth)),
            float(np.cos(polar)))


def frame_rotation(polar: float, azimuth: float) -> np.ndarray:
    """Spin-1/2 matrix of ``R_n = Ry(-θ) Rz(-ϕ)``, which satisfies ``R_n† Jz R_n = n·J``.

    This is the rotation of Kielinski & Hammerer, arXiv:2505.04287 (2025),
    eq. (39), characterised by two angles: ``n = (sinθ cosϕ, sinθ sinϕ, cosθ)``.

    Parameters
    ----------
    polar : float
        Polar angle θ of n, in rad.
    azimuth : float
        Azimuth ϕ of n, in rad.

    Returns
    -------
    numpy.ndarray
        Complex 2×2 SU(2) matrix in the (``|↓⟩``, ``|↑⟩``) basis; apply it to N atoms
        with :func:`apply_su2`.

    Raises
    ------
    TypeError
        If an angle is not a real number.
    QClockError
        If an angle is not finite.
    """
    return su2_matrix(-polar, "y") @ su2_matrix(-azimuth, "z")


@lru_cache(maxsize=512)
def jx_eigensystem(atoms: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact eigen-decomposition ``Jx = V diag(m) Vᵀ`` (V real orthogonal).

    Eigenvalues are returned as the exact ``m = -N/2..N/2``; the numerical
    ones agree to ~1e-12·N. Cached per ``atoms``; the arrays are read-only.

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1.

    Returns
    -------
    values : numpy.ndarray
        Float array of shape (N+1,), the eigenvalues m ascending.
    vectors : numpy.ndarray
        Real orthogonal array of shape (N+1, N+1); column i is the eigenvector
        of ``values[i]`` in the Dicke basis.

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer.
    QClockError
        If ``atoms`` < 1.
    """
    atoms = check_atoms(atoms)
    off = ladder_elements(atoms) / 2.0
    values, vectors = eigh_tridiagonal(np.zeros(atoms + 1), off)
    exact = magnetic_numbers(atoms)
    if np.max(np.abs(values - exact)) > 1e-8 * max(atoms, 1):
        raise RuntimeError("eigen-decomposition of Jx lost accuracy")  # pragma: no cover
    vectors = np.ascontiguousarray(vectors)
    vectors.setflags(write=False)
    exact.setflags(write=False)
    return exact, vectors


def _real_left_multiply(real_matrix: np.ndarray, block: np.ndarray) -> np.ndarray:
    """``real_matrix @ block`` for a complex block with one real GEMM (half the flops of ZGEMM)."""
    block = np.ascontiguousarray(block, dtype=complex)
    rows, cols = block.shape
    product = real_matrix @ block.view(np.float64)
    return np.ascontiguousarray(product).view(np.complex128).reshape(real_matrix.shape[0], cols)


def _as_block(state: np.ndarray) -> tuple[np.ndarray, bool]:
    array = np.asarray(state, dtype=complex)
    if array.ndim == 1:
        return array[:, None], True
    return array, False


def apply_y_rotation(state: np.ndarray, beta: float) -> np.ndarray:
    """Apply ``exp(-iβJy)`` to a state or block of states.

    Computed through the cached eigenbasis of Jx, using
    ``exp(-iβJy) = P exp(-iβJx) P†`` with ``P = exp(-i(π/2)Jz)``.

    Parameters
    ----------
    state : array_like of shape (N+1,) or (N+1, K)
        Complex Dicke-basis state vector, or K column vectors at once.
    beta : float
        Rotation angle β, in rad.

    Returns
    -------
    numpy.ndarray
        Complex array of the same shape as ``state``.
    """
    block, was_vector = _as_block(state)
    atoms = block.shape[0] - 1
    m = magnetic_numbers(atoms)
    values, vectors = jx_eigensystem(atoms)
    # exp(-iβJy) = P exp(-iβJx) P†, P = exp(-i(π/2)Jz) (diagonal).
    quarter = np.exp(-0.5j * np.pi * m)
    x = np.conj(quarter)[:, None] * block
    x = _real_left_multiply(vectors.T, x)
    x *= np.exp(-1j * beta * values)[:, None]
    x = _real_left_multiply(vectors, x)
    x *= quarter[:, None]
    return x[:, 0] if was_vector else x


def apply_x_twist(state: np.ndarray, strength: float) -> np.ndarray:
    """Apply the one-axis twist ``exp(-i(μ/2)Jx²)`` through the eigenbasis of Jx.

    Parameters
    ----------
    state : array_like of shape (N+1,) or (N+1, K)
        Complex Dicke-basis state vector, or K column vectors at once.
    strength : float
        Twisting strength μ = 2χt (Kitagawa & Ueda, PRA 47, 5138 (1993)), in rad
        (dimensionless).

    Returns
    -------
    numpy.ndarray
        Complex array of the same shape as ``state``.
    """
    block, was_vector = _as_block(state)
    atoms = block.shape[0] - 1
    values, vectors = jx_eigensystem(atoms)
    x = _real_left_multiply(vectors.T, block)
    x *= np.exp(-0.5j * strength * values**2)[:, None]
    x = _real_left_multiply(vectors, x)
    return x[:, 0] if was_vector else x


def apply_su2(state: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Apply the spin-N/2 representation of a spin-1/2 rotation (up to a global phase).

    The matrix is decomposed into z-y-z Euler angles (:func:`su2_to_zyz`); the
    z rotations are diagonal phases and the y rotation uses
    :func:`apply_y_rotation`.

    Parameters
    ----------
    state : array_like of shape (N+1,) or (N+1, K)
        Complex Dicke-basis state vector, or K column vectors at once.
    matrix : array_like of shape (2, 2)
        Unitary single-atom rotation in the (``|↓⟩``, ``|↑⟩``) basis.

    Returns
    -------
    numpy.ndarray
        Complex array of the same shape as ``state``.
    """
    block, was_vector = _as_block(state)
    atoms = block.shape[0] - 1
    m = magnetic_numbers(atoms)
    alpha, beta, gamma = su2_to_zyz(matrix)
    x = np.exp(-1j * gamma * m)[:, None] * block
    if abs(beta) > 1e-15:
        x = apply_y_rotation(x, beta)
    x = np.exp(-1j * alpha * m)[:, None] * x
    return x[:, 0] if was_vector else x


def apply_rotation(state: np.ndarray, angle: float, axis) -> np.ndarray:
    """Apply the collective rotation ``exp(-i angle n·J)`` (up to a global phase of ±1 for odd N).

    Parameters
    ----------
    state : array_like of shape (N+1,) or (N+1, K)
        Complex Dicke-basis state vector, or K column vectors at once.
    angle : float
        Rotation angle θ, in rad.
    axis : {'x', 'y', 'z'} or array_like of shape (3,)
        Rotation axis n; a vector is normalised before use.

    Returns
    -------
    numpy.ndarray
        Complex array of the same shape as ``state``.

    Raises
    ------
    TypeError
        If ``angle`` is not a real number or ``axis`` has the wrong type.
    QClockError
        If ``angle`` is not finite or ``axis`` is invalid.
    """
    return apply_su2(state, su2_matrix(angle, axis))


def apply_twist(state: np.ndarray, strength: float, axis) -> np.ndarray:
    """Apply the one-axis twist ``T_n(μ) = exp(-i(μ/2)(n·J)²)`` exactly.

    Twists about z are diagonal, about x they use the eigenbasis of Jx, and
    about any other axis they are ``R† T_z R`` with ``R`` from
    :func:`frame_rotation` (Kitagawa & Ueda, PRA 47, 5138 (1993)).

    Parameters
    ----------
    state : array_like of shape (N+1,) or (N+1, K)
        Complex Dicke-basis state vector, or K column vectors at once.
    strength : float
        Twisting strength μ = 2χt, in rad (dimensionless).
    axis : {'x', 'y', 'z'} or array_like of shape (3,)
        Twisting axis n; a vector is normalised before use.

    Returns
    -------
    numpy.ndarray
        Complex array of the same shape as ``state``.

    Raises
    ------
    TypeError
        If ``strength`` is not a real number or ``axis`` has the wrong type.
    QClockError
        If ``strength`` is not finite or ``axis`` is invalid.
    """
    strength = check_finite(strength, "strength")
    nx, ny, nz = check_axis(axis)
    block, was_vector = _as_block(state)
    atoms = block.shape[0] - 1
    if abs(nx) < 1e-15 and abs(ny) < 1e-15:
        m = magnetic_numbers(atoms)
        out = np.exp(-0.5j * strength * m**2)[:, None] * block
    elif abs(ny) < 1e-15 and abs(nz) < 1e-15:
        out = apply_x_twist(block, strength)
    else:
        polar, azimuth = axis_to_angles((nx, ny, nz))
        frame = frame_rotation(polar, azimuth)  # R† Jz R = n·J  =>  T_n = R† T_z R
        out = apply_su2(block, frame)
        out = np.exp(-0.5j * strength * magnetic_numbers(atoms) ** 2)[:, None] * out
        out = apply_su2(out, frame.conj().T)
    return out[:, 0] if was_vector else out


def rotation_matrix(atoms: int, angle: float, axis) -> np.ndarray:
    """Dense matrix of ``exp(-i angle n·J)`` on the Dicke basis (a Wigner D-matrix).

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1.
    angle : float
        Rotation angle θ, in rad.
    axis : {'x', 'y', 'z'} or array_like of shape (3,)
        Rotation axis n; a vector is normalised before use.

    Returns
    -------
    numpy.ndarray
        Complex unitary matrix of shape (N+1, N+1), rows and columns ordered by
        M ascending.

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer, ``angle`` not a number or ``axis`` invalid.
    QClockError
        If ``atoms`` < 1, ``angle`` is not finite or ``axis`` is invalid.
    """
    atoms = check_atoms(atoms)
    return apply_rotation(np.eye(atoms + 1, dtype=complex), angle, axis)


def twist_matrix(atoms: int, strength: float, axis) -> np.ndarray:
    """Dense matrix of the one-axis twist ``exp(-i(μ/2)(n·J)²)`` on the Dicke basis.

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1.
    strength : float
        Twisting strength μ = 2χt, in rad (dimensionless).
    axis : {'x', 'y', 'z'} or array_like of shape (3,)
        Twisting axis n; a vector is normalised before use.

    Returns
    -------
    numpy.ndarray
        Complex unitary matrix of shape (N+1, N+1), rows and columns ordered by
        M ascending.

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer, ``strength`` not a number or ``axis`` invalid.
    QClockError
        If ``atoms`` < 1, ``strength`` is not finite or ``axis`` is invalid.
    """
    atoms = check_atoms(atoms)
    return apply_twist(np.eye(atoms + 1, dtype=complex), strength, axis)


def wigner_small_d(atoms: int, beta: float) -> np.ndarray:
    """Real Wigner small-d matrix ``d^j(β) = exp(-iβJy)``, j = N/2.

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1.
    beta : float
        Rotation angle β about y, in rad.

    Returns
    -------
    numpy.ndarray
        Real array of shape (N+1, N+1), rows and columns ordered by M ascending.

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer or ``beta`` not a number.
    QClockError
        If ``atoms`` < 1 or ``beta`` is not finite.
    """
    matrix = rotation_matrix(atoms, beta, "y")
    return matrix.real
