"""Overlapping Allan deviation (qclock_circuits.clock.allan) against allantools and statistics."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qclock_circuits._validation import QClockError
from qclock_circuits.clock import allan
from qclock_circuits.clock.allan import (
    ONE_SIGMA_CONFIDENCE,
    AllanResult,
    edf_overlapping,
    long_tau_fit,
    octave_factors,
    overlapping_adev,
)

allantools = pytest.importorskip("allantools")


def _flicker_like(n: int, seed: int) -> np.ndarray:
    """Flicker-FM-like samples: a sum of AR(1) processes with rates spread over four decades."""
    from scipy.signal import lfilter

    rng = np.random.default_rng(seed)
    y = np.zeros(n)
    for rate in np.logspace(-4, 0, 9):
        a = np.exp(-rate)
        noise = rng.standard_normal(n) * np.sqrt(1 - a * a)
        y += lfilter([1.0], [1.0, -a], noise, zi=[a * rng.standard_normal()])[0]
    return y


def _data(kind: str, n: int, seed: int = 11) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "white":
        return 3.0 + 1e-3 * rng.standard_normal(n)
    if kind == "random_walk":
        return np.cumsum(rng.standard_normal(n)) * 1e-4
    return _flicker_like(n, seed)


# ----------------------------------------------------------------------------- agreement with allantools
@pytest.mark.parametrize("kind", ["white", "flicker", "random_walk"])
@pytest.mark.parametrize("n", [3, 4, 5, 17, 1000, 20_001])
def test_matches_allantools_octave(kind, n):
    y = _data(kind, n)
    tau0 = 0.25
    ours = overlapping_adev(y, tau0)
    tau, sigma, _, n_terms = allantools.oadev(y, rate=1 / tau0, data_type="freq", taus="octave")
    np.testing.assert_allclose(ours.tau, tau, rtol=1e-15)
    np.testing.assert_array_equal(ours.n_terms, n_terms)
    np.testing.assert_allclose(ours.sigma, sigma, rtol=1e-12, atol=0)
    # the same by rate= and by explicit taus (the cumulative-sum path)
    by_rate = overlapping_adev(y, rate=1 / tau0)
    np.testing.assert_allclose(by_rate.sigma, ours.sigma, rtol=1e-12)
    explicit = overlapping_adev(y, tau0, taus=tau)
    np.testing.assert_allclose(explicit.sigma, sigma, rtol=1e-12, atol=0)


def test_matches_allantools_explicit_taus():
    y = _data("white", 5000, seed=3)
    taus = np.array([1, 3, 7, 10, 100, 1000, 2499], dtype=float)
    ours = overlapping_adev(y, 1.0, taus=taus)
    tau, sigma, _, n_terms = allantools.oadev(y, rate=1.0, data_type="freq", taus=taus)
    np.testing.assert_allclose(ours.tau, tau)
    np.testing.assert_array_equal(ours.n_terms, n_terms)
    np.testing.assert_allclose(ours.sigma, sigma, rtol=1e-12, atol=0)


def test_octave_factors():
    assert octave_factors(2).size == 0
    np.testing.assert_array_equal(octave_factors(3), [1])
    np.testing.assert_array_equal(octave_factors(9), [1, 2, 4])  # m ≤ (n−1)/2 = 4
    np.testing.assert_array_equal(octave_factors(8), [1, 2])  # (8−1)/2 = 3.5
    y = np.random.default_rng(0).standard_normal(1 << 12)
    assert overlapping_adev(y).n_terms.min() >= 2


def test_numpy_fallback_matches_kernel(monkeypatch):
    y = _data("random_walk", 3001, seed=5)
    compiled = overlapping_adev(y, 2.0)
    compiled_explicit = overlapping_adev(y, 2.0, taus=[2.0, 6.0, 200.0])
    monkeypatch.setattr(allan, "_octave_step", allan._octave_step_numpy)
    monkeypatch.setattr(allan, "_first_octave", allan._first_octave_numpy)
    monkeypatch.setattr(allan, "_second_difference", allan._second_difference_numpy)
    np.testing.assert_allclose(overlapping_adev(y, 2.0).sigma, compiled.sigma, rtol=1e-12)
    np.testing.assert_allclose(overlapping_adev(y, 2.0, taus=[2.0, 6.0, 200.0]).sigma, compiled_explicit.sigma,
                               rtol=1e-12)


def test_input_not_modified_and_mean_irrelevant():
    y = np.random.default_rng(1).standard_normal(1000)
    copy = y.copy()
    a = overlapping_adev(y)
    np.testing.assert_array_equal(y, copy)
    np.testing.assert_allclose(overlapping_adev(y + 1e3).sigma, a.sigma, rtol=1e-9)
    np.testing.assert_allclose(overlapping_adev(list(y)).sigma, a.sigma, rtol=0)


# ----------------------------------------------------------------------------- statistics
def test_white_noise_level_and_long_tau_fit():
    level = 0.7  # σ(τ) = level / √τ for white FM of unit spacing
    y = level * np.random.default_rng(2).standard_normal(1 << 16)
    result = overlapping_adev(y, 1.0)
    np.testing.assert_allclose(result.sigma[:6] * np.sqrt(result.tau[:6]), level, rtol=0.03)
    assert long_tau_fit(result, min_tau=1.0) == pytest.approx(level, rel=0.01)
    assert long_tau_fit(result) == pytest.approx(level, rel=0.05)
    assert long_tau_fit(result, min_tau=4, max_tau=64) == pytest.approx(level, rel=0.02)
    # units: spacing 0.01 → σ(τ) = level/√(τ/0.01), fit to τ = 1 gives level·0.1
    scaled = overlapping_adev(y, 0.01)
    assert long_tau_fit(scaled, min_tau=0.01) == pytest.approx(0.1 * level, rel=0.01)


@pytest.mark.parametrize("confidence", [ONE_SIGMA_CONFIDENCE, 0.95])
def test_confidence_interval_coverage_white(confidence):
    rng = np.random.default_rng(4)
    traces, n = 400, 512
    y = rng.standard_normal((traces, n))
    covered = []
    for row in y:
        result = overlapping_adev(row, confidence=confidence)
        truth = 1.0 / np.sqrt(result.tau)
        covered.append((result.ci_low <= truth) & (truth <= result.ci_high))
    coverage = np.mean(covered, axis=0)
    # per τ: binomial scatter of a 400-trace mean is ≤ 2.4 %, the simple EDF formula is approximate
    assert np.all(np.abs(coverage[:6] - confidence) < 0.08), coverage
    assert abs(coverage.mean() - confidence) < 0.05, coverage
    result = overlapping_adev(y[0], confidence=confidence)
    assert np.all(result.ci_low < result.sigma) and np.all(result.sigma < result.ci_high)


def test_edf_formulas_match_allantools():
    from allantools.ci import edf_simple

    for points in (101, 10_001):
        for m in (1, 2, 8, 32):
            for alpha in (0, -1, -2):
                if alpha == -1 and m == 1:
                    continue  # allantools drops the square of SP 1065's 2(N−2)²/(2.3N−4.9)
                expected = edf_simple(points, m, alpha)
                expected = min(max(expected, 1.0), points - 2 * m)
                assert edf_overlapping(points, m, alpha) == pytest.approx(expected, rel=1e-12)
    assert edf_overlapping(10_001, 1, "flicker") == pytest.approx(2 * 9999**2 / (2.3 * 10_001 - 4.9))
    np.testing.assert_array_equal(edf_overlapping(101, np.array([1, 2]), "white"),
                                  [edf_overlapping(101, 1), edf_overlapping(101, 2)])


def test_noise_choice_changes_interval_only():
    y = np.random.default_rng(6).standard_normal(4000)
    white = overlapping_adev(y, noise="white")
    walk = overlapping_adev(y, noise="random_walk")
    np.testing.assert_array_equal(white.sigma, walk.sigma)
    assert walk.noise == "random_walk" and white.noise == "white"
    assert not np.allclose(white.ci_high, walk.ci_high)
    assert overlapping_adev(y, noise=-1).noise == "flicker"


def test_result_round_trip():
    result = overlapping_adev(np.random.default_rng(7).standard_normal(300), 0.5)
    data = json.loads(json.dumps(result.to_dict()))
    again = AllanResult.from_dict(data)
    for name in ("tau", "sigma", "n_terms", "ci_low", "ci_high", "edf"):
        np.testing.assert_array_equal(getattr(again, name), getattr(result, name))
    assert again.tau0 == 0.5 and again.noise == "white" and again.confidence == result.confidence
    np.testing.assert_array_equal(again.m, [1, 2, 4, 8, 16, 32, 64, 128])
    assert len(again) == 8


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("y, match", [
    ([1.0, 2.0], "at least 3 samples"),
    ([], "at least 3 samples"),
    ([1.0, np.nan, 2.0, 3.0], "finite"),
    ([1.0, np.inf, 2.0, 3.0], "finite"),
    ([1.0, np.inf, -np.inf, 3.0], "finite"),  # the sum is NaN, not inf
    (np.ones((4, 4)), "1-D"),
])
def test_bad_samples(y, match):
    with pytest.raises(QClockError, match=match):
        overlapping_adev(y)
    with pytest.raises((QClockError, TypeError)):
        overlapping_adev(["a", "b", "c"])


@pytest.mark.parametrize("kwargs, match", [
    ({"tau0": 0.0}, "tau0 must be a finite number > 0"),
    ({"tau0": -1.0}, "tau0 must be a finite number > 0"),
    ({"tau0": np.nan}, "tau0"),
    ({"rate": 0.0}, "rate must be a finite number > 0"),
    ({"tau0": 1.0, "rate": 1.0}, "not both"),
    ({"taus": "decade"}, "'octave'"),
    ({"taus": [1.5]}, "integer multiples"),
    ({"taus": [0.0]}, r"taus must lie in"),
    ({"taus": [50.0]}, r"taus must lie in"),
    ({"taus": []}, "at least one"),
    ({"confidence": 1.0}, "confidence"),
    ({"noise": "pink"}, "noise"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises((QClockError, TypeError), match=match):
        overlapping_adev(np.arange(40.0), **kwargs)


def test_bad_long_tau_fit():
    result = overlapping_adev(np.random.default_rng(0).standard_normal(100))
    with pytest.raises(QClockError, match="no averaging time"):
        long_tau_fit(result, min_tau=1e6)
    with pytest.raises(TypeError, match="AllanResult"):
        long_tau_fit({"tau": [1.0]})


def test_long_tau_fit_with_a_servo_transient():
    """σ²(τ) = a/τ + b/τ²: the white model is biased high where b/τ is not small, the transient model is not."""
    from qclock_circuits.clock.allan import AllanResult, long_tau_fit

    tau = 2.0 ** np.arange(0, 14)
    a, b = 0.03, 2.5
    sigma = np.sqrt(a / tau + b / tau**2)
    edf = np.maximum(1e5 / tau, 2.0)
    result = AllanResult(tau=tau, sigma=sigma, n_terms=(edf * 2).astype(int), ci_low=sigma, ci_high=sigma, edf=edf)
    assert long_tau_fit(result, min_tau=16) > 1.2 * np.sqrt(a)
    assert long_tau_fit(result, min_tau=16, model="white+transient") == pytest.approx(np.sqrt(a), rel=0.06)
    # pure white FM: both models agree exactly
    white = AllanResult(tau=tau, sigma=np.sqrt(a / tau), n_terms=(edf * 2).astype(int), ci_low=sigma, ci_high=sigma,
                        edf=edf)
    assert long_tau_fit(white, 16, model="white+transient") == pytest.approx(np.sqrt(a), rel=1e-12)
    with pytest.raises(QClockError, match="model"):
        long_tau_fit(white, 16, model="flicker")
