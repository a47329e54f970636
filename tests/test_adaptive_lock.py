"""The adaptive clock keeps lock: slip-robust interrogations, a tracking grid that widens, lost-lock statistics.

Mullan & Knill, PRA 90, 042310 (2014), section VI. The formerly lost run: run
61 of ``SeedSequence(1)``, two atoms, Brownian noise h = 0.03 (``qclock
adaptive --atoms 2 --noise brownian --noise-strength 0.03 --runs 100 --seed 1``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from qclock_circuits._validation import QClockError
from qclock_circuits.clock.adaptive import clock_run, interrogation_programs, simulate
from qclock_circuits.clock.adaptive.covariance import transition_law
from qclock_circuits.clock.adaptive.sdp import outcome_probabilities
from qclock_circuits.clock.adaptive.simulate import (
    SLIP_WEIGHT,
    simulate_adaptive_clock,
    slip_robust_prior,
    summarise_protocols,
)
from qclock_circuits.clock.adaptive.tracking import TrackerState, predict


def _alias_contrast(slip_weight: float, width: float = 0.25) -> float:
    """Largest total-variation distance between the outcome laws at φ and φ + π (φ in the prior's core)."""
    index = int(round(math.log(width) / math.log(simulate.WIDTH_RATIO)))
    state, povm = interrogation_programs._cached_sdp(2, index, 0, slip_weight)
    phases = np.linspace(-0.5, 0.5, 11)
    near = outcome_probabilities(state, povm, phases)
    far = outcome_probabilities(state, povm, phases + math.pi)
    return float(0.5 * np.abs(near - far).sum(axis=1).max())


def test_plain_gaussian_program_cannot_tell_a_half_fringe_slip_and_the_slip_robust_one_can():
    """The cause of the lost runs: the two-atom NOON-like probe sees only 2φ (φ and φ + π look alike)."""
    assert _alias_contrast(0.0) < 1e-3
    assert _alias_contrast(SLIP_WEIGHT) > 0.1


def test_slip_robust_prior_is_a_normalised_mixture():
    phases, weights = slip_robust_prior(0.3, 0.01)
    assert weights.sum() == pytest.approx(1.0, abs=1e-12)
    assert weights[np.abs(phases) > 2.5].sum() == pytest.approx(0.01 * 4 / 24, rel=1e-9)  # 2 of 24 uniform points each side
    bare_phases, bare = slip_robust_prior(0.3, 0.0)
    assert bare.size == 48 and np.all(np.abs(bare_phases) <= 6 * 0.3 + 1e-12)
    with pytest.raises(QClockError, match="slip_weight"):
        slip_robust_prior(0.3, 0.7)
    with pytest.raises(QClockError, match="slip_weight"):
        simulate_adaptive_clock(2, "brownian", 0.03, 5, slip_weight=-0.1)


def _bimodal_state(distance: int) -> tuple[TrackerState, int, float]:
    law = transition_law(simulate.nist_spectrum("brownian", 0.03), 1, 1.0)
    spacing, half = clock_run._grid_layout(law, 1.0)
    grid = clock_run._tracker_grid(0, half, spacing)
    posterior = np.zeros(grid.size)
    posterior[half] = 0.7
    posterior[half + distance] += 0.15  # slip hypotheses near both edges of the grid
    posterior[half - distance] += 0.15
    zeros = np.zeros(grid.size)
    return TrackerState(grid=grid, posterior=posterior, phase_moment1=zeros, phase_moment2=zeros), half, spacing


def test_tracking_grid_widens_to_keep_a_far_mode_instead_of_dropping_it():
    state, half, spacing = _bimodal_state(distance=half_size() - 2)  # far mode inside the old empty margin
    law = transition_law(simulate.nist_spectrum("brownian", 0.03), 1, 1.0)
    moved, offset, new_half, dropped = clock_run._recentre(state, 0, half, spacing, half, 10 * half)
    assert dropped == 0.0
    assert new_half > half  # widened
    assert moved.posterior.sum() == pytest.approx(1.0, abs=1e-12)
    far = (half - 2) * spacing
    for side in (-1, 1):
        assert moved.posterior[np.argmin(np.abs(moved.grid - side * far))] == pytest.approx(0.15, abs=1e-12)
    assert offset == 0 and moved.grid[new_half] == 0.0  # centred on the posterior mean
    predict(moved, law, 1.0)  # the widened grid holds the prediction (< 1e-9 beyond it)
    # once the far mode is gone the grid shrinks back to its base size
    single = TrackerState(grid=moved.grid, posterior=np.where(np.arange(moved.grid.size) == new_half, 1.0, 0.0),
                          phase_moment1=moved.phase_moment1, phase_moment2=moved.phase_moment2)
    assert clock_run._recentre(single, offset, new_half, spacing, half, 10 * half)[2] == half


def test_tracking_grid_drops_mass_only_at_the_table_limit_and_reports_it():
    state, half, spacing = _bimodal_state(distance=half_size() - 2)
    _, _, new_half, dropped = clock_run._recentre(state, 0, half, spacing, half, half)  # no room to widen
    assert new_half == half
    assert dropped == pytest.approx(0.3, rel=1e-9)  # both slip modes, reported


def half_size() -> int:
    law = transition_law(simulate.nist_spectrum("brownian", 0.03), 1, 1.0)
    return clock_run._grid_layout(law, 1.0)[1]


def test_summary_counts_lost_runs_and_excludes_them_pairwise():
    results = {name: simulate_adaptive_clock(2, "brownian", 0.03, 20, runs=4, protocol="ramsey", seed=3)
               for name in ("adaptive", "ramsey", "buzek")}
    estimates = results["buzek"].estimates.copy()
    estimates[2, 5] += 2.0  # run 2 of 'buzek' slips
    results["buzek"] = simulate.AdaptiveClockResult(**{**results["buzek"].__dict__, "estimates": estimates})
    summary = summarise_protocols(results)
    assert summary["lost_lock_runs"] == {"adaptive": 0, "ramsey": 0, "buzek": 1}
    assert summary["slipped_runs"] == {"adaptive": 0, "ramsey": 0, "buzek": 0}  # one step off, then back
    estimates[1, -10:] += 1.7  # run 1 ends locked 1.7 rad/T off
    slipped = simulate.AdaptiveClockResult(**{**results["buzek"].__dict__, "estimates": estimates})
    assert slipped.slipped.tolist() == [False, True, False, False]
    assert slipped.lost_lock.tolist() == [False, True, True, False]
    assert summary["lost_lock_any"] == 1
    kept = [0, 1, 3]
    expected = simulate.improvement(results["adaptive"].select(kept), results["ramsey"].select(kept))
    assert summary["improvement_without_lost_lock"]["ramsey"] == expected
    with pytest.raises(QClockError, match="missing buzek"):
        summarise_protocols({"adaptive": results["adaptive"], "ramsey": results["ramsey"]})


@pytest.mark.slow
def test_formerly_lost_seed_keeps_lock():
    """Run 61 of seed 1 (Brownian, N = 2): lost with the plain Gaussian program, kept with the slip-robust one."""
    options = dict(atoms=2, noise="brownian", noise_strength=0.03, interrogations=25, runs=1, protocol="adaptive",
                   seed=1, first_run=61)
    plain = simulate_adaptive_clock(**options, slip_weight=0.0)
    robust = simulate_adaptive_clock(**options)
    assert plain.lost_lock[0]  # the frequency error reaches ≈ π/T: locked on the alias
    assert np.abs(plain.frequencies - plain.estimates).max() > 2.5
    assert plain.slipped[0]  # and it ends there
    assert not robust.lost_lock[0] and not robust.slipped[0]
    assert robust.dropped_mass[0] < 1e-9


def test_paper_sized_errors_are_the_spread_over_times_not_over_runs():
    """Why Table 1's errors (≈ 0.4 %) are far below ours: they match the spread of the per-step gains.

    Synthetic runs whose square error is constant in time but varies from run to run: the per-step gain is the
    same at every step (spread over times 0) while the runs determine it only to several percent.
    """
    rng = np.random.default_rng(0)
    template = simulate_adaptive_clock(1, "random_walk", 0.03, 41, runs=30, protocol="ramsey", seed=1)
    flat = np.ones((1, 41))
    adaptive = simulate.AdaptiveClockResult(**{**template.__dict__,
                                               "square_error": rng.lognormal(0.0, 1.0, size=(30, 1)) * flat})
    baseline = simulate.AdaptiveClockResult(**{**template.__dict__,
                                               "square_error": rng.lognormal(0.5, 1.0, size=(30, 1)) * flat})
    gain = simulate.improvement(adaptive, baseline)["square_error"]
    assert gain["se_over_times"] == pytest.approx(0.0, abs=1e-9)
    assert gain["se"] > 5.0
