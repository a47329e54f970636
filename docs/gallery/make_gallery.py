"""Figures and tables of the "reproducing the papers" gallery, drawn from the JSON data in ``data/``.

Run from the repository root::

    python docs/gallery/make_gallery.py                        # every figure and table from the stored data
    python docs/gallery/make_gallery.py --figure kh_fig2       # one of them
    python docs/gallery/make_gallery.py --figure kh_fig4b --recompute   # recompute its data first
    python docs/gallery/make_gallery.py --out /tmp/gallery     # draw somewhere else

Each entry of :data:`ENTRIES` has a data file ``data/<name>.json`` and either a
PNG ``figures/<name>.png`` or a Markdown table ``tables/<name>.md.inc`` that the
gallery pages include. ``--recompute`` regenerates the data with the
benchmark scripts in ``benchmarks/`` (reduced grids and run counts, so that
each entry takes minutes on two cores; the pages say what was reduced) and
records the machine load beside it. Without ``--recompute`` nothing is
simulated: drawing every entry takes seconds.

Papers: Kielinski & Hammerer, arXiv:2505.04287 (2025); Kómár et al., Nature
Physics 10, 582 (2014); Mullan & Knill, Phys. Rev. A 90, 042310 (2014).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
for _path in (ROOT, ROOT / "benchmarks"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

DATA = HERE / "data"
FIGURES = HERE / "figures"
TABLES = HERE / "tables"
DPI = 100


def _machine() -> dict:
    return {"cpus": os.cpu_count(), "load_average_1min": round(os.getloadavg()[0], 2),
            "date": time.strftime("%Y-%m-%d", time.gmtime())}


def _plain(value):
    """JSON-safe copy: non-finite floats (an infinite σ: no lock, or no better than the prior) become null."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def _new_figure(width: float, height: float, panels: int = 1):
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    axes = figure.subplots(1, panels)
    return figure, (list(axes) if panels > 1 else [axes])


# ----------------------------------------------------------------------------- Kielinski & Hammerer Fig. 2
_FIG2_CURVES = {"css-linear": "CSS, linear", "css-bayes": "CSS, Bayes", "sss-linear": "SSS, linear",
                "sss-bayes": "SSS, Bayes", "ghz-bayes": "GHZ (parity)", "oqi-bayes": "OQI"}
_FIG2_MINIMA = dict(_FIG2_CURVES, **{"poi-bayes": "POI", "pi_hl-bayes": "asymptotic OQI (eq. 19)"})


def recompute_kh_fig2(work: Path) -> dict:
    """``benchmarks/fig2_stability.py --quick`` (N ≤ 32, 12 times): panel (a) at N = 32 and σ_min(N)."""
    import fig2_stability

    fig2_stability.main(["--quick", "--no-plot", "--out", str(work)])
    summary = json.loads((work / "fig2_summary.json").read_text())
    panel_a = summary["panel_a"]
    return {"source": "benchmarks/fig2_stability.py --quick", "machine": _machine(),
            "wall_s": summary["wall_s_this_invocation"],
            "atoms_panel_a": panel_a["atoms"], "times": panel_a["times"],
            "curves": {key: panel_a["curves"][key]["sigma"] for key in _FIG2_CURVES},
            "minima": {key: {n: {"sigma": v["sigma"], "t_min": v["interrogation_time"]} for n, v in rows.items()}
                       for key, rows in summary["minima"].items()},
            "exponents_16_32": {key: (entry.get("16-100") or {}).get("sigma_min") for key, entry in
                                summary["exponents"].items()}}


def draw_kh_fig2(data: dict, path: Path) -> None:
    """Panel (a): σ(T) at N = 32 with SQL, HL and πHL; panel (b): σ_min against N."""
    from qclock_circuits.bayes.stability import StabilityPoint
    from qclock_circuits.plot import stability_curves

    figure, (left, right) = _new_figure(11.5, 4.3, 2)
    atoms = data["atoms_panel_a"]
    curves = {}
    for key, label in _FIG2_CURVES.items():
        kind, estimator = key.split("-")
        curves[label] = [StabilityPoint(kind=kind, atoms=atoms, estimator=estimator, interrogation_time=t,
                                        dead_time=0.0, prior_width=math.nan, bmse=math.nan, dphi_m=math.nan,
                                        sigma=math.inf if s is None else s)
                         for t, s in zip(data["times"], data["curves"][key])]
    stability_curves(curves, atoms=atoms, references=("sql", "hl", "pi_hl"), ax=left,
                     title=f"(a) N = {atoms}, flicker FM, no dead time")
    colours = {"css": "tab:orange", "sss": "tab:red", "ghz": "tab:green", "oqi": "black", "poi": "tab:purple",
               "pi_hl": "0.4"}
    for key, label in _FIG2_MINIMA.items():
        rows = data["minima"].get(key)
        if not rows:
            continue
        atoms_list = sorted(rows, key=int)
        kind, estimator = key.split("-")
        right.plot([int(n) for n in atoms_list], [rows[n]["sigma"] for n in atoms_list],
                   "s--" if estimator == "linear" else "o-", ms=4, color=colours[kind], label=label)
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xlabel("atom number N")
    right.set_ylabel(r"$\sigma_{\min}$ (minimum over T)")
    right.set_title("(b) minimal stability against N")
    right.legend(fontsize=7)
    right.grid(True, which="both", alpha=0.3)
    figure.savefig(path, dpi=0.9 * DPI)  # two busy panels: keeps the PNG well under 150 kB


# ----------------------------------------------------------------------------- Kielinski & Hammerer Fig. 3(b–d)
_FIG3_CLASSES = ("css", "sss", "ghz", "1-1", "1-2")


def recompute_kh_fig3b(work: Path) -> dict:
    """Fig. 3(b): N = 4 (see :func:`recompute_kh_fig3c`)."""
    return _recompute_fig3(work, 4)


def recompute_kh_fig3c(work: Path) -> dict:
    """The design study of ``benchmarks/design_platforms.py`` case ``n8`` on 10 instead of 24 times, up to [1,2]."""
    return _recompute_fig3(work, 8)


def recompute_kh_fig3d(work: Path) -> dict:
    """Fig. 3(d): N = 32, as ``design_platforms.py`` case ``n32`` on 10 instead of 24 times."""
    return _recompute_fig3(work, 32)


def _recompute_fig3(work: Path, atoms: int) -> dict:
    from qclock_circuits.report import DesignSpec, run_design

    start = time.perf_counter()
    spec = DesignSpec(atoms=atoms, dead_time=0.0, classes=_FIG3_CLASSES,
                      interrogation_times=tuple(np.geomspace(0.003, 1.0, 10)))
    result = run_design(spec, work, workers=2)
    curves = {name: {"times": [p.interrogation_time for p in result.curve(name)],
                     "sigma": [p.parameters.get("total_sigma", p.sigma) for p in result.curve(name)]}
              for name in (*_FIG3_CLASSES, "oqi")}
    return {"source": f"qclock_circuits.report.run_design (N = {atoms}, no dead time, 10 times, classes up to [1,2])",
            "machine": _machine(), "wall_s": time.perf_counter() - start, "atoms": atoms, "curves": curves}


def draw_kh_fig3(data: dict, path: Path) -> None:
    """σ(T) of CSS, SSS, GHZ and the variational [1,1], [1,2] classes against the OQI at one N."""
    from qclock_circuits.bayes.stability import StabilityPoint
    from qclock_circuits.plot import stability_curves

    curves = {name: [StabilityPoint(kind="oqi" if name == "oqi" else name, atoms=data["atoms"], estimator="bayes",
                                    interrogation_time=t, dead_time=0.0, prior_width=math.nan, bmse=math.nan,
                                    dphi_m=math.nan, sigma=math.inf if s is None else s)
                     for t, s in zip(curve["times"], curve["sigma"])]
              for name, curve in data["curves"].items()}
    figure, (axis,) = _new_figure(6.4, 4.4)
    stability_curves(curves, ax=axis, title=f"N = {data['atoms']}, flicker FM, no dead time, Bayes estimator")
    figure.savefig(path, dpi=DPI)


# ----------------------------------------------------------------------------- Kielinski & Hammerer Fig. 7(a, b)
def recompute_kh_fig7a(work: Path) -> dict:
    """``benchmarks/design_platforms.py`` case ``ion-trap`` (N = 8, T_D/Z = 0.05) on 10 instead of 24 times."""
    return _recompute_platform(work, "ion-trap")


def recompute_kh_fig7b(work: Path) -> dict:
    """``benchmarks/design_platforms.py`` case ``tweezer`` (N = 32, T_D/Z = 0.1) on 10 instead of 24 times."""
    return _recompute_platform(work, "tweezer")


def recompute_kh_fig7c(work: Path) -> dict:
    """N = 100, T_D/Z = 0.2, CSS and SSS with the closed loop (the paper's Fig. 7(c)), 10 times.

    GHZ is left out: at N = 100 its dynamic range π/N is below the prior width set by this dead time
    at every T (σ infinite), and ``run_design`` cannot validate a class without a finite point.
    """
    return _recompute_platform(work, "fig7c", dict(atoms=100, dead_time=0.2, classes=("css", "sss"),
                                                   simulate=True))


def _recompute_platform(work: Path, case: str, options: dict | None = None) -> dict:
    import design_platforms

    from qclock_circuits.report import DesignSpec, run_design

    start = time.perf_counter()
    options = design_platforms.CASES[case] if options is None else options
    spec = DesignSpec(**options, interrogation_times=tuple(np.geomspace(0.003, 1.0, 10)))
    result = run_design(spec, work, workers=2)
    return {"source": f"qclock_circuits.report.run_design ({case}: {spec.atoms} atoms, T_D/Z = {spec.dead_time}, "
                      "10 times)",
            "machine": _machine(), "wall_s": time.perf_counter() - start, "result": result.to_dict(),
            "summary": result.summary(),
            "recommendation": {k: v for k, v in result.recommendation().items() if k != "protocol"}}


def draw_design(data: dict, path: Path) -> None:
    """The design study's σ(T) figure (``report.figures.stability_figure``): curves, OQI, closed-loop checks."""
    from qclock_circuits.report import DesignResult
    from qclock_circuits.report.figures import stability_figure

    stability_figure(DesignResult.from_dict(data["result"]), path)


# ----------------------------------------------------------------------------- Kielinski & Hammerer Fig. 3(e)
def recompute_kh_fig3e(work: Path) -> dict:
    """``optimize.gain_over_css`` for N = 2…32 on 10 times (SSS, GHZ, [1,1], [1,2], OQI)."""
    from qclock_circuits.optimize.stability import gain_over_css

    start = time.perf_counter()
    result = gain_over_css((2, 4, 8, 16, 32), classes=("sss", "ghz", "1-1", "1-2", "oqi"),
                           interrogation_times=np.geomspace(0.003, 1.0, 10))
    return {"source": "qclock_circuits.optimize.gain_over_css, flicker FM, no dead time, 10 times",
            "machine": _machine(), "wall_s": time.perf_counter() - start, **result}


def draw_kh_fig3e(data: dict, path: Path) -> None:
    """Gain σ_min(CSS)/σ_min(class), each at its own T_min, against N."""
    figure, (axis,) = _new_figure(6.4, 4.4)
    styles = {"sss": ("tab:red", "o-", "SSS"), "ghz": ("tab:green", "o-", "GHZ"), "1-1": ("tab:cyan", "s-", "[1,1]"),
              "1-2": ("tab:blue", "s-", "[1,2]"), "oqi": ("black", "D--", "OQI")}
    for name, gains in data["gain"].items():
        colour, style, label = styles[name]
        axis.plot(data["atoms"], gains, style, color=colour, ms=4, label=label)
    axis.set_xscale("log")
    axis.set_xlabel("atom number N")
    axis.set_ylabel(r"gain $\sigma_{\min}$(CSS) / $\sigma_{\min}$")
    axis.set_title("flicker FM, no dead time, Bayes estimator", fontsize=9)
    axis.legend(fontsize=8)
    axis.grid(True, which="both", alpha=0.3)
    figure.savefig(path, dpi=DPI)


# ----------------------------------------------------------------------------- Kielinski & Hammerer Fig. 4(b)
def recompute_kh_fig4a(work: Path) -> dict:
    """Fig. 4(a): N = 4 (see :func:`recompute_kh_fig4b`)."""
    return _recompute_fig4(work, 4)


def recompute_kh_fig4b(work: Path) -> dict:
    """``benchmarks/fig4_clock.py`` with 6 times, 4 runs × 50 000 cycles (the paper-size run: 10 × 200 000)."""
    return _recompute_fig4(work, 8)


def recompute_kh_fig4c(work: Path) -> dict:
    """Fig. 4(c): N = 32 (see :func:`recompute_kh_fig4b`)."""
    return _recompute_fig4(work, 32)


def recompute_kh_fig5a(work: Path) -> dict:
    """Fig. 5(a): N = 4 with the linear estimator in the loop (see :func:`recompute_kh_fig4b`)."""
    return _recompute_fig4(work, 4, "linear")


def recompute_kh_fig5b(work: Path) -> dict:
    """Fig. 5(b): N = 8 with the linear estimator in the loop (see :func:`recompute_kh_fig4b`)."""
    return _recompute_fig4(work, 8, "linear")


def recompute_kh_fig5c(work: Path) -> dict:
    """Fig. 5(c): N = 32 with the linear estimator in the loop (see :func:`recompute_kh_fig4b`)."""
    return _recompute_fig4(work, 32, "linear")


def _recompute_fig4(work: Path, atoms: int, estimator: str = "bayes") -> dict:
    import fig4_clock

    from qclock_circuits import bayes

    start = time.perf_counter()
    fig4_clock.main(["--out", str(work), "--atoms", str(atoms), "--points", "6", "--runs", "4",
                     "--cycles", "50000", "--estimator", estimator])
    wall = time.perf_counter() - start
    records = [json.loads(line) for line in (work / "points.jsonl").read_text().splitlines() if line.strip()]
    keep = ("protocol", "interrogation_time", "prior_width", "theory", "theory_bayes", "sigma_scaled_mean",
            "sigma_scaled_std", "runs_with_hops", "runs_unsettled")
    rows = [{key: record.get(key) for key in keep} for record in records]
    atoms = records[0]["atoms"]
    widths = sorted({(r["interrogation_time"], r["prior_width"]) for r in rows})
    oqi = [[t, float(bayes.allan_deviation(bayes.effective_measurement_uncertainty(
        bayes.bounds.oqi(atoms, bayes.GaussianPrior(w)).bmse, w), t))] for t, w in widths]
    return {"source": f"benchmarks/fig4_clock.py --atoms {atoms} --points 6 --runs 4 --cycles 50000 "
                      f"--estimator {estimator}", "estimator": estimator, "machine": _machine(),
            "wall_s": wall, "atoms": atoms, "runs": 4, "cycles": 50000, "rows": rows, "oqi": oqi}


def draw_kh_fig4b(data: dict, path: Path) -> None:
    """Simulated σ (mean ± spread over runs) against eq. (29) and the OQI; x at the top: points with fringe hops."""
    figure, (axis,) = _new_figure(6.4, 4.4)
    colours = {"CSS": "tab:orange", "SSS": "tab:red", "GHZ": "tab:green"}
    hops = {}
    for name, colour in colours.items():
        rows = sorted((r for r in data["rows"] if r["protocol"] == name), key=lambda r: r["interrogation_time"])
        clean = [r for r in rows if r["runs_with_hops"] == 0 and not r.get("runs_unsettled")
                 and r["sigma_scaled_mean"] is not None]
        hopped = [r for r in rows if r["runs_with_hops"] > 0 and r["sigma_scaled_mean"] is not None]
        axis.errorbar([r["interrogation_time"] for r in clean], [r["sigma_scaled_mean"] for r in clean],
                      yerr=[r["sigma_scaled_std"] for r in clean], fmt="o", ms=4, capsize=0, color=colour,
                      label=f"{name}, closed loop")
        hops[name] = [r["interrogation_time"] for r in hopped]
        estimator = data.get("estimator", "bayes")
        finite = [r for r in rows if r["theory"] is not None]  # null: no better than the prior
        axis.plot([r["interrogation_time"] for r in finite], [r["theory"] for r in finite],
                  "--" if estimator == "linear" else "-", color=colour, label=f"{name}, eq. (29), {estimator}")
        if estimator != "bayes":
            bayes_rows = [r for r in rows if r.get("theory_bayes") is not None]
            axis.plot([r["interrogation_time"] for r in bayes_rows], [r["theory_bayes"] for r in bayes_rows], "-",
                      color=colour, lw=0.8, label=f"{name}, eq. (29), Bayes")
    oqi = np.asarray(data["oqi"])
    axis.plot(oqi[:, 0], oqi[:, 1], "k--", label="OQI")
    axis.set_xscale("log")
    axis.set_yscale("log")
    low = min(r["theory"] for r in data["rows"] if r["theory"] is not None)
    axis.set_ylim(0.6 * min(low, oqi[:, 1].min()), 12 * low)
    for offset, (name, times) in enumerate(hops.items()):  # hopped runs: σ far above, marked at the top edge
        axis.plot(times, [12 * low * 0.93 ** (offset + 1)] * len(times), "x", color=colours[name], clip_on=False)
    axis.set_xlabel("interrogation time T / Z")
    axis.set_ylabel(r"$\sigma_y(\tau)\,\omega_0\sqrt{\tau Z}$")
    axis.set_title(f"N = {data['atoms']}, flicker FM, {data.get('estimator', 'bayes')} estimator, {data['runs']} runs "
                   f"× {data['cycles']} cycles (x at the top: fringe hops)", fontsize=9)
    axis.legend(fontsize=7, ncol=2)
    axis.grid(True, which="both", alpha=0.3)
    figure.savefig(path, dpi=DPI)


# ----------------------------------------------------------------------------- Kielinski & Hammerer Fig. 6(c–e)
#: Largest dead time drawn (units of Z): beyond it the Dick noise alone is of order one radian per cycle.
DEAD_TIME_SHOWN = 0.5
_FIG6_LIMITS = (("oqi", "bayes"), ("css", "bayes"), ("css", "linear"))
_FIG6_CRITICAL = (("oqi", "bayes"), ("sss", "bayes"), ("css", "bayes"), ("css", "linear"))
_FIG6_STYLE = {("oqi", "bayes"): ("black", "-", "OQI"), ("sss", "bayes"): ("tab:red", "-", "SSS, Bayes"),
               ("css", "bayes"): ("tab:orange", "-", "CSS/SSS, Bayes"),
               ("css", "linear"): ("tab:orange", "-.", "CSS/SSS, linear")}


_FIG6AB_ATOMS = (2, 4, 8, 16, 32)
_FIG6AB_DEAD_TIME = 0.1


def recompute_kh_fig6ab(work: Path) -> dict:
    """σ_tot(T) (``optimize.stability_curves``, 14 times) for N = 2…32 at T_D/Z = 0.1; minima on that grid."""
    from qclock_circuits.optimize.limits import ctl_sigma, dead_time_limit
    from qclock_circuits.optimize.stability import dick_sigma, stability_curves

    start = time.perf_counter()
    times = np.geomspace(0.005, 1.0, 14)
    dead = _FIG6AB_DEAD_TIME
    curves = {}
    for atoms in _FIG6AB_ATOMS:
        for estimator, classes in (("bayes", ("css", "sss", "ghz", "oqi")), ("linear", ("css", "sss"))):
            found = stability_curves(atoms, times, classes, dead_time=dead, estimator=estimator)
            for name, points in found.items():
                curves[f"{name}-{estimator}|{atoms}"] = {
                    "total": [p.parameters.get("total_sigma", p.sigma) for p in points],
                    "qpn_ctl": [p.sigma for p in points]}
    limits = {f"{k}-{e}": dead_time_limit(k, e, dead).sigma_lim for k, e in _FIG6_LIMITS}
    oqi_limit = dead_time_limit("oqi", "bayes", dead)
    return {"source": "qclock_circuits.optimize.stability_curves and optimize.limits, flicker FM, "
                      f"T_D/Z = {dead}, 14 times", "machine": _machine(), "wall_s": time.perf_counter() - start,
            "dead_time": dead, "times": times.tolist(), "atoms": list(_FIG6AB_ATOMS), "curves": curves,
            "sigma_lim": limits, "oqi_limit": {"t_lim": oqi_limit.interrogation_time, "sigma_lim": oqi_limit.sigma_lim},
            "ctl_oqi": [ctl_sigma("oqi", "bayes", t, dead) for t in times],
            "dick": [dick_sigma("flicker", t, dead) for t in times]}


def draw_kh_fig6ab(data: dict, path: Path) -> None:
    """(a) σ_tot(T) of the OQI at N = 8, 32 with the CTL/Dick trade-off; (b) σ_min(N) on the grid, with σ_lim."""
    figure, (left, right) = _new_figure(11.5, 4.3, 2)
    times = np.asarray(data["times"])

    def values(key, field="total"):
        return np.array([math.inf if v is None else v for v in data["curves"][key][field]])

    for atoms, colour in ((8, "0.55"), (32, "black")):
        left.plot(times, values(f"oqi-bayes|{atoms}"), "-", color=colour, label=f"OQI, N = {atoms}, total")
        left.plot(times, values(f"oqi-bayes|{atoms}", "qpn_ctl"), "--", color=colour, lw=1,
                  label=f"OQI, N = {atoms}, without Dick noise")
    ctl, dick = (np.array([math.inf if v is None else v for v in data[key]]) for key in ("ctl_oqi", "dick"))
    left.plot(times, ctl, ":", color="black", label="CTL of the OQI")
    left.plot(times, dick, "--", color="tab:brown", label="Dick noise")
    left.plot(times, np.hypot(ctl, dick), "-", color="tab:brown", label="CTL ⊕ Dick")
    left.plot([data["oqi_limit"]["t_lim"]], [data["oqi_limit"]["sigma_lim"]], "D", color="tab:brown",
              label=r"$\sigma_{lim}$ (OQI)")
    left.set_ylim(0.5 * data["oqi_limit"]["sigma_lim"], 8 * data["oqi_limit"]["sigma_lim"])
    left.set_xlabel("interrogation time T / Z")
    left.set_ylabel(r"$\sigma_{y,tot}(\tau)\,\omega_0\sqrt{\tau Z}$")
    left.set_title(f"(a) total stability, $T_D/Z$ = {data['dead_time']:g}", fontsize=9)
    atoms = data["atoms"]
    styles = {"css-bayes": ("tab:orange", "o-", "CSS, Bayes"), "css-linear": ("tab:orange", "s-.", "CSS, linear"),
              "sss-bayes": ("tab:red", "o-", "SSS, Bayes"), "sss-linear": ("tab:red", "s-.", "SSS, linear"),
              "ghz-bayes": ("tab:green", "o-", "GHZ"), "oqi-bayes": ("black", "o-", "OQI")}
    for key, (colour, style, label) in styles.items():
        minima = [np.min(values(f"{key}|{n}")) for n in atoms]
        right.plot(atoms, minima, style, color=colour, ms=4, label=label)
    for key, style in (("oqi-bayes", ":"), ("css-bayes", "-."), ("css-linear", ":")):
        colour = "black" if key.startswith("oqi") else "tab:orange"
        right.axhline(data["sigma_lim"][key], ls=style, color=colour, lw=1)
    right.set_ylim(0.7 * min(data["sigma_lim"].values()), 1.6)  # GHZ leaves the range from N = 8 on
    right.set_xlabel("atom number N")
    right.set_ylabel(r"$\sigma_{\min}$ (minimum over the T grid)")
    right.set_title(r"(b) minimal total stability; lines: $\sigma_{lim}$ of OQI, CSS Bayes, CSS linear",
                    fontsize=9)
    for axis in (left, right):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.legend(fontsize=7)
        axis.grid(True, which="both", alpha=0.3)
    figure.savefig(path, dpi=0.9 * DPI)


def recompute_kh_fig6(work: Path) -> dict:
    """σ_lim and T_lim on 12 dead times (``optimize.dead_time_limit``), N_crit at T_D/Z = 0.05, 0.1, 0.2."""
    from qclock_circuits.optimize.limits import critical_atoms, dead_time_limit

    start = time.perf_counter()
    dead_times = np.geomspace(0.01, 1.0, 12)
    limits = {f"{k}-{e}": [dead_time_limit(k, e, float(d)) for d in dead_times] for k, e in _FIG6_LIMITS}
    critical = {}
    for kind, estimator in _FIG6_CRITICAL:
        critical[f"{kind}-{estimator}"] = {str(d): critical_atoms(kind, estimator, d, max_atoms=1024)["n_crit"]
                                           for d in (0.05, 0.1, 0.2)}
    return {"source": "qclock_circuits.optimize.limits (dead_time_limit, critical_atoms), flicker FM",
            "machine": _machine(), "wall_s": time.perf_counter() - start, "dead_times": dead_times.tolist(),
            "sigma_lim": {key: [item.sigma_lim for item in rows] for key, rows in limits.items()},
            "t_lim": {key: [item.interrogation_time for item in rows] for key, rows in limits.items()},
            "n_crit": critical}


def draw_kh_fig6(data: dict, path: Path) -> None:
    """(c) N_crit, (d) σ_lim and (e) T_lim against the dead time T_D/Z (up to :data:`DEAD_TIME_SHOWN`)."""
    figure, (left, middle, right) = _new_figure(12.0, 3.8, 3)
    dead = np.asarray(data["dead_times"])
    shown = dead <= DEAD_TIME_SHOWN * (1 + 1e-9)
    for key, rows in data["n_crit"].items():
        colour, style, label = _FIG6_STYLE[tuple(key.split("-"))]
        points = sorted((float(d), n) for d, n in rows.items() if n is not None)
        left.plot([d for d, _ in points], [n for _, n in points], "o" + style, color=colour, label=label.replace(
            "CSS/SSS", "CSS"))
    for key in data["sigma_lim"]:
        colour, style, label = _FIG6_STYLE[tuple(key.split("-"))]
        middle.plot(dead[shown], np.asarray(data["sigma_lim"][key])[shown], style, color=colour, label=label)
        right.plot(dead[shown], np.asarray(data["t_lim"][key])[shown], style, color=colour, label=label)
    for axis, title, ylabel in ((left, "(c) critical ensemble size", "$N_{crit}$"),
                                (middle, "(d) lower limit", r"$\sigma_{lim}$"),
                                (right, "(e) interrogation time at the limit", "$T_{lim}$ / Z")):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("dead time $T_D$ / Z")
        axis.set_ylabel(ylabel)
        axis.set_title(title, fontsize=9)
        axis.legend(fontsize=7)
        axis.grid(True, which="both", alpha=0.3)
    figure.savefig(path, dpi=DPI)


# ----------------------------------------------------------------------------- Kómár et al. Fig. 3
def recompute_komar_fig3(work: Path) -> dict:
    """``benchmarks/network_fig3.py`` (10 clocks × 1000 Sr atoms, 2000 cycles per point, 2 workers)."""
    import network_fig3

    start = time.perf_counter()
    network_fig3.main(["--out", str(work), "--figure", str(work / "fig3.png")])
    data = json.loads((work / "fig3.json").read_text())
    data.pop("points", None)
    data.pop("machine", None)
    return {"source": "benchmarks/network_fig3.py", "machine": _machine(), "wall_s": time.perf_counter() - start,
            **data}


def draw_komar_fig3(data: dict, path: Path) -> None:
    """The five strategies from the closed loop (markers) and the closed forms (dotted)."""
    from qclock_circuits.plot import network_strategies

    figure, (axis,) = _new_figure(6.4, 4.6)
    network_strategies(data, ax=axis, title="10 clocks × 1000 Sr atoms, γ/2π = 1 mHz (dotted: closed forms)")
    axis.grid(True, which="both", alpha=0.3)
    figure.savefig(path, dpi=DPI)


# ----------------------------------------------------------------------------- Mullan & Knill
def recompute_mk_fig2(work: Path) -> dict:
    """``benchmarks/adaptive_table1.py`` + ``adaptive_figures.py``, Brownian row, 40 paired runs."""
    return _recompute_adaptive(work, "brownian", 40)


def _recompute_adaptive(work: Path, row: str, runs: int) -> dict:
    import adaptive_figures
    import adaptive_table1

    start = time.perf_counter()
    store = work / "store"
    adaptive_table1.main(["--rows", row, "--runs", str(runs), "--out", str(store), "--no-speed", "--workers", "2"])
    adaptive_figures.main(["--rows", row, "--runs", str(runs), "--store", str(store), "--out-dir", str(work)])
    data = json.loads((work / f"adaptive_fig_{row}.json").read_text())
    return {"source": f"benchmarks/adaptive_table1.py + adaptive_figures.py --rows {row} --runs {runs}",
            "machine": _machine(), "wall_s": time.perf_counter() - start, **data}


def draw_mk_fig(data: dict, path: Path) -> None:
    """Panels (a) root square error against n and (b) Allan deviation against m (``adaptive_figures``)."""
    import adaptive_figures

    if not adaptive_figures._plot(data, path):
        raise SystemExit("matplotlib is needed to draw the Mullan & Knill figures")


def draw_mk_table1(data: dict, path: Path) -> None:
    """Markdown table: the package's improvements beside the paper's (Mullan & Knill Table 1)."""
    from qclock_circuits.clock.adaptive.improvements import PAPER_COLUMNS

    lines = ["| row | quantity | vs Ramsey (package) | vs Ramsey (paper) | vs Bužek (package) | vs Bužek (paper) |",
             "|---|---|---:|---:|---:|---:|"]
    for row in data["rows"]:
        label = f"{row['noise']}, N = {row['atoms']}, h = {row['h']}, {row['runs']} paired runs"
        quantities = [q for q in PAPER_COLUMNS if q in row["package"]["ramsey"]]
        for index, quantity in enumerate(quantities):
            cells = []
            for baseline in ("ramsey", "buzek"):
                ours = row["package"][baseline][quantity]
                paper = row["paper"][baseline][PAPER_COLUMNS[quantity]]
                cells += [f"{ours['value']:.1f} ± {ours['se']:.1f}", f"{paper['value']:.1f} ± {paper['se']:.2f}"]
            name = {"square_error": "square error (last 20 steps)",
                    "allan_variance": "Allan variance (frequency error)",
                    "time_allan_variance": "Allan variance (reported time)"}[quantity]
            lines.append(f"| {label if index == 0 else ''} | {name} | " + " | ".join(cells) + " |")
    lines += ["", f"Improvement of the adaptive protocol in %, ± the standard error over runs (package) and as "
                  f"printed (paper). Source: {data['source']}."]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def recompute_mk_table1(work: Path) -> dict:
    """Not recomputed here: the 400-run rows take hours; rerun ``benchmarks/adaptive_table1.py`` and edit the JSON."""
    raise SystemExit("mk_table1 is recorded from benchmarks/adaptive_table1.py --runs 400 (hours on two cores); "
                     "update docs/gallery/data/mk_table1.json from its output instead")


# ----------------------------------------------------------------------------- registry
@dataclass(frozen=True)
class Entry:
    """One gallery item: how to recompute its data and how to draw it.

    ``kind`` is the file suffix: ``'png'`` for a figure, ``'md.inc'`` for a Markdown table that a
    page includes (not ``.md``, which Sphinx would build as a page of its own).
    """

    recompute: Callable[[Path], dict]
    draw: Callable[[dict, Path], None]
    kind: str = "png"


ENTRIES = {
    "kh_fig2": Entry(recompute_kh_fig2, draw_kh_fig2),
    "kh_fig3b": Entry(recompute_kh_fig3b, draw_kh_fig3),
    "kh_fig3c": Entry(recompute_kh_fig3c, draw_kh_fig3),
    "kh_fig3d": Entry(recompute_kh_fig3d, draw_kh_fig3),
    "kh_fig3e": Entry(recompute_kh_fig3e, draw_kh_fig3e),
    "kh_fig5a": Entry(recompute_kh_fig5a, draw_kh_fig4b),
    "kh_fig5b": Entry(recompute_kh_fig5b, draw_kh_fig4b),
    "kh_fig5c": Entry(recompute_kh_fig5c, draw_kh_fig4b),
    "kh_fig6ab": Entry(recompute_kh_fig6ab, draw_kh_fig6ab),
    "kh_fig6": Entry(recompute_kh_fig6, draw_kh_fig6),
    "kh_fig4a": Entry(recompute_kh_fig4a, draw_kh_fig4b),
    "kh_fig4b": Entry(recompute_kh_fig4b, draw_kh_fig4b),
    "kh_fig4c": Entry(recompute_kh_fig4c, draw_kh_fig4b),
    "kh_fig7a": Entry(recompute_kh_fig7a, draw_design),
    "kh_fig7b": Entry(recompute_kh_fig7b, draw_design),
    "kh_fig7c": Entry(recompute_kh_fig7c, draw_design),
    "komar_fig3": Entry(recompute_komar_fig3, draw_komar_fig3),
    "mk_fig2": Entry(recompute_mk_fig2, draw_mk_fig),
    "mk_table1": Entry(recompute_mk_table1, draw_mk_table1, kind="md.inc"),
}


def output_path(name: str, out: Path | None) -> Path:
    """Where entry ``name`` is drawn: ``out`` if given, else ``figures/`` (PNG) or ``tables/`` (Markdown)."""
    entry = ENTRIES[name]
    folder = out if out is not None else (FIGURES if entry.kind == "png" else TABLES)
    return folder / f"{name}.{entry.kind}"


def build(name: str, *, recompute: bool = False, out: Path | None = None) -> Path:
    """Draw entry ``name`` from ``data/<name>.json`` (recomputed first with ``recompute``); returns the file."""
    if name not in ENTRIES:
        raise SystemExit(f"unknown figure {name!r}; choose from {', '.join(ENTRIES)}")
    entry = ENTRIES[name]
    data_file = DATA / f"{name}.json"
    if recompute:
        with tempfile.TemporaryDirectory(prefix=f"gallery-{name}-") as work:
            data = entry.recompute(Path(work))
        DATA.mkdir(parents=True, exist_ok=True)
        data_file.write_text(json.dumps(_plain(data), indent=1, allow_nan=False) + "\n", encoding="utf-8")
    data = json.loads(data_file.read_text(encoding="utf-8"))
    path = output_path(name, out)
    path.parent.mkdir(parents=True, exist_ok=True)
    entry.draw(data, path)
    return path


def main(argv=None) -> int:
    """Command line: ``--figure NAME`` (repeatable; default all), ``--recompute``, ``--out DIR``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--figure", action="append", choices=sorted(ENTRIES), help="entry to draw (default: all)")
    parser.add_argument("--recompute", action="store_true", help="regenerate the data with the benchmark scripts")
    parser.add_argument("--out", type=Path, help="folder for the PNGs and tables (default: figures/ and tables/)")
    args = parser.parse_args(argv)
    for name in args.figure or list(ENTRIES):
        start = time.perf_counter()
        path = build(name, recompute=args.recompute, out=args.out)
        size = path.stat().st_size
        print(f"{name}: {path} ({size / 1024:.0f} kB, {time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
