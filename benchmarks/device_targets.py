"""Gate counts of the protocols on hardware targets: native global-MS ion trap against pairwise gates.

Run from the repository root::

    python benchmarks/device_targets.py                    # N = 8, 16, 32 (about 1 minute on 2 cores)
    python benchmarks/device_targets.py --atoms 8 --out device_targets.json

For every N, the SSS (one twist) and the variational class [1,2] (three twists; fixed pseudo-random
parameters) are built as ``qclock design`` writes them (``protocol.to_circuit()``, an RZZ network) and
transpiled with ``circuits.transpile_for(..., optimization_level=2, seed=1)`` to

* ``ion_trap_rxx`` — pairwise Mølmer–Sørensen gates (what ``qclock design`` wrote before),
* ``ion_trap`` — one global Mølmer–Sørensen pulse per twist and global R pulses (Marciniak et al.,
  Nature 603, 604 (2022)),
* ``quantinuum`` (arbitrary-angle ZZ), ``ionq`` (GPI/GPI2/MS via qiskit-ionq's equivalences) and the
  calibrated fake IBM backend ``fake_torino`` (qiskit-ibm-runtime; heavy-hex coupling, CZ; estimated
  fidelity = Π(1 − gate error) of its calibration).

Prints a Markdown table: entangling gates (a global MS counts once), two-qubit gates, depth, estimated
fidelity where the target has calibration data, and the transpile time.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from qclock_circuits import protocols as P  # noqa: E402
from qclock_circuits.circuits import transpile_for  # noqa: E402

IONQ_MAX_PAIRS = 1000  # the [1,2] class at N = 32 (1488 pairs) did not finish in 8 min on 2 cores
TARGETS = ("ion_trap_rxx", "ion_trap", "quantinuum", "ionq", "fake_torino")


def protocols_for(atoms: int) -> dict:
    rng = np.random.default_rng(2024)
    return {"SSS": P.sss(atoms, twist=0.3), "[1,2]": P.variational(atoms, 1, 2, rng.uniform(-1, 1, 11))}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--atoms", default="8,16,32", help="comma-separated atom numbers (default 8,16,32)")
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--out", help="write every row as JSON to this file")
    args = parser.parse_args(argv)
    rows = []
    print(f"load: {os.getloadavg()}")
    print("| N | protocol | target | entangling gates | two-qubit gates | depth | est. fidelity | transpile (s) |")
    print("|---:|---|---|---:|---:|---:|---:|---:|")
    for atoms in (int(a) for a in args.atoms.split(",")):
        for name, protocol in protocols_for(atoms).items():
            circuit = protocol.to_circuit()
            pairs = atoms * (atoms - 1) // 2 * (1 if name == "SSS" else 3)
            for target in args.targets.split(","):
                if target == "ionq" and pairs > IONQ_MAX_PAIRS:
                    print(f"| {atoms} | {name} | ionq | not run: Qiskit's transpiler did not finish within "
                          f"8 minutes for {pairs} pairwise twist gates | | | | |", flush=True)
                    continue
                start = time.perf_counter()
                report = transpile_for(circuit, target, optimization_level=2, seed=1)
                seconds = time.perf_counter() - start
                row = {"atoms": atoms, "protocol": name, "seconds": seconds, **report.to_dict()}
                row["target"] = target
                rows.append(row)
                fidelity = "—" if report.estimated_fidelity is None else f"{report.estimated_fidelity:.3g}"
                print(f"| {atoms} | {name} | {target} | {report.entangling_gates} | {report.two_qubit_gates} | "
                      f"{report.depth} | {fidelity} | {seconds:.2f} |", flush=True)
    print(f"load: {os.getloadavg()}")
    if args.out:
        with open(args.out, "w") as handle:
            json.dump(rows, handle, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
