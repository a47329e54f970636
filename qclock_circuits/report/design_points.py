"""The work of single sweep points of a design study, and the check of every point's result.

A design study (:func:`qclock_circuits.report.design.run_design`) is a sweep
of independent, plain-data points that any runtime backend can run
(:func:`qclock_circuits.runtime.run_sweep`);
:func:`qclock_circuits.report.design.design_point` dispatches each point by
its task. The tasks beyond a σ(T) curve
(:func:`qclock_circuits.optimize.stability.stability_curves`, Kielinski &
Hammerer, arXiv:2505.04287 (2025), eq. (29), and eq. (41) with the Dick
effect of eq. (40)) and the dead-time limit
(:mod:`qclock_circuits.optimize.limits`, their Fig. 6) live here:

- :func:`squeezing_advantage`: the gain σ_min(CSS)/σ_min(SSS) with and
  without the atoms' own decoherence;
- :func:`validate_class`: the closed clock loop on a class's best points
  (Kielinski & Hammerer appendix A5C), keeping the best point that does not
  fringe-hop.

:func:`check_design_result` checks the schema and ranges of every computed
or stored point result.

Units: T, T_D in units of Z; σ is the dimensionless σ_y(τ) ω0 √(τZ)
(CONVENTIONS.md).
"""

from __future__ import annotations

import math

import numpy as np

from .._validation import QClockError
from ..bayes.stability import StabilityPoint, stability_point
from ..optimize.stability import parse_class
from ..protocols import AtomicDecoherence
from .design_result import _sigma_of, protocol_of_point

__all__ = ["squeezing_advantage", "check_design_result", "validate_class"]


def squeezing_advantage(atoms: int, interrogation_times, decoherence: AtomicDecoherence, *, noise: str = "flicker",
                        dead_time: float = 0.0, estimator: str = "bayes") -> dict:
    """σ_min of the CSS and of the noise-aware SSS on the given T/Z grid, ideal and with ``decoherence``.

    Parameters
    ----------
    atoms : int
        Number of atoms N.
    interrogation_times : sequence of float
        Grid of interrogation times T (units of Z).
    decoherence : AtomicDecoherence
        The atoms' own noise (rates in units of 1/Z).
    noise : str, optional
        Laser noise type (``"white"``, ``"flicker"``, ``"random_walk"``).
    dead_time : float, optional
        Dead time T_D per cycle (units of Z).
    estimator : {"bayes", "linear"}, optional
        Phase estimator.

    Returns
    -------
    dict
        ``{'atoms', 'css', 'sss', 'gain', 'css_ideal', 'sss_ideal', 'gain_ideal', 't_min'}``: σ_min
        (dimensionless, Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (29)),
        ``t_min`` (units of Z) and the gain σ_min(CSS)/σ_min(SSS) with and without
        the atoms' noise.
    """
    out = {"atoms": int(atoms)}
    for suffix, atoms_noise in (("", decoherence), ("_ideal", None)):
        for kind in ("css", "sss"):
            points = [stability_point(kind, atoms, float(t), noise=noise, dead_time=dead_time, estimator=estimator,
                                      decoherence=atoms_noise) for t in interrogation_times]
            best = min(points, key=lambda p: p.sigma)
            out[kind + suffix] = float(best.sigma)
            if kind == "sss" and suffix == "":
                out["t_min"] = best.interrogation_time
        out["gain" + suffix] = out["css" + suffix] / out["sss" + suffix]
    return out


def _positive(value, name: str, *, infinite: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if not value > 0 or (not infinite and not math.isfinite(value)):
        raise QClockError(f"{name} must be {'> 0' if infinite else 'finite and > 0'}, got {value!r}")
    return float(value)


def check_design_result(point: dict, result: dict) -> None:
    """Schema and range check of a design sweep-point result (used on every stored and computed point).

    Parameters
    ----------
    point : dict
        The sweep point the result belongs to.
    result : dict
        What :func:`~qclock_circuits.report.design.design_point` returned (or a stored copy of it).

    Raises
    ------
    QClockError, TypeError, KeyError
        Naming the first missing or out-of-range entry.
    """
    if not isinstance(result, dict):
        raise TypeError(f"a design result must be a dict, got {type(result).__name__}")
    task = point["task"]
    if task == "curve":
        points = result["points"]
        if not isinstance(points, list) or len(points) != len(point["times"]):
            raise QClockError(f"'points' must list {len(point['times'])} stability points")
        for index, (item, time) in enumerate(zip(points, point["times"])):
            stability = StabilityPoint.from_dict(item)
            kinds = (point["class"], parse_class(point["class"])[0])
            if stability.kind not in kinds or stability.atoms != point["atoms"]:
                raise QClockError(f"points[{index}] is a {stability.kind} point of N = {stability.atoms}")
            if not math.isclose(stability.interrogation_time, time, rel_tol=1e-12):
                raise QClockError(f"points[{index}] is at T = {stability.interrogation_time}, expected {time}")
            _positive(stability.sigma, f"points[{index}].sigma", infinite=True)
            _positive(_sigma_of(stability), f"points[{index}].total_sigma", infinite=True)
            _positive(stability.prior_width, f"points[{index}].prior_width")
    elif task == "advantage":
        for key in ("css", "sss", "gain", "css_ideal", "sss_ideal", "gain_ideal", "t_min"):
            _positive(result[key], key)
        if result["atoms"] != point["atoms"]:
            raise QClockError(f"the squeezing-advantage point is for N = {result['atoms']}, expected {point['atoms']}")
    elif task == "limit":
        limit = result["limit"]
        _positive(limit["sigma_lim"], "limit.sigma_lim")
        _positive(limit["interrogation_time"], "limit.interrogation_time")
        if result["n_crit"] is not None and (not isinstance(result["n_crit"], int) or result["n_crit"] < 1):
            raise QClockError(f"n_crit must be None or an integer >= 1, got {result['n_crit']!r}")
    elif task == "validate":
        if result["class"] != point["class"] or not isinstance(result["tried"], list):
            raise QClockError("the closed-loop check is for another class or has no list 'tried'")
        for index, entry in enumerate(result["tried"]):
            _positive(entry["sigma_scaled"], f"tried[{index}].sigma_scaled")
            _positive(entry["interrogation_time"], f"tried[{index}].interrogation_time")
        if result["chosen"] is not None and result["chosen"] not in result["tried"]:
            raise QClockError("'chosen' is not one of the tried candidates")


def validate_class(point: dict) -> dict:
    """Run the closed loop on a class's best points; keep the best one that does not fringe-hop.

    ``point['candidates']`` lists ``{'interrogation_time', 'point': StabilityPoint dict, 'minimum'}``
    in order of preference (lowest theoretical σ first); every candidate is run
    ``runs`` times for ``cycles`` cycles (Kielinski & Hammerer, arXiv:2505.04287 (2025), appendix A5C).

    Parameters
    ----------
    point : dict
        ``class``, ``candidates``, ``runs``, ``cycles``, ``noise``,
        ``estimator``, ``seed`` and optionally ``safety_margin`` (grid steps
        kept below the longest T without fringe hops).

    Returns
    -------
    dict
        ``class``, ``tried`` (every simulated candidate with its simulated σ,
        its standard error, the theoretical σ and the runs with hops) and
        ``chosen`` (one of ``tried``, or None if all hopped).
    """
    from ..clock.simulate import simulate_clock

    tried = []
    chosen = None
    first_step = None  # grid step (0 = T_min) of the longest T without hops
    margin = int(point.get("safety_margin", 0))
    sequence = np.random.SeedSequence(point["seed"])
    for candidate, child in zip(point["candidates"], sequence.spawn(len(point["candidates"]))):
        step = int(candidate.get("step", 0))
        if first_step is not None and step < first_step + margin:
            continue  # inside the safety margin: not needed
        stability = StabilityPoint.from_dict(candidate["point"])
        protocol = protocol_of_point(point["class"], stability, candidate.get("minimum"))
        sigmas, hops = [], 0
        for run_seed in child.spawn(point["runs"]):
            run = simulate_clock(protocol, stability.interrogation_time, stability.dead_time, point["noise"],
                                 cycles=point["cycles"], estimator=point["estimator"],
                                 prior_width=stability.prior_width, seed=run_seed)
            hops += int(run.fringe_hops > 0 or run.lost_lock)
            sigmas.append(run.sigma_scaled)
        entry = {"interrogation_time": stability.interrogation_time, "minimum": candidate.get("minimum"),
                 "step": step, "theory_sigma": _sigma_of(stability), "runs_with_hops": hops, "runs": point["runs"],
                 "sigma_scaled": float(np.mean(sigmas)),
                 "sigma_scaled_error": float(np.std(sigmas, ddof=1) / math.sqrt(len(sigmas)))
                 if len(sigmas) > 1 else 0.0,
                 "protocol": protocol.to_dict()}
        tried.append(entry)
        if hops == 0 and first_step is None:
            first_step = step
        if hops == 0 and step == first_step + margin and (chosen is None
                                                          or entry["sigma_scaled"] < chosen["sigma_scaled"]):
            chosen = entry
        if chosen is not None and candidate.get("last_of_time", True):
            break
    return {"class": point["class"], "tried": tried, "chosen": chosen}
