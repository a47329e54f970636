"""Noise: Aer noise models on protocol circuits, and collective laser phase noise."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom

from qclock_circuits import protocols as P
from qclock_circuits.circuits import (
    IMPRINT_LABEL,
    apply_readout_errors,
    chi_square_test,
    collective_phase_noise_probabilities,
    dark_time_error,
    noise_model,
    noisy_probabilities,
    noisy_sampler,
    sample_outcomes,
    sample_with_collective_phase_noise,
)

PHASES = np.array([-1.3, -0.4, 0.2, 0.9, 2.5])


def binomial_table(atoms: int, p_up: np.ndarray) -> np.ndarray:
    """P(k excited) for independent atoms, each excited with probability p_up (per phase)."""
    return binom.pmf(np.arange(atoms + 1)[None, :], atoms, np.asarray(p_up)[:, None])


def test_zero_rates_leave_distribution_unchanged():
    model = noise_model()
    assert model.is_ideal()
    for protocol in (P.css(3), P.sss(3, twist=0.5), P.ghz(4, readout="parity"), P.poi(3)):
        np.testing.assert_allclose(noisy_probabilities(protocol, PHASES, oat="ms"),
                                   protocol.probabilities(PHASES), atol=1e-10)


@pytest.mark.parametrize("atoms", [3, 4])
def test_dark_time_dephasing_reduces_css_contrast(atoms):
    p = 0.12
    probabilities = noisy_probabilities(P.css(atoms), PHASES, dephasing=p)
    signal = probabilities @ P.css(atoms).outcomes
    np.testing.assert_allclose(signal, 0.5 * atoms * (1 - 2 * p) * np.sin(PHASES), atol=1e-8)
    # independent atoms: the whole distribution is binomial with the reduced contrast
    expected = binomial_table(atoms, 0.5 * (1 + (1 - 2 * p) * np.sin(PHASES)))
    np.testing.assert_allclose(probabilities, expected, atol=1e-8)


def test_amplitude_damping_scales_css_signal_by_sqrt():
    gamma = 0.3
    probabilities = noisy_probabilities(P.css(3), PHASES, amplitude_damping=gamma)
    expected = binomial_table(3, 0.5 * (1 + np.sqrt(1 - gamma) * np.sin(PHASES)))
    np.testing.assert_allclose(probabilities, expected, atol=1e-8)


def test_one_qubit_depolarizing_spares_the_imprint():
    """css: one gate before and one after the imprint on each atom → contrast (1−λ)², not (1−λ)³."""
    lam = 0.1
    probabilities = noisy_probabilities(P.css(3), PHASES, depolarizing_1q=lam)
    expected = binomial_table(3, 0.5 * (1 + (1 - lam) ** 2 * np.sin(PHASES)))
    np.testing.assert_allclose(probabilities, expected, atol=1e-8)


def test_two_qubit_depolarizing_acts_on_twists_only():
    np.testing.assert_allclose(noisy_probabilities(P.css(3), PHASES, depolarizing_2q=0.2),
                               P.css(3).probabilities(PHASES), atol=1e-10)
    sss = P.sss(3, twist=0.6)
    for oat in ("rzz", "ms"):
        noisy = noisy_probabilities(sss, PHASES, oat=oat, depolarizing_2q=0.05)
        np.testing.assert_allclose(noisy.sum(axis=1), 1.0, atol=1e-12)
        assert np.abs(noisy - sss.probabilities(PHASES)).max() > 1e-3
    # RZZ network and MS gate are both translated into 3 two-qubit gates for Aer
    np.testing.assert_allclose(noisy_probabilities(sss, PHASES, oat="ms", depolarizing_2q=0.05),
                               noisy_probabilities(sss, PHASES, oat="rzz", depolarizing_2q=0.05), atol=0.02)


def test_readout_error_single_atom():
    protocol = P.css(1)
    p10, p01 = 0.1, 0.2  # p(read 1 | 0), p(read 0 | 1)
    ideal = protocol.probabilities(PHASES)
    expected = np.stack([ideal[:, 0] * (1 - p10) + ideal[:, 1] * p01,
                         ideal[:, 1] * (1 - p01) + ideal[:, 0] * p10], axis=1)
    np.testing.assert_allclose(noisy_probabilities(protocol, PHASES, readout_error=(p10, p01)), expected,
                               atol=1e-12)
    symmetric = noisy_probabilities(protocol, PHASES, readout_error=0.05)
    np.testing.assert_allclose(symmetric[:, 1], 0.05 + 0.9 * ideal[:, 1], atol=1e-12)
    # Aer applies the same readout error when sampling
    counts = sample_outcomes(protocol, PHASES, sampler=noisy_sampler(readout_error=(p10, p01), seed=3),
                             shots=4000)
    assert chi_square_test(counts, expected).p_value > 1e-3
    assert chi_square_test(counts, ideal).p_value < 1e-8


def test_apply_readout_errors_is_per_qubit_kronecker():
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(4), size=2)
    a0 = np.array([[0.9, 0.1], [0.3, 0.7]])
    a1 = np.array([[0.8, 0.2], [0.05, 0.95]])
    # little-endian: index = 2*b1 + b0, so the full matrix is A1 ⊗ A0
    np.testing.assert_allclose(apply_readout_errors(probs, [a0, a1]), probs @ np.kron(a1, a0), atol=1e-14)
    np.testing.assert_allclose(apply_readout_errors(probs, [None, None]), probs)


def test_dark_noise_survives_the_sampler_path():
    protocol = P.css(3)
    model = noise_model(dephasing=0.2, depolarizing_1q=0.01)
    assert IMPRINT_LABEL in model.noise_instructions
    expected = noisy_probabilities(protocol, PHASES, model)
    for oat in ("rzz", "ms"):
        counts = sample_outcomes(protocol, PHASES, sampler=noisy_sampler(model, seed=8), shots=3000, oat=oat)
        assert chi_square_test(counts, expected).p_value > 1e-3
        assert chi_square_test(counts, protocol.probabilities(PHASES)).p_value < 1e-8


def test_dark_time_error_composition():
    assert dark_time_error() is None
    assert dark_time_error(dephasing=0.1).num_qubits == 1
    assert dark_time_error(dephasing=0.1, amplitude_damping=0.2).num_qubits == 1


@pytest.mark.parametrize("name", ["dephasing", "depolarizing_1q", "depolarizing_2q", "readout_error",
                                  "amplitude_damping"])
@pytest.mark.parametrize("value", [-0.1, 1.5, float("nan"), float("inf")])
def test_invalid_rates(name, value):
    with pytest.raises(ValueError, match=rf"{name} must be a probability in \[0, 1\], got"):
        noise_model(**{name: value})


def test_invalid_rate_types_and_shapes():
    with pytest.raises(TypeError, match="dephasing must be a probability"):
        noise_model(dephasing="0.1")
    with pytest.raises(TypeError, match="depolarizing_1q"):
        noise_model(depolarizing_1q=True)
    with pytest.raises(ValueError, match=r"readout_error must be a probability or a pair"):
        noise_model(readout_error=(0.1, 0.2, 0.3))
    with pytest.raises(ValueError, match=r"readout_error\[1\]"):
        noise_model(readout_error=(0.1, 2.0))
    with pytest.raises(TypeError, match="not both"):
        noisy_probabilities(P.css(2), PHASES, noise_model(), dephasing=0.1)
    with pytest.raises(TypeError, match="NoiseModel"):
        noisy_probabilities(P.css(2), PHASES, {"dephasing": 0.1})
    with pytest.raises(TypeError, match="one_qubit_gates"):
        noise_model(depolarizing_1q=0.1, one_qubit_gates="rx")


# ------------------------------------------------------------------ collective phase noise
def _quadrature_average(protocol, phases, sigma, points=80):
    nodes, weights = np.polynomial.hermite_e.hermegauss(points)
    weights = weights / weights.sum()
    shifted = protocol.probabilities((phases[:, None] + sigma * nodes[None, :]).ravel())
    return np.einsum("pqx,q->px", shifted.reshape(len(phases), points, -1), weights)


@pytest.mark.parametrize("protocol", [P.css(5), P.ghz(4, readout="parity"), P.sss(5, twist=0.3), P.poi(3)],
                         ids=["css", "ghz", "sss", "poi"])
def test_collective_phase_noise_exact_mixture(protocol):
    sigma = 0.4
    exact = collective_phase_noise_probabilities(protocol, PHASES, sigma)
    np.testing.assert_allclose(exact, _quadrature_average(protocol, PHASES, sigma), atol=1e-10)
    np.testing.assert_allclose(exact.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(collective_phase_noise_probabilities(protocol, PHASES, 0.0),
                               protocol.probabilities(PHASES), atol=1e-12)


def test_collective_phase_noise_css_signal():
    sigma, atoms = 0.5, 6
    signal = collective_phase_noise_probabilities(P.css(atoms), PHASES, sigma) @ P.css(atoms).outcomes
    np.testing.assert_allclose(signal, 0.5 * atoms * np.exp(-0.5 * sigma**2) * np.sin(PHASES), atol=1e-12)


def test_collective_phase_noise_sampling():
    protocol = P.ghz(3, readout="parity")
    phases = np.array([0.3, -0.5])
    sigma = 0.6  # contrast e^{-(Nσ)²/2} ≈ 0.2 instead of 1
    expected = collective_phase_noise_probabilities(protocol, phases, sigma)
    counts = sample_with_collective_phase_noise(protocol, phases, sigma, shots=600, seed=4)  # one δ per shot
    assert counts.shape == (2, 2)
    np.testing.assert_array_equal(counts.sum(axis=1), 600)
    assert chi_square_test(counts, expected).p_value > 1e-3
    assert chi_square_test(counts, protocol.probabilities(phases)).p_value < 1e-8
    batched = sample_with_collective_phase_noise(protocol, phases, sigma, shots=2000, seed=4, draws=250,
                                                 sampler=noisy_sampler(seed=1))
    assert chi_square_test(batched, expected).p_value > 1e-3
    np.testing.assert_array_equal(batched, sample_with_collective_phase_noise(
        protocol, phases, sigma, shots=2000, seed=4, draws=250, sampler=noisy_sampler(seed=1)))


def test_collective_phase_noise_bad_input():
    with pytest.raises(ValueError, match="phase_noise_std must be a finite number >= 0"):
        collective_phase_noise_probabilities(P.css(2), PHASES, -0.1)
    with pytest.raises(TypeError, match="phase_noise_std"):
        collective_phase_noise_probabilities(P.css(2), PHASES, None)
    with pytest.raises(ValueError, match="draws must divide shots = 100, got draws = 30"):
        sample_with_collective_phase_noise(P.css(2), PHASES, 0.1, shots=100, draws=30)
