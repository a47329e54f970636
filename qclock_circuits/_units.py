"""The package's one time-unit rule: units of the laser coherence time Z, or seconds when Z is given in seconds.

CONVENTIONS.md: the default time unit is the laser coherence time Z
(Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (30): σ_y,LO(Z + T_D) ω0 Z
= 1 rad). A function or command that is given the platform's coherence time in
seconds (``coherence_time=Z_SECONDS``, ``--coherence-time Z_SECONDS``) reads
every time it takes in seconds and every rate per second, and states the unit of
its output times (``time_unit``: ``"Z"`` or ``"s"``). :class:`TimeUnit` is the
one place where the two are converted.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

from ._names import TIME_UNIT_SECONDS, TIME_UNIT_Z

__all__ = ["TimeUnit"]


@dataclass(frozen=True)
class TimeUnit:
    """The time unit of one call: Z (``coherence_time`` None) or seconds.

    Parameters
    ----------
    coherence_time : float or None
        The laser coherence time Z in seconds (finite, > 0), or None: times in
        units of Z.

    Raises
    ------
    ValueError
        ``coherence_time`` is not None and not a finite number > 0.
    """

    coherence_time: float | None = None

    def __post_init__(self):
        z = self.coherence_time
        if z is not None:
            if isinstance(z, bool) or not isinstance(z, numbers.Real) or not math.isfinite(z) or z <= 0:
                from ._validation import QClockError

                raise QClockError(f"coherence_time must be None or a finite number > 0 (seconds), got {z!r}")
            object.__setattr__(self, "coherence_time", float(z))

    @property
    def unit(self) -> str:
        """``'s'`` or ``'Z'``, the value of the outputs' ``time_unit`` field."""
        return TIME_UNIT_Z if self.coherence_time is None else TIME_UNIT_SECONDS

    @property
    def words(self) -> str:
        """``'seconds'`` or ``'units of Z'``, for messages."""
        return "units of Z" if self.coherence_time is None else "seconds"

    def to_z(self, value):
        """A time (float or array) given in this unit, in units of Z (None stays None; arrays stay arrays)."""
        return self._scale(value, None if self.coherence_time is None else 1.0 / self.coherence_time)

    def from_z(self, value):
        """A time (float or array) in units of Z, in this unit (None stays None; arrays stay arrays)."""
        return self._scale(value, self.coherence_time)

    @staticmethod
    def _scale(value, factor: float | None):
        if value is None:
            return None
        if isinstance(value, numbers.Real):
            return float(value) if factor is None else float(value) * factor
        import numpy as np

        array = np.asarray(value, dtype=float)
        return array if factor is None else array * factor

    def fields(self) -> dict:
        """``{"time_unit": ..., "coherence_time": ...}`` for a JSON output (``coherence_time`` in seconds or None)."""
        return {"time_unit": self.unit, "coherence_time": self.coherence_time}
