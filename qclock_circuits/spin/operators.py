"""Collective spin operators in the symmetric (Dicke) subspace of N spin-1/2 atoms.

Basis (CONVENTIONS.md): index ``k = 0..N`` counts excited atoms, the Jz
eigenvalue is ``M = k - N/2`` (ascending). ``J± |k⟩`` raise/lower ``k`` with the
usual ``sqrt(j(j+1) - M(M±1))`` matrix elements, ``j = N/2``, and
``Jx = (J+ + J-)/2``, ``Jy = (J+ - J-)/(2i)``.

Operators are returned as SciPy sparse matrices (CSR) by default: they are
tridiagonal, so products with a state cost O(N). ``dense=True`` gives arrays.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .._validation import check_atoms, check_axis

__all__ = [
    "magnetic_numbers",
    "ladder_elements",
    "jplus",
    "jminus",
    "jx",
    "jy",
    "jz",
    "spin_component",
    "collective_operators",
    "spin_moments",
]


def magnetic_numbers(atoms: int) -> np.ndarray:
    """Jz eigenvalues of the Dicke levels, ``M = k - N/2`` for ``k = 0..N``.

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1; the Dicke subspace has dimension N + 1.

    Returns
    -------
    numpy.ndarray
        Float array of shape (N+1,), ascending from -N/2 to N/2 (dimensionless,
        units of ħ).

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer.
    QClockError
        If ``atoms`` < 1.
    """
    atoms = check_atoms(atoms)
    return np.arange(atoms + 1, dtype=float) - atoms / 2.0


def ladder_elements(atoms: int) -> np.ndarray:
    """Matrix elements of the raising operator between neighbouring Dicke levels.

    ``⟨k+1|J+|k⟩ = sqrt(j(j+1) - M(M+1))`` with ``j = N/2`` and ``M = k - N/2``.

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1; the Dicke subspace has dimension N + 1.

    Returns
    -------
    numpy.ndarray
        Float array of shape (N,), the elements for ``k = 0..N-1`` (dimensionless).

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer.
    QClockError
        If ``atoms`` < 1.
    """
    atoms = check_atoms(atoms)
    j = atoms / 2.0
    m = magnetic_numbers(atoms)[:-1]
    return np.sqrt(j * (j + 1.0) - m * (m + 1.0))


def _finish(matrix: sp.spmatrix, dense: bool):
    return matrix.toarray() if dense else matrix.tocsr()


def jplus(atoms: int, dense: bool = False):
    """Collective raising operator J+ (maps Dicke index k to k+1).

    Sub-diagonal matrix with the elements of :func:`ladder_elements`.

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1; the Dicke subspace has dimension N + 1.
    dense : bool, optional
        Return a dense ``numpy.ndarray`` instead of a SciPy CSR matrix
        (default ``False``).

    Returns
    -------
    scipy.sparse.csr_matrix or numpy.ndarray
        Complex matrix of shape (N+1, N+1) in the Dicke basis (index k = number
        of excited atoms), J+.

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer.
    QClockError
        If ``atoms`` < 1.
    """
    elements = ladder_elements(atoms)
    return _finish(sp.diags(elements.astype(complex), -1), dense)


def jminus(atoms: int, dense: bool = False):
    """Collective lowering operator J- = (J+)†.

    Super-diagonal matrix, the Hermitian conjugate of :func:`jplus`.

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1; the Dicke subspace has dimension N + 1.
    dense : bool, optional
        Return a dense ``numpy.ndarray`` instead of a SciPy CSR matrix
        (default ``False``).

    Returns
    -------
    scipy.sparse.csr_matrix or numpy.ndarray
        Complex matrix of shape (N+1, N+1) in the Dicke basis (index k = number
        of excited atoms), J-.

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer.
    QClockError
        If ``atoms`` < 1.
    """
    elements = ladder_elements(atoms)
    return _finish(sp.diags(elements.astype(complex), 1), dense)


def jx(atoms: int, dense: bool = False):
    """Collective spin component Jx = (J+ + J-)/2.

    Real symmetric tridiagonal matrix; Jx = Σ_i σx_i / 2.

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1; the Dicke subspace has dimension N + 1.
    dense : bool, optional
        Return a dense ``numpy.ndarray`` instead of a SciPy CSR matrix
        (default ``False``).

    Returns
    -------
    scipy.sparse.csr_matrix or numpy.ndarray
        Complex matrix of shape (N+1, N+1) in the Dicke basis (index k = number
        of excited atoms), Jx.

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer.
    QClockError
        If ``atoms`` < 1.
    """
    elements = ladder_elements(atoms) / 2.0
    return _finish(sp.diags([elements, elements], [-1, 1]).astype(complex), dense)


def jy(atoms: int, dense: bool = False):
    """Collective spin component Jy = (J+ - J-)/(2i).

    Hermitian tridiagonal matrix; Jy = Σ_i σy_i / 2.

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1; the Dicke subspace has dimension N + 1.
    dense : bool, optional
        Return a dense ``numpy.ndarray`` instead of a SciPy CSR matrix
        (default ``False``).

    Returns
    -------
    scipy.sparse.csr_matrix or numpy.ndarray
        Complex matrix of shape (N+1, N+1) in the Dicke basis (index k = number
        of excited atoms), Jy.

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer.
    QClockError
        If ``atoms`` < 1.
    """
    elements = ladder_elements(atoms) / 2.0
    return _finish(sp.diags([-1j * elements, 1j * elements], [-1, 1]), dense)


def jz(atoms: int, dense: bool = False):
    """Collective spin component Jz = diag(M), M = -N/2 .. N/2.

    Jz = Σ_i σz_i / 2 with σz = ``|↑⟩⟨↑|`` - ``|↓⟩⟨↓|`` = -Z (Qiskit's Z), so Jz = -Σ_i Z_i / 2 on qubits.

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1; the Dicke subspace has dimension N + 1.
    dense : bool, optional
        Return a dense ``numpy.ndarray`` instead of a SciPy CSR matrix
        (default ``False``).

    Returns
    -------
    scipy.sparse.csr_matrix or numpy.ndarray
        Complex matrix of shape (N+1, N+1) in the Dicke basis (index k = number
        of excited atoms), Jz.

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer.
    QClockError
        If ``atoms`` < 1.
    """
    return _finish(sp.diags(magnetic_numbers(atoms).astype(complex), 0), dense)


def spin_component(atoms: int, axis, dense: bool = False):
    """Spin component ``n·J = nx Jx + ny Jy + nz Jz`` along a direction.

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1; the Dicke subspace has dimension N + 1.
    axis : {'x', 'y', 'z'} or array_like of shape (3,)
        The direction n; a vector is normalised before use.
    dense : bool, optional
        Return a dense ``numpy.ndarray`` instead of a SciPy CSR matrix
        (default ``False``).

    Returns
    -------
    scipy.sparse.csr_matrix or numpy.ndarray
        Complex Hermitian matrix of shape (N+1, N+1) in the Dicke basis.

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer or ``axis`` is neither a letter nor a vector.
    QClockError
        If ``atoms`` < 1, ``axis`` is an unknown letter or the zero vector.
    """
    nx, ny, nz = check_axis(axis)
    matrix = nx * jx(atoms) + ny * jy(atoms) + nz * jz(atoms)
    return _finish(sp.csr_matrix(matrix), dense)


def collective_operators(atoms: int, dense: bool = False):
    """The three collective spin components ``(Jx, Jy, Jz)``.

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1; the Dicke subspace has dimension N + 1.
    dense : bool, optional
        Return a dense ``numpy.ndarray`` instead of a SciPy CSR matrix
        (default ``False``).

    Returns
    -------
    tuple of (scipy.sparse.csr_matrix or numpy.ndarray)
        ``(Jx, Jy, Jz)``, each complex of shape (N+1, N+1), as returned by
        :func:`jx`, :func:`jy` and :func:`jz`.

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer.
    QClockError
        If ``atoms`` < 1.
    """
    return jx(atoms, dense), jy(atoms, dense), jz(atoms, dense)


def spin_moments(state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and second moments of a pure Dicke-basis state.

    Parameters
    ----------
    state : array of shape (N+1,)
        Normalised state vector in the Dicke basis.

    Returns
    -------
    mean : array (3,)
        ``(⟨Jx⟩, ⟨Jy⟩, ⟨Jz⟩)``.
    second : array (3, 3)
        Symmetrised second moments ``⟨(JaJb + JbJa)/2⟩`` (not centred).
    """
    state = np.asarray(state, dtype=complex)
    atoms = state.shape[0] - 1
    ops = collective_operators(atoms)
    applied = [op @ state for op in ops]
    mean = np.array([np.vdot(state, a).real for a in applied])
    second = np.empty((3, 3))
    for a in range(3):
        for b in range(a, 3):
            value = np.vdot(applied[a], applied[b])  # ⟨Ja Jb⟩ (Ja Hermitian)
            second[a, b] = second[b, a] = value.real
    return mean, second
