"""Benchmark: the adaptive clock of Mullan & Knill, Phys. Rev. A 90, 042310 (2014), under phase noise — a Table 1-like row.

Run from the repository root::

    python benchmarks/adaptive_phase_noise.py                       # white PM, h = 0.4, 100 paired runs
    python benchmarks/adaptive_phase_noise.py --noise flicker_phase --h 0.6
    python benchmarks/adaptive_phase_noise.py --truth model --runs 100    # diagnosis below

The paper's Table 1 covers Brownian and 1/f frequency noise only; its noise
range α ∈ [−4, 2] includes phase noise (NIST α = 1 flicker PM, α = 2 white PM),
which :mod:`qclock_circuits.clock.adaptive.covariance` handles with a
high-frequency cutoff ``f_h``. This row runs the adaptive, Ramsey and Bužek
protocols on the same noise traces (two atoms, 100 interrogations of T = 1,
memory 1, seed 0) and prints the improvement (%) of the adaptive protocol in
square error (last twenty steps) and Allan variance (all averaging times),
± the standard error over the paired runs, with the lost-lock counts, the
machine load and the wall time. ``--json`` writes the numbers to a file.

``--truth model`` is a diagnosis: the true frequencies are drawn from the
clock's own truncated noise model (the Gaussian autoregression of
:func:`~qclock_circuits.clock.adaptive.covariance.transition_law` on the last
``memory`` windows, started from ``ω_0 = 0``) instead of the full phase-noise
process, so the model the clock tracks and optimises with is exact. Comparing
the two truths separates a shortfall of the protocol's optimisation from one of
the truncated model. (In-process: ``--workers`` is ignored.)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
if (_ROOT / "qclock_circuits").is_dir() and str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))  # benchmark this checkout's package

__all__ = ["main"]


def _draw_truth_from_model() -> None:
    """Make the simulator draw ``ω_1 … ω_M`` from the clock's truncated model (``--truth model``)."""
    from functools import lru_cache

    import numpy as np

    from qclock_circuits.clock.adaptive import simulate
    from qclock_circuits.clock.adaptive.covariance import transition_law

    @lru_cache(maxsize=8)
    def model_factor(noise, h, interrogations, period, cutoff=None, memory=1):
        law = transition_law(simulate.nist_spectrum(noise, h), memory, period, cutoff=cutoff)
        # ω = A⁻¹ e with A lower-banded: ω_n − Σ_k c_k ω_{n−memory+k} = e_n, earlier windows ω_{≤0} = 0
        size = interrogations
        matrix = np.eye(size)
        for n in range(size):
            for k, coefficient in enumerate(law.coefficients):
                past = n - law.memory + k
                if past >= 0:
                    matrix[n, past] -= coefficient
        return np.linalg.solve(matrix, np.eye(size)) * np.sqrt(law.variance)

    original = simulate._run_one

    def run_one(arguments, record=None):
        config = arguments[0]
        simulate._noise_factor = lambda noise, h, m, period, cutoff=None: model_factor(
            noise, h, m, period, cutoff, config["memory"])
        return original(arguments, record)

    simulate._run_one = run_one


def main(argv=None) -> int:
    """Run the row and print it (module docstring); returns the exit status."""
    from qclock_circuits.clock.adaptive.simulate import compare_protocols

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--noise", choices=("white_phase", "flicker_phase"), default="white_phase")
    parser.add_argument("--h", type=float, default=0.4, help="NIST h_alpha of S_omega (default 0.4)")
    parser.add_argument("--cutoff", type=float, default=10.0, help="f_h in cycles per T (default 10)")
    parser.add_argument("--atoms", type=int, default=2)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--memory", type=int, default=1, help="frequencies the clock's model remembers")
    parser.add_argument("--truth", choices=("process", "model"), default="process",
                        help="draw the true frequencies from the phase-noise process (default) or from the "
                             "clock's truncated model (diagnosis)")
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers to this file")
    args = parser.parse_args(argv)
    workers = args.workers
    if args.truth == "model":
        _draw_truth_from_model()
        workers = 1
    start = time.perf_counter()
    comparison = compare_protocols(args.atoms, args.noise, args.h, 100, args.runs, args.memory, seed=0,
                                   workers=workers, cutoff=args.cutoff)
    seconds = time.perf_counter() - start
    record = {"noise": args.noise, "h": args.h, "cutoff": args.cutoff, "atoms": args.atoms, "runs": args.runs,
              "memory": args.memory, "truth": args.truth,
              "improvement": comparison["improvement"], "lost_lock_runs": comparison["lost_lock_runs"],
              "improvement_without_lost_lock": comparison["improvement_without_lost_lock"],
              "seconds": seconds, "load": os.getloadavg()}
    print(f"{args.noise} h={args.h} f_h={args.cutoff}/T N={args.atoms} memory {args.memory}, truth from the "
          f"{args.truth}, {args.runs} paired runs, "
          f"{seconds:.0f} s, load {record['load'][0]:.1f}")
    for baseline, gains in comparison["improvement"].items():
        cells = "  ".join(f"{quantity} {gain['value']:6.1f} ± {gain['se']:.1f} %" for quantity, gain in gains.items())
        print(f"  vs {baseline:7s} {cells}")
    print(f"  lost lock: {comparison['lost_lock_runs']}")
    if args.json is not None:
        args.json.write_text(json.dumps(record, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
