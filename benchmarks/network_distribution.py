"""GHZ distribution on Aer: wall time and measured vs. predicted quality (a script, not a test).

For each example topology and scheme: build the dynamic circuit, run
:func:`qclock_circuits.network.distribution_report` (stabilizer method, Werner
link noise, two circuits × ``shots``) and print circuit size, time, and the
measured GHZ fidelity / parity contrast with their standard errors next to
the analytic predictions. The ion example of Kómár et al., Nature Physics 10, 582 (2014) (10 Al+ clocks × 10 ions,
118 qubits in the star circuit) runs with F = 0.99 links. Usage::

    python benchmarks/network_distribution.py [--shots 1000] [--quick] [--out results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from qclock_circuits.network import distribution_report, ghz_distribution_circuit, load_topology

NETWORKS = Path(__file__).resolve().parent.parent / "networks"
CASES = [
    ("star-4", "star", None), ("star-4", "no-ancilla", None), ("star-4", "flat", None),
    ("ring-6", "repeater", None), ("ring-6", "flat", None),
    ("chain-5", "repeater", None), ("chain-5", "flat", None),
    ("mesh-8", "repeater", None), ("mesh-8", "flat", None),
    ("star-10", "star", None), ("star-10", "flat", None),
    ("alplus-10x10", "star", 0.99), ("alplus-10x10", "no-ancilla", 0.99), ("alplus-10x10", "flat", 0.99),
]
QUICK = {("star-4", "star"), ("ring-6", "repeater"), ("mesh-8", "flat"), ("alplus-10x10", "star")}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shots", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="four cases only")
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    rows = []
    header = (f"{'network':14s} {'scheme':10s} {'N':>4s} {'qubits':>6s} {'EPR':>4s} {'build s':>8s} {'aer s':>7s} "
              f"{'fidelity':>17s} {'pred':>6s} {'contrast':>17s} {'pred':>6s}")
    print(header)
    for name, scheme, fidelity in CASES:
        if args.quick and (name, scheme) not in QUICK:
            continue
        network = load_topology(NETWORKS / f"{name}.graphml")
        start = time.perf_counter()
        ghz_distribution_circuit(network, scheme, fidelity)
        build = time.perf_counter() - start
        report = distribution_report(network, scheme, fidelity, shots=args.shots, seed=args.seed)
        row = {"network": name, "scheme": scheme, "link_fidelity": fidelity, "build_seconds": build,
               **report.to_dict()}
        rows.append(row)
        print(f"{name:14s} {scheme:10s} {report.qubits:4d} {report.circuit_qubits:6d} {report.epr_pairs:4d} "
              f"{build:8.3f} {report.seconds:7.2f} "
              f"{report.ghz_fidelity:.4f} ± {report.ghz_fidelity_se:.4f} {report.predicted_ghz_fidelity:6.4f} "
              f"{report.parity_contrast:.4f} ± {report.parity_contrast_se:.4f} {report.predicted_parity_contrast:6.4f}",
              flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps({"machine": platform.processor() or platform.machine(),
                                              "cpus": os.cpu_count(), "shots": args.shots, "rows": rows},
                                             indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
