"""Bayesian layer: estimators, BMSE, bounds and posteriors against Kielinski & Hammerer's closed forms."""

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
    # (The paper prints the exponent as N δφ²/2; the integral ∫P(φ) φ sin(Nφ) gives N²δφ²/2.)
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
    # at moderate widths arcsin beats linear for CSS (extended dynamic range, Kielinski & Hammerer sec. III A)
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


def _bqcrb_by_dense_eigendecomposition(state, prior):
    """Independent route: ρ̄, ρ' as dense complex matrices, SLD solved in numpy's eigenbasis of ρ̄."""
    rho = np.outer(state, state.conj())
    lag = np.subtract.outer(np.arange(state.shape[0]), np.arange(state.shape[0]))
    kernel = np.exp(-1j * prior.mean * lag - 0.5 * (lag * prior.width) ** 2)  # E[e^{-iφ(k-l)}]
    rho_bar, rho_prime = rho * kernel, rho * kernel * (prior.mean - 1j * lag * prior.variance)
    values, vectors = np.linalg.eigh(rho_bar)
    rotated = vectors.conj().T @ rho_prime @ vectors
    denominator = np.add.outer(values, values)
    mask = denominator > 1e-13 * values.max()
    gain = np.sum(np.where(mask, 2 * np.abs(rotated) ** 2 / np.where(mask, denominator, 1), 0))
    return prior.second_moment - gain


@pytest.mark.parametrize("atoms", [1, 4, 13, 60])
@pytest.mark.parametrize("width, mean", [(0.05, 0.0), (0.3, 0.7), (1.0, 0.0), (2.5, -0.4)])
def test_bqcrb_real_route_matches_the_complex_routes(atoms, width, mean):
    rng = np.random.default_rng(atoms)
    prior = bayes.GaussianPrior(width, mean)
    random = rng.normal(size=atoms + 1) + 1j * rng.normal(size=atoms + 1)
    states = [protocols.css(atoms).input_state, protocols.sss(atoms, 0.3).input_state,
              protocols.ghz(atoms).input_state, spin.sine_state(atoms), random / np.linalg.norm(random)]
    for state in states:
        dense = _bqcrb_by_dense_eigendecomposition(state, prior)
        value = bounds.bqcrb(state, prior)
        # the density-matrix input takes the general complex route of bqcrb_result
        assert value == pytest.approx(dense, rel=1e-11)
        assert bounds.bqcrb(np.outer(state, state.conj()), prior) == pytest.approx(dense, rel=1e-11)
        result = bounds.bqcrb_result(state, prior)
        assert result.bmse == value
        # the returned measurement and estimator attain the bound: E[φ²] − 2Tr(ρ'L) + Tr(ρ̄L²)
        rho_bar, rho_prime = bounds.averaged_state(state, prior)
        observable = (result.measurement * result.estimator) @ result.measurement.conj().T
        assert np.allclose(observable, result.observable, atol=1e-9)
        attained = prior.second_moment - 2 * np.trace(rho_prime @ observable).real \
            + np.trace(rho_bar @ observable @ observable).real
        assert attained == pytest.approx(dense, rel=1e-10)
        assert np.allclose(result.measurement.conj().T @ result.measurement, np.eye(atoms + 1), atol=1e-10)


def test_bqcrb_of_a_css_at_n1000_drops_only_negligible_dicke_tails():
    """N = 1000, δφ = 1: the CSS occupies ~360 of 1001 Dicke states above 1e-14 of its peak amplitude;
    dropping the rest changes the bound at the round-off level (checked against the kept-everything route)."""
    prior = bayes.GaussianPrior(1.0)
    state = protocols.css(1000).input_state
    from qclock_circuits._blas import one_blas_thread
    from qclock_circuits.bayes.quantum_cramer_rao import _pure_state_solution

    with one_blas_thread():
        full, _ = _pure_state_solution(state.astype(complex), prior, observable=False, floor=0.0)
    assert bounds.bqcrb(state, prior) == pytest.approx(prior.second_moment - full, rel=1e-12)
    # eq. (15): the optimal measurement does at least as well as the Jz readout with the Bayes estimator
    assert bounds.bqcrb(state, prior) <= bounds.bcrb(protocols.css(1000), prior)


@pytest.mark.parametrize("width, reference, seesaw_only", [
    # OQI BMSE at N = 30 from the L-BFGS-first implementation (before the see-saw-first strategy)
    (0.1, 2.759522641972e-03, False),   # narrow: the see-saw stalls, L-BFGS takes over
    (1.0, 6.115073227765e-02, True),    # wide: the see-saw converges within its budget
    (1.5, 1.091656893021e+00, True),
])
def test_oqi_seesaw_first_keeps_the_result(width, reference, seesaw_only):
    prior = bayes.GaussianPrior(width)
    result = bounds.oqi(30, prior)
    assert result.bmse == pytest.approx(reference, rel=1e-9)
    assert result.converged
    # the best start's step count shows which route ran: see-saw steps only, or budget + L-BFGS + polish
    assert (result.iterations <= 30) == seesaw_only
    # an independent check: the returned state's BQCRB is the reported value
    assert bounds.bqcrb(result.state, prior) == pytest.approx(result.bmse, rel=1e-12)


def test_seesaw_stall_prediction():
    from qclock_circuits.bayes.optimal_interferometer import _predicted_steps

    # decreases halving each step: from 1e-3 to 1e-10 needs log2(1e7) ≈ 23.3 more steps
    assert _predicted_steps(5, 1e-3, 2e-3, 1e-10) == pytest.approx(5 + np.log2(1e7))
    assert _predicted_steps(2, 1e-3, 2e-3, 1e-10) == 2          # too early to judge
    assert _predicted_steps(6, 3e-3, 2e-3, 1e-10) == 6          # erratic (ratio > 1): budget only
    with pytest.raises(QClockError, match="seesaw_budget"):
        bounds.oqi(4, bayes.GaussianPrior(0.5), seesaw_budget=0)


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


def _dense_posterior(protocol, log_prior, support, counts):
    """The posterior by the plain route: ``protocol.probabilities`` of every outcome on a linspace grid,
    refined around the support exactly as bayes.posterior does (the implementation before the FFT route)."""
    from qclock_circuits.bayes.posterior import _LOG_FLOOR, _grid_points

    vector = bayes.outcome_count_vector(protocol, counts)
    low, high = support
    points = _grid_points(high - low, protocol.atoms, int(vector.sum()))
    observed = np.flatnonzero(vector)
    for _ in range(6):
        phi = np.linspace(low, high, points)
        with np.errstate(divide="ignore"):
            log_post = log_prior(phi) + np.log(protocol.probabilities(phi)[:, observed]) @ vector[observed]
        log_post -= log_post.max()
        keep = np.flatnonzero(log_post > _LOG_FLOOR)
        first, last = max(keep[0] - 1, 0), min(keep[-1] + 1, points - 1)
        if (last - first) >= 0.2 * points or points < 50:
            break
        low, high, points = phi[first], phi[last], 4001
    return bayes.Posterior(phi, log_post - np.log(np.trapezoid(np.exp(log_post), phi)))


_POSTERIOR_CASES = [  # (protocol, prior width, prior mean, shots): wide priors span several 2π periods
    (protocols.css(8), 1.0, 0.1, 1), (protocols.css(31), 2.5, 0.0, 30), (protocols.sss(8, 0.2), 0.05, 0.3, 1000),
    (protocols.sss(31, 0.1), 0.5, -0.2, 30), (protocols.ghz(8), 1.0, 0.0, 30), (protocols.ghz(31), 0.05, 0.1, 1000),
    (protocols.ghz(8, readout="jz"), 2.5, 0.0, 1), (protocols.poi(8), 0.5, 0.2, 30),
    (protocols.variational(31, 1, 2, np.random.default_rng(4).uniform(-3, 3, 11)), 1.0, 0.0, 1000),
]


@pytest.mark.parametrize("protocol, width, mean, shots", _POSTERIOR_CASES,
                         ids=[f"{c[0].name}-N{c[0].atoms}-w{c[1]}-S{c[3]}" for c in _POSTERIOR_CASES])
def test_posterior_fft_route_matches_the_dense_grid_route(protocol, width, mean, shots):
    rng = np.random.default_rng(shots)
    prior = bayes.GaussianPrior(width, mean)
    likelihood = protocol.probabilities([rng.normal(mean, width)])[0]
    counts = rng.multinomial(shots, likelihood / likelihood.sum())
    fast = bayes.posterior(protocol, prior, counts)
    dense = _dense_posterior(protocol, prior.log_pdf, prior.support(12.0), counts)
    assert fast.mean == pytest.approx(dense.mean, abs=1e-10 * dense.std)
    assert fast.variance == pytest.approx(dense.variance, rel=1e-10)
    # the interval interpolates a cumulative sum: first order in the grid spacing
    assert fast.credible_interval() == pytest.approx(dense.credible_interval(), abs=dense.spacing)
    # the grid spacing divides 2π (the likelihood is computed on one period and repeated)
    period = 2 * np.pi / fast.spacing
    assert period == pytest.approx(round(period), abs=1e-6)


@pytest.mark.parametrize("protocol", [protocols.sss(12, 0.2), protocols.ghz(12), protocols.poi(12)],
                         ids=["jz", "parity", "phase"])
@pytest.mark.parametrize("low, period, count", [
    (-7.3, 96, 400),      # several periods: FFT of one period, repeated
    (0.4, 1000, 900),     # less than a period: FFT, truncated
    (2.1, 10**9, 57),     # a narrow window: Bluestein chirp transform
    (-0.05, 7919, 301),   # a prime period: Bluestein
])
def test_likelihood_on_a_grid_matches_probabilities(protocol, low, period, count):
    from qclock_circuits.bayes.posterior import _likelihood_rows, _log_likelihood

    phi = low + 2 * np.pi / period * np.arange(count)
    outcomes = np.arange(len(protocol.outcomes))
    direct = protocol.probabilities(phi).T
    length = min(count, period)  # rows are computed on one period at most
    assert np.abs(_likelihood_rows(protocol, outcomes, low, period, length) - direct[:, :length]).max() < 1e-12
    counts = np.zeros(len(outcomes), dtype=np.int64)
    counts[[0, len(outcomes) // 2]] = [3, 5]
    with np.errstate(divide="ignore"):
        expected = np.log(direct[counts > 0]).T @ counts[counts > 0]
    finite = np.isfinite(expected)
    got = _log_likelihood(protocol, counts, low, period, count)
    assert np.array_equal(np.isfinite(got), finite)
    # near a zero of P the Fourier route (parity) is accurate in absolute, not relative, terms
    assert np.abs(np.exp(got) - np.exp(expected)).max() < 1e-10 * np.exp(expected).max()


def test_posterior_of_tabulated_and_duck_typed_likelihoods():
    """The Fourier-coefficient route (noisy likelihoods) and the plain ``probabilities`` fallback."""

    class Plain:  # only what the fallback needs
        def __init__(self, protocol):
            self.atoms, self.outcomes, self.name = protocol.atoms, protocol.outcomes, protocol.name
            self.probabilities = protocol.probabilities

    p = protocols.sss(10, 0.2)
    prior = bayes.GaussianPrior(0.8)
    counts = np.random.default_rng(2).multinomial(40, p.probabilities([0.4])[0])
    tabulated = bayes.TabulatedLikelihood(p, p.fourier_coefficients())
    reference = bayes.posterior(p, prior, counts)
    for other in (tabulated, Plain(p)):
        post = bayes.posterior(other, prior, counts)
        assert post.mean == pytest.approx(reference.mean, abs=1e-10 * reference.std)
        assert post.variance == pytest.approx(reference.variance, rel=1e-9)


def test_posterior_with_a_grid_prior_and_update_match_the_dense_route():
    p = protocols.sss(16, 0.15)
    grid = bayes.GaussianPrior(1.2, 0.2).to_grid(3001)
    counts = np.random.default_rng(8).multinomial(25, p.probabilities([0.5])[0])
    fast = bayes.posterior(p, grid, counts)
    dense = _dense_posterior(p, grid.log_pdf, (grid.phi[0], grid.phi[-1]), counts)
    assert fast.mean == pytest.approx(dense.mean, abs=1e-9 * dense.std)
    assert fast.variance == pytest.approx(dense.variance, rel=1e-8)
    more = np.random.default_rng(9).multinomial(25, p.probabilities([0.5])[0])
    updated = fast.update(p, more)
    dense_updated = _dense_posterior(p, dense.log_pdf, (dense.phi[0], dense.phi[-1]), more)
    assert updated.mean == pytest.approx(dense_updated.mean, abs=1e-8 * dense_updated.std)
    assert updated.variance == pytest.approx(dense_updated.variance, rel=1e-7)


def test_single_shot_posterior_at_n1000_and_a_wide_prior_is_the_bayes_estimator():
    """N = 1000, δφ = 1 rad: the posterior grid spans ~4 periods of the likelihood; its mean for one
    shot must equal the closed-form posterior-mean estimator (exact Fourier moments)."""
    p, prior = protocols.css(1000), bayes.GaussianPrior(1.0)
    table = bayes.estimator_table(p, prior, "bayes")
    for index in (480, 500, 515, 530):
        post = bayes.posterior(p, prior, {p.outcomes[index]: 1})
        assert post.mean == pytest.approx(table[index], abs=1e-9)


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
