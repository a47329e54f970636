"""Recorded Ramsey outcomes to per-cycle posteriors and phase/frequency estimates (bayes.recorded)."""

import json
import math

import numpy as np
import pytest

from qclock_circuits import protocols
from qclock_circuits._validation import QClockError
from qclock_circuits.bayes.recorded import CycleEstimates, estimate_cycles, read_counts_file


def _grid_mean_and_std(protocol, counts_vector, width, mean=0.0):
    """Posterior moments by a brute-force Riemann sum over a dense grid (an independent route)."""
    phi = np.linspace(mean - 12 * width, mean + 12 * width, 200_001)
    log_post = -0.5 * ((phi - mean) / width) ** 2
    probs = protocol.probabilities(phi)
    with np.errstate(divide="ignore"):
        log_post = log_post + (counts_vector * np.log(probs)).sum(axis=1)
    weights = np.exp(log_post - log_post.max())
    m = np.sum(weights * phi) / weights.sum()
    return m, math.sqrt(np.sum(weights * (phi - m) ** 2) / weights.sum())


@pytest.mark.parametrize("factory", [lambda: protocols.css(6), lambda: protocols.ghz(4),
                                     lambda: protocols.sss(8, 0.3)])
def test_posterior_moments_match_a_brute_force_grid_integral(factory):
    protocol = factory()
    rng = np.random.default_rng(3)
    width = 0.4 if protocol.name != "GHZ" else 0.15
    vectors = [rng.multinomial(50, protocol.probabilities(np.array([phi]))[0])
               for phi in rng.normal(0.0, width, size=3)]
    result = estimate_cycles(protocol, vectors, width, prior_mean=0.02, interrogation_time=0.5)
    for index, vector in enumerate(vectors):
        mean, std = _grid_mean_and_std(protocol, vector, width, 0.02)
        assert result.phase[index] == pytest.approx(mean, abs=1e-7 * width)
        assert result.phase_std[index] == pytest.approx(std, rel=1e-6)
    np.testing.assert_allclose(result.frequency, result.phase / 0.5, rtol=1e-15)
    assert list(result.shots) == [50, 50, 50]


def test_outcome_values_and_bitstrings_in_csv_give_the_same_estimates(tmp_path):
    protocol = protocols.css(3)
    values = tmp_path / "values.csv"
    values.write_text("cycle,outcome,count\n0,-1.5,1\n0,-0.5,10\n0,0.5,30\n0,1.5,9\n1,0.5,20\n1,-0.5,30\n")
    bits = tmp_path / "bits.csv"  # excitations k = number of '1' bits, M = k - N/2; leading zeros kept
    bits.write_text("# lab record\ncycle,outcome,count\n0,000,1\n0,001,4\n0,010,6\n0,011,10\n0,101,20\n0,111,9\n"
                    "1,110,20\n1,100,30\n")
    cycles, counts = read_counts_file(bits)
    assert list(cycles) == [0, 1] and counts[0]["001"] == 4
    a = estimate_cycles(protocol, values, 0.5)
    b = estimate_cycles(protocol, bits, 0.5)
    np.testing.assert_allclose(a.phase, b.phase, rtol=1e-12)
    np.testing.assert_allclose(a.phase_std, b.phase_std, rtol=1e-12)
    assert b.meta["file"] == str(bits)


def test_aer_sampled_counts_of_known_phases_are_recovered_within_the_posterior_width(tmp_path):
    pytest.importorskip("qiskit_aer")
    from qiskit_aer.primitives import SamplerV2

    from qclock_circuits.circuits import find_bit_array, prepare_for_sampler, protocol_to_circuit

    protocol = protocols.css(5)
    rng = np.random.default_rng(11)
    width = 0.5
    phases = rng.normal(0.0, width, size=12)
    sampler = SamplerV2(seed=4)
    circuit = prepare_for_sampler(protocol_to_circuit(protocol, measure=True), sampler, seed=4)
    result = sampler.run([(circuit, phases[:, None])], shots=400).result()
    bits = find_bit_array(result[0])
    path = tmp_path / "sampler.json"
    path.write_text(json.dumps([bits.get_counts(i) for i in range(len(phases))]))
    estimates = estimate_cycles(protocol, path, width, interrogation_time=0.2, time_unit="s",
                                transition_frequency=4.29e14)
    pulls = np.abs(estimates.phase - phases) / estimates.phase_std
    assert np.all(pulls < 3.5)
    assert np.mean(pulls < 1.0) >= 0.5  # ≈ 68 % expected
    np.testing.assert_allclose(estimates.fractional_frequency,
                               estimates.phase / 0.2 / (2 * math.pi * 4.29e14), rtol=1e-15)
    again = CycleEstimates.from_dict(json.loads(json.dumps(estimates.to_dict())))
    np.testing.assert_array_equal(again.phase, estimates.phase)
    assert again.fractional_frequency is not None


def test_qiskit_result_dict_with_hexadecimal_keys(tmp_path):
    protocol = protocols.css(2)
    path = tmp_path / "result.json"
    path.write_text(json.dumps({"results": [{"data": {"counts": {"0x0": 5, "0x1": 7, "0x3": 8}},
                                             "header": {"memory_slots": 2}}]}))
    cycles, counts = read_counts_file(path)
    assert counts == [{"00": 5, "01": 7, "11": 8}]
    direct = estimate_cycles(protocol, [{-1.0: 5, 0.0: 7, 1.0: 8}], 0.7)
    assert estimate_cycles(protocol, path, 0.7).phase[0] == pytest.approx(direct.phase[0], rel=1e-12)


@pytest.mark.parametrize("text, message", [
    ("cycle,count\n0,1\n", "missing column 'outcome'"),
    ("cycle,outcome,count\n0,0.5,-1\n", "count >= 0"),
    ("cycle,outcome,count\n0,7.0,3\n", "cannot produce"),
    ("cycle,outcome,count\n0,0101,3\n", "bitstrings must have 3 characters"),
])
def test_bad_counts_files(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(QClockError, match=message):
        estimate_cycles(protocols.css(3), path, 0.5)


def test_single_atom_bitstrings_and_a_single_point_edf_fit(tmp_path):
    # N = 1: '0'/'1' are bitstrings (k = 0/1, M = -1/2, +1/2), as SamplerV2 writes them
    path = tmp_path / "one.json"
    path.write_text(json.dumps([{"0": 30, "1": 70}]))
    direct = estimate_cycles(protocols.css(1), [{-0.5: 30, 0.5: 70}], 0.8)
    assert estimate_cycles(protocols.css(1), path, 0.8).phase[0] == pytest.approx(direct.phase[0], rel=1e-12)
