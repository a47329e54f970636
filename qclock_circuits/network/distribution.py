"""Distribution of a network-wide GHZ state as Qiskit dynamic circuits (Kómár et al., Nature Physics 10, 582 (2014), Fig. 2 and SI).

Target state on the clock qubits of all nodes (CONVENTIONS.md: ``|0⟩ = |↓⟩``)

    ``|GHZ⟩ = (|0…0⟩ + |1…1⟩)/√2``,

the paper's ``[|0⟩ + e^{iχ}|1⟩]/√2`` with χ = 0 (the paper's main text uses
χ = π/2; the parity fringe of :mod:`.interrogation` is then a cosine).

Schemes (``ghz_distribution_circuit(network, scheme)``)
--------------------------------------------------------
``"star"`` (Fig. 2)
    The center holds ancillas ``b_j`` and ``a_j`` for every other node j.
    It prepares the local GHZ state on its first clock qubit ``1_1`` and the
    ``b_j`` (Hadamard + CNOT fan-out), an EPR pair ``(a_j, 1_j)`` is
    delivered over the link to node j, and a Bell measurement on
    ``(b_j, a_j)`` teleports ``b_j`` onto ``1_j``; the outcomes are sent to
    node j, which applies X (``a_j`` outcome) and Z (``b_j`` outcome) to
    ``1_j``. Each node then fans out ``1_j`` to its clock qubits
    ``2_j … n_j`` with CNOTs. Every node must be linked to the center.
``"no-ancilla"`` (SI)
    The center has no extra qubits: its second clock qubit ``L`` receives
    the center's half of each EPR pair in turn. A CNOT from ``1_1`` onto
    ``L`` and a Z measurement of ``L`` (the parity half of the Bell
    measurement; the teleported qubit is ``1_1`` itself, which stays) join
    ``1_j`` to the GHZ state after an X correction at node j; ``L`` is reset
    and reused, and finally re-joined by the center's local fan-out. Needs
    at least two clock qubits at the center (when there is another node)
    and every node linked to the center.
``"repeater"`` (SI, "intermediate nodes acting as repeater stations")
    As ``"star"``, but a node not linked to the center receives its pair
    ``(a_j, 1_j)`` by entanglement swapping along a shortest path
    (fewest hops): every hop carries its own EPR pair, and each
    intermediate node Bell-measures its two link qubits; the outcomes give
    Pauli corrections on ``1_j``. Works on any connected graph (a star
    network gives the ``"star"`` circuit).
``"flat"`` (SI, no center)
    Every node prepares a local GHZ state on its clock qubits and one *port*
    qubit per link of a spanning tree (the tree that maximises the product
    of the links' Werner parameters). For each tree link (u → v, from the
    root outward) an EPR pair ``(e_u, e_v)`` is shared; u Bell-measures
    ``(port_u, e_u)`` (teleporting its port onto ``e_v``, corrections at v),
    then v Bell-measures ``(e_v, port_v)``: the parity outcome flips v's
    whole local GHZ state (X on its clock and remaining port qubits), the
    phase outcome is corrected by one Z. The root is the center if there is
    one, else the first node.

In all schemes a link's EPR pair passes a labelled identity on its far half
(:func:`.links.link_gate`); :meth:`GHZDistribution.noise_model` turns the
labels into Werner errors. The analytic fidelity and contrast of the result
are in :mod:`.links` (each end-to-end pair acts once; a repeater path has
``w = Π_hops w_hop``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import networkx as nx
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister

from .._validation import QClockError, check_choice
from .links import (
    check_fidelity,
    link_gate,
    link_label,
    link_noise_model,
    predicted_ghz_fidelity,
    predicted_parity_contrast,
    werner_parameter,
)
from .topology import ClockNetwork

__all__ = [
    "SCHEMES",
    "DistributionLink",
    "GHZLayout",
    "GHZDistribution",
    "ghz_distribution_circuit",
    "spanning_tree",
]

SCHEMES = ("star", "no-ancilla", "repeater", "flat")
CLOCK_REGISTER = "clock"
LINK_REGISTER = "link"
BELL_REGISTER = "bell"


@dataclass(frozen=True)
class DistributionLink:
    """One EPR pair of the circuit.

    Parameters
    ----------
    label : str
        Label of its noisy identity gate (``"link_<index>"``).
    edge : (str, str)
        The graph link (near node, far node) it is sent over.
    fidelity : float
        Werner fidelity F used for it.
    qubits : (int, int)
        Circuit qubits of the near and far halves (the far half carries the noise).
    """

    label: str
    edge: tuple[str, str]
    fidelity: float
    qubits: tuple[int, int]

    def to_dict(self) -> dict:
        """Plain JSON-compatible data.

        Returns
        -------
        dict
            The object's data (JSON types only); :meth:`from_dict` reads it back.
        """
        return {"label": self.label, "edge": list(self.edge), "fidelity": self.fidelity,
                "qubits": list(self.qubits)}

    @classmethod
    def from_dict(cls, data: Mapping) -> DistributionLink:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            A dictionary as written by :meth:`to_dict`.

        Returns
        -------
        DistributionLink
            The reconstructed object.
        """
        return cls(label=str(data["label"]), edge=tuple(data["edge"]), fidelity=float(data["fidelity"]),
                   qubits=tuple(int(q) for q in data["qubits"]))


def _frozen_map(mapping: Mapping) -> MappingProxyType:
    return MappingProxyType({str(k): tuple(v) for k, v in mapping.items()})


@dataclass(frozen=True)
class GHZLayout:
    """Where everything sits in a distribution circuit.

    Parameters
    ----------
    scheme : str
        Distribution scheme (``"star"``, ``"no-ancilla"``, ``"repeater"`` or ``"flat"``).
    root : str
        The center (star schemes) or the spanning-tree root (flat).
    nodes : tuple of str
        Node order; clock qubits are numbered node after node in this order.
    clock_qubits : mapping node → tuple of int
        Circuit indices of each node's clock qubits (the first is ``1_j``).
    ancilla_qubits : mapping node → tuple of int
        Indices of the ancilla / link / port qubits held at each node
        (measured during the distribution; ``"no-ancilla"`` has none).
    links : tuple of DistributionLink
        Every EPR pair, in creation order.
    routes : mapping node → tuple of str
        Path of graph nodes from the root to the node (root → … → node).
    end_to_end_werner : tuple of float
        Werner parameter of each end-to-end pair that reaches the GHZ state
        (one per non-root node: a product over the hops of its route for
        ``"repeater"``, the tree link for ``"flat"``).
    num_qubits, num_clbits : int
        Qubits and classical bits of the whole circuit.
    """

    scheme: str
    root: str
    nodes: tuple[str, ...]
    clock_qubits: Mapping[str, tuple[int, ...]]
    ancilla_qubits: Mapping[str, tuple[int, ...]]
    links: tuple[DistributionLink, ...]
    routes: Mapping[str, tuple[str, ...]]
    end_to_end_werner: tuple[float, ...]
    num_qubits: int
    num_clbits: int

    def __post_init__(self):
        object.__setattr__(self, "clock_qubits", _frozen_map(self.clock_qubits))
        object.__setattr__(self, "ancilla_qubits", _frozen_map(self.ancilla_qubits))
        object.__setattr__(self, "routes", _frozen_map(self.routes))
        object.__setattr__(self, "links", tuple(self.links))
        object.__setattr__(self, "end_to_end_werner", tuple(float(w) for w in self.end_to_end_werner))

    @property
    def all_clock_qubits(self) -> tuple[int, ...]:
        """Clock qubit indices of all nodes, in node order."""
        return tuple(q for node in self.nodes for q in self.clock_qubits[node])

    @property
    def qubit_counts(self) -> dict[str, int]:
        return {node: len(self.clock_qubits[node]) for node in self.nodes}

    @property
    def predicted_ghz_fidelity(self) -> float:
        """``½[Π(1 + w)/2 + Π w]`` over the end-to-end pairs (:mod:`.links`)."""
        return predicted_ghz_fidelity(self.end_to_end_werner)

    @property
    def predicted_parity_contrast(self) -> float:
        """``Π w`` over the end-to-end pairs (:mod:`.links`)."""
        return predicted_parity_contrast(self.end_to_end_werner)

    def link_fidelities(self) -> dict[str, float]:
        """``{label: F}`` of every EPR pair (input of :func:`.links.link_noise_model`).

        Returns
        -------
        dict of str to float
            Link label → Werner fidelity F.
        """
        return {link.label: link.fidelity for link in self.links}

    def to_dict(self) -> dict:
        """Plain JSON-compatible data.

        Returns
        -------
        dict
            The object's data (JSON types only); :meth:`from_dict` reads it back.
        """
        return {
            "scheme": self.scheme, "root": self.root, "nodes": list(self.nodes),
            "clock_qubits": {k: list(v) for k, v in self.clock_qubits.items()},
            "ancilla_qubits": {k: list(v) for k, v in self.ancilla_qubits.items()},
            "links": [link.to_dict() for link in self.links],
            "routes": {k: list(v) for k, v in self.routes.items()},
            "end_to_end_werner": list(self.end_to_end_werner),
            "num_qubits": self.num_qubits, "num_clbits": self.num_clbits,
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> GHZLayout:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            A dictionary as written by :meth:`to_dict`.

        Returns
        -------
        GHZLayout
            The reconstructed object.
        """
        return cls(scheme=str(data["scheme"]), root=str(data["root"]), nodes=tuple(data["nodes"]),
                   clock_qubits=data["clock_qubits"], ancilla_qubits=data["ancilla_qubits"],
                   links=tuple(DistributionLink.from_dict(d) for d in data["links"]),
                   routes=data["routes"], end_to_end_werner=tuple(data["end_to_end_werner"]),
                   num_qubits=int(data["num_qubits"]), num_clbits=int(data["num_clbits"]))


@dataclass(frozen=True)
class GHZDistribution:
    """A distribution circuit and its layout.

    ``circuit.metadata`` holds ``layout.to_dict()`` (JSON-able).

    Parameters
    ----------
    circuit : qiskit.QuantumCircuit
        The dynamic circuit (EPR links, Bell measurements, classically
        controlled corrections) that leaves the clock qubits in a GHZ state.
    layout : GHZLayout
        Where its qubits and links sit.
    """

    circuit: QuantumCircuit = field(repr=False)
    layout: GHZLayout

    def noise_model(self):
        """Aer noise model with the Werner error of every link (empty if all F = 1).

        Returns
        -------
        qiskit_aer.noise.NoiseModel
            The Werner error (:func:`.links.link_error`) on each link's labelled identity gate.
        """
        return link_noise_model(self.layout.link_fidelities())


# ----------------------------------------------------------------------------- circuit assembly
class _Assembly:
    """Allocates qubits and classical bits, records links, emits the common gadgets."""

    def __init__(self, network: ClockNetwork, ancillas: Mapping[str, int], bits: int):
        self.network = network
        counts = network.qubit_counts
        self.clock = {}
        start = 0
        for node in network.nodes:
            self.clock[node] = tuple(range(start, start + counts[node]))
            start += counts[node]
        total_ancillas = sum(ancillas.values())
        registers = [QuantumRegister(start, CLOCK_REGISTER)]
        if total_ancillas:
            registers.append(QuantumRegister(total_ancillas, LINK_REGISTER))
        self.bell = ClassicalRegister(bits, BELL_REGISTER) if bits else None
        if self.bell is not None:
            registers.append(self.bell)
        self.circuit = QuantumCircuit(*registers)
        self._free = {node: [] for node in network.nodes}
        for node in network.nodes:
            for _ in range(ancillas.get(node, 0)):
                self._free[node].append(start)
                start += 1
        self.ancillas = {node: tuple(self._free[node]) for node in network.nodes}
        self._next_bit = 0
        self.links: list[DistributionLink] = []

    def ancilla(self, node: str) -> int:
        return self._free[node].pop(0)

    def bit(self):
        clbit = self.bell[self._next_bit]
        self._next_bit += 1
        return clbit

    def epr(self, near: int, far: int, edge: tuple[str, str], fidelity: float) -> None:
        """Ideal Φ+ on (near, far), then the link's labelled identity on the far half."""
        index = len(self.links)
        self.circuit.h(near)
        self.circuit.cx(near, far)
        self.circuit.append(link_gate(index), [far])
        self.links.append(DistributionLink(label=link_label(index), edge=edge, fidelity=fidelity,
                                           qubits=(near, far)))

    def bell_measure(self, first: int, second: int):
        """Bell measurement of (first, second): returns (phase bit of ``first``, parity bit of ``second``)."""
        self.circuit.cx(first, second)
        self.circuit.h(first)
        phase, parity = self.bit(), self.bit()
        self.circuit.measure(first, phase)
        self.circuit.measure(second, parity)
        return phase, parity

    def conditional(self, clbit, gate: str, qubits) -> None:
        with self.circuit.if_test((clbit, 1)):
            getattr(self.circuit, gate)(list(qubits))

    def fan_out(self, control: int, targets) -> None:
        for target in targets:
            self.circuit.cx(control, target)


def _link_fidelity(network: ClockNetwork, u: str, v: str, fidelity: float | None) -> float:
    return network.fidelity(u, v) if fidelity is None else fidelity


def _star_like(network: ClockNetwork, fidelity: float | None, repeater: bool) -> tuple[_Assembly, dict, list]:
    center = network.distribution_center()
    others = [node for node in network.nodes if node != center]
    routes = {center: (center,)}
    for node in others:
        if repeater:
            routes[node] = tuple(nx.shortest_path(network.graph, center, node))
        elif network.graph.has_edge(center, node):
            routes[node] = (center, node)
        else:
            raise QClockError(f"scheme 'star' needs every node linked to the center {center!r}; node {node!r} "
                              "is not (use scheme 'repeater' or 'flat')")
    ancillas = {center: 2 * len(others)}
    bits = 2 * len(others)
    for node in others:
        for station in routes[node][1:-1]:
            ancillas[station] = ancillas.get(station, 0) + 2
            bits += 2
    build = _Assembly(network, ancillas, bits)
    qc = build.circuit
    root = build.clock[center][0]
    qc.h(root)
    pairs = {}
    for node in others:
        pairs[node] = (build.ancilla(center), None)  # b_j
        build.fan_out(root, [pairs[node][0]])
    werner = []
    for node in others:
        route = routes[node]
        target = build.clock[node][0]
        a_j = build.ancilla(center)
        pairs[node] = (pairs[node][0], a_j)
        # one EPR pair per hop: (a_j | in_1), (out_1 | in_2), ..., (out_k | 1_j)
        near, product = a_j, 1.0
        stations = []
        for hop, (u, v) in enumerate(zip(route[:-1], route[1:])):
            hop_fidelity = _link_fidelity(network, u, v, fidelity)
            product *= werner_parameter(hop_fidelity)
            far = target if v == node else build.ancilla(v)
            build.epr(near, far, (u, v), hop_fidelity)
            if v != node:
                out = build.ancilla(v)
                stations.append((far, out))
                near = out
        for incoming, outgoing in stations:  # entanglement swapping at the repeater stations
            phase, parity = build.bell_measure(incoming, outgoing)
            build.conditional(parity, "x", [target])
            build.conditional(phase, "z", [target])
        werner.append(product)
    for node in others:  # teleport b_j onto 1_j
        b_j, a_j = pairs[node]
        phase, parity = build.bell_measure(b_j, a_j)
        target = build.clock[node][0]
        build.conditional(parity, "x", [target])
        build.conditional(phase, "z", [target])
    for node in network.nodes:
        build.fan_out(build.clock[node][0], build.clock[node][1:])
    return build, routes, werner


def _no_ancilla(network: ClockNetwork, fidelity: float | None) -> tuple[_Assembly, dict, list]:
    center = network.distribution_center()
    others = [node for node in network.nodes if node != center]
    for node in others:
        if not network.graph.has_edge(center, node):
            raise QClockError(f"scheme 'no-ancilla' needs every node linked to the center {center!r}; node "
                              f"{node!r} is not (use scheme 'repeater' or 'flat')")
    if others and network.qubits(center) < 2:
        raise QClockError(f"scheme 'no-ancilla' needs at least 2 clock qubits at the center {center!r} (one "
                          f"receives the EPR halves), got qubits={network.qubits(center)}")
    build = _Assembly(network, {}, len(others))
    qc = build.circuit
    root = build.clock[center][0]
    qc.h(root)
    werner = []
    routes = {center: (center,)}
    for index, node in enumerate(others):
        receiver = build.clock[center][1]
        target = build.clock[node][0]
        if index:
            qc.reset(receiver)
        link_fidelity = _link_fidelity(network, center, node, fidelity)
        build.epr(receiver, target, (center, node), link_fidelity)
        qc.cx(root, receiver)
        parity = build.bit()
        qc.measure(receiver, parity)
        build.conditional(parity, "x", [target])
        werner.append(werner_parameter(link_fidelity))
        routes[node] = (center, node)
    if others:
        qc.reset(build.clock[center][1])
    for node in network.nodes:
        build.fan_out(build.clock[node][0], build.clock[node][1:])
    return build, routes, werner


def spanning_tree(network: ClockNetwork, fidelity: float | None = None) -> nx.Graph:
    """Spanning tree that maximises ``Π |w|`` of its links (Kruskal on ``log|w|``).

    ``w = (4F − 1)/3`` is the Werner parameter of a link of fidelity F.

    Parameters
    ----------
    network : ClockNetwork
        The topology.
    fidelity : float in [0, 1], optional
        One Werner fidelity for every link (default: each edge's ``fidelity``).

    Returns
    -------
    networkx.Graph
        The tree on the network's nodes, edge attribute ``weight`` = ``log|w|``.
    """
    weighted = nx.Graph()
    weighted.add_nodes_from(network.nodes)
    for u, v in network.edges:
        w = abs(werner_parameter(_link_fidelity(network, u, v, fidelity)))
        weighted.add_edge(u, v, weight=math.log(max(w, 1e-300)))
    return nx.maximum_spanning_tree(weighted, weight="weight")


def _flat(network: ClockNetwork, fidelity: float | None) -> tuple[_Assembly, dict, list, str]:
    root = network.center if network.center is not None else network.nodes[0]
    tree = spanning_tree(network, fidelity)
    order = list(nx.bfs_edges(tree, root))
    ancillas = {node: 2 * tree.degree[node] for node in network.nodes}
    build = _Assembly(network, ancillas, 4 * len(order))
    qc = build.circuit
    ports = {}
    for node in network.nodes:  # local GHZ over clock qubits and ports
        for neighbour in tree.neighbors(node):
            ports[node, neighbour] = build.ancilla(node)
        first = build.clock[node][0]
        qc.h(first)
        build.fan_out(first, list(build.clock[node][1:]) + [ports[node, n] for n in tree.neighbors(node)])
    routes = {root: (root,)}
    werner = []
    children = {node: [v for u, v in order if u == node] for node in network.nodes}
    for parent, child in order:
        link_fidelity = _link_fidelity(network, parent, child, fidelity)
        e_parent, e_child = build.ancilla(parent), build.ancilla(child)
        build.epr(e_parent, e_child, (parent, child), link_fidelity)
        werner.append(werner_parameter(link_fidelity))
        routes[child] = routes[parent] + (child,)
    for index, (parent, child) in enumerate(order):
        e_parent, e_child = build.links[index].qubits
        phase, parity = build.bell_measure(ports[parent, child], e_parent)  # teleport the port to e_child
        build.conditional(parity, "x", [e_child])
        build.conditional(phase, "z", [e_child])
        phase, parity = build.bell_measure(e_child, ports[child, parent])  # fuse with the child's GHZ
        side = list(build.clock[child]) + [ports[child, grandchild] for grandchild in children[child]]
        build.conditional(parity, "x", side)
        build.conditional(phase, "z", [build.clock[child][0]])
    return build, routes, werner, root


def ghz_distribution_circuit(network: ClockNetwork, scheme: str = "star",
                             fidelity: float | None = None) -> GHZDistribution:
    """Dynamic circuit that distributes ``(|0…0⟩ + |1…1⟩)/√2`` over all clock qubits.

    Parameters
    ----------
    network : ClockNetwork
        The topology (nodes, clock qubits, link fidelities).
    scheme : {'star', 'no-ancilla', 'repeater', 'flat'}
        See the module docstring. The star-type schemes use
        :meth:`ClockNetwork.distribution_center` (the declared center, else
        the node of highest degree).
    fidelity : float in [0, 1], optional
        One EPR fidelity for every link; default: each edge's ``fidelity``.

    Returns
    -------
    GHZDistribution
        ``circuit`` (clock register ``"clock"`` first, in node order, then the
        ``"link"`` register; mid-circuit outcomes in ``"bell"``; no final
        measurement) and ``layout``.

    Raises
    ------
    QClockError
        Unknown scheme, a node the scheme cannot reach (``'star'`` and
        ``'no-ancilla'`` need direct links to the center), a center with
        one qubit for ``'no-ancilla'``, or a fidelity outside [0, 1].
    """
    if not isinstance(network, ClockNetwork):
        raise QClockError(f"network must be a ClockNetwork, got {type(network).__name__}")
    check_choice(scheme, "scheme", SCHEMES)
    if fidelity is not None:
        fidelity = check_fidelity(fidelity)
    if scheme == "flat":
        build, routes, werner, root = _flat(network, fidelity)
    else:
        root = network.distribution_center()
        if scheme == "no-ancilla":
            build, routes, werner = _no_ancilla(network, fidelity)
        else:
            build, routes, werner = _star_like(network, fidelity, repeater=scheme == "repeater")
    layout = GHZLayout(scheme=scheme, root=root, nodes=network.nodes, clock_qubits=build.clock,
                       ancilla_qubits=build.ancillas, links=tuple(build.links), routes=routes,
                       end_to_end_werner=tuple(werner), num_qubits=build.circuit.num_qubits,
                       num_clbits=build.circuit.num_clbits)
    build.circuit.name = f"ghz_{scheme.replace('-', '_')}"
    build.circuit.metadata = layout.to_dict()
    return GHZDistribution(circuit=build.circuit, layout=layout)
