"""The protocol as QuTiP objects, built with QuTiP's own operators.

This is an independent route to the likelihood: every operation is turned
into a ``Qobj`` from ``qutip.jmat`` and ``Qobj.expm`` (dense exponentials,
fine for small N) instead of the collective engine's Euler/eigenbasis path.
QuTiP orders spin states ``m = +j … −j``; conversions go through
:mod:`qclock_circuits.spin.qutip_bridge` only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..spin import from_qobj, to_qobj
from .operations import CollectiveUnitary, PrepareState, Rotation, Twist

__all__ = ["QutipRamseyModel", "build_qutip_model"]


@dataclass(frozen=True, eq=False)
class QutipRamseyModel:
    """Input state, measurement unitary and phase imprint as QuTiP objects.

    Build it with :func:`build_qutip_model`.

    Parameters
    ----------
    state : qutip.Qobj
        ``U_prep |↓…↓⟩`` (ket, QuTiP order m = +j … −j).
    measurement : qutip.Qobj
        ``U_meas`` (operator, QuTiP order).
    jz : qutip.Qobj
        ``qutip.jmat(N/2, 'z')``.
    protocol : RamseyProtocol
        The protocol it was built from (for the readout grouping).
    """

    state: object
    measurement: object
    jz: object
    protocol: object

    def imprint(self, phase: float):
        """Phase imprint ``exp(−iφJz)`` as a Qobj.

        Parameters
        ----------
        phase : float
            Accumulated phase φ, in rad.

        Returns
        -------
        qutip.Qobj
            The unitary operator (dense exponential).
        """
        return (-1j * float(phase) * self.jz).expm()

    def final_state(self, phase: float):
        """State before the readout, ``U_meas exp(−iφJz) U_prep |↓…↓⟩``.

        Parameters
        ----------
        phase : float
            Accumulated phase φ, in rad.

        Returns
        -------
        qutip.Qobj
            Ket in QuTiP order.
        """
        return self.measurement * self.imprint(phase) * self.state

    def probabilities(self, phi) -> np.ndarray:
        """Outcome probabilities P(x|φ), computed with QuTiP.

        Parameters
        ----------
        phi : float or array_like of float
            Phase(s) φ, in rad.

        Returns
        -------
        numpy.ndarray
            Float array of shape (len(phi), len(protocol.outcomes)); the Dicke
            populations grouped by the protocol's readout.
        """
        phases = np.atleast_1d(np.asarray(phi, dtype=float))
        rows = []
        for phase in phases:
            dicke = np.abs(from_qobj(self.final_state(phase))) ** 2
            grouped = np.zeros(len(self.protocol.outcomes))
            np.add.at(grouped, self.protocol.outcome_index(np.arange(dicke.shape[0])), dicke)
            rows.append(grouped)
        return np.array(rows)


def _operation_qobj(op, j: float):
    import qutip

    if isinstance(op, Rotation):
        nx, ny, nz = op.axis
        generator = nx * qutip.jmat(j, "x") + ny * qutip.jmat(j, "y") + nz * qutip.jmat(j, "z")
        return (-1j * op.angle * generator).expm()
    if isinstance(op, Twist):
        nx, ny, nz = op.axis
        generator = nx * qutip.jmat(j, "x") + ny * qutip.jmat(j, "y") + nz * qutip.jmat(j, "z")
        return (-0.5j * op.strength * generator * generator).expm()
    if isinstance(op, CollectiveUnitary):
        return to_qobj(op.matrix)
    raise TypeError(f"cannot convert {op!r} to a QuTiP operator")


def build_qutip_model(protocol) -> QutipRamseyModel:
    """Build the :class:`QutipRamseyModel` of a protocol from QuTiP's own operators.

    Parameters
    ----------
    protocol : RamseyProtocol
        The protocol (small N: every operation becomes a dense exponential).

    Returns
    -------
    QutipRamseyModel
        The independent QuTiP route to the likelihood.

    Raises
    ------
    TypeError
        If an operation cannot be turned into a QuTiP operator.
    """
    import qutip

    j = protocol.atoms / 2
    ops = protocol.preparation
    if ops and isinstance(ops[0], PrepareState):
        state = to_qobj(ops[0].amplitudes)
        ops = ops[1:]
    else:
        state = qutip.spin_state(j, -j)
    for op in ops:
        state = _operation_qobj(op, j) * state
    measurement = qutip.qeye(protocol.atoms + 1)
    for op in protocol.measurement:
        measurement = _operation_qobj(op, j) * measurement
    return QutipRamseyModel(state=state, measurement=measurement, jz=qutip.jmat(j, "z"),
                            protocol=protocol)
