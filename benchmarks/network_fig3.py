"""Fig. 3 of Kómár et al., Nature Physics 10, 582 (2014), from the closed network clock loop.

Run from the repository root (resumable: finished points are kept in the store)::

    python benchmarks/network_fig3.py                       # K = 10 Sr clocks x 1000 atoms, 2 workers
    python benchmarks/network_fig3.py --cycles 1000 --workers 2 --out benchmarks/output/fig3

The five strategies of the figure — (a) quantum network, (b) classical
cooperation of nodes with optimal local quantum interrogation (each node runs
its own cascade), (c) independent clocks, (d) optimal classical local protocol
with classical cooperation, (e) classical without cooperation — are run in
:func:`~qclock_circuits.network.loop.simulate_network_clock` at every
interrogation time ``T`` of a grid, each with the allocation chosen for the
running loop (``allocation="loop_optimal"``: levels, copies and level-0 size
for the loop's prior width and the qubits' dephasing ``γT``). As the paper
assumes (its §A5), the LOs are pre-narrowed: their white-FM linewidth is set
per ``T`` so that one cycle's LO phase spread is ``--lo-phase`` rad. The
paper's σ_y(τ) takes ``T = τ`` while that is allowed and repeated cycles of
the best ``T`` beyond; from the loop's per-cycle error ``MSE(T)`` of the
stabilised phase (eq. A20)

    σ_y(τ) = min over T ≤ τ of √(MSE(T) / (T τ)) / ω0.

A point whose run had phase slips or more than 5 % cascade errors is left
out (printed as invalid). Printed and written: the curves, the analytic
``network_stability`` curves, and the scalings the paper states, fitted:
the slope of (a) at short τ (≈ −1 up to logarithms, eq. 3), the factors
between (a), (b), (c) at short τ (√K each), the common floor σ_y√τ of eq. (4)
at long τ, and the averaging times at which (a), (b) and (d) come within
√2 of that floor (the paper: (b) K times and (d) about N times later than (a)).

Paper's parameters: the figure's caption is not in the text we have; the
worked example's network is used (K = 10 clocks of 1000 Sr atoms,
ω0 = 2π·429 THz, γ_i = 2π·1 mHz).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

_ROOT = Path(__file__).resolve().parent.parent
if (_ROOT / "qclock_circuits").is_dir() and str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))  # benchmark this checkout's package

__all__ = ["main"]

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--K", type=int, default=10)
    parser.add_argument("--n", type=int, default=1000, help="atoms per clock")
    parser.add_argument("--atom-hz", type=float, default=1e-3, help="γ_i/2π (Hz)")
    parser.add_argument("--nu0", type=float, default=4.29e14, help="ν0 (Hz)")
    parser.add_argument("--lo-phase", type=float, default=0.1, help="LO phase spread per cycle (rad), pre-narrowed")
    parser.add_argument("--cycles", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/output/fig3"))
    parser.add_argument("--figure", type=Path, default=Path("benchmarks/figures/network_fig3.png"))
    args = parser.parse_args(argv)
    from qclock_circuits.network.figure3 import LABELS, assemble_fig3, fig3_point, fig3_points
    from qclock_circuits.plot import network_strategies
    from qclock_circuits.runtime import run_sweep

    points = fig3_points(args.K, args.n, args.atom_hz, args.nu0, cycles=args.cycles, lo_phase=args.lo_phase)
    start = time.perf_counter()
    results = run_sweep(fig3_point, points, store=args.out / "points", workers=args.workers)
    wall = time.perf_counter() - start
    fig = assemble_fig3(points, results)
    taus = np.asarray(fig.taus)
    sig = {s: np.asarray(v) for s, v in fig.sigma.items()}
    fits = fig.fits
    for p, r in zip(points, results):
        if r["problems"]:
            print(f"invalid: {p['strategy']} T = {p['T']} s: {'; '.join(r['problems'])}")
    print(f"{'tau (s)':>8} " + " ".join(f"{s[:12]:>12}" for s in LABELS))
    for i, tau in enumerate(taus):
        print(f"{tau:>8.3g} " + " ".join(f"{sig[s][i]:>12.3e}" for s in LABELS))
    print(json.dumps(fits, indent=1))
    print(f"wall time {wall:.0f} s with {args.workers} workers; load {os.getloadavg()}")
    args.figure.parent.mkdir(parents=True, exist_ok=True)
    network_strategies(fig, path=args.figure, title=f"Network of {args.K} clocks x {args.n} atoms, "
                                                    f"γ/2π = {args.atom_hz * 1e3:g} mHz (dotted: closed forms)")
    args.out.mkdir(parents=True, exist_ok=True)
    machine = {"platform": platform.platform(), "cpus": os.cpu_count(), "load": os.getloadavg()}
    (args.out / "fig3.json").write_text(json.dumps({"machine": machine, "wall_s": wall, **fig.to_dict()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
