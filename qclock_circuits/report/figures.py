"""Figures of a design study (matplotlib, Agg backend, written to files only).

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

_COLOURS = {"css": "tab:orange", "sss": "tab:red", "ghz": "tab:green", "oqi": "black"}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def stability_figure(result, path: str | os.PathLike) -> None:
    """σ(T) (total, eq. (41)) of every class of a :class:`~.design.DesignResult`, saved to ``path``.

    Total σ = Bayesian σ of Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (29), with the Dick effect of eq. (40).

    Parameters
    ----------
    result : DesignResult
        The study; its curves are drawn against T (units of Z), the OQI bound
        among them.
    path : str or os.PathLike
        Image file to write (format from the suffix, e.g. ``.png``).
    """
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(6.4, 4.4), constrained_layout=True)
    spec = result.spec
    blues = iter(plt.cm.Blues(np.linspace(0.5, 0.95, max(len(spec.classes), 1))))
    for name in [*spec.classes, "oqi"]:
        points = result.curve(name)
        times = np.array([p.interrogation_time for p in points])
        sigmas = np.array([p.parameters.get("total_sigma", p.sigma) for p in points])
        colour = _COLOURS.get(name) or next(blues)
        label = "OQI (bound)" if name == "oqi" else name.upper() if name in _COLOURS else f"[{name.replace('-', ',')}]"
        finite = np.isfinite(sigmas)
        axis.plot(times[finite], sigmas[finite], "-" if name != "oqi" else "--", color=colour, label=label)
        if name in result.ideal_curves:  # the same class for ideal atoms, thin and dotted
            ideal = [StabilityPoint.from_dict(item) for item in result.ideal_curves[name]]
            ideal_sigmas = np.array([p.parameters.get("total_sigma", p.sigma) for p in ideal])
            keep = np.isfinite(ideal_sigmas)
            axis.plot(np.array([p.interrogation_time for p in ideal])[keep], ideal_sigmas[keep], ":", lw=1,
                      color=colour, label=f"{label}, ideal atoms")
        if name == "oqi":
            axis.fill_between(times[finite], 1e-9, sigmas[finite], color="0.85", zorder=0)
        check = result.validation.get(name)
        if check is not None:
            for entry in check["tried"]:
                marker = "o" if entry["runs_with_hops"] == 0 else "x"
                axis.plot(entry["interrogation_time"], entry["sigma_scaled"], marker, color=colour,
                          markerfacecolor="none" if marker == "o" else None)
    finite_all = [p.parameters.get("total_sigma", p.sigma) for name in result.curves for p in result.curve(name)]
    finite_all = np.array([v for v in finite_all if np.isfinite(v)])
    axis.set_xscale("log")
    axis.set_yscale("log")
    if finite_all.size:
        axis.set_ylim(0.7 * finite_all.min(), min(1.5 * finite_all.max(), 30 * finite_all.min()))
    axis.set_xlabel("interrogation time T / Z")
    axis.set_ylabel(r"$\sigma_y(\tau)\,\omega_0\sqrt{\tau Z}$")
    title = f"N = {spec.atoms}, {spec.noise} FM"
    if spec.dead_time > 0:
        title += f", $T_D/Z$ = {spec.dead_time:g}"
    axis.set_title(title)
    axis.legend(fontsize=8, ncol=2)
    axis.grid(True, which="both", alpha=0.3)
    figure.savefig(path, dpi=120)
    plt.close(figure)


def signal_figure(protocol, prior_width: float, estimator: str, path: str | os.PathLike) -> None:
    """Ramsey signal and estimator of ``protocol`` for a Gaussian prior of width ``prior_width`` (rad).

    Parameters
    ----------
    protocol : RamseyProtocol
        The protocol whose mean outcome and estimate are drawn against φ ∈ [−π, π].
    prior_width : float
        Width δφ of the Gaussian prior (rad).
    estimator : str
        Estimator name, as for :func:`qclock_circuits.bayes.estimator_table`.
    path : str or os.PathLike
        Image file to write.
    """
    from ..bayes import GaussianPrior, estimator_table

    plt = _pyplot()
    phases = np.linspace(-np.pi, np.pi, 721)
    probabilities = protocol.probabilities(phases)
    outcomes = np.asarray(protocol.outcomes, dtype=float)
    estimates = estimator_table(protocol, GaussianPrior(prior_width), estimator)
    mean_signal = probabilities @ outcomes
    mean_estimate = probabilities @ estimates
    spread = np.sqrt(np.maximum(probabilities @ estimates**2 - mean_estimate**2, 0.0))
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(6.4, 6.4), sharex=True, constrained_layout=True)
    image = top.imshow(probabilities.T, origin="lower", aspect="auto", cmap="viridis",
                       extent=(phases[0], phases[-1], -0.5, len(outcomes) - 0.5))
    figure.colorbar(image, ax=top, label="P(x | φ)")
    twin = top.twinx()
    twin.plot(phases, mean_signal, color="white", lw=1.5)
    twin.set_ylabel("mean outcome ⟨x⟩", color="0.3")
    top.set_ylabel("outcome index")
    top.set_title(f"{protocol.name}: Ramsey signal")
    bottom.plot(phases, phases, ":", color="0.4", label="ideal φ_est = φ")
    bottom.plot(phases, mean_estimate, color="tab:red", label=f"mean {estimator} estimate")
    bottom.fill_between(phases, mean_estimate - spread, mean_estimate + spread, color="tab:red", alpha=0.2,
                        label="± spread over outcomes")
    prior = np.exp(-0.5 * (phases / prior_width) ** 2)
    bottom.fill_between(phases, -np.pi, -np.pi + prior * np.pi / 2, color="tab:blue", alpha=0.2,
                        label=f"prior (δφ = {prior_width:.2f} rad)")
    bottom.set_ylim(-np.pi, np.pi)
    bottom.set_xlabel("phase φ (rad)")
    bottom.set_ylabel("estimate (rad)")
    bottom.legend(fontsize=8, loc="upper left")
    bottom.grid(True, alpha=0.3)
    figure.savefig(path, dpi=120)
    plt.close(figure)
