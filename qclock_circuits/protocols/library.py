"""Constructors of the protocols of Kielinski & Hammerer: CSS, SSS, GHZ, variational [n, m], POI.

Every constructor returns a :class:`~.ramsey.RamseyProtocol`; every family is
registered so that ``p.with_parameters(v)`` rebuilds the same family.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._validation import QClockError, check_atoms, check_choice, check_finite, check_finite_array
from ..spin import ghz_state, magnetic_numbers, sine_state, spin_moments
from ..spin.rotations import angles_to_axis
from .operations import CollectiveUnitary, PrepareState, Rotation, Twist
from .ramsey import READOUTS, RamseyProtocol, register_family

__all__ = ["css", "sss", "ghz", "variational", "poi", "custom", "sss_optimal_rotation",
           "phase_operator_unitary", "variational_parameter_names"]

_HALF_PI = np.pi / 2


def _check_no_parameters(parameters, name: str) -> None:
    if parameters is not None and np.asarray(parameters).size != 0:
        raise QClockError(f"{name} has no free parameters; got {np.asarray(parameters).size}")


# ------------------------------------------------------------------- CSS
def css(atoms: int, parameters=None) -> RamseyProtocol:
    """Conventional Ramsey protocol with a coherent spin state.

    Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (A66). Preparation
    ``Ry(-π/2)|↓…↓⟩ = |+x⟩``; measurement ``Rx(π/2)`` then Jz, i.e. an
    effective measurement of ``Jy`` (eq. A60), whose signal is
    ``⟨M⟩ = (N/2) sin φ``.

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1.
    parameters : array_like, optional
        Must be None or empty (the CSS protocol has no free parameters); accepted
        so that ``with_parameters`` works for every family.

    Returns
    -------
    RamseyProtocol
        The protocol (backend-free description; see
        :class:`~qclock_circuits.protocols.ramsey.RamseyProtocol`).
        Family ``"css"``, readout ``"jz"``.

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer.
    QClockError
        If ``atoms`` < 1 or ``parameters`` is not empty.
    """
    atoms = check_atoms(atoms)
    _check_no_parameters(parameters, "css")
    return RamseyProtocol(atoms, (Rotation(-_HALF_PI, "y"),), (Rotation(_HALF_PI, "x"),),
                          readout="jz", name="CSS", family="css")


# ------------------------------------------------------------------- SSS
def sss_optimal_rotation(atoms: int, twist: float) -> float:
    """Angle θ of ``Rx(θ)`` that puts the minimal variance of ``Tz(μ)|+x⟩`` along y.

    From the second moments in the y–z plane, ``Var_θ(Jy) = (Vyy+Vzz)/2 +
    R cos(2θ + δ)`` with ``R e^{iδ} = (Vyy−Vzz)/2 + i Cyz``; the minimum is at
    ``θ = (π − δ)/2`` (reduced to (−π/2, π/2]). Reproduces the minimal
    variance of Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (A75).

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1.
    twist : float
        Twisting strength μ, in rad (dimensionless).

    Returns
    -------
    float
        The rotation angle θ, in rad, in (−π/2, π/2].

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer or ``twist`` not a number.
    QClockError
        If ``atoms`` < 1 or ``twist`` is not finite.
    """
    atoms = check_atoms(atoms)
    twist = check_finite(twist, "twist")
    state = np.exp(-0.5j * twist * magnetic_numbers(atoms) ** 2) * _css_x(atoms)
    mean, second = spin_moments(state)
    vyy = second[1, 1] - mean[1] ** 2
    vzz = second[2, 2] - mean[2] ** 2
    cyz = second[1, 2] - mean[1] * mean[2]
    delta = np.arctan2(cyz, 0.5 * (vyy - vzz))
    theta = 0.5 * (np.pi - delta)
    theta = (theta + _HALF_PI) % np.pi - _HALF_PI
    if abs(theta + _HALF_PI) < 1e-14:
        theta = _HALF_PI
    return float(theta)


def _css_x(atoms: int) -> np.ndarray:
    from ..spin import coherent_state

    return coherent_state(atoms, axis="x")


def sss(atoms: int, twist: float | None = None, rotation: float | None = None,
        parameters=None) -> RamseyProtocol:
    """Squeezed-spin-state Ramsey protocol (Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (A72)).

    ``|SSS⟩ = Rx(θ) Tz(μ) |+x⟩``, measured like the CSS (effective Jy).

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1.
    twist : float
        Twisting strength μ, in rad (dimensionless); required unless
        ``parameters`` is given.
    rotation : float, optional
        θ, in rad; defaults to :func:`sss_optimal_rotation` (variance-minimising).
    parameters : array_like of shape (2,), optional
        ``[μ, θ]`` in rad; alternative to ``twist``/``rotation`` (used by
        ``with_parameters``).

    Returns
    -------
    RamseyProtocol
        The protocol (backend-free description; see
        :class:`~qclock_circuits.protocols.ramsey.RamseyProtocol`).
        Family ``"sss"`` with parameters ``(twist, rotation)``.

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer or an angle is not a number.
    QClockError
        If ``atoms`` < 1, no twist is given, ``parameters`` does not have
        length 2, or a value is not finite.
    """
    atoms = check_atoms(atoms)
    if parameters is not None:
        values = check_finite_array(parameters, "parameters", ndim=1)
        if values.shape[0] != 2:
            raise QClockError(f"parameters must have length 2 for sss (twist, rotation), got length {values.shape[0]}")
        twist, rotation = float(values[0]), float(values[1])
    if twist is None:
        raise QClockError("sss needs a twist strength μ (twist=...), got None")
    twist = check_finite(twist, "twist")
    if rotation is None:
        rotation = sss_optimal_rotation(atoms, twist)
    rotation = check_finite(rotation, "rotation")
    return RamseyProtocol(
        atoms,
        (Rotation(-_HALF_PI, "y"), Twist(twist, "z"), Rotation(rotation, "x")),
        (Rotation(_HALF_PI, "x"),),
        readout="jz", name="SSS", family="sss",
        parameters=np.array([twist, rotation]), parameter_names=("twist", "rotation"))


# ------------------------------------------------------------------- GHZ
def ghz(atoms: int, readout: str = "parity", parameters=None) -> RamseyProtocol:
    """GHZ protocol (Kielinski & Hammerer, arXiv:2505.04287 (2025), eqs. (A76)–(A85)).

    Preparation ``|GHZ⟩`` then ``Rz(−π/(2N))`` (eq. A77, working point at φ = 0).

    * ``readout='parity'``: ``Ry(−π/2)`` maps ``σx → σz`` on each atom, so the
      parity ``(−1)^k`` of the excited atoms measures ``Π = (−1)^N σx^{⊗N}``
      and ``⟨Π(φ)⟩ = (−1)^N sin(Nφ)`` (eq. A78).
    * ``readout='jz'``: a projective Jz measurement after ``Rx(π/2)`` for
      even N (eq. A82) and ``Ry(π/2)`` for odd N; then
      ``P(M|φ) = C(N,k)/2^N [1 ± sin(Nφ)]`` with a sign alternating in k (eq. A83
      for even N), and the Bayesian estimator recovers the parity (eq. A85).

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1.
    readout : {'parity', 'jz'}, optional
        Readout of the final state (default ``'parity'``).
    parameters : array_like, optional
        Must be None or empty (no free parameters).

    Returns
    -------
    RamseyProtocol
        The protocol (backend-free description; see
        :class:`~qclock_circuits.protocols.ramsey.RamseyProtocol`).
        Family ``"ghz"``.

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer.
    QClockError
        If ``atoms`` < 1, ``readout`` is not allowed or ``parameters`` is not empty.
    """
    atoms = check_atoms(atoms)
    check_choice(readout, "readout", ("parity", "jz"))
    _check_no_parameters(parameters, "ghz")
    prep = (PrepareState(ghz_state(atoms), label="ghz"), Rotation(-np.pi / (2 * atoms), "z"))
    if readout == "parity":
        meas = (Rotation(-_HALF_PI, "y"),)
    elif atoms % 2 == 0:
        meas = (Rotation(_HALF_PI, "x"),)
    else:
        meas = (Rotation(_HALF_PI, "y"),)
    return RamseyProtocol(atoms, prep, meas, readout=readout, name=f"GHZ ({readout})",
                          family="ghz", options={"readout": readout})


# ------------------------------------------------------------------- variational
def variational_parameter_names(n: int, m: int) -> tuple[str, ...]:
    """Names of the free parameters of the [n, m] variational class, in time order.

    ``mu_1`` (first preparation twist, about z), then for every further
    twist ``j``: ``mu_j, twist_polar_j, twist_azimuth_j``; the phase axis
    ``phase_axis_polar, phase_axis_azimuth`` after the preparation twists and
    the measurement axis ``measure_axis_polar, measure_axis_azimuth`` at the
    end. Count: 2 + 3(n+m) for n ≥ 1 (Kielinski & Hammerer, arXiv:2505.04287
    (2025), eq. (39)); 4 + 3m for n = 0.

    Parameters
    ----------
    n : int
        Number of preparation twists (≥ 0).
    m : int
        Number of measurement twists (≥ 0).

    Returns
    -------
    tuple of str
        The parameter names; twist strengths ``mu_*`` are dimensionless (rad),
        axis angles are in rad.
    """
    names: list[str] = []
    for j in range(1, n + m + 1):
        if j == 1 and n >= 1:
            names.append("mu_1")
        else:
            names += [f"mu_{j}", f"twist_polar_{j}", f"twist_azimuth_{j}"]
        if j == n:
            names += ["phase_axis_polar", "phase_axis_azimuth"]
    if n == 0:
        names = ["phase_axis_polar", "phase_axis_azimuth"] + names
    names += ["measure_axis_polar", "measure_axis_azimuth"]
    return tuple(names)


#: Most layers n or m of a variational protocol (each layer is one twist and one rotation on (N+1)x(N+1)
#: matrices, and the optimiser's cost grows with the 2(n+m)+2 parameters; Kielinski & Hammerer use n, m <= 3).
MAX_LAYERS = 64


def _check_layers(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise QClockError(f"{name} must be an integer >= 0, got {value!r}")
    if value > MAX_LAYERS:
        raise QClockError(f"{name} must be <= {MAX_LAYERS} layers (the largest variational depth supported), "
                          f"got {value}")
    return int(value)


def _frame_rotation_op(polar: float, azimuth: float) -> tuple[Rotation, Rotation]:
    """``R_n = Ry(−θ) Rz(−ϕ)`` as two rotations (applied Rz first)."""
    return (Rotation(-azimuth, "z"), Rotation(-polar, "y"))


def _default_variational_parameters(n: int, m: int) -> np.ndarray:
    """Zero twists, twist axes along z, phase axis z, measurement axis y: the CSS protocol."""
    names = variational_parameter_names(n, m)
    values = np.zeros(len(names))
    values[names.index("measure_axis_polar")] = _HALF_PI
    values[names.index("measure_axis_azimuth")] = _HALF_PI
    return values


def variational(atoms: int, n: int, m: int, params=None, parameters=None) -> RamseyProtocol:
    """Variational generalised Ramsey protocol of class [n, m], Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (39).

    ``U_prep = R_n [T_n … T_1] R_{π/2}``, ``U_meas = R_m [T_{n+m} … T_{n+1}] R_n†``,
    with ``T_j = T_{k_j}(μ_j) = R_{k_j}† T_z(μ_j) R_{k_j}`` applied in order of
    increasing j, ``T_1`` about z, and ``R_a = Ry(−θ_a) Rz(−ϕ_a)`` so that
    ``R_a† Jz R_a = a·J`` (effective phase imprint about n, effective
    measurement of m·J). Default parameters give the CSS protocol.

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1.
    n : int
        Number of preparation twists, 0 ≤ n ≤ ``MAX_LAYERS``.
    m : int
        Number of measurement twists, 0 ≤ m ≤ ``MAX_LAYERS``.
    params : array_like, optional
        2 + 3(n+m) values (4 + 3m for n = 0) in the order of
        :func:`variational_parameter_names`; twist strengths μ and angles in rad.
    parameters : array_like, optional
        Same as ``params`` (the name used by ``with_parameters``); give one of them.

    Returns
    -------
    RamseyProtocol
        The protocol (backend-free description; see
        :class:`~qclock_circuits.protocols.ramsey.RamseyProtocol`).
        Family ``"variational"``, readout ``"jz"``, named ``"[n,m]"``.

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer or the parameters are not numbers.
    QClockError
        If ``atoms`` < 1, ``n`` or ``m`` is negative, not an integer or above
        ``MAX_LAYERS``, both ``params`` and ``parameters`` are given, or the
        parameter vector has the wrong length or non-finite values.
    """
    atoms = check_atoms(atoms)
    n = _check_layers(n, "n")
    m = _check_layers(m, "m")
    if params is not None and parameters is not None:
        raise QClockError("give params or parameters, not both")
    params = parameters if params is None else params
    names = variational_parameter_names(n, m)
    if params is None:
        values = _default_variational_parameters(n, m)
    else:
        values = check_finite_array(params, "params", ndim=1)
        if values.shape[0] != len(names):
            raise QClockError(f"params must have length {len(names)} for the [{n},{m}] class "
                              f"(2 + 3(n+m) for n >= 1, 4 + 3m for n = 0), got length {values.shape[0]}")
    value = dict(zip(names, values))

    def twist(j: int) -> tuple:
        if j == 1 and n >= 1:
            return (Twist(value["mu_1"], "z"),)
        axis = angles_to_axis(value[f"twist_polar_{j}"], value[f"twist_azimuth_{j}"])
        return (Twist(value[f"mu_{j}"], axis),)

    phase_frame = _frame_rotation_op(value["phase_axis_polar"], value["phase_axis_azimuth"])
    measure_frame = _frame_rotation_op(value["measure_axis_polar"], value["measure_axis_azimuth"])
    prep = [Rotation(-_HALF_PI, "y")]
    for j in range(1, n + 1):
        prep += twist(j)
    prep += phase_frame
    meas = [op.inverse() for op in reversed(phase_frame)]
    for j in range(n + 1, n + m + 1):
        meas += twist(j)
    meas += measure_frame
    return RamseyProtocol(atoms, tuple(prep), tuple(meas), readout="jz", name=f"[{n},{m}]",
                          family="variational", parameters=values, parameter_names=names,
                          options={"n": n, "m": m})


# ------------------------------------------------------------------- POI
def phase_operator_unitary(atoms: int) -> np.ndarray:
    """Unitary whose rows are the phase-operator eigenstates ``⟨s|``.

    Kielinski & Hammerer, arXiv:2505.04287 (2025), eq. (A45):
    ``|s⟩ = (N+1)^{-1/2} Σ_M e^{−iφ_s M}|M⟩``, ``φ_s = 2πs/(N+1)``,
    s = −N/2..N/2, so ``U[j, k] = e^{iφ_{s_j} M_k}/√(N+1)`` and Dicke outcome
    j ↔ eigenvalue φ_{s_j}.

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1.

    Returns
    -------
    numpy.ndarray
        Complex unitary matrix of shape (N+1, N+1).

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer.
    QClockError
        If ``atoms`` < 1.
    """
    atoms = check_atoms(atoms)
    m = magnetic_numbers(atoms)
    return np.exp(2j * np.pi * np.outer(m, m) / (atoms + 1)) / np.sqrt(atoms + 1)


def poi(atoms: int, state=None, parameters=None) -> RamseyProtocol:
    """Phase-operator based interferometer (Kielinski & Hammerer, arXiv:2505.04287 (2025), eqs. (A45)–(A46)).

    The input state defaults to the sine state (eq. A46); the measurement
    projects on the phase-operator eigenstates and reports ``φ_s = 2πs/(N+1)``
    (rad). Free parameters: the input state's Dicke amplitudes
    ``[Re ψ_k…, Im ψ_k…]``.

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1.
    state : array_like of shape (N+1,), optional
        Input state in the Dicke basis (normalised on construction); default
        the sine state.
    parameters : array_like of shape (2(N+1),), optional
        Real and imaginary parts of the input amplitudes, alternative to
        ``state`` (used by ``with_parameters``).

    Returns
    -------
    RamseyProtocol
        The protocol (backend-free description; see
        :class:`~qclock_circuits.protocols.ramsey.RamseyProtocol`).
        Family ``"poi"``, readout ``"phase"``.

    Raises
    ------
    TypeError
        If ``atoms`` is not an integer or the amplitudes are not numbers.
    QClockError
        If ``atoms`` < 1, both ``state`` and ``parameters`` are given, or the
        amplitudes have the wrong length, are not finite or are all zero.
    """
    atoms = check_atoms(atoms)
    if state is not None and parameters is not None:
        raise QClockError("give state or parameters, not both")
    if parameters is not None:
        values = check_finite_array(parameters, "parameters", ndim=1)
        if values.shape[0] != 2 * (atoms + 1):
            raise QClockError(f"parameters must have length 2(N+1) = {2 * (atoms + 1)} for poi, "
                              f"got length {values.shape[0]}")
        state = values[: atoms + 1] + 1j * values[atoms + 1:]
        label = "state"
    elif state is None:
        state, label = sine_state(atoms), "sine"
    else:
        state = check_finite_array(state, "state", ndim=1, length=atoms + 1, dtype=complex)
        label = "state"
    prep = PrepareState(state, label=label)
    amplitudes = prep.amplitudes
    names = tuple(f"re_{k}" for k in range(atoms + 1)) + tuple(f"im_{k}" for k in range(atoms + 1))
    return RamseyProtocol(atoms, (prep,), (CollectiveUnitary(phase_operator_unitary(atoms), "phase_operator"),),
                          readout="phase", name="POI", family="poi",
                          parameters=np.concatenate([amplitudes.real, amplitudes.imag]),
                          parameter_names=names)


# ------------------------------------------------------------------- custom
def custom(atoms: int, preparation, measurement, readout: str = "jz", name: str = "custom") -> RamseyProtocol:
    """A protocol from explicit operations (no free parameters).

    Parameters
    ----------
    atoms : int
        Number of atoms N ≥ 1.
    preparation : iterable of Operation
        Operations applied to ``|↓…↓⟩`` before the phase imprint, in time order
        (:class:`~.operations.Rotation`, :class:`~.operations.Twist`,
        :class:`~.operations.PrepareState` first only,
        :class:`~.operations.CollectiveUnitary`).
    measurement : iterable of Operation
        Operations after the phase imprint, before the readout, in time order.
    readout : {'jz', 'parity', 'phase'}, optional
        How the final Dicke populations are read (default ``'jz'``).
    name : str, optional
        Display name (default ``'custom'``).

    Returns
    -------
    RamseyProtocol
        The protocol (backend-free description; see
        :class:`~qclock_circuits.protocols.ramsey.RamseyProtocol`).

    Raises
    ------
    QClockError
        If ``readout`` is not allowed or the operations are invalid (see
        :class:`~.ramsey.RamseyProtocol`).
    """
    check_choice(readout, "readout", READOUTS)
    return RamseyProtocol(atoms, tuple(preparation), tuple(measurement), readout=readout, name=name)


register_family("css", lambda atoms, parameters: css(atoms, parameters))
register_family("sss", lambda atoms, parameters: sss(atoms, parameters=parameters))
register_family("ghz", lambda atoms, parameters, readout="parity": ghz(atoms, readout, parameters))
register_family("variational", lambda atoms, parameters, n, m: variational(atoms, n, m, parameters))
register_family("poi", lambda atoms, parameters: poi(atoms, parameters=parameters))
