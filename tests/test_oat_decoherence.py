"""Closed-form one-axis twisting with local decay, pumping and dephasing (Foss-Feig et al., PRA 87, 042101).

Independent routes: the Dicke-basis engine (no noise, N = 1..50), a full 2**N
Hilbert-space QuTiP master equation (N = 2, 3, 4), the Kitagawa–Ueda closed
form and a direct minimisation over the engine (N = 50), a 2×2 matrix
exponential for the generating functions, and single-atom limits.
"""

from __future__ import annotations

import json
import types

import numpy as np
import pytest
from scipy.linalg import expm
from scipy.optimize import minimize_scalar

from qclock_circuits import spin
from qclock_circuits._validation import QClockError
from qclock_circuits.spin.oat_decoherence import (
    OATMoments,
    _phi_psi,
    oat_moments,
    wineland_squeezing,
)

# ---------------------------------------------------------------- no noise: the exact engine


def _engine_moments(atoms: int, twist: float) -> tuple[np.ndarray, np.ndarray]:
    state = spin.apply_twist(spin.coherent_state(atoms, axis="x"), twist, "z")
    mean, second = spin.spin_moments(state)
    return mean, second - np.outer(mean, mean)


def test_noiseless_moments_equal_the_unitary_twist_of_the_engine():
    for atoms in range(1, 51):
        scale = 1.0 + atoms**2 / 4.0  # size of the second moments
        for twist in (0.0, 0.03, 0.2, 1.0, np.pi, 5.3):
            mean, covariance = _engine_moments(atoms, twist)
            result = oat_moments(atoms, twist, 0.7)
            assert np.max(np.abs(result.mean - mean)) <= 1e-12 * scale
            assert np.max(np.abs(result.covariance - covariance)) <= 1e-12 * scale


def test_coherent_state_along_x_is_the_documented_initial_state():
    atoms = 7
    rotated = spin.apply_rotation(spin.ground_state(atoms), -np.pi / 2, "y")
    assert abs(abs(np.vdot(rotated, spin.coherent_state(atoms, axis="x"))) - 1.0) < 1e-13
    result = oat_moments(atoms, 0.0, 1.0)
    assert np.allclose(result.mean, [atoms / 2, 0, 0], atol=1e-14)
    assert np.allclose(result.covariance, np.diag([0, atoms / 4, atoms / 4]), atol=1e-14)


# ---------------------------------------------------------------- noise: full master equation


def _qutip_moments(atoms, twist, duration, decay, dephasing, pumping):
    """Brute force on 2**N states with tensor-product local jump operators."""
    import qutip

    down, up = qutip.basis(2, 0), qutip.basis(2, 1)  # |↓⟩ = qubit |0⟩, |↑⟩ = |1⟩
    raise_ = up * down.dag()  # σ⁺
    lower = raise_.dag()
    sigma_z = up * up.dag() - down * down.dag()
    paulis = (raise_ + lower, -1j * raise_ + 1j * lower, sigma_z)

    def local(operator, site):
        factors = [qutip.qeye(2)] * atoms
        factors[site] = operator
        return qutip.tensor(factors)

    collective = [sum(local(p, i) for i in range(atoms)) / 2 for p in paulis]
    hamiltonian = twist / (2 * duration) * collective[2] * collective[2]
    jumps = []
    for i in range(atoms):
        jumps += [np.sqrt(decay) * local(lower, i), np.sqrt(pumping) * local(raise_, i),
                  np.sqrt(dephasing / 2) * local(sigma_z, i)]
    plus_x = qutip.tensor([(down + up).unit()] * atoms)
    final = qutip.mesolve(hamiltonian, qutip.ket2dm(plus_x), [0.0, duration], jumps,
                          options={"atol": 1e-10, "rtol": 1e-10, "nsteps": 100000}).states[-1]
    mean = np.array([qutip.expect(j, final) for j in collective]).real
    second = np.array([[qutip.expect((a * b + b * a) / 2, final).real for b in collective]
                       for a in collective])
    return mean, second - np.outer(mean, mean)


@pytest.mark.parametrize("atoms", [2, 3, 4])
@pytest.mark.parametrize("decay, dephasing, pumping", [
    (0.3, 0.0, 0.0),  # decay alone: Φ complex, so ⟨Jy⟩ ≠ 0 tests the sign of time
    (0.0, 0.5, 0.0),
    (0.0, 0.0, 0.4),
    (0.3, 0.2, 0.1),
    (0.05, 0.1, 0.7),
])
def test_noisy_moments_equal_the_full_master_equation(atoms, decay, dephasing, pumping):
    twist, duration = 1.1, 0.9
    mean, covariance = _qutip_moments(atoms, twist, duration, decay, dephasing, pumping)
    result = oat_moments(atoms, twist, duration, decay_rate=decay, dephasing_rate=dephasing,
                         pumping_rate=pumping)
    assert np.max(np.abs(result.mean - mean)) < 1e-7
    assert np.max(np.abs(result.covariance - covariance)) < 1e-7
    if decay != pumping:
        assert abs(mean[1]) > 1e-3  # the check above is sensitive to the sign of ⟨Jy⟩


def test_phi_and_psi_equal_the_two_state_matrix_exponential():
    """Φ = 1ᵀ e^{(Q+iθS)t} p0 and Ψ = (1,-1) e^{(Q+iθS)t} p0 (module docstring), incl. |w| ≈ 0.1."""
    cases = [(0.7, 1.3, 0.3, 0.1), (2.0, 0.5, 0.0, 0.0), (0.05, 2.0, 0.04, 0.01),
             (0.0, 1.0, 0.2, 0.2), (3.0, 0.4, 0.0, 0.6), (0.1, 1.0, 0.0, 0.0), (0.0999, 1.0, 0.0, 0.0)]
    for theta, time, decay, pumping in cases:
        rates = np.array([[-decay, pumping], [decay, -pumping]])  # on (↑, ↓)
        propagator = expm((rates + 1j * theta * np.diag([1.0, -1.0])) * time)
        start = np.array([0.5, 0.5])
        phi, psi = _phi_psi(theta, time, decay, pumping)
        assert abs(phi - np.sum(propagator @ start)) < 1e-14
        assert abs(psi - np.array([1.0, -1.0]) @ propagator @ start) < 1e-14


def test_single_atom_limits_without_twist():
    """No twist: independent atoms, ⟨Jx⟩ = (N/2) e^{-Γt}, ⟨Jz⟩ from the rate equation."""
    atoms, time, decay, dephasing, pumping = 9, 1.7, 0.4, 0.25, 0.1
    result = oat_moments(atoms, 0.0, time, decay_rate=decay, dephasing_rate=dephasing,
                         pumping_rate=pumping)
    coherence = np.exp(-((decay + pumping) / 2 + dephasing) * time)
    sz = (pumping - decay) / (decay + pumping) * (1 - np.exp(-(decay + pumping) * time))
    expected_cov = np.diag([atoms * (1 - coherence**2) / 4, atoms / 4, atoms * (1 - sz**2) / 4])
    expected_cov[0, 2] = expected_cov[2, 0] = -atoms * coherence * sz / 4  # Σ_i cov(σx_i, σz_i)/4
    assert np.allclose(result.mean, [atoms * coherence / 2, 0.0, atoms * sz / 2], atol=1e-13)
    assert np.allclose(result.covariance, expected_cov, atol=1e-13)


def test_long_decay_ends_in_the_ground_state_for_any_atom_number():
    for atoms in (1, 50, 10**6):
        result = oat_moments(atoms, 0.3, 1.0, decay_rate=2000.0)
        assert np.allclose(result.mean, [0, 0, -atoms / 2], atol=1e-12 * atoms)
        assert np.allclose(result.covariance, np.diag([atoms / 4, atoms / 4, 0]), atol=1e-12 * atoms)


def test_reference_point_for_the_permutation_invariant_engine():
    """N = 50, μ = 0.2, T = 1, decay 0.02, dephasing 0.03: the numbers the density-matrix engine must give.

    Pinned here from this closed form (cross-checked against QuTiP's piqs at ~1e-7
    relative, see the slow test below); ξ² without noise is 0.1322268144799.
    """
    result = oat_moments(50, 0.2, 1.0, decay_rate=0.02, dephasing_rate=0.03)
    expected_mean = [18.8012119490585, -0.9189129444264, -0.4950331673311]
    expected_covariance = [[49.466437929435, 6.8310674897726, 2.3616470456522],
                           [6.8310674897726, 186.6123524795244, 45.7442699385732],
                           [2.3616470456522, 45.7442699385732, 12.4950988432648]]
    assert np.allclose(result.mean, expected_mean, rtol=0, atol=1e-11)
    assert np.allclose(result.covariance, expected_covariance, rtol=0, atol=1e-10)
    assert wineland_squeezing(result, 50) == pytest.approx(0.174294750972, abs=1e-11)
    assert wineland_squeezing(oat_moments(50, 0.2, 1.0), 50) == pytest.approx(0.13222681448, abs=1e-10)


@pytest.mark.slow
def test_reference_point_matches_qutip_piqs_at_50_atoms():
    """Third-party permutation-invariant solver; piqs itself is off by ~1e-8 relative even without twist."""
    import qutip
    from qutip import piqs

    atoms, twist, duration, decay, dephasing = 50, 0.2, 1.0, 0.02, 0.03
    jx, jy, jz = piqs.jspin(atoms)
    # piqs' local "dephasing" coefficient γ makes a coherence decay at γ/2.
    system = piqs.Dicke(atoms, hamiltonian=twist / (2 * duration) * jz * jz, emission=decay,
                        dephasing=2 * dephasing)
    start = piqs.css(atoms, x=1 / np.sqrt(2), y=1 / np.sqrt(2), coordinates="cartesian")
    final = qutip.mesolve(system.liouvillian(), start, [0.0, duration],
                          options={"atol": 1e-12, "rtol": 1e-12, "nsteps": 10**6}).states[-1]
    ops = (jx, jy, jz)
    mean = np.array([qutip.expect(j, final) for j in ops]).real
    second = np.array([[qutip.expect((a * b + b * a) / 2, final).real for b in ops] for a in ops])
    result = oat_moments(atoms, twist, duration, decay_rate=decay, dephasing_rate=dephasing)
    assert np.max(np.abs(result.mean - mean)) < 1e-5
    assert np.max(np.abs(result.second_moments - second)) < 1e-6 * atoms**2


# ---------------------------------------------------------------- Kitagawa–Ueda, ideal twist


def _kitagawa_ueda_xi2(atoms: int, twist: float) -> float:
    """Kitagawa & Ueda, PRA 47, 5138 (1993): V_- = (N/4){1 + (N-1)/4 [A - sqrt(A² + B²)]}."""
    a = 1 - np.cos(twist) ** (atoms - 2)
    b = 4 * np.sin(twist / 2) * np.cos(twist / 2) ** (atoms - 2)
    v_minus = atoms / 4 * (1 + (atoms - 1) / 4 * (a - np.sqrt(a * a + b * b)))
    length = atoms / 2 * np.cos(twist / 2) ** (atoms - 1)
    return atoms * v_minus / length**2


def _engine_xi2(atoms: int, twist: float) -> float:
    """ξ² from the state vector, minimising Var(cos α Jy + sin α Jz) over α directly."""
    state = spin.apply_twist(spin.coherent_state(atoms, axis="x"), twist, "z")
    jx = np.vdot(state, spin.jx(atoms) @ state).real

    def variance(alpha):
        applied = spin.spin_component(atoms, (0.0, np.cos(alpha), np.sin(alpha))) @ state
        return np.vdot(applied, applied).real - np.vdot(state, applied).real ** 2

    grid = np.linspace(0, np.pi, 61)
    start = grid[int(np.argmin([variance(a) for a in grid]))]
    best = minimize_scalar(variance, bounds=(start - np.pi / 60, start + np.pi / 60),
                           method="bounded", options={"xatol": 1e-10})
    return atoms * best.fun / jx**2


def test_ideal_squeezing_equals_the_kitagawa_ueda_closed_form():
    for twist in (0.01, 0.1, 0.155, 0.2, 0.5, 1.0):
        analytic = wineland_squeezing(oat_moments(50, twist, 1.0), 50)
        assert analytic == pytest.approx(_kitagawa_ueda_xi2(50, twist), rel=1e-10)


def test_optimum_at_50_atoms_equals_a_direct_minimisation_over_the_engine():
    def analytic(twist):
        return wineland_squeezing(oat_moments(50, twist, 1.0), 50)

    closed = minimize_scalar(analytic, bounds=(0.05, 0.4), method="bounded", options={"xatol": 1e-9})
    direct = minimize_scalar(lambda mu: _engine_xi2(50, mu), bounds=(0.05, 0.4), method="bounded",
                             options={"xatol": 1e-7})
    assert direct.fun == pytest.approx(closed.fun, rel=1e-9)
    assert direct.x == pytest.approx(closed.x, abs=1e-4)
    assert closed.x == pytest.approx(0.1547626, abs=1e-6)
    assert closed.fun == pytest.approx(0.1040388, abs=1e-7)


def test_optimum_follows_the_n_to_the_minus_two_thirds_scaling():
    """Large N: ξ²_min → ½(N/3)^(-2/3) at μ → 192^(1/6) N^(-2/3).

    Expanding the Kitagawa–Ueda closed form for N μ² ≪ 1 ≪ N μ gives
    ξ² ≈ N²μ⁴/96 + 4/(N²μ²); its minimum is the scaling law above, approached
    with relative corrections O(N^(-1/3)).
    """
    optimum = {}
    for atoms in (10**5, 10**6, 10**7):
        guess = 192 ** (1 / 6) * atoms ** (-2 / 3)
        best = minimize_scalar(lambda mu: np.log(wineland_squeezing(oat_moments(atoms, mu, 1.0), atoms)),
                               bounds=(0.5 * guess, 2 * guess), method="bounded",
                               options={"xatol": 1e-6 * guess})
        optimum[atoms] = (best.x, np.exp(best.fun))
        law = 0.5 * (atoms / 3) ** (-2 / 3)
        assert optimum[atoms][1] / law == pytest.approx(1.0, abs=3 * atoms ** (-1 / 3))
        assert best.x / guess == pytest.approx(1.0, abs=3 * atoms ** (-1 / 3))
    slope = np.log(optimum[10**7][1] / optimum[10**6][1]) / np.log(10.0)
    assert slope == pytest.approx(-2 / 3, abs=0.01)


# ---------------------------------------------------------------- data and errors


def test_round_trip_through_json():
    result = oat_moments(12, 0.4, 2.0, decay_rate=0.1, dephasing_rate=0.05, pumping_rate=0.02)
    again = OATMoments.from_dict(json.loads(json.dumps(result.to_dict())))
    assert again.to_dict() == result.to_dict()
    assert np.array_equal(again.covariance, result.covariance)
    assert not result.mean.flags.writeable


@pytest.mark.parametrize("kwargs, match", [
    ({"duration": 0.0}, "duration must be > 0"),
    ({"duration": -1.0}, "duration must be > 0"),
    ({"twist": float("nan")}, "twist must be a finite"),
    ({"decay_rate": -0.1}, "decay_rate must be a finite rate >= 0"),
    ({"dephasing_rate": float("inf")}, "dephasing_rate must be a finite"),
    ({"pumping_rate": -1e-9}, "pumping_rate must be a finite rate >= 0"),
    ({"atoms": 0}, "atoms must be an integer >= 1"),
])
def test_bad_input_is_rejected_with_the_argument_named(kwargs, match):
    arguments = {"atoms": 5, "twist": 0.1, "duration": 1.0} | kwargs
    with pytest.raises(QClockError, match=match):
        oat_moments(**arguments)


def test_wrong_types_raise_type_error():
    with pytest.raises(TypeError, match="atoms"):
        oat_moments(True, 0.1, 1.0)
    with pytest.raises(TypeError, match="twist"):
        oat_moments(5, "0.1", 1.0)
    with pytest.raises(TypeError, match="mean"):
        wineland_squeezing(object(), 5)
    with pytest.raises(TypeError, match="dict"):
        OATMoments.from_dict([1, 2])


def test_squeezing_parameter_checks_its_input():
    result = oat_moments(5, 0.1, 1.0)
    with pytest.raises(QClockError, match="moments.atoms = 5"):
        wineland_squeezing(result, 6)
    zero = types.SimpleNamespace(mean=np.zeros(3), covariance=np.eye(3))
    with pytest.raises(QClockError, match="zero"):
        wineland_squeezing(zero, 4)
    flat = types.SimpleNamespace(mean=np.ones(3), covariance=np.ones((3, 2)))
    with pytest.raises(QClockError, match=r"shape \(3, 3\)"):
        wineland_squeezing(flat, 4)
    # a coherent state along any axis has ξ² = 1
    for axis in ("x", (0.3, -0.5, 0.8)):
        mean, second = spin.spin_moments(spin.coherent_state(8, axis=axis))
        css = types.SimpleNamespace(mean=mean, covariance=second - np.outer(mean, mean))
        assert wineland_squeezing(css, 8) == pytest.approx(1.0, abs=1e-12)
