"""Optimisation on the device from samples: the sampled cost, SPSA against a miscalibrated twist, bad input."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("qiskit_experiments")

from qclock_circuits import bayes, optimize  # noqa: E402
from qclock_circuits import protocols as P  # noqa: E402
from qclock_circuits._validation import QClockError  # noqa: E402
from qclock_circuits.bayes import bmse_of_table, estimator_table, outcome_moments  # noqa: E402
from qclock_circuits.experiments import (  # noqa: E402
    OnDeviceResult,
    TwistMiscalibratedSampler,
    optimize_on_device,
    sampled_bmse,
    scale_twists,
)

ATOMS, N_PREP, M_MEAS, SCALE = 4, 1, 1, 1.5
PRIOR = bayes.GaussianPrior(width=0.6)


def device_bmse(params, scale=SCALE):
    """Exact BMSE on the over-twisting device of the model's Bayes estimator (independent of sampling)."""
    model = P.variational(ATOMS, N_PREP, M_MEAS, params)
    device = P.variational(ATOMS, N_PREP, M_MEAS, scale_twists(params, N_PREP, M_MEAS, scale))
    return bmse_of_table(outcome_moments(device, PRIOR), estimator_table(model, PRIOR, "bayes"))


@pytest.fixture(scope="module")
def ideal_optimum():
    return np.array(optimize.optimize_variational(ATOMS, N_PREP, M_MEAS, PRIOR, seed=1, de_iterations=20).best.parameters)


@pytest.mark.parametrize("scale", [1.0, SCALE])
def test_sampled_bmse_estimates_the_exact_device_bmse(ideal_optimum, scale):
    protocol = P.variational(ATOMS, N_PREP, M_MEAS, ideal_optimum)
    value, error = sampled_bmse(protocol, PRIOR, TwistMiscalibratedSampler(scale, seed=2),
                                num_phases=200, shots=100, seed=4)
    assert abs(value - device_bmse(ideal_optimum, scale)) < 4 * error
    assert error < 0.1 * value


def test_on_device_optimum_beats_the_ideal_optimum_on_that_device(ideal_optimum):
    device = TwistMiscalibratedSampler(SCALE, seed=5)
    result = optimize_on_device(ATOMS, N_PREP, M_MEAS, PRIOR, device, start=ideal_optimum, shots_budget=24_000,
                                num_phases=20, shots=50, step=0.03, perturbation=0.15, seed=3)
    assert result.shots_used <= 24_000 and result.iterations == 12
    before, after = device_bmse(ideal_optimum), device_bmse(result.parameters)
    assert after < before - 0.003  # exact costs, about 0.136 → 0.130 rad² with these seeds
    ideal_model = device_bmse(ideal_optimum, 1.0)
    assert after > ideal_model - 1e-9  # the device cannot beat the model's own optimum of the class
    again = OnDeviceResult.from_dict(result.to_dict())
    assert again == result and again.protocol().atoms == ATOMS


def test_on_device_bad_input(ideal_optimum):
    device = TwistMiscalibratedSampler(1.0, seed=1)
    with pytest.raises(QClockError, match="shots_budget must be a positive integer number of shots, got 0"):
        optimize_on_device(ATOMS, 1, 1, PRIOR, device, start=ideal_optimum, shots_budget=0)
    with pytest.raises(QClockError, match="below one SPSA step"):
        optimize_on_device(ATOMS, 1, 1, PRIOR, device, start=ideal_optimum, shots_budget=100,
                           num_phases=10, shots=10)
    with pytest.raises(QClockError, match="start must have 8 parameters"):
        optimize_on_device(ATOMS, 1, 1, PRIOR, device, start=[0.1, 0.2], shots_budget=1000)
    with pytest.raises(TypeError, match="prior must be a GaussianPrior or GridPrior"):
        sampled_bmse(P.css(2), 0.5, device)
    with pytest.raises(QClockError, match="shots must be a positive integer"):
        sampled_bmse(P.css(2), PRIOR, device, shots=0)
    with pytest.raises(QClockError, match="scale must be a positive number"):
        TwistMiscalibratedSampler(0.0)
