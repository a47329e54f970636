"""Bayesian figures of merit under Aer noise: exact DFT route, analytic checks, sampled error bars."""

import numpy as np
import pytest
from scipy.special import comb

from qclock_circuits import bayes, protocols

PHASES = np.linspace(-2.5, 2.5, 11)


def test_noiseless_aer_likelihood_reproduces_the_protocol_exactly():
    p = protocols.variational(4, 1, 1, np.random.default_rng(2).uniform(-2, 2, 8))
    likelihood = bayes.noisy_likelihood(p)
    assert np.allclose(likelihood.coefficients, p.fourier_coefficients(), atol=1e-12)
    prior = bayes.GaussianPrior(0.5)
    assert bayes.bmse(likelihood, prior) == pytest.approx(bayes.bmse(p, prior), rel=1e-10)


@pytest.mark.parametrize("dephasing", [0.03, 0.2])
def test_dark_time_dephasing_of_css_is_binomial_with_reduced_contrast(dephasing):
    # a Z flip with probability p per atom during the dark time: each atom ends up excited with
    # probability (1 + (1 − 2p) sin φ)/2, so P(k|φ) is binomial
    atoms = 3
    likelihood = bayes.noisy_likelihood(protocols.css(atoms), dephasing=dephasing)
    up = (1 + (1 - 2 * dephasing) * np.sin(PHASES))[:, None] / 2
    k = np.arange(atoms + 1)
    expected = comb(atoms, k) * up**k * (1 - up) ** (atoms - k)
    assert np.allclose(likelihood.probabilities(PHASES), expected, atol=1e-10)


def test_rebuilt_estimator_is_never_worse_and_noise_never_helps():
    prior = bayes.GaussianPrior(0.4)
    for p in (protocols.css(3), protocols.sss(4, 0.3), protocols.ghz(3)):
        study = bayes.noise_study(p, prior, dephasing=0.05, readout_error=0.02)
        assert study.rebuilt <= study.designed + 1e-12
        assert study.noiseless <= study.rebuilt + 1e-12
        assert study.designed <= prior.width**2 * 1.5
    # the GHZ parity signal loses contrast (1 − 2p)^N: with strong dephasing CSS wins
    css = bayes.noise_study(protocols.css(4), bayes.GaussianPrior(0.1), dephasing=0.15)
    ghz = bayes.noise_study(protocols.ghz(4), bayes.GaussianPrior(0.1), dephasing=0.15)
    assert ghz.noiseless < css.noiseless and ghz.rebuilt > css.rebuilt


def test_sampled_study_agrees_with_exact_within_error_bars():
    p, prior = protocols.sss(3, 0.3), bayes.GaussianPrior(0.4)
    exact = bayes.noise_study(p, prior, dephasing=0.05)
    sampled = bayes.noise_study(p, prior, dephasing=0.05, shots=4000, seed=3, bootstrap=30)
    assert sampled.rebuilt_error > 0
    assert abs(sampled.rebuilt - exact.rebuilt) < 5 * sampled.rebuilt_error
    assert abs(sampled.designed - exact.designed) < 5 * sampled.designed_error
    assert bayes.NoiseStudy.from_dict(sampled.to_dict()) == sampled


def test_stability_curve_under_noise():
    times = np.array([0.02, 0.1])
    curves = bayes.stability_under_noise(protocols.css(3), times,
                                         lambda t: {"dephasing": 0.5 * (1 - np.exp(-t / 0.2))})
    assert np.all(curves["rebuilt"] >= curves["noiseless"] - 1e-12)
    assert np.all(curves["designed"] >= curves["rebuilt"] - 1e-12)
