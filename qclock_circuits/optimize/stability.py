"""Stability curves σ(T) of every protocol class, their minima and the gain over CSS.

Classes: ``'css'``, ``'sss'``, ``'ghz'``, ``'oqi'`` (from
:mod:`qclock_circuits.bayes.stability`) and the variational classes written
``'1-1'``, ``'1-2'``, ``'1-3'`` (``'n-m'`` in general, Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. 39),
optimised at every T by :func:`.variational.optimize_variational`.

Along a sweep in T the variational search is warm-started from the minima
found at the previous T and runs a full global search only every
``global_every`` points (and at the first), which keeps a 40-point curve
affordable. With dead time the total instability of eq. (41) adds the Dick
effect (eq. 40) of the named LO noise to the Bayesian σ of eq. (29).
"""

from __future__ import annotations

import re

import numpy as np

from .._units import TimeUnit
from .._validation import QClockError, check_atoms, check_cycle_times
from ..bayes import GaussianPrior, allan_deviation, effective_measurement_uncertainty, prior_width
from ..bayes.stability import StabilityPoint, best_sss, stability_point
from ..clock.dick import dick_deviation
from ..clock.noise import LocalOscillatorNoise
from .variational import optimize_variational, refine_under_noise

__all__ = ["squeezed_start", "STANDARD_CLASSES", "DEFAULT_CLASSES", "parse_class", "class_point", "stability_curves",
           "curve_minimum", "dick_sigma", "gain_over_css"]

STANDARD_CLASSES = ("css", "sss", "ghz", "oqi")
DEFAULT_CLASSES = ("css", "sss", "ghz", "1-1", "1-2", "oqi")
_VARIATIONAL = re.compile(r"^(\d+)-(\d+)$")


def parse_class(name: str):
    """Parse a protocol-class name.

    Parameters
    ----------
    name : str
        ``'css'``, ``'sss'``, ``'ghz'``, ``'oqi'``, or ``'n-m'`` (n ≥ 1) for the
        variational class [n, m] of Kielinski & Hammerer, arXiv:2505.04287
        (2025), eq. (39).

    Returns
    -------
    tuple
        ``(name,)`` for a standard class, ``('variational', n, m)`` otherwise.

    Raises
    ------
    QClockError
        For any other name, or a variational class with n = 0.
    """
    if name in STANDARD_CLASSES:
        return (name,)
    match = _VARIATIONAL.match(name) if isinstance(name, str) else None
    if match is None:
        raise QClockError(f"protocol class must be one of {', '.join(STANDARD_CLASSES)} or 'n-m' for a "
                          f"variational class (e.g. 1-1, 1-2), got {name!r}")
    n, m = int(match.group(1)), int(match.group(2))
    if n < 1:
        raise QClockError(f"variational class {name!r} needs n >= 1 preparation twist")
    return ("variational", n, m)


def dick_sigma(noise: str, interrogation_time: float, dead_time: float, *, coherence_time=None) -> float:
    """Dick-effect instability σ_Dick·√τ at τ = 1 for the laser of eq. (30) with the named noise type.

    Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (40): the laser noise
    aliased by the dead time; the laser is the one whose coherence time is Z
    (eq. (30)).

    Parameters
    ----------
    noise : {'white', 'flicker', 'random_walk'} or int
        Laser frequency-noise type by word or NIST exponent α.
    interrogation_time : float
        Dark time T, in units of Z (> 0), or in seconds with ``coherence_time``.
    dead_time : float
        Dead time T_D, in units of Z (≥ 0), or in seconds with ``coherence_time``.
    coherence_time : float, optional
        The laser coherence time Z in seconds: with it the times are read in
        seconds (the package's unit rule, CONVENTIONS.md); default None: units
        of Z.

    Returns
    -------
    float
        σ_Dick, dimensionless (σ_y(τ) ω0 √(τZ)); 0 without dead time.

    Raises
    ------
    QClockError
        If a time is out of range or the noise name is unknown.
    """
    interrogation_time, dead_time = check_cycle_times(interrogation_time, dead_time)
    unit = TimeUnit(coherence_time)
    interrogation_time, dead_time = unit.to_z(interrogation_time), unit.to_z(dead_time)
    if dead_time == 0:
        return 0.0
    lo = LocalOscillatorNoise.from_coherence_time(noise, dead_time)
    return float(dick_deviation(1.0, lo.psd, interrogation_time, dead_time))


def class_point(name: str, atoms: int, interrogation_time: float, *, noise: str = "flicker",
                dead_time: float = 0.0, estimator: str = "bayes", seed=None, warm_starts=(),
                global_search: bool = True, search: dict | None = None, decoherence=None) -> StabilityPoint:
    """Stability σ of one protocol class at one interrogation time.

    ``parameters`` of the result holds the optimised protocol, ``dick_sigma``
    (Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (40)) and
    ``total_sigma`` (eq. (41)). With ``decoherence`` every class is evaluated
    under ``decoherence.at(T)``; a variational class is first searched for
    ideal atoms (exact gradients) and then refined under the noise from the
    best ideal minima and the warm starts
    (:func:`~.variational.refine_under_noise`); ``parameters['ideal_bmse']``
    keeps the ideal optimum's BMSE.

    Parameters
    ----------
    name : str
        Protocol class (see :func:`parse_class`).
    atoms : int
        Number of atoms N ≥ 1.
    interrogation_time : float
        Dark time T, in units of the laser coherence time Z (> 0).
    noise : {'white', 'flicker', 'random_walk'} or int, optional
        Laser frequency-noise type by word or NIST exponent α (keyword only,
        default ``'flicker'``).
    dead_time : float, optional
        Dead time T_D, in units of the laser coherence time Z (keyword only,
        default 0).
    estimator : {'bayes', 'linear'}, optional
        Posterior mean or optimal linear estimator (keyword only, default
        ``'bayes'``).
    seed : int, numpy.random.SeedSequence or None, optional
        Seed of the variational search (keyword only).
    warm_starts : sequence of array_like, optional
        Parameter vectors to start the variational search from (keyword only).
    global_search : bool, optional
        Run the global (differential-evolution) search; otherwise only local
        refinements from the warm starts (keyword only, default True).
    search : dict, optional
        Effort options of :func:`~.variational.optimize_variational` for a
        global search; its ``gradient`` choice applies to the warm-started
        points too (keyword only).
    decoherence : AtomicDecoherence, optional
        The atoms' decoherence, times in units of Z (keyword only).

    Returns
    -------
    StabilityPoint
        σ (dimensionless, σ_y(τ) ω0 √(τZ)), BMSE (rad²), prior width (rad) and
        the extra ``parameters`` above.

    Raises
    ------
    QClockError
        For an unknown class, bad atom number, time, noise or estimator.
    """
    atoms = check_atoms(atoms)
    parsed = parse_class(name)
    local_noise = None if decoherence is None or decoherence.is_ideal else decoherence.at(interrogation_time)
    if parsed[0] != "variational":
        point = stability_point(parsed[0], atoms, interrogation_time, noise=noise, dead_time=dead_time,
                                estimator=estimator, decoherence=None if local_noise is None else decoherence)
    else:
        _, n, m = parsed
        width = prior_width(interrogation_time, noise, dead_time)
        options = dict(search or {}) if global_search else {"de_iterations": 0, "random_starts": 4}
        if not global_search and search and "gradient" in search:
            options["gradient"] = search["gradient"]
        # the class contains the SSS: its optimum, embedded, is one more start, so that the search never
        # returns a point worse than the squeezed state (with noise: the noise-aware squeezed state)
        # (at every T: warm starts alone can drift into a worse basin along the grid)
        squeezed = _scanned_sss(atoms, GaussianPrior(width), estimator)
        starts = [*warm_starts, squeezed_start(atoms, n, m, *squeezed.parameters)]
        search = optimize_variational(atoms, n, m, GaussianPrior(width), estimator, seed=seed,
                                      warm_starts=starts, **options)
        ideal_bmse = search.bmse
        if local_noise is not None:
            # the ideal optimum may sit in a strongly twisted basin that noise makes useless
            squeezed, _ = best_sss(atoms, GaussianPrior(width), estimator, twist_grid=24, local_noise=local_noise)
            starts = [squeezed_start(atoms, n, m, *squeezed.parameters), search.minima[0].parameters,
                      *list(warm_starts)[:1]]
            search = refine_under_noise(atoms, n, m, GaussianPrior(width), local_noise, estimator, starts=starts,
                                        max_iterations=30)
        dphi_m = effective_measurement_uncertainty(search.bmse, width)
        point = StabilityPoint(kind=name, atoms=atoms, estimator=estimator,
                               interrogation_time=float(interrogation_time), dead_time=float(dead_time),
                               prior_width=float(width), bmse=search.bmse, dphi_m=float(dphi_m),
                               sigma=float(allan_deviation(dphi_m, interrogation_time, dead_time)),
                               parameters={"parameters": list(search.best.parameters),
                                           "minima": [minimum.to_dict() for minimum in search.minima]})
        if local_noise is not None:
            point.parameters["local_noise"] = local_noise.to_dict()
            point.parameters["ideal_bmse"] = float(ideal_bmse)
    dick = dick_sigma(noise, interrogation_time, dead_time)
    point.parameters["dick_sigma"] = dick
    point.parameters["total_sigma"] = float(np.hypot(point.sigma, dick))
    return point


def _scanned_sss(atoms: int, prior, estimator: str, points: int = 16):
    """The SSS of lowest BMSE on a log scan of the twist (variance-minimising rotation): a start, not an optimum."""
    from ..bayes import bmse
    from ..protocols import sss

    candidates = [sss(atoms, twist) for twist in np.geomspace(1e-3, np.pi, points)]
    return min(candidates, key=lambda protocol: bmse(protocol, prior, estimator))


def squeezed_start(atoms: int, n: int, m: int, twist: float, rotation: float) -> np.ndarray:
    """Parameters of the [n, m] class that reproduce the SSS protocol ``sss(atoms, twist, rotation)`` exactly.

    The first twist is the SSS twist μ and every further twist is zero. The SSS applies ``Rx(θ)`` to
    ``T_z(μ)|+x⟩``, imprints about z and measures ``Jy``; in the frame of ``T_z(μ)|+x⟩`` that is an
    imprint about the phase axis ``a = (0, −sin θ, −cos θ)`` and a measurement of ``m·J`` with
    ``m = (0, −cos θ, sin θ)`` (the class of Kielinski & Hammerer, arXiv:2505.04287 (2025),
    eq. (39) imprints about a and measures m·J; flipping both axes together leaves the
    distributions unchanged). Used to start the searches of a variational class in the basin
    of the squeezed state, which the class contains.

    Parameters
    ----------
    atoms : int
        Number of atoms N.
    n : int
        Number of preparation twists (≥ 1).
    m : int
        Number of measurement twists (≥ 0).
    twist : float
        SSS twisting strength μ, in rad.
    rotation : float
        SSS rotation angle θ about x, in rad.

    Returns
    -------
    numpy.ndarray
        Float array of the class's 2 + 3(n+m) parameters (rad).

    Raises
    ------
    QClockError
        If ``n`` < 1.
    """
    from ..protocols import variational
    from ..spin import axis_to_angles

    if n < 1:
        raise QClockError("squeezed_start needs n >= 1 (the SSS twist is the first preparation twist)")
    values = np.array(variational(atoms, n, m).parameters)
    names = variational(atoms, n, m).parameter_names
    values[0] = twist
    phase = axis_to_angles((0.0, -np.sin(rotation), -np.cos(rotation)))
    measure = axis_to_angles((0.0, -np.cos(rotation), np.sin(rotation)))
    values[names.index("phase_axis_polar")], values[names.index("phase_axis_azimuth")] = phase
    values[names.index("measure_axis_polar")], values[names.index("measure_axis_azimuth")] = measure
    return values


def stability_curves(atoms: int, interrogation_times, classes=DEFAULT_CLASSES, *, noise: str = "flicker",
                     dead_time: float = 0.0, estimator: str = "bayes", seed=0, global_every: int = 8,
                     search: dict | None = None, progress=None, decoherence=None) -> dict:
    """σ(T) of every class over a grid of interrogation times (variational classes warm-started along T).

    Along the grid the variational search is warm-started from the minima
    found at the previous T and runs a full global search only every
    ``global_every`` points (and at the first). The OQI stays the bound of
    ideal atoms when ``decoherence`` is given.

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1.
    interrogation_times : array_like of shape (T,)
        Dark times T, in units of the laser coherence time Z (> 0).
    classes : sequence of str, optional
        Protocol classes (see :func:`parse_class`; default :data:`DEFAULT_CLASSES`).
    noise : {'white', 'flicker', 'random_walk'} or int, optional
        Laser frequency-noise type by word or NIST exponent α (keyword only,
        default ``'flicker'``).
    dead_time : float, optional
        Dead time T_D, in units of the laser coherence time Z (keyword only,
        default 0).
    estimator : {'bayes', 'linear'}, optional
        Posterior mean or optimal linear estimator (keyword only, default
        ``'bayes'``).
    seed : int or numpy.random.SeedSequence, optional
        Root seed, spawned per class and per point (keyword only, default 0).
    global_every : int, optional
        A global search every this many points (keyword only, default 8).
    search : dict, optional
        Effort options of :func:`~.variational.optimize_variational` (keyword only).
    progress : callable, optional
        ``progress(done, total)`` called after every point (keyword only).
    decoherence : AtomicDecoherence, optional
        The atoms' decoherence, times in units of Z (keyword only).

    Returns
    -------
    dict
        ``{class: [StabilityPoint, ...]}``, one point per interrogation time.

    Raises
    ------
    QClockError
        If the grid is empty, not 1-D or not positive, or a class is unknown.
    """
    times = np.asarray(interrogation_times, dtype=float)
    if times.ndim != 1 or times.size == 0 or np.any(times <= 0):
        raise QClockError("interrogation_times must be a non-empty 1-D array of values > 0 (units of Z)")
    for name in classes:
        parse_class(name)
    sequence = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    curves = {}
    total = len(classes) * times.size
    done = 0
    for name, child in zip(classes, sequence.spawn(len(classes))):
        points = []
        warm = []
        for index, (time_value, point_seed) in enumerate(zip(times, child.spawn(times.size))):
            point = class_point(name, atoms, float(time_value), noise=noise, dead_time=dead_time,
                                estimator=estimator, seed=point_seed, warm_starts=warm,
                                global_search=(index % global_every == 0), search=search,
                                decoherence=None if name == "oqi" else decoherence)
            if "minima" in point.parameters:
                warm = [np.asarray(item["parameters"]) for item in point.parameters["minima"][:4]]
            points.append(point)
            done += 1
            if progress is not None:
                progress(done, total)
        curves[name] = points
    return curves


def curve_minimum(points, key: str = "total_sigma") -> StabilityPoint:
    """The point of lowest σ on a curve.

    Parameters
    ----------
    points : sequence of StabilityPoint
        One curve of :func:`stability_curves`.
    key : {'total_sigma', 'sigma'}, optional
        ``'total_sigma'`` (with the Dick term, eq. (41); default) or ``'sigma'``
        (eq. (29) alone).

    Returns
    -------
    StabilityPoint
        The point of the minimum.

    Raises
    ------
    QClockError
        If ``points`` is empty.
    """
    if not points:
        raise QClockError("points must not be empty")
    values = [p.parameters.get(key, p.sigma) if key != "sigma" else p.sigma for p in points]
    return points[int(np.argmin(values))]


def gain_over_css(atoms_list, classes=("sss", "ghz", "1-1", "oqi"), interrogation_times=None, *,
                  noise: str = "flicker", dead_time: float = 0.0, estimator: str = "bayes", seed=0,
                  key: str = "total_sigma") -> dict:
    """Gain σ_min(CSS)/σ_min(class) at each class's own T_min, versus N (Kielinski & Hammerer Fig. 3e).

    Parameters
    ----------
    atoms_list : sequence of int
        Atom numbers N.
    classes : sequence of str
        Classes compared with CSS (any of :func:`parse_class`).
    interrogation_times : array, optional
        T/Z grid of the curves (default 24 log-spaced values from 0.003 to 1).
    noise : {'white', 'flicker', 'random_walk'} or int, optional
        Laser frequency-noise type (keyword only, default ``'flicker'``).
    dead_time : float, optional
        Dead time T_D, in units of Z (keyword only, default 0).
    estimator : {'bayes', 'linear'}, optional
        Estimator (keyword only, default ``'bayes'``).
    seed : int or numpy.random.SeedSequence, optional
        Root seed, spawned per atom number (keyword only, default 0).
    key : {'total_sigma', 'sigma'}, optional
        Which σ is minimised (see :func:`curve_minimum`; keyword only).

    Returns
    -------
    dict
        ``{'atoms': [...], 'gain': {class: [...]}, 'sigma_min': {class: [...]}, 't_min': {class: [...]}}``
        (CSS included in ``sigma_min`` and ``t_min``).
    """
    times = np.geomspace(0.003, 1.0, 24) if interrogation_times is None else np.asarray(interrogation_times)
    names = ["css", *[name for name in classes if name != "css"]]
    out = {"atoms": [], "gain": {name: [] for name in names[1:]}, "sigma_min": {name: [] for name in names},
           "t_min": {name: [] for name in names}}
    for atoms, child in zip(atoms_list, np.random.SeedSequence(seed).spawn(len(atoms_list))):
        curves = stability_curves(atoms, times, names, noise=noise, dead_time=dead_time, estimator=estimator,
                                  seed=child)
        out["atoms"].append(int(atoms))
        for name in names:
            best = curve_minimum(curves[name], key)
            out["sigma_min"][name].append(float(best.parameters.get(key, best.sigma)))
            out["t_min"][name].append(best.interrogation_time)
        for name in names[1:]:
            out["gain"][name].append(out["sigma_min"]["css"][-1] / out["sigma_min"][name][-1])
    return out
