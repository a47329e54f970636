"""Benchmark of the exact likelihood P(x|φ): collective engine at large N, and against Aer.

Run from the repository root::

    python benchmarks/likelihood.py            # full run (a few minutes on 2 cores)
    python benchmarks/likelihood.py --quick    # smaller sizes, fewer repeats
    python benchmarks/likelihood.py --out benchmarks/output/likelihood.json

Part A — collective engine. For each N, the protocol ``variational(N, 1, 2, params)``
(11 fixed pseudo-random parameters) is built from its parameters and its
probabilities evaluated at ``--phases`` (default 1001) phases in [−π, π], as an
optimiser does at every step. Reported (median and best of ``--repeats`` runs):

* ``build+P``: construct the protocol + ``probabilities(phi)`` (includes the
  (N+1)×(N+1) amplitude matrix, computed lazily on the first call);
* ``P only``: ``probabilities(phi)`` again on the same object (matrix cached);
* ``build+Fourier``: construct + ``fourier_coefficients()`` (the 2N+1 exact
  coefficients of every outcome).

Part B — agreement with and speed against Aer. For N = 12…22 (``--aer-atoms``),
the same protocol's distribution is computed by
``qclock_circuits.circuits.aer_statevector_probabilities`` (build the N-qubit
circuit, unroll for Aer, ONE ``AerSimulator(method='statevector')`` job that binds
every phase, save the 2**N probabilities, group them by popcount) on a subset of K
phases of the 1001-point grid, and by the collective engine (build+P) on the same K
phases. Reported: both times, the speed-up at equal work, the Aer time extrapolated
linearly to all 1001 phases and the speed-up against the collective engine's full
1001-phase time, and the largest absolute difference of the probabilities (must be
≤ 1e-10; the script exits with status 1 otherwise). Timings are only reported,
never asserted.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _preset_blas_threads(argv: list[str]) -> None:
    """Apply ``--blas-threads N`` before NumPy is imported (OpenBLAS reads its env var at load)."""
    for i, arg in enumerate(argv):
        value = None
        if arg.startswith("--blas-threads="):
            value = arg.split("=", 1)[1]
        elif arg == "--blas-threads" and i + 1 < len(argv):
            value = argv[i + 1]
        if value:
            for variable in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
                os.environ[variable] = value


if __name__ == "__main__":
    _preset_blas_threads(sys.argv[1:])

import numpy as np  # noqa: E402

_ROOT = Path(__file__).resolve().parent.parent
if (_ROOT / "qclock_circuits").is_dir() and str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))  # benchmark this checkout's package

__all__ = ["main", "machine_info", "bench_collective", "bench_aer"]

FULL_ATOMS = (16, 32, 64, 256, 1000, 1024)
QUICK_ATOMS = (16, 32, 64, 256, 1000)
FULL_AER_ATOMS = tuple(range(12, 23))
QUICK_AER_ATOMS = (12, 16, 20)
AGREEMENT_TOLERANCE = 1e-10
TARGETS = {"N=32 build+P < 5 ms": (32, 5e-3), "N=1000 build+P < 2 s": (1000, 2.0)}
TARGET_SPEEDUP = (20, 1000.0)  # at N = 20, at least 1000x faster than Aer


def parameters(Kielinski & Hammerer: int = 2024) -> np.ndarray:
    """The 11 fixed parameters of the [1,2] protocol (twists in [−1, 1], angles in [−π, π])."""
    from qclock_circuits import protocols

    names = protocols.variational_parameter_names(1, 2)
    rng = np.random.default_rng(seed)
    values = rng.uniform(-np.pi, np.pi, len(names))
    for i, name in enumerate(names):
        if name.startswith("mu_"):
            values[i] = rng.uniform(-1.0, 1.0)
    return values


def _lscpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return platform.processor() or "unknown"
    for line in out.splitlines():
        if line.lower().startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _blas() -> str:
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # noqa: BLE001 - informative only
        return "unknown"


def machine_info() -> dict:
    """CPU model, core counts, Python/NumPy/BLAS/Qiskit versions."""
    info = {
        "cpu": _lscpu_model(),
        "logical_cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": _blas(),
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
    }
    for module in ("scipy", "qiskit", "qiskit_aer"):
        try:
            info[module] = __import__(module).__version__
        except ImportError:
            info[module] = None
    return info


def _timed(function, repeats: int) -> tuple[float, float]:
    """(median, best) wall time in seconds of ``repeats`` calls, after one warm-up call."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def bench_collective(atoms_list, n_phases: int, repeats: int) -> list[dict]:
    """Part A: collective-engine timings for each N."""
    from qclock_circuits import protocols

    phi = np.linspace(-np.pi, np.pi, n_phases)
    values = parameters()
    rows = []
    for atoms in atoms_list:
        reps = repeats if atoms <= 256 else max(3, repeats // 3)

        def build_and_evaluate():
            return protocols.variational(atoms, 1, 2, values).probabilities(phi)

        def build_and_fourier():
            return protocols.variational(atoms, 1, 2, values).fourier_coefficients()

        built = protocols.variational(atoms, 1, 2, values)
        built.probabilities(phi[:1])  # fill the cached amplitude matrix
        full = _timed(build_and_evaluate, reps)
        cached = _timed(lambda: built.probabilities(phi), reps)
        fourier = _timed(build_and_fourier, reps)
        probabilities = build_and_evaluate()
        row = {"atoms": atoms, "phases": n_phases, "repeats": reps,
               "build_and_probabilities_s": {"median": full[0], "best": full[1]},
               "probabilities_cached_s": {"median": cached[0], "best": cached[1]},
               "build_and_fourier_s": {"median": fourier[0], "best": fourier[1]},
               "max_row_sum_error": float(np.abs(probabilities.sum(axis=1) - 1).max())}
        rows.append(row)
        print(f"  N={atoms:5d}  build+P {full[0] * 1e3:10.2f} ms (best {full[1] * 1e3:9.2f})"
              f"  P only {cached[0] * 1e3:10.2f} ms  build+Fourier {fourier[0] * 1e3:9.2f} ms", flush=True)
    return rows


def _aer_subset(atoms: int, n_phases: int) -> int:
    """Number of phases Aer is run on: all for small N, fewer as 2**N grows."""
    if atoms <= 14:
        return min(n_phases, 51)
    if atoms <= 17:
        return min(n_phases, 11)
    return min(n_phases, 3)


def bench_aer(atoms_list, n_phases: int, repeats: int) -> list[dict]:
    """Part B: Aer statevector vs collective engine on a phase subset; agreement check."""
    from qclock_circuits import circuits, protocols

    grid = np.linspace(-np.pi, np.pi, n_phases)
    values = parameters()
    rows = []
    for atoms in atoms_list:
        k = _aer_subset(atoms, n_phases)
        subset = grid[np.linspace(0, n_phases - 1, k).round().astype(int)]
        protocol = protocols.variational(atoms, 1, 2, values)

        aer_runs = []
        for _ in range(2 if atoms <= 16 else 1):
            start = time.perf_counter()
            aer = circuits.aer_statevector_probabilities(protocol, subset)
            aer_runs.append(time.perf_counter() - start)
        t_aer = min(aer_runs)

        reps = max(3, repeats)
        t_sub = _timed(lambda: protocols.variational(atoms, 1, 2, values).probabilities(subset), reps)[0]
        t_full = _timed(lambda: protocols.variational(atoms, 1, 2, values).probabilities(grid), reps)[0]
        exact = protocols.variational(atoms, 1, 2, values).probabilities(subset)
        difference = float(np.abs(aer - exact).max())
        aer_full = t_aer * n_phases / k
        row = {"atoms": atoms, "aer_phases": k, "aer_s": t_aer, "aer_s_per_phase": t_aer / k,
               "collective_same_phases_s": t_sub, "speedup_same_phases": t_aer / t_sub,
               "aer_s_extrapolated_all_phases": aer_full, "collective_all_phases_s": t_full,
               "speedup_all_phases": aer_full / t_full, "max_abs_difference": difference,
               "agrees": difference <= AGREEMENT_TOLERANCE}
        rows.append(row)
        print(f"  N={atoms:3d}  K={k:3d}  Aer {t_aer:8.3f} s ({t_aer / k * 1e3:9.1f} ms/phase)"
              f"  collective {t_sub * 1e3:7.3f} ms  speed-up {t_aer / t_sub:9.0f}x"
              f"  | 1001 phases: Aer ~{aer_full:8.1f} s vs {t_full * 1e3:7.2f} ms ({aer_full / t_full:9.0f}x)"
              f"  max|dP| {difference:.1e}", flush=True)
    return rows


def _targets(collective: list[dict], aer: list[dict]) -> dict:
    results = {}
    by_atoms = {row["atoms"]: row for row in collective}
    for label, (atoms, limit) in TARGETS.items():
        if atoms in by_atoms:
            value = by_atoms[atoms]["build_and_probabilities_s"]["median"]
            results[label] = {"value_s": value, "met": value < limit}
    aer_by_atoms = {row["atoms"]: row for row in aer}
    atoms, factor = TARGET_SPEEDUP
    if atoms in aer_by_atoms:
        row = aer_by_atoms[atoms]
        results[f"N={atoms} >= {factor:g}x faster than Aer, max|dP| <= {AGREEMENT_TOLERANCE:g}"] = {
            "speedup_same_phases": row["speedup_same_phases"],
            "speedup_all_phases": row["speedup_all_phases"],
            "max_abs_difference": row["max_abs_difference"],
            "met": row["speedup_same_phases"] >= factor and row["agrees"]}
    return results


def _atoms(text: str) -> tuple[int, ...]:
    if "-" in text and "," not in text:
        low, high = (int(v) for v in text.split("-"))
        return tuple(range(low, high + 1))
    return tuple(int(v) for v in text.split(","))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer repeats (~1 min)")
    parser.add_argument("--phases", type=int, default=1001, help="number of phases in [-pi, pi] (default 1001)")
    parser.add_argument("--repeats", type=int, help="timed repeats per point (default 15, quick 5)")
    parser.add_argument("--atoms", type=_atoms, help="part A sizes, e.g. 16,32,1000")
    parser.add_argument("--aer-atoms", type=_atoms, help="part B sizes, e.g. 12-22 or 12,16,20")
    parser.add_argument("--skip-aer", action="store_true", help="run part A only")
    parser.add_argument("--blas-threads", type=int, metavar="N",
                        help="OpenBLAS/MKL threads for NumPy (set before NumPy loads; Aer is not affected)")
    parser.add_argument("--out", type=Path, help="also write the results as JSON to this path")
    args = parser.parse_args(argv)

    repeats = args.repeats or (5 if args.quick else 15)
    atoms_list = args.atoms or (QUICK_ATOMS if args.quick else FULL_ATOMS)
    aer_atoms = () if args.skip_aer else (args.aer_atoms or (QUICK_AER_ATOMS if args.quick else FULL_AER_ATOMS))

    info = machine_info()
    started = datetime.datetime.now(datetime.timezone.utc)
    print(f"machine: {info['cpu']}, {info['usable_cpus']} usable CPUs, load {info['load_average_1min']}, "
          f"numpy {info['numpy']} ({info['blas']}, OPENBLAS_NUM_THREADS={info['OPENBLAS_NUM_THREADS']}), qiskit {info['qiskit']}, qiskit-aer {info['qiskit_aer']}")
    print(f"\nA. collective engine: variational(N, 1, 2, params) at {args.phases} phases "
          f"(median of {repeats} runs; 1/3 of that for N > 256)")
    collective = bench_collective(atoms_list, args.phases, repeats)
    aer = []
    if aer_atoms:
        print("\nB. Aer statevector (circuits.aer_statevector_probabilities on K phases) vs collective engine")
        aer = bench_aer(aer_atoms, args.phases, repeats)
    targets = _targets(collective, aer)
    print("\ntargets:")
    for label, result in targets.items():
        print(f"  {'met    ' if result['met'] else 'NOT met'}  {label}")

    results = {"benchmark": "likelihood", "date": started.isoformat(timespec="seconds"),
               "wall_s": (datetime.datetime.now(datetime.timezone.utc) - started).total_seconds(),
               "machine": info, "phases": args.phases, "repeats": repeats,
               "parameters": parameters().tolist(), "collective": collective, "aer": aer,
               "targets": targets}
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {args.out}")
    return 0 if all(row["agrees"] for row in aer) else 1


if __name__ == "__main__":
    sys.exit(main())
