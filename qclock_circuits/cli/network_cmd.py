"""``qclock network``: distribute a GHZ state over a clock network on Aer and measure it (Kómár et al.).

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
    qclock network --topology networks/sr-10x1000.graphml --shots 0 --simulate --allocation loop_optimal \
        --latency topology --security --fig3 --out sr-report

Units: every time of this command is in seconds (``time_unit`` ``"s"`` in the
output): the topology gives each node's laser in physical units (linewidth,
noise levels), which is the package's unit rule — seconds wherever the laser's
noise level or coherence time is given (units of Z only for the normalised
laser of the other commands).

With ``--simulate`` the network clock also runs (Kómár et al. Fig. 3, appendix C):
the nodes' lasers from the topology, one cascaded GHZ (or classical)
estimate per cycle of ``--interrogation-time`` seconds, the chosen feedback,
and the Allan deviation of the stabilised centre of mass. A run that fails
physically (phase slips, a cascade that misses in more than 5% of the
cycles, σ_y(τ) not averaging down, too short for the fit) is reported as
FAILED with its reasons and without a white level, and the command exits
with status 1. With ``--out`` every finished strategy run is stored in
``DIR/runs`` (validated, resumable) and ``DIR`` is claimed for this job.
``--allocation loop_optimal`` chooses the cascade for the running loop,
``--latency`` adds the link delays of appendix C2, ``--security`` adds the
sabotage rates and the eavesdropper's view (appendix B) and ``--fig3`` the
five strategies of Fig. 3 over T = 0.01–100 s with the paper's scalings
fitted (Kómár et al., Nature Physics 10, 582 (2014)).
"""

from __future__ import annotations

import argparse
import json
import math
import os
from pathlib import Path

from ._common import CLIError, add_quiet, format_table, integer, print_json, progress_reporter, real

__all__ = ["NAME", "HELP", "SCHEMES", "register", "network"]

NAME = "network"
#: Fig. 3 strategies (``qclock_circuits.network.STRATEGIES``) and feedback modes (appendix C1).
STRATEGIES = ("quantum_network", "classical_cooperation", "independent", "classical_network", "classical_independent")
FEEDBACK_MODES = ("full", "centre", "regional")
#: Distribution schemes (``qclock_circuits.network.SCHEMES``; listed here so the parser does not import Qiskit).
SCHEMES = ("star", "no-ancilla", "repeater", "flat")
#: ``--allocation`` choices: the loop's default (``optimal_copies``) or ``"loop_optimal"``.
ALLOCATIONS = ("paper", "loop_optimal")
HELP = "GHZ distribution over a clock network (GraphML) on Aer: measured fidelity and parity contrast"


def register(subparsers) -> None:
    """Add ``qclock network`` to the ``qclock`` parser.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The object returned by ``ArgumentParser.add_subparsers`` on the
        ``qclock`` parser; the new subcommand is added to it.
    """
    parser = subparsers.add_parser(
        NAME, help=HELP,
        description="Distribute a GHZ state over the clocks of a network (Kómár et al. Fig. 2 and supplement) as a "
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
                             "--simulate also the five strategies of Kómár et al. Fig. 3 and their Allan deviations "
                             "(strategies.png)")
    parser.add_argument("--simulate", action="store_true", help="also run the network clock loop")
    parser.add_argument("--strategy", choices=STRATEGIES, default=None,
                        help="with --simulate: interrogation and cooperation (Kómár et al. Fig. 3; default quantum_network)")
    parser.add_argument("--feedback", choices=("full", "centre"), default=None,
                        help="with --simulate: feedback to the nodes (appendix C1; default full)")
    parser.add_argument("--interrogation-time", type=real, default=None, metavar="T",
                        help="with --simulate: Ramsey time per cycle in seconds (default 1; the topology gives the "
                             "lasers in physical units, so every time of this command is in seconds)")
    parser.add_argument("--cycles", type=integer, default=None, metavar="C",
                        help="with --simulate: clock cycles (>= 3, default 20000)")
    parser.add_argument("--allocation", choices=ALLOCATIONS, default=None,
                        help="with --simulate: the cascade's allocation — 'paper' (Kómár et al. appendix A with exact "
                             "digit errors, default) or 'loop_optimal' (chosen by exact error budget for the loop's "
                             "prior width, each node's dephasing and qubits)")
    parser.add_argument("--latency", default=None, metavar="S|topology",
                        help="with --simulate: one-way delay between the centre and each node, in seconds, or "
                             "'topology' for the edges' latency_s (appendix C2: distribution wait, delayed "
                             "feedback; default 0)")
    parser.add_argument("--security", action="store_true",
                        help="add the security studies (Kómár et al. appendix B): sabotage-test false-positive and "
                             "detection rates for this network's N and K, and what an eavesdropper rebuilds from "
                             "the intercepted LO signals")
    parser.add_argument("--fig3", action="store_true",
                        help="add Fig. 3 of Kómár et al. (2014) for this network's K, qubits per node (the smallest), "
                             "atomic linewidth and ν0: the five strategies in the closed loop over T = 0.01-100 s "
                             "(2000 cycles each, loop-optimal allocations, pre-narrowed lasers), σ_y(τ) with the "
                             "paper's scalings fitted (fig3.png with --out; minutes for 10 x 1000 atoms)")
    parser.add_argument("--json", action="store_true", help="print a JSON object (no progress display)")
    add_quiet(parser)
    parser.set_defaults(handler=network)


def network(args: argparse.Namespace) -> int:
    """Handler of ``qclock network``: run the command and print its result.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line of ``qclock network`` (built by :func:`register`).

    Returns
    -------
    int
        The process exit status: 0 on success, 1 when the network clock run
        failed physically (``--simulate``: phase slips, cascade misses, an
        Allan deviation that does not average down).

    Raises
    ------
    CLIError
        When an option is out of range or options contradict each other; the
        message names the option, the value received and what is allowed.
    """
    from ..circuits import to_qasm3
    from ..network import distribution_report, ghz_distribution_circuit, load_topology

    if args.fidelity is not None and (not math.isfinite(args.fidelity) or not 0 <= args.fidelity <= 1):
        raise CLIError(f"--fidelity must be a number in [0, 1], got {args.fidelity}")
    if args.shots < 0:
        raise CLIError(f"--shots must be an integer >= 0, got {args.shots}")
    if args.seed < 0:
        raise CLIError(f"--seed must be an integer >= 0, got {args.seed}")
    _check_clock_options(args)
    out = None if args.out is None else Path(args.out)
    if out is not None and out.exists() and not out.is_dir():
        raise CLIError(f"--out must be a directory, but {str(out)!r} is a file")
    topology = load_topology(args.topology)
    if out is not None:
        from ..runtime import claim_directory

        claim_directory(out, _job(args), what="qclock network")
    if args.shots == 0:
        layout = ghz_distribution_circuit(topology, args.scheme, args.fidelity).layout
        data = {"topology": str(args.topology), "nodes": len(layout.nodes), "scheme": args.scheme,
                "qubits": len(layout.all_clock_qubits), "circuit_qubits": layout.num_qubits,
                "epr_pairs": len(layout.links), "shots": 0, "source": "analytic",
                "ghz_fidelity": layout.predicted_ghz_fidelity, "parity_contrast": layout.predicted_parity_contrast,
                "predicted_ghz_fidelity": layout.predicted_ghz_fidelity,
                "predicted_parity_contrast": layout.predicted_parity_contrast, "time_unit": "s"}
        report = None
    else:
        report = distribution_report(topology, args.scheme, args.fidelity, shots=args.shots, seed=args.seed)
        data = {"topology": str(args.topology), "nodes": report.nodes, **report.to_dict(), "source": "aer",
                "time_unit": "s",
                "fidelity_z_score": report.fidelity_z_score, "contrast_z_score": report.contrast_z_score}
    if args.simulate:
        names = STRATEGIES if out is not None else (args.strategy,)  # the report compares all five of Fig. 3
        clocks = _simulate_all(args, names, None if out is None else out / "runs")
        data["clock"] = clocks[args.strategy]
        if out is not None:
            data["strategies"] = clocks
            data["identical_curves"] = _identical(clocks)
    if args.security:
        data["security"] = security_study(topology, args)
    if args.fig3:
        data["fig3"] = fig3_study(topology, None if out is None else out / "fig3")
    if out is not None:
        from ..runtime import write_atomic

        write_atomic(out / "report.json", json.dumps(data, indent=1))
        _write_report(out, data)
        circuit = ghz_distribution_circuit(topology, args.scheme, args.fidelity).circuit
        write_atomic(out / "distribution.qasm", to_qasm3(circuit))
    failed = args.simulate and data["clock"]["failed"]
    if args.json:
        print_json(data)
        return 1 if failed else 0
    print(f"{args.topology}: {data['nodes']} clocks, {data['qubits']} clock qubits ({data['circuit_qubits']} in the "
          f"circuit, {data['epr_pairs']} EPR pairs), scheme {args.scheme}, {data['shots']} shots")
    if report is None:
        print(f"analytic: GHZ fidelity {data['ghz_fidelity']:.4f}, parity contrast {data['parity_contrast']:.4f}")
    else:
        rows = [["GHZ fidelity", report.ghz_fidelity, report.ghz_fidelity_se, report.predicted_ghz_fidelity],
                ["parity contrast", report.parity_contrast, report.parity_contrast_se,
                 report.predicted_parity_contrast]]
        print(format_table(["quantity", "measured", "std. error", "predicted"], rows, "{:.4f}"))
    if args.security:
        print(_security_text(data["security"]))
    if args.fig3:
        print(_fig3_text(data["fig3"]))
    if args.simulate:
        clock = data["clock"]
        head = (f"\nnetwork clock ({clock['strategy']}, {clock['feedback']} feedback, "
                f"T = {clock['interrogation_time']} s, {clock['cycles']} cycles): ")
        if failed:
            print(head + "FAILED: " + "; ".join(clock["problems"]) + " (no stability figure: the run did not hold "
                  "the clock)")
        else:
            print(head + f"white level sigma_y(1 s) = {clock['white_level']:.3g}, cascade errors "
                  f"{clock['cascade_errors']}, phase slips {clock['phase_slips']}")
    return 1 if failed else 0


_CLOCK_OPTIONS = {"strategy": "quantum_network", "feedback": "full", "interrogation_time": 1.0, "cycles": 20_000,
                  "allocation": "paper", "latency": "0"}


def _check_clock_options(args: argparse.Namespace) -> None:
    """The loop options apply only with --simulate: given without it they are an error; then fill the defaults."""
    given = [name for name in _CLOCK_OPTIONS if getattr(args, name) is not None]
    if given and not args.simulate:
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        one = len(given) == 1
        raise CLIError(f"{flags} only {'applies' if one else 'apply'} with --simulate (the network clock loop); add "
                       f"--simulate or leave {'it' if one else 'them'} out")
    for name, default in _CLOCK_OPTIONS.items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    if not args.simulate:
        return
    if not math.isfinite(args.interrogation_time) or args.interrogation_time <= 0:
        raise CLIError(f"--interrogation-time must be a finite number > 0 (s), got {args.interrogation_time}")
    from ..network.loop import MAX_NETWORK_CYCLES

    if args.latency != "topology":
        try:
            value = float(args.latency)
        except ValueError:
            raise CLIError(f"--latency must be a delay in seconds (>= 0) or 'topology', got {args.latency!r}") from None
        if not math.isfinite(value) or value < 0:
            raise CLIError(f"--latency must be a delay in seconds (>= 0) or 'topology', got {args.latency!r}")
    if not 3 <= args.cycles <= MAX_NETWORK_CYCLES:
        raise CLIError(f"--cycles must be an integer from 3 to {MAX_NETWORK_CYCLES:.0e} (the loop runs about 5e5 "
                       f"cycles/s for 10 clocks), got {args.cycles}")


def _topology_digest(path) -> str:
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _job(args: argparse.Namespace) -> dict:
    """Everything that determines the files a ``qclock network --out`` job writes."""
    job = {"topology": str(args.topology), "topology_sha256": _topology_digest(args.topology), "scheme": args.scheme,
           "fidelity": args.fidelity, "shots": args.shots, "seed": args.seed, "simulate": args.simulate,
           "security": args.security, "fig3": args.fig3}
    if args.simulate:
        job.update({name: getattr(args, name) for name in _CLOCK_OPTIONS})
    return job


def network_clock_point(point: dict) -> dict:
    """One strategy of the network clock on a topology file, summarised (a runtime sweep function).

    ``point``: ``{"topology", "topology_sha256", "strategy", "feedback", "interrogation_time", "cycles", "seed"}``.
    Returns the Allan deviation (centre of mass for the cooperative strategies, node 0 for the independent ones),
    cascade errors, phase slips and the :meth:`~qclock_circuits.network.NetworkClockResult.problems` of the run.
    """
    from ..clock import long_tau_fit
    from ..network import load_topology, simulate_network_clock

    if _topology_digest(point["topology"]) != point["topology_sha256"]:
        raise CLIError(f"the topology file {point['topology']!r} changed while the job ran")
    strategy = point["strategy"]
    allocation = point.get("allocation", "paper")
    latency = point.get("latency", "0")
    result = simulate_network_clock(load_topology(point["topology"]), point["interrogation_time"], point["cycles"],
                                    strategy=strategy, feedback=point["feedback"], seed=point["seed"],
                                    allocation=None if allocation == "paper" else allocation,
                                    latency=None if latency == "topology" else float(latency),
                                    progress=_CYCLE_PROGRESS.get(strategy))
    adev = result.com_adev if strategy not in ("independent", "classical_independent") else result.node_adev[0]
    level = long_tau_fit(adev, min_tau=min(64 * point["interrogation_time"], float(adev.tau[-1])))
    return {"adev": {"tau": adev.tau.tolist(), "sigma": adev.sigma.tolist()}, "white_level": float(level),
            "cascade_errors": int(result.cascade_errors), "phase_slips": int(sum(result.phase_slips)),
            "network_cycles": int(result.network_cycles), "problems": result.problems(),
            "local_errors": int(sum(result.local_errors)), "feedback_delay": int(result.feedback_delay)}


def check_network_clock_point(point: dict, result: dict) -> None:
    """Schema and range check of a stored :func:`network_clock_point` result."""
    tau, sigma = result["adev"]["tau"], result["adev"]["sigma"]
    if not isinstance(tau, list) or not tau or len(tau) != len(sigma):
        raise CLIError("the Allan deviation must have one sigma per tau")
    if any(not isinstance(v, (int, float)) or not (math.isfinite(v) and v > 0) for v in tau + sigma):
        raise CLIError("tau and sigma must be finite numbers > 0")
    if not isinstance(result["white_level"], float) or not (math.isfinite(result["white_level"])
                                                            and result["white_level"] > 0):
        raise CLIError(f"white_level must be a finite number > 0, got {result['white_level']!r}")
    for name in ("cascade_errors", "phase_slips", "network_cycles"):
        if not isinstance(result[name], int) or result[name] < 0:
            raise CLIError(f"{name} must be an integer >= 0, got {result[name]!r}")
    if not isinstance(result["problems"], list) or not all(isinstance(v, str) for v in result["problems"]):
        raise CLIError("problems must be a list of str")


#: ``{strategy: progress(done_cycles, cycles)}`` of the running ``qclock network --simulate`` (serial sweep only).
_CYCLE_PROGRESS: dict = {}


def _simulate_all(args: argparse.Namespace, strategies, store) -> dict:
    """Run the network clock for each strategy (through the result store when ``store`` is a directory)."""
    from ..runtime import run_sweep

    bar = progress_reporter(args, args.cycles * len(strategies), "network clock", "cycles")
    if bar is not None:
        bar(0)
        for index, name in enumerate(strategies):
            _CYCLE_PROGRESS[name] = lambda done, _total, offset=index * args.cycles: bar(offset + done)

    base = {"topology": str(Path(args.topology).resolve()), "topology_sha256": _topology_digest(args.topology),
            "feedback": args.feedback, "interrogation_time": args.interrogation_time, "cycles": args.cycles,
            "seed": args.seed, "allocation": args.allocation, "latency": args.latency}
    points = [{**base, "strategy": name} for name in strategies]
    try:
        results = run_sweep(network_clock_point, points, store=store, backend="serial", version="network-clock-2",
                            check=check_network_clock_point)
    finally:
        _CYCLE_PROGRESS.clear()
        if bar is not None:
            bar.close()
    return {name: _summary(args, name, value) for name, value in zip(strategies, results)}


def _summary(args: argparse.Namespace, strategy: str, value: dict) -> dict:
    """White level of one run, or None with the reasons when the run failed physically."""
    import numpy as np

    tau, sigma = np.asarray(value["adev"]["tau"]), np.asarray(value["adev"]["sigma"])
    fit_from = 64 * args.interrogation_time
    problems = list(value["problems"])
    region = tau >= fit_from * (1 - 1e-12)
    if region.sum() < 2:
        problems.append(f"too short for the fit: fewer than two averaging times >= 64 T = {fit_from:.3g} s "
                        "(use more --cycles)")
    else:
        slope = float(np.polyfit(np.log(tau[region]), np.log(sigma[region]), 1)[0])
        if slope > 0:
            problems.append(f"sigma_y(tau) rises with tau beyond 64 T (log-log slope {slope:+.2f}): the loop does "
                            "not average the frequency down")
    level = None if problems else value["white_level"]
    return {"strategy": strategy, "feedback": args.feedback, "interrogation_time": args.interrogation_time,
            "time_unit": "s",
            "cycles": args.cycles, "white_level": level, "failed": bool(problems), "problems": problems,
            "adev": value["adev"], "cascade_errors": value["cascade_errors"], "phase_slips": value["phase_slips"],
            "network_cycles": value["network_cycles"]}


#: Acceptance half-width Λ of the sabotage test (Kómár et al. appendix B1 use Λ = 4).
SABOTAGE_WINDOW = 4.0


def security_study(topology, args: argparse.Namespace) -> dict:
    """Sabotage-test rates (analytic and Monte Carlo) and the eavesdropper's view for this network (appendix B).

    Sabotage (B1): one node tested per round with acceptance half-width
    Λ = 4 in units of √(K/N); false positives of an honest node and detection
    rates of a node reporting random bits, flipped bits or an LO offset of
    0.3 rad. Eavesdropping (B2): the members' stabilised centre of mass
    against the free-running one an eavesdropper rebuilds from every
    intercepted LO signal (σ ratio per τ), and the correlation of the
    key-modulated feedback with the feedback itself.
    """
    from ..network import rejection_probability, simulate_eavesdropping, simulate_sabotage_tests

    K, N = len(topology.nodes), topology.total_qubits
    sabotage = []
    for behaviour, extra in (("honest", {}), ("random_bits", {}), ("flipped_bits", {}),
                             ("lo_offset", {"lo_offset": 0.3})):
        trials = simulate_sabotage_tests(behaviour, SABOTAGE_WINDOW, N, K, trials=100_000, seed=args.seed, **extra)
        sabotage.append({"behaviour": behaviour, "rate": trials.rejections / trials.trials,
                         "rate_se": math.sqrt(max(trials.rejections, 1)) / trials.trials,
                         "analytic": rejection_probability(behaviour, SABOTAGE_WINDOW, N, K, **extra), **extra})
    los = [topology.local_oscillator(n) for n in topology.nodes]
    interrogation = getattr(args, "interrogation_time", None) or 1.0
    eaves = simulate_eavesdropping(los, 4096, interrogation, seed=args.seed)
    ratio = eaves.ratio()
    return {"window": SABOTAGE_WINDOW, "nodes": K, "total_qubits": N, "sabotage": sabotage,
            "eavesdropping": {"tau": eaves.stabilised.tau.tolist(), "members_sigma": eaves.stabilised.sigma.tolist(),
                              "eavesdropper_sigma": eaves.eavesdropper.sigma.tolist(),
                              "ratio": ratio.tolist(), "key_correlation": eaves.key_correlation}}


def fig3_study(topology, store) -> dict:
    """Fig. 3 from the closed loop for this network (:mod:`qclock_circuits.network.figure3`), as plain data."""
    from ..network.figure3 import assemble_fig3, fig3_point, fig3_points
    from ..runtime import run_sweep

    names = topology.nodes
    linewidths = {topology.graph.nodes[n].get("atom_linewidth_hz") for n in names}
    if None in linewidths:
        raise CLIError("--fig3 needs every node's atom_linewidth_hz (the qubits' dephasing sets the floor of eq. 4); "
                       f"nodes without it: {[n for n in names if topology.graph.nodes[n].get('atom_linewidth_hz') is None]}")
    qubits = min(topology.qubits(n) for n in names)
    if qubits < 2:
        raise CLIError(f"--fig3 needs at least 2 qubits per node, the smallest node has {qubits}")
    nu0 = float(topology.graph.nodes[names[0]]["transition_frequency_hz"])
    points = fig3_points(len(names), qubits, float(max(linewidths)), nu0)
    results = run_sweep(fig3_point, points, store=store, workers=2, version="fig3-1")
    fig = assemble_fig3(points, results)
    if store is not None:
        from ..plot import network_strategies

        network_strategies(fig, path=store.parent / "fig3.png",
                           title=f"{len(names)} clocks x {qubits} atoms (loop; dotted: closed forms)")
    out = fig.to_dict()
    out.update({"nodes": len(names), "qubits_per_node": qubits, "atom_linewidth_hz": float(max(linewidths)),
                "invalid": fig.invalid()})
    out.pop("points")
    return out


def _factor(value: float) -> str:
    return "not reached in τ ≤ 10⁴ s" if value is None or not math.isfinite(value) else f"{value:.3g}×"


def _fig3_text(fig3: dict) -> str:
    fits = fig3["fits"]
    lines = [f"\nFig. 3 (Kómár et al. 2014) from the loop, {fig3['nodes']} clocks x {fig3['qubits_per_node']} atoms:",
             f"  (a) short-tau slope {fits['slope_a_short']:+.2f} (paper -1); (b)/(a) {fits['ratio_b_over_a_short']:.2f}, "
             f"(c)/(b) {fits['ratio_c_over_b_short']:.2f} (paper sqrt K = {fits['paper_sqrt_K']:.2f}); "
             f"(b) reaches the floor {_factor(fits['later_b_over_a'])} later than (a) (paper K)"]
    lines += [f"  left out: {item}" for item in fig3["invalid"]]
    return "\n".join(lines)


def _security_text(security: dict) -> str:
    lines = [f"\nsecurity (Kómár et al. appendix B), K = {security['nodes']}, N = {security['total_qubits']}:",
             f"  sabotage test, window {security['window']:g} sqrt(K/N), rejection rate per test "
             "(Monte Carlo ± SE [analytic]):"]
    for row in security["sabotage"]:
        what = "false positive" if row["behaviour"] == "honest" else f"{row['behaviour']} caught"
        lines.append(f"    {what:>20}: {row['rate']:.3g} ± {row['rate_se']:.1g} [{row['analytic']:.3g}]")
    eaves = security["eavesdropping"]
    lines.append(f"  eavesdropper: sigma(intercepted COM)/sigma(members) = {eaves['ratio'][0]:.3g} at tau = "
                 f"{eaves['tau'][0]:.3g} s ... {eaves['ratio'][-1]:.3g} at {eaves['tau'][-1]:.3g} s; key-modulated "
                 f"feedback vs feedback correlation {eaves['key_correlation']:+.3f}")
    return "\n".join(lines)


def _identical(clocks: dict) -> list[list[str]]:
    """Groups of strategies whose Allan deviations are identical (e.g. strategies that coincide on this network)."""
    groups: list[list[str]] = []
    for name, clock in clocks.items():
        for group in groups:
            if clocks[group[0]]["adev"] == clock["adev"]:
                group.append(name)
                break
        else:
            groups.append([name])
    return [group for group in groups if len(group) > 1]


def _write_report(out: Path, data: dict) -> None:
    """report.md (state quality, and with --simulate the five strategies of Kómár et al. Fig. 3) and strategies.png."""
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
        same = {name: group for group in data.get("identical_curves", []) for name in group}
        for name, clock in strategies.items():
            label = name.replace("_", " ")
            if clock["failed"]:
                label += " (FAILED)"
            if name in same and same[name][0] != name:
                label += f" (= {same[name][0].replace('_', ' ')})"
            axis.loglog(clock["adev"]["tau"], clock["adev"]["sigma"], "x--" if clock["failed"] else "o-", ms=3,
                        alpha=0.5 if clock["failed"] else 1.0, label=label)
        if any(clock["failed"] for clock in strategies.values()):
            axis.set_title("dashed: FAILED runs (phase slips / cascade errors), not clock stabilities", fontsize=8)
        axis.set_xlabel("averaging time τ (s)")
        axis.set_ylabel("σ_y(τ)")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8)
        figure.savefig(out / ".strategies.partial.png", dpi=120)
        os.replace(out / ".strategies.partial.png", out / "strategies.png")
        plt.close(figure)
        lines += ["", f"## Network clock (Kómár et al. Fig. 3), T = {data['clock']['interrogation_time']} s, "
                      f"{data['clock']['cycles']} cycles, {data['clock']['feedback']} feedback", "",
                  "Centre of mass for the cooperative strategies, one node for the independent ones; the white "
                  "level is σ_y√τ fitted from τ = 64 T on.", "",
                  "| strategy | white level σ_y(1 s) | cascade errors | phase slips |", "|---|---|---|---|"]
        for name, clock in strategies.items():
            level = "FAILED" if clock["failed"] else f"{clock['white_level']:.3g}"
            lines.append(f"| {name} | {level} | {clock['cascade_errors']} | {clock['phase_slips']} |")
        failed = {name: clock["problems"] for name, clock in strategies.items() if clock["failed"]}
        if failed:
            lines += ["", "**Failed runs** (no white level is given: their Allan deviation is not the stability of a "
                          "working clock):", ""]
            lines += [f"- {name}: {'; '.join(problems)}" for name, problems in failed.items()]
        for group in data.get("identical_curves", []):
            lines += ["", f"The strategies {', '.join(group)} give identical Allan deviations on this network: "
                          "they are one curve in the figure."]
        lines += ["", "![Allan deviations](strategies.png)"]
    fig3 = data.get("fig3")
    if fig3:
        fits = fig3["fits"]
        lines += ["", "## Fig. 3 (Kómár et al., Nature Physics 10, 582 (2014)) from the closed loop", "",
                  f"{fig3['nodes']} clocks × {fig3['qubits_per_node']} atoms, γ_i/2π = "
                  f"{fig3['atom_linewidth_hz'] * 1e3:g} mHz; each strategy at T = 0.01–100 s, σ_y(τ) = min over "
                  "T ≤ τ of √(MSE(T)/(Tτ))/ω0 (eq. A20); runs with phase slips or > 5 % cascade errors are left out.",
                  "", "| statement | paper | fitted |", "|---|---|---|",
                  f"| (a) slope at short τ | −1 | {fits['slope_a_short']:.2f} |",
                  f"| (b)/(a) at short τ | √K = {fits['paper_sqrt_K']:.2f} | {fits['ratio_b_over_a_short']:.2f} |",
                  f"| (c)/(b) at short τ | √K = {fits['paper_sqrt_K']:.2f} | {fits['ratio_c_over_b_short']:.2f} |",
                  f"| (b) reaches the floor later than (a) by | K = {fits['paper_later_b']} | "
                  f"{_factor(fits['later_b_over_a'])} |",
                  f"| (d) reaches the floor later than (a) by | ~N = {fits['paper_later_d']} | "
                  f"{_factor(fits['later_d_over_a'])} |"]
        lines += [f"- left out: {item}" for item in fig3["invalid"]]
        lines += ["", "![Fig. 3](fig3.png)"]
    security = data.get("security")
    if security:
        lines += ["", "## Security (Kómár et al., Nature Physics 10, 582 (2014), appendix B)", "",
                  f"Sabotage test, acceptance half-width Λ = {security['window']:g} in units of √(K/N), one node "
                  "tested per round; rejection rate per test round (Monte Carlo of 10⁵ rounds ± SE; analytic).", "",
                  "| node behaviour | rejection rate | analytic |", "|---|---|---|"]
        for row in security["sabotage"]:
            what = "honest (false positive)" if row["behaviour"] == "honest" else row["behaviour"].replace("_", " ")
            lines.append(f"| {what} | {row['rate']:.3g} ± {row['rate_se']:.1g} | {row['analytic']:.3g} |")
        eaves = security["eavesdropping"]
        lines += ["", "Eavesdropper (B2): Allan deviation of the centre-of-mass frequency (in the LOs' frequency "
                      "unit) that an eavesdropper rebuilds from every intercepted LO signal, against the members' "
                      "stabilised signal:", "",
                  "| τ (s) | members | eavesdropper | ratio |", "|---|---|---|---|"]
        for tau, m, e, r in zip(eaves["tau"], eaves["members_sigma"], eaves["eavesdropper_sigma"], eaves["ratio"]):
            lines.append(f"| {tau:.4g} | {m:.3g} | {e:.3g} | {r:.3g} |")
        lines += ["", f"Correlation of the key-modulated feedback with the feedback: {eaves['key_correlation']:+.3f} "
                      "(without the key it reveals nothing)."]
    from ..runtime import write_atomic

    write_atomic(out / "report.md", "\n".join(lines) + "\n")
