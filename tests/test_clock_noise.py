"""Local-oscillator frequency noise (qclock_circuits.clock.noise): levels, exactness, reproducibility."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from qclock_circuits._validation import QClockError
from qclock_circuits.clock import _cycle_law
from qclock_circuits.clock.allan import overlapping_adev
from qclock_circuits.clock.noise import FlickerLadder, LocalOscillatorNoise, NoiseState, flicker_ladder

TYPES = ["white", "flicker", "random_walk"]
MODELS = {name: LocalOscillatorNoise.from_coherence_time(name) for name in TYPES}
MODELS["sum"] = LocalOscillatorNoise.from_coherence_time({"white": 1.0, "flicker": 2.0, "random_walk": 1.0})


def _cycle_means(ramsey, dead, period, dead_time):
    return (period * ramsey + dead_time * dead) / (period + dead_time)


# ----------------------------------------------------------------------------- analytic levels
@pytest.mark.parametrize("dead_time", [0.0, 0.3, 2.0])
@pytest.mark.parametrize("kind", TYPES + [{"white": 1, "flicker": 1, "random_walk": 1}, {"flicker": 3, 0: 1}])
def test_coherence_time_normalisation(kind, dead_time):
    lo = LocalOscillatorNoise.from_coherence_time(kind, dead_time)
    assert lo.analytic_adev(1.0 + dead_time) == pytest.approx(1.0, rel=1e-13)


def test_analytic_formulas_and_psd():
    lo = LocalOscillatorNoise({"white": 0.4, "flicker": 0.3, "random_walk": 0.2})
    tau = np.array([0.1, 1.0, 7.0])
    expected = 0.4 / (2 * tau) + 2 * math.log(2) * 0.3 + 2 * math.pi**2 / 3 * 0.2 * tau
    np.testing.assert_allclose(lo.analytic_avar(tau), expected, rtol=1e-14)
    np.testing.assert_allclose(lo.analytic_adev(tau), np.sqrt(expected), rtol=1e-14)
    f = np.array([0.01, 1.0, 30.0])
    np.testing.assert_allclose(lo.psd(f), 0.4 + 0.3 / f + 0.2 / f**2, rtol=1e-14)
    assert isinstance(lo.analytic_adev(2.0), float) and isinstance(lo.psd(2.0), float)
    assert dict(lo.h) == {0: 0.4, -1: 0.3, -2: 0.2}
    assert LocalOscillatorNoise.from_dict(json.loads(json.dumps(lo.to_dict()))) == lo
    assert hash(LocalOscillatorNoise({0: 0.4, -1: 0.3, -2: 0.2})) == hash(lo)
    # levels of the single types (module docstring)
    assert MODELS["white"].h[0] == pytest.approx(2.0)
    assert MODELS["flicker"].h[-1] == pytest.approx(1 / (2 * math.log(2)))
    assert MODELS["random_walk"].h[-2] == pytest.approx(3 / (2 * math.pi**2))


@pytest.mark.parametrize("h_phys", [{"white": 2e-31}, {"flicker": 1e-32}, {"random_walk": 3e-34},
                                    {"white": 1e-31, "flicker": 1e-32, "random_walk": 1e-34}])
def test_from_physical_h(h_phys):
    nu0, dead_s = 429.228e12, 0.4
    lo = LocalOscillatorNoise.from_h(h_phys, transition_frequency=nu0, dead_time=dead_s)
    z = lo.coherence_time
    physical = LocalOscillatorNoise(h_phys)
    # eq. (30): σ_y(Z + T_D) · 2πν0 · Z = 1 rad, with the physical Allan deviation in seconds
    assert physical.analytic_adev(z + dead_s) * 2 * math.pi * nu0 * z == pytest.approx(1.0, rel=1e-10)
    # in units of Z the same statement reads σ_ω(1 + T_D/Z) = 1
    assert lo.analytic_adev(1.0 + dead_s / z) == pytest.approx(1.0, rel=1e-10)
    for alpha, value in lo.physical_h().items():
        assert value == pytest.approx(physical.h[alpha], rel=1e-12)
    given = LocalOscillatorNoise.from_h(h_phys, transition_frequency=nu0, coherence_time=2 * z)
    for alpha, value in given.h.items():
        assert value == pytest.approx(physical.h[alpha] * (2 * math.pi * nu0) ** 2 * (2 * z) ** (1 - alpha))
    assert LocalOscillatorNoise.from_h({"flicker": 0.5}).h == {-1: 0.5}


# ----------------------------------------------------------------------------- flicker ladder
def test_flicker_ladder_accuracy():
    h = 0.8
    band = (1.0 / 2**18, 1.0)
    ladder = flicker_ladder(h, band)  # defaults: 2 per decade, 2-decade margins
    decades = math.log10(band[1] / band[0]) + 4
    assert ladder.rates.size == math.ceil(2 * decades - 1e-9) + 1
    ratio = ladder.rates[1:] / ladder.rates[:-1]
    np.testing.assert_allclose(ratio, 10**0.5)
    f = np.logspace(math.log10(band[0]), math.log10(band[1]), 400)
    psd_error = np.abs(ladder.psd(f) * f / h - 1)
    assert psd_error.max() < 0.004
    tau = 2.0 ** np.arange(0, 17)  # from the shortest window to a quarter of the run
    adev_error = np.abs(ladder.adev(tau) / math.sqrt(2 * math.log(2) * h) - 1)
    assert adev_error.max() < 0.0025
    # one per decade or no margin is visibly worse: the defaults matter
    coarse = flicker_ladder(h, band, per_decade=2, margin_decades=0)
    assert np.abs(coarse.adev(tau) / math.sqrt(2 * math.log(2) * h) - 1).max() > 0.02


def test_flicker_band_follows_run():
    lo = MODELS["flicker"]
    state = lo.initial_state(0.5, 1.5, total_cycles=1000, seed=1)
    rates = state.ladder.rates / (2 * math.pi)
    assert rates.min() <= 1e-2 / (1000 * 2.0) * 1.01 and rates.max() >= 1e2 / 0.5 * 0.99
    assert MODELS["white"].initial_state(1.0, seed=1).ladder is None


# ----------------------------------------------------------------------------- exactness of the generator
def test_white_window_means_exact():
    h0, period, dead = 0.9, 0.3, 0.2
    lo = LocalOscillatorNoise({"white": h0})
    ramsey, dead_means, _ = lo.generate(5000, period, dead, seed=123)
    normals = np.random.default_rng(123).standard_normal((5000, 2, 1))
    np.testing.assert_allclose(ramsey, math.sqrt(h0 / (2 * period)) * normals[:, 0, 0], rtol=1e-14)
    np.testing.assert_allclose(dead_means, math.sqrt(h0 / (2 * dead)) * normals[:, 1, 0], rtol=1e-14)
    no_dead = lo.generate(10, period, 0.0, seed=5)
    np.testing.assert_array_equal(no_dead[1], 0.0)


def _rw_cov(windows_x, windows_y, diffusion):
    """Cov(Σ a_i mean_i, Σ b_j mean_j) for Brownian motion; zero-sum weights, windows (start, end, weight)."""
    def mean_abs(p, q):
        g = lambda x: abs(x) ** 3 / 6  # noqa: E731
        integral = g(p[1] - q[0]) + g(p[0] - q[1]) - g(p[1] - q[1]) - g(p[0] - q[0])
        return integral / ((p[1] - p[0]) * (q[1] - q[0]))

    return -sum(a * b * 0.5 * diffusion * mean_abs(p, q) for *p, a in windows_x for *q, b in windows_y)


def test_random_walk_joint_window_statistics():
    h, period, dead = 0.3, 1.0, 0.6
    cycle = period + dead
    lo = LocalOscillatorNoise({"random_walk": h})
    diffusion = 2 * math.pi**2 * h
    ramsey, dead_means, _ = lo.generate(1 << 17, period, dead, seed=2)
    # combinations with stationary statistics: consecutive Ramsey means, dead − Ramsey, consecutive dead means
    r0, r1, d0 = (0, period), (cycle, cycle + period), (period, cycle)
    d1 = (cycle + period, 2 * cycle)
    combos = [[(*r1, 1.0), (*r0, -1.0)], [(*d0, 1.0), (*r0, -1.0)], [(*d1, 1.0), (*d0, -1.0)]]
    samples = np.stack([ramsey[1:] - ramsey[:-1], dead_means[:-1] - ramsey[:-1], dead_means[1:] - dead_means[:-1]])
    empirical = np.cov(samples)
    expected = np.array([[_rw_cov(x, y, diffusion) for y in combos] for x in combos])
    assert expected[0, 0] == pytest.approx(diffusion * (cycle - period / 3))  # hand-derived check
    np.testing.assert_allclose(empirical, expected, rtol=0.03, atol=0.03 * np.abs(expected).max())


def _ou_mean_cov(p, q, rate, variance):
    """Cov of the means over windows p, q of a stationary OU process (rate, variance)."""
    def g(x):
        x = abs(x)
        return (np.exp(-rate * x) + rate * x) / rate**2

    integral = g(p[1] - q[0]) + g(p[0] - q[1]) - g(p[1] - q[1]) - g(p[0] - q[0])
    return float(np.sum(variance * integral)) / ((p[1] - p[0]) * (q[1] - q[0]))


def test_flicker_joint_window_statistics():
    period, dead = 0.7, 1.1
    cycle = period + dead
    lo = MODELS["flicker"]
    ramsey, dead_means, state = lo.generate(1 << 16, period, dead, seed=3)
    ladder = state.ladder
    windows = {"r0": (0, period), "d0": (period, cycle), "r1": (cycle, cycle + period)}

    def cov(a, b):
        return _ou_mean_cov(windows[a], windows[b], ladder.rates, ladder.variances)

    # Var(R1 − R0), Var(D0 − R0), Cov(R1 − R0, D0 − R0) of the simulated ladder, exactly
    var_rr = cov("r1", "r1") + cov("r0", "r0") - 2 * cov("r1", "r0")
    var_dr = cov("d0", "d0") + cov("r0", "r0") - 2 * cov("d0", "r0")
    cov_x = cov("r1", "d0") - cov("r1", "r0") - cov("r0", "d0") + cov("r0", "r0")
    empirical = np.cov(np.stack([ramsey[1:] - ramsey[:-1], dead_means[:-1] - ramsey[:-1]]))
    np.testing.assert_allclose([empirical[0, 0], empirical[1, 1], empirical[0, 1]], [var_rr, var_dr, cov_x],
                               rtol=0.04)
    # and the ladder reproduces the flicker Allan variance: Var(R1 − R0)/2 at zero dead time is σ²(T)
    assert 0.5 * (2 * _ou_mean_cov((0, 1), (0, 1), ladder.rates, ladder.variances)
                  - 2 * _ou_mean_cov((1, 2), (0, 1), ladder.rates, ladder.variances)) == pytest.approx(
        lo.analytic_avar(1.0), rel=0.005)


# ----------------------------------------------------------------------------- Allan deviation of generated traces
@pytest.mark.parametrize("name", list(MODELS))
def test_adev_matches_analytic_over_five_decades(name):
    """Free-running traces at cycle times 0.01 … 100 Z: σ(τ) within 3 % for τ = 0.01 … 800 Z."""
    lo = MODELS[name]
    worst = 0.0
    for index, period in enumerate([0.01, 0.1, 1.0, 10.0, 100.0]):
        ramsey, _, _ = lo.generate(1 << 17, period, 0.0, seed=100 + index)
        result = overlapping_adev(ramsey, period, taus=period * np.array([1, 2, 4, 8]))
        worst = max(worst, np.abs(result.sigma / lo.analytic_adev(result.tau) - 1).max())
    assert worst < 0.03


@pytest.mark.parametrize("name", list(MODELS))
def test_long_trace_adev(name):
    """One 2^18-cycle trace generated in blocks: all octave τ inside the 99.9 % χ² interval, 3 % up to τ = 32."""
    lo = MODELS[name]
    period = 1.0
    blocks = lo.iter_blocks(1 << 18, 1 << 15, period, 0.0, seed=7)
    trace = np.concatenate([ramsey for ramsey, _ in blocks])
    noise = "white" if name == "white" else ("random_walk" if name == "random_walk" else "flicker")
    result = overlapping_adev(trace, period, confidence=0.999, noise=noise)
    truth = lo.analytic_adev(result.tau)
    assert result.tau[-1] >= 1e4  # more than four decades of τ
    assert np.all((result.ci_low <= truth) & (truth <= result.ci_high))
    short = result.tau <= 32
    assert np.abs(result.sigma[short] / truth[short] - 1).max() < 0.03


@pytest.mark.slow
@pytest.mark.parametrize("name", list(MODELS))
def test_long_trace_adev_four_decades_slow(name):
    """Seed-averaged Allan variance within 3 % from τ = 1 to τ = 10^4 Z (slow).

    64 seeds of two 2^16-cycle traces generated in blocks: cycle time 1 Z for
    τ = 1 … 8 Z and cycle time 16 Z for τ = 16 … 10^4 Z (m up to 625, i.e. τ up
    to 1/105 of the run, where the low edge of the flicker band and the carried
    block state matter).
    """
    lo = MODELS[name]
    families = [(1.0, np.array([1.0, 2.0, 4.0, 8.0])), (16.0, np.concatenate([16.0 * 2.0 ** np.arange(10), [1e4]]))]
    seeds = 64
    for family, (period, taus) in enumerate(families):
        total = np.zeros(taus.size)
        for seed in range(seeds):
            stream = np.random.SeedSequence(seed, spawn_key=(9, family))  # independent of the other family
            blocks = lo.iter_blocks(1 << 16, 1 << 13, period, 0.0, seed=stream)
            trace = np.concatenate([ramsey for ramsey, _ in blocks])
            total += overlapping_adev(trace, period, taus=taus).sigma ** 2
        sigma = np.sqrt(total / seeds)
        np.testing.assert_array_less(np.abs(sigma / lo.analytic_adev(taus) - 1), 0.03)


def test_dead_time_cycle_means_match_analytic():
    """With dead time, the cycle means (T R + T_D D)/T_C are the free-running cycle averages."""
    lo = MODELS["sum"]
    period, dead = 0.4, 0.6
    ramsey, dead_means, _ = lo.generate(1 << 17, period, dead, seed=11)
    result = overlapping_adev(_cycle_means(ramsey, dead_means, period, dead), period + dead, taus=[1.0, 2.0, 4.0])
    np.testing.assert_allclose(result.sigma, lo.analytic_adev(result.tau), rtol=0.03)


# ----------------------------------------------------------------------------- reproducibility
@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("dead_time", [0.0, 0.25])
def test_same_numbers_for_any_block_size(name, dead_time):
    lo = MODELS[name]
    cycles = 3000
    ramsey, dead_means, final = lo.generate(cycles, 0.5, dead_time, seed=42)
    for block_size in (1, 7, 1024, cycles, 10 * cycles):
        parts = list(lo.iter_blocks(cycles, block_size, 0.5, dead_time, seed=42))
        np.testing.assert_array_equal(np.concatenate([p[0] for p in parts]), ramsey)
        np.testing.assert_array_equal(np.concatenate([p[1] for p in parts]), dead_means)
    # manual continuation through the returned state (same planned run length)
    first = lo.generate(1234, 0.5, dead_time, seed=42, total_cycles=cycles)
    second = lo.generate(cycles - 1234, 0.5, dead_time, state=first[2])
    np.testing.assert_array_equal(np.concatenate([first[0], second[0]]), ramsey)
    np.testing.assert_array_equal(np.concatenate([first[1], second[1]]), dead_means)
    np.testing.assert_array_equal(second[2].ou_values, final.ou_values)
    assert second[2].cycles_done == cycles and second[2].elapsed == pytest.approx(cycles * (0.5 + dead_time))


def test_iter_blocks_returns_final_state_and_state_is_reusable():
    lo = MODELS["sum"]
    iterator = lo.iter_blocks(100, 30, 1.0, 0.5, seed=1)
    sizes = []
    while True:
        try:
            ramsey, _ = next(iterator)
            sizes.append(ramsey.size)
        except StopIteration as stop:
            state = stop.value
            break
    assert sizes == [30, 30, 30, 10] and isinstance(state, NoiseState) and state.cycles_done == 100
    a = lo.generate(50, 1.0, 0.5, state=state)
    b = lo.generate(50, 1.0, 0.5, state=state)  # the state passed in is not consumed
    np.testing.assert_array_equal(a[0], b[0])
    assert state.cycles_done == 100 and a[2].cycles_done == 150
    # checkpoint through JSON and continue identically
    restored = NoiseState.from_dict(json.loads(json.dumps(state.to_dict())))
    c = lo.generate(50, 1.0, 0.5, state=restored)
    np.testing.assert_array_equal(a[0], c[0])
    np.testing.assert_array_equal(a[1], c[1])


def test_seed_forms_and_independent_streams():
    lo = MODELS["flicker"]
    by_int = lo.generate(200, 1.0, 0.0, seed=9)[0]
    np.testing.assert_array_equal(lo.generate(200, 1.0, 0.0, seed=np.random.SeedSequence(9))[0], by_int)
    np.testing.assert_array_equal(lo.generate(200, 1.0, 0.0, seed=np.random.default_rng(9))[0], by_int)
    children = np.random.SeedSequence(9).spawn(2)
    x, y = (lo.generate(4000, 1.0, 0.0, seed=child)[0] for child in children)
    assert abs(np.corrcoef(np.diff(x), np.diff(y))[0, 1]) < 0.06
    assert not np.array_equal(lo.generate(200, 1.0, 0.0, seed=10)[0], by_int)


@pytest.mark.parametrize("dead_time", [0.0, 0.3])
def test_numpy_path_gives_the_same_bits(monkeypatch, dead_time):
    lo = MODELS["sum"]
    compiled = lo.generate(3000, 0.7, dead_time, seed=5)
    monkeypatch.setattr(_cycle_law, "_kernel", None)
    fallback = lo.generate(3000, 0.7, dead_time, seed=5)
    np.testing.assert_allclose(fallback[0], compiled[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fallback[1], compiled[1], rtol=1e-12, atol=1e-12)


def test_changing_windows_between_calls_continues_the_process():
    """T and T_D may change between calls: the underlying continuous process carries on."""
    lo = LocalOscillatorNoise({"random_walk": 0.5})
    diffusion = 2 * math.pi**2 * 0.5
    _, _, state = lo.generate(100, 1.0, 0.0, seed=0)
    ramsey, _, state = lo.generate(1 << 15, 2.0, 1.0, state=state)
    assert np.var(np.diff(ramsey)) == pytest.approx(diffusion * (3.0 - 2.0 / 3.0), rel=0.05)
    assert state.elapsed == pytest.approx(100 + 3.0 * (1 << 15)) and state.cycles_done == 100 + (1 << 15)


def test_zero_noise_gives_zeros():
    lo = LocalOscillatorNoise({"white": 0.0, "flicker": 0.0})
    ramsey, dead_means, state = lo.generate(10, 1.0, 1.0, seed=1)
    np.testing.assert_array_equal(ramsey, 0.0)
    np.testing.assert_array_equal(dead_means, 0.0)
    assert state.cycles_done == 10


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("args, kwargs, error, match", [
    ((0, 1.0), {}, QClockError, "cycles must be an integer >= 1"),
    ((-3, 1.0), {}, QClockError, "cycles"),
    ((2.5, 1.0), {}, TypeError, "cycles must be an integer"),
    ((10, 0.0), {}, QClockError, "interrogation_time must be a finite number > 0"),
    ((10, -1.0), {}, QClockError, "interrogation_time"),
    ((10, np.inf), {}, QClockError, "interrogation_time"),
    ((10, 1.0, -0.1), {}, QClockError, "dead_time must be a finite number >= 0"),
    ((10, 1.0), {"seed": -1}, TypeError, "seed"),
    ((10, 1.0), {"seed": "abc"}, TypeError, "seed"),
    ((10, 1.0), {"per_decade": 1}, QClockError, "per_decade"),
])
def test_bad_generate_arguments(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        MODELS["flicker"].generate(*args, **kwargs)


def test_bad_noise_definitions():
    with pytest.raises(QClockError, match="'white', 'flicker', 'random_walk'"):
        LocalOscillatorNoise({"pink": 1.0})
    with pytest.raises(QClockError, match=r"h\['white'\] must be >= 0"):
        LocalOscillatorNoise({"white": -1.0})
    with pytest.raises(QClockError, match="finite"):
        LocalOscillatorNoise({"white": np.nan})
    with pytest.raises(QClockError, match="non-empty mapping"):
        LocalOscillatorNoise({})
    with pytest.raises(QClockError, match="twice"):
        LocalOscillatorNoise({"white": 1.0, 0: 2.0})
    with pytest.raises(QClockError, match="noise"):
        LocalOscillatorNoise.from_coherence_time("blue")
    with pytest.raises(QClockError, match="noise"):
        LocalOscillatorNoise.from_coherence_time(1)
    with pytest.raises(QClockError, match="dead_time"):
        LocalOscillatorNoise.from_coherence_time("white", -1.0)
    with pytest.raises(QClockError, match="weight > 0"):
        LocalOscillatorNoise.from_coherence_time({"white": 0.0})
    with pytest.raises(QClockError, match="transition_frequency"):
        LocalOscillatorNoise.from_h({"white": 1.0}, transition_frequency=-5.0)
    with pytest.raises(QClockError, match="need transition_frequency"):
        LocalOscillatorNoise.from_h({"white": 1.0}, coherence_time=1.0)
    with pytest.raises(QClockError, match="only used to solve"):
        LocalOscillatorNoise.from_h({"white": 1.0}, transition_frequency=1e15, coherence_time=1.0, dead_time=0.5)
    with pytest.raises(QClockError, match="physical_h needs"):
        MODELS["white"].physical_h()
    with pytest.raises(QClockError, match="tau must be > 0"):
        MODELS["white"].analytic_adev(0.0)
    with pytest.raises(QClockError, match="f must be > 0"):
        MODELS["white"].psd([1.0, -1.0])
    with pytest.raises(QClockError, match="band"):
        flicker_ladder(1.0, (1.0, 0.1))


def test_bad_state_use():
    lo = MODELS["flicker"]
    _, _, state = lo.generate(10, 1.0, seed=1)
    with pytest.raises(QClockError, match="either seed or state"):
        lo.generate(10, 1.0, seed=1, state=state)
    with pytest.raises(QClockError, match="state belongs to"):
        MODELS["white"].generate(10, 1.0, state=state)
    with pytest.raises(TypeError, match="NoiseState"):
        lo.generate(10, 1.0, state={"rng": 1})
    with pytest.raises(QClockError, match="only apply to a new trace"):
        lo.generate(10, 1.0, state=state, per_decade=3)
    with pytest.raises(QClockError, match="block_size"):
        list(lo.iter_blocks(10, 0, 1.0, seed=1))
    assert isinstance(state.ladder, FlickerLadder)
