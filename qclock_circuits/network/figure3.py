"""Fig. 3 of Kómár et al., Nature Physics 10, 582 (2014) from the closed network clock loop.

The five strategies of the figure — (a) quantum network, (b) classical
cooperation of nodes with optimal local quantum interrogation, (c) independent
clocks, (d) optimal classical local protocol with classical cooperation, (e)
classical without cooperation — run in
:func:`~qclock_circuits.network.loop.simulate_network_clock` at every
interrogation time ``T`` of a grid, with the allocations chosen for the
running loop (``allocation="loop_optimal"``) and LOs pre-narrowed as the
paper assumes (its §A5: white FM whose one-cycle phase spread is
``lo_phase`` rad at every ``T``). From the loop's per-cycle error ``MSE(T)``
of the stabilised phase (eq. A20),

    σ_y(τ) = min over T ≤ τ of √(MSE(T) / (T τ)) / ω0,

``T = τ`` while that is best and repeated cycles of the best ``T`` beyond.
A run with phase slips or more than 5 % cascade errors is left out.
:func:`fit_scalings` fits the statements of the main text (eqs. 3–4).
Units: seconds, Hz; σ_y is a fractional frequency.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from .._deprecation import renamed_arguments
from .._validation import QClockError, check_int

__all__ = ["LABELS", "COOPERATIVE", "INTERROGATION_TIMES", "fig3_points", "fig3_point", "curves", "fit_scalings",
           "Fig3Result", "assemble_fig3"]

#: Interrogation times (s) of the default grid.
INTERROGATION_TIMES = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)

LABELS = {"quantum_network": "(a) quantum network", "classical_cooperation": "(b) classical cooperation",
          "independent": "(c) independent", "classical_network": "(d) classical local, cooperating",
          "classical_independent": "(e) classical, no cooperation"}
COOPERATIVE = ("quantum_network", "classical_cooperation", "classical_network")


def fig3_point(point: dict) -> dict:
    """One closed-loop run of Fig. 3 (a runtime sweep function).

    Parameters
    ----------
    point : dict
        ``strategy``, ``T`` (s), ``K``, ``n`` (atoms per clock), ``atom_hz``
        (γ_i/2π, Hz), ``nu0`` (Hz), ``lo_phase`` (rad, one cycle's LO phase
        spread: the LOs' white-FM linewidth is ``lo_phase²/(2πT)`` Hz),
        ``cycles``, ``seed`` — as :func:`fig3_points` makes them.

    Returns
    -------
    dict
        ``mse`` (rad², per cycle, of the network estimate or of node 0's own),
        ``slips``, ``cascade_errors``, ``local_errors``, ``cycles``,
        ``problems`` (:meth:`NetworkClockResult.problems`), ``allocation`` and
        ``seconds``.
    """
    from .loop import simulate_network_clock
    from .topology import star_network

    T = float(point["T"])
    linewidth_hz = point["lo_phase"] ** 2 / (2 * math.pi * T)  # white FM: phase variance 2π Δν T per cycle
    network = star_network(point["K"] - 1, qubits=point["n"], transition_frequency_hz=point["nu0"],
                           linewidth_hz=linewidth_hz, atom_linewidth_hz=point["atom_hz"])
    start = time.perf_counter()
    result = simulate_network_clock(network, T, point["cycles"], strategy=point["strategy"],
                                    allocation="loop_optimal", seed=point["seed"])
    cooperative = point["strategy"] in COOPERATIVE
    mse = result.network_mse if cooperative else result.local_mse[0]
    cycles = result.network_cycles if cooperative else result.local_cycles[0]
    return {"mse": float(mse), "slips": int(sum(result.phase_slips)), "cascade_errors": int(result.cascade_errors),
            "local_errors": int(sum(result.local_errors)), "cycles": int(cycles), "problems": result.problems(),
            "allocation": None if result.allocation is None else result.allocation.to_dict(),
            "seconds": time.perf_counter() - start}


def curves(points, results, taus, omega0):
    """σ_y(τ) per strategy: the best valid T ≤ τ of eq. A20; invalid points are skipped.

    Parameters
    ----------
    points, results : lists of dict
        :func:`fig3_points` and the :func:`fig3_point` results.
    taus : ndarray
        Averaging times (s).
    omega0 : float
        ω0 (rad/s).

    Returns
    -------
    dict of str to ndarray
        σ_y(τ) per strategy (NaN where no valid T ≤ τ exists).
    """
    out = {}
    for strategy in LABELS:
        rows = [(p["T"], r["mse"]) for p, r in zip(points, results) if p["strategy"] == strategy and not r["problems"]]
        sigma = []
        for tau in taus:
            values = [math.sqrt(mse / (T * tau)) / omega0 for T, mse in rows if T <= tau * (1 + 1e-9)]
            sigma.append(min(values) if values else math.nan)
        out[strategy] = np.asarray(sigma)
    return out


def _crossing(taus, sigma, floor_level, factor=math.sqrt(2.0)):
    """First τ at which σ_y√τ comes within ``factor`` of the floor level (log interpolation)."""
    level = sigma * np.sqrt(taus)
    for i in range(1, len(taus)):
        if level[i] <= factor * floor_level and np.isfinite(level[i - 1]):
            a, b = math.log(level[i - 1]), math.log(level[i])
            x = (math.log(factor * floor_level) - a) / (b - a) if b != a else 1.0
            return float(math.exp(math.log(taus[i - 1]) + x * (math.log(taus[i]) - math.log(taus[i - 1]))))
    return math.nan


@renamed_arguments(sig="sigma", K="nodes", N="total_qubits")
def fit_scalings(taus, sigma, nodes, total_qubits, gamma, omega0):
    """The paper's statements (Kómár et al., Nature Physics 10, 582 (2014), eqs. 3–4, Fig. 3), fitted from the curves.

    Slope of (a) for τ ≤ 0.1 s; geometric-mean ratios (b)/(a), (c)/(b),
    (d)/(a) there; the floor σ_y√τ for τ ≥ 300 s; the τ at which (a), (b),
    (d) come within √2 of the lowest floor, and their ratios (Kómár et al., Nature Physics 10, 582 (2014)).

    Parameters
    ----------
    taus : numpy.ndarray, shape (P,)
        Averaging times τ (s).
    sigma : dict of str to numpy.ndarray
        σ_y(τ) per strategy (fractional; NaN where no valid run); ``sig`` is its
        deprecated name.
    nodes : int
        Number of clocks K (``K`` is its deprecated name).
    total_qubits : int
        Total number of atoms N (``N`` is its deprecated name).
    gamma : float
        Single-atom linewidth γ_i (rad/s).
    omega0 : float
        Transition angular frequency ω0 (rad/s).

    Returns
    -------
    dict
        Plain numbers: the fitted slope and ratios, floors (σ_y√τ, s^½),
        crossing times (s) and the paper's values beside them.
    """
    sig, K, N = sigma, nodes, total_qubits
    short = taus <= 0.1
    a = sig["quantum_network"]
    ok = short & np.isfinite(a)
    slope = float(np.polyfit(np.log(taus[ok]), np.log(a[ok]), 1)[0])
    ratio_ba = float(np.exp(np.nanmean(np.log(sig["classical_cooperation"][short] / a[short]))))
    ratio_cb = float(np.exp(np.nanmean(np.log(sig["independent"][short] / sig["classical_cooperation"][short]))))
    ratio_da = float(np.exp(np.nanmean(np.log(sig["classical_network"][short] / a[short]))))
    longest = taus >= 300
    floors = {s: float(np.nanmean(sig[s][longest] * np.sqrt(taus[longest]))) for s in LABELS}
    eq4 = math.sqrt(2 * gamma / N) / omega0  # the floor of network_stability, eq. (4) with its factor 2
    floor = min(floors[s] for s in COOPERATIVE)
    reach = {s: _crossing(taus, sig[s], floor) for s in COOPERATIVE}
    return {
        "slope_a_short": slope, "paper_slope_a": -1.0,
        "ratio_b_over_a_short": ratio_ba, "ratio_c_over_b_short": ratio_cb, "paper_sqrt_K": math.sqrt(K),
        "ratio_d_over_a_short": ratio_da, "paper_sqrt_N_up_to_log": math.sqrt(N / math.log(N / K)),
        "floor_sigma_sqrt_tau": floors, "eq4_floor_sigma_sqrt_tau": eq4,
        "tau_within_sqrt2_of_floor": reach,
        "later_b_over_a": reach["classical_cooperation"] / reach["quantum_network"], "paper_later_b": K,
        "later_d_over_a": reach["classical_network"] / reach["quantum_network"], "paper_later_d": N,
    }


def fig3_points(nodes: int, qubits: int, atom_linewidth_hz: float, transition_frequency_hz: float, *,
                interrogation_times=INTERROGATION_TIMES, cycles: int = 2000, lo_phase: float = 0.1,
                seed: int = 11) -> list[dict]:
    """The sweep points (one per strategy and ``T``) for :func:`fig3_point`; errors name the argument.

    Parameters
    ----------
    nodes : int
        Number of clocks K (≥ 1).
    qubits : int
        Atoms n per clock (≥ 2).
    atom_linewidth_hz : float
        Single-atom linewidth γ_i/2π (Hz, ≥ 0).
    transition_frequency_hz : float
        Transition frequency ν0 (Hz, > 0).
    interrogation_times : sequence of float, optional
        Grid of interrogation times T (s, > 0).
    cycles : int, optional
        Clock cycles per run (≥ 3).
    lo_phase : float, optional
        One cycle's LO phase spread (rad, > 0).
    seed : int, optional
        Root seed of every run.

    Returns
    -------
    list of dict
        One point per strategy and T, as :func:`fig3_point` takes it.

    Raises
    ------
    QClockError
        If a count, frequency, linewidth or time is out of range.
    """
    nodes = check_int(nodes, "nodes", 1)
    qubits = check_int(qubits, "qubits", 2)
    cycles = check_int(cycles, "cycles", 3)
    for value, name in ((atom_linewidth_hz, "atom_linewidth_hz"), (transition_frequency_hz, "transition_frequency_hz"),
                        (lo_phase, "lo_phase")):
        if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise QClockError(f"{name} must be a finite number >= 0, got {value!r}")
    if transition_frequency_hz <= 0 or lo_phase <= 0:
        raise QClockError(f"transition_frequency_hz and lo_phase must be > 0, got {transition_frequency_hz!r} and "
                          f"{lo_phase!r}")
    times = [float(t) for t in interrogation_times]
    if not times or any(not math.isfinite(t) or t <= 0 for t in times):
        raise QClockError(f"interrogation_times must be finite and > 0 (s), got {interrogation_times!r}")
    return [{"strategy": s, "T": T, "K": nodes, "n": qubits, "atom_hz": float(atom_linewidth_hz),
             "nu0": float(transition_frequency_hz), "lo_phase": float(lo_phase), "cycles": cycles, "seed": seed}
            for s in LABELS for T in times]


@dataclass(frozen=True)
class Fig3Result:
    """Fig. 3 from the loop: σ_y(τ) per strategy, closed forms, fitted scalings and the runs behind them.

    Parameters
    ----------
    taus : tuple of float
        Averaging times (s).
    sigma, analytic : dict of str to tuple of float
        Loop (NaN where no valid run) and ``network_stability`` curves per strategy.
    fits : dict
        :func:`fit_scalings`.
    points : tuple of dict
        Every run: its point and result (MSE, slips, cascade errors, problems, allocation, seconds).
    """

    taus: tuple
    sigma: dict
    analytic: dict
    fits: dict
    points: tuple

    def invalid(self) -> list[str]:
        """The runs left out, with their reasons.

        Returns
        -------
        list of str
            One line per run with problems: strategy, T (s) and the reasons.
        """
        return [f"{p['strategy']} T = {p['T']} s: {'; '.join(p['problems'])}" for p in self.points if p["problems"]]

    def to_dict(self) -> dict:
        """Plain JSON-compatible data.

        Returns
        -------
        dict
            The object's data (JSON types only); :meth:`from_dict` reads it back.
        """
        def clean(values):
            return [None if not math.isfinite(v) else v for v in values]

        def plain(value):  # NaN ("not reached") is written as null
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            return None if isinstance(value, float) and not math.isfinite(value) else value

        return {"taus": list(self.taus), "sigma": {k: clean(v) for k, v in self.sigma.items()},
                "analytic": {k: list(v) for k, v in self.analytic.items()}, "fits": plain(self.fits),
                "points": list(self.points)}

    @classmethod
    def from_dict(cls, data) -> "Fig3Result":
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            A dictionary as written by :meth:`to_dict`.

        Returns
        -------
        Fig3Result
            The reconstructed object.
        """
        return cls(tuple(data["taus"]),
                   {k: tuple(math.nan if v is None else v for v in vals) for k, vals in data["sigma"].items()},
                   {k: tuple(v) for k, v in data["analytic"].items()}, _unplain(data["fits"]), tuple(data["points"]))


def _unplain(value):
    if isinstance(value, dict):
        return {k: _unplain(v) for k, v in value.items()}
    return math.nan if value is None else value


def assemble_fig3(points, results) -> Fig3Result:
    """Curves, closed forms and fitted scalings from the :func:`fig3_points` runs and their results.

    Run the points with :func:`qclock_circuits.runtime.run_sweep` (``fig3_point``;
    resumable with a store) or a loop, then pass both lists here.

    Parameters
    ----------
    points : list of dict
        The points of :func:`fig3_points`.
    results : list of dict
        The :func:`fig3_point` result of each point, in the same order.

    Returns
    -------
    Fig3Result
        σ_y(τ) per strategy, the closed forms, the fitted scalings and every run.

    Raises
    ------
    QClockError
        If the lists are empty or differ in length.
    """
    from .cascade_budget import network_stability

    if len(points) != len(results) or not points:
        raise QClockError(f"points and results must be non-empty lists of one length, got {len(points)} and "
                          f"{len(results)}")
    first = points[0]
    nodes, qubits = int(first["K"]), int(first["n"])
    omega0 = 2 * math.pi * first["nu0"]
    gamma = 2 * math.pi * first["atom_hz"]
    N = nodes * qubits
    taus = np.geomspace(min(p["T"] for p in points), 1e4, 19)
    sig = curves(points, results, taus, omega0)
    analytic = {s: network_stability(s, N, nodes, taus, gamma, omega0=omega0) for s in LABELS}
    fits = fit_scalings(taus, sig, nodes, N, gamma, omega0)
    return Fig3Result(tuple(float(t) for t in taus), {s: tuple(float(v) for v in sig[s]) for s in LABELS},
                      {s: tuple(float(v) for v in analytic[s]) for s in LABELS}, fits,
                      tuple(dict(p, **r) for p, r in zip(points, results)))
