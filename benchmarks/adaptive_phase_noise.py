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
:func:`~qclock_circuits.clock.adaptive.prediction_laws.transition_law` on the last
``memory`` windows, started from ``ω_0 = 0``; ``simulate_adaptive_clock(...,
truth='model')``) instead of the full phase-noise process, so the model the
clock tracks and optimises with is exact. Comparing the two truths separates a
shortfall of the protocol's optimisation from one of the truncated model.
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
    start = time.perf_counter()
    comparison = compare_protocols(args.atoms, args.noise, args.h, 100, args.runs, args.memory, seed=0,
                                   workers=args.workers, cutoff=args.cutoff, truth=args.truth)
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
