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

Where the parts live
--------------------
This module runs the loop (:func:`simulate_network_clock`) and re-exports the
public names of its parts, so that ``from qclock_circuits.network.loop import X``
reaches them all:

* :mod:`~qclock_circuits.network.outages`:
  :class:`~qclock_circuits.network.outages.Outage`, links or the centre down
  for a range of cycles;
* :mod:`~qclock_circuits.network.latency`:
  :func:`~qclock_circuits.network.latency.node_latencies` and
  :func:`~qclock_circuits.network.latency.feedback_delay_cycles` (appendix C2);
* :mod:`~qclock_circuits.network.loop_estimates`:
  :func:`~qclock_circuits.network.loop_estimates.local_allocation`, the
  nodes' prior widths and the tabulated estimators;
* :mod:`~qclock_circuits.network.loop_kernel`: the compiled cycle (steps 1–4);
* :mod:`~qclock_circuits.network.loop_result`:
  :class:`~qclock_circuits.network.loop_result.NetworkClockResult`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np

from .._progress import progress_callback
from .._validation import QClockError, check_choice, check_cycle_times, check_finite, check_int, check_seed
from ..clock.allan import overlapping_adev
from ..clock.noise import LocalOscillatorNoise
from .cascade import CascadeAllocation, node_shares_for
from .cascade_budget import STRATEGIES, optimal_copies
from .latency import feedback_delay_cycles, node_latencies
from .loop_estimates import (_local_loop_optimal, _network_loop_optimal, _prior_specs, _shrink, _Tables, _widths,
                             local_allocation)
from .loop_kernel import _network_kernel
from .loop_result import MAX_CASCADE_ERROR_RATE, NetworkClockResult
from .outages import Outage, _active_block, _outages
from .topology import ClockNetwork

__all__ = [
    "FEEDBACK_MODES",
    "Outage",
    "NetworkClockResult",
    "simulate_network_clock",
    "local_allocation",
    "node_latencies",
    "feedback_delay_cycles",
    "MAX_CASCADE_ERROR_RATE",
    "MAX_NETWORK_CYCLES",
]

#: Degrees of feedback of Kómár et al. appendix C1.
FEEDBACK_MODES = ("full", "centre", "regional")
_QUANTUM, _CASCADE, _CLASSICAL = 0, 1, 2
_TWO_PI = 2.0 * math.pi
#: Most cycles one network-clock run accepts (the loop runs about 5×10⁵ cycles/s for 10 clocks,
#: benchmarks/RESULTS.md: 10⁹ cycles is already about an hour).
MAX_NETWORK_CYCLES = 10**9


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
        :class:`~qclock_circuits.network.outages.Outage` items or
        ``(target, start[, stop])`` tuples, ``target`` a node name or ``"centre"``.
    node_names : sequence of str, optional
        Names of explicit LOs (default ``"0" … "K−1"``; the first is the centre).
    bin_size : int
        Cycles averaged per recorded sample (the Allan deviations use every cycle).
    block_size : int
        Cycles generated and run per block (bounds memory; results do not depend on it).
    latency : float, sequence or None
        One-way delay ``L_j`` (s) between the centre and each node
        (:func:`~qclock_circuits.network.latency.node_latencies`; ``None``:
        from the topology's ``latency_s``).
        Kómár et al. appendix C2: in the quantum network the GHZ qubits wait
        ``max L_j`` for the teleportation outcomes (echo pulses remove the LO
        phase over this known wait, the qubits still dephase; the LO is not
        interrogated then, so the wait adds to the dead time); every
        measurement is read exactly ``T`` after its Ramsey start; the
        cooperative strategies' corrections act
        :func:`~qclock_circuits.network.latency.feedback_delay_cycles` cycles
        late, with servos that subtract the corrections still in flight. 0 (default) is the loop without latency.
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
