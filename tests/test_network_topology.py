"""Clock-network topologies: validation, GraphML loading, the example files."""

from __future__ import annotations

import json
import math
import sys

import networkx as nx
import pytest

from qclock_circuits._validation import QClockError
from qclock_circuits.network import ClockNetwork, load_topology, validate_topology
from qclock_circuits.network.topology import (FIBRE_KM_PER_S, NODE_DEFAULTS, chain_network, mesh_network,
                                              ring_network, star_network)


def _graph(**node_attributes):
    graph = nx.Graph()
    graph.add_node("a", **node_attributes)
    graph.add_node("b")
    graph.add_edge("a", "b")
    return graph


def test_defaults_are_filled_in():
    clean = validate_topology(_graph())
    node = clean.nodes["b"]
    assert node["qubits"] == 1 and node["noise_type"] == "white"
    assert node["linewidth_hz"] == NODE_DEFAULTS["linewidth_hz"]
    assert node["transition_frequency_hz"] == 4.29e14
    edge = clean.edges["a", "b"]
    assert edge == {"fidelity": 1.0, "length_km": 0.0, "latency_s": 0.0}


def test_latency_defaults_to_fibre_delay():
    graph = _graph()
    graph.edges["a", "b"]["length_km"] = 1000.0
    assert validate_topology(graph).edges["a", "b"]["latency_s"] == pytest.approx(1000.0 / FIBRE_KM_PER_S)
    assert 1000.0 / FIBRE_KM_PER_S == pytest.approx(5e-3)


def test_numeric_text_is_accepted_and_input_not_modified():
    graph = _graph(qubits="4", linewidth_hz="0.5")
    clean = validate_topology(graph)
    assert clean.nodes["a"]["qubits"] == 4 and clean.nodes["a"]["linewidth_hz"] == 0.5
    assert graph.nodes["a"]["qubits"] == "4"


@pytest.mark.parametrize("attributes, words", [
    ({"qubits": 0}, ["node 'a'", "'qubits'", "0", ">= 1"]),
    ({"qubits": 2.5}, ["node 'a'", "'qubits'", "2.5"]),
    ({"qubits": "many"}, ["node 'a'", "'qubits'", "'many'"]),
    ({"noise_type": "pink"}, ["node 'a'", "'noise_type'", "'pink'", "'white'"]),
    ({"linewidth_hz": -1.0}, ["node 'a'", "'linewidth_hz'", "-1", "> 0"]),
    ({"transition_frequency_hz": 0.0}, ["node 'a'", "'transition_frequency_hz'", "> 0"]),
    ({"noise_type": "flicker"}, ["node 'a'", "'h'", "flicker"]),
    ({"h": 1e-30, "linewidth_hz": 1.0}, ["node 'a'", "not both"]),
    ({"role": "hub"}, ["node 'a'", "'role'", "'hub'", "'center'"]),
    ({"qubits": True}, ["node 'a'", "'qubits'", "True"]),
])
def test_bad_node_attributes_name_node_attribute_value(attributes, words):
    with pytest.raises(QClockError) as info:
        validate_topology(_graph(**attributes))
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("attributes, words", [
    ({"fidelity": 1.2}, ["edge ('a', 'b')", "'fidelity'", "1.2", "[0, 1]"]),
    ({"length_km": -3}, ["edge ('a', 'b')", "'length_km'", "-3"]),
    ({"latency_s": float("nan")}, ["edge ('a', 'b')", "'latency_s'", "nan"]),
])
def test_bad_edge_attributes(attributes, words):
    graph = _graph()
    graph.edges["a", "b"].update(attributes)
    with pytest.raises(QClockError) as info:
        validate_topology(graph)
    for word in words:
        assert word in str(info.value)


def test_structure_checks():
    disconnected = _graph()
    disconnected.add_node("z")
    with pytest.raises(QClockError, match="connected"):
        validate_topology(disconnected)
    two_centers = _graph(role="center")
    two_centers.nodes["b"]["role"] = "center"
    with pytest.raises(QClockError, match="at most one"):
        validate_topology(two_centers)
    with pytest.raises(QClockError, match="undirected"):
        validate_topology(nx.DiGraph([("a", "b")]))
    with pytest.raises(QClockError, match="multigraph"):
        validate_topology(nx.MultiGraph([("a", "b")]))
    with pytest.raises(QClockError, match="empty"):
        validate_topology(nx.Graph())
    loop = _graph()
    loop.add_edge("a", "a")
    with pytest.raises(QClockError, match="two different clocks"):
        validate_topology(loop)


def test_clock_network_helpers_and_round_trips(tmp_path):
    network = star_network(3, qubits=[4, 1, 2, 3], fidelity=0.9)
    assert network.center == "c"
    assert network.qubit_counts == {"c": 4, "n1": 1, "n2": 2, "n3": 3}
    assert network.total_qubits == 10
    assert network.fidelity("n2", "c") == 0.9
    with pytest.raises(QClockError, match="no link"):
        network.fidelity("n1", "n2")
    with pytest.raises(QClockError, match="node must be one of"):
        network.qubits("x")
    assert ClockNetwork.from_dict(json.loads(json.dumps(network.to_dict()))) == network
    path = network.save_graphml(tmp_path / "star.graphml")
    assert load_topology(path) == network
    assert network.with_fidelity(0.5).fidelity("c", "n1") == 0.5
    moved = network.with_center("n3")
    assert moved.center == "n3" and moved.distribution_center() == "n3"
    with pytest.raises(nx.NetworkXError, match="Frozen"):
        network.graph.add_node("x")


def test_default_center_is_highest_degree():
    graph = nx.path_graph(["a", "b", "c"])
    assert ClockNetwork(graph).center is None
    assert ClockNetwork(graph).distribution_center() == "b"
    chosen = ClockNetwork(graph, center="c")
    assert chosen.center == "c" and chosen.distribution_center() == "c"
    assert "role" not in graph.nodes["c"]  # the input graph is not modified
    assert ClockNetwork(chosen.graph, center="a").center == "a"
    with pytest.raises(QClockError, match="center must be a node"):
        ClockNetwork(graph, center="z")


def test_local_oscillator_from_linewidth_has_coherence_time_one_over_gamma():
    # white FM with Lorentzian FWHM Δν: h0 = Δν/(π ν0²); eq. (30) then gives Z = 1/(2π Δν) = 1/γ_LO
    network = star_network(1, linewidth_hz=0.25, transition_frequency_hz=1.121e15)
    noise = network.local_oscillator("n1")
    assert noise.coherence_time == pytest.approx(1.0 / (2.0 * math.pi * 0.25), rel=1e-9)
    assert noise.physical_h()[0] == pytest.approx(0.25 / (math.pi * 1.121e15**2), rel=1e-9)


def test_builders_shapes():
    ring = ring_network(6)
    assert sorted(dict(ring.graph.degree).values()) == [2] * 6
    chain = chain_network(4)
    assert chain.center == "p0" and nx.shortest_path_length(chain.graph, "p0", "p3") == 3
    mesh_a, mesh_b = mesh_network(9, 0.2, seed=3), mesh_network(9, 0.2, seed=3)
    assert mesh_a == mesh_b and nx.is_connected(mesh_a.graph)
    assert mesh_network(9, 0.2, seed=4) != mesh_a
    assert mesh_network(9, 0.0, seed=1).graph.number_of_edges() == 8  # a tree


def test_malformed_files_give_clear_errors(tmp_path):
    broken = tmp_path / "broken.graphml"
    broken.write_text("<graphml><graph><node id='a'></graph>")
    with pytest.raises(QClockError, match="not well-formed XML"):
        load_topology(broken)
    entity = tmp_path / "entity.graphml"
    entity.write_text('<?xml version="1.0"?><!DOCTYPE g [<!ENTITY x "y">]><graphml/>')
    with pytest.raises(QClockError, match="entity"):
        load_topology(entity)
    with pytest.raises(QClockError, match="no topology file"):
        load_topology(tmp_path / "missing.graphml")
    not_graphml = tmp_path / "other.graphml"
    not_graphml.write_text("<root><child/></root>")
    with pytest.raises(QClockError):
        load_topology(not_graphml)


def test_example_files_load_and_regenerate_identically(repo_root, tmp_path):
    folder = repo_root / "networks"
    sys.path.insert(0, str(folder))
    try:
        import make_examples
    finally:
        sys.path.remove(str(folder))
    written = make_examples.main(tmp_path)
    assert len(written) == 7
    for path in written:
        committed = folder / path.name
        assert committed.read_bytes() == path.read_bytes(), path.name
    al = load_topology(folder / "alplus-10x10.graphml")
    assert al.total_qubits == 100 and len(al.nodes) == 10
    assert al.graph.nodes["n3"]["transition_frequency_hz"] == 1.121e15
    assert al.graph.nodes["n3"]["atom_linewidth_hz"] == 8e-3
    sr = load_topology(folder / "sr-10x1000.graphml")
    assert sr.total_qubits == 10_000 and sr.graph.nodes["c"]["transition_frequency_hz"] == 4.29e14
    chain = load_topology(folder / "chain-5.graphml")
    assert not chain.graph.has_edge("p0", "p4")
    mesh = load_topology(folder / "mesh-8.graphml")
    assert mesh.center is None and nx.is_connected(mesh.graph)
    assert any(not mesh.graph.has_edge(mesh.distribution_center(), n) for n in mesh.nodes
               if n != mesh.distribution_center())
