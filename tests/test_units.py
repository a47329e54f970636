"""The unit rule in the Python API: seconds with coherence_time, units of Z otherwise, the same numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qclock_circuits import bayes
from qclock_circuits._units import TimeUnit
from qclock_circuits.bayes.stability import stability_point

Z = 1.7  # coherence time (s)


def test_time_unit_conversions():
    unit = TimeUnit(Z)
    assert unit.to_z(3.4) == pytest.approx(2.0) and unit.from_z(2.0) == pytest.approx(3.4)
    np.testing.assert_allclose(unit.to_z([1.7, 3.4]), [1.0, 2.0])
    assert unit.fields() == {"time_unit": "s", "coherence_time": Z}
    assert TimeUnit().fields() == {"time_unit": "Z", "coherence_time": None} and TimeUnit().to_z(0.3) == 0.3
    for bad in (0, -1.0, math.inf, math.nan, "2", True):
        with pytest.raises(ValueError, match="coherence_time must be None or a finite number > 0"):
            TimeUnit(bad)


def test_prior_width_and_allan_deviation_in_seconds():
    times = np.array([0.01, 0.1, 0.5])
    for noise in ("white", "flicker", "random_walk"):
        in_z = bayes.prior_width(times, noise, 0.05)
        in_s = bayes.prior_width(times * Z, noise, 0.05 * Z, coherence_time=Z)
        np.testing.assert_allclose(in_s, in_z, rtol=1e-13)
    # eq. (31) with eqs. (42)-(43), flicker (chi = 1.7, alpha = -1): 1.7 (T/Z)^2 + 2 (T_D/Z)^2
    assert bayes.prior_width(0.2 * Z, "flicker", 0.1 * Z, coherence_time=Z) == pytest.approx(
        math.sqrt(1.7 * 0.2**2 + 2 * 0.1**2), rel=1e-13)
    assert bayes.allan_deviation(0.3, 0.2 * Z, 0.1 * Z, coherence_time=Z) == pytest.approx(
        0.3 * math.sqrt(0.3) / 0.2, rel=1e-13)
    with pytest.raises(ValueError, match=r"interrogation_time must be > 0 \(seconds\)"):
        bayes.prior_width(-1.0, coherence_time=Z)


@pytest.mark.parametrize("kind", ["css", "ghz", "pi_hl"])
def test_stability_point_in_seconds_equals_units_of_z(kind):
    in_z = stability_point(kind, 6, 0.12, noise="random_walk", dead_time=0.03)
    in_s = stability_point(kind, 6, 0.12 * Z, noise="random_walk", dead_time=0.03 * Z, coherence_time=Z)
    assert (in_z.time_unit, in_s.time_unit) == ("Z", "s")
    assert in_s.interrogation_time == pytest.approx(0.12 * Z) and in_s.dead_time == pytest.approx(0.03 * Z)
    for name in ("prior_width", "bmse", "dphi_m", "sigma"):
        assert getattr(in_s, name) == pytest.approx(getattr(in_z, name), rel=1e-12), name
    assert type(in_s).from_dict(in_s.to_dict()) == in_s


def test_stability_point_decoherence_times_in_seconds():
    from qclock_circuits.protocols import AtomicDecoherence

    atoms_z = AtomicDecoherence(t1=5.0, t2=2.0)
    atoms_s = AtomicDecoherence(t1=5.0 * Z, t2=2.0 * Z)
    in_z = stability_point("css", 4, 0.1, decoherence=atoms_z)
    in_s = stability_point("css", 4, 0.1 * Z, decoherence=atoms_s, coherence_time=Z)
    assert in_s.sigma == pytest.approx(in_z.sigma, rel=1e-10)
    assert in_z.sigma > stability_point("css", 4, 0.1).sigma  # decoherence costs stability


def test_simulate_clock_in_seconds_is_the_same_run():
    from qclock_circuits import protocols
    from qclock_circuits.clock import ClockRun, simulate_clock

    options = dict(noise="flicker", cycles=3000, seed=3, block_size=1000)
    in_z = simulate_clock(protocols.css(3), 0.1, 0.02, **options)
    in_s = simulate_clock(protocols.css(3), 0.1 * Z, 0.02 * Z, coherence_time=Z, **options)
    assert (in_z.time_unit, in_s.time_unit) == ("Z", "s")
    assert in_s.interrogation_time == pytest.approx(0.1 * Z) and in_s.dead_time == pytest.approx(0.02 * Z)
    np.testing.assert_allclose(in_s.adev.tau, Z * in_z.adev.tau, rtol=1e-13)
    np.testing.assert_array_equal(in_s.adev.sigma, in_z.adev.sigma)
    assert in_s.fit_min_tau == pytest.approx(Z * in_z.fit_min_tau)
    assert (in_s.sigma_scaled, in_s.prior_width, in_s.phase_rms) == (in_z.sigma_scaled, in_z.prior_width,
                                                                     in_z.phase_rms)
    assert ClockRun.from_dict(in_s.to_dict()).time_unit == "s"


def test_dead_time_and_limit_functions_in_seconds_equal_units_of_z():
    from qclock_circuits._validation import QClockError
    from qclock_circuits.bayes import dead_time_width
    from qclock_circuits.optimize.limits import ctl_sigma
    from qclock_circuits.optimize.stability import dick_sigma

    z = 2.5  # coherence time, s
    for noise in ("white", "flicker", "random_walk"):
        assert dead_time_width(0.3 * z, noise, coherence_time=z) == pytest.approx(dead_time_width(0.3, noise),
                                                                                    rel=1e-12)
        assert dick_sigma(noise, 0.2 * z, 0.1 * z, coherence_time=z) == pytest.approx(dick_sigma(noise, 0.2, 0.1),
                                                                                        rel=1e-12)
        assert ctl_sigma("css", "bayes", 0.4 * z, 0.1 * z, noise, coherence_time=z) == pytest.approx(
            ctl_sigma("css", "bayes", 0.4, 0.1, noise), rel=1e-12)
    assert dead_time_width(0.3, "flicker") > 0  # and the values are not trivially zero
    with pytest.raises(QClockError, match="seconds"):
        dead_time_width(-1.0, coherence_time=z)
