"""Speed of the exact local-noise engine (permutation-invariant basis) and against ``qutip.piqs``.

Run from the repository root::

    python benchmarks/local_noise_speed.py            # full run (about a minute on 2 cores)
    python benchmarks/local_noise_speed.py --quick    # N = 50 only, fewer repeats

Measured (wall time, median of ``--repeats``; the machine load is printed):

A. Exact noisy likelihood of an SSS protocol (μ = 0.3) with twist-time dissipation
   (T1, T2 during the twist, twisting rate χ = 1), dark-time dephasing and decay and
   detection errors, over 201 phases: a new protocol object each time (the generator
   caches of the engine are warm after the first run, as in any sweep; the first,
   cold run is reported too). Targets: N = 50 < 2 s, N = 100 < 20 s.
B. One noisy BMSE evaluation at N = 16, as the optimiser does (build the protocol from
   its parameters, exact likelihood, BMSE): SSS and the [1,1] class with the same
   noise. Target < 50 ms.
C. The same OAT-plus-dissipation evolution at N = 30 by this engine and by
   ``qutip.piqs``'s own Liouvillian route (``Dicke(...).liouvillian()`` plus the
   twist Hamiltonian, ``qutip.mesolve``), side by side in one run, with the largest
   difference of the final states. Target ≥ 10×.

Timings are only reported, never asserted.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np


def _timed(function, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    from qclock_circuits import bayes, protocols
    from qclock_circuits.protocols.operations import Rotation, Twist
    from qclock_circuits.spin import coherent_state
    from qclock_circuits.spin.permutation_invariant import pi_basis, pi_from_pure, from_piqs, to_piqs

    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f} (1 min) at start")
    noise = protocols.LocalNoise(dephasing=0.05, amplitude_damping=0.02, readout_error=(0.01, 0.02),
                                 decay_rate=0.05, dephasing_rate=0.1, twisting_rate=1.0)
    phases = np.linspace(-np.pi, np.pi, 201)

    print("\nA. noisy SSS likelihood, 201 phases (s)")
    for atoms in ((50,) if args.quick else (50, 100)):
        cold_start = time.perf_counter()
        protocols.sss(atoms, 0.3).with_noise(noise).probabilities(phases)
        cold = time.perf_counter() - cold_start
        median, best = _timed(lambda: protocols.sss(atoms, 0.3).with_noise(noise).probabilities(phases),
                              args.repeats)
        print(f"  N = {atoms:4d}: cold {cold:7.3f}   warm median {median:7.3f}   best {best:7.3f}")

    print("\nB. one noisy BMSE evaluation at N = 16 (ms)")
    prior = bayes.GaussianPrior(0.5)
    rng = np.random.default_rng(1)
    names = protocols.variational_parameter_names(1, 1)
    cases = {
        "SSS": lambda: bayes.bmse(protocols.sss(16, rng.uniform(0.05, 0.5)).with_noise(noise), prior),
        "[1,1]": lambda: bayes.bmse(protocols.variational(16, 1, 1, rng.uniform(-1, 1, len(names)))
                                    .with_noise(noise), prior),
        "[1,1] ideal": lambda: bayes.bmse(protocols.variational(16, 1, 1, rng.uniform(-1, 1, len(names))),
                                          prior),
    }
    for label, case in cases.items():
        case()
        median, best = _timed(case, 20 if not args.quick else 5)
        print(f"  {label:12s}: median {1e3 * median:7.2f}   best {1e3 * best:7.2f}")

    print("\nC. OAT with local dissipation at N = 30: this engine vs qutip.piqs (s)")
    import qutip
    from qutip import piqs

    atoms, twist, duration = 30, 0.3, 1.0
    decay, dephasing = 0.05, 0.1
    twist_noise = protocols.LocalNoise(decay_rate=decay, dephasing_rate=dephasing, twist_duration=duration)
    protocol = protocols.custom(atoms, [Rotation(-np.pi / 2, "y"), Twist(twist, "z")], [], readout="jz")
    ours = {}

    def engine():
        ours["state"] = protocol.with_noise(twist_noise).mixed_input_state()

    engine()
    start_state = to_piqs(pi_from_pure(coherent_state(atoms, axis="x")), pi_basis(atoms))
    theirs = {}

    def piqs_route():
        system = piqs.Dicke(atoms, emission=decay, dephasing=2 * dephasing)
        jz = piqs.jspin(atoms, "z")
        liouvillian = system.liouvillian() + qutip.liouvillian(0.5 * twist / duration * jz * jz)
        theirs["state"] = qutip.mesolve(liouvillian, start_state, [0, duration],
                                        options={"atol": 1e-10, "rtol": 1e-10}).states[-1]

    mine, _ = _timed(engine, args.repeats)
    reference, _ = _timed(piqs_route, args.repeats)
    difference = np.abs(ours["state"] - from_piqs(theirs["state"], atoms)).max()
    print(f"  this engine {mine:7.4f}   piqs (Liouvillian + mesolve) {reference:7.4f}   "
          f"ratio {reference / mine:6.1f}x   max |Δρ| {difference:.2e}")
    print(f"\n# load average {os.getloadavg()[0]:.2f} (1 min) at end")


if __name__ == "__main__":
    main()
