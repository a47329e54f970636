"""Figures of a design study, written to files (drawn by :mod:`qclock_circuits.plot`).

* :func:`stability_figure` — σ(T) of every class with the OQI bound (Kielinski & Hammerer
  Figs. 2–4, 7 style): the region below the OQI is inaccessible.
* :func:`signal_figure` — the Ramsey signal of a protocol (outcome
  distribution and mean signal versus φ) and its estimator (mean estimate and
  its spread versus φ, against the ideal φ_est = φ), with the prior.
"""

from __future__ import annotations

import os

import numpy as np

from ..bayes.stability import StabilityPoint

__all__ = ["stability_figure", "signal_figure"]


def stability_figure(result, path: str | os.PathLike) -> None:
    """σ(T) (total, eq. (41)) of every class of a :class:`~.design.DesignResult`, saved to ``path``.

    Total σ = Bayesian σ of Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (29), with the Dick effect of
    eq. (40). The curves and the OQI are drawn by :func:`qclock_circuits.plot.stability_curves`; this adds the
    same classes for ideal atoms (thin, dotted) and the closed-loop checks (o: no fringe hop, x: hops).

    Parameters
    ----------
    result : DesignResult
        The study; its curves are drawn against T (units of Z), the OQI bound
        among them.
    path : str or os.PathLike
        Image file to write (format from the suffix, e.g. ``.png``).
    """
    from ..plot import stability_curves

    spec = result.spec
    title = f"N = {spec.atoms}, {spec.noise} FM"
    if spec.dead_time > 0:
        title += f", $T_D/Z$ = {spec.dead_time:g}"
    names = [*spec.classes, "oqi"]
    figure = stability_curves({name: result.curve(name) for name in names}, references=(), title=title)
    axis = figure.axes[0]
    colours = dict(zip(names, (line.get_color() for line in axis.lines)))
    labels = dict(zip(names, (line.get_label() for line in axis.lines)))
    for name in names:
        if name in result.ideal_curves:  # the same class for ideal atoms, thin and dotted
            ideal = [StabilityPoint.from_dict(item) for item in result.ideal_curves[name]]
            ideal_sigmas = np.array([p.parameters.get("total_sigma", p.sigma) for p in ideal])
            keep = np.isfinite(ideal_sigmas)
            axis.plot(np.array([p.interrogation_time for p in ideal])[keep], ideal_sigmas[keep], ":", lw=1,
                      color=colours[name], label=f"{labels[name]}, ideal atoms")
        check = result.validation.get(name)
        if check is not None:
            for entry in check["tried"]:
                marker = "o" if entry["runs_with_hops"] == 0 else "x"
                axis.plot(entry["interrogation_time"], entry["sigma_scaled"], marker, color=colours[name],
                          markerfacecolor="none" if marker == "o" else None)
    axis.legend(fontsize=8, ncol=2)
    figure.savefig(path, dpi=120)


def signal_figure(protocol, prior_width: float, estimator: str, path: str | os.PathLike) -> None:
    """Ramsey signal and estimator of ``protocol`` for a Gaussian prior of width ``prior_width`` (rad), saved to ``path``.

    Drawn by :func:`qclock_circuits.plot.ramsey_signal`.

    Parameters
    ----------
    protocol : RamseyProtocol
        The recommended protocol.
    prior_width : float
        Prior width δφ (rad).
    estimator : str
        Estimator name (``'bayes'``, ``'linear'``, ``'arcsin'``).
    path : str or os.PathLike
        Image file to write.
    """
    from ..plot import ramsey_signal

    ramsey_signal(protocol, prior_width=prior_width, estimator=estimator, path=path)
