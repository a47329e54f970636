"""CSS, SSS and [1,1] on a calibrated fake IBM device: BMSE and σ(T) against the ideal prediction.

Run from the repository root::

    python benchmarks/fake_device_noise_study.py            # N = 4, 6, 8 (about 5 minutes on 2 cores)
    python benchmarks/fake_device_noise_study.py --quick    # N = 4 only, fewer shots
    python benchmarks/fake_device_noise_study.py --out noise_study.json

Device: ``FakeGuadalupeV2`` of qiskit-ibm-runtime (16 qubits, heavy-hex, CX/SX/RZ; gate, readout and T1/T2
errors from a real calibration) simulated on Aer (``AerSimulator.from_backend``). Protocols for each N and
interrogation time T (units of the laser coherence time Z, flicker FM, no dead time; prior width from
Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (31)): CSS; the BMSE-optimal SSS; the ideal optimum of the
variational class [1,1]. Each is optimised on the ideal model and then run on the device: the BMSE of the
model's Bayes estimator from ``--phases`` prior-drawn phases × ``--shots`` shots (± standard error), and
σ = Δφ_M √T_C / T (eq. (29), with the effective measurement uncertainty Δφ_M of eq. (27) from the BMSE and
the prior width) beside the ideal σ; an infinite σ means the device's BMSE reached the prior's variance. Prints a Markdown table and which protocol wins
at each N on the device.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from qclock_circuits import bayes, optimize  # noqa: E402
from qclock_circuits import protocols as P  # noqa: E402
from qclock_circuits.bayes.stability import best_sss  # noqa: E402
from qclock_circuits.experiments import TwistMiscalibratedSampler, sampled_bmse  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--atoms", default="4,6,8")
    parser.add_argument("--times", default="0.15,0.3,0.6", help="interrogation times T/Z")
    parser.add_argument("--phases", type=int, default=100)
    parser.add_argument("--shots", type=int, default=200)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    if args.quick:
        args.atoms, args.phases, args.shots = "4", 50, 100
    from qiskit_ibm_runtime.fake_provider import FakeGuadalupeV2

    device = TwistMiscalibratedSampler(1.0, backend=FakeGuadalupeV2(), seed=7)  # scale 1: only the device's noise
    rows = []
    print(f"load: {os.getloadavg()}")
    print("| N | T/Z | prior δφ | protocol | ideal BMSE | device BMSE ± SE | ideal σ | device σ ± SE |")
    print("|---:|---:|---:|---|---:|---:|---:|---:|")
    for atoms in (int(a) for a in args.atoms.split(",")):
        for time_z in (float(t) for t in args.times.split(",")):
            width = float(bayes.prior_width(time_z, "flicker"))
            prior = bayes.GaussianPrior(width=width)
            start = time.perf_counter()
            sss, _ = best_sss(atoms, prior)
            var = optimize.optimize_variational(atoms, 1, 1, prior, seed=1, de_iterations=10).best
            candidates = {"CSS": P.css(atoms), "SSS": sss, "[1,1]": var.protocol(atoms, 1, 1)}
            for name, protocol in candidates.items():
                ideal = bayes.bmse(protocol, prior, "bayes")
                value, error = sampled_bmse(protocol, prior, device, num_phases=args.phases, shots=args.shots,
                                            seed=1000 * atoms + int(100 * time_z))
                def sigma(b):
                    return bayes.allan_deviation(bayes.effective_measurement_uncertainty(b, width), time_z)

                sigma_ideal, sigma_device = sigma(ideal), sigma(value)
                upper, lower = sigma(value + error), sigma(max(value - error, 1e-12))
                sigma_error = abs(upper - lower) / 2 if np.isfinite(upper) else float("inf")
                rows.append({"atoms": atoms, "time": time_z, "width": width, "protocol": name, "ideal_bmse": ideal,
                             "device_bmse": value, "device_bmse_se": error, "ideal_sigma": sigma_ideal,
                             "device_sigma": sigma_device, "device_sigma_se": sigma_error})
                print(f"| {atoms} | {time_z:g} | {width:.3f} | {name} | {ideal:.4f} | {value:.4f} ± {error:.4f} | "
                      f"{sigma_ideal:.3f} | {sigma_device:.3f} ± {sigma_error:.3f} |", flush=True)
            print(f"<!-- N = {atoms}, T = {time_z}: {time.perf_counter() - start:.0f} s -->", flush=True)
    print()
    for atoms in sorted({row["atoms"] for row in rows}):
        best_ideal = min((r for r in rows if r["atoms"] == atoms), key=lambda r: r["ideal_sigma"])
        best_device = min((r for r in rows if r["atoms"] == atoms), key=lambda r: r["device_sigma"])
        print(f"N = {atoms}: best ideal σ {best_ideal['ideal_sigma']:.3f} ({best_ideal['protocol']}, T = "
              f"{best_ideal['time']:g} Z); best on the device σ {best_device['device_sigma']:.3f} ± "
              f"{best_device['device_sigma_se']:.3f} ({best_device['protocol']}, T = {best_device['time']:g} Z)")
    print(f"load: {os.getloadavg()}")
    if args.out:
        with open(args.out, "w") as handle:
            json.dump({"args": vars(args), "rows": rows}, handle, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
