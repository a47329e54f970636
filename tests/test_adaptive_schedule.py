"""Adaptive interrogation times T_n of the running clock (Mullan & Knill, PRA 90, 042310 (2014), section VII outlook)."""

import math

import numpy as np
import pytest

from qclock_circuits._validation import QClockError
from qclock_circuits.clock.adaptive import clock_run, simulate
from qclock_circuits.clock.adaptive.baselines import ramsey_interrogation
from qclock_circuits.clock.adaptive.covariance import reference_covariance, transition_law
from qclock_circuits.clock.adaptive.schedule import (
    TimeChoice,
    choose_interrogation_time,
    expected_variance_increase,
    window_intervals,
    window_transition_law,
)
from qclock_circuits.clock.adaptive.sdp import outcome_probabilities
from qclock_circuits.clock.adaptive.tracking import TrackerState, predict, update

BROWNIAN = simulate.nist_spectrum("random_walk", 0.03)
FLICKER = simulate.nist_spectrum("flicker", 0.05)


@pytest.mark.parametrize("spectrum", [BROWNIAN, FLICKER])
@pytest.mark.parametrize("memory", [1, 2])
def test_equal_windows_give_the_constant_T_law(spectrum, memory):
    law = window_transition_law(spectrum, [1.5] * (memory + 1))
    reference = transition_law(spectrum, memory, 1.5)
    np.testing.assert_allclose(law.coefficients, reference.coefficients, rtol=1e-10, atol=1e-12)
    assert law.variance == pytest.approx(reference.variance, rel=1e-10)


@pytest.mark.parametrize("first, second", [(1.0, 3.0), (2.0, 1.0), (0.5, 0.5)])
def test_brownian_unequal_windows_closed_form(first, second):
    # ω is a Brownian motion with Var(ω(t) − ω(s)) = h|t − s| (kernel −(h/2)|s − s'|); the averages over the
    # windows either side of their common end differ from ω there by independent terms of variance h·T/3
    h = 0.03
    law = window_transition_law(simulate.nist_spectrum("brownian", h), [first, second])
    np.testing.assert_allclose(law.coefficients, [1.0])
    assert law.variance == pytest.approx(h * (first + second) / 3.0, rel=1e-10)


def test_window_intervals_and_bad_durations():
    np.testing.assert_allclose(window_intervals([1.0, 2.0, 1.0]), [[0, 1], [1, 3], [3, 4]])
    with pytest.raises(QClockError, match="durations"):
        window_intervals([1.0, 0.0])
    with pytest.raises(QClockError, match="at least two windows"):
        window_transition_law(BROWNIAN, [1.0])


def test_window_truth_is_the_exact_gaussian():
    normals = np.random.default_rng(4).standard_normal(12)
    constant = clock_run._WindowTruth(BROWNIAN, 1.0, normals)
    drawn = [constant.next(1.0) for _ in range(12)]
    np.testing.assert_allclose(drawn, clock_run._noise_factor("random_walk", 0.03, 12, 1.0) @ normals,
                               rtol=1e-10, atol=1e-12)
    durations = [1.0, 3.0, 2.0, 1.0, 1.0, 3.0]
    unequal = clock_run._WindowTruth(FLICKER, 1.0, normals[:6])
    for duration in durations:
        unequal.next(duration)
    windows = window_intervals(durations, start=1.0)
    covariance = reference_covariance(windows, (0.0, 1.0), FLICKER)
    np.testing.assert_allclose(unequal.factor @ unequal.factor.T, covariance, rtol=1e-10, atol=1e-13)


def _fixed_posterior() -> TrackerState:
    grid = np.arange(-120, 121) * 0.05
    posterior = np.exp(-0.5 * ((grid - 0.2) / 0.35) ** 2)
    posterior /= posterior.sum()
    moment1 = 0.4 * grid + 0.1
    return TrackerState(grid=grid, posterior=posterior, phase_moment1=moment1, phase_moment2=moment1**2 + 0.05,
                        step=10, elapsed=10.0)


def _ramsey(prediction):
    weights, phases = prediction.frequency_weights, prediction.phases
    centre = float(weights @ phases)
    fixed = ramsey_interrogation(2)
    return outcome_probabilities(fixed.state, fixed.povm, phases - centre), centre


def test_expected_variance_increase_against_the_updates():
    state = _fixed_posterior()
    prediction = predict(state, window_transition_law(BROWNIAN, [1.0, 2.0]), 2.0)
    likelihoods, _ = _ramsey(prediction)
    expected = 0.0
    for outcome in range(likelihoods.shape[1]):
        chance = float(prediction.joint.sum(axis=0) @ likelihoods[:, outcome])
        expected += chance * update(prediction, likelihoods[:, outcome]).phase_variance
    assert expected_variance_increase(prediction, likelihoods) == pytest.approx(
        expected - state.phase_variance, rel=1e-9, abs=1e-12)


def test_chooser_is_never_worse_than_constant_T():
    state = _fixed_posterior()
    candidates = [1.0, 2.0, 3.0]

    def law_for(duration):
        return window_transition_law(BROWNIAN, [1.0, duration])

    choice, (prediction, _, _) = choose_interrogation_time(state, candidates, law_for, _ramsey)
    rates = []
    for duration in candidates:
        candidate = predict(state, law_for(duration), duration)
        rates.append(expected_variance_increase(candidate, _ramsey(candidate)[0]) / duration)
    np.testing.assert_allclose(choice.rates, rates, rtol=1e-12)
    assert choice.rates[choice.index] <= rates[0]  # the constant-T choice T = 1
    assert choice.duration == candidates[int(np.argmin(rates))]
    assert prediction.interrogation_time == choice.duration
    assert TimeChoice.from_dict(choice.to_dict()) == choice
    single, _ = choose_interrogation_time(state, [1.0], law_for, _ramsey)
    assert single.duration == 1.0


def test_constant_T_numbers_are_unchanged():
    # values of the constant-T clock before adaptive times existed (same seed → same numbers, bit for bit)
    result = simulate.simulate_adaptive_clock(2, "random_walk", 0.03, 20, 2, 1, "ramsey", seed=5)
    assert result.square_error[:, -1].tolist() == [0.03549947219623821, 0.011976024977132715]
    assert result.estimates[:, -1].tolist() == [0.8659387640735298, 0.3468673265699256]
    assert result.allan_variance[:, 0].tolist() == [0.01635553757770963, 0.015409607051094123]
    assert result.frequencies[:, -1].tolist() == [0.8599887904682584, -0.030230031247888867]
    flicker = simulate.simulate_adaptive_clock(3, "flicker", 0.05, 20, 1, 2, "buzek", seed=7)
    assert flicker.square_error[:, -1].tolist() == [0.000899843667393728]
    assert flicker.allan_variance[:, 0].tolist() == [0.13436688894226667]
    assert not flicker.time_multiples and np.all(flicker.durations == 1.0)


def test_one_candidate_reproduces_constant_T_through_the_adaptive_path():
    constant = simulate.simulate_adaptive_clock(2, "random_walk", 0.03, 20, 2, 1, "ramsey", seed=5)
    single = simulate.simulate_adaptive_clock(2, "random_walk", 0.03, 20, 2, 1, "ramsey", seed=5,
                                              adaptive_times=[1])
    for name in ("square_error", "estimates", "frequencies", "allan_variance", "estimate_allan_variance"):
        np.testing.assert_allclose(getattr(single, name), getattr(constant, name), rtol=1e-8, atol=1e-14)
    np.testing.assert_array_equal(single.lost_lock, constant.lost_lock)


def test_adaptive_times_run_keeps_lock_and_reports_T_n():
    result = simulate.simulate_adaptive_clock(2, "random_walk", 0.03, 30, 2, 1, "ramsey", seed=1,
                                              adaptive_times=(1, 2, 3))
    assert result.time_multiples == (1, 2, 3)
    assert set(np.unique(result.durations)) <= {1.0, 2.0, 3.0}
    assert np.any(result.durations > 1.0)  # it does use the longer times
    assert not result.lost_lock.any()
    assert result.dropped_mass.max() < 1e-9
    times = result.times
    np.testing.assert_allclose(times[:, -1], result.durations.sum(axis=1))
    # square error at time t: that of the last interrogation ended by t
    at = result.square_error_at([times[:, 0].max(), 30.0])
    for run in range(2):
        last = np.searchsorted(times[run], 30.0, side="right") - 1
        assert at[run, 1] == result.square_error[run, last]
    with pytest.raises(QClockError, match="times must lie"):
        result.square_error_at([0.5])
    # round trip and run selection keep the schedule
    again = simulate.AdaptiveClockResult.from_dict(result.to_dict())
    np.testing.assert_array_equal(again.durations, result.durations)
    assert again.time_multiples == (1, 2, 3)
    assert result.select([1]).durations.shape == (1, 30)


def test_constant_T_square_error_at():
    result = simulate.simulate_adaptive_clock(1, "random_walk", 0.03, 10, 2, 1, "ramsey", seed=2)
    np.testing.assert_array_equal(result.square_error_at([3.0, 10.0]), result.square_error[:, [2, 9]])


@pytest.mark.parametrize("bad", [(2, 3), (1, 1), (0, 1), (1, 2.5), "1,2", (1, 17), ()])
def test_bad_adaptive_times(bad):
    with pytest.raises(QClockError, match="adaptive_times"):
        simulate.simulate_adaptive_clock(1, "random_walk", 0.03, 10, 1, 1, "ramsey", seed=0, adaptive_times=bad)


@pytest.mark.slow
def test_adaptive_protocol_with_adaptive_times_keeps_lock():
    result = simulate.simulate_adaptive_clock(2, "random_walk", 0.03, 40, 2, 1, "adaptive", seed=3,
                                              adaptive_times=(1, 2, 3))
    assert not result.lost_lock.any()
    assert np.any(result.durations > 1.0)
    assert math.isfinite(float(result.square_error.mean()))


def test_slip_guard_skips_wide_longer_candidates():
    state = _fixed_posterior()

    def law_for(duration):
        return window_transition_law(BROWNIAN, [1.0, duration])

    calls = []

    def counted(prediction):
        calls.append(prediction.interrogation_time)
        return _ramsey(prediction)

    choice, _ = choose_interrogation_time(state, [1.0, 2.0, 3.0], law_for, counted, max_phase_width=0.5)
    # the posterior's phase width is ≈ 0.39 rad at T = 1 (kept: the first is always evaluated), > 0.75 beyond
    assert calls == [1.0] and choice.index == 0
    assert choice.variance_increase[1:] == (None, None) and choice.rates[1:] == (math.inf, math.inf)
    assert TimeChoice.from_dict(choice.to_dict()) == choice
    with pytest.raises(QClockError, match="max_phase_width"):
        choose_interrogation_time(state, [1.0], law_for, _ramsey, max_phase_width=0.0)
