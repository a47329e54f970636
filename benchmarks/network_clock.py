"""Benchmark: the network clock loop (Kómár et al., Nature Physics 10, 582 (2014), Fig. 3 and its worked examples).

Run from the repository root::

    python benchmarks/network_clock.py                # 10^6-cycle speed run, both worked examples
    python benchmarks/network_clock.py --quick        # 10^5 cycles, fewer cycles per example
    python benchmarks/network_clock.py --out benchmarks/output/network_clock.json

Part 1 (speed): ``simulate_network_clock`` for K = 10 clocks of 10 qubits
(quantum network, full feedback, white-FM LOs), seconds for the whole run
(LO noise, loop, Allan deviations) after a short compile run.

Part 2 (worked examples of the main text): 10 Al+ clocks × 10 ions
(γ_i = 2π·8 mHz, ν0 = 1121 THz; paper: 4e-17 at 1 s) and 10 Sr clocks × 1000
atoms (γ_i = 2π·1 mHz, ν0 = 429 THz; paper: 2e-18 at 1 s). Every strategy of
Fig. 3 is run with T = 1 s, so σ_y(1 s) is one cycle. The paper assumes LOs
pre-narrowed (§A5) until T = τ is allowed; the LOs here have white FM with
the linewidth γ_LO/2π given by ``--lo-linewidth-fraction`` × the atomic one
(default 1). Reported: σ_y(1 s) of the stabilised centre-of-mass signal (or of
node 0 for the independent strategies) — the ADEV at τ = T, which also holds
the LO's own fluctuation of the first cycle — the white level σ_y√τ fitted
at τ = 64–1024 s (the measurement noise alone, eq. A20), the per-cycle MSE of
Φ̂, and the analytic curve ``network_stability`` at τ = 1 s. Timings are never
asserted.
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

__all__ = ["main", "speed", "worked_example", "EXAMPLES"]

#: (label, clocks K, qubits per clock, ν0 in Hz, γ_i/2π in Hz, the paper's σ_y(1 s))
EXAMPLES = (
    ("Al+ 10 x 10", 10, 10, 1.121e15, 8e-3, 4e-17),
    ("Sr 10 x 1000", 10, 1000, 4.29e14, 1e-3, 2e-18),
)


def speed(cycles: int, nodes: int = 10, qubits: int = 10) -> dict:
    """Seconds for one ``simulate_network_clock`` run of ``cycles`` cycles (after a compile run)."""
    from qclock_circuits.clock import LocalOscillatorNoise
    from qclock_circuits.network.loop import simulate_network_clock

    los = [LocalOscillatorNoise({"white": 2e-3})] * nodes
    simulate_network_clock(los, 1.0, 1000, qubits=qubits, seed=0)
    start = time.perf_counter()
    result = simulate_network_clock(los, 1.0, cycles, qubits=qubits, seed=1)
    seconds = time.perf_counter() - start
    return {"cycles": cycles, "nodes": nodes, "qubits_per_node": qubits, "seconds": seconds,
            "cycles_per_s": cycles / seconds, "network_mse": result.network_mse,
            "cascade_errors": result.cascade_errors}


def worked_example(label: str, nodes: int, qubits: int, nu0: float, atom_hz: float, paper: float,
                   cycles: int, lo_fraction: float = 1.0, strategies=None) -> list[dict]:
    """Every Fig. 3 strategy for one worked example at T = 1 s; one row per strategy."""
    from qclock_circuits.clock import long_tau_fit
    from qclock_circuits.network import STRATEGIES, network_stability, star_network
    from qclock_circuits.network.loop import simulate_network_clock

    network = star_network(nodes - 1, qubits=qubits, transition_frequency_hz=nu0,
                           linewidth_hz=lo_fraction * atom_hz, atom_linewidth_hz=atom_hz)
    omega0 = 2 * math.pi * nu0
    gamma = 2 * math.pi * atom_hz
    rows = []
    for strategy in strategies or STRATEGIES:
        start = time.perf_counter()
        result = simulate_network_clock(network, 1.0, cycles, strategy=strategy, seed=2024)
        cooperative = strategy in ("quantum_network", "classical_cooperation", "classical_network")
        adev = result.com_adev if cooperative else result.node_adev[0]
        mse = result.network_mse if cooperative else result.local_mse[0]
        level = long_tau_fit(adev, 64.0, 1024.0) if adev.tau[-1] >= 1024 else float("nan")
        rows.append({
            "example": label, "strategy": strategy, "nodes": nodes, "total_qubits": nodes * qubits,
            "cycles": cycles, "sim_adev_1s": float(adev.sigma[0]), "sim_white_level_1s": level,
            "phase_mse_rad2": mse, "eq_A20_from_mse": math.sqrt(mse) / omega0,
            "analytic_1s": float(network_stability(strategy, nodes * qubits, nodes, 1.0, gamma, omega0=omega0)),
            "paper_1s": paper if strategy == "quantum_network" else None,
            "slips": int(sum(result.phase_slips)), "cascade_errors": result.cascade_errors,
            "allocation": None if result.allocation is None else result.allocation.to_dict(),
            "seconds": time.perf_counter() - start,
        })
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10^5-cycle speed run, 2e4 cycles per example")
    parser.add_argument("--cycles", type=int, default=None, help="cycles per worked-example run")
    parser.add_argument("--lo-linewidth-fraction", type=float, default=1.0,
                        help="LO linewidth as a multiple of the atomic linewidth (pre-narrowed LO)")
    parser.add_argument("--out", type=Path, default=None, help="write the figures as JSON")
    args = parser.parse_args(argv)
    speed_cycles = 100_000 if args.quick else 1_000_000
    cycles = args.cycles or (20_000 if args.quick else 100_000)

    row = speed(speed_cycles)
    print(f"simulate_network_clock, K = 10 x 10 qubits, {row['cycles']} cycles: {row['seconds']:.2f} s "
          f"({row['cycles_per_s']:.3g} cycles/s)")

    example_rows = []
    for example in EXAMPLES:
        print(f"\n{example[0]}: T = τ = 1 s, {cycles} cycles, LO linewidth {args.lo_linewidth_fraction} x atomic")
        print(f"{'strategy':>22} {'sim σ(1s)':>10} {'white lvl':>10} {'eq.A20':>10} {'analytic':>10} "
              f"{'paper':>8} {'slips':>6} {'errors':>6} {'s':>5}")
        rows = worked_example(*example, cycles=cycles, lo_fraction=args.lo_linewidth_fraction)
        for r in rows:
            paper = f"{r['paper_1s']:.0e}" if r["paper_1s"] else ""
            print(f"{r['strategy']:>22} {r['sim_adev_1s']:>10.2e} {r['sim_white_level_1s']:>10.2e} "
                  f"{r['eq_A20_from_mse']:>10.2e} {r['analytic_1s']:>10.2e} {paper:>8} {r['slips']:>6} "
                  f"{r['cascade_errors']:>6} {r['seconds']:>5.1f}")
        example_rows += rows
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        machine = {"platform": platform.platform(), "python": platform.python_version(),
                   "cpus": os.cpu_count(), "numpy": np.__version__}
        args.out.write_text(json.dumps({"machine": machine, "speed": row, "examples": example_rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
