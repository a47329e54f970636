"""Cascaded GHZ estimation of the network's centre-of-mass phase (Kómár et al., appendix A)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.special import erfc

from qclock_circuits._validation import QClockError
from qclock_circuits.network.cascade import (
    CascadeAllocation,
    CascadeSimulation,
    combine_levels,
    digits_from_levels,
    estimate_level_phase,
    exact_level_variance,
    exact_rounding_probability,
    level0_rounding_moments,
    network_phase_measurement,
    node_shares_for,
    parity_probabilities,
    phase_digits,
    phase_from_digits,
    sample_parities,
    simulate_cascade,
    wrap_phase,
)
from qclock_circuits.network.cascade_budget import (
    CascadeBudget,
    allan_variance_from_phase,
    cascade_allan_variance,
    cascade_error_budget,
    closed_form_copies,
    level0_factor,
    minimum_phase_variance,
    minimum_prenarrowed_linewidth,
    optimal_copies,
    optimal_interrogation_time,
    optimal_narrowing_step,
    prenarrowed_linewidth,
    prenarrowing_qubits,
    projection_variance,
    required_uncorrelated,
    rounding_probability,
    paper_phase_variance,
    paper_rounding_variance,
    slip_probability,
    STRATEGIES,
    network_stability,
)


def binomial_tolerance(p: float, n: int, sigmas: float = 4.0) -> float:
    return sigmas * math.sqrt(max(p * (1 - p), 1e-12) / n)


# ----------------------------------------------------------------------------- allocation
def test_allocation_counts_follow_eq_A7():
    alloc = CascadeAllocation.uniform(nodes=5, levels=4, copies=7, uncorrelated_per_node=3)
    # N = n1 + n0 Σ_{i=1}^{M} 2^{i−1} K
    assert alloc.total_qubits == 15 + 7 * (1 + 2 + 4 + 8) * 5
    assert alloc.ghz_sizes == (5, 10, 20, 40)
    assert alloc.qubits_per_level == (15, 35, 70, 140, 280)
    assert alloc.node_qubits == (3 + 7 * 15,) * 5
    assert sum(alloc.node_qubits) == alloc.total_qubits
    weighted = CascadeAllocation((1, 3), (2, 6), (2, 2, 2), base=3)
    assert weighted.shares_total == 4
    np.testing.assert_allclose(weighted.weights, [0.25, 0.75])
    assert weighted.ghz_sizes == (4, 12, 36)
    assert weighted.node_qubits == (2 + 1 * 2 * 13, 6 + 3 * 2 * 13)
    assert weighted.total_qubits == 8 + 2 * 4 * 13


def test_allocation_round_trips_through_json():
    alloc = CascadeAllocation((1, 2), (4, 8), (3, 5), base=3, available_qubits=200)
    again = CascadeAllocation.from_dict(json.loads(json.dumps(alloc.to_dict())))
    assert again == alloc


def test_allocation_validation_names_the_values():
    with pytest.raises(QClockError, match=r"needs 35 qubits.*available_qubits is 30"):
        CascadeAllocation.uniform(5, 2, 2, 1, available_qubits=30)
    with pytest.raises(QClockError, match=r"base must be an integer >= 2, got 1"):
        CascadeAllocation((1,), (2,), (2,), base=1)
    with pytest.raises(QClockError, match=r"copies\[1\] must be an integer >= 1, got 0"):
        CascadeAllocation((1,), (2,), (2, 0))
    with pytest.raises(QClockError, match=r"one entry per node \(2 nodes"):
        CascadeAllocation((1, 1), (2,), (2,))
    with pytest.raises(TypeError, match="node_shares"):
        CascadeAllocation((1.5,), (2,), (2,))
    with pytest.raises(QClockError, match="must not be empty"):
        CascadeAllocation((1,), (2,), ())


# ----------------------------------------------------------------------------- digits
@pytest.mark.parametrize("shares_total,base", [(1, 2), (3, 2), (4, 2), (5, 3), (6, 4)])
def test_digit_extraction_is_exact_for_noiseless_levels(shares_total, base):
    rng = np.random.default_rng(11)
    levels = 6
    com = rng.uniform(-math.pi, math.pi, 500)
    sizes = shares_total * base ** np.arange(levels)
    theta = wrap_phase(com[:, None] * sizes[None, :])          # what noiseless levels report
    y1, z = digits_from_levels(com, theta, shares_total, base)
    y1_true, z_true = phase_digits(com, shares_total, levels, base)
    np.testing.assert_array_equal(y1, y1_true)
    np.testing.assert_array_equal(z, z_true)
    assert y1.min() >= 0 and y1.max() < shares_total and z.min() >= 0 and z.max() < base
    np.testing.assert_allclose(phase_from_digits(y1, z, theta[:, -1], shares_total, base), com, atol=1e-12)
    # a level-0 estimate that is only good to within the branch still gives the exact phase
    coarse = com + rng.uniform(-0.9, 0.9, com.shape) * math.pi / shares_total
    np.testing.assert_allclose(combine_levels(coarse, theta, shares_total, base), com, atol=1e-12)


def test_sequential_combination_equals_the_digit_formulas_with_noise():
    rng = np.random.default_rng(5)
    shares_total, base, levels = 3, 2, 5
    com = rng.uniform(-2.5, 2.5, 2000)
    sizes = shares_total * base ** np.arange(levels)
    noisy = wrap_phase(com[:, None] * sizes + rng.normal(0, 0.8, (com.size, levels)))
    coarse = com + rng.normal(0, 0.3, com.size)
    y1, z = digits_from_levels(coarse, noisy, shares_total, base)
    via_digits = phase_from_digits(y1, z, noisy[:, -1], shares_total, base)
    sequential = combine_levels(coarse, noisy, shares_total, base)
    np.testing.assert_allclose(wrap_phase(via_digits - sequential), 0.0, atol=1e-9)
    assert np.mean(np.abs(sequential - com) > 0.2) > 0.05          # the noise did cause wrong digits


# ----------------------------------------------------------------------------- one level
def test_parity_probabilities_and_sampling():
    p_cos, p_sin = parity_probabilities([0.0, math.pi / 2, math.pi])
    np.testing.assert_allclose(p_cos, [1.0, 0.5, 0.0], atol=1e-15)
    np.testing.assert_allclose(p_sin, [0.5, 1.0, 0.5], atol=1e-15)
    rng = np.random.default_rng(3)
    theta = np.full(200_000, 0.7)
    kc, ks = sample_parities(theta, 5, rng)            # 3 cosine and 2 sine copies
    assert kc.max() <= 3 and ks.max() <= 2
    assert abs(kc.mean() / 3 - (1 + math.cos(0.7)) / 2) < binomial_tolerance(0.88, 600_000)
    assert abs(ks.mean() / 2 - (1 + math.sin(0.7)) / 2) < binomial_tolerance(0.82, 400_000)


def test_level_estimate_is_consistent_and_approaches_the_seed_variance():
    # expected counts of many copies give back the phase
    for theta in (-2.8, -1.0, 0.3, 2.2):
        copies = 400
        kc = round(200 * (1 + math.cos(theta)) / 2)
        ks = round(200 * (1 + math.sin(theta)) / 2)
        assert abs(wrap_phase(estimate_level_phase(kc, ks, copies) - theta)) < 0.05
    # exact mean square error × n decreases towards the paper's 1/n0 (A11)
    scaled = [exact_level_variance(n, phase_points=64) * n for n in (6, 20, 60)]
    assert scaled[0] > scaled[1] > scaled[2] > 1.0
    assert scaled[2] < 1.3


def test_reduced_contrast_follows_the_cramer_rao_average():
    """Visibility V < 1: Fisher information V² sin²θ/(1 − V² cos²θ) (+ the sine quadrature) per copy."""
    theta = np.linspace(-math.pi, math.pi, 20001)[:-1]
    v, n = 0.8, 200
    fisher = v ** 2 * np.sin(theta) ** 2 / (1 - v ** 2 * np.cos(theta) ** 2) \
        + v ** 2 * np.cos(theta) ** 2 / (1 - v ** 2 * np.sin(theta) ** 2)
    cramer_rao = float(np.mean(1 / (n / 2 * fisher)))
    exact = exact_level_variance(n, contrast=v, phase_points=64)
    assert exact == pytest.approx(cramer_rao, rel=0.03)
    assert exact > exact_level_variance(n, phase_points=64)
    # Monte Carlo with that contrast on the finest level only
    alloc = CascadeAllocation.uniform(nodes=2, levels=3, copies=40, uncorrelated_per_node=300)
    result = simulate_cascade(alloc, 60_000, prior_width=math.pi / 2, level_contrast=(1.0, 1.0, v), seed=41)
    expected = exact_level_variance(40, contrast=v) / alloc.ghz_sizes[-1] ** 2
    assert abs(result.mse - expected) < 4 * result.standard_error
    p_cos, p_sin = parity_probabilities(0.3, contrast=v)
    assert p_cos == pytest.approx((1 + v * math.cos(0.3)) / 2) and p_sin == pytest.approx((1 + v * math.sin(0.3)) / 2)
    with pytest.raises(QClockError, match=r"level_contrast\[1\] must be in \(0, 1\].*got 1.5"):
        network_phase_measurement(np.zeros(2), alloc, 0, level_contrast=(1.0, 1.5, 1.0))
    with pytest.raises(QClockError, match=r"level_contrast must have length 3"):
        network_phase_measurement(np.zeros(2), alloc, 0, level_contrast=(1.0, 0.5))


# ----------------------------------------------------------------------------- Monte Carlo vs exact and analytic
def test_projection_regime_matches_exact_level_variance_and_eq_A11():
    alloc = CascadeAllocation.uniform(nodes=3, levels=4, copies=60, uncorrelated_per_node=300)
    cycles = 100_000
    result = simulate_cascade(alloc, cycles, prior="uniform", prior_width=math.pi / 2, seed=7)
    assert result.rounding_rates == (0.0,) * 4 and result.slip_rate == 0.0
    finest = alloc.ghz_sizes[-1]
    exact = exact_level_variance(60) / finest ** 2
    assert abs(result.mse - exact) < 4 * result.standard_error
    # A11: 1/(n0 (K 2^{M−1})²) — the estimator's finite-n0 excess is ~20 % at n0 = 60
    seed = cascade_error_budget(alloc).projection
    assert seed == pytest.approx(projection_variance(60, finest))
    assert 1.05 < result.mse / seed < 1.35


@pytest.mark.parametrize("base,copies", [(2, 3), (2, 7), (4, 3)])
def test_digit_error_rate_matches_the_exact_probability(base, copies):
    """Levels ≥ 1: MC rate of wrong digits vs the exact binomial sum (cases without ties)."""
    alloc = CascadeAllocation((4,), (2000,), (copies, copies), base=base)
    cycles = 150_000
    result = simulate_cascade(alloc, cycles, prior="uniform", prior_width=math.pi / 2, seed=base * 10 + copies)
    exact = exact_rounding_probability(copies, copies, base)
    assert exact == exact_rounding_probability(copies, copies, base, ties="error")   # no ties here
    assert abs(result.rounding_rates[1] - exact) < binomial_tolerance(exact, cycles)
    assert result.rounding_rates[0] < 5e-4


def test_digit_error_rate_with_ties_lies_between_the_tie_bounds():
    alloc = CascadeAllocation((4,), (2000,), (7, 7), base=3)
    cycles = 150_000
    result = simulate_cascade(alloc, cycles, prior="uniform", prior_width=math.pi / 2, seed=37)
    low = exact_rounding_probability(7, 7, 3, ties="correct")
    high = exact_rounding_probability(7, 7, 3, ties="error")
    assert high > low
    rate = result.rounding_rates[1]
    assert low - binomial_tolerance(low, cycles) < rate < high + binomial_tolerance(high, cycles)


def test_seed_bound_A14_holds_for_few_copies_and_fails_for_many():
    """A12–A14 assume Gaussian tails of variance 1/n0: true only for very few copies."""
    for n in (2, 3):
        assert exact_rounding_probability(n, n, 2) < rounding_probability(1 / n, math.pi / 2)
    # A14 closed form
    n = 15
    assert rounding_probability(1 / n, math.pi / 2) == pytest.approx(
        4 / math.pi * math.sqrt(n) * math.exp(-n * math.pi ** 2 / 8))
    assert exact_rounding_probability(n, n, 2, phase_points=64) > 1e3 * rounding_probability(1 / n, math.pi / 2)


def test_level0_digit_error_matches_monte_carlo():
    # one node: the convolution and the exact pair sum agree
    single = level0_rounding_moments((3,), (2,), 40, prior_width=math.pi / 2)[0]
    assert single == pytest.approx(exact_rounding_probability(3, 40, 2), rel=0.02)
    cycles = 200_000
    alloc = CascadeAllocation.uniform(nodes=4, levels=1, copies=16, uncorrelated_per_node=6)
    result = simulate_cascade(alloc, cycles, prior="uniform", prior_width=math.pi / 2, seed=19)
    expected = level0_rounding_moments((6,) * 4, (1,) * 4, 16, prior_width=math.pi / 2)[0]
    assert abs(result.rounding_rates[0] - expected) < binomial_tolerance(expected, cycles)


def test_exact_budget_matches_monte_carlo_mse():
    """Rounding-dominated regime (n0 = 6): the exact budget within 20 %, the paper's far below."""
    alloc = CascadeAllocation((4,), (300,), (6, 6, 6))
    cycles = 200_000
    # a node-phase width of 0.7 rad makes the level phases 4φ, 8φ, 16φ nearly uniform mod 2π
    result = simulate_cascade(alloc, cycles, prior="gaussian", prior_width=0.7, seed=23)
    budget = cascade_error_budget(alloc, node_phase_width=0.7, rounding="exact")
    assert budget.rounding > 5 * budget.projection
    p_step = budget.rounding_probabilities[1]
    assert abs(result.rounding_rates[1] - p_step) < binomial_tolerance(p_step, cycles)
    # the terms are added as if independent; a wrong last digit tends to come with a level error of
    # the opposite sign, so the sum overestimates the MSE by ~15 % here
    assert 1.0 < budget.total / result.mse < 1.2
    assert cascade_error_budget(alloc, node_phase_width=0.7).total < result.mse / 3


def test_phase_slips_match_eq_A27():
    sigma = 1.3
    alloc = CascadeAllocation.uniform(nodes=3, levels=3, copies=30, uncorrelated_per_node=2000)
    cycles = 200_000
    result = simulate_cascade(alloc, cycles, prior="gaussian", prior_width=sigma, seed=29)
    p_node = erfc(math.pi / (math.sqrt(2) * sigma))
    assert slip_probability(sigma) == pytest.approx(p_node)
    p_any = 1 - (1 - p_node) ** 3
    assert abs(result.slip_rate - p_any) < binomial_tolerance(p_any, cycles)
    budget = cascade_error_budget(alloc, node_phase_width=sigma)
    assert budget.phase_slip == pytest.approx((2 * math.pi) ** 2 * p_node / 3)     # (2π)² P/K
    # the slips dominate the MSE; a slip of node j costs (2π w_j)²
    assert abs(result.mse - budget.phase_slip) < 4 * result.standard_error + 0.1 * budget.phase_slip
    # the paper's asymptotic form of A27 (per cycle) is within ~15 % at this width
    asymptotic = math.sqrt(2) * sigma / math.pi ** 1.5 * math.exp(-math.pi ** 2 / (2 * sigma ** 2))
    assert asymptotic == pytest.approx(p_node, rel=0.15)


def test_prior_knowledge_replaces_level_zero():
    # A17 with pre-narrowing: a narrow prior needs no uncorrelated qubits at all
    assert required_uncorrelated(20, 4) > 0
    assert required_uncorrelated(20, 4, node_phase_width=0.3) < required_uncorrelated(20, 4)
    assert required_uncorrelated(20, 4, node_phase_width=0.05) == 0
    alloc = CascadeAllocation.uniform(nodes=4, levels=4, copies=40, uncorrelated_per_node=0)
    with pytest.raises(QClockError, match="node_phase_width"):
        network_phase_measurement(np.zeros(4), alloc, 0)
    cycles = 50_000
    result = simulate_cascade(alloc, cycles, prior="gaussian", prior_width=0.05, seed=31)
    assert result.rounding_rates[0] == 0.0
    exact = exact_level_variance(40) / alloc.ghz_sizes[-1] ** 2
    assert abs(result.mse - exact) < 4 * result.standard_error


def test_heisenberg_scaling_over_N():
    """MSE ∝ (log N / N)²-type scaling: ~N^-2 up to the log, far from the SQL's N^-1."""
    nodes = 4
    sizes = [500, 2000, 8000, 32000]
    mse = []
    for n in sizes:
        alloc = optimal_copies(n, nodes, node_phase_width=0.5)
        assert alloc.total_qubits <= n
        mse.append(simulate_cascade(alloc, 20_000, prior="gaussian", prior_width=0.5, seed=n).mse)
    slope = np.polyfit(np.log(sizes), np.log(mse), 1)[0]
    assert -2.3 < slope < -1.7
    scaled = np.array(mse) * np.array(sizes) ** 2 / np.log(np.array(sizes) / nodes)
    assert scaled.max() / scaled.min() < 2.5


def test_exact_allocation_beats_the_seed_allocation():
    n, nodes, width = 8000, 4, 0.5
    seed_alloc = optimal_copies(n, nodes, node_phase_width=width, rounding="paper")
    exact_alloc = optimal_copies(n, nodes, node_phase_width=width)
    assert exact_alloc.copies[0] > seed_alloc.copies[0]
    seed_mse = simulate_cascade(seed_alloc, 20_000, prior="gaussian", prior_width=width, seed=1).mse
    exact_mse = simulate_cascade(exact_alloc, 20_000, prior="gaussian", prior_width=width, seed=1).mse
    assert exact_mse < seed_mse / 10


# ----------------------------------------------------------------------------- seed budget formulas
def test_budget_terms_follow_the_seed_equations():
    n0, nodes, levels = 12, 5, 6
    alloc = CascadeAllocation.uniform(nodes, levels, n0, 40)
    budget = cascade_error_budget(alloc, node_phase_width=0.4, individual_dephasing=0.01)
    total_entangled = n0 * nodes * 2 ** levels                      # N ≈ n0 2^M K of A11
    assert budget.projection == pytest.approx(4 * n0 / total_entangled ** 2)
    p_level = 4 / math.pi * math.sqrt(n0) * math.exp(-n0 * math.pi ** 2 / 8)            # A14
    s0 = 1 / (nodes * 40 + nodes / 0.4 ** 2)
    p0 = min(1.0, 2 / (math.sqrt(s0) * math.pi / nodes) * math.exp(-(math.pi / nodes) ** 2 / (2 * s0)))
    assert budget.rounding_probabilities == pytest.approx((p0,) + (p_level,) * (levels - 1))
    expected_rounding = (2 * math.pi / nodes) ** 2 * (p0 + p_level * sum(4.0 ** -i for i in range(1, levels)))
    assert budget.rounding == pytest.approx(expected_rounding)                        # A15
    assert budget.dephasing == pytest.approx(0.01 / (n0 * nodes * 2 ** (levels - 1)))  # A39
    assert budget.total == pytest.approx(budget.projection + budget.rounding + budget.phase_slip + budget.dephasing)
    assert CascadeBudget.from_dict(json.loads(json.dumps(budget.to_dict()))) == budget
    # A13 for level 0 without prior: (2K/π) n1^{1/2} exp(−n1 π²/(2K²))
    n1 = 200
    assert rounding_probability(1 / n1, math.pi / nodes) == pytest.approx(
        2 * nodes / math.pi * math.sqrt(n1) * math.exp(-n1 * math.pi ** 2 / (2 * nodes ** 2)))


def test_level0_choice_reproduces_eq_A18():
    n0, nodes = 1.0, 30
    alpha = level0_factor(n0, nodes)
    assert alpha > 1                                                    # not clamped for this many nodes
    n1 = alpha * nodes ** 2 * n0
    p0 = rounding_probability(1 / n1, math.pi / nodes)
    p_level = rounding_probability(1 / n0, math.pi / 2)
    assert p0 == pytest.approx(2 / 3 * p_level, rel=1e-6)              # the criterion of A17
    many_levels = (2 * math.pi / nodes) ** 2 * (p0 + p_level * sum(4.0 ** -i for i in range(1, 40)))
    assert many_levels == pytest.approx(paper_rounding_variance(n0, nodes), rel=1e-9)   # A16 → A18
    assert level0_factor(10.0, 2) == 1.0                                # clamped (the paper's max(1, ·))


def test_closed_form_optimum_A24_to_A26():
    n, k = 10 ** 6, 10
    exact = closed_form_copies(n, k)
    asymptotic = closed_form_copies(n, k, asymptotic=True)
    assert asymptotic == pytest.approx((4 / math.pi) ** 2 * math.log(n / k))
    assert exact - asymptotic == pytest.approx(8 / math.pi ** 2 * math.log(math.pi ** 2 / math.sqrt(8)))
    # A21 minimised numerically over n0 agrees with the closed form to the log accuracy of A24
    grid = np.linspace(2, 60, 5801)
    values = [paper_phase_variance(n, k, x) for x in grid]
    n_best = grid[int(np.argmin(values))]
    assert n_best == pytest.approx(exact, rel=0.15)
    assert min(values) == pytest.approx(minimum_phase_variance(n, k), rel=0.3)
    # the discrete optimum of the paper's budget has n0 within 30 % of A25 and its value within a factor 1.5 of A26
    alloc = optimal_copies(n, k, rounding="paper")
    budget = cascade_error_budget(alloc)
    assert alloc.total_qubits <= n
    assert alloc.copies[0] == pytest.approx(exact, rel=0.3)
    assert 0.7 < (budget.projection + budget.rounding) / minimum_phase_variance(n, k) < 1.5


def test_allan_variance_forms():
    n, k, gamma, gamma_ind = 1000, 10, 1.0, 1e-3
    # A34: 1/τ² for τ γ_LO ≤ 1 (no dephasing)
    short = cascade_allan_variance(n, k, 0.1, lo_linewidth=gamma)
    assert cascade_allan_variance(n, k, 0.2, lo_linewidth=gamma) == pytest.approx(short / 4)
    assert short == pytest.approx((8 / math.pi) ** 2 * math.log(n / k) / (n ** 2 * 0.01))
    # A40 is A41 at D = 2; large D halves the dephasing floor (2γ/(Nτ) → γ/(Nτ))
    tau = 0.5
    a40 = cascade_allan_variance(n, k, tau, lo_linewidth=gamma, individual_linewidth=gamma_ind)
    assert a40 == pytest.approx(short * 0.04 + 2 * gamma_ind / (n * tau))
    big_d = cascade_allan_variance(n, k, tau, lo_linewidth=gamma, individual_linewidth=gamma_ind, base=1000)
    floor = cascade_allan_variance(n, k, tau, lo_linewidth=gamma, individual_linewidth=gamma_ind, base=1000) \
        - cascade_allan_variance(n, k, tau, lo_linewidth=gamma, base=1000)
    assert floor == pytest.approx(1000 / 999 * gamma_ind / (n * tau))
    assert big_d > a40
    # A33 beyond 1/γ_LO: L γ/(N² τ)
    long = cascade_allan_variance(n, k, 100.0, lo_linewidth=gamma)
    L = 128 / math.pi ** 4 * math.log(n / k) * math.log(100.0 * gamma * n ** 2 / k)
    assert long == pytest.approx(L * gamma / (n ** 2 * 100.0))
    # A20 and ω0
    assert allan_variance_from_phase(2e-4, 0.5, 10.0, omega0=3.0) == pytest.approx(2e-4 / (9 * 10 * 0.5))
    # A32: optimal Ramsey time below τ for long τ, and it solves A30 to leading order
    t_opt = optimal_interrogation_time(n, k, 1e4, gamma)
    assert t_opt < 1e4
    y = 2 * gamma * t_opt / math.pi ** 2
    big_a = math.pi ** 1.5 / 8 * 1e4 * gamma * n ** 2 / (k * math.log(n / k))
    assert y == pytest.approx(1 / math.log(big_a))
    assert optimal_interrogation_time(n, k, 1e-3, gamma) == 1e-3


def test_prenarrowing_A35_to_A38():
    gamma, tau, gamma_ind, n = 10.0, 1e5, 1e-4, 1000
    step = optimal_narrowing_step(gamma, tau)
    assert step == pytest.approx(2 * math.e / math.pi ** 2 * math.log(gamma * tau))
    # A36 minimises A35 up to the slowly varying log(γτn) ≈ log(γτ)
    steps = np.linspace(0.5 * step, 3 * step, 2001)
    values = [prenarrowed_linewidth(gamma, tau, 200, s) for s in steps]
    assert steps[int(np.argmin(values))] == pytest.approx(step, rel=0.35)
    # A38 is the N* for which A37 reaches γ_ind N
    n_star = prenarrowing_qubits(gamma, gamma_ind, tau, n)
    assert minimum_prenarrowed_linewidth(gamma, tau, n_star) == pytest.approx(gamma_ind * n)
    assert n_star < n
    assert prenarrowing_qubits(1e-3, gamma_ind, tau, n) == 0.0
    with_narrowing = cascade_allan_variance(n, 10, tau, lo_linewidth=gamma, individual_linewidth=gamma_ind,
                                            prenarrowing=True)
    without = cascade_allan_variance(n, 10, tau, lo_linewidth=gamma, individual_linewidth=gamma_ind)
    assert with_narrowing < without


def test_network_strategies_follow_the_limits_of_fig3():
    n, k, gamma = 10_000, 10, 2 * math.pi * 1e-3
    ratio = lambda a, b, tau, g=gamma: network_stability(a, n, k, tau, g) / network_stability(b, n, k, tau, g)
    # short τ (no dephasing): quantum network √K better than classical cooperation, which is √K better
    # than independent clocks; classical interrogation √(N/L') behind the quantum network
    assert ratio("classical_cooperation", "quantum_network", 1.0, 0.0) == pytest.approx(math.sqrt(k))
    assert ratio("independent", "classical_cooperation", 1.0, 0.0) == pytest.approx(math.sqrt(k))
    assert ratio("classical_independent", "classical_network", 1.0, 0.0) == pytest.approx(math.sqrt(k))
    l_prime = (8 / math.pi) ** 2 * math.log(n / k)
    assert ratio("classical_network", "quantum_network", 1.0, 0.0) == pytest.approx(math.sqrt(n / l_prime))
    # (b) is √K behind (c) at every τ, dephasing included
    assert ratio("independent", "classical_cooperation", 1e4) == pytest.approx(math.sqrt(k))
    # long τ: (a), (b) and (d) reach the same bound (eq. 4), 2γ/(N τ)
    for strategy in ("quantum_network", "classical_cooperation", "classical_network"):
        assert network_stability(strategy, n, k, 1e9, gamma) == pytest.approx(
            math.sqrt(2 * gamma / (n * 1e9)), rel=1e-3)
    # crossovers onto the bound: (b) K times and (d) N/L' times later than (a)
    tau = np.logspace(-3, 6, 2000)
    crossing = {}
    for strategy in ("quantum_network", "classical_cooperation", "classical_network"):
        with_floor = network_stability(strategy, n, k, tau, gamma)
        crossing[strategy] = tau[np.argmax(with_floor ** 2 < 2 * (2 * gamma / (n * tau)))]
    assert crossing["classical_cooperation"] / crossing["quantum_network"] == pytest.approx(k, rel=0.05)
    assert crossing["classical_network"] / crossing["quantum_network"] == pytest.approx(n / l_prime, rel=0.05)
    # (a) is A40 and ω0 divides out
    assert network_stability("quantum_network", n, k, 0.3, gamma, omega0=5.0) ** 2 == pytest.approx(
        cascade_allan_variance(n, k, 0.3, lo_linewidth=1.0, individual_linewidth=gamma, omega0=5.0))
    assert set(STRATEGIES) == {"quantum_network", "classical_cooperation", "independent", "classical_network",
                               "classical_independent"}
    with pytest.raises(QClockError, match="strategy must be one of"):
        network_stability("quantum", n, k, 1.0, gamma)
    with pytest.raises(QClockError, match=r"at least 2 per node, got N = 10 for K = 10"):
        network_stability("independent", 10, 10, 1.0, gamma)


# ----------------------------------------------------------------------------- network interface
def test_network_phase_measurement_shapes_weights_and_seed():
    alloc = CascadeAllocation((1, 2, 1), (400, 800, 400), (40,) * 5)
    rng = np.random.default_rng(2)
    phases = rng.uniform(-1.0, 1.0, (2000, 3))
    estimate = network_phase_measurement(phases, alloc, 17)
    again = network_phase_measurement(phases, alloc, np.random.default_rng(17))
    np.testing.assert_array_equal(estimate, again)
    assert estimate.shape == (2000,)
    com = phases @ np.array([0.25, 0.5, 0.25])
    exact = exact_level_variance(40) / alloc.ghz_sizes[-1] ** 2
    err = estimate - com
    assert abs(np.mean(err ** 2) - exact) < 4 * np.std(err ** 2) / math.sqrt(err.size)
    single, data = network_phase_measurement(phases[0], alloc, 3, return_levels=True)
    assert np.ndim(single) == 0 and data["level_phases"].shape == (5,) and data["node_estimates"].shape == (3,)
    assert data["cos_counts"].max() <= 20 and data["sin_counts"].max() <= 20


def test_unequal_nodes_get_proportional_shares():
    assert node_shares_for([100, 200, 100]) == (1, 2, 1)
    assert node_shares_for([300, 300]) == (1, 1)
    assert node_shares_for([90, 200, 410]) == (1, 2, 5)
    alloc = optimal_copies(2000, 3, node_shares=node_shares_for([500, 1000, 500]), node_phase_width=0.3)
    np.testing.assert_allclose(alloc.weights, [0.25, 0.5, 0.25])
    used = np.array(alloc.node_qubits)
    np.testing.assert_allclose(used / used.sum(), [0.25, 0.5, 0.25])
    assert alloc.total_qubits <= 2000
    with pytest.raises(QClockError, match=r"node_qubits\[1\] must be an integer >= 1, got 0"):
        node_shares_for([3, 0])


def test_network_phase_measurement_validation():
    alloc = CascadeAllocation.uniform(3, 2, 4, 10)
    with pytest.raises(QClockError, match=r"shape \(K,\) or \(cycles, K\) with K = 3, got shape \(5, 2\)"):
        network_phase_measurement(np.zeros((5, 2)), alloc, 0)
    with pytest.raises(QClockError, match="finite"):
        network_phase_measurement([0.0, np.nan, 0.0], alloc, 0)
    with pytest.raises(TypeError, match="CascadeAllocation"):
        network_phase_measurement(np.zeros(3), {"copies": 3}, 0)
    with pytest.raises(QClockError, match=r"node_phase_width must be > 0 rad"):
        network_phase_measurement(np.zeros(3), alloc, 0, node_phase_width=-1.0)
    with pytest.raises(QClockError, match=r"prior must be one of 'uniform', 'gaussian', got 'flat'"):
        simulate_cascade(alloc, 10, prior="flat")
    with pytest.raises(QClockError, match=r"prior_width must be > 0 rad, got 0.0"):
        simulate_cascade(alloc, 10, prior_width=0.0)
    with pytest.raises(QClockError, match=r"rounding must be one of 'paper', 'exact', got 'x'"):
        cascade_error_budget(alloc, rounding="x")
    with pytest.raises(QClockError, match=r"total_qubits = 3 is too small"):
        optimal_copies(3, 4)
    with pytest.raises(QClockError, match=r"total_qubits must exceed nodes"):
        closed_form_copies(4, 4)


def test_simulation_is_reproducible_and_serialisable():
    alloc = CascadeAllocation.uniform(2, 3, 5, 20)
    first = simulate_cascade(alloc, 5000, seed=np.random.SeedSequence(4), chunk=1234)
    second = simulate_cascade(alloc, 5000, seed=np.random.SeedSequence(4), chunk=1234)
    assert first == second
    assert CascadeSimulation.from_dict(json.loads(json.dumps(first.to_dict()))) == first


@pytest.mark.slow
def test_a_million_cycles_meet_the_exact_budget():
    """10⁶ cycles of K = 10, N = 10⁴ in one call (speed: benchmarks/network_cascade.py): MSE of Φ̂ = exact budget."""
    alloc = optimal_copies(10_000, 10, node_phase_width=0.3)
    phases = np.random.default_rng(0).normal(0, 0.3, (1_000_000, 10))
    estimate = network_phase_measurement(phases, alloc, 1, node_phase_width=0.3)
    assert estimate.shape == (1_000_000,)
    error = np.angle(np.exp(1j * (estimate - phases.mean(axis=1))))
    budget = cascade_error_budget(alloc, node_phase_width=0.3, rounding="exact").total
    assert 0.8 * budget < np.mean(error**2) < 1.25 * budget  # measured 0.98