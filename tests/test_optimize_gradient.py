"""The compiled BMSE path and its exact gradient: agreement with the public route and with finite differences."""

import numpy as np
import pytest

from qclock_circuits import bayes, protocols
from qclock_circuits._validation import QClockError
from qclock_circuits.optimize import optimize_variational
from qclock_circuits.optimize.bmse_gradient import CoefficientCost
from qclock_circuits.optimize.compiled import CompiledCost, compile_variational

CLASSES = [(1, 0), (1, 1), (1, 2), (1, 3), (0, 1), (2, 1), (2, 2)]
ATOMS = [2, 3, 8, 17, 32, 64]


def _parameters(n, m, rng):
    return rng.uniform(-np.pi, np.pi, len(protocols.variational_parameter_names(n, m)))


def _derivative(function, point, direction, step=1e-3):
    """Fourth-order central difference of ``function`` along ``direction`` (error ~ step⁴)."""
    values = [function(point + k * step * direction) for k in (-2, -1, 1, 2)]
    return (values[0] - 8 * values[1] + 8 * values[2] - values[3]) / (12 * step)


@pytest.mark.parametrize("atoms", [1, 2, 5, 16])
@pytest.mark.parametrize("n, m", CLASSES)
def test_compiled_coefficients_and_bmse_equal_the_public_route(atoms, n, m):
    rng = np.random.default_rng(100 * atoms + 10 * n + m)
    values = _parameters(n, m, rng)
    protocol = protocols.variational(atoms, n, m, values)
    engine = compile_variational(atoms, n, m)
    assert np.abs(engine.coefficients(values) - protocol.fourier_coefficients()).max() < 1e-13
    for estimator in ("bayes", "linear"):
        prior = bayes.GaussianPrior(rng.uniform(0.05, 1.5))
        expected = bayes.bmse(protocol, prior, estimator)
        cost = CompiledCost(atoms, n, m, prior, estimator)
        assert cost(values) == pytest.approx(expected, rel=1e-12, abs=0)
        assert cost.value_and_gradient(values)[0] == pytest.approx(expected, rel=1e-12, abs=0)


@pytest.mark.parametrize("atoms", ATOMS)
@pytest.mark.parametrize("n, m", CLASSES)
@pytest.mark.parametrize("estimator", ["bayes", "linear"])
def test_gradient_matches_finite_differences(atoms, n, m, estimator):
    rng = np.random.default_rng(1000 * atoms + 10 * n + m + (estimator == "linear"))
    values = _parameters(n, m, rng)
    cost = CompiledCost(atoms, n, m, bayes.GaussianPrior(rng.uniform(0.1, 1.2)), estimator)
    value, gradient = cost.value_and_gradient(values)
    step = 1e-3 / (1 + atoms**2 / 8)  # twist phases μM²/2 vary N²/8 times faster than μ
    numeric = np.array([_derivative(cost, values, unit, step) for unit in np.eye(values.size)])
    # relative to the gradient's scale; the absolute floor (1e-9 of the BMSE) covers flat points
    tolerance = 1e-6 * np.abs(numeric).max() + 1e-9 * value
    assert np.abs(gradient - numeric).max() <= tolerance


@pytest.mark.parametrize("estimator", ["bayes", "linear"])
def test_stage_one_gradient_is_the_derivative_along_any_complex_direction(estimator):
    rng = np.random.default_rng(7)
    atoms = 6
    coefficients = protocols.variational(atoms, 1, 2, _parameters(1, 2, rng)).fourier_coefficients()
    stage = CoefficientCost(atoms, protocols.css(atoms).outcomes, 0.4, estimator)
    value, gradient = stage.value_and_gradient(coefficients)
    assert value == pytest.approx(stage.value(coefficients), rel=1e-15)
    for _ in range(3):
        direction = rng.normal(size=coefficients.shape) + 1j * rng.normal(size=coefficients.shape)
        numeric = _derivative(stage.value, coefficients, direction * 1e-3)
        assert np.sum(np.conj(gradient) * direction * 1e-3).real == pytest.approx(numeric, rel=1e-7)


def test_vector_jacobian_product_holds_for_a_gradient_without_hermitian_symmetry():
    # a noisy engine may hand stage 2 any complex gradient: check L = Re Σ conj(W) c(θ) for random W
    rng = np.random.default_rng(11)
    atoms, n, m = 7, 2, 1
    engine = compile_variational(atoms, n, m)
    values = _parameters(n, m, rng)
    weights = rng.normal(size=(atoms + 1, 2 * atoms + 1)) + 1j * rng.normal(size=(atoms + 1, 2 * atoms + 1))
    _, vjp = engine.coefficients_and_vjp(values)
    gradient = vjp(weights)

    def loss(point):
        return float(np.sum(np.conj(weights) * engine.coefficients(point)).real)

    numeric = np.array([_derivative(loss, values, unit) for unit in np.eye(values.size)])
    assert np.abs(gradient - numeric).max() <= 1e-7 * np.abs(numeric).max()


@pytest.mark.parametrize("atoms, n, m, interrogation_time, seed", [(4, 1, 1, 0.3, 1), (6, 1, 2, 0.5, 2),
                                                                    (8, 1, 0, 0.1, 3), (5, 2, 1, 0.2, 4)])
def test_analytic_gradient_search_is_no_worse_than_finite_differences(atoms, n, m, interrogation_time, seed):
    prior = bayes.GaussianPrior(bayes.prior_width(interrogation_time, "flicker"))
    effort = {"de_iterations": 10, "de_population": 6, "random_starts": 2}
    analytic = optimize_variational(atoms, n, m, prior, seed=seed, **effort)
    finite = optimize_variational(atoms, n, m, prior, seed=seed, gradient="finite-difference", **effort)
    assert analytic.bmse <= finite.bmse * (1 + 1e-9)
    assert analytic.bmse == pytest.approx(bayes.bmse(analytic.protocol(), prior), rel=1e-12)


def test_bad_input_is_refused():
    with pytest.raises(QClockError, match="estimator"):
        CompiledCost(4, 1, 1, 0.3, "arcsin")
    with pytest.raises(QClockError, match="length 8"):
        CompiledCost(4, 1, 1, 0.3)(np.zeros(5))
    with pytest.raises(QClockError, match="width"):
        CompiledCost(4, 1, 1, -0.3)
    with pytest.raises(QClockError, match="shape"):
        CoefficientCost(4, protocols.css(4).outcomes, 0.3).value(np.zeros((5, 3)))
    with pytest.raises(QClockError, match="gradient"):
        optimize_variational(4, 1, 1, 0.3, gradient="central")
    with pytest.raises(QClockError, match="warm start"):
        optimize_variational(4, 1, 1, 0.3, warm_starts=[np.full(8, np.nan)], de_iterations=0)
    _, vjp = compile_variational(3, 1, 1).coefficients_and_vjp(np.zeros(8))
    with pytest.raises(QClockError, match="gradient_c"):
        vjp(np.zeros((4, 4)))


def test_the_whole_search_runs_with_one_blas_thread(monkeypatch):
    from threadpoolctl import threadpool_info

    import qclock_circuits.optimize.variational as variational_module

    seen = set()

    class Recording(CompiledCost):
        def value_and_gradient(self, parameters):
            seen.update(item["num_threads"] for item in threadpool_info() if item["user_api"] == "blas")
            return super().value_and_gradient(parameters)

    monkeypatch.setattr(variational_module, "CompiledCost", Recording)
    optimize_variational(3, 1, 1, 0.4, seed=0, de_iterations=2, de_population=4, random_starts=1)
    assert seen == {1}
