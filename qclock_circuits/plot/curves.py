"""Curves against time: stability σ(T), Allan deviation σ_y(τ) and the network strategies.

Units follow the package conventions: interrogation times in units of the
laser coherence time Z and the dimensionless stability σ = σ_y(τ)ω0√(τZ)
(Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (29)); Allan deviations
and averaging times in the units of the data they were computed from.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from .._validation import QClockError
from ._figure import finish, new_axes

__all__ = ["stability_curves", "allan_deviation", "network_strategies", "REFERENCE_LINES"]

#: Colours of the named protocol classes (others: shades of blue).
COLOURS = {"css": "tab:orange", "sss": "tab:red", "ghz": "tab:green", "oqi": "black", "poi": "tab:purple",
           "pi_hl": "0.4"}
_NAMES = {"css": "CSS", "sss": "SSS", "ghz": "GHZ", "oqi": "OQI (bound)", "poi": "POI", "pi_hl": "asymptotic OQI"}

#: Reference lines of :func:`stability_curves`: label, σ(T, N) in units of Z, colour
#: (Kielinski & Hammerer sec. III A).
REFERENCE_LINES = {
    "sql": ("SQL 1/√(NT)", lambda times, atoms: 1.0 / np.sqrt(atoms * times), "tab:orange"),
    "hl": ("HL 1/(N√T)", lambda times, atoms: 1.0 / (atoms * np.sqrt(times)), "tab:green"),
    "pi_hl": ("πHL π/(N√T)", lambda times, atoms: math.pi / (atoms * np.sqrt(times)), "0.3"),
}


def _label(name: str) -> str:
    """A legend label for a curve key: the class name, ``'1-2'`` → ``'[1,2]'``, else the key itself."""
    key = name.lower()
    if key in _NAMES:
        return _NAMES[key]
    parts = key.split("-")
    if len(parts) == 2 and all(part.isdigit() for part in parts):
        return f"[{parts[0]},{parts[1]}]"
    return name


def _point_values(name: str, points) -> tuple[np.ndarray, np.ndarray, set]:
    """(T, σ, atoms) of one curve; σ is the total σ (with the Dick effect) where the point has one."""
    if isinstance(points, (str, bytes)) or not isinstance(points, Sequence) or len(points) == 0:
        raise QClockError(f"curves[{name!r}] must be a non-empty sequence of StabilityPoint, got {points!r}")
    times, sigmas, atoms = [], [], set()
    for point in points:
        if not all(hasattr(point, attr) for attr in ("interrogation_time", "sigma", "atoms")):
            raise TypeError(f"curves[{name!r}] must hold StabilityPoint objects (bayes.stability_curve, "
                            f"optimize.stability_curves), got {type(point).__name__}")
        parameters = getattr(point, "parameters", None) or {}
        times.append(float(point.interrogation_time))
        value = parameters.get("total_sigma", point.sigma)
        sigmas.append(math.inf if value is None else float(value))  # JSON null: an infinite σ
        atoms.add(int(point.atoms))
    times = np.asarray(times)
    if np.any(~np.isfinite(times)) or np.any(times <= 0):
        raise QClockError(f"curves[{name!r}]: interrogation times must be finite and > 0 (units of Z), got "
                          f"{times.tolist()}")
    return times, np.asarray(sigmas), atoms


def stability_curves(curves: Mapping, *, atoms: int | None = None, references: Sequence[str] = ("sql", "hl"),
                     shade_bound: bool = True, title: str | None = None, ax=None,
                     path: str | os.PathLike | None = None):
    """σ(T) of protocols against the OQI bound and the SQL/HL lines, log–log.

    The figure of Kielinski & Hammerer, arXiv:2505.04287 (2025), Figs. 2(a), 3
    and 4: the stability σ = σ_y(τ)ω0√(τZ) of eq. (29) (with dead time the total
    σ including the Dick effect, ``parameters['total_sigma']``, where a point
    carries it) against the interrogation time T in units of Z (None, the JSON
    form of an infinite σ, counts as infinite). A curve named
    ``'oqi'`` is drawn dashed and black, and with ``shade_bound`` the region
    below it (inaccessible to any protocol) is shaded. Points whose σ is not
    finite (an estimator no better than the prior) are left out of the line.

    Parameters
    ----------
    curves : mapping of str to sequence of StabilityPoint
        One curve per key, e.g. the output of
        :func:`qclock_circuits.optimize.stability_curves` or
        ``{"css": bayes.stability.stability_curve("css", 8, times), ...}``. Known class
        names (``css``, ``sss``, ``ghz``, ``oqi``, ``poi``, ``'1-2'``) get
        their usual labels; other keys are used as labels. The colour follows
        the key, else the points' ``kind``; curves of the linear estimator are
        dash-dotted.
    atoms : int, optional
        N for the reference lines; by default the atom number shared by every
        point (an error if the points disagree and references are asked for).
    references : sequence of str, default ("sql", "hl")
        Reference lines from :data:`REFERENCE_LINES`: ``'sql'`` 1/√(NT),
        ``'hl'`` 1/(N√T), ``'pi_hl'`` π/(N√T) (units of Z), drawn thin and dotted
        (orange, green, grey as in Kielinski & Hammerer Fig. 2) over the range of T of the curves.
    shade_bound : bool, default True
        Shade the region below the ``'oqi'`` curve.
    title : str, optional
        Axes title (default: ``"N = …"``).
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; by default a new 6.4 × 4.4 inch figure.
    path : str or os.PathLike, optional
        Save the figure there (format from the suffix); nothing is written otherwise.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn into: one line per curve (in the order given), then one
        per reference line.

    Raises
    ------
    TypeError
        If ``curves`` is not a mapping or holds something other than stability points.
    QClockError
        If a curve is empty, has non-positive times, a reference name is
        unknown, or N is ambiguous.
    """
    if not isinstance(curves, Mapping) or not curves:
        raise TypeError(f"curves must be a non-empty mapping of name to StabilityPoint lists, got {curves!r}")
    unknown = [name for name in references if name not in REFERENCE_LINES]
    if unknown:
        raise QClockError(f"references must be among {sorted(REFERENCE_LINES)}, got {list(references)!r}")
    data = {name: _point_values(name, points) for name, points in curves.items()}
    if references and atoms is None:
        found = set().union(*(values[2] for values in data.values()))
        if len(found) != 1:
            raise QClockError(f"the curves hold several atom numbers {sorted(found)}: pass atoms= for the "
                              "reference lines, or references=()")
        atoms = found.pop()
    if atoms is not None and (isinstance(atoms, bool) or not isinstance(atoms, (int, np.integer)) or atoms < 1):
        raise QClockError(f"atoms must be an integer >= 1, got {atoms!r}")
    figure, axis = new_axes(ax, (6.4, 4.4))
    import matplotlib

    blues = iter(matplotlib.colormaps["Blues"](np.linspace(0.5, 0.95, max(len(curves), 1))))
    finite_all = []
    for name, (times, sigmas, _) in data.items():
        first = curves[name][0]
        kind, estimator = str(getattr(first, "kind", "")).lower(), getattr(first, "estimator", "bayes")
        key = str(name).lower() if str(name).lower() in COLOURS else kind
        finite = np.isfinite(sigmas)
        colour = COLOURS.get(key) or next(blues)
        style = "--" if key == "oqi" else "-." if estimator == "linear" else "-"
        axis.plot(times[finite], sigmas[finite], style, color=colour, label=_label(str(name)))
        finite_all.extend(sigmas[finite])
        if key == "oqi" and shade_bound and finite.any():
            axis.fill_between(times[finite], 0.5 * np.min(sigmas[finite]) * 1e-3, sigmas[finite], color="0.85",
                              zorder=0)
    all_times = np.concatenate([values[0] for values in data.values()])
    grid = np.geomspace(all_times.min(), all_times.max(), 100)
    for name in references:
        label, function, colour = REFERENCE_LINES[name]
        axis.plot(grid, function(grid, atoms), ":", color=colour, lw=1, label=label)
    axis.set_xscale("log")
    axis.set_yscale("log")
    if finite_all:
        low, high = min(finite_all), max(finite_all)
        axis.set_ylim(0.7 * low, min(1.5 * high, 30 * low))
    axis.set_xlabel("interrogation time T / Z")
    axis.set_ylabel(r"$\sigma_y(\tau)\,\omega_0\sqrt{\tau Z}$")
    axis.set_title(title if title is not None else (f"N = {atoms}" if atoms is not None else ""))
    axis.legend(fontsize=8, ncol=2)
    axis.grid(True, which="both", alpha=0.3)
    return finish(figure, path)


def _allan_result(name, value):
    from ..clock.allan import AllanResult

    if isinstance(value, AllanResult):
        return value
    if isinstance(value, Mapping):
        try:
            return AllanResult.from_dict(value)
        except KeyError as error:
            raise QClockError(f"results[{name!r}] is a dict without the AllanResult field {error}") from None
    raise TypeError(f"results[{name!r}] must be an AllanResult (clock.overlapping_adev) or its to_dict(), got "
                    f"{type(value).__name__}")


def _theory_values(name, theory, tau) -> tuple[np.ndarray, np.ndarray]:
    if callable(theory):
        values = np.asarray(theory(tau), dtype=float)
        if values.shape != tau.shape:
            raise QClockError(f"theory[{name!r}] returned shape {values.shape} for {tau.shape[0]} averaging times")
        return tau, values
    try:
        times, values = (np.asarray(part, dtype=float) for part in theory)
    except (TypeError, ValueError):
        raise TypeError(f"theory[{name!r}] must be a callable of tau or a (tau, sigma) pair, got {theory!r}") from None
    if times.shape != values.shape or times.ndim != 1:
        raise QClockError(f"theory[{name!r}]: tau and sigma must be 1-D of one length, got shapes {times.shape} "
                          f"and {values.shape}")
    return times, values


def allan_deviation(results, *, theory: Callable | tuple | Mapping | None = None, confidence: bool = True,
                    time_unit: str = "s", title: str | None = None, ax=None, path: str | os.PathLike | None = None):
    """Overlapping Allan deviation σ_y(τ) with its confidence interval, log–log.

    Each result is drawn as markers joined by a line, with vertical bars from
    ``ci_low`` to ``ci_high`` (the χ² interval of
    :func:`qclock_circuits.clock.overlapping_adev`, NIST SP 1065 sec. 5.3); a
    theory line, if given, is drawn dashed in the same colour.

    Parameters
    ----------
    results : AllanResult or mapping of str to AllanResult
        One result, or one per label (an ``AllanResult.to_dict()`` is accepted too).
    theory : callable, (tau, sigma) pair, or mapping of str to either, optional
        Expected σ_y(τ): a function of the result's τ array, or explicit
        arrays; a mapping gives one per label (keys of ``results``, or any
        other label for a line of its own).
    confidence : bool, default True
        Draw the confidence interval bars.
    time_unit : str, default "s"
        Unit of τ for the axis label (the unit of the data's sample spacing).
    title : str, optional
        Axes title.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; by default a new 6.4 × 4.4 inch figure.
    path : str or os.PathLike, optional
        Save the figure there; nothing is written otherwise.

    Returns
    -------
    matplotlib.figure.Figure
        The figure: one line per result (its bars in a collection), then the theory lines.

    Raises
    ------
    TypeError
        If a result is not an AllanResult (or its dict) or a theory is neither
        callable nor a pair of arrays.
    QClockError
        If a theory has the wrong shape, or ``results`` is empty.
    """
    if not isinstance(results, Mapping) or {"tau", "sigma"} <= set(results):  # one result or its to_dict()
        results = {"ADEV": results}
    if not results:
        raise QClockError("results must hold at least one AllanResult, got an empty mapping")
    data = {name: _allan_result(name, value) for name, value in results.items()}
    if theory is not None and not isinstance(theory, Mapping):
        theory = {next(iter(data)): theory}
    figure, axis = new_axes(ax, (6.4, 4.4))
    colours = {}
    for index, (name, result) in enumerate(data.items()):
        colour = f"C{index % 10}"
        colours[name] = colour
        label = None if name == "ADEV" and len(data) == 1 and not theory else str(name)
        if confidence:
            errors = np.vstack([result.sigma - result.ci_low, result.ci_high - result.sigma])
            axis.errorbar(result.tau, result.sigma, yerr=errors, fmt="o-", ms=3.5, capsize=0, color=colour,
                          label=label)
        else:
            axis.plot(result.tau, result.sigma, "o-", ms=3.5, color=colour, label=label)
    for offset, (name, line) in enumerate((theory or {}).items()):
        tau = data[name].tau if name in data else None
        if tau is None and callable(line):
            raise QClockError(f"theory[{name!r}] is a function but there is no result {name!r} to take τ from; "
                              "give (tau, sigma) arrays")
        times, values = _theory_values(name, line, tau)
        colour = colours.get(name, f"C{(len(data) + offset) % 10}")
        axis.plot(times, values, "--", color=colour, lw=1.2, label=f"{name} theory" if name in data else str(name))
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xlabel(f"averaging time τ ({time_unit})")
    axis.set_ylabel(r"Allan deviation $\sigma_y(\tau)$")
    if title:
        axis.set_title(title)
    if axis.get_legend_handles_labels()[0]:
        axis.legend(fontsize=8)
    axis.grid(True, which="both", alpha=0.3)
    return finish(figure, path)


def network_strategies(result, *, analytic: bool = True, title: str | None = None, ax=None,
                       path: str | os.PathLike | None = None):
    """σ_y(τ) of the strategies of Kómár et al., Nature Physics 10, 582 (2014), Fig. 3, log–log.

    The closed-loop curves of
    :func:`qclock_circuits.network.figure3.assemble_fig3` as markers joined by
    lines, and the closed forms of ``network_stability`` (main text eqs. 3–4)
    dotted in the same colour. Averaging times are in seconds; NaN entries
    (no valid run with T ≤ τ) leave gaps.

    Parameters
    ----------
    result : Fig3Result or dict
        The result of ``assemble_fig3`` or its ``to_dict()`` (``taus``,
        ``sigma`` and ``analytic`` are used).
    analytic : bool, default True
        Draw the closed forms.
    title : str, optional
        Axes title (default: a note on the dotted lines).
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; by default a new 6.4 × 4.6 inch figure.
    path : str or os.PathLike, optional
        Save the figure there; nothing is written otherwise.

    Returns
    -------
    matplotlib.figure.Figure
        The figure: one line per strategy (loop), then one per strategy (closed form).

    Raises
    ------
    TypeError
        If ``result`` is neither a Fig3Result nor a dict of one.
    QClockError
        If a curve's length differs from that of ``taus``.
    """
    from ..network.figure3 import LABELS, Fig3Result

    if isinstance(result, Mapping):
        try:
            taus, sigma, closed = result["taus"], result["sigma"], result["analytic"]
        except KeyError as error:
            raise QClockError(f"result is a dict without the Fig3Result field {error}") from None
    elif isinstance(result, Fig3Result):
        taus, sigma, closed = result.taus, result.sigma, result.analytic
    else:
        raise TypeError(f"result must be a Fig3Result (network.figure3.assemble_fig3) or its to_dict(), got "
                        f"{type(result).__name__}")
    taus = np.asarray(taus, dtype=float)

    def curve(values, name):
        array = np.asarray([math.nan if v is None else v for v in values], dtype=float)
        if array.shape != taus.shape:
            raise QClockError(f"curve {name!r} has {array.size} values for {taus.size} averaging times")
        return array

    figure, axis = new_axes(ax, (6.4, 4.6))
    colours = dict(zip(LABELS, ("C3", "C0", "C2", "C1", "C7")))
    names = [name for name in LABELS if name in sigma] + [name for name in sigma if name not in LABELS]
    for index, name in enumerate(names):
        axis.plot(taus, curve(sigma[name], name), "o-", color=colours.get(name, f"C{index}"), ms=3.5,
                  label=LABELS.get(name, name) + " (loop)")
    if analytic:
        for index, name in enumerate(names):
            if name in closed:
                axis.plot(taus, curve(closed[name], name), ":", color=colours.get(name, f"C{index}"), lw=1)
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xlabel("averaging time τ (s)")
    axis.set_ylabel(r"Allan deviation $\sigma_y(\tau)$")
    axis.set_title(title or "dotted: closed forms (network_stability)", fontsize=9)
    axis.legend(fontsize=7)
    return finish(figure, path, dpi=110)
