"""Optimisation on the device: does the sample-optimised protocol beat the ideally optimised one there?

Run from the repository root::

    python benchmarks/on_device_optimization.py                 # about 5 minutes on 2 cores
    python benchmarks/on_device_optimization.py --quick         # one seed, smaller budget
    python benchmarks/on_device_optimization.py --out on_device.json

Setting: N = 4 atoms, the variational class [1,1] (8 parameters), Gaussian prior of width 0.6 rad, the
model's Bayes estimator. The device is ``FakeManilaV2`` (qiskit-ibm-runtime's calibrated 5-qubit device:
its coupling map, CX/SX/RZ basis, gate and readout errors, on Aer) whose entangling twists are also
``--scale`` times too strong (a miscalibrated interaction); the ideal optimiser
(:func:`qclock_circuits.optimize.optimize_variational`) knows neither.

For every seed: SPSA (:func:`qclock_circuits.experiments.optimize_on_device`) from the ideal optimum with
``--budget`` shots; then the ideal optimum and the on-device optimum are evaluated on the device with
``--eval-phases`` × ``--eval-shots`` fresh shots each, at the *same* phases and simulator seed (paired),
so the difference has a small error bar. Prints a Markdown table; ``--out`` writes all numbers as JSON.
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
from qclock_circuits.bayes import estimator_table  # noqa: E402
from qclock_circuits.circuits import sample_outcomes  # noqa: E402
from qclock_circuits.experiments import TwistMiscalibratedSampler, optimize_on_device  # noqa: E402
from qclock_circuits.experiments.ramsey import _draw_phases  # noqa: E402


def per_phase_errors(params, prior, device, phases, shots, atoms, n, m):
    """Mean squared error of the model's Bayes estimate at each phase (rad²), from the device's shots."""
    protocol = P.variational(atoms, n, m, params)
    counts = sample_outcomes(protocol, phases, sampler=device, shots=shots)
    table = estimator_table(protocol, prior, "bayes")
    return ((table[None, :] - phases[:, None]) ** 2 * counts).sum(axis=1) / shots


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--atoms", type=int, default=4)
    parser.add_argument("--width", type=float, default=0.6)
    parser.add_argument("--scale", type=float, default=1.5, help="twist miscalibration factor of the device")
    parser.add_argument("--budget", type=int, default=200_000, help="shots for each on-device optimisation")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--eval-phases", type=int, default=400)
    parser.add_argument("--eval-shots", type=int, default=250)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    if args.quick:
        args.budget, args.seeds, args.eval_phases, args.eval_shots = 48_000, "1", 200, 100
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    atoms, n, m = args.atoms, 1, 1
    prior = bayes.GaussianPrior(width=args.width)
    print(f"load: {os.getloadavg()}")
    start = time.perf_counter()
    ideal = optimize.optimize_variational(atoms, n, m, prior, seed=1).best
    x0 = np.array(ideal.parameters)
    print(f"ideal optimum [1,1], N = {atoms}, prior width {args.width}: model BMSE {ideal.bmse:.5f} rad² "
          f"({time.perf_counter() - start:.1f} s)")
    rows = []
    print("| seed | shots spent | SPSA steps | ideal optimum on device (rad²) | on-device optimum (rad²) | "
          "difference ± SE (rad²) | relative gain | time (s) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for seed in (int(s) for s in args.seeds.split(",")):
        device = TwistMiscalibratedSampler(args.scale, backend=FakeManilaV2(), seed=100 + seed)
        start = time.perf_counter()
        result = optimize_on_device(atoms, n, m, prior, device, start=x0, shots_budget=args.budget,
                                    num_phases=20, shots=50, step=0.03, perturbation=0.15, seed=seed)
        seconds = time.perf_counter() - start
        phases = _draw_phases(prior, args.eval_phases, 10_000 + seed)
        evaluator = TwistMiscalibratedSampler(args.scale, backend=FakeManilaV2(), seed=20_000 + seed)
        before = per_phase_errors(x0, prior, evaluator, phases, args.eval_shots, atoms, n, m)
        evaluator = TwistMiscalibratedSampler(args.scale, backend=FakeManilaV2(), seed=20_000 + seed)
        after = per_phase_errors(np.array(result.parameters), prior, evaluator, phases, args.eval_shots, atoms, n, m)
        diff = before - after
        se = diff.std(ddof=1) / np.sqrt(diff.size)
        row = {"seed": seed, "shots_used": result.shots_used, "iterations": result.iterations,
               "ideal_on_device": float(before.mean()), "ideal_on_device_se": float(before.std(ddof=1) / np.sqrt(before.size)),
               "on_device": float(after.mean()), "on_device_se": float(after.std(ddof=1) / np.sqrt(after.size)),
               "difference": float(diff.mean()), "difference_se": float(se), "seconds": seconds,
               "result": result.to_dict()}
        rows.append(row)
        print(f"| {seed} | {result.shots_used} | {result.iterations} | {row['ideal_on_device']:.4f} ± "
              f"{row['ideal_on_device_se']:.4f} | {row['on_device']:.4f} ± {row['on_device_se']:.4f} | "
              f"{row['difference']:.4f} ± {se:.4f} | {row['difference'] / row['ideal_on_device']:.1%} | "
              f"{seconds:.0f} |", flush=True)
    print(f"model BMSE of the ideal optimum (no device errors): {ideal.bmse:.5f} rad²")
    print(f"load: {os.getloadavg()}")
    if args.out:
        with open(args.out, "w") as handle:
            json.dump({"ideal_model_bmse": ideal.bmse, "ideal_parameters": list(ideal.parameters),
                       "args": vars(args), "rows": rows}, handle, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
