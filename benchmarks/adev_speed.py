"""Benchmark: overlapping Allan deviation, qclock_circuits.clock.allan vs allantools.oadev.

Run from the repository root::

    python benchmarks/adev_speed.py                    # 10^7 white-FM samples, octave τ
    python benchmarks/adev_speed.py --points 1000000 --repeats 5
    python benchmarks/adev_speed.py --out benchmarks/output/adev_speed.json

Both sides get the same white-noise fractional-frequency trace (seed 2024)
and compute the overlapping ADEV at every octave τ = 2^k (tau0 = 1):
``overlapping_adev(y)`` and ``allantools.oadev(y, rate=1, data_type="freq",
taus="octave")``. After one warm-up call each (which also loads or compiles
the numba kernels) the two are timed alternately, ``--repeats`` times each, so
that a change of machine load hits both alike. Reported: median and best wall
time and the median CPU time of this process (``time.process_time``, less
sensitive to other jobs on a shared machine), the speed-ups of the medians,
the 1-minute load average before and after, and the largest relative
difference of the deviations (must be ≤ 1e-12; the script exits with status 1
otherwise, and never asserts timings). The target is a speed-up of at least 5x.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

_ROOT = Path(__file__).resolve().parent.parent
if (_ROOT / "qclock_circuits").is_dir() and str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))  # benchmark this checkout's package

__all__ = ["main", "run"]

AGREEMENT_TOLERANCE = 1e-12
TARGET_SPEEDUP = 5.0


def _alternating(functions: dict, repeats: int) -> dict:
    """Median/best wall time and median CPU time (s) of each function, timed alternately after one warm-up each."""
    for function in functions.values():
        function()
    wall = {name: [] for name in functions}
    cpu = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            start_cpu, start = time.process_time(), time.perf_counter()
            function()
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - start_cpu)
    return {name: {"median": statistics.median(wall[name]), "best": min(wall[name]),
                   "cpu_median": statistics.median(cpu[name])} for name in functions}


def _load() -> float | None:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


def run(points: int, repeats: int, seed: int = 2024) -> dict:
    """Time both implementations on ``points`` white-FM samples; return the figures."""
    import allantools

    from qclock_circuits.clock.allan import overlapping_adev

    y = np.random.default_rng(seed).standard_normal(points)
    ours_result = overlapping_adev(y)
    tau, sigma_ref, _, n_ref = allantools.oadev(y, rate=1.0, data_type="freq", taus="octave")
    same_tau = bool(np.array_equal(ours_result.tau, tau)) and bool(np.array_equal(ours_result.n_terms, n_ref))
    rel = np.abs(ours_result.sigma / sigma_ref - 1.0)
    load_before = _load()
    timings = _alternating({"qclock": lambda: overlapping_adev(y),
                            "allantools": lambda: allantools.oadev(y, rate=1.0, data_type="freq", taus="octave")},
                           repeats)
    ours, theirs = timings["qclock"], timings["allantools"]
    return {
        "points": points, "repeats": repeats, "octave_taus": int(tau.size),
        "qclock_s": ours, "allantools_s": theirs,
        "speedup_median": theirs["median"] / ours["median"], "speedup_best": theirs["best"] / ours["best"],
        "speedup_cpu_median": theirs["cpu_median"] / ours["cpu_median"],
        "load_average_1min_before": load_before, "load_average_1min_after": _load(),
        "max_relative_difference": float(rel.max()), "same_taus_and_terms": same_tau,
        "per_tau": [{"tau": float(t), "sigma": float(s), "relative_difference": float(r)}
                    for t, s, r in zip(tau, sigma_ref, rel)],
        "allantools": allantools.__version__,
    }


def machine_info() -> dict:
    info = {"cpu": platform.processor() or platform.machine(), "logical_cpus": os.cpu_count(),
            "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
            "python": platform.python_version(), "numpy": np.__version__}
    try:
        import numba
        info["numba"] = numba.__version__
    except ImportError:
        info["numba"] = None
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, default=10_000_000, help="samples in the trace (default 10^7)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per implementation (default 3)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--out", type=Path, default=None, help="write the figures as JSON to this file")
    args = parser.parse_args(argv)
    if args.points < 3:
        parser.error(f"--points must be >= 3, got {args.points}")
    if args.repeats < 1:
        parser.error(f"--repeats must be >= 1, got {args.repeats}")

    figures = run(args.points, args.repeats, args.seed)
    print(f"overlapping ADEV of {args.points:,} white-FM samples at {figures['octave_taus']} octave taus "
          f"(median / best of {args.repeats}, alternating, after a warm-up); load "
          f"{figures['load_average_1min_before']:.2f} -> {figures['load_average_1min_after']:.2f}")
    print(f"{'implementation':<32}{'median (s)':>12}{'best (s)':>12}{'CPU median (s)':>16}")
    for label, key in (("qclock_circuits overlapping_adev", "qclock_s"), ("allantools.oadev", "allantools_s")):
        print(f"{label:<32}{figures[key]['median']:>12.3f}{figures[key]['best']:>12.3f}"
              f"{figures[key]['cpu_median']:>16.3f}")
    print(f"speed-up (median): {figures['speedup_median']:.1f}x  (best: {figures['speedup_best']:.1f}x; "
          f"CPU time: {figures['speedup_cpu_median']:.1f}x; target >= {TARGET_SPEEDUP:g}x)")
    print(f"max relative difference of sigma: {figures['max_relative_difference']:.2e} "
          f"(required <= {AGREEMENT_TOLERANCE:g}); same taus and term counts: {figures['same_taus_and_terms']}")
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"machine": machine_info(), "figures": figures}, indent=2))
        print(f"wrote {args.out}")
    agree = figures["max_relative_difference"] <= AGREEMENT_TOLERANCE and figures["same_taus_and_terms"]
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
