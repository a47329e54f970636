"""Grid tracking of the frequency history and of the cumulative phase (Mullan & Knill section V, appendix C).

Independent routes: a Kalman filter on (history, θ) for linear-Gaussian
measurements, and the appendix-A identity between the SDP's eq. (7) cost and
the expected increase of the posterior phase variance.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from qclock_circuits._validation import QClockError
from qclock_circuits.clock.adaptive.covariance import PredictionLaw, transition_law
from qclock_circuits.clock.adaptive.sdp import optimize_interrogation
from qclock_circuits.clock.adaptive.tracking import TrackerState, initial_tracker, predict, update


def _kalman(law, period, observations, noise_sd):
    """Exact filter for x = (ω_{n−h+1} … ω_n, θ_n) with y_n = ω_n + N(0, noise_sd²)."""
    memory = law.memory
    size = memory + 1
    mean, cov = np.zeros(size), np.zeros((size, size))
    transition = np.zeros((size, size))
    transition[: memory - 1, 1:memory] = np.eye(memory - 1)
    transition[memory - 1, :memory] = law.coefficients
    transition[memory, :memory] = period * law.coefficients
    transition[memory, memory] = 1.0
    drive = np.zeros(size)
    drive[memory - 1], drive[memory] = 1.0, period
    observe = np.zeros(size)
    observe[memory - 1] = 1.0
    for y in observations:
        mean = transition @ mean
        cov = transition @ cov @ transition.T + law.variance * np.outer(drive, drive)
        gain = cov @ observe / (observe @ cov @ observe + noise_sd**2)
        mean = mean + gain * (y - observe @ mean)
        cov = cov - np.outer(gain, observe @ cov)
    return mean, cov


@pytest.mark.parametrize("memory, spectrum, points", [
    (1, {"random_walk": 0.02}, 241),
    (2, {"flicker": 0.05, "white": 0.02}, 81),
])
def test_tracker_equals_kalman_filter_for_gaussian_measurements(memory, spectrum, points):
    period, noise_sd = 1.0, 0.5
    law = transition_law(spectrum, memory, period, 0.2)
    observations = [0.3, -0.2, 0.5, 0.1]
    half = 8.0 * np.sqrt(law.variance) * (1 + len(observations)) ** 0.5
    grid = np.linspace(-half, half, points)
    state = initial_tracker(grid, memory)
    for y in observations:
        prediction = predict(state, law, period)
        state = update(prediction, np.exp(-0.5 * ((grid - y) / noise_sd) ** 2))
    mean, cov = _kalman(law, period, observations, noise_sd)
    spacing = grid[1] - grid[0]
    # uniform-grid sums of Gaussians are spectrally accurate while sd ≳ 2 steps (measured: 1e-15)
    assert state.phase_mean == pytest.approx(mean[-1], abs=1e-9)
    assert state.phase_variance == pytest.approx(cov[-1, -1], rel=1e-9)
    assert state.frequency_mean() == pytest.approx(mean[memory - 1], abs=1e-9)
    assert np.sqrt(law.variance) >= 2 * spacing
    assert state.step == 4 and state.elapsed == pytest.approx(4 * period)


def test_sdp_cost_is_expected_phase_variance_increase():
    """Appendix A: Σ_a p(a) V(θ_n + ωT | a) − V(θ_n) equals the eq. (7) cost of the protocol with g = g'."""
    period, memory = 1.0, 2
    law = transition_law({"flicker": 0.05}, memory, period, 0.0)
    grid = np.linspace(-3.0, 3.0, 61)
    state = initial_tracker(grid, memory)
    for y in (0.2, -0.1):  # build a correlated history first
        state = update(predict(state, law, period), np.exp(-0.5 * ((grid - y) / 0.3) ** 2))
    prediction = predict(state, law, period)
    weights = prediction.frequency_weights
    offsets = prediction.phase_offsets
    assert abs(float(weights @ offsets)) < 1e-12  # m has zero prior mean
    assert np.ptp(offsets) > 1e-3  # the history makes the cost differ from the plain quadratic one
    result = optimize_interrogation(2, prediction.phases, weights, phase_offsets=offsets, label_count=8,
                                    max_iterations=3)
    probabilities = result.probabilities(prediction.phases)
    expected_increase = 0.0
    for outcome in range(probabilities.shape[1]):
        p_outcome = float(weights @ probabilities[:, outcome])
        if p_outcome > 1e-14:
            expected_increase += p_outcome * update(prediction, probabilities[:, outcome]).phase_variance
    expected_increase -= state.phase_variance
    assert expected_increase == pytest.approx(result.evaluated_cost, rel=1e-9, abs=1e-12)


def test_transition_law_and_tracker_errors():
    law = transition_law({"random_walk": 0.1}, 1, 1.0)
    np.testing.assert_allclose(law.coefficients, [1.0])  # increments only: no pull to an origin
    flicker = transition_law({"flicker": 1.0}, 3, 1.0, 0.5)
    assert flicker.coefficients.sum() == pytest.approx(1.0)
    white = transition_law({"white": 2.0}, 2, 0.5)
    np.testing.assert_allclose(white.coefficients, 0.0, atol=1e-14)
    with pytest.raises(QClockError, match="memory must be >= 1"):
        transition_law({"flicker": 1.0}, 0, 1.0)
    grid = np.linspace(-1.0, 1.0, 21)
    with pytest.raises(QClockError, match="too coarse"):
        predict(initial_tracker(grid, 1), PredictionLaw(np.array([1.0]), 1e-4), 1.0)
    with pytest.raises(QClockError, match="too narrow"):
        predict(initial_tracker(grid, 1), PredictionLaw(np.array([1.0]), 0.25), 1.0)
    with pytest.raises(QClockError, match="memory 1"):
        predict(initial_tracker(grid, 1), flicker, 1.0)
    with pytest.raises(QClockError, match="grid point"):
        initial_tracker(grid, 1, initial_frequency=0.05)
    fine = np.linspace(-1.0, 1.0, 61)
    with pytest.raises(QClockError, match="zero probability"):
        update(predict(initial_tracker(fine, 1), PredictionLaw(np.array([1.0]), 0.01), 1.0), np.zeros(61))


def test_tracker_state_round_trip():
    grid = np.linspace(-2.0, 2.0, 41)
    law = PredictionLaw(np.array([0.3, 0.7]), 0.09)
    state = update(predict(initial_tracker(grid, 2), law, 0.5), np.exp(-grid**2))
    restored = TrackerState.from_dict(json.loads(json.dumps(state.to_dict())))
    np.testing.assert_array_equal(restored.posterior, state.posterior)
    np.testing.assert_array_equal(restored.phase_moment2, state.phase_moment2)
    assert restored.phase_mean == state.phase_mean and restored.step == 1 and restored.elapsed == 0.5
    assert state.frequency_marginal(1).sum() == pytest.approx(1.0)


def test_tracker_is_calibrated_on_the_exact_generator():
    """Closed loop on white-FM LO noise from LocalOscillatorNoise.generate (for white FM the memory-1 model is
    exact): Ramsey (N = 2) referenced to the predicted phase, outcomes sampled at the true phase, 8 steps.
    The mean squared error of the time estimate must equal the mean posterior variance V_n; the tolerance is
    4 standard errors of the sample mean (measured ratio 0.997 ± 0.069)."""
    from qclock_circuits.clock import LocalOscillatorNoise
    from qclock_circuits.clock.adaptive.baselines import ramsey_interrogation

    spectrum, period, runs, steps = {"white": 0.5}, 1.0, 400, 8
    law = transition_law(spectrum, 1, period)
    grid = np.linspace(-6.0, 6.0, 121)
    rng = np.random.default_rng(1)
    noise = LocalOscillatorNoise.from_h(spectrum)
    squared_errors, variances = [], []
    for _ in range(runs):
        omega = noise.generate(steps, period, seed=rng)[0]
        state, theta = initial_tracker(grid, 1), 0.0
        for true_frequency in omega:
            prediction = predict(state, law, period)
            ramsey = ramsey_interrogation(2, float(prediction.frequency_weights @ prediction.phases))
            p_true = ramsey.probabilities([true_frequency * period])[0]
            outcome = rng.choice(p_true.size, p=p_true / p_true.sum())
            state = update(prediction, ramsey.probabilities(prediction.phases)[:, outcome])
            theta += true_frequency * period
        squared_errors.append((theta - state.phase_mean) ** 2)
        variances.append(state.phase_variance)
    squared_errors = np.asarray(squared_errors)
    ratio = squared_errors.mean() / np.mean(variances)
    standard_error = squared_errors.std() / np.sqrt(runs) / np.mean(variances)
    assert abs(ratio - 1.0) < 4 * standard_error
