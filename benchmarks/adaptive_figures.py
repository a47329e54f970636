"""Figs. 2 and 3 of Mullan & Knill, Phys. Rev. A 90, 042310 (2014): square error vs time and Allan deviation vs m.

Run from the repository root after ``benchmarks/adaptive_table1.py`` (it reads that script's stored
chunks; nothing is simulated here)::

    python benchmarks/adaptive_figures.py                       # both rows, whatever is stored
    python benchmarks/adaptive_figures.py --rows brownian --out-dir benchmarks/output

For each Table 1 row with stored paired chunks it writes ``adaptive_fig_<row>.json`` (run-averaged
curves with standard errors for the adaptive protocol, Ramsey and Bužek) and, where matplotlib is
installed, ``adaptive_fig_<row>.png`` with the paper's two panels: (a) the root square error of the
cumulative average frequency against the interrogation number n (log-log), (b) the overlapping
Allan deviation (eq. 11, of the corrected clock's frequency error ω − ω*) against m (log-log). The
paper's text gives no curve values beyond Table 1, so the file records the Table 1 comparison beside
the curves.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

_ROOT = Path(__file__).resolve().parent.parent
if (_ROOT / "qclock_circuits").is_dir() and str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))  # this checkout's package

__all__ = ["figure_data", "main"]


def figure_data(results: dict) -> dict:
    """Curves of Figs. 2/3 and the Table 1 summary from ``{protocol: AdaptiveClockResult}`` (paired runs)."""
    from qclock_circuits.clock.adaptive.simulate import PAPER_TABLE1, summarise_protocols

    summary = summarise_protocols(results)
    curves = {}
    for name, result in results.items():
        runs = result.runs
        square = result.square_error
        allan = result.allan_variance
        curves[name] = {
            "step": result.steps.tolist(),
            "root_square_error": np.sqrt(square.mean(axis=0)).tolist(),
            "square_error_se": (square.std(axis=0, ddof=1) / np.sqrt(runs)).tolist(),
            "averaging_factor": result.averaging_factors.tolist(),
            "allan_deviation": np.sqrt(allan.mean(axis=0)).tolist(),
            "allan_variance_se": (allan.std(axis=0, ddof=1) / np.sqrt(runs)).tolist(),
            "lost_lock_runs": summary["lost_lock_runs"][name],
        }
    adaptive = results["adaptive"]
    return {"noise": adaptive.noise, "atoms": adaptive.atoms, "h": adaptive.h, "runs": adaptive.runs,
            "slip_weight": adaptive.slip_weight, "curves": curves, "improvement": summary["improvement"],
            "improvement_without_lost_lock": summary["improvement_without_lost_lock"],
            "paper_table1": {name: PAPER_TABLE1[adaptive.noise][name] for name in ("ramsey", "buzek")}}


def _plot(data: dict, path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    styles = {"adaptive": ("tab:blue", "-"), "ramsey": ("tab:red", ":"), "buzek": ("tab:green", "--")}
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for name, curve in data["curves"].items():
        colour, line = styles[name]
        left.loglog(curve["step"], curve["root_square_error"], line, color=colour, label=name)
        right.loglog(curve["averaging_factor"], curve["allan_deviation"], line, color=colour, label=name)
    left.set_xlabel("interrogation n")
    left.set_ylabel("root square error of the average frequency (rad/T)")
    right.set_xlabel("averaging factor m")
    right.set_ylabel("overlapping Allan deviation (rad/T)")
    for axis in (left, right):
        axis.legend()
    figure.suptitle(f"{data['noise']}, N = {data['atoms']}, h = {data['h']}, {data['runs']} paired runs")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return True


def main(argv=None) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from adaptive_table1 import add_row_arguments, row_results

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_row_arguments(parser, runs=400)
    parser.add_argument("--store", default=str(_ROOT / "benchmarks" / "output" / "adaptive_table1_v3"),
                        help="the --out directory of adaptive_table1.py")
    parser.add_argument("--out-dir", default=str(_ROOT / "benchmarks" / "output"))
    args = parser.parse_args(argv)

    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for row in [r.strip() for r in args.rows.split(",") if r.strip()]:
        try:
            results = row_results(row, args.runs, args.seed, 1, args.chunk, Path(args.store), stored_only=True)
        except SystemExit as error:
            print(f"{row}: {error}")
            continue
        data = figure_data(results)
        (out_dir / f"adaptive_fig_{row}.json").write_text(json.dumps(data))
        plotted = _plot(data, out_dir / f"adaptive_fig_{row}.png")
        gains = data["improvement"]
        print(f"{row}: {data['runs']} paired runs; square error gain vs Ramsey "
              f"{gains['ramsey']['square_error']['value']:.1f} ± {gains['ramsey']['square_error']['se']:.1f} %, "
              f"Allan {gains['ramsey']['allan_variance']['value']:.1f} ± "
              f"{gains['ramsey']['allan_variance']['se']:.1f} %; lost lock "
              f"{ {n: c['lost_lock_runs'] for n, c in data['curves'].items()} }"
              + (f"; figure {out_dir / f'adaptive_fig_{row}.png'}" if plotted else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
