"""Exact permutation-invariant density matrices of N atoms under local (single-atom) noise.

A state that is invariant under every permutation of N identical atoms is
block diagonal in the total-spin decomposition of (C²)^⊗N: for every
``j = N/2, N/2 − 1, …, 0 (or 1/2)`` it acts as the same ``(2j+1)×(2j+1)`` matrix
on each of the ``d_j`` copies of the spin-j irrep, with
``d_j = C(N, N/2−j)·(2j+1)/(N/2+j+1)`` (Chase & Geremia, PRA 78, 052101 (2008);
Shammah, Ahmed, Lambert, De Liberato, Nori, PRA 98, 063815 (2018)). Collective
operations (rotations, twists) act inside every block; local channels
(identical on every atom) move weight between neighbouring j. The whole state
takes ``Σ_j (2j+1)² ≈ N³/6`` numbers.

Storage convention of this module
---------------------------------
* Blocks ordered by ``j`` descending (``j = N/2`` first: the symmetric,
  Dicke subspace); inside a block rows and columns ordered by ``m`` ascending
  (``a = m + j = 0..2j``), the package's Dicke order (CONVENTIONS.md).
* A state is one flat complex vector ``x`` holding the blocks one after the
  other, each row-major. Each block holds the **total** weight of its j, i.e.
  ``ρ̃_j = d_j ρ_j`` where ``ρ_j`` is the matrix on one copy: the trace of the
  state is ``Σ_j Tr ρ̃_j`` and the probability of ``n`` excited atoms is
  ``Σ_j ρ̃_j[m, m]`` with ``m = n − N/2``. This keeps every number
  O(1) at any N (``d_j`` alone overflows a double beyond N ≈ 1000). QuTiP's
  ``piqs`` uses the same convention, so :func:`to_piqs` / :func:`from_piqs`
  only reorder m.
* An observable / POVM element enters as a *covector* ``f`` on the same index
  set with ``⟨E⟩ = Σ_i f_i x_i``; the projector on ``n`` excited atoms has
  ``f = 1`` on the entries ``(j, m, m)`` with ``m = n − N/2``.

Local Lindblad terms (rates per unit time; Shammah et al. eqs. for local
emission, dephasing and pumping):

* ``decay`` Γ↓: ``L = √Γ↓ σ⁻`` on every atom (``|↑⟩ → |↓⟩``, population e^{−Γ↓t}),
* ``pumping`` Γ↑: ``L = √Γ↑ σ⁺``,
* ``dephasing`` γ: ``L = √(γ/2) σz`` on every atom, so a single-atom coherence
  decays as ``e^{−γ t}`` from dephasing alone (γ = 1/T_φ).

Each preserves the coherence order ``q = m − m′`` (it commutes with rotations
about z), which keeps the outcome probabilities of a Ramsey protocol
trigonometric polynomials of degree ≤ N in the phase.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import sparse
from scipy.special import gammaln

from .._validation import QClockError, check_atoms
from .rotations import apply_su2

__all__ = [
    "PIBasis",
    "pi_basis",
    "pi_from_pure",
    "pi_trace",
    "pi_excitation_probabilities",
    "pi_apply_su2",
    "pi_covector_apply_su2",
    "pi_twist_phases",
    "local_generator",
    "pi_evolve",
    "pi_symmetric_weight",
    "pi_spin_moments",
    "pi_excitation_covectors",
    "to_piqs",
    "from_piqs",
    "MAX_PI_ATOMS",
]

#: Largest atom number the permutation-invariant engine accepts (state ≈ N³/6 complex numbers;
#: at N = 400 that is 1.1e7 numbers, 170 MB, and one local-noise generator of ≈ 1e8 entries).
MAX_PI_ATOMS = 400


@dataclass(frozen=True, eq=False)
class PIBasis:
    """Index bookkeeping of the permutation-invariant basis of ``atoms`` atoms.

    Build it with :func:`pi_basis` (cached) rather than directly. All arrays
    are read-only.

    Parameters
    ----------
    atoms : int
        Number of atoms N.
    two_j : numpy.ndarray of int, shape (blocks,)
        ``2j`` of every block, descending (``N, N−2, …``).
    dims, offsets : numpy.ndarray of int, shape (blocks,)
        Block dimension ``2j+1`` and start of the block in the flat vector.
    size : int
        Length of a flat state vector, ``Σ_j (2j+1)²``.
    log_degeneracy : numpy.ndarray of float, shape (blocks,)
        ``ln d_j`` (number of copies of each spin-j irrep).
    entry_block : numpy.ndarray of int, shape (size,)
        For every flat entry, the index of its block.
    entry_two_j, entry_a, entry_b : numpy.ndarray of int, shape (size,)
        For every flat entry: its block's ``2j`` and its row/column indices
        ``a = m + j``, ``b = m′ + j``.
    """

    atoms: int
    two_j: np.ndarray
    dims: np.ndarray
    offsets: np.ndarray
    size: int
    log_degeneracy: np.ndarray
    entry_block: np.ndarray
    entry_two_j: np.ndarray
    entry_a: np.ndarray
    entry_b: np.ndarray

    @property
    def blocks(self) -> int:
        """Number of j blocks."""
        return int(self.two_j.shape[0])

    def block(self, x: np.ndarray, index: int) -> np.ndarray:
        """View of one block of a flat state as a (2j+1)×(2j+1) matrix.

        Parameters
        ----------
        x : numpy.ndarray of shape (size,)
            Flat permutation-invariant state.
        index : int
            Block index, 0 for j = N/2 (the symmetric subspace), in
            ``range(self.blocks)``.

        Returns
        -------
        numpy.ndarray
            A writable view (not a copy) of shape (2j+1, 2j+1), rows and columns
            ordered by m ascending.
        """
        d = int(self.dims[index])
        start = int(self.offsets[index])
        return x[start:start + d * d].reshape(d, d)

    def index(self, two_j, a, b) -> np.ndarray:
        """Flat indices of entries ``(2j, a, b)`` (vectorised; no range check).

        Parameters
        ----------
        two_j : int or array_like of int
            ``2j`` of the block (same parity as N, 0 ≤ 2j ≤ N).
        a, b : int or array_like of int
            Row and column indices ``a = m + j`` and ``b = m′ + j`` in 0..2j.

        Returns
        -------
        numpy.ndarray of int
            Positions in the flat vector, broadcast over the inputs.
        """
        block = (self.atoms - np.asarray(two_j)) // 2
        dims = np.asarray(two_j) + 1
        return self.offsets[block] + np.asarray(a) * dims + np.asarray(b)

    @property
    def coherence_order(self) -> np.ndarray:
        """``m′ − m = b − a`` of every entry: the entry picks up ``e^{i(m′−m)φ}`` under ``exp(−iφJz)``."""
        return self.entry_b - self.entry_a


def check_pi_atoms(atoms) -> int:
    """``atoms`` as an int in [1, :data:`MAX_PI_ATOMS`], else a clear error."""
    atoms = check_atoms(atoms)
    if atoms > MAX_PI_ATOMS:
        raise QClockError(f"atoms = {atoms} is too large for the exact local-noise engine: the "
                          f"permutation-invariant state has about N³/6 = {atoms**3 / 6:.3g} entries; the "
                          f"largest N supported is {MAX_PI_ATOMS}")
    return atoms


@lru_cache(maxsize=16)
def pi_basis(atoms: int) -> PIBasis:
    """The (cached) :class:`PIBasis` of ``atoms`` atoms.

    Parameters
    ----------
    atoms : int
        Number of atoms N, 1 ≤ N ≤ :data:`MAX_PI_ATOMS`.

    Returns
    -------
    PIBasis
        Degeneracies ``d_j = C(N, N/2−j)·(2j+1)/(N/2+j+1)`` (Chase & Geremia,
        PRA 78, 052101 (2008)) are stored as logarithms.

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer.
    QClockError
        If ``atoms`` < 1 or ``atoms`` > :data:`MAX_PI_ATOMS`.
    """
    atoms = check_pi_atoms(atoms)
    two_j = np.arange(atoms, -1, -2)
    dims = two_j + 1
    sizes = dims**2
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    k = (atoms - two_j) // 2  # N/2 − j
    # d_j = C(N, N/2−j) (2j+1)/(N/2+j+1)
    log_degeneracy = (gammaln(atoms + 1) - gammaln(k + 1) - gammaln(atoms - k + 1)
                      + np.log(dims) - np.log(atoms - k + 1))
    entry_block = np.repeat(np.arange(two_j.shape[0]), sizes)
    local = np.arange(int(sizes.sum())) - offsets[entry_block]
    entry_dims = dims[entry_block]
    arrays = [two_j, dims, offsets, log_degeneracy, entry_block, two_j[entry_block],
              local // entry_dims, local % entry_dims]
    for array in arrays:
        array.setflags(write=False)
    return PIBasis(atoms, two_j, dims, offsets, int(sizes.sum()), log_degeneracy, entry_block,
                   arrays[5], arrays[6], arrays[7])


# ------------------------------------------------------------------ states
def pi_from_pure(amplitudes) -> np.ndarray:
    """Flat permutation-invariant state of a pure symmetric state.

    Parameters
    ----------
    amplitudes : array_like of shape (N+1,)
        Dicke-basis amplitudes (M ascending) of a normalised pure state.

    Returns
    -------
    numpy.ndarray
        Complex flat state of shape (size,); only the block j = N/2 is non-zero
        and holds ``|ψ⟩⟨ψ|``.

    Raises
    ------
    QClockError
        If N exceeds :data:`MAX_PI_ATOMS`.
    """
    psi = np.asarray(amplitudes, dtype=complex)
    basis = pi_basis(psi.shape[0] - 1)
    x = np.zeros(basis.size, dtype=complex)
    x[: psi.shape[0] ** 2] = np.outer(psi, psi.conj()).ravel()
    return x


def pi_trace(x: np.ndarray, basis: PIBasis) -> complex:
    """Trace of a flat permutation-invariant state, ``Σ_j Tr ρ̃_j``.

    Parameters
    ----------
    x : numpy.ndarray of shape (size,)
        Flat permutation-invariant state (blocks ρ̃_j = d_j ρ_j, see the module
        docstring).
    basis : PIBasis
        Index bookkeeping of the same atom number (from :func:`pi_basis`).

    Returns
    -------
    complex
        The trace (1 for a normalised state; the imaginary part is round-off).
    """
    return complex(x[basis.entry_a == basis.entry_b].sum())


def pi_excitation_probabilities(x: np.ndarray, basis: PIBasis) -> np.ndarray:
    """Probabilities P(n excited atoms), n = 0..N, of a flat permutation-invariant state.

    Parameters
    ----------
    x : numpy.ndarray of shape (size,)
        Flat permutation-invariant state (blocks ρ̃_j = d_j ρ_j, see the module
        docstring).
    basis : PIBasis
        Index bookkeeping of the same atom number (from :func:`pi_basis`).

    Returns
    -------
    numpy.ndarray
        Float array of shape (N+1,), ``Σ_j Re ρ̃_j[m, m]`` with ``m = n − N/2``.
    """
    diagonal = basis.entry_a == basis.entry_b
    n = (basis.atoms - basis.entry_two_j[diagonal]) // 2 + basis.entry_a[diagonal]
    return np.bincount(n, weights=x[diagonal].real, minlength=basis.atoms + 1)


def pi_excitation_covectors(basis: PIBasis) -> np.ndarray:
    """Covectors of the projectors on n excited atoms, so that ``P(n) = F[n] @ x``.

    Parameters
    ----------
    basis : PIBasis
        Index bookkeeping of the same atom number (from :func:`pi_basis`).

    Returns
    -------
    numpy.ndarray
        Complex array F of shape (N+1, size), 1 on the diagonal entries
        ``(j, m, m)`` with ``m = n − N/2`` and 0 elsewhere.
    """
    diagonal = np.flatnonzero(basis.entry_a == basis.entry_b)
    n = (basis.atoms - basis.entry_two_j[diagonal]) // 2 + basis.entry_a[diagonal]
    covectors = np.zeros((basis.atoms + 1, basis.size), dtype=complex)
    covectors[n, diagonal] = 1.0
    return covectors


def pi_symmetric_weight(x: np.ndarray, basis: PIBasis) -> float:
    """Largest ``|entry|`` outside the symmetric block j = N/2 (0 for a symmetric state).

    Parameters
    ----------
    x : numpy.ndarray of shape (size,)
        Flat permutation-invariant state (blocks ρ̃_j = d_j ρ_j, see the module
        docstring).
    basis : PIBasis
        Index bookkeeping of the same atom number (from :func:`pi_basis`).

    Returns
    -------
    float
        ``max |x_i|`` over the blocks with j < N/2 (dimensionless).
    """
    rest = x[int(basis.dims[0]) ** 2:]
    return float(np.abs(rest).max()) if rest.size else 0.0


def pi_spin_moments(x: np.ndarray, basis: PIBasis) -> tuple[np.ndarray, np.ndarray]:
    """Mean and symmetrised second moments of the collective spin of a flat PI state.

    Every block contributes ``Tr(ρ̃_j A_j)`` with ``A_j`` the spin-j operator.

    Parameters
    ----------
    x : numpy.ndarray of shape (size,)
        Flat permutation-invariant state (blocks ρ̃_j = d_j ρ_j, see the module
        docstring).
    basis : PIBasis
        Index bookkeeping of the same atom number (from :func:`pi_basis`).

    Returns
    -------
    mean : numpy.ndarray
        ``(⟨Jx⟩, ⟨Jy⟩, ⟨Jz⟩)``, shape (3,).
    second : numpy.ndarray
        ``⟨(J_k J_l + J_l J_k)/2⟩`` (not centred), shape (3, 3).
    """
    from .operators import collective_operators

    mean = np.zeros(3)
    second = np.zeros((3, 3))
    for index in range(basis.blocks):
        rho = basis.block(x, index)
        if rho.shape[0] == 1:
            continue
        ops = collective_operators(int(basis.two_j[index]), dense=True)
        for k in range(3):
            mean[k] += np.real(np.sum(rho.T * ops[k]))
            for l in range(k, 3):
                product = 0.5 * (ops[k] @ ops[l] + ops[l] @ ops[k])
                second[k, l] += np.real(np.sum(rho.T * product))
                second[l, k] = second[k, l]
    return mean, second


# ------------------------------------------------------------------ collective operations
def _rotate_blocks(blocks: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """``D ρ_k D†`` for a stack of blocks (K, d, d) and the spin-j representation D of ``matrix``."""
    count, d, _ = blocks.shape
    left = apply_su2(blocks.transpose(1, 0, 2).reshape(d, count * d), matrix)  # columns: U ρ_k
    left = left.reshape(d, count, d).transpose(1, 0, 2)  # (K, d, d) = U ρ_k
    adjoint = left.conj().transpose(0, 2, 1)  # (U ρ_k)†
    right = apply_su2(adjoint.transpose(1, 0, 2).reshape(d, count * d), matrix)  # U (U ρ_k)†
    return right.reshape(d, count, d).transpose(1, 2, 0).conj()  # (U ρ_k U†)


def _map_blocks(x: np.ndarray, basis: PIBasis, transform) -> np.ndarray:
    """Apply ``transform(stack (K, d, d)) -> (K, d, d)`` to every block of ``x`` ((size,) or (K, size))."""
    rows = x[None, :] if x.ndim == 1 else x
    out = np.empty_like(rows, dtype=complex)
    for index in range(basis.blocks):
        d = int(basis.dims[index])
        start = int(basis.offsets[index])
        stop = start + d * d
        if d == 1:  # j = 0: rotations act trivially
            out[:, start:stop] = rows[:, start:stop]
        else:
            out[:, start:stop] = transform(rows[:, start:stop].reshape(-1, d, d)).reshape(-1, d * d)
    return out[0] if x.ndim == 1 else out


def pi_apply_su2(x: np.ndarray, basis: PIBasis, matrix: np.ndarray) -> np.ndarray:
    """State(s) after a collective rotation, applied inside every j block.

    Parameters
    ----------
    x : numpy.ndarray of shape (size,) or (K, size)
        One flat permutation-invariant state, or K of them as rows.
    basis : PIBasis
        Index bookkeeping of the same atom number (from :func:`pi_basis`).
    matrix : array_like of shape (2, 2)
        Unitary single-atom rotation in the (``|↓⟩``, ``|↑⟩``) basis; every atom is
        rotated by it.

    Returns
    -------
    numpy.ndarray
        Complex array of the shape of ``x``: ``D_j ρ̃_j D_j†`` in every block,
        with ``D_j`` the spin-j representation of ``matrix``.
    """
    return _map_blocks(x, basis, lambda blocks: _rotate_blocks(blocks, matrix))


def pi_covector_apply_su2(f: np.ndarray, basis: PIBasis, matrix: np.ndarray) -> np.ndarray:
    """Pull covectors back through a rotation: ``f′·x = f·(D x D†)`` for all x.

    For a block ``F`` (with ``⟨E⟩ = Σ F∘ρ``) the pulled-back block is
    ``Dᵀ F D* = (D† Fᵀ D)ᵀ``: the transposed block rotated by the inverse
    matrix, transposed back.

    Parameters
    ----------
    f : numpy.ndarray of shape (size,) or (K, size)
        One covector or K covectors (rows) on the flat index set.
    basis : PIBasis
        Index bookkeeping of the same atom number (from :func:`pi_basis`).
    matrix : array_like of shape (2, 2)
        Unitary single-atom rotation in the (``|↓⟩``, ``|↑⟩``) basis; every atom is
        rotated by it.

    Returns
    -------
    numpy.ndarray
        Complex array of the shape of ``f``.
    """
    inverse = np.ascontiguousarray(matrix.conj().T)
    return _map_blocks(f, basis, lambda blocks: _rotate_blocks(blocks.transpose(0, 2, 1), inverse)
                       .transpose(0, 2, 1))


def pi_twist_phases(basis: PIBasis, strength: float) -> np.ndarray:
    """Entry-wise factors of the unitary twist ``exp(−i(μ/2)Jz²)``: ``exp(−i(μ/2)(m² − m′²))``.

    Multiplying a flat state by these factors applies the one-axis twist
    ``T_z(μ)`` (Kitagawa & Ueda, PRA 47, 5138 (1993)) in every block.

    Parameters
    ----------
    basis : PIBasis
        Index bookkeeping of the same atom number (from :func:`pi_basis`).
    strength : float
        Twisting strength μ, in rad (dimensionless).

    Returns
    -------
    numpy.ndarray
        Complex array of shape (size,).
    """
    m = basis.entry_a - basis.entry_two_j / 2.0
    m1 = basis.entry_b - basis.entry_two_j / 2.0
    return np.exp(-0.5j * strength * (m * m - m1 * m1))


# ------------------------------------------------------------------ local noise
def local_generator(basis: PIBasis, *, decay: float = 0.0, dephasing: float = 0.0, pumping: float = 0.0,
                    twist: float = 0.0) -> sparse.csr_matrix:
    """Sparse generator ``G`` with ``dx/dt = G x`` for local noise plus a z-twist Hamiltonian.

    Parameters
    ----------
    basis : PIBasis
        Index bookkeeping of the atom number (from :func:`pi_basis`).
    decay, dephasing, pumping : float, optional
        Local rates Γ↓, γ, Γ↑ ≥ 0 (keyword only, default 0), in inverse units of
        the evolution time (1/Z, or 1/s if times are in seconds); see the module
        docstring for the Lindblad operators.
    twist : float, optional
        Coefficient χ′ of the Hamiltonian ``H = (χ′/2) Jz²`` (so that evolving
        for a time t without dissipation is the twist ``T_z(μ = χ′ t)``), in
        rad per unit time (keyword only, default 0).

    Returns
    -------
    scipy.sparse.csr_matrix
        Complex matrix of shape (size, size).

    Raises
    ------
    QClockError
        If a rate is negative or not finite, or ``twist`` is not finite.

    Notes
    -----
    Matrix elements of the local dissipators in the (j, m, m′) basis are
    those of Shammah et al., PRA 98, 063815 (2018), whose Dicke-basis blocks
    carry the total weight of their j as here.
    """
    for value, name in ((decay, "decay"), (dephasing, "dephasing"), (pumping, "pumping")):
        if not np.isfinite(value) or value < 0:
            raise QClockError(f"{name} rate must be a finite number >= 0, got {value}")
    if not np.isfinite(twist):
        raise QClockError(f"twist must be finite, got {twist}")
    n_half = basis.atoms / 2.0
    j = basis.entry_two_j / 2.0
    m = basis.entry_a - j
    m1 = basis.entry_b - j
    # piqs' dephasing rate γ_D multiplies D[σz/2]; ours (γ) multiplies D[√(γ/2) σz] = 2γ D[σz/2].
    g_d = 2.0 * dephasing
    g_e = decay
    g_p = pumping
    safe_j = np.where(j > 0, j, 1.0)
    jj1 = safe_j * (safe_j + 1)
    diagonal = -(0.5 * g_e * (basis.atoms + m + m1) + 0.5 * g_p * (basis.atoms - m - m1)
                 + np.where(j > 0, 0.5 * g_d * (n_half - m * m1 * (n_half + 1) / jj1), 0.5 * g_d * n_half))
    diagonal = diagonal - 0.5j * twist * (m * m - m1 * m1)
    rows = [np.arange(basis.size)]
    cols = [np.arange(basis.size)]
    data = [diagonal.astype(complex)]

    def transfer(coefficient, d_two_j, d_m):
        """Source entry (j, m, m′) feeds (j + d_two_j/2, m + d_m, m′ + d_m) with ``coefficient``."""
        target_two_j = basis.entry_two_j + d_two_j
        target_j = target_two_j / 2.0
        target_m = m + d_m
        target_m1 = m1 + d_m
        valid = ((coefficient != 0) & (target_two_j >= 0) & (target_two_j <= basis.atoms)
                 & (np.abs(target_m) <= target_j + 1e-9) & (np.abs(target_m1) <= target_j + 1e-9))
        if not np.any(valid):
            return
        source = np.flatnonzero(valid)
        t_two_j = target_two_j[valid]
        a = np.rint(target_m[valid] + target_j[valid]).astype(int)
        b = np.rint(target_m1[valid] + target_j[valid]).astype(int)
        rows.append(basis.index(t_two_j, a, b))
        cols.append(source)
        data.append(coefficient[valid].astype(complex))

    def root(value):
        return np.sqrt(np.clip(value, 0.0, None))

    positive = j > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        if g_e:
            # same j, m → m−1 (piqs γ2), j → j−1 (γ3), j → j+1 (γ4)
            transfer(np.where(positive, 0.5 * g_e * root((j + m) * (j - m + 1) * (j + m1) * (j - m1 + 1))
                              * (n_half + 1) / jj1, 0.0), 0, -1)
            transfer(np.where(positive, 0.5 * g_e * root((j + m) * (j + m - 1) * (j + m1) * (j + m1 - 1))
                              * (n_half + j + 1) / (safe_j * (2 * j + 1)), 0.0), -2, -1)
            transfer(0.5 * g_e * root((j - m + 1) * (j - m + 2) * (j - m1 + 1) * (j - m1 + 2))
                     * (n_half - j) / ((j + 1) * (2 * j + 1)), 2, -1)
        if g_d:
            transfer(np.where(positive, 0.5 * g_d * root((j * j - m * m) * (j * j - m1 * m1))
                              * (n_half + j + 1) / (safe_j * (2 * j + 1)), 0.0), -2, 0)
            transfer(0.5 * g_d * root(((j + 1) ** 2 - m * m) * ((j + 1) ** 2 - m1 * m1))
                     * (n_half - j) / ((j + 1) * (2 * j + 1)), 2, 0)
        if g_p:
            transfer(np.where(positive, 0.5 * g_p * root((j + m + 1) * (j - m) * (j + m1 + 1) * (j - m1))
                              * (n_half + 1) / jj1, 0.0), 0, 1)
            transfer(np.where(positive, 0.5 * g_p * root((j - m - 1) * (j - m) * (j - m1 - 1) * (j - m1))
                              * (n_half + j + 1) / (safe_j * (2 * j + 1)), 0.0), -2, 1)
            transfer(0.5 * g_p * root((j + m + 1) * (j + m + 2) * (j + m1 + 1) * (j + m1 + 2))
                     * (n_half - j) / ((j + 1) * (2 * j + 1)), 2, 1)
    matrix = sparse.csr_matrix((np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))),
                               shape=(basis.size, basis.size))
    matrix.sum_duplicates()
    return matrix


def pi_evolve(generator: sparse.spmatrix, x: np.ndarray, duration: float = 1.0, *,
              diagonal: np.ndarray | None = None, tolerance: float = 2.0**-53) -> np.ndarray:
    """Evolve a state, ``exp(duration·G) x``, or pull covectors back, ``exp(duration·Gᵀ) f``.

    Covectors are recognised by a 2-D input: each row ``f`` is pulled back so that
    ``f′·x = f·(exp(tG) x)``.

    Parameters
    ----------
    generator : scipy.sparse.spmatrix
        ``G`` of shape (size, size) (e.g. from :func:`local_generator`).
    x : numpy.ndarray
        State of shape (size,) or covectors of shape (K, size).
    duration : float, optional
        Evolution time t, in the unit of the rates of G (default 1).
    diagonal : numpy.ndarray of shape (size,), optional
        An extra diagonal added to G (e.g. the twist Hamiltonian), so that a
        new sparse matrix need not be built for every twist strength
        (keyword only).
    tolerance : float, optional
        Relative truncation error of every Taylor step (keyword only, default
        2⁻⁵³).

    Returns
    -------
    numpy.ndarray
        Complex array of the shape of ``x``; a copy of ``x`` when ``duration``
        is 0.

    Notes
    -----
    Truncated Taylor series with scaling (as in Al-Mohy & Higham, SIAM J. Sci.
    Comput. 33, 488 (2011)), with the mean of the diagonal shifted out and
    exact: the 1-norm of ``t(G − μ)`` fixes ``s`` steps of norm ≤ 4 each,
    and each step's series stops when two consecutive terms are below
    ``tolerance`` times the current iterate (at most 60 terms).
    """
    x = np.asarray(x)
    covector = x.ndim == 2
    if duration == 0:
        return np.array(x, dtype=complex, copy=True)
    matrix = (generator.T if covector else generator).tocsr() * duration
    extra = np.zeros(matrix.shape[0], dtype=complex) if diagonal is None else duration * np.asarray(diagonal)
    full_diagonal = matrix.diagonal() + extra
    shift = full_diagonal.mean()
    extra = extra - shift
    norm = float(np.max(np.abs(matrix).sum(axis=0).A1 + np.abs(extra)))
    steps = max(1, int(np.ceil(norm / 4.0)))
    scale = 1.0 / steps
    step_factor = np.exp(shift * scale)
    vector = np.ascontiguousarray(x.T if covector else x, dtype=complex)
    extra_column = extra[:, None] if vector.ndim == 2 else extra

    def apply(v):
        return matrix @ v + extra_column * v

    for _ in range(steps):
        total = vector.copy()
        term = vector
        previous = np.inf
        reference = max(np.abs(vector).max(), 1e-300)
        for k in range(1, 61):
            term = apply(term) * (scale / k)
            total += term
            size = np.abs(term).max()
            if size + previous <= tolerance * reference:
                break
            previous = size
        vector = total * step_factor
    return vector.T if covector else vector


# ------------------------------------------------------------------ QuTiP piqs bridge
def to_piqs(x: np.ndarray, basis: PIBasis):
    """The state as a QuTiP ``Qobj`` in ``qutip.piqs``' Dicke basis (j descending, m from +j down).

    Parameters
    ----------
    x : numpy.ndarray of shape (size,)
        Flat permutation-invariant state (blocks ρ̃_j = d_j ρ_j, see the module
        docstring).
    basis : PIBasis
        Index bookkeeping of the same atom number (from :func:`pi_basis`).

    Returns
    -------
    qutip.Qobj
        Block-diagonal density matrix of dimension ``Σ_j (2j+1)``; ``piqs``
        uses the same total-weight convention, so only the order of m changes
        (Shammah et al., PRA 98, 063815 (2018)).
    """
    import qutip

    dimension = int(basis.dims.sum())
    matrix = np.zeros((dimension, dimension), dtype=complex)
    start = 0
    for index in range(basis.blocks):
        d = int(basis.dims[index])
        block = basis.block(x, index)[::-1, ::-1]
        matrix[start:start + d, start:start + d] = block
        start += d
    return qutip.Qobj(matrix)


def from_piqs(qobj, atoms: int) -> np.ndarray:
    """Inverse of :func:`to_piqs`: a ``qutip.piqs`` Dicke-basis density matrix as a flat PI state.

    Parameters
    ----------
    qobj : qutip.Qobj or array_like
        Block-diagonal density matrix in ``piqs``' Dicke basis, of dimension
        ``Σ_j (2j+1)``; entries outside the blocks are ignored.
    atoms : int
        Number of atoms N, 1 ≤ N ≤ :data:`MAX_PI_ATOMS`.

    Returns
    -------
    numpy.ndarray
        Complex flat state of shape (size,).

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer.
    QClockError
        If ``atoms`` is out of range.
    """
    basis = pi_basis(atoms)
    data = qobj.full() if hasattr(qobj, "full") else np.asarray(qobj)
    x = np.zeros(basis.size, dtype=complex)
    start = 0
    for index in range(basis.blocks):
        d = int(basis.dims[index])
        block = data[start:start + d, start:start + d][::-1, ::-1]
        basis.block(x, index)[...] = block
        start += d
    return x
