"""How the network's qubits are split over the levels of the cascaded GHZ estimation (Kómár et al. eq. A7, Fig. 5).

:class:`CascadeAllocation` holds, for the ``K`` nodes and ``M`` entangled levels of the cascade
(:mod:`qclock_circuits.network.cascade`), the node shares ``c_j`` (qubits node ``j`` puts into each
level-1 GHZ state; they set the weights ``w_j = c_j / Σc`` of the centre-of-mass phase
``Φ = Σ_j w_j φ_j``, Kómár et al., Nature Physics 10, 582 (2014), eqs. C1–C2), the uncorrelated level-0
qubits ``u_j``, the GHZ copies ``n_i`` of each level and the base ``D`` by which the GHZ size grows from
one level to the next (eq. A41). :func:`node_shares_for` gives the shares of nodes with unequal qubit
numbers (appendix C3). Nothing here is random; qubit numbers are plain integers.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from qclock_circuits._validation import QClockError, check_finite, check_finite_array
from qclock_circuits._validation import check_int as _check_int

__all__ = [
    "CascadeAllocation",
    "node_shares_for",
]


def _check_int_tuple(values, name: str, minimum: int) -> tuple[int, ...]:
    if isinstance(values, (numbers.Integral, str)) or values is None:
        raise TypeError(f"{name} must be a sequence of integers >= {minimum}, got {values!r}")
    out = tuple(_check_int(v, f"{name}[{k}]", minimum) for k, v in enumerate(values))
    if not out:
        raise QClockError(f"{name} must not be empty, got {values!r}")
    return out


# ----------------------------------------------------------------------------- allocation
@dataclass(frozen=True)
class CascadeAllocation:
    """How the network's qubits are split over the levels of the cascade (Kómár et al. eq. A7, Fig. 5).

    Parameters
    ----------
    node_shares : tuple of int
        ``c_j ≥ 1``: qubits node ``j`` contributes to each GHZ state of level 1
        (it contributes ``c_j D^(i−1)`` to each GHZ state of level ``i``). Its
        length is the number of nodes ``K``; the weights of the centre of mass
        are ``w_j = c_j / Σc``. All ones is the paper's equal network.
    uncorrelated : tuple of int
        ``u_j ≥ 0``: uncorrelated level-0 qubits at node ``j`` (the paper's
        ``n1/K`` each). A node with ``u_j = 0`` relies on prior knowledge of its
        phase (see ``node_phase_width`` of :func:`~qclock_circuits.network.cascade.network_phase_measurement`).
    copies : tuple of int
        ``n_i ≥ 1`` for levels ``i = 1..M``: number of independent GHZ copies
        (the paper's ``n0`` on every level). Half are read in each quadrature.
    base : int
        ``D ≥ 2``: factor by which the GHZ size grows from one level to the next
        (the paper's 2, or ``D`` of eq. A41).
    available_qubits : int or None
        ``N``: qubits the network has; if given, ``total_qubits ≤ N`` is checked.

    Raises
    ------
    TypeError
        If a count sequence is not a sequence of integers.
    QClockError
        If a count is out of range, a sequence is empty, ``uncorrelated`` does not
        have one entry per node, or the allocation needs more than
        ``available_qubits``.
    """

    node_shares: tuple[int, ...]
    uncorrelated: tuple[int, ...]
    copies: tuple[int, ...]
    base: int = 2
    available_qubits: int | None = None

    def __post_init__(self) -> None:
        shares = _check_int_tuple(self.node_shares, "node_shares", 1)
        uncorrelated = _check_int_tuple(self.uncorrelated, "uncorrelated", 0)
        copies = _check_int_tuple(self.copies, "copies", 1)
        if len(uncorrelated) != len(shares):
            raise QClockError(f"uncorrelated must have one entry per node ({len(shares)} nodes from "
                              f"node_shares), got {len(uncorrelated)} entries")
        base = _check_int(self.base, "base", 2)
        object.__setattr__(self, "node_shares", shares)
        object.__setattr__(self, "uncorrelated", uncorrelated)
        object.__setattr__(self, "copies", copies)
        object.__setattr__(self, "base", base)
        if self.available_qubits is not None:
            available = _check_int(self.available_qubits, "available_qubits", 1)
            object.__setattr__(self, "available_qubits", available)
            if self.total_qubits > available:
                raise QClockError(
                    f"the allocation needs {self.total_qubits} qubits (level 0: {self.qubits_per_level[0]}, "
                    f"levels 1..{self.levels}: {list(self.qubits_per_level[1:])}) but available_qubits is "
                    f"{available}; reduce copies, levels or uncorrelated")

    # -- constructors
    @classmethod
    def uniform(cls, nodes: int, levels: int, copies: int, uncorrelated_per_node: int, *,
                base: int = 2, available_qubits: int | None = None) -> "CascadeAllocation":
        """The paper's allocation: ``K`` equal nodes, ``n0`` copies on ``M`` levels, ``n1/K`` qubits per node.

        Kómár et al., Nature Physics 10, 582 (2014), eq. (A7).

        Parameters
        ----------
        nodes : int
            Number of clocks K (≥ 1), each with share ``c_j = 1``.
        levels : int
            Number of GHZ levels M (≥ 1).
        copies : int
            GHZ copies n0 per level (≥ 1).
        uncorrelated_per_node : int
            Uncorrelated level-0 qubits per node (≥ 0).
        base : int, optional
            ``D ≥ 2``, the growth of the GHZ size per level.
        available_qubits : int or None, optional
            Qubits the network has; checked against the total if given.

        Returns
        -------
        CascadeAllocation
            The allocation.

        Raises
        ------
        QClockError
            If a count is out of range or the allocation needs more than
            ``available_qubits``.
        """
        nodes = _check_int(nodes, "nodes", 1)
        levels = _check_int(levels, "levels", 1)
        copies = _check_int(copies, "copies", 1)
        uncorrelated_per_node = _check_int(uncorrelated_per_node, "uncorrelated_per_node", 0)
        return cls((1,) * nodes, (uncorrelated_per_node,) * nodes, (copies,) * levels, base, available_qubits)

    # -- derived numbers
    @property
    def nodes(self) -> int:
        """Number of clocks ``K``."""
        return len(self.node_shares)

    @property
    def levels(self) -> int:
        """Number of entangled levels ``M``."""
        return len(self.copies)

    @property
    def shares_total(self) -> int:
        """``C = Σ c_j``: size of a level-1 GHZ state (``K`` for equal nodes)."""
        return int(sum(self.node_shares))

    @property
    def weights(self) -> np.ndarray:
        """Centre-of-mass weights ``w_j = c_j / C`` (Kómár et al. eq. C2)."""
        return np.asarray(self.node_shares, dtype=float) / self.shares_total

    @property
    def ghz_sizes(self) -> tuple[int, ...]:
        """Qubits per GHZ state on levels ``1..M``: ``C D^(i−1)``."""
        return tuple(self.shares_total * self.base ** i for i in range(self.levels))

    @property
    def qubits_per_level(self) -> tuple[int, ...]:
        """Qubits used on level 0 (``Σ u_j``) and on levels ``1..M`` (``n_i C D^(i−1)``)."""
        return (int(sum(self.uncorrelated)),) + tuple(n * s for n, s in zip(self.copies, self.ghz_sizes))

    @property
    def node_qubits(self) -> tuple[int, ...]:
        """Qubits used at each node: ``u_j + c_j Σ_i n_i D^(i−1)``."""
        per_share = sum(n * self.base ** i for i, n in enumerate(self.copies))
        return tuple(u + c * per_share for u, c in zip(self.uncorrelated, self.node_shares))

    @property
    def total_qubits(self) -> int:
        """Total qubits ``N = Σ u_j + Σ_i n_i C D^(i−1)`` (Kómár et al. eq. A7)."""
        return int(sum(self.qubits_per_level))

    def to_dict(self) -> dict:
        """Plain JSON-compatible data.

        Returns
        -------
        dict
            The object's data (JSON types only); :meth:`from_dict` reads it back.
        """
        return {"node_shares": list(self.node_shares), "uncorrelated": list(self.uncorrelated),
                "copies": list(self.copies), "base": self.base, "available_qubits": self.available_qubits}

    @classmethod
    def from_dict(cls, data: dict) -> "CascadeAllocation":
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            A dictionary as written by :meth:`to_dict`.

        Returns
        -------
        CascadeAllocation
            The reconstructed object.
        """
        return cls(tuple(data["node_shares"]), tuple(data["uncorrelated"]), tuple(data["copies"]),
                   int(data.get("base", 2)), data.get("available_qubits"))


def node_shares_for(node_qubits) -> tuple[int, ...]:
    """Node shares ``c_j`` for nodes with ``N_j`` qubits: ``round(N_j / min N)``, divided by their gcd.

    Each node then puts qubits into every GHZ state in (nearly) the proportion
    of its resources, and the network measures the weighted centre of mass
    ``Σ N'_j φ_j / Σ N'_j`` of Kómár et al. eqs. C1–C2 (``N'_j ∝ c_j``). Pass the result
    as ``node_shares`` to :func:`~qclock_circuits.network.error_budget.optimal_copies`.

    Parameters
    ----------
    node_qubits : sequence of int
        Qubits ``N_j ≥ 1`` of each node.

    Returns
    -------
    tuple of int
        The shares ``c_j ≥ 1``, one per node, with gcd 1.
    """
    qubits = _check_int_tuple(node_qubits, "node_qubits", 1)
    smallest = min(qubits)
    shares = [max(1, round(q / smallest)) for q in qubits]
    divisor = math.gcd(*shares)
    return tuple(c // divisor for c in shares)


def _node_widths(node_phase_width, nodes: int) -> np.ndarray | None:
    if node_phase_width is None:
        return None
    if np.ndim(node_phase_width) == 0:
        width = np.full(nodes, check_finite(float(node_phase_width), "node_phase_width"))
    else:
        width = check_finite_array(node_phase_width, "node_phase_width", ndim=1, length=nodes)
    if np.any(width <= 0):
        raise QClockError(f"node_phase_width must be > 0 rad (or None for a flat prior), got {width.min()}")
    return width
