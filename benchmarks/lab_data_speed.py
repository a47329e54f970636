"""Benchmark: the lab's data in — laser-noise fit, per-cycle posteriors of recorded counts, trace → ADEV.

Run from the repository root::

    python benchmarks/lab_data_speed.py
    python benchmarks/lab_data_speed.py --quick --out benchmarks/output/lab_data_speed.json

Measured (median of ``--repeats`` after one warm-up; never asserted):

* ``fit_adev`` of a 21-point Allan-deviation table (three FM terms, given errors) and
  ``fit_psd`` of a 40-point spectrum with relative errors (iteratively reweighted);
* ``bayes.estimate_cycles``: time per recorded cycle (100 shots) for a CSS of N = 10 and N = 100
  atoms, against a plain loop of ``bayes.posterior`` over the same counts (the part it cannot avoid);
* ``clock.trace_adev`` of a CSV trace of 10^6 samples (10^5 with ``--quick``): reading the file and
  the overlapping ADEV, separately (the file read is timed once, after writing it).

The 1-minute load average is printed before and after (the machine may be shared).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

_ROOT = Path(__file__).resolve().parent.parent
if (_ROOT / "qclock_circuits").is_dir() and str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))  # benchmark this checkout's package

__all__ = ["main", "run"]


def _median_time(function, repeats: int) -> float:
    function()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(quick: bool = False, repeats: int = 7) -> dict:
    """Run every measurement and return the figures (seconds)."""
    from qclock_circuits import bayes, protocols
    from qclock_circuits.clock import adev_basis, fit_adev, fit_psd, read_trace_csv, trace_adev

    rng = np.random.default_rng(2024)
    h = {0: 5e-33, -1: 1e-33, -2: 5e-36}
    tau = np.geomspace(0.1, 1000, 21)
    adev = np.sqrt(sum(v * adev_basis(a, tau) for a, v in h.items())) * (1 + 0.03 * rng.standard_normal(21))
    f = np.geomspace(1e-3, 5, 40)
    psd = sum(v * f**a for a, v in h.items()) * rng.gamma(16, 1 / 16, 40)
    results = {"load_before": os.getloadavg()[0]}
    results["fit_adev_s"] = _median_time(lambda: fit_adev(tau, adev, 0.03 * adev), repeats)
    results["fit_psd_s"] = _median_time(lambda: fit_psd(f, psd, averages=16), repeats)

    for atoms in (10, 100):
        css = protocols.css(atoms)
        width = 0.3
        cycles = 20 if quick else 100
        counts = [rng.multinomial(100, css.probabilities(np.array([phi]))[0])
                  for phi in rng.normal(0, width, cycles)]
        per_cycle = _median_time(lambda: bayes.estimate_cycles(css, counts, width), max(repeats // 3, 1)) / cycles
        prior = bayes.GaussianPrior(width)
        loop = _median_time(lambda: [bayes.posterior(css, prior, c) for c in counts], max(repeats // 3, 1)) / cycles
        results[f"estimate_cycles_per_cycle_N{atoms}_s"] = per_cycle
        results[f"posterior_loop_per_cycle_N{atoms}_s"] = loop

    samples = 100_000 if quick else 1_000_000
    y = rng.standard_normal(samples) * 1e-15
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "trace.csv"
        path.write_text("y\n" + "".join(f"{v:.9e}\n" for v in y))
        start = time.perf_counter()
        data, kind = read_trace_csv(path)
        results["trace_read_s"] = time.perf_counter() - start
        results["trace_adev_s"] = _median_time(lambda: trace_adev(data, rate=1.0, data_type=kind), repeats)
    results["trace_samples"] = samples
    results["load_after"] = os.getloadavg()[0]
    return results


def main(argv=None) -> int:
    """Command-line entry: print the figures, optionally write them as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer cycles and a 10^5-sample trace")
    parser.add_argument("--repeats", type=int, default=7, help="timed repeats per measurement (default 7)")
    parser.add_argument("--out", default=None, help="write the figures as JSON to this file")
    args = parser.parse_args(argv)
    results = run(args.quick, args.repeats)
    for key, value in results.items():
        print(f"{key:40s} {value:.4g}" if isinstance(value, float) else f"{key:40s} {value}")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
