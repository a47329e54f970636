"""The backend-free protocol object: conventions, closed forms, QuTiP route, Fourier form, errors."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import comb, gammaln

from qclock_circuits import protocols, spin
from qclock_circuits._validation import QClockError

PHASES = np.array([-2.7, -1.0, -0.31, 0.0, 0.2, 0.9, 1.57, 3.0])


def all_protocols(atoms, rng):
    yield protocols.css(atoms)
    yield protocols.sss(atoms, rng.uniform(0.05, 1.0))
    yield protocols.ghz(atoms)
    yield protocols.ghz(atoms, readout="jz")
    yield protocols.variational(atoms, 1, 1, rng.uniform(-np.pi, np.pi, 8))
    yield protocols.variational(atoms, 1, 2, rng.uniform(-np.pi, np.pi, 11))
    yield protocols.variational(atoms, 0, 1, rng.uniform(-np.pi, np.pi, 7))
    yield protocols.poi(atoms)


@pytest.mark.parametrize("atoms", range(1, 11))
def test_collective_engine_matches_qutip(atoms):
    rng = np.random.default_rng(atoms)
    for p in all_protocols(atoms, rng):
        exact = p.probabilities(PHASES)
        assert exact.shape == (len(PHASES), len(p.outcomes))
        assert np.allclose(exact.sum(axis=1), 1, atol=1e-12)
        assert exact.min() > -1e-15
        assert np.allclose(exact, p.to_qutip().probabilities(PHASES), atol=1e-10), p


@pytest.mark.parametrize("atoms", [1, 2, 5, 12, 40])
def test_fourier_coefficients_reproduce_likelihood(atoms):
    rng = np.random.default_rng(7)
    lags = np.arange(-atoms, atoms + 1)
    for p in all_protocols(atoms, rng):
        coefficients = p.fourier_coefficients()
        assert coefficients.shape == (len(p.outcomes), 2 * atoms + 1)
        assert np.allclose(coefficients[:, ::-1], coefficients.conj(), atol=1e-13)  # real polynomial
        series = np.exp(1j * np.outer(PHASES, lags)) @ coefficients.T
        assert np.allclose(series.imag, 0, atol=1e-12)
        assert np.allclose(series.real, p.probabilities(PHASES), atol=1e-12)
        # 2π-periodicity of the likelihood
        assert np.allclose(p.probabilities(PHASES + 2 * np.pi), p.probabilities(PHASES), atol=1e-11)


def test_css_points_along_x_and_has_sine_signal():
    for atoms in (1, 4, 9):
        p = protocols.css(atoms)
        mean, _ = spin.spin_moments(p.input_state)
        assert np.allclose(mean, [atoms / 2, 0, 0])
        assert np.allclose(p.signal(PHASES), atoms / 2 * np.sin(PHASES))
        assert np.allclose(p.outcomes, np.arange(atoms + 1) - atoms / 2)


def test_css_is_binomial_exactly_at_two_thousand_atoms():
    # Each atom independently ends in |↑> with probability (1 + sin φ)/2 (effective Jy readout).
    atoms, phase = 2000, 0.4
    probabilities = protocols.css(atoms).probabilities([phase])[0]
    k = np.arange(atoms + 1)
    up = (1 + np.sin(phase)) / 2
    log_binomial = gammaln(atoms + 1) - gammaln(k + 1) - gammaln(atoms - k + 1) + k * np.log(up) + (atoms - k) * np.log1p(-up)
    # absolute accuracy everywhere, relative accuracy wherever P is above the rounding floor
    assert np.abs(probabilities - np.exp(log_binomial)).max() < 1e-12
    mask = log_binomial > np.log(1e-11)
    assert mask.sum() > 200
    assert np.allclose(probabilities[mask], np.exp(log_binomial[mask]), rtol=1e-6, atol=0)
    assert abs(probabilities.sum() - 1) < 1e-12


@pytest.mark.parametrize("twist", [0.02, 0.1, 0.25, 0.6, 1.3])
def test_sss_reproduces_kitagawa_ueda_moments(twist):
    # Kielinski & Hammerer eqs. (A73)-(A75) for N = 10
    atoms = 10
    p = protocols.sss(atoms, twist)
    mean, second = spin.spin_moments(p.input_state)
    a = 1 - np.cos(twist) ** (atoms - 2)
    b = 4 * np.sin(twist / 2) * np.cos(twist / 2) ** (atoms - 2)
    sx = atoms / 2 * np.cos(twist / 2) ** (atoms - 1)
    sx2 = atoms / 4 * (atoms * (1 - np.cos(twist / 2) ** (2 * atoms - 2)) - 0.5 * (atoms - 1) * a) + sx**2
    sy2 = atoms / 4 * (1 + 0.25 * (atoms - 1) * (a - np.sqrt(a**2 + b**2)))
    assert np.isclose(mean[0], sx, rtol=1e-12)
    assert np.isclose(second[0, 0], sx2, rtol=1e-12)
    assert np.isclose(second[1, 1], sy2, rtol=1e-10, atol=1e-12)
    assert abs(mean[1]) < 1e-12 and abs(mean[2]) < 1e-12
    # the default rotation is the variance minimum: any other angle is worse
    for delta in (-0.05, 0.05):
        other = protocols.sss(atoms, twist, p.parameters[1] + delta)
        assert spin.spin_moments(other.input_state)[1][1, 1] > second[1, 1]


@pytest.mark.parametrize("atoms", range(1, 10))
def test_ghz_parity_signal(atoms):
    # Kielinski & Hammerer eq. (A78): <Π(φ)> = (-1)^N sin(Nφ)
    p = protocols.ghz(atoms)
    assert np.allclose(p.outcomes, [-1, 1])
    assert np.allclose(p.signal(PHASES), (-1) ** atoms * np.sin(atoms * PHASES), atol=1e-12)


@pytest.mark.parametrize("atoms", range(1, 11))
def test_ghz_jz_readout_probabilities(atoms):
    # Kielinski & Hammerer eq. (A83) for even N (N_- = N - k atoms in the ground state);
    # for odd N the final Ry(π/2) gives the sign (-1)^k.
    p = protocols.ghz(atoms, readout="jz")
    k = np.arange(atoms + 1)
    sign = (-1.0) ** (atoms // 2 + atoms - k) if atoms % 2 == 0 else (-1.0) ** k
    expected = comb(atoms, k) / 2**atoms * (1 + sign * np.sin(atoms * PHASES)[:, None])
    assert np.allclose(p.probabilities(PHASES), expected, atol=1e-12)
    if atoms % 2 == 0:  # the signal vanishes for even N (Kielinski & Hammerer, after eq. A83)
        assert np.allclose(p.signal(PHASES), 0, atol=1e-12)


def test_variational_parameter_count_and_default_is_css():
    for n, m in ((1, 0), (1, 1), (1, 2), (1, 3), (2, 2), (0, 0), (0, 2)):
        p = protocols.variational(6, n, m)
        expected = 2 + 3 * (n + m) if n >= 1 else 4 + 3 * m
        assert p.parameters.shape == (expected,) == (len(p.parameter_names),)
        assert np.allclose(p.probabilities(PHASES), protocols.css(6).probabilities(PHASES), atol=1e-12)


def test_variational_one_zero_contains_sss():
    # [1,0] with R_n = Rz(α)Rx(θ) and R_m = Rz(β)Rx(π/2+θ) is the SSS protocol (Kielinski & Hammerer sec. III B).
    atoms, twist = 8, 0.3
    reference = protocols.sss(atoms, twist)
    theta = reference.parameters[1]
    params = [twist, theta, np.pi / 2, np.pi / 2 + theta, np.pi / 2]
    p = protocols.variational(atoms, 1, 0, params)
    assert np.allclose(p.probabilities(PHASES), reference.probabilities(PHASES), atol=1e-12)


def test_poi_matches_phase_operator_formula():
    atoms = 6
    p = protocols.poi(atoms)
    m = np.arange(atoms + 1) - atoms / 2
    assert np.allclose(p.outcomes, 2 * np.pi * m / (atoms + 1))
    state = spin.sine_state(atoms)
    for phase, row in zip(PHASES, p.probabilities(PHASES)):
        amplitude = np.exp(1j * np.outer(p.outcomes - phase, m)) @ state / np.sqrt(atoms + 1)
        assert np.allclose(row, np.abs(amplitude) ** 2, atol=1e-12)
    # most likely outcome tracks the phase inside the invertible range
    assert p.outcomes[np.argmax(p.probabilities([0.9])[0])] == pytest.approx(0.9, abs=np.pi / (atoms + 1))


def test_with_parameters_and_round_trip_through_json():
    rng = np.random.default_rng(3)
    for p in all_protocols(5, rng):
        clone = p.with_parameters(p.parameters)
        assert np.allclose(clone.probabilities(PHASES), p.probabilities(PHASES))
        data = json.loads(json.dumps(p.to_dict()))
        again = protocols.RamseyProtocol.from_dict(data)
        assert again.name == p.name and again.readout == p.readout
        assert np.allclose(again.probabilities(PHASES), p.probabilities(PHASES), atol=1e-12)
    custom = protocols.custom(3, [protocols.Rotation(-np.pi / 2, "y")], [protocols.Twist(0.4, (1, 1, 0))])
    again = protocols.RamseyProtocol.from_dict(json.loads(json.dumps(custom.to_dict())))
    assert np.allclose(again.probabilities(PHASES), custom.probabilities(PHASES))


def test_with_parameters_changes_the_protocol():
    p = protocols.sss(8, 0.2)
    q = p.with_parameters([0.4, 0.1])
    assert np.allclose(q.parameters, [0.4, 0.1]) and np.allclose(p.parameters[0], 0.2)
    assert not np.allclose(q.probabilities(PHASES), p.probabilities(PHASES))


def test_protocol_is_immutable():
    p = protocols.sss(4, 0.2)
    with pytest.raises(ValueError):
        p.parameters[0] = 1.0
    with pytest.raises(AttributeError):
        p.atoms = 5
    with pytest.raises(ValueError):
        p.input_state[0] = 0


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 12), st.lists(st.floats(-6.3, 6.3), min_size=11, max_size=11),
       st.lists(st.floats(-50, 50), min_size=1, max_size=6))
def test_variational_likelihood_is_a_probability_distribution(atoms, params, phases):
    p = protocols.variational(atoms, 1, 2, params)
    probabilities = p.probabilities(phases)
    assert np.all(probabilities >= -1e-14) and np.allclose(probabilities.sum(axis=1), 1, atol=1e-12)
    lags = np.arange(-atoms, atoms + 1)
    series = (np.exp(1j * np.outer(phases, lags)) @ p.fourier_coefficients().T).real
    assert np.allclose(series, probabilities, atol=1e-10)


def test_large_variational_protocol_is_stable():
    p = protocols.variational(1000, 1, 2, np.random.default_rng(0).uniform(-1, 1, 11))
    probabilities = p.probabilities(np.linspace(-np.pi, np.pi, 11))
    assert np.all(np.isfinite(probabilities)) and np.allclose(probabilities.sum(axis=1), 1, atol=1e-10)


@pytest.mark.parametrize("call, message", [
    (lambda: protocols.css(0), "atoms"),
    (lambda: protocols.css(2.5), "atoms"),
    (lambda: protocols.css("8"), "atoms"),
    (lambda: protocols.sss(4, float("nan")), "twist"),
    (lambda: protocols.sss(4, 0.1, float("inf")), "rotation"),
    (lambda: protocols.sss(4), "twist"),
    (lambda: protocols.ghz(4, readout="x"), "readout"),
    (lambda: protocols.variational(4, 1, 1, [0.1] * 7), "length 8"),
    (lambda: protocols.variational(4, -1, 1), "n must"),
    (lambda: protocols.sss(4, 0.1).with_parameters([0.1, 0.2, 0.3]), "length 2"),
    (lambda: protocols.css(4).with_parameters([0.1]), "length 0"),
    (lambda: protocols.sss(4, 0.1).with_parameters([0.1, float("nan")]), "finite"),
    (lambda: protocols.css(3).probabilities([0.1, float("nan")]), "phi"),
    (lambda: protocols.poi(3, state=[1, 0, 0]), "length 4"),
    (lambda: protocols.custom(3, [protocols.Rotation(0.1, "x"), protocols.PrepareState([1, 0, 0, 0])], []), "first"),
    (lambda: protocols.Rotation(0.1, "q"), "axis"),
    (lambda: protocols.CollectiveUnitary(np.ones((3, 3))), "unitary"),
])
def test_bad_input_gets_a_clear_error(call, message):
    with pytest.raises((QClockError, TypeError), match=message):
        call()
