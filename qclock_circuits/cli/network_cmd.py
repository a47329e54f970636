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
    qclock network --topology networks/sr-10x1000.graphml --simulate --strategy quantum_network --cycles 20000

With ``--simulate`` the network clock also runs (seed 000 Fig. 3, appendix C):
the nodes' lasers from the topology, one cascaded GHZ (or classical)
estimate per cycle of ``--interrogation-time`` seconds, the chosen feedback,
and the Allan deviation of the stabilised centre of mass.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from ._common import CLIError, format_table, integer, print_json, real

__all__ = ["NAME", "HELP", "SCHEMES", "register", "network"]

NAME = "network"
#: Fig. 3 strategies (``qclock_circuits.network.STRATEGIES``) and feedback modes (appendix C1).
STRATEGIES = ("quantum_network", "classical_cooperation", "independent", "classical_network", "classical_independent")
FEEDBACK_MODES = ("full", "centre", "regional")
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
    parser.add_argument("--shots", type=integer, default=2000, metavar="S",
                        help="shots per circuit (default 2000); 0 skips the Aer run and reports the analytic "
                             "fidelity and contrast (for networks too large to simulate, e.g. 10 x 1000 atoms)")
    parser.add_argument("--seed", type=integer, default=0, metavar="S", help="seed (>= 0, default 0)")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="write report.md, report.json and the distribution circuit (OpenQASM 3) into DIR; with "
                             "--simulate also the five strategies of seed 000 Fig. 3 and their Allan deviations "
                             "(strategies.png)")
    parser.add_argument("--simulate", action="store_true", help="also run the network clock loop")
    parser.add_argument("--strategy", choices=STRATEGIES, default="quantum_network",
                        help="with --simulate: interrogation and cooperation (seed 000 Fig. 3; default quantum_network)")
    parser.add_argument("--feedback", choices=("full", "centre"), default="full",
                        help="with --simulate: feedback to the nodes (appendix C1; default full)")
    parser.add_argument("--interrogation-time", type=real, default=1.0, metavar="T",
                        help="with --simulate: Ramsey time per cycle in seconds (default 1)")
    parser.add_argument("--cycles", type=integer, default=20_000, metavar="C",
                        help="with --simulate: clock cycles (>= 3, default 20000)")
    parser.add_argument("--json", action="store_true", help="print a JSON object")
    parser.set_defaults(handler=network)


def network(args: argparse.Namespace) -> int:
    """Handler of ``qclock network``."""
    from ..circuits import to_qasm3
    from ..network import distribution_report, ghz_distribution_circuit, load_topology

    if args.fidelity is not None and (not math.isfinite(args.fidelity) or not 0 <= args.fidelity <= 1):
        raise CLIError(f"--fidelity must be a number in [0, 1], got {args.fidelity}")
    if args.shots < 0:
        raise CLIError(f"--shots must be an integer >= 0, got {args.shots}")
    if args.seed < 0:
        raise CLIError(f"--seed must be an integer >= 0, got {args.seed}")
    out = None if args.out is None else Path(args.out)
    if out is not None and out.exists() and not out.is_dir():
        raise CLIError(f"--out must be a directory, but {str(out)!r} is a file")
    topology = load_topology(args.topology)
    if args.shots == 0:
        layout = ghz_distribution_circuit(topology, args.scheme, args.fidelity).layout
        data = {"topology": str(args.topology), "nodes": len(layout.nodes), "scheme": args.scheme,
                "qubits": len(layout.all_clock_qubits), "circuit_qubits": layout.num_qubits,
                "epr_pairs": len(layout.links), "shots": 0, "source": "analytic",
                "ghz_fidelity": layout.predicted_ghz_fidelity, "parity_contrast": layout.predicted_parity_contrast,
                "predicted_ghz_fidelity": layout.predicted_ghz_fidelity,
                "predicted_parity_contrast": layout.predicted_parity_contrast}
        report = None
    else:
        report = distribution_report(topology, args.scheme, args.fidelity, shots=args.shots, seed=args.seed)
        data = {"topology": str(args.topology), "nodes": report.nodes, **report.to_dict(), "source": "aer",
                "fidelity_z_score": report.fidelity_z_score, "contrast_z_score": report.contrast_z_score}
    if args.simulate:
        data["clock"] = _simulate(args, topology)
        if out is not None:  # the report compares all five strategies of Fig. 3
            data["strategies"] = {name: (data["clock"] if name == args.strategy else _simulate(args, topology, name))
                                  for name in STRATEGIES}
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "report.json").write_text(json.dumps(data, indent=1))
        _write_report(out, data)
        circuit = ghz_distribution_circuit(topology, args.scheme, args.fidelity).circuit
        (out / "distribution.qasm").write_text(to_qasm3(circuit))
    if args.json:
        print_json(data)
        return 0
    print(f"{args.topology}: {data['nodes']} clocks, {data['qubits']} clock qubits ({data['circuit_qubits']} in the "
          f"circuit, {data['epr_pairs']} EPR pairs), scheme {args.scheme}, {data['shots']} shots")
    if report is None:
        print(f"analytic: GHZ fidelity {data['ghz_fidelity']:.4f}, parity contrast {data['parity_contrast']:.4f}")
    else:
        rows = [["GHZ fidelity", report.ghz_fidelity, report.ghz_fidelity_se, report.predicted_ghz_fidelity],
                ["parity contrast", report.parity_contrast, report.parity_contrast_se,
                 report.predicted_parity_contrast]]
        print(format_table(["quantity", "measured", "std. error", "predicted"], rows, "{:.4f}"))
    if args.simulate:
        clock = data["clock"]
        print(f"\nnetwork clock ({clock['strategy']}, {clock['feedback']} feedback, T = {clock['interrogation_time']} s, "
              f"{clock['cycles']} cycles): white level sigma_y(1 s) = {clock['white_level']:.3g}, "
              f"cascade errors {clock['cascade_errors']}, phase slips {clock['phase_slips']}")
    return 0


def _simulate(args: argparse.Namespace, topology, strategy: str | None = None) -> dict:
    """Run the network clock on the topology with one strategy and summarise its Allan deviation."""
    from ..clock import long_tau_fit
    from ..network import simulate_network_clock

    if not math.isfinite(args.interrogation_time) or args.interrogation_time <= 0:
        raise CLIError(f"--interrogation-time must be a finite number > 0 (s), got {args.interrogation_time}")
    if args.cycles < 3:
        raise CLIError(f"--cycles must be an integer >= 3, got {args.cycles}")
    strategy = args.strategy if strategy is None else strategy
    result = simulate_network_clock(topology, args.interrogation_time, args.cycles, strategy=strategy,
                                    feedback=args.feedback, seed=args.seed)
    adev = result.com_adev if strategy not in ("independent", "classical_independent") else result.node_adev[0]
    level = long_tau_fit(adev, min_tau=min(64 * args.interrogation_time, float(adev.tau[-1])))
    return {"strategy": strategy, "feedback": args.feedback, "interrogation_time": args.interrogation_time,
            "cycles": args.cycles, "white_level": level, "adev": {"tau": adev.tau.tolist(),
                                                                  "sigma": adev.sigma.tolist()},
            "cascade_errors": int(result.cascade_errors), "phase_slips": int(sum(result.phase_slips))}


def _write_report(out: Path, data: dict) -> None:
    """report.md (state quality, and with --simulate the five strategies of seed 000 Fig. 3) and strategies.png."""
    lines = [f"# Clock network `{data['topology']}`", "",
             f"{data['nodes']} clocks, {data['qubits']} clock qubits, scheme `{data['scheme']}` "
             f"({data['circuit_qubits']} qubits in the circuit, {data['epr_pairs']} EPR pairs).", "",
             "| quantity | value | predicted |", "|---|---|---|"]
    for key, label in (("ghz_fidelity", "GHZ fidelity"), ("parity_contrast", "parity contrast")):
        error = data.get(f"{key}_se")
        value = f"{data[key]:.4f}" + (f" ± {error:.4f}" if error is not None else " (analytic)")
        lines.append(f"| {label} | {value} | {data[f'predicted_{key}']:.4f} |")
    strategies = data.get("strategies")
    if strategies:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        figure, axis = plt.subplots(figsize=(6.4, 4.4), constrained_layout=True)
        for name, clock in strategies.items():
            axis.loglog(clock["adev"]["tau"], clock["adev"]["sigma"], "o-", ms=3, label=name.replace("_", " "))
        axis.set_xlabel("averaging time τ (s)")
        axis.set_ylabel("σ_y(τ)")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8)
        figure.savefig(out / "strategies.png", dpi=120)
        plt.close(figure)
        lines += ["", f"## Network clock (seed 000 Fig. 3), T = {data['clock']['interrogation_time']} s, "
                      f"{data['clock']['cycles']} cycles, {data['clock']['feedback']} feedback", "",
                  "Centre of mass for the cooperative strategies, one node for the independent ones; the white "
                  "level is σ_y√τ fitted from τ = 64 T on.", "",
                  "| strategy | white level σ_y(1 s) | cascade errors | phase slips |", "|---|---|---|---|"]
        for name, clock in strategies.items():
            lines.append(f"| {name} | {clock['white_level']:.3g} | {clock['cascade_errors']} | "
                         f"{clock['phase_slips']} |")
        lines += ["", "![Allan deviations](strategies.png)"]
    (out / "report.md").write_text("\n".join(lines) + "\n")
