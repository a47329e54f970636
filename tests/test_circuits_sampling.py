"""Sampling on SamplerV2 implementations agrees with the exact likelihood."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.primitives import BackendSamplerV2, StatevectorSampler
from qiskit.providers.fake_provider import GenericBackendV2
from qiskit_aer import AerSimulator
from qiskit_aer.primitives import SamplerV2 as AerSamplerV2

from qclock_circuits import protocols as P
from qclock_circuits.circuits import (
    aer_statevector_probabilities,
    chi_square_test,
    sample_outcomes,
    statevector_probabilities,
)

PHASES = np.array([-1.1, -0.35, 0.3, 0.9])


@pytest.mark.parametrize("protocol, oat", [
    (P.css(4), "rzz"),
    (P.sss(5, twist=0.4), "ms"),
    (P.variational(3, 1, 1, np.array([0.5, 0.3, 1.2, 0.4, -0.8, 0.7, 1.1, 0.6])), "rzz"),
])
def test_aer_counts_fit_exact_probabilities_and_reject_wrong_sign(protocol, oat):
    shots = 4000
    counts = sample_outcomes(protocol, PHASES, shots=shots, seed=11, oat=oat)
    assert counts.shape == (len(PHASES), len(protocol.outcomes))
    assert counts.dtype == np.int64
    np.testing.assert_array_equal(counts.sum(axis=1), shots)
    good = chi_square_test(counts, protocol.probabilities(PHASES))
    assert good.p_value > 1e-3, good
    # negative control: these signals are odd in φ, so the mirrored convention
    # (imprint exp(+iφJz)) is rejected by the same statistic
    wrong = chi_square_test(counts, protocol.probabilities(-PHASES))
    assert wrong.p_value < 1e-8, wrong


def test_ghz_parity_counts_fit_and_reject_wrong_sign():
    protocol = P.ghz(4, readout="parity")
    phases = np.array([0.1, 0.25, -0.2])
    counts = sample_outcomes(protocol, phases, shots=3000, seed=5)
    assert chi_square_test(counts, protocol.probabilities(phases)).p_value > 1e-3
    assert chi_square_test(counts, protocol.probabilities(-phases)).p_value < 1e-8


def test_same_seed_same_counts():
    protocol = P.css(3)
    first = sample_outcomes(protocol, PHASES, shots=200, seed=3)
    np.testing.assert_array_equal(first, sample_outcomes(protocol, PHASES, shots=200, seed=3))
    assert not np.array_equal(first, sample_outcomes(protocol, PHASES, shots=200, seed=4))


def test_statevector_sampler_runs_and_fits():
    protocol = P.poi(3)
    counts = sample_outcomes(protocol, PHASES, sampler=StatevectorSampler(seed=2), shots=2000, oat="ms")
    assert counts.shape == (4, 4)
    assert chi_square_test(counts, protocol.probabilities(PHASES)).p_value > 1e-3


def test_backend_sampler_on_aer_backend_fits():
    protocol = P.ghz(3, readout="jz")
    sampler = BackendSamplerV2(backend=AerSimulator(seed_simulator=4))
    counts = sample_outcomes(protocol, PHASES, sampler=sampler, shots=2000, seed=1, oat="ms")
    assert chi_square_test(counts, protocol.probabilities(PHASES)).p_value > 1e-3


@pytest.mark.parametrize("atoms", [1, 3])
def test_backend_sampler_on_generic_backend_runs(atoms):
    """GenericBackendV2 simulates its own (small) gate and readout noise: check shape and signal."""
    protocol = P.css(atoms)
    backend = GenericBackendV2(num_qubits=max(atoms, 2), seed=1)
    phases = np.array([-1.2, 1.2])
    counts = sample_outcomes(protocol, phases, sampler=BackendSamplerV2(backend=backend), shots=500, seed=1)
    assert counts.shape == (2, atoms + 1)
    np.testing.assert_array_equal(counts.sum(axis=1), 500)
    signal = counts @ protocol.outcomes / 500
    exact = protocol.signal(phases)
    assert np.all(np.abs(signal - exact) < 0.25 * atoms)
    assert signal[0] < 0 < signal[1]


def test_aer_sampler_with_unitary_synthesis():
    protocol = P.poi(2)
    counts = sample_outcomes(protocol, PHASES, sampler=AerSamplerV2(seed=9), shots=3000)
    assert chi_square_test(counts, protocol.probabilities(PHASES)).p_value > 1e-3


@pytest.mark.parametrize("protocol", [P.sss(6, twist=0.3), P.poi(4), P.ghz(5, readout="parity")])
def test_aer_statevector_matches_qiskit_statevector(protocol):
    rng = np.random.default_rng(0)
    phases = rng.uniform(-np.pi, np.pi, 5)
    for oat in ("rzz", "ms"):
        aer = aer_statevector_probabilities(protocol, phases, oat=oat)
        np.testing.assert_allclose(aer, statevector_probabilities(protocol, phases, oat=oat), atol=1e-10)
        np.testing.assert_allclose(aer, protocol.probabilities(phases), atol=1e-10)


def test_chi_square_pools_small_bins():
    probabilities = np.array([[0.5, 0.49, 0.01, 0.0]])
    result = chi_square_test(np.array([[50, 49, 1, 0]]), probabilities)
    assert result.bins == 2 and result.dof == 1 and result.p_value > 0.9
    assert chi_square_test(np.array([[0, 0, 0, 100]]), probabilities).p_value == 0.0
    with pytest.raises(ValueError, match="same shape"):
        chi_square_test(np.ones((2, 3)), np.ones((2, 4)) / 4)


def test_sampling_bad_input():
    with pytest.raises(ValueError, match="shots"):
        sample_outcomes(P.css(2), PHASES, shots=0)
    with pytest.raises(ValueError, match="phases"):
        sample_outcomes(P.css(2), [0.1, np.nan])
    with pytest.raises(TypeError, match="sampler"):
        sample_outcomes(P.css(2), PHASES, sampler=object())
    with pytest.raises(ValueError, match="seed"):
        sample_outcomes(P.css(2), PHASES, seed=-1)
    with pytest.raises(ValueError, match="oat"):
        sample_outcomes(P.css(2), PHASES, oat="cz")
    with pytest.raises(ValueError, match="max_unitary_qubits = 3"):
        statevector_probabilities(P.poi(4), PHASES, max_unitary_qubits=3)
