"""Studies of the adaptive clock (Mullan & Knill, Phys. Rev. A 90, 042310 (2014)): adaptive interrogation times T_n, and memory 2.

Run from the repository root::

    python benchmarks/adaptive_studies.py times --runs 40            # constant T vs T_n from {T, 2T, 3T}
    python benchmarks/adaptive_studies.py memory --runs 40           # the 1/f row with memory 1 vs 2

``times``: the same noise (same seed, paired runs) tracked with constant T and
with T_n chosen at every step (``adaptive_times``); the square error of the
cumulative average frequency is compared at equal *times* t = 81 … 100 (the
constant-T clock's last twenty steps; :meth:`AdaptiveClockResult.square_error_at`
for the adaptive-T clock) and the Allan variance of the corrected clock at
τ = mT, m = 1 … 49. Gains are ``100 · mean_t (1 − Ā/B̄)`` with the paired
delta-method standard error over runs (as Table 1 in ``adaptive_table1.py``).
The noise traces are paired through the seed; with adaptive windows the
frequencies are those of other windows of the same process.

``memory``: the 1/f row of Table 1 (N = 3, h = 0.05, 100 interrogations)
tracked with the memory-1 and memory-2 noise models, same seed: wall time per
run, size of the joint table, and the square-error gain of memory 2 over
memory 1 (last twenty steps).

Timings and the machine load (1-minute average) are printed; results are
recorded in ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _gain(a: np.ndarray, b: np.ndarray) -> str:
    from qclock_circuits.clock.adaptive.improvements import _gain as gain

    value, se, _ = gain(a, b, paired=True)
    return f"{value:6.1f} ± {se:4.1f} %"


def times_study(runs: int, protocol: str, atoms: int, noise: str, h: float, multiples, workers: int) -> None:
    """Constant T against adaptive T_n on paired seeds; prints the gains at equal times."""
    from qclock_circuits.clock.adaptive.simulate import simulate_adaptive_clock

    common = dict(atoms=atoms, noise=noise, noise_strength=h, interrogations=100, runs=runs, protocol=protocol, seed=0,
                  workers=workers)
    load = os.getloadavg()[0]
    constant = simulate_adaptive_clock(**common)
    timed = simulate_adaptive_clock(**common, adaptive_times=tuple(multiples))
    window = np.arange(81.0, 101.0)
    print(f"{protocol}, N={atoms}, {noise} h={h}, {runs} paired runs, T_n from {list(multiples)}; "
          f"load {load:.1f} -> {os.getloadavg()[0]:.1f}")
    print(f"  wall time: constant {constant.seconds:.1f} s, adaptive T_n {timed.seconds:.1f} s")
    counts = {k: int((timed.durations == k).sum()) for k in multiples}
    print(f"  T_n chosen: {counts}, mean {timed.durations.mean():.2f}; lost lock constant "
          f"{int(constant.lost_lock.sum())}, adaptive T_n {int(timed.lost_lock.sum())}")
    for name, result in (("constant", constant), ("adaptive T_n", timed)):
        error = np.abs(result.frequencies - result.estimates) * result.durations / np.pi  # in units of pi/T_n
        lost = np.nonzero(result.lost_lock)[0]
        print(f"  {name}: ended off lock (slipped) {int(result.slipped.sum())}; runs beyond pi/2T_n: "
              + ", ".join(f"run {i} peak {error[i].max():.2f} pi/T_n over {int((error[i] > 0.5).sum())} steps, "
                          f"end {error[i, -1]:.2f}" for i in lost))
    a, b = timed.square_error_at(window), constant.square_error_at(window)
    print(f"  square error at t = 81..100: constant {b.mean():.4g}, adaptive T_n {a.mean():.4g}, "
          f"gain {_gain(a, b)}")
    print(f"  Allan variance (m = 1..49): constant {constant.allan_variance.mean():.4g}, adaptive T_n "
          f"{timed.allan_variance.mean():.4g}, gain {_gain(timed.allan_variance, constant.allan_variance)}")


def memory_study(runs: int, protocol: str, workers: int) -> None:
    """The 1/f row with memory 1 and 2: cost per run, table size, square-error gain of memory 2."""
    from qclock_circuits.clock.adaptive.simulate import simulate_adaptive_clock

    load = os.getloadavg()[0]
    results = {}
    for memory in (1, 2):
        start = time.perf_counter()
        results[memory] = simulate_adaptive_clock(3, "flicker", 0.05, 100, runs, memory, protocol, seed=0,
                                                  workers=workers)
        seconds = time.perf_counter() - start
        print(f"memory {memory}: {seconds:.1f} s for {runs} runs ({seconds * workers / runs:.1f} s per run "
              f"per worker), lost lock {int(results[memory].lost_lock.sum())}, square error (last 20) "
              f"{results[memory].square_error[:, -20:].mean():.4g}")
    print(f"{protocol}, 1/f N=3 h=0.05, {runs} paired runs; load {load:.1f} -> {os.getloadavg()[0]:.1f}")
    print(f"  square-error gain of memory 2 over memory 1 (last 20 steps): "
          f"{_gain(results[2].square_error[:, -20:], results[1].square_error[:, -20:])}")
    print(f"  Allan-variance gain: {_gain(results[2].allan_variance, results[1].allan_variance)}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("study", choices=("times", "memory"))
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--protocol", default="ramsey", choices=("adaptive", "ramsey", "buzek"))
    parser.add_argument("--atoms", type=int, default=2)
    parser.add_argument("--noise", default="random_walk")
    parser.add_argument("--h", type=float, default=0.03)
    parser.add_argument("--times", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    if args.study == "times":
        times_study(args.runs, args.protocol, args.atoms, args.noise, args.h, args.times, args.workers)
    else:
        memory_study(args.runs, args.protocol, args.workers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
