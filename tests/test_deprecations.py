"""Renamed public names: every old spelling still works, warns (DeprecationWarning) and gives the new one's result."""

from __future__ import annotations

import importlib

import pytest

from qclock_circuits import _deprecation
from qclock_circuits.bayes.priors import noise_exponent, prior_width


@pytest.mark.parametrize("module, old, new", [
    ("qclock_circuits.clock.adaptive", "SEED_NOISE_TYPES", "PAPER_NOISE_TYPES"),
    ("qclock_circuits.clock.adaptive", "SEED_TABLE1", "PAPER_TABLE1"),
    ("qclock_circuits.clock.adaptive.simulate", "SEED_NOISE_TYPES", "PAPER_NOISE_TYPES"),
    ("qclock_circuits.clock.adaptive.simulate", "SEED_TABLE1", "PAPER_TABLE1"),
    ("qclock_circuits.network.cascade_budget", "seed_rounding_variance", "paper_rounding_variance"),
    ("qclock_circuits.network.cascade_budget", "seed_phase_variance", "paper_phase_variance"),
])
def test_renamed_attributes_warn_and_are_the_new_objects(module, old, new):
    namespace = importlib.import_module(module)
    with pytest.warns(DeprecationWarning, match=f"{old}.*{new}"):
        value = getattr(namespace, old)
    assert value is getattr(namespace, new)
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        getattr(namespace, "not_a_name")


def test_renamed_functions_give_the_paper_values():
    from qclock_circuits.network import cascade_budget as budget

    with pytest.warns(DeprecationWarning):
        old = budget.seed_phase_variance(2000, 4, 12.0)
    # Kómár et al. eq. A21: 4 n0 / N^2 + (16 pi / K^2) sqrt(n0) exp(-n0 pi^2 / 8)
    import math
    expected = 4 * 12 / 2000**2 + 16 * math.pi / 16 * math.sqrt(12) * math.exp(-12 * math.pi**2 / 8)
    assert old == pytest.approx(expected, rel=1e-12) == budget.paper_phase_variance(2000, 4, 12.0)


def test_rounding_value_seed_is_a_deprecated_alias_of_paper():
    from qclock_circuits.network import cascade_budget as budget

    allocation = budget.optimal_copies(200, 2, rounding="paper")
    with pytest.warns(DeprecationWarning, match="rounding='seed'.*rounding='paper'"):
        old = budget.optimal_copies(200, 2, rounding="seed")
    assert old == allocation
    new_budget = budget.cascade_error_budget(allocation, node_phase_width=0.5, rounding="paper")
    with pytest.warns(DeprecationWarning):
        old_budget = budget.cascade_error_budget(allocation, node_phase_width=0.5, rounding="seed")
    assert old_budget == new_budget
    assert budget.cascade_error_budget(allocation, node_phase_width=0.5) == new_budget  # the default


@pytest.mark.parametrize("alias, name", [("brownian", "random_walk"), ("1/f", "flicker")])
def test_paper_noise_words_are_aliases_everywhere(alias, name):
    assert noise_exponent(alias) == noise_exponent(name)
    assert prior_width(0.1, alias, 0.02) == prior_width(0.1, name, 0.02)
    from qclock_circuits.clock.adaptive.simulate import canonical_noise
    from qclock_circuits.clock.noise import LocalOscillatorNoise

    assert canonical_noise(alias) == name
    assert LocalOscillatorNoise.from_coherence_time(alias).h == LocalOscillatorNoise.from_coherence_time(name).h
    with pytest.raises(ValueError, match="noise must be one of 'white', 'flicker', 'random_walk'.*got 'pink'"):
        noise_exponent("pink")


def test_renamed_arguments_decorator():
    @_deprecation.renamed_arguments(n_atoms="atoms")
    def count(atoms, seed=0):
        return atoms + seed

    assert count(atoms=3) == 3
    with pytest.warns(DeprecationWarning, match="'n_atoms' is deprecated.*use 'atoms'"):
        assert count(n_atoms=3, seed=1) == 4
    with pytest.raises(TypeError, match="got both 'n_atoms' .* and 'atoms'"):
        count(n_atoms=3, atoms=3)


def test_adaptive_h_is_a_deprecated_name_of_noise_strength():
    from qclock_circuits.clock.adaptive.simulate import simulate_adaptive_clock

    options = dict(atoms=1, noise="brownian", interrogations=25, runs=1, protocol="ramsey", seed=4)
    new = simulate_adaptive_clock(noise_strength=0.03, **options)
    with pytest.warns(DeprecationWarning, match="'h' is deprecated.*'noise_strength'"):
        old = simulate_adaptive_clock(h=0.03, **options)
    assert old.h == new.h == 0.03
    assert (old.square_error == new.square_error).all() and (old.frequencies == new.frequencies).all()


def test_noise_type_and_width_are_deprecated_names():
    from qclock_circuits.clock.noise import LocalOscillatorNoise
    from qclock_circuits.optimize.limits import ctl_bmse

    with pytest.warns(DeprecationWarning, match="'noise_type' is deprecated.*'noise'"):
        old = LocalOscillatorNoise.from_coherence_time(noise_type="flicker", dead_time=0.1)
    assert old.h == LocalOscillatorNoise.from_coherence_time(noise="flicker", dead_time=0.1).h
    with pytest.warns(DeprecationWarning, match="'width' is deprecated.*'prior_width'"):
        old = ctl_bmse("css", "linear", width=0.4)
    assert old == ctl_bmse("css", "linear", prior_width=0.4) > 0


def test_stability_under_noise_noise_type_is_deprecated():
    import numpy as np

    from qclock_circuits import protocols
    from qclock_circuits.bayes.noise import stability_under_noise

    arguments = (protocols.css(2), [0.1], lambda time: {"dephasing": 0.02})
    new = stability_under_noise(*arguments, noise="random_walk", dead_time=0.05)
    with pytest.warns(DeprecationWarning, match="'noise_type' is deprecated"):
        old = stability_under_noise(*arguments, noise_type="random_walk", dead_time=0.05)
    for key in new:
        np.testing.assert_array_equal(old[key], new[key])


def test_fit_scalings_paper_symbols_are_deprecated_names():
    import numpy as np

    from qclock_circuits.network.figure3 import LABELS, fit_scalings

    taus = np.geomspace(0.01, 1000, 12)
    sigma = {name: (k + 1.0) * 1e-15 / taus * (1 + taus / 100) for k, name in enumerate(LABELS)}
    new = fit_scalings(taus, sigma, 10, 10_000, 1.0, 2.7e15)
    with pytest.warns(DeprecationWarning, match="'K' is deprecated.*'nodes'"):
        old = fit_scalings(taus, sig=sigma, K=10, N=10_000, gamma=1.0, omega0=2.7e15)
    assert repr(old) == repr(new)  # equal, NaN (no crossing) included
    assert new["paper_sqrt_K"] == pytest.approx(10**0.5)
