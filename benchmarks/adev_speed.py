"""Benchmark: overlapping Allan deviation, qclock_circuits.clock.allan vs allantools.oadev.

Run from the repository root::

    python benchmarks/adev_speed.py                    # 10^7 white-FM samples, octave τ
    python benchmarks/adev_speed.py --points 1000000 --repeats 5
    python benchmarks/adev_speed.py --out benchmarks/output/adev_speed.json

Both sides get the same white-noise fractional-frequency trace (seed 2024)
and compute the overlapping ADEV at every octave τ = 2^k (tau0 = 1):
``overlapping_adev(y)`` and ``allantools.oadev(y, rate=1, data_type="freq",
taus="octave")``. Reported: median and best wall time of ``--repeats`` runs
after one warm-up (which also loads or compiles the numba kernels), the
speed-up of the medians, and the largest relative difference of the
deviations (must be ≤ 1e-10; the script exits with status 1 otherwise, and
never asserts timings). The target is a speed-up of at least 5x.
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

AGREEMENT_TOLERANCE = 1e-10
TARGET_SPEEDUP = 5.0


def _timed(function, repeats: int) -> tuple[float, float]:
    """(median, best) wall time in seconds of ``repeats`` calls after one warm-up call."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def run(points: int, repeats: int, seed: int = 2024) -> dict:
    """Time both implementations on ``points`` white-FM samples; return the figures."""
    import allantools

    from qclock_circuits.clock.allan import overlapping_adev

    y = np.random.default_rng(seed).standard_normal(points)
    ours_result = overlapping_adev(y)
    tau, sigma_ref, _, n_ref = allantools.oadev(y, rate=1.0, data_type="freq", taus="octave")
    same_tau = bool(np.array_equal(ours_result.tau, tau)) and bool(np.array_equal(ours_result.n_terms, n_ref))
    rel = np.abs(ours_result.sigma / sigma_ref - 1.0)
    ours = _timed(lambda: overlapping_adev(y), repeats)
    theirs = _timed(lambda: allantools.oadev(y, rate=1.0, data_type="freq", taus="octave"), repeats)
    return {
        "points": points, "repeats": repeats, "octave_taus": int(tau.size),
        "qclock_s": {"median": ours[0], "best": ours[1]},
        "allantools_s": {"median": theirs[0], "best": theirs[1]},
        "speedup_median": theirs[0] / ours[0], "speedup_best": theirs[1] / ours[1],
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
          f"(median / best of {args.repeats} after a warm-up)")
    print(f"{'implementation':<32}{'median (s)':>12}{'best (s)':>12}")
    print(f"{'qclock_circuits overlapping_adev':<32}{figures['qclock_s']['median']:>12.3f}"
          f"{figures['qclock_s']['best']:>12.3f}")
    print(f"{'allantools.oadev':<32}{figures['allantools_s']['median']:>12.3f}"
          f"{figures['allantools_s']['best']:>12.3f}")
    print(f"speed-up (median): {figures['speedup_median']:.1f}x  (best: {figures['speedup_best']:.1f}x; "
          f"target >= {TARGET_SPEEDUP:g}x)")
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
