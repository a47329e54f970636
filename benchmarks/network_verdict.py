"""The verdict on the quantum network of clocks, measured in the closed loop.

Kómár et al., Nature Physics 10, 582 (2014) state that ten Sr clocks of 1000
atoms reach ≈ 2×10⁻¹⁸ at 1 s, an order of magnitude better than the best
classical cooperative scheme, and ten Al⁺ clocks of ten ions 4×10⁻¹⁷. This
script measures, with :func:`~qclock_circuits.network.loop.simulate_network_clock`:

Part 1 (the two worked examples): σ_y(τ) of the stabilised centre-of-mass
signal at τ = 1, 10, 100, 1000 s (overlapping ADEV at those τ), for
(a) the quantum network with the paper's allocation (``optimal_copies``, the
loop's default) and with the loop-optimal allocation, (b) classical cooperation
of nodes running their own (loop-optimal) cascades and (d) classical
cooperation of uncorrelated nodes; ``--seeds`` independent runs of ``--cycles``
cycles each (the same LO traces for every strategy of a seed), mean ± standard
error, and the paired ratio σ(quantum)/σ(best classical cooperative) ± SE.
T = 1 s (τ = 1 s is one cycle). Two LO choices: LO linewidth equal to the
atomic one (as the worked examples are usually read) and pre-narrowed to
1/100 of it (the paper's §A5 assumption that lets T grow to τ).

Part 2 (sweep): N per node × K × γ at T = 1 s, LO linewidth = γ (or
``--sweep-lo-fraction`` × γ), one seed:
the ratio at τ = 1, 10, 100 s and, for the quantum network, the largest term
of its exact error budget (:func:`~qclock_circuits.network.cascade_budget.loop_error_budget`).

Run from the repository root (resumable)::

    python benchmarks/network_verdict.py                 # both parts
    python benchmarks/network_verdict.py --part 1 --seeds 4 --cycles 20000
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

__all__ = ["main", "verdict_point", "EXAMPLES"]

#: label, K, qubits per clock, ν0 (Hz), γ_i/2π (Hz), the paper's σ_y(1 s)
EXAMPLES = {"Sr 10x1000": (10, 1000, 4.29e14, 1e-3, 2e-18), "Al+ 10x10": (10, 10, 1.121e15, 8e-3, 4e-17)}
TAUS = (1.0, 10.0, 100.0, 1000.0)
VARIANTS = {"a_paper": ("quantum_network", None), "a_loop": ("quantum_network", "loop_optimal"),
            "b": ("classical_cooperation", "loop_optimal"), "d": ("classical_network", None)}


def verdict_point(point: dict) -> dict:
    """All seeds of one (network, LO, strategy variant): σ_y at the τ list, problems and the budget."""
    from qclock_circuits.clock.allan import overlapping_adev
    from qclock_circuits.network import star_network
    from qclock_circuits.network.cascade_budget import loop_error_budget
    from qclock_circuits.network.loop import simulate_network_clock

    network = star_network(point["K"] - 1, qubits=point["n"], transition_frequency_hz=point["nu0"],
                           linewidth_hz=point["lo_fraction"] * point["atom_hz"], atom_linewidth_hz=point["atom_hz"])
    strategy, allocation = VARIANTS[point["variant"]]
    taus = [t for t in point["taus"] if t <= (point["cycles"] - 1) / 2]
    sigmas, problems, mses, errors = [], [], [], []
    start = time.perf_counter()
    result = None
    for seed in range(point["seeds"]):
        result = simulate_network_clock(network, 1.0, point["cycles"], strategy=strategy, allocation=allocation,
                                        seed=1000 + seed)
        sigmas.append(overlapping_adev(result.com_frequency, tau0=1.0, taus=taus).sigma.tolist())
        problems += result.problems()
        mses.append(result.network_mse)
        errors.append(result.cascade_errors)
    budget = None
    if result.allocation is not None:
        widths = math.sqrt(2 * math.pi * point["lo_fraction"] * point["atom_hz"] * 1.0 +
                           1.0 / max(result.allocation.uncorrelated[0], 1))
        terms = loop_error_budget(result.allocation, node_phase_width=widths,
                                  individual_dephasing=2 * math.pi * point["atom_hz"] * 1.0)
        budget = terms.to_dict()
    return {"taus": taus, "sigma": sigmas, "problems": problems, "network_mse": mses, "cascade_errors": errors,
            "allocation": None if result.allocation is None else result.allocation.to_dict(), "budget": budget,
            "seconds": time.perf_counter() - start}


def _mean_se(values):
    values = np.asarray(values, dtype=float)
    if values.shape[0] < 2:
        return values.mean(axis=0), np.full(values.shape[1:], np.nan)
    return values.mean(axis=0), values.std(axis=0, ddof=1) / math.sqrt(values.shape[0])


def _ratio(rows: dict, quantum: str):
    """Paired ratio σ(quantum)/σ(best classical cooperative) per τ, mean ± SE over seeds."""
    q = np.asarray(rows[quantum]["sigma"])
    b, d = np.asarray(rows["b"]["sigma"]), np.asarray(rows["d"]["sigma"])
    best = np.where(b.mean(axis=0) <= d.mean(axis=0), b, d)
    return _mean_se(q / best)


def _largest_term(budget):
    if budget is None:
        return "-"
    terms = {k: budget[k] for k in ("projection", "rounding", "phase_slip", "dephasing")}
    name = max(terms, key=terms.get)
    return f"{name} ({terms[name] / budget['total']:.0%})"


def part1(args, run_sweep):
    points = []
    for label, (K, n, nu0, atom_hz, _) in EXAMPLES.items():
        for fraction in (1.0, 0.01):
            for variant in VARIANTS:
                points.append({"example": label, "K": K, "n": n, "nu0": nu0, "atom_hz": atom_hz,
                               "lo_fraction": fraction, "variant": variant, "cycles": args.cycles,
                               "seeds": args.seeds, "taus": list(TAUS)})
    results = run_sweep(verdict_point, points, store=args.out / "part1", workers=args.workers)
    table = []
    for label in EXAMPLES:
        for fraction in (1.0, 0.01):
            rows = {p["variant"]: r for p, r in zip(points, results)
                    if p["example"] == label and p["lo_fraction"] == fraction}
            print(f"\n{label}, LO linewidth {fraction:g} x atomic, T = 1 s, {args.seeds} x {args.cycles} cycles")
            taus = rows["a_paper"]["taus"]
            for variant, r in rows.items():
                mean, se = _mean_se(r["sigma"])
                flag = "INVALID: " + "; ".join(sorted(set(r["problems"]))) if r["problems"] else ""
                print(f"  {variant:>8}: " + "  ".join(f"{m:.2e}±{s:.0e}" for m, s in zip(mean, se))
                      + f"  budget {_largest_term(r['budget'])} {flag}")
            for quantum in ("a_paper", "a_loop"):
                mean, se = _ratio(rows, quantum)
                print(f"  ratio {quantum}/best classical: " + "  ".join(f"{m:.2f}±{s:.2f}" for m, s in zip(mean, se)))
                table.append({"example": label, "lo_fraction": fraction, "quantum": quantum, "taus": taus,
                              "ratio": mean.tolist(), "ratio_se": se.tolist(),
                              "quantum_sigma": _mean_se(rows[quantum]["sigma"])[0].tolist(),
                              "quantum_problems": sorted(set(rows[quantum]["problems"]))})
    return points, results, table


def part2(args, run_sweep):
    points = []
    for n in (10, 100, 1000):
        for K in (3, 10):
            for atom_hz in (5e-5, 1e-3, 8e-3):
                for variant in ("a_loop", "b", "d"):
                    points.append({"example": "sweep", "K": K, "n": n, "nu0": 4.29e14, "atom_hz": atom_hz,
                                   "lo_fraction": args.sweep_lo_fraction, "variant": variant, "cycles": args.sweep_cycles, "seeds": 1,
                                   "taus": [1.0, 10.0, 100.0]})
    results = run_sweep(verdict_point, points, store=args.out / "part2", workers=args.workers)
    print(f"\nSweep (T = 1 s, LO linewidth = {args.sweep_lo_fraction:g} γ, one run of {args.sweep_cycles} cycles): "
          "σ(quantum)/σ(best classical cooperative) at τ = 1, 10, 100 s")
    rows_out = []
    for n in (10, 100, 1000):
        for K in (3, 10):
            for atom_hz in (5e-5, 1e-3, 8e-3):
                rows = {p["variant"]: r for p, r in zip(points, results)
                        if p["n"] == n and p["K"] == K and p["atom_hz"] == atom_hz}
                q = np.asarray(rows["a_loop"]["sigma"][0])
                best = np.minimum(np.asarray(rows["b"]["sigma"][0]), np.asarray(rows["d"]["sigma"][0]))
                ratio = q / best
                flag = " INVALID" if rows["a_loop"]["problems"] else ""
                print(f"  N/node {n:>5} K {K:>3} γ/2π {atom_hz * 1e3:>5.2f} mHz: "
                      + " ".join(f"{v:5.2f}" for v in ratio)
                      + f"   gain {1 / ratio.min():4.1f}x  limiting term {_largest_term(rows['a_loop']['budget'])}{flag}")
                rows_out.append({"n": n, "K": K, "atom_hz": atom_hz, "ratio": ratio.tolist(),
                                 "budget": rows["a_loop"]["budget"], "problems": rows["a_loop"]["problems"]})
    return rows_out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=("1", "2", "both"), default="both")
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--cycles", type=int, default=20000)
    parser.add_argument("--sweep-cycles", type=int, default=5000)
    parser.add_argument("--sweep-lo-fraction", type=float, default=1.0,
                        help="LO linewidth of the sweep as a multiple of γ (0.01: pre-narrowed lasers)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/output/verdict"))
    args = parser.parse_args(argv)
    from qclock_circuits.runtime import run_sweep

    start = time.perf_counter()
    summary = {}
    if args.part in ("1", "both"):
        _, _, summary["examples"] = part1(args, run_sweep)
    if args.part in ("2", "both"):
        summary["sweep"] = part2(args, run_sweep)
    summary["wall_s"] = time.perf_counter() - start
    summary["load"] = os.getloadavg()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"verdict_part{args.part}_lo{args.sweep_lo_fraction:g}.json").write_text(json.dumps(summary, indent=1))
    print(f"\nwall {summary['wall_s']:.0f} s, load {summary['load']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
