"""Link latency of the network clock loop (Kómár et al., Nature Physics 10, 582 (2014), appendix C2).

The parities of node ``j`` reach the centre a one-way delay ``L_j`` after
they are measured, and the correction returns after another ``L_j``. In the
quantum network the GHZ qubits also wait ``max L_j`` for the teleportation
outcomes (a wait that adds to the dead time). :func:`node_latencies` gives the
``L_j`` of a network (from its links' ``latency_s``) or as given;
:func:`feedback_delay_cycles` the number of cycles by which the corrections
then act late. :func:`~qclock_circuits.network.loop.simulate_network_clock`
runs the loop with both.

Times in s.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np

from .._validation import QClockError, check_finite
from .topology import ClockNetwork

__all__ = ["node_latencies", "feedback_delay_cycles"]


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
        ``None``: from a :class:`~qclock_circuits.network.topology.ClockNetwork`, the smallest sum of the
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
