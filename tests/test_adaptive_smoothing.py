"""Retroactive update of past time estimates (Mullan & Knill, PRA 90, 042310 (2014), end of section IV)."""

from __future__ import annotations

import numpy as np
import pytest

from qclock_circuits._validation import QClockError
from qclock_circuits.clock.adaptive.smoothing import (
    SmoothedRun,
    smooth_history,
    smoothed_histories,
    smoothed_phase_moments,
    smoothed_run,
)


def test_smoothed_last_phase_equals_the_clocks_own_estimate():
    """Independent routes: backward pass over the grid vs the moment recursion (eqs. 21–23) at k = M."""
    run = smoothed_run(2, "random_walk", 0.03, 25, "ramsey", seed=5, run=1)
    assert run.smoothed_phase[-1] == pytest.approx(run.filtered_phase[-1], abs=1e-10)
    back = SmoothedRun.from_dict(run.to_dict())
    np.testing.assert_array_equal(back.smoothed_phase, run.smoothed_phase)


def test_smoothing_does_not_increase_the_square_error_of_past_estimates():
    """Over 40 runs (seed 5, 30 steps, Ramsey): mean ``(θ̂_k − θ_k)²`` 4.78 filtered, 4.08 smoothed (rad²).

    The smoothed estimate is the Bayes estimate given more data, so its mean square error cannot be larger
    (up to the memory-1 model's approximation); per run it can be.
    """
    filtered, smoothed = [], []
    for index in range(40):
        run = smoothed_run(2, "random_walk", 0.03, 30, "ramsey", seed=5, run=index)
        filtered.append(np.mean((run.filtered_phase - run.true_phase) ** 2))
        smoothed.append(np.mean((run.smoothed_phase - run.true_phase) ** 2))
    assert np.mean(smoothed) < np.mean(filtered)
    assert np.mean(smoothed) == pytest.approx(4.08, rel=0.01)


def test_smoothing_refuses_longer_memory_and_empty_input():
    with pytest.raises(QClockError, match="at least one"):
        smooth_history([])
    with pytest.raises(QClockError, match="protocol"):
        smoothed_run(2, "random_walk", 0.03, 10, "bdm")
    with pytest.raises(QClockError, match="slip_weight"):
        smoothed_run(2, "random_walk", 0.03, 10, "adaptive", slip_weight=0.9)


def _recorded(memory=1, adaptive_times=None, noise="random_walk", h=0.03, steps=25, run=1):
    from qclock_circuits.clock.adaptive import clock_run

    config = {"atoms": 2, "noise": noise, "h": h, "interrogations": steps, "memory": memory, "protocol": "ramsey",
              "interrogation_time": 1.0, "sdp_prior": "gaussian", "slip_weight": 0.0}
    if adaptive_times:
        config["time_multiples"] = tuple(adaptive_times)
    record: list = []
    clock_run._run_one((config, np.random.SeedSequence(5).spawn(run + 1)[run]), record=record)
    return record


@pytest.mark.parametrize("memory, adaptive_times, noise, h", [
    (1, None, "random_walk", 0.03), (1, None, "flicker", 0.05), (1, (1, 2, 3), "random_walk", 0.03),
    (2, None, "random_walk", 0.3), (2, (1, 2), "flicker", 0.2)])
def test_smoothing_never_increases_the_expected_square_error_on_a_fixed_trace(memory, adaptive_times, noise, h):
    """Under the posterior given all outcomes, the smoothed θ_k is the Bayes estimate: expected square error
    ``V(θ_k|a_M)`` ≤ the filtered estimate's ``V(θ_k|a_M) + (E(θ_k|a_M) − E(θ_k|a_k))²`` at every k, and the
    two routes to ``E(θ_k|a_M)`` (conditional moments; Σ T_j E(ω_j|a_M)) agree."""
    steps = _recorded(memory, adaptive_times, noise, h, steps=25 if memory == 1 else 10)
    moments = smoothed_phase_moments(steps)
    _, phases = smooth_history(steps)
    scale = 1.0 + np.abs(phases)
    np.testing.assert_allclose(moments["smoothed_phase"] / scale, phases / scale, atol=1e-8)
    assert np.all(moments["filtered_phase_risk"] >= moments["smoothed_phase_variance"])
    # the filtered estimate's risk straight from the smoothed joint: Σ p(s_k|a_M) E((θ_k − θ̂_k)² | s_k, a_k)
    for k, (posterior, state) in enumerate(smoothed_histories(steps)):
        estimate = moments["filtered_phase"][k]
        risk = np.sum(posterior * (state.phase_moment2 - 2 * estimate * state.phase_moment1 + estimate**2))
        assert moments["filtered_phase_risk"][k] == pytest.approx(risk, rel=1e-8, abs=1e-10)
    # at k = M nothing is left to learn: smoothed = filtered
    assert moments["smoothed_phase"][-1] == pytest.approx(moments["filtered_phase"][-1], abs=1e-9)
    assert moments["smoothed_phase_variance"][-1] == pytest.approx(moments["filtered_phase_variance"][-1],
                                                                   rel=1e-9, abs=1e-12)
    if adaptive_times and memory == 1:  # unequal windows in the recursion (memory 2 at h = 0.2 keeps T = 1)
        assert {step[0].interrogation_time for step in steps} != {1.0}


def test_smoothed_variance_on_average_over_the_next_outcome():
    """Law of total variance, exact on the grid: Σ_a p(a|a_k) V(θ_k | a_k, a) ≤ V(θ_k | a_k) for the outcome
    a of interrogation k+1, enumerated on a fixed trace (memory 1 and 2)."""
    from qclock_circuits.clock.adaptive.baselines import ramsey_interrogation
    from qclock_circuits.clock.adaptive.sdp import outcome_probabilities

    fixed = ramsey_interrogation(2)
    for memory, h in ((1, 0.03), (2, 0.3)):
        steps = _recorded(memory, None, "random_walk", h, steps=8)
        for prediction, _, _ in steps[1:]:
            state = prediction.state
            weights = prediction.frequency_weights
            centre = float(weights @ prediction.phases)
            table = outcome_probabilities(fixed.state, fixed.povm, prediction.phases - centre)
            average = 0.0
            for outcome in range(table.shape[1]):
                posterior = (prediction.joint * table[:, outcome]).sum(axis=-1)  # p(s_k, a | a_k)
                chance = posterior.sum()
                mean = float(np.sum(posterior * state.phase_moment1)) / chance
                average += float(np.sum(posterior * state.phase_moment2)) - chance * mean**2
            assert average <= state.phase_variance * (1 + 1e-12)
            assert average < state.phase_variance  # the outcome does inform θ_k through ω_k


def test_smoothed_run_reports_variances_and_durations():
    run = smoothed_run(2, "random_walk", 0.03, 20, "ramsey", seed=5, run=1, adaptive_times=(1, 2))
    assert set(np.unique(run.durations)) <= {1.0, 2.0}
    np.testing.assert_allclose(run.true_phase, np.cumsum(run.frequencies * run.durations))
    assert np.all(run.filtered_phase_risk >= run.smoothed_phase_variance)
    back = SmoothedRun.from_dict(run.to_dict())
    np.testing.assert_array_equal(back.filtered_phase_risk, run.filtered_phase_risk)
