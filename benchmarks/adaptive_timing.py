"""Study: timing-error suppression of a free-running clock oscillator (Mullan & Knill, Phys. Rev. A 90, 042310 (2014), appendix D).

Run from the repository root::

    python benchmarks/adaptive_timing.py            # prints tables A and B (a few seconds)
    python benchmarks/adaptive_timing.py --clock-runs 100   # and table C (minutes)

Table A — the two terms of the eq. (25) bound ``E₁ = π|T − s|/T + π(s/T) ω*/(ω* + Ω)``
and the re-parametrised bound ``π(|δ|/T) Ω/(ω* + Ω)`` for three oscillators: an
optical lattice clock (Sr, Ω = 2π·429.228 THz, T = 1 s, ω* = 2π·1 Hz, timing
off by 1 µs), a Cs fountain (Ω = 2π·9.192631770 GHz, T = 0.5 s, ω* = 2π·0.1
Hz, 1 µs) and a toy low-frequency oscillator in units of T (Ω = 10/T,
ω* = 1/T, δ = 0.01 T). The paper's text gives no numbers here, only the claims
that the first term dominates "even without controlling the oscillator" and
that low oscillator frequencies need more precise durations: both show.

Table B — Monte Carlo (10⁶ draws, seed 0) of the phase error ε of each
strategy of :mod:`qclock_circuits.clock.adaptive.timing` for the toy oscillator
(units of T): estimate ω* = 1, true ω = ω* + N(0, 0.3²) (the clock's
posterior width), the end timed by the LO phase ``φ_T = T(ω* + Ω)`` and off by
δ ~ N(0, 0.01²): rms |ε|, the largest |ε| and the largest bound over the draws
without phase slip. ``'uncompensated'`` (ended at T + δ by an ideal timer, no frame correction) pays the full drift ω·δ;
``'locked'`` (the fixed-Ramsey control: LO steered by −ω*) and
``'reparametrised'`` only (ω − ω*)·δ; ``'software'`` in addition the eq. (25)
second term (ω − ω*)·Tω/(ω + Ω), which dominates here because Ω/ω* = 10.

Table C (``--clock-runs R``) — the running clock (Table 1's Brownian row: N = 2,
h = 0.03, 100 interrogations, seed 0) with every interrogation's end off by
δ ~ N(0, jitter²) under each strategy (``simulate_adaptive_clock(...,
timing=TimingErrors(Ω, jitter, strategy))``), Ω T = 100 (the smallest the clock
takes) and jitter 0.1 T (the largest): square error and Allan variance of each
strategy against perfect timing on the same noise traces, % ± paired standard
error (negative: worse), for Ramsey and the adaptive protocol.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

_ROOT = Path(__file__).resolve().parent.parent
if (_ROOT / "qclock_circuits").is_dir() and str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))  # study this checkout's package

__all__ = ["main", "oscillator_table", "strategy_table", "clock_table"]

OSCILLATORS = {  # name: (Ω rad/s or rad/T, T, ω*, timing error δ)
    "Sr optical (s)": (2 * math.pi * 429.228e12, 1.0, 2 * math.pi * 1.0, 1e-6),
    "Cs fountain (s)": (2 * math.pi * 9.192631770e9, 0.5, 2 * math.pi * 0.1, 1e-6),
    "toy (units of T)": (10.0, 1.0, 1.0, 0.01),
}


def oscillator_table() -> list[dict]:
    """Table A: the terms of eq. (25) and the re-parametrised bound per oscillator (rad)."""
    from qclock_circuits.clock.adaptive.timing import reparametrised_bound, software_lock_bound

    rows = []
    for name, (atomic, period, estimate, delta) in OSCILLATORS.items():
        s = period - delta
        first = math.pi * delta / period
        total = float(software_lock_bound(s, period, estimate, atomic))
        rows.append({"oscillator": name, "first_term": first, "second_term": total - first, "E1": total,
                     "reparametrised": float(reparametrised_bound(delta, period, estimate, atomic))})
    return rows


def strategy_table(draws: int = 1_000_000, seed: int = 0) -> list[dict]:
    """Table B: Monte Carlo of ε per strategy for the toy oscillator (module docstring)."""
    from qclock_circuits.clock.adaptive.timing import (
        TIMING_STRATEGIES,
        locked_bound,
        measurement_time,
        reparametrised_bound,
        software_lock_bound,
        timing_phase_error,
    )

    atomic, period, estimate, jitter = 10.0, 1.0, 1.0, 0.01
    rng = np.random.default_rng(seed)
    omega = estimate + 0.3 * rng.standard_normal(draws)
    delta = jitter * rng.standard_normal(draws)
    s = measurement_time(omega, estimate, period, atomic, delta)
    locked_s = period + delta  # the steered LO times the interrogation in the atomic frame
    no_slip = np.abs(omega - estimate) * period < math.pi
    bounds = {"uncompensated": None, "locked": locked_bound(locked_s, period),
              "software": software_lock_bound(s, period, estimate, atomic),
              "reparametrised": reparametrised_bound(delta, period, estimate, atomic)}
    rows = []
    for strategy in TIMING_STRATEGIES:
        duration = locked_s if strategy in ("locked", "uncompensated") else s
        error = np.abs(timing_phase_error(omega, estimate, duration, period, atomic, strategy))
        bound = bounds[strategy]
        rows.append({"strategy": strategy, "rms": float(np.sqrt(np.mean(error**2))),
                     "max": float(error[no_slip].max()),
                     "bound_max": None if bound is None else float(np.max(bound[no_slip])),
                     "within_bound": None if bound is None else bool(np.all(error[no_slip] <= bound[no_slip] + 1e-15))})
    return rows


def clock_table(runs: int, atomic_frequency: float = 100.0, jitter: float = 0.1) -> list[dict]:
    """Table C: each strategy's cost in the running clock against perfect timing (module docstring)."""
    from qclock_circuits.clock.adaptive.simulate import improvement, simulate_adaptive_clock
    from qclock_circuits.clock.adaptive.timing import TIMING_STRATEGIES, TimingErrors

    rows = []
    for protocol in ("ramsey", "adaptive"):
        common = dict(atoms=2, noise="brownian", noise_strength=0.03, interrogations=100, runs=runs,
                      protocol=protocol, seed=0)
        perfect = simulate_adaptive_clock(**common)
        for strategy in TIMING_STRATEGIES:
            start = time.perf_counter()
            timed = simulate_adaptive_clock(**common, timing=TimingErrors(atomic_frequency, jitter, strategy))
            gains = improvement(timed, perfect)
            rows.append({"protocol": protocol, "strategy": strategy, "seconds": time.perf_counter() - start,
                         "lost_lock": int(timed.lost_lock.sum()),
                         **{quantity: (gains[quantity]["value"], gains[quantity]["se"])
                            for quantity in ("square_error", "allan_variance")}})
    return rows


def main(argv=None) -> int:
    """Print tables A and B (and C with ``--clock-runs``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clock-runs", type=int, default=0, help="runs per protocol for table C (0: skip it)")
    args = parser.parse_args(argv)
    print("A. eq. (25) terms and the re-parametrised bound (rad)")
    print(f"{'oscillator':18s} {'pi|T-s|/T':>11s} {'pi(s/T)w*/(w*+W)':>17s} {'E1':>11s} {'reparam.':>11s}")
    for row in oscillator_table():
        print(f"{row['oscillator']:18s} {row['first_term']:11.3e} {row['second_term']:17.3e} {row['E1']:11.3e} "
              f"{row['reparametrised']:11.3e}")
    print("\nB. toy oscillator (Omega = 10/T, w* = 1/T, |w - w*| ~ 0.3/T, delta ~ 0.01 T), 1e6 draws")
    print(f"{'strategy':15s} {'rms |eps|':>10s} {'max |eps|':>10s} {'max bound':>10s}  within")
    for row in strategy_table():
        bound = "-" if row["bound_max"] is None else f"{row['bound_max']:.4f}"
        print(f"{row['strategy']:15s} {row['rms']:10.5f} {row['max']:10.5f} {bound:>10s}  {row['within_bound']}")
    if args.clock_runs:
        print(f"\nC. running clock, Brownian h = 0.03, N = 2, Omega T = 100, jitter 0.1 T, {args.clock_runs} runs: "
              f"% against perfect timing (load {os.getloadavg()[0]:.1f})")
        for row in clock_table(args.clock_runs):
            print(f"{row['protocol']:9s} {row['strategy']:15s} square error {row['square_error'][0]:6.1f} ± "
                  f"{row['square_error'][1]:4.1f}   Allan {row['allan_variance'][0]:6.1f} ± "
                  f"{row['allan_variance'][1]:4.1f}   lost lock {row['lost_lock']}   {row['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
