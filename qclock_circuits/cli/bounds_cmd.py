"""``qclock bounds``: the lower bounds of Kielinski & Hammerer, arXiv:2505.04287 (2025), on the BMSE for N atoms and a Gaussian prior.

Reported (all in rad²): the optimal quantum interferometer (OQI, appendix
A1C), the Bayesian quantum Cramér–Rao bound (BQCRB, eqs. 12–14) of the CSS,
SSS and GHZ input states, the exact minimum BMSE over estimators of those
protocols ("bcrb", eq. 25), the van Trees bound 1/(F̄ + I) (eq. 7), the
π-corrected Heisenberg limit π²/N² (eq. 18), the coherence-time limit
(eq. 17) and the asymptotic OQI (eq. 19).

The SSS is the one whose *input state* minimises the BQCRB: the BQCRB does
not depend on the final measurement, but it does depend on the twist μ and
the rotation θ of the state (:func:`bqcrb_optimal_sss`).

Example
-------
::

    qclock bounds --atoms 8 --prior-width 0.3 --json
    qclock bounds --atoms 30 --interrogation-time 0.1 --noise flicker
    qclock bounds --atoms 30 --interrogation-time 0.2 --coherence-time 2 --noise flicker   # T in seconds

Times: in units of the laser coherence time Z, or in seconds with
``--coherence-time`` (``time_unit`` in the output).
"""

from __future__ import annotations

import argparse


from ._common import format_table, integer, print_json
from .evaluate_cmd import prior_lines, add_prior_arguments, prior_from_args

__all__ = ["NAME", "HELP", "NOTES", "register", "bounds", "bqcrb_optimal_sss", "TWIST_GRID"]

NAME = "bounds"
HELP = "OQI, BQCRB, BCRB, van Trees, pi-HL and CTL bounds on the BMSE"

#: Points of the coarse log-spaced twist scan of :func:`bqcrb_optimal_sss` (plus μ = 0).
TWIST_GRID = 48

NOTES = ("All values are mean squared errors in rad^2. 'bcrb' is the exact minimum BMSE over "
         "estimators for the protocol's state and measurement (the posterior-mean/Bayes estimator, "
         "Kielinski & Hammerer eq. 25); 'van_trees' = 1/(F + I) is only a lower bound on it and can lie far "
         "below (e.g. GHZ at wide priors). 'bqcrb' minimises also over measurements (it depends "
         "only on the input state), 'oqi' also over input states: oqi <= bqcrb <= bcrb. "
         "bqcrb.sss and bcrb.sss use the twist and rotation (sss_twist, sss_rotation) that "
         "minimise the SSS BQCRB; 'asymptotic_oqi' = pi_hl + ctl (eq. 19).")


def bqcrb_optimal_sss(atoms: int, prior, twist_grid: int = TWIST_GRID):
    """The SSS protocol whose input state minimises the BQCRB, and that BQCRB (rad²).

    A coarse scan of μ ∈ {0} ∪ geomspace(1e-4, π) with the variance-minimising
    rotation picks the basin; a bounded 1-D minimisation of μ between the
    neighbouring grid points refines it; Nelder–Mead then refines (μ, θ)
    jointly. μ = 0 is the CSS, so the result never exceeds the CSS BQCRB.
    The BQCRB is the Bayesian quantum Cramér–Rao bound of Kielinski &
    Hammerer, arXiv:2505.04287 (2025).

    Parameters
    ----------
    atoms : int
        Number of atoms N (>= 1).
    prior : GaussianPrior
        Gaussian prior of the phase φ (width in rad).
    twist_grid : int, optional
        Number of geometrically spaced twist strengths μ in the coarse scan.

    Returns
    -------
    protocol : RamseyProtocol
        The SSS protocol (twist μ and rotation θ, both in rad) that minimises
        the BQCRB.
    bqcrb : float
        Its BQCRB, the lower bound on the phase BMSE (rad²).
    """
    import numpy as np

    from scipy.optimize import minimize, minimize_scalar

    from .. import protocols
    from ..bayes import bounds as bayes_bounds

    def at_twist(twist: float) -> float:
        return bayes_bounds.bqcrb(protocols.sss(atoms, float(twist)), prior)

    grid = np.concatenate([[0.0], np.geomspace(1e-4, np.pi, twist_grid)])
    values = np.array([at_twist(mu) for mu in grid])
    best_index = int(np.argmin(values))
    best = protocols.sss(atoms, float(grid[best_index]))
    best_value = float(values[best_index])

    low, high = grid[max(best_index - 1, 0)], grid[min(best_index + 1, grid.shape[0] - 1)]
    if high > low:
        scalar = minimize_scalar(at_twist, bounds=(low, high), method="bounded",
                                 options={"xatol": 1e-9 * max(high, 1e-3)})
        if scalar.fun < best_value:
            best, best_value = protocols.sss(atoms, float(scalar.x)), float(scalar.fun)

    def objective(x) -> float:
        return bayes_bounds.bqcrb(protocols.sss(atoms, float(x[0]), float(x[1])), prior)

    simplex = minimize(objective, best.parameters, method="Nelder-Mead",
                       options={"xatol": 1e-6, "fatol": 1e-10 * best_value, "maxiter": 400})
    if simplex.fun < best_value:
        best, best_value = protocols.sss(atoms, float(simplex.x[0]), float(simplex.x[1])), float(simplex.fun)
    return best, best_value


def register(subparsers) -> None:
    """Add ``qclock bounds`` to the ``qclock`` parser.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The object returned by ``ArgumentParser.add_subparsers`` on the
        ``qclock`` parser; the new subcommand is added to it.
    """
    parser = subparsers.add_parser(
        NAME, help=HELP,
        description="Lower bounds on the Bayesian mean squared error of N atoms for a Gaussian phase "
                    "prior (Kielinski & Hammerer): OQI, BQCRB of the CSS, the BQCRB-optimal SSS and the GHZ state, "
                    "exact minimum BMSE over estimators (bcrb) and the van Trees bound of those "
                    "protocols, pi-corrected Heisenberg limit, coherence-time limit and asymptotic "
                    "OQI. The OQI see-saw takes a few seconds at N ~ 100.")
    parser.add_argument("--atoms", "-N", type=integer, required=True, metavar="N",
                        help="number of atoms N (integer >= 1)")
    add_prior_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print a JSON object")
    parser.set_defaults(handler=bounds)


def _oqi(atoms: int, prior, known: dict):
    """OQI from the default starts; if a known state beats it, restart from that state."""
    from ..bayes import bounds as bayes_bounds

    result = bayes_bounds.oqi(atoms, prior)
    name, (value, state) = min(known.items(), key=lambda item: item[1][0])
    if result.bmse > value * (1 + 1e-9):
        warm = bayes_bounds.oqi(atoms, prior, starts={name: state})
        if warm.bmse < result.bmse:
            result = warm
    return result


def bounds(args: argparse.Namespace) -> int:
    """Handler of ``qclock bounds``: run the command and print its result.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line of ``qclock bounds`` (built by :func:`register`).

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
    from .. import protocols
    from .._validation import check_atoms, check_dense_size
    from ..bayes import bounds as bayes_bounds

    atoms = check_atoms(args.atoms)
    check_dense_size(atoms, "--atoms", matrices=4, itemsize=8, what="(N+1)x(N+1) eigenvector matrices of the bounds")
    prior, info = prior_from_args(args)
    width = info["prior_width"]

    family = {"css": protocols.css(atoms), "ghz": protocols.ghz(atoms)}
    family["sss"], sss_bqcrb = bqcrb_optimal_sss(atoms, prior)
    family = {name: family[name] for name in ("css", "sss", "ghz")}
    bqcrb = {name: (sss_bqcrb if name == "sss" else bayes_bounds.bqcrb(p, prior)) for name, p in family.items()}
    oqi = _oqi(atoms, prior, {name: (bqcrb[name], p.input_state) for name, p in family.items()})
    bcrb = {name: bayes_bounds.bcrb(p, prior) for name, p in family.items()}
    van_trees = {name: bayes_bounds.van_trees(p, prior) for name, p in family.items()}
    twist, rotation = (float(v) for v in family["sss"].parameters)

    data = {"atoms": atoms, **info,
            "oqi": float(oqi.bmse), "oqi_converged": bool(oqi.converged), "oqi_iterations": int(oqi.iterations),
            "bqcrb": {k: float(v) for k, v in bqcrb.items()},
            "sss_twist": twist, "sss_rotation": rotation,
            "bcrb": {k: float(v) for k, v in bcrb.items()},
            "van_trees": {k: float(v) for k, v in van_trees.items()},
            "pi_hl": bayes_bounds.pi_hl(atoms),
            "ctl": bayes_bounds.ctl(width),
            "asymptotic_oqi": bayes_bounds.asymptotic_oqi(atoms, width),
            "notes": NOTES}
    if args.json:
        print_json(data)
        return 0

    print(f"Bounds on the BMSE (rad^2), N = {atoms}")
    print(*prior_lines(info), f"(prior variance {width**2:.6g} rad^2)")
    print(f"sss: twist mu = {twist:.6g} rad, rotation theta = {rotation:.6g} rad (minimise the BQCRB)")
    print()
    print(format_table(["protocol", "BQCRB", "BCRB (Bayes)", "van Trees"],
                       [[name, data["bqcrb"][name], data["bcrb"][name], data["van_trees"][name]]
                        for name in ("css", "sss", "ghz")], float_format="{:.6g}"))
    print()
    print(format_table(["bound", "value"],
                       [["OQI" + ("" if oqi.converged else " (see-saw not converged)"), data["oqi"]],
                        ["pi-HL pi^2/N^2", data["pi_hl"]], ["CTL", data["ctl"]],
                        ["asymptotic OQI", data["asymptotic_oqi"]]], float_format="{:.6g}"))
    print()
    print(NOTES)
    return 0
