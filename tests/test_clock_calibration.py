"""Prior-width calibration of the closed loop (Kielinski & Hammerer A5D) and dead-time broadening (A5E)."""

import numpy as np
import pytest

from qclock_circuits import bayes
from qclock_circuits._validation import QClockError
from qclock_circuits.clock.calibration import (
    PriorWidthCalibration,
    calibrate_prior_width,
    dead_time_phase_width,
    initial_prior_width,
)


def test_stage_zero_heuristic_end_points():
    atoms = 8
    assert initial_prior_width(atoms, 0.01)[0] ** 2 == pytest.approx(0.01 ** (4 / 3) * atoms ** (-1 / 4))
    assert initial_prior_width(atoms, 1.0)[0] == pytest.approx(bayes.prior_width(1.0, "flicker"))


def test_iterative_calibration_converges():
    times = np.geomspace(0.01, 0.3, 4)
    result = calibrate_prior_width(8, times, "flicker", stages=3, cycles=20_000, seed=1)
    last, previous = np.array(result.measured[-1]), np.array(result.measured[-2])
    assert np.all(np.abs(last / previous - 1) < 0.08)
    # at short T the loop's own estimation noise widens the prior beyond eq. (31)
    assert result.width(0.01) > bayes.prior_width(0.01, "flicker")
    again = PriorWidthCalibration.from_dict(result.to_dict())
    assert np.allclose(again.width(times), result.width(times))


@pytest.mark.parametrize("noise, exponent, normalisation", [
    ("white", 1, lambda td: 1 + td), ("random_walk", 3, lambda td: 1 / (1 + td))])
@pytest.mark.parametrize("dead_time", [0.05, 0.2])
def test_dead_time_broadening_matches_eq_43(noise, exponent, normalisation, dead_time):
    # δφ_D² = 2 (T_D/Z)^(1−α), times the factor of the eq. (30) level set at τ = 1 + T_D
    measured = dead_time_phase_width(noise, dead_time, cycles=1 << 17, seed=7)
    assert measured**2 == pytest.approx(2 * dead_time**exponent * normalisation(dead_time), rel=0.04)


def test_dead_time_broadening_needs_dead_time():
    with pytest.raises(QClockError, match="dead_time"):
        dead_time_phase_width("white", 0.0)


def test_calibration_where_every_time_hops_is_a_clear_error():
    with pytest.raises(QClockError, match="does not fringe-hop"):
        calibrate_prior_width(4, [1.5], "flicker", stages=0, cycles=20_000, seed=1)
