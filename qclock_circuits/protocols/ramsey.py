"""The backend-free generalised Ramsey protocol and its exact likelihood.

A protocol (Kielinski & Hammerer, arXiv:2505.04287 (2025), eqs. 36–38) is::

    ρ_in = U_prep |↓…↓⟩⟨↓…↓| U_prep†,   imprint exp(-iφJz),
    |x⟩⟨x| = U_meas† |M⟩⟨M| U_meas,

with a readout that maps the Dicke outcome ``M`` (``k = M + N/2`` excited
atoms) to an outcome value: ``'jz'`` → ``M``; ``'parity'`` → ``(-1)^k``;
``'phase'`` → ``2πM/(N+1)`` (the phase-operator eigenvalues, eq. A45).

Likelihood. With ``B = U_meas diag(ψ_in)`` the amplitude of Dicke outcome
``j`` is ``Σ_k B[j,k] e^{-iφ M_k}``, so

    P(j|φ) = Σ_{d=-N}^{N} c_j(d) e^{i d φ},   c_j(d) = Σ_k B[j,k] B*[j,k+d],

a real trigonometric polynomial of degree ≤ N (ARCHITECTURE.md). The
coefficients are exposed by :meth:`RamseyProtocol.fourier_coefficients`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .._blas import small_matrix_threads
from .._validation import QClockError, check_atoms, check_choice, check_dense_size, check_finite_array
from ..spin import apply_y_rotation, ground_state, magnetic_numbers, su2_to_zyz
from ..spin.rotations import axis_to_angles, frame_rotation
from .noise import LocalNoise, readout_matrix
from .operations import (
    CollectiveUnitary,
    Operation,
    PrepareState,
    Rotation,
    Twist,
    operation_from_dict,
    operation_to_dict,
)

__all__ = ["RamseyProtocol", "READOUTS", "register_family", "compile_operations"]

READOUTS = ("jz", "parity", "phase")

# family name -> builder(atoms, parameters, **options) -> RamseyProtocol
_FAMILIES: dict[str, Callable[..., "RamseyProtocol"]] = {}


def register_family(name: str, builder: Callable[..., "RamseyProtocol"]) -> None:
    """Register the constructor used by :meth:`RamseyProtocol.with_parameters`.

    Parameters
    ----------
    name : str
        Family name stored in :attr:`RamseyProtocol.family` (e.g. ``"sss"``).
    builder : callable
        ``builder(atoms, parameters, **options) -> RamseyProtocol``; a later
        registration under the same name replaces the earlier one.
    """
    _FAMILIES[name] = builder


# ---------------------------------------------------------------- the engine
def compile_operations(operations: Sequence[Operation]) -> list[tuple[str, object]]:
    """Reduce operations to steps ``('su2', U2) | ('zphase', μ) | ('matrix', U)``.

    Twists about ``n`` become ``R† T_z R``; neighbouring SU(2) elements are
    multiplied together so that each costs at most one pass through the Jx
    eigenbasis.

    Parameters
    ----------
    operations : sequence of Operation
        Rotations, twists and collective unitaries, in time order
        (no :class:`~.operations.PrepareState`).

    Returns
    -------
    list of (str, object)
        The steps in time order: ``('su2', 2×2 complex array)``,
        ``('zphase', μ in rad)`` for a z twist ``exp(−i(μ/2)Jz²)``, or
        ``('matrix', (N+1)×(N+1) complex array)``.

    Raises
    ------
    QClockError
        If a :class:`~.operations.PrepareState` appears.
    TypeError
        If an element is not an operation.
    """
    steps: list[tuple[str, object]] = []

    def push_su2(matrix):
        if steps and steps[-1][0] == "su2":
            steps[-1] = ("su2", matrix @ steps[-1][1])
        else:
            steps.append(("su2", matrix))

    for op in operations:
        if isinstance(op, Rotation):
            push_su2(op.su2())
        elif isinstance(op, Twist):
            nx, ny, nz = op.axis
            if abs(nx) < 1e-15 and abs(ny) < 1e-15:
                steps.append(("zphase", op.strength))
            else:
                frame = frame_rotation(*axis_to_angles(op.axis))  # R† Jz R = n·J
                push_su2(frame)
                steps.append(("zphase", op.strength))
                push_su2(frame.conj().T)
        elif isinstance(op, CollectiveUnitary):
            steps.append(("matrix", op.matrix))
        elif isinstance(op, PrepareState):
            raise QClockError("PrepareState may only be the first preparation operation")
        else:
            raise TypeError(f"unknown operation {op!r}")
    return steps


def _run_steps(steps, block: np.ndarray) -> np.ndarray:
    with small_matrix_threads(block.shape[0]):
        return _run_steps_unlimited(steps, block)


def _run_steps_unlimited(steps, block: np.ndarray) -> np.ndarray:
    atoms = block.shape[0] - 1
    m = magnetic_numbers(atoms)
    x = np.array(block, dtype=complex, copy=True)
    for kind, payload in steps:
        if kind == "su2":
            alpha, beta, gamma = su2_to_zyz(payload)
            x *= np.exp(-1j * gamma * m)[:, None]
            if abs(beta) > 1e-15:
                x = apply_y_rotation(x, beta)
            x *= np.exp(-1j * alpha * m)[:, None]
        elif kind == "zphase":
            x *= np.exp(-0.5j * payload * m**2)[:, None]
        else:
            if payload.shape[0] != atoms + 1:
                raise QClockError(f"unitary of dimension {payload.shape[0]} does not act on N = {atoms}")
            x = payload @ x
    return x


def _imprint_table(atoms: int, phases: np.ndarray) -> np.ndarray:
    """``exp(-iφ M_k)`` for all k and phases, shape (N+1, n_phi), by a power recurrence.

    Row k is ``e^{iφN/2} (e^{-iφ})^k``; the rounding error grows like k·ε
    (< 1e-12 at N = 2000), and it costs a multiplication instead of an exp per entry.
    """
    table = np.empty((atoms + 1, phases.shape[0]), dtype=complex)
    table[0] = np.exp(0.5j * atoms * phases)
    if atoms:
        table[1:] = np.exp(-1j * phases)
        np.cumprod(table, axis=0, out=table)
    return table


# ---------------------------------------------------------------- the object
@dataclass(frozen=True, eq=False)
class RamseyProtocol:
    """An immutable generalised Ramsey protocol on ``atoms`` atoms.

    Parameters
    ----------
    atoms : int
        Number of atoms N (≥ 1).
    preparation : tuple of operations
        Applied in order to ``|↓…↓⟩``; a :class:`PrepareState` may come first.
    measurement : tuple of operations
        Applied in order after the phase imprint ``exp(-iφJz)``, before the
        projective Jz measurement.
    readout : {'jz', 'parity', 'phase'}
        How the Dicke outcome is turned into an outcome value.
    name : str
        Display name (e.g. ``"CSS"``, ``"[1,1]"``).
    family : str
        The registered constructor that built the protocol, so that
        :meth:`with_parameters` can rebuild it. ``family='custom'`` has no
        free parameters.
    parameters : numpy.ndarray of float
        The free parameters of the family (angles and twist strengths in rad).
    parameter_names : tuple of str
        Names of the free parameters, one per entry of ``parameters``.
    options : dict
        Further keyword arguments of the family constructor (e.g. ``n``, ``m``).
    noise : LocalNoise, optional
        Local decoherence of the atoms (:class:`~.noise.LocalNoise`). With
        noise every likelihood (:meth:`probabilities`,
        :meth:`fourier_coefficients`) is the exact one of the noisy protocol,
        computed in the permutation-invariant basis
        (:mod:`~.open_system`); everything downstream (estimators, BMSE,
        bounds, the clock loop, the optimiser) then sees the noisy protocol.
        :meth:`input_state` and the circuits stay those of the ideal protocol.

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer or ``noise`` is neither a LocalNoise
        nor None.
    QClockError
        If ``atoms`` < 1, ``readout`` is not allowed, ``parameters`` and
        ``parameter_names`` differ in length, a PrepareState is not first or
        has the wrong length, a collective unitary has the wrong dimension,
        or quantum noise is combined with a collective unitary in the
        measurement.
    """

    atoms: int
    preparation: tuple
    measurement: tuple
    readout: str = "jz"
    name: str = "custom"
    family: str = "custom"
    parameters: np.ndarray = field(default_factory=lambda: np.zeros(0))
    parameter_names: tuple[str, ...] = ()
    options: dict = field(default_factory=dict)
    noise: LocalNoise | None = None

    def __post_init__(self):
        object.__setattr__(self, "atoms", check_atoms(self.atoms))
        object.__setattr__(self, "preparation", tuple(self.preparation))
        object.__setattr__(self, "measurement", tuple(self.measurement))
        check_choice(self.readout, "readout", READOUTS)
        params = check_finite_array(self.parameters, "parameters", ndim=1)
        params = params.copy()
        params.setflags(write=False)
        object.__setattr__(self, "parameters", params)
        if len(self.parameter_names) != params.shape[0]:
            raise QClockError(f"parameter_names has {len(self.parameter_names)} names for "
                              f"{params.shape[0]} parameters")
        for i, op in enumerate(self.preparation):
            if isinstance(op, PrepareState):
                if i != 0:
                    raise QClockError("PrepareState may only be the first preparation operation, "
                                      f"found at position {i}")
                if op.amplitudes.shape[0] != self.atoms + 1:
                    raise QClockError(f"PrepareState has {op.amplitudes.shape[0]} amplitudes, "
                                      f"expected N+1 = {self.atoms + 1}")
        for op in self.preparation + self.measurement:
            if isinstance(op, CollectiveUnitary) and op.matrix.shape[0] != self.atoms + 1:
                raise QClockError(f"unitary {op.label!r} has dimension {op.matrix.shape[0]}, "
                                  f"expected N+1 = {self.atoms + 1}")
        if self.noise is not None:
            if not isinstance(self.noise, LocalNoise):
                raise TypeError(f"noise must be a LocalNoise or None, got {type(self.noise).__name__}")
            if self.noise.is_ideal:
                object.__setattr__(self, "noise", None)
            elif self.noise.is_quantum and any(isinstance(op, CollectiveUnitary) for op in self.measurement):
                raise QClockError(f"{self.name}: local noise {self.noise.describe()} cannot act on this protocol: "
                                  "its measurement is a collective unitary defined only on the symmetric "
                                  "subspace (e.g. the phase-operator measurement), which local channels leave; "
                                  "only readout_error can be applied to it")

    # ------------------------------------------------------------ parameters
    def with_parameters(self, parameters) -> "RamseyProtocol":
        """A new protocol of the same family with other free parameters.

        Parameters
        ----------
        parameters : array_like of shape (len(self.parameters),)
            New values in the order of :attr:`parameter_names` (angles and twist
            strengths in rad).

        Returns
        -------
        RamseyProtocol
            Rebuilt by the registered family constructor, with the same noise;
            ``self`` for a ``'custom'`` protocol.

        Raises
        ------
        TypeError
            If ``parameters`` is not an array of real numbers.
        QClockError
            If the length is wrong or a value is not finite.
        """
        values = check_finite_array(parameters, "parameters", ndim=1)
        if values.shape[0] != self.parameters.shape[0]:
            raise QClockError(f"parameters must have length {self.parameters.shape[0]} for "
                              f"{self.name} ({', '.join(self.parameter_names) or 'no parameters'}), "
                              f"got length {values.shape[0]}")
        if self.family == "custom":
            return self
        rebuilt = _FAMILIES[self.family](self.atoms, values, **self.options)
        return rebuilt if self.noise is None else rebuilt.with_noise(self.noise)

    def with_noise(self, noise: LocalNoise | None) -> "RamseyProtocol":
        """The same protocol on atoms with local decoherence.

        Parameters
        ----------
        noise : LocalNoise or None
            Local noise of one interrogation; None for ideal atoms.

        Returns
        -------
        RamseyProtocol
            A copy with :attr:`noise` replaced.

        Raises
        ------
        TypeError
            If ``noise`` is neither a LocalNoise nor None.
        QClockError
            If the noise cannot act on this protocol (a collective unitary in the
            measurement with quantum noise).
        """
        from dataclasses import replace

        return replace(self, noise=noise)

    # ------------------------------------------------------------ outcomes
    @property
    def outcomes(self) -> np.ndarray:
        """Outcome values x, in the column order of :meth:`probabilities`."""
        m = magnetic_numbers(self.atoms)
        if self.readout == "jz":
            return m
        if self.readout == "parity":
            return np.array([-1.0, 1.0])
        return 2.0 * np.pi * m / (self.atoms + 1)

    def outcome_index(self, excitations) -> np.ndarray:
        """Column index of the outcome for ``k`` excited atoms (qubits in ``|1⟩``), vectorised.

        Parameters
        ----------
        excitations : int or array_like of int
            Number k of excited atoms, 0..N.

        Returns
        -------
        numpy.ndarray of int
            Column of :meth:`probabilities` (``k`` itself, or for parity readout
            1 for even k (outcome +1) and 0 for odd k (outcome −1)).
        """
        k = np.asarray(excitations)
        if self.readout == "parity":
            return 1 - (k % 2)  # k even -> +1 (column 1), k odd -> -1 (column 0)
        return k

    # ------------------------------------------------------------ states
    @cached_property
    def input_state(self) -> np.ndarray:
        """``U_prep |↓…↓⟩`` in the Dicke basis (read-only)."""
        ops = self.preparation
        if ops and isinstance(ops[0], PrepareState):
            state = np.array(ops[0].amplitudes)
            ops = ops[1:]
        else:
            state = ground_state(self.atoms)
        state = _run_steps(compile_operations(ops), state[:, None])[:, 0]
        state.setflags(write=False)
        return state

    @cached_property
    def measurement_matrix(self) -> np.ndarray:
        """``U_meas`` as a dense (N+1)×(N+1) matrix (read-only)."""
        matrix = _run_steps(compile_operations(self.measurement), np.eye(self.atoms + 1, dtype=complex))
        matrix.setflags(write=False)
        return matrix

    @cached_property
    def _amplitude_matrix(self) -> np.ndarray:
        """``B = U_meas diag(ψ_in)``, computed by running the steps on diag(ψ_in)."""
        check_dense_size(self.atoms, "atoms", what="(N+1)x(N+1) measurement and likelihood matrices")
        block = np.diag(self.input_state)
        matrix = _run_steps(compile_operations(self.measurement), block)
        matrix.setflags(write=False)
        return matrix

    def final_state(self, phase: float) -> np.ndarray:
        """Final state ``U_meas exp(-iφJz) U_prep |↓…↓⟩`` before the readout (ideal protocols only).

        Parameters
        ----------
        phase : float
            Accumulated phase φ, in rad.

        Returns
        -------
        numpy.ndarray
            Complex state vector of shape (N+1,) in the Dicke basis.

        Raises
        ------
        QClockError
            If the protocol has quantum noise (no pure final state) or ``phase`` is
            not finite.
        """
        if self.noise is not None and self.noise.is_quantum:
            raise QClockError("a protocol with local noise has no pure final state; use mixed_input_state() "
                              "for its (permutation-invariant) state")
        phase = float(check_finite_array([phase], "phase")[0])
        return self._amplitude_matrix @ np.exp(-1j * phase * magnetic_numbers(self.atoms))

    def mixed_input_state(self) -> np.ndarray:
        """The state entering the imprint (preparation with its noise, then the dark-time channel).

        Returns
        -------
        numpy.ndarray
            Complex flat permutation-invariant density matrix of shape (size,)
            (:mod:`qclock_circuits.spin.permutation_invariant`); for an ideal
            protocol the projector on :attr:`input_state`.

        Raises
        ------
        QClockError
            If N exceeds the local-noise engine's limit.
        """
        from .open_system import mixed_input_state

        return mixed_input_state(self, self.noise or LocalNoise())

    # ------------------------------------------------------------ likelihood
    def dicke_probabilities(self, phi) -> np.ndarray:
        """P(M|φ) of the underlying Jz measurement as detected.

        With noise: the distribution of the number of atoms *read* as excited
        (local channels and detection errors included), exact.

        Parameters
        ----------
        phi : float or array_like of float
            Phase(s) φ, in rad.

        Returns
        -------
        numpy.ndarray
            Float array of shape (len(phi), N+1), column k for k excited atoms.

        Raises
        ------
        QClockError
            If a phase is not finite.
        """
        phases = check_finite_array(np.atleast_1d(phi), "phi", ndim=1)
        if self.noise is not None:
            coefficients = self._noisy_dicke_coefficients
            lags = np.arange(-self.atoms, self.atoms + 1)
            values = (np.exp(1j * np.outer(phases, lags)) @ coefficients.T).real
            return np.clip(values, 0.0, 1.0)
        imprint = _imprint_table(self.atoms, phases)
        with small_matrix_threads(self.atoms + 1):
            amplitudes = self._amplitude_matrix @ imprint
        return (amplitudes.real**2 + amplitudes.imag**2).T

    def probabilities(self, phi, noise: LocalNoise | None = None) -> np.ndarray:
        """Exact outcome probabilities P(x|φ) for an array of phases.

        Each row sums to 1. Cost: one (N+1)×(N+1)×len(phi) complex product
        for ideal atoms; with noise, the permutation-invariant engine once per
        protocol (cached), then a (2N+1)-term sum per phase.

        Parameters
        ----------
        phi : float or array_like of float
            Phases φ, in rad.
        noise : LocalNoise, optional
            Evaluate the protocol on atoms with this local noise instead of
            its own (``self.with_noise(noise).probabilities(phi)``).

        Returns
        -------
        numpy.ndarray
            Float array of shape (len(phi), len(outcomes)), columns in the order of
            :attr:`outcomes`.

        Raises
        ------
        QClockError
            If a phase is not finite.
        """
        if noise is not None:
            return self.with_noise(noise).probabilities(phi)
        dicke = self.dicke_probabilities(phi)
        if self.readout == "parity":
            odd = dicke[:, 1::2].sum(axis=1)
            even = dicke[:, 0::2].sum(axis=1)
            return np.stack([odd, even], axis=1)
        return dicke

    def fourier_coefficients(self) -> np.ndarray:
        """Coefficients ``c[x, d+N]`` with ``P(x|φ) = Σ_{d=-N}^{N} c[x, d+N] e^{i d φ}``.

        ``c[x, N-d] = conj(c[x, N+d])``. Computed by FFT autocorrelation of the
        rows of ``B = U_meas diag(ψ_in)`` (ideal atoms) or by the
        permutation-invariant engine (with noise).

        Returns
        -------
        numpy.ndarray
            Complex array of shape (len(outcomes), 2N+1) (a copy).
        """
        return self._fourier_coefficients.copy()

    @cached_property
    def _noisy_dicke_coefficients(self) -> np.ndarray:
        """Fourier coefficients of the detected Dicke distribution under :attr:`noise`."""
        noise = self.noise
        if noise.is_quantum:
            from .open_system import noisy_dicke_coefficients

            coefficients = noisy_dicke_coefficients(self, noise)
        else:
            coefficients = self._dicke_fourier_coefficients
        if noise.has_readout_error:
            coefficients = readout_matrix(self.atoms, noise.readout_error) @ coefficients
        coefficients.setflags(write=False)
        return coefficients

    @cached_property
    def _fourier_coefficients(self) -> np.ndarray:
        if self.noise is None:
            coefficients = self._dicke_fourier_coefficients
        else:
            coefficients = self._noisy_dicke_coefficients
        if self.readout == "parity":
            coefficients = np.stack([coefficients[1::2].sum(axis=0), coefficients[0::2].sum(axis=0)])
        return coefficients

    @cached_property
    def _dicke_fourier_coefficients(self) -> np.ndarray:
        """Fourier coefficients of the ideal Dicke-outcome distribution, shape (N+1, 2N+1)."""
        amplitudes = self._amplitude_matrix
        atoms = self.atoms
        length = 1 << int(np.ceil(np.log2(2 * atoms + 2)))
        spectrum = np.fft.fft(amplitudes, n=length, axis=1)
        # correlation r(d) = Σ_k B[k+d] B*[k]; with P = Σ_d r(d) e^{-idφ} the
        # coefficient of e^{+idφ} is r(-d) = conj(r(d)).
        correlation = np.fft.ifft(np.abs(spectrum) ** 2, axis=1)
        lags = np.arange(-atoms, atoms + 1)
        return np.conj(correlation[:, lags % length])

    def signal(self, phi) -> np.ndarray:
        """Mean outcome ⟨x⟩(φ), the Ramsey signal.

        Parameters
        ----------
        phi : float or array_like of float
            Phase(s) φ, in rad.

        Returns
        -------
        numpy.ndarray
            Float array of shape (len(phi),), in the unit of the outcomes (M, parity
            ±1, or rad for the phase readout).
        """
        return self.probabilities(phi) @ self.outcomes

    # ------------------------------------------------------------ backends
    def to_circuit(self, oat: str = "rzz", **options):
        """The protocol as a Qiskit ``QuantumCircuit``.

        Parameters
        ----------
        oat : {'rzz', 'ms'}, optional
            Form of the one-axis twists (default ``'rzz'``): an all-to-all RZZ
            network or the global Mølmer–Sørensen gate.
        **options
            Further keyword arguments of
            :func:`qclock_circuits.circuits.protocol_to_circuit` (``measure``,
            ``phase``, ``max_unitary_qubits``).

        Returns
        -------
        qiskit.QuantumCircuit
            The circuit on N qubits, with the imprint phase as parameter ``phi``
            unless bound.
        """
        from ..circuits import protocol_to_circuit  # backend layer, imported on use

        return protocol_to_circuit(self, oat=oat, **options)

    def to_qutip(self):
        """The protocol as QuTiP objects.

        Returns
        -------
        QutipRamseyModel
            See :class:`~.qutip_model.QutipRamseyModel`.
        """
        from .qutip_model import build_qutip_model

        return build_qutip_model(self)

    # ------------------------------------------------------------ data
    def describe(self) -> str:
        """Multi-line human-readable summary.

        Returns
        -------
        str
            Name, N, readout, family, the operations, parameters (rad) and noise.
        """
        lines = [f"{self.name}: N = {self.atoms}, readout = {self.readout}, family = {self.family}"]
        for label, ops in (("preparation", self.preparation), ("measurement", self.measurement)):
            lines.append(f"  {label}: " + (" -> ".join(op.describe() for op in ops) or "(none)"))
        if self.parameter_names:
            lines.append("  parameters: " + ", ".join(
                f"{n}={v:.6g}" for n, v in zip(self.parameter_names, self.parameters)))
        if self.noise is not None:
            lines.append(f"  noise: {self.noise.describe()}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """JSON-compatible description (family + parameters, or explicit operations).

        Returns
        -------
        dict
            Keys ``atoms, name, family, readout, parameters, parameter_names,
            options``, plus ``preparation`` and ``measurement`` for a ``'custom'``
            protocol and ``noise`` when set.
        """
        data = {"atoms": self.atoms, "name": self.name, "family": self.family,
                "readout": self.readout, "parameters": self.parameters.tolist(),
                "parameter_names": list(self.parameter_names), "options": dict(self.options)}
        if self.family == "custom":
            data["preparation"] = [operation_to_dict(op) for op in self.preparation]
            data["measurement"] = [operation_to_dict(op) for op in self.measurement]
        if self.noise is not None:
            data["noise"] = self.noise.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "RamseyProtocol":
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        RamseyProtocol
            The protocol, rebuilt by its family constructor.

        Raises
        ------
        QClockError
            If the family is unknown or the values are invalid.
        """
        family = data.get("family", "custom")
        noise = LocalNoise.from_dict(data["noise"]) if data.get("noise") is not None else None
        if family == "custom":
            return cls(atoms=data["atoms"],
                       preparation=tuple(operation_from_dict(d) for d in data["preparation"]),
                       measurement=tuple(operation_from_dict(d) for d in data["measurement"]),
                       readout=data.get("readout", "jz"), name=data.get("name", "custom"), noise=noise)
        if family not in _FAMILIES:
            raise QClockError(f"family must be one of {sorted(_FAMILIES)} or 'custom', got {family!r}")
        protocol = _FAMILIES[family](data["atoms"], np.asarray(data["parameters"], dtype=float),
                                     **data.get("options", {}))
        return protocol if noise is None else protocol.with_noise(noise)

    def __repr__(self) -> str:
        noise = "" if self.noise is None else f", noise={self.noise.describe()}"
        return f"RamseyProtocol(name={self.name!r}, atoms={self.atoms}, readout={self.readout!r}{noise})"
