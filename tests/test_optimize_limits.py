"""Dead-time limits σ_lim, T_lim, N_crit (Kielinski & Hammerer sec. V B, Fig. 6) and the gain over CSS."""

import math

import numpy as np
import pytest
from scipy.integrate import quad

from qclock_circuits._validation import QClockError
from qclock_circuits.bayes import GaussianPrior, bmse
from qclock_circuits.bayes.bounds import ctl, oqi, pi_hl
from qclock_circuits.optimize import class_point, critical_atoms, ctl_bmse, ctl_sigma, dead_time_limit, gain_over_css
from qclock_circuits.protocols import css


@pytest.mark.parametrize("width", [0.6, 1.0, 1.4])
@pytest.mark.parametrize("estimator", ["bayes", "linear"])
def test_css_bmse_approaches_its_n_to_infinity_limit_as_one_over_n(width, estimator):
    """BMSE(N) − CTL = c/N + O(1/N²): the limit is right and the approach is projection noise."""
    limit = ctl_bmse("css", estimator, width)
    prior = GaussianPrior(width)
    excess = {n: (bmse(css(n), prior, estimator) - limit) * n for n in (100, 400)}
    assert excess[100] > 0 and excess[400] > 0
    assert excess[400] == pytest.approx(excess[100], rel=0.03)


def test_linear_limit_matches_direct_minimisation_over_the_slope():
    width = 0.9
    density = lambda p: math.exp(-0.5 * (p / width) ** 2) / (math.sqrt(2 * math.pi) * width)  # noqa: E731

    def mse(slope):
        return quad(lambda p: (slope * math.sin(p) - p) ** 2 * density(p), -12 * width, 12 * width)[0]

    slopes = np.linspace(0.8, 2.5, 1701)
    assert min(mse(a) for a in slopes[::10]) >= ctl_bmse("css", "linear", width) - 1e-9
    best = min(slopes, key=mse)
    assert mse(best) == pytest.approx(ctl_bmse("css", "linear", width), rel=1e-5)


def test_bayes_limit_matches_monte_carlo_of_the_posterior_variance():
    """E[Var(φ | sin φ)] by sampling φ and binning sin φ finely (independent of the branch sum)."""
    width = 1.1
    rng = np.random.default_rng(3)
    phases = rng.normal(0.0, width, 2_000_000)
    # group by the branch-invariant pair (sin φ, sign of cos φ unknown): the readout only sees sin φ
    bins = np.floor((np.sin(phases) + 1) / 2 * 4000).astype(int)
    counts = np.bincount(bins)
    sums = np.bincount(bins, phases)
    squares = np.bincount(bins, phases**2)
    mask = counts > 1
    within = squares[mask] - sums[mask] ** 2 / counts[mask]
    estimate = within.sum() / phases.size
    assert estimate == pytest.approx(ctl_bmse("css", "bayes", width), rel=0.01)


def test_oqi_limit_is_the_coherence_time_limit_and_orderings():
    # the numerical OQI approaches πHL + the N → ∞ limit (an independent route: see-saw/L-BFGS over states)
    assert oqi(60, GaussianPrior(1.0)).bmse == pytest.approx(pi_hl(60) + ctl_bmse("oqi", "bayes", 1.0), rel=5e-3)
    # eq. (17) counts a full 2π for every wrap; the posterior mean hedges near ±π and does better
    for width in (0.5, 0.8, 1.0, 1.5):
        assert 0.7 * ctl(width) < ctl_bmse("oqi", "bayes", width) < ctl(width)
    for width in (0.5, 1.0, 1.5):
        assert ctl_bmse("oqi", "bayes", width) <= ctl_bmse("css", "bayes", width) <= ctl_bmse("css", "linear", width)
    # narrow priors: the hedging factor tends to π/4 (exponential tilt across ±π), computed without
    # cancellation although the values are far below the machine epsilon (it was ±4e-19 at δφ = 0.1)
    for width in (0.1, 0.15, 0.2):
        assert ctl_bmse("oqi", "bayes", width) / ctl(width) == pytest.approx(math.pi / 4, abs=2e-3)
        assert 0.0 < ctl_bmse("oqi", "bayes", width) <= ctl_bmse("css", "bayes", width)
    assert ctl_sigma("oqi", "bayes", 0.01) == 0.0  # the limit underflows to zero, not to an infinite σ
    assert math.isfinite(ctl_sigma("css", "bayes", 0.05))
    with pytest.raises(QClockError, match="estimator"):
        ctl_bmse("oqi", "linear", 1.0)
    with pytest.raises(QClockError, match="kind"):
        ctl_bmse("ghz", "bayes", 1.0)
    with pytest.raises(QClockError, match="width"):
        ctl_bmse("css", "bayes", -1.0)


def test_sigma_lim_is_a_floor_for_large_ensembles_and_ordered_as_in_fig6():
    dead = 0.1
    limits = {key: dead_time_limit(*key, dead) for key in [("oqi", "bayes"), ("css", "bayes"), ("css", "linear")]}
    # Fig. 6(d, e): OQI below CSS-Bayes below CSS-linear; the larger dynamic range allows a longer T_lim
    assert limits["oqi", "bayes"].sigma_lim < limits["css", "bayes"].sigma_lim < limits["css", "linear"].sigma_lim
    assert limits["oqi", "bayes"].interrogation_time > limits["css", "bayes"].interrogation_time
    assert limits["css", "bayes"].interrogation_time > limits["css", "linear"].interrogation_time
    limit = limits["css", "bayes"]
    assert limit.sigma_lim == pytest.approx(math.hypot(limit.ctl_sigma, limit.dick_sigma), rel=1e-12)
    # no finite ensemble beats σ_lim, and a large one gets close (the QPN part ∝ 1/√N is small)
    for time in (0.1, limit.interrogation_time, 0.8):
        total = class_point("css", 200, time, dead_time=dead).parameters["total_sigma"]
        assert total >= limit.sigma_lim * (1 - 1e-9)
    totals = [class_point("css", n, limit.interrogation_time, dead_time=dead).parameters["total_sigma"]
              for n in (25, 100, 400)]
    assert totals[0] > totals[1] > totals[2] and totals[2] < 1.15 * limit.sigma_lim
    with pytest.raises(QClockError, match="dead_time"):
        dead_time_limit("css", "bayes", 0.0)


def test_critical_atoms_orderings_of_fig6c():
    dead = 0.2
    n = {kind: critical_atoms(kind, "bayes", dead, max_atoms=512)["n_crit"] for kind in ("oqi", "sss", "css")}
    assert n["oqi"] <= n["sss"] < n["css"]
    result = critical_atoms("css", "bayes", dead, max_atoms=512)
    evaluated = {int(k): v for k, v in result["evaluated"].items()}
    assert evaluated[result["n_crit"]] <= result["sigma_lim"] < evaluated[result["n_crit"] - 1]
    # more dead time: the Dick effect takes over at smaller N
    assert critical_atoms("css", "bayes", 0.4, max_atoms=512)["n_crit"] < n["css"]
    assert critical_atoms("css", "bayes", 0.2, max_atoms=8)["n_crit"] is None


def test_gain_over_css_grows_with_n_for_sss():
    """Fig. 3(e): the SSS gain over CSS at T_min grows with N (no dead time)."""
    times = np.geomspace(0.01, 1.0, 10)
    data = gain_over_css([2, 8, 32], ("sss", "oqi"), times)
    assert data["atoms"] == [2, 8, 32]
    gains = data["gain"]["sss"]
    assert gains[0] < gains[1] < gains[2]
    assert all(o >= s * (1 - 1e-6) for o, s in zip(data["gain"]["oqi"], gains))
