"""Clock stability σ(T) of the standard protocols and of the bounds (Kielinski & Hammerer, arXiv:2505.04287 (2025), sec. III A, Fig. 2).

For an interrogation time T (units of the laser coherence time Z) the prior
width follows eq. (31) (with dead time, eqs. 42–43); the BMSE of the protocol
at that width gives Δφ_M (eq. 27) and the dimensionless Allan deviation
``σ_y(τ) ω0 √(τZ) = Δφ_M √(T_C)/T`` (eq. 29).

Protocol kinds: ``'css'``, ``'sss'`` (twist and rotation optimised at every
T for the chosen estimator), ``'ghz'`` (parity), ``'oqi'`` (numerical OQI),
``'poi'`` (phase-operator interferometer with optimised input state),
``'pi_hl'`` (asymptotic OQI of eq. 19).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from scipy.optimize import minimize, minimize_scalar

from .._units import TimeUnit
from .._validation import QClockError, check_atoms, check_choice
from .bounds import asymptotic_oqi, oqi, poi_optimized
from .estimators import allan_deviation, bmse, effective_measurement_uncertainty
from .priors import GaussianPrior, prior_width

__all__ = ["KINDS", "StabilityPoint", "best_sss", "stability_point", "stability_curve", "minimal_stability"]

KINDS = ("css", "sss", "ghz", "oqi", "poi", "pi_hl")


@dataclass(frozen=True)
class StabilityPoint:
    """Clock stability of one protocol kind at one interrogation time.

    Parameters
    ----------
    kind : str
        Protocol kind or class name (e.g. ``'css'``, ``'oqi'``, ``'1-1'``).
    atoms : int
        Number of atoms N.
    estimator : str
        ``'bayes'``, ``'linear'`` or ``'arcsin'``.
    interrogation_time : float
        Dark time T, in units of the laser coherence time Z.
    dead_time : float
        Dead time T_D, in units of Z.
    prior_width : float
        Prior width δφ at T (Kielinski & Hammerer, arXiv:2505.04287 (2025),
        eq. (31)), in rad.
    bmse : float
        BMSE (Δφ)², in rad².
    dphi_m : float
        Effective measurement uncertainty Δφ_M (eq. (27)), in rad.
    sigma : float
        Dimensionless Allan deviation σ_y(τ) ω0 √(τZ) (eq. (29)).
    parameters : dict, optional
        Parameters of the optimised protocol and extra figures (e.g. ``twist``,
        ``rotation`` in rad, ``state``, ``dick_sigma``, ``local_noise``).
    time_unit : {'Z', 's'}, optional
        Unit of ``interrogation_time`` and ``dead_time``: the laser coherence
        time Z (default) or seconds (when a coherence time was given).
    """

    kind: str
    atoms: int
    estimator: str
    interrogation_time: float
    dead_time: float
    prior_width: float
    bmse: float
    dphi_m: float
    sigma: float
    parameters: dict = field(default_factory=dict)
    #: Unit of ``interrogation_time`` and ``dead_time``: ``'Z'`` or ``'s'`` (given ``coherence_time``).
    time_unit: str = "Z"

    def to_dict(self) -> dict:
        """JSON-compatible form.

        Returns
        -------
        dict
            The fields by name.
        """
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict) -> "StabilityPoint":
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : dict
            The fields by name.

        Returns
        -------
        StabilityPoint
            The point described by ``data``.
        """
        return cls(**data)


def best_sss(atoms: int, prior, estimator: str = "bayes", twist_grid: int = 48, local_noise=None):
    """The SSS protocol with twist μ and rotation θ minimising the BMSE for a prior.

    A log-spaced scan of μ ∈ [1e-4, π] (with the variance-minimising θ) picks
    the basin; Nelder–Mead then refines (μ, θ) jointly.

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1.
    prior : GaussianPrior or GridPrior
        The phase prior (rad).
    estimator : {'bayes', 'linear', 'arcsin'}, optional
        Estimator whose BMSE is minimised (default ``'bayes'``).
    twist_grid : int, optional
        Number of twist strengths in the scan (default 48).
    local_noise : LocalNoise, optional
        Optimise on atoms with this local decoherence (the optimum moves: a
        longer twist costs more dissipation); the protocol returned carries it.

    Returns
    -------
    protocol : RamseyProtocol
        The optimised SSS protocol (parameters μ, θ in rad).
    bmse : float
        Its BMSE, in rad².

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer.
    QClockError
        If ``atoms`` < 1 or the estimator is unknown.
    """
    from ..protocols import sss

    atoms = check_atoms(atoms)

    def build(*args):
        protocol = sss(atoms, *args)
        return protocol if local_noise is None else protocol.with_noise(local_noise)

    best = None
    for twist in np.geomspace(1e-4, np.pi, twist_grid):
        value = bmse(build(twist), prior, estimator)
        if best is None or value < best[0]:
            best = (value, twist)
    start = build(best[1])

    def objective(x):
        return bmse(build(x[0], x[1]), prior, estimator)

    result = minimize(objective, start.parameters, method="Nelder-Mead",
                      options={"xatol": 1e-7, "fatol": 1e-12 * best[0], "maxiter": 400})
    if result.fun < best[0]:
        return build(result.x[0], result.x[1]), float(result.fun)
    return start, float(best[0])


def stability_point(kind: str, atoms: int, interrogation_time: float, *, noise="flicker", dead_time: float = 0.0,
                    estimator: str = "bayes", warm_state=None, decoherence=None,
                    coherence_time=None) -> StabilityPoint:
    """Stability σ of one protocol kind at one interrogation time.

    The prior width at T (Kielinski & Hammerer, arXiv:2505.04287 (2025),
    eq. (31), with dead time eqs. (42)–(43)) gives the BMSE, Δφ_M (eq. (27))
    and σ (eq. (29)).

    Parameters
    ----------
    kind : {'css', 'sss', 'ghz', 'oqi', 'poi', 'pi_hl'}
        Protocol kind (see the module docstring).
    atoms : int
        Number of atoms N ≥ 1.
    interrogation_time : float
        Dark time T, in units of the laser coherence time Z (> 0).
    noise : {'white', 'flicker', 'random_walk'} or int, optional
        The laser's (LO) noise type by word or NIST α (keyword only, default
        ``'flicker'``).
    dead_time : float, optional
        Dead time T_D, in units of Z (keyword only, default 0).
    estimator : {'bayes', 'linear', 'arcsin'}, optional
        Estimator (keyword only, default ``'bayes'``; GHZ uses ``'linear'`` in
        place of ``'arcsin'``).
    warm_state : array_like, optional
        Start of the OQI state optimisation (keyword only; ``'oqi'`` only).
    decoherence : AtomicDecoherence, optional
        The atoms' own decoherence (T1, T2, detection errors, twisting rate),
        with times in units of Z like ``interrogation_time``: every protocol is
        evaluated exactly under ``decoherence.at(interrogation_time)`` and the
        SSS is optimised under it. The bounds (``'oqi'``, ``'pi_hl'``) stay
        those of ideal atoms; ``'poi'`` refuses decoherence (keyword only).
    coherence_time : float, optional
        The laser coherence time Z in seconds. With it ``interrogation_time``,
        ``dead_time`` and the times of ``decoherence`` are read in seconds (its
        rates per second), and the returned point gives its times in seconds
        (``time_unit`` ``'s'``); σ is the same dimensionless number.

    Returns
    -------
    StabilityPoint
        σ (dimensionless), BMSE (rad²), prior width and Δφ_M (rad).

    Raises
    ------
    TypeError
        If ``decoherence`` is not an AtomicDecoherence or ``atoms`` not an integer.
    QClockError
        For an unknown kind, estimator or noise, a time out of range, or
        ``'poi'`` with decoherence.
    """
    from ..protocols import AtomicDecoherence, css, ghz

    unit = TimeUnit(coherence_time)
    if unit.coherence_time is not None:
        if decoherence is not None and isinstance(decoherence, AtomicDecoherence):
            decoherence = decoherence.scaled(1.0 / unit.coherence_time)
        point = stability_point(kind, atoms, unit.to_z(interrogation_time), noise=noise,
                                dead_time=unit.to_z(dead_time), estimator=estimator, warm_state=warm_state,
                                decoherence=decoherence)
        return replace(point, interrogation_time=unit.from_z(point.interrogation_time),
                       dead_time=unit.from_z(point.dead_time), time_unit=unit.unit)

    check_choice(kind, "kind", KINDS)
    if decoherence is not None and not isinstance(decoherence, AtomicDecoherence):
        raise TypeError(f"decoherence must be an AtomicDecoherence or None, got {type(decoherence).__name__}")
    local_noise = None if decoherence is None or decoherence.is_ideal else decoherence.at(interrogation_time)
    check_choice(estimator, "estimator", ("bayes", "linear", "arcsin"))
    atoms = check_atoms(atoms)
    width = prior_width(interrogation_time, noise, dead_time)
    prior = GaussianPrior(width)
    parameters: dict = {}
    if local_noise is not None:
        parameters["local_noise"] = local_noise.to_dict()
    if kind == "css":
        value = bmse(css(atoms).with_noise(local_noise), prior, estimator)
    elif kind == "ghz":
        value = bmse(ghz(atoms).with_noise(local_noise), prior, estimator if estimator != "arcsin" else "linear")
    elif kind == "sss":
        # under noise every evaluation costs ≈ N³ (permutation-invariant engine): a coarser twist scan
        protocol, value = best_sss(atoms, prior, estimator, twist_grid=48 if local_noise is None else 20,
                                   local_noise=local_noise)
        parameters.update(twist=float(protocol.parameters[0]), rotation=float(protocol.parameters[1]))
    elif kind == "oqi":
        starts = None if warm_state is None else {"warm": np.real(warm_state)}
        result = oqi(atoms, prior, starts=starts)
        value = result.bmse
        parameters["state"] = result.state.real.tolist()
    elif kind == "poi":
        if local_noise is not None:
            raise QClockError("kind 'poi' is evaluated for ideal atoms only (its phase-operator measurement "
                              "acts on the symmetric subspace, which local noise leaves); drop decoherence")
        value = poi_optimized(atoms, prior).bmse
    else:
        value = asymptotic_oqi(atoms, width)
    dphi_m = effective_measurement_uncertainty(value, width)
    sigma = allan_deviation(dphi_m, interrogation_time, dead_time)
    return StabilityPoint(kind=kind, atoms=atoms, estimator=estimator, interrogation_time=float(interrogation_time),
                          dead_time=float(dead_time), prior_width=float(width), bmse=float(value),
                          dphi_m=float(dphi_m), sigma=float(sigma), parameters=parameters)


def stability_curve(kind: str, atoms: int, interrogation_times, **options) -> list[StabilityPoint]:
    """σ(T) of one protocol kind over an array of interrogation times.

    OQI states are warm-started from the previous T.

    Parameters
    ----------
    kind : {'css', 'sss', 'ghz', 'oqi', 'poi', 'pi_hl'}
        Protocol kind (see the module docstring).
    atoms : int
        Number of atoms N ≥ 1.
    interrogation_times : array_like of shape (T,)
        Dark times, in units of the laser coherence time Z (> 0).
    **options
        Keyword arguments of :func:`stability_point` (``noise``, ``dead_time``,
        ``estimator``, ``decoherence``).

    Returns
    -------
    list of StabilityPoint
        One point per interrogation time, in order.

    Raises
    ------
    QClockError
        As :func:`stability_point`.
    """
    points = []
    warm = None
    for time in np.asarray(interrogation_times, dtype=float):
        point = stability_point(kind, atoms, time, warm_state=warm, **options)
        if kind == "oqi":
            warm = np.asarray(point.parameters["state"])
        points.append(point)
    return points


def minimal_stability(kind: str, atoms: int, *, bracket=(1e-4, 1.0), grid: int = 13, **options) -> StabilityPoint:
    """σ_min and T_min of one protocol kind: a log-spaced scan of T/Z then a bounded refinement in log T.

    Parameters
    ----------
    kind : {'css', 'sss', 'ghz', 'oqi', 'poi', 'pi_hl'}
        Protocol kind (see the module docstring).
    atoms : int
        Number of atoms N ≥ 1.
    bracket : (float, float), optional
        Range of T/Z scanned, 0 < low < high (keyword only, default (1e-4, 1)).
    grid : int, optional
        Number of scan points (keyword only, default 13).
    **options
        Keyword arguments of :func:`stability_point` (``noise``, ``dead_time``,
        ``estimator``, ``decoherence``).

    Returns
    -------
    StabilityPoint
        The point of lowest σ (its ``interrogation_time`` is T_min, in units of Z).

    Raises
    ------
    QClockError
        If ``bracket`` is invalid, or as :func:`stability_point`.
    """
    low, high = bracket
    if not 0 < low < high:
        raise QClockError(f"bracket must be 0 < low < high (units of Z), got {bracket}")
    times = np.geomspace(low, high, grid)
    curve = stability_curve(kind, atoms, times, **options)
    sigmas = np.array([p.sigma for p in curve])
    best = int(np.argmin(sigmas))
    lo = np.log(times[max(best - 1, 0)])
    hi = np.log(times[min(best + 1, grid - 1)])
    warm = curve[best].parameters.get("state")
    cache = {}

    def objective(log_time):
        point = stability_point(kind, atoms, float(np.exp(log_time)), warm_state=warm, **options)
        cache[log_time] = point
        return point.sigma

    result = minimize_scalar(objective, bounds=(lo, hi), method="bounded", options={"xatol": 1e-3})
    refined = cache.get(result.x) or stability_point(kind, atoms, float(np.exp(result.x)), **options)
    return refined if refined.sigma <= curve[best].sigma else curve[best]
