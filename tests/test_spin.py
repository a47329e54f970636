"""Exact collective-spin algebra: operators, rotations, twists, states, QuTiP bridge."""

import numpy as np
import pytest
import qutip
import scipy.linalg as sl
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import gammaln

from qclock_circuits import spin
from qclock_circuits._validation import QClockError


def _equal_up_to_phase(a, b, atol=1e-11):
    overlap = np.vdot(a.ravel(), b.ravel())
    if abs(overlap) < 1e-14:
        return np.allclose(a, b, atol=atol)
    return np.allclose(a * overlap / abs(overlap), b, atol=atol)


@pytest.mark.parametrize("atoms", [1, 2, 3, 6, 9])
def test_angular_momentum_algebra(atoms):
    jx, jy, jz = spin.collective_operators(atoms, dense=True)
    assert np.allclose(jx @ jy - jy @ jx, 1j * jz)
    assert np.allclose(jy @ jz - jz @ jy, 1j * jx)
    casimir = jx @ jx + jy @ jy + jz @ jz
    j = atoms / 2
    assert np.allclose(casimir, j * (j + 1) * np.eye(atoms + 1))
    assert np.allclose(np.diag(jz).real, np.arange(atoms + 1) - atoms / 2)


@pytest.mark.parametrize("atoms", [1, 2, 5, 8])
@pytest.mark.parametrize("axis", ["x", "y", "z", (0.3, -0.5, 0.8), (-1.0, 2.0, 0.5)])
def test_rotation_and_twist_match_matrix_exponential(atoms, axis):
    generator = spin.spin_component(atoms, axis, dense=True)
    for angle in (0.37, -2.1, np.pi, 5.0):
        assert _equal_up_to_phase(spin.rotation_matrix(atoms, angle, axis), sl.expm(-1j * angle * generator))
        assert _equal_up_to_phase(spin.twist_matrix(atoms, angle, axis),
                                  sl.expm(-0.5j * angle * generator @ generator))


def test_twist_on_qubit_pair_is_rzz_network():
    # CONVENTIONS.md: T_z(μ) = Π RZZ(μ/2) up to a global phase; for N = 2 in the
    # triplet subspace RZZ(θ) = exp(-iθ/2 Z⊗Z) has ZZ = +1 on |00>,|11> and the
    # symmetric |01>+|10> state has ZZ = -1.
    mu = 0.83
    twist = spin.twist_matrix(2, mu, "z")
    zz = np.array([1.0, -1.0, 1.0])
    assert _equal_up_to_phase(twist, np.diag(np.exp(-0.5j * (mu / 2) * zz)))


@settings(max_examples=50, deadline=None)
@given(st.floats(-10, 10), st.floats(-1, 1), st.floats(-1, 1), st.floats(0.1, 1))
def test_su2_euler_round_trip(angle, a, b, c):
    u = spin.su2_matrix(angle, (a, b, c))
    alpha, beta, gamma = spin.su2_to_zyz(u)
    rebuilt = spin.su2_matrix(alpha, "z") @ spin.su2_matrix(beta, "y") @ spin.su2_matrix(gamma, "z")
    assert _equal_up_to_phase(u, rebuilt, atol=1e-10)
    assert 0 <= beta <= np.pi + 1e-12


def test_large_n_rotation_is_unitary_and_maps_coherent_states():
    atoms = 2000
    axis = (1.0, 1.0, 1.0)
    state = spin.coherent_state(atoms, axis="x")
    rotated = spin.apply_rotation(state, 2 * np.pi / 3, axis)  # x -> y about (1,1,1)
    assert abs(abs(np.vdot(spin.coherent_state(atoms, axis="y"), rotated)) - 1) < 1e-10
    twisted = spin.apply_twist(state, 0.01, (0.2, 0.3, 0.9))
    assert abs(np.linalg.norm(twisted) - 1) < 1e-12
    matrix = spin.rotation_matrix(300, 0.7, (0.1, -0.4, 0.3))
    assert np.abs(matrix.conj().T @ matrix - np.eye(301)).max() < 1e-12


@pytest.mark.parametrize("atoms", [1, 4, 7, 2000])
def test_coherent_state_moments(atoms):
    for axis, vector in (("x", [1, 0, 0]), ("y", [0, 1, 0]), ("z", [0, 0, 1]), ("-x", [-1, 0, 0]),
                         ((1, 2, -2), np.array([1, 2, -2]) / 3)):
        mean, second = spin.spin_moments(spin.coherent_state(atoms, axis=axis))
        assert np.allclose(mean, atoms / 2 * np.asarray(vector, float), atol=1e-9 * atoms)
        covariance = second - np.outer(mean, mean)
        # variance N/4 in every direction perpendicular to the mean spin
        perpendicular = np.cross(vector, [0.3, 0.5, 0.7])
        perpendicular /= np.linalg.norm(perpendicular)
        assert np.isclose(perpendicular @ covariance @ perpendicular, atoms / 4, rtol=1e-9)


def test_css_along_x_is_pi_half_pulse_on_ground_state():
    for atoms in (1, 2, 5, 11):
        pulse = spin.apply_rotation(spin.ground_state(atoms), -np.pi / 2, "y")
        assert abs(abs(np.vdot(pulse, spin.coherent_state(atoms, axis="x"))) - 1) < 1e-12


def test_named_states():
    ghz = spin.ghz_state(5)
    assert np.allclose(np.abs(ghz) ** 2, [0.5, 0, 0, 0, 0, 0.5])
    assert spin.dicke_state(4, 2)[2] == 1
    for atoms in (1, 2, 9, 100, 2000):
        sine = spin.sine_state(atoms)
        assert abs(np.linalg.norm(sine) - 1) < 1e-12  # eq. (A46) normalisation exactly
        assert np.all(sine.real > 0) and np.allclose(sine, sine[::-1])


def test_embed_symmetric_gives_qubit_states():
    atoms = 4
    ghz = spin.embed_symmetric(spin.ghz_state(atoms))
    expected = np.zeros(16, complex)
    expected[0] = expected[15] = 1 / np.sqrt(2)
    assert np.allclose(ghz, expected)
    dicke = spin.embed_symmetric(spin.dicke_state(atoms, 1))
    assert np.allclose(dicke[[1, 2, 4, 8]], 0.5) and abs(np.linalg.norm(dicke) - 1) < 1e-12
    css = spin.embed_symmetric(spin.coherent_state(atoms, axis="x"))
    assert np.allclose(np.abs(css), 0.25)


def test_qutip_bridge_reverses_basis_explicitly():
    for atoms in (1, 2, 5):
        j = atoms / 2
        for name, op in zip("xyz", spin.collective_operators(atoms, dense=True)):
            assert np.allclose(spin.to_qobj(op).full(), qutip.jmat(j, name).full())
        assert np.allclose(spin.from_qobj(qutip.spin_state(j, -j)), spin.ground_state(atoms))
        state = spin.coherent_state(atoms, 1.1, 0.4)
        assert np.allclose(spin.from_qobj(spin.to_qobj(state)), state)
        # QuTiP's own coherent state on the same direction (same physics, any phase)
        theirs = spin.from_qobj(qutip.spin_coherent(j, 1.1, 0.4))
        assert abs(abs(np.vdot(theirs, state)) - 1) < 1e-10


def test_coherent_state_is_stable_in_log_domain():
    state = spin.coherent_state(2000, axis=(1, 0, 1))
    assert np.all(np.isfinite(state)) and abs(np.linalg.norm(state) - 1) < 1e-12
    k = np.arange(2001)
    p = np.cos(np.pi / 8) ** 2  # excitation probability of one atom at polar angle π/4
    log_binomial = gammaln(2001) - gammaln(k + 1) - gammaln(2001 - k) + k * np.log(p) + (2000 - k) * np.log1p(-p)
    mask = log_binomial > -600
    assert np.allclose(np.log(np.abs(state[mask]) ** 2), log_binomial[mask], atol=1e-9)


@pytest.mark.parametrize("bad", [0, -3, 2.5, "4", None, True, float("nan")])
def test_bad_atom_numbers_are_rejected(bad):
    with pytest.raises((QClockError, TypeError), match="atoms"):
        spin.magnetic_numbers(bad)


def test_bad_axes_and_angles_are_rejected():
    with pytest.raises(QClockError, match="axis"):
        spin.rotation_matrix(3, 0.1, "w")
    with pytest.raises(QClockError, match="non-zero"):
        spin.rotation_matrix(3, 0.1, (0, 0, 0))
    with pytest.raises(QClockError, match="angle"):
        spin.su2_matrix(float("inf"), "x")
    with pytest.raises(QClockError, match="excitations"):
        spin.dicke_state(3, 4)
