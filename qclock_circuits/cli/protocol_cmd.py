"""``qclock protocol``: inspect a protocol (``show``) and export its circuit (``circuit``).

Examples
--------
::

    qclock protocol show --protocol sss --atoms 8
    qclock protocol show --protocol variational --atoms 8 --layers 1,1 --params 0.3,0,0,0.2,0,0,1.5708,1.5708 --json
    qclock protocol circuit --protocol ghz --atoms 6 --target ion_trap --out ghz6.qasm
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path


from ._common import CLIError, format_table, print_json, real_list
from .protocol_args import add_protocol_arguments, protocol_from_args

__all__ = ["NAME", "HELP", "register", "show", "circuit", "DEFAULT_PHASES", "MAX_TABLE_OUTCOMES"]

NAME = "protocol"
HELP = "inspect a Ramsey protocol or export it as a circuit"

#: Phases (rad) of the signal table of ``protocol show``.
DEFAULT_PHASES = (-math.pi / 2, -math.pi / 4, 0.0, math.pi / 4, math.pi / 2)
#: Above this many outcomes the text table summarises the distribution.
MAX_TABLE_OUTCOMES = 11


def register(subparsers) -> None:
    """Add ``protocol show`` and ``protocol circuit`` to the ``qclock`` parser.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The object returned by ``ArgumentParser.add_subparsers`` on the
        ``qclock`` parser; the new subcommand is added to it.
    """
    parser = subparsers.add_parser(NAME, help=HELP, description=HELP)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    show_parser = actions.add_parser(
        "show", help="description, parameters, Ramsey signal and outcome distribution",
        description="Print the protocol, its parameters, the Ramsey signal <x>(phi) and the "
                    "outcome distribution P(x|phi) at a few phases (exact collective engine).")
    add_protocol_arguments(show_parser)
    show_parser.add_argument("--phases", type=real_list, metavar="PHI1,PHI2,...",
                             help="phases (rad) of the table; default: -pi/2,-pi/4,0,pi/4,pi/2 "
                                  "(divided by N for ghz)")
    show_parser.add_argument("--json", action="store_true",
                             help="print a JSON object: the protocol's to_dict() plus the signal")
    show_parser.set_defaults(handler=show)

    circuit_parser = actions.add_parser(
        "circuit", help="the protocol as an OpenQASM 3 circuit, optionally transpiled",
        description="Build the protocol's Qiskit circuit (phase imprint as the parameter phi) and "
                    "print or write it as OpenQASM 3; with --target, transpile it first and report "
                    "its depth and two-qubit gate count.")
    add_protocol_arguments(circuit_parser)
    circuit_parser.add_argument("--oat", choices=("rzz", "ms"), default="rzz",
                                help="one-axis-twisting synthesis: RZZ network or native "
                                     "Molmer-Sorensen gates (default: rzz)")
    circuit_parser.add_argument("--target", default="none", metavar="TARGET",
                                help="transpile for this hardware target: none, ion_trap (one global "
                                     "Molmer-Sorensen pulse per twist), ion_trap_rxx (pairwise), quantinuum, "
                                     "ionq, superconducting or fake_<device> (a calibrated fake IBM backend, "
                                     "e.g. fake_torino) (default: none)")
    circuit_parser.add_argument("--out", metavar="FILE",
                                help="write the OpenQASM 3 text to FILE instead of stdout (an existing FILE only "
                                     "with --force)")
    circuit_parser.add_argument("--force", action="store_true", help="with --out: replace an existing FILE")
    circuit_parser.set_defaults(handler=circuit)


def _phases(args: argparse.Namespace, protocol) -> np.ndarray:
    """``--phases``, or the default phases (divided by N for GHZ, whose fringe period is 2π/N)."""
    import numpy as np

    if args.phases is not None:
        return np.asarray(args.phases, dtype=float)
    phases = np.asarray(DEFAULT_PHASES, dtype=float)
    return phases / protocol.atoms if protocol.family == "ghz" else phases


def _clean(values: np.ndarray) -> np.ndarray:
    """Round-off (|v| < 1e-12) shown as 0 in the text table."""
    import numpy as np

    return np.where(np.abs(values) < 1e-12, 0.0, values)


def _outcome_label(value: float) -> str:
    return f"{value:g}"


def show(args: argparse.Namespace) -> int:
    """Handler of ``qclock protocol show``: run the command and print its result.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line of ``qclock protocol show`` (built by :func:`register`).

    Returns
    -------
    int
        The process exit status: 0 on success.

    Raises
    ------
    CLIError
        When an option is out of range or options contradict each other; the
        message names the option, the value received and what is allowed.
    """
    import numpy as np

    from .._validation import check_dense_size

    check_dense_size(args.atoms, "--atoms", what="(N+1)x(N+1) likelihood matrices")
    protocol = protocol_from_args(args)
    phases = _phases(args, protocol)
    probabilities = protocol.probabilities(phases)
    outcomes = protocol.outcomes
    signal = probabilities @ outcomes
    if args.json:
        data = protocol.to_dict()
        data["description"] = protocol.describe()
        data["outcomes"] = outcomes.tolist()
        data["signal"] = {"phi": phases.tolist(), "mean": signal.tolist()}
        data["probabilities"] = probabilities.tolist()
        print_json(data)
        return 0

    print(protocol.describe())
    print()
    if protocol.parameter_names:
        print("parameters:")
        print(format_table(["name", "value"],
                           [[n, float(v)] for n, v in zip(protocol.parameter_names, protocol.parameters)],
                           float_format="{:.6g}"))
    else:
        print("parameters: none")
    print()
    print(f"outcomes x ({protocol.readout} readout, {len(outcomes)} values): "
          + ", ".join(_outcome_label(x) for x in outcomes[:MAX_TABLE_OUTCOMES])
          + (", ..." if len(outcomes) > MAX_TABLE_OUTCOMES else ""))
    print()
    print("Ramsey signal <x>(phi) and outcome distribution P(x|phi):")
    signal, probabilities = _clean(signal), _clean(probabilities)
    if len(outcomes) <= MAX_TABLE_OUTCOMES:
        header = ["phi/rad", "<x>"] + [f"P({_outcome_label(x)})" for x in outcomes]
        rows = [[float(phi), float(s)] + [float(p) for p in row]
                for phi, s, row in zip(phases, signal, probabilities)]
        print(format_table(header, rows, float_format="{:.4f}"))
    else:
        spread = np.sqrt(np.maximum(probabilities @ outcomes**2 - signal**2, 0.0))
        best = np.argmax(probabilities, axis=1)
        header = ["phi/rad", "<x>", "std(x)", "most likely x", "its P"]
        rows = [[float(phi), float(s), float(d), _outcome_label(outcomes[b]), float(row[b])]
                for phi, s, d, b, row in zip(phases, signal, spread, best, probabilities)]
        print(format_table(header, rows, float_format="{:.4f}"))
        print(f"({len(outcomes)} outcomes: use --json for the full distribution)")
    return 0


def circuit(args: argparse.Namespace) -> int:
    """Handler of ``qclock protocol circuit``: run the command and print its result.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line of ``qclock protocol circuit`` (built by :func:`register`).

    Returns
    -------
    int
        The process exit status: 0 on success.

    Raises
    ------
    CLIError
        When an option is out of range or options contradict each other; the
        message names the option, the value received and what is allowed.
    """
    if args.out:
        out = Path(args.out)
        if out.is_dir():
            raise CLIError(f"--out must name a file, but {args.out!r} is a directory", exit_code=1)
        if out.exists() and not args.force:
            raise CLIError(f"--out {args.out!r} exists; give --force to replace it", exit_code=1)
        if not out.parent.is_dir():
            raise CLIError(f"--out {args.out!r}: the directory {str(out.parent)!r} does not exist", exit_code=1)
    protocol = protocol_from_args(args)
    try:
        from .. import circuits  # Qiskit is imported only for this command
    except ImportError as exc:
        raise CLIError(f"the circuit backend is unavailable: {exc}", exit_code=1) from exc

    qc = circuits.protocol_to_circuit(protocol, oat=args.oat)
    report = None
    if args.target != "none":
        try:
            report = circuits.transpile_for(qc, target=args.target)
        except ValueError as exc:
            raise CLIError(f"--target: {exc}", exit_code=2) from exc
        qc = report.circuit
    qasm = circuits.to_qasm3(qc).rstrip("\n") + "\n"
    summary = [f"protocol: {protocol.name}, N = {protocol.atoms}, oat = {args.oat}"]
    if report is not None:
        summary.append(f"target: {args.target}, depth: {report.depth}, "
                       f"two-qubit gates: {report.two_qubit_gates}, entangling gates: {report.entangling_gates}"
                       + ("" if report.estimated_fidelity is None
                          else f", estimated fidelity: {report.estimated_fidelity:.4f}"))
    if args.out:
        from ..runtime import write_atomic

        write_atomic(args.out, qasm)
        print(f"wrote OpenQASM 3 to {args.out}")
        print("\n".join(summary))
    else:
        print(qasm, end="")
        print("\n".join(f"// {line}" for line in summary))
    return 0
