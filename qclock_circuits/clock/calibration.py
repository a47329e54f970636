"""Prior widths of the closed loop: iterative calibration (A5D) and dead-time broadening (A5E).

Kielinski & Hammerer, arXiv:2505.04287 (2025), models the prior of each cycle as a Gaussian of width δφ(T). The
simple power law of eq. (31) ignores that the loop's own estimation error
feeds back into δφ; appendix A5D therefore calibrates δφ(T) iteratively:

* stage 0: δφ² interpolated linearly in log–log between ``(T/Z)^{4/3} N^{−1/4}``
  at T/Z = 0.01 and eq. (31) at T/Z = 1; simulate CSS with the Bayes estimator;
* stage 1: the residual phases of that run give a Gaussian width per T; fit
  log δφ against log T with a polynomial (fifth order where enough points
  exist), leaving out hop-limited T and adding eq. (31) at T/Z = 1; simulate
  SSS (twist optimised for the width) with the fitted width;
* stages 2, 3, …: repeat stage 1.

Appendix A5E: the phase diffusion during the dead time is measured from the
uncorrected LO — the differences of consecutive averages over windows of
length T_D, times T_D — and compared with eq. (43), ``δφ_D² ≃ 2 (T_D/Z)^{1−α}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._validation import QClockError, check_atoms, check_finite_array
from ..bayes import GaussianPrior, prior_width as model_prior_width
from ..bayes.stability import best_sss
from ..protocols import css
from .noise import LocalOscillatorNoise
from .simulate import simulate_clock

__all__ = ["PriorWidthCalibration", "initial_prior_width", "calibrate_prior_width", "dead_time_phase_width"]


def initial_prior_width(atoms: int, interrogation_time, noise="flicker") -> np.ndarray:
    """Stage-0 heuristic of appendix A5D (δφ in rad).

    δφ² is interpolated linearly in log–log between ``(T/Z)^(4/3) N^(−1/4)``
    at T/Z = 0.01 and the prior width of eq. (31) at T/Z = 1 (Kielinski & Hammerer, arXiv:2505.04287 (2025)).

    Parameters
    ----------
    atoms : int
        Number of atoms N.
    interrogation_time : float or array_like
        T (units of Z, > 0).
    noise : str, optional
        LO noise type (``"white"``, ``"flicker"``, ``"random_walk"``).

    Returns
    -------
    numpy.ndarray, shape (n,)
        Prior widths δφ (rad), one per T.

    Raises
    ------
    QClockError
        If a T is not finite and > 0 or ``atoms`` is invalid.
    """
    atoms = check_atoms(atoms)
    times = check_finite_array(np.atleast_1d(interrogation_time), "interrogation_time", ndim=1)
    if np.any(times <= 0):
        raise QClockError("interrogation_time must be > 0 (units of Z)")
    low_time, high_time = 0.01, 1.0
    low = np.log(low_time ** (4 / 3) * atoms ** (-1 / 4))
    high = np.log(model_prior_width(high_time, noise) ** 2)
    slope = (high - low) / (np.log(high_time) - np.log(low_time))
    variance = np.exp(low + slope * (np.log(times) - np.log(low_time)))
    return np.sqrt(variance)


@dataclass
class PriorWidthCalibration:
    """Result of the iterative calibration: widths used and measured at every stage.

    Kielinski & Hammerer, arXiv:2505.04287 (2025), appendix A5D.

    Parameters
    ----------
    atoms : int
        Number of atoms N.
    noise : str
        LO noise type (``"white"``, ``"flicker"``, ``"random_walk"``).
    dead_time : float
        Dead time T_D (units of Z).
    interrogation_times : list of float
        The calibration grid of T (units of Z).
    used : list of list of float, optional
        Per stage, the prior width δφ (rad) used at each T.
    measured : list of list of float, optional
        Per stage, the Gaussian width (rad) of the residual phases at each T.
    hopped : list of list of bool, optional
        Per stage, whether the run at each T fringe-hopped.
    coefficients : list of float, optional
        The final fit of log δφ against log T (:func:`numpy.polyval` order).
    """

    atoms: int
    noise: str
    dead_time: float
    interrogation_times: list
    used: list = field(default_factory=list)        # per stage: width used in the simulation
    measured: list = field(default_factory=list)    # per stage: Gaussian width of the residual phases
    hopped: list = field(default_factory=list)      # per stage: whether that T fringe-hopped
    coefficients: list = field(default_factory=list)  # final log-log polynomial (numpy.polyval order)

    def width(self, interrogation_time) -> np.ndarray | float:
        """Calibrated δφ(T) from the final fit.

        Parameters
        ----------
        interrogation_time : float or array_like
            T (units of Z, > 0).

        Returns
        -------
        float or numpy.ndarray
            Prior width δφ (rad), shaped like ``interrogation_time``.
        """
        times = np.asarray(interrogation_time, dtype=float)
        value = np.exp(np.polyval(self.coefficients, np.log(times)))
        return float(value) if value.ndim == 0 else value

    def to_dict(self) -> dict:
        """Plain JSON-compatible data.

        Returns
        -------
        dict
            One entry per field.
        """
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict) -> "PriorWidthCalibration":
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : dict
            A dictionary as written by :meth:`to_dict`.

        Returns
        -------
        PriorWidthCalibration
            The calibration.
        """
        return cls(**data)


def _fit(times, widths, hopped, noise, dead_time):
    keep = ~np.asarray(hopped) & np.isfinite(widths) & (np.asarray(widths) > 0)
    if not np.any(keep):
        raise QClockError(f"prior-width calibration needs at least one interrogation time whose loop does not "
                          f"fringe-hop; every T/Z in {np.asarray(times).tolist()} hopped (use shorter times)")
    x = np.log(np.r_[np.asarray(times)[keep], 1.0])
    y = np.log(np.r_[np.asarray(widths)[keep], model_prior_width(1.0, noise, dead_time)])
    degree = int(min(5, max(1, x.size - 2)))
    return np.polyfit(x, y, degree)


def calibrate_prior_width(atoms: int, interrogation_times, noise: str = "flicker", dead_time: float = 0.0,
                          stages: int = 3, cycles: int = 200_000, seed=None, progress=None) -> PriorWidthCalibration:
    """Iterative prior-width calibration, stages 0..``stages`` (appendix A5D).

    Parameters
    ----------
    atoms : int
        Number of atoms N.
    interrogation_times : array
        T/Z values of the calibration grid.
    noise : str
        'white', 'flicker' or 'random_walk' (level of eq. (30) of Kielinski & Hammerer, arXiv:2505.04287 (2025)).
    dead_time : float
        Dead time T_D (units of Z, ≥ 0).
    stages : int
        Number of refinement stages after stage 0 (≥ 0).
    cycles : int
        Clock cycles per simulation.
    seed : None, int or numpy.random.SeedSequence
        Source of randomness of all the runs.
    progress : callable, optional
        Called as ``progress(stage, interrogation_time)`` after each run.

    Returns
    -------
    PriorWidthCalibration
        Widths used and measured at every stage, and the final fit.

    Raises
    ------
    QClockError
        If a T is not > 0, ``stages`` < 0 or ``atoms`` is invalid.
    """
    atoms = check_atoms(atoms)
    times = check_finite_array(interrogation_times, "interrogation_times", ndim=1)
    if np.any(times <= 0):
        raise QClockError("interrogation_times must be > 0 (units of Z)")
    if stages < 0:
        raise QClockError(f"stages must be >= 0, got {stages}")
    sequence = np.random.SeedSequence(seed)
    result = PriorWidthCalibration(atoms=atoms, noise=noise, dead_time=float(dead_time),
                                   interrogation_times=times.tolist())
    widths = initial_prior_width(atoms, times, noise)
    if dead_time > 0:
        widths = np.sqrt(widths**2 + model_prior_width(1e-12, noise, dead_time) ** 2)
    for stage in range(stages + 1):
        measured, hopped = [], []
        for time, width in zip(times, widths):
            if stage == 0:
                protocol = css(atoms)
            else:
                protocol, _ = best_sss(atoms, GaussianPrior(width), "bayes", twist_grid=24)
            run = simulate_clock(protocol, time, dead_time, noise, cycles=cycles, prior_width=width,
                                 seed=sequence.spawn(1)[0])
            measured.append(run.phase_rms)
            hopped.append(run.hopped)
            if progress is not None:
                progress(stage, time)
        result.used.append(widths.tolist())
        result.measured.append(measured)
        result.hopped.append(hopped)
        coefficients = _fit(times, np.array(measured), hopped, noise, dead_time)
        result.coefficients = coefficients.tolist()
        widths = result.width(times)
    return result


def dead_time_phase_width(noise, dead_time: float, cycles: int = 1 << 16, seed=None) -> float:
    """δφ_D measured as in appendix A5E (rad).

    Consecutive averages of the free-running LO over windows of length T_D
    are differenced (ω_new,k = ω_k − ω_{k−1}); the phase ``T_D ω_new`` has
    the standard deviation returned here. Compare with eq. (43) of Kielinski & Hammerer, arXiv:2505.04287 (2025),
    ``δφ_D² ≃ 2 (T_D/Z)^(1−α)``.

    Parameters
    ----------
    noise : str or LocalOscillatorNoise
        LO noise type (level set by the coherence time at this dead time) or
        the LO itself.
    dead_time : float
        T_D (units of Z, > 0).
    cycles : int, optional
        Number of windows simulated.
    seed : None, int, SeedSequence or Generator, optional
        Source of randomness.

    Returns
    -------
    float
        δφ_D (rad).

    Raises
    ------
    QClockError
        If ``dead_time`` is not > 0.
    """
    if dead_time <= 0:
        raise QClockError(f"dead_time must be > 0 (units of Z) to measure its broadening, got {dead_time}")
    lo = noise if isinstance(noise, LocalOscillatorNoise) else LocalOscillatorNoise.from_coherence_time(noise,
                                                                                                        dead_time)
    ramsey, _, _ = lo.generate(cycles, dead_time, 0.0, seed=seed)
    return float(np.std(np.diff(ramsey) * dead_time))
