"""The specification of a design study: the platform and what the study should compute.

:class:`DesignSpec` describes the clock platform — N atoms, the laser noise
type at the level of Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (30),
the dead time T_D, optionally the laser coherence time Z in seconds, the
transition frequency ν0 and the atoms' own decoherence — and the study's
options (protocol classes, grid of interrogation times, estimator,
closed-loop validation, seeds). It validates every field on construction and
round-trips through ``to_dict``/``from_dict``.

On decohering atoms the exact noisy likelihood costs ≈ N³ to ≈ N⁴ per call;
``DECOHERENCE_LIMITS`` caps N per kind of class so that a study stays
tractable.

Units: T, T_D and the decoherence times in units of Z; Z in seconds, ν0 in Hz.
The study itself is :func:`qclock_circuits.report.design.run_design`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import QClockError, check_atoms, check_choice, check_finite, check_int
from ..bayes.priors import NOISE_TYPES
from ..optimize.stability import parse_class
from ..protocols import AtomicDecoherence
from ..spin.permutation_invariant import MAX_PI_ATOMS

__all__ = ["DEFAULT_DESIGN_CLASSES", "DECOHERENCE_LIMITS", "DesignSpec"]

DEFAULT_DESIGN_CLASSES = ("css", "sss", "ghz", "1-1", "1-2")


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
