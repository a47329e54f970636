"""Clock-loop throughput: cycles per second per core (a script, not a test).

Measures, for an SSS protocol with the Bayes estimator (N = 8 and 32 by default):

* the loop kernel alone (outcome draw from the tabulated likelihood, estimate,
  servo, fringe bookkeeping) on pre-generated LO noise;
* LO noise generation alone, per noise type;
* the whole :func:`qclock_circuits.clock.simulate_clock` (noise + loop + ADEV).

One process, so the figures are per core. Usage::

    python benchmarks/clock_speed.py [--cycles 4000000] [--out results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np

from qclock_circuits import bayes, protocols
from qclock_circuits.clock import Integrator, LocalOscillatorNoise, LoopState, OutcomeTable, run_loop_block
from qclock_circuits.clock.simulate import simulate_clock


def best_of(function, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cycles", type=int, default=4_000_000)
    parser.add_argument("--atoms", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    cycles = args.cycles
    interrogation_time = 0.1
    results = {"machine": platform.processor() or platform.machine(), "cycles": cycles, "rows": [],
               "load_average_before": os.getloadavg()[0]}
    noises = {name: LocalOscillatorNoise.from_coherence_time(name) for name in ("white", "flicker", "random_walk")}
    for noise in noises.values():  # compile
        noise.generate(1000, interrogation_time, 0.0, seed=0)
    for name, noise in noises.items():
        for dead_time in (0.0, 0.05):
            seconds = best_of(lambda: noise.generate(cycles, interrogation_time, dead_time, seed=1), 2)
            results["rows"].append({"what": f"noise {name}, T_D={dead_time}", "cycles_per_second": cycles / seconds})
    ramsey, dead, _ = noises["flicker"].generate(cycles, interrogation_time, 0.0, seed=1)
    uniforms = np.random.default_rng(0).random(cycles)
    for atoms in args.atoms:
        width = bayes.prior_width(interrogation_time, "flicker")
        protocol, _ = bayes.stability.best_sss(atoms, bayes.GaussianPrior(width), "bayes", twist_grid=16)
        estimates = bayes.estimator_table(protocol, bayes.GaussianPrior(width), "bayes")
        table = OutcomeTable.from_likelihood(protocol)
        servo = Integrator(1.0)
        run_loop_block(ramsey[:1000], dead[:1000], uniforms[:1000], table, estimates, interrogation_time, 0.0,
                       servo, LoopState.initial(servo))
        seconds = best_of(lambda: run_loop_block(ramsey, dead, uniforms, table, estimates, interrogation_time,
                                                 0.0, servo, LoopState.initial(servo)))
        results["rows"].append({"what": f"loop kernel, SSS N={atoms}, Bayes", "cycles_per_second": cycles / seconds})
        for name, dead_time in (("white", 0.0), ("flicker", 0.0), ("flicker", 0.05)):
            simulate_clock(protocol, interrogation_time, dead_time, name, cycles=10_000, prior_width=width, seed=0)
            seconds = best_of(lambda: simulate_clock(protocol, interrogation_time, dead_time, name, cycles=cycles,
                                                     prior_width=width, seed=2), 2)
            results["rows"].append({"what": f"simulate_clock, SSS N={atoms}, Bayes, {name} FM, T_D={dead_time}",
                                    "cycles_per_second": cycles / seconds})
    width = max(len(row["what"]) for row in results["rows"])
    for row in results["rows"]:
        print(f"{row['what']:<{width}}  {row['cycles_per_second'] / 1e6:8.2f} M cycles/s")
    if args.out:
        with open(args.out, "w") as stream:
            json.dump(results, stream, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
