"""Timing-error suppression of Mullan & Knill, PRA 90, 042310 (2014), appendix D: eqs. (24)–(26) and their bounds.

Independent routes: the phase errors from their definitions (expected minus
implemented relative phase, with the compensations the appendix describes),
the bounds sampled over the no-slip region and approached at its edge, and
the re-parametrised SDP cost against the original one.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from qclock_circuits._validation import QClockError
from qclock_circuits.clock.adaptive import timing as tm
from qclock_circuits.clock.adaptive.sdp import optimize_interrogation

T = 1.0


def _samples(seed=0, size=4000, atomic=12.0):
    rng = np.random.default_rng(seed)
    estimate = rng.uniform(0.0, 2.0, size)
    omega = estimate + rng.uniform(-0.999, 0.999, size) * math.pi / T  # no slip: |ω − ω*| T < π
    duration = T * rng.uniform(0.5, 1.5, size)
    return omega, estimate, duration, atomic


def test_software_lock_error_is_eq24_from_its_definition():
    omega, estimate, s, atomic = _samples()
    phase = (omega + atomic) * s  # the LO phase the experimenter sees
    s_star = phase / (estimate + atomic)
    definition = -omega * T - (-omega * s + estimate * (s_star - T))  # eq. (24), first line
    np.testing.assert_allclose(tm.timing_phase_error(omega, estimate, s, T, atomic, "software"), definition,
                               rtol=1e-12, atol=1e-12)
    # with s known the compensation ω*(s − T) leaves (ω − ω*)(s − T): the locked-oscillator control
    known = -omega * T - (-omega * s + estimate * (s - T))
    np.testing.assert_allclose(tm.timing_phase_error(omega, estimate, s, T, atomic, "locked"), known, atol=1e-12)
    np.testing.assert_allclose(tm.timing_phase_error(omega, estimate, s, T, atomic, "uncompensated"),
                               -omega * T + omega * s, atol=1e-12)


def test_reparametrised_error_is_eq26_from_its_definition():
    omega, estimate, s, atomic = _samples(1)
    phase, target = (omega + atomic) * s, T * (estimate + atomic)
    expected = tm.rho(omega, estimate, atomic) * T  # what the re-parametrised protocol expects (as −ρT)
    implemented = omega * s - (phase - target) * estimate / (estimate + atomic)  # continuous compensation
    np.testing.assert_allclose(tm.timing_phase_error(omega, estimate, s, T, atomic, "reparametrised"),
                               implemented - expected, rtol=1e-11, atol=1e-12)
    # perfect timing (the end at φ_T): no error at all, while the software lock keeps eq. (25)'s second term
    exact = tm.measurement_time(omega, estimate, T, atomic)
    np.testing.assert_allclose(tm.timing_phase_error(omega, estimate, exact, T, atomic, "reparametrised"), 0.0,
                               atol=1e-12)
    software = tm.timing_phase_error(omega, estimate, exact, T, atomic, "software")
    np.testing.assert_allclose(software, (estimate - omega) * T * omega / (omega + atomic), atol=1e-12)


@pytest.mark.parametrize("atomic", [4.0, 12.0, 1e6])
def test_bounds_hold_without_phase_slip(atomic):
    omega, estimate, s, atomic = _samples(2, atomic=atomic)
    software = np.abs(tm.timing_phase_error(omega, estimate, s, T, atomic, "software"))
    assert np.all(software <= tm.software_lock_bound(s, T, estimate, atomic) * (1 + 1e-12))
    locked = np.abs(tm.timing_phase_error(omega, estimate, s, T, atomic, "locked"))
    assert np.all(locked <= tm.locked_bound(s, T) * (1 + 1e-12))
    delta = s - tm.measurement_time(omega, estimate, T, atomic)
    repar = np.abs(tm.timing_phase_error(omega, estimate, s, T, atomic, "reparametrised"))
    assert np.all(repar <= tm.reparametrised_bound(delta, T, estimate, atomic) * (1 + 1e-12))


def test_eq25_bound_is_attained_at_the_edge_of_the_no_slip_region():
    # |ε| = |ω* − ω| |(T − s) + s ω*/(ω* + Ω)| reaches E₁ when |ω* − ω| T → π and T − s ≥ 0 (ω* > 0)
    estimate, atomic, s = 0.7, 5.0, 0.8
    for gap in (1e-3, 1e-6):
        omega = estimate - (1 - gap) * math.pi / T
        ratio = abs(tm.timing_phase_error(omega, estimate, s, T, atomic, "software")) / tm.software_lock_bound(
            s, T, estimate, atomic)
        assert ratio == pytest.approx(1.0 - gap, rel=1e-9)
    # for s > T the two terms of eq. (24) partly cancel and E₁ is not reached
    omega = estimate - 0.999999 * math.pi
    assert abs(tm.timing_phase_error(omega, estimate, 1.2, T, atomic, "software")) < 0.8 * tm.software_lock_bound(
        1.2, T, estimate, atomic)


def test_first_term_of_eq25_dominates_for_an_optical_clock():
    # Sr lattice clock: Ω = 2π · 429.228 THz, T = 1 s, LO off by 2π · 1 Hz, timing off by 1 µs
    atomic, estimate, s = 2 * math.pi * 429.228e12, 2 * math.pi * 1.0, 1.0 - 1e-6
    first = math.pi * abs(T - s) / T
    assert tm.software_lock_bound(s, T, estimate, atomic) == pytest.approx(first, rel=1e-7)
    assert tm.reparametrised_bound(1e-6, T, estimate, atomic) == pytest.approx(first, rel=1e-12)


def test_rho_and_its_inverse():
    omega = np.linspace(-2.0, 3.0, 11)
    mapped = tm.rho(omega, 0.4, 7.0)
    np.testing.assert_allclose(tm.rho_inverse(mapped, 0.4, 7.0), omega, rtol=1e-12, atol=1e-14)
    assert tm.rho(0.4, 0.4, 7.0) == pytest.approx(0.4)  # fixed point at the estimate
    np.testing.assert_allclose(tm.rho(omega, 0.4, 1e12), omega, atol=1e-10)  # identity for Ω → ∞
    with pytest.raises(QClockError, match="omega_prime"):
        tm.rho_inverse(7.4, 0.4, 7.0)
    with pytest.raises(QClockError, match="runs forwards"):
        tm.rho(-8.0, 0.4, 7.0)


def test_reparametrised_cost_differs_from_the_original_by_a_constant():
    frequencies = np.linspace(-1.0, 1.0, 9)
    weights = np.exp(-frequencies**2 / 0.3)
    weights /= weights.sum()
    offsets = 0.3 * frequencies
    phases, shifted = tm.reparametrise_prior(frequencies, 0.2, T, 2.5, offsets)
    np.testing.assert_allclose(phases, tm.rho(frequencies, 0.2, 2.5) * T)

    def cost(g, phi, m):  # the quadratic eq. (7) cost of optimize_interrogation, prior-averaged
        return weights @ ((phi - g) ** 2 + 2 * (phi - g) * m)

    gaps = [cost(g, phases, shifted) - cost(g, frequencies * T, offsets) for g in (-0.7, 0.0, 0.4, 1.3)]
    np.testing.assert_allclose(gaps, gaps[0], atol=1e-12)
    # so the re-parametrised program is an ordinary one on the mapped grid
    result = optimize_interrogation(1, phases, weights, phase_offsets=shifted, label_count=4, max_iterations=2)
    assert result.povm.shape[0] >= 2


def test_bad_input_names_the_argument():
    with pytest.raises(QClockError, match="strategy"):
        tm.timing_phase_error(0.1, 0.0, 1.0, 1.0, 10.0, "magic")
    with pytest.raises(QClockError, match="true_duration"):
        tm.timing_phase_error(0.1, 0.0, 0.0, 1.0, 10.0)
    with pytest.raises(QClockError, match="atomic_frequency"):
        tm.software_lock_bound(1.0, 1.0, 0.0, -1.0)
    with pytest.raises(QClockError, match="interrogation_time"):
        tm.locked_bound(1.0, 0.0)


def test_timed_phases_of_each_strategy():
    grid = np.linspace(-3.0, 3.0, 13)
    omega, estimate, delta, atomic = 0.7, 0.4, 0.03, 200.0
    end = tm.measurement_time(omega, estimate, T, atomic, delta)
    # locked: the atoms see ωT minus (ω − ω*)(s − T); hypotheses unchanged
    offsets = np.linspace(-0.2, 0.3, grid.size)
    phases, shifted, seen = tm.timed_phases(tm.TimingErrors(atomic, 0.05, "locked"), grid, omega, estimate, T, delta,
                                            offsets)
    np.testing.assert_array_equal(phases, grid * T)
    np.testing.assert_array_equal(shifted, offsets)
    assert seen == pytest.approx(omega * T - (omega - estimate) * (end - T), rel=1e-12)
    # reparametrised without a timing error: hypotheses and truth are both ρ(ω)T, nothing unmodelled is left
    timing = tm.TimingErrors(atomic, 0.0, "reparametrised")
    phases, shifted, seen = tm.timed_phases(timing, grid, omega, estimate, T, 0.0, offsets)
    np.testing.assert_allclose(phases, grid * (estimate + atomic) / (grid + atomic) * T, rtol=1e-12)
    np.testing.assert_allclose(shifted, offsets + grid * T - phases, rtol=1e-12, atol=1e-15)  # m' = m + (ω − ρ(ω))T
    assert seen == pytest.approx(omega * (estimate + atomic) / (omega + atomic) * T, rel=1e-12)
    # uncompensated with perfect timing still errs by ω(s − T), s = T(ω* + Ω)/(ω + Ω)
    _, _, seen = tm.timed_phases(tm.TimingErrors(atomic, 0.0, "uncompensated"), grid, omega, estimate, T, 0.0)
    assert seen == pytest.approx(omega * T - omega * (T * (estimate + atomic) / (omega + atomic) - T), rel=1e-12)


def test_timing_errors_configuration_round_trip_and_checks():
    timing = tm.TimingErrors(150.0, 0.02, "software")
    assert tm.TimingErrors.from_dict(timing.to_dict()) == timing
    with pytest.raises(QClockError, match="atomic_frequency"):
        tm.TimingErrors(0.0)
    with pytest.raises(QClockError, match="jitter"):
        tm.TimingErrors(150.0, -0.1)
    with pytest.raises(QClockError, match="strategy"):
        tm.TimingErrors(150.0, 0.0, "guess")


def test_running_clock_with_timing_errors():
    from qclock_circuits.clock.adaptive.clock_result import AdaptiveClockResult
    from qclock_circuits.clock.adaptive.simulate import simulate_adaptive_clock

    common = dict(atoms=2, noise="brownian", noise_strength=0.03, interrogations=30, runs=3, protocol="ramsey",
                  seed=4)
    plain = simulate_adaptive_clock(**common)
    # an optical-scale Ω with perfect timing: the same noise traces and outcomes, the same clock
    optical = simulate_adaptive_clock(**common, timing=tm.TimingErrors(1e12, 0.0, "software"))
    np.testing.assert_array_equal(optical.frequencies, plain.frequencies)
    np.testing.assert_allclose(optical.square_error, plain.square_error, rtol=1e-9)
    # jitter changes the phases the atoms see (the third random stream), not the noise traces
    jittered = simulate_adaptive_clock(**common, timing=tm.TimingErrors(100.0, 0.1, "uncompensated"))
    np.testing.assert_array_equal(jittered.frequencies, plain.frequencies)
    assert not np.array_equal(jittered.estimates, plain.estimates)
    assert AdaptiveClockResult.from_dict(jittered.to_dict()).timing == jittered.timing
    assert "timing" not in plain.to_dict()
    with pytest.raises(QClockError, match="atomic_frequency"):
        simulate_adaptive_clock(**common, timing=tm.TimingErrors(10.0, 0.0))
    with pytest.raises(QClockError, match="jitter"):
        simulate_adaptive_clock(**common, timing=tm.TimingErrors(1e3, 0.2))
    with pytest.raises(QClockError, match="constant-T"):
        simulate_adaptive_clock(**common, timing=tm.TimingErrors(1e3, 0.0), adaptive_times=(1, 2))
