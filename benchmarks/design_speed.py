"""Speed of the variational search and of σ(T) sweeps (a script, not a test).

Measures on one process (one core):

* the global search of the [1,1] class at N = 8 for one prior width, over five
  search seeds (time and spread of the found BMSE: reproducibility);
* the [1,2] class at N = 32 for one prior width;
* a 40-point σ(T) curve of every class (CSS, SSS, GHZ, [1,1], [1,2], [1,3], OQI)
  at N = 8, flicker FM, no dead time, warm-started along T.

Usage::

    python benchmarks/design_speed.py [--out results.json] [--skip-curve]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time

import numpy as np

from qclock_circuits.bayes import prior_width
from qclock_circuits.optimize import optimize_variational
from qclock_circuits.report import DesignSpec, run_design

ALL_CLASSES = ("css", "sss", "ghz", "1-1", "1-2", "1-3", "oqi")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=None)
    parser.add_argument("--skip-curve", action="store_true")
    parser.add_argument("--skip-search", action="store_true")
    parser.add_argument("--workers", type=int, default=None, help="processes for the curve (default: all cores)")
    parser.add_argument("--interrogation-time", type=float, default=0.1, help="T/Z of the single searches")
    args = parser.parse_args(argv)
    results = {"machine": platform.processor() or platform.machine(), "load_average_before": os.getloadavg()[0],
               "rows": []}
    width = float(prior_width(args.interrogation_time, "flicker"))

    values, seconds = [], []
    for seed in range(0 if args.skip_search else 5):
        started = time.perf_counter()
        search = optimize_variational(8, 1, 1, width, "bayes", seed=seed)
        seconds.append(time.perf_counter() - started)
        values.append(search.bmse)
    if args.skip_search:
        values = [float("nan")]
        seconds = [float("nan")]
    spread = (max(values) - min(values)) / min(values)
    results["rows"].append({"what": "[1,1] N=8, one prior width", "seconds_median": float(np.median(seconds)),
                            "seconds_max": max(seconds), "bmse": values, "relative_spread": spread})
    print(f"[1,1] N=8: median {np.median(seconds):.1f} s, max {max(seconds):.1f} s over 5 seeds; "
          f"BMSE spread {spread:.2e}")

    if not args.skip_search:
        started = time.perf_counter()
        search = optimize_variational(32, 1, 2, width, "bayes", seed=0)
        elapsed = time.perf_counter() - started
        results["rows"].append({"what": "[1,2] N=32, one prior width", "seconds": elapsed, "bmse": search.bmse,
                                "evaluations": search.evaluations})
        print(f"[1,2] N=32: {elapsed:.1f} s ({search.evaluations} BMSE evaluations)")

    if not args.skip_curve:
        # the curve as `qclock design` runs it: one sweep point per class and block of 8 T, on local processes
        spec = DesignSpec(atoms=8, classes=tuple(c for c in ALL_CLASSES if c != "oqi"),
                          interrogation_times=tuple(np.geomspace(0.003, 1.0, 40)))
        cpu_before = _children_cpu()
        started = time.perf_counter()
        result = run_design(spec, None, workers=args.workers)
        elapsed = time.perf_counter() - started
        cpu = _children_cpu() - cpu_before
        minima = {row["class"]: row["sigma_min"] for row in result.summary()}
        results["rows"].append({"what": "40-point sigma(T), all classes, N=8", "seconds": elapsed,
                                "worker_cpu_seconds": cpu, "sigma_min": minima})
        print(f"40-point σ(T), {len(ALL_CLASSES)} classes, N=8: {elapsed:.1f} s wall "
              f"({cpu:.0f} s CPU in the workers); σ_min {minima}")
    if args.out:
        with open(args.out, "w") as stream:
            json.dump(results, stream, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
