"""Bayesian layer: estimators, BMSE, bounds and posteriors against seed 004's closed forms."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.special import erfc

from qclock_circuits import bayes, protocols, spin
from qclock_circuits._validation import QClockError
from qclock_circuits.bayes import bounds

WIDTHS = [0.02, 0.1, 0.4, 0.9, 1.6]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("atoms", [1, 2, 5, 16, 64])
def test_css_linear_matches_eq_32(atoms, width):
    prior = bayes.GaussianPrior(width)
    dphi_m = bayes.effective_measurement_uncertainty(bayes.bmse(protocols.css(atoms), prior, "linear"), width)
    closed = np.cosh(width**2) / atoms + np.sinh(width**2) - width**2
    assert dphi_m**2 == pytest.approx(closed, rel=1e-9)
    # eq. (A65) with the CSS moments (A67); eq. (A68) as printed drops the factor δφ² of (A65)
    a = bayes.linear_scale_factor(bayes.outcome_moments(protocols.css(atoms), prior))
    expected = 2 * width**2 * np.exp(width**2 / 2) / (np.cosh(width**2) + atoms * np.sinh(width**2))
    assert a == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("twist", [0.05, 0.2, 0.5])
@pytest.mark.parametrize("width", [0.05, 0.3, 0.8])
def test_sss_linear_matches_eq_34(twist, width):
    atoms = 10
    p = protocols.sss(atoms, twist)
    mean, second = spin.spin_moments(p.input_state)
    closed = (second[1, 1] / mean[0] ** 2 * np.cosh(width**2) + second[0, 0] / mean[0] ** 2 * np.sinh(width**2)
              - width**2)
    dphi_m = bayes.effective_measurement_uncertainty(bayes.bmse(p, bayes.GaussianPrior(width), "linear"), width)
    assert dphi_m**2 == pytest.approx(closed, rel=1e-9)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("atoms", [1, 2, 3, 6, 9])
def test_ghz_bmse_bqcrb_and_jz_readout_match_eq_35(atoms, width):
    prior = bayes.GaussianPrior(width)
    closed = width**2 * (1 - atoms**2 * width**2 * np.exp(-(atoms**2) * width**2))  # eq. (A81)
    parity = protocols.ghz(atoms)
    assert bayes.bmse(parity, prior, "linear") == pytest.approx(closed, rel=1e-10, abs=1e-15)
    assert bayes.bmse(parity, prior, "bayes") == pytest.approx(closed, rel=1e-10, abs=1e-15)
    assert bounds.bqcrb(parity, prior) == pytest.approx(closed, rel=1e-9, abs=1e-15)  # eq. (A88)
    jz = protocols.ghz(atoms, readout="jz")
    assert bayes.bmse(jz, prior, "bayes") == pytest.approx(closed, rel=1e-9, abs=1e-15)  # eq. (A85)


def test_ghz_jz_bayes_estimator_mimics_parity():
    # eq. (A85): φ_est = ±N δφ² e^{-N²δφ²/2}, the sign following (-1)^(N/2 + N_-).
    # (The seed prints the exponent as N δφ²/2; the integral ∫P(φ) φ sin(Nφ) gives N²δφ²/2.)
    atoms, width = 6, 0.2
    table = bayes.estimator_table(protocols.ghz(atoms, readout="jz"), bayes.GaussianPrior(width), "bayes")
    ground = atoms - np.arange(atoms + 1)
    expected = (-1.0) ** (atoms // 2 + ground) * atoms * width**2 * np.exp(-(atoms**2) * width**2 / 2)
    assert np.allclose(table, expected, rtol=1e-10)


@pytest.mark.parametrize("width", WIDTHS)
def test_oqi_for_one_atom_is_css_bqcrb(width):
    prior = bayes.GaussianPrior(width)
    assert bounds.oqi(1, prior).bmse == pytest.approx(bounds.bqcrb(protocols.css(1), prior), rel=1e-9)


def _random_protocol(kind, atoms, rng):
    if kind == "css":
        return protocols.css(atoms)
    if kind == "sss":
        return protocols.sss(atoms, rng.uniform(0.01, 1.0))
    if kind == "ghz":
        return protocols.ghz(atoms, readout=rng.choice(["parity", "jz"]))
    if kind == "poi":
        return protocols.poi(atoms)
    n, m = (1, 1) if kind == "v11" else (1, 2)
    return protocols.variational(atoms, n, m, rng.uniform(-np.pi, np.pi, 2 + 3 * (n + m)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["css", "sss", "ghz", "v11", "v12", "poi"]), st.integers(1, 7),
       st.floats(0.01, 2.5), st.integers(0, 2**31))
def test_bound_hierarchy(kind, atoms, width, seed):
    p = _random_protocol(kind, atoms, np.random.default_rng(seed))
    prior = bayes.GaussianPrior(width)
    linear = bayes.bmse(p, prior, "linear")
    optimal = bayes.bmse(p, prior, "bayes")
    quantum = bounds.bqcrb(p, prior)
    ultimate = bounds.oqi(atoms, prior).bmse
    tol = 1e-9 * width**2
    assert linear <= width**2 + tol and optimal <= width**2 + tol
    assert linear >= optimal - tol
    assert optimal >= quantum - tol
    assert quantum >= ultimate - tol
    assert optimal >= bounds.van_trees(p, prior) - tol
    assert bounds.bcrb(p, prior) == pytest.approx(optimal)


def test_van_trees_is_far_below_the_exact_minimum_for_ghz_at_wide_priors():
    atoms, width = 8, 0.6
    p = protocols.ghz(atoms)
    prior = bayes.GaussianPrior(width)
    # F(φ) = N² everywhere for the GHZ parity signal, so van Trees = 1/(N² + 1/δφ²)
    assert bounds.average_fisher_information(p, prior) == pytest.approx(atoms**2, rel=1e-8)
    assert bounds.van_trees(p, prior) == pytest.approx(1 / (atoms**2 + 1 / width**2), rel=1e-8)
    assert bounds.bcrb(p, prior) > 20 * bounds.van_trees(p, prior)


def test_fisher_information_of_css_is_n():
    p = protocols.css(7)
    phi = np.linspace(-1.2, 1.2, 9)
    assert np.allclose(bounds.fisher_information(p, phi), 7, rtol=1e-8)


@pytest.mark.parametrize("estimator", ["bayes", "linear", "arcsin"])
@pytest.mark.parametrize("width", [0.1, 0.7])
def test_grid_route_matches_fourier_route(estimator, width):
    prior = bayes.GaussianPrior(width)
    grid = prior.to_grid(6001)
    rng = np.random.default_rng(11)
    for p in (protocols.css(6), protocols.sss(6, 0.3), protocols.variational(6, 1, 2, rng.uniform(-3, 3, 11))):
        if estimator == "arcsin" and p.family == "variational":
            continue
        assert bayes.bmse(p, grid, estimator) == pytest.approx(bayes.bmse(p, prior, estimator), rel=1e-7)
    assert bounds.bqcrb(protocols.sss(6, 0.3), grid) == pytest.approx(bounds.bqcrb(protocols.sss(6, 0.3), prior),
                                                                      rel=1e-7)


def test_arcsin_estimator_inverts_sine_signals():
    assert bounds is not None
    harmonic, amplitude = bayes.arcsin_harmonic(protocols.css(10))
    assert (harmonic, amplitude) == (1, pytest.approx(5.0))
    harmonic, amplitude = bayes.arcsin_harmonic(protocols.ghz(5))
    assert (harmonic, amplitude) == (5, pytest.approx(-1.0))
    # at moderate widths arcsin beats linear for CSS (extended dynamic range, seed 004 sec. III A)
    prior = bayes.GaussianPrior(0.9)
    p = protocols.css(100)
    assert bayes.bmse(p, prior, "arcsin") < bayes.bmse(p, prior, "linear")
    assert bayes.bmse(p, prior, "bayes") <= bayes.bmse(p, prior, "arcsin")


def test_oqi_quasi_newton_and_seesaw_agree():
    prior = bayes.GaussianPrior(0.6)
    fast = bounds.oqi(10, prior)
    slow = bounds.oqi(10, prior, method="seesaw", max_iterations=20000, tolerance=1e-14)
    assert fast.bmse == pytest.approx(slow.bmse, rel=1e-7)
    # the returned state, measurement and estimator reproduce the BMSE
    result = bounds.bqcrb_result(fast.state, prior)
    assert result.bmse == pytest.approx(fast.bmse, rel=1e-10)
    custom = protocols.custom(10, [protocols.PrepareState(fast.state)],
                              [protocols.CollectiveUnitary(fast.measurement.conj().T)])
    assert bayes.bmse(custom, prior, bayes.GaussianPrior(0.6) and fast.estimator) == pytest.approx(fast.bmse, rel=1e-8)


def test_oqi_approaches_pi_heisenberg_limit_and_ctl():
    # eq. (19): at large N the OQI tends to π²/N² + CTL; at N = 60 and δφ = 0.5 within ~30 %
    prior = bayes.GaussianPrior(0.5)
    value = bounds.oqi(60, prior).bmse
    assert bounds.asymptotic_oqi(60, 0.5) * 0.6 < value < bounds.asymptotic_oqi(60, 0.5) * 1.3
    # in the CTL regime eq. (19) is an approximation from above: the Bayesian estimator hedges
    # fringe slips towards the prior mean, and recovers ~20-25 % of the (2π)² penalty
    for width in (1.0, 1.5):
        ratio = bounds.oqi(60, bayes.GaussianPrior(width)).bmse / bounds.asymptotic_oqi(60, width)
        assert 0.7 < ratio < 1.0


def test_poi_optimised_state_beats_sine_state():
    prior = bayes.GaussianPrior(0.5)
    result = bounds.poi_optimized(12, prior)
    assert result.converged
    assert result.bmse <= bayes.bmse(protocols.poi(12), prior, "bayes") + 1e-12
    assert result.bmse >= bounds.oqi(12, prior).bmse - 1e-12
    assert bayes.bmse(result.protocol(), prior, "bayes") == pytest.approx(result.bmse)


def test_ctl_closed_forms():
    for width in (0.3, 1.0, 2.0):
        assert bounds.ctl(width) == pytest.approx(4 * np.pi**2 * erfc(np.pi / (np.sqrt(2) * width)))
        assert bounds.ctl(width, adjacent_only=False) >= bounds.ctl(width)
    assert bounds.ctl(0.8, adjacent_only=False) == pytest.approx(bounds.ctl(0.8), rel=1e-6)
    assert bounds.pi_hl(10) == pytest.approx(np.pi**2 / 100)


def test_prior_width_model():
    # eq. (31): χ = 1, 1.7, 2 and exponent 2 + α' = 1 − α (NIST α)
    assert bayes.prior_width(1.0, "white") ** 2 == pytest.approx(1.0)
    assert bayes.prior_width(1.0, "flicker") ** 2 == pytest.approx(1.7)
    assert bayes.prior_width(1.0, "random_walk") ** 2 == pytest.approx(2.0)
    assert bayes.prior_width(0.1, -1) ** 2 == pytest.approx(1.7 * 0.01)
    assert bayes.prior_width(0.1, 0) ** 2 == pytest.approx(0.1)
    assert bayes.prior_width(0.1, -2) ** 2 == pytest.approx(2 * 1e-3)
    # eqs. (42)-(43): dead time adds 2 (T_D/Z)^(1−α) in quadrature
    assert bayes.prior_width(0.1, "flicker", dead_time=0.05) ** 2 == pytest.approx(1.7e-2 + 2 * 0.05**2)
    widths = bayes.prior_width(np.array([0.01, 0.1]), "flicker")
    assert widths.shape == (2,)
    assert bayes.GaussianPrior(0.3).broadened(0.4).width == pytest.approx(0.5)


def test_grid_prior_broadening_matches_gaussian():
    narrow = bayes.GaussianPrior(0.3).to_grid(3001)
    broad = narrow.broadened(0.4)
    assert broad.width == pytest.approx(0.5, rel=1e-4)


def test_allan_deviation_units():
    assert bayes.allan_deviation(0.1, 0.5) == pytest.approx(0.1 * np.sqrt(0.5) / 0.5)
    assert bayes.allan_deviation(0.1, 0.5, dead_time=0.5) == pytest.approx(0.1 * 1.0 / 0.5)
    assert bayes.effective_measurement_uncertainty(0.25, 0.5) == np.inf


# ----------------------------------------------------------------- posterior
def test_single_shot_posterior_mean_is_the_bayes_estimator():
    p, prior = protocols.sss(8, 0.2), bayes.GaussianPrior(0.5)
    table = bayes.estimator_table(p, prior, "bayes")
    for outcome, estimate in zip(p.outcomes, table):
        post = bayes.posterior(p, prior, {outcome: 1})
        assert post.mean == pytest.approx(estimate, abs=1e-9)


def test_posterior_from_many_shots_is_finite_and_consistent():
    p, prior = protocols.sss(8, 0.2), bayes.GaussianPrior(0.5)
    rng = np.random.default_rng(5)
    truth = 0.3
    counts = rng.multinomial(1000, p.probabilities([truth])[0])
    post = bayes.posterior(p, prior, counts)
    assert np.isfinite(post.mean) and np.isfinite(post.variance) and post.std > 0
    assert abs(post.mean - truth) < 4 * post.std
    # posterior std ~ 1/sqrt(shots · F(φ)) (local limit)
    fisher = bounds.fisher_information(p, [truth])[0]
    assert post.std == pytest.approx(1 / np.sqrt(1000 * fisher), rel=0.15)
    # sequential update equals the batch update
    half = bayes.posterior(p, prior, counts // 2).update(p, counts - counts // 2)
    assert half.mean == pytest.approx(post.mean, abs=1e-3 * post.std + 1e-12)
    assert half.std == pytest.approx(post.std, rel=1e-3)
    assert post.pdf(post.mean) > 0 and post.pdf(10.0) == 0


def test_posterior_with_extremely_narrow_prior():
    p = protocols.sss(8, 0.2)
    post = bayes.posterior(p, bayes.GaussianPrior(1e-9, mean=0.1), np.array([0, 0, 1, 10, 100, 300, 400, 180, 9]))
    assert post.mean == pytest.approx(0.1, abs=1e-12)
    assert post.std == pytest.approx(1e-9, rel=1e-3)


@pytest.mark.parametrize("call, message", [
    (lambda: bayes.GaussianPrior(0.0), "width"),
    (lambda: bayes.GaussianPrior(-1.0), "width"),
    (lambda: bayes.GaussianPrior(float("nan")), "width"),
    (lambda: bayes.GaussianPrior(0.3, mean=float("inf")), "mean"),
    (lambda: bayes.GridPrior(np.linspace(-0.5, 0.5, 101), np.exp(-np.linspace(-0.5, 0.5, 101) ** 2 / 0.5)), "cover"),
    (lambda: bayes.bmse(protocols.css(3), bayes.GaussianPrior(0.3), "median"), "estimator"),
    (lambda: bayes.posterior(protocols.css(3), bayes.GaussianPrior(0.3), {5.0: 3}), "cannot produce"),
    (lambda: bayes.posterior(protocols.css(3), bayes.GaussianPrior(0.3), [1, 2]), "length 4"),
    (lambda: bayes.posterior(protocols.css(3), bayes.GaussianPrior(0.3), {0.5: -1}), "non-negative"),
    (lambda: bayes.posterior(protocols.custom(2, [], []), bayes.GaussianPrior(0.3), {0.0: 1}), "impossible"),
    (lambda: bayes.prior_width(0.1, "pink"), "noise"),
    (lambda: bayes.prior_width(-0.1), "interrogation_time"),
    (lambda: bayes.prior_width(0.1, dead_time=-1), "dead_time"),
    (lambda: bounds.ctl(0.0), "prior_width"),
])
def test_bad_input_gets_a_clear_error(call, message):
    with pytest.raises((QClockError, TypeError), match=message):
        call()
