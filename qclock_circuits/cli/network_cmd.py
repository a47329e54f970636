"""``qclock network``: distribute a GHZ state over a clock network on Aer and measure it (seed 000).

Loads a GraphML topology (``networks/`` ships examples), builds the chosen
distribution scheme as a Qiskit dynamic circuit (EPR links, Bell
measurements, classically controlled corrections), runs it on Aer's
stabilizer method with every link's EPR pair a Werner state of fidelity F
(``--fidelity``, default: each edge's own ``fidelity``), and reports the
measured GHZ fidelity and parity contrast with their standard errors next to
the analytic predictions.

Examples
--------
::

    qclock network --topology networks/star-4.graphml --json
    qclock network --topology networks/alplus-10x10.graphml --fidelity 0.99 --shots 4000
    qclock network --topology networks/ring-6.graphml --scheme repeater --out ring-report
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from ._common import CLIError, format_table, integer, print_json, real

__all__ = ["NAME", "HELP", "SCHEMES", "register", "network"]

NAME = "network"
#: Distribution schemes (``qclock_circuits.network.SCHEMES``; listed here so the parser does not import Qiskit).
SCHEMES = ("star", "no-ancilla", "repeater", "flat")
HELP = "GHZ distribution over a clock network (GraphML) on Aer: measured fidelity and parity contrast"


def register(subparsers) -> None:
    """Add ``qclock network`` to the ``qclock`` parser."""
    parser = subparsers.add_parser(
        NAME, help=HELP,
        description="Distribute a GHZ state over the clocks of a network (seed 000 Fig. 2 and supplement) as a "
                    "Qiskit dynamic circuit, run it on Aer (stabilizer method) with Werner EPR links, and report "
                    "the measured GHZ fidelity and parity contrast next to the analytic predictions.")
    parser.add_argument("--topology", required=True, metavar="FILE", help="GraphML topology file")
    parser.add_argument("--scheme", choices=SCHEMES, default="star",
                        help="distribution scheme (default: star, the center with ancillas)")
    parser.add_argument("--fidelity", type=real, default=None, metavar="F",
                        help="Werner fidelity of every link's EPR pair, in [0, 1] (default: each edge's own)")
    parser.add_argument("--shots", type=integer, default=2000, metavar="S", help="shots per circuit (default 2000)")
    parser.add_argument("--seed", type=integer, default=0, metavar="S", help="seed (>= 0, default 0)")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="write report.json and the distribution circuit (OpenQASM 3) into DIR")
    parser.add_argument("--json", action="store_true", help="print a JSON object")
    parser.set_defaults(handler=network)


def network(args: argparse.Namespace) -> int:
    """Handler of ``qclock network``."""
    from ..circuits import to_qasm3
    from ..network import distribution_report, ghz_distribution_circuit, load_topology

    if args.fidelity is not None and (not math.isfinite(args.fidelity) or not 0 <= args.fidelity <= 1):
        raise CLIError(f"--fidelity must be a number in [0, 1], got {args.fidelity}")
    if args.shots < 1:
        raise CLIError(f"--shots must be an integer >= 1, got {args.shots}")
    if args.seed < 0:
        raise CLIError(f"--seed must be an integer >= 0, got {args.seed}")
    out = None if args.out is None else Path(args.out)
    if out is not None and out.exists() and not out.is_dir():
        raise CLIError(f"--out must be a directory, but {str(out)!r} is a file")
    topology = load_topology(args.topology)
    report = distribution_report(topology, args.scheme, args.fidelity, shots=args.shots, seed=args.seed)
    data = {"topology": str(args.topology), "nodes": report.nodes, **report.to_dict(),
            "fidelity_z_score": report.fidelity_z_score, "contrast_z_score": report.contrast_z_score}
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "report.json").write_text(json.dumps(data, indent=1))
        circuit = ghz_distribution_circuit(topology, args.scheme, args.fidelity).circuit
        (out / "distribution.qasm").write_text(to_qasm3(circuit))
    if args.json:
        print_json(data)
        return 0
    print(f"{args.topology}: {report.nodes} clocks, {report.qubits} clock qubits ({report.circuit_qubits} in the "
          f"circuit, {report.epr_pairs} EPR pairs), scheme {args.scheme}, {report.shots} shots")
    rows = [["GHZ fidelity", report.ghz_fidelity, report.ghz_fidelity_se, report.predicted_ghz_fidelity],
            ["parity contrast", report.parity_contrast, report.parity_contrast_se,
             report.predicted_parity_contrast]]
    print(format_table(["quantity", "measured", "std. error", "predicted"], rows, "{:.4f}"))
    return 0
