"""The clock loop driven by a Qiskit SamplerV2 agrees with the exact mode."""

import numpy as np
import pytest
from qiskit_aer.primitives import SamplerV2 as AerSamplerV2
from scipy.stats import chi2_contingency

from qclock_circuits import bayes, protocols
from qclock_circuits._validation import QClockError
from qclock_circuits.clock import Integrator, LoopState, OutcomeTable, run_loop_block
from qclock_circuits.clock.sampler_mode import run_sampler_loop


def _setup(cycles, seed=0):
    protocol = protocols.sss(4, 0.3)
    estimates = bayes.estimator_table(protocol, bayes.GaussianPrior(0.3), "bayes")
    lo = np.cumsum(np.random.default_rng(seed).normal(0, 0.5, cycles))
    return protocol, estimates, lo


def _compare(cycles):
    protocol, estimates, lo = _setup(cycles)
    servo = Integrator(0.7)
    sampled = run_sampler_loop(protocol, lo, lo, estimates, 0.1, 0.0, servo, seed=1)
    exact = run_loop_block(lo, lo, np.random.default_rng(2).random(cycles), OutcomeTable.from_likelihood(protocol),
                           estimates, 0.1, 0.0, servo, LoopState.initial(servo))
    return sampled, exact


def test_sampler_mode_is_reproducible_and_refuses_a_fixed_seed():
    protocol, estimates, lo = _setup(40)
    first = run_sampler_loop(protocol, lo, lo, estimates, 0.1, 0.0, Integrator(0.7), seed=5)
    second = run_sampler_loop(protocol, lo, lo, estimates, 0.1, 0.0, Integrator(0.7), seed=5)
    for a, b in zip(first, second):
        assert np.array_equal(a, b)
    assert len(set(first[2].tolist())) > 1  # independent draws in every cycle
    with pytest.raises(QClockError, match="fixed seed"):
        run_sampler_loop(protocol, lo, lo, estimates, 0.1, 0.0, Integrator(0.7), sampler=AerSamplerV2(seed=3))


@pytest.mark.parametrize("cycles", [pytest.param(1000, marks=pytest.mark.slow), 250])
def test_sampler_mode_statistics_agree_with_exact_mode(cycles):
    (_, phase_s, outcome_s, _), (_, phase_e, outcome_e, _) = _compare(cycles)
    table = np.array([np.bincount(outcome_s, minlength=5), np.bincount(outcome_e, minlength=5)])
    table = table[:, table.sum(axis=0) > 0]
    assert chi2_contingency(table).pvalue > 1e-3
    assert phase_s.std() == pytest.approx(phase_e.std(), rel=0.25 if cycles < 1000 else 0.12)
