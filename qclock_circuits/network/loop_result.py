"""Outcome of one run of the network clock loop (Kómár et al., Nature Physics 10, 582 (2014), Fig. 3, appendix C).

:class:`NetworkClockResult` holds what
:func:`~qclock_circuits.network.loop.simulate_network_clock` records: the
fractional frequencies of the stabilised centre-of-mass signal and of each
node's signal, their overlapping Allan deviations, and the error counts
that tell whether the loop kept lock (phase slips ``|φ_j| ≥ π``, Kómár et
al. eq. (A27); cascade digits missed). :meth:`NetworkClockResult.problems`
names what makes a run unusable as a stable clock.

Units: times in s (or the LOs' time unit), frequencies as fractions
``y = ω/(2πν0)``, phases in rad.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..clock.allan import AllanResult
from .cascade import CascadeAllocation
from .outages import Outage

__all__ = ["MAX_CASCADE_ERROR_RATE", "NetworkClockResult"]


def _adev_dict(result: AllanResult | None):
    return None if result is None else result.to_dict()


def _adev_from(data):
    return None if data is None else AllanResult.from_dict(data)


#: Largest fraction of network cycles whose cascade may miss Φ before a run counts as failed.
MAX_CASCADE_ERROR_RATE = 0.05


@dataclass(frozen=True, eq=False)
class NetworkClockResult:
    """Outcome of :func:`~qclock_circuits.network.loop.simulate_network_clock`.

    Parameters
    ----------
    strategy, feedback : str
        The strategy (one of :data:`~qclock_circuits.network.cascade_budget.STRATEGIES`) and the feedback
        (``"full"``, ``"centre"`` or ``"regional"``).
    node_names : tuple of str
        The clocks, in the order of the per-node arrays.
    centre : str
        The node that holds the centre of the network.
    interrogation_time, dead_time : float
        ``T`` and ``T_D`` (s, or the LOs' unit).
    cycles, bin_size : int
        Cycles run; cycles averaged per recorded sample (the last bin may be shorter).
    transition_frequency : float or None
        ``ν0`` (Hz) used for ``y = ω/(2πν0)``; ``None``: ``y`` is ``ω`` itself.
    com_frequency : ndarray, shape (bins,)
        Fractional frequency of the stabilised centre-of-mass signal.
    node_frequency : ndarray, shape (bins, K)
        Fractional frequency of the signal available at each node (its LO in
        ``"full"`` and ``"centre"`` feedback, its region's signal in ``"regional"``).
    com_adev : AllanResult
        Overlapping Allan deviation of the full-resolution centre-of-mass
        trace (τ in s), octave averaging times.
    node_adev : tuple of AllanResult
        The same for each node's signal.
    phase_slips : tuple of int
        Per node, cycles with ``|φ_j| ≥ π`` (undetectable by the cascade, Kómár et al. eq. A27).
    cascade_errors : int
        Network cycles whose ``Φ̂`` missed ``Φ`` by more than half the finest
        branch ``π/(C D^(M−1))`` (wrong digit or slip; quantum network only).
    local_errors : tuple of int
        Per node, cycles run on its own cascade whose estimate missed ``φ_j``
        by more than half its finest branch.
    network_cycles : int
        Cycles with a network estimate (cooperative strategies, network up).
    network_mse : float or None
        Mean of ``(Φ̂ − Φ)²`` (rad²) over those cycles.
    local_mse : tuple of (float or None)
        Per node, mean of ``(φ̂_j − φ_j)²`` over the cycles it ran on its own cascade.
    local_cycles : tuple of int
        Per node, cycles it ran on its own cascade (independent strategies, outages).
    outages : tuple of Outage
        The outages of the run.
    allocation : CascadeAllocation or None
        The network cascade (quantum network only).
    wait_time : float
        Distribution wait added to each cycle's dead time (s; ``max L_j``, quantum network only).
    feedback_delay : int
        Cycles by which corrections act late (:func:`~qclock_circuits.network.latency.feedback_delay_cycles`).
    """

    strategy: str
    feedback: str
    node_names: tuple
    centre: str
    interrogation_time: float
    dead_time: float
    cycles: int
    bin_size: int
    transition_frequency: float | None
    com_frequency: np.ndarray
    node_frequency: np.ndarray
    com_adev: AllanResult
    node_adev: tuple
    phase_slips: tuple
    cascade_errors: int
    local_errors: tuple
    network_cycles: int
    network_mse: float | None
    local_mse: tuple
    local_cycles: tuple = ()
    outages: tuple = ()
    allocation: CascadeAllocation | None = None
    wait_time: float = 0.0
    feedback_delay: int = 0

    def problems(self, max_error_rate: float = MAX_CASCADE_ERROR_RATE) -> list[str]:
        """What makes this run unusable as a stable clock (empty when nothing does).

        A phase slip (``|φ_j| ≥ π`` at some node, Kómár et al., Nature Physics 10, 582 (2014), eq. (A27)) means the
        cascade can no longer tell the LO's phase: the loop has lost lock. A
        network cascade that misses ``Φ`` in more than ``max_error_rate`` of its
        cycles does not stabilise the centre of mass. In either case the Allan
        deviation of the run is not the clock's stability.

        Parameters
        ----------
        max_error_rate : float, optional
            Largest tolerated fraction of network cycles with a cascade error.

        Returns
        -------
        list of str
            The reasons (phase slips, cascade errors); empty for a usable run.
        """
        found = []
        slips = int(sum(self.phase_slips))
        if slips:
            found.append(f"{slips} phase slips (|phi| >= pi at a node: the loop lost lock; shorten the "
                         "interrogation time)")
        if self.network_cycles and self.cascade_errors > max_error_rate * self.network_cycles:
            found.append(f"cascade errors in {self.cascade_errors} of {self.network_cycles} cycles "
                         f"(more than {100 * max_error_rate:g}%)")
        return found

    def to_dict(self) -> dict:
        """Plain JSON-compatible data.

        Returns
        -------
        dict
            The object's data (JSON types only); :meth:`from_dict` reads it back.
        """
        return {
            "strategy": self.strategy, "feedback": self.feedback, "node_names": list(self.node_names),
            "centre": self.centre, "interrogation_time": self.interrogation_time, "dead_time": self.dead_time,
            "cycles": self.cycles, "bin_size": self.bin_size, "transition_frequency": self.transition_frequency,
            "com_frequency": self.com_frequency.tolist(), "node_frequency": self.node_frequency.tolist(),
            "com_adev": _adev_dict(self.com_adev), "node_adev": [_adev_dict(a) for a in self.node_adev],
            "phase_slips": list(self.phase_slips), "cascade_errors": self.cascade_errors,
            "local_errors": list(self.local_errors), "network_cycles": self.network_cycles,
            "network_mse": self.network_mse, "local_mse": list(self.local_mse),
            "local_cycles": list(self.local_cycles),
            "outages": [o.to_dict() for o in self.outages],
            "allocation": None if self.allocation is None else self.allocation.to_dict(),
            "wait_time": self.wait_time, "feedback_delay": self.feedback_delay,
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> "NetworkClockResult":
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            A dictionary as written by :meth:`to_dict`.

        Returns
        -------
        NetworkClockResult
            The reconstructed object.
        """
        names = tuple(str(n) for n in data["node_names"])
        node_frequency = np.asarray(data["node_frequency"], dtype=float).reshape(-1, len(names))
        return cls(
            strategy=str(data["strategy"]), feedback=str(data["feedback"]), node_names=names,
            centre=str(data["centre"]), interrogation_time=float(data["interrogation_time"]),
            dead_time=float(data["dead_time"]), cycles=int(data["cycles"]), bin_size=int(data["bin_size"]),
            transition_frequency=None if data["transition_frequency"] is None else float(data["transition_frequency"]),
            com_frequency=np.asarray(data["com_frequency"], dtype=float), node_frequency=node_frequency,
            com_adev=_adev_from(data["com_adev"]), node_adev=tuple(_adev_from(a) for a in data["node_adev"]),
            phase_slips=tuple(int(v) for v in data["phase_slips"]), cascade_errors=int(data["cascade_errors"]),
            local_errors=tuple(int(v) for v in data["local_errors"]), network_cycles=int(data["network_cycles"]),
            network_mse=None if data["network_mse"] is None else float(data["network_mse"]),
            local_mse=tuple(None if v is None else float(v) for v in data["local_mse"]),
            local_cycles=tuple(int(v) for v in data.get("local_cycles", ())),
            outages=tuple(Outage.from_dict(o) for o in data.get("outages", ())),
            allocation=None if data.get("allocation") is None else CascadeAllocation.from_dict(data["allocation"]),
            wait_time=float(data.get("wait_time", 0.0)), feedback_delay=int(data.get("feedback_delay", 0)),
        )

