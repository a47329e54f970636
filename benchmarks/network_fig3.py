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

__all__ = ["main", "fig3_point", "curves", "fit_scalings"]

LABELS = {"quantum_network": "(a) quantum network", "classical_cooperation": "(b) classical cooperation",
          "independent": "(c) independent", "classical_network": "(d) classical local, cooperating",
          "classical_independent": "(e) classical, no cooperation"}
COOPERATIVE = ("quantum_network", "classical_cooperation", "classical_network")


def fig3_point(point: dict) -> dict:
    """One closed-loop run: strategy, T (s), K, atoms per node, γ/2π, ν0, LO phase spread, cycles, seed."""
    from qclock_circuits.network import star_network
    from qclock_circuits.network.loop import simulate_network_clock

    T = float(point["T"])
    linewidth_hz = point["lo_phase"] ** 2 / (2 * math.pi * T)  # white FM: phase variance 2π Δν T per cycle
    network = star_network(point["K"] - 1, qubits=point["n"], transition_frequency_hz=point["nu0"],
                           linewidth_hz=linewidth_hz, atom_linewidth_hz=point["atom_hz"])
    start = time.perf_counter()
    result = simulate_network_clock(network, T, point["cycles"], strategy=point["strategy"],
                                    allocation="loop_optimal", seed=point["seed"])
    cooperative = point["strategy"] in COOPERATIVE
    mse = result.network_mse if cooperative else result.local_mse[0]
    cycles = result.network_cycles if cooperative else result.local_cycles[0]
    return {"mse": float(mse), "slips": int(sum(result.phase_slips)), "cascade_errors": int(result.cascade_errors),
            "local_errors": int(sum(result.local_errors)), "cycles": int(cycles), "problems": result.problems(),
            "allocation": None if result.allocation is None else result.allocation.to_dict(),
            "seconds": time.perf_counter() - start}


def curves(points, results, taus, omega0):
    """σ_y(τ) per strategy: the best valid T ≤ τ of eq. A20; invalid points are skipped."""
    out = {}
    for strategy in LABELS:
        rows = [(p["T"], r["mse"]) for p, r in zip(points, results) if p["strategy"] == strategy and not r["problems"]]
        sigma = []
        for tau in taus:
            values = [math.sqrt(mse / (T * tau)) / omega0 for T, mse in rows if T <= tau * (1 + 1e-9)]
            sigma.append(min(values) if values else math.nan)
        out[strategy] = np.asarray(sigma)
    return out


def _crossing(taus, sigma, floor_level, factor=math.sqrt(2.0)):
    """First τ at which σ_y√τ comes within ``factor`` of the floor level (log interpolation)."""
    level = sigma * np.sqrt(taus)
    for i in range(1, len(taus)):
        if level[i] <= factor * floor_level and np.isfinite(level[i - 1]):
            a, b = math.log(level[i - 1]), math.log(level[i])
            x = (math.log(factor * floor_level) - a) / (b - a) if b != a else 1.0
            return float(math.exp(math.log(taus[i - 1]) + x * (math.log(taus[i]) - math.log(taus[i - 1]))))
    return math.nan


def fit_scalings(taus, sig, K, N, gamma, omega0):
    """The paper's statements, fitted from the simulated curves."""
    short = taus <= 0.1
    a = sig["quantum_network"]
    ok = short & np.isfinite(a)
    slope = float(np.polyfit(np.log(taus[ok]), np.log(a[ok]), 1)[0])
    ratio_ba = float(np.exp(np.nanmean(np.log(sig["classical_cooperation"][short] / a[short]))))
    ratio_cb = float(np.exp(np.nanmean(np.log(sig["independent"][short] / sig["classical_cooperation"][short]))))
    ratio_da = float(np.exp(np.nanmean(np.log(sig["classical_network"][short] / a[short]))))
    longest = taus >= 300
    floors = {s: float(np.nanmean(sig[s][longest] * np.sqrt(taus[longest]))) for s in LABELS}
    eq4 = math.sqrt(2 * gamma / N) / omega0  # the floor of network_stability, eq. (4) with its factor 2
    floor = min(floors[s] for s in COOPERATIVE)
    reach = {s: _crossing(taus, sig[s], floor) for s in COOPERATIVE}
    return {
        "slope_a_short": slope, "paper_slope_a": -1.0,
        "ratio_b_over_a_short": ratio_ba, "ratio_c_over_b_short": ratio_cb, "paper_sqrt_K": math.sqrt(K),
        "ratio_d_over_a_short": ratio_da, "paper_sqrt_N_up_to_log": math.sqrt(N / math.log(N / K)),
        "floor_sigma_sqrt_tau": floors, "eq4_floor_sigma_sqrt_tau": eq4,
        "tau_within_sqrt2_of_floor": reach,
        "later_b_over_a": reach["classical_cooperation"] / reach["quantum_network"], "paper_later_b": K,
        "later_d_over_a": reach["classical_network"] / reach["quantum_network"], "paper_later_d": N,
    }


def figure(taus, sig, analytic, path):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.6), constrained_layout=True)
    for (strategy, label), colour in zip(LABELS.items(), ("C3", "C0", "C2", "C1", "C7")):
        ax.loglog(taus, sig[strategy], "o-", color=colour, ms=3.5, label=label + " (loop)")
        ax.loglog(taus, analytic[strategy], ":", color=colour, lw=1)
    ax.set_xlabel("averaging time τ (s)")
    ax.set_ylabel("Allan deviation σ_y(τ)")
    ax.set_title("Network of 10 Sr clocks × 1000 atoms (dotted: closed forms)", fontsize=9)
    ax.legend(fontsize=7)
    fig.savefig(path, dpi=110)
    plt.close(fig)


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
    from qclock_circuits.network import network_stability
    from qclock_circuits.runtime import run_sweep

    Ts = [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0]
    points = [{"strategy": s, "T": T, "K": args.K, "n": args.n, "atom_hz": args.atom_hz, "nu0": args.nu0,
               "lo_phase": args.lo_phase, "cycles": args.cycles, "seed": 11} for s in LABELS for T in Ts]
    start = time.perf_counter()
    results = run_sweep(fig3_point, points, store=args.out / "points", workers=args.workers)
    wall = time.perf_counter() - start
    omega0 = 2 * math.pi * args.nu0
    gamma = 2 * math.pi * args.atom_hz
    N = args.K * args.n
    taus = np.geomspace(0.01, 1e4, 19)
    sig = curves(points, results, taus, omega0)
    analytic = {s: network_stability(s, N, args.K, taus, gamma, omega0=omega0) for s in LABELS}
    fits = fit_scalings(taus, sig, args.K, N, gamma, omega0)
    for p, r in zip(points, results):
        if r["problems"]:
            print(f"invalid: {p['strategy']} T = {p['T']} s: {'; '.join(r['problems'])}")
    print(f"{'tau (s)':>8} " + " ".join(f"{s[:12]:>12}" for s in LABELS))
    for i, tau in enumerate(taus):
        print(f"{tau:>8.3g} " + " ".join(f"{sig[s][i]:>12.3e}" for s in LABELS))
    print(json.dumps(fits, indent=1))
    print(f"wall time {wall:.0f} s with {args.workers} workers; load {os.getloadavg()}")
    args.figure.parent.mkdir(parents=True, exist_ok=True)
    figure(taus, sig, analytic, args.figure)
    args.out.mkdir(parents=True, exist_ok=True)
    machine = {"platform": platform.platform(), "cpus": os.cpu_count(), "load": os.getloadavg()}
    (args.out / "fig3.json").write_text(json.dumps({
        "machine": machine, "wall_s": wall, "taus": taus.tolist(),
        "sigma": {s: [None if not math.isfinite(v) else v for v in sig[s]] for s in LABELS},
        "analytic": {s: analytic[s].tolist() for s in LABELS}, "fits": fits,
        "points": [dict(p, **r) for p, r in zip(points, results)]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
