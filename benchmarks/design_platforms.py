"""Design studies of Kielinski & Hammerer's platform cases, for comparison with its Figs. 3, 4 and 7 (a script).

Cases (flicker FM, Bayes estimator, 24 log-spaced T/Z from 0.003 to 1):

* ``n8``        N = 8, no dead time        (Figs. 3–4: ranking at long T)
* ``n32``       N = 32, no dead time       (Fig. 3)
* ``ion-trap``  N = 8, T_D/Z = 0.05, closed-loop validation   (Fig. 7a)
* ``tweezer``   N = 32, T_D/Z = 0.1, closed-loop validation   (Fig. 7b)

Each writes a full design report under ``--out/<case>`` (resumable) and the
script prints σ_min, T_min and the ratio to the OQI per class, and the
recommendation. Usage::

    python benchmarks/design_platforms.py [--out benchmarks/output/design] [--cases n8 ion-trap]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from qclock_circuits.report import DesignSpec, run_design, write_design

CASES = {
    "n8": dict(atoms=8, dead_time=0.0, classes=("css", "sss", "ghz", "1-1", "1-2", "1-3")),
    "n32": dict(atoms=32, dead_time=0.0, classes=("css", "sss", "ghz", "1-1", "1-2")),
    "ion-trap": dict(atoms=8, dead_time=0.05, classes=("css", "sss", "ghz", "1-1", "1-2"), simulate=True,
                     coherence_time=2.0, transition_frequency=1.121e15),
    "tweezer": dict(atoms=32, dead_time=0.1, classes=("css", "sss", "ghz", "1-1", "1-2"), simulate=True,
                    coherence_time=2.0, transition_frequency=429.228e12),
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="benchmarks/output/design")
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    summary = {}
    for name in args.cases:
        spec = DesignSpec(**CASES[name])
        out = Path(args.out) / name
        started = time.perf_counter()
        result = run_design(spec, out, workers=args.workers)
        write_design(result, out)
        elapsed = time.perf_counter() - started
        rows = result.summary()
        ranking = sorted((row for row in rows if row["class"] != "oqi"), key=lambda row: row["sigma_min"])
        long_t = max(spec.interrogation_times[i] for i in range(len(spec.interrogation_times))
                     if spec.interrogation_times[i] <= 0.5)
        at_long = {n: [p for p in result.curve(n) if p.interrogation_time == long_t][0] for n in [*spec.classes, "oqi"]}
        summary[name] = {"seconds": elapsed, "load_average": os.getloadavg()[0], "rows": rows,
                         "ranking_sigma_min": [row["class"] for row in ranking],
                         "long_t": long_t,
                         "sigma_at_long_t": {n: p.parameters.get("total_sigma", p.sigma) for n, p in at_long.items()},
                         "recommendation": {k: v for k, v in result.recommendation().items() if k != "protocol"}}
        print(f"== {name}: N = {spec.atoms}, T_D/Z = {spec.dead_time:g} ({elapsed:.0f} s)")
        for row in rows:
            simulated = row.get("simulated_sigma")
            print(f"  {row['class']:>4}  sigma_min {row['sigma_min']:.4f}  T_min/Z {row['t_min']:.3f}  "
                  f"sigma/OQI {row['ratio_to_oqi']:.3f}"
                  + (f"  loop {simulated:.4f} at T/Z {row['simulated_t']:.3f}" if simulated else ""))
        print("  ranking by sigma_min:", " < ".join(summary[name]["ranking_sigma_min"]))
        print(f"  at T/Z = {long_t:.3f}:", ", ".join(f"{n} {v:.3f}" for n, v in
                                                   sorted(summary[name]["sigma_at_long_t"].items(),
                                                          key=lambda item: item[1])))
        print("  recommendation:", summary[name]["recommendation"])
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "summary.json").write_text(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
