"""Argument checks shared by every layer.

Each check raises :class:`ValueError` or :class:`TypeError` with a message that
names the argument, the value received and what is allowed (CONVENTIONS.md).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np

__all__ = [
    "check_int",
    "QClockError",
    "check_atoms",
    "check_finite",
    "check_finite_array",
    "check_axis",
    "check_choice",
    "check_cycle_times",
    "check_seed",
    "check_dense_size",
    "available_memory",
]


class QClockError(ValueError):
    """Base class of the errors this package raises for bad input."""


def check_atoms(atoms, name: str = "atoms") -> int:
    """Return ``atoms`` as an int, or raise if it is not an integer ≥ 1."""
    if isinstance(atoms, bool):
        raise TypeError(f"{name} must be an integer >= 1, got {atoms!r} (bool)")
    if not isinstance(atoms, numbers.Integral):
        if isinstance(atoms, numbers.Real) and float(atoms).is_integer() and np.isfinite(atoms):
            atoms = int(atoms)
        else:
            raise TypeError(f"{name} must be an integer >= 1, got {atoms!r} ({type(atoms).__name__})")
    atoms = int(atoms)
    if atoms < 1:
        raise QClockError(f"{name} must be an integer >= 1, got {atoms}")
    return atoms


def check_int(value, name: str, minimum: int = 1, maximum: int | None = None) -> int:
    """An integer in ``[minimum, maximum]`` (integral floats such as ``1e6`` accepted; no upper limit by default).

    Raises TypeError for a non-integer and QClockError for one out of range; both name the argument.
    """
    allowed = f"an integer >= {minimum}" if maximum is None else f"an integer in [{minimum}, {maximum}]"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and math.isfinite(value) and float(value).is_integer():
            value = int(value)
        else:
            raise TypeError(f"{name} must be {allowed}, got {value!r} ({type(value).__name__})")
    value = int(value)
    if value < minimum or (maximum is not None and value > maximum):
        raise QClockError(f"{name} must be {allowed}, got {value}")
    return value


def check_finite(value, name: str) -> float:
    """Return ``value`` as a float, or raise if it is not a finite real number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a finite real number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not np.isfinite(value):
        raise QClockError(f"{name} must be a finite real number, got {value}")
    return value


def check_probability(value, name: str) -> float:
    """Return ``value`` as a float in [0, 1], or raise naming the argument and the value."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a probability (a real number in [0, 1]), got {value!r}")
    value = float(value)
    if not np.isfinite(value) or not 0.0 <= value <= 1.0:
        raise QClockError(f"{name} must be a probability in [0, 1], got {value}")
    return value


def check_readout_error(value, name: str = "readout_error") -> tuple[float, float]:
    """``(P(read 1 | 0), P(read 0 | 1))`` from a pair of probabilities, or one symmetric probability."""
    if isinstance(value, (tuple, list, np.ndarray)):
        if len(value) != 2:
            raise QClockError(f"{name} must be a probability or a pair (P(read 1 | 0), P(read 0 | 1)), "
                              f"got {value!r}")
        return (check_probability(value[0], f"{name}[0]"), check_probability(value[1], f"{name}[1]"))
    p = check_probability(value, name)
    return (p, p)


def check_finite_array(values, name: str, *, ndim: int | None = None, length: int | None = None,
                       dtype=float) -> np.ndarray:
    """Return ``values`` as a NumPy array after checking shape and finiteness.

    Complex input is refused for a real ``dtype`` (its imaginary part would be dropped silently).
    """
    if not np.issubdtype(np.dtype(dtype), np.complexfloating):
        try:
            complex_input = np.iscomplexobj(values)
        except (TypeError, ValueError):
            complex_input = False
        if complex_input:
            raise TypeError(f"{name} must hold real numbers, got complex values {values!r}")
    try:
        array = np.asarray(values, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of numbers, got {values!r}") from exc
    if ndim is not None and array.ndim != ndim:
        raise QClockError(f"{name} must be a {ndim}-D array, got shape {array.shape}")
    if length is not None and array.shape[0] != length:
        raise QClockError(f"{name} must have length {length}, got length {array.shape[0]}")
    if not np.all(np.isfinite(array)):
        bad = array[~np.isfinite(array)].ravel()[0]
        raise QClockError(f"{name} must contain only finite numbers, got {bad}")
    return array


def check_axis(axis, name: str = "axis") -> tuple[float, float, float]:
    """Return a unit 3-vector from ``axis``: 'x', 'y', 'z' or three finite numbers."""
    named = {"x": (1.0, 0.0, 0.0), "y": (0.0, 1.0, 0.0), "z": (0.0, 0.0, 1.0)}
    if isinstance(axis, str):
        key = axis.lower()
        if key not in named:
            raise QClockError(f"{name} must be 'x', 'y', 'z' or a 3-vector, got {axis!r}")
        return named[key]
    if not isinstance(axis, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be 'x', 'y', 'z' or a 3-vector, got {axis!r}")
    vector = check_finite_array(axis, name, ndim=1, length=3)
    norm = float(np.linalg.norm(vector))
    if norm < 1e-12:
        raise QClockError(f"{name} must be a non-zero 3-vector, got {tuple(vector)}")
    vector = vector / norm
    return (float(vector[0]), float(vector[1]), float(vector[2]))


def check_choice(value, name: str, allowed: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``allowed``, else raise naming the choices."""
    if not isinstance(value, str) or value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise QClockError(f"{name} must be one of {choices}, got {value!r}")
    return value


def check_cycle_times(interrogation_time, dead_time) -> tuple[float, float]:
    """Return ``(T, T_D)`` as floats after checking T > 0 and T_D ≥ 0 (units of Z)."""
    interrogation_time = check_finite(interrogation_time, "interrogation_time")
    dead_time = check_finite(dead_time, "dead_time")
    if interrogation_time <= 0:
        raise QClockError(f"interrogation_time must be > 0 (units of Z), got {interrogation_time}")
    if dead_time < 0:
        raise QClockError(f"dead_time must be >= 0 (units of Z), got {dead_time}")
    return interrogation_time, dead_time


def check_seed(seed, name: str = "seed"):
    """Return ``seed`` if it is None, an integer >= 0, a list of them, a SeedSequence or a Generator; else raise.

    numpy accepts these in ``SeedSequence``/``default_rng``; a negative integer is refused here with the
    argument's name (numpy's own message does not name it).
    """
    if seed is None or isinstance(seed, (np.random.SeedSequence, np.random.Generator)):
        return seed
    values = seed if isinstance(seed, (list, tuple)) else [seed]
    for value in values:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
            raise QClockError(f"{name} must be None, an integer >= 0 (or a list of them), a numpy SeedSequence or "
                              f"Generator, got {seed!r}")
    return seed


def available_memory() -> int:
    """Bytes of physical memory of this machine (``os.sysconf``; 8 GiB where it cannot be read)."""
    import os

    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return 8 << 30


def check_dense_size(atoms: int, name: str = "atoms", *, matrices: float = 6.0, itemsize: int = 16,
                     what: str = "dense (N+1)x(N+1) matrices") -> int:
    """Refuse an N whose O(N²) arrays would not fit in this machine's memory; the message gives the largest N.

    Parameters
    ----------
    atoms : int
        N (the arrays are (N+1) × (N+1)).
    name : str
        Argument name for the message.
    matrices : float
        How many such arrays the call holds at once (with temporaries).
    itemsize : int
        Bytes per element (16: complex128, 8: float64).
    what : str
        What is allocated, for the message.

    Raises
    ------
    QClockError
        If ``matrices · itemsize · (N+1)²`` exceeds half the physical memory.
    """
    budget = available_memory() // 2
    need = matrices * itemsize * (atoms + 1) ** 2
    if need > budget:
        largest = int(math.isqrt(int(budget / (matrices * itemsize)))) - 1
        raise QClockError(f"{name} = {atoms} needs about {need / 2**30:.3g} GiB for the {what} of this call, more "
                          f"than half of this machine's {2 * budget / 2**30:.3g} GiB; the largest N supported here "
                          f"is {largest}")
    return atoms
