"""The random stream of a local-oscillator noise trace and the state where a trace stopped.

:func:`make_rng` turns a seed into the one :class:`numpy.random.Generator` a trace draws from
(CONVENTIONS.md: the same seed gives the same numbers); :class:`NoiseState` holds that stream with the
values of the flicker OU components and of the random-walk component at the end of the last generated
cycle (rad per Z, time in units of Z), so that
:meth:`~qclock_circuits.clock.noise.LocalOscillatorNoise.generate` continues the trace exactly, in
the same process or, through :meth:`NoiseState.to_dict`, from a JSON checkpoint.
"""

from __future__ import annotations

import copy
import numbers
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .._validation import QClockError
from .flicker import FlickerLadder

__all__ = ["NoiseState", "make_rng"]


def make_rng(seed) -> np.random.Generator:
    """A :class:`numpy.random.Generator` from ``None``, an int, a SeedSequence or a Generator.

    A Generator is returned as is (its stream is consumed by the caller).

    Parameters
    ----------
    seed : None, int, numpy.random.SeedSequence or numpy.random.Generator
        Source of randomness (None: fresh OS entropy).

    Returns
    -------
    numpy.random.Generator
        The generator.

    Raises
    ------
    TypeError
        If ``seed`` is of another type or a negative int.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and int(seed) >= 0:
        return np.random.default_rng(int(seed))
    raise TypeError(f"seed must be None, a non-negative int, a numpy SeedSequence or a numpy Generator, "
                    f"got {seed!r} ({type(seed).__name__})")


@dataclass(eq=False)
class NoiseState:
    """Where a generated LO trace stopped: continue it by passing this to ``generate``.

    Parameters
    ----------
    rng : numpy.random.Generator
        The random stream (copied on every use, so a state can be reused).
    ou_values : ndarray
        Values of the flicker OU components (rad per Z).
    rw_value : float
        Value of the random-walk component (rad per Z); starts at 0.
    ladder : FlickerLadder or None
        The flicker OU ladder, fixed when the state was created.
    h : dict
        The noise coefficients the state belongs to (checked on reuse).
    cycles_done : int
        Clock cycles generated so far.
    elapsed : float
        Time simulated so far (units of Z).
    """

    rng: np.random.Generator
    ou_values: np.ndarray
    rw_value: float
    ladder: FlickerLadder | None
    h: dict
    cycles_done: int = 0
    elapsed: float = 0.0

    def copy(self) -> NoiseState:
        """An independent copy (random stream and OU values copied; the ladder shared, it is immutable).

        Returns
        -------
        NoiseState
            The copy.
        """
        return NoiseState(rng=copy.deepcopy(self.rng), ou_values=self.ou_values.copy(), rw_value=self.rw_value,
                          ladder=self.ladder, h=dict(self.h), cycles_done=self.cycles_done, elapsed=self.elapsed)

    def to_dict(self) -> dict:
        """Plain JSON-compatible data (the bit generator's state included) for checkpoints.

        Returns
        -------
        dict
            The fields, with ``bit_generator`` (its class name) and
            ``rng_state`` in place of the Generator.
        """
        bit_generator = self.rng.bit_generator
        return {
            "bit_generator": type(bit_generator).__name__,
            "rng_state": _jsonable(bit_generator.state),
            "ou_values": self.ou_values.tolist(),
            "rw_value": float(self.rw_value),
            "ladder": None if self.ladder is None else {
                "rates": self.ladder.rates.tolist(), "variances": self.ladder.variances.tolist(), "h": self.ladder.h},
            "h": {str(k): v for k, v in self.h.items()},
            "cycles_done": int(self.cycles_done),
            "elapsed": float(self.elapsed),
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> NoiseState:
        """Inverse of :meth:`to_dict`: the trace continues exactly where it stopped.

        Parameters
        ----------
        data : mapping
            A dictionary as written by :meth:`to_dict`.

        Returns
        -------
        NoiseState
            The state.

        Raises
        ------
        QClockError
            If ``bit_generator`` does not name a NumPy bit generator.
        """
        name = data["bit_generator"]
        bit_class = getattr(np.random, name, None)
        if bit_class is None or not isinstance(bit_class, type) or not issubclass(bit_class, np.random.BitGenerator):
            raise QClockError(f"bit_generator must name a numpy BitGenerator, got {name!r}")
        bit_generator = bit_class()
        bit_generator.state = data["rng_state"]
        ladder = data.get("ladder")
        if ladder is not None:
            ladder = FlickerLadder(rates=np.asarray(ladder["rates"], float),
                                   variances=np.asarray(ladder["variances"], float), h=float(ladder["h"]))
        return cls(rng=np.random.Generator(bit_generator), ou_values=np.asarray(data["ou_values"], float),
                   rw_value=float(data["rw_value"]), ladder=ladder,
                   h={int(k): float(v) for k, v in data["h"].items()},
                   cycles_done=int(data["cycles_done"]), elapsed=float(data["elapsed"]))


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.integer):
        return int(value)
    return value
