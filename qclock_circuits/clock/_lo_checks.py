"""Argument checks shared by the local-oscillator noise modules (time in units of Z unless a unit is named).

Every message names the argument, the value received and the allowed range with its unit, as
CONVENTIONS.md asks; :mod:`qclock_circuits.clock.noise`, :mod:`qclock_circuits.clock.flicker` use them.
"""

from __future__ import annotations

import numpy as np

from .._validation import QClockError, check_finite, check_finite_array

__all__ = ["_check_positive", "_check_nonnegative", "_positive_array"]


def _check_positive(value, name: str, unit: str = "units of Z") -> float:
    value = check_finite(value, name)
    if value <= 0:
        raise QClockError(f"{name} must be a finite number > 0 ({unit}), got {value}")
    return value


def _check_nonnegative(value, name: str, unit: str = "units of Z") -> float:
    value = check_finite(value, name)
    if value < 0:
        raise QClockError(f"{name} must be a finite number >= 0 ({unit}), got {value}")
    return value

def _positive_array(values, name: str) -> tuple[np.ndarray, bool]:
    scalar = np.ndim(values) == 0
    array = check_finite_array(np.atleast_1d(values), name)
    if np.any(array <= 0):
        raise QClockError(f"{name} must be > 0, got {array[array <= 0].ravel()[0]}")
    return array, scalar
