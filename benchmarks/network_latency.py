"""What link latency costs the network clock (Kómár et al., Nature Physics 10, 582 (2014), appendix C2).

Run from the repository root::

    python benchmarks/network_latency.py            # Sr 10 x 1000, T = 1 s, latencies 0 ... 3 s

For one-way delays L between the centre and every node, the closed loop
(:func:`~qclock_circuits.network.loop.simulate_network_clock` with
``latency=L``) has the GHZ qubits wait L for the teleportation outcomes (echo
pulses remove the LO phase over the known wait; the qubits still dephase and
the LO is unobserved, so the wait adds to the dead time), and every
correction acts ⌈2L/T_C⌉ cycles late (servos that subtract the corrections in
flight). Printed: σ_y at τ = 10 and 100 s (overlapping ADEV, ``--seeds`` runs,
mean ± SE) for the quantum network and classical cooperation (b), and the
ratio to the same strategy without latency: the curve of what latency costs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

_ROOT = Path(__file__).resolve().parent.parent
if (_ROOT / "qclock_circuits").is_dir() and str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))  # benchmark this checkout's package

__all__ = ["main", "LATENCIES"]

LATENCIES = (0.0, 0.01, 0.1, 0.3, 1.0, 3.0)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cycles", type=int, default=20000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/output/network_latency.json"))
    args = parser.parse_args(argv)
    from qclock_circuits.clock.allan import overlapping_adev
    from qclock_circuits.network import star_network
    from qclock_circuits.network.loop import simulate_network_clock

    network = star_network(9, qubits=1000, transition_frequency_hz=4.29e14, linewidth_hz=1e-3,
                           atom_linewidth_hz=1e-3)
    taus = [10.0, 100.0]
    rows = []
    start = time.perf_counter()
    for strategy in ("quantum_network", "classical_cooperation"):
        for latency in LATENCIES:
            sig, slips, delays = [], 0, 0
            for seed in range(args.seeds):
                run = simulate_network_clock(network, 1.0, args.cycles, strategy=strategy, latency=latency,
                                             seed=500 + seed)
                cycle = run.interrogation_time + run.dead_time + run.wait_time
                # σ_y at the same τ in seconds: the cycle grows with the wait
                ms = [max(1, int(round(t / cycle))) for t in taus]
                adev = overlapping_adev(run.com_frequency, tau0=cycle, taus=[m * cycle for m in ms])
                sig.append(adev.sigma.tolist())
                slips += int(sum(run.phase_slips)) + len(run.problems())
                delays = run.feedback_delay
            mean = np.mean(sig, axis=0)
            se = np.std(sig, axis=0, ddof=1) / math.sqrt(len(sig)) if len(sig) > 1 else np.zeros(len(taus))
            rows.append({"strategy": strategy, "latency_s": latency, "feedback_delay": delays,
                         "sigma": mean.tolist(), "sigma_se": se.tolist(), "problems": slips})
    base = {r["strategy"]: r["sigma"] for r in rows if r["latency_s"] == 0.0}
    print(f"{'strategy':>22} {'L (s)':>6} {'delay':>5} " + " ".join(f"{'σ(' + str(int(t)) + ' s)':>18}" for t in taus)
          + "   cost (σ/σ(L=0))")
    for r in rows:
        cost = [s / b for s, b in zip(r["sigma"], base[r["strategy"]])]
        r["cost"] = cost
        print(f"{r['strategy']:>22} {r['latency_s']:>6g} {r['feedback_delay']:>5} "
              + " ".join(f"{m:>10.3e}±{e:.0e}" for m, e in zip(r["sigma"], r["sigma_se"]))
              + "   " + " ".join(f"{c:.2f}" for c in cost) + (" INVALID" if r["problems"] else ""))
    wall = time.perf_counter() - start
    print(f"wall {wall:.0f} s, load {os.getloadavg()}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"rows": rows, "taus": taus, "wall_s": wall, "load": os.getloadavg()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
