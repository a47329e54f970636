"""The loop-optimal cascade allocation against the paper's, predicted and simulated.

Run from the repository root::

    python benchmarks/network_allocation.py

For each case (K clocks × n atoms, γ_i, T, LO linewidth) the network clock
loop runs with the paper's allocation (Kómár et al., Nature Physics 10, 582
(2014), appendix A, with exact digit errors: ``optimal_copies``, the loop's
default) and with ``allocation="loop_optimal"``
(:func:`~qclock_circuits.network.cascade_budget.loop_optimal_allocation`).
Printed: each allocation, its exact loop budget (:func:`loop_error_budget`,
the prior the loop assumes), the measured per-cycle MSE of Φ, the
cascade-error rate and phase slips (10 000 cycles, one seed).
"""

from __future__ import annotations

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

__all__ = ["main", "CASES"]

#: label, K, atoms per clock, γ_i/2π (Hz), T (s), LO linewidth (Hz), ν0 (Hz)
CASES = (
    ("Sr 10x1000, T = 1 s, LO 1%", 10, 1000, 1e-3, 1.0, 1e-5, 4.29e14),
    ("Sr 10x1000, T = 3 s, LO 1%", 10, 1000, 1e-3, 3.0, 1e-5, 4.29e14),
    ("Sr 10x1000, T = 10 s, LO 1%", 10, 1000, 1e-3, 10.0, 1e-5, 4.29e14),
    ("Al+ 10x10, T = 1 s, LO 1%", 10, 10, 8e-3, 1.0, 8e-5, 1.121e15),
    ("4 x 30, γT = 0.05, T = 1 s", 4, 30, 0.05 / (2 * math.pi), 1.0, 1e-4, 4.29e14),
)


def main(argv=None) -> int:
    from qclock_circuits.network import star_network
    from qclock_circuits.network.cascade_budget import loop_error_budget
    from qclock_circuits.network.loop import simulate_network_clock
    from qclock_circuits.network.loop_estimates import _prior_specs, _width_of

    cycles = 10000
    rows = []
    start = time.perf_counter()
    for label, K, n, atom_hz, T, lo_hz, nu0 in CASES:
        network = star_network(K - 1, qubits=n, transition_frequency_hz=nu0, linewidth_hz=lo_hz,
                               atom_linewidth_hz=atom_hz)
        for name, allocation in (("paper", None), ("loop-optimal", "loop_optimal")):
            run = simulate_network_clock(network, T, cycles, allocation=allocation, seed=77)
            alloc = run.allocation
            los = [network.local_oscillator(v) for v in network.nodes]
            specs = _prior_specs("auto", los, [T / lo.coherence_time for lo in los])
            widths = [_width_of(spec, u) for spec, u in zip(specs, alloc.uncorrelated)]
            budget = loop_error_budget(alloc, node_phase_width=widths,
                                       individual_dephasing=2 * math.pi * atom_hz * T)
            rows.append({"case": label, "allocation": name, "copies": list(alloc.copies),
                         "level0_per_node": alloc.uncorrelated[0], "budget": budget.total,
                         "budget_terms": budget.to_dict(), "mse": run.network_mse,
                         "cascade_error_rate": run.cascade_errors / run.network_cycles,
                         "slips": int(sum(run.phase_slips))})
            r = rows[-1]
            print(f"{label:>30} {name:>13}: copies {r['copies']} level-0/node {r['level0_per_node']:>4}  "
                  f"budget {r['budget']:.3e}  loop MSE {r['mse']:.3e}  cascade errors "
                  f"{100 * r['cascade_error_rate']:.2f}%  slips {r['slips']}")
    wall = time.perf_counter() - start
    print(f"wall {wall:.0f} s, load {os.getloadavg()}")
    out = Path("benchmarks/output/network_allocation.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"rows": rows, "cycles": cycles, "wall_s": wall}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
