"""The clock feedback loop: outcome sampling, QPN limit, servo delay, block continuity, fringe hops."""

import numpy as np
import pytest
from scipy.stats import chisquare

from qclock_circuits import bayes, protocols
from qclock_circuits._validation import QClockError
from qclock_circuits.clock.loop import Integrator, LoopState, run_loop_block
from qclock_circuits.clock.sampling import OutcomeTable, sample_outcome_indices


def _oadev_scaled(frequency, averaging, cycle_time):
    """σ(τ)·√τ of the overlapping Allan deviation at τ = averaging·T_C (plain reference formula)."""
    phase = np.concatenate([[0.0], np.cumsum(frequency)])
    second = phase[2 * averaging:] - 2 * phase[averaging:-averaging] + phase[:-2 * averaging]
    adev = np.sqrt(np.mean(second**2) / (2 * averaging**2))
    return adev * np.sqrt(averaging * cycle_time)


@pytest.mark.parametrize("protocol", [protocols.css(6), protocols.sss(8, 0.2), protocols.ghz(5),
                                      protocols.variational(5, 1, 2, np.linspace(-1, 1, 11))])
def test_outcome_table_samples_the_exact_likelihood(protocol):
    table = OutcomeTable.from_likelihood(protocol)
    assert table.interpolation_error < 1e-5
    rng = np.random.default_rng(4)
    for phase in (-2.9, 0.4, 7.1):  # also outside [-π, π): the table is periodic
        draws = sample_outcome_indices(table, np.full(100_000, phase), rng)
        observed = np.bincount(draws, minlength=len(protocol.outcomes))
        expected = protocol.probabilities([phase])[0] * draws.size
        keep = expected > 5
        result = chisquare(observed[keep], expected[keep] * observed[keep].sum() / expected[keep].sum())
        assert result.pvalue > 1e-4
        assert observed[~keep].sum() <= max(30, 3 * expected[~keep].sum())


@pytest.mark.parametrize("atoms", [10, 100])
def test_quantum_projection_noise_limit(atoms):
    # Kielinski & Hammerer eq. (26) with ξ = 1: σ_y(τ) ω0 √(τZ) = √(T_C) / (T √N), here without LO noise
    protocol = protocols.css(atoms)
    interrogation_time, cycles = 0.01, 1_000_000
    estimates = bayes.estimator_table(protocol, bayes.GaussianPrior(1 / np.sqrt(atoms)), "linear")
    table = OutcomeTable.from_likelihood(protocol)
    rng = np.random.default_rng(atoms)
    servo = Integrator(0.8)
    frequency, *_ = run_loop_block(np.zeros(cycles), np.zeros(cycles), rng.random(cycles), table, estimates,
                                   interrogation_time, 0.0, servo, LoopState.initial(servo))
    expected = np.sqrt(interrogation_time) / (interrogation_time * np.sqrt(atoms))
    assert _oadev_scaled(frequency, 256, interrogation_time) == pytest.approx(expected, rel=0.05)


def test_blocks_continue_seamlessly_and_delay_is_applied():
    protocol = protocols.sss(8, 0.15)
    estimates = bayes.estimator_table(protocol, bayes.GaussianPrior(0.3), "bayes")
    table = OutcomeTable.from_likelihood(protocol)
    rng = np.random.default_rng(9)
    cycles = 20_000
    ramsey = np.cumsum(rng.normal(0, 0.5, cycles))  # a wandering LO (units 1/Z)
    dead = ramsey + rng.normal(0, 0.1, cycles)
    uniforms = rng.random(cycles)
    for delay in (0, 3):
        servo = Integrator(0.6, delay)
        whole = run_loop_block(ramsey, dead, uniforms, table, estimates, 0.05, 0.01, servo, LoopState.initial(servo))
        state = LoopState.initial(servo)
        first = run_loop_block(ramsey[:7000], dead[:7000], uniforms[:7000], table, estimates, 0.05, 0.01, servo, state)
        second = run_loop_block(ramsey[7000:], dead[7000:], uniforms[7000:], table, estimates, 0.05, 0.01, servo,
                                state)
        for a, b, c in zip(whole, first, second):
            assert np.array_equal(a, np.concatenate([b, c]))
    # with a delay of d cycles, the first correction appears in cycle d + 1
    servo = Integrator(1.0, 2)
    offset = np.full(10, 4.0)
    frequency, phase, *_ = run_loop_block(offset, offset, np.full(10, 0.5), table, estimates, 0.05, 0.0, servo,
                                          LoopState.initial(servo))
    assert np.all(phase[:3] == phase[0]) and phase[3] != phase[0]


def test_a_loop_started_on_the_neighbouring_fringe_reports_a_hop():
    # an LO detuned by almost one fringe (2π/T) locks onto the wrong fringe
    protocol = protocols.css(50)
    interrogation_time = 0.1
    estimates = bayes.estimator_table(protocol, bayes.GaussianPrior(0.3), "bayes")
    table = OutcomeTable.from_likelihood(protocol)
    cycles = 2000
    detuning = np.full(cycles, 1.8 * np.pi / interrogation_time)
    servo = Integrator(0.5)
    frequency, phase, _, hop = run_loop_block(detuning, detuning, np.random.default_rng(1).random(cycles), table,
                                              estimates, interrogation_time, 0.0, servo, LoopState.initial(servo))
    assert hop.sum() == 1 and np.flatnonzero(hop)[0] < 100
    assert phase[-500:].mean() == pytest.approx(2 * np.pi, abs=0.1)  # locked at φ ≈ 2π
    small = np.full(cycles, 0.5 * np.pi / interrogation_time)
    *_, hop = run_loop_block(small, small, np.random.default_rng(1).random(cycles), table, estimates,
                             interrogation_time, 0.0, servo, LoopState.initial(servo))
    assert hop.sum() == 0


@pytest.mark.parametrize("gain, delay, message", [(0.0, 0, "gain"), (2.5, 0, "gain"), (float("nan"), 0, "gain"),
                                                  (1.0, -1, "delay"), (1.0, 1.5, "delay")])
def test_bad_servo_settings(gain, delay, message):
    with pytest.raises(QClockError, match=message):
        Integrator(gain, delay)


def test_linear_predictor_limits():
    from qclock_circuits.clock import LinearPredictor

    # random walk without measurement noise: the best prediction is the newest value, any delay
    for delay in (0, 3):
        walk = LinearPredictor.from_variogram(lambda h: 0.5 * h, 0.0, history=6, delay=delay)
        assert np.allclose(walk.coefficients, [1, 0, 0, 0, 0, 0], atol=1e-10)
    # white frequency noise (flat variogram) with measurement noise: the plain average
    white = LinearPredictor.from_variogram(lambda h: np.where(h > 0, 1.0, 0.0), 0.3, history=8)
    assert np.allclose(white.coefficients, 1 / 8)
    with pytest.raises(QClockError, match="history"):
        LinearPredictor.from_variogram(lambda h: h, 0.1, history=0)
    with pytest.raises(QClockError, match="lags"):
        LinearPredictor.from_variogram(np.arange(3.0), 0.1, history=5)


def test_predictor_tracks_a_random_walk_lo_better_than_a_fast_integrator():
    from qclock_circuits.clock import LinearPredictor

    step, interrogation_time, cycles = 0.3, 0.1, 200_000
    rng = np.random.default_rng(3)
    lo = np.cumsum(rng.normal(0, step, cycles))
    protocol = protocols.css(100)
    prior = bayes.GaussianPrior(0.15)
    estimates = bayes.estimator_table(protocol, prior, "bayes")
    table = OutcomeTable.from_likelihood(protocol)
    noise = bayes.bmse(protocol, prior) / interrogation_time**2
    predictor = LinearPredictor.from_variogram(lambda h: step**2 * h / 2, noise, history=10)
    uniforms = rng.random(cycles)
    spread = {}
    for name, servo in (("integrator", Integrator(1.0)), ("predictor", predictor)):
        _, phase, _, hop = run_loop_block(lo, lo, uniforms, table, estimates, interrogation_time, 0.0, servo,
                                          LoopState.initial(servo))
        spread[name] = phase.std()
        assert hop.sum() == 0
    assert spread["predictor"] < 0.85 * spread["integrator"]


def test_dick_effect_closed_forms():
    from qclock_circuits.clock import dick_variance, sensitivity_coefficients

    # white FM: Σ sin²(πkd)/(πkd)² = (1 − d)/(2d), so σ² = (h0/2τ)·T_D/T
    assert dick_variance(2.0, lambda f: 3.0 * np.ones_like(f), 0.1, 0.05) == pytest.approx(
        3.0 / (2 * 2.0) * 0.05 / 0.1, rel=1e-4)
    assert dick_variance(1.0, lambda f: np.ones_like(f), 0.1, 0.0) == 0.0
    # a sampled rectangular sensitivity function reproduces eq. (40)
    rectangle = np.r_[np.ones(4000), np.zeros(2000)]
    assert np.allclose(sensitivity_coefficients(20, 0.2, 0.1, rectangle), sensitivity_coefficients(20, 0.2, 0.1),
                       rtol=1e-4, atol=1e-12)
    with pytest.raises(QClockError, match="dead_time"):
        dick_variance(1.0, lambda f: f, 0.1, -0.1)
