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
   (:func:`validate_class`, Kielinski & Hammerer appendix A5C): the theoretical
   optimum may fringe-hop, so every class keeps its best point that does not;
4. recommends the protocol of lowest σ_min (simulated where validated).

The sweep runs on :func:`qclock_circuits.runtime.run_sweep` (serial, local
processes or Dask), one point per class and block of interrogation times;
with ``out`` every finished point is a JSON file under ``out/points`` and a
second run recomputes nothing that is there.

Units: T, T_D in units of Z; σ is the dimensionless σ_y(τ) ω0 √(τZ)
(CONVENTIONS.md); physical values are added when Z (s) and ν0 (Hz) are given.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._progress import ProgressReporter
from .._validation import QClockError, check_atoms, check_choice, check_finite, check_int
from ..bayes.priors import NOISE_TYPES
from ..bayes.stability import stability_point
from ..protocols import AtomicDecoherence, LocalNoise
from ..spin.permutation_invariant import MAX_PI_ATOMS
from ..bayes.stability import StabilityPoint
from ..optimize.limits import critical_atoms, dead_time_limit
from ..optimize.stability import parse_class, stability_curves
from ..runtime import run_sweep

__all__ = ["DECOHERENCE_LIMITS", "DEFAULT_DESIGN_CLASSES", "DesignSpec", "DesignResult", "protocol_of_point", "design_point",
           "check_design_result", "validate_class", "run_design", "squeezing_advantage", "ADVANTAGE_THRESHOLD"]

DEFAULT_DESIGN_CLASSES = ("css", "sss", "ghz", "1-1", "1-2")
_BLOCK = 8  # interrogation times per sweep point: one global variational search per block
_VALIDATION_STEPS = 6  # grid points tried per class, from T_min down, until one runs without fringe hops
_VERSION = "design-3"
#: The squeezing advantage counts as gone when σ_min(CSS)/σ_min(SSS) falls below 1 + this.
ADVANTAGE_THRESHOLD = 0.05


def _check_positive_or_none(value, name: str, unit: str):
    if value is None:
        return None
    value = check_finite(value, name)
    if value <= 0:
        raise QClockError(f"{name} must be > 0 ({unit}), got {value}")
    return float(value)


@dataclass(frozen=True)
class DesignSpec:
    """What the user asks for.

    Parameters
    ----------
    atoms : int
        N ≥ 1.
    dead_time : float
        T_D in units of Z (≥ 0).
    noise : {'white', 'flicker', 'random_walk'}
        LO noise type, at the level of Kielinski & Hammerer eq. (30).
    classes : tuple of str
        Protocol classes: 'css', 'sss', 'ghz' and variational 'n-m'; the OQI is always added as the bound.
    interrogation_times : tuple of float, optional
        Grid of T/Z; default 24 log-spaced values from 0.003 to 1.
    estimator : {'bayes', 'linear'}
    coherence_time : float, optional
        Z in seconds (for physical times in the report).
    transition_frequency : float, optional
        ν0 in Hz (for σ_y at τ = 1 s in the report; needs ``coherence_time``).
    simulate : bool
        Validate the best points in the closed loop.
    simulation_cycles, simulation_runs : int
        Loop cycles per run and runs per validated point.
    safety_margin : int
        Grid steps kept below the longest T that ran without fringe hops (Kielinski & Hammerer sec. IV: a margin
        against rare hops); the recommendation is taken there.
    max_critical_atoms : int
        Largest N tried for N_crit.
    seed : int
        Root seed of the closed-loop simulations (≥ 0).
    decoherence : AtomicDecoherence, optional
        The atoms' own decoherence (T1, T2, detection errors, twisting rate),
        with every time in units of Z. With it every class is evaluated and
        optimised exactly under :meth:`AtomicDecoherence.at` of each T (the
        OQI stays the bound of ideal atoms), the ideal curves are computed too
        for comparison, and the gain of the squeezed state over the CSS is
        followed over ``advantage_atoms``.
    advantage_atoms : tuple of int, optional
        Atom numbers at which the noisy SSS/CSS gain is computed (default with
        decoherence: N/4, N/2, N, 2N, capped at 48 — the exact noisy engine
        costs ≈ N³ per evaluation).

    Raises
    ------
    TypeError
        If ``decoherence`` is not an AtomicDecoherence or None.
    QClockError
        If a field is out of range: negative dead time, no or repeated classes,
        ``oqi`` among the classes, fewer than two increasing interrogation times,
        a transition frequency without a coherence time, integer options below
        their minimum, or ``advantage_atoms`` without decoherence or not
        increasing.
    """

    atoms: int
    dead_time: float = 0.0
    noise: str = "flicker"
    classes: tuple = DEFAULT_DESIGN_CLASSES
    interrogation_times: tuple | None = None
    estimator: str = "bayes"
    coherence_time: float | None = None
    transition_frequency: float | None = None
    simulate: bool = False
    simulation_cycles: int = 100_000
    simulation_runs: int = 4
    safety_margin: int = 0
    max_critical_atoms: int = 1024
    seed: int = 0
    decoherence: AtomicDecoherence | None = None
    advantage_atoms: tuple | None = None

    def __post_init__(self):
        object.__setattr__(self, "atoms", check_atoms(self.atoms))
        dead_time = check_finite(self.dead_time, "dead_time")
        if dead_time < 0:
            raise QClockError(f"dead_time must be >= 0 (units of Z), got {dead_time}")
        object.__setattr__(self, "dead_time", float(dead_time))
        check_choice(self.noise, "noise", tuple(NOISE_TYPES))
        check_choice(self.estimator, "estimator", ("bayes", "linear"))
        classes = tuple(self.classes)
        if not classes:
            raise QClockError("classes must name at least one protocol class (e.g. css,sss,ghz,1-1,1-2)")
        for name in classes:
            if parse_class(name)[0] == "oqi":
                raise QClockError("classes: 'oqi' is the bound and is always included; name protocol classes "
                                  "(css, sss, ghz, n-m)")
        if len(set(classes)) != len(classes):
            raise QClockError(f"classes must not repeat a class, got {','.join(classes)}")
        object.__setattr__(self, "classes", classes)
        times = self.interrogation_times
        if times is None:
            times = tuple(float(t) for t in np.geomspace(0.003, 1.0, 24))
        times = tuple(float(check_finite(t, "interrogation_times")) for t in times)
        if len(times) < 2 or any(t <= 0 for t in times) or list(times) != sorted(set(times)):
            raise QClockError("interrogation_times must be at least two increasing values > 0 (units of Z; an "
                              f"optimum over T needs a grid), got {list(times)}")
        object.__setattr__(self, "interrogation_times", times)
        object.__setattr__(self, "coherence_time",
                           _check_positive_or_none(self.coherence_time, "coherence_time", "seconds"))
        object.__setattr__(self, "transition_frequency",
                           _check_positive_or_none(self.transition_frequency, "transition_frequency", "Hz"))
        if self.transition_frequency is not None and self.coherence_time is None:
            raise QClockError("transition_frequency needs coherence_time (Z in seconds): sigma_y at 1 s is "
                              "sigma / (2 pi nu0 sqrt(Z)); without Z it would be silently unused")
        for name, minimum in (("simulation_cycles", 1000), ("simulation_runs", 1), ("max_critical_atoms", 1),
                              ("safety_margin", 0), ("seed", 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
                raise QClockError(f"{name} must be an integer >= {minimum}, got {value!r}")
        decoherence = self.decoherence
        if decoherence is not None and not isinstance(decoherence, AtomicDecoherence):
            raise TypeError(f"decoherence must be an AtomicDecoherence or None, got {type(decoherence).__name__}")
        if decoherence is not None and decoherence.is_ideal:
            object.__setattr__(self, "decoherence", None)
        if self.decoherence is not None:
            _check_decoherence_cost(self.atoms, self.classes, self.decoherence)
        ladder = self.advantage_atoms
        if ladder is not None and self.decoherence is None:
            raise QClockError("advantage_atoms needs decoherence: with ideal atoms there is no noisy gain to follow")
        if ladder is None and self.decoherence is not None:
            ladder = sorted({max(4, self.atoms // 2), min(self.atoms, 48), min(2 * self.atoms, 48),
                             min(4 * self.atoms, 48)})
        if ladder is not None:
            ladder = tuple(int(check_int(n, "advantage_atoms", 2, MAX_PI_ATOMS)) for n in ladder)
            if list(ladder) != sorted(set(ladder)):
                raise QClockError(f"advantage_atoms must be increasing atom numbers, got {list(ladder)}")
        object.__setattr__(self, "advantage_atoms", ladder)

    def to_dict(self) -> dict:
        """Plain-data form of the specification.

        Returns
        -------
        dict
            One entry per field; tuples become lists and ``decoherence`` its
            own ``to_dict()`` (or None).
        """
        data = dict(self.__dict__)
        data["classes"] = list(self.classes)
        data["interrogation_times"] = list(self.interrogation_times)
        data["decoherence"] = None if self.decoherence is None else self.decoherence.to_dict()
        data["advantage_atoms"] = None if self.advantage_atoms is None else list(self.advantage_atoms)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "DesignSpec":
        """Inverse of :meth:`to_dict` (the fields are validated again).

        Parameters
        ----------
        data : dict
            A dictionary as written by :meth:`to_dict`.

        Returns
        -------
        DesignSpec
            The specification.
        """
        data = dict(data)
        data["classes"] = tuple(data["classes"])
        data["interrogation_times"] = tuple(data["interrogation_times"])
        if data.get("decoherence") is not None:
            data["decoherence"] = AtomicDecoherence.from_dict(data["decoherence"])
        if data.get("advantage_atoms") is not None:
            data["advantage_atoms"] = tuple(data["advantage_atoms"])
        return cls(**data)


#: Largest N of a design study on decohering atoms, per kind of class: the exact noisy likelihood costs
#: ≈ N³ (dark-time channel) to ≈ N⁴ (N+1 effects pulled back through dissipative measurement twists) per
#: call, and the noise-aware optimisation of an SSS takes ≈ 10² calls, of a variational class ≈ 10³, per T.
DECOHERENCE_LIMITS = {"fixed": 100, "sss": 48, "variational": 24, "variational_twist_noise": 12}


def _check_decoherence_cost(atoms: int, classes, decoherence: AtomicDecoherence) -> None:
    twist_noise = decoherence.at(1.0).has_twist_noise
    for name in classes:
        kind = parse_class(name)[0]
        key = {"css": "fixed", "ghz": "fixed", "sss": "sss"}.get(kind, "variational")
        if key == "variational" and twist_noise:
            key = "variational_twist_noise"
        limit = DECOHERENCE_LIMITS[key]
        if atoms > limit:
            why = {"fixed": "one exact noisy evaluation per T",
                   "sss": "a noise-aware twist optimisation (~10^2 exact noisy evaluations) per T",
                   "variational": "a noise-aware search (~10^3 exact noisy evaluations) per T",
                   "variational_twist_noise": "a noise-aware search (~10^3 evaluations, each pulling N+1 effects "
                                              "back through the dissipative measurement twists) per T"}[key]
            raise QClockError(f"class {name} on decohering atoms: N = {atoms} is too large for a design study "
                              f"({why}); the largest N supported is {limit}. Drop the class, use fewer atoms, or "
                              + ("give the twists no dissipation (no --twisting-rate/--twist-duration)"
                                 if key == "variational_twist_noise" else "study ideal atoms"))


def _sigma_of(point: StabilityPoint) -> float:
    return float(point.parameters.get("total_sigma", point.sigma))


def protocol_of_point(name: str, point: StabilityPoint, minimum: int | None = None):
    """The protocol behind a stability point of class ``name`` (``minimum``: index of a local minimum).

    Parameters
    ----------
    name : str
        Class name: ``"css"``, ``"sss"``, ``"ghz"`` or ``"n-m"`` (variational).
    point : StabilityPoint
        A point of that class; its parameters (twist and rotation in rad, or
        the variational parameters) and local noise are used.
    minimum : int, optional
        For a variational class, the index of one of the local minima stored
        in the point (default: its best parameters).

    Returns
    -------
    RamseyProtocol
        The protocol, with the point's local noise attached.

    Raises
    ------
    QClockError
        If ``name`` is a bound (``"oqi"``), not a runnable protocol.
    """
    from ..protocols import css, ghz, sss, variational

    parsed = parse_class(name)
    atoms = point.atoms
    noise = point.parameters.get("local_noise")
    noise = None if noise is None else LocalNoise.from_dict(noise)
    if parsed[0] == "css":
        protocol = css(atoms)
    elif parsed[0] == "ghz":
        protocol = ghz(atoms)
    elif parsed[0] == "sss":
        protocol = sss(atoms, point.parameters["twist"], point.parameters["rotation"])
    elif parsed[0] == "variational":
        parameters = (point.parameters["parameters"] if minimum is None
                      else point.parameters["minima"][minimum]["parameters"])
        protocol = variational(atoms, parsed[1], parsed[2], np.asarray(parameters))
    else:
        raise QClockError(f"class {name!r} is a bound, not a runnable protocol")
    return protocol.with_noise(noise)


# ----------------------------------------------------------------------------- sweep functions
def design_point(point: dict) -> dict:
    """One sweep point: σ(T) of a class over a block of T, or the dead-time limits of a kind.

    Module-level, plain-data in and out, so that every runtime backend can run it.

    Parameters
    ----------
    point : dict
        ``task`` (``"curve"``, ``"advantage"``, ``"limit"`` or ``"validate"``)
        and that task's entries: atoms, interrogation times (units of Z), noise,
        dead time (units of Z), estimator, seed, class or kind.

    Returns
    -------
    dict
        ``{"points": [...]}`` for a curve, the :func:`squeezing_advantage`
        dict, ``{"limit", "n_crit", "max_atoms"}`` for a dead-time limit, or
        the :func:`validate_class` dict.

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
    """Schema and range check of a :func:`design_point` result (used on every stored and computed point).

    Parameters
    ----------
    point : dict
        The sweep point the result belongs to.
    result : dict
        What :func:`design_point` returned (or a stored copy of it).

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


# ----------------------------------------------------------------------------- results
@dataclass
class DesignResult:
    """Everything a design study found (JSON-able through ``to_dict``).

    σ values are the dimensionless stability σ_y(τ) ω0 √(τZ) (Kielinski & Hammerer, arXiv:2505.04287 (2025),
    eq. (29), plus the Dick effect of eq. (40) as eq. (41)); times are in
    units of Z.

    Parameters
    ----------
    spec : DesignSpec
        The study's specification.
    curves : dict
        Class name → list of ``StabilityPoint.to_dict()`` over the T grid
        (with the atoms' decoherence when the spec has one; the OQI under
        ``"oqi"``).
    limits : dict, optional
        ``"<kind>-<estimator>"`` → dead-time limit (σ_lim, T_lim) and N_crit
        of Kielinski & Hammerer, arXiv:2505.04287 (2025), Fig. 6; empty without dead time.
    validation : dict, optional
        Class name → closed-loop check of :func:`validate_class`; empty when
        the study did not simulate.
    seconds : float, optional
        Wall time of the study (s).
    ideal_curves : dict, optional
        As ``curves`` for ideal atoms, when the spec has decoherence.
    advantage : list of dict, optional
        :func:`squeezing_advantage` rows over the atom-number ladder.
    """

    spec: DesignSpec
    curves: dict
    limits: dict = field(default_factory=dict)
    validation: dict = field(default_factory=dict)
    seconds: float = 0.0
    ideal_curves: dict = field(default_factory=dict)
    advantage: list = field(default_factory=list)

    def ideal_minimum(self, name: str) -> StabilityPoint:
        """σ_min point of class ``name`` for ideal atoms (the main curves when there is no decoherence).

        Parameters
        ----------
        name : str
            Class name (``"css"``, ``"sss"``, ``"ghz"``, ``"n-m"`` or ``"oqi"``).

        Returns
        -------
        StabilityPoint
            The point of lowest total σ (dimensionless) on the T grid.
        """
        curves = self.ideal_curves if name in self.ideal_curves else self.curves
        return min((StabilityPoint.from_dict(item) for item in curves[name]), key=_sigma_of)

    def decoherence_summary(self) -> dict | None:
        """Ideal against noisy σ_min per class, the winners of both, and where the squeezing gain goes.

        Returns
        -------
        dict or None
            None for ideal atoms; else ``rows`` (per class: ``sigma_ideal``,
            ``t_ideal``, ``sigma_noisy``, ``t_noisy``, ``cost`` = noisy/ideal
            σ; σ dimensionless, T in units of Z), ``winner_noisy``,
            ``winner_ideal``, ``advantage``, ``advantage_threshold``,
            ``advantage_vanishes_at`` and ``advantage_peak_atoms`` (atom
            numbers, or None).
        """
        if self.spec.decoherence is None:
            return None
        rows = []
        for name in self.spec.classes:
            ideal, noisy = self.ideal_minimum(name), self.minimum(name)
            rows.append({"class": name, "sigma_ideal": _sigma_of(ideal), "t_ideal": ideal.interrogation_time,
                         "sigma_noisy": _sigma_of(noisy), "t_noisy": noisy.interrogation_time,
                         "cost": _sigma_of(noisy) / _sigma_of(ideal)})
        winner_noisy = min(rows, key=lambda row: row["sigma_noisy"])["class"]
        winner_ideal = min(rows, key=lambda row: row["sigma_ideal"])["class"]
        gains = [row["gain"] for row in self.advantage]
        peak = int(np.argmax(gains)) if gains else 0
        # the advantage is gone at the first N beyond the gain's peak where it falls below the threshold
        vanishes = next((row["atoms"] for row in self.advantage[peak:] if row["gain"] < 1 + ADVANTAGE_THRESHOLD),
                        None)
        return {"rows": rows, "winner_noisy": winner_noisy, "winner_ideal": winner_ideal,
                "advantage": self.advantage, "advantage_threshold": ADVANTAGE_THRESHOLD,
                "advantage_vanishes_at": vanishes,
                "advantage_peak_atoms": self.advantage[peak]["atoms"] if gains else None}

    def curve(self, name: str) -> list[StabilityPoint]:
        """σ(T) of class ``name`` as stability points.

        Parameters
        ----------
        name : str
            Class name, or ``"oqi"``.

        Returns
        -------
        list of StabilityPoint
            One point per interrogation time of the grid (units of Z).
        """
        return [StabilityPoint.from_dict(item) for item in self.curves[name]]

    def minimum(self, name: str) -> StabilityPoint:
        """The point of lowest total σ (eq. (41)) of class ``name``.

        Parameters
        ----------
        name : str
            Class name, or ``"oqi"``.

        Returns
        -------
        StabilityPoint
            The σ_min point of :meth:`curve`.
        """
        points = self.curve(name)
        return min(points, key=_sigma_of)

    def summary(self) -> list[dict]:
        """One row per class (the OQI last): σ_min, T_min, gain over CSS, ratio to the OQI, validation.

        Returns
        -------
        list of dict
            Per class: ``class``, ``sigma_min`` (total σ, dimensionless),
            ``t_min`` (units of Z), ``sigma_29`` (σ of eq. (29) alone),
            ``dick_sigma``, ``gain_over_css`` (or None without a CSS curve),
            ``ratio_to_oqi``; ``simulated_sigma``, ``simulated_t`` and
            ``simulated_error`` when validated; and the entries of
            :meth:`physical`. A class whose σ is infinite at every scanned T
            has ``t_min``, ``gain_over_css`` and ``ratio_to_oqi`` None and a
            ``note`` saying so.
        """
        oqi = _sigma_of(self.minimum("oqi"))
        css_min = _sigma_of(self.minimum("css")) if "css" in self.curves else None
        rows = []
        for name in [*self.spec.classes, "oqi"]:
            best = self.minimum(name)
            sigma = _sigma_of(best)
            finite = math.isfinite(sigma)
            row = {"class": name, "sigma_min": sigma, "t_min": best.interrogation_time if finite else None,
                   "sigma_29": best.sigma, "dick_sigma": float(best.parameters.get("dick_sigma", 0.0)),
                   "gain_over_css": None if css_min is None or not finite else css_min / sigma,
                   "ratio_to_oqi": sigma / oqi if finite else None}
            if not finite:
                row["note"] = ("no information at any scanned interrogation time (BMSE >= prior variance): "
                               "no minimum")
            check = self.validation.get(name)
            if check is not None:
                chosen = check["chosen"]
                row["simulated_sigma"] = None if chosen is None else chosen["sigma_scaled"]
                row["simulated_t"] = None if chosen is None else chosen["interrogation_time"]
                row["simulated_error"] = None if chosen is None else chosen["sigma_scaled_error"]
            if finite:
                row.update(self.physical(sigma, best.interrogation_time))
            rows.append(row)
        return rows

    def physical(self, sigma: float, interrogation_time: float) -> dict:
        """T in seconds and σ_y(τ = 1 s) when the coherence time (and ν0) are known.

        Parameters
        ----------
        sigma : float
            Dimensionless stability σ_y(τ) ω0 √(τZ).
        interrogation_time : float
            T in units of Z.

        Returns
        -------
        dict
            ``t_min_seconds`` = T·Z (s) when ``spec.coherence_time`` is set,
            and ``sigma_y_1s`` = σ / (2πν0 √Z) (fractional, at τ = 1 s) when
            ``spec.transition_frequency`` is set too; empty otherwise.
        """
        out = {}
        z = self.spec.coherence_time
        if z is not None:
            out["t_min_seconds"] = interrogation_time * z
            if self.spec.transition_frequency is not None:
                omega0 = 2 * math.pi * self.spec.transition_frequency
                out["sigma_y_1s"] = sigma / (omega0 * math.sqrt(z))
        return out

    def edge_warning(self, name: str) -> str | None:
        """A warning when the σ(T) minimum of class ``name`` lies at an end of the scanned T grid, else None.

        Parameters
        ----------
        name : str
            Class name, or ``"oqi"``.

        Returns
        -------
        str or None
            The warning text, or None when the minimum is inside the grid.
        """
        times = self.spec.interrogation_times
        t_min = self.minimum(name).interrogation_time
        if t_min not in (times[0], times[-1]):
            return None
        end = "largest" if t_min == times[-1] else "smallest"
        return (f"the minimum of sigma(T) for {name} is at the {end} interrogation time scanned (T = {t_min:.4g} Z): "
                f"the optimum may lie beyond the grid; extend the range of interrogation times")

    def recommendation(self) -> dict:
        """The class to run: lowest simulated σ among validated classes that did not hop, else lowest theory σ.

        Returns
        -------
        dict
            ``class``, ``basis`` (simulation or theory), ``interrogation_time``
            (units of Z), ``sigma`` (dimensionless), ``protocol`` (its
            ``to_dict()``) and ``warnings``, the list of what limits the
            recommendation (an optimum at the edge of the scanned T range).

        Raises
        ------
        QClockError
            If no class has a finite σ on the scanned interrogation times.
        """
        rows = [row for row in self.summary() if row["class"] != "oqi"]
        if self.validation:
            validated = [row for row in rows if row.get("simulated_sigma") is not None]
            if validated:
                best = min(validated, key=lambda row: row["simulated_sigma"])
                return {"class": best["class"], "basis": "closed-loop simulation without fringe hops",
                        "interrogation_time": best["simulated_t"], "sigma": best["simulated_sigma"],
                        "protocol": self.validation[best["class"]]["chosen"]["protocol"],
                        "warnings": [w for w in [self.edge_warning(best["class"])] if w]}
        best = min(rows, key=lambda row: row["sigma_min"])
        point = self.minimum(best["class"])
        if not math.isfinite(best["sigma_min"]):
            raise QClockError("no protocol class has a finite sigma on the scanned interrogation times")
        return {"class": best["class"], "basis": "theory (eq. 29/41)", "interrogation_time": best["t_min"],
                "sigma": best["sigma_min"], "protocol": protocol_of_point(best["class"], point).to_dict(),
                "warnings": [w for w in [self.edge_warning(best["class"])] if w]}

    def to_dict(self) -> dict:
        """Plain-data form, with the derived summary, recommendation and decoherence summary.

        Returns
        -------
        dict
            The fields (``spec`` as its ``to_dict()``) plus ``summary``,
            ``recommendation`` and ``decoherence_summary``.
        """
        return {"spec": self.spec.to_dict(), "curves": self.curves, "limits": self.limits,
                "validation": self.validation, "seconds": self.seconds, "summary": self.summary(),
                "recommendation": self.recommendation(), "ideal_curves": self.ideal_curves,
                "advantage": self.advantage, "decoherence_summary": self.decoherence_summary()}

    @classmethod
    def from_dict(cls, data: dict) -> "DesignResult":
        """Inverse of :meth:`to_dict` (the derived entries are recomputed, not read).

        Parameters
        ----------
        data : dict
            A dictionary as written by :meth:`to_dict`.

        Returns
        -------
        DesignResult
            The result.
        """
        return cls(spec=DesignSpec.from_dict(data["spec"]), curves=data["curves"], limits=data.get("limits", {}),
                   validation=data.get("validation", {}), seconds=float(data.get("seconds", 0.0)),
                   ideal_curves=data.get("ideal_curves", {}), advantage=data.get("advantage", []))


# ----------------------------------------------------------------------------- the job
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
            continue  # nothing to validate (no_information_validation)
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


def no_information_validation(name: str) -> dict:
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
        If ``spec`` is not a :class:`DesignSpec`.
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
                result.validation[name] = no_information_validation(name)
    result.seconds = time.perf_counter() - started
    return result
