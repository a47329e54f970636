"""Benchmark: security countermeasures of the clock network (Kómár et al., Nature Physics 10, 582 (2014), appendix B).

Run from the repository root::

    python benchmarks/network_security.py                 # full tables (~15 s on 2 cores)
    python benchmarks/network_security.py --quick         # fewer trials and cycles (~7 s)
    python benchmarks/network_security.py --out benchmarks/output/network_security.json

Part 1 (sabotage test, B1): K = 10 clocks, N = 1000 atoms (√(K/N) = 0.1 rad),
one node tested per cycle. For Λ = 1 … 5: false-positive rate of an honest
node (Monte Carlo with its binomial standard error, and the analytic rate with
and without the center's COM error) and detection rates of a node reporting
random bits, flipped bits, or an LO signal offset by 0.3 rad over the dark
time; Monte Carlo test rounds per second.

Part 2 (bit-level readout): the same at Λ = 4 with the n = 100 parity bits of
the test qubits simulated and decoded (linear estimator, error √(2K/N)).

Part 3 (eavesdropping, B2): K = 10 random-walk LOs (coherence-time units,
T = 0.1 Z), servo gain 1, COM phase error 0.05 rad per cycle. Allan deviation
of one free LO, of the eavesdropper's synthesised COM (all LO signals
intercepted) and of the members' stabilised COM; their ratio.

Part 4 (rotating center, B3): plan 10⁴ cycles of rotation on the networks/
examples, with one failure in the middle. Timings are never asserted.
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

_ROOT = Path(__file__).resolve().parent.parent
if (_ROOT / "qclock_circuits").is_dir() and str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))  # benchmark this checkout's package

__all__ = ["main", "sabotage", "bit_readout", "eavesdropping", "rotation"]

ATOMS, NODES, OFFSET = 1000, 10, 0.3


def sabotage(trials: int, windows=(1.0, 2.0, 3.0, 4.0, 5.0)) -> list[dict]:
    """False-positive and detection rates per acceptance window Λ (phase readout)."""
    from qclock_circuits.network.security import rejection_probability, simulate_sabotage_tests

    rows = []
    for window in windows:
        row = {"window": window, "seed_false_positive": rejection_probability("honest", window, ATOMS, NODES,
                                                                                 com_error=False)}
        for behaviour in ("honest", "random_bits", "flipped_bits", "lo_offset"):
            count = trials * 10 if behaviour == "honest" else trials
            start = time.perf_counter()
            result = simulate_sabotage_tests(behaviour, window, ATOMS, NODES, trials=count, lo_offset=OFFSET,
                                             seed=int(window * 10) + len(behaviour))
            seconds = time.perf_counter() - start
            row[behaviour] = {"rate": result.rate, "std": math.sqrt(result.rate * (1 - result.rate) / count),
                              "analytic": result.expected_rate, "z": result.z_score, "trials": count,
                              "rounds_per_s": count / seconds}
        rows.append(row)
    return rows


def bit_readout(trials: int, window: float = 4.0) -> dict:
    """Rates with the parity bits of the n = N/K test qubits simulated (Λ = 4)."""
    from qclock_circuits.network.security import simulate_sabotage_tests

    out = {"window": window}
    for behaviour in ("honest", "random_bits", "flipped_bits", "lo_offset"):
        start = time.perf_counter()
        result = simulate_sabotage_tests(behaviour, window, ATOMS, NODES, trials=trials, lo_offset=OFFSET,
                                         readout="bits", seed=len(behaviour))
        seconds = time.perf_counter() - start
        out[behaviour] = {"rate": result.rate, "analytic": result.expected_rate, "z": result.z_score,
                          "trials": trials, "rounds_per_s": trials / seconds}
    return out


def eavesdropping(cycles: int) -> dict:
    """Allan deviations of one LO, the eavesdropper's COM and the members' stabilised COM."""
    from qclock_circuits.clock import LocalOscillatorNoise
    from qclock_circuits.network.security import simulate_eavesdropping

    lo = LocalOscillatorNoise.from_coherence_time("random_walk")
    start = time.perf_counter()
    result = simulate_eavesdropping(lo, cycles, 0.1, phase_noise=0.05, nodes=NODES, seed=1)
    seconds = time.perf_counter() - start
    return {"cycles": cycles, "seconds": seconds, "tau": result.stabilised.tau.tolist(),
            "single_node": result.single_node.sigma.tolist(), "eavesdropper": result.eavesdropper.sigma.tolist(),
            "stabilised": result.stabilised.sigma.tolist(), "ratio": result.ratio().tolist(),
            "key_correlation": result.key_correlation}


def rotation(cycles: int) -> list[dict]:
    """Time to plan a rotation of the center over each example network, one node failing half-way."""
    from qclock_circuits.network import load_topology
    from qclock_circuits.network.security import plan_center_rotation

    rows = []
    for path in sorted((_ROOT / "networks").glob("*.graphml")):
        network = load_topology(path)
        failing = network.nodes[-1]
        start = time.perf_counter()
        try:
            plan = plan_center_rotation(network, cycles, failures={cycles // 2: failing})
        except ValueError as exc:
            rows.append({"network": path.stem, "nodes": len(network.nodes), "error": str(exc)[:160]})
            continue
        rows.append({"network": path.stem, "nodes": len(network.nodes), "seconds": time.perf_counter() - start,
                     "handovers": plan.handovers, "longest_route": max(len(p) - 1 for epoch in plan.routes
                                                                        for paths in epoch.values()
                                                                        for p in paths.values())})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer trials and cycles")
    parser.add_argument("--out", type=Path, help="write all results as JSON to this path")
    args = parser.parse_args(argv)
    trials = 100_000 if args.quick else 1_000_000
    results = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count()}}

    results["sabotage"] = sabotage(trials)
    print(f"Sabotage test (B1), K = {NODES}, N = {ATOMS}, K_t = 1; rates per test round (Monte Carlo ± SE "
          "[analytic]); honest rounds: 10x the trials")
    print(f"{'Λ':>4} {'seed FP':>10} {'false positive':>30} {'random bits':>26} {'flipped':>10} "
          f"{'LO +0.3 rad':>26} {'rounds/s':>10}")
    for row in results["sabotage"]:
        cells = []
        for key in ("honest", "random_bits", "flipped_bits", "lo_offset"):
            cell = row[key]
            cells.append(f"{cell['rate']:.3g} ± {cell['std']:.1g} [{cell['analytic']:.3g}]")
        print(f"{row['window']:>4g} {row['seed_false_positive']:>10.3g} {cells[0]:>30} {cells[1]:>26} "
              f"{row['flipped_bits']['rate']:>10.4g} {cells[3]:>26} {row['honest']['rounds_per_s']:>10.3g}")

    results["bit_readout"] = bit_readout(trials // 10)
    print("\nBit-level readout at Λ = 4 (n = 100 parity bits per test, linear decoding)")
    for key in ("honest", "random_bits", "flipped_bits", "lo_offset"):
        cell = results["bit_readout"][key]
        print(f"  {key:<13} {cell['rate']:.4g} [{cell['analytic']:.4g}], z = {cell['z']:+.2f}, "
              f"{cell['rounds_per_s']:.3g} rounds/s")

    results["eavesdropping"] = eavesdropping(2**14 if args.quick else 2**18)
    eav = results["eavesdropping"]
    print(f"\nEavesdropping (B2), K = {NODES} random-walk LOs, {eav['cycles']} cycles in {eav['seconds']:.2f} s; "
          f"corr(ciphertext, feedback) = {eav['key_correlation']:+.4f}")
    print(f"{'τ/Z':>8} {'one LO':>10} {'eavesdropper':>13} {'members':>10} {'ratio':>8}")
    for k, tau in enumerate(eav["tau"]):
        if k % 2 == 0:
            print(f"{tau:>8.4g} {eav['single_node'][k]:>10.4g} {eav['eavesdropper'][k]:>13.4g} "
                  f"{eav['stabilised'][k]:>10.4g} {eav['ratio'][k]:>8.3g}")

    results["rotation"] = rotation(1_000 if args.quick else 10_000)
    print("\nRotating center (B3): plan with the last node failing half-way")
    for row in results["rotation"]:
        if "error" in row:
            print(f"  {row['network']:<14} K = {row['nodes']:>4}: {row['error']}")
        else:
            print(f"  {row['network']:<14} K = {row['nodes']:>4}: {row['seconds']:.3f} s, "
                  f"{row['handovers']} handovers, longest route {row['longest_route']} hops")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
