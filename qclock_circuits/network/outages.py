"""Outages of the network clock loop (Kómár et al., Nature Physics 10, 582 (2014), main text and appendix C).

A link to a node, or the centre, can go down for a range of cycles. The
paper's answer: "the nodes can fall back to an independent clock
operation". :class:`Outage` names what is down and when; the loop
(:func:`~qclock_circuits.network.loop.simulate_network_clock`) asks, block by
block of cycles, which nodes are connected to the network. A node cut off
runs its own cascade on all its qubits with its local servo; while the
centre is down every node does.

Cycles are counted from 0, the first cycle of the run.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .._validation import QClockError, check_int

__all__ = ["Outage"]

_CENTRE_WORDS = ("centre", "center")


@dataclass(frozen=True)
class Outage:
    """A link (``target`` = a node name) or the centre (``target = "centre"``) down for cycles ``[start, stop)``.

    ``stop = None``: down until the end of the run. Naming the centre node
    itself is the same as ``"centre"``: every node then runs alone.

    Parameters
    ----------
    target : str
        Node name whose link is down, or ``"centre"``.
    start : int
        First cycle of the outage (≥ 0).
    stop : int or None, optional
        First cycle after the outage; None for the rest of the run.

    Raises
    ------
    QClockError
        If ``target`` is not a name, or ``start``/``stop`` are not valid cycles.
    """

    target: str
    start: int
    stop: int | None = None

    def __post_init__(self):
        if not isinstance(self.target, (str, numbers.Integral)) or isinstance(self.target, bool):
            raise QClockError(f"outage target must be a node name or 'centre', got {self.target!r}")
        object.__setattr__(self, "target", str(self.target))
        start = check_int(self.start, "outage start", 0)
        object.__setattr__(self, "start", start)
        if self.stop is not None:
            stop = check_int(self.stop, "outage stop", 0)
            if stop <= start:
                raise QClockError(f"outage stop must be > start = {start} (cycles), got {stop}")
            object.__setattr__(self, "stop", stop)

    def to_dict(self) -> dict:
        """Plain JSON-compatible data.

        Returns
        -------
        dict
            The object's data (JSON types only); :meth:`from_dict` reads it back.
        """
        return {"target": self.target, "start": self.start, "stop": self.stop}

    @classmethod
    def from_dict(cls, data: Mapping) -> "Outage":
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            A dictionary as written by :meth:`to_dict`.

        Returns
        -------
        Outage
            The reconstructed object.
        """
        return cls(data["target"], int(data["start"]), None if data.get("stop") is None else int(data["stop"]))


def _outages(outages, names: tuple[str, ...]) -> tuple[Outage, ...]:
    out = []
    for k, entry in enumerate(outages or ()):
        if isinstance(entry, Outage):
            item = entry
        elif isinstance(entry, Mapping):
            item = Outage.from_dict(entry)
        elif isinstance(entry, Sequence) and not isinstance(entry, str) and len(entry) in (2, 3):
            item = Outage(*entry)
        else:
            raise QClockError(f"outages[{k}] must be an Outage, a mapping or (target, start[, stop]), got {entry!r}")
        if item.target not in _CENTRE_WORDS and item.target not in names:
            raise QClockError(f"outages[{k}].target must be 'centre' or a node of {list(names)}, got {item.target!r}")
        out.append(item)
    return tuple(out)


def _active_block(outages, names, centre: str, start: int, count: int) -> np.ndarray:
    """``(count, K)`` mask: node connected to the network in cycles ``start .. start+count−1``."""
    active = np.ones((count, len(names)), dtype=np.bool_)
    cycles = np.arange(start, start + count)
    for item in outages:
        down = (cycles >= item.start) & (cycles < (item.stop if item.stop is not None else np.inf))
        if not np.any(down):
            continue
        if item.target in _CENTRE_WORDS or item.target == centre:
            active[down, :] = False
        else:
            active[down, names.index(item.target)] = False
    return active
