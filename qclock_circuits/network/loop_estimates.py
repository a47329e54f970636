"""Phase estimates of the nodes in the network clock loop (Kómár et al., Nature Physics 10, 582 (2014), app. A, C3).

Before the loop runs, the estimators it needs are fixed here:

* the cascade a single node runs on its own qubits
  (:func:`local_allocation`: independent strategies and nodes cut off by an
  outage), and the loop-optimal cascades of
  :func:`~qclock_circuits.network.cascade_budget.loop_optimal_allocation`
  for the nodes' dephasing ``γ_j T`` (appendix C3) and prior widths;
* the prior width of each node phase before a measurement (``"auto"``: one
  cycle's LO increment plus the error of the last correction) and the
  posterior-mean shrinkage of a level-0 estimate it gives;
* the estimate of every level, for every pair of parity counts, tabulated
  and packed into one flat array for the compiled loop
  (:mod:`~qclock_circuits.network.loop_kernel`).

Phases in rad; ``γ T`` dimensionless.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .._validation import QClockError, check_choice, check_int
from .cascade import CascadeAllocation, estimate_level_phase
from .cascade_budget import STRATEGIES, loop_optimal_allocation, optimal_copies

__all__ = ["local_allocation"]


class _Tables:
    """Estimate tables of all levels packed into one flat array (offsets into it)."""

    def __init__(self):
        self.parts: list[np.ndarray] = []
        self.size = 0
        self.index: dict = {}

    def add(self, copies: int, contrast: float) -> tuple[int, int, int]:
        """Offset, cosine and sine copy numbers of the table for ``copies`` parities at ``contrast``."""
        n_cos, n_sin = (copies + 1) // 2, copies // 2
        key = (copies, round(contrast, 15))
        if key not in self.index:
            kc, ks = np.meshgrid(np.arange(n_cos + 1), np.arange(n_sin + 1), indexing="ij")
            table = np.asarray(estimate_level_phase(kc, ks, copies, contrast), dtype=float).ravel()
            self.index[key] = self.size
            self.parts.append(table)
            self.size += table.size
        return self.index[key], n_cos, n_sin

    def array(self) -> np.ndarray:
        return np.ascontiguousarray(np.concatenate(self.parts)) if self.parts else np.zeros(1)


def local_allocation(qubits: int, strategy: str = "independent", *, individual_dephasing=None,
                     node_phase_width=None) -> CascadeAllocation | None:
    """The cascade a single node runs on its own ``qubits`` (from ``optimal_copies(qubits, 1)``).

    With ``individual_dephasing`` (``γ T``, dimensionless) the cascade comes
    from :func:`~.cascade_budget.loop_optimal_allocation` for that dephasing
    and ``node_phase_width`` (rad, or a callable of the level-0 qubits) instead.

    With one node the first level of ``optimal_copies`` holds single qubits,
    which read ``φ_j`` exactly as level 0 does; they are merged into level 0
    (one joint estimate instead of a digit read between two estimates of the
    same phase), so the returned allocation has node share ``D`` and GHZ sizes
    ``D, D², …``. ``None``: all qubits uncorrelated — the classical strategies,
    or a node whose best cascade has no entangled level.

    Parameters
    ----------
    qubits : int
        Qubits of the node (≥ 1).
    strategy : str, optional
        One of :data:`~qclock_circuits.network.cascade_budget.STRATEGIES`.
    individual_dephasing : float, optional
        ``γ T`` of the node's qubits (dimensionless).
    node_phase_width : float or callable, optional
        Prior width of the node phase (rad), or a function of the level-0 qubits.

    Returns
    -------
    CascadeAllocation or None
        The node's cascade, or None when it runs uncorrelated qubits only.

    Raises
    ------
    QClockError
        If ``qubits`` < 1 or the strategy is unknown.
    """
    qubits = check_int(qubits, "qubits", 1)
    check_choice(strategy, "strategy", STRATEGIES)
    if strategy in ("classical_network", "classical_independent") or qubits < 2:
        return None
    try:
        if individual_dephasing is None:
            found = optimal_copies(qubits, 1)
        else:
            found = loop_optimal_allocation([qubits], individual_dephasing=individual_dephasing,
                                            node_phase_width=node_phase_width)
    except QClockError:
        return None
    # on one node the first "GHZ" level holds single qubits: they read φ_j like level 0, so they join it
    uncorrelated = found.uncorrelated[0] + found.copies[0]
    if found.levels == 1:
        return None
    return CascadeAllocation((found.base,), (uncorrelated,), found.copies[1:], found.base, qubits)


def _prior_specs(node_phase_width, los, period_units) -> tuple:
    """Hashable description of each node's prior: ``("auto", LO part)``, ``("fixed", width)`` or ``None``."""
    if isinstance(node_phase_width, str) and node_phase_width == "auto":
        return tuple(("auto", 2.0 * float(lo.analytic_avar(T)) * T ** 2) for lo, T in zip(los, period_units))
    widths = _widths(node_phase_width, los, period_units, [1] * len(los))
    return tuple(None if w is None else ("fixed", w) for w in widths)


def _width_of(spec, level0: int):
    """The prior width a node with ``level0`` uncorrelated qubits has (rule of ``_widths``)."""
    if spec is None:
        return None
    if spec[0] == "fixed":
        return spec[1]
    return math.sqrt(spec[1] + 1.0 / max(level0, 1))


@functools.lru_cache(maxsize=256)
def _local_loop_optimal(qubits: int, strategy: str, dephasing: float, spec) -> CascadeAllocation | None:
    return local_allocation(qubits, strategy, individual_dephasing=dephasing,
                            node_phase_width=None if spec is None else (lambda level0: _width_of(spec, level0[0])))


@functools.lru_cache(maxsize=64)
def _network_loop_optimal(counts: tuple, shares: tuple, dephasing: tuple, specs: tuple) -> CascadeAllocation:
    from .cascade_budget import _default_reference

    reference = _default_reference(sum(counts), len(counts), tuple(shares), 2)

    def prior(level0):
        widths = [_width_of(spec, u) for spec, u in zip(specs, level0)]
        return None if widths[0] is None else widths

    return loop_optimal_allocation(counts, node_phase_width=prior, node_shares=shares, individual_dephasing=dephasing,
                                   reference=reference)


def _shrink(qubits: int, width: float | None, contrast: float) -> float:
    """Posterior-mean shrinkage ``u V²/(u V² + σ^{−2})`` of a level-0 estimate (1 for a flat prior)."""
    if width is None or qubits == 0:
        return 1.0
    info = qubits * contrast ** 2
    return info / (info + width ** -2)



def _widths(node_phase_width, los, period_units, info_qubits):
    """Prior width (rad) of each node phase before a measurement, or None (flat prior)."""
    if node_phase_width is None:
        return [None] * len(los)
    if isinstance(node_phase_width, str):
        if node_phase_width != "auto":
            raise QClockError(f"node_phase_width must be 'auto', None, a width (rad) or one per node, "
                              f"got {node_phase_width!r}")
        out = []
        for lo, T, u in zip(los, period_units, info_qubits):
            lo_part = 2.0 * float(lo.analytic_avar(T)) * T ** 2
            out.append(math.sqrt(lo_part + 1.0 / max(u, 1)))
        return out
    values = np.broadcast_to(np.asarray(node_phase_width, dtype=float), (len(los),))
    if not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise QClockError(f"node_phase_width must be > 0 rad, got {node_phase_width!r}")
    return [float(v) for v in values]

