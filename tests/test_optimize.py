"""Variational search and stability curves (Kielinski & Hammerer sec. III B–C, Fig. 3)."""

import numpy as np
import pytest

from qclock_circuits import bayes, protocols
from qclock_circuits._validation import QClockError
from qclock_circuits.bayes.stability import best_sss
from qclock_circuits.optimize import optimize_variational
from qclock_circuits.optimize.stability import class_point, curve_minimum, parse_class, stability_curves

QUICK = {"de_iterations": 8, "de_population": 6, "random_starts": 2}


def test_one_zero_class_contains_the_optimal_sss():
    prior = bayes.GaussianPrior(0.35)
    search = optimize_variational(4, 1, 0, prior, seed=1, **QUICK)
    _, sss_value = best_sss(4, prior)
    assert search.bmse <= sss_value * (1 + 1e-6)
    assert search.bmse == pytest.approx(bayes.bmse(search.protocol(), prior), rel=1e-12)


def test_variational_minima_are_sorted_distinct_and_above_the_oqi():
    prior = bayes.GaussianPrior(bayes.prior_width(0.3, "flicker"))
    search = optimize_variational(4, 1, 1, prior, seed=3, **QUICK)
    values = [minimum.bmse for minimum in search.minima]
    assert values == sorted(values) and len(values) >= 2
    assert values[-1] <= values[0] * 1.25 + 1e-15
    oqi = bayes.bounds.oqi(4, prior).bmse
    assert oqi <= search.bmse * (1 + 1e-9)
    for minimum in search.minima:
        assert bayes.bmse(minimum.protocol(4, 1, 1), prior) == pytest.approx(minimum.bmse, rel=1e-12)
    again = type(search).from_dict(search.to_dict())
    assert again.bmse == search.bmse and len(again.minima) == len(search.minima)


@pytest.mark.slow
@pytest.mark.parametrize("atoms, interrogation_time", [(4, 0.2), (8, 0.4)])
def test_one_m_classes_close_most_of_the_gap_between_sss_and_oqi_at_long_t(atoms, interrogation_time):
    # Kielinski & Hammerer Fig. 3: at long T the [1, m] classes approach the OQI that SSS misses
    prior = bayes.GaussianPrior(bayes.prior_width(interrogation_time, "flicker"))
    _, sss_value = best_sss(atoms, prior)
    oqi = bayes.bounds.oqi(atoms, prior).bmse
    search = optimize_variational(atoms, 1, 2, prior, seed=2, de_iterations=15, de_population=8)
    assert oqi <= search.bmse <= sss_value
    assert (sss_value - search.bmse) / (sss_value - oqi) > 0.7


@pytest.mark.slow
def test_optimum_is_reproducible_over_seeds():
    # the criterion: the same BMSE within 1 % over 5 seeds of the search ([1,1], N = 8, T/Z = 0.1)
    prior = bayes.GaussianPrior(bayes.prior_width(0.1, "flicker"))
    values = [optimize_variational(8, 1, 1, prior, seed=seed).bmse for seed in range(5)]
    assert max(values) <= 1.01 * min(values)


def test_one_one_class_beats_sss_at_long_t_cheaply():
    prior = bayes.GaussianPrior(bayes.prior_width(0.2, "flicker"))
    _, sss_value = best_sss(4, prior)
    oqi = bayes.bounds.oqi(4, prior).bmse
    search = optimize_variational(4, 1, 1, prior, seed=2, **QUICK)
    assert oqi <= search.bmse < sss_value - 0.5 * (sss_value - oqi)


def test_stability_curves_warm_start_and_order():
    times = np.array([0.1, 0.2, 0.35])
    curves = stability_curves(4, times, ("css", "sss", "1-1", "oqi"), seed=4, global_every=2, search=QUICK)
    for index in range(times.size):
        sigma = {name: curves[name][index].sigma for name in curves}
        assert sigma["oqi"] <= sigma["1-1"] * (1 + 1e-6) <= sigma["sss"] * (1 + 1e-3) <= sigma["css"] * (1 + 1e-3)
    best = curve_minimum(curves["1-1"])
    assert best.sigma == min(point.sigma for point in curves["1-1"])


def test_dead_time_adds_the_dick_effect_in_quadrature():
    point = class_point("css", 8, 0.1, dead_time=0.05)
    assert point.parameters["dick_sigma"] > 0
    assert point.parameters["total_sigma"] == pytest.approx(np.hypot(point.sigma, point.parameters["dick_sigma"]))
    assert class_point("css", 8, 0.1).parameters["dick_sigma"] == 0.0


@pytest.mark.parametrize("name", ["foo", "0-1", "1_2", "", "1-x"])
def test_unknown_classes_are_refused(name):
    with pytest.raises(QClockError, match="class"):
        parse_class(name)


def test_bad_search_input():
    with pytest.raises(QClockError, match="warm start"):
        optimize_variational(4, 1, 1, 0.3, warm_starts=[np.zeros(3)], de_iterations=0, random_starts=1)
    with pytest.raises(QClockError, match="estimator"):
        optimize_variational(4, 1, 1, 0.3, estimator="arcsin")
    assert protocols.variational(4, 1, 1).parameters.size == 8
