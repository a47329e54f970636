"""Rotating center of the clock network (Kómár et al., Nature Physics 10, 582 (2014), main text "Security", appendix B3).

The third of the network's three countermeasures (the others:
:mod:`~qclock_circuits.network.sabotage`, app. B1, and
:mod:`~qclock_circuits.network.eavesdropping`, app. B2): the center is the
hub of all information, so where no node is trusted enough to hold the role
for good, it is passed around, which lowers the harm one untrustworthy site
can do.

:func:`plan_center_rotation` passes the center role around the graph, each
cycle or only when the center fails, and checks that each chosen center
reaches every live node (by routes through live nodes, within a hop limit, or
by direct links as the paper asks for, "a fully connected network").
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np

from .._validation import QClockError, check_choice, check_int
from .topology import ClockNetwork

__all__ = [
    "ROUTE_RULES",
    "CenterRotation",
    "center_candidates",
    "plan_center_rotation",
]

ROUTE_RULES = ("routes", "direct")


@dataclass(frozen=True)
class CenterRotation:
    """A schedule of center nodes and the routes each center uses (app. B3).

    Parameters
    ----------
    schedule : tuple of str
        Center of each cycle.
    failed : tuple of tuple of str
        Nodes down in each cycle.
    epochs : tuple of int
        First cycle of each run of cycles with the same failed nodes.
    routes : tuple of dict
        One entry per epoch: ``{center: {node: path}}``, the hop-shortest path
        (tuple of nodes, through the epoch's live nodes) from each center of
        that epoch to every other live node.
    rule : str
        ``"routes"`` or ``"direct"``.
    max_hops : int or None
        Longest route allowed (links), None for no limit.
    """

    schedule: tuple[str, ...]
    failed: tuple[tuple[str, ...], ...]
    epochs: tuple[int, ...]
    routes: tuple[Mapping[str, Mapping[str, tuple[str, ...]]], ...]
    rule: str
    max_hops: int | None

    @property
    def handovers(self) -> int:
        """Number of cycles whose center differs from the previous cycle's."""
        return sum(a != b for a, b in zip(self.schedule, self.schedule[1:]))

    def route(self, cycle: int, node) -> tuple[str, ...]:
        """Path from the center of ``cycle`` to ``node`` (``(center,)`` for the center itself).

        Parameters
        ----------
        cycle : int
            Cycle index in ``[0, len(schedule))``.
        node : str
            A live node of that cycle.

        Returns
        -------
        tuple of str
            The nodes from the center to ``node``.

        Raises
        ------
        QClockError
            If ``cycle`` is out of range or ``node`` is not live in it.
        """
        cycle = check_int(cycle, "cycle", 0)
        if cycle >= len(self.schedule):
            raise QClockError(f"cycle must be in [0, {len(self.schedule)}), got {cycle}")
        center = self.schedule[cycle]
        if str(node) == center:
            return (center,)
        epoch = int(np.searchsorted(self.epochs, cycle, side="right")) - 1
        paths = self.routes[epoch][center]
        if str(node) not in paths:
            raise QClockError(f"node must be a live node other than the center in cycle {cycle}, one of "
                              f"{sorted(paths)}, got {node!r}")
        return paths[str(node)]

    def to_dict(self) -> dict:
        """Plain JSON-compatible data.

        Returns
        -------
        dict
            The object's data (JSON types only); :meth:`from_dict` reads it back.
        """
        return {"schedule": list(self.schedule), "failed": [list(f) for f in self.failed],
                "epochs": list(self.epochs),
                "routes": [{c: {n: list(p) for n, p in r.items()} for c, r in epoch.items()}
                           for epoch in self.routes],
                "rule": self.rule, "max_hops": self.max_hops}

    @classmethod
    def from_dict(cls, data: Mapping) -> CenterRotation:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            A dictionary as written by :meth:`to_dict`.

        Returns
        -------
        CenterRotation
            The reconstructed object.
        """
        return cls(schedule=tuple(data["schedule"]), failed=tuple(tuple(f) for f in data["failed"]),
                   epochs=tuple(int(e) for e in data["epochs"]),
                   routes=tuple({c: {n: tuple(p) for n, p in r.items()} for c, r in epoch.items()}
                                for epoch in data["routes"]),
                   rule=str(data["rule"]),
                   max_hops=None if data["max_hops"] is None else int(data["max_hops"]))


def _check_network(network) -> ClockNetwork:
    if not isinstance(network, ClockNetwork):
        raise TypeError(f"network must be a ClockNetwork, got {type(network).__name__}")
    return network


def _node_set(network: ClockNetwork, nodes, name: str) -> tuple[str, ...]:
    if isinstance(nodes, str) or not isinstance(nodes, Iterable):
        raise QClockError(f"{name} must be a collection of node names, got {nodes!r}")
    out = []
    for node in nodes:
        if str(node) not in network.graph:
            raise QClockError(f"{name}: node must be one of {list(network.nodes)}, got {node!r}")
        out.append(str(node))
    return tuple(dict.fromkeys(out))


def _reach(graph: nx.Graph, node: str, rule: str, max_hops: int | None) -> tuple[dict, list[str]]:
    """Routes from ``node`` to every other node of ``graph``, and the nodes it cannot serve."""
    if rule == "direct":
        routes = {other: (node, other) for other in graph.neighbors(node)}
    else:
        routes = {other: tuple(path) for other, path in nx.single_source_shortest_path(graph, node).items()
                  if other != node}
        if max_hops is not None:
            routes = {other: path for other, path in routes.items() if len(path) - 1 <= max_hops}
    missing = [other for other in graph.nodes if other != node and other not in routes]
    return routes, missing


def _why(missing: Sequence[str], rule: str, max_hops: int | None) -> str:
    if rule == "direct":
        return f"no direct link to {missing}"
    if max_hops is not None:
        return f"no route of at most {max_hops} hops to {missing}"
    return f"no route through live nodes to {missing}"


def center_candidates(network: ClockNetwork, *, failed: Iterable = (), rule: str = "routes",
                      max_hops: int | None = None, strict: bool = True) -> tuple[str, ...]:
    """Live nodes that can act as center: each reaches every other live node.

    Parameters
    ----------
    network : ClockNetwork
        The topology.
    failed : collection of node names
        Nodes that are down; they neither serve nor relay.
    rule : str
        ``"routes"``: a path through live nodes (entanglement swapping at
        intermediate nodes), of at most ``max_hops`` links if given;
        ``"direct"``: a direct link to every live node (the paper's fully
        connected network).
    max_hops : int, optional
        Longest route (≥ 1 links) with ``rule="routes"``.
    strict : bool
        Raise if any live node cannot act as center (default); else return
        those that can.

    Returns
    -------
    tuple of str
        The nodes that can act as center, in node order.

    Raises
    ------
    QClockError
        With ``strict``: names every live node that cannot be center and the
        nodes it cannot reach; always when no live node is left.
    """
    network = _check_network(network)
    rule = check_choice(rule, "rule", ROUTE_RULES)
    if max_hops is not None:
        max_hops = check_int(max_hops, "max_hops", 1)
        if rule == "direct":
            raise QClockError(f"max_hops applies to rule 'routes', got max_hops={max_hops} with rule 'direct'")
    down = set(_node_set(network, failed, "failed"))
    live = network.graph.subgraph([n for n in network.nodes if n not in down])
    if live.number_of_nodes() == 0:
        raise QClockError(f"failed must leave at least one live node, got every node {sorted(down)}")
    good, bad = [], {}
    for node in live.nodes:
        _, missing = _reach(live, node, rule, max_hops)
        if missing:
            bad[node] = missing
        else:
            good.append(node)
    if bad and strict:
        details = "; ".join(f"{node!r}: {_why(missing, rule, max_hops)}" for node, missing in bad.items())
        raise QClockError(f"nodes that cannot act as center ({len(bad)} of {live.number_of_nodes()} live): "
                          f"{details}")
    return tuple(good)


def _failure_schedule(network: ClockNetwork, failures, cycles: int) -> list[frozenset[str]]:
    if failures is None:
        failures = {}
    if not isinstance(failures, Mapping):
        raise QClockError(f"failures must be a mapping {{cycle: nodes}}, got {failures!r}")
    events: dict[int, set[str]] = {}
    for cycle, nodes in failures.items():
        if isinstance(cycle, bool) or not isinstance(cycle, numbers.Integral) or not 0 <= cycle < cycles:
            raise QClockError(f"failures: cycle must be an integer in [0, {cycles}), got {cycle!r}")
        names = (nodes,) if isinstance(nodes, str) else nodes
        events.setdefault(int(cycle), set()).update(_node_set(network, names, f"failures[{cycle}]"))
    down: set[str] = set()
    per_cycle = []
    for cycle in range(cycles):
        down |= events.get(cycle, set())
        per_cycle.append(frozenset(down))
    return per_cycle


def plan_center_rotation(network: ClockNetwork, cycles: int, *, mode: str = "cycle", order: Sequence | None = None,
                         failures: Mapping | None = None, rule: str = "routes",
                         max_hops: int | None = None) -> CenterRotation:
    """Pass the center role around the network (app. B3).

    The role follows ``order`` (default: the graph's node order, starting at
    the network's declared center if any). With ``mode="cycle"`` it moves to
    the next node in ``order`` every cycle; with ``mode="on_failure"`` it
    stays until its holder fails. Nodes that are down are skipped, and so is a
    node that cannot reach every live node under ``rule``/``max_hops``
    (:func:`center_candidates`).

    Parameters
    ----------
    network : ClockNetwork
        The topology.
    cycles : int
        Cycles to plan (≥ 1).
    mode : str
        ``"cycle"`` or ``"on_failure"``.
    order : sequence of node names, optional
        Nodes that take the role, in turn (default: all nodes); each must be
        able to act as center on the intact network.
    failures : mapping, optional
        ``{cycle: node or nodes}`` that go down at that cycle and stay down.
    rule, max_hops
        As in :func:`center_candidates`.

    Returns
    -------
    CenterRotation
        The center of each cycle, the failed nodes and the routes per epoch.

    Raises
    ------
    QClockError
        Before planning, if a node of ``order`` cannot act as center on the
        intact network (message names each such node and what it cannot
        reach); during planning, if in some cycle no live node can act
        as center (message names the cycle and the failed nodes).
    """
    network = _check_network(network)
    cycles = check_int(cycles, "cycles", 1)
    mode = check_choice(mode, "mode", ("cycle", "on_failure"))
    if order is None:
        nodes = list(network.nodes)
        if network.center is not None:
            k = nodes.index(network.center)
            nodes = nodes[k:] + nodes[:k]
        order = tuple(nodes)
    else:
        order = _node_set(network, order, "order")
        if not order:
            raise QClockError(f"order must name at least one node of {list(network.nodes)}, got an empty order")
    able = center_candidates(network, rule=rule, max_hops=max_hops, strict=False)
    unable = [node for node in order if node not in able]
    if unable:  # name every node of the rotation that cannot serve even with all nodes up
        live = network.graph
        details = "; ".join(f"{node!r}: {_why(_reach(live, node, rule, max_hops)[1], rule, max_hops)}"
                            for node in unable)
        raise QClockError(f"order: nodes that cannot act as center on the intact network: {details}")
    down_per_cycle = _failure_schedule(network, failures, cycles)
    schedule: list[str] = []
    epochs: list[int] = []
    routes: list[dict[str, dict[str, tuple[str, ...]]]] = []
    candidates: set[str] = set()
    position = -1
    for cycle, down in enumerate(down_per_cycle):
        if cycle == 0 or down != down_per_cycle[cycle - 1]:
            epochs.append(cycle)
            routes.append({})
            candidates = (set(center_candidates(network, failed=down, rule=rule, max_hops=max_hops, strict=False))
                          if len(down) < len(order) else set())
            live = network.graph.subgraph([n for n in network.nodes if n not in down])
        current = schedule[-1] if schedule else None
        if not (mode == "on_failure" and current in candidates):
            for step in range(1, len(order) + 1):
                if order[(position + step) % len(order)] in candidates:
                    position = (position + step) % len(order)
                    break
            else:
                try:
                    center_candidates(network, failed=down, rule=rule, max_hops=max_hops, strict=True)
                except QClockError as exc:
                    reason = str(exc)
                else:  # pragma: no cover - strict raises whenever no candidate is left
                    reason = "no candidate"
                raise QClockError(f"cycle {cycle}: no live node can act as center with failed nodes "
                                  f"{sorted(down)}; {reason}")
            current = order[position]
        schedule.append(current)
        if current not in routes[-1]:
            routes[-1][current] = _reach(live, current, rule, max_hops)[0]
    return CenterRotation(schedule=tuple(schedule), failed=tuple(tuple(sorted(d)) for d in down_per_cycle),
                          epochs=tuple(epochs), routes=tuple(routes), rule=rule, max_hops=max_hops)
