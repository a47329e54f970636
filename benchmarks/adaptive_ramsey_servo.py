"""Study: is the Brownian Table 1 Allan cell of Mullan & Knill (PRA 90, 042310 (2014)) a linear-servo Ramsey baseline?

Run from the repository root::

    python benchmarks/adaptive_ramsey_servo.py --runs 40

Hypothesis: the paper's Ramsey clock might not have had the exact Bayesian
tracking this package gives every protocol; a standard Ramsey clock instead
steers the LO with a linear servo, ``ω*_{n+1} = ω*_n + g · e_n / T`` with the
error signal ``e_n = 2M/N`` (M the collective ``J_z`` outcome of a CSS Ramsey
measurement referenced to ``ω*_n T``, ``E e = sin((ω_n − ω*_n) T)``), and its
output frequency during window n is the steered ``ω*_n``. Its Allan variance of
``ω_n − ω*_n`` is compared, on the *same noise traces* (run r uses the noise
stream of child r of ``SeedSequence(seed)``, as
:func:`~qclock_circuits.clock.adaptive.simulate.simulate_adaptive_clock`),
with the adaptive protocol and with the Bayesian-tracked Ramsey of the package.
Brownian row: N = 2, h = 0.03, 100 interrogations, memory 1; the servo gain g
is scanned (g = 1 is the dead-beat lock that corrects the whole measured
error every cycle) and the improvement printed for each gain. Improvement ``100 · mean_m (1 − Ā_m/B̄_m)``
± the paired delta-method standard error, as in Table 1.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

_ROOT = Path(__file__).resolve().parent.parent
if (_ROOT / "qclock_circuits").is_dir() and str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))  # study this checkout's package

__all__ = ["GAINS", "main", "servo_allan"]

GAINS = (0.1, 0.2, 0.3, 0.5, 0.7, 1.0)


def servo_allan(runs: int, gain: float, seed: int = 0, atoms: int = 2, h: float = 0.03,
                interrogations: int = 100) -> np.ndarray:
    """Per-run overlapping Allan variances (m = 1 … ⌊(M−1)/2⌋) of ``ω − ω*`` for the linear-servo Ramsey clock."""
    from qclock_circuits.clock.adaptive.baselines import ramsey_interrogation
    from qclock_circuits.clock.adaptive.sdp import outcome_probabilities
    from qclock_circuits.clock.adaptive.clock_result import _allan_factors
    from qclock_circuits.clock.adaptive.clock_run import _noise_factor
    from qclock_circuits.clock.allan import overlapping_adev

    probe = ramsey_interrogation(atoms)
    factor = _noise_factor("random_walk", h, interrogations, 1.0)
    factors = _allan_factors(interrogations)
    spin = np.arange(atoms + 1) - atoms / 2.0
    rows = []
    for child in np.random.SeedSequence(seed).spawn(runs):
        noise_seed, outcome_seed = child.spawn(2)
        truth = factor @ np.random.default_rng(noise_seed).standard_normal(interrogations)
        rng = np.random.default_rng(outcome_seed)
        steered = np.empty(interrogations)
        estimate = 0.0
        for n in range(interrogations):
            steered[n] = estimate
            chance = outcome_probabilities(probe.state, probe.povm, np.array([truth[n] - estimate]))[0]
            outcome = int(rng.choice(atoms + 1, p=chance / chance.sum()))
            estimate += gain * 2.0 * spin[outcome] / atoms
        rows.append(overlapping_adev(truth - steered, 1.0, taus=factors * 1.0).sigma ** 2)
    return np.array(rows)


def _gain(adaptive: np.ndarray, baseline: np.ndarray) -> tuple[float, float]:
    mean_a, mean_b = adaptive.mean(axis=0), baseline.mean(axis=0)
    value = float(np.mean(100.0 * (1.0 - mean_a / mean_b)))
    scores = ((baseline - mean_b) * mean_a / mean_b**2).mean(axis=1) - ((adaptive - mean_a) / mean_b).mean(axis=1)
    return value, 100.0 * float(scores.std(ddof=1) / math.sqrt(scores.size))


def main(argv=None) -> int:
    """Run the study and print the improvements (module docstring)."""
    from qclock_circuits.clock.adaptive.simulate import simulate_adaptive_clock

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    servo = {gain: servo_allan(args.runs, gain) for gain in GAINS}
    for gain, rows in servo.items():
        print(f"servo gain {gain:4.2f}: Allan variance averaged over m {rows.mean():.5f} rad²/T²")
    best = min(servo, key=lambda g: servo[g].mean())
    adaptive = simulate_adaptive_clock(2, "random_walk", 0.03, 100, args.runs, 1, "adaptive", 0, args.workers)
    ramsey = simulate_adaptive_clock(2, "random_walk", 0.03, 100, args.runs, 1, "ramsey", 0, args.workers)
    print(f"Bayesian-tracked Ramsey: {ramsey.allan_variance.mean():.5f}; adaptive: {adaptive.allan_variance.mean():.5f}")
    value, se = _gain(adaptive.allan_variance, ramsey.allan_variance)
    print(f"adaptive vs Bayesian-tracked Ramsey: {value:.1f} ± {se:.1f} % (paper 49.3 ± 0.43)")
    for gain, rows in servo.items():
        value, se = _gain(adaptive.allan_variance, rows)
        versus, versus_se = _gain(ramsey.allan_variance, rows)
        mark = " (best gain)" if gain == best else ""
        print(f"linear-servo Ramsey g = {gain:4.2f}{mark}: adaptive gains {value:.1f} ± {se:.1f} %, "
              f"Bayesian-tracked Ramsey gains {versus:.1f} ± {versus_se:.1f} % (paper 49.3 ± 0.43)")
    print(f"{args.runs} paired runs, {time.perf_counter() - start:.0f} s, load {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
