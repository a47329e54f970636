"""Regenerate the example clock-network topologies of this folder (deterministic).

Usage: ``python networks/make_examples.py [output_folder]`` (default: this folder).
Every file is written by :meth:`qclock_circuits.network.ClockNetwork.save_graphml`;
running the script twice gives byte-identical files.
"""

from __future__ import annotations

import sys
from pathlib import Path

from qclock_circuits.network import chain_network, mesh_network, ring_network, star_network

#: LO linewidth (Hz) of the examples. Seed 000 gives no LO linewidth for its
#: worked examples (only the atoms' natural linewidths), so this is an
#: illustrative value for a cavity-stabilised clock laser.
LO_LINEWIDTH_HZ = 0.1
SR_FREQUENCY_HZ = 4.29e14  # seed 000: ω0 = 2π × 429 THz
AL_FREQUENCY_HZ = 1.121e15  # seed 000: ω0 = 2π × 1121 THz


def _named(network, name: str, description: str):
    graph = network.graph.copy()
    graph.graph["name"] = name
    graph.graph["description"] = description
    return type(network)(graph)


def examples() -> dict:
    """``{file stem: ClockNetwork}`` of all examples."""
    sr = {"transition_frequency_hz": SR_FREQUENCY_HZ, "linewidth_hz": LO_LINEWIDTH_HZ, "atom_linewidth_hz": 1e-3}
    al = {"transition_frequency_hz": AL_FREQUENCY_HZ, "linewidth_hz": LO_LINEWIDTH_HZ, "atom_linewidth_hz": 8e-3}
    return {
        "star-4": _named(star_network(3, qubits=3, fidelity=0.97, length_km=100.0, **sr), "star-4",
                         "center c and three nodes, 3 qubits each, F = 0.97 links"),
        "star-10": _named(star_network(9, qubits=10, fidelity=0.99, length_km=1000.0, **sr), "star-10",
                          "center c and nine nodes, 10 qubits each, F = 0.99 links"),
        "ring-6": _named(ring_network(6, qubits=2, fidelity=0.95, length_km=300.0, **sr), "ring-6",
                         "six clocks on a ring, center r0; r2, r3, r4 are not linked to the center"),
        "chain-5": _named(chain_network(5, qubits=2, fidelity=0.98, length_km=200.0, **sr), "chain-5",
                          "repeater chain p0-p1-p2-p3-p4 with the center p0 at one end"),
        "mesh-8": _named(mesh_network(8, 0.15, qubits=2, seed=7, fidelity=(0.9, 0.99), length_km=(50.0, 500.0),
                                      **sr), "mesh-8",
                         "sparse random mesh (seed 7), no center, per-link fidelities in [0.9, 0.99]"),
        "alplus-10x10": _named(star_network(9, qubits=10, **al), "alplus-10x10",
                               "seed 000 worked example: ten Al+ ion clocks with ten ions each, ideal links"),
        "sr-10x1000": _named(star_network(9, qubits=1000, **sr), "sr-10x1000",
                             "seed 000 worked example: ten Sr lattice clocks with 1000 atoms each, ideal links"),
    }


def main(folder=None) -> list[Path]:
    folder = Path(__file__).resolve().parent if folder is None else Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [network.save_graphml(folder / f"{stem}.graphml") for stem, network in examples().items()]


if __name__ == "__main__":
    for path in main(sys.argv[1] if len(sys.argv) > 1 else None):
        print(path)
