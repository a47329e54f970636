"""Speed of the variational search and of the design study (a script, not a test).

Measures, with the machine load beside every figure:

* the cost path: one BMSE of the [1,2] class through the public route
  (``bayes.bmse(protocols.variational(...))``), through the compiled path, and
  the compiled value with its exact gradient, for N = 8, 32, 64;
* the global search of the [1,1] class at N = 8 for one prior width, over five
  search seeds, with the analytic gradient and (``--compare-fd``) with finite
  differences (time, cost calls, spread of the found BMSE);
* the [1,2] class at N = 32 for one prior width (same two gradients);
* ``run_design`` with the default classes for each N of ``--design-atoms`` on
  local worker processes (wall time, worker CPU, σ_min per class);
* optionally (``--curve``) a 40-point σ(T) curve of every class at N = 8.

Usage::

    python benchmarks/design_speed.py [--out results.json] [--compare-fd] [--design-atoms 8,32] [--curve]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time

import numpy as np

from qclock_circuits import bayes, protocols
from qclock_circuits._blas import one_blas_thread
from qclock_circuits.bayes import prior_width
from qclock_circuits.optimize import optimize_variational
from qclock_circuits.optimize.compiled import CompiledCost
from qclock_circuits.report import DesignSpec, run_design

ALL_CLASSES = ("css", "sss", "ghz", "1-1", "1-2", "1-3")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _best_time(function, repeats: int = 20, rounds: int = 7) -> float:
    """Best mean seconds per call over ``rounds`` rounds of ``repeats`` calls (robust to a busy machine)."""
    best = np.inf
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(repeats):
            function()
        best = min(best, (time.perf_counter() - started) / repeats)
    return best


def cost_rows() -> list[dict]:
    rows = []
    prior = bayes.GaussianPrior(0.5)
    values = np.random.default_rng(2024).uniform(-1, 1, len(protocols.variational_parameter_names(1, 2)))
    with one_blas_thread():
        for atoms in (8, 32, 64):
            cost = CompiledCost(atoms, 1, 2, prior)
            public = _best_time(lambda: bayes.bmse(protocols.variational(atoms, 1, 2, values), prior))
            compiled = _best_time(lambda: cost(values))
            gradient = _best_time(lambda: cost.value_and_gradient(values))
            rows.append({"what": f"[1,2] cost, N={atoms}", "public_ms": 1e3 * public, "compiled_ms": 1e3 * compiled,
                         "value_and_gradient_ms": 1e3 * gradient, "load": _load()})
            print(f"[1,2] N={atoms}: public {1e3 * public:.3f} ms, compiled {1e3 * compiled:.3f} ms, "
                  f"value+gradient {1e3 * gradient:.3f} ms (load {_load()})")
    return rows


def search_rows(compare_fd: bool, width: float) -> list[dict]:
    rows = []
    for gradient in ("analytic", "finite-difference") if compare_fd else ("analytic",):
        values, seconds, calls = [], [], []
        for seed in range(5):
            started = time.perf_counter()
            search = optimize_variational(8, 1, 1, width, "bayes", seed=seed, gradient=gradient)
            seconds.append(time.perf_counter() - started)
            values.append(search.bmse)
            calls.append(search.evaluations)
        spread = (max(values) - min(values)) / min(values)
        rows.append({"what": f"[1,1] N=8, one prior width, {gradient}", "seconds_median": float(np.median(seconds)),
                     "seconds_max": max(seconds), "evaluations_median": float(np.median(calls)), "bmse": values,
                     "relative_spread": spread, "load": _load()})
        print(f"[1,1] N=8 ({gradient}): median {np.median(seconds):.2f} s, max {max(seconds):.2f} s, "
              f"{np.median(calls):.0f} cost calls; best BMSE {min(values):.6e}, spread {spread:.2e} (load {_load()})")
        started = time.perf_counter()
        search = optimize_variational(32, 1, 2, width, "bayes", seed=0, gradient=gradient)
        elapsed = time.perf_counter() - started
        rows.append({"what": f"[1,2] N=32, one prior width, {gradient}", "seconds": elapsed, "bmse": search.bmse,
                     "evaluations": search.evaluations, "load": _load()})
        print(f"[1,2] N=32 ({gradient}): {elapsed:.2f} s, {search.evaluations} cost calls, BMSE {search.bmse:.6e} "
              f"(load {_load()})")
    return rows


def design_row(atoms: int, workers, classes=None, points: int = 24) -> dict:
    spec = DesignSpec(atoms=atoms, interrogation_times=tuple(np.geomspace(0.003, 1.0, points)),
                      **({} if classes is None else {"classes": classes}))
    load = _load()
    cpu_before = _children_cpu()
    started = time.perf_counter()
    result = run_design(spec, None, workers=workers)
    elapsed = time.perf_counter() - started
    cpu = _children_cpu() - cpu_before
    minima = {row["class"]: row["sigma_min"] for row in result.summary()}
    recommended = result.recommendation()["class"]
    print(f"run_design N={atoms}, {points} T, {', '.join(spec.classes)} + OQI: {elapsed:.1f} s wall, {cpu:.1f} s "
          f"worker CPU (load {load} before, {_load()} after); recommended {recommended}; σ_min {minima}")
    return {"what": f"run_design N={atoms}, {points} T, classes {','.join(spec.classes)} + oqi", "seconds": elapsed,
            "worker_cpu_seconds": cpu, "sigma_min": minima, "recommended": recommended, "load_before": load,
            "load_after": _load()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=None)
    parser.add_argument("--compare-fd", action="store_true", help="also run the searches with finite differences")
    parser.add_argument("--skip-search", action="store_true")
    parser.add_argument("--skip-cost", action="store_true")
    parser.add_argument("--design-atoms", default="8", help="comma-separated N for run_design ('' to skip)")
    parser.add_argument("--curve", action="store_true", help="also the 40-point curve of every class at N = 8")
    parser.add_argument("--workers", type=int, default=None, help="processes for run_design (default: all cores)")
    parser.add_argument("--interrogation-time", type=float, default=0.1, help="T/Z of the single searches")
    args = parser.parse_args(argv)
    results = {"machine": platform.processor() or platform.machine(), "cores": os.cpu_count(),
               "load_average_before": _load(), "rows": []}
    if not args.skip_cost:
        results["rows"] += cost_rows()
    if not args.skip_search:
        results["rows"] += search_rows(args.compare_fd, float(prior_width(args.interrogation_time, "flicker")))
    for atoms in [int(item) for item in args.design_atoms.split(",") if item.strip()]:
        results["rows"].append(design_row(atoms, args.workers))
    if args.curve:
        results["rows"].append(design_row(8, args.workers, classes=ALL_CLASSES, points=40))
    if args.out:
        with open(args.out, "w") as stream:
            json.dump(results, stream, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
