"""Benchmark: one interrogation SDP (Mullan & Knill, Phys. Rev. A 90, 042310 (2014), section IV) and its agreement with the OQI.

Run from the repository root::

    python benchmarks/adaptive_sdp.py                 # N = 1..4, 64-point grid, 16 labels
    python benchmarks/adaptive_sdp.py --atoms 3 --points 64 --labels 16 --repeats 5
    python benchmarks/adaptive_sdp.py --out benchmarks/output/adaptive_sdp.json

For each N and a Gaussian prior of width ``--width`` (rad): the wall time of
one program (``max_iterations=1``: cvxpy compile + CLARABEL solve + recovery of
state and POVM; median and best of ``--repeats`` after one warm-up), the time
of the full label iteration (default ``max_iterations``), and the relative
difference between the iterated protocol's cost on a 4001-point quadrature
of the continuous prior and ``bayes.oqi(N, GaussianPrior(width)).bmse``.
The target is one program for N = 3 on a 64-point grid in under 1 s. Timings
are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
if (_ROOT / "qclock_circuits").is_dir() and str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))  # benchmark this checkout's package

__all__ = ["main", "run"]

TARGET_SECONDS = 1.0


def _parse_atoms(text: str) -> list[int]:
    if "-" in text:
        low, high = text.split("-")
        return list(range(int(low), int(high) + 1))
    return [int(part) for part in text.split(",")]


def run(atoms: list[int], points: int, labels: int, width: float, repeats: int) -> list[dict]:
    from qclock_circuits.bayes import GaussianPrior
    from qclock_circuits.bayes.bounds import oqi
    from qclock_circuits.clock.adaptive.sdp import gaussian_grid, optimize_interrogation

    phases, weights = gaussian_grid(width, points)
    fine = gaussian_grid(width, 4001, sigmas=10.0)
    rows = []
    for n in atoms:
        optimize_interrogation(n, phases, weights, label_count=labels, max_iterations=1)  # warm-up
        single = []
        for _ in range(repeats):
            start = time.perf_counter()
            optimize_interrogation(n, phases, weights, label_count=labels, max_iterations=1)
            single.append(time.perf_counter() - start)
        start = time.perf_counter()
        result = optimize_interrogation(n, phases, weights, label_count=labels)
        iterated = time.perf_counter() - start
        reference = oqi(n, GaussianPrior(width)).bmse
        rows.append({
            "atoms": n, "points": points, "labels": labels, "width": width,
            "single_median_s": statistics.median(single), "single_best_s": min(single),
            "iterated_s": iterated, "iterations": result.iterations, "solver": result.solver,
            "cost": result.cost_on(*fine), "oqi": reference,
            "relative_difference": result.cost_on(*fine) / reference - 1.0,
        })
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--atoms", default="1-4", help="atom numbers, e.g. 3 or 1-4 or 1,3 (default 1-4)")
    parser.add_argument("--points", type=int, default=64, help="prior grid points (default 64)")
    parser.add_argument("--labels", type=int, default=16, help="estimate labels (default 16)")
    parser.add_argument("--width", type=float, default=1.0, help="Gaussian prior width in rad (default 1.0)")
    parser.add_argument("--repeats", type=int, default=3, help="timed single programs per N (default 3)")
    parser.add_argument("--out", type=Path, help="write a JSON record here")
    args = parser.parse_args(argv)
    rows = run(_parse_atoms(args.atoms), args.points, args.labels, args.width, args.repeats)
    print(f"{'N':>3} {'J':>5} {'L':>4} {'one SDP median [s]':>19} {'best':>7} {'iterated [s]':>13} "
          f"{'its':>4} {'cost - OQI (rel)':>17}")
    for row in rows:
        print(f"{row['atoms']:>3} {row['points']:>5} {row['labels']:>4} {row['single_median_s']:>19.3f} "
              f"{row['single_best_s']:>7.3f} {row['iterated_s']:>13.3f} {row['iterations']:>4} "
              f"{row['relative_difference']:>17.2e}")
    for row in rows:
        if row["atoms"] == 3 and row["points"] == 64:
            verdict = "meets" if row["single_median_s"] < TARGET_SECONDS else "misses"
            print(f"target: one SDP for N = 3 on 64 points in < {TARGET_SECONDS} s -> {verdict} "
                  f"({row['single_median_s']:.3f} s)")
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        record = {"machine": {"platform": platform.platform(), "python": platform.python_version(),
                              "processor": platform.processor()}, "rows": rows}
        args.out.write_text(json.dumps(record, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
