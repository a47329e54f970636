"""The design study: which protocol, which interrogation time, how far from the bound, what circuit.

For a platform (N atoms, noise type, dead time T_D, optionally the laser
coherence time Z in seconds and the transition frequency) :func:`run_design`

1. sweeps σ(T) of every requested protocol class and of the OQI over a grid
   of T/Z (Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. 29, and eq. 41 with the Dick effect of eq. 40 when
   T_D > 0) — variational classes are optimised at every T and warm-started
   along the grid (:func:`qclock_circuits.optimize.stability.stability_curves`);
2. with dead time, adds the limits σ_lim, T_lim and N_crit of Kielinski & Hammerer
   Fig. 6 (:mod:`qclock_circuits.optimize.limits`);
3. optionally validates the best points in the closed clock loop
   (:func:`~qclock_circuits.report.design_points.validate_class`, Kielinski & Hammerer appendix A5C): the theoretical
   optimum may fringe-hop, so every class keeps its best point that does not;
4. recommends the protocol of lowest σ_min (simulated where validated).

The sweep runs on :func:`qclock_circuits.runtime.run_sweep` (serial, local
processes or Dask), one point per class and block of interrogation times;
with ``out`` every finished point is a JSON file under ``out/points`` and a
second run recomputes nothing that is there.

Units: T, T_D in units of Z; σ is the dimensionless σ_y(τ) ω0 √(τZ)
(CONVENTIONS.md); physical values are added when Z (s) and ν0 (Hz) are given.

Where the parts live (all these names stay importable from here):

- the specification :class:`~qclock_circuits.report.design_spec.DesignSpec`,
  ``DEFAULT_DESIGN_CLASSES`` and ``DECOHERENCE_LIMITS`` in
  :mod:`qclock_circuits.report.design_spec`;
- the result :class:`~qclock_circuits.report.design_result.DesignResult`,
  :func:`~qclock_circuits.report.design_result.protocol_of_point` and
  ``ADVANTAGE_THRESHOLD`` in :mod:`qclock_circuits.report.design_result`;
- the work of single sweep points
  (:func:`~qclock_circuits.report.design_points.squeezing_advantage`,
  :func:`~qclock_circuits.report.design_points.validate_class`) and the check
  of their results (:func:`~qclock_circuits.report.design_points.check_design_result`)
  in :mod:`qclock_circuits.report.design_points`.

This module builds the sweep, dispatches its points (:func:`design_point`, whose
qualified name keys the stored checkpoints) and runs it (:func:`run_design`).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from .._progress import ProgressReporter
from .._validation import QClockError
from ..optimize.limits import critical_atoms, dead_time_limit
from ..optimize.stability import stability_curves
from ..protocols import AtomicDecoherence
from ..runtime import run_sweep
from .design_points import check_design_result, squeezing_advantage, validate_class
from .design_result import ADVANTAGE_THRESHOLD, DesignResult, _sigma_of, protocol_of_point
from .design_spec import DECOHERENCE_LIMITS, DEFAULT_DESIGN_CLASSES, DesignSpec

__all__ = ["DECOHERENCE_LIMITS", "DEFAULT_DESIGN_CLASSES", "DesignSpec", "DesignResult", "protocol_of_point", "design_point",
           "check_design_result", "validate_class", "run_design", "squeezing_advantage", "ADVANTAGE_THRESHOLD"]

_BLOCK = 8  # interrogation times per sweep point: one global variational search per block
_VALIDATION_STEPS = 6  # grid points tried per class, from T_min down, until one runs without fringe hops
_VERSION = "design-3"


def design_point(point: dict) -> dict:
    """One sweep point: σ(T) of a class over a block of T, or the dead-time limits of a kind.

    Module-level, plain-data in and out, so that every runtime backend can run it. Its qualified name
    ``qclock_circuits.report.design.design_point`` enters the key of every stored point
    (:func:`qclock_circuits.runtime.point_key`): it lives here so that checkpoints written by earlier
    runs are found again.

    Parameters
    ----------
    point : dict
        ``task`` (``"curve"``, ``"advantage"``, ``"limit"`` or ``"validate"``)
        and that task's entries: atoms, interrogation times (units of Z), noise,
        dead time (units of Z), estimator, seed, class or kind.

    Returns
    -------
    dict
        ``{"points": [...]}`` for a curve, the
        :func:`~qclock_circuits.report.design_points.squeezing_advantage`
        dict, ``{"limit", "n_crit", "max_atoms"}`` for a dead-time limit, or
        the :func:`~qclock_circuits.report.design_points.validate_class` dict.

    Raises
    ------
    QClockError
        If ``task`` is unknown.
    """
    task = point["task"]
    decoherence = point.get("decoherence")
    decoherence = None if decoherence is None else AtomicDecoherence.from_dict(decoherence)
    if task == "curve":
        curves = stability_curves(point["atoms"], point["times"], (point["class"],), noise=point["noise"],
                                  dead_time=point["dead_time"], estimator=point["estimator"], seed=point["seed"],
                                  global_every=_BLOCK, decoherence=decoherence)
        return {"points": [p.to_dict() for p in curves[point["class"]]]}
    if task == "advantage":
        return squeezing_advantage(point["atoms"], point["times"], decoherence, noise=point["noise"],
                                   dead_time=point["dead_time"], estimator=point["estimator"])
    if task == "limit":
        limit = dead_time_limit(point["kind"], point["estimator"], point["dead_time"], point["noise"])
        critical = critical_atoms(point["kind"], point["estimator"], point["dead_time"], point["noise"],
                                  max_atoms=point["max_atoms"], limit=limit)
        return {"limit": limit.to_dict(), "n_crit": critical["n_crit"], "max_atoms": critical["max_atoms"]}
    if task == "validate":
        return validate_class(point)
    raise QClockError(f"unknown design task {task!r}")


def _curve_points(spec: DesignSpec) -> list[dict]:
    times = list(spec.interrogation_times)
    blocks = [times[i:i + _BLOCK] for i in range(0, len(times), _BLOCK)]
    seeds = np.random.SeedSequence(spec.seed).generate_state(len(blocks) * (len(spec.classes) + 1))
    points = []
    index = 0
    decoherence = None if spec.decoherence is None else spec.decoherence.to_dict()
    for name in [*spec.classes, "oqi"]:
        for block in blocks:
            point = {"task": "curve", "class": name, "atoms": spec.atoms, "times": block, "noise": spec.noise,
                     "dead_time": spec.dead_time, "estimator": spec.estimator, "seed": int(seeds[index])}
            if decoherence is not None and name != "oqi":  # the OQI is the bound of ideal atoms
                points.append({**point, "ideal": True})
                point["decoherence"] = decoherence
            points.append(point)
            index += 1
    return points


def _advantage_points(spec: DesignSpec) -> list[dict]:
    """Noisy SSS/CSS gain at every N of ``spec.advantage_atoms`` (7 log-spaced T over the scanned range)."""
    if spec.decoherence is None:
        return []
    times = np.geomspace(spec.interrogation_times[0], spec.interrogation_times[-1], 7)
    return [{"task": "advantage", "atoms": atoms, "times": [float(t) for t in times], "noise": spec.noise,
             "dead_time": spec.dead_time, "estimator": spec.estimator, "decoherence": spec.decoherence.to_dict()}
            for atoms in spec.advantage_atoms]


def _limit_points(spec: DesignSpec) -> list[dict]:
    if spec.dead_time <= 0:
        return []
    kinds = [("oqi", "bayes")] + [(kind, spec.estimator) for kind in ("css", "sss") if kind in spec.classes]
    return [{"task": "limit", "kind": kind, "estimator": estimator, "dead_time": spec.dead_time,
             "noise": spec.noise, "max_atoms": spec.max_critical_atoms} for kind, estimator in kinds]


def _validation_points(spec: DesignSpec, result: DesignResult) -> list[dict]:
    """For every class: its T_min and up to five (+ the safety margin) shorter T of the grid (hops push T_sim
    below T_min)."""
    points = []
    seeds = np.random.SeedSequence([spec.seed, 1]).generate_state(len(spec.classes))
    for name, seed in zip(spec.classes, seeds):
        curve = result.curve(name)
        best = min(range(len(curve)), key=lambda i: _sigma_of(curve[i]))
        if not math.isfinite(_sigma_of(curve[best])):
            continue  # nothing to validate (_no_information_validation)
        candidates = []
        for index in range(best, max(best - _VALIDATION_STEPS - spec.safety_margin, -1), -1):
            stability = curve[index]
            minima = stability.parameters.get("minima")
            count = min(len(minima), 3) if minima else 1
            for minimum in range(count):
                candidates.append({"point": stability.to_dict(), "minimum": minimum if minima else None,
                                   "step": best - index, "last_of_time": minimum == count - 1})
        points.append({"task": "validate", "class": name, "candidates": candidates, "noise": spec.noise,
                       "estimator": spec.estimator, "cycles": spec.simulation_cycles,
                       "runs": spec.simulation_runs, "safety_margin": spec.safety_margin, "seed": int(seed)})
    return points


def _no_information_validation(name: str) -> dict:
    """The closed-loop entry of a class whose σ is infinite at every scanned T (nothing to run).

    Its measurement adds no information at any interrogation time of the grid
    (BMSE ≥ prior variance: eq. (29)'s effective measurement uncertainty is
    infinite), e.g. a large GHZ state whose phase ambiguity covers the prior.

    Parameters
    ----------
    name : str
        Class name.

    Returns
    -------
    dict
        ``class``, ``tried`` (empty), ``chosen`` (None) and ``skipped``, the reason.
    """
    return {"class": name, "tried": [], "chosen": None,
            "skipped": "no finite sigma at any scanned interrogation time (the measurement adds no information: "
                       "BMSE >= prior variance)"}


def run_design(spec: DesignSpec, out: str | os.PathLike | None = None, *, backend: str = "processes",
               workers: int | None = None, scheduler=None, progress=None) -> DesignResult:
    """Run the design study of ``spec`` (see the module docstring).

    Parameters
    ----------
    spec : DesignSpec
        The platform and the study's options.
    out : path, optional
        Directory for the per-point checkpoints (``out/points``); a rerun resumes.
    backend : {"processes", "serial", "dask"}, optional
        Where the sweep runs (:func:`qclock_circuits.runtime.run_sweep`).
    workers : int, optional
        Worker processes for ``"processes"`` (default: the CPU count).
    scheduler : str or dask.distributed.Client, optional
        Dask scheduler address or client for ``"dask"``.
    progress : bool or callable, optional
        ``True``: a progress display per stage on stderr (tqdm bar with ETA on
        a terminal, a line every 10 % otherwise; :mod:`qclock_circuits._progress`);
        a callable: ``progress(done, total, stage)`` as points finish, with
        ``stage`` ``'theory'`` or ``'closed loop'``; ``None``/``False``
        (default): none.

    Returns
    -------
    DesignResult
        The curves, limits, squeezing advantage and (with ``spec.simulate``)
        the closed-loop validation, and the wall time of the study.

    Raises
    ------
    TypeError
        If ``spec`` is not a :class:`~qclock_circuits.report.design_spec.DesignSpec`.
    """
    import time

    started = time.perf_counter()
    if not isinstance(spec, DesignSpec):
        raise TypeError(f"spec must be a DesignSpec, got {type(spec).__name__}")
    store = None if out is None else Path(out) / "points"
    theory = _curve_points(spec) + _limit_points(spec) + _advantage_points(spec)

    def report(stage):
        if progress is None or progress is False:
            return None
        if progress is True:
            return ProgressReporter(1, f"design: {stage}", "points")
        if not callable(progress):
            raise TypeError(f"progress must be True, False, None or a callable progress(done, total, stage), "
                            f"got {progress!r}")
        return lambda done, total: progress(done, total, stage)

    reporter = report("theory")
    try:
        results = run_sweep(design_point, theory, store=store, backend=backend, workers=workers, scheduler=scheduler,
                            progress=reporter, version=_VERSION, check=check_design_result)
    finally:
        if isinstance(reporter, ProgressReporter):
            reporter.close()
    curves: dict[str, list] = {}
    ideal_curves: dict[str, list] = {}
    limits: dict[str, dict] = {}
    advantage: list[dict] = []
    for point, value in zip(theory, results):
        if point["task"] == "curve":
            (ideal_curves if point.get("ideal") else curves).setdefault(point["class"], []).extend(value["points"])
        elif point["task"] == "advantage":
            advantage.append(value)
        else:
            limits[f"{point['kind']}-{point['estimator']}"] = value
    result = DesignResult(spec=spec, curves=curves, limits=limits, ideal_curves=ideal_curves, advantage=advantage)
    if spec.simulate:
        checks = _validation_points(spec, result)
        reporter = report("closed loop")
        try:
            values = run_sweep(design_point, checks, store=store, backend=backend, workers=workers,
                               scheduler=scheduler, progress=reporter, version=_VERSION, check=check_design_result)
        finally:
            if isinstance(reporter, ProgressReporter):
                reporter.close()
        result.validation = {value["class"]: value for value in values}
        for name in spec.classes:
            if name not in result.validation:
                result.validation[name] = _no_information_validation(name)
    result.seconds = time.perf_counter() - started
    return result
