"""Kielinski & Hammerer, arXiv:2505.04287 (2025), Fig. 4(b): simulated clock stability of CSS, SSS and GHZ for N = 8 against theory.

For every interrogation time T/Z on the grid:

1. the prior width δφ(T) of the closed loop is calibrated iteratively
   (appendix A5D, :func:`qclock_circuits.clock.calibration.calibrate_prior_width`);
2. CSS, SSS (twist and rotation optimised for δφ with the Bayes estimator)
   and GHZ (parity) run in the full feedback loop with flicker LO noise,
   ``--runs`` independent clocks of ``--cycles`` cycles each;
3. the mean and standard deviation of σ_y(τ)ω0√(τZ) (long-τ fit) and the
   fringe-hop count are recorded next to the Bayesian prediction (eq. 29)
   at the same δφ.

With ``--estimator linear`` the loop, the SSS optimisation and the theory line use the linear
estimator (Fig. 5 of the paper); ``theory_bayes`` is recorded beside it. Use a separate ``--out``
per estimator (``--resume`` keys points by protocol and T only).

Every finished point is appended to ``points.jsonl`` in ``--out`` at once;
``--resume`` skips points already there. Figures: ``fig4b.png``.

Usage::

    python benchmarks/fig4_clock.py --out benchmarks/output/fig4 [--quick] [--resume]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from qclock_circuits import bayes, protocols
from qclock_circuits.bayes.stability import best_sss
from qclock_circuits.clock.calibration import calibrate_prior_width
from qclock_circuits.clock.simulate import simulate_clocks, summarize_runs


def theory(protocol, width, interrogation_time, estimator="bayes"):
    dphi_m = bayes.effective_measurement_uncertainty(bayes.bmse(protocol, bayes.GaussianPrior(width), estimator),
                                                      width)
    return float(bayes.allan_deviation(dphi_m, interrogation_time))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--atoms", type=int, default=8)
    parser.add_argument("--cycles", type=int, default=200_000, help="clock cycles per run")
    parser.add_argument("--runs", type=int, default=10, help="independent runs per point")
    parser.add_argument("--points", type=int, default=10, help="interrogation times on the grid")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/output/fig4"))
    parser.add_argument("--estimator", default="bayes", choices=("bayes", "linear"),
                        help="estimator of the loop and of the theory line (Kielinski & Hammerer Fig. 5: linear)")
    parser.add_argument("--quick", action="store_true", help="4 times, 3 runs, 30000 cycles")
    parser.add_argument("--resume", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.points, args.runs, args.cycles = 4, 3, 30_000
    args.out.mkdir(parents=True, exist_ok=True)
    times = np.geomspace(0.005, 0.6, args.points)
    started = time.perf_counter()

    calibration_file = args.out / "calibration.json"
    if args.resume and calibration_file.exists():
        calibration = json.loads(calibration_file.read_text())
        from qclock_circuits.clock.calibration import PriorWidthCalibration

        calibrated = PriorWidthCalibration.from_dict(calibration)
    else:
        calibrated = calibrate_prior_width(args.atoms, times, "flicker", stages=3, cycles=args.cycles // 2, seed=1)
        calibration_file.write_text(json.dumps(calibrated.to_dict()))
    print(f"prior widths calibrated in {time.perf_counter() - started:.0f} s", flush=True)

    points_file = args.out / "points.jsonl"
    done = set()
    if args.resume and points_file.exists():
        for line in points_file.read_text().splitlines():
            record = json.loads(line)
            done.add((record["protocol"], round(record["interrogation_time"], 12)))
    for time_value in times:
        width = float(calibrated.width(time_value))
        sss_protocol, _ = best_sss(args.atoms, bayes.GaussianPrior(width), args.estimator)
        for name, protocol in (("CSS", protocols.css(args.atoms)), ("SSS", sss_protocol),
                               ("GHZ", protocols.ghz(args.atoms))):
            if (name, round(float(time_value), 12)) in done:
                continue
            tick = time.perf_counter()
            runs = simulate_clocks(protocol, runs=args.runs, seed=[7, int(time_value * 1e6)], workers=args.workers,
                                   out=args.out / "runs" / f"{name}_{time_value:.6f}",
                                   interrogation_time=float(time_value), noise="flicker", cycles=args.cycles,
                                   prior_width=width, estimator=args.estimator)
            summary = summarize_runs(runs)
            record = {"protocol": name, "atoms": args.atoms, "interrogation_time": float(time_value),
                      "prior_width": width, "prior_width_eq31": float(bayes.prior_width(time_value, "flicker")),
                      "theory": theory(protocol, width, time_value, args.estimator),
                      "theory_bayes": theory(protocol, width, time_value), "estimator": args.estimator,
                      "cycles": args.cycles,
                      "seconds": time.perf_counter() - tick, **summary}
            if name == "SSS":
                record["twist"], record["rotation"] = protocol.parameters.tolist()
            with points_file.open("a") as stream:
                stream.write(json.dumps(record) + "\n")
            print(f"{name} T/Z={time_value:.4f} δφ={width:.4f} σ_sim={summary['sigma_scaled_mean']:.4f}"
                  f"±{summary['sigma_scaled_std']:.4f} σ_theory={record['theory']:.4f} "
                  f"hops in {summary['runs_with_hops']}/{args.runs} runs, unsettled {summary['runs_unsettled']} "
                  f"({record['seconds']:.1f} s)", flush=True)

    records = [json.loads(line) for line in points_file.read_text().splitlines()]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6.4, 4.4))
    colours = {"CSS": "tab:orange", "SSS": "tab:red", "GHZ": "tab:green"}
    fine = np.geomspace(times[0], times[-1], 60)
    for name, colour in colours.items():
        rows = sorted((r for r in records if r["protocol"] == name), key=lambda r: r["interrogation_time"])
        clean = [r for r in rows if r["runs_with_hops"] == 0 and r.get("runs_unsettled", 0) == 0]
        hopped = [r for r in rows if r["runs_with_hops"] > 0]
        axis.errorbar([r["interrogation_time"] for r in clean], [r["sigma_scaled_mean"] for r in clean],
                      yerr=[r["sigma_scaled_std"] for r in clean], fmt="o", color=colour, label=f"{name} simulated")
        if hopped:
            axis.plot([r["interrogation_time"] for r in hopped], [r["sigma_scaled_mean"] for r in hopped], "x",
                      color=colour, alpha=0.6)
        axis.plot([r["interrogation_time"] for r in rows], [r["theory"] for r in rows], "-", color=colour,
                  label=f"{name} theory (eq. 29)")
    oqi = [bayes.allan_deviation(bayes.effective_measurement_uncertainty(
        bayes.bounds.oqi(args.atoms, bayes.GaussianPrior(float(calibrated.width(t)))).bmse,
        float(calibrated.width(t))), t) for t in fine[::6]]
    axis.plot(fine[::6], oqi, "k--", label="OQI")
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xlabel("interrogation time T/Z")
    axis.set_ylabel(r"$\sigma_y(\tau)\,\omega_0\sqrt{\tau Z}$")
    axis.set_title(f"N = {args.atoms}, flicker FM, {args.runs} runs × {args.cycles} cycles (x: fringe hops)")
    axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(args.out / "fig4b.png", dpi=130)
    print(f"done in {time.perf_counter() - started:.0f} s; data and figure in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
