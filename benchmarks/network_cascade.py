"""Benchmark: cascaded GHZ estimation of the network's centre-of-mass phase (Kómár et al., Nature Physics 10, 582 (2014), appendix A).

Run from the repository root::

    python benchmarks/network_cascade.py                  # speed up to 10^6 cycles + MSE vs budget table
    python benchmarks/network_cascade.py --quick          # up to 10^5 cycles, fewer N
    python benchmarks/network_cascade.py --out benchmarks/output/network_cascade.json

Part 1 (speed): ``network_phase_measurement`` on ``(cycles, K)`` node phases
for K = 10 clocks and N = 10^4 qubits (allocation of ``optimal_copies``),
median of ``--repeats`` runs after one warm-up (which builds the estimate
tables); reported as cycles per second.

Part 2 (accuracy): for K = 4 and N = 500…32000 the allocation of
``optimal_copies(..., rounding="exact")`` with Gaussian node phases of width
0.5 rad; the Monte Carlo MSE of Φ (with standard error) next to the exact and
the paper's budgets and the paper's eq. A26, ``(8/π)² log(N/K)/N²``, and the
scaled MSE·N²/log(N/K) that stays flat for Heisenberg scaling with the
logarithmic cost. Timings are never asserted.
"""

from __future__ import annotations

import argparse
import json
import math
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

__all__ = ["main", "speed", "accuracy"]


def speed(cycle_counts, repeats: int, nodes: int = 10, total_qubits: int = 10_000) -> list[dict]:
    """Cycles per second of ``network_phase_measurement`` for each number of cycles."""
    from qclock_circuits.network.cascade import network_phase_measurement
    from qclock_circuits.network.cascade_budget import optimal_copies

    allocation = optimal_copies(total_qubits, nodes, node_phase_width=0.3)
    rows = []
    for cycles in cycle_counts:
        phases = np.random.default_rng(cycles).normal(0.0, 0.3, (cycles, nodes))
        network_phase_measurement(phases[: min(cycles, 1000)], allocation, 0, node_phase_width=0.3)
        times = []
        for r in range(repeats):
            start = time.perf_counter()
            network_phase_measurement(phases, allocation, r, node_phase_width=0.3)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        rows.append({"cycles": cycles, "nodes": nodes, "total_qubits": total_qubits,
                     "levels": allocation.levels, "copies": allocation.copies[0],
                     "median_s": median, "cycles_per_s": cycles / median})
    return rows


def accuracy(sizes, cycles: int, nodes: int = 4, width: float = 0.5) -> list[dict]:
    """Monte Carlo MSE against the exact and the paper's budgets for each total qubit number."""
    from qclock_circuits.network.cascade import simulate_cascade
    from qclock_circuits.network.cascade_budget import (cascade_error_budget, minimum_phase_variance,
                                                        optimal_copies)

    rows = []
    for n in sizes:
        start = time.perf_counter()
        allocation = optimal_copies(n, nodes, node_phase_width=width, rounding="exact")
        result = simulate_cascade(allocation, cycles, prior="gaussian", prior_width=width, seed=n)
        exact = cascade_error_budget(allocation, node_phase_width=width, rounding="exact")
        seed = cascade_error_budget(allocation, node_phase_width=width)
        rows.append({"total_qubits": n, "nodes": nodes, "levels": allocation.levels,
                     "copies": allocation.copies[0], "uncorrelated_per_node": allocation.uncorrelated[0],
                     "mc_mse": result.mse, "mc_standard_error": result.standard_error,
                     "exact_budget": exact.total, "seed_budget": seed.total,
                     "seed_A26": minimum_phase_variance(n, nodes),
                     "scaled_mse": result.mse * n ** 2 / math.log(n / nodes),
                     "seconds": time.perf_counter() - start})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="up to 1e5 cycles and N <= 8000")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--mc-cycles", type=int, default=50_000)
    parser.add_argument("--out", type=Path, default=None, help="write the figures as JSON")
    args = parser.parse_args(argv)
    counts = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    sizes = [500, 2000, 8000] if args.quick else [500, 2000, 8000, 32000]

    print("network_phase_measurement, K = 10, N = 10^4")
    print(f"{'cycles':>9} {'median s':>9} {'cycles/s':>11}")
    speed_rows = speed(counts, args.repeats)
    for row in speed_rows:
        print(f"{row['cycles']:>9} {row['median_s']:>9.3f} {row['cycles_per_s']:>11.3g}")

    print("\nMSE of Φ (rad²), K = 4, Gaussian node phases of width 0.5 rad")
    print(f"{'N':>6} {'M':>3} {'n0':>3} {'u':>5} {'MC':>10} {'±':>9} {'exact':>10} {'seed':>10} "
          f"{'A26':>10} {'MSE N²/log':>10}")
    accuracy_rows = accuracy(sizes, args.mc_cycles)
    for row in accuracy_rows:
        print(f"{row['total_qubits']:>6} {row['levels']:>3} {row['copies']:>3} {row['uncorrelated_per_node']:>5} "
              f"{row['mc_mse']:>10.3e} {row['mc_standard_error']:>9.1e} {row['exact_budget']:>10.3e} "
              f"{row['seed_budget']:>10.3e} {row['seed_A26']:>10.3e} {row['scaled_mse']:>10.1f}")
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        machine = {"platform": platform.platform(), "python": platform.python_version(),
                   "cpus": os.cpu_count(), "numpy": np.__version__}
        args.out.write_text(json.dumps({"machine": machine, "speed": speed_rows, "accuracy": accuracy_rows},
                                       indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
