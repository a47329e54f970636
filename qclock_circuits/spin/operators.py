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
    """Jz eigenvalues ``M = k - N/2`` for ``k = 0..N`` (ascending), as floats."""
    atoms = check_atoms(atoms)
    return np.arange(atoms + 1, dtype=float) - atoms / 2.0


def ladder_elements(atoms: int) -> np.ndarray:
    """``⟨k+1|J+|k⟩ = sqrt(j(j+1) - M(M+1))`` for ``k = 0..N-1``."""
    atoms = check_atoms(atoms)
    j = atoms / 2.0
    m = magnetic_numbers(atoms)[:-1]
    return np.sqrt(j * (j + 1.0) - m * (m + 1.0))


def _finish(matrix: sp.spmatrix, dense: bool):
    return matrix.toarray() if dense else matrix.tocsr()


def jplus(atoms: int, dense: bool = False):
    """Raising operator J+ (maps Dicke index k to k+1)."""
    elements = ladder_elements(atoms)
    return _finish(sp.diags(elements.astype(complex), -1), dense)


def jminus(atoms: int, dense: bool = False):
    """Lowering operator J- = (J+)†."""
    elements = ladder_elements(atoms)
    return _finish(sp.diags(elements.astype(complex), 1), dense)


def jx(atoms: int, dense: bool = False):
    """Jx = (J+ + J-)/2 (real symmetric tridiagonal)."""
    elements = ladder_elements(atoms) / 2.0
    return _finish(sp.diags([elements, elements], [-1, 1]).astype(complex), dense)


def jy(atoms: int, dense: bool = False):
    """Jy = (J+ - J-)/(2i)."""
    elements = ladder_elements(atoms) / 2.0
    return _finish(sp.diags([-1j * elements, 1j * elements], [-1, 1]), dense)


def jz(atoms: int, dense: bool = False):
    """Jz = diag(M), M = -N/2 .. N/2."""
    return _finish(sp.diags(magnetic_numbers(atoms).astype(complex), 0), dense)


def spin_component(atoms: int, axis, dense: bool = False):
    """``n·J`` for a direction ``axis`` ('x', 'y', 'z' or a 3-vector, normalised)."""
    nx, ny, nz = check_axis(axis)
    matrix = nx * jx(atoms) + ny * jy(atoms) + nz * jz(atoms)
    return _finish(sp.csr_matrix(matrix), dense)


def collective_operators(atoms: int, dense: bool = False):
    """Return ``(Jx, Jy, Jz)``."""
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
