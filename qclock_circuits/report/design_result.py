"""What a design study found, and how to read it: σ(T) curves, minima, summary, recommendation.

:class:`DesignResult` holds the σ(T) curves of every protocol class and of the
OQI bound (Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (29), and
eq. (41) with the Dick effect of eq. (40) when T_D > 0), the dead-time limits
σ_lim, T_lim and N_crit of their Fig. 6, the closed-loop validation of their
appendix A5C and, on decohering atoms, the ideal curves and the squeezing
advantage over the atom number. From these it derives the per-class summary,
the recommended protocol and the decoherence summary; it is plain data
(``to_dict``/``from_dict``, JSON-able).

:func:`protocol_of_point` turns a stability point of a class back into the
:class:`~qclock_circuits.protocols.ramsey.RamseyProtocol` to run (the circuit the
study recommends).

Units: T in units of Z; σ is the dimensionless σ_y(τ) ω0 √(τZ)
(CONVENTIONS.md); physical values are added when Z (s) and ν0 (Hz) are given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .._validation import QClockError
from ..bayes.stability import StabilityPoint
from ..optimize.stability import parse_class
from ..protocols import LocalNoise
from .design_spec import DesignSpec

__all__ = ["ADVANTAGE_THRESHOLD", "DesignResult", "protocol_of_point"]

#: The squeezing advantage counts as gone when σ_min(CSS)/σ_min(SSS) falls below 1 + this.
ADVANTAGE_THRESHOLD = 0.05


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
        Class name → closed-loop check of :func:`~qclock_circuits.report.design_points.validate_class`; empty when
        the study did not simulate.
    seconds : float, optional
        Wall time of the study (s).
    ideal_curves : dict, optional
        As ``curves`` for ideal atoms, when the spec has decoherence.
    advantage : list of dict, optional
        :func:`~qclock_circuits.report.design_points.squeezing_advantage` rows over the atom-number ladder.
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
