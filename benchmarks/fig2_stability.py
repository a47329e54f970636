"""Reproduction of Kielinski & Hammerer, arXiv:2505.04287 (2025), Fig. 2: clock stability σ(T) at N = 32 and σ_min(N).

Run from the repository root::

    python benchmarks/fig2_stability.py                 # full run (~25-40 min on 2 cores)
    python benchmarks/fig2_stability.py --resume        # continue an interrupted run
    python benchmarks/fig2_stability.py --quick         # N <= 32, coarse T grid (~1-2 min)

Everything is in the dimensionless units of Kielinski & Hammerer sec. III A: the
interrogation time T in units of the laser coherence time Z, flicker-FM prior
width δφ² = 1.7 (T/Z)² (eq. 31, no dead time), Δφ_M from the BMSE by eq. (27)
and the Allan deviation σ = σ_y(τ) ω0 √(τZ) = Δφ_M √(T_C)/T = Δφ_M/√T (eq. 29).

Panel (a), N = 32, T/Z ∈ logspace(−3, 0, 30): CSS and SSS with the linear and
the optimal Bayesian (posterior-mean) estimator (SSS twist and rotation
re-optimised at every T by ``bayes.stability.best_sss``), GHZ (parity readout;
linear = Bayes for a binary outcome) and the OQI; reference lines SQL
1/√(NT), HL 1/(N√T), πHL π/(N√T), the CTL of the OQI (eq. 17, a BMSE, turned
into Δφ_M by eq. 27) and of CSS/SSS with the linear estimator (eq. 33, a Δφ_M²).

Panel (b): σ_min and T_min for N ∈ {1, 2, 4, 8, 16, 32, 64, 100} (CSS and SSS
with both estimators, GHZ, POI, OQI) by ``bayes.stability.minimal_stability``
(13-point log scan of T/Z over [1e-4, 1] and a bounded refinement), the
asymptotic OQI of eq. (19) ("πHL asymptote", kind ``'pi_hl'``) and the OQI at
N = 200, 500, 1000. Least-squares exponents σ_min ∝ N^−β over N ∈ [16, 100]
(OQI and the asymptote also over [100, 1000]) are fitted both for σ_min and
for Δφ_M at T_min, next to the values quoted in the paper.

OQI evaluation. ``bayes.stability.stability_curve('oqi', ...)`` warm-starts
the see-saw from the previous T *instead of* the default starts; that sweep
stays on the GHZ branch past the point where it stops being optimal (e.g.
N = 8, T/Z = 0.32: σ = 51 warm-started against 0.43 from the default starts;
N = 2 and 4: σ_min of the "OQI" above that of the SSS). This script therefore
calls ``bayes.bounds.oqi`` itself with the default starts (sine state, CSS,
a random state for N ≤ 16) *plus* the neighbouring optimum as a warm start,
and minimises over T itself (same 13-point scan and bounded refinement as
``minimal_stability``) for N ≤ 100. For N ≥ 200 a cold start is expensive
(N = 500: ~2 min per T), so T_min is found by a short model-guided search
around a prediction from the asymptotic OQI (see ``minimal_oqi_model``);
N = 200 still adds the default starts, N = 500 and 1000 start only from the neighbouring optimum
(the N = 200/500 optimum interpolated onto the larger Dicke ladder, then the
nearest T already done) with the see-saw tolerance relaxed to 1e-8 (changes
the BMSE by < 1e-9 relative at N = 500).

Output (``--out``, default ``benchmarks/output/fig2``; ``fig2-quick`` with
``--quick``): ``points.jsonl`` (one JSON object per finished point, written
and flushed as soon as it is done; ``--resume`` skips the points already
there; infinite σ — an estimator no better than the prior — is written as
null), ``fig2_summary.json`` (tables, exponents, timings, machine, command),
``fig2.png`` (panels a and b) and ``fig2_tmin.png`` (T_min and Δφ_M(T_min)
against N).
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import subprocess
import sys
import time
from pathlib import Path


def _preset_blas_threads(argv: list[str]) -> None:
    """OpenBLAS threads before NumPy loads: ``--blas-threads N``, else 1 unless OPENBLAS_NUM_THREADS is set.

    On the 2-core reference machine one thread is ~2.3x faster for the OQI
    see-saw at N = 1000 (1.1 s against 2.6 s per step: NumPy's and SciPy's
    OpenBLAS thread pools stall each other), and no slower below.
    """
    value = None
    for i, arg in enumerate(argv):
        if arg.startswith("--blas-threads="):
            value = arg.split("=", 1)[1]
        elif arg == "--blas-threads" and i + 1 < len(argv):
            value = argv[i + 1]
    if value is None and "OPENBLAS_NUM_THREADS" not in os.environ:
        value = "1"
    if value:
        for variable in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[variable] = value


if __name__ == "__main__":
    _preset_blas_threads(sys.argv[1:])

import numpy as np  # noqa: E402

_ROOT = Path(__file__).resolve().parent.parent
if (_ROOT / "qclock_circuits").is_dir() and str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))  # use this checkout's package

__all__ = ["main", "machine_info", "oqi_point", "fit_exponent", "PAPER_EXPONENTS"]

ATOMS = (1, 2, 4, 8, 16, 32, 64, 100)
QUICK_ATOMS = (1, 2, 4, 8, 16, 32)
OQI_LARGE = (200, 500, 1000)
PANEL_A_ATOMS = 32
CURVES = (("css", "linear"), ("css", "bayes"), ("sss", "linear"), ("sss", "bayes"), ("ghz", "bayes"),
          ("oqi", "bayes"))
MINIMA = CURVES[:5] + (("poi", "bayes"), ("pi_hl", "bayes"), ("oqi", "bayes"))  # asymptote before OQI: it guides T_min
LABELS = {("css", "linear"): "CSS, linear", ("css", "bayes"): "CSS, Bayes", ("sss", "linear"): "SSS, linear",
          ("sss", "bayes"): "SSS, Bayes", ("ghz", "bayes"): "GHZ (parity)", ("oqi", "bayes"): "OQI",
          ("poi", "bayes"): "POI", ("pi_hl", "bayes"): "asymptotic OQI (πHL + CTL, eq. 19)"}
COLOURS = {"css": "tab:orange", "sss": "tab:red", "ghz": "tab:green", "oqi": "black", "poi": "tab:purple",
           "pi_hl": "0.4"}
#: Exponents β (∝ N^−β) quoted in Kielinski & Hammerer sec. III A for "Δφ_M" at T_min.
PAPER_EXPONENTS = {("css", "linear"): 0.42, ("css", "bayes"): 0.47, ("sss", "linear"): 0.63,
                   ("sss", "bayes"): 2 / 3, ("ghz", "bayes"): 0.5, ("oqi", "bayes"): 0.97}
FIT_SMALL = (16, 100)
FIT_LARGE = (100, 1000)
SCAN_BRACKET = (1e-4, 1.0)
SCAN_GRID = 13
LARGE_TOLERANCE = 1e-8
LARGE_STEP = 0.85  # factor between the bracketing T points of the large-N search


# ----------------------------------------------------------------- machine
def _lscpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return platform.processor() or "unknown"
    for line in out.splitlines():
        if line.lower().startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def machine_info() -> dict:
    """CPU model, usable cores, load, Python/NumPy/SciPy versions, BLAS thread setting."""
    import scipy

    return {"cpu": _lscpu_model(), "logical_cpus": os.cpu_count(),
            "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
            "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
            "python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
            "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS")}


# ----------------------------------------------------------------- storage
def _finite_or_none(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _clean(record):
    if isinstance(record, dict):
        return {k: _clean(v) for k, v in record.items()}
    if isinstance(record, (list, tuple)):
        return [_clean(v) for v in record]
    return _finite_or_none(record)


def _sigma(record) -> float:
    return math.inf if record["sigma"] is None else float(record["sigma"])


def _dphi(record) -> float:
    return math.inf if record["dphi_m"] is None else float(record["dphi_m"])


def _tkey(time_z: float) -> str:
    return f"{float(time_z):.12g}"


class PointStore:
    """Append-only JSON-lines store of finished points, keyed by a string."""

    def __init__(self, path: Path, resume: bool):
        self.path = path
        self.records: dict[str, dict] = {}
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            if resume:
                with path.open(encoding="utf-8") as handle:
                    for line in handle:
                        line = line.strip()
                        if line:
                            try:
                                record = json.loads(line)
                            except json.JSONDecodeError:  # a line cut short by an interruption
                                continue
                            self.records[record["key"]] = record
                print(f"resume: {len(self.records)} finished points in {path}")
            else:
                old = path.with_suffix(".jsonl.old")
                path.replace(old)
                print(f"(previous {path.name} moved to {old.name}; use --resume to continue a run)")

    def get(self, key: str):
        return self.records.get(key)

    def put(self, key: str, record: dict) -> dict:
        record = _clean({"key": key, **record})
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        self.records[key] = record
        return record


# ----------------------------------------------------------------- OQI
def _default_starts(atoms: int) -> dict:
    """The default starts of ``bayes.bounds.oqi`` (sine state, CSS, random for N ≤ 16), built publicly."""
    from qclock_circuits.spin import coherent_state, sine_state

    starts = {"sine": np.real(sine_state(atoms)), "css": np.real(coherent_state(atoms, axis="x"))}
    if atoms <= 16:
        vector = np.random.default_rng(0).normal(size=atoms + 1)
        starts["random"] = vector / np.linalg.norm(vector)
    return starts


def oqi_point(atoms: int, interrogation_time: float, warm=None, cold: bool = True, tolerance: float = 1e-10):
    """σ of the OQI at T/Z from the default starts and/or a warm start; a ``StabilityPoint``."""
    from qclock_circuits import bayes
    from qclock_circuits.bayes.stability import StabilityPoint

    width = bayes.prior_width(interrogation_time)
    starts = _default_starts(atoms) if cold else {}
    if warm is not None:
        starts["warm"] = np.asarray(warm, dtype=float)
    if not starts:
        raise ValueError("oqi_point needs cold=True or a warm start")
    result = bayes.bounds.oqi(atoms, bayes.GaussianPrior(width), starts=starts, tolerance=tolerance)
    dphi_m = bayes.effective_measurement_uncertainty(result.bmse, width)
    sigma = bayes.allan_deviation(dphi_m, interrogation_time)
    return StabilityPoint(kind="oqi", atoms=atoms, estimator="bayes", interrogation_time=float(interrogation_time),
                          dead_time=0.0, prior_width=float(width), bmse=float(result.bmse), dphi_m=float(dphi_m),
                          sigma=float(sigma),
                          parameters={"state": result.state.real.tolist(), "start": result.start,
                                      "start_bmse": result.start_bmse, "iterations": result.iterations,
                                      "converged": result.converged, "tolerance": tolerance})


def _interpolate_state(state, atoms: int) -> np.ndarray:
    """A real Dicke-basis state resampled onto N+1 levels (amplitude as a function of k/N)."""
    state = np.real(np.asarray(state, dtype=float))
    old = state.shape[0] - 1
    values = np.interp(np.arange(atoms + 1) / atoms, np.arange(old + 1) / old, state)
    return values / np.linalg.norm(values)


class OQIEvaluator:
    """Cached OQI evaluations σ(T) at one N: every evaluation is a stored 'scan' point."""

    def __init__(self, store: PointStore, atoms: int, cold: bool, tolerance: float, seed_state=None):
        self.store, self.atoms, self.cold, self.tolerance = store, atoms, cold, tolerance
        self.seed_state = seed_state
        self.done: dict[float, dict] = {}
        prefix = f"scan|oqi|bayes|{atoms}|"
        for key, record in store.records.items():
            if key.startswith(prefix):
                self.done[record["interrogation_time"]] = record

    def _warm(self, time_z: float):
        finite = [t for t, r in self.done.items() if r["sigma"] is not None]
        if finite:
            nearest = min(finite, key=lambda t: abs(math.log(t / time_z)))
            return self.done[nearest]["parameters"]["state"]
        return self.seed_state

    def __call__(self, time_z: float) -> dict:
        time_z = float(time_z)
        key = f"scan|oqi|bayes|{self.atoms}|{_tkey(time_z)}"
        record = self.store.get(key)
        if record is not None:
            return record
        warm = self._warm(time_z)
        start = time.perf_counter()
        point = oqi_point(self.atoms, time_z, warm=warm, cold=self.cold or warm is None, tolerance=self.tolerance)
        seconds = time.perf_counter() - start
        record = self.store.put(key, {"section": "scan", **point.to_dict(), "seconds": seconds})
        self.done[record["interrogation_time"]] = record
        if self.atoms >= 200:
            print(f"    OQI N={self.atoms:4d} T/Z={time_z:.4f}: σ={point.sigma:.6g} (start {point.parameters['start']},"
                  f" {point.parameters['iterations']} it.) {seconds:6.1f} s", flush=True)
        return record


def minimal_oqi_scan(evaluate: OQIEvaluator, bracket=SCAN_BRACKET, grid=SCAN_GRID) -> dict:
    """``minimal_stability``'s search (log scan + bounded refinement in log T) on cached OQI points."""
    from scipy.optimize import minimize_scalar

    times = np.geomspace(bracket[0], bracket[1], grid)
    records = [evaluate(t) for t in times]
    sigmas = np.array([_sigma(r) for r in records])
    best = int(np.argmin(sigmas))
    low = math.log(times[max(best - 1, 0)])
    high = math.log(times[min(best + 1, grid - 1)])
    result = minimize_scalar(lambda x: _sigma(evaluate(math.exp(x))), bounds=(low, high), method="bounded",
                             options={"xatol": 1e-3})
    refined = evaluate(math.exp(result.x))
    return refined if _sigma(refined) <= sigmas[best] else records[best]


def minimal_oqi_model(evaluate: OQIEvaluator, guess: float, asymptote, step: float = LARGE_STEP,
                      max_evaluations: int = 7, refinements: int = 3) -> tuple[dict, dict]:
    """T_min near ``guess`` with few (expensive) OQI evaluations.

    First bracket the minimum with points a factor ``step`` apart. Then model
    σ_OQI(T) = σ_asym(T) · r(T), where σ_asym is the closed-form asymptotic OQI
    of eq. (19) (which carries the steep CTL rise exactly) and the ratio r is
    interpolated linearly in log T between the evaluated points (r varies by
    < 1 % over ±15 % in T near T_min); evaluate at the model's minimum, and
    repeat until it lands within 0.5 % (in T) of an evaluated point.
    """
    evaluate(guess)
    evaluate(guess * step)
    evaluate(guess / step)
    while True:
        times = sorted(evaluate.done)
        best = min(times, key=lambda t: _sigma(evaluate.done[t]))
        if len(times) >= max_evaluations:
            break
        if best == times[0]:
            evaluate(times[0] * step)
        elif best == times[-1]:
            evaluate(times[-1] / step)
        else:
            break
    info = {"model_time": None, "model_sigma": None}
    for _ in range(refinements):
        times = sorted(t for t in evaluate.done if math.isfinite(_sigma(evaluate.done[t])))
        index = min(range(len(times)), key=lambda i: _sigma(evaluate.done[times[i]]))
        if index in (0, len(times) - 1):
            break
        grid = np.geomspace(times[index - 1], times[index + 1], 241)
        ratio = np.interp(np.log(grid), np.log(times),
                          [_sigma(evaluate.done[t]) / asymptote(t) for t in times])
        model = np.array([asymptote(t) for t in grid]) * ratio
        best_time = float(grid[int(np.argmin(model))])
        info = {"model_time": best_time, "model_sigma": float(model.min())}
        if min(abs(math.log(best_time / t)) for t in times) < 0.005:
            break
        evaluate(best_time)
    best = min(evaluate.done, key=lambda t: _sigma(evaluate.done[t]))
    return evaluate.done[best], info


# ----------------------------------------------------------------- fits
def fit_exponent(atoms, values, window) -> dict | None:
    """Least-squares fit of log(value) = c − β log N over N in ``window``; β and its standard error."""
    atoms = np.asarray(atoms, dtype=float)
    values = np.asarray(values, dtype=float)
    mask = (atoms >= window[0]) & (atoms <= window[1]) & np.isfinite(values) & (values > 0)
    if mask.sum() < 2:
        return None
    x, y = np.log(atoms[mask]), np.log(values[mask])
    if mask.sum() > 2:
        coefficients, covariance = np.polyfit(x, y, 1, cov=True)
        error = float(np.sqrt(covariance[0, 0]))
    else:
        coefficients, error = np.polyfit(x, y, 1), None
    return {"beta": float(-coefficients[0]), "beta_stderr": error, "atoms": atoms[mask].astype(int).tolist()}


# ----------------------------------------------------------------- the run
def _progress(message: str) -> None:
    print(message, flush=True)


def run_panel_a(store: PointStore, times, atoms: int) -> dict:
    """σ(T) curves at N = ``atoms``; returns {(kind, estimator): [records]} and timings."""
    from qclock_circuits.bayes import stability

    curves, timings = {}, {}
    for kind, estimator in CURVES:
        start = time.perf_counter()
        computed = 0
        records = []
        warm = None
        for time_z in times:
            key = f"curve|{kind}|{estimator}|{atoms}|{_tkey(time_z)}"
            record = store.get(key)
            if record is None:
                begin = time.perf_counter()
                if kind == "oqi":
                    point = oqi_point(atoms, time_z, warm=warm)
                else:
                    point = stability.stability_point(kind, atoms, float(time_z), estimator=estimator)
                record = store.put(key, {"section": "curve", **point.to_dict(),
                                         "seconds": time.perf_counter() - begin})
                computed += 1
            if kind == "oqi":
                warm = record["parameters"]["state"]
            records.append(record)
        curves[(kind, estimator)] = records
        timings[f"{kind}-{estimator}"] = sum(r["seconds"] for r in records)
        _progress(f"  (a) {LABELS[(kind, estimator)]:<14s} {len(records)} T points "
                  f"({computed} new, {time.perf_counter() - start:6.1f} s now; {timings[f'{kind}-{estimator}']:6.1f} s "
                  f"compute in all)")
    return {"curves": curves, "timings": timings}


def run_panel_b(store: PointStore, atoms_list, large: tuple) -> dict:
    """σ_min(N) for every protocol; OQI also at the ``large`` N."""
    from qclock_circuits.bayes import stability

    minima: dict = {}
    for kind, estimator in MINIMA:
        sizes = list(atoms_list) + (list(large) if kind in ("oqi", "pi_hl") else [])
        for atoms in sizes:
            key = f"min|{kind}|{estimator}|{atoms}"
            record = store.get(key)
            if record is None:
                begin = time.perf_counter()
                extra = {}
                if kind == "oqi" and atoms <= 100:
                    evaluate = OQIEvaluator(store, atoms, cold=True, tolerance=1e-10)
                    best = minimal_oqi_scan(evaluate)
                    extra = {"method": "13-point log scan over T/Z in [1e-4, 1] + bounded refinement; "
                                       "default starts + warm start", "evaluations": len(evaluate.done)}
                elif kind == "oqi":
                    best, extra = _large_oqi(store, minima, atoms)
                else:
                    best = stability.minimal_stability(kind, atoms, estimator=estimator).to_dict()
                    extra = {"method": "bayes.stability.minimal_stability"}
                best = {k: v for k, v in best.items() if k not in ("key", "section", "seconds")}
                record = store.put(key, {"section": "min", **best, **extra,
                                         "seconds": time.perf_counter() - begin})
                _progress(f"  (b) {LABELS[(kind, estimator)]:<14s} N={atoms:5d}: σ_min={_sigma(record):.5g} at "
                          f"T/Z={record['interrogation_time']:.4g}  ({record['seconds']:.1f} s)")
            minima[(kind, estimator, atoms)] = record
    return minima


def _large_oqi(store: PointStore, minima: dict, atoms: int) -> tuple[dict, dict]:
    """OQI T_min at large N: model-guided search around a prediction, warm-started from the previous N."""
    done = sorted(n for (k, _, n) in minima if k == "oqi")
    previous = max(n for n in done if n < atoms)
    prev_record = minima[("oqi", "bayes", previous)]
    ratio = prev_record["interrogation_time"] / minima[("pi_hl", "bayes", previous)]["interrogation_time"]
    asymptote = minima.get(("pi_hl", "bayes", atoms))
    if asymptote is None:
        from qclock_circuits.bayes import stability

        asymptote = stability.minimal_stability("pi_hl", atoms).to_dict()
    guess = asymptote["interrogation_time"] * ratio
    cold = atoms <= 200
    tolerance = 1e-10 if atoms <= 200 else LARGE_TOLERANCE
    seed_state = _interpolate_state(prev_record["parameters"]["state"], atoms)
    evaluate = OQIEvaluator(store, atoms, cold=cold, tolerance=tolerance, seed_state=seed_state)
    _progress(f"    OQI N={atoms}: T_min guess {guess:.4f} (asymptotic-OQI T_min x {ratio:.3f} from N={previous}); "
              f"{'default starts + ' if cold else ''}warm start, tolerance {tolerance:g}")
    from qclock_circuits.bayes import stability

    best, info = minimal_oqi_model(evaluate, guess, lambda t: stability.stability_point("pi_hl", atoms, t).sigma)
    info.update({"method": f"bracket (step {LARGE_STEP}) around {guess:.4f}, then minimum of "
                           f"σ_asym(T)·[σ_OQI/σ_asym interpolated in log T]; "
                           f"{'default starts + ' if cold else ''}warm start from N={previous}, tolerance {tolerance:g}",
                 "evaluations": len(evaluate.done), "guess": guess})
    return best, info


# ----------------------------------------------------------------- analysis
def analytic_checks(curves: dict, atoms: int) -> dict:
    """Max relative deviation of the CSS-linear and GHZ curves from eqs. (32) and (35)."""
    result = {}
    css = curves[("css", "linear")]
    widths = np.array([r["prior_width"] for r in css])
    eq32 = np.sqrt(np.cosh(widths**2) / atoms + np.sinh(widths**2) - widths**2)
    result["css_linear_vs_eq32"] = float(np.max(np.abs(np.array([_dphi(r) for r in css]) / eq32 - 1)))
    ghz = curves[("ghz", "bayes")]
    widths = np.array([r["prior_width"] for r in ghz])
    with np.errstate(over="ignore", invalid="ignore"):
        eq35 = np.sqrt(np.exp(atoms**2 * widths**2) / atoms**2 - widths**2)
    dphi = np.array([_dphi(r) for r in ghz])
    finite = np.isfinite(dphi) & np.isfinite(eq35) & (dphi < 10)
    result["ghz_vs_eq35"] = float(np.max(np.abs(dphi[finite] / eq35[finite] - 1)))
    result["ghz_points_compared"] = int(finite.sum())
    return result


def exponents(minima: dict) -> dict:
    """Fitted β of σ_min and of Δφ_M(T_min) for every protocol."""
    table = {}
    for kind, estimator in MINIMA:
        sizes = sorted(n for (k, e, n) in minima if (k, e) == (kind, estimator))
        sigma = [_sigma(minima[(kind, estimator, n)]) for n in sizes]
        dphi = [_dphi(minima[(kind, estimator, n)]) for n in sizes]
        tmin = [minima[(kind, estimator, n)]["interrogation_time"] for n in sizes]
        entry = {"paper_beta": PAPER_EXPONENTS.get((kind, estimator))}
        windows = {"16-100": FIT_SMALL}
        if kind in ("oqi", "pi_hl") and max(sizes) >= 1000:
            windows["100-1000"] = FIT_LARGE
        for label, window in windows.items():
            entry[label] = {"sigma_min": fit_exponent(sizes, sigma, window),
                            "dphi_m_at_tmin": fit_exponent(sizes, dphi, window),
                            "t_min": fit_exponent(sizes, tmin, window)}
        table[f"{kind}-{estimator}"] = entry
    return table


def reference_lines(times, atoms: int) -> dict:
    from qclock_circuits import bayes

    times = np.asarray(times, dtype=float)
    widths = bayes.prior_width(times)
    ctl_bmse = np.array([bayes.bounds.ctl(w) for w in widths])
    ctl_oqi = bayes.allan_deviation(bayes.effective_measurement_uncertainty(ctl_bmse, widths), times)
    ctl_css = np.sqrt(np.sinh(widths**2) - widths**2) / np.sqrt(times)
    return {"SQL 1/√(NT)": 1 / np.sqrt(atoms * times), "HL 1/(N√T)": 1 / (atoms * np.sqrt(times)),
            "πHL π/(N√T)": np.pi / (atoms * np.sqrt(times)), "CTL OQI (eq. 17)": ctl_oqi,
            "CTL CSS/SSS linear (eq. 33)": ctl_css}


def plot(out: Path, times, panel_a: dict, minima: dict, fits: dict, atoms_a: int) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = panel_a["curves"]
    refs = reference_lines(times, atoms_a)
    figure, (ax_a, ax_b) = plt.subplots(1, 2, figsize=(13, 7.2))
    oqi = np.array([_sigma(r) for r in curves[("oqi", "bayes")]])
    css_bayes = np.array([_sigma(r) for r in curves[("css", "bayes")]])
    low, high = 0.5 / (atoms_a * np.sqrt(times[-1])), 12.0
    ax_a.fill_between(times, low, oqi, color="0.85", zorder=0, label="inaccessible (below OQI)")
    ax_a.fill_between(times, np.minimum(css_bayes, high), high, color="tab:orange", alpha=0.08, zorder=0,
                      label="uncorrelated atoms (above CSS)")
    for (kind, estimator), records in curves.items():
        sigma = np.array([_sigma(r) for r in records])
        sigma = np.where(np.isfinite(sigma), sigma, np.nan)
        ax_a.plot(times, sigma, color=COLOURS[kind], ls="--" if estimator == "linear" else "-", lw=1.8,
                  label=LABELS[(kind, estimator)])
    styles = {"SQL 1/√(NT)": ("tab:orange", "-."), "HL 1/(N√T)": ("tab:green", "-."),
              "πHL π/(N√T)": ("black", "-."), "CTL OQI (eq. 17)": ("black", ":"),
              "CTL CSS/SSS linear (eq. 33)": ("tab:orange", ":")}
    for label, values in refs.items():
        colour, style = styles[label]
        ax_a.plot(times, values, color=colour, ls=style, lw=1.1, label=label)
    ax_a.set(xscale="log", yscale="log", xlim=(times[0], times[-1]), ylim=(low, high), xlabel="T / Z",
             ylabel=r"$\sigma_y(\tau)\,\omega_0\sqrt{\tau Z}$", title=f"(a) N = {atoms_a}, flicker FM, no dead time")
    ax_a.legend(fontsize=7.5, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, frameon=False)

    for kind, estimator in MINIMA:
        sizes = sorted(n for (k, e, n) in minima if (k, e) == (kind, estimator))
        sigma = np.array([_sigma(minima[(kind, estimator, n)]) for n in sizes])
        ok = np.isfinite(sigma)
        label = LABELS[(kind, estimator)]
        fit = fits[f"{kind}-{estimator}"]["16-100"]["sigma_min"]
        if fit is not None and kind != "pi_hl":
            label += f"  β={fit['beta']:.2f}"
        large = fits[f"{kind}-{estimator}"].get("100-1000", {}).get("sigma_min")
        if large is not None:
            label += f" (100-1000: {large['beta']:.2f})"
        if kind == "pi_hl":
            ax_b.plot(np.array(sizes)[ok], sigma[ok], color="black", ls="-.", lw=1.2, label=label)
        else:
            ax_b.plot(np.array(sizes)[ok], sigma[ok], color=COLOURS[kind], marker="o", ms=3.5,
                      ls="--" if estimator == "linear" else "-", lw=1.5, label=label)
    sizes = np.geomspace(1, 1000, 50)
    ax_b.plot(sizes, 1 / np.sqrt(sizes), color="0.6", lw=0.8, ls=":", label="∝ N^-1/2 (guide)")
    ax_b.plot(sizes, 2 / sizes, color="0.6", lw=0.8, ls=(0, (1, 4)), label="∝ N^-1 (guide)")
    ax_b.set(xscale="log", yscale="log", xlabel="N", ylabel=r"$\sigma_{\min}\,\omega_0\sqrt{\tau Z}$",
             title="(b) minimal Allan deviation (β: fit over N = 16…100)")
    ax_b.legend(fontsize=7.5, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False)
    figure.tight_layout()
    paths = [out / "fig2.png"]
    figure.savefig(paths[0], dpi=130)
    plt.close(figure)

    figure, (ax_t, ax_d) = plt.subplots(1, 2, figsize=(11, 4.2))
    for kind, estimator in MINIMA:
        sizes = sorted(n for (k, e, n) in minima if (k, e) == (kind, estimator))
        tmin = np.array([minima[(kind, estimator, n)]["interrogation_time"] for n in sizes])
        dphi = np.array([_dphi(minima[(kind, estimator, n)]) for n in sizes])
        ok = np.isfinite(dphi)
        style = dict(color=COLOURS[kind] if kind != "pi_hl" else "black", marker="o" if kind != "pi_hl" else None,
                     ms=3, ls="--" if estimator == "linear" else ("-." if kind == "pi_hl" else "-"),
                     label=LABELS[(kind, estimator)])
        ax_t.plot(np.array(sizes)[ok], tmin[ok], **style)
        ax_d.plot(np.array(sizes)[ok], dphi[ok], **style)
    ax_t.set(xscale="log", yscale="log", xlabel="N", ylabel=r"$T_{\min}/Z$", title="optimal interrogation time")
    ax_d.set(xscale="log", yscale="log", xlabel="N", ylabel=r"$\Delta\phi_M$ at $T_{\min}$ (rad)",
             title="effective measurement uncertainty at T_min")
    ax_d.legend(fontsize=7)
    figure.tight_layout()
    paths.append(out / "fig2_tmin.png")
    figure.savefig(paths[1], dpi=110)
    plt.close(figure)
    return paths


def _print_tables(minima: dict, fits: dict, atoms_a: int) -> None:
    print(f"\nσ_min and T_min at N = {atoms_a}:")
    print(f"  {'protocol':<38s} {'σ_min':>9s} {'T_min/Z':>9s} {'δφ(T_min)':>10s} {'Δφ_M':>9s}")
    for kind, estimator in MINIMA:
        record = minima.get((kind, estimator, atoms_a))
        if record is not None:
            print(f"  {LABELS[(kind, estimator)]:<38s} {_sigma(record):9.5f} {record['interrogation_time']:9.4f} "
                  f"{record['prior_width']:10.4f} {_dphi(record):9.5f}")
    print("\nexponents β (∝ N^-β), least squares in log-log:")
    print(f"  {'protocol':<38s} {'window':>8s} {'β σ_min':>9s} {'β Δφ_M(T_min)':>14s} {'β T_min':>8s} {'paper':>7s}")
    for kind, estimator in MINIMA:
        entry = fits[f"{kind}-{estimator}"]
        for window in ("16-100", "100-1000"):
            if window not in entry or entry[window]["sigma_min"] is None:
                continue
            paper = entry["paper_beta"]
            values = [entry[window][name]["beta"] for name in ("sigma_min", "dphi_m_at_tmin", "t_min")]
            print(f"  {LABELS[(kind, estimator)]:<38s} {window:>8s} {values[0]:9.3f} {values[1]:14.3f} "
                  f"{values[2]:8.3f} {'' if paper is None else f'{paper:.3f}':>7s}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="N <= 32, 12-point T grid, no large-N OQI (~1-2 min)")
    parser.add_argument("--resume", action="store_true", help="keep the finished points of --out and compute the rest")
    parser.add_argument("--out", type=Path, help="output folder (default benchmarks/output/fig2, "
                                                 "benchmarks/output/fig2-quick with --quick)")
    parser.add_argument("--times", type=int, help="number of T/Z points in logspace(-3, 0) for panel (a) "
                                                  "(default 30, quick 12)")
    parser.add_argument("--no-large", action="store_true", help="skip the OQI at N = 200, 500, 1000")
    parser.add_argument("--no-plot", action="store_true", help="do not draw the PNGs")
    parser.add_argument("--blas-threads", type=int, metavar="N",
                        help="OpenBLAS threads, set before NumPy loads (default 1 unless OPENBLAS_NUM_THREADS is set)")
    args = parser.parse_args(argv)

    out = args.out or (_ROOT / "benchmarks" / "output" / ("fig2-quick" if args.quick else "fig2"))
    out.mkdir(parents=True, exist_ok=True)
    store = PointStore(out / "points.jsonl", resume=args.resume)
    times = np.logspace(-3, 0, args.times or (12 if args.quick else 30))
    atoms_list = QUICK_ATOMS if args.quick else ATOMS
    large = () if (args.quick or args.no_large) else OQI_LARGE
    info = machine_info()
    started = datetime.datetime.now(datetime.timezone.utc)
    wall = time.perf_counter()
    print(f"machine: {info['cpu']}, {info['usable_cpus']} usable CPUs, load {info['load_average_1min']:.2f}; "
          f"output {out}")

    print(f"\n(a) σ(T) at N = {PANEL_A_ATOMS} over {len(times)} T/Z points in [1e-3, 1]")
    start = time.perf_counter()
    panel_a = run_panel_a(store, times, PANEL_A_ATOMS)
    wall_a = time.perf_counter() - start
    print(f"\n(b) σ_min(N), N = {', '.join(map(str, atoms_list))}" + (f"; OQI also at {large}" if large else ""))
    start = time.perf_counter()
    minima = run_panel_b(store, atoms_list, large)
    wall_b = time.perf_counter() - start
    fits = exponents(minima)
    checks = analytic_checks(panel_a["curves"], PANEL_A_ATOMS)
    _print_tables(minima, fits, PANEL_A_ATOMS)
    print(f"\nanalytic checks at N = {PANEL_A_ATOMS}: CSS linear vs eq. (32) max rel. dev. "
          f"{checks['css_linear_vs_eq32']:.2e}; GHZ vs eq. (35) {checks['ghz_vs_eq35']:.2e}")

    compute = {}
    for record in store.records.values():
        name = f"{record['section']}:{record['kind']}-{record['estimator']}"
        compute[name] = compute.get(name, 0.0) + record.get("seconds", 0.0)
    compute_total = sum(value for name, value in compute.items() if not name.startswith("scan:"))
    large_oqi = {str(n): {k: minima[("oqi", "bayes", n)][k] for k in
                          ("sigma", "interrogation_time", "prior_width", "dphi_m", "bmse", "seconds")}
                 | {"asymptotic_oqi_sigma_min": minima[("pi_hl", "bayes", n)]["sigma"],
                    "asymptotic_oqi_t_min": minima[("pi_hl", "bayes", n)]["interrogation_time"],
                    "pi_hl_at_oqi_tmin": math.pi / (n * math.sqrt(minima[("oqi", "bayes", n)]["interrogation_time"]))}
                 for n in sorted(n for (k, _, n) in minima if k == "oqi" and n >= 32)}
    if large_oqi:
        print("\nOQI σ_min against the asymptotic OQI (eq. 19: πHL + CTL, minimised over T):")
        for n, row in large_oqi.items():
            print(f"  N={int(n):5d}: OQI σ_min={row['sigma']:.6g} (T_min/Z={row['interrogation_time']:.4f})  "
                  f"asymptote σ_min={row['asymptotic_oqi_sigma_min']:.6g} (T_min/Z={row['asymptotic_oqi_t_min']:.4f})"
                  f"  ratio {row['sigma'] / row['asymptotic_oqi_sigma_min']:.4f}")
    table32 = {f"{k}-{e}": {key: minima[(k, e, PANEL_A_ATOMS)][key]
                            for key in ("sigma", "interrogation_time", "prior_width", "dphi_m", "bmse", "parameters")
                            if key != "parameters" or k == "sss"}
               for (k, e) in MINIMA if (k, e, PANEL_A_ATOMS) in minima}
    summary = {"benchmark": "fig2_stability", "date": started.isoformat(timespec="seconds"),
               "command": " ".join(["python", "benchmarks/fig2_stability.py", *(argv if argv is not None else sys.argv[1:])]),
               "machine": info, "wall_s_this_invocation": time.perf_counter() - wall,
               "wall_s_panel_a_this_invocation": wall_a, "wall_s_panel_b_this_invocation": wall_b,
               "compute_s_by_piece_all_invocations": compute,
               "compute_s_total_all_invocations": compute_total,
               "compute_note": "curve + min records; the OQI min records include their T evaluations "
                               "('scan' records, listed separately, not added again)",
               "units": "T in units of Z; sigma = sigma_y(tau) omega0 sqrt(tau Z); flicker FM prior (eq. 31), no dead time",
               "panel_a": {"atoms": PANEL_A_ATOMS, "times": times.tolist(),
                           "curves": {f"{k}-{e}": {"sigma": [r["sigma"] for r in recs],
                                                   "dphi_m": [r["dphi_m"] for r in recs]}
                                      for (k, e), recs in panel_a["curves"].items()},
                           "references": {k: v.tolist() for k, v in reference_lines(times, PANEL_A_ATOMS).items()}},
               "minima_at_n32": table32,
               "minima": {f"{k}-{e}": {str(n): {key: minima[(k, e, n)][key] for key in
                                                ("sigma", "interrogation_time", "prior_width", "dphi_m", "bmse")}
                                       for (kk, ee, n) in sorted(minima) if (kk, ee) == (k, e)}
                          for (k, e) in MINIMA},
               "exponents": fits, "oqi_large_n": large_oqi, "analytic_checks": checks}
    (out / "fig2_summary.json").write_text(json.dumps(_clean(summary), indent=1) + "\n", encoding="utf-8")
    print(f"\nwrote {out / 'fig2_summary.json'} and {out / 'points.jsonl'}")
    if not args.no_plot:
        for path in plot(out, times, panel_a, minima, fits, PANEL_A_ATOMS):
            print(f"wrote {path}")
    print(f"wall time of this invocation: {time.perf_counter() - wall:.1f} s; compute in all invocations: "
          f"{compute_total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
