"""Wall time of ``qclock --help`` and of every ``qclock <command> --help`` (median of 5 fresh processes).

Each figure is the wall time of a new ``python -m qclock_circuits ... --help``
process (interpreter start included), median of ``--repeats`` runs; beside it
the wall time of a bare ``python -c pass`` (the interpreter's own start, the
floor) and the slowest imports of ``python -X importtime`` for ``qclock --help``.
The machine's load (``os.getloadavg``) is printed before and after.

Run from the repository root::

    python benchmarks/cli_help_speed.py [--repeats 5] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COMMANDS = ("protocol", "evaluate", "bounds", "simulate", "adaptive", "design", "network")


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def wall_time(argv: list[str], repeats: int) -> float:
    """Median wall time (s) of ``python argv`` over ``repeats`` fresh processes."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, *argv], check=True, stdout=subprocess.DEVNULL, env=_env(), cwd=ROOT)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def slowest_imports(count: int = 8) -> list[tuple[str, float]]:
    """The ``count`` largest cumulative import times (s) of ``qclock --help`` (``python -X importtime``)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "qclock_circuits", "--help"],
                          capture_output=True, text=True, env=_env(), cwd=ROOT, check=True)
    rows = []
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((parts[2].rstrip(), int(parts[1]) / 1e6))
    return sorted(rows, key=lambda row: -row[1])[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", default=None, help="write the figures to this JSON file")
    options = parser.parse_args()
    load_before = os.getloadavg()
    floor = wall_time(["-c", "pass"], options.repeats)
    figures = {"qclock --help": wall_time(["-m", "qclock_circuits", "--help"], options.repeats)}
    for name in COMMANDS:
        figures[f"qclock {name} --help"] = wall_time(["-m", "qclock_circuits", name, "--help"], options.repeats)
    load_after = os.getloadavg()
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} ({os.cpu_count()} cores)")
    print(f"python -c pass (interpreter start): {floor:.3f} s (median of {options.repeats})")
    print(f"{'command':<28} {'median wall (s)':>15}")
    for name, value in figures.items():
        print(f"{name:<28} {value:>15.3f}")
    print("slowest imports of qclock --help (cumulative, s):")
    for module, seconds in slowest_imports():
        print(f"  {seconds:7.3f}  {module.strip()}")
    if options.json:
        Path(options.json).write_text(json.dumps({"floor": floor, "figures": figures, "load_before": load_before,
                                                  "load_after": load_after}, indent=1))


if __name__ == "__main__":
    main()
