"""The closed feedback loop of a network of K clocks (Kómár et al., main text eqs. 1–4, Fig. 3, appendix C).

Units and signs
---------------
Time in seconds when the local oscillators (LOs) carry a coherence time in
seconds (``LocalOscillatorNoise.from_h(..., transition_frequency)``, as
:meth:`ClockNetwork.local_oscillator` builds them), otherwise in the common
unit of the LOs' dimensionless coefficients. Frequencies are angular
deviations ``ω_j = ω0 − ω_LO,j`` (rad per time unit, CONVENTIONS.md); the
phase of node ``j`` in cycle ``k`` is

    φ_j = (ω̄^R_j − c_j) T,                                             (Kómár et al. eq. 1, per node)

with ``ω̄^R_j`` the free-running LO frequency averaged over the Ramsey window
and ``c_j`` the correction applied to that LO. The paper's detuning
``δ_j = ν_j − ω0`` is ``−(ω_j − c_j)`` here; its centre-of-mass phase
``Φ_LO = δ_COM T`` is ``−Φ``, with ``Φ = Σ_j w_j φ_j`` and weights
``w_j = c_j/Σc`` from the node shares (eq. C2; ``1/K`` for equal nodes).
Recorded fractional frequencies are ``y = ω/ω0`` averaged over the whole
cycle ``T_C = T + T_D`` (dead time included).

One cycle
---------
1. Every node's phase ``φ_j`` is formed from its LO trace
   (:meth:`LocalOscillatorNoise.iter_blocks`, exact window means).
2. Measurement, by strategy (Kómár et al. Fig. 3):

   * ``"quantum_network"`` (a): the cascaded GHZ estimate ``Φ̂`` over all
     nodes that are connected (appendix A; the same digit extraction as
     :func:`~qclock_circuits.network.cascade.network_phase_measurement`, here
     compiled into the loop). The level-0 qubits of node ``j`` give it a local
     estimate ``φ̂_j``.
   * ``"classical_cooperation"`` (b): each node runs its own cascade on its
     ``n_j`` qubits (``optimal_copies(n_j, 1)``) and the centre averages,
     ``Φ̂ = Σ w_j φ̂_j``;
   * ``"independent"`` (c): as (b) without averaging;
   * ``"classical_network"`` (d): each node reads its ``n_j`` qubits
     uncorrelated (both quadratures) and the centre averages;
   * ``"classical_independent"`` (e): as (d) without averaging.

3. Each node's best knowledge of its own phase: with the network up,
   ``φ̂_j = Φ̂ + (φ_j − Φ)`` — the second term is known classically from the
   heterodyne beats of the LOs against the centre (main text); otherwise its
   local estimate.
4. Feedback (appendix C1), integrating servos ``x ← x + g·ê/T``:

   * ``"full"``: every LO is steered by ``φ̂_j``, so every node carries the
     stabilised signal (Kómár et al.: ``δ̃_j = δ̃_COM + (ν_j − ν_COM)``);
   * ``"centre"``: only the centre's synthesised centre-of-mass signal is
     steered by ``Φ̂``; each LO keeps its own local loop on its local estimate
     (or free-runs with ``local_loop=False``);
   * ``"regional"``: each region ``R`` synthesises ``Σ_{j∈R} ν_j/|R|`` and
     steers it with ``δ̃_COM + Σ_{j∈R}(ν_j − ν_COM)/|R|``; LOs keep local loops.

   The centre-of-mass output ``Σ_j w_j ω̄_j − A`` is always recorded; its
   correction ``A`` integrates ``Σ_j w_j φ̂_j + (Σ_j w_j c_j − A) T``.
   In full feedback ``A = Σ_j w_j c_j`` at all times.

Outages (Kómár et al.: "the nodes can fall back to an independent clock operation"):
a node whose link is down, or every node while the centre is down, leaves
the network for those cycles and runs its own cascade on all its qubits with
its local loop; a region or the centre-of-mass output then follows the mean
of the local estimates it still has.

Individual-qubit dephasing (Kómár et al., Nature Physics 10, 582 (2014),
eq. A39, with the unequal nodes of appendix C3): node ``j``'s qubits have
linewidth ``γ_j`` (rad/s); a GHZ state holding ``c_j D^(i−1)`` qubits of each
node keeps the parity contrast ``exp(−D^(i−1) T Σ_j c_j γ_j / 2)``, a
level-0 qubit ``exp(−γ_j T/2)``; the estimate tables assume the contrast of
the full network's states.

Latency (appendix C2): with one-way delays ``L_j`` the GHZ qubits of the
quantum network wait ``max L_j`` for the teleportation outcomes (echo pulses
cancel the LO phase over this known wait, the qubits keep dephasing, and the
wait adds to the dead time), every qubit is read exactly ``T`` after its
Ramsey pulse, and the corrections of the cooperative strategies act
``⌈2 max L_j / T_C⌉`` cycles late; each servo then subtracts the corrections
it has issued that have not yet taken effect (a Smith predictor), which is
the plain integrator when there is no delay.
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numba
import numpy as np

from .._progress import progress_callback
from .._validation import QClockError, check_choice, check_cycle_times, check_finite, check_int, check_seed
from ..clock.allan import AllanResult, overlapping_adev
from ..clock.noise import LocalOscillatorNoise
from .cascade import CascadeAllocation, estimate_level_phase, node_shares_for
from .cascade_budget import STRATEGIES, loop_optimal_allocation, optimal_copies
from .topology import ClockNetwork

__all__ = [
    "FEEDBACK_MODES",
    "Outage",
    "NetworkClockResult",
    "simulate_network_clock",
    "local_allocation",
    "node_latencies",
    "feedback_delay_cycles",
]

#: Degrees of feedback of Kómár et al. appendix C1.
FEEDBACK_MODES = ("full", "centre", "regional")
_CENTRE_WORDS = ("centre", "center")
_QUANTUM, _CASCADE, _CLASSICAL = 0, 1, 2
_TWO_PI = 2.0 * math.pi


# ----------------------------------------------------------------------------- outages
@dataclass(frozen=True)
class Outage:
    """A link (``target`` = a node name) or the centre (``target = "centre"``) down for cycles ``[start, stop)``.

    ``stop = None``: down until the end of the run. Naming the centre node
    itself is the same as ``"centre"``: every node then runs alone.

    Parameters
    ----------
    target : str
        Node name whose link is down, or ``"centre"``.
    start : int
        First cycle of the outage (≥ 0).
    stop : int or None, optional
        First cycle after the outage; None for the rest of the run.

    Raises
    ------
    QClockError
        If ``target`` is not a name, or ``start``/``stop`` are not valid cycles.
    """

    target: str
    start: int
    stop: int | None = None

    def __post_init__(self):
        if not isinstance(self.target, (str, numbers.Integral)) or isinstance(self.target, bool):
            raise QClockError(f"outage target must be a node name or 'centre', got {self.target!r}")
        object.__setattr__(self, "target", str(self.target))
        start = check_int(self.start, "outage start", 0)
        object.__setattr__(self, "start", start)
        if self.stop is not None:
            stop = check_int(self.stop, "outage stop", 0)
            if stop <= start:
                raise QClockError(f"outage stop must be > start = {start} (cycles), got {stop}")
            object.__setattr__(self, "stop", stop)

    def to_dict(self) -> dict:
        """Plain JSON-compatible data.

        Returns
        -------
        dict
            The object's data (JSON types only); :meth:`from_dict` reads it back.
        """
        return {"target": self.target, "start": self.start, "stop": self.stop}

    @classmethod
    def from_dict(cls, data: Mapping) -> "Outage":
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            A dictionary as written by :meth:`to_dict`.

        Returns
        -------
        Outage
            The reconstructed object.
        """
        return cls(data["target"], int(data["start"]), None if data.get("stop") is None else int(data["stop"]))


def _outages(outages, names: tuple[str, ...]) -> tuple[Outage, ...]:
    out = []
    for k, entry in enumerate(outages or ()):
        if isinstance(entry, Outage):
            item = entry
        elif isinstance(entry, Mapping):
            item = Outage.from_dict(entry)
        elif isinstance(entry, Sequence) and not isinstance(entry, str) and len(entry) in (2, 3):
            item = Outage(*entry)
        else:
            raise QClockError(f"outages[{k}] must be an Outage, a mapping or (target, start[, stop]), got {entry!r}")
        if item.target not in _CENTRE_WORDS and item.target not in names:
            raise QClockError(f"outages[{k}].target must be 'centre' or a node of {list(names)}, got {item.target!r}")
        out.append(item)
    return tuple(out)


def _active_block(outages, names, centre: str, start: int, count: int) -> np.ndarray:
    """``(count, K)`` mask: node connected to the network in cycles ``start .. start+count−1``."""
    active = np.ones((count, len(names)), dtype=np.bool_)
    cycles = np.arange(start, start + count)
    for item in outages:
        down = (cycles >= item.start) & (cycles < (item.stop if item.stop is not None else np.inf))
        if not np.any(down):
            continue
        if item.target in _CENTRE_WORDS or item.target == centre:
            active[down, :] = False
        else:
            active[down, names.index(item.target)] = False
    return active


# ----------------------------------------------------------------------------- result
def _adev_dict(result: AllanResult | None):
    return None if result is None else result.to_dict()


def _adev_from(data):
    return None if data is None else AllanResult.from_dict(data)


#: Largest fraction of network cycles whose cascade may miss Φ before a run counts as failed.
MAX_CASCADE_ERROR_RATE = 0.05
#: Most cycles one network-clock run accepts (the loop runs about 5×10⁵ cycles/s for 10 clocks,
#: benchmarks/RESULTS.md: 10⁹ cycles is already about an hour).
MAX_NETWORK_CYCLES = 10**9


@dataclass(frozen=True, eq=False)
class NetworkClockResult:
    """Outcome of :func:`simulate_network_clock`.

    Parameters
    ----------
    strategy, feedback : str
        The strategy (one of :data:`STRATEGIES`) and the feedback
        (``"full"``, ``"centre"`` or ``"regional"``).
    node_names : tuple of str
        The clocks, in the order of the per-node arrays.
    centre : str
        The node that holds the centre of the network.
    interrogation_time, dead_time : float
        ``T`` and ``T_D`` (s, or the LOs' unit).
    cycles, bin_size : int
        Cycles run; cycles averaged per recorded sample (the last bin may be shorter).
    transition_frequency : float or None
        ``ν0`` (Hz) used for ``y = ω/(2πν0)``; ``None``: ``y`` is ``ω`` itself.
    com_frequency : ndarray, shape (bins,)
        Fractional frequency of the stabilised centre-of-mass signal.
    node_frequency : ndarray, shape (bins, K)
        Fractional frequency of the signal available at each node (its LO in
        ``"full"`` and ``"centre"`` feedback, its region's signal in ``"regional"``).
    com_adev : AllanResult
        Overlapping Allan deviation of the full-resolution centre-of-mass
        trace (τ in s), octave averaging times.
    node_adev : tuple of AllanResult
        The same for each node's signal.
    phase_slips : tuple of int
        Per node, cycles with ``|φ_j| ≥ π`` (undetectable by the cascade, Kómár et al. eq. A27).
    cascade_errors : int
        Network cycles whose ``Φ̂`` missed ``Φ`` by more than half the finest
        branch ``π/(C D^(M−1))`` (wrong digit or slip; quantum network only).
    local_errors : tuple of int
        Per node, cycles run on its own cascade whose estimate missed ``φ_j``
        by more than half its finest branch.
    network_cycles : int
        Cycles with a network estimate (cooperative strategies, network up).
    network_mse : float or None
        Mean of ``(Φ̂ − Φ)²`` (rad²) over those cycles.
    local_mse : tuple of (float or None)
        Per node, mean of ``(φ̂_j − φ_j)²`` over the cycles it ran on its own cascade.
    local_cycles : tuple of int
        Per node, cycles it ran on its own cascade (independent strategies, outages).
    outages : tuple of Outage
        The outages of the run.
    allocation : CascadeAllocation or None
        The network cascade (quantum network only).
    wait_time : float
        Distribution wait added to each cycle's dead time (s; ``max L_j``, quantum network only).
    feedback_delay : int
        Cycles by which corrections act late (:func:`feedback_delay_cycles`).
    """

    strategy: str
    feedback: str
    node_names: tuple
    centre: str
    interrogation_time: float
    dead_time: float
    cycles: int
    bin_size: int
    transition_frequency: float | None
    com_frequency: np.ndarray
    node_frequency: np.ndarray
    com_adev: AllanResult
    node_adev: tuple
    phase_slips: tuple
    cascade_errors: int
    local_errors: tuple
    network_cycles: int
    network_mse: float | None
    local_mse: tuple
    local_cycles: tuple = ()
    outages: tuple = ()
    allocation: CascadeAllocation | None = None
    wait_time: float = 0.0
    feedback_delay: int = 0

    def problems(self, max_error_rate: float = MAX_CASCADE_ERROR_RATE) -> list[str]:
        """What makes this run unusable as a stable clock (empty when nothing does).

        A phase slip (``|φ_j| ≥ π`` at some node, Kómár et al., Nature Physics 10, 582 (2014), eq. (A27)) means the
        cascade can no longer tell the LO's phase: the loop has lost lock. A
        network cascade that misses ``Φ`` in more than ``max_error_rate`` of its
        cycles does not stabilise the centre of mass. In either case the Allan
        deviation of the run is not the clock's stability.

        Parameters
        ----------
        max_error_rate : float, optional
            Largest tolerated fraction of network cycles with a cascade error.

        Returns
        -------
        list of str
            The reasons (phase slips, cascade errors); empty for a usable run.
        """
        found = []
        slips = int(sum(self.phase_slips))
        if slips:
            found.append(f"{slips} phase slips (|phi| >= pi at a node: the loop lost lock; shorten the "
                         "interrogation time)")
        if self.network_cycles and self.cascade_errors > max_error_rate * self.network_cycles:
            found.append(f"cascade errors in {self.cascade_errors} of {self.network_cycles} cycles "
                         f"(more than {100 * max_error_rate:g}%)")
        return found

    def to_dict(self) -> dict:
        """Plain JSON-compatible data.

        Returns
        -------
        dict
            The object's data (JSON types only); :meth:`from_dict` reads it back.
        """
        return {
            "strategy": self.strategy, "feedback": self.feedback, "node_names": list(self.node_names),
            "centre": self.centre, "interrogation_time": self.interrogation_time, "dead_time": self.dead_time,
            "cycles": self.cycles, "bin_size": self.bin_size, "transition_frequency": self.transition_frequency,
            "com_frequency": self.com_frequency.tolist(), "node_frequency": self.node_frequency.tolist(),
            "com_adev": _adev_dict(self.com_adev), "node_adev": [_adev_dict(a) for a in self.node_adev],
            "phase_slips": list(self.phase_slips), "cascade_errors": self.cascade_errors,
            "local_errors": list(self.local_errors), "network_cycles": self.network_cycles,
            "network_mse": self.network_mse, "local_mse": list(self.local_mse),
            "local_cycles": list(self.local_cycles),
            "outages": [o.to_dict() for o in self.outages],
            "allocation": None if self.allocation is None else self.allocation.to_dict(),
            "wait_time": self.wait_time, "feedback_delay": self.feedback_delay,
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> "NetworkClockResult":
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            A dictionary as written by :meth:`to_dict`.

        Returns
        -------
        NetworkClockResult
            The reconstructed object.
        """
        names = tuple(str(n) for n in data["node_names"])
        node_frequency = np.asarray(data["node_frequency"], dtype=float).reshape(-1, len(names))
        return cls(
            strategy=str(data["strategy"]), feedback=str(data["feedback"]), node_names=names,
            centre=str(data["centre"]), interrogation_time=float(data["interrogation_time"]),
            dead_time=float(data["dead_time"]), cycles=int(data["cycles"]), bin_size=int(data["bin_size"]),
            transition_frequency=None if data["transition_frequency"] is None else float(data["transition_frequency"]),
            com_frequency=np.asarray(data["com_frequency"], dtype=float), node_frequency=node_frequency,
            com_adev=_adev_from(data["com_adev"]), node_adev=tuple(_adev_from(a) for a in data["node_adev"]),
            phase_slips=tuple(int(v) for v in data["phase_slips"]), cascade_errors=int(data["cascade_errors"]),
            local_errors=tuple(int(v) for v in data["local_errors"]), network_cycles=int(data["network_cycles"]),
            network_mse=None if data["network_mse"] is None else float(data["network_mse"]),
            local_mse=tuple(None if v is None else float(v) for v in data["local_mse"]),
            local_cycles=tuple(int(v) for v in data.get("local_cycles", ())),
            outages=tuple(Outage.from_dict(o) for o in data.get("outages", ())),
            allocation=None if data.get("allocation") is None else CascadeAllocation.from_dict(data["allocation"]),
            wait_time=float(data.get("wait_time", 0.0)), feedback_delay=int(data.get("feedback_delay", 0)),
        )


# ----------------------------------------------------------------------------- compiled loop
@numba.njit(cache=True)
def _wrap(x):
    return x - 2.0 * np.pi * np.floor((x + np.pi) / (2.0 * np.pi))


@numba.njit(cache=True)
def _read(rng, theta, n_cos, n_sin, contrast, tables, offset):
    """Sample the parity counts of one level at phase ``theta`` and return the tabulated estimate."""
    p_cos = min(max(0.5 * (1.0 + contrast * np.cos(theta)), 0.0), 1.0)
    p_sin = min(max(0.5 * (1.0 + contrast * np.sin(theta)), 0.0), 1.0)
    kc = rng.binomial(n_cos, p_cos) if n_cos > 0 else 0
    ks = rng.binomial(n_sin, p_sin) if n_sin > 0 else 0
    return tables[offset + kc * (n_sin + 1) + ks]


@numba.njit(cache=True)
def _local_estimate(rng, phase, j, contrast0, tables, l0_off, l0_cos, l0_sin, l0_shrink,
                    lv_first, lv_count, lv_off, lv_cos, lv_sin, lv_contrast, base):
    """A node's own cascade (or uncorrelated reading) of its phase; returns (estimate, finest size)."""
    estimate = _read(rng, phase, l0_cos[j], l0_sin[j], contrast0, tables, l0_off[j]) * l0_shrink[j]
    size = base
    for i in range(lv_first[j], lv_first[j] + lv_count[j]):
        theta = _read(rng, size * phase, lv_cos[i], lv_sin[i], lv_contrast[i], tables, lv_off[i])
        estimate += _wrap(theta - size * estimate) / size
        size *= base
    return estimate, size / base if lv_count[j] > 0 else 1.0


@numba.njit(cache=True)
def _network_kernel(rng, ramsey, dead, active, interrogation_time, dead_time, kind, cooperative, feedback,
                    gain, local_gain, local_loop, weights, shares, region_of, gammas, uniform_gamma, ghz_time,
                    tables,
                    n0_off, n0_cos, n0_sin, n0_shrink, nv_off, nv_cos, nv_sin, net_base,
                    l0_off, l0_cos, l0_sin, l0_shrink, lv_first, lv_count, lv_off, lv_cos, lv_sin, lv_contrast,
                    loc_base, correction, com_correction, region_correction, slips, local_errors, local_sq,
                    local_count, totals, out_node, out_com, pending_node, pending_com, pending_region, ring):
    """Run one block of cycles (module docstring, steps 1–4); state arrays are updated in place.

    ``kind``: 0 network cascade, 1 local cascades, 2 uncorrelated readings;
    ``feedback``: index into :data:`FEEDBACK_MODES`; ``totals``: network
    cycles, cascade errors, sum of ``(Φ̂ − Φ)²``. ``gammas``: single-qubit
    linewidth per node; ``ghz_time``: how long the network's GHZ qubits
    dephase (``T`` plus the distribution wait). ``pending_*``: corrections
    issued but not yet applied (feedback delay = their first dimension; the
    servos subtract them, a Smith predictor), ``ring[0]`` the slot of the oldest.
    """
    cycles, nodes = ramsey.shape
    regions = region_correction.shape[0]
    cycle_time = interrogation_time + dead_time
    T = interrogation_time
    contrast0 = np.exp(-0.5 * gammas * T)
    delay = pending_node.shape[0]
    inc_node = np.zeros(nodes)
    inc_region = np.zeros(regions)
    phase = np.empty(nodes)
    local = np.empty(nodes)
    best = np.empty(nodes)
    region_est = np.zeros(regions)
    region_corr_mean = np.zeros(regions)
    region_free = np.zeros(regions)
    region_size = np.zeros(regions)
    levels = nv_off.shape[0]
    for k in range(cycles):
        for j in range(nodes):
            phase[j] = (ramsey[k, j] - correction[j]) * T
            if abs(phase[j]) >= np.pi:
                slips[j] += 1
        # which nodes form the network this cycle
        wsum = 0.0
        csum = 0.0
        gsum = 0.0
        for j in range(nodes):
            if cooperative and active[k, j]:
                wsum += weights[j]
                csum += shares[j]
                gsum += shares[j] * gammas[j]
        # linewidth of one share of a GHZ state: Σ c_j γ_j / Σ c_j (Kómár et al. appendix C3)
        gamma_ghz = gammas[0] if uniform_gamma else (gsum / csum if csum > 0 else 0.0)
        network = cooperative and wsum > 0.0
        com_true = 0.0
        com_coarse = 0.0
        for j in range(nodes):
            in_net = network and active[k, j]
            if in_net and kind == 0:
                # level 0 of the network cascade: this node's uncorrelated qubits
                local[j] = _read(rng, phase[j], n0_cos[j], n0_sin[j], contrast0[j], tables, n0_off[j]) * n0_shrink[j]
            else:
                local[j], finest = _local_estimate(rng, phase[j], j, contrast0[j], tables, l0_off, l0_cos, l0_sin,
                                                   l0_shrink, lv_first, lv_count, lv_off, lv_cos, lv_sin,
                                                   lv_contrast, loc_base)
                error = local[j] - phase[j]
                local_sq[j] += error * error
                local_count[j] += 1
                if abs(error) * finest > np.pi:
                    local_errors[j] += 1
            if in_net:
                com_true += weights[j] * phase[j] / wsum
                com_coarse += weights[j] * local[j] / wsum
        if network:
            estimate = com_coarse
            if kind == 0:
                size = csum
                for i in range(levels):
                    # the GHZ states of the nodes connected now (the tables assume the full network's)
                    contrast = np.exp(-0.5 * gamma_ghz * ghz_time * size)
                    theta = _read(rng, size * com_true, nv_cos[i], nv_sin[i], contrast, tables, nv_off[i])
                    estimate += _wrap(theta - size * estimate) / size
                    size *= net_base
                if levels > 0 and abs(estimate - com_true) * size / net_base > np.pi:
                    totals[1] += 1
            error = estimate - com_true
            totals[0] += 1
            totals[2] += error * error
            for j in range(nodes):
                best[j] = estimate + (phase[j] - com_true) if active[k, j] else local[j]
        else:
            for j in range(nodes):
                best[j] = local[j]
        # outputs of this cycle (before the corrections change)
        com_out = 0.0
        com_corr = 0.0
        com_best = 0.0
        for r in range(regions):
            region_est[r] = 0.0
            region_corr_mean[r] = 0.0
            region_free[r] = 0.0
            region_size[r] = 0.0
        for j in range(nodes):
            free = (T * ramsey[k, j] + dead_time * dead[k, j]) / cycle_time
            out_node[k, j] = free - correction[j]
            com_out += weights[j] * free
            com_corr += weights[j] * correction[j]
            com_best += weights[j] * best[j]
            r = region_of[j]
            if r >= 0:
                region_est[r] += best[j]
                region_corr_mean[r] += correction[j]
                region_free[r] += free
                region_size[r] += 1.0
        out_com[k] = com_out - com_correction[0]
        if feedback == 2:
            for j in range(nodes):
                r = region_of[j]
                if r >= 0:
                    out_node[k, j] = region_free[r] / region_size[r] - region_correction[r]
        # servos
        com_error = com_best + (com_corr - com_correction[0]) * T
        if delay == 0:
            com_correction[0] += gain * com_error / T
            for r in range(regions):
                if region_size[r] > 0:
                    region_error = (region_est[r] + region_corr_mean[r] * T) / region_size[r] \
                        - region_correction[r] * T
                    region_correction[r] += gain * region_error / T
            for j in range(nodes):
                if feedback == 0 or not cooperative:
                    correction[j] += gain * best[j] / T
                elif local_loop:
                    correction[j] += local_gain * local[j] / T
            continue
        # delayed feedback: each servo subtracts what it has issued and not yet seen take effect
        inc_com = gain * com_error / T
        for s in range(delay):
            inc_com -= pending_com[s]
        for r in range(regions):
            inc_region[r] = 0.0
            if region_size[r] > 0:
                region_error = (region_est[r] + region_corr_mean[r] * T) / region_size[r] - region_correction[r] * T
                inc_region[r] = gain * region_error / T
                for s in range(delay):
                    inc_region[r] -= pending_region[s, r]
        for j in range(nodes):
            inc_node[j] = 0.0
            if feedback == 0 or not cooperative:
                inc_node[j] = gain * best[j] / T
            elif local_loop:
                inc_node[j] = local_gain * local[j] / T
            else:
                continue
            for s in range(delay):
                inc_node[j] -= pending_node[s, j]
        oldest = ring[0]
        com_correction[0] += pending_com[oldest]
        pending_com[oldest] = inc_com
        for r in range(regions):
            region_correction[r] += pending_region[oldest, r]
            pending_region[oldest, r] = inc_region[r]
        for j in range(nodes):
            correction[j] += pending_node[oldest, j]
            pending_node[oldest, j] = inc_node[j]
        ring[0] = (oldest + 1) % delay


# ----------------------------------------------------------------------------- set-up helpers
class _Tables:
    """Estimate tables of all levels packed into one flat array (offsets into it)."""

    def __init__(self):
        self.parts: list[np.ndarray] = []
        self.size = 0
        self.index: dict = {}

    def add(self, copies: int, contrast: float) -> tuple[int, int, int]:
        """Offset, cosine and sine copy numbers of the table for ``copies`` parities at ``contrast``."""
        n_cos, n_sin = (copies + 1) // 2, copies // 2
        key = (copies, round(contrast, 15))
        if key not in self.index:
            kc, ks = np.meshgrid(np.arange(n_cos + 1), np.arange(n_sin + 1), indexing="ij")
            table = np.asarray(estimate_level_phase(kc, ks, copies, contrast), dtype=float).ravel()
            self.index[key] = self.size
            self.parts.append(table)
            self.size += table.size
        return self.index[key], n_cos, n_sin

    def array(self) -> np.ndarray:
        return np.ascontiguousarray(np.concatenate(self.parts)) if self.parts else np.zeros(1)


def local_allocation(qubits: int, strategy: str = "independent", *, individual_dephasing=None,
                     node_phase_width=None) -> CascadeAllocation | None:
    """The cascade a single node runs on its own ``qubits`` (from ``optimal_copies(qubits, 1)``).

    With ``individual_dephasing`` (``γ T``, dimensionless) the cascade comes
    from :func:`~.cascade_budget.loop_optimal_allocation` for that dephasing
    and ``node_phase_width`` (rad, or a callable of the level-0 qubits) instead.

    With one node the first level of ``optimal_copies`` holds single qubits,
    which read ``φ_j`` exactly as level 0 does; they are merged into level 0
    (one joint estimate instead of a digit read between two estimates of the
    same phase), so the returned allocation has node share ``D`` and GHZ sizes
    ``D, D², …``. ``None``: all qubits uncorrelated — the classical strategies,
    or a node whose best cascade has no entangled level.

    Parameters
    ----------
    qubits : int
        Qubits of the node (≥ 1).
    strategy : str, optional
        One of :data:`STRATEGIES`.
    individual_dephasing : float, optional
        ``γ T`` of the node's qubits (dimensionless).
    node_phase_width : float or callable, optional
        Prior width of the node phase (rad), or a function of the level-0 qubits.

    Returns
    -------
    CascadeAllocation or None
        The node's cascade, or None when it runs uncorrelated qubits only.

    Raises
    ------
    QClockError
        If ``qubits`` < 1 or the strategy is unknown.
    """
    qubits = check_int(qubits, "qubits", 1)
    check_choice(strategy, "strategy", STRATEGIES)
    if strategy in ("classical_network", "classical_independent") or qubits < 2:
        return None
    try:
        if individual_dephasing is None:
            found = optimal_copies(qubits, 1)
        else:
            found = loop_optimal_allocation([qubits], individual_dephasing=individual_dephasing,
                                            node_phase_width=node_phase_width)
    except QClockError:
        return None
    # on one node the first "GHZ" level holds single qubits: they read φ_j like level 0, so they join it
    uncorrelated = found.uncorrelated[0] + found.copies[0]
    if found.levels == 1:
        return None
    return CascadeAllocation((found.base,), (uncorrelated,), found.copies[1:], found.base, qubits)


def _prior_specs(node_phase_width, los, period_units) -> tuple:
    """Hashable description of each node's prior: ``("auto", LO part)``, ``("fixed", width)`` or ``None``."""
    if isinstance(node_phase_width, str) and node_phase_width == "auto":
        return tuple(("auto", 2.0 * float(lo.analytic_avar(T)) * T ** 2) for lo, T in zip(los, period_units))
    widths = _widths(node_phase_width, los, period_units, [1] * len(los))
    return tuple(None if w is None else ("fixed", w) for w in widths)


def _width_of(spec, level0: int):
    """The prior width a node with ``level0`` uncorrelated qubits has (rule of ``_widths``)."""
    if spec is None:
        return None
    if spec[0] == "fixed":
        return spec[1]
    return math.sqrt(spec[1] + 1.0 / max(level0, 1))


@functools.lru_cache(maxsize=256)
def _local_loop_optimal(qubits: int, strategy: str, dephasing: float, spec) -> CascadeAllocation | None:
    return local_allocation(qubits, strategy, individual_dephasing=dephasing,
                            node_phase_width=None if spec is None else (lambda level0: _width_of(spec, level0[0])))


@functools.lru_cache(maxsize=64)
def _network_loop_optimal(counts: tuple, shares: tuple, dephasing: tuple, specs: tuple) -> CascadeAllocation:
    from .cascade_budget import _default_reference

    reference = _default_reference(sum(counts), len(counts), tuple(shares), 2)

    def prior(level0):
        widths = [_width_of(spec, u) for spec, u in zip(specs, level0)]
        return None if widths[0] is None else widths

    return loop_optimal_allocation(counts, node_phase_width=prior, node_shares=shares, individual_dephasing=dephasing,
                                   reference=reference)


def _shrink(qubits: int, width: float | None, contrast: float) -> float:
    """Posterior-mean shrinkage ``u V²/(u V² + σ^{−2})`` of a level-0 estimate (1 for a flat prior)."""
    if width is None or qubits == 0:
        return 1.0
    info = qubits * contrast ** 2
    return info / (info + width ** -2)


def _resolve_nodes(clocks, qubits, node_names, dead_time_s):
    """(names, LOs, qubit numbers, centre, transition frequency, atom linewidth from the network)."""
    if isinstance(clocks, ClockNetwork):
        if qubits is not None:
            raise QClockError("qubits comes from the ClockNetwork's node attributes; pass qubits=None")
        names = clocks.nodes
        los = tuple(clocks.local_oscillator(n, dead_time=dead_time_s) for n in names)
        counts = tuple(clocks.qubits(n) for n in names)
        centre = clocks.distribution_center()
        freqs = {clocks.graph.nodes[n]["transition_frequency_hz"] for n in names}
        if len(freqs) != 1:
            raise QClockError(f"all clocks must share one transition frequency (one atomic species), got {sorted(freqs)}")
        linewidths = [clocks.graph.nodes[n].get("atom_linewidth_hz") for n in names]
        gammas = tuple(0.0 if w is None else _TWO_PI * float(w) for w in linewidths)
        return names, los, counts, centre, float(next(iter(freqs))), gammas
    if isinstance(clocks, LocalOscillatorNoise) or not isinstance(clocks, Sequence) or len(clocks) == 0:
        raise TypeError("clocks must be a ClockNetwork or a non-empty sequence of LocalOscillatorNoise, "
                        f"got {type(clocks).__name__}")
    for k, lo in enumerate(clocks):
        if not isinstance(lo, LocalOscillatorNoise):
            raise TypeError(f"clocks[{k}] must be a LocalOscillatorNoise, got {type(lo).__name__}")
    if qubits is None:
        raise QClockError("qubits (one integer per clock, or one for all) is needed with explicit LOs")
    counts = (qubits,) * len(clocks) if isinstance(qubits, numbers.Integral) else tuple(qubits)
    if len(counts) != len(clocks):
        raise QClockError(f"qubits must have one entry per clock ({len(clocks)}), got {len(counts)}")
    counts = tuple(check_int(q, f"qubits[{k}]", 1) for k, q in enumerate(counts))
    names = tuple(str(k) for k in range(len(clocks))) if node_names is None else tuple(str(n) for n in node_names)
    if len(names) != len(clocks) or len(set(names)) != len(names):
        raise QClockError(f"node_names must be {len(clocks)} distinct names, got {node_names!r}")
    timed = {lo.coherence_time is not None for lo in clocks}
    if len(timed) != 1:
        raise QClockError("clocks must all carry a coherence time in seconds or all be dimensionless, got a mix")
    freqs = {lo.transition_frequency for lo in clocks}
    if len(freqs) != 1:
        raise QClockError(f"all clocks must share one transition frequency, got {sorted(map(str, freqs))}")
    return names, tuple(clocks), counts, names[0], next(iter(freqs)), (0.0,) * len(clocks)


def _node_linewidths(atom_linewidth, names, from_network) -> tuple[float, ...]:
    """``γ_j`` (rad/s) per node: a scalar ``≥ 0`` for all, one ``> 0`` per node, or the network's."""
    if atom_linewidth is None:
        return tuple(float(g) for g in from_network)
    if isinstance(atom_linewidth, numbers.Real) and not isinstance(atom_linewidth, bool):
        gamma = check_finite(atom_linewidth, "atom_linewidth")
        if gamma < 0:
            raise QClockError(f"atom_linewidth must be >= 0 (rad/s), got {gamma}")
        return (gamma,) * len(names)
    if isinstance(atom_linewidth, str) or not isinstance(atom_linewidth, Sequence | np.ndarray):
        raise TypeError(f"atom_linewidth must be a number or one per node, got {type(atom_linewidth).__name__}")
    if len(atom_linewidth) != len(names):
        raise QClockError(f"atom_linewidth must have one entry per node ({len(names)}), got {len(atom_linewidth)}")
    out = []
    for name, value in zip(names, atom_linewidth):
        value = check_finite(value, f"atom_linewidth of node {name!r}")
        if value <= 0:
            raise QClockError(f"atom_linewidth of node {name!r} must be > 0 (rad/s; give one number, 0, for "
                              f"no dephasing), got {value}")
        out.append(value)
    return tuple(out)


def node_latencies(clocks, names, centre, latency) -> tuple[float, ...]:
    """One-way delay (s) between the centre and each node (Kómár et al., Nature Physics 10, 582 (2014), app. C2).

    Parameters
    ----------
    clocks : ClockNetwork or sequence of LocalOscillatorNoise
        The network (link lengths give the latencies) or the nodes' LOs.
    names : sequence of str
        Node names, in the loop's order.
    centre : str
        The centre node.
    latency : None, float or sequence of float
        ``None``: from a :class:`ClockNetwork`, the smallest sum of the
        edges' ``latency_s`` on a path from the centre (0 for explicit LOs); a
        number: the same for every node but the centre; a sequence: one per node.

    Returns
    -------
    tuple of float
        ``L_j`` (s) per node.

    Raises
    ------
    QClockError
        A negative or non-finite delay (the node is named), or a sequence of the wrong length.
    """
    if latency is None:
        if not isinstance(clocks, ClockNetwork):
            return (0.0,) * len(names)
        import networkx as nx

        lengths = nx.single_source_dijkstra_path_length(clocks.graph, centre, weight="latency_s")
        return tuple(float(lengths[n]) for n in names)
    if isinstance(latency, numbers.Real) and not isinstance(latency, bool):
        value = check_finite(latency, "latency")
        if value < 0:
            raise QClockError(f"latency must be >= 0 (s, one way between the centre and a node), got {value}")
        return tuple(0.0 if n == centre else value for n in names)
    if isinstance(latency, str) or not isinstance(latency, Sequence | np.ndarray) or len(latency) != len(names):
        raise QClockError(f"latency must be None, a delay (s) or one delay per node ({len(names)}), got {latency!r}")
    out = []
    for name, value in zip(names, latency):
        value = check_finite(value, f"latency of node {name!r}")
        if value < 0:
            raise QClockError(f"latency of node {name!r} must be >= 0 (s), got {value}")
        out.append(value)
    return tuple(out)


def feedback_delay_cycles(latencies, cycle_time: float) -> int:
    """Cycles between a measurement and the cycle its correction first acts in, minus one.

    The parities of node ``j`` reach the centre after ``L_j`` and the
    correction returns after another ``L_j`` (Kómár et al., Nature Physics 10,
    582 (2014), appendix C2): the loop's corrections act ``⌈2 max L_j / T_C⌉``
    cycles late (0 without latency: the next cycle).

    Parameters
    ----------
    latencies : sequence of float
        ``L_j`` (s), each ≥ 0 (see :func:`node_latencies`).
    cycle_time : float
        ``T_C`` (s), > 0.

    Returns
    -------
    int
        The delay in cycles.
    """
    longest = 2.0 * max(latencies, default=0.0)
    return 0 if longest <= 0 else int(math.ceil(longest / cycle_time - 1e-12))

def _regions(regions, names, feedback) -> np.ndarray:
    region_of = np.full(len(names), -1, dtype=np.int64)
    if feedback != "regional":
        if regions is not None:
            raise QClockError(f"regions only apply to feedback='regional', got regions with feedback={feedback!r}")
        return region_of
    if not regions:
        raise QClockError("feedback='regional' needs regions: a sequence of node-name groups, got none")
    for r, group in enumerate(regions):
        if isinstance(group, str) or not isinstance(group, Sequence) or len(group) == 0:
            raise QClockError(f"regions[{r}] must be a non-empty sequence of node names, got {group!r}")
        for node in group:
            name = str(node)
            if name not in names:
                raise QClockError(f"regions[{r}] names {node!r}, not a node of {list(names)}")
            index = names.index(name)
            if region_of[index] >= 0:
                raise QClockError(f"node {name!r} is in regions {region_of[index]} and {r}; regions must be disjoint")
            region_of[index] = r
    return region_of


def _widths(node_phase_width, los, period_units, info_qubits):
    """Prior width (rad) of each node phase before a measurement, or None (flat prior)."""
    if node_phase_width is None:
        return [None] * len(los)
    if isinstance(node_phase_width, str):
        if node_phase_width != "auto":
            raise QClockError(f"node_phase_width must be 'auto', None, a width (rad) or one per node, "
                              f"got {node_phase_width!r}")
        out = []
        for lo, T, u in zip(los, period_units, info_qubits):
            lo_part = 2.0 * float(lo.analytic_avar(T)) * T ** 2
            out.append(math.sqrt(lo_part + 1.0 / max(u, 1)))
        return out
    values = np.broadcast_to(np.asarray(node_phase_width, dtype=float), (len(los),))
    if not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise QClockError(f"node_phase_width must be > 0 rad, got {node_phase_width!r}")
    return [float(v) for v in values]


# ----------------------------------------------------------------------------- main entry
def simulate_network_clock(clocks, interrogation_time: float, cycles: int, *, qubits=None,
                           strategy: str = "quantum_network", feedback: str = "full", regions=None,
                           dead_time: float = 0.0, gain: float = 1.0, local_gain: float = 1.0,
                           local_loop: bool = True, allocation: CascadeAllocation | None = None,
                           node_phase_width="auto", atom_linewidth=None, outages=(),
                           node_names=None, bin_size: int = 1, block_size: int = 1 << 16,
                           latency=0.0, seed=None, progress=None) -> NetworkClockResult:
    """Run the network clock loop for ``cycles`` cycles (Kómár et al. eqs. 1–4, Fig. 3, appendix C).

    Parameters
    ----------
    clocks : ClockNetwork or sequence of LocalOscillatorNoise
        The K clocks: a network (LOs from :meth:`ClockNetwork.local_oscillator`,
        qubits, centre and ν0 from its attributes, ``γ_i`` from
        ``atom_linewidth_hz``) or one LO per clock.
    interrogation_time : float
        Ramsey time ``T`` (s when the LOs carry a coherence time in seconds,
        else the LOs' time unit), the same at every node.
    cycles : int
        Number of clock cycles.
    qubits : int or sequence of int
        Clock qubits ``n_j`` per node (explicit LOs only).
    strategy : str
        One of :data:`STRATEGIES` (Fig. 3 curves a–e, module docstring).
    feedback : {"full", "centre", "regional"}
        Degree of feedback (appendix C1); the independent strategies take
        ``"full"`` (each LO steered by its own estimate).
    regions : sequence of sequences of node names
        Disjoint regions for ``feedback="regional"``.
    dead_time : float
        ``T_D`` per cycle (same unit as ``T``).
    gain, local_gain : float
        Integrator gains in (0, 2) of the network servos and of the nodes' local
        loops in ``"centre"``/``"regional"`` feedback (in ``"full"`` feedback an
        LO cut off by an outage keeps ``gain`` on its local estimate).
    local_loop : bool
        In ``"centre"``/``"regional"`` feedback, whether the LOs keep their own
        loops (Kómár et al. appendix C1) or free-run (their phases then wander off
        ``[−π, π)`` and the cascade's level 0 fails, eq. A27).
    allocation : CascadeAllocation or "loop_optimal", optional
        The network cascade; default ``optimal_copies(Σn_j, K, node_shares=...)``
        (the allocation of Kómár et al. appendix A with exact digit errors).
        ``"loop_optimal"``: :func:`~.cascade_budget.loop_optimal_allocation`
        for this loop's prior widths, each node's ``γ_j T`` and qubits. Its
        node qubits must fit each node's ``n_j``.
    node_phase_width : "auto", None, float or sequence
        Prior width (rad) of each ``φ_j`` used to shrink level-0 estimates
        (posterior mean, as ``network_phase_measurement``). ``"auto"``: what
        the previous cycle leaves, ``√(2σ_ω(T)²T² + 1/u_j)`` — one cycle's LO
        increment (``σ_ω`` the LO's Allan deviation at τ = T) plus the error of a
        correction made from ``u_j`` uncorrelated qubits; ``None``: flat prior.
    atom_linewidth : float or sequence of float, optional
        Single-qubit linewidth ``γ_i`` (rad/s, or per LO time unit) for the
        dephasing of the parities: one ``≥ 0`` for all nodes or one ``> 0`` per
        node (Kómár et al. appendix C3: a GHZ share of node ``j`` dephases at
        ``γ_j``). Default: each node's ``atom_linewidth_hz`` (×2π), else 0.
    outages : sequence
        :class:`Outage` items or ``(target, start[, stop])`` tuples, ``target``
        a node name or ``"centre"``.
    node_names : sequence of str, optional
        Names of explicit LOs (default ``"0" … "K−1"``; the first is the centre).
    bin_size : int
        Cycles averaged per recorded sample (the Allan deviations use every cycle).
    block_size : int
        Cycles generated and run per block (bounds memory; results do not depend on it).
    latency : float, sequence or None
        One-way delay ``L_j`` (s) between the centre and each node
        (:func:`node_latencies`; ``None``: from the topology's ``latency_s``).
        Kómár et al. appendix C2: in the quantum network the GHZ qubits wait
        ``max L_j`` for the teleportation outcomes (echo pulses remove the LO
        phase over this known wait, the qubits still dephase; the LO is not
        interrogated then, so the wait adds to the dead time); every
        measurement is read exactly ``T`` after its Ramsey start; the
        cooperative strategies' corrections act
        :func:`feedback_delay_cycles` cycles late, with servos that subtract
        the corrections still in flight. 0 (default) is the loop without latency.
    seed : None, int, SeedSequence or Generator
        One child SeedSequence per LO and one for the measurements.
    progress : bool or callable, optional
        ``True``: a progress display of the cycles on stderr (tqdm bar with ETA
        on a terminal, a line every 10 % otherwise; :mod:`qclock_circuits._progress`);
        a callable: ``progress(done_cycles, cycles)`` after every block;
        ``None``/``False`` (default): none.

    Returns
    -------
    NetworkClockResult
        Frequencies, Allan deviations and error counts of the run.

    Raises
    ------
    TypeError
        If ``allocation`` is neither None, ``"loop_optimal"`` nor a
        CascadeAllocation, or ``seed`` is of another type.
    QClockError
        If ``cycles`` exceeds MAX_NETWORK_CYCLES, a gain is outside (0, 2), the
        feedback needs a cooperating strategy, the allocation does not fit the
        network's nodes and qubits, or a node without level-0 qubits has no
        ``node_phase_width``.
    """
    T, TD = check_cycle_times(interrogation_time, dead_time)
    cycles = check_int(cycles, "cycles", 3)
    check_seed(seed)
    if cycles > MAX_NETWORK_CYCLES:
        raise QClockError(f"cycles must be <= {MAX_NETWORK_CYCLES:.0e} (about 5e5 cycles/s for 10 clocks: this run "
                          f"would take days); got {cycles}")
    check_choice(strategy, "strategy", STRATEGIES)
    check_choice(feedback, "feedback", FEEDBACK_MODES)
    for value, name in ((gain, "gain"), (local_gain, "local_gain")):
        value = check_finite(value, name)
        if not 0 < value < 2:
            raise QClockError(f"{name} must lie in (0, 2) for a stable integrator, got {value}")
    bin_size = check_int(bin_size, "bin_size", 1)
    block_size = check_int(block_size, "block_size", 1)
    names, los, counts, centre, nu0, gamma_net = _resolve_nodes(clocks, qubits, node_names, TD)
    K = len(names)
    gammas = _node_linewidths(atom_linewidth, names, gamma_net)
    uniform_gamma = len(set(gammas)) == 1
    gamma = gammas[0]
    latencies = node_latencies(clocks, names, centre, latency)
    cooperative = strategy in ("quantum_network", "classical_cooperation", "classical_network")
    if not cooperative and feedback != "full":
        raise QClockError(f"feedback={feedback!r} needs a cooperating network; strategy {strategy!r} runs "
                          "independent clocks, each steered by its own estimate: use feedback='full'")
    region_of = _regions(regions, names, feedback)
    outage_list = _outages(outages, names)
    scales = [1.0 if lo.coherence_time is None else lo.coherence_time for lo in los]

    shares = node_shares_for(counts)
    kind = {"quantum_network": _QUANTUM, "classical_cooperation": _CASCADE, "independent": _CASCADE,
            "classical_network": _CLASSICAL, "classical_independent": _CLASSICAL}[strategy]
    wait = max(latencies) if kind == _QUANTUM else 0.0
    TD_run = TD + wait
    delay = feedback_delay_cycles(latencies, T + TD_run) if cooperative else 0
    ghz_time = T + wait
    period_units = [T / s for s in scales]
    loop_chosen = False
    if kind == _QUANTUM:
        if isinstance(allocation, str):
            loop_chosen = True
            check_choice(allocation, "allocation", ("loop_optimal",))
            specs = _prior_specs(node_phase_width, los, period_units)
            allocation = _network_loop_optimal(tuple(counts), tuple(shares),
                                               tuple(float(g * ghz_time) for g in gammas), specs)
        elif allocation is None:
            allocation = optimal_copies(sum(counts), K, node_shares=shares)
        elif not isinstance(allocation, CascadeAllocation):
            raise TypeError(f"allocation must be a CascadeAllocation, got {type(allocation).__name__}")
        if allocation.nodes != K:
            raise QClockError(f"allocation has {allocation.nodes} nodes, the network {K}")
        for n, u, a, q in zip(names, allocation.uncorrelated, allocation.node_qubits, counts):
            if u > q:
                raise QClockError(f"node {n!r} has {q} qubits, fewer than its {u} level-0 qubits in the allocation")
            if a > q:
                raise QClockError(f"node {n!r} has {q} qubits, fewer than the {a} the allocation uses there "
                                  f"({u} on level 0; all nodes: {list(counts)} available, "
                                  f"{list(allocation.node_qubits)} allocated)")
        shares = allocation.node_shares
    elif allocation is not None and allocation != "loop_optimal":
        raise QClockError(f"a CascadeAllocation only applies to strategy 'quantum_network', got strategy "
                          f"{strategy!r} (allocation='loop_optimal' applies to the nodes' own cascades)")
    weights = np.asarray(shares, dtype=float) / sum(shares)
    contrasts0 = [math.exp(-0.5 * g * T) for g in gammas]
    gamma_ghz = gamma if uniform_gamma else float(np.dot(shares, gammas)) / sum(shares)

    # local measurements (strategies b–e and the fall-back)
    tables = _Tables()
    local_strategy = strategy if kind != _QUANTUM else "independent"
    if isinstance(allocation, str) or (allocation is not None and kind != _QUANTUM):
        check_choice(allocation, "allocation", ("loop_optimal",))
    # the quantum network's nodes run their own cascades only while cut off (outages)
    optimise_local = allocation == "loop_optimal" or (kind == _QUANTUM and loop_chosen and bool(outage_list))
    specs = _prior_specs(node_phase_width, los, period_units)
    locals_ = [_local_loop_optimal(n, local_strategy, float(g * T), spec) if optimise_local
               else local_allocation(n, local_strategy) for n, g, spec in zip(counts, gammas, specs)]
    l0_qubits = [n if a is None else a.uncorrelated[0] for n, a in zip(counts, locals_)]
    widths_local = _widths(node_phase_width, los, period_units, l0_qubits)
    l0 = [tables.add(u, c0) for u, c0 in zip(l0_qubits, contrasts0)]
    l0_shrink = [_shrink(u, w, c0) for u, w, c0 in zip(l0_qubits, widths_local, contrasts0)]
    lv_first, lv_count, lv = [], [], []
    for a, g in zip(locals_, gammas):
        lv_first.append(len(lv))
        lv_count.append(0 if a is None else a.levels)
        if a is not None:
            for i, copies in enumerate(a.copies):
                contrast = math.exp(-0.5 * g * T * a.ghz_sizes[i])
                lv.append(tables.add(copies, contrast) + (contrast,))
    loc_base = 2
    if any(a is not None for a in locals_):
        loc_base = next(a.base for a in locals_ if a is not None)
    # network cascade
    if kind == _QUANTUM:
        u_net = list(allocation.uncorrelated)
        widths_net = _widths(node_phase_width, los, period_units, u_net)
        if any(u == 0 and w is None for u, w in zip(u_net, widths_net)):
            raise QClockError("the allocation has nodes without level-0 qubits; give node_phase_width")
        n0 = [tables.add(u, c0) if u > 0 else (0, 0, 0) for u, c0 in zip(u_net, contrasts0)]
        n0_shrink = [_shrink(u, w, c0) if u > 0 else 0.0 for u, w, c0 in zip(u_net, widths_net, contrasts0)]
        nv = []
        for i, (copies, size) in enumerate(zip(allocation.copies, allocation.ghz_sizes)):
            contrast = math.exp(-0.5 * gamma_ghz * ghz_time * size)
            nv.append(tables.add(copies, contrast) + (contrast,))
        net_base = allocation.base
    else:
        n0 = [(0, 0, 0)] * K
        n0_shrink = [0.0] * K
        nv = []
        net_base = 2
    table_array = tables.array()

    def ints(values):
        return np.ascontiguousarray(np.asarray(values, dtype=np.int64).reshape(-1))

    def floats(values):
        return np.ascontiguousarray(np.asarray(values, dtype=float).reshape(-1))

    n0_arr = np.asarray(n0, dtype=np.int64).reshape(K, 3)
    nv_arr = np.asarray([v[:3] for v in nv], dtype=np.int64).reshape(-1, 3)
    lv_arr = np.asarray([v[:3] for v in lv], dtype=np.int64).reshape(-1, 3)
    l0_arr = np.asarray(l0, dtype=np.int64).reshape(K, 3)
    static = dict(
        n0_off=ints(n0_arr[:, 0]), n0_cos=ints(n0_arr[:, 1]), n0_sin=ints(n0_arr[:, 2]), n0_shrink=floats(n0_shrink),
        nv_off=ints(nv_arr[:, 0]), nv_cos=ints(nv_arr[:, 1]), nv_sin=ints(nv_arr[:, 2]),
        net_base=float(net_base),
        l0_off=ints(l0_arr[:, 0]), l0_cos=ints(l0_arr[:, 1]), l0_sin=ints(l0_arr[:, 2]), l0_shrink=floats(l0_shrink),
        lv_first=ints(lv_first), lv_count=ints(lv_count), lv_off=ints(lv_arr[:, 0]), lv_cos=ints(lv_arr[:, 1]),
        lv_sin=ints(lv_arr[:, 2]), lv_contrast=floats([v[3] for v in lv]), loc_base=float(loc_base))

    # randomness: one child per LO, one for the measurements
    if isinstance(seed, np.random.Generator):
        seed = np.random.SeedSequence(int(seed.integers(0, 2**63)))
    elif not isinstance(seed, np.random.SeedSequence):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0):
            raise TypeError(f"seed must be None, a non-negative int, a SeedSequence or a Generator, got {seed!r}")
        seed = np.random.SeedSequence(seed)
    children = seed.spawn(K + 1)
    streams = [lo.iter_blocks(cycles, block_size, T / s, TD_run / s, seed=child)
               for lo, s, child in zip(los, scales, children[:K])]
    rng = np.random.default_rng(children[K])

    n_regions = int(region_of.max()) + 1 if region_of.size and region_of.max() >= 0 else 0
    correction = np.zeros(K)
    com_correction = np.zeros(1)
    region_correction = np.zeros(max(n_regions, 0))
    slips = np.zeros(K, dtype=np.int64)
    local_errors = np.zeros(K, dtype=np.int64)
    local_sq = np.zeros(K)
    local_count = np.zeros(K, dtype=np.int64)
    totals = np.zeros(3)
    pending_node = np.zeros((delay, K))
    pending_com = np.zeros(delay)
    pending_region = np.zeros((delay, max(n_regions, 0)))
    ring = np.zeros(1, dtype=np.int64)
    out_node = np.empty((cycles, K))
    out_com = np.empty(cycles)
    mode = FEEDBACK_MODES.index(feedback)
    done = 0
    progress, close_progress = progress_callback(progress, cycles, f"network clock ({strategy})", "cycles")
    while done < cycles:
        blocks = [next(stream) for stream in streams]
        count = blocks[0][0].shape[0]
        ramsey = np.ascontiguousarray(np.stack([b[0] / s for b, s in zip(blocks, scales)], axis=1))
        dead = np.ascontiguousarray(np.stack([b[1] / s for b, s in zip(blocks, scales)], axis=1))
        active = _active_block(outage_list, names, centre, done, count)
        _network_kernel(rng, ramsey, dead, active, T, TD_run, kind, cooperative, mode, float(gain),
                        float(local_gain), bool(local_loop), weights, floats(shares), region_of, floats(gammas),
                        uniform_gamma, float(ghz_time), table_array, correction=correction, com_correction=com_correction,
                        region_correction=region_correction, slips=slips, local_errors=local_errors,
                        local_sq=local_sq, local_count=local_count, totals=totals,
                        out_node=out_node[done:done + count], out_com=out_com[done:done + count],
                        pending_node=pending_node, pending_com=pending_com, pending_region=pending_region,
                        ring=ring, **static)
        done += count
        if progress is not None:
            progress(done, cycles)
    close_progress()

    omega0 = None if nu0 is None else _TWO_PI * nu0
    if omega0 is not None:
        out_node /= omega0
        out_com /= omega0
    cycle_time = T + TD_run
    com_adev = overlapping_adev(out_com, tau0=cycle_time)
    node_adev = tuple(overlapping_adev(out_node[:, j], tau0=cycle_time) for j in range(K))
    network_cycles = int(totals[0])
    return NetworkClockResult(
        strategy=strategy, feedback=feedback, node_names=tuple(names), centre=centre, interrogation_time=T,
        dead_time=TD, cycles=cycles, bin_size=bin_size, transition_frequency=nu0,
        com_frequency=_binned(out_com, bin_size), node_frequency=_binned(out_node, bin_size),
        com_adev=com_adev, node_adev=node_adev, phase_slips=tuple(int(v) for v in slips),
        cascade_errors=int(totals[1]), local_errors=tuple(int(v) for v in local_errors),
        network_cycles=network_cycles, network_mse=float(totals[2] / network_cycles) if network_cycles else None,
        local_mse=tuple(float(s / c) if c else None for s, c in zip(local_sq, local_count)),
        local_cycles=tuple(int(c) for c in local_count),
        outages=outage_list, allocation=allocation if kind == _QUANTUM else None,
        wait_time=wait, feedback_delay=delay)


def _binned(values: np.ndarray, bin_size: int) -> np.ndarray:
    """Means over consecutive groups of ``bin_size`` rows (the last group may be shorter)."""
    if bin_size == 1:
        return values.copy()
    count = values.shape[0]
    full = count // bin_size
    head = values[:full * bin_size].reshape((full, bin_size) + values.shape[1:]).mean(axis=1)
    if full * bin_size == count:
        return head
    tail = values[full * bin_size:].mean(axis=0, keepdims=True)
    return np.concatenate([head, tail], axis=0)
