"""Figures of one protocol: its Ramsey signal and estimator, a posterior over φ, and its Husimi Q function.

Phases φ are in radians, with the imprint exp(−iφJz) of the package
conventions; outcome labels and estimators are those of the protocol and of
:mod:`qclock_circuits.bayes` (Kielinski & Hammerer, arXiv:2505.04287 (2025)).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from .._validation import QClockError, check_finite, check_finite_array, check_int
from ._figure import finish, new_axes

__all__ = ["ramsey_signal", "posterior", "husimi_q"]


def _check_protocol(protocol, name: str = "protocol"):
    if not all(hasattr(protocol, attr) for attr in ("probabilities", "outcomes", "atoms")):
        raise TypeError(f"{name} must be a RamseyProtocol (qclock_circuits.protocols), got {type(protocol).__name__}")
    return protocol


def _phase_grid(phases, default_points: int = 721) -> np.ndarray:
    if phases is None:
        return np.linspace(-np.pi, np.pi, default_points)
    grid = check_finite_array(phases, "phases")
    if grid.ndim != 1 or grid.size < 2 or np.any(np.diff(grid) <= 0):
        raise QClockError(f"phases must be a 1-D increasing array of at least 2 phases (rad), got shape {grid.shape}")
    return grid


def ramsey_signal(protocol, *, prior_width: float | None = None, estimator: str = "bayes", phases=None, ax=None,
                  path: str | os.PathLike | None = None):
    """The Ramsey signal of a protocol and, with a prior, the response of its estimator.

    Top panel: the outcome probabilities P(x|φ) as an image (outcome index
    against φ) and the mean outcome ⟨x⟩(φ) = Σ_x x P(x|φ) (for the collective
    readout ⟨Jz⟩ after the measurement unitary; for parity readout the mean
    parity) on a second y axis. Bottom panel (only with ``prior_width``): the
    mean estimate E[φ_est | φ] of the chosen estimator with its spread over
    outcomes, against the ideal φ_est = φ, and the Gaussian prior
    (Kielinski & Hammerer, arXiv:2505.04287 (2025), sec. II: linear,
    arcsin and posterior-mean estimators).

    Parameters
    ----------
    protocol : RamseyProtocol
        The protocol (ideal or with local noise).
    prior_width : float, optional
        Width δφ (rad) of the Gaussian prior the estimator is built for; without
        it only the signal panel is drawn.
    estimator : {"bayes", "linear", "arcsin"}, default "bayes"
        Estimator (:func:`qclock_circuits.bayes.estimator_table`).
    phases : array_like, optional
        Increasing phases φ (rad); default 721 points over [−π, π].
    ax : matplotlib.axes.Axes or pair of Axes, optional
        The signal Axes, or (signal, estimator) Axes when ``prior_width`` is
        given; by default a new figure.
    path : str or os.PathLike, optional
        Save the figure there; nothing is written otherwise.

    Returns
    -------
    matplotlib.figure.Figure
        The figure. Its first Axes holds the P(x|φ) image, the twin Axes the
        ⟨x⟩ line; the estimator Axes holds the ideal line then the mean estimate.

    Raises
    ------
    TypeError
        If ``protocol`` is not a protocol or ``ax`` is not Axes.
    QClockError
        If ``prior_width`` is not > 0, the phases are not increasing, or two
        Axes are needed and one was given.
    """
    _check_protocol(protocol)
    grid = _phase_grid(phases)
    if prior_width is not None:
        prior_width = check_finite(prior_width, "prior_width")
        if prior_width <= 0:
            raise QClockError(f"prior_width must be > 0 (rad), got {prior_width}")
    if ax is None:
        from matplotlib.figure import Figure

        if prior_width is None:
            figure = Figure(figsize=(6.4, 3.6), layout="constrained")
            top, bottom = figure.add_subplot(), None
        else:
            figure = Figure(figsize=(6.4, 6.4), layout="constrained")
            top, bottom = figure.subplots(2, 1, sharex=True)
    elif prior_width is None:
        figure, top = new_axes(ax, (6.4, 3.6))
        bottom = None
    else:
        if not isinstance(ax, Sequence) or len(ax) != 2:
            raise QClockError("with prior_width the figure has two panels: ax must be a pair of Axes "
                              f"(signal, estimator), got {ax!r}")
        figure, top = new_axes(ax[0], (6.4, 6.4), "ax[0]")
        _, bottom = new_axes(ax[1], (6.4, 6.4), "ax[1]")
    probabilities = protocol.probabilities(grid)
    outcomes = np.asarray(protocol.outcomes, dtype=float)
    image = top.imshow(probabilities.T, origin="lower", aspect="auto", cmap="viridis",
                       extent=(grid[0], grid[-1], -0.5, len(outcomes) - 0.5))
    figure.colorbar(image, ax=top, label="P(x | φ)")
    twin = top.twinx()
    twin.plot(grid, probabilities @ outcomes, color="white", lw=1.5, label="mean outcome ⟨x⟩")
    twin.set_ylabel("mean outcome ⟨x⟩", color="0.3")
    top.set_ylabel("outcome index")
    top.set_title(f"{getattr(protocol, 'name', 'protocol')}: Ramsey signal")
    if bottom is None:
        top.set_xlabel("phase φ (rad)")
        return finish(figure, path)
    from ..bayes import GaussianPrior, estimator_table

    estimates = estimator_table(protocol, GaussianPrior(prior_width), estimator)
    mean_estimate = probabilities @ estimates
    spread = np.sqrt(np.maximum(probabilities @ estimates**2 - mean_estimate**2, 0.0))
    bottom.plot(grid, grid, ":", color="0.4", label="ideal φ_est = φ")
    bottom.plot(grid, mean_estimate, color="tab:red", label=f"mean {estimator} estimate")
    bottom.fill_between(grid, mean_estimate - spread, mean_estimate + spread, color="tab:red", alpha=0.2,
                        label="± spread over outcomes")
    low, high = min(grid[0], -np.pi), max(grid[-1], np.pi)
    prior = np.exp(-0.5 * (grid / prior_width) ** 2)
    bottom.fill_between(grid, low, low + prior * (high - low) / 4, color="tab:blue", alpha=0.2,
                        label=f"prior (δφ = {prior_width:.2f} rad)")
    bottom.set_ylim(low, high)
    bottom.set_xlabel("phase φ (rad)")
    bottom.set_ylabel("estimate (rad)")
    bottom.legend(fontsize=8, loc="upper left")
    bottom.grid(True, alpha=0.3)
    return finish(figure, path)


def posterior(result, *, prior=None, protocol=None, counts=None, estimate: float | None = None,
              true_phase: float | None = None, title: str | None = None, ax=None,
              path: str | os.PathLike | None = None):
    """Prior, likelihood and posterior density over φ, with the estimate (and the true phase).

    Bayes' rule p(φ|x) ∝ P(x|φ) p(φ) (Kielinski & Hammerer,
    arXiv:2505.04287 (2025), eq. (2)): the posterior of
    :func:`qclock_circuits.bayes.posterior`, the prior it came from, and the
    likelihood of the counts ∏_x P(x|φ)^{n_x} normalised to unit area on the
    posterior's grid, so that the three share one density axis (1/rad).

    Parameters
    ----------
    result : Posterior
        The posterior (``phi`` grid in rad and ``density``).
    prior : GaussianPrior or GridPrior, optional
        Prior to draw (anything with ``pdf(phi)``).
    protocol : RamseyProtocol, optional
        Protocol whose likelihood to draw; needs ``counts``.
    counts : dict or array_like, optional
        Outcome counts (:func:`qclock_circuits.bayes.outcome_count_vector`).
    estimate : float, optional
        Estimate to mark (rad); default the posterior mean.
    true_phase : float, optional
        True phase to mark (rad).
    title : str, optional
        Axes title.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; by default a new 6.4 × 4.0 inch figure.
    path : str or os.PathLike, optional
        Save the figure there; nothing is written otherwise.

    Returns
    -------
    matplotlib.figure.Figure
        The figure; lines in the order posterior, prior, likelihood, estimate, true phase (those given).

    Raises
    ------
    TypeError
        If ``result`` has no ``phi``/``density`` or ``prior`` no ``pdf``.
    QClockError
        If only one of ``protocol`` and ``counts`` is given, or the counts
        are impossible for every φ of the grid.
    """
    if not (hasattr(result, "phi") and hasattr(result, "density")):
        raise TypeError(f"result must be a Posterior (bayes.posterior), got {type(result).__name__}")
    if prior is not None and not callable(getattr(prior, "pdf", None)):
        raise TypeError(f"prior must have a pdf(phi) method (GaussianPrior, GridPrior), got {type(prior).__name__}")
    if (protocol is None) != (counts is None):
        raise QClockError("the likelihood needs both protocol and counts; got only "
                          + ("protocol" if counts is None else "counts"))
    phi = np.asarray(result.phi, dtype=float)
    figure, axis = new_axes(ax, (6.4, 4.0))
    axis.plot(phi, result.density, color="tab:red", lw=2, label="posterior")
    if prior is not None:
        axis.plot(phi, prior.pdf(phi), "--", color="tab:blue", label="prior")
    if protocol is not None:
        from ..bayes import outcome_count_vector

        _check_protocol(protocol)
        vector = outcome_count_vector(protocol, counts)
        with np.errstate(divide="ignore"):
            log_like = np.log(protocol.probabilities(phi)) @ vector
        peak = np.max(log_like)
        if not np.isfinite(peak):
            raise QClockError("counts are impossible under the protocol for every phase of the posterior's grid")
        likelihood = np.exp(log_like - peak)
        likelihood /= np.trapezoid(likelihood, phi)
        axis.plot(phi, likelihood, ":", color="0.3", label="likelihood (normalised)")
    value = float(result.mean) if estimate is None else check_finite(estimate, "estimate")
    axis.axvline(value, color="tab:red", lw=1, label=f"estimate {value:.3f} rad")
    if true_phase is not None:
        true_phase = check_finite(true_phase, "true_phase")
        axis.axvline(true_phase, color="k", ls="-.", lw=1, label=f"true φ = {true_phase:.3f} rad")
    axis.set_xlabel("phase φ (rad)")
    axis.set_ylabel("density (1/rad)")
    if title:
        axis.set_title(title)
    axis.legend(fontsize=8)
    axis.grid(True, alpha=0.3)
    return finish(figure, path)


def _dicke_state(state, phase: float, stage: str) -> np.ndarray:
    """The Dicke-basis ket (M ascending) to draw."""
    from ..spin import magnetic_numbers

    if hasattr(state, "input_state") and hasattr(state, "atoms"):
        if stage == "final":
            return np.asarray(state.final_state(phase))
        vector = np.asarray(state.input_state, dtype=complex)
        if stage == "imprinted":
            vector = np.exp(-1j * phase * magnetic_numbers(state.atoms)) * vector
        return vector
    if stage != "prepared":
        raise QClockError(f"stage={stage!r} needs a RamseyProtocol; a state vector is drawn as given "
                          "(stage='prepared')")
    try:
        vector = np.asarray(state, dtype=complex)
    except (TypeError, ValueError):
        raise TypeError(f"state must be a RamseyProtocol or a Dicke-basis ket (array of N+1 amplitudes), got "
                        f"{type(state).__name__}") from None
    if vector.ndim != 1 or vector.size < 2 or not np.all(np.isfinite(vector)):
        raise QClockError(f"state must be a finite 1-D Dicke-basis ket of N+1 >= 2 amplitudes, got shape "
                          f"{vector.shape}")
    norm = np.linalg.norm(vector)
    if not np.isclose(norm, 1.0, atol=1e-8):
        raise QClockError(f"state must be normalised, got norm {norm:.6g}")
    return vector


def husimi_q(state, *, stage: str = "prepared", phase: float = 0.0, resolution: tuple[int, int] = (91, 181),
             title: str | None = None, ax=None, path: str | os.PathLike | None = None):
    """Husimi Q function Q(θ, ϕ) = ⟨θ,ϕ|ρ|θ,ϕ⟩ of a protocol's collective spin state.

    The state is converted to QuTiP's ordering by
    :func:`qclock_circuits.spin.to_qobj` and evaluated with
    ``qutip.spin_q_function`` (spin coherent states |θ,ϕ⟩; QuTiP's angles:
    θ = 0 is the north pole, all atoms excited, so |↓…↓⟩ is at θ = π and the
    CSS along +x at θ = π/2, ϕ = 0). Q is the overlap itself, in [0, 1], without
    the (N+1)/4π that would normalise it on the sphere. Drawn as a map of azimuth ϕ against polar
    angle θ, north pole at the top.

    Parameters
    ----------
    state : RamseyProtocol or array_like
        A protocol, or a normalised Dicke-basis ket (N+1 amplitudes, M ascending).
    stage : {"prepared", "imprinted", "final"}, default "prepared"
        For a protocol: the state after preparation (``input_state``), after
        the phase imprint exp(−iφJz), or before readout (``final_state``).
    phase : float, default 0.0
        The imprinted phase φ (rad) for the ``'imprinted'`` and ``'final'`` stages.
    resolution : (int, int), default (91, 181)
        Number of polar and azimuthal grid points.
    title : str, optional
        Axes title (default: the protocol's name and the stage).
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; by default a new 6.0 × 3.6 inch figure.
    path : str or os.PathLike, optional
        Save the figure there; nothing is written otherwise.

    Returns
    -------
    matplotlib.figure.Figure
        The figure; its first Axes holds the Q map as a QuadMesh whose array is
        Q[j, k] at azimuth ϕ_j and polar angle θ_k.

    Raises
    ------
    TypeError
        If ``state`` is neither a protocol nor an array.
    QClockError
        If the stage is unknown, the ket is not normalised, a protocol with
        quantum local noise is asked for its final state, or the resolution is below 3.
    """
    import qutip

    from ..spin import to_qobj

    if stage not in ("prepared", "imprinted", "final"):
        raise QClockError(f"stage must be 'prepared', 'imprinted' or 'final', got {stage!r}")
    phase = check_finite(phase, "phase")
    if not isinstance(resolution, Sequence) or len(resolution) != 2:
        raise QClockError(f"resolution must be a pair (polar points, azimuth points), got {resolution!r}")
    polar_points = check_int(resolution[0], "resolution[0]", 3)
    azimuth_points = check_int(resolution[1], "resolution[1]", 3)
    vector = _dicke_state(state, phase, stage)
    theta = np.linspace(0.0, np.pi, polar_points)
    azimuth = np.linspace(-np.pi, np.pi, azimuth_points)
    values, theta_grid, azimuth_grid = qutip.spin_q_function(to_qobj(vector), theta, azimuth)
    figure, axis = new_axes(ax, (6.0, 3.6))
    mesh = axis.pcolormesh(azimuth_grid, theta_grid, np.real(values), shading="auto", cmap="magma")
    figure.colorbar(mesh, ax=axis, label="Q(θ, ϕ)")
    axis.set_ylim(np.pi, 0.0)
    axis.set_xlabel(r"azimuth $\varphi$ (rad)")
    axis.set_ylabel(r"polar angle $\theta$ (rad)")
    if title is None:
        name = getattr(state, "name", None)
        title = f"{name}: {stage} state" if name else "Husimi Q"
    axis.set_title(title)
    return finish(figure, path)
