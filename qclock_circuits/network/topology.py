"""Clock-network topologies: networkx graphs of clocks joined by quantum links.

A network is an undirected, connected :class:`networkx.Graph`. Nodes are
clocks, edges are quantum links (channels that deliver EPR pairs).

Node attributes (defaults applied by :func:`validate_topology`)
---------------------------------------------------------------
``qubits`` : int ≥ 1, default 1
    Clock qubits (atoms or ions) of the node, ``n_j`` (Kómár et al.: ``n``, or
    ``N_j`` in eqs. C1–C2).
``noise_type`` : ``"white"`` | ``"flicker"`` | ``"random_walk"``, default ``"white"``
    Dominant frequency noise of the node's local oscillator (LO), by word
    (NIST α = 0, −1, −2; CONVENTIONS.md).
``linewidth_hz`` : float > 0, default 1.0 (white noise only)
    LO linewidth ``γ_LO/2π`` (Hz, full width at half maximum of the
    Lorentzian line of white frequency noise). The paper's phase diffusion
    ``⟨Φ²⟩ = γ_LO T`` (eq. A27, γ_LO in rad/s) corresponds to
    ``h_0 = linewidth_hz / (π ν0²)``.
``h`` : float > 0, optional
    NIST level ``h_α`` of the one-sided ``S_y(f) = h_α f^α`` (Hz^(−1−α)) for
    the node's noise type; give ``h`` *or* ``linewidth_hz``. Flicker and
    random-walk LOs need ``h`` (a linewidth does not define them).
``transition_frequency_hz`` : float > 0, default 4.29e14
    Clock transition frequency ν0 = ω0/2π (Hz); the default is the Sr
    lattice clock of Kómár et al., Nature Physics 10, 582 (2014) (ω0 = 2π × 429 THz).
``atom_linewidth_hz`` : float > 0, optional
    Natural linewidth ``γ_i/2π`` of the clock transition (Hz), the single-
    particle decoherence of Kómár et al. eq. (4).
``role`` : ``"center"`` or absent
    At most one node is the center that runs the star-type distributions.

Edge attributes
---------------
``fidelity`` : float in [0, 1], default 1.0
    Fidelity ``F = ⟨Φ+|ρ|Φ+⟩`` of the link's EPR pair (a Werner state, see
    :mod:`.links`).
``length_km`` : float ≥ 0, default 0.0
    Length of the link (fibre), km.
``latency_s`` : float ≥ 0, default ``length_km / 2.0e5``
    One-way delay; the default is light in optical fibre (2 × 10^5 km/s).

Other attributes are kept unchanged. Node names become strings (GraphML
stores them so).
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from xml.etree.ElementTree import ParseError

import networkx as nx
import numpy as np

from .._validation import QClockError

__all__ = [
    "ClockNetwork",
    "validate_topology",
    "load_topology",
    "NODE_DEFAULTS",
    "EDGE_DEFAULTS",
    "NOISE_TYPE_NAMES",
    "FIBRE_KM_PER_S",
    "star_network",
    "ring_network",
    "chain_network",
    "mesh_network",
]

NOISE_TYPE_NAMES = ("white", "flicker", "random_walk")
#: Speed of light in optical fibre (km/s), for the default link latency.
FIBRE_KM_PER_S = 2.0e5
NODE_DEFAULTS = MappingProxyType({"qubits": 1, "noise_type": "white", "linewidth_hz": 1.0,
                                  "transition_frequency_hz": 4.29e14})
#: Edge defaults; a missing ``latency_s`` is ``length_km / FIBRE_KM_PER_S``.
EDGE_DEFAULTS = MappingProxyType({"fidelity": 1.0, "length_km": 0.0})


# ----------------------------------------------------------------------------- attribute checks
def _number(value, where: str, attribute: str, allowed: str) -> float:
    """A real number from an attribute (numbers, or numeric text as GraphML may store it)."""
    if isinstance(value, bool):
        raise QClockError(f"{where}: attribute {attribute!r} must be {allowed}, got {value!r}")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise QClockError(f"{where}: attribute {attribute!r} must be {allowed}, got {value!r}") from None
    if not isinstance(value, numbers.Real):
        raise QClockError(f"{where}: attribute {attribute!r} must be {allowed}, got {value!r} "
                          f"({type(value).__name__})")
    value = float(value)
    if not math.isfinite(value):
        raise QClockError(f"{where}: attribute {attribute!r} must be {allowed}, got {value}")
    return value


def _positive(value, where: str, attribute: str, unit: str) -> float:
    number = _number(value, where, attribute, f"a number > 0 ({unit})")
    if number <= 0:
        raise QClockError(f"{where}: attribute {attribute!r} must be a number > 0 ({unit}), got {number:g}")
    return number


def _nonnegative(value, where: str, attribute: str, unit: str) -> float:
    number = _number(value, where, attribute, f"a number >= 0 ({unit})")
    if number < 0:
        raise QClockError(f"{where}: attribute {attribute!r} must be a number >= 0 ({unit}), got {number:g}")
    return number


def _node_attributes(node: str, data: Mapping) -> dict:
    where = f"node {node!r}"
    out = dict(data)
    raw_qubits = data.get("qubits", NODE_DEFAULTS["qubits"])
    qubits = _number(raw_qubits, where, "qubits", "an integer >= 1")
    if not qubits.is_integer() or qubits < 1:
        raise QClockError(f"{where}: attribute 'qubits' must be an integer >= 1, got {raw_qubits!r}")
    out["qubits"] = int(qubits)
    noise_type = data.get("noise_type", NODE_DEFAULTS["noise_type"])
    if noise_type not in NOISE_TYPE_NAMES:
        raise QClockError(f"{where}: attribute 'noise_type' must be one of "
                          f"{', '.join(map(repr, NOISE_TYPE_NAMES))}, got {noise_type!r}")
    out["noise_type"] = noise_type
    has_h = data.get("h") is not None
    has_linewidth = data.get("linewidth_hz") is not None
    if has_h and has_linewidth:
        raise QClockError(f"{where}: give 'linewidth_hz' or 'h', not both; got linewidth_hz="
                          f"{data['linewidth_hz']!r} and h={data['h']!r}")
    if has_h:
        out["h"] = _positive(data["h"], where, "h", "NIST level h_alpha of S_y, Hz^(-1-alpha)")
    elif noise_type != "white":
        raise QClockError(f"{where}: noise_type {noise_type!r} needs attribute 'h' (the NIST level h_alpha); "
                          "'linewidth_hz' defines only white frequency noise")
    else:
        out["linewidth_hz"] = _positive(data.get("linewidth_hz", NODE_DEFAULTS["linewidth_hz"]), where,
                                        "linewidth_hz", "Hz")
    out["transition_frequency_hz"] = _positive(
        data.get("transition_frequency_hz", NODE_DEFAULTS["transition_frequency_hz"]), where,
        "transition_frequency_hz", "Hz")
    if data.get("atom_linewidth_hz") is not None:
        out["atom_linewidth_hz"] = _positive(data["atom_linewidth_hz"], where, "atom_linewidth_hz", "Hz")
    role = data.get("role")
    if role in (None, ""):
        out.pop("role", None)
    elif role != "center":
        raise QClockError(f"{where}: attribute 'role' must be 'center' or absent, got {role!r}")
    return out


def _edge_attributes(u: str, v: str, data: Mapping) -> dict:
    where = f"edge ({u!r}, {v!r})"
    out = dict(data)
    fidelity = _number(data.get("fidelity", EDGE_DEFAULTS["fidelity"]), where, "fidelity",
                       "an EPR-pair fidelity in [0, 1]")
    if not 0.0 <= fidelity <= 1.0:
        raise QClockError(f"{where}: attribute 'fidelity' must be an EPR-pair fidelity in [0, 1], got {fidelity:g}")
    out["fidelity"] = fidelity
    out["length_km"] = _nonnegative(data.get("length_km", EDGE_DEFAULTS["length_km"]), where, "length_km",
                                    "km")
    if data.get("latency_s") is None:
        out["latency_s"] = out["length_km"] / FIBRE_KM_PER_S
    else:
        out["latency_s"] = _nonnegative(data["latency_s"], where, "latency_s", "s")
    return out


def validate_topology(graph) -> nx.Graph:
    """Check a clock network and return a new graph with defaults filled in.

    Parameters
    ----------
    graph : networkx.Graph
        Undirected simple graph, nodes and edges with the attributes of the
        module docstring (missing ones take the documented defaults).

    Returns
    -------
    networkx.Graph
        A fresh graph (node names as strings, attributes normalised:
        ``qubits`` int, numbers float); the input is not modified.

    Raises
    ------
    QClockError
        Not a simple undirected graph, empty, not connected, a self-loop, more
        than one center, or an attribute of a node/edge with a wrong type or
        value (the message names the node or edge, the attribute, the value
        and what is allowed).
    """
    if not isinstance(graph, nx.Graph):
        raise QClockError(f"graph must be a networkx Graph, got {type(graph).__name__}")
    if graph.is_directed():
        raise QClockError("graph must be undirected (a quantum link serves both ends), got a directed graph")
    if graph.is_multigraph():
        raise QClockError("graph must be a simple graph, got a multigraph (parallel links between two clocks)")
    if graph.number_of_nodes() == 0:
        raise QClockError("graph must have at least one clock (node), got an empty graph")
    names = {node: str(node) for node in graph.nodes}
    if len(set(names.values())) != len(names):
        raise QClockError(f"node names must stay distinct as strings, got {sorted(map(repr, graph.nodes))}")
    loops = list(nx.selfloop_edges(graph))
    if loops:
        raise QClockError(f"edge {tuple(map(str, loops[0]))!r}: a link must join two different clocks")
    clean = nx.Graph()
    clean.graph.update(graph.graph)
    for node, data in graph.nodes(data=True):
        clean.add_node(names[node], **_node_attributes(names[node], data))
    for u, v, data in graph.edges(data=True):
        clean.add_edge(names[u], names[v], **_edge_attributes(names[u], names[v], data))
    if not nx.is_connected(clean):
        parts = [sorted(part) for part in nx.connected_components(clean)]
        raise QClockError(f"graph must be connected (every clock reachable by links), got {len(parts)} "
                          f"components: {parts}")
    centers = [node for node, role in clean.nodes(data="role") if role == "center"]
    if len(centers) > 1:
        raise QClockError(f"at most one node may have role 'center', got {centers}")
    return clean


def load_topology(path) -> ClockNetwork:
    """Read a GraphML file into a validated :class:`ClockNetwork`.

    The file is parsed as XML data by networkx (nothing in it is executed or
    evaluated); DTDs and entity declarations are refused before parsing.

    Raises
    ------
    QClockError
        File missing, not valid GraphML/XML, or an invalid topology.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be the GraphML file's path (str or os.PathLike), got {path!r} "
                        f"({type(path).__name__})")
    path = Path(os.fspath(path))
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QClockError(f"path: no topology file at {str(path)!r}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise QClockError(f"path: cannot read {str(path)!r} as UTF-8 text ({exc})") from None
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise QClockError(f"{str(path)!r}: DTD and entity declarations are not allowed in a topology file")
    try:
        graph = nx.parse_graphml(text)
    except ParseError as exc:
        raise QClockError(f"{str(path)!r} is not well-formed XML: {exc}") from None
    except (nx.NetworkXError, KeyError, ValueError, TypeError) as exc:
        raise QClockError(f"{str(path)!r} is not a valid GraphML graph: {exc}") from None
    for reader_default in ("node_default", "edge_default"):  # added by networkx's reader, not data
        graph.graph.pop(reader_default, None)
    return ClockNetwork(graph)


# ----------------------------------------------------------------------------- the network
def _attribute_json(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    return value


@dataclass(frozen=True, eq=False)
class ClockNetwork:
    """A validated clock network (read-only graph) and its center.

    Parameters
    ----------
    graph : networkx.Graph
        Validated with :func:`validate_topology` and frozen (a copy; the
        argument is not modified).
    center : str, optional
        Make this node the center (its ``role`` becomes ``"center"``, any
        other center role is removed). Default: the node with
        ``role="center"``, if any.

    Attributes
    ----------
    graph : networkx.Graph
        Frozen graph with all attributes filled in.
    center : str or None
        The center node, or None when the network has none.
    """

    graph: nx.Graph
    center: str | None = None

    def __post_init__(self):
        graph = self.graph
        if self.center is not None:
            if not isinstance(graph, nx.Graph) or str(self.center) not in {str(n) for n in graph.nodes}:
                nodes = list(graph.nodes) if isinstance(graph, nx.Graph) else []
                raise QClockError(f"center must be a node of the graph {nodes}, got {self.center!r}")
            graph = nx.relabel_nodes(graph, {node: str(node) for node in graph.nodes}, copy=True)
            for node in graph.nodes:
                graph.nodes[node].pop("role", None)
            graph.nodes[str(self.center)]["role"] = "center"
        clean = nx.freeze(validate_topology(graph))
        object.__setattr__(self, "graph", clean)
        center = next((node for node, role in clean.nodes(data="role") if role == "center"), None)
        object.__setattr__(self, "center", center)

    # ------------------------------------------------------------------ views

    @property
    def nodes(self) -> tuple[str, ...]:
        """Node names in the graph's order (the order of every layout)."""
        return tuple(self.graph.nodes)

    @property
    def edges(self) -> tuple[tuple[str, str], ...]:
        return tuple((u, v) for u, v in self.graph.edges)

    @property
    def qubit_counts(self) -> dict[str, int]:
        """``{node: n_j}``, clock qubits per node."""
        return {node: int(n) for node, n in self.graph.nodes(data="qubits")}

    @property
    def total_qubits(self) -> int:
        """Clock qubits in the whole network, ``Σ_j n_j``."""
        return sum(self.qubit_counts.values())

    def qubits(self, node) -> int:
        """Clock qubits ``n_j`` of one node."""
        return self.qubit_counts[self._node(node)]

    def fidelity(self, u, v) -> float:
        """EPR-pair fidelity of the link between ``u`` and ``v``."""
        u, v = self._node(u), self._node(v)
        if not self.graph.has_edge(u, v):
            raise QClockError(f"no link between nodes {u!r} and {v!r}")
        return float(self.graph.edges[u, v]["fidelity"])

    def distribution_center(self) -> str:
        """The declared center, else the node of highest degree (first in node order on ties)."""
        if self.center is not None:
            return self.center
        return max(self.nodes, key=lambda node: (self.graph.degree[node], -self.nodes.index(node)))

    def with_center(self, node) -> ClockNetwork:
        """The same network with ``node`` as its center (the old role is removed)."""
        return ClockNetwork(self.graph, center=self._node(node))

    def with_fidelity(self, fidelity: float) -> ClockNetwork:
        """The same network with every link's EPR fidelity set to ``fidelity``."""
        graph = nx.Graph(self.graph)
        for u, v in graph.edges:
            graph.edges[u, v]["fidelity"] = fidelity
        return ClockNetwork(graph)

    def local_oscillator(self, node, *, dead_time: float = 0.0):
        """The node's LO noise as a :class:`qclock_circuits.clock.LocalOscillatorNoise`.

        White noise given by a linewidth uses ``h_0 = linewidth_hz/(π ν0²)``;
        the coherence time Z is solved from Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (30) with the dead
        time ``dead_time`` (s).
        """
        from ..clock.noise import LocalOscillatorNoise

        data = self.graph.nodes[self._node(node)]
        nu0 = data["transition_frequency_hz"]
        level = data["h"] if "h" in data else data["linewidth_hz"] / (math.pi * nu0**2)
        return LocalOscillatorNoise.from_h({data["noise_type"]: level}, nu0, dead_time=dead_time)

    def _node(self, node) -> str:
        name = str(node)
        if name not in self.graph:
            raise QClockError(f"node must be one of {list(self.nodes)}, got {node!r}")
        return name

    # ------------------------------------------------------------------ persistence
    def to_dict(self) -> dict:
        """JSON-compatible description (node and edge attribute dictionaries in graph order)."""
        return {
            "graph": {k: _attribute_json(v) for k, v in self.graph.graph.items()},
            "nodes": [{"id": node, **{k: _attribute_json(v) for k, v in data.items()}}
                      for node, data in self.graph.nodes(data=True)],
            "edges": [{"source": u, "target": v, **{k: _attribute_json(w) for k, w in data.items()}}
                      for u, v, data in self.graph.edges(data=True)],
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> ClockNetwork:
        if not isinstance(data, Mapping) or "nodes" not in data:
            raise QClockError(f"data must be a mapping with 'nodes' and 'edges', got {type(data).__name__}")
        graph = nx.Graph()
        graph.graph.update(data.get("graph", {}))
        for entry in data["nodes"]:
            entry = dict(entry)
            graph.add_node(str(entry.pop("id")), **entry)
        for entry in data.get("edges", []):
            entry = dict(entry)
            graph.add_edge(str(entry.pop("source")), str(entry.pop("target")), **entry)
        return cls(graph)

    def save_graphml(self, path) -> Path:
        """Write the network as GraphML (attributes typed int/double/string); returns the path."""
        path = Path(os.fspath(path))
        nx.write_graphml(nx.Graph(self.graph), path, named_key_ids=True)
        return path

    def __eq__(self, other) -> bool:
        if not isinstance(other, ClockNetwork):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None

    def __repr__(self) -> str:
        return (f"ClockNetwork(nodes={len(self.nodes)}, links={len(self.edges)}, "
                f"clock_qubits={self.total_qubits}, center={self.center!r})")


# ----------------------------------------------------------------------------- builders
def _clock_graph(names, qubits, node_attributes) -> nx.Graph:
    graph = nx.Graph()
    counts = [qubits] * len(names) if isinstance(qubits, numbers.Integral) else list(qubits)
    if len(counts) != len(names):
        raise QClockError(f"qubits must be one integer or one per node ({len(names)}), got {qubits!r}")
    for name, count in zip(names, counts):
        graph.add_node(name, qubits=count, **node_attributes)
    return graph


#: Most clocks a generated network may have (building the graph is O(K) Python objects; the GHZ layouts and
#: the network clock loop are far slower than that long before this size).
MAX_NODES = 100_000


def _check_size(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise QClockError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if value > MAX_NODES:
        raise QClockError(f"{name} must be <= {MAX_NODES} (the largest network supported: {MAX_NODES} clocks), "
                          f"got {value}")
    return int(value)


def star_network(leaves: int, qubits=1, fidelity: float = 1.0, length_km: float = 0.0,
                 **node_attributes) -> ClockNetwork:
    """Center ``"c"`` linked to ``leaves`` nodes ``"n1" … "nK-1"`` (K = leaves + 1 clocks)."""
    leaves = _check_size(leaves, "leaves", 1)
    names = ["c"] + [f"n{i}" for i in range(1, leaves + 1)]
    graph = _clock_graph(names, qubits, node_attributes)
    graph.nodes["c"]["role"] = "center"
    for name in names[1:]:
        graph.add_edge("c", name, fidelity=fidelity, length_km=length_km)
    return ClockNetwork(graph)


def ring_network(size: int, qubits=1, fidelity: float = 1.0, length_km: float = 0.0, center: bool = True,
                 **node_attributes) -> ClockNetwork:
    """``size`` clocks ``"r0" …`` on a ring; ``"r0"`` is the center if ``center``."""
    size = _check_size(size, "size", 3)
    names = [f"r{i}" for i in range(size)]
    graph = _clock_graph(names, qubits, node_attributes)
    for i in range(size):
        graph.add_edge(names[i], names[(i + 1) % size], fidelity=fidelity, length_km=length_km)
    if center:
        graph.nodes["r0"]["role"] = "center"
    return ClockNetwork(graph)


def chain_network(size: int, qubits=1, fidelity: float = 1.0, length_km: float = 0.0,
                  **node_attributes) -> ClockNetwork:
    """Repeater chain ``"p0" — "p1" — …``, center at the end ``"p0"``."""
    size = _check_size(size, "size", 2)
    names = [f"p{i}" for i in range(size)]
    graph = _clock_graph(names, qubits, node_attributes)
    for i in range(size - 1):
        graph.add_edge(names[i], names[i + 1], fidelity=fidelity, length_km=length_km)
    graph.nodes["p0"]["role"] = "center"
    return ClockNetwork(graph)


def mesh_network(size: int, edge_probability: float, qubits=1, seed: int = 0, fidelity=(1.0, 1.0),
                 length_km=(0.0, 0.0), **node_attributes) -> ClockNetwork:
    """Sparse random mesh: a random spanning tree plus extra links, connected by construction.

    Node ``"m{i}"`` joins a uniformly chosen earlier node (a random recursive
    tree), then every other pair is linked with probability
    ``edge_probability``; link fidelities and lengths are uniform in the
    given ``(low, high)`` ranges. All draws come from
    ``numpy.random.default_rng(seed)``; no center is set.
    """
    size = _check_size(size, "size", 2)
    probability = _number(edge_probability, "mesh_network", "edge_probability", "a probability in [0, 1]")
    if not 0.0 <= probability <= 1.0:
        raise QClockError(f"edge_probability must be a probability in [0, 1], got {probability:g}")
    rng = np.random.default_rng(seed)
    names = [f"m{i}" for i in range(size)]
    graph = _clock_graph(names, qubits, node_attributes)
    pairs = [(names[int(rng.integers(0, i))], names[i]) for i in range(1, size)]
    for i in range(size):
        for j in range(i + 1, size):
            if rng.random() < probability:
                pairs.append((names[i], names[j]))
    for u, v in pairs:
        if graph.has_edge(u, v):
            continue
        graph.add_edge(u, v, fidelity=float(np.round(rng.uniform(*fidelity), 6)),
                       length_km=float(np.round(rng.uniform(*length_km), 3)))
    return ClockNetwork(graph)
